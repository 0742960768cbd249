// SPDX-License-Identifier: GPL-2.0

//! `this_cpu` operations on per-CPU integers.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

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
        // atomic loads, so the load races with no plain access.
        unsafe { T::read_once(self.0.get()) }
    }

    /// Consumes the value and returns the integer.
    #[inline]
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

mod private {
    pub trait Sealed {}
}

/// Integer types with `this_cpu` operations: `i8` to `i64`, `u8` to `u64`, `isize`, `usize`.
///
/// The methods are the per-width implementations behind [`ThisCpuOps`] and
/// [`LocalInt::read_once`]; call those instead. The trait is sealed.
pub trait PerCpuInteger: Copy + Send + private::Sealed {
    /// Zero.
    #[doc(hidden)]
    const ZERO: Self;
    /// Wrapping addition.
    #[doc(hidden)]
    fn wrapping_add_(self, other: Self) -> Self;
    /// Wrapping negation.
    #[doc(hidden)]
    fn wrapping_neg_(self) -> Self;
    /// The bits of the value, zero-extended.
    #[doc(hidden)]
    fn to_bits(self) -> u64;
    /// The value with the low bits of `bits`.
    #[doc(hidden)]
    fn from_bits(bits: u64) -> Self;
    /// A relaxed atomic load from `ptr`, the C `READ_ONCE`.
    ///
    /// # Safety
    ///
    /// `ptr` is valid and aligned for reads for the duration of the call, and every concurrent
    /// access to `*ptr` is atomic (a `this_cpu` operation or another `read_once`).
    #[doc(hidden)]
    unsafe fn read_once(ptr: *mut Self) -> Self;
    /// `this_cpu_read`.
    ///
    /// # Safety
    ///
    /// `ptr` is a per-CPU address of a `Self` that is allocated and initialised for every
    /// possible CPU, and that nothing accesses concurrently except these methods and
    /// [`PerCpuInteger::read_once`].
    #[doc(hidden)]
    unsafe fn this_cpu_read(ptr: *mut Self) -> Self;
    /// `this_cpu_write`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_write(ptr: *mut Self, val: Self);
    /// `this_cpu_add`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_add(ptr: *mut Self, val: Self);
    /// `this_cpu_inc`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_inc(ptr: *mut Self);
    /// `this_cpu_dec`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_dec(ptr: *mut Self);
    /// `this_cpu_and`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_and(ptr: *mut Self, val: Self);
    /// `this_cpu_or`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_or(ptr: *mut Self, val: Self);
    /// `this_cpu_add_return`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_add_return(ptr: *mut Self, val: Self) -> Self;
    /// `this_cpu_xchg`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_xchg(ptr: *mut Self, val: Self) -> Self;
    /// `this_cpu_cmpxchg`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_cmpxchg(ptr: *mut Self, old: Self, new: Self) -> Self;
    /// `this_cpu_try_cmpxchg`.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`].
    #[doc(hidden)]
    unsafe fn this_cpu_try_cmpxchg(ptr: *mut Self, old: &mut Self, new: Self) -> bool;
    /// The operation `OP` (an [`op`] code) on the `Self` at the per-CPU
    /// address `base + OFF`, plus `index * size_of::<Self>()` if `INDEXED`, with the operands
    /// `a` and `b` (`cmpxchg` takes the old value in `a`, the new one in `b`; operations with
    /// fewer operands ignore the rest). Returns the result, or zero for operations without one.
    ///
    /// On x86-64 the offset and the index become part of the instruction's memory operand
    /// (`incl %gs:16(%rax,%rcx,4)`), as in C, instead of an address computed beforehand.
    ///
    /// # Safety
    ///
    /// As for [`PerCpuInteger::this_cpu_read`], for that address.
    #[doc(hidden)]
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    unsafe fn this_cpu_op<const OP: u8, const OFF: usize, const INDEXED: bool>(
        base: *mut u8,
        index: usize,
        a: Self,
        b: Self,
    ) -> Self;
}

