//! Attributes given to `define_per_cpu!` apply to all it defines: a variable that `#[cfg]`
//! removes leaves nothing behind, not even its initial value (here a call of a function that
//! does not exist).
use kernel::percpu::{
    define_per_cpu,
    LocalInt,
    ThisCpuOps, //
};

define_per_cpu!(
    /// Never compiled.
    #[cfg(any())]
    pub static GONE: LocalInt<u32> = LocalInt::new(no_such_function())
);

define_per_cpu!(
    /// Always compiled.
    #[cfg(all())]
    pub static KEPT: LocalInt<u32> = LocalInt::new(0)
);

/// Uses the API.
pub fn f() {
    KEPT.inc();
}
