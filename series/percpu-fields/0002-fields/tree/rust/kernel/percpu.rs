// SPDX-License-Identifier: GPL-2.0

//! Per-CPU variables.
//!
//! C header: [`include/linux/percpu.h`](srctree/include/linux/percpu.h)
//!
//! A per-CPU variable has one copy (a *slot*) for every possible CPU. Code running on a CPU
//! normally touches only its own slot, so CPUs do not contend for locks or cache lines;
//! statistics counters and per-CPU caches are the usual uses. Variables are either static
//! ([`define_per_cpu!`], the C `DEFINE_PER_CPU`) or allocated at run time ([`DynamicPerCpu`],
//! the C `alloc_percpu`); the [`PerCpu`] trait gives both the same API.
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
//! Every proof assumes atomic context: code that holds one must not sleep. A sleep schedules,
//! which can migrate the task while references into the old CPU's slot live on. The compiler
//! does not check this (klint is meant to); `CONFIG_DEBUG_ATOMIC_SLEEP` reports it at run time.
//! On `CONFIG_PREEMPT_RT` kernels [`SpinLock`] and [`Mutex`] sleep too, so neither may be
//! taken while a proof is held.
//!
//! Disabling preemption keeps other tasks off this CPU, but interrupt handlers (and NMIs) still
//! run on it, and other CPUs can reach this CPU's slot through [`PerCpu::remote`]. Hence:
//!
//! - [`PerCpu::get`] gives `&T` under either proof for `T: Sync`: interrupt handlers and
//!   other CPUs may hold a `&T` to the same slot at the same time.
//! - [`PerCpu::get_with_irq_off`] gives `&T` for a `T` that is only `Send`, such as a
//!   [`Cell`](core::cell::Cell) or [`RefCell`](core::cell::RefCell), under
//!   [`LocalInterruptDisabled`]: no interrupt handler can run, and no other CPU can reach the
//!   slot because remote access needs `Sync`. Not for NMI context, where interrupts are off but
//!   the interrupted code may be using the same value.
//! - [`PerCpu::get_mut`] gives `Pin<&mut T>` and is `unsafe`: nothing but the caller can rule
//!   out a nested or interrupt-context access. A `RefCell` under interrupts off is the safe way
//!   to get exclusive access.
//! - [`PerCpu::remote`] and [`PerCpu::iter`] give `&T` to any possible CPU's slot for
//!   `T: Sync`.
//! - Per-CPU integers ([`LocalInt`]) are changed with the `this_cpu` operations of
//!   [`ThisCpuOps`], which need no guard: each is one instruction that interrupts cannot split
//!   (or the C fallback that masks interrupts), like the C `this_cpu_add` family. Summing
//!   reads every CPU's slot with a relaxed atomic load, the kernel's `READ_ONCE`.
//! - Counters in a struct or an array (`this_cpu_inc(stats->rx)`, `this_cpu_add(counts[i], n)`
//!   in C) are [`LocalInt`] fields and elements: [`percpu_field!`] takes one field of every
//!   CPU's value as a per-CPU variable of its own, `at(i)` one element of an array (or
//!   [`None`] for an index out of range), each with the same `this_cpu` operations and sums.
//!
//! # CPU hotplug
//!
//! Slots exist for every *possible* CPU, online or not, and keep their values while a CPU is
//! offline. Iterating over the possible CPUs therefore sees every value ever written.
//!
//! [`LocalInterruptDisabled`]: crate::interrupt::LocalInterruptDisabled
//! [`SpinLock`]: crate::sync::SpinLock
//! [`Mutex`]: crate::sync::Mutex
//!
//! # Examples
//!
//! ```
//! use kernel::{
//!     percpu::{
//!         define_per_cpu,
//!         CpuGuard,
//!         DynamicPerCpu,
//!         LocalInt,
//!         PerCpu,
//!         ThisCpuOps, //
//!     },
//!     sync::atomic::{
//!         Atomic,
//!         Relaxed, //
//!     },
//! };
//!
//! define_per_cpu!(static PACKETS: LocalInt<u64> = LocalInt::new(0));
//!
//! // Interrupt-safe, guard-free counting.
//! PACKETS.inc();
//! PACKETS.add(2);
//! assert!(PACKETS.sum() >= 3);
//!
//! // Per-CPU data of any `Sync` type, through a guard.
//! let bytes = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
//! let guard = CpuGuard::new();
//! bytes.get(&guard).fetch_add(64, Relaxed);
//! assert_eq!(bytes.remote(guard.cpu())?.load(Relaxed), 64);
//! # Ok::<(), Error>(())
//! ```

mod access;
mod dynamic;
mod field;
mod ops;
mod ptr;
#[cfg(CONFIG_RUST_PERCPU_KUNIT_TEST)]
mod selftests;
mod statics;

pub use crate::preempt::CpuGuard;

pub use self::{
    access::{
        CpuPinned,
        CpuStable,
        PerCpu,
        PerCpuIter, //
    },
    dynamic::DynamicPerCpu,
    field::{
        percpu_field,
        PerCpuElem,
        PerCpuField, //
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