/// The codes of the `this_cpu` operations, for [`ThisCpuOps::this_cpu_op`] and the x86-64
/// instruction table.
#[doc(hidden)]
pub mod op {
    /// `this_cpu_read`.
    pub const READ: u8 = 0;
    /// `this_cpu_write`.
    pub const WRITE: u8 = 1;
    /// `this_cpu_add`.
    pub const ADD: u8 = 2;
    /// `this_cpu_inc`.
    pub const INC: u8 = 3;
    /// `this_cpu_dec`.
    pub const DEC: u8 = 4;
    /// `this_cpu_and`.
    pub const AND: u8 = 5;
    /// `this_cpu_or`.
    pub const OR: u8 = 6;
    /// `this_cpu_add_return`.
    pub const ADD_RETURN: u8 = 7;
    /// `this_cpu_cmpxchg`.
    pub const CMPXCHG: u8 = 8;
    /// `this_cpu_xchg`: on x86-64 the `cmpxchg` loop of `__percpu_asm!`, which whole variables
    /// use without inline helpers (with them, the C macro) and fields and elements always.
    pub const XCHG: u8 = 9;
}

/// The segment prefix of a per-CPU access on x86-64: `gs` on SMP, none on uniprocessor kernels
/// (where the per-CPU area is ordinary memory), as in `arch/x86/include/asm/percpu.h`.
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

