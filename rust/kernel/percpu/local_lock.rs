// SPDX-License-Identifier: GPL-2.0

//! Per-CPU data under a local lock, the C `local_lock_t`.
//!
//! C header: [`include/linux/local_lock.h`](srctree/include/linux/local_lock.h)
//!
//! A local lock protects the current CPU's value of a per-CPU variable against the other tasks
//! of the same CPU and, for a [`LocalLockedIrq`], against its interrupt handlers. On ordinary
//! kernels taking it disables preemption (and, for a [`LocalLockedIrq`], interrupts); on
//! `CONFIG_PREEMPT_RT` kernels it disables migration and takes a per-CPU spinlock, which sleeps,
//! so the section stays preemptible. Either way lockdep sees it, and the holder gets `&mut`
//! access to the value with no `unsafe`. See `Documentation/locking/locktypes.rst`.
//!
//! On `CONFIG_PREEMPT_RT` both kinds of lock sleep when contended: never take one under a
//! [`CpuGuard`](super::CpuGuard) or a [`LocalInterruptDisabled`](crate::interrupt) proof, nor in
//! an interrupt handler that stays hard there (a `Hard` hrtimer mode, an `on_each_cpu`
//! callback). Threaded interrupt handlers and soft interrupts may take a [`LocalLockedIrq`].
//! Neither is for NMI context.

use super::{
    access::sealed,
    CpuStable,
    PerCpu, //
};
use crate::{
    cpu::CpuId,
    prelude::*,
    str::CStr,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        barrier::barrier,
        LockClassKey,
    },
    types::{
        NotThreadSafe,
        Opaque, //
    },
};
use core::{
    cell::UnsafeCell,
    ops::{
        Deref,
        DerefMut, //
    },
};
use pin_init::Wrapper;

/// One CPU's value of a per-CPU variable, protected by that CPU's local lock.
///
/// Make a per-CPU variable of it with [`DynamicPerCpu::new_with`] and [`new_local_locked!`]
/// (the value may be built in place by a pin-initializer), or with [`define_per_cpu!`] and
/// [`static_local_locked!`]. Then take the current CPU's lock with [`LocalLock::lock`]; the
/// value is only reached through the lock's guard.
///
/// `IRQ` says how the lock is taken, for the whole life of the variable, as the tree separates
/// [`SpinLock`] from [`SpinLockIrq`]: `LocalLocked<T>` in task context only, the C
/// `local_lock()`; [`LocalLockedIrq<T>`] also in interrupt handlers, with interrupts disabled
/// for the holder (the C `local_lock_irq()`, built on the refcounted
/// [`local_interrupt_disable()`], so that guards may be dropped in any order).
///
/// The lock is the C `local_lock_t`: `preempt_disable()` plus lockdep's view of it on ordinary
/// kernels, `migrate_disable()` plus a per-CPU `spinlock_t` on `CONFIG_PREEMPT_RT`. Besides it,
/// each value has a state byte that says whether its guard exists, so that taking the same
/// CPU's lock again while it is held (by the same task, or by an interrupt handler that
/// interrupted the holder) panics instead of handing out a second `&mut`; lockdep reports it
/// too. (On `CONFIG_PREEMPT_RT` the spinlock excludes every other task and the holder's own
/// second lock deadlocks, which lockdep reports.)
///
/// [`DynamicPerCpu::new_with`]: super::DynamicPerCpu::new_with
/// [`define_per_cpu!`]: super::define_per_cpu
/// [`SpinLock`]: crate::sync::SpinLock
/// [`SpinLockIrq`]: crate::sync::SpinLockIrq
/// [`local_interrupt_disable()`]: crate::interrupt::local_interrupt_disable
///
/// # Invariants
///
/// - Unless `state` is `UNINIT`, `lock` is initialised: by `__local_lock_init` when the value
///   was made in place, or, for a static variable on ordinary kernels, by the constant
///   initializer of the C `INIT_LOCAL_LOCK` with the call site's lockdep class. `state` is only
///   `UNINIT` on `CONFIG_PREEMPT_RT`, and leaves it only once, when `lock` is initialised.
/// - `lock` is only taken as `IRQ` says (see [`LocalLock::lock`]).
/// - `data` is only accessed through a [`LocalLockGuard`] of this value, which exists only while
///   the task that made it holds this CPU's lock; `state` is `HELD` exactly while it exists.
///
/// # Examples
///
/// ```
/// use kernel::{
///     new_local_locked,
///     percpu::{
///         DynamicPerCpu,
///         LocalLock,
///         LocalLocked, //
///     },
/// };
///
/// // A small per-CPU cache of free slot numbers, as a driver might keep.
/// struct Cache {
///     free: [u32; 8],
///     len: usize,
/// }
///
/// let caches = DynamicPerCpu::<LocalLocked<Cache>>::new_with(
///     |_| new_local_locked!(Cache { free: [0; 8], len: 0 }),
///     GFP_KERNEL,
/// )?;
///
/// // Exclusive access to this CPU's cache: no other task on this CPU runs the same section
/// // meanwhile, and no `unsafe` is needed.
/// let mut cache = caches.lock();
/// let len = cache.len;
/// cache.free[len] = 42;
/// cache.len += 1;
/// assert_eq!(cache.free[cache.len - 1], 42);
/// drop(cache);
/// # Ok::<(), Error>(())
/// ```
#[doc(alias("local_lock_t", "local_lock_init", "INIT_LOCAL_LOCK"))]
#[repr(C)]
#[pin_data]
pub struct LocalLocked<T, const IRQ: bool = false> {
    /// First, so that the per-CPU address of the value is the one of its lock.
    #[pin]
    lock: Opaque<bindings::local_lock_t>,
    /// Second, at the offset C's data has after an empty `local_lock_t`.
    #[pin]
    data: UnsafeCell<T>,
    /// [`UNINIT`], [`FREE`] or [`HELD`].
    state: Atomic<u8>,
    /// The lockdep name and class, for the initialisation at first use.
    #[cfg(CONFIG_PREEMPT_RT)]
    class: (&'static CStr, Pin<&'static LockClassKey>),
}

