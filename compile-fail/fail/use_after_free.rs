// expect: E0597
//! A reference into a dynamic per-CPU variable cannot outlive the allocation.
use kernel::{
    cpu::CpuId,
    percpu::{
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
pub fn f(cpu: CpuId) -> Result<u64> {
    let r;
    {
        let v = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
        r = v.remote(cpu)?;
    }
    Ok(r.load(Relaxed))
}
