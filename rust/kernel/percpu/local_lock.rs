// SPDX-License-Identifier: GPL-2.0

//! Per-CPU data under a local lock, the C `local_lock_t`.
//!
//! C header: [`include/linux/local_lock.h`](srctree/include/linux/local_lock.h)
//!
//! A local lock protects the current CPU's value of a per-CPU variable against the other tasks
//! (and, in its `irqsave` form, the interrupt handlers) of the same CPU. On ordinary kernels
//! taking it disables preemption (or interrupts); on `CONFIG_PREEMPT_RT` kernels it disables
//! migration and takes a per-CPU spinlock, which sleeps, so the section stays preemptible.
//! Either way lockdep sees it, and the holder gets `&mut` access to the value with no `unsafe`.
//! See `Documentation/locking/locktypes.rst`.

use super::{
    access::sealed,
    ptr::PerCpuPtr,
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
/// [`static_local_locked!`]. Then take the current CPU's lock with [`LocalLock::lock`] (task
/// context) or [`LocalLock::lock_irqsave`] (where interrupt handlers take it too); the value is
/// only reached through the lock's guard.
///
/// The lock is the C `local_lock_t`: `preempt_disable()` (or `local_irq_save()`) plus lockdep's
/// view of it on ordinary kernels, `migrate_disable()` plus a per-CPU `spinlock_t` on
/// `CONFIG_PREEMPT_RT`. Besides it, each value has a state byte that says whether its guard
/// exists, so that taking the same CPU's lock again while it is held (by the same task, or by an
/// interrupt handler that interrupted the holder) panics instead of handing out a second
/// `&mut` (on `CONFIG_PREEMPT_RT` the value also records the holder, so that the second lock
/// panics instead of deadlocking on the spinlock); lockdep reports it too.
///
/// [`DynamicPerCpu::new_with`]: super::DynamicPerCpu::new_with
/// [`define_per_cpu!`]: super::define_per_cpu
///
/// # Invariants
///
/// - Unless `state` is `UNINIT`, `lock` is initialised: by `__local_lock_init` when the value
///   was made in place, or, for [`LocalLocked::new_static`] on ordinary kernels, by the same
///   constant initializer as the C `INIT_LOCAL_LOCK`. `state` is only `UNINIT` on
///   `CONFIG_PREEMPT_RT`, and leaves it only once, when `lock` is initialised.
/// - `data` is only accessed through a [`LocalLockGuard`] of this value, which exists only while
///   the task that made it holds this CPU's lock; `state` is `HELD` exactly while one made by
///   [`LocalLock::lock`] or [`LocalLock::lock_irqsave`] exists (the `_unchecked` methods leave
///   it `FREE`, their callers promise that their guard is the only one).
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
pub struct LocalLocked<T> {
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
    /// The task that holds the lock, or null: a task that finds itself here panics instead of
    /// deadlocking on the spinlock.
    #[cfg(CONFIG_PREEMPT_RT)]
    owner: Atomic<*mut bindings::task_struct>,
}

/// The lock is not initialised yet: a static variable on `CONFIG_PREEMPT_RT`, whose
/// `spinlock_t` has no initializer in Rust; the first [`LocalLock`] method on each CPU
/// initialises it.
#[cfg_attr(
    not(CONFIG_PREEMPT_RT),
    allow(dead_code, reason = "only CONFIG_PREEMPT_RT has uninitialised locks")
)]
const UNINIT: u8 = 0;
/// The lock is initialised, and no guard of the value exists.
const FREE: u8 = 1;
/// A guard of the value exists.
const HELD: u8 = 2;

// SAFETY: Moving a `LocalLocked<T>` moves the `T` it holds; the lock itself belongs to no task
// until it is taken, and it is never taken outside the per-CPU memory it is made in.
unsafe impl<T: Send> Send for LocalLocked<T> {}

// SAFETY: A shared `&LocalLocked<T>` gives no access to the `T`: it is only reached through a
// `LocalLockGuard`, made by `LocalLock` methods that take the current CPU's lock and require
// `T: Send`; the lock and the state are only changed through the C functions and atomics.
unsafe impl<T: Send> Sync for LocalLocked<T> {}

