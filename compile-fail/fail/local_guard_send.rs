// expect: within `LocalLockGuard<'_, u32>`, the trait `Send` is not implemented
//! A local lock is held by the task that took it, on its CPU: its guard cannot go to another
//! task.
use kernel::percpu::{
    define_per_cpu,
    static_local_locked,
    LocalLock,
    LocalLocked, //
};

define_per_cpu!(static V: LocalLocked<u32> = static_local_locked!(0));

fn needs_send<T: Send>(_: T) {}

/// Uses the API.
pub fn f() {
    needs_send(V.lock());
}
