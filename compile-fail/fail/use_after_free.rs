// expect: E0597
//! A reference into a dynamic per-CPU variable cannot outlive the allocation.
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    cpu::CpuId,
    percpu::{DynamicPerCpu, PerCpu},
    prelude::*,
};

/// Uses the API.
pub fn f(cpu: CpuId) -> Result<u64> {
    let r;
    {
        let v = DynamicPerCpu::new_with(GFP_KERNEL, |_| AtomicU64::new(0))?;
        r = v.remote(cpu)?;
    }
    Ok(r.load(Ordering::Relaxed))
}