impl<T> LocalLocked<T> {
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
            #[cfg(CONFIG_PREEMPT_RT)]
            owner: Atomic::new(core::ptr::null_mut()),
            data <- UnsafeCell::pin_init(data),
        }? E)
    }

    /// Returns the initial value of a static per-CPU variable, for [`define_per_cpu!`].
    ///
    /// Use [`static_local_locked!`], which makes the name and the lockdep class. On ordinary
    /// kernels the lock is initialised as the C `INIT_LOCAL_LOCK` does; on `CONFIG_PREEMPT_RT`,
    /// where it is a `spinlock_t`, the first [`LocalLock`] method on each CPU initialises that
    /// CPU's lock, with the lockdep class `key`. Either way all CPUs' locks of one variable are
    /// one lockdep class (on ordinary kernels lockdep keys a static lock by its address, as for
    /// C's).
    ///
    /// Only for static variables: a value made this way and moved into a dynamic variable works,
    /// but lockdep warns about its class on ordinary kernels.
    ///
    /// [`define_per_cpu!`]: super::define_per_cpu
    pub const fn new_static(data: T, name: &'static CStr, key: Pin<&'static LockClassKey>) -> Self {
        #[cfg(not(CONFIG_PREEMPT_RT))]
        let _ = key;
        Self {
            // INVARIANT: On ordinary kernels the lock gets the value of `INIT_LOCAL_LOCK`; on
            // `CONFIG_PREEMPT_RT` it stays uninitialised, and so does `state`.
            lock: Opaque::new(static_lock(name)),
            #[cfg(not(CONFIG_PREEMPT_RT))]
            state: Atomic::new(FREE),
            #[cfg(CONFIG_PREEMPT_RT)]
            state: Atomic::new(UNINIT),
            #[cfg(CONFIG_PREEMPT_RT)]
            class: (name, key),
            #[cfg(CONFIG_PREEMPT_RT)]
            owner: Atomic::new(core::ptr::null_mut()),
            data: UnsafeCell::new(data),
        }
    }
}

/// The C `INIT_LOCAL_LOCK(name)`: the lockdep map gets the name, wait type and lock type, the rest
/// is zero (lockdep keys a static lock by its address).
#[cfg(not(CONFIG_PREEMPT_RT))]
const fn static_lock(name: &'static CStr) -> bindings::local_lock_t {
    #[cfg(not(CONFIG_DEBUG_LOCK_ALLOC))]
    let _ = name;
    // SAFETY: `local_lock_t` holds integers and raw pointers (nothing without
    // `CONFIG_DEBUG_LOCK_ALLOC`), for which all zeroes are valid.
    #[allow(unused_mut, reason = "only set with CONFIG_DEBUG_LOCK_ALLOC")]
    let mut lock: bindings::local_lock_t = unsafe { core::mem::zeroed() };
    #[cfg(CONFIG_DEBUG_LOCK_ALLOC)]
    {
        lock.dep_map.name = crate::str::as_char_ptr_in_const_context(name);
        lock.dep_map.wait_type_inner = bindings::lockdep_wait_type_LD_WAIT_CONFIG as u8;
        lock.dep_map.lock_type = bindings::lockdep_lock_type_LD_LOCK_PERCPU as u8;
    }
    lock
}

/// On `CONFIG_PREEMPT_RT` a static lock is initialised at first use (see [`UNINIT`]).
#[cfg(CONFIG_PREEMPT_RT)]
const fn static_lock(_name: &'static CStr) -> bindings::local_lock_t {
    // SAFETY: All zeroes is a valid bit pattern for the `spinlock_t` (an opaque array of
    // integers to Rust); it is not used as a lock before `__local_lock_init`.
    unsafe { core::mem::zeroed() }
}

/// This CPU's slot of a variable whose lock the current task has just taken, and the flags of
/// `local_lock_irqsave` if it was taken that way.
type Locked<T> = (*mut LocalLocked<T>, Option<usize>);

