// expect: E0505
//! A local lock's guard borrows its variable: a dynamic variable cannot be dropped while it
//! lives.
use kernel::{
    new_local_locked,
    percpu::{
        DynamicPerCpu,
        LocalLock,
        LocalLocked, //
    },
    prelude::*, //
};

/// Uses the API.
pub fn f() -> Result {
    let v = DynamicPerCpu::<LocalLocked<u64>>::new_with(|_| new_local_locked!(0), GFP_KERNEL)?;
    let mut guard = v.lock();
    drop(v);
    *guard += 1;
    Ok(())
}
