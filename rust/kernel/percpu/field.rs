// SPDX-License-Identifier: GPL-2.0

//! Fields and array elements of per-CPU variables: `this_cpu_inc(stats->rx_packets)` and
//! `this_cpu_add(counts[i], n)` in Rust.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use super::{
    access::sealed,
    ptr::PerCpuPtr,
    DynamicPerCpu,
    LocalInt,
    PerCpu,
    PerCpuInteger,
    StaticPerCpu,
    StaticPerCpuSymbol,
    ThisCpuOps, //
};
use core::marker::PhantomData;

/// A per-CPU variable that fields and elements can be taken from: a static one
/// ([`define_per_cpu!`](super::define_per_cpu)) or a [`DynamicPerCpu`].
///
/// Sealed through its supertrait [`PerCpu`]; public only because it bounds the public types
/// and impls of [`PerCpuField`] and [`PerCpuElem`].
///
/// # Safety
///
/// On x86-64, [`PerCpuBase::this_cpu_op`] acts on the variable at `PerCpu::ptr()` as
/// [`PerCpuInteger::this_cpu_op`] does on that address.
#[doc(hidden)]
pub unsafe trait PerCpuBase: PerCpu {
    /// The operation `OP` on the `I` at byte offset `OFF` of the current CPU's value, plus
    /// `index * size_of::<I>()` if `INDEXED` (see [`PerCpuInteger::this_cpu_op`]).
    ///
    /// # Safety
    ///
    /// In every possible CPU's value of the variable, that `I` is a [`LocalInt<I>`] (a field or
    /// an element of the value, or one nested in those).
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    unsafe fn this_cpu_op<I: PerCpuInteger, const OP: u8, const OFF: usize, const INDEXED: bool>(
        &self,
        index: usize,
        a: I,
        b: I,
    ) -> I;
}

// SAFETY: On x86-64, `this_cpu_op` passes `PerCpu::ptr()` to `PerCpuInteger::this_cpu_op`.
unsafe impl<T: Send> PerCpuBase for DynamicPerCpu<T> {
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    #[inline(always)]
    unsafe fn this_cpu_op<I: PerCpuInteger, const OP: u8, const OFF: usize, const INDEXED: bool>(
        &self,
        index: usize,
        a: I,
        b: I,
    ) -> I {
        // SAFETY: By the safety requirements of `PerCpu`, the value of every possible CPU is
        // initialised; the caller guarantees that the `I` at the address is a `LocalInt<I>` of
        // it, which only `this_cpu` operations and atomic loads access.
        unsafe { I::this_cpu_op::<OP, OFF, INDEXED>(self.ptr().as_raw().cast(), index, a, b) }
    }
}

// SAFETY: On x86-64, `this_cpu_op` is `S::this_cpu_op`, which acts on the variable at `S::addr()`,
// the address `PerCpu::ptr()` returns.
unsafe impl<T, S: StaticPerCpuSymbol<Item = T>> PerCpuBase for StaticPerCpu<T, S> {
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    #[inline(always)]
    unsafe fn this_cpu_op<I: PerCpuInteger, const OP: u8, const OFF: usize, const INDEXED: bool>(
        &self,
        index: usize,
        a: I,
        b: I,
    ) -> I {
        // SAFETY: The caller's guarantee is the one `S::this_cpu_op` requires.
        unsafe { S::this_cpu_op::<I, OP, OFF, INDEXED>(index, a, b) }
    }
}

/// Returns the per-CPU address `OFF + index * size_of::<T>()` bytes into the variable `var`.
///
/// Only computes the address, as C's `&p->field` on a `__percpu` pointer does: the per-CPU
/// address is not the address of memory, so the offset is added to the integer.
#[inline(always)]
fn project<V: PerCpu, T>(var: &V, off: usize, index: usize) -> PerCpuPtr<T> {
    let base = var.ptr().as_raw().cast::<u8>();
    // No overflow: the result lies in the variable's value (the callers' invariants), and
    // wrapping arithmetic keeps overflow checks out of the generated code.
    let bytes = off.wrapping_add(index.wrapping_mul(size_of::<T>()));
    PerCpuPtr::from_raw(base.wrapping_add(bytes).cast())
}

