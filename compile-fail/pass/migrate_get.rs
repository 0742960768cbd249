//! `&T` for `T: Sync` under a migration guard, which may sleep, and under a local lock's guard.
use kernel::{
    percpu::{
        define_per_cpu,
        static_local_locked,
        DynamicPerCpu,
        LocalLock,
        LocalLocked,
        MigrateGuard,
        PerCpu, //
    },
    prelude::*,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
    time::{
        delay::fsleep,
        Delta, //
    },
};

define_per_cpu!(static L: LocalLocked<u64> = static_local_locked!(0));

/// Uses the API.
pub fn f() -> Result<u64> {
    let v = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
    let pinned = MigrateGuard::new();
    let first = v.get(&pinned);
    first.fetch_add(1, Relaxed);
    fsleep(Delta::from_micros(10));
    let n = first.load(Relaxed) + v.get(&pinned).load(Relaxed);
    drop(pinned);
    let mut guard = L.lock();
    let seen = v.get(&guard).fetch_add(1, Relaxed);
    *guard += seen;
    Ok(n + *guard)
}