/// Expands to the `asm!` of one `this_cpu` operation on x86-64: the instructions the C macros
/// of `arch/x86/include/asm/percpu.h` emit. To be used inside an `unsafe` block whose caller
/// guarantees that the address is the per-CPU address of a valid, initialised integer of the
/// width, that only `this_cpu` operations and atomic loads access.
///
/// Arguments: the operation; the width as `(size keyword, register class, template modifier,
/// accumulator register)`; the memory operand in the template and the `asm!` operand it names
/// (a register holding the address, `"[{p}]", [p = in(reg) ptr]`, or the variable's symbol,
/// `"[rip + {s}]", [s = sym SLOT]`, which gives the `%gs:var(%rip)` form of C); the unsigned
/// type of the width; the operation's values, of that type.
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, not(testlib)))]
macro_rules! __percpu_asm {
    (read, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty) => {{
        let val: $u;
        ::core::arch::asm!(
            concat!("mov {v", $m, "}, ", $size, " ptr ", $crate::__percpu_seg!(), $addr),
            $($aop)*,
            v = lateout($class) val,
            options(nostack, preserves_flags),
        );
        val
    }};
    (write, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty, $val:expr) => {
        ::core::arch::asm!(
            concat!("mov ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            $($aop)*,
            v = in($class) $val,
            options(nostack, preserves_flags),
        )
    };
    // `xadd` without `lock` is atomic against interrupts on this CPU, which is all a per-CPU
    // slot needs.
    (add_return, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty, $val:expr) => {{
        let val: $u = $val;
        let mut old = val;
        ::core::arch::asm!(
            concat!("xadd ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            $($aop)*,
            v = inout($class) old,
            options(nostack),
        );
        old.wrapping_add(val)
    }};
    // Like the C macro, this loops on `cmpxchg` without `lock` (an `xchg` with memory would
    // imply one): an interrupt between the load and the `cmpxchg` makes the latter fail and
    // retry.
    (xchg, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty, $val:expr) => {{
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
    (cmpxchg, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty, $old:expr, $new:expr) => {{
        let mut prev: $u = $old;
        ::core::arch::asm!(
            concat!("cmpxchg ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m, "}"),
            $($aop)*,
            v = in($class) $new,
            inout($acc) prev,
            options(nostack),
        );
        prev
    }};
    // `add`, `and` and `or` (after the named operations, which this arm would match too): one
    // read-modify-write instruction, which an interrupt cannot split.
    ($op:ident, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty, $val:expr) => {
        ::core::arch::asm!(
            concat!(
                stringify!($op), " ", $size, " ptr ", $crate::__percpu_seg!(), $addr, ", {v", $m,
                "}"
            ),
            $($aop)*,
            v = in($class) $val,
            options(nostack),
        )
    };
    // `inc` and `dec`.
    ($op:ident, ($size:literal, $class:ident, $m:literal, $acc:tt), $addr:literal,
     [$($aop:tt)*], $u:ty) => {
        ::core::arch::asm!(
            concat!(stringify!($op), " ", $size, " ptr ", $crate::__percpu_seg!(), $addr),
            $($aop)*,
            options(nostack),
        )
    };
}

/// Expands to the `this_cpu` operation whose [`op`] code is the constant `$op`, through
/// [`__percpu_asm!`] with its width, memory operand and `asm!` operands; `$a` and `$b` are the
/// operands (of type `$u`, ignored where the operation has fewer). Evaluates to the result as
/// `$u`, or zero. The `match` on a constant leaves only the chosen instruction. To be used inside
/// an `unsafe` block, with the guarantees [`__percpu_asm!`] requires.
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, not(testlib)))]
macro_rules! __percpu_op {
    ($op:expr, $w:tt, $addr:literal, [$($aop:tt)*], $u:ty, $a:expr, $b:expr) => {
        match $op {
            $crate::percpu::op::READ => $crate::__percpu_asm!(read, $w, $addr, [$($aop)*], $u),
            $crate::percpu::op::WRITE => {
                $crate::__percpu_asm!(write, $w, $addr, [$($aop)*], $u, $a);
                0
            }
            $crate::percpu::op::ADD => {
                $crate::__percpu_asm!(add, $w, $addr, [$($aop)*], $u, $a);
                0
            }
            $crate::percpu::op::INC => {
                $crate::__percpu_asm!(inc, $w, $addr, [$($aop)*], $u);
                0
            }
            $crate::percpu::op::DEC => {
                $crate::__percpu_asm!(dec, $w, $addr, [$($aop)*], $u);
                0
            }
            $crate::percpu::op::AND => {
                $crate::__percpu_asm!(and, $w, $addr, [$($aop)*], $u, $a);
                0
            }
            $crate::percpu::op::OR => {
                $crate::__percpu_asm!(or, $w, $addr, [$($aop)*], $u, $a);
                0
            }
            $crate::percpu::op::ADD_RETURN => {
                $crate::__percpu_asm!(add_return, $w, $addr, [$($aop)*], $u, $a)
            }
            $crate::percpu::op::CMPXCHG => {
                $crate::__percpu_asm!(cmpxchg, $w, $addr, [$($aop)*], $u, $a, $b)
            }
            $crate::percpu::op::XCHG => $crate::__percpu_asm!(xchg, $w, $addr, [$($aop)*], $u, $a),
            _ => $crate::build_error!("not a `this_cpu` operation code"),
        }
    };
}

/// The arithmetic items of [`PerCpuInteger`] for an unsigned type, the same on every
/// architecture.
macro_rules! unsigned_arith {
    () => {
        const ZERO: Self = 0;

        #[inline(always)]
        fn wrapping_add_(self, other: Self) -> Self {
            self.wrapping_add(other)
        }

        #[inline(always)]
        fn wrapping_neg_(self) -> Self {
            self.wrapping_neg()
        }

        #[inline(always)]
        fn to_bits(self) -> u64 {
            u64::from(self)
        }

        #[inline(always)]
        fn from_bits(bits: u64) -> Self {
            bits as Self
        }

        #[inline(always)]
        unsafe fn read_once(ptr: *mut Self) -> Self {
            // SAFETY: By the safety requirements, `ptr` is valid and aligned for reads during
            // the call and every concurrent access is atomic, as `from_ptr` requires.
            unsafe { Atomic::<Self>::from_ptr(ptr) }.load(Relaxed)
        }
    };
}

/// Implements [`PerCpuInteger`] for an unsigned type, with the instructions of the C macros on
/// x86-64 (see [`__percpu_asm!`]) and the C helpers elsewhere.
///
/// Arguments: the type and its width for [`__percpu_asm!`].
macro_rules! impl_unsigned {
    ($t:ident, $w:tt) => {
        impl private::Sealed for $t {}

        #[cfg(all(CONFIG_X86_64, not(testlib)))]
        impl PerCpuInteger for $t {
            unsigned_arith!();

            #[inline(always)]
            unsafe fn this_cpu_op<const OP: u8, const OFF: usize, const INDEXED: bool>(
                base: *mut u8,
                index: usize,
                a: Self,
                b: Self,
            ) -> Self {
                // SAFETY: By the safety requirements, `base + OFF` (plus `index` times the width if
                // `INDEXED`) is the per-CPU address of a valid `Self` that only `this_cpu`
                // operations and atomic loads access, as `__percpu_asm!` requires of its memory
                // operand.
                unsafe {
                    if INDEXED {
                        crate::__percpu_op!(OP, $w, "[{p} + {i}*{sc} + {o}]",
                            [p = in(reg) base, i = in(reg) index, sc = const size_of::<Self>(),
                             o = const OFF], Self, a, b)
                    } else {
                        crate::__percpu_op!(OP, $w, "[{p} + {o}]",
                            [p = in(reg) base, o = const OFF], Self, a, b)
                    }
                }
            }

            #[inline(always)]
            unsafe fn this_cpu_read(ptr: *mut Self) -> Self {
                // SAFETY: The caller's guarantees are those of `this_cpu_op` for `ptr`.
                unsafe { Self::this_cpu_op::<{ op::READ }, 0, false>(ptr.cast(), 0, 0, 0) }
            }

            #[inline(always)]
            unsafe fn this_cpu_write(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::WRITE }, 0, false>(ptr.cast(), 0, val, 0) };
            }

            #[inline(always)]
            unsafe fn this_cpu_add(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::ADD }, 0, false>(ptr.cast(), 0, val, 0) };
            }

            #[inline(always)]
            unsafe fn this_cpu_inc(ptr: *mut Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::INC }, 0, false>(ptr.cast(), 0, 0, 0) };
            }

            #[inline(always)]
            unsafe fn this_cpu_dec(ptr: *mut Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::DEC }, 0, false>(ptr.cast(), 0, 0, 0) };
            }

            #[inline(always)]
            unsafe fn this_cpu_and(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::AND }, 0, false>(ptr.cast(), 0, val, 0) };
            }

            #[inline(always)]
            unsafe fn this_cpu_or(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::OR }, 0, false>(ptr.cast(), 0, val, 0) };
            }

            #[inline(always)]
            unsafe fn this_cpu_add_return(ptr: *mut Self, val: Self) -> Self {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::ADD_RETURN }, 0, false>(ptr.cast(), 0, val, 0) }
            }

            #[inline(always)]
            unsafe fn this_cpu_cmpxchg(ptr: *mut Self, old: Self, new: Self) -> Self {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::CMPXCHG }, 0, false>(ptr.cast(), 0, old, new) }
            }

            // C's `this_cpu_xchg` and `this_cpu_try_cmpxchg` branch on the flags that `cmpxchg`
            // sets (an `asm` flag output), which `asm!` cannot return. With inline helpers the
            // C macro itself is inlined here, instruction for instruction; without, `asm!`
            // versions of the same loop and compare are used.
            #[cfg(CONFIG_RUST_INLINE_HELPERS)]
            ::kernel::macros::paste! {
                #[inline(always)]
                unsafe fn this_cpu_xchg(ptr: *mut Self, val: Self) -> Self {
                    // SAFETY: By the safety requirements, `ptr` is a valid per-CPU address of
                    // a `Self`, which is what the helper takes.
                    unsafe { bindings::[<this_cpu_xchg_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_try_cmpxchg(
                    ptr: *mut Self,
                    old: &mut Self,
                    new: Self,
                ) -> bool {
                    // SAFETY: As in `this_cpu_xchg`; `old` is valid for reads and writes.
                    unsafe { bindings::[<this_cpu_try_cmpxchg_ $t>](ptr, old, new) }
                }
            }

            #[cfg(not(CONFIG_RUST_INLINE_HELPERS))]
            #[inline(always)]
            unsafe fn this_cpu_xchg(ptr: *mut Self, val: Self) -> Self {
                // SAFETY: As in `this_cpu_read`.
                unsafe { Self::this_cpu_op::<{ op::XCHG }, 0, false>(ptr.cast(), 0, val, 0) }
            }

            #[cfg(not(CONFIG_RUST_INLINE_HELPERS))]
            #[inline(always)]
            unsafe fn this_cpu_try_cmpxchg(ptr: *mut Self, old: &mut Self, new: Self) -> bool {
                let expected = *old;
                // SAFETY: The caller's guarantees are passed on unchanged.
                let prev = unsafe { Self::this_cpu_cmpxchg(ptr, expected, new) };
                if prev == expected {
                    true
                } else {
                    *old = prev;
                    false
                }
            }
        }
        #[cfg(not(all(CONFIG_X86_64, not(testlib))))]
        impl PerCpuInteger for $t {
            unsigned_arith!();

            ::kernel::macros::paste! {
                #[inline(always)]
                unsafe fn this_cpu_read(ptr: *mut Self) -> Self {
                    // SAFETY: By the safety requirements, `ptr` is a valid per-CPU address of
                    // a `Self`, which is what the helper takes.
                    unsafe { bindings::[<this_cpu_read_ $t>](ptr) }
                }

                #[inline(always)]
                unsafe fn this_cpu_write(ptr: *mut Self, val: Self) {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_write_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_add(ptr: *mut Self, val: Self) {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_add_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_inc(ptr: *mut Self) {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_inc_ $t>](ptr) }
                }

                #[inline(always)]
                unsafe fn this_cpu_dec(ptr: *mut Self) {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_dec_ $t>](ptr) }
                }

                #[inline(always)]
                unsafe fn this_cpu_and(ptr: *mut Self, val: Self) {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_and_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_or(ptr: *mut Self, val: Self) {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_or_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_add_return(ptr: *mut Self, val: Self) -> Self {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_add_return_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_xchg(ptr: *mut Self, val: Self) -> Self {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_xchg_ $t>](ptr, val) }
                }

                #[inline(always)]
                unsafe fn this_cpu_cmpxchg(ptr: *mut Self, old: Self, new: Self) -> Self {
                    // SAFETY: As in `this_cpu_read`.
                    unsafe { bindings::[<this_cpu_cmpxchg_ $t>](ptr, old, new) }
                }

                #[inline(always)]
                unsafe fn this_cpu_try_cmpxchg(
                    ptr: *mut Self,
                    old: &mut Self,
                    new: Self,
                ) -> bool {
                    // SAFETY: As in `this_cpu_read`; `old` is valid for reads and writes.
                    unsafe { bindings::[<this_cpu_try_cmpxchg_ $t>](ptr, old, new) }
                }
            }
        }
    };
}

