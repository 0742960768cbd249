// expect: within `MigrateGuard`, the trait `Send` is not implemented
//! A migration guard keeps its own task on its CPU: it cannot go to another task.
use kernel::percpu::MigrateGuard;

fn needs_send<T: Send>(_: T) {}

/// Uses the API.
pub fn f() {
    needs_send(MigrateGuard::new());
}
