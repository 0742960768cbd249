// expect: E0609
//! A field reached through a pointer (here a `Box`) does not live in per-CPU memory: the
//! projection only accepts fields of the value itself.
use kernel::{
    percpu::{
        percpu_field,
        DynamicPerCpu,
        LocalInt,
        ThisCpuOps, //
    },
    prelude::*, //
};

/// Counters behind a pointer.
pub struct Inner {
    hits: LocalInt<u32>,
}

/// A per-CPU value that points elsewhere.
pub struct Outer {
    inner: KBox<Inner>,
}

/// Uses the API.
pub fn f(v: &DynamicPerCpu<Outer>) {
    percpu_field!(*v, Outer, inner.hits).inc();
}