/// Takes the current CPU's lock of the variable at `base`, with `local_lock_irqsave` if
/// `irqsave`, else with `local_lock`.
///
/// On `CONFIG_PREEMPT_RT`, first initialises the current CPU's lock if it is not yet (static
/// variables), and panics if the current task holds it already.
///
/// # Safety
///
/// Every possible CPU's slot at `base` holds a `LocalLocked<T>` while this runs.
#[inline]
unsafe fn lock<T>(base: PerCpuPtr<LocalLocked<T>>, irqsave: bool) -> Locked<T> {
    #[cfg(CONFIG_PREEMPT_RT)]
    {
        // The task stays on this CPU from the check until the lock pins it on its own.
        let _pinned = crate::preempt::MigrateGuard::new();
        // SAFETY: The slot holds a `LocalLocked<T>` (the caller's promise), and `_pinned` keeps
        // it the current CPU's.
        let slot = unsafe { &*base.this_cpu_ptr() };
        if slot.state.load(crate::sync::atomic::Acquire) == UNINIT {
            init_at_first_use(slot);
        }
        // Only this task stores itself as the owner, so a match is not stale: it holds the
        // lock (or an interrupt handler interrupted it while it did).
        if slot.owner.load(Relaxed) == crate::task::Task::current_raw() {
            panic!("local lock taken again by its holder (recursion or an interrupt)");
        }
        // SAFETY: As below; the current CPU's lock is initialised now.
        return unsafe { lock_initialised(base, irqsave) };
    }
    #[cfg(not(CONFIG_PREEMPT_RT))]
    // SAFETY: The slots hold `LocalLocked<T>` values (the caller's promise), whose locks are
    // initialised on ordinary kernels (type invariant).
    unsafe {
        lock_initialised(base, irqsave)
    }
}

/// Takes the current CPU's lock of the variable at `base`, as [`lock`] does.
///
/// # Safety
///
/// Every possible CPU's slot at `base` holds a `LocalLocked<T>` while this runs, and the one of
/// the CPU this runs on has an initialised lock.
#[inline]
unsafe fn lock_initialised<T>(base: PerCpuPtr<LocalLocked<T>>, irqsave: bool) -> Locked<T> {
    // CAST: The lock is the first field of the `#[repr(C)]` `LocalLocked<T>`, and
    // `Opaque<local_lock_t>` has the layout of a `local_lock_t`.
    let lock = base.as_raw().cast::<bindings::local_lock_t>();
    if irqsave {
        let mut flags = 0;
        // SAFETY: `lock` is the per-CPU address of `local_lock_t`s, initialised on this CPU
        // (the caller's promise); lock slots never move. `flags` is valid for writes.
        let slot = unsafe { bindings::local_lock_irqsave(lock, &mut flags) };
        // CAST: The lock is at offset 0 of this CPU's slot (see above).
        (slot.cast(), Some(flags))
    } else {
        // SAFETY: As above.
        let slot = unsafe { bindings::local_lock(lock) };
        // CAST: As above.
        (slot.cast(), None)
    }
}

/// Initialises `slot`'s lock, the current CPU's, unless another task or interrupt handler of
/// this CPU did already.
#[cfg(CONFIG_PREEMPT_RT)]
#[cold]
fn init_at_first_use<T>(slot: &LocalLocked<T>) {
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

/// Makes the initial value of a static per-CPU [`LocalLocked`] variable, with a lockdep class
/// for the call site.
///
/// `static_local_locked!(VALUE)` or `static_local_locked!(VALUE, "name")`, where `VALUE` is a
/// constant expression, in [`define_per_cpu!`](super::define_per_cpu).
///
/// # Examples
///
/// ```
/// use kernel::{
///     percpu::{
///         define_per_cpu,
///         static_local_locked,
///         LocalLock,
///         LocalLocked, //
///     },
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
        $crate::percpu::LocalLocked::new_static(
            $value,
            $crate::optional_name!($($name)?),
            $crate::static_lock_class!(),
        )
    };
}
pub use static_local_locked;

/// Makes an initializer of a [`LocalLocked`] value, with a lockdep class for the call site.
///
/// `new_local_locked!(INIT)` or `new_local_locked!(INIT, "name")`, where `INIT` is a value or a
/// pin-initializer of it. All CPUs' values made at one call site share one lockdep class, as
/// the C `local_lock_init()` in a loop over the CPUs does.
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

