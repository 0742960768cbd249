// expect: the trait bound `MigrateGuard: CpuPinned` is not satisfied
//! A migration guard keeps the task on its CPU, but other tasks run there meanwhile and may
//! use the same slot: it is no proof for `&mut` access, even with `unsafe`.
use kernel::percpu::{
    define_per_cpu,
    MigrateGuard,
    PerCpu, //
};

define_per_cpu!(static V: [u32; 4] = [0; 4]);

/// Uses the API.
pub fn f() {
    let mut guard = MigrateGuard::new();
    // SAFETY: `V` is only used here, never from interrupts or remotely.
    unsafe { V.get_mut(&mut guard).get_mut()[0] = 1 };
}
