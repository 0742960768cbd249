// expect: E0308
//! The type named in the projection must be the variable's: the offset is computed on it.
use kernel::percpu::{
    define_per_cpu,
    percpu_field,
    LocalInt,
    ThisCpuOps, //
};

/// The variable's type.
pub struct Small {
    a: LocalInt<u8>,
}

/// Another type with a field at a larger offset.
pub struct Large {
    pad: [u64; 64],
    a: LocalInt<u8>,
}

define_per_cpu!(static S: Small = Small { a: LocalInt::new(0) });

/// Uses the API.
pub fn f() {
    percpu_field!(S, Large, a).inc();
}
