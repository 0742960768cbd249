// expect: E0597
//! A reference into this CPU's slot must not outlive the guard that pins the task.
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
    let r;
    {
        let guard = CpuGuard::new();
        r = V.get(&guard);
    }
    r.load(Relaxed)
}