/// The local lock operations of a per-CPU variable of [`LocalLocked`] values.
///
/// Implemented by every [`PerCpu`] variable whose item is a `LocalLocked<T>`.
pub trait LocalLock<T>: PerCpu<Item = LocalLocked<T>> {
    /// Takes the current CPU's lock and returns a guard to the current CPU's value.
    ///
    /// For task context only; where interrupt handlers take the lock too, use
    /// [`LocalLock::lock_irqsave`] everywhere. The task stays on this CPU until the guard is
    /// dropped; on ordinary kernels it must not sleep meanwhile (preemption is disabled), on
    /// `CONFIG_PREEMPT_RT` it may be preempted by other tasks, which wait for the lock.
    ///
    /// # Panics
    ///
    /// Panics if this CPU's value is locked already: by the current task, or by the task that
    /// an interrupt handler calling this interrupted.
    #[doc(alias = "local_lock")]
    #[inline]
    fn lock(&self) -> LocalLockGuard<'_, T>
    where
        T: Send,
    {
        let base = self.ptr();
        // SAFETY: By the safety requirements of `PerCpu`, every possible CPU's slot holds a
        // `LocalLocked<T>` for the lifetime of `&self`.
        let locked = unsafe { lock(base, false) };
        // SAFETY: The current CPU's lock was just taken by this task with `local_lock`, and
        // `lock` returned its slot.
        unsafe { LocalLockGuard::new(base, locked, true) }
    }

    /// Disables interrupts (on ordinary kernels), takes the current CPU's lock and returns a
    /// guard to the current CPU's value.
    ///
    /// For values that interrupt handlers also use: take the lock this way everywhere. On
    /// `CONFIG_PREEMPT_RT` it is the same as [`LocalLock::lock`] (interrupts stay enabled, and
    /// interrupt handlers run in threads), so the handlers must be ones that run as threads or
    /// in soft interrupt context there: a threaded interrupt handler, an hrtimer that is not in
    /// a `Hard` mode. Lockdep reports a local lock taken in interrupt context that stays hard
    /// on `CONFIG_PREEMPT_RT` (a `Hard` hrtimer, `on_each_cpu`) on both kinds of kernel. Not for
    /// NMI context.
    ///
    /// # Panics
    ///
    /// As [`LocalLock::lock`].
    #[doc(alias = "local_lock_irqsave")]
    #[inline]
    fn lock_irqsave(&self) -> LocalLockGuard<'_, T>
    where
        T: Send,
    {
        let base = self.ptr();
        // SAFETY: As in `lock`.
        let locked = unsafe { lock(base, true) };
        // SAFETY: The current CPU's lock was just taken by this task with
        // `local_lock_irqsave`, and `lock` returned its slot and flags.
        unsafe { LocalLockGuard::new(base, locked, true) }
    }

    /// Takes the current CPU's lock as [`LocalLock::lock`] does, without the check of the
    /// value's state: on ordinary kernels the code of C's `local_lock()`.
    ///
    /// For a hot path where the check is measured to matter (`make codegen`: on x86-64 five
    /// instructions on the fast path); everything else should use [`LocalLock::lock`].
    ///
    /// # Safety
    ///
    /// While the returned guard exists, no other guard of the current CPU's value exists or is
    /// made: the current task holds none and takes none, and no interrupt handler on this CPU
    /// takes one (with any method) meanwhile.
    #[inline]
    unsafe fn lock_unchecked(&self) -> LocalLockGuard<'_, T>
    where
        T: Send,
    {
        let base = self.ptr();
        // SAFETY: As in `lock`.
        let locked = unsafe { lock(base, false) };
        // SAFETY: As in `lock`; the caller guarantees that this guard is the only one of the
        // value while it exists.
        unsafe { LocalLockGuard::new(base, locked, false) }
    }