/// One CPU's value of a per-CPU variable, protected by that CPU's local lock, which is taken
/// with interrupts disabled: for data that interrupt handlers use too.
///
/// The C `local_lock_irq()`: on ordinary kernels every [`LocalLock::lock`] of it disables
/// interrupts with the refcounted [`local_interrupt_disable()`] (so its guards, and any
/// [`LocalInterruptDisabled`], may be dropped in any order: interrupts stay off until the last
/// is gone) and then takes the lock; on `CONFIG_PREEMPT_RT` it is taken as a [`LocalLocked`]
/// is (interrupt handlers run in threads there; [`LocalLock::lock`] says which contexts may take
/// it).
///
/// [`local_interrupt_disable()`]: crate::interrupt::local_interrupt_disable
/// [`LocalInterruptDisabled`]: crate::interrupt::LocalInterruptDisabled
///
/// # Examples
///
/// ```
/// use kernel::percpu::{
///     define_per_cpu,
///     static_local_locked,
///     LocalLock,
///     LocalLockedIrq, //
/// };
///
/// // Completions counted per CPU, by the interrupt handler and by the submitting task.
/// define_per_cpu!(static DONE: LocalLockedIrq<[u64; 2]> = static_local_locked!([0; 2]));
///
/// // Interrupts off (on ordinary kernels) until `done` is dropped.
/// let mut done = DONE.lock();
/// done[0] += 1;
/// drop(done);
/// ```
#[doc(alias("local_lock_irq", "local_lock_irqsave"))]
pub type LocalLockedIrq<T> = LocalLocked<T, true>;

/// The lock is not initialised yet: a static variable on `CONFIG_PREEMPT_RT`, whose
/// `spinlock_t` has no initializer in Rust; the first [`LocalLock::lock`] on each CPU
/// initialises it.
#[cfg_attr(
    not(CONFIG_PREEMPT_RT),
    expect(dead_code, reason = "only CONFIG_PREEMPT_RT has uninitialised locks")
)]
const UNINIT: u8 = 0;
/// The lock is initialised, and no guard of the value exists.
const FREE: u8 = 1;
/// A guard of the value exists.
const HELD: u8 = 2;

// SAFETY: Moving a `LocalLocked<T>` moves the `T` it holds; the lock itself belongs to no task
// until it is taken, and it is never taken outside the per-CPU memory it is made in.
unsafe impl<T: Send, const IRQ: bool> Send for LocalLocked<T, IRQ> {}

// SAFETY: A shared `&LocalLocked<T>` gives no access to the `T`: it is only reached through a
// `LocalLockGuard`, made by `LocalLock` methods that take the current CPU's lock and require
// `T: Send`; the lock and the state are only changed through the C functions and atomics.
unsafe impl<T: Send, const IRQ: bool> Sync for LocalLocked<T, IRQ> {}

impl<T, const IRQ: bool> LocalLocked<T, IRQ> {
    /// Returns an initializer of a value and its lock, with the lockdep class `key`.
    ///
    /// Use [`new_local_locked!`], which makes the name and the class for the call site.
    pub fn new<E>(
        data: impl PinInit<T, E>,
        name: &'static CStr,
        key: Pin<&'static LockClassKey>,
    ) -> impl PinInit<Self, E> {
        pin_init::pin_init!(Self {
            lock <- Opaque::try_ffi_init(|slot| {
                // SAFETY: `slot` is valid for writes while the closure runs, and `name` and
                // `key` live forever; `__local_lock_init` initialises the lock in place.
                unsafe { bindings::__local_lock_init(slot, name.as_char_ptr(), key.as_ptr()) };
                Ok(())
            }),
            state: Atomic::new(FREE),
            #[cfg(CONFIG_PREEMPT_RT)]
            class: (name, key),
            data <- UnsafeCell::pin_init(data),
        }? E)
    }

    /// Returns the initial value of a static per-CPU variable, with the lockdep class `key` for
    /// the locks of all CPUs.
    // Hidden but public: `static_local_locked!` expands to a call of it in the crate that
    // defines the variable.
    #[doc(hidden)]
    pub const fn __new_static(
        data: T,
        name: &'static CStr,
        key: Pin<&'static LockClassKey>,
    ) -> Self {
        Self {
            // INVARIANT: On ordinary kernels the lock gets the value of `INIT_LOCAL_LOCK` with
            // the class `key`; on `CONFIG_PREEMPT_RT` it stays uninitialised, and so does
            // `state`.
            lock: Opaque::new(static_lock(name, key)),
            #[cfg(not(CONFIG_PREEMPT_RT))]
            state: Atomic::new(FREE),
            #[cfg(CONFIG_PREEMPT_RT)]
            state: Atomic::new(UNINIT),
            #[cfg(CONFIG_PREEMPT_RT)]
            class: (name, key),
            data: UnsafeCell::new(data),
        }
    }
}

