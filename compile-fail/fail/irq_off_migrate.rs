// expect: expected `&LocalInterruptDisabled`, found `&MigrateGuard`
//! A `Cell` needs interrupts off: under a migration guard other tasks and interrupt handlers
//! on the same CPU could use it too.
use core::cell::Cell;
use kernel::percpu::{
    define_per_cpu,
    MigrateGuard,
    PerCpu, //
};

define_per_cpu!(static C: Cell<u64> = Cell::new(0));

/// Uses the API.
pub fn f() {
    let guard = MigrateGuard::new();
    C.get_with_irq_off(&guard).set(1);
}
