//! A dynamic per-CPU variable shared behind `Arc`, and exclusive access through `unsafe`.
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    percpu::{CpuGuard, DynamicPerCpu, PerCpu},
    prelude::*,
    sync::Arc,
};

fn needs_send_sync<T: Send + Sync>(_: &T) {}

/// Uses the API.
pub fn f() -> Result<u64> {
    let v = Arc::new(DynamicPerCpu::new_with(GFP_KERNEL, |_| AtomicU64::new(0))?, GFP_KERNEL)?;
    needs_send_sync(&v);
    let w = DynamicPerCpu::<[u8; 8]>::new_zeroed(GFP_KERNEL)?;
    let mut guard = CpuGuard::new();
    // SAFETY: `w` is local to this function and nothing else reaches it.
    unsafe { w.get_mut(&mut guard)[0] = 1 };
    Ok(v.get(&guard).load(Ordering::Relaxed))
}
