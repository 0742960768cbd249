// expect: required by this bound in `LocalLock::lock`
//! The lock gives `&mut T` to whichever task takes it on the CPU, so `T` must be `Send`.
use kernel::percpu::{
    define_per_cpu,
    static_local_locked,
    LocalLock,
    LocalLocked, //
};

/// Not `Send`.
pub struct NotSend(*mut u8);

define_per_cpu!(
    static V: LocalLocked<NotSend> = static_local_locked!(NotSend(core::ptr::null_mut()))
);

/// Uses the API.
pub fn f() {
    V.lock().0 = core::ptr::null_mut();
}
