// SPDX-License-Identifier: GPL-2.0

//! Dynamically allocated per-CPU variables: the Rust `alloc_percpu`.
//!
//! C header: [`include/linux/percpu.h`](srctree/include/linux/percpu.h)

use super::{
    access::sealed,
    ptr::PerCpuPtr,
    PerCpu, //
};
use crate::{
    alloc::{
        AllocError,
        Flags, //
    },
    cpu::CpuId,
    cpumask,
    prelude::*, //
};
use core::{
    marker::PhantomData,
    ptr::NonNull, //
};

/// The largest per-CPU allocation the C allocator serves.
const MAX_SIZE: usize = bindings::PCPU_MIN_UNIT_SIZE;
/// The largest alignment the C allocator serves.
const MAX_ALIGN: usize = crate::page::PAGE_SIZE;

/// A dynamically allocated per-CPU variable, like the C `alloc_percpu_gfp`.
///
/// Holds one `T` for every possible CPU. Dropping it drops every CPU's value, once, on the CPU
/// that drops it, then frees the memory with `free_percpu`. It is reached through the
/// [`PerCpu`] trait. To share one allocation between several users, put it in an
/// [`Arc`](crate::sync::Arc).
///
/// `T` must be [`Send`]: the values of all CPUs are made and dropped by the one task that
/// creates and drops the variable.
///
/// # Invariants
///
/// `ptr` was returned by `__alloc_percpu_gfp` for at least the size and alignment of `T`, is
/// owned by this object, and every possible CPU's slot holds an initialised `T`.
///
/// # Examples
///
/// ```
/// use kernel::{
///     percpu::{
///         CpuGuard,
///         DynamicPerCpu,
///         PerCpu, //
///     },
///     sync::atomic::{
///         Atomic,
///         Relaxed, //
///     },
/// };
///
/// let bytes = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
///
/// let guard = CpuGuard::new();
/// bytes.get(&guard).fetch_add(1500, Relaxed);
/// drop(guard);
///
/// let total: u64 = bytes.iter().map(|(_, v)| v.load(Relaxed)).sum();
/// assert_eq!(total, 1500);
/// # Ok::<(), Error>(())
/// ```
///
/// A C API that takes per-CPU data gets the variable's `__percpu` address from [`PerCpu::ptr`],
/// here a per-CPU interrupt (a timer or a PMU interrupt), whose handler C calls with the slot of
/// the CPU it runs on:
///
/// ```
/// use kernel::{
///     bindings,
///     error::to_result,
///     percpu::{
///         DynamicPerCpu,
///         PerCpu,
///         PerCpuPtr, //
///     },
///     sync::atomic::Atomic,
/// };
///
/// /// Requests the per-CPU interrupt `irq` with one counter of `hits` per CPU as its data.
/// ///
/// /// # Safety
/// ///
/// /// `handler` uses its data pointer as a `*const Atomic<u64>`, and `free_percpu_irq(irq, ..)`
/// /// returns before `hits` is dropped.
/// unsafe fn request(
///     irq: u32,
///     handler: bindings::irq_handler_t,
///     hits: &DynamicPerCpu<Atomic<u64>>,
/// ) -> Result {
///     let pcp: PerCpuPtr<Atomic<u64>> = hits.ptr();
///     // SAFETY: `pcp` is the per-CPU address of an `Atomic<u64>` on every possible CPU, which
///     // `request_percpu_irq_affinity` needs as its device id; the name is a static C string;
///     // by the safety requirements, the handler uses the slots as they are typed and the
///     // interrupt is freed before the memory.
///     to_result(unsafe {
///         bindings::request_percpu_irq_affinity(
///             irq,
///             handler,
///             c"hits".as_char_ptr(),
///             core::ptr::null(),
///             pcp.as_raw().cast(),
///         )
///     })
/// }
/// ```
#[doc(alias("alloc_percpu", "alloc_percpu_gfp", "free_percpu"))]
pub struct DynamicPerCpu<T> {
    ptr: NonNull<T>,
    /// The variable owns `T`s and drops them (for the drop check, as `Vec<T>` says it).
    _p: PhantomData<T>,
    /// Invariant in `T`, as `Cell<T>` is, since [`PerCpu::get_mut`] writes a `T` through
    /// `&self`: a `DynamicPerCpu<&'static U>` must not pass for one of `&'short U`.
    _invariant: PhantomData<fn(T) -> T>,
}

// SAFETY: Moving a `DynamicPerCpu` to another task moves the ownership of all CPUs' values,
// which needs `T: Send`.
unsafe impl<T: Send> Send for DynamicPerCpu<T> {}

// SAFETY: Sharing `&DynamicPerCpu` lets several tasks access the values, but every `PerCpu`
// method that gives concurrent access to one slot from several tasks requires `T: Sync`, and
// the others require `T: Send` and a pinned CPU (one task at a time per slot).
unsafe impl<T: Send> Sync for DynamicPerCpu<T> {}

impl<T: Send> DynamicPerCpu<T> {
    /// Allocates the memory, without initialising it.
    fn alloc(flags: Flags) -> Result<NonNull<T>, AllocError> {
        // Zero-sized types still get a distinct (one byte) allocation.
        let size = size_of::<T>().max(1);
        let align = align_of::<T>();
        // The C allocator warns and fails for these; fail without the warning.
        if size > MAX_SIZE || align > MAX_ALIGN {
            return Err(AllocError);
        }
        // SAFETY: `__alloc_percpu_gfp` may be called with any size, alignment and flags.
        let ptr = unsafe { bindings::__alloc_percpu_gfp(size, align, flags.as_raw()) };
        NonNull::new(ptr.cast()).ok_or(AllocError)
    }

