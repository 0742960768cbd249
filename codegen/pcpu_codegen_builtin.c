// SPDX-License-Identifier: GPL-2.0
/*
 * migrate_disable() and migrate_enable() as built-in code gets them: this object is not part of
 * a module (Kbuild: always-y), so it is compiled without -DMODULE and sched.h inlines them.
 * Only disassembled by `make codegen`, never linked.
 */
#include <linux/sched.h>

void cg_c_builtin_migrate_guard(void);

void cg_c_builtin_migrate_guard(void)
{
	migrate_disable();
	migrate_enable();
}
