// expect: mismatched types
//! The guard of a `LocalLockedIrq` is no `LocalInterruptDisabled`: on PREEMPT_RT interrupts
//! stay on under it, so it cannot serve `get_with_irq_off`.
use core::cell::Cell;
use kernel::percpu::{
    define_per_cpu,
    static_local_locked,
    LocalLock,
    LocalLockedIrq,
    PerCpu, //
};

define_per_cpu!(static V: LocalLockedIrq<u32> = static_local_locked!(0));
define_per_cpu!(static C: Cell<u32> = Cell::new(0));

/// Uses the API.
pub fn f() {
    let g = V.lock();
    C.get_with_irq_off(&g).set(1);
}
