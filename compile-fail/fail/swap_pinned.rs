// expect: E0308
//! `get_mut` hands out `Pin<&mut T>`: pinned values (a mutex, with its wait list) cannot be
//! swapped or moved out, even by code that meets the `unsafe` contract.
use kernel::{
    new_mutex,
    percpu::{
        CpuGuard,
        DynamicPerCpu,
        PerCpu, //
    },
    prelude::*,
    sync::Mutex, //
};

/// Uses the API.
pub fn f() -> Result {
    let a = DynamicPerCpu::<Mutex<u32>>::new_with(|_| new_mutex!(0), GFP_KERNEL)?;
    let b = DynamicPerCpu::<Mutex<u32>>::new_with(|_| new_mutex!(0), GFP_KERNEL)?;
    let (mut g1, mut g2) = (CpuGuard::new(), CpuGuard::new());
    // SAFETY: `a` and `b` are only used here, by this task, never from interrupts or remotely.
    unsafe { core::mem::swap(a.get_mut(&mut g1), b.get_mut(&mut g2)) };
    Ok(())
}
