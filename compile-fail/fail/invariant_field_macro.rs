// expect: lifetime may not live long enough
//! `percpu_field!` takes the field's type as it is: it cannot infer a field of `&'static str`
//! as one of a shorter-lived `&str`.
use core::pin::Pin;
use kernel::percpu::{
    define_per_cpu,
    percpu_field,
    CpuGuard, //
};

/// A name per CPU.
pub struct Named {
    name: &'static str,
}

define_per_cpu!(static NAMES: Named = Named { name: "static" });

/// Uses the API.
pub fn f<'s>(s: &'s str) {
    let mut g = CpuGuard::new();
    let field = percpu_field!(NAMES, Named, name);
    // SAFETY: No other reference to this CPU's slot exists or is made while `g` lives: no other
    // task, interrupt or NMI handler or CPU uses `NAMES`, and nothing sleeps.
    *Pin::into_inner(unsafe { field.get_mut(&mut g) }) = s;
}
