//! `this_cpu` operations without a guard, and the sum over CPUs.
use kernel::percpu::{
    define_per_cpu,
    LocalInt,
    PerCpu,
    ThisCpuOps, //
};

define_per_cpu!(static N: LocalInt<u64> = LocalInt::new(0));

/// Uses the API.
pub fn f() -> u64 {
    N.inc();
    N.add(2);
    let _ = N.cmpxchg(3, 4);
    let manual: u64 = N.iter().map(|(_, v)| v.read_once()).sum();
    manual + N.sum()
}
