// SPDX-License-Identifier: GPL-2.0

//! Static per-CPU variables: the Rust `DEFINE_PER_CPU`.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use super::{
    PerCpu,
    PerCpuPtr, //
};
use core::cell::UnsafeCell;

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

/// A static per-CPU variable, made by [`define_per_cpu!`].
///
/// A copy of the variable exists for every possible CPU, initialised with the value given to
/// [`define_per_cpu!`]. It is reached through the [`PerCpu`] trait (and [`ThisCpuOps`] for
/// integers).
///
/// [`ThisCpuOps`]: super::ThisCpuOps
///
/// # Invariants
///
/// `self.ptr` is the per-CPU address of a [`StaticPerCpuSlot<T>`] placed in the per-CPU
/// section of the kernel image or of a module, so every possible CPU has an initialised copy
/// for as long as the code that names the variable can run.
pub struct StaticPerCpu<T> {
    ptr: PerCpuPtr<T>,
}

// SAFETY: A `StaticPerCpu` is an address; what may be done through it is decided by the
// `PerCpu` methods, which require `T: Sync` for shared access from several CPUs and `T: Send`
// for access from whichever task runs on a CPU.
unsafe impl<T> Sync for StaticPerCpu<T> {}

impl<T> StaticPerCpu<T> {
    /// Wraps the per-CPU variable `slot`.
    ///
    /// # Safety
    ///
    /// `slot` is the address of a `static` placed in the per-CPU section (`.data..percpu` on SMP
    /// kernels), initialised with a `T`.
    #[doc(hidden)]
    #[inline]
    pub const unsafe fn new(slot: *const StaticPerCpuSlot<T>) -> Self {
        // CAST: `StaticPerCpuSlot<T>` is a transparent wrapper around `UnsafeCell<T>`, which
        // has the layout of `T`.
        let ptr = slot.cast_mut().cast::<T>();
        // INVARIANT: By the safety requirements, `slot` is in the per-CPU section, so its
        // address is a per-CPU address.
        Self {
            ptr: PerCpuPtr::from_raw(ptr),
        }
    }
}

// SAFETY: By the type invariant, `ptr` names an initialised `T` on every possible CPU for as
// long as the variable can be named; the copies are never dropped (`StaticPerCpuSlot::new`
// rejects types that need `Drop`).
unsafe impl<T> PerCpu for StaticPerCpu<T> {
    type Item = T;

    #[inline(always)]
    fn ptr(&self) -> PerCpuPtr<T> {
        self.ptr
    }
}

/// Defines a static per-CPU variable, like the C `DEFINE_PER_CPU`.
///
/// `define_per_cpu!(VIS static NAME: TYPE = INIT;)` defines `NAME` as a
/// [`StaticPerCpu<TYPE>`], with a copy of `INIT` for every possible CPU. `INIT` must be a
/// constant expression, and `TYPE` must not need [`Drop`] (the compiler rejects it). Works in
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
        $vis static $name: $crate::percpu::StaticPerCpu<$t> = {
            #[cfg_attr(CONFIG_SMP, link_section = ".data..percpu")]
            static SLOT: $crate::percpu::StaticPerCpuSlot<$t> =
                $crate::percpu::StaticPerCpuSlot::new($init);
            // SAFETY: `SLOT` is in the per-CPU section on SMP kernels; on uniprocessor kernels
            // the per-CPU area is ordinary data, as for the C `DEFINE_PER_CPU`.
            unsafe { $crate::percpu::StaticPerCpu::new(&raw const SLOT) }
        };
    };
}
pub use define_per_cpu;

/// Declares a per-CPU variable defined in C, like the C `DECLARE_PER_CPU`.
///
/// `declare_extern_per_cpu!(unsafe VIS static NAME: TYPE;)` makes `NAME` a
/// [`StaticPerCpu<TYPE>`] for the C per-CPU symbol of the same name. The `unsafe` keyword is
/// the caller's promise, to be justified in a `// SAFETY:` comment above the invocation, that
/// the C symbol is a per-CPU variable whose C type has the layout of `TYPE`, and that the C
/// code accesses it in a way compatible with the accesses Rust makes through `TYPE` (for
/// example a C `unsigned long` changed with `this_cpu` operations is a `LocalInt<usize>`).
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
        #[allow(non_upper_case_globals)]
        $vis static $name: $crate::percpu::StaticPerCpu<$t> = {
            extern "C" {
                #[link_name = stringify!($name)]
                static SLOT: $crate::percpu::StaticPerCpuSlot<$t>;
            }
            // SAFETY: The invoker promised, by writing `unsafe`, that the C symbol is a
            // per-CPU variable with the layout of the type.
            unsafe { $crate::percpu::StaticPerCpu::new(&raw const SLOT) }
        };
    };
}
pub use declare_extern_per_cpu;