/// The C `INIT_LOCAL_LOCK(name)`, with the lockdep class `key` (C's statics are keyed by their
/// address instead): the lockdep map gets the name, the class, the wait type and the lock type,
/// the rest is zero. On `CONFIG_PREEMPT_RT` all zeroes, for the initialisation at first use
/// (see [`UNINIT`]).
const fn static_lock(
    name: &'static CStr,
    key: Pin<&'static LockClassKey>,
) -> bindings::local_lock_t {
    #[cfg(any(not(CONFIG_DEBUG_LOCK_ALLOC), CONFIG_PREEMPT_RT))]
    let _ = (name, key);
    // SAFETY: `local_lock_t` holds integers and raw pointers (nothing without
    // `CONFIG_DEBUG_LOCK_ALLOC`; on `CONFIG_PREEMPT_RT` a `spinlock_t`, an opaque array of
    // integers to Rust, not used as a lock before `__local_lock_init`), for which all zeroes
    // are valid.
    let lock: bindings::local_lock_t = unsafe { core::mem::zeroed() };
    #[cfg(all(CONFIG_DEBUG_LOCK_ALLOC, not(CONFIG_PREEMPT_RT)))]
    let lock = {
        let mut lock = lock;
        lock.dep_map.name = crate::str::as_char_ptr_in_const_context(name);
        // CAST: `LockClassKey` is a `#[repr(transparent)]` `Opaque<lock_class_key>`, which has
        // the layout of a `lock_class_key`; lockdep only writes it through its own locking.
        lock.dep_map.key = core::ptr::from_ref(Pin::get_ref(key)).cast_mut().cast();
        lock.dep_map.wait_type_inner = bindings::lockdep_wait_type_LD_WAIT_CONFIG as u8;
        lock.dep_map.lock_type = bindings::lockdep_lock_type_LD_LOCK_PERCPU as u8;
        lock
    };
    lock
}

/// Releases the current CPU's lock at the per-CPU address `lock`.
///
/// # Safety
///
/// The current task holds that lock, taken by [`LocalLock::lock`] of a `LocalLocked<_, IRQ>`.
#[inline]
unsafe fn unlock<const IRQ: bool>(lock: *mut bindings::local_lock_t) {
    if IRQ {
        // SAFETY: The lock was taken with `local_lock_irq_disable` (the caller's promise).
        unsafe { bindings::local_unlock_irq_enable(lock) }
    } else {
        // SAFETY: The lock was taken with `local_lock` (the caller's promise).
        unsafe { bindings::local_unlock(lock) }
    }
}

/// Releases the lock that its holder took again, then panics; out of line, so that the fast
/// path keeps no stack frame for the panic, and generic only over the kind of lock: one copy
/// for each (the kind is not an argument, which would cost the caller an instruction).
///
/// # Safety
///
/// As for [`unlock`].
#[cold]
#[inline(never)]
unsafe fn held_again<const IRQ: bool>(lock: *mut bindings::local_lock_t) -> ! {
    // SAFETY: The caller holds the lock, taken as `IRQ` says.
    unsafe { unlock::<IRQ>(lock) };
    panic!("local lock taken again by its holder (recursion or an interrupt)");
}

/// Keeps the task on its CPU and initialises the CPU's lock of `var` unless another task or
/// interrupt handler of this CPU did already.
#[cfg(CONFIG_PREEMPT_RT)]
#[inline]
fn pin_initialised<T: Send, const IRQ: bool, V>(var: &V) -> crate::preempt::MigrateGuard
where
    V: PerCpu<Item = LocalLocked<T, IRQ>> + ?Sized,
{
    let pinned = crate::preempt::MigrateGuard::new();
    let slot = var.get(&pinned);
    if slot.state.load(crate::sync::atomic::Acquire) == UNINIT {
        init_at_first_use(slot);
    }
    pinned
}

/// Initialises `slot`'s lock, the current CPU's, unless another task or interrupt handler of
/// this CPU did already.
#[cfg(CONFIG_PREEMPT_RT)]
#[cold]
fn init_at_first_use<T, const IRQ: bool>(slot: &LocalLocked<T, IRQ>) {
    // Interrupts off: nothing else on this CPU runs until the lock and its state are set, and
    // no other CPU uses this CPU's lock.
    let _irq = crate::interrupt::local_interrupt_disable();
    if slot.state.load(Relaxed) == UNINIT {
        let (name, key) = slot.class;
        // SAFETY: The lock is not in use (its state is `UNINIT`, and only this function,
        // running with interrupts off on the lock's CPU, leaves that state), `name` and `key`
        // live forever; `__local_lock_init` initialises it in place, where it stays.
        unsafe { bindings::__local_lock_init(slot.lock.get(), name.as_char_ptr(), key.as_ptr()) };
        // INVARIANT: The lock is initialised.
        slot.state.store(FREE, crate::sync::atomic::Release);
    }
}

/// Makes the initial value of a static per-CPU [`LocalLocked`] or [`LocalLockedIrq`] variable,
/// with a lockdep class for the call site.
///
/// `static_local_locked!(VALUE)` or `static_local_locked!(VALUE, "name")`, where `VALUE` is a
/// constant expression, in [`define_per_cpu!`](super::define_per_cpu). All CPUs' locks of the
/// variable are one lockdep class, on every kernel.
///
/// # Examples
///
/// ```
/// use kernel::percpu::{
///     define_per_cpu,
///     static_local_locked,
///     LocalLock,
///     LocalLocked, //
/// };
///
/// define_per_cpu!(static RECENT: LocalLocked<[u64; 4]> = static_local_locked!([0; 4]));
///
/// let mut recent = RECENT.lock();
/// recent.rotate_right(1);
/// recent[0] = 7;
/// assert_eq!(recent[0], 7);
/// ```
#[macro_export]
macro_rules! static_local_locked {
    ($value:expr $(, $name:literal)? $(,)?) => {
        $crate::percpu::LocalLocked::__new_static(
            $value,
            $crate::optional_name!($($name)?),
            $crate::static_lock_class!(),
        )
    };
}
pub use static_local_locked;

