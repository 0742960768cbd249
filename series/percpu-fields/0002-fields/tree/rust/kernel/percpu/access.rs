// SPDX-License-Identifier: GPL-2.0

//! Access to per-CPU variables: the proofs that a task is pinned to its CPU, and the [`PerCpu`]
//! trait.

use super::{
    ptr::PerCpuPtr,
    CpuGuard, //
};
use crate::{
    cpu::CpuId,
    cpumask::{
        self,
        CpumaskIter, //
    },
    interrupt::LocalInterruptDisabled,
    prelude::*, //
};
use core::marker::PhantomData;

pub(super) mod sealed {
    /// Seals [`CpuStable`](super::CpuStable) and [`CpuPinned`](super::CpuPinned).
    pub trait Proof {}

    impl Proof for crate::preempt::CpuGuard {}
    impl Proof for crate::interrupt::LocalInterruptDisabled {}

    /// Seals [`PerCpu`](super::PerCpu).
    pub trait Variable {}
}

/// A proof that the current task stays on the current CPU while the proof is borrowed, though
/// other tasks may run on this CPU meanwhile.
///
/// Implemented by every [`CpuPinned`] proof ([`CpuGuard`], [`LocalInterruptDisabled`]); each
/// keeps the task that made it on its CPU while it exists, and is neither [`Send`]
/// nor [`Sync`]. It is what [`PerCpu::get`] needs: a shared reference to a [`Sync`] value may
/// coexist with those of other tasks, interrupt handlers and CPUs, so only "the current CPU"
/// has to stay the same. The accessors that hand out a value that only one task may use at a
/// time ([`PerCpu::get_with_irq_off`], [`PerCpu::get_mut`]) need more and do not accept it.
/// The two traits differ for proofs that keep the task on its CPU but let it be preempted.
///
/// A CPU-stable proof need not give exclusion: `Sync` means `Sync`. Under a proof that only keeps
/// the task on its CPU, another task on this CPU may run between any two instructions and use the
/// same value, so a type made `Sync` with `unsafe impl` "because only its CPU uses it, with
/// preemption off" (a [`Cell`](core::cell::Cell) in a wrapper, say) is unsound here. Nothing
/// memory-safe rests on the proof either: a `&T` for `T: Sync` is sound on any CPU
/// ([`PerCpu::remote`] needs no proof), the proof only makes it the current CPU's. Hence the trait
/// is safe.
///
/// This trait is sealed: a new proof type needs a review of every accessor.
pub trait CpuStable: sealed::Proof {}

impl CpuStable for CpuGuard {}
impl CpuStable for LocalInterruptDisabled {}

/// A proof that the current task cannot leave the current CPU while the proof is borrowed.
///
/// Implemented by [`CpuGuard`] (preemption disabled) and by [`LocalInterruptDisabled`]
/// (interrupts disabled, which also keeps the scheduler away). [`PerCpu::get_mut`] takes
/// `&'a mut impl CpuPinned` and binds the reference to `'a`. Every such proof is also
/// [`CpuStable`], so code generic over `CpuPinned` can call [`PerCpu::get`] too.
///
/// Holding a proof means atomic context: the holder must not sleep, since a sleep may migrate
/// the task (see the [module documentation](super)). A [`LocalInterruptDisabled`] made in NMI
/// context would not keep the interrupted code away; the C `local_interrupt_disable()` warns
/// there, and no safe Rust entry into NMI context exists.
///
/// This trait is sealed: a new proof type needs a review of every accessor.
///
/// # Safety
///
/// For as long as a value of the implementing type exists, the task that created it runs on
/// the same CPU and is not preempted by another task, and the value cannot move to, or be
/// shared with, another task (the type is `!Send` and `!Sync`).
pub unsafe trait CpuPinned: CpuStable {}

// SAFETY: By its type invariant, preemption is disabled while a `CpuGuard` exists, and it never
// leaves the task that created it.
unsafe impl CpuPinned for CpuGuard {}

// SAFETY: By its type invariant, local interrupts are disabled while a `LocalInterruptDisabled`
// exists (on every kernel), which also disables preemption, and its `NotThreadSafe` field makes
// it `!Send` and `!Sync`.
unsafe impl CpuPinned for LocalInterruptDisabled {}

