// expect: E0133
//! The lock without the state check is only available through `unsafe`: its caller promises that
//! no second guard of the value is made meanwhile.
use kernel::percpu::{
    define_per_cpu,
    static_local_locked,
    LocalLock,
    LocalLocked, //
};

define_per_cpu!(static V: LocalLocked<u32> = static_local_locked!(0));

/// Uses the API.
pub fn f() {
    *V.lock_unchecked() += 1;
}