/// Makes an initializer of a [`LocalLocked`] or [`LocalLockedIrq`] value, with a lockdep class
/// for the call site.
///
/// `new_local_locked!(INIT)` or `new_local_locked!(INIT, "name")`, where `INIT` is a value or a
/// pin-initializer of it. All CPUs' values made at one call site share one lockdep class, as
/// the C `local_lock_init()` in a loop over the CPUs does. The variable's type says which of
/// the two it makes.
#[macro_export]
macro_rules! new_local_locked {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::percpu::LocalLocked::new(
            $inner,
            $crate::optional_name!($($name)?),
            $crate::static_lock_class!(),
        )
    };
}
pub use new_local_locked;

/// The local lock of a per-CPU variable of [`LocalLocked`] (or [`LocalLockedIrq`]) values.
///
/// Implemented by every [`PerCpu`] variable whose item is one of those.
pub trait LocalLock<T, const IRQ: bool = false>: PerCpu<Item = LocalLocked<T, IRQ>> {
    /// Takes the current CPU's lock and returns a guard to the current CPU's value.
    ///
    /// A [`LocalLocked`] is for task context; a [`LocalLockedIrq`] is taken with interrupts
    /// disabled (on ordinary kernels), also in interrupt handlers. The task stays on this CPU
    /// until the guard is dropped; on ordinary kernels it must not sleep meanwhile (preemption
    /// is disabled). On `CONFIG_PREEMPT_RT` the lock sleeps when contended and the holder may
    /// be preempted by other tasks, which wait for it: so there it must not be taken under a
    /// [`CpuGuard`](super::CpuGuard) or with interrupts off, nor in an interrupt handler that
    /// stays hard on `CONFIG_PREEMPT_RT` (a `Hard` hrtimer, an `on_each_cpu` callback; lockdep
    /// reports that on both kinds of kernel). Not for NMI context.
    ///
    /// # Panics
    ///
    /// Panics if this CPU's value is locked already: by the current task, or by the task that
    /// an interrupt handler calling this interrupted. The second lock is released first; the
    /// first holder never gets back to its guard (the kernel does not unwind), so the value's
    /// state stays held, one level of preemption (and, for a [`LocalLockedIrq`], of interrupt)
    /// disabling stays taken on ordinary kernels, and every later `lock()` of this CPU's value
    /// panics too. (On `CONFIG_PREEMPT_RT` the holder's second lock deadlocks instead.)
    #[doc(alias("local_lock", "local_lock_irq"))]
    #[inline]
    fn lock(&self) -> LocalLockGuard<'_, T, IRQ>
    where
        T: Send,
    {
        // The task stays on this CPU from the check of the lock's state until the lock pins it.
        #[cfg(CONFIG_PREEMPT_RT)]
        let _pinned = pin_initialised(self);
        // CAST: The lock is the first field of the `#[repr(C)]` `LocalLocked`, and
        // `Opaque<local_lock_t>` has the layout of a `local_lock_t`.
        let lock = self.ptr().as_raw().cast::<bindings::local_lock_t>();
        let slot = if IRQ {
            // SAFETY: By the safety requirements of `PerCpu`, every possible CPU's slot holds a
            // `LocalLocked<T, IRQ>` for the lifetime of `&self`, so `lock` is the per-CPU
            // address of `local_lock_t`s, which never move; the current CPU's is initialised
            // (type invariant of `LocalLocked`; on `CONFIG_PREEMPT_RT` by `pin_initialised`).
            unsafe { bindings::local_lock_irq_disable(lock) }
        } else {
            // SAFETY: As above.
            unsafe { bindings::local_lock(lock) }
        };
        // SAFETY: `local_lock` returned the lock's address on this CPU, which is the address
        // of this CPU's slot (see the cast above), and the lock keeps the task on this CPU
        // (migration or preemption disabled) while it is held. The slot holds a
        // `LocalLocked<T, IRQ>` for the lifetime of `&self` (see above).
        let slot = unsafe { &*slot.cast::<LocalLocked<T, IRQ>>() };
        // Only holders of this CPU's lock change the state, and of those only an interrupt
        // handler can run between this load and the store below; it leaves the state as it
        // found it, or held if it leaked its guard (which nothing can use any more; the next
        // lock of the value panics).
        if slot.state.load(Relaxed) == HELD {
            // SAFETY: This task just took the lock, as `IRQ` says.
            unsafe { held_again::<IRQ>(lock) };
        }
        slot.state.store(HELD, Relaxed);
        // INVARIANT: The state is `HELD` before the guard exists. The compiler barrier keeps
        // the accesses to `data` through the guard after the store: an interrupt handler on
        // this CPU is like a signal handler, which a `Relaxed` store does not order against
        // plain accesses, and it must find the state `HELD` while any of them may happen.
        barrier();
        // INVARIANT: This task holds this CPU's lock at `lock`, taken as `IRQ` says; `slot` is
        // this CPU's value, whose state was just set.
        LocalLockGuard {
            lock,
            slot,
            _not_send: NotThreadSafe,
        }
    }
}

impl<T, const IRQ: bool, V: PerCpu<Item = LocalLocked<T, IRQ>>> LocalLock<T, IRQ> for V {}

/// The guard of a local lock, made by [`LocalLock::lock`].
///
/// Dereferences to the current CPU's value (mutably if `T: Unpin`, else through
/// [`LocalLockGuard::as_mut`]); dropping it releases the lock (and, for a [`LocalLockedIrq`],
/// its level of interrupt disabling). It is neither [`Send`] nor [`Sync`]. While it exists the
/// task stays on its CPU, so it is also a [`CpuStable`] proof, for [`PerCpu::get`] of other
/// per-CPU variables. Leaking it is safe but leaves the lock held.
///
/// # Invariants
///
/// - The task that made the guard holds the current CPU's lock at the per-CPU address `lock`,
///   taken as `IRQ` says, and the task stays on this CPU until the guard is dropped.
/// - `slot` is this CPU's value of the variable whose locks are at `lock`; its state is `HELD`,
///   set by this guard.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LocalLockGuard<'a, T, const IRQ: bool = false> {
    lock: *mut bindings::local_lock_t,
    slot: &'a LocalLocked<T, IRQ>,
    _not_send: NotThreadSafe,
}

