//! The counterparts of the `invariant_*` cases with matching lifetimes: a `&'static str` goes
//! into a variable, a field and an element of `&'static str`, through the handles' own types.
use kernel::{
    percpu::{
        define_per_cpu,
        percpu_field,
        CpuGuard,
        DynamicPerCpu,
        PerCpu,
        PerCpuElem,
        PerCpuField, //
    },
    prelude::*, //
};

/// A name per CPU.
pub struct Named {
    name: &'static str,
}

define_per_cpu!(static NAMES: Named = Named { name: "static" });
define_per_cpu!(static LIST: [&'static str; 2] = ["static", "static"]);

/// Keeps the lifetime.
fn keep<'s>(v: &'s DynamicPerCpu<&'static str>) -> &'s DynamicPerCpu<&'static str> {
    v
}

/// Keeps the lifetime.
fn keep_field<'s, V, const OFF: usize>(
    f: PerCpuField<'s, V, &'static str, OFF>,
) -> PerCpuField<'s, V, &'static str, OFF> {
    f
}

/// Keeps the lifetime.
fn keep_elem<'s, V, const OFF: usize>(
    e: PerCpuElem<'s, V, &'static str, OFF>,
) -> PerCpuElem<'s, V, &'static str, OFF> {
    e
}

/// Uses the API.
pub fn f(s: &'static str) -> Result<&'static str> {
    let names = DynamicPerCpu::<&'static str>::new_with(|_| "static", GFP_KERNEL)?;
    let mut g = CpuGuard::new();
    // SAFETY: No other reference to this CPU's slot exists or is made while `g` lives: no other
    // task, interrupt or NMI handler or CPU uses the variables, and nothing sleeps.
    *Pin::into_inner(unsafe { keep(&names).get_mut(&mut g) }) = s;
    let field = keep_field(percpu_field!(NAMES, Named, name));
    // SAFETY: As above.
    *Pin::into_inner(unsafe { field.get_mut(&mut g) }) = s;
    // SAFETY: As above.
    *Pin::into_inner(unsafe { percpu_field!(NAMES, Named, name).get_mut(&mut g) }) = s;
    let e = keep_elem(LIST.at(1).ok_or(EINVAL)?);
    // SAFETY: As above.
    *Pin::into_inner(unsafe { e.get_mut(&mut g) }) = s;
    let name = *names.get(&g);
    drop(g);
    Ok(name)
}
