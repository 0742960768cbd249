//! Fields and elements of static and dynamic per-CPU variables: operations, sums, nested paths
//! and arrays, a place behind a reference, and generic code over them.
use kernel::{
    percpu::{
        define_per_cpu,
        percpu_field,
        CpuGuard,
        DynamicPerCpu,
        LocalInt,
        ThisCpuOps, //
    },
    prelude::*,
    sync::Arc, //
};

/// Transmit counters.
#[derive(Zeroable)]
pub struct Tx {
    packets: LocalInt<u64>,
    bytes: LocalInt<u64>,
}

/// A driver's statistics.
#[derive(Zeroable)]
pub struct Stats {
    tx: Tx,
    errors: [LocalInt<u32>; 4],
    grid: [[LocalInt<u16>; 2]; 3],
    label: u32,
}

define_per_cpu!(static GLOBAL: Stats = Stats {
    tx: Tx { packets: LocalInt::new(0), bytes: LocalInt::new(0) },
    errors: [const { LocalInt::new(0) }; 4],
    grid: [const { [const { LocalInt::new(0) }; 2] }; 3],
    label: 0,
});

define_per_cpu!(static BY_KIND: [LocalInt<u64>; 8] = [const { LocalInt::new(0) }; 8]);

/// Generic code takes any counter.
fn bump(c: &impl ThisCpuOps<u64>) -> u64 {
    c.inc();
    c.sum()
}

/// Uses the API.
pub fn f(shared: &Arc<DynamicPerCpu<Stats>>, kind: usize) -> Result<u64> {
    percpu_field!(GLOBAL, Stats, tx.packets).inc();
    percpu_field!(GLOBAL, Stats, tx.bytes).add(1500);
    let _ = percpu_field!(GLOBAL, Stats, tx.bytes).fetch_add(1);
    let _ = percpu_field!(GLOBAL, Stats, tx.bytes).cmpxchg(0, 1);
    if let Some(e) = percpu_field!(GLOBAL, Stats, errors).at(kind) {
        e.inc();
    }
    if let Some(e) = percpu_field!(GLOBAL, Stats, grid).at(2).and_then(|r| r.at(kind)) {
        e.sub(1);
    }
    if let Some(e) = BY_KIND.at(kind) {
        bump(&e);
    }
    let local = DynamicPerCpu::<Stats>::new_zeroed(GFP_KERNEL)?;
    bump(&percpu_field!(local, Stats, tx.packets));
    bump(&percpu_field!(**shared, Stats, tx.bytes));
    let guard = CpuGuard::new();
    let label = *percpu_field!(local, Stats, label).get(&guard);
    drop(guard);
    let errors: u32 = percpu_field!(local, Stats, errors)
        .at(0)
        .map_or(0, |e| e.iter().map(|(_, v)| v.read_once()).sum());
    Ok(u64::from(label) + u64::from(errors) + percpu_field!(GLOBAL, Stats, tx.packets).sum())
}
