// expect: `Cell<u64>` cannot be shared between threads safely
//! Another CPU's `Cell` cannot be reached: its own CPU may change it at the same time.
use core::cell::Cell;
use kernel::{
    cpu::CpuId,
    percpu::{
        define_per_cpu,
        PerCpu, //
    },
};

define_per_cpu!(static C: Cell<u64> = Cell::new(0));

/// Uses the API.
pub fn f(cpu: CpuId) -> u64 {
    C.remote(cpu).map(|c| c.get()).unwrap_or(0)
}
