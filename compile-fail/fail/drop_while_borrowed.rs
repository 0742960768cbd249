// expect: E0505
//! Nor can the allocation be dropped while a reference into it exists.
use kernel::{
    percpu::{
        CpuGuard,
        DynamicPerCpu,
        PerCpu, //
    },
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

/// Uses the API.
pub fn f() -> Result<u64> {
    let v = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
    let guard = CpuGuard::new();
    let r = v.get(&guard);
    drop(v);
    Ok(r.load(Relaxed))
}
