// expect: cannot hold a type that needs `Drop`
//! The initial value is copied into every CPU's area and never dropped.
use kernel::percpu::define_per_cpu;

/// Owns something.
pub struct Owner(u32);

impl Drop for Owner {
    fn drop(&mut self) {}
}

define_per_cpu!(pub static V: Owner = Owner(0));
