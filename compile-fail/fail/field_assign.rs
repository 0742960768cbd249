// expect: E0594
//! A field gives shared references only: no `&mut` to a CPU's value through a field.
use kernel::percpu::{
    define_per_cpu,
    percpu_field,
    CpuGuard,
    PerCpu, //
};

/// Two plain values.
pub struct Pair {
    a: u32,
    b: u32,
}

define_per_cpu!(static P: Pair = Pair { a: 0, b: 0 });

/// Uses the API.
pub fn f() {
    let guard = CpuGuard::new();
    let a = percpu_field!(P, Pair, a);
    *a.get(&guard) = 1;
}
