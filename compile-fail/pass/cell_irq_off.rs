//! `Cell` and `RefCell` with interrupts off, no `unsafe`.
use core::cell::{
    Cell,
    RefCell, //
};
use kernel::{
    interrupt::local_interrupt_disable,
    percpu::{
        define_per_cpu,
        PerCpu, //
    },
};

define_per_cpu!(static C: Cell<u64> = Cell::new(0));
define_per_cpu!(static R: RefCell<[u8; 4]> = RefCell::new([0; 4]));

/// Uses the API.
pub fn f() {
    let irq = local_interrupt_disable();
    C.get_with_irq_off(&irq).set(1);
    R.get_with_irq_off(&irq).borrow_mut()[0] = 1;
}
