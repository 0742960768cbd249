// SPDX-License-Identifier: GPL-2.0

//! Fields and array elements of per-CPU variables: `this_cpu_inc(stats->rx_packets)` and
//! `this_cpu_add(counts[i], n)` in Rust.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use self::private::PerCpuBase;
use super::{
    access::sealed,
    ops::private::{
        Target,
        Width, //
    },
    ptr::PerCpuPtr,
    CpuPinned,
    CpuStable,
    DynamicPerCpu,
    LocalInt,
    PerCpu,
    PerCpuInteger,
    PerCpuIter,
    StaticPerCpu,
    StaticPerCpuSymbol, //
};
use crate::{
    cpu::CpuId,
    interrupt::LocalInterruptDisabled,
    prelude::*, //
};
use core::{
    marker::PhantomData,
    ptr, //
};

pub(super) mod private {
    use super::{
        PerCpu,
        PerCpuInteger, //
    };

    /// A per-CPU variable that fields and elements can be taken from: a static one
    /// ([`define_per_cpu!`](crate::percpu::define_per_cpu)) or a
    /// [`DynamicPerCpu`](crate::percpu::DynamicPerCpu).
    ///
    /// Sealed through its supertrait [`PerCpu`], and not nameable outside the kernel crate.
    ///
    /// # Safety
    ///
    /// [`PerCpuBase::this_cpu_op`] acts on the variable at `PerCpu::ptr()` as `Width::this_cpu`
    /// does on that address.
    // Reachable as the bound of the public impls of `PerCpuElem`, which the lint does not
    // follow; `pub(crate)` would make that bound more private than the impls.
    #[allow(unreachable_pub)]
    pub unsafe trait PerCpuBase: PerCpu {
        /// The operation `OP` on the `I` at byte offset `OFF` of the current CPU's value, plus
        /// `index * size_of::<I>()` if `INDEXED` (see `Width::this_cpu`).
        ///
        /// # Safety
        ///
        /// In every possible CPU's value of the variable, that `I` is a
        /// [`LocalInt<I>`](crate::percpu::LocalInt) (a field or an element of the value, or one
        /// nested in those).
        unsafe fn this_cpu_op<
            I: PerCpuInteger,
            const OP: u8,
            const OFF: usize,
            const INDEXED: bool,
        >(
            &self,
            index: usize,
            a: I::Repr,
            b: I::Repr,
        ) -> I::Repr;
    }
}

// SAFETY: `this_cpu_op` passes `PerCpu::ptr()` to `Width::this_cpu`.
unsafe impl<T: Send> PerCpuBase for DynamicPerCpu<T> {
    #[inline(always)]
    unsafe fn this_cpu_op<I: PerCpuInteger, const OP: u8, const OFF: usize, const INDEXED: bool>(
        &self,
        index: usize,
        a: I::Repr,
        b: I::Repr,
    ) -> I::Repr {
        let base = self.ptr().as_raw().cast();
        // SAFETY: By the safety requirements of `PerCpu`, the value of every possible CPU is
        // initialised; the caller guarantees that the `I` at the address is a `LocalInt<I>` of
        // it (with the layout of `I::Repr`, `PerCpuInteger`), which only `this_cpu` operations
        // and atomic loads access.
        unsafe { <I::Repr as Width>::this_cpu::<OP, OFF, INDEXED>(base, index, a, b) }
    }
}

