//! `&T` under a guard for `T: Sync`, bound to the guard.
use kernel::{
    percpu::{
        define_per_cpu,
        CpuGuard,
        PerCpu, //
    },
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

define_per_cpu!(static V: Atomic<u32> = Atomic::new(0));

/// Uses the API.
pub fn f() -> u32 {
    let guard = CpuGuard::new();
    V.get(&guard).fetch_add(1, Relaxed)
}
