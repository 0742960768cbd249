// SPDX-License-Identifier: GPL-2.0

//! Per-CPU pointers.
//!
//! C header: [`include/linux/percpu-defs.h`](srctree/include/linux/percpu-defs.h)

use crate::{
    cpu::CpuId,
    cpumask,
    prelude::*, //
};

use core::marker::PhantomData;

/// An address in the per-CPU address space: one `T` for every possible CPU.
///
/// This is the Rust counterpart of a C `T __percpu *`. It is a plain address, like a raw
/// pointer: it can be copied freely and says nothing about whether the per-CPU slots it names
/// are allocated or initialised. It only computes addresses; dereferencing them is up to the
/// caller, which is what [`PerCpu`](super::PerCpu) does soundly. [`PerCpu::ptr`] returns it, to
/// hand a per-CPU variable to C.
///
/// [`PerCpu::ptr`]: super::PerCpu::ptr
#[repr(transparent)]
pub struct PerCpuPtr<T> {
    ptr: *mut T,
    _p: PhantomData<T>,
}

impl<T> Clone for PerCpuPtr<T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for PerCpuPtr<T> {}

impl<T> PerCpuPtr<T> {
    /// Wraps a C `T __percpu *`.
    ///
    /// Any value is accepted; the methods only compute addresses from it.
    #[inline]
    pub const fn from_raw(ptr: *mut T) -> Self {
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    /// Returns the C `T __percpu *`.
    #[inline]
    pub const fn as_raw(self) -> *mut T {
        self.ptr
    }

    /// Returns the address of the current CPU's slot.
    ///
    /// The address is only the current CPU's while the task cannot migrate, that is while a
    /// [`CpuStable`](super::CpuStable) proof exists; the caller takes care of that before it
    /// dereferences the pointer. On x86-64 this reads `this_cpu_off` through `gs`. As the C
    /// `this_cpu_ptr`, with `CONFIG_DEBUG_PREEMPT` it reports a call from preemptible context.
    ///
    /// The result gets its provenance the way the C `RELOC_HIDE` does, from the integer
    /// address: the per-CPU address itself is not the address of live memory (the link
    /// address of a static per-CPU variable lies in a section that is freed after boot, or, in
    /// a module, never loaded).
    #[inline]
    pub fn this_cpu_ptr(self) -> *mut T {
        #[cfg(CONFIG_DEBUG_PREEMPT)]
        // SAFETY: The string is a NUL-terminated C string with static lifetime.
        unsafe {
            bindings::__this_cpu_preempt_check(c"this_cpu_ptr".as_char_ptr())
        };

        #[cfg(all(CONFIG_X86_64, CONFIG_SMP, not(testlib)))]
        {
            let offset: usize;
            // SAFETY: `this_cpu_off` is a per-CPU `unsigned long` that x86 sets up for every
            // CPU before any code runs on it; a `gs`-relative load of it reads the current
            // CPU's copy, which holds the offset of this CPU's per-CPU area. The load writes
            // nothing and touches no stack.
            unsafe {
                core::arch::asm!(
                    "mov {off}, qword ptr gs:[rip + {this_cpu_off}]",
                    off = out(reg) offset,
                    this_cpu_off = sym bindings::this_cpu_off,
                    options(nostack, readonly, pure, preserves_flags),
                );
            }
            // The address of this CPU's slot is the per-CPU address plus the offset of this
            // CPU's area, computed on integers as `arch/x86/include/asm/percpu.h` does. The
            // slot belongs to the per-CPU area, whose provenance was exposed to the compiler
            // by the allocator or the linker, not to `self.ptr`.
            core::ptr::with_exposed_provenance_mut(
                self.ptr.expose_provenance().wrapping_add(offset),
            )
        }

        #[cfg(not(all(CONFIG_X86_64, CONFIG_SMP, not(testlib))))]
        // SAFETY: `this_cpu_ptr` only computes an address from its argument (with `RELOC_HIDE`,
        // so the result is not derived from `self.ptr` for the compiler either).
        unsafe {
            bindings::this_cpu_ptr(self.ptr.cast()).cast()
        }
    }

    /// Returns the address of `cpu`'s slot.
    ///
    /// Returns [`EINVAL`] if `cpu` is not a possible CPU: such a CPU has no per-CPU area, and
    /// the C `per_cpu_ptr` would compute garbage for it.
    #[inline]
    pub fn per_cpu_ptr(self, cpu: CpuId) -> Result<*mut T> {
        if !cpumask::possible_cpus().test(cpu) {
            return Err(EINVAL);
        }
        Ok(self.per_cpu_ptr_possible(cpu))
    }

    /// Returns the address of `cpu`'s slot, for a `cpu` the caller knows to be possible.
    #[inline]
    pub(crate) fn per_cpu_ptr_possible(self, cpu: CpuId) -> *mut T {
        // SAFETY: `per_cpu_ptr` only computes an address from its arguments; `cpu` is below
        // `nr_cpu_ids` by the invariant of `CpuId`, so the offset table read is in bounds.
        unsafe { bindings::per_cpu_ptr(self.ptr.cast(), cpu.as_u32()).cast() }
    }
}
