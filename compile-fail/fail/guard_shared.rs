// expect: cannot be shared between threads safely
//! Nor can another task borrow it.
use kernel::percpu::CpuGuard;

fn needs_sync<T: Sync>(_: &T) {}

/// Uses the API.
pub fn f() {
    let guard = CpuGuard::new();
    needs_sync(&guard);
}
