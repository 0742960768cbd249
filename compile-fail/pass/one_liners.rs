//! References from a temporary field or element handle borrow the variable, not the handle, so
//! they may be used after the statement; and code generic over `CpuPinned` proofs can call
//! `get`, since every such proof is `CpuStable`.
use core::cell::Cell;
use kernel::{
    interrupt::local_interrupt_disable,
    percpu::{
        define_per_cpu,
        percpu_field,
        CpuGuard,
        CpuPinned,
        DynamicPerCpu,
        PerCpu, //
    },
    prelude::*, //
};

/// A label and counts by kind.
#[derive(Zeroable)]
pub struct Stats {
    label: u32,
    by_kind: [u32; 4],
}

/// A value that only interrupts off make exclusive.
pub struct Last {
    at: Cell<u64>,
    kinds: [Cell<u64>; 2],
}

define_per_cpu!(static STATS: Stats = Stats { label: 0, by_kind: [0; 4] });
define_per_cpu!(static KINDS: [u64; 4] = [0; 4]);
define_per_cpu!(static LAST: Last = Last {
    at: Cell::new(0),
    kinds: [const { Cell::new(0) }; 2],
});

/// Generic over the proofs that pin the task.
fn label<G: CpuPinned>(pinned: &G) -> u32 {
    STATS.get(pinned).label
}

/// Uses the API.
pub fn f(d: &DynamicPerCpu<Stats>, i: usize) -> Option<u64> {
    let g = CpuGuard::new();
    let a = percpu_field!(STATS, Stats, label).get(&g);
    let b = percpu_field!(*d, Stats, label).get(&g);
    let c = percpu_field!(*d, Stats, by_kind).at(i)?.get(&g);
    let k = KINDS.at(i)?.get(&g);
    let r = KINDS.at(i)?.remote(g.cpu()).ok()?;
    let mut all = KINDS.at(i)?.iter();
    let first = all.next()?.1;
    let sum = u64::from(*a + *b + *c + label(&g)) + *k + *r + *first;
    drop(g);
    let irq = local_interrupt_disable();
    let at = percpu_field!(LAST, Last, at).get_with_irq_off(&irq);
    let kind = percpu_field!(LAST, Last, kinds)
        .at(1)?
        .get_with_irq_off(&irq);
    at.set(sum);
    kind.set(sum);
    Some(at.get() + u64::from(label(&irq)))
}