// SAFETY: `this_cpu_op` is `S::this_cpu_op`, which acts on the variable at `S::addr()`, the
// address `PerCpu::ptr()` returns.
unsafe impl<T, S: StaticPerCpuSymbol<Item = T>> PerCpuBase for StaticPerCpu<T, S> {
    #[inline(always)]
    unsafe fn this_cpu_op<I: PerCpuInteger, const OP: u8, const OFF: usize, const INDEXED: bool>(
        &self,
        index: usize,
        a: I::Repr,
        b: I::Repr,
    ) -> I::Repr {
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

/// A field or an array element of a per-CPU variable's value: one `T` at byte offset
/// `OFF + index * size_of::<T>()` of every CPU's value of `V`. A field ([`PerCpuField`], made by
/// [`percpu_field!`]) has no index (`INDEXED` is false, the index 0); an element, made by
/// `at(index)` on a variable, field or element that is an array, has `OFF` of the array.
///
/// It is a per-CPU variable in its own right: the [`PerCpu`] methods give its value on this
/// CPU, on any CPU, or on all of them, and for a [`LocalInt`] the [`ThisCpuOps`] operations and
/// [`ThisCpuOps::sum`] act on it alone, with the same instructions as C's
/// `this_cpu_inc(p->field)` and `this_cpu_inc(counts[i])`. An array gives its elements with
/// [`PerCpuElem::at`].
///
/// The handle is a copy of a borrow of the variable. Its inherent `get`, `get_with_irq_off`,
/// `get_mut`, `remote` and `iter` take it by value and return what the [`PerCpu`] methods do,
/// borrowed from the variable rather than from the handle, so that the result may outlive a
/// temporary handle: `let r = percpu_field!(V, S, x).get(&guard);`, `V.at(i)?.get(&guard)`.
///
/// [`ThisCpuOps`]: super::ThisCpuOps
/// [`ThisCpuOps::sum`]: super::ThisCpuOps::sum
///
/// # Invariants
///
/// In every possible CPU's value of `*var`, the bytes at `OFF + index * size_of::<T>()` are a
/// `T` that is part of that value: if `INDEXED`, element `index` of an array of `T` at `OFF`,
/// which may itself be an element of an array; else (`index` is 0) a field at `OFF`, or a field
/// of a field, and so on.
pub struct PerCpuElem<'a, V, T, const OFF: usize, const INDEXED: bool = true> {
    var: &'a V,
    index: usize,
    /// Invariant in `T`, as `Cell<T>` is, since [`PerCpu::get_mut`] writes a `T` through a
    /// shared handle: a handle of a `&'static U` must not pass for one of a `&'short U`.
    _p: PhantomData<fn(T) -> T>,
}

/// A field of a per-CPU variable's value: one `T` at byte offset `OFF` of every CPU's value of
/// `V`, made by [`percpu_field!`]. See [`PerCpuElem`].
pub type PerCpuField<'a, V, T, const OFF: usize> = PerCpuElem<'a, V, T, OFF, false>;

impl<V, T, const OFF: usize, const INDEXED: bool> Clone for PerCpuElem<'_, V, T, OFF, INDEXED> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<V, T, const OFF: usize, const INDEXED: bool> Copy for PerCpuElem<'_, V, T, OFF, INDEXED> {}

impl<'a, V: PerCpuBase, T, const OFF: usize> PerCpuElem<'a, V, T, OFF, false> {
    /// Makes the field; [`percpu_field!`] calls this.
    ///
    /// `_field` is the field's access, `|v| &mut v.field`, which is never called: its type ties
    /// `T` to the field (invariantly, through `&mut`) and `V::Item` to the variable.
    ///
    /// # Safety
    ///
    /// - `OFF` is the offset of the field that `_field` returns a reference to, computed with
    ///   [`core::mem::offset_of!`] on `V::Item` for the same field path.
    /// - If that path goes through a union, the field holds a valid `T` on every possible CPU
    ///   for as long as the result lives.
    #[doc(hidden)]
    #[inline(always)]
    pub const unsafe fn new_unchecked(var: &'a V, _field: fn(&mut V::Item) -> &mut T) -> Self {
        // INVARIANT: `offset_of!` only accepts fields of the type itself (not of a type it
        // dereferences to), and the caller guarantees that `OFF` is its result for the field
        // `_field` returns, whose type is `T`, and that a union field holds a `T`.
        Self {
            var,
            index: 0,
            _p: PhantomData,
        }
    }
}

impl<'a, V: PerCpuBase, E, const M: usize, const OFF: usize, const INDEXED: bool>
    PerCpuElem<'a, V, [E; M], OFF, INDEXED>
{
    /// Returns element `index` of the array, or [`None`] if `index` is out of range.
    ///
    /// The check is a comparison with the constant `M` (C code that takes an index from
    /// elsewhere makes the same check); the compiler removes it for an index it knows.
    #[inline(always)]
    pub fn at(self, index: usize) -> Option<PerCpuElem<'a, V, E, OFF>> {
        // INVARIANT: `self` is the array at `OFF + self.index * size_of::<[E; M]>()` of every
        // CPU's value (type invariant; `self.index` is 0 for a field); its element `index < M`
        // is element `self.index * M + index` of the same memory seen as an array of `E` at
        // `OFF`. It does not overflow: it is below the number of `E` in the value, which fits
        // in memory.
        (index < M).then_some(PerCpuElem {
            var: self.var,
            index: self.index.wrapping_mul(M).wrapping_add(index),
            _p: PhantomData,
        })
    }
}

