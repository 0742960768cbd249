// expect: cannot borrow data in dereference of `LocalLockGuard<'_, Pinned>` as mutable
//! A value that is not `Unpin` may have been built in place and have its address recorded: the
//! guard gives no `&mut` to it (which could move it out), only `Pin<&mut T>` through `as_mut`.
use core::marker::PhantomPinned;
use kernel::percpu::{
    define_per_cpu,
    static_local_locked,
    LocalLock,
    LocalLocked, //
};

/// Must not move.
pub struct Pinned {
    n: u32,
    _pin: PhantomPinned,
}

define_per_cpu!(
    static V: LocalLocked<Pinned> = static_local_locked!(Pinned { n: 0, _pin: PhantomPinned })
);

/// Uses the API.
pub fn f() -> u32 {
    let guard = V.lock();
    let mut other = Pinned {
        n: 1,
        _pin: PhantomPinned,
    };
    core::mem::swap(&mut *guard, &mut other);
    other.n
}