/// A field of a per-CPU variable's value: one `T` at byte offset `OFF` of every CPU's value of
/// `V`. Made by [`percpu_field!`].
///
/// It is a per-CPU variable in its own right: the [`PerCpu`] methods give its value on this
/// CPU, on any CPU, or on all of them, and for a [`LocalInt`] field the [`ThisCpuOps`]
/// operations and [`ThisCpuOps::sum`] act on it alone, with the same instructions as C's
/// `this_cpu_inc(p->field)`. A field that is an array gives its elements with
/// [`PerCpuField::at`].
///
/// # Invariants
///
/// In every possible CPU's value of `*var`, the bytes at offset `OFF` are a `T` that is part of
/// that value: a field of it, or a field of a field, and so on.
pub struct PerCpuField<'a, V, T, const OFF: usize> {
    var: &'a V,
    _p: PhantomData<fn() -> T>,
}

impl<V, T, const OFF: usize> Clone for PerCpuField<'_, V, T, OFF> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<V, T, const OFF: usize> Copy for PerCpuField<'_, V, T, OFF> {}

impl<'a, V: PerCpuBase, T, const OFF: usize> PerCpuField<'a, V, T, OFF> {
    /// Makes the field; [`percpu_field!`] calls this.
    ///
    /// `_field` is the field's access, `|v| &v.field`, which is never called: its type ties `T`
    /// to the field and `V::Item` to the variable.
    ///
    /// # Safety
    ///
    /// `OFF` is the offset of the field that `_field` returns a reference to, computed with
    /// [`core::mem::offset_of!`] on `V::Item` for the same field path.
    #[doc(hidden)]
    #[inline(always)]
    pub const unsafe fn new_unchecked(var: &'a V, _field: fn(&V::Item) -> &T) -> Self {
        // INVARIANT: `offset_of!` only accepts fields of the type itself (not of a type it
        // dereferences to), and the caller guarantees that `OFF` is its result for the field
        // `_field` returns, whose type is `T`.
        Self {
            var,
            _p: PhantomData,
        }
    }
}

impl<'a, V: PerCpuBase, E, const N: usize, const OFF: usize> PerCpuField<'a, V, [E; N], OFF> {
    /// Returns element `index` of the array field, or [`None`] if `index` is out of range.
    ///
    /// The check is a comparison with the constant `N` (C code that takes an index from
    /// elsewhere makes the same check); the compiler removes it for an index it knows.
    #[inline(always)]
    pub fn at(self, index: usize) -> Option<PerCpuElem<'a, V, E, OFF>> {
        // INVARIANT: The array is at `OFF` in every CPU's value (invariant of `self`), and
        // element `index < N` of it is at `OFF + index * size_of::<E>()`.
        (index < N).then_some(PerCpuElem {
            var: self.var,
            index,
            _p: PhantomData,
        })
    }
}

impl<V, T, const OFF: usize> sealed::Variable for PerCpuField<'_, V, T, OFF> {}

// SAFETY: The field lies in every possible CPU's value of `*self.var` (type invariant), which
// is initialised and never moves while it is borrowed for `'a` (safety requirements of `PerCpu`
// for `V`); so the field is initialised and never moves. Access to it goes through `PerCpu`
// methods, of the field or of the variable (which hand out the field as part of the value under
// the same `Sync`/`Send` rules).
unsafe impl<V: PerCpuBase, T, const OFF: usize> PerCpu for PerCpuField<'_, V, T, OFF> {
    type Item = T;

    #[inline(always)]
    fn ptr(&self) -> PerCpuPtr<T> {
        project(self.var, OFF, 0)
    }
}

impl<V: PerCpuBase, I: PerCpuInteger, const OFF: usize> ThisCpuOps<I>
    for PerCpuField<'_, V, LocalInt<I>, OFF>
{
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    #[inline(always)]
    fn this_cpu_op<const OP: u8>(&self, a: I, b: I) -> I {
        // SAFETY: By the type invariant, every CPU's value of the variable has a `LocalInt<I>`
        // at `OFF`.
        unsafe { self.var.this_cpu_op::<I, OP, OFF, false>(0, a, b) }
    }

    // The `cmpxchg` loop of `asm!` rather than the C macro, which the compiler would give an
    // extra instruction to recompute the address with an index on its retry path.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    #[inline(always)]
    fn xchg(&self, val: I) -> I {
        self.this_cpu_op::<{ super::op::XCHG }>(val, I::ZERO)
    }
}

