//! `&T` under a guard for `T: Sync`, bound to the guard.
use core::sync::atomic::{AtomicU32, Ordering};
use kernel::percpu::{define_per_cpu, CpuGuard, PerCpu};

define_per_cpu!(static V: AtomicU32 = AtomicU32::new(0));

/// Uses the API.
pub fn f() -> u32 {
    let guard = CpuGuard::new();
    V.get(&guard).fetch_add(1, Ordering::Relaxed)
}
