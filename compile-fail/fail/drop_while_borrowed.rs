// expect: E0505
//! Nor can the allocation be dropped while a reference into it exists.
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    percpu::{CpuGuard, DynamicPerCpu, PerCpu},
    prelude::*,
};

/// Uses the API.
pub fn f() -> Result<u64> {
    let v = DynamicPerCpu::new_with(GFP_KERNEL, |_| AtomicU64::new(0))?;
    let guard = CpuGuard::new();
    let r = v.get(&guard);
    drop(v);
    Ok(r.load(Ordering::Relaxed))
}