impl_unsigned!(u8, ("byte", reg_byte, "", "al"));
impl_unsigned!(u16, ("word", reg, ":x", "ax"));
impl_unsigned!(u32, ("dword", reg, ":e", "eax"));
impl_unsigned!(u64, ("qword", reg, ":r", "rax"));

/// Implements [`PerCpuInteger`] for a type through the unsigned type of the same size: the
/// operations are the same bit patterns either way (two's complement).
macro_rules! impl_via {
    ($t:ty => $u:ty) => {
        impl private::Sealed for $t {}

        // CAST: `$t` and `$u` have the same size and alignment (checked below), so a `*mut $t`
        // is a valid `*mut $u`, and `as` between them keeps every bit.
        const _: () =
            assert!(size_of::<$t>() == size_of::<$u>() && align_of::<$t>() == align_of::<$u>());

        impl PerCpuInteger for $t {
            const ZERO: Self = 0;

            #[inline(always)]
            fn wrapping_add_(self, other: Self) -> Self {
                self.wrapping_add(other)
            }

            #[inline(always)]
            fn wrapping_neg_(self) -> Self {
                self.wrapping_neg()
            }

            #[inline(always)]
            fn to_bits(self) -> u64 {
                (self as $u).to_bits()
            }

            #[inline(always)]
            fn from_bits(bits: u64) -> Self {
                <$u>::from_bits(bits) as $t
            }

            #[inline(always)]
            unsafe fn read_once(ptr: *mut Self) -> Self {
                // SAFETY: The caller's guarantees hold for the same bits seen as `$u`.
                unsafe { <$u>::read_once(ptr.cast()) as $t }
            }

            #[inline(always)]
            unsafe fn this_cpu_read(ptr: *mut Self) -> Self {
                // SAFETY: The caller's guarantees hold for the same bits seen as `$u`.
                unsafe { <$u>::this_cpu_read(ptr.cast()) as $t }
            }

            #[inline(always)]
            unsafe fn this_cpu_write(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_write(ptr.cast(), val as $u) }
            }

            #[inline(always)]
            unsafe fn this_cpu_add(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_add(ptr.cast(), val as $u) }
            }

            #[inline(always)]
            unsafe fn this_cpu_inc(ptr: *mut Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_inc(ptr.cast()) }
            }

            #[inline(always)]
            unsafe fn this_cpu_dec(ptr: *mut Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_dec(ptr.cast()) }
            }

            #[inline(always)]
            unsafe fn this_cpu_and(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_and(ptr.cast(), val as $u) }
            }

            #[inline(always)]
            unsafe fn this_cpu_or(ptr: *mut Self, val: Self) {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_or(ptr.cast(), val as $u) }
            }

            #[inline(always)]
            unsafe fn this_cpu_add_return(ptr: *mut Self, val: Self) -> Self {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_add_return(ptr.cast(), val as $u) as $t }
            }

            #[inline(always)]
            unsafe fn this_cpu_xchg(ptr: *mut Self, val: Self) -> Self {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_xchg(ptr.cast(), val as $u) as $t }
            }

            #[inline(always)]
            unsafe fn this_cpu_cmpxchg(ptr: *mut Self, old: Self, new: Self) -> Self {
                // SAFETY: As in `this_cpu_read`.
                unsafe { <$u>::this_cpu_cmpxchg(ptr.cast(), old as $u, new as $u) as $t }
            }

            #[inline(always)]
            #[cfg(all(CONFIG_X86_64, not(testlib)))]
            unsafe fn this_cpu_op<const OP: u8, const OFF: usize, const INDEXED: bool>(
                base: *mut u8,
                index: usize,
                a: Self,
                b: Self,
            ) -> Self {
                let (a, b) = (a as $u, b as $u);
                // SAFETY: The caller's guarantees hold for the same bits seen as `$u`.
                unsafe { <$u>::this_cpu_op::<OP, OFF, INDEXED>(base, index, a, b) as $t }
            }

            #[inline(always)]
            unsafe fn this_cpu_try_cmpxchg(ptr: *mut Self, old: &mut Self, new: Self) -> bool {
                let mut expected = *old as $u;
                let ptr = ptr.cast::<$u>();
                // SAFETY: As in `this_cpu_read`.
                let ok = unsafe { <$u>::this_cpu_try_cmpxchg(ptr, &mut expected, new as $u) };
                *old = expected as $t;
                ok
            }
        }
    };
}