    /// Allocates a per-CPU variable with all bytes of every CPU's value zero.
    ///
    /// Returns [`AllocError`] if the memory cannot be allocated, also when `T` is larger than
    /// the per-CPU allocator serves (`PCPU_MIN_UNIT_SIZE`, 32 KiB).
    ///
    /// `T` must be [`Zeroable`]: integers are. The kernel's
    /// [`Atomic`](crate::sync::atomic::Atomic) and [`Cell`](core::cell::Cell) are not; make those
    /// with [`DynamicPerCpu::new_with`], for example
    /// `DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)`.
    #[inline]
    pub fn new_zeroed(flags: Flags) -> Result<Self, AllocError>
    where
        T: Zeroable,
    {
        // `__GFP_ZERO` makes the allocator clear every CPU's copy.
        let ptr = Self::alloc(flags | __GFP_ZERO)?;
        // INVARIANT: The memory is zeroed, a valid `T` by `T: Zeroable`.
        Ok(Self {
            ptr,
            _p: PhantomData,
            _invariant: PhantomData,
        })
    }

    /// Allocates a per-CPU variable and initialises each possible CPU's value with the
    /// initializer that `init` returns for that CPU.
    ///
    /// If an initializer fails, the values made so far are dropped, the memory is freed, and
    /// the initializer's error is returned. Allocation failure is [`ENOMEM`].
    ///
    /// `init` may return a value (a value is an initializer of itself), a pin-initializer such
    /// as `new_spinlock!(..)`, or a `Result` of a value. In the last case name `T`, as in
    /// `DynamicPerCpu::<Stats>::new_with(Stats::new, flags)`: a `Result<T>` is also a value of
    /// its own, so the compiler cannot tell which `T` is meant (error E0283).
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::{
    ///     new_spinlock,
    ///     percpu::{
    ///         DynamicPerCpu,
    ///         PerCpu, //
    ///     },
    ///     sync::SpinLock, //
    /// };
    ///
    /// // A lock per CPU, each initialised in place with its CPU's number.
    /// let locks = DynamicPerCpu::<SpinLock<u32>>::new_with(
    ///     |cpu| new_spinlock!(cpu.as_u32()),
    ///     GFP_KERNEL,
    /// )?;
    ///
    /// // Lock each CPU's value through `iter` or `remote`, without a `CpuGuard`: a spinlock
    /// // sleeps on `CONFIG_PREEMPT_RT` kernels, so it must not be taken with preemption off.
    /// for (cpu, lock) in locks.iter() {
    ///     *lock.lock() += 100;
    ///     assert_eq!(*lock.lock(), cpu.as_u32() + 100);
    /// }
    ///
    /// // A fallible initializer: `T` is named.
    /// struct Slot(u32);
    /// let slots = DynamicPerCpu::<Slot>::new_with(
    ///     |cpu| -> Result<Slot> { Ok(Slot(cpu.as_u32())) },
    ///     GFP_KERNEL,
    /// )?;
    /// assert!(slots.iter().all(|(cpu, slot)| slot.0 == cpu.as_u32()));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new_with<E, I>(mut init: impl FnMut(CpuId) -> I, flags: Flags) -> Result<Self>
    where
        I: PinInit<T, E>,
        Error: From<E>,
    {
        let nonnull = Self::alloc(flags)?;
        let ptr = PerCpuPtr::from_raw(nonnull.as_ptr());
        let possible = cpumask::possible_cpus();
        for cpu in possible.iter() {
            let slot = ptr.per_cpu_ptr_possible(cpu);
            // SAFETY: `slot` is the valid, aligned and uninitialised slot of a possible CPU in
            // a per-CPU allocation we own; per-CPU memory never moves, so pinning holds.
            if let Err(e) = unsafe { init(cpu).__init(slot) } {
                // Drop what was made so far: the slots of the possible CPUs before `cpu`.
                for done in possible.iter().take_while(|&c| c != cpu) {
                    // SAFETY: The slot of `done` was initialised above and not dropped yet.
                    unsafe { core::ptr::drop_in_place(ptr.per_cpu_ptr_possible(done)) };
                }
                // SAFETY: `ptr` came from `__alloc_percpu_gfp` and is freed once.
                unsafe { bindings::free_percpu(ptr.as_raw().cast()) };
                return Err(e.into());
            }
        }
        // INVARIANT: Every possible CPU's slot was initialised above.
        Ok(Self {
            ptr: nonnull,
            _p: PhantomData,
            _invariant: PhantomData,
        })
    }
}

impl<T> sealed::Variable for DynamicPerCpu<T> {}

// SAFETY: By the type invariant, `ptr` names an initialised `T` on every possible CPU until
// `drop`, which needs `&mut self` and so cannot overlap a borrow of `self`; per-CPU memory never
// moves.
unsafe impl<T> PerCpu for DynamicPerCpu<T> {
    type Item = T;

    #[inline(always)]
    fn ptr(&self) -> PerCpuPtr<T> {
        PerCpuPtr::from_raw(self.ptr.as_ptr())
    }
}

impl<T> Drop for DynamicPerCpu<T> {
    fn drop(&mut self) {
        if core::mem::needs_drop::<T>() {
            let ptr = self.ptr();
            for cpu in cpumask::possible_cpus().iter() {
                // SAFETY: By the type invariant, the slot holds an initialised `T`; no borrow
                // of `self` is alive, and each slot is dropped once.
                unsafe { core::ptr::drop_in_place(ptr.per_cpu_ptr_possible(cpu)) };
            }
        }
        // SAFETY: By the type invariant, `ptr` came from `__alloc_percpu_gfp` and we own it.
        unsafe { bindings::free_percpu(self.ptr.as_ptr().cast()) };
    }
}
