// expect: no method named `lock_irqsave` found
//! A variable is taken one way only: a `LocalLocked` never with interrupts off, so lockdep cannot
//! find one lock taken both ways (an inconsistent lock state once a handler takes it); data
//! that interrupt handlers use is a `LocalLockedIrq`.
use kernel::percpu::{
    define_per_cpu,
    static_local_locked,
    LocalLock,
    LocalLocked, //
};

define_per_cpu!(static V: LocalLocked<u32> = static_local_locked!(0));

/// Uses the API.
pub fn f() {
    *V.lock() += 1;
    *V.lock_irqsave() += 1;
}
