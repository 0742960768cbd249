// expect: lifetime may not live long enough
//! A field handle is invariant in the field's type, as the variable is: a field of
//! `&'static str` must not pass for one of a shorter-lived `&str`.
use kernel::{
    percpu::{
        define_per_cpu,
        percpu_field,
        CpuGuard,
        PerCpuField, //
    },
    prelude::*, //
};

/// A name per CPU.
pub struct Named {
    name: &'static str,
}

define_per_cpu!(static NAMES: Named = Named { name: "static" });

/// Would let a shorter-lived string into the field.
fn shorten<'s, V, const OFF: usize>(
    f: PerCpuField<'s, V, &'static str, OFF>,
) -> PerCpuField<'s, V, &'s str, OFF> {
    f
}

/// Uses the API.
pub fn f() -> Result {
    let buf = *b"on the stack";
    let s = core::str::from_utf8(&buf).map_err(|_| EINVAL)?;
    let mut g = CpuGuard::new();
    // SAFETY: No other reference to this CPU's slot exists or is made while `g` lives: no other
    // task, interrupt or NMI handler or CPU uses `NAMES`, and nothing sleeps.
    *Pin::into_inner(unsafe { shorten(percpu_field!(NAMES, Named, name)).get_mut(&mut g) }) = s;
    Ok(())
}