/// A per-CPU variable, static or dynamic: one `Self::Item` for every possible CPU.
///
/// Implemented by the static and the dynamic per-CPU variables of this module; generic code
/// takes `&impl PerCpu`. The provided methods are the safe ways to reach the values; see the
/// [module documentation](super) for why each has the bounds it has. The trait is sealed.
///
/// # Safety
///
/// For as long as `&self` is alive, `ptr` returns the same per-CPU address, and for every
/// possible CPU the slot at that address holds an initialised `Self::Item` that is only accessed
/// through this trait's methods (or unsafe code that follows their rules), and that never moves.
pub unsafe trait PerCpu: sealed::Variable {
    /// The type of each CPU's value.
    type Item;

    /// Returns the per-CPU address of the variable (the C `&var` of a static variable, what
    /// `alloc_percpu` returned for a dynamic one), for C functions that take per-CPU data.
    fn ptr(&self) -> PerCpuPtr<Self::Item>;

    /// Returns the current CPU's value, for as long as the task stays on this CPU.
    ///
    /// `_pinned` is a [`CpuStable`] proof: a [`CpuGuard`] or a [`LocalInterruptDisabled`]; the
    /// reference cannot outlive the borrow of it. The caller must not sleep. Interrupt handlers,
    /// other tasks and other CPUs may hold references to the same value at the same time, hence
    /// `Self::Item: Sync`. (So nothing memory-safe rests on the proof, and
    /// `CONFIG_RUST_PERCPU_HARDENED` checks nothing here; it checks the proofs of
    /// [`PerCpu::get_with_irq_off`] and [`PerCpu::get_mut`].)
    #[doc(alias("this_cpu_ptr", "get_cpu_ptr"))]
    #[inline]
    fn get<'a, G: CpuStable>(&'a self, _pinned: &'a G) -> &'a Self::Item
    where
        Self::Item: Sync,
    {
        // SAFETY: `this_cpu_ptr` gives the slot of the CPU the task runs on (which `_pinned`
        // keeps the current one for `'a`, though soundness does not rest on that), and by the
        // safety requirements of `PerCpu` every possible CPU's slot holds an initialised `Item`
        // for the lifetime of `&'a self`. Only shared references to the slot exist outside
        // unsafe code, and `Item: Sync` allows them to coexist, on any CPU.
        unsafe { &*self.ptr().this_cpu_ptr() }
    }

    /// Returns the current CPU's value while local interrupts are disabled.
    ///
    /// For values that are [`Send`] but not [`Sync`], such as a [`Cell`](core::cell::Cell) or a
    /// [`RefCell`](core::cell::RefCell): with interrupts off no interrupt handler and no other
    /// task runs on this CPU, and no other CPU can reach the value (remote access needs
    /// `Sync`), so only the current task uses it until `_irq` is released. The caller must not
    /// sleep meanwhile (a sleep enables interrupts again). Not for NMI context, where
    /// interrupts are off but the interrupted code may be using the same value.
    ///
    /// # Panics
    ///
    /// With `CONFIG_RUST_PERCPU_HARDENED`, panics if interrupts are enabled after all (a
    /// [`LocalInterruptDisabled::assume_disabled`] that did not hold) or in NMI context.
    #[inline]
    fn get_with_irq_off<'a>(&'a self, _irq: &'a LocalInterruptDisabled) -> &'a Self::Item
    where
        Self::Item: Send,
    {
        hardened_check_irq_off();
        // SAFETY: By the safety requirements of `PerCpu`, the slot holds an initialised `Item`
        // for `'a`. Interrupts are off on this CPU for `'a` (the invariant of
        // `LocalInterruptDisabled`, which holds on every kernel), so the task stays on this CPU
        // and no handler on it runs.
        // Other CPUs reach the slot only through `Sync`-bounded methods or unsafe code bound
        // by the same rules, so every `&Item` to this slot belongs to the current task.
        unsafe { &*self.ptr().this_cpu_ptr() }
    }

