// expect: lifetime may not live long enough
//! An element handle is invariant in the element's type, as the variable is: an element of
//! `&'static str` must not pass for one of a shorter-lived `&str`.
use kernel::{
    percpu::{
        define_per_cpu,
        CpuGuard,
        PerCpuElem, //
    },
    prelude::*, //
};

define_per_cpu!(static NAMES: [&'static str; 2] = ["static", "static"]);

/// Would let a shorter-lived string into the element.
fn shorten<'s, V, const OFF: usize>(
    e: PerCpuElem<'s, V, &'static str, OFF>,
) -> PerCpuElem<'s, V, &'s str, OFF> {
    e
}

/// Uses the API.
pub fn f() -> Result {
    let buf = *b"on the stack";
    let s = core::str::from_utf8(&buf).map_err(|_| EINVAL)?;
    let mut g = CpuGuard::new();
    let e = NAMES.at(1).ok_or(EINVAL)?;
    // SAFETY: No other reference to this CPU's slot exists or is made while `g` lives: no other
    // task, interrupt or NMI handler or CPU uses `NAMES`, and nothing sleeps.
    *Pin::into_inner(unsafe { shorten(e).get_mut(&mut g) }) = s;
    Ok(())
}