impl<T, const IRQ: bool> LocalLockGuard<'_, T, IRQ> {
    /// Returns the CPU whose value the guard holds, which is the one this task runs on until
    /// the guard is dropped.
    #[doc(alias = "smp_processor_id")]
    #[inline]
    pub fn cpu(&self) -> CpuId {
        CpuId::current()
    }

    /// Returns the current CPU's value, pinned.
    ///
    /// The value may have been built in place by a pin-initializer, so for `T: !Unpin` this is
    /// the only way to change it.
    #[inline]
    pub fn as_mut(&mut self) -> Pin<&mut T> {
        // SAFETY: By the type invariants this guard set the slot's state `HELD`, and by those of
        // `LocalLocked` the data is only reached through that one guard; `&mut self` makes the
        // borrow exclusive. The slot is in per-CPU memory, which never moves.
        unsafe { Pin::new_unchecked(&mut *self.slot.data.get()) }
    }
}

impl<T, const IRQ: bool> Deref for LocalLockGuard<'_, T, IRQ> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: By the type invariants the data is only reached through this guard, and
        // `&self` allows shared references only.
        unsafe { &*self.slot.data.get() }
    }
}

impl<T: Unpin, const IRQ: bool> DerefMut for LocalLockGuard<'_, T, IRQ> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        Pin::into_inner(self.as_mut())
    }
}

impl<T, const IRQ: bool> Drop for LocalLockGuard<'_, T, IRQ> {
    #[inline]
    fn drop(&mut self) {
        // The accesses to `data` through the guard stay before the store (see `lock`).
        barrier();
        // INVARIANT: The guard goes away, and with it the only access to the data.
        self.slot.state.store(FREE, Relaxed);
        // SAFETY: By the type invariant this task holds the lock, taken as `IRQ` says.
        unsafe { unlock::<IRQ>(self.lock) };
    }
}

impl<T, const IRQ: bool> sealed::Proof for LocalLockGuard<'_, T, IRQ> {}

// The task that made the guard holds a local lock, which keeps it on its CPU (preemption or
// migration disabled) until the guard is dropped, and `NotThreadSafe` makes the guard `!Send`
// and `!Sync`.
impl<T, const IRQ: bool> CpuStable for LocalLockGuard<'_, T, IRQ> {}

#[cfg(CONFIG_RUST_PERCPU_KUNIT_TEST)]
#[macros::kunit_tests(rust_kernel_percpu_local_lock)]
mod tests {
    use super::super::*;
    use super::{
        LocalLocked,
        LocalLockedIrq, //
    };
    use crate::{
        cpu::CpuId,
        cpumask, impl_has_hr_timer,
        interrupt::{
            local_interrupt_disable,
            LocalInterruptDisabled, //
        },
        preempt::MigrateGuard,
        prelude::*,
        sync::{
            atomic::{
                Atomic,
                Relaxed, //
            },
            Arc,
            ArcBorrow, //
        },
        time::{
            delay::fsleep,
            hrtimer::{
                ArcHrTimerHandle,
                HrTimer,
                HrTimerCallback,
                HrTimerCallbackContext,
                HrTimerPointer,
                HrTimerRestart,
                RelativePinnedMode, //
            },
            Delta,
            Monotonic, //
        },
        workqueue,
    };
    use core::{
        ffi::c_void,
        hint::black_box,
        ops::Deref, //
    };

    /// A value that a lost update would show: `count` is read, the task may be interrupted or
    /// preempted, and only then written back, and `copy` must always equal it.
    struct Pair {
        count: u64,
        copy: u64,
        /// Sections that found `count != copy`, or ran on another CPU than the slot's.
        broken: u64,
    }

    impl Pair {
        const fn new() -> Self {
            Self {
                count: 0,
                copy: 0,
                broken: 0,
            }
        }

        /// One increment, split into a load and a store as far apart as the compiler allows.
        fn bump(&mut self, expected_cpu: Option<CpuId>) {
            if self.count != self.copy || expected_cpu.is_some_and(|c| c != CpuId::current()) {
                self.broken += 1;
            }
            let n = black_box(self.count);
            for _ in 0..black_box(20) {
                core::hint::spin_loop();
            }
            self.count = n + 1;
            self.copy = n + 1;
        }
    }

    fn new_pairs() -> Result<DynamicPerCpu<LocalLocked<Pair>>> {
        DynamicPerCpu::new_with(|_| new_local_locked!(Pair::new()), GFP_KERNEL)
    }

    /// Returns each possible CPU's count of `v`, and the sections found broken on all CPUs.
    ///
    /// # Safety
    ///
    /// No guard of `v` exists, and none is made, while this runs.
    unsafe fn counts<V, const IRQ: bool>(v: &V) -> Result<(KVec<u64>, u64)>
    where
        V: PerCpu<Item = LocalLocked<Pair, IRQ>>,
    {
        let (mut counts, mut broken) = (KVec::new(), 0);
        for cpu in cpumask::possible_cpus().iter() {
            // SAFETY: The data of `cpu`'s slot is only reached through guards, and the caller
            // promises that none exists meanwhile.
            let pair = unsafe { &*v.remote(cpu)?.data.get() };
            counts.push(pair.count, GFP_KERNEL)?;
            broken += pair.broken;
        }
        Ok((counts, broken))
    }

    const ITER: u64 = 20_000;
    /// Workers that are not bound to a CPU, besides the one bound to every online CPU.
    const FLOATING: u64 = 4;

