// SPDX-License-Identifier: GPL-2.0

//! Static per-CPU variables: the Rust `DEFINE_PER_CPU`.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use super::{
    PerCpu,
    PerCpuPtr, //
};
use core::{
    cell::UnsafeCell,
    marker::PhantomData, //
};

/// The storage of a static per-CPU variable: the initial value that the kernel (or the module
/// loader) copies into every CPU's area.
///
/// Only [`define_per_cpu!`] makes these, in the per-CPU section. The value is never accessed
/// at its link address, only through per-CPU addresses computed from it.
#[doc(hidden)]
#[repr(transparent)]
pub struct StaticPerCpuSlot<T>(UnsafeCell<T>);

// SAFETY: The slot itself is never read or written: it is the template of the per-CPU copies,
// and all access to those goes through `StaticPerCpu`, whose methods check `Sync`/`Send` of
// `T` for each kind of access. `Sync` is needed only to place the slot in a `static`.
unsafe impl<T> Sync for StaticPerCpuSlot<T> {}

impl<T> StaticPerCpuSlot<T> {
    /// Makes the template of a per-CPU variable.
    ///
    /// Fails to compile if `T` needs [`Drop`]: the value is copied bit by bit into every CPU's
    /// area and the copies are never dropped, so an owning type would be duplicated (and its
    /// resources leaked or freed twice).
    #[inline]
    pub const fn new(value: T) -> Self {
        const {
            assert!(
                !core::mem::needs_drop::<T>(),
                "a static per-CPU variable cannot hold a type that needs `Drop`"
            )
        };
        Self(UnsafeCell::new(value))
    }
}

/// The symbol of a static per-CPU variable: what [`define_per_cpu!`] and
/// [`declare_extern_per_cpu!`] generate for each variable, as a type of its own.
///
/// On x86-64 the `this_cpu_*` methods are [`ThisCpuOps`] methods of the variable whose
/// instructions name its symbol (`incq %gs:var(%rip)`), exactly as the C macros do; the macros
/// generate them with `__this_cpu_sym_ops!`. Elsewhere, and for `xchg` and `try_cmpxchg`,
/// [`ThisCpuOps`] uses the variable's address.
///
/// [`ThisCpuOps`]: super::ThisCpuOps
///
/// # Safety
///
/// [`StaticPerCpuSymbol::addr`] returns the link address of a `Self::Item` in the per-CPU
/// section of the kernel or of a module (on uniprocessor kernels, of ordinary data), initialised
/// for every possible CPU and never dropped. The `this_cpu_*` methods act on that variable as
/// the [`ThisCpuOps`] methods of the same name describe.
#[doc(hidden)]
pub unsafe trait StaticPerCpuSymbol {
    /// The type of each CPU's value.
    type Item;

    /// Returns the address of the variable: its per-CPU address.
    fn addr() -> *mut Self::Item;

