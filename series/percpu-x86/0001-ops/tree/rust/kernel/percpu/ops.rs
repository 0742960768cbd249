// SPDX-License-Identifier: GPL-2.0

//! `this_cpu` operations on per-CPU integers.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use self::private::{
    Target,
    Width, //
};
use super::{
    DynamicPerCpu,
    PerCpu, //
};
use crate::sync::atomic::{
    Atomic,
    Relaxed, //
};
use core::cell::UnsafeCell;
use pin_init::Zeroable;

/// An integer in per-CPU memory that `this_cpu` operations change.
///
/// The element type of a per-CPU counter (`define_per_cpu!(static N: LocalInt<u64> = ...)` or
/// `DynamicPerCpu<LocalInt<u64>>`). The CPU that owns a slot changes it with the
/// [`ThisCpuOps`] methods of the per-CPU variable, each a single instruction that an interrupt
/// cannot split (or, on architectures without such instructions, the C fallback that masks
/// interrupts around the operation). Anyone may read any slot with [`LocalInt::read_once`], a
/// relaxed atomic load (the kernel's `READ_ONCE`). The integer is never changed through a Rust
/// reference, so handing out `&LocalInt` while the owning CPU or an interrupt changes it is
/// sound.
///
/// The C side has the same idea under the name `local_t`.
#[repr(transparent)]
pub struct LocalInt<T: PerCpuInteger>(UnsafeCell<T>);

// SAFETY: A `LocalInt` is only ever changed by `this_cpu` operations and only read by them and by
// atomic loads, never through a Rust reference, so sharing `&LocalInt` between tasks, interrupts
// and CPUs cannot produce a reference that aliases a write.
unsafe impl<T: PerCpuInteger> Sync for LocalInt<T> {}

// SAFETY: All zeroes is a valid value of every integer type.
unsafe impl<T: PerCpuInteger> Zeroable for LocalInt<T> {}

impl<T: PerCpuInteger> LocalInt<T> {
    /// Creates a per-CPU integer with the initial value `v`.
    #[inline]
    pub const fn new(v: T) -> Self {
        Self(UnsafeCell::new(v))
    }

    /// Reads the value with a relaxed atomic load, the C `READ_ONCE`.
    ///
    /// This is how a CPU reads another CPU's counter, for example to sum them. The value may be
    /// changing concurrently; the load sees either the old or the new value, never a mix.
    #[doc(alias = "READ_ONCE")]
    #[inline]
    pub fn read_once(&self) -> T {
        // SAFETY: `self.0.get()` is valid and aligned for the lifetime of `&self`, and the
        // `LocalInt` is only accessed by `this_cpu` operations (single instructions, or C
        // `this_cpu_*()` macros, which the kernel memory model treats as marked accesses) and
        // atomic loads, so the load races with no plain access. `T` has the layout of `T::Repr`
        // (safety requirements of `PerCpuInteger`).
        let r = unsafe { T::Repr::read_once(self.0.get().cast()) };
        from_repr(r)
    }

    /// Consumes the value and returns the integer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

/// Integer types with `this_cpu` operations: `i8` to `i64`, `u8` to `u64`, `isize`, `usize`.
///
/// Each has the unsigned type of its width as [`PerCpuInteger::Repr`], as
/// [`AtomicType::Repr`](crate::sync::atomic::AtomicType::Repr) maps types onto the C atomics:
/// the operations act on the bits, which are the same either way (two's complement). The trait
/// is sealed.
///
/// # Safety
///
/// `Self` has the size and alignment of [`PerCpuInteger::Repr`], and every bit pattern is a
/// valid value of both.
pub unsafe trait PerCpuInteger: Copy + Send + private::Sealed {
    /// The unsigned integer type of the same width, whose `this_cpu` operations this type uses.
    type Repr: Width;
}

#[inline(always)]
fn into_repr<T: PerCpuInteger>(v: T) -> T::Repr {
    // SAFETY: By the safety requirements of `PerCpuInteger`, `T` and `T::Repr` have the same size
    // and every bit pattern of `T` is a valid `T::Repr`.
    unsafe { core::mem::transmute_copy(&v) }
}

#[inline(always)]
fn from_repr<T: PerCpuInteger>(r: T::Repr) -> T {
    // SAFETY: By the safety requirements of `PerCpuInteger`, `T` and `T::Repr` have the same size
    // and every bit pattern of `T::Repr` is a valid `T`.
    unsafe { core::mem::transmute_copy(&r) }
}

pub(super) mod private {
    use super::{
        LocalInt,
        PerCpu,
        PerCpuInteger, //
    };

