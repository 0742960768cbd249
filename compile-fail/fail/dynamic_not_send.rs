// expect: `NotSend: Send`
//! Dynamic values are made and dropped for all CPUs by one task, so they must be `Send`.
use kernel::{
    percpu::DynamicPerCpu,
    prelude::*, //
};

/// Not `Send`.
pub struct NotSend(*mut u8);

/// Uses the API.
pub fn f() -> Result {
    let _v = DynamicPerCpu::<NotSend>::new_with(|_| NotSend(core::ptr::null_mut()), GFP_KERNEL)?;
    Ok(())
}
