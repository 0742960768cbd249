// SPDX-License-Identifier: GPL-2.0

//! Static per-CPU variables: the Rust `DEFINE_PER_CPU`.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use super::{
    access::sealed,
    ops::{
        op,
        private::{
            Target,
            Width, //
        },
    },
    ptr::PerCpuPtr,
    LocalInt,
    PerCpu,
    PerCpuInteger, //
};
use core::{
    cell::UnsafeCell,
    marker::PhantomData, //
};

/// The storage of a static per-CPU variable: the initial value that the kernel (or the module
/// loader) copies into every CPU's area.
///
/// Only [`define_per_cpu!`] makes these, in the per-CPU section. The value is never accessed
/// at its link address, only through per-CPU addresses computed from it: in the kernel image
/// the per-CPU section is freed after boot, and the module loader does not load a module's
/// per-CPU section at all (it copies it into the per-CPU areas).
#[doc(hidden)]
#[repr(transparent)]
pub struct StaticPerCpuSlot<T>(UnsafeCell<T>);

// SAFETY: The slot itself is never read or written (its link address may not even be mapped
// after boot): it is the template of the per-CPU copies, and all access to those goes through
// `StaticPerCpu`, whose methods check `Sync`/`Send` of `T` for each kind of access. `Sync` is
// needed only to place the slot in a `static`.
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
/// Public because those macros implement it in the crate that defines the variable.
///
/// # Safety
///
/// [`StaticPerCpuSymbol::addr`] returns the link address of a `Self::Item` in the per-CPU
/// section of the kernel or of a module (on uniprocessor kernels, of ordinary data), initialised
/// for every possible CPU and never dropped. An override of [`StaticPerCpuSymbol::this_cpu_op`]
/// acts on that variable as the default does.
#[doc(hidden)]
pub unsafe trait StaticPerCpuSymbol {
    /// The type of each CPU's value.
    type Item;

    /// Returns the address of the variable: its per-CPU address.
    fn addr() -> *mut Self::Item;

    /// The `this_cpu` operation `OP` on the variable, as `Width::this_cpu` takes it.
    ///
    /// The default uses the variable's address. On x86-64 the macros override it (with
    /// `__percpu_sym_ops!`) with instructions that name the variable's symbol, as the C macros
    /// do (`incq %gs:var(%rip)`).
    ///
    /// # Safety
    ///
    /// Every possible CPU's value of the variable is a [`LocalInt<I>`].
    #[inline(always)]
    unsafe fn this_cpu_op<I: PerCpuInteger, const OP: u8>(a: I::Repr, b: I::Repr) -> I::Repr {
        let ptr = Self::addr().cast();
        // SAFETY: By the safety requirements of the trait, `Self::addr()` is the variable,
        // initialised for every possible CPU; the caller guarantees that it is a `LocalInt<I>`,
        // which has the layout of `I::Repr` (`PerCpuInteger`) and which only `this_cpu`
        // operations and atomic loads access.
        unsafe { <I::Repr as Width>::this_cpu::<OP>(ptr, a, b) }
    }
}

/// The `this_cpu` operations of a static per-CPU variable on x86-64, naming the variable's
/// symbol `$slot` like the C macros do: the [`StaticPerCpuSymbol::this_cpu_op`] of the impl that
/// [`define_per_cpu!`] and [`declare_extern_per_cpu!`] generate, whose safety requirements say
/// that `$slot` is the per-CPU variable. The instructions are those of `__percpu_asm!`.
///
/// Exported because those macros expand it in the crate that defines the variable, where the
/// symbol is.
#[doc(hidden)]
#[macro_export]
#[cfg(all(CONFIG_X86_64, not(testlib)))]
macro_rules! __percpu_sym_ops {
    ($slot:ident) => {
        #[inline(always)]
        unsafe fn this_cpu_op<I: $crate::percpu::PerCpuInteger, const OP: u8>(
            a: I::Repr,
            b: I::Repr,
        ) -> I::Repr {
            match ::core::mem::size_of::<I::Repr>() {
                1 => $crate::__percpu_sym_ops!(@op $slot, a, b, ("byte", reg_byte, "", "al"), u8),
                2 => $crate::__percpu_sym_ops!(@op $slot, a, b, ("word", reg, ":x", "ax"), u16),
                4 => $crate::__percpu_sym_ops!(@op $slot, a, b, ("dword", reg, ":e", "eax"), u32),
                8 => $crate::__percpu_sym_ops!(@op $slot, a, b, ("qword", reg, ":r", "rax"), u64),
                _ => $crate::build_error!("per-CPU integers are 1, 2, 4 or 8 bytes wide"),
            }
        }
    };
    (@op $slot:ident, $a:ident, $b:ident, $w:tt, $u:ty) => {{
        // SAFETY: This arm runs only when `I::Repr` has the size of `$u`, and `I::Repr` is an
        // unsigned integer (`PerCpuInteger::Repr`), so every bit pattern is valid for both.
        let (a, b): ($u, $u) = unsafe {
            (::core::mem::transmute_copy(&$a), ::core::mem::transmute_copy(&$b))
        };
        // SAFETY: By the safety requirements of the `StaticPerCpuSymbol` impl this is expanded
        // in, `$slot` is the per-CPU variable, and by those of `this_cpu_op` it is a
        // `LocalInt<I>` (of width `$u`) on every possible CPU, which only `this_cpu` operations
        // and atomic loads access.
        let r: $u = unsafe {
            $crate::__percpu_asm!(OP, $w, "[rip + {s}]", [s = sym $slot], $u, a, b)
        };
        // SAFETY: As for `a` and `b`.
        unsafe { ::core::mem::transmute_copy(&r) }
    }};
}