// `get`, `get_with_irq_off`, `get_mut`, `remote` and `iter` below return a reference that the
// `PerCpu` method made while `self` was borrowed. It points into the variable's per-CPU memory,
// not into the handle, and by the safety requirements of `PerCpu` for `V` that memory holds the
// value for as long as `self.var` is borrowed, for `'a`; the proof the method took is borrowed
// for `'a` too.
impl<'a, V: PerCpuBase, T, const OFF: usize, const INDEXED: bool>
    PerCpuElem<'a, V, T, OFF, INDEXED>
{
    /// Returns the index of the element (counted in the innermost array for nested arrays: row
    /// `i`, column `j` of a `[[T; M]; N]` has index `i * M + j`), 0 for a field.
    #[inline]
    pub fn index(&self) -> usize {
        self.index
    }

    /// [`PerCpu::get`], for as long as the variable is borrowed.
    #[inline(always)]
    pub fn get<G: CpuStable>(self, pinned: &'a G) -> &'a T
    where
        T: Sync,
    {
        let value = PerCpu::get(&self, pinned);
        // SAFETY: `value` is valid for `'a` (see above the `impl`).
        unsafe { &*ptr::from_ref(value) }
    }

    /// [`PerCpu::get_with_irq_off`], for as long as the variable is borrowed.
    #[inline(always)]
    pub fn get_with_irq_off(self, irq: &'a LocalInterruptDisabled) -> &'a T
    where
        T: Send,
    {
        let value = PerCpu::get_with_irq_off(&self, irq);
        // SAFETY: `value` is valid for `'a` (see above the `impl`).
        unsafe { &*ptr::from_ref(value) }
    }

    /// [`PerCpu::get_mut`], for as long as the variable is borrowed.
    ///
    /// # Safety
    ///
    /// As for [`PerCpu::get_mut`].
    #[inline(always)]
    pub unsafe fn get_mut<G: CpuPinned>(self, pinned: &'a mut G) -> Pin<&'a mut T> {
        // SAFETY: The caller keeps the contract of `PerCpu::get_mut` for `'a`.
        let value = unsafe { PerCpu::get_mut(&self, pinned) };
        // SAFETY: `value` is valid for `'a` (see above the `impl`), with `pinned` borrowed
        // mutably for `'a`, and it stays pinned.
        unsafe { Pin::new_unchecked(&mut *ptr::from_mut(Pin::into_inner_unchecked(value))) }
    }

    /// [`PerCpu::remote`], for as long as the variable is borrowed.
    #[inline(always)]
    pub fn remote(self, cpu: CpuId) -> Result<&'a T>
    where
        T: Sync,
    {
        let value = PerCpu::remote(&self, cpu)?;
        // SAFETY: `value` is valid for `'a` (see above the `impl`).
        Ok(unsafe { &*ptr::from_ref(value) })
    }

    /// [`PerCpu::iter`], for as long as the variable is borrowed.
    #[inline(always)]
    pub fn iter(self) -> PerCpuIter<'a, T>
    where
        T: Sync,
    {
        // SAFETY: The two types differ only in the lifetime, and the references the iterator
        // returns are valid for `'a` (see above the `impl`).
        unsafe { core::mem::transmute::<PerCpuIter<'_, T>, PerCpuIter<'a, T>>(PerCpu::iter(&self)) }
    }
}

impl<V, T, const OFF: usize, const INDEXED: bool> sealed::Variable
    for PerCpuElem<'_, V, T, OFF, INDEXED>
{
}

// SAFETY: The field or element lies in every possible CPU's value of `*self.var` (type
// invariant), which is initialised and never moves while it is borrowed (safety requirements of
// `PerCpu` for `V`); so it is initialised and never moves. Access to it goes through `PerCpu`
// methods, of the handle or of the variable (which hand out the field or element as part of the
// value under the same `Sync`/`Send` rules).
unsafe impl<V: PerCpuBase, T, const OFF: usize, const INDEXED: bool> PerCpu
    for PerCpuElem<'_, V, T, OFF, INDEXED>
{
    type Item = T;

    #[inline(always)]
    fn ptr(&self) -> PerCpuPtr<T> {
        project(self.var, OFF, self.index)
    }
}

impl<V: PerCpuBase, I: PerCpuInteger, const OFF: usize, const INDEXED: bool> Target<I>
    for PerCpuElem<'_, V, LocalInt<I>, OFF, INDEXED>
{
    #[inline(always)]
    fn this_cpu<const OP: u8>(&self, a: I::Repr, b: I::Repr) -> I::Repr {
        // SAFETY: By the type invariant, every CPU's value of the variable has a `LocalInt<I>`
        // at `OFF + index * size_of::<LocalInt<I>>()`, and `LocalInt<I>` has the size of `I`;
        // the index is 0 if not `INDEXED`.
        unsafe {
            self.var
                .this_cpu_op::<I, OP, OFF, INDEXED>(self.index, a, b)
        }
    }
}

impl<'a, V: PerCpuBase> PerCpuField<'a, V, V::Item, 0> {
    /// The whole variable as a handle, for its elements.
    #[inline(always)]
    fn whole(var: &'a V) -> Self {
        // INVARIANT: Every CPU's value of `*var` is a `V::Item` at offset 0.
        Self {
            var,
            index: 0,
            _p: PhantomData,
        }
    }
}

impl<E, const N: usize, S: StaticPerCpuSymbol<Item = [E; N]>> StaticPerCpu<[E; N], S> {
    /// Returns element `index` of the array, or [`None`] if `index` is out of range; see
    /// [`PerCpuElem::at`].
    #[inline(always)]
    pub fn at(&self, index: usize) -> Option<PerCpuElem<'_, Self, E, 0>> {
        PerCpuField::whole(self).at(index)
    }
}

impl<E: Send, const N: usize> DynamicPerCpu<[E; N]> {
    /// Returns element `index` of the array, or [`None`] if `index` is out of range; see
    /// [`PerCpuElem::at`].
    #[inline(always)]
    pub fn at(&self, index: usize) -> Option<PerCpuElem<'_, Self, E, 0>> {
        PerCpuField::whole(self).at(index)
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
/// it on every CPU (the references borrow `VAR`, not the handle: `let r =
/// percpu_field!(V, S, x).get(&guard);` may use `r` afterwards); an array field gives its
/// elements with [`PerCpuElem::at`]. The guard of a local-lock field borrows the handle, so
/// keep the handle in a variable for as long as the guard lives: `let f = percpu_field!(V, S,
/// lock); let guard = f.lock();`.
///
/// Naming `TYPE` is what lets the macro compute the field's offset at compile time (with
/// [`core::mem::offset_of!`]); the compiler checks that it is the variable's type. Only fields
/// of the value itself are accepted, not fields reached through a pointer or a [`Deref`]
/// (`Box`, `Arc`): those do not live in per-CPU memory. Fields of `#[repr(packed)]` types whose
/// alignment would not hold are rejected, as references to them are. Enum fields cannot be
/// named. A union field needs `unsafe` around the macro, and with it the caller promises that
/// the field holds a valid value of its type on every possible CPU for as long as the handle
/// lives, not only now: the handle's methods read it later, on any CPU.
///
/// Fields of array elements (`stats[i].rx`) are not supported: keep the arrays innermost (a
/// struct of arrays of counters, not an array of structs).
///
/// [`Deref`]: core::ops::Deref
/// [`ThisCpuOps`]: super::ThisCpuOps
/// [`ThisCpuOps::sum`]: super::ThisCpuOps::sum
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
        // place still needs the caller's `unsafe`. The access is `&mut` so that its type ties
        // the field's type invariantly; it is never called.
        let field: fn(&mut $t) -> &mut _ = |v| &mut v.$($field).+;
        let var = &$var;
        // SAFETY: The offset is `offset_of!` of the field that `field` returns, on `$t`, which
        // `new_unchecked` checks is the variable's type. A union field is valid for as long as
        // the handle lives: the caller of the macro promised it with its `unsafe`.
        unsafe {
            $crate::percpu::PerCpuField::<_, _, { ::core::mem::offset_of!($t, $($field).+) }>
                ::new_unchecked(var, field)
        }
    }};
}
pub use percpu_field;