    /// Takes the current CPU's lock as [`LocalLock::lock_irqsave`] does, without the check of
    /// the value's state: on ordinary kernels the code of C's `local_lock_irqsave()`.
    ///
    /// # Safety
    ///
    /// As for [`LocalLock::lock_unchecked`].
    #[inline]
    unsafe fn lock_irqsave_unchecked(&self) -> LocalLockGuard<'_, T>
    where
        T: Send,
    {
        let base = self.ptr();
        // SAFETY: As in `lock`.
        let locked = unsafe { lock(base, true) };
        // SAFETY: As in `lock_irqsave`; the caller guarantees that this guard is the only one
        // of the value while it exists.
        unsafe { LocalLockGuard::new(base, locked, false) }
    }
}

impl<T, V: PerCpu<Item = LocalLocked<T>>> LocalLock<T> for V {}

/// The guard of a local lock, made by the [`LocalLock`] methods.
///
/// Dereferences to the current CPU's value (mutably if `T: Unpin`, else through
/// [`LocalLockGuard::as_mut`]); dropping it releases the lock. It is neither [`Send`] nor
/// [`Sync`]. While it exists the task stays on its CPU, so it is also a [`CpuStable`] proof,
/// for [`PerCpu::get`] of other per-CPU variables. Leaking it is safe but leaves the lock held.
///
/// # Invariants
///
/// - The task that made the guard holds the current CPU's lock of the variable at `base`,
///   taken with `local_lock_irqsave` (which returned `flags`) if `flags` is `Some`, else with
///   `local_lock`, and the task stays on this CPU until the guard is dropped.
/// - `slot` is this CPU's value of that variable. If `checked`, its state is `HELD`, set by this
///   guard; else the guard was made by [`LocalLock::lock_unchecked`] or
///   [`LocalLock::lock_irqsave_unchecked`], whose caller guarantees that no other guard of the
///   value exists while this one does.
pub struct LocalLockGuard<'a, T> {
    base: PerCpuPtr<LocalLocked<T>>,
    slot: &'a LocalLocked<T>,
    flags: Option<usize>,
    /// Whether the guard set the state (not made by the `_unchecked` methods).
    checked: bool,
    _not_send: NotThreadSafe,
}

impl<'a, T> LocalLockGuard<'a, T> {
    /// Makes the guard of the current CPU's value once its lock is taken; if `checked`, first
    /// checks and sets the value's state.
    ///
    /// # Safety
    ///
    /// The current task has just taken the current CPU's lock of the variable at `base` (whose
    /// every possible CPU holds a `LocalLocked<T>` for `'a`) with `local_lock_irqsave` (which
    /// returned `flags`) if `flags` is `Some`, else with `local_lock`, and nothing else since;
    /// `slot` is the current CPU's slot. If not `checked`, no other guard of the value exists
    /// or is made while the returned one exists.
    #[inline]
    unsafe fn new(
        base: PerCpuPtr<LocalLocked<T>>,
        (slot, flags): Locked<T>,
        checked: bool,
    ) -> Self {
        // SAFETY: The lock keeps the task on this CPU (migration or preemption disabled), so
        // `slot` is and stays the current CPU's slot, which holds a `LocalLocked<T>` for `'a`
        // (the caller's promise).
        let slot = unsafe { &*slot };
        if checked {
            // Only holders of this CPU's lock change the state, and of those only an interrupt
            // handler can run between this load and the store below; it leaves the state as it
            // found it, or held if it leaked its guard (which nothing can use any more; the
            // next lock of the value panics).
            if slot.state.load(Relaxed) == HELD {
                // SAFETY: This task took the lock as the caller says.
                unsafe { held_again(base, flags) };
            }
            slot.state.store(HELD, Relaxed);
        }
        #[cfg(CONFIG_PREEMPT_RT)]
        slot.owner.store(crate::task::Task::current_raw(), Relaxed);
        // INVARIANT: The caller took the lock; `slot` is this CPU's value; if `checked` its
        // state was just set, else the caller guarantees that this guard is the only one.
        Self {
            base,
            slot,
            flags,
            checked,
            _not_send: NotThreadSafe,
        }
    }

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
        // SAFETY: By the type invariants this guard is the only one of this slot, and the data
        // is only reached through it; `&mut self` makes the borrow exclusive. The slot is in
        // per-CPU memory, which never moves.
        unsafe { Pin::new_unchecked(&mut *self.slot.data.get()) }
    }
}