/// Other architectures keep the default [`StaticPerCpuSymbol::this_cpu_op`]: the C helpers
/// with the variable's address.
#[doc(hidden)]
#[macro_export]
#[cfg(not(all(CONFIG_X86_64, not(testlib))))]
macro_rules! __percpu_sym_ops {
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

impl<T, S> sealed::Variable for StaticPerCpu<T, S> {}

// SAFETY: By the safety requirements of `StaticPerCpuSymbol`, `S::addr()` is always the same
// per-CPU address, with an initialised `T` for every possible CPU that is never dropped and,
// being in a static per-CPU area, never moves.
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
/// the kernel crate and in loadable modules; in a module, every CPU's copy starts from `INIT`
/// again each time the module is loaded, and goes away when it is unloaded.
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
            // operations that `__percpu_sym_ops!` adds name `SLOT` and are those of the
            // `__percpu_asm!` table, the C macros' instructions.
            unsafe impl $crate::percpu::StaticPerCpuSymbol for $name {
                type Item = $t;

                #[inline(always)]
                fn addr() -> *mut $t {
                    // CAST: `StaticPerCpuSlot<$t>` is a transparent wrapper around
                    // `UnsafeCell<$t>`, which has the layout of `$t`.
                    (&raw const SLOT).cast_mut().cast()
                }

                $crate::__percpu_sym_ops!(SLOT);
            }
        };
    };
}
pub use define_per_cpu;

/// Declares a per-CPU variable defined in C, like the C `DECLARE_PER_CPU`.
///
/// `declare_extern_per_cpu!(unsafe VIS static NAME: TYPE;)` makes `NAME` a
/// [`StaticPerCpu<TYPE, NAME>`](StaticPerCpu) for the C per-CPU symbol of the same name. The
/// `unsafe` keyword is the caller's promise, justified in a safety comment above the
/// invocation, that:
///
/// - the C symbol is a per-CPU variable whose C type has the layout of `TYPE`;
/// - the C code accesses it in a way compatible with the accesses Rust makes through `TYPE`
///   (for example a C `unsigned long` changed with `this_cpu` operations is a
///   `LocalInt<usize>`);
/// - `TYPE`'s [`Send`] and [`Sync`] match how C uses the variable: a plain `i32` is `Sync`, so
///   [`PerCpu::get`] hands out `&i32`, which is wrong if C changes the value meanwhile (from an
///   interrupt handler, say); such a variable needs a `LocalInt` or an atomic type.
///
/// # Examples
///
/// ```
/// # #[cfg(all(CONFIG_X86_64, CONFIG_SMP))]
/// # {
/// use kernel::percpu::{declare_extern_per_cpu, LocalInt, PerCpu, ThisCpuOps};
///
/// // SAFETY: x86 defines `cpu_number` with `DEFINE_PER_CPU_CACHE_HOT(int, cpu_number)`, an
/// // `int` like `LocalInt<i32>`, and sets it once per CPU in `setup_per_cpu_areas()`
/// // (`per_cpu(cpu_number, cpu) = cpu`), before any other code uses it; afterwards it is only
/// // read, so the `this_cpu` read below and C's reads agree.
/// declare_extern_per_cpu!(unsafe static cpu_number: LocalInt<i32>);
///
/// let guard = kernel::percpu::CpuGuard::new();
/// assert_eq!(cpu_number.load(), i32::from(guard.cpu()));
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
            // per-CPU variable with the layout of `$t`, used by C compatibly with `$t`; the
            // operations that `__percpu_sym_ops!` adds act on it.
            unsafe impl $crate::percpu::StaticPerCpuSymbol for $name {
                type Item = $t;

                #[inline(always)]
                fn addr() -> *mut $t {
                    // CAST: `StaticPerCpuSlot<$t>` has the layout of `$t`.
                    (&raw const SLOT).cast_mut().cast()
                }

                $crate::__percpu_sym_ops!(SLOT);
            }
        };
    };
}
pub use declare_extern_per_cpu;

/// On x86-64, static variables name their symbol in the instruction, as C does
/// (`%gs:var(%rip)`), instead of loading their address into a register first.
impl<T: PerCpuInteger, S: StaticPerCpuSymbol<Item = LocalInt<T>>> Target<T>
    for StaticPerCpu<LocalInt<T>, S>
{
    #[inline(always)]
    fn this_cpu<const OP: u8>(&self, a: T::Repr, b: T::Repr) -> T::Repr {
        if OP == op::XCHG {
            // `xchg` on a whole variable uses the address: with inline helpers it is the C macro
            // (see `Width::this_cpu`), which names the symbol itself.
            //
            // SAFETY: By the safety requirements of `StaticPerCpuSymbol`, `S::addr()` is the
            // variable, a `LocalInt<T>` (with the layout of `T::Repr`, `PerCpuInteger`) of every
            // possible CPU, which only `this_cpu` operations and atomic loads access.
            unsafe { <T::Repr as Width>::this_cpu::<OP>(S::addr().cast(), a, b) }
        } else {
            // SAFETY: The variable is a `LocalInt<T>` (`S::Item`).
            unsafe { S::this_cpu_op::<T, OP>(a, b) }
        }
    }
}
