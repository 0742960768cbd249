// expect: lifetime may not live long enough
//! A dynamic variable is invariant in its type: `get_mut` writes through `&self`, so a variable
//! of `&'static str` must not pass for one of a shorter-lived `&str` (a string on the stack
//! stored through it would be read after its frame is gone).
use kernel::{
    percpu::{
        CpuGuard,
        DynamicPerCpu,
        PerCpu, //
    },
    prelude::*, //
};

/// Would let a shorter-lived string into the variable.
fn shorten<'s>(v: &'s DynamicPerCpu<&'static str>) -> &'s DynamicPerCpu<&'s str> {
    v
}

/// Uses the API.
pub fn f() -> Result<&'static str> {
    let names = DynamicPerCpu::<&'static str>::new_with(|_| "static", GFP_KERNEL)?;
    {
        let buf = *b"on the stack";
        let s = core::str::from_utf8(&buf).map_err(|_| EINVAL)?;
        let mut g = CpuGuard::new();
        // SAFETY: No other reference to this CPU's slot exists or is made while `g` lives: no
        // other task, interrupt or NMI handler or CPU uses `names`, and nothing sleeps.
        *Pin::into_inner(unsafe { shorten(&names).get_mut(&mut g) }) = s;
    }
    let g = CpuGuard::new();
    let name = *names.get(&g);
    drop(g);
    Ok(name)
}
