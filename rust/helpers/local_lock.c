// SPDX-License-Identifier: GPL-2.0

#include <linux/interrupt_rc.h>
#include <linux/local_lock.h>

/*
 * Initialises one CPU's local_lock_t with the lockdep class @key, like
 * local_lock_init() with a class of the caller's instead of one per call site.
 */
__rust_helper void rust_helper___local_lock_init(local_lock_t *lock,
						 const char *name,
						 struct lock_class_key *key)
{
#ifdef CONFIG_PREEMPT_RT
	__spin_lock_init(lock, name, key, true);
#elif defined(CONFIG_DEBUG_LOCK_ALLOC)
	debug_check_no_locks_freed((void *)lock, sizeof(*lock));
	lockdep_init_map_type(&lock->dep_map, name, key, 0, LD_WAIT_CONFIG,
			      LD_WAIT_INV, LD_LOCK_PERCPU);
	lock->owner = NULL;
#endif
}

/*
 * The operations take the per-CPU address and lock the current CPU's lock;
 * the locking ones return its address on this CPU, where the task now stays.
 */

__rust_helper local_lock_t *rust_helper_local_lock(local_lock_t __percpu *lock)
{
	local_lock(lock);
	return this_cpu_ptr(lock);
}

__rust_helper void rust_helper_local_unlock(local_lock_t __percpu *lock)
{
	local_unlock(lock);
}

/*
 * local_lock_irq() built on the refcounted local_interrupt_disable(), so that
 * Rust guards may be released in any order; on PREEMPT_RT, as local_lock_irq()
 * there, interrupts stay enabled.
 */
__rust_helper local_lock_t *
rust_helper_local_lock_irq_disable(local_lock_t __percpu *lock)
{
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_interrupt_disable();
	local_lock(lock);
	return this_cpu_ptr(lock);
}

__rust_helper void
rust_helper_local_unlock_irq_enable(local_lock_t __percpu *lock)
{
	local_unlock(lock);
	if (!IS_ENABLED(CONFIG_PREEMPT_RT))
		local_interrupt_enable();
}