    /// Seals [`PerCpuInteger`].
    pub trait Sealed {}

    /// The `this_cpu` entry of one integer width, for the unsigned types `u8` to `u64`: on
    /// x86-64 the instructions of the C macros (`__percpu_asm!`), elsewhere the C helpers.
    // Reachable as the bound of the public `PerCpuInteger::Repr`, which the lint does not
    // follow; `pub(crate)` would make that bound more private than the trait.
    #[allow(unreachable_pub)]
    pub trait Width: Copy + Eq {
        /// Zero.
        const ZERO: Self;

        /// Wrapping addition.
        fn wrapping_add(self, other: Self) -> Self;

        /// Wrapping negation.
        fn wrapping_neg(self) -> Self;

        /// A relaxed atomic load from `ptr`, the C `READ_ONCE`.
        ///
        /// # Safety
        ///
        /// `ptr` is valid and aligned for reads for the duration of the call, and every
        /// concurrent access to `*ptr` is atomic (a `this_cpu` operation or another `read_once`).
        unsafe fn read_once(ptr: *mut Self) -> Self;

        /// The `this_cpu` operation `OP` (an `op` code) on the `Self` at the per-CPU address
        /// `ptr`, with the operands `a` and `b` (`cmpxchg` takes the old value in `a`, the new one
        /// in `b`; operations with fewer operands ignore the rest). Returns the result, or zero
        /// for operations without one.
        ///
        /// # Safety
        ///
        /// `ptr` is the per-CPU address of a `Self` that is allocated and initialised for every
        /// possible CPU, and that nothing accesses concurrently except these operations and
        /// [`Width::read_once`].
        unsafe fn this_cpu<const OP: u8>(ptr: *mut Self, a: Self, b: Self) -> Self;

        /// `this_cpu_try_cmpxchg`: replaces the value at `ptr` with `new` if it is `*old` and
        /// returns `true`, else stores the value found in `*old` and returns `false`.
        ///
        /// # Safety
        ///
        /// As for [`Width::this_cpu`], for the address `ptr`.
        unsafe fn try_cmpxchg(ptr: *mut Self, old: &mut Self, new: Self) -> bool;
    }

    /// A per-CPU variable of [`LocalInt`]s: where [`ThisCpuOps`](super::ThisCpuOps) acts.
    ///
    /// The default acts on [`PerCpu::ptr`].
    pub trait Target<T: PerCpuInteger>: PerCpu<Item = LocalInt<T>> {
        /// The operation `OP` on the current CPU's value, as [`Width::this_cpu`] takes it.
        #[inline(always)]
        fn this_cpu<const OP: u8>(&self, a: T::Repr, b: T::Repr) -> T::Repr {
            // SAFETY: By the safety requirements of `PerCpu`, `ptr()` names a `LocalInt<T>`,
            // that is an `UnsafeCell<T>` with the layout of `T` and so of `T::Repr`
            // (`PerCpuInteger`), initialised for every possible CPU; `LocalInt` is only accessed
            // through `this_cpu` operations and atomic loads.
            unsafe { T::Repr::this_cpu::<OP>(self.ptr().as_raw().cast(), a, b) }
        }
    }
}

/// The codes of the `this_cpu` operations, the `OP` of [`Width::this_cpu`].
///
/// `__percpu_asm!`, which other crates expand, matches the numbers themselves (checked below),
/// so that the codes need not be public.
pub(super) mod op {
    /// `this_cpu_read`.
    pub(crate) const READ: u8 = 0;
    /// `this_cpu_write`.
    pub(crate) const WRITE: u8 = 1;
    /// `this_cpu_add`.
    pub(crate) const ADD: u8 = 2;
    /// `this_cpu_inc`.
    pub(crate) const INC: u8 = 3;
    /// `this_cpu_dec`.
    pub(crate) const DEC: u8 = 4;
    /// `this_cpu_and`.
    pub(crate) const AND: u8 = 5;
    /// `this_cpu_or`.
    pub(crate) const OR: u8 = 6;
    /// `this_cpu_add_return`, returning the old value (`xadd`).
    pub(crate) const FETCH_ADD: u8 = 7;
    /// `this_cpu_cmpxchg`.
    pub(crate) const CMPXCHG: u8 = 8;
    /// `this_cpu_xchg`.
    pub(crate) const XCHG: u8 = 9;
}

// The numbers that `__percpu_asm!` matches.
const _: () = assert!(
    op::READ == 0
        && op::WRITE == 1
        && op::ADD == 2
        && op::INC == 3
        && op::DEC == 4
        && op::AND == 5
        && op::OR == 6
        && op::FETCH_ADD == 7
        && op::CMPXCHG == 8
        && op::XCHG == 9
);

/// The segment prefix of a per-CPU access on x86-64: `gs` on SMP, none on uniprocessor kernels
/// (where the per-CPU area is ordinary memory), as in `arch/x86/include/asm/percpu.h`.
///
/// Exported for `__percpu_asm!` (see there).
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, CONFIG_SMP, not(testlib)))]
macro_rules! __percpu_seg {
    () => {
        "gs:"
    };
}

