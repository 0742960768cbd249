// SPDX-License-Identifier: GPL-2.0

//! Per-CPU variables.
//!
//! C header: [`include/linux/percpu.h`](srctree/include/linux/percpu.h)
//!
//! A per-CPU variable has one copy (a *slot*) for every possible CPU. Code running on a CPU
//! normally touches only its own slot, so CPUs do not contend for locks or cache lines;
//! statistics counters, per-CPU caches and per-CPU work items are the usual uses. Variables
//! are either static ([`define_per_cpu!`], the C `DEFINE_PER_CPU`) or allocated at run time
//! ([`DynamicPerCpu`], the C `alloc_percpu`); the [`PerCpu`] trait gives both the same API.
//!
//! # Preemption, migration and interrupts
//!
//! "This CPU's slot" is only meaningful while the task cannot move: a task can be preempted
//! and migrated to another CPU between any two instructions. So a reference into the current
//! CPU's slot is only handed out bound to a borrowed proof that the task is pinned: a
//! [`CpuGuard`] (preemption disabled, the C `preempt_disable()`) or a
//! [`LocalInterruptDisabled`] (interrupts disabled, which also keeps the scheduler away). See
//! [`CpuPinned`].
//!
//! Disabling preemption keeps other tasks off this CPU, but interrupt handlers (and NMIs) still
//! run on it, and other CPUs can reach this CPU's slot through [`PerCpu::remote`]. Hence:
//!
//! - [`PerCpu::get`] gives `&T` under either proof for `T: Sync`; whoever else holds a `&T` to
//!   the slot at the same time, `Sync` makes that fine.
//! - [`PerCpu::get_with_irq_off`] gives `&T` for a `T` that is only `Send`, such as a
//!   [`Cell`](core::cell::Cell) or [`RefCell`](core::cell::RefCell), under
//!   [`LocalInterruptDisabled`]: no interrupt handler can run, and no other CPU can reach the
//!   slot because remote access needs `Sync`.
//! - [`PerCpu::get_mut`] gives `&mut T` and is `unsafe`: nothing but the caller can rule out a
//!   nested or interrupt-context access. A `RefCell` under interrupts off is the safe way to
//!   get exclusive access.
//! - [`PerCpu::remote`] and [`PerCpu::iter`] give `&T` to any possible CPU's slot for
//!   `T: Sync`.
//! - Per-CPU integers ([`LocalInt`]) are changed with the `this_cpu` operations of
//!   [`ThisCpuOps`], which need no guard: each is one instruction that interrupts cannot split
//!   (or the C fallback that masks interrupts), like the C `this_cpu_add` family. Summing
//!   reads every CPU's slot with `READ_ONCE`.
//!
//! # CPU hotplug
//!
//! Slots exist for every *possible* CPU, online or not, and keep their values while a CPU is
//! offline. Iterating over the possible CPUs therefore sees every value ever written.
//!
//! [`LocalInterruptDisabled`]: crate::interrupt::LocalInterruptDisabled
//!
//! # Examples
//!
//! ```
//! use core::sync::atomic::{AtomicU64, Ordering};
//! use kernel::percpu::{define_per_cpu, CpuGuard, DynamicPerCpu, LocalInt, PerCpu, ThisCpuOps};
//!
//! define_per_cpu!(static PACKETS: LocalInt<u64> = LocalInt::new(0));
//!
//! // Interrupt-safe, guard-free counting.
//! PACKETS.inc();
//! PACKETS.add(2);
//! assert!(PACKETS.sum() >= 3);
//!
//! // Per-CPU data of any `Sync` type, through a guard.
//! let bytes = DynamicPerCpu::new_with(GFP_KERNEL, |_| AtomicU64::new(0))?;
//! let guard = CpuGuard::new();
//! bytes.get(&guard).fetch_add(64, Ordering::Relaxed);
//! assert_eq!(bytes.remote(guard.cpu())?.load(Ordering::Relaxed), 64);
//! # Ok::<(), Error>(())
//! ```

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

mod call;
mod dynamic;
mod guard;
mod ops;
mod ptr;
#[cfg(CONFIG_RUST_PERCPU_KUNIT_TEST)]
mod selftests;
mod statics;

pub use self::{
    call::on_each_cpu,
    dynamic::DynamicPerCpu,
    guard::{
        preempt_disable,
        CpuGuard,
        CpuPinned, //
    },
    ops::{
        LocalInt,
        PerCpuInteger,
        ThisCpuOps, //
    },
    ptr::PerCpuPtr,
    statics::{
        declare_extern_per_cpu,
        define_per_cpu,
        StaticPerCpu,
        StaticPerCpuSlot,
        StaticPerCpuSymbol, //
    },
};

