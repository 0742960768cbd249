// expect: E0505
//! An element borrows its variable: it cannot outlive a dynamic variable that is dropped.
use kernel::{
    percpu::{
        DynamicPerCpu,
        LocalInt,
        ThisCpuOps, //
    },
    prelude::*, //
};

/// Uses the API.
pub fn f() -> Result {
    let counts = DynamicPerCpu::<[LocalInt<u32>; 4]>::new_zeroed(GFP_KERNEL)?;
    let elem = counts.at(1).ok_or(EINVAL)?;
    drop(counts);
    elem.inc();
    Ok(())
}
