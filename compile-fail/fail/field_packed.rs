// expect: E0793
//! A field of a packed struct may be misaligned, and `this_cpu` operations need alignment.
use kernel::percpu::{
    define_per_cpu,
    percpu_field,
    LocalInt,
    ThisCpuOps, //
};

/// A packed struct with a misaligned counter.
#[repr(C, packed)]
pub struct Packed {
    tag: u8,
    count: LocalInt<u64>,
}

define_per_cpu!(static P: Packed = Packed { tag: 0, count: LocalInt::new(0) });

/// Uses the API.
pub fn f() {
    percpu_field!(P, Packed, count).inc();
}
