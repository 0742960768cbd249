// expect: E0599
//! `this_cpu` operations need a `LocalInt` field: a plain integer may be referenced (`get`)
//! while an operation changes it.
use kernel::percpu::{
    define_per_cpu,
    percpu_field,
    LocalInt,
    ThisCpuOps, //
};

/// A counter and a plain integer.
pub struct Stats {
    hits: LocalInt<u32>,
    plain: u32,
}

define_per_cpu!(static STATS: Stats = Stats { hits: LocalInt::new(0), plain: 0 });

/// Uses the API.
pub fn f() {
    percpu_field!(STATS, Stats, hits).inc();
    percpu_field!(STATS, Stats, plain).inc();
}
