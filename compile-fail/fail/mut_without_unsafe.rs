// expect: E0133
//! `&mut T` into a per-CPU slot is only available through `unsafe`.
use kernel::percpu::{
    define_per_cpu,
    CpuGuard,
    PerCpu, //
};

define_per_cpu!(static V: [u32; 4] = [0; 4]);

/// Uses the API.
pub fn f() {
    let mut guard = CpuGuard::new();
    V.get_mut(&mut guard)[0] = 1;
}
