// SPDX-License-Identifier: GPL-2.0

//! Cross-CPU function calls.
//!
//! C header: [`include/linux/smp.h`](srctree/include/linux/smp.h)

use crate::{
    cpu::CpuId,
    cpumask,
    interrupt::LocalInterruptDisabled,
    prelude::*, //
};

/// Calls `f` on every online CPU and waits until all calls have returned.
///
/// The calls run at the same time, in interrupt context with local interrupts disabled (on the
/// calling CPU too), which is why `f` must be [`Sync`] and receives a
/// [`LocalInterruptDisabled`] proof: with it `f` can reach its CPU's value of any per-CPU
/// variable, including those of `Send`-only types. `f` must not sleep.
///
/// Returns [`EINVAL`] when called from interrupt context or with interrupts disabled, where
/// waiting for other CPUs could deadlock.
///
/// # Examples
///
/// ```
/// use kernel::{
///     smp,
///     sync::atomic::{
///         Atomic,
///         Relaxed, //
///     },
/// };
///
/// let calls = Atomic::new(0u32);
/// smp::on_each_cpu(|_cpu, _irq| {
///     calls.fetch_add(1, Relaxed);
/// })?;
/// // Every online CPU ran the closure once.
/// assert_eq!(calls.load(Relaxed), kernel::cpumask::online_cpus().weight());
/// # Ok::<(), Error>(())
/// ```
#[doc(alias = "on_each_cpu_cond_mask")]
pub fn on_each_cpu<F>(f: F) -> Result
where
    F: Fn(CpuId, &LocalInterruptDisabled) + Sync,
{
    /// Calls the `F` that `info` points to.
    ///
    /// # Safety
    ///
    /// `info` points to an `F` that is valid for the duration of the call, and local
    /// interrupts are disabled during the call.
    unsafe extern "C" fn call<F>(info: *mut c_void)
    where
        F: Fn(CpuId, &LocalInterruptDisabled) + Sync,
    {
        // SAFETY: By the safety requirements, `info` points to a valid `F`.
        let f = unsafe { &*info.cast_const().cast::<F>() };
        // SAFETY: By the safety requirements, interrupts are disabled for the whole call,
        // which outlives the returned reference.
        let irq = unsafe { LocalInterruptDisabled::assume_disabled() };
        f(CpuId::current(), irq);
    }

    // SAFETY: Both only read the current context's state.
    if unsafe { !bindings::in_task() || bindings::irqs_disabled() } {
        return Err(EINVAL);
    }
    // SAFETY: `call::<F>` matches `info`, which points to `f`; `f` is `Sync` since the calls
    // run concurrently on several CPUs, and it outlives them since `wait` is true. The
    // function runs them with local interrupts disabled, as `call` requires. The online mask
    // is a valid cpumask.
    unsafe {
        bindings::on_each_cpu_cond_mask(
            None,
            Some(call::<F>),
            core::ptr::from_ref(&f).cast_mut().cast(),
            true,
            cpumask::online_cpus().as_raw(),
        )
    };
    Ok(())
}
