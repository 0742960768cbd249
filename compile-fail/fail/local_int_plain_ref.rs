// expect: E0599
//! A per-CPU counter is changed by `this_cpu` operations only: there is no `&mut` to it.
use kernel::percpu::{
    define_per_cpu,
    CpuGuard,
    LocalInt,
    PerCpu, //
};

define_per_cpu!(static N: LocalInt<u64> = LocalInt::new(0));

/// Uses the API.
pub fn f() {
    let guard = CpuGuard::new();
    N.get(&guard).set(5);
}