    /// What a task bound to `cpu` gets: the variable (an `Arc` of a dynamic one, or a reference
    /// to a static one).
    struct OnCpu<P> {
        pairs: P,
        cpu: CpuId,
    }

    /// Runs `ITER` locked increments; called by `smp_call_on_cpu` in a task bound to the CPU.
    ///
    /// # Safety
    ///
    /// `arg` points to an `OnCpu<P>` that lives until this function returns.
    unsafe extern "C" fn bound_worker<P, V>(arg: *mut c_void) -> i32
    where
        P: Deref<Target = V>,
        V: LocalLock<Pair>,
    {
        // SAFETY: `arg` points to an `OnCpu<P>` that lives until this function returns (the
        // caller's promise).
        let on = unsafe { &*arg.cast::<OnCpu<P>>() };
        for _ in 0..ITER {
            on.pairs.lock().bump(Some(on.cpu));
        }
        0
    }

    /// One task bound to each online CPU and a few that the scheduler moves around take the
    /// current CPU's lock of `pairs` and increment its value with a load and a store that
    /// other tasks on the same CPU could split (on PREEMPT_RT the section is preemptible).
    /// Every increment must count, and every bound task must have stayed on its CPU.
    fn lock_from_tasks<P, V>(pairs: P) -> Result
    where
        P: Deref<Target = V> + Clone + Send + 'static,
        V: LocalLock<Pair>,
    {
        static DONE: Atomic<u64> = Atomic::new(0);
        static FAILED: Atomic<u64> = Atomic::new(0);
        DONE.store(0, Relaxed);
        FAILED.store(0, Relaxed);
        let online = cpumask::online_cpus();
        let bound = u64::from(online.weight());
        // SAFETY: No task uses `pairs` yet.
        let (before, _) = unsafe { counts(&*pairs)? };
        for cpu in online.iter() {
            let on = OnCpu {
                pairs: pairs.clone(),
                cpu,
            };
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                let par = (&raw const on).cast_mut().cast();
                // C directly: the tree has no Rust `smp_call_on_cpu()` (a call in a task bound
                // to a CPU, which may sleep), and only these tests need one.
                // SAFETY: `bound_worker` has the signature `smp_call_on_cpu` expects and only
                // reads `par`, an `OnCpu` that lives until `smp_call_on_cpu` returns (it waits
                // for the call). This is task context, where `smp_call_on_cpu` may sleep.
                let ret = unsafe {
                    bindings::smp_call_on_cpu(cpu.as_u32(), Some(bound_worker::<P, V>), par, false)
                };
                if ret != 0 {
                    FAILED.fetch_add(1, Relaxed);
                }
                DONE.fetch_add(1, Relaxed);
            })?;
        }
        for _ in 0..FLOATING {
            let p = pairs.clone();
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                for _ in 0..ITER {
                    p.lock().bump(None);
                }
                DONE.fetch_add(1, Relaxed);
            })?;
        }
        // Bounded wait: 30 s at most.
        for _ in 0..30_000 {
            if DONE.load(Relaxed) == bound + FLOATING {
                break;
            }
            fsleep(Delta::from_millis(1));
        }
        // If workers are still running, they keep a dynamic variable alive through the `Arc`;
        // the values are not read then.
        assert_eq!(DONE.load(Relaxed), bound + FLOATING);
        assert_eq!(FAILED.load(Relaxed), 0);
        // SAFETY: Every worker is done, so no guard of `pairs` exists.
        let (after, broken) = unsafe { counts(&*pairs)? };
        assert_eq!(broken, 0);
        let mut total = 0;
        for ((cpu, a), b) in cpumask::possible_cpus().iter().zip(&after).zip(&before) {
            if online.test(cpu) {
                assert!(a - b >= ITER);
            }
            total += a - b;
        }
        assert_eq!(total, (bound + FLOATING) * ITER);
        Ok(())
    }

    #[test]
    fn dynamic_lock_from_tasks_on_every_cpu() -> Result {
        lock_from_tasks(Arc::new(new_pairs()?, GFP_KERNEL)?)
    }

    define_per_cpu!(static STATIC_PAIRS: LocalLocked<Pair> = static_local_locked!(Pair::new()));

    #[test]
    fn static_lock_from_tasks_on_every_cpu() -> Result {
        // On PREEMPT_RT each CPU's lock is initialised by the first task that takes it, here
        // by several at once.
        lock_from_tasks(&STATIC_PAIRS)
    }

    /// A timer that increments the value of the CPU it is pinned to under the local lock, in
    /// hard interrupt context on ordinary kernels and in soft interrupt context on
    /// PREEMPT_RT (`RelativePinnedMode`).
    #[pin_data]
    struct Ticker {
        #[pin]
        timer: HrTimer<Self>,
        pairs: DynamicPerCpu<LocalLockedIrq<Pair>>,
        /// How often the handler ran.
        ticks: Atomic<u64>,
        /// How often it ran while the test's loop was running.
        hits: Atomic<u64>,
        looping: Atomic<bool>,
    }

    impl HrTimerCallback for Ticker {
        type Pointer<'a> = Arc<Self>;

        fn run(
            this: ArcBorrow<'_, Self>,
            mut ctx: HrTimerCallbackContext<'_, Self>,
        ) -> HrTimerRestart {
            this.pairs.lock().bump(None);
            this.ticks.fetch_add(1, Relaxed);
            if this.looping.load(Relaxed) {
                this.hits.fetch_add(1, Relaxed);
            }
            ctx.forward_now(TICK);
            HrTimerRestart::Restart
        }
    }

    impl_has_hr_timer! {
        impl HasHrTimer<Self> for Ticker {
            mode: RelativePinnedMode<Monotonic>, field: self.timer
        }
    }

    const TICK: Delta = Delta::from_micros(20);
    const MIN_HITS: u64 = 50;
    const MAX_ROUNDS: u64 = 20_000_000;

    #[test]
    fn irq_lock_against_a_timer() -> Result {
        // A timer pinned to this task's CPU takes a `LocalLockedIrq` every 20 us while this
        // task, kept on the CPU by a `MigrateGuard` (preemptible), does the same in a loop. On
        // ordinary kernels the task's sections run with interrupts off, so the handler runs
        // between them; on PREEMPT_RT the handler runs in a thread that may preempt the task
        // inside its section and then waits for the lock. Either way every increment must
        // count.
        let pairs = DynamicPerCpu::new_with(|_| new_local_locked!(Pair::new()), GFP_KERNEL)?;
        let ticker = Arc::pin_init(
            pin_init!(Ticker {
                timer <- HrTimer::new(),
                pairs,
                ticks: Atomic::new(0),
                hits: Atomic::new(0),
                looping: Atomic::new(false),
            }),
            GFP_KERNEL,
        )?;
        let pinned = MigrateGuard::new();
        let cpu = pinned.cpu();
        let handle: ArcHrTimerHandle<Ticker> = ticker.clone().start(TICK);
        ticker.looping.store(true, Relaxed);
        let mut rounds = 0;
        while ticker.hits.load(Relaxed) < MIN_HITS && rounds < MAX_ROUNDS {
            ticker.pairs.lock().bump(Some(cpu));
            rounds += 1;
        }
        ticker.looping.store(false, Relaxed);
        // Dropping the handle cancels the timer and waits for a running handler.
        drop(handle);
        drop(pinned);
        let ticks = ticker.ticks.load(Relaxed);
        let hits = ticker.hits.load(Relaxed);
        pr_info!("{ticks} timer runs, {hits} of them during {rounds} locked increments\n");
        assert!(hits >= MIN_HITS);
        // SAFETY: The timer is cancelled and this task holds no guard, so none exists.
        let (counts, broken) = unsafe { counts(&ticker.pairs)? };
        assert_eq!(broken, 0);
        for (c, n) in cpumask::possible_cpus().iter().zip(&counts) {
            if c != cpu {
                assert_eq!(*n, 0);
            }
        }
        assert_eq!(counts.iter().sum::<u64>(), rounds + ticks);
        Ok(())
    }

    define_per_cpu!(static IRQ_A: LocalLockedIrq<u32> = static_local_locked!(0));
    define_per_cpu!(static IRQ_B: LocalLockedIrq<u32> = static_local_locked!(0));
    define_per_cpu!(static IRQ_C: LocalLockedIrq<u32> = static_local_locked!(0));

    /// What keeps interrupts off (on ordinary kernels): a guard of `IRQ_A`, `IRQ_B` or
    /// `IRQ_C`, or a `LocalInterruptDisabled`.
    enum Held {
        Guard {
            _guard: LocalLockGuard<'static, u32, true>,
        },
        Irq {
            _irq: LocalInterruptDisabled,
        },
    }

    /// Takes item `i`: the lock of `IRQ_A`, `IRQ_B` or `IRQ_C`, or interrupts off.
    fn take(i: usize) -> Held {
        match i {
            0 => Held::Guard {
                _guard: IRQ_A.lock(),
            },
            1 => Held::Guard {
                _guard: IRQ_B.lock(),
            },
            2 => Held::Guard {
                _guard: IRQ_C.lock(),
            },
            _ => Held::Irq {
                _irq: local_interrupt_disable(),
            },
        }
    }

    /// Whether interrupts are off: the tree has no Rust wrapper of `irqs_disabled()`.
    fn irqs_off() -> bool {
        // SAFETY: `irqs_disabled` only reads the state of the current context.
        unsafe { bindings::irqs_disabled() }
    }

    /// Calls `f` with every order of `0..n`, for `n` at most 4.
    fn each_order(n: usize, mut f: impl FnMut(&[usize])) {
        for code in 0..n.pow(n as u32) {
            let mut order = [0; 4];
            let mut c = code;
            for o in order.iter_mut().take(n) {
                *o = c % n;
                c /= n;
            }
            if (0..n).all(|i| order[..n].contains(&i)) {
                f(&order[..n]);
            }
        }
    }

    /// Takes every set of two or more of the items of `take` (three guards of `LocalLockedIrq`
    /// variables and, on ordinary kernels, a `LocalInterruptDisabled`), in that order, and drops
    /// them in every order. Returns how many sets and orders it ran, and how often it found
    /// that what a live item promises did not hold, or that the state afterwards was not the
    /// one before.
    fn drop_in_every_order() -> (u32, u32) {
        // On PREEMPT_RT the locks sleep, so interrupts may not be off when one is taken; there
        // the guards leave interrupts on and keep the task on its CPU.
        let items = if cfg!(CONFIG_PREEMPT_RT) { 3 } else { 4 };
        let (mut runs, mut wrong) = (0, 0);
        for set in 0u32..(1 << items) {
            let mut chosen = [0; 4];
            let mut n = 0;
            for i in (0..items).filter(|i| set & (1 << i) != 0) {
                chosen[n] = i;
                n += 1;
            }
            if n < 2 {
                continue;
            }
            each_order(n, |order| {
                let before = irqs_off();
                let mut held: [Option<Held>; 4] = [None, None, None, None];
                for (h, &i) in held.iter_mut().zip(&chosen[..n]) {
                    *h = Some(take(i));
                }
                let cpu = CpuId::current();
                for &k in order {
                    held[k] = None;
                    if !held.iter().any(Option::is_some) {
                        continue;
                    }
                    // `CpuId::current()` only while something keeps the task on its CPU.
                    let holds = if cfg!(CONFIG_PREEMPT_RT) {
                        !irqs_off() && CpuId::current() == cpu
                    } else {
                        irqs_off()
                    };
                    if !holds {
                        wrong += 1;
                    }
                }
                if irqs_off() != before {
                    wrong += 1;
                }
                runs += 1;
            });
        }
        (runs, wrong)
    }

    #[test]
    fn irq_guards_dropped_in_any_order() -> Result {
        // Interrupts stay off until the last guard of a `LocalLockedIrq` (or
        // `LocalInterruptDisabled`) is gone, whatever the order of the drops, and are then as
        // they were before: on, or off under an outer `LocalInterruptDisabled`. Nothing is
        // asserted while interrupts are off.
        let (runs, wrong) = drop_in_every_order();
        assert_eq!(wrong, 0);
        // Sets of 2, 3 (and 4) items and their orders: 3 * 2 + 6 on PREEMPT_RT, else
        // 6 * 2 + 4 * 6 + 24.
        assert_eq!(runs, if cfg!(CONFIG_PREEMPT_RT) { 12 } else { 60 });
        assert!(!irqs_off());
        if !cfg!(CONFIG_PREEMPT_RT) {
            let outer = local_interrupt_disable();
            let (runs, wrong) = drop_in_every_order();
            let still_off = irqs_off();
            drop(outer);
            assert_eq!((runs, wrong), (60, 0));
            assert!(still_off);
        }
        // A swap of two guards is a drop in the other order.
        let mut a = IRQ_A.lock();
        let mut b = IRQ_B.lock();
        core::mem::swap(&mut a, &mut b);
        *a += 1;
        *b += 1;
        drop(a);
        let off = irqs_off();
        drop(b);
        assert_eq!(off, !cfg!(CONFIG_PREEMPT_RT));
        assert!(!irqs_off());
        Ok(())
    }

    #[test]
    fn guard_is_a_cpu_stable_proof() -> Result {
        // Under the lock the task stays on its CPU: the guard serves `PerCpu::get` of another
        // variable, and a `MigrateGuard` does too.
        let pairs = new_pairs()?;
        let marks = DynamicPerCpu::new_with(|cpu: CpuId| Atomic::new(cpu.as_u32()), GFP_KERNEL)?;
        let guard = pairs.lock();
        assert_eq!(marks.get(&guard).load(Relaxed), CpuId::current().as_u32());
        drop(guard);
        let pinned = MigrateGuard::new();
        fsleep(Delta::from_micros(100));
        assert_eq!(marks.get(&pinned).load(Relaxed), pinned.cpu().as_u32());
        Ok(())
    }

    #[test]
    fn pin_initialised_values() -> Result {
        // A value built in place (a `SpinLock` inside, which must not move) under a local lock,
        // reached pinned through `as_mut`.
        #[pin_data]
        struct Inner {
            #[pin]
            lock: crate::sync::SpinLock<u32>,
            n: u32,
        }
        let v = DynamicPerCpu::<LocalLocked<Inner>>::new_with(
            |cpu| {
                new_local_locked!(pin_init!(Inner {
                    lock <- crate::new_spinlock!(cpu.as_u32()),
                    n: 0,
                }))
            },
            GFP_KERNEL,
        )?;
        let mut guard = v.lock();
        let cpu = CpuId::current().as_u32();
        // Projecting a `Pin<&mut Inner>` to the unpinned field.
        let inner = guard.as_mut().project();
        *inner.n += 1;
        assert_eq!(*inner.lock.lock(), cpu);
        assert_eq!(guard.n, 1);
        Ok(())
    }
}