impl_via!(i8 => u8);
impl_via!(i16 => u16);
impl_via!(i32 => u32);
impl_via!(i64 => u64);
#[cfg(target_pointer_width = "64")]
impl_via!(isize => u64);
#[cfg(target_pointer_width = "64")]
impl_via!(usize => u64);
#[cfg(target_pointer_width = "32")]
impl_via!(isize => u32);
#[cfg(target_pointer_width = "32")]
impl_via!(usize => u32);

/// The `this_cpu` operations on a per-CPU integer: no guard needed.
///
/// Implemented for every [`PerCpu`] variable whose element is a [`LocalInt`], static or
/// dynamic. Each operation acts on the slot of the CPU that runs it, in one step that neither
/// an interrupt nor preemption can split, so it needs no [`CpuGuard`](super::CpuGuard) and is
/// safe in task and interrupt context. Which CPU that is may change between two operations
/// unless preemption is disabled. Sizes and names follow the C macros of the same name
/// (`this_cpu_add` is [`ThisCpuOps::add`], and so on).
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
pub trait ThisCpuOps<T: PerCpuInteger>: PerCpu<Item = LocalInt<T>> {
    /// The operation `OP` (an [`op`] code) on the current CPU's value, with the operands `a`
    /// and `b` as [`PerCpuInteger::this_cpu_op`] takes them; returns the result, or zero.
    ///
    /// The methods below are this with their code. The default acts on [`PerCpu::ptr`];
    /// static variables and fields override it on x86-64 to give the instruction the symbol,
    /// the field's offset and the element's index.
    #[doc(hidden)]
    #[inline(always)]
    fn this_cpu_op<const OP: u8>(&self, a: T, b: T) -> T {
        let ptr = self.ptr().as_raw().cast::<T>();
        // SAFETY: By the safety requirements of `PerCpu`, `ptr` names a `LocalInt<T>`, that is
        // an `UnsafeCell<T>` with the same layout as `T`, for every possible CPU, and `LocalInt`
        // is only accessed through `this_cpu` operations and atomic loads.
        unsafe {
            match OP {
                op::READ => T::this_cpu_read(ptr),
                op::WRITE => {
                    T::this_cpu_write(ptr, a);
                    T::ZERO
                }
                op::ADD => {
                    T::this_cpu_add(ptr, a);
                    T::ZERO
                }
                op::INC => {
                    T::this_cpu_inc(ptr);
                    T::ZERO
                }
                op::DEC => {
                    T::this_cpu_dec(ptr);
                    T::ZERO
                }
                op::AND => {
                    T::this_cpu_and(ptr, a);
                    T::ZERO
                }
                op::OR => {
                    T::this_cpu_or(ptr, a);
                    T::ZERO
                }
                op::ADD_RETURN => T::this_cpu_add_return(ptr, a),
                op::CMPXCHG => T::this_cpu_cmpxchg(ptr, a, b),
                op::XCHG => T::this_cpu_xchg(ptr, a),
                _ => crate::build_error!("not a `this_cpu` operation code"),
            }
        }
    }

