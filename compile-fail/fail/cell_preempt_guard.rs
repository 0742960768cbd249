// expect: `Cell<u64>` cannot be shared between threads safely
//! A `Cell` needs interrupts off: with preemption off only, an interrupt could use it too.
use core::cell::Cell;
use kernel::percpu::{
    define_per_cpu,
    CpuGuard,
    PerCpu, //
};

define_per_cpu!(static C: Cell<u64> = Cell::new(0));

/// Uses the API.
pub fn f() {
    let guard = CpuGuard::new();
    C.get(&guard).set(1);
}