/// Releases the lock that its holder took again, then panics; out of line, so that the fast
/// path keeps no stack frame for the panic.
///
/// # Safety
///
/// As for [`unlock`].
#[cold]
#[inline(never)]
unsafe fn held_again<T>(base: PerCpuPtr<LocalLocked<T>>, flags: Option<usize>) -> ! {
    // SAFETY: The caller holds the lock, taken as `flags` says.
    unsafe { unlock(base, flags) };
    panic!("local lock taken again by its holder (recursion or an interrupt)");
}

/// Releases the current CPU's lock of the variable at `base`.
///
/// # Safety
///
/// The current task holds the current CPU's lock of the variable at `base`, taken with
/// `local_lock_irqsave` (which returned `flags`) if `flags` is `Some`, else with `local_lock`.
#[inline]
unsafe fn unlock<T>(base: PerCpuPtr<LocalLocked<T>>, flags: Option<usize>) {
    match flags {
        // SAFETY: The lock was taken with `local_lock_irqsave`, which returned `flags`.
        Some(flags) => unsafe { bindings::local_unlock_irqrestore(base.as_raw().cast(), flags) },
        // SAFETY: The lock was taken with `local_lock`.
        None => unsafe { bindings::local_unlock(base.as_raw().cast()) },
    }
}

impl<T> Deref for LocalLockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: By the type invariants the data is only reached through this guard, and
        // `&self` allows shared references only.
        unsafe { &*self.slot.data.get() }
    }
}

impl<T: Unpin> DerefMut for LocalLockGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        Pin::into_inner(self.as_mut())
    }
}

impl<T> Drop for LocalLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // INVARIANT: The guard goes away, and with it the only access to the data.
        #[cfg(CONFIG_PREEMPT_RT)]
        self.slot.owner.store(core::ptr::null_mut(), Relaxed);
        if self.checked {
            self.slot.state.store(FREE, Relaxed);
        }
        // SAFETY: By the type invariant this task holds the lock, taken as `flags` says.
        unsafe { unlock(self.base, self.flags) };
    }
}

impl<T> sealed::Proof for LocalLockGuard<'_, T> {
    /// On `CONFIG_PREEMPT_RT` the holder stays preemptible.
    #[inline(always)]
    fn hardened_check() {}
}

impl<T> CpuStable for LocalLockGuard<'_, T> {}