    /// Reads the current CPU's value.
    #[doc(alias = "this_cpu_read")]
    #[inline(always)]
    fn read(&self) -> T {
        self.this_cpu_op::<{ op::READ }>(T::ZERO, T::ZERO)
    }

    /// Sets the current CPU's value.
    #[doc(alias = "this_cpu_write")]
    #[inline(always)]
    fn write(&self, val: T) {
        self.this_cpu_op::<{ op::WRITE }>(val, T::ZERO);
    }

    /// Adds `val` to the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_add")]
    #[inline(always)]
    fn add(&self, val: T) {
        self.this_cpu_op::<{ op::ADD }>(val, T::ZERO);
    }

    /// Subtracts `val` from the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_sub")]
    #[inline(always)]
    fn sub(&self, val: T) {
        // As in C, `this_cpu_sub(pcp, val)` is `this_cpu_add(pcp, -val)`.
        self.add(val.wrapping_neg_())
    }

    /// Adds one to the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_inc")]
    #[inline(always)]
    fn inc(&self) {
        self.this_cpu_op::<{ op::INC }>(T::ZERO, T::ZERO);
    }

    /// Subtracts one from the current CPU's value, wrapping around on overflow.
    #[doc(alias = "this_cpu_dec")]
    #[inline(always)]
    fn dec(&self) {
        self.this_cpu_op::<{ op::DEC }>(T::ZERO, T::ZERO);
    }

