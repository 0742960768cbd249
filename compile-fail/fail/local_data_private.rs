// expect: field `data` of struct `LocalLocked` is private
//! The data of a `LocalLocked` value is only reached through its lock's guard: not through a
//! remote reference, which needs no lock.
use kernel::{
    cpu::CpuId,
    percpu::{
        DynamicPerCpu,
        LocalLocked,
        PerCpu, //
    },
    prelude::*, //
};

/// Uses the API.
pub fn f(v: &DynamicPerCpu<LocalLocked<u32>>, cpu: CpuId) -> Result<*mut u32> {
    Ok(v.remote(cpu)?.data.get())
}
