// SPDX-License-Identifier: GPL-2.0
/*
 * The C cases of `make bench`, each a loop of n operations, and an out-of-line preemption
 * pair for the "earlier design" case. Called by pcpu_bench.rs.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>

void pcpu_bench_c_this_cpu_inc(u64 n);
void pcpu_bench_c_this_cpu_inc_dynamic(u64 __percpu *p, u64 n);
void pcpu_bench_c_get_cpu_ptr(u64 n);
void pcpu_bench_c_preempt_disable(void);
void pcpu_bench_c_preempt_enable(void);
void pcpu_bench_c_elem_inc(u64 n);

/* The array case: as pcpu_bench.rs (ELEMS, INDEX), element 5 of 32. */
#define BENCH_C_ELEMS 32
static DEFINE_PER_CPU(u32, bench_c_array[BENCH_C_ELEMS]);
static u32 bench_c_index = 5;

static DEFINE_PER_CPU(u64, bench_c_counter);

void pcpu_bench_c_this_cpu_inc(u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		this_cpu_inc(bench_c_counter);
}
EXPORT_SYMBOL_GPL(pcpu_bench_c_this_cpu_inc);

void pcpu_bench_c_this_cpu_inc_dynamic(u64 __percpu *p, u64 n)
{
	u64 i;

	for (i = 0; i < n; i++)
		this_cpu_inc(*p);
}
EXPORT_SYMBOL_GPL(pcpu_bench_c_this_cpu_inc_dynamic);

void pcpu_bench_c_get_cpu_ptr(u64 n)
{
	u64 i, *p;

	for (i = 0; i < n; i++) {
		p = get_cpu_ptr(&bench_c_counter);
		(*p)++;
		put_cpu_ptr(&bench_c_counter);
	}
}
EXPORT_SYMBOL_GPL(pcpu_bench_c_get_cpu_ptr);

/* The index is read on every operation, as Binder takes it from the command. */
void pcpu_bench_c_elem_inc(u64 n)
{
	u64 k;
	u32 i;

	for (k = 0; k < n; k++) {
		i = READ_ONCE(bench_c_index);
		if (i < BENCH_C_ELEMS)
			this_cpu_inc(bench_c_array[i]);
	}
}
EXPORT_SYMBOL_GPL(pcpu_bench_c_elem_inc);

/* Out of line on purpose: the earlier posted design called helpers like these. */
noinline void pcpu_bench_c_preempt_disable(void)
{
	preempt_disable();
}
EXPORT_SYMBOL_GPL(pcpu_bench_c_preempt_disable);

noinline void pcpu_bench_c_preempt_enable(void)
{
	preempt_enable();
}
EXPORT_SYMBOL_GPL(pcpu_bench_c_preempt_enable);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("C cases of the per-CPU benchmark");