    /// Sets the current CPU's value to its bitwise and with `val`.
    #[doc(alias = "this_cpu_and")]
    #[inline(always)]
    fn and(&self, val: T) {
        self.this_cpu_op::<{ op::AND }>(val, T::ZERO);
    }

    /// Sets the current CPU's value to its bitwise or with `val`.
    #[doc(alias = "this_cpu_or")]
    #[inline(always)]
    fn or(&self, val: T) {
        self.this_cpu_op::<{ op::OR }>(val, T::ZERO);
    }

    /// Adds `val` to the current CPU's value and returns the new value.
    #[doc(alias = "this_cpu_add_return")]
    #[inline(always)]
    fn add_return(&self, val: T) -> T {
        self.this_cpu_op::<{ op::ADD_RETURN }>(val, T::ZERO)
    }

    /// Replaces the current CPU's value with `val` and returns the old value.
    #[doc(alias = "this_cpu_xchg")]
    #[inline(always)]
    fn xchg(&self, val: T) -> T {
        // SAFETY: As in `this_cpu_op`.
        unsafe { T::this_cpu_xchg(self.ptr().as_raw().cast(), val) }
    }

    /// Replaces the current CPU's value with `new` if it is `old`; returns the value it had.
    ///
    /// The exchange happened if and only if the returned value equals `old`.
    #[doc(alias = "this_cpu_cmpxchg")]
    #[inline(always)]
    fn cmpxchg(&self, old: T, new: T) -> T {
        self.this_cpu_op::<{ op::CMPXCHG }>(old, new)
    }

    /// Replaces the current CPU's value with `new` if it is `*old`.
    ///
    /// Returns `true` if it did. Otherwise returns `false` and stores the value found in
    /// `*old`, ready for the next attempt of a retry loop.
    #[doc(alias = "this_cpu_try_cmpxchg")]
    #[inline(always)]
    fn try_cmpxchg(&self, old: &mut T, new: T) -> bool {
        // Read `*old` before the variable's address and write it back only on failure, as the
        // C macro does: the same code as C's, and no store on success.
        let mut expected = *old;
        // SAFETY: As in `this_cpu_op`.
        let ok = unsafe { T::this_cpu_try_cmpxchg(self.ptr().as_raw().cast(), &mut expected, new) };
        if !ok {
            *old = expected;
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
        let mut total = T::ZERO;
        for (_, v) in self.iter() {
            total = total.wrapping_add_(v.read_once());
        }
        total
    }
}

impl<T: PerCpuInteger> ThisCpuOps<T> for DynamicPerCpu<LocalInt<T>> {}