/// An element of an array in a per-CPU variable's value: one `T` at byte offset
/// `OFF + index * size_of::<T>()` of every CPU's value of `V`, where `OFF` is the array's offset.
/// Made by `at(index)` on a variable or a field that is an array, or on an element that is one.
///
/// Like [`PerCpuField`], a per-CPU variable in its own right; for a [`LocalInt`] element the
/// [`ThisCpuOps`] operations use the index in the instruction, like C's
/// `this_cpu_inc(counts[i])`.
///
/// # Invariants
///
/// In every possible CPU's value of `*var`, the bytes at `OFF + index * size_of::<T>()` are a
/// `T` that is part of that value: element `index` of an array of `T` at `OFF`, which may
/// itself be an element of an array.
pub struct PerCpuElem<'a, V, T, const OFF: usize> {
    var: &'a V,
    index: usize,
    _p: PhantomData<fn() -> T>,
}

impl<V, T, const OFF: usize> Clone for PerCpuElem<'_, V, T, OFF> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<V, T, const OFF: usize> Copy for PerCpuElem<'_, V, T, OFF> {}

impl<V, T, const OFF: usize> PerCpuElem<'_, V, T, OFF> {
    /// Returns the index of the element (counted in the innermost array for nested arrays: row
    /// `i`, column `j` of a `[[T; M]; N]` has index `i * M + j`).
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }
}

impl<'a, V: PerCpuBase, E, const M: usize, const OFF: usize> PerCpuElem<'a, V, [E; M], OFF> {
    /// Returns element `index` of this element, itself an array, or [`None`] if `index` is out
    /// of range.
    #[inline(always)]
    pub fn at(self, index: usize) -> Option<PerCpuElem<'a, V, E, OFF>> {
        // INVARIANT: `self` is element `self.index` of an array of `[E; M]` at `OFF`; its
        // element `index < M` is element `self.index * M + index` of the same memory seen
        // as an array of `E` at `OFF`. It does not overflow: it is below the number of `E`
        // in the value, which fits in memory.
        (index < M).then_some(PerCpuElem {
            var: self.var,
            index: self.index.wrapping_mul(M).wrapping_add(index),
            _p: PhantomData,
        })
    }
}

impl<V, T, const OFF: usize> sealed::Variable for PerCpuElem<'_, V, T, OFF> {}

// SAFETY: As for `PerCpuField`: the element lies in every possible CPU's value of `*self.var`
// (type invariant), which is initialised and never moves while it is borrowed.
unsafe impl<V: PerCpuBase, T, const OFF: usize> PerCpu for PerCpuElem<'_, V, T, OFF> {
    type Item = T;

    #[inline(always)]
    fn ptr(&self) -> PerCpuPtr<T> {
        project(self.var, OFF, self.index)
    }
}

impl<V: PerCpuBase, I: PerCpuInteger, const OFF: usize> ThisCpuOps<I>
    for PerCpuElem<'_, V, LocalInt<I>, OFF>
{
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    #[inline(always)]
    fn this_cpu_op<const OP: u8>(&self, a: I, b: I) -> I {
        // SAFETY: By the type invariant, every CPU's value of the variable has a `LocalInt<I>`
        // at `OFF + index * size_of::<LocalInt<I>>()`, and `LocalInt<I>` has the size of `I`.
        unsafe { self.var.this_cpu_op::<I, OP, OFF, true>(self.index, a, b) }
    }

    // The `cmpxchg` loop of `asm!` rather than the C macro, which the compiler would give an
    // extra instruction to recompute the address with an index on its retry path.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    #[inline(always)]
    fn xchg(&self, val: I) -> I {
        self.this_cpu_op::<{ super::op::XCHG }>(val, I::ZERO)
    }
}

impl<E, const N: usize, S: StaticPerCpuSymbol<Item = [E; N]>> StaticPerCpu<[E; N], S> {
    /// Returns element `index` of the array, or [`None`] if `index` is out of range.
    ///
    /// See [`PerCpuField::at`].
    #[inline(always)]
    pub fn at(&self, index: usize) -> Option<PerCpuElem<'_, Self, E, 0>> {
        // INVARIANT: Every CPU's value is a `[E; N]`, whose element `index < N` is at
        // `index * size_of::<E>()`.
        (index < N).then_some(PerCpuElem {
            var: self,
            index,
            _p: PhantomData,
        })
    }
}

impl<E: Send, const N: usize> DynamicPerCpu<[E; N]> {
    /// Returns element `index` of the array, or [`None`] if `index` is out of range.
    ///
    /// See [`PerCpuField::at`].
    #[inline(always)]
    pub fn at(&self, index: usize) -> Option<PerCpuElem<'_, Self, E, 0>> {
        // INVARIANT: As for `StaticPerCpu::at`.
        (index < N).then_some(PerCpuElem {
            var: self,
            index,
            _p: PhantomData,
        })
    }
}