/// Lockdep sees local locks: a wrong nesting is reported. In a suite of its own, behind its own
/// option (a lockdep report turns lockdep off for the rest of the boot), and named so that
/// `rust_*` does not select it: the harness boots it alone and expects exactly this report.
#[cfg(CONFIG_RUST_PERCPU_LOCKDEP_KUNIT_TEST)]
#[macros::kunit_tests(lockdep_rust_percpu)]
mod lockdep {
    use super::super::*;
    use crate::{
        prelude::*,
        sync::atomic::{
            Atomic,
            Relaxed, //
        },
    };

    define_per_cpu!(static A: LocalLocked<u32> = static_local_locked!(0, "percpu_lockdep_a"));
    define_per_cpu!(static B: LocalLocked<u32> = static_local_locked!(0, "percpu_lockdep_b"));

    #[test]
    fn wrong_nesting_is_reported() -> Result {
        // Two static locks and a dynamic one: if the statics were one class (or none), taking
        // A then B would be reported as recursive locking, not the cycle below.
        let c = DynamicPerCpu::<LocalLocked<u32>>::new_with(
            |_| new_local_locked!(0, "percpu_lockdep_c"),
            GFP_KERNEL,
        )?;
        // C directly: the tree has no Rust view of lockdep's `debug_locks`.
        let debug_locks = || {
            // SAFETY: `debug_locks` is an `int` that lives forever; lockdep writes it with
            // `WRITE_ONCE`-style stores, so reading it atomically races with nothing.
            unsafe { Atomic::from_ptr(&raw mut bindings::debug_locks) }.load(Relaxed)
        };
        assert_eq!(debug_locks(), 1);
        {
            let mut ga = A.lock();
            let mut gb = B.lock();
            *ga += 1;
            *gb += 1;
        }
        {
            let mut gb = B.lock();
            let mut gc = c.lock();
            *gb += 1;
            *gc += 1;
        }
        // A then B, B then C: a valid order, nothing reported.
        assert_eq!(debug_locks(), 1);
        {
            let mut gc = c.lock();
            let mut ga = A.lock();
            *ga += 1;
            *gc += 1;
        }
        // C then A closes a cycle: lockdep reports a possible circular locking dependency and
        // turns itself off.
        assert_eq!(debug_locks(), 0);
        Ok(())
    }
}