/// A per-CPU variable, static or dynamic: one `Self::Item` for every possible CPU.
///
/// Implemented by [`StaticPerCpu`] and [`DynamicPerCpu`]; generic code takes `&impl PerCpu`.
/// The provided methods are the safe ways to reach the slots; see the
/// [module documentation](self) for why each has the bounds it has.
///
/// # Safety
///
/// For as long as `&self` is alive, [`PerCpu::ptr`] returns the same per-CPU address, and for
/// every possible CPU the slot at that address holds an initialised `Self::Item` that is only
/// accessed through this trait's methods (or unsafe code that follows their rules).
pub unsafe trait PerCpu {
    /// The type of each CPU's value.
    type Item;

    /// Returns the per-CPU address of the variable.
    fn ptr(&self) -> PerCpuPtr<Self::Item>;

    /// Returns the current CPU's value, for as long as the task stays pinned.
    ///
    /// `pinned` is a [`CpuGuard`] or a [`LocalInterruptDisabled`]; the reference cannot outlive
    /// the borrow of it. Interrupt handlers and other CPUs may hold references to the same
    /// value at the same time, hence `Self::Item: Sync`.
    ///
    /// # Panics
    ///
    /// With `CONFIG_RUST_PERCPU_HARDENED`, panics if the task is preemptible after all.
    #[inline]
    #[doc(alias("this_cpu_ptr", "get_cpu_ptr"))]
    fn get<'a, G: CpuPinned>(&'a self, pinned: &'a G) -> &'a Self::Item
    where
        Self::Item: Sync,
    {
        let _ = pinned;
        hardened_check_pinned();
        // SAFETY: By the safety requirements of `PerCpu`, the current CPU's slot holds an
        // initialised `Item` for the lifetime of `&'a self`. `pinned` keeps the task on this
        // CPU for `'a`, so the address stays the one of this CPU's slot. Only shared references
        // to the slot exist outside unsafe code, and `Item: Sync` allows them to coexist.
        unsafe { &*self.ptr().this_cpu_ptr() }
    }

    /// Returns the current CPU's value while local interrupts are disabled.
    ///
    /// For values that are [`Send`] but not [`Sync`], such as a [`Cell`](core::cell::Cell) or a
    /// [`RefCell`](core::cell::RefCell): with interrupts off no interrupt handler and no other
    /// task runs on this CPU, and no other CPU can reach the value (remote access needs
    /// `Sync`), so only the current task uses it until `irq` is released. Not for NMI context,
    /// where interrupts are off but an interrupted section may hold the same value.
    ///
    /// # Panics
    ///
    /// With `CONFIG_RUST_PERCPU_HARDENED`, panics if interrupts are enabled after all (a
    /// [`LocalInterruptDisabled::assume_disabled`] that did not hold) or in NMI context.
    #[inline]
    fn get_with_irq_off<'a>(&'a self, irq: &'a LocalInterruptDisabled) -> &'a Self::Item
    where
        Self::Item: Send,
    {
        let _ = irq;
        hardened_check_irq_off();
        // SAFETY: By the safety requirements of `PerCpu`, the slot holds an initialised `Item`
        // for `'a`. Interrupts are off on this CPU for `'a` (invariant of
        // `LocalInterruptDisabled`), so the task stays on this CPU and no handler on it runs.
        // Other CPUs reach the slot only through `Sync`-bounded methods or unsafe code bound
        // by the same rules, so every `&Item` to this slot belongs to the current task.
        unsafe { &*self.ptr().this_cpu_ptr() }
    }

    /// Returns the current CPU's value for exclusive use.
    ///
    /// Borrowing `pinned` mutably keeps a second `get_mut` under the same proof from
    /// overlapping this one; everything else is the caller's promise.
    ///
    /// # Safety
    ///
    /// For all of `'a`, no other reference to the current CPU's slot may exist or be made: not
    /// by this task, not by an interrupt or NMI handler on this CPU (if the variable is used in
    /// one, `pinned` must be a [`LocalInterruptDisabled`] and the variable unused in NMIs), and
    /// not by another CPU (through [`PerCpu::remote`], [`PerCpu::iter`] or [`ThisCpuOps`]).
    #[inline]
    unsafe fn get_mut<'a, G: CpuPinned>(&'a self, pinned: &'a mut G) -> &'a mut Self::Item {
        let _ = pinned;
        hardened_check_pinned();
        // SAFETY: The slot holds an initialised `Item` for `'a` and stays this CPU's (as in
        // `get`); the caller guarantees that no other reference to it exists during `'a`.
        unsafe { &mut *self.ptr().this_cpu_ptr() }
    }

    /// Returns `cpu`'s value.
    ///
    /// Returns [`EINVAL`] if `cpu` is not a possible CPU.
    #[inline]
    #[doc(alias("per_cpu_ptr", "per_cpu"))]
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
    #[inline]
    #[doc(alias = "for_each_possible_cpu")]
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