/// Takes a field of a per-CPU variable's value, as a per-CPU variable of its own.
///
/// `percpu_field!(VAR, TYPE, FIELD)` gives the field `FIELD` (a field name, or a path of them
/// such as `tx.bytes`) of every CPU's value of `VAR`, a static variable or a
/// [`DynamicPerCpu`] (a place such as `STATS` or `self.stats`, borrowed by the macro), whose
/// values have the type `TYPE`. The result is a [`PerCpuField`]: for a [`LocalInt`] field the
/// [`ThisCpuOps`] operations act on that field of the current CPU's value, with no guard, like
/// C's `this_cpu_inc(stats->rx_packets)`; [`ThisCpuOps::sum`] and the [`PerCpu`] methods read
/// it on every CPU; an array field gives its elements with [`PerCpuField::at`].
///
/// Naming `TYPE` is what lets the macro compute the field's offset at compile time (with
/// [`core::mem::offset_of!`]); the compiler checks that it is the variable's type. Only fields
/// of the value itself are accepted, not fields reached through a pointer or a [`Deref`]
/// (`Box`, `Arc`): those do not live in per-CPU memory. Fields of `#[repr(packed)]` types whose
/// alignment would not hold are rejected, as references to them are. Enum fields cannot be
/// named; a union field needs `unsafe` around the macro, with the obligations of reading that
/// union field.
///
/// Fields of array elements (`stats[i].rx`) are not supported: keep the arrays innermost (a
/// struct of arrays of counters, not an array of structs).
///
/// [`Deref`]: core::ops::Deref
///
/// # Examples
///
/// ```
/// use kernel::percpu::{define_per_cpu, percpu_field, LocalInt, ThisCpuOps};
///
/// struct NetStats {
///     rx_packets: LocalInt<u64>,
///     rx_bytes: LocalInt<u64>,
///     drops: [LocalInt<u32>; 4],
/// }
///
/// impl NetStats {
///     const fn new() -> Self {
///         Self {
///             rx_packets: LocalInt::new(0),
///             rx_bytes: LocalInt::new(0),
///             drops: [const { LocalInt::new(0) }; 4],
///         }
///     }
/// }
///
/// define_per_cpu!(static STATS: NetStats = NetStats::new());
///
/// // `this_cpu_inc(stats.rx_packets)` and `this_cpu_add(stats.rx_bytes, len)`.
/// percpu_field!(STATS, NetStats, rx_packets).inc();
/// percpu_field!(STATS, NetStats, rx_bytes).add(1500);
///
/// // `this_cpu_inc(stats.drops[reason])`, for a `reason` that may be out of range.
/// let reason = 2;
/// if let Some(drops) = percpu_field!(STATS, NetStats, drops).at(reason) {
///     drops.inc();
/// }
/// assert!(percpu_field!(STATS, NetStats, drops).at(4).is_none());
///
/// assert!(percpu_field!(STATS, NetStats, rx_bytes).sum() >= 1500);
/// ```
///
/// A dynamic variable works the same way:
///
/// ```
/// use kernel::percpu::{percpu_field, DynamicPerCpu, LocalInt, ThisCpuOps};
///
/// #[derive(kernel::prelude::Zeroable)]
/// struct Counts {
///     hits: LocalInt<u32>,
///     by_kind: [LocalInt<u32>; 8],
/// }
///
/// let counts = DynamicPerCpu::<Counts>::new_zeroed(GFP_KERNEL)?;
/// percpu_field!(counts, Counts, hits).inc();
/// if let Some(c) = percpu_field!(counts, Counts, by_kind).at(3) {
///     c.add(2);
/// }
/// assert_eq!(percpu_field!(counts, Counts, hits).sum(), 1);
/// assert_eq!(percpu_field!(counts, Counts, by_kind).at(3).map(|c| c.sum()), Some(2));
/// # Ok::<(), Error>(())
/// ```
#[macro_export]
macro_rules! percpu_field {
    ($var:expr, $t:ty, $($field:tt).+) => {{
        // The field access and `$var` are outside of `unsafe`: a union field or an unsafe
        // place still needs the caller's `unsafe`.
        let field: fn(&$t) -> &_ = |v| &v.$($field).+;
        let var = &$var;
        // SAFETY: The offset is `offset_of!` of the field that `field` returns, on `$t`, which
        // `new_unchecked` checks is the variable's type.
        unsafe {
            $crate::percpu::PerCpuField::<_, _, { ::core::mem::offset_of!($t, $($field).+) }>
                ::new_unchecked(var, field)
        }
    }};
}
pub use percpu_field;