    /// Returns the current CPU's value for exclusive use.
    ///
    /// The value is pinned: it may have been built in place (by a pin-initializer) and its
    /// address may be recorded (a lock's wait list), so it must not be moved out or
    /// swapped. For `Self::Item: Unpin`, [`Pin::get_mut`] gives a plain `&mut`. Borrowing
    /// `_pinned` mutably keeps a second `get_mut` under the same proof from overlapping this
    /// one; everything else is the caller's promise.
    ///
    /// # Safety
    ///
    /// For all of `'a`, no other reference to the current CPU's slot, to a part of it or to a value
    /// it is part of (the variable's whole value, when `self` is a field or an element of it) may
    /// exist or be made: not by this task, not by another task on this CPU, not by an interrupt or
    /// NMI handler on this CPU (if the variable is used in one, `_pinned` must be a
    /// [`LocalInterruptDisabled`] and the variable unused in NMIs), and not by another CPU (through
    /// [`PerCpu::remote`], [`PerCpu::iter`] or a `this_cpu` operation). The caller must not sleep
    /// during `'a`.
    ///
    /// # Panics
    ///
    /// With `CONFIG_RUST_PERCPU_HARDENED`, panics if the task is preemptible after all (a
    /// [`LocalInterruptDisabled::assume_disabled`] that did not hold).
    #[inline]
    unsafe fn get_mut<'a, G: CpuPinned>(&'a self, _pinned: &'a mut G) -> Pin<&'a mut Self::Item> {
        hardened_check_pinned();
        // SAFETY: The slot holds an initialised `Item` for `'a` and stays this CPU's (as in
        // `get`); the caller guarantees that no other reference to it exists during `'a`.
        let value = unsafe { &mut *self.ptr().this_cpu_ptr() };
        // SAFETY: By the safety requirements of `PerCpu`, the slot never moves while the
        // variable exists, and the `Pin` keeps safe code from moving the value out.
        unsafe { Pin::new_unchecked(value) }
    }

    /// Returns `cpu`'s value.
    ///
    /// Returns [`EINVAL`] if `cpu` is not a possible CPU. A [`CpuId`] is always below
    /// `nr_cpu_ids`, so this only happens where the possible CPUs have holes, which some
    /// architectures allow.
    #[doc(alias("per_cpu_ptr", "per_cpu"))]
    #[inline]
    fn remote(&self, cpu: CpuId) -> Result<&Self::Item>
    where
        Self::Item: Sync,
    {
        let ptr = self.ptr().per_cpu_ptr(cpu)?;
        // SAFETY: `cpu` is possible, so by the safety requirements of `PerCpu` its slot holds
        // an initialised `Item` for the lifetime of `&self`; `Item: Sync` allows the shared
        // reference to coexist with those of `cpu` itself and of anyone else.
        Ok(unsafe { &*ptr })
    }

    /// Returns an iterator over the possible CPUs and their values, in CPU order.
    #[doc(alias = "for_each_possible_cpu")]
    #[inline]
    fn iter(&self) -> PerCpuIter<'_, Self::Item>
    where
        Self::Item: Sync,
    {
        // INVARIANT: By the safety requirements of `PerCpu`, the slots of all possible CPUs
        // hold initialised values for the lifetime of `&self`, which bounds the iterator's.
        PerCpuIter {
            ptr: self.ptr(),
            cpus: cpumask::possible_cpus().iter(),
            _p: PhantomData,
        }
    }
}

/// An iterator over the possible CPUs and their values, made by [`PerCpu::iter`].
///
/// # Invariants
///
/// The slot at `ptr` of every possible CPU holds an initialised `T` for `'a`.
pub struct PerCpuIter<'a, T> {
    ptr: PerCpuPtr<T>,
    cpus: CpumaskIter<'static>,
    _p: PhantomData<&'a T>,
}

impl<'a, T: Sync> Iterator for PerCpuIter<'a, T> {
    type Item = (CpuId, &'a T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let cpu = self.cpus.next()?;
        // SAFETY: `cpu` comes from the possible mask, so by the type invariant its slot holds
        // an initialised `T` for `'a`; `T: Sync` allows shared references from any CPU.
        Some((cpu, unsafe { &*self.ptr.per_cpu_ptr_possible(cpu) }))
    }
}

/// With `CONFIG_RUST_PERCPU_HARDENED`, checks that the task cannot migrate, as a
/// [`CpuPinned`] proof promises.
#[inline(always)]
fn hardened_check_pinned() {
    #[cfg(CONFIG_RUST_PERCPU_HARDENED)]
    // SAFETY: `preemptible` only reads the state of the current context.
    if unsafe { bindings::preemptible() } {
        panic!("per-CPU reference requested while preemptible");
    }
}

/// With `CONFIG_RUST_PERCPU_HARDENED`, checks that interrupts are disabled and that this is not
/// NMI context, as [`PerCpu::get_with_irq_off`] relies on.
#[inline(always)]
fn hardened_check_irq_off() {
    #[cfg(CONFIG_RUST_PERCPU_HARDENED)]
    // SAFETY: Both only read the state of the current context.
    if unsafe { !bindings::irqs_disabled() || bindings::in_nmi() } {
        panic!("per-CPU access needs interrupts disabled and no NMI context");
    }
}
