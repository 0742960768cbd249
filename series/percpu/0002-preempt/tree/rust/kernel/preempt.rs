// SPDX-License-Identifier: GPL-2.0

//! Preemption control.
//!
//! C header: [`include/linux/preempt.h`](srctree/include/linux/preempt.h)

use crate::{
    cpu::CpuId,
    types::NotThreadSafe, //
};

/// A guard that disables preemption for as long as it exists.
///
/// While preemption is disabled, no other task runs on this CPU and the current task cannot be
/// migrated to another CPU, so "the current CPU" is a stable notion: per-CPU data can be
/// reached with references bound to a borrow of the guard. Interrupts and NMIs still run.
///
/// The code that holds the guard is in atomic context and must not sleep: a sleep schedules,
/// which may migrate the task while references into the old CPU's data live on. Nothing checks
/// this at compile time; `CONFIG_DEBUG_ATOMIC_SLEEP` reports it at run time. On
/// `CONFIG_PREEMPT_RT` kernels [`SpinLock`] and [`Mutex`] sleep, so neither may be taken under
/// the guard there.
///
/// The guard is neither [`Send`] nor [`Sync`]: it proves something about the task that created
/// it, so it cannot be moved or shared with another task. Guards nest, like the C calls.
///
/// Leaking the guard (for example with [`core::mem::forget`]) is safe but leaves preemption
/// disabled for good; no memory safety depends on the guard being dropped.
///
/// [`SpinLock`]: crate::sync::SpinLock
/// [`Mutex`]: crate::sync::Mutex
///
/// # Invariants
///
/// The guard owns one level of `preempt_disable()` on the CPU that created it, and it never
/// leaves the task that created it.
///
/// # Examples
///
/// ```
/// use kernel::preempt::CpuGuard;
///
/// let guard = CpuGuard::new();
/// let cpu = guard.cpu();
/// // Preemption is off: the task cannot have moved.
/// assert_eq!(cpu, guard.cpu());
/// drop(guard);
/// ```
#[doc(alias("preempt_disable", "get_cpu"))]
#[must_use = "preemption is enabled again immediately when the guard is unused"]
pub struct CpuGuard(NotThreadSafe);

impl CpuGuard {
    /// Disables preemption and returns a guard that enables it again when dropped.
    #[allow(
        clippy::new_without_default,
        reason = "disabling preemption is not a default value; `Default` would hide it"
    )]
    #[inline]
    pub fn new() -> Self {
        // SAFETY: Disabling preemption has no precondition; `drop` gives the level back.
        unsafe { bindings::preempt_disable() };
        // INVARIANT: Preemption was just disabled, and `NotThreadSafe` keeps the guard in this
        // task.
        Self(NotThreadSafe)
    }

    /// Returns the CPU this task runs on, which cannot change while the guard exists.
    #[doc(alias = "smp_processor_id")]
    #[inline]
    pub fn cpu(&self) -> CpuId {
        CpuId::current()
    }
}

impl Drop for CpuGuard {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: By the type invariant, this guard owns one level of preemption disabling on
        // this CPU, which is given back here.
        unsafe { bindings::preempt_enable() };
    }
}