/// See the `CONFIG_SMP` version.
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, not(CONFIG_SMP), not(testlib)))]
macro_rules! __percpu_seg {
    () => {
        ""
    };
}

/// The x86-64 instruction table: expands to the `asm!` of the `this_cpu` operation whose `op`
/// code is the constant `$op`, the instructions the C macros of `arch/x86/include/asm/percpu.h`
/// emit. The `match` on a constant leaves only the chosen instruction.
///
/// Arguments: the operation; the width as `(size keyword, register class, template modifier,
/// accumulator register)`; the memory operand in the template and the `asm!` operands it names
/// (a register holding the address, `"[{p}]", [p = in(reg) ptr]`, or the variable's symbol,
/// `"[rip + {s}]", [s = sym SLOT]`, which gives the `%gs:var(%rip)` form of C); the unsigned
/// type of the width; the operands `a` and `b`, of that type (ignored where the operation has
/// fewer). Evaluates to the result, or zero.
///
/// To be used inside an `unsafe` block whose caller guarantees that the address is the per-CPU
/// address of a valid, initialised integer of the width, that only `this_cpu` operations and
/// atomic loads access.
///
/// Exported because `define_per_cpu!` and `declare_extern_per_cpu!` expand it (through
/// `__percpu_sym_ops!`) in the crate that defines the variable, where the symbol is.
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, not(testlib)))]
macro_rules! __percpu_asm {
    (@read ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal, [$($aop:tt)*],
     $u:ty) => {{
        let val: $u;
        ::core::arch::asm!(
            concat!("mov {v", $m, "}, ", $size, " ptr ", $crate::__percpu_seg!(), $addr),
            $($aop)*,
            v = lateout($class) val,
            options(nostack, preserves_flags),
        );
        val
    }};
    (@write ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal, [$($aop:tt)*],
     $val:expr) => {{
        ::core::arch::asm!(
            concat!("mov ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            $($aop)*,
            v = in($class) $val,
            options(nostack, preserves_flags),
        );
        0
    }};
    // `xadd` without `lock` is atomic against interrupts on this CPU, which is all a per-CPU
    // slot needs. Returns the old value.
    (@xadd ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal, [$($aop:tt)*],
     $val:expr) => {{
        let mut old = $val;
        ::core::arch::asm!(
            concat!("xadd ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            $($aop)*,
            v = inout($class) old,
            options(nostack),
        );
        old
    }};
    // Like the C macro, this loops on `cmpxchg` without `lock` (an `xchg` with memory would
    // imply one): an interrupt between the load and the `cmpxchg` makes the latter fail and
    // retry.
    (@xchg ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal, [$($aop:tt)*],
     $u:ty, $val:expr) => {{
        let old: $u;
        ::core::arch::asm!(
            concat!("mov ", $acc, ", ", $size, " ptr ", $crate::__percpu_seg!(), $addr),
            "2:",
            concat!("cmpxchg ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            "jne 2b",
            $($aop)*,
            v = in($class) $val,
            out($acc) old,
            options(nostack),
        );
        old
    }};
    // `cmpxchg` without `lock` is atomic against interrupts on this CPU.
    (@cmpxchg ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal, [$($aop:tt)*],
     $old:expr, $new:expr) => {{
        let mut prev = $old;
        ::core::arch::asm!(
            concat!("cmpxchg ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            $($aop)*,
            v = in($class) $new,
            inout($acc) prev,
            options(nostack),
        );
        prev
    }};
    // `add`, `and` and `or`: one read-modify-write instruction, which an interrupt cannot split.
    (@rmw $op:ident ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $val:expr) => {{
        ::core::arch::asm!(
            concat!(
                stringify!($op), " ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m,
                "}"
            ),
            $($aop)*,
            v = in($class) $val,
            options(nostack),
        );
        0
    }};
    // `inc` and `dec`.
    (@unary $op:ident ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*]) => {{
        ::core::arch::asm!(
            concat!(stringify!($op), " ", $size, " ptr ", $crate::__percpu_seg!(), $addr),
            $($aop)*,
            options(nostack),
        );
        0
    }};
    // The entry: `$op` is one of the codes of `ops::op`, which are private to the kernel crate.
    ($op:expr, $w:tt, $addr:literal, [$($aop:tt)*], $u:ty, $a:expr, $b:expr) => {
        match $op {
            0 => $crate::__percpu_asm!(@read $w, $addr, [$($aop)*], $u),
            1 => $crate::__percpu_asm!(@write $w, $addr, [$($aop)*], $a),
            2 => $crate::__percpu_asm!(@rmw add $w, $addr, [$($aop)*], $a),
            3 => $crate::__percpu_asm!(@unary inc $w, $addr, [$($aop)*]),
            4 => $crate::__percpu_asm!(@unary dec $w, $addr, [$($aop)*]),
            5 => $crate::__percpu_asm!(@rmw and $w, $addr, [$($aop)*], $a),
            6 => $crate::__percpu_asm!(@rmw or $w, $addr, [$($aop)*], $a),
            7 => $crate::__percpu_asm!(@xadd $w, $addr, [$($aop)*], $a),
            8 => $crate::__percpu_asm!(@cmpxchg $w, $addr, [$($aop)*], $a, $b),
            9 => $crate::__percpu_asm!(@xchg $w, $addr, [$($aop)*], $u, $a),
            _ => $crate::build_error!("not a `this_cpu` operation code"),
        }
    };
}

/// Implements [`PerCpuInteger`] for the unsigned type `$u` (its own `Repr`) and [`Width`], with
/// the instructions of the C macros on x86-64 (`$w` is its width for [`__percpu_asm!`]) and the
/// C helpers elsewhere.
macro_rules! impl_width {
    ($u:ident, $w:tt) => {
        impl private::Sealed for $u {}

        // SAFETY: `Repr` is `Self`.
        unsafe impl PerCpuInteger for $u {
            type Repr = $u;
        }

        impl Width for $u {
            const ZERO: Self = 0;

            #[inline(always)]
            fn wrapping_add(self, other: Self) -> Self {
                <$u>::wrapping_add(self, other)
            }

            #[inline(always)]
            fn wrapping_neg(self) -> Self {
                <$u>::wrapping_neg(self)
            }

            #[inline(always)]
            unsafe fn read_once(ptr: *mut Self) -> Self {
                // SAFETY: By the safety requirements, `ptr` is valid and aligned for reads during
                // the call and every concurrent access is atomic, as `from_ptr` requires.
                unsafe { Atomic::<Self>::from_ptr(ptr) }.load(Relaxed)
            }

            #[cfg(all(CONFIG_X86_64, not(testlib)))]
            #[inline(always)]
            unsafe fn this_cpu<const OP: u8>(ptr: *mut Self, a: Self, b: Self) -> Self {
                // C's `this_cpu_xchg` branches on the flags that `cmpxchg` sets (an `asm` flag
                // output), which `asm!` cannot return. With inline helpers the C macro itself is
                // inlined, instruction for instruction.
                if cfg!(CONFIG_RUST_INLINE_HELPERS) && OP == op::XCHG {
                    ::kernel::macros::paste! {
                        // SAFETY: By the safety requirements, `ptr` is the per-CPU address of a
                        // `Self`, which is what the helper takes.
                        return unsafe { bindings::[<this_cpu_xchg_ $u>](ptr, a) };
                    }
                }
                // SAFETY: By the safety requirements, `ptr` is the per-CPU address of a valid
                // `Self` that only `this_cpu` operations and atomic loads access, as
                // `__percpu_asm!` requires of its memory operand.
                unsafe { crate::__percpu_asm!(OP, $w, "[{p}]", [p = in(reg) ptr], Self, a, b) }
            }

            #[cfg(not(all(CONFIG_X86_64, not(testlib))))]
            #[inline(always)]
            unsafe fn this_cpu<const OP: u8>(ptr: *mut Self, a: Self, b: Self) -> Self {
                ::kernel::macros::paste! {
                    // SAFETY: By the safety requirements, `ptr` is the per-CPU address of a
                    // `Self`, which is what the helpers take.
                    unsafe {
                        match OP {
                            op::READ => bindings::[<this_cpu_read_ $u>](ptr),
                            op::WRITE => {
                                bindings::[<this_cpu_write_ $u>](ptr, a);
                                0
                            }
                            op::ADD => {
                                bindings::[<this_cpu_add_ $u>](ptr, a);
                                0
                            }
                            op::INC => {
                                bindings::[<this_cpu_inc_ $u>](ptr);
                                0
                            }
                            op::DEC => {
                                bindings::[<this_cpu_dec_ $u>](ptr);
                                0
                            }
                            op::AND => {
                                bindings::[<this_cpu_and_ $u>](ptr, a);
                                0
                            }
                            op::OR => {
                                bindings::[<this_cpu_or_ $u>](ptr, a);
                                0
                            }
                            // C's `this_cpu_add_return` returns the new value.
                            op::FETCH_ADD => {
                                bindings::[<this_cpu_add_return_ $u>](ptr, a).wrapping_sub(a)
                            }
                            op::CMPXCHG => bindings::[<this_cpu_cmpxchg_ $u>](ptr, a, b),
                            op::XCHG => bindings::[<this_cpu_xchg_ $u>](ptr, a),
                            _ => crate::build_error!("not a `this_cpu` operation code"),
                        }
                    }
                }
            }

            #[inline(always)]
            unsafe fn try_cmpxchg(ptr: *mut Self, old: &mut Self, new: Self) -> bool {
                // As for `xchg`: on x86-64 without inline helpers, `cmpxchg` and a compare.
                if cfg!(all(CONFIG_X86_64, not(CONFIG_RUST_INLINE_HELPERS), not(testlib))) {
                    let expected = *old;
                    // SAFETY: The caller's guarantees are those of `this_cpu` for `ptr`.
                    let prev = unsafe { Self::this_cpu::<{ op::CMPXCHG }>(ptr, expected, new) };
                    if prev != expected {
                        *old = prev;
                    }
                    return prev == expected;
                }
                ::kernel::macros::paste! {
                    // SAFETY: By the safety requirements, `ptr` is the per-CPU address of a
                    // `Self`, which is what the helper takes; `old` is valid for reads and writes.
                    unsafe { bindings::[<this_cpu_try_cmpxchg_ $u>](ptr, old, new) }
                }
            }
        }
    };
}

impl_width!(u8, ("byte", reg_byte, "", "al"));
impl_width!(u16, ("word", reg, ":x", "ax"));
impl_width!(u32, ("dword", reg, ":e", "eax"));
impl_width!(u64, ("qword", reg, ":r", "rax"));

/// Implements [`PerCpuInteger`] for the signed types and the pointer-sized ones, through the
/// unsigned type of the same size.
macro_rules! impl_integer {
    ($($t:ty => $u:ty),* $(,)?) => {$(
        impl private::Sealed for $t {}

        const _: () =
            assert!(size_of::<$t>() == size_of::<$u>() && align_of::<$t>() == align_of::<$u>());

        // SAFETY: `$t` and `$u` are integers with the same size and alignment (checked above),
        // and every bit pattern is a valid value of either.
        unsafe impl PerCpuInteger for $t {
            type Repr = $u;
        }
    )*};
}

#[cfg(target_pointer_width = "64")]
type Word = u64;
#[cfg(target_pointer_width = "32")]
type Word = u32;

impl_integer!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, isize => Word, usize => Word);

/// The `this_cpu` operations on a per-CPU integer: no guard needed.
///
/// Implemented for every [`PerCpu`] variable whose element is a [`LocalInt`], static or
/// dynamic. Each operation acts on the slot of the CPU that runs it, in one
/// step that neither an interrupt nor preemption can split, so it needs no
/// [`CpuGuard`](super::CpuGuard) and is safe in task and interrupt context. Which CPU that is
/// may change between two operations unless preemption is disabled.
///
/// The names and shapes follow [`Atomic`] where the operation is the same (`load`, `store`,
/// `xchg`, `cmpxchg` returning a [`Result`], `fetch_add`), else the C macros (`inc`, `and`,
/// ...); each method has the C name as an alias (`this_cpu_read` is [`ThisCpuOps::load`]). There
/// is no ordering argument: a `this_cpu` operation orders nothing against other CPUs.
///
/// On x86-64 each operation is one instruction, safe in NMI context too. Elsewhere the C
/// macros may fall back to masking interrupts around a load and a store; an NMI that changes
/// the same value in between is lost, as in C (a wrong count, not undefined behaviour): such
/// counters should not be changed from NMI handlers.
///
/// # Examples
///
/// ```
/// use kernel::percpu::{define_per_cpu, LocalInt, ThisCpuOps};
///
/// define_per_cpu!(static EVENTS: LocalInt<u64> = LocalInt::new(0));
///
/// EVENTS.add(2);
/// EVENTS.inc();
/// // Both ran on this CPU only if the task was not migrated in between; the sum over all
/// // CPUs does not care.
/// assert!(EVENTS.sum() >= 3);
/// ```
pub trait ThisCpuOps<T: PerCpuInteger>: Target<T> {
    /// Reads the current CPU's value.
    #[doc(alias = "this_cpu_read")]
    #[inline(always)]
    fn load(&self) -> T {
        from_repr(self.this_cpu::<{ op::READ }>(T::Repr::ZERO, T::Repr::ZERO))
    }

    /// Sets the current CPU's value.
    #[doc(alias = "this_cpu_write")]
    #[inline(always)]
    fn store(&self, val: T) {
        self.this_cpu::<{ op::WRITE }>(into_repr(val), T::Repr::ZERO);
    }

    /// Adds `val` to the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_add")]
    #[inline(always)]
    fn add(&self, val: T) {
        self.this_cpu::<{ op::ADD }>(into_repr(val), T::Repr::ZERO);
    }

    /// Subtracts `val` from the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_sub")]
    #[inline(always)]
    fn sub(&self, val: T) {
        // As in C, `this_cpu_sub(pcp, val)` is `this_cpu_add(pcp, -val)`.
        self.this_cpu::<{ op::ADD }>(into_repr(val).wrapping_neg(), T::Repr::ZERO);
    }

    /// Adds one to the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_inc")]
    #[inline(always)]
    fn inc(&self) {
        self.this_cpu::<{ op::INC }>(T::Repr::ZERO, T::Repr::ZERO);
    }

    /// Subtracts one from the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_dec")]
    #[inline(always)]
    fn dec(&self) {
        self.this_cpu::<{ op::DEC }>(T::Repr::ZERO, T::Repr::ZERO);
    }

    /// Sets the current CPU's value to its bitwise and with `val`.
    #[doc(alias = "this_cpu_and")]
    #[inline(always)]
    fn and(&self, val: T) {
        self.this_cpu::<{ op::AND }>(into_repr(val), T::Repr::ZERO);
    }

    /// Sets the current CPU's value to its bitwise or with `val`.
    #[doc(alias = "this_cpu_or")]
    #[inline(always)]
    fn or(&self, val: T) {
        self.this_cpu::<{ op::OR }>(into_repr(val), T::Repr::ZERO);
    }

    /// Adds `val` to the current CPU's value, wrapping around on overflow, and returns the value
    /// it had before.
    ///
    /// ATTENTION: C's `this_cpu_add_return(pcp, val)` returns the new value, that is
    /// `fetch_add(val).wrapping_add(val)` (the same instructions).
    #[doc(alias = "this_cpu_add_return")]
    #[inline(always)]
    fn fetch_add(&self, val: T) -> T {
        from_repr(self.this_cpu::<{ op::FETCH_ADD }>(into_repr(val), T::Repr::ZERO))
    }

    /// Replaces the current CPU's value with `val` and returns the old value.
    #[doc(alias = "this_cpu_xchg")]
    #[inline(always)]
    fn xchg(&self, val: T) -> T {
        from_repr(self.this_cpu::<{ op::XCHG }>(into_repr(val), T::Repr::ZERO))
    }

    /// Replaces the current CPU's value with `new` if it is `old`.
    ///
    /// Returns `Ok(old)` if it did, else `Err(value)` with the value it had, as
    /// [`Atomic::cmpxchg`] does. `cmpxchg(old, new).unwrap_or_else(|v| v)` is C's
    /// `this_cpu_cmpxchg`, with the same instructions; a retry loop is
    /// [`ThisCpuOps::try_cmpxchg`].
    ///
    /// # Examples
    ///
    /// ```
    /// use kernel::percpu::{DynamicPerCpu, LocalInt, ThisCpuOps};
    ///
    /// let v = DynamicPerCpu::<LocalInt<u32>>::new_zeroed(GFP_KERNEL)?;
    /// // Both on the same CPU.
    /// let guard = kernel::percpu::CpuGuard::new();
    /// let (first, second) = (v.cmpxchg(0, 5), v.cmpxchg(0, 6));
    /// drop(guard);
    /// assert_eq!(first, Ok(0));
    /// assert_eq!(second, Err(5));
    /// # Ok::<(), Error>(())
    /// ```
    #[doc(alias = "this_cpu_cmpxchg")]
    #[inline(always)]
    fn cmpxchg(&self, old: T, new: T) -> Result<T, T> {
        let old = into_repr(old);
        let prev = self.this_cpu::<{ op::CMPXCHG }>(old, into_repr(new));
        // The compare costs nothing when the caller only wants the value.
        if prev == old {
            Ok(from_repr(prev))
        } else {
            Err(from_repr(prev))
        }
    }

    /// Replaces the current CPU's value with `new` if it is `*old`.
    ///
    /// Returns `true` if it did. Otherwise returns `false` and stores the value found in
    /// `*old`, ready for the next attempt of a retry loop. This is C's `this_cpu_try_cmpxchg`,
    /// kept beside [`ThisCpuOps::cmpxchg`] (where [`Atomic`] keeps its `try_cmpxchg` private)
    /// because it branches on the flags of the instruction, as C does, where the [`Result`] of
    /// `cmpxchg` needs a compare.
    #[doc(alias = "this_cpu_try_cmpxchg")]
    #[inline(always)]
    fn try_cmpxchg(&self, old: &mut T, new: T) -> bool {
        // Read `*old` before the variable's address and write it back only on failure, as the
        // C macro does: the same code as C's, and no store on success.
        let mut expected = into_repr(*old);
        // SAFETY: As in `Target::this_cpu`.
        let ok = unsafe {
            T::Repr::try_cmpxchg(self.ptr().as_raw().cast(), &mut expected, into_repr(new))
        };
        if !ok {
            *old = from_repr(expected);
        }
        ok
    }

    /// Returns the sum of the values of all possible CPUs, wrapping around on overflow.
    ///
    /// Each CPU's value is read once with [`LocalInt::read_once`]; CPUs may change their values
    /// meanwhile, so the sum is exact only when nothing changes them. Offline CPUs keep their
    /// values and are counted.
    #[inline]
    fn sum(&self) -> T {
        let mut total = T::Repr::ZERO;
        for (_, v) in self.iter() {
            total = total.wrapping_add(into_repr(v.read_once()));
        }
        from_repr(total)
    }
}

impl<T: PerCpuInteger, V: Target<T>> ThisCpuOps<T> for V {}

impl<T: PerCpuInteger> Target<T> for DynamicPerCpu<LocalInt<T>> {}
