// expect: `RefCell<u64>` cannot be shared between threads safely
//! Same for a `RefCell`.
use core::cell::RefCell;
use kernel::percpu::{
    define_per_cpu,
    CpuGuard,
    PerCpu, //
};

define_per_cpu!(static C: RefCell<u64> = RefCell::new(0));

/// Uses the API.
pub fn f() {
    let guard = CpuGuard::new();
    *C.get(&guard).borrow_mut() += 1;
}
