// SPDX-License-Identifier: GPL-2.0

//! Preemption guard: the proof that the current task stays on the current CPU.
//!
//! C header: [`include/linux/preempt.h`](srctree/include/linux/preempt.h)

use crate::{
    cpu::CpuId,
    interrupt::LocalInterruptDisabled,
    types::NotThreadSafe, //
};

/// A guard that disables preemption for as long as it exists.
///
/// While preemption is disabled, no other task runs on this CPU and the current task cannot be
/// migrated to another CPU, so "the current CPU" is a stable notion and references into its
/// per-CPU area may be handed out with the lifetime of a borrow of the guard. Interrupts and
/// NMIs still run; see the [module documentation](super) for what that means for the data.
///
/// The guard is neither [`Send`] nor [`Sync`]: it proves something about the task that created
/// it, so it cannot be moved or shared with another task. Guards nest, like the C calls.
///
/// Leaking the guard (for example with [`core::mem::forget`]) is safe but leaves preemption
/// disabled for good; no memory safety depends on the guard being dropped.
///
/// # Invariants
///
/// The guard owns one level of `preempt_disable()` on the CPU that created it, and it never
/// leaves the task that created it.
///
/// # Examples
///
/// ```
/// use kernel::percpu::CpuGuard;
///
/// let guard = CpuGuard::new();
/// let cpu = guard.cpu();
/// // Preemption is off: the task cannot have moved.
/// assert_eq!(cpu, guard.cpu());
/// drop(guard);
/// ```
#[must_use = "preemption is enabled again as soon as the guard is dropped"]
#[doc(alias("preempt_disable", "get_cpu"))]
pub struct CpuGuard(NotThreadSafe);

impl CpuGuard {
    /// Disables preemption and returns a guard that enables it again when dropped.
    #[inline]
    pub fn new() -> Self {
        // SAFETY: Disabling preemption has no precondition; `drop` gives the level back.
        unsafe { bindings::preempt_disable() };
        // INVARIANT: Preemption was just disabled, and `NotThreadSafe` keeps the guard in this
        // task.
        Self(NotThreadSafe)
    }

    /// Returns the CPU this task runs on, which cannot change while the guard exists.
    #[inline]
    #[doc(alias = "smp_processor_id")]
    pub fn cpu(&self) -> CpuId {
        CpuId::current()
    }

    /// Enables preemption again, like dropping the guard.
    #[inline]
    #[doc(alias = "preempt_enable")]
    pub fn enable(self) {}
}

impl Default for CpuGuard {
    #[inline]
    fn default() -> Self {
        Self::new()
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

/// Disables preemption; the C `preempt_disable()`.
///
/// Returns a [`CpuGuard`] that enables preemption again when dropped.
#[inline]
pub fn preempt_disable() -> CpuGuard {
    CpuGuard::new()
}

mod private {
    pub trait Sealed {}

    impl Sealed for super::CpuGuard {}
    impl Sealed for crate::interrupt::LocalInterruptDisabled {}
}

/// A proof that the current task cannot leave the current CPU while the proof is borrowed.
///
/// Implemented by [`CpuGuard`] (preemption disabled) and by [`LocalInterruptDisabled`]
/// (interrupts disabled, which also keeps the scheduler away). Accessors that hand out
/// references into the current CPU's area take `&'a impl CpuPinned` and bind the reference to
/// `'a`.
///
/// This trait is sealed: a new proof type needs a review of every accessor.
///
/// # Safety
///
/// For as long as a value of the implementing type exists, the task that created it runs on
/// the same CPU and is not preempted by another task, and the value cannot move to, or be
/// shared with, another task (the type is `!Send` and `!Sync`).
pub unsafe trait CpuPinned: private::Sealed {}

// SAFETY: By its type invariant, preemption is disabled while a `CpuGuard` exists, and
// `NotThreadSafe` makes it `!Send` and `!Sync`.
unsafe impl CpuPinned for CpuGuard {}

// SAFETY: By its type invariant, local interrupts are disabled while a `LocalInterruptDisabled`
// exists, which also disables preemption, and `NotThreadSafe` makes it `!Send` and `!Sync`.
unsafe impl CpuPinned for LocalInterruptDisabled {}
