// expect: cannot be sent between threads safely
//! A preemption guard proves something about its task: it cannot go to another one.
use kernel::percpu::CpuGuard;

fn needs_send<T: Send>(_: T) {}

/// Uses the API.
pub fn f() {
    needs_send(CpuGuard::new());
}