    /// `this_cpu_read`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_read<I: super::PerCpuInteger>() -> I
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_write`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_write<I: super::PerCpuInteger>(val: I)
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_add`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_add<I: super::PerCpuInteger>(val: I)
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_inc`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_inc<I: super::PerCpuInteger>()
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_dec`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_dec<I: super::PerCpuInteger>()
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_and`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_and<I: super::PerCpuInteger>(val: I)
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_or`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_or<I: super::PerCpuInteger>(val: I)
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_add_return`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_add_return<I: super::PerCpuInteger>(val: I) -> I
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;

    /// `this_cpu_cmpxchg`, naming the variable's symbol.
    #[cfg(all(CONFIG_X86_64, not(testlib)))]
    fn this_cpu_cmpxchg<I: super::PerCpuInteger>(old: I, new: I) -> I
    where
        Self: StaticPerCpuSymbol<Item = super::LocalInt<I>>;
}

/// The `this_cpu` operations of a static per-CPU variable on x86-64, naming the variable's
/// symbol `$slot` like the C macros do. Expanded inside the [`StaticPerCpuSymbol`] impl that
/// [`define_per_cpu!`] and [`declare_extern_per_cpu!`] generate, whose safety requirements say
/// that `$slot` is a per-CPU `LocalInt<I>`.
///
/// `xchg` and `try_cmpxchg` are not here: [`ThisCpuOps`](super::ThisCpuOps) uses the
/// variable's address for them, which inlines the C macro when `CONFIG_RUST_INLINE_HELPERS`
/// is set (see `PerCpuInteger`).
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, not(testlib)))]
macro_rules! __this_cpu_sym_ops {
    ($slot:ident) => {
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_read, read, () -> value);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_write, write, (val) -> unit);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_add, add, (val) -> unit);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_inc, inc, () -> unit);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_dec, dec, () -> unit);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_and, and, (val) -> unit);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_or, or, (val) -> unit);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_add_return, add_return, (val) -> value);
        $crate::__this_cpu_sym_ops!(@fn $slot, this_cpu_cmpxchg, cmpxchg, (old, new) -> value);
    };
    (@fn $slot:ident, $name:ident, $op:ident, ($($arg:ident),*) -> $kind:ident) => {
        #[inline(always)]
        fn $name<I: $crate::percpu::PerCpuInteger>($($arg: I),*)
            -> $crate::__this_cpu_sym_ops!(@ret $kind)
        where
            Self: $crate::percpu::StaticPerCpuSymbol<Item = $crate::percpu::LocalInt<I>>,
        {
            match ::core::mem::size_of::<I>() {
                1 => $crate::__this_cpu_sym_ops!(@asm $kind, $slot, $op,
                    ("byte", reg_byte, "", "al"), u8 $(, $arg)*),
                2 => $crate::__this_cpu_sym_ops!(@asm $kind, $slot, $op,
                    ("word", reg, ":x", "ax"), u16 $(, $arg)*),
                4 => $crate::__this_cpu_sym_ops!(@asm $kind, $slot, $op,
                    ("dword", reg, ":e", "eax"), u32 $(, $arg)*),
                _ => $crate::__this_cpu_sym_ops!(@asm $kind, $slot, $op,
                    ("qword", reg, ":r", "rax"), u64 $(, $arg)*),
            }
        }
    };
    (@ret value) => { I };
    (@ret unit) => { () };
    (@asm value, $slot:ident, $op:ident, $w:tt, $u:ty $(, $arg:ident)*) => {
        <I as $crate::percpu::PerCpuInteger>::from_bits(u64::from(
            // SAFETY: By the safety requirements of the `StaticPerCpuSymbol` impl this is
            // expanded in, `$slot` is the per-CPU `LocalInt<I>` (an `I`, of width `$u`) of every
            // possible CPU, which only `this_cpu` operations and volatile reads access.
            unsafe {
                $crate::__this_cpu_asm!($op, $w, "[rip + {s}]", [s = sym $slot], $u
                    $(, <I as $crate::percpu::PerCpuInteger>::to_bits($arg) as $u)*)
            },
        ))
    };
    (@asm unit, $slot:ident, $op:ident, $w:tt, $u:ty $(, $arg:ident)*) => {
        // SAFETY: As for `value` above.
        unsafe {
            $crate::__this_cpu_asm!($op, $w, "[rip + {s}]", [s = sym $slot], $u
                $(, <I as $crate::percpu::PerCpuInteger>::to_bits($arg) as $u)*)
        }
    };
}

/// Other architectures have no `this_cpu_*` methods in [`StaticPerCpuSymbol`]:
/// [`ThisCpuOps`](super::ThisCpuOps) calls the C helpers with the variable's address.
#[doc(hidden)]
#[macro_export]
#[cfg(not(all(CONFIG_X86_64, not(testlib))))]
macro_rules! __this_cpu_sym_ops {
    ($slot:ident) => {};
}

/// A static per-CPU variable, made by [`define_per_cpu!`] or [`declare_extern_per_cpu!`].
///
/// A copy of the variable exists for every possible CPU, initialised with the value given to
/// [`define_per_cpu!`]. It is reached through the [`PerCpu`] trait (and [`ThisCpuOps`] for
/// integers). `S` is a type that the macro makes for the variable: it names the variable's
/// symbol, so that `this_cpu` operations can address it directly as C does.
///
/// The handle is [`Send`] and [`Sync`] whatever `T` is: it only names the variable. What may be
/// done with the values is decided by the [`PerCpu`] methods, which require `T: Sync` for
/// shared access from several CPUs and `T: Send` for access from whichever task runs on a CPU.
///
/// [`ThisCpuOps`]: super::ThisCpuOps
pub struct StaticPerCpu<T, S> {
    _p: PhantomData<fn() -> (T, S)>,
}

impl<T, S: StaticPerCpuSymbol<Item = T>> StaticPerCpu<T, S> {
    /// Makes the handle of the variable whose symbol is `S`.
    #[doc(hidden)]
    #[inline]
    pub const fn new() -> Self {
        Self { _p: PhantomData }
    }
}

// SAFETY: By the safety requirements of `StaticPerCpuSymbol`, `S::addr()` is always the same
// per-CPU address, with an initialised `T` for every possible CPU that is never dropped.
unsafe impl<T, S: StaticPerCpuSymbol<Item = T>> PerCpu for StaticPerCpu<T, S> {
    type Item = T;

    #[inline(always)]
    fn ptr(&self) -> PerCpuPtr<T> {
        PerCpuPtr::from_raw(S::addr())
    }
}

/// Defines a static per-CPU variable, like the C `DEFINE_PER_CPU`.
///
/// `define_per_cpu!(VIS static NAME: TYPE = INIT;)` defines `NAME` as a
/// [`StaticPerCpu<TYPE, NAME>`](StaticPerCpu), with a copy of `INIT` for every possible CPU,
/// and a type `NAME` (hidden from the documentation) that stands for the variable's symbol.
/// `INIT` must be a constant expression, and `TYPE` must not need [`Drop`] (the compiler
/// rejects it). Attributes, such as doc comments or `#[cfg(...)]`, apply to all of it. Works in
/// the kernel crate and in loadable modules.
///
/// # Examples
///
/// ```
/// use core::cell::Cell;
/// use kernel::percpu::{define_per_cpu, LocalInt, PerCpu, ThisCpuOps};
///
/// define_per_cpu!(static HITS: LocalInt<u32> = LocalInt::new(0));
/// define_per_cpu!(static LAST: Cell<u64> = Cell::new(0));
///
/// HITS.inc();
///
/// let irq = kernel::interrupt::local_interrupt_disable();
/// LAST.get_with_irq_off(&irq).set(42);
/// assert_eq!(LAST.get_with_irq_off(&irq).get(), 42);
/// ```
#[macro_export]
#[doc(alias = "DEFINE_PER_CPU")]
macro_rules! define_per_cpu {
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty = $init:expr $(;)?) => {
        $(#[$attr])*
        #[doc(hidden)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        $vis enum $name {}

        $(#[$attr])*
        $vis static $name: $crate::percpu::StaticPerCpu<$t, $name> =
            $crate::percpu::StaticPerCpu::new();

        $(#[$attr])*
        const _: () = {
            #[cfg_attr(CONFIG_SMP, link_section = ".data..percpu")]
            static SLOT: $crate::percpu::StaticPerCpuSlot<$t> =
                $crate::percpu::StaticPerCpuSlot::new($init);

            // SAFETY: `SLOT` is in the per-CPU section on SMP kernels (on uniprocessor kernels
            // the per-CPU area is ordinary data, as for the C `DEFINE_PER_CPU`), initialised
            // with a `$t` that `StaticPerCpuSlot::new` checked does not need `Drop`; the
            // operations that `__this_cpu_sym_ops!` adds name `SLOT` and are those of the
            // `__this_cpu_asm!` table, the C macros' instructions.
            unsafe impl $crate::percpu::StaticPerCpuSymbol for $name {
                type Item = $t;

                #[inline(always)]
                fn addr() -> *mut $t {
                    // CAST: `StaticPerCpuSlot<$t>` is a transparent wrapper around
                    // `UnsafeCell<$t>`, which has the layout of `$t`.
                    (&raw const SLOT).cast_mut().cast()
                }

                $crate::__this_cpu_sym_ops!(SLOT);
            }
        };
    };
}
pub use define_per_cpu;

/// Declares a per-CPU variable defined in C, like the C `DECLARE_PER_CPU`.
///
/// `declare_extern_per_cpu!(unsafe VIS static NAME: TYPE;)` makes `NAME` a
/// [`StaticPerCpu<TYPE, NAME>`](StaticPerCpu) for the C per-CPU symbol of the same name. The
/// `unsafe` keyword is the caller's promise, to be justified in a `// SAFETY:` comment above the
/// invocation, that the C symbol is a per-CPU variable whose C type has the layout of `TYPE`,
/// and that the C code accesses it in a way compatible with the accesses Rust makes through
/// `TYPE` (for example a C `unsigned long` changed with `this_cpu` operations is a
/// `LocalInt<usize>`).
///
/// # Examples
///
/// ```
/// # #[cfg(all(CONFIG_X86_64, CONFIG_SMP))]
/// # {
/// use kernel::percpu::{declare_extern_per_cpu, LocalInt, PerCpu, ThisCpuOps};
///
/// // SAFETY: x86 defines `cpu_number` with `DEFINE_PER_CPU_CACHE_HOT(int, cpu_number)` and
/// // only ever changes it with `this_cpu_write` during CPU bring-up.
/// declare_extern_per_cpu!(unsafe static cpu_number: LocalInt<i32>);
///
/// let guard = kernel::percpu::CpuGuard::new();
/// assert_eq!(cpu_number.read(), i32::from(guard.cpu()));
/// # }
/// ```
#[macro_export]
#[doc(alias = "DECLARE_PER_CPU")]
macro_rules! declare_extern_per_cpu {
    ($(#[$attr:meta])* unsafe $vis:vis static $name:ident: $t:ty $(;)?) => {
        $(#[$attr])*
        #[doc(hidden)]
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        $vis enum $name {}

        $(#[$attr])*
        #[allow(non_upper_case_globals)]
        $vis static $name: $crate::percpu::StaticPerCpu<$t, $name> =
            $crate::percpu::StaticPerCpu::new();

        $(#[$attr])*
        const _: () = {
            extern "C" {
                #[link_name = stringify!($name)]
                static SLOT: $crate::percpu::StaticPerCpuSlot<$t>;
            }

            // SAFETY: The invoker promised, by writing `unsafe`, that the C symbol is a
            // per-CPU variable with the layout of `$t`; the operations that
            // `__this_cpu_sym_ops!` adds act on it.
            unsafe impl $crate::percpu::StaticPerCpuSymbol for $name {
                type Item = $t;

                #[inline(always)]
                fn addr() -> *mut $t {
                    // CAST: `StaticPerCpuSlot<$t>` has the layout of `$t`.
                    (&raw const SLOT).cast_mut().cast()
                }

                $crate::__this_cpu_sym_ops!(SLOT);
            }
        };
    };
}
pub use declare_extern_per_cpu;
