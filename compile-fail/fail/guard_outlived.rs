// expect: E0597
//! A reference into this CPU's slot must not outlive the guard that pins the task.
use core::sync::atomic::AtomicU32;
use kernel::percpu::{define_per_cpu, CpuGuard, PerCpu};

define_per_cpu!(static V: AtomicU32 = AtomicU32::new(0));

/// Uses the API.
pub fn f() -> u32 {
    let r;
    {
        let guard = CpuGuard::new();
        r = V.get(&guard);
    }
    r.load(core::sync::atomic::Ordering::Relaxed)
}