#[cfg(CONFIG_RUST_PERCPU_KUNIT_TEST)]
#[macros::kunit_tests(rust_kernel_percpu_local_lock)]
mod tests {
    use super::super::*;
    use super::LocalLocked;
    use crate::{
        cpu::CpuId,
        cpumask, impl_has_hr_timer,
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

    type Pairs = DynamicPerCpu<LocalLocked<Pair>>;

    fn new_pairs() -> Result<Pairs> {
        DynamicPerCpu::new_with(|_| new_local_locked!(Pair::new()), GFP_KERNEL)
    }

    /// Reads `cpu`'s value once no guard of the variable exists any more.
    ///
    /// # Safety
    ///
    /// No guard of `v` exists, and none is made, until the returned reference is gone.
    unsafe fn peek<V: PerCpu<Item = LocalLocked<Pair>>>(v: &V, cpu: CpuId) -> Result<&Pair> {
        // SAFETY: The data of `cpu`'s slot is only reached through guards, and the caller
        // promises that none exists meanwhile.
        Ok(unsafe { &*v.remote(cpu)?.data.get() })
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
        let mut before = KVec::new();
        for cpu in cpumask::possible_cpus().iter() {
            // SAFETY: No task uses `pairs` yet, and this one makes no guard while it peeks.
            before.push(unsafe { peek(&*pairs, cpu)? }.count, GFP_KERNEL)?;
        }
        for cpu in online.iter() {
            let on = OnCpu {
                pairs: pairs.clone(),
                cpu,
            };
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                let par = (&raw const on).cast_mut().cast();
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
        let (mut total, mut broken) = (0, 0);
        for (i, cpu) in cpumask::possible_cpus().iter().enumerate() {
            // SAFETY: Every worker is done, so no guard of `pairs` exists, and this task makes
            // none until the end.
            let pair = unsafe { peek(&*pairs, cpu)? };
            let added = pair.count - before[i];
            if online.test(cpu) {
                assert!(added >= ITER);
            }
            total += added;
            broken += pair.broken;
        }
        assert_eq!(broken, 0);
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
        pairs: Pairs,
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
            this.pairs.lock_irqsave().bump(None);
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
    fn lock_irqsave_against_a_timer() -> Result {
        // A timer pinned to this task's CPU takes the lock with `lock_irqsave` every 20 us
        // while this task, kept on the CPU by a `MigrateGuard` (preemptible), does the same in
        // a loop. On ordinary kernels the task's sections run with interrupts off, so the
        // handler runs between them; on PREEMPT_RT the handler runs in a thread that may
        // preempt the task inside its section and then waits for the lock. Either way every
        // increment must count.
        // A lockdep class of its own (its own call site of `new_local_locked!`): lockdep would
        // rightly report the class of `new_pairs`, which tasks take with interrupts on, taken
        // in an interrupt handler.
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
            ticker.pairs.lock_irqsave().bump(Some(cpu));
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
        let (mut total, mut broken) = (0, 0);
        for c in cpumask::possible_cpus().iter() {
            // SAFETY: The timer is cancelled and this task holds no guard, so none exists.
            let pair = unsafe { peek(&ticker.pairs, c)? };
            if c != cpu {
                assert_eq!(pair.count, 0);
            }
            total += pair.count;
            broken += pair.broken;
        }
        assert_eq!(broken, 0);
        assert_eq!(total, rounds + ticks);
        Ok(())
    }

    #[test]
    fn unchecked_forms() -> Result {
        // The `_unchecked` forms lock and unlock as the checked ones do and leave the state
        // free: the checked form works after them.
        let pairs = new_pairs()?;
        const ROUNDS: u64 = 1000;
        for _ in 0..ROUNDS {
            // SAFETY: This task holds no other guard of `pairs` and takes none meanwhile, and
            // no interrupt handler locks it.
            unsafe { pairs.lock_unchecked() }.bump(None);
            // SAFETY: As above.
            unsafe { pairs.lock_irqsave_unchecked() }.bump(None);
        }
        pairs.lock().bump(None);
        let (mut total, mut broken) = (0, 0);
        for cpu in cpumask::possible_cpus().iter() {
            // SAFETY: No guard of `pairs` exists any more, and this task makes none.
            let pair = unsafe { peek(&pairs, cpu)? };
            assert_eq!(pairs.remote(cpu)?.state.load(Relaxed), super::FREE);
            total += pair.count;
            broken += pair.broken;
        }
        assert_eq!(broken, 0);
        assert_eq!(total, 2 * ROUNDS + 1);
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
    use crate::prelude::*;

    #[test]
    fn wrong_nesting_is_reported() -> Result {
        let a = DynamicPerCpu::<LocalLocked<u32>>::new_with(
            |_| new_local_locked!(0, "percpu_lockdep_a"),
            GFP_KERNEL,
        )?;
        let b = DynamicPerCpu::<LocalLocked<u32>>::new_with(
            |_| new_local_locked!(0, "percpu_lockdep_b"),
            GFP_KERNEL,
        )?;
        // SAFETY: `debug_locks` is an `int` that lockdep sets to 0 when it reports; reading it
        // races with nothing in this single-threaded test.
        let debug_locks = || unsafe { core::ptr::read_volatile(&raw const bindings::debug_locks) };
        assert_eq!(debug_locks(), 1);
        {
            let mut ga = a.lock();
            let mut gb = b.lock();
            *ga += 1;
            *gb += 1;
        }
        // A then B is a valid order: nothing reported.
        assert_eq!(debug_locks(), 1);
        {
            let mut gb = b.lock();
            let mut ga = a.lock();
            *ga += 1;
            *gb += 1;
        }
        // B then A closes a cycle: lockdep reports a possible circular locking dependency and
        // turns itself off.
        assert_eq!(debug_locks(), 0);
        Ok(())
    }
}
