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
