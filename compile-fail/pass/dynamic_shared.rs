//! A dynamic per-CPU variable shared behind `Arc`, and exclusive access through `unsafe`.
use kernel::{
    percpu::{
        CpuGuard,
        DynamicPerCpu,
        PerCpu, //
    },
    prelude::*,
    sync::{
        atomic::{
            Atomic,
            Relaxed, //
        },
        Arc, //
    },
};

fn needs_send_sync<T: Send + Sync>(_: &T) {}

/// Uses the API.
pub fn f() -> Result<u64> {
    let v = Arc::new(
        DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?,
        GFP_KERNEL,
    )?;
    needs_send_sync(&v);
    let w = DynamicPerCpu::<[u8; 8]>::new_zeroed(GFP_KERNEL)?;
    let mut guard = CpuGuard::new();
    // SAFETY: `w` is local to this function and nothing else reaches it.
    unsafe { w.get_mut(&mut guard).get_mut()[0] = 1 };
    Ok(v.get(&guard).load(Relaxed))
}
