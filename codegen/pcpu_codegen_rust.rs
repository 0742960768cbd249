// SPDX-License-Identifier: GPL-2.0

//! The Rust side of `make codegen`: the same operations as `pcpu_codegen_c.c`.

use kernel::{
    new_local_locked,
    percpu::{
        define_per_cpu, percpu_field, static_local_locked, CpuGuard, DynamicPerCpu, LocalInt,
        LocalLock, LocalLocked, LocalLockedIrq, MigrateGuard, ThisCpuOps,
    },
    prelude::*,
};

module! {
    type: Codegen,
    name: "pcpu_codegen_rust",
    authors: ["Rust for Linux Contributors"],
    description: "this_cpu operations in Rust, for comparing generated code",
    license: "GPL",
}

struct Codegen;

impl kernel::Module for Codegen {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Codegen)
    }
}

macro_rules! gen {
    ($t:ident) => {
        kernel::macros::paste! {
            define_per_cpu!(static [<S_ $t:upper>]: LocalInt<$t> = LocalInt::new(0));

            /// A driver's structure holding a dynamic per-CPU variable.
            pub struct [<Holder $t>] {
                p: DynamicPerCpu<LocalInt<$t>>,
            }

            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_read_ $t>]() -> $t { [<S_ $t:upper>].load() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_write_ $t>](v: $t) { [<S_ $t:upper>].store(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_add_ $t>](v: $t) { [<S_ $t:upper>].add(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_sub_ $t>](v: $t) { [<S_ $t:upper>].sub(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_inc_ $t>]() { [<S_ $t:upper>].inc() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_dec_ $t>]() { [<S_ $t:upper>].dec() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_and_ $t>](v: $t) { [<S_ $t:upper>].and(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_or_ $t>](v: $t) { [<S_ $t:upper>].or(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_add_return_ $t>](v: $t) -> $t {
                [<S_ $t:upper>].fetch_add(v).wrapping_add(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_xchg_ $t>](v: $t) -> $t {
                [<S_ $t:upper>].xchg(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_cmpxchg_ $t>](o: $t, n: $t) -> $t {
                [<S_ $t:upper>].cmpxchg(o, n).unwrap_or_else(|v| v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_try_cmpxchg_ $t>](o: &mut $t, n: $t) -> bool {
                [<S_ $t:upper>].try_cmpxchg(o, n)
            }

            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_read_ $t>](h: &[<Holder $t>]) -> $t { h.p.load() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_write_ $t>](h: &[<Holder $t>], v: $t) {
                h.p.store(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_add_ $t>](h: &[<Holder $t>], v: $t) { h.p.add(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_sub_ $t>](h: &[<Holder $t>], v: $t) { h.p.sub(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_inc_ $t>](h: &[<Holder $t>]) { h.p.inc() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_dec_ $t>](h: &[<Holder $t>]) { h.p.dec() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_and_ $t>](h: &[<Holder $t>], v: $t) { h.p.and(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_or_ $t>](h: &[<Holder $t>], v: $t) { h.p.or(v) }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_add_return_ $t>](h: &[<Holder $t>], v: $t) -> $t {
                h.p.fetch_add(v).wrapping_add(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_xchg_ $t>](h: &[<Holder $t>], v: $t) -> $t {
                h.p.xchg(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_cmpxchg_ $t>](h: &[<Holder $t>], o: $t, n: $t) -> $t {
                h.p.cmpxchg(o, n).unwrap_or_else(|v| v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_try_cmpxchg_ $t>](
                h: &[<Holder $t>],
                o: &mut $t,
                n: $t,
            ) -> bool {
                h.p.try_cmpxchg(o, n)
            }
        }
    };
}

gen!(u8);
gen!(u16);
gen!(u32);
gen!(u64);

/// The operations on a field or an element, `$kind` being `sfield`, `sarr`, `dfield` or `darr`:
/// `$get` is the expression for the counter, an `Option` for the elements, with the extra
/// parameters `$p` (the holder, the index) that it uses.
macro_rules! genf_ops {
    ($t:ident, $kind:ident, ($($p:ident: $pt:ty),*), $get:expr) => {
        kernel::macros::paste! {
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _read_ $t>]($($p: $pt),*) -> $t {
                $get.map_or(0, |c| c.load())
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _write_ $t>]($($p: $pt,)* v: $t) {
                if let Some(c) = $get { c.store(v) }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _add_ $t>]($($p: $pt,)* v: $t) {
                if let Some(c) = $get { c.add(v) }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _sub_ $t>]($($p: $pt,)* v: $t) {
                if let Some(c) = $get { c.sub(v) }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _inc_ $t>]($($p: $pt),*) {
                if let Some(c) = $get { c.inc() }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _dec_ $t>]($($p: $pt),*) {
                if let Some(c) = $get { c.dec() }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _and_ $t>]($($p: $pt,)* v: $t) {
                if let Some(c) = $get { c.and(v) }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _or_ $t>]($($p: $pt,)* v: $t) {
                if let Some(c) = $get { c.or(v) }
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _add_return_ $t>]($($p: $pt,)* v: $t) -> $t {
                $get.map_or(0, |c| c.fetch_add(v).wrapping_add(v))
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _xchg_ $t>]($($p: $pt,)* v: $t) -> $t {
                $get.map_or(0, |c| c.xchg(v))
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _cmpxchg_ $t>]($($p: $pt,)* o: $t, n: $t) -> $t {
                $get.map_or(0, |c| c.cmpxchg(o, n).unwrap_or_else(|v| v))
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_ $kind _try_cmpxchg_ $t>](
                $($p: $pt,)*
                o: &mut $t,
                n: $t,
            ) -> bool {
                $get.is_some_and(|c| c.try_cmpxchg(o, n))
            }
        }
    };
}

/// Fields and elements, as in the C module: `repr(C)` for the same offsets.
macro_rules! genf {
    ($t:ident) => {
        kernel::macros::paste! {
            /// A struct of counters.
            #[repr(C)]
            #[derive(Zeroable)]
            pub struct [<Fs $t>] {
                pad: LocalInt<$t>,
                f: LocalInt<$t>,
                arr: [LocalInt<$t>; 8],
            }

            define_per_cpu!(static [<SF_ $t:upper>]: [<Fs $t>] = [<Fs $t>] {
                pad: LocalInt::new(0),
                f: LocalInt::new(0),
                arr: [const { LocalInt::new(0) }; 8],
            });
            define_per_cpu!(static [<SA_ $t:upper>]: [LocalInt<$t>; 8] =
                [const { LocalInt::new(0) }; 8]);

            /// A driver's structure holding a dynamic per-CPU struct.
            pub struct [<Fh $t>] {
                p: DynamicPerCpu<[<Fs $t>]>,
            }

            /// A driver's structure holding a dynamic per-CPU array.
            pub struct [<Ah $t>] {
                p: DynamicPerCpu<[LocalInt<$t>; 8]>,
            }

            genf_ops!($t, sfield, (), Some(percpu_field!([<SF_ $t:upper>], [<Fs $t>], f)));
            genf_ops!($t, sarr, (i: usize), [<SA_ $t:upper>].at(i));
            genf_ops!($t, dfield, (h: &[<Fh $t>]), Some(percpu_field!(h.p, [<Fs $t>], f)));
            genf_ops!($t, darr, (h: &[<Ah $t>], i: usize), h.p.at(i));
        }
    };
}

genf!(u32);
genf!(u64);

// A u64 under a local lock, static (`slock`) and dynamic (`dlock`), as a `LocalLocked` and as a
// `LocalLockedIrq` (`_irq`).
define_per_cpu!(static SLL: LocalLocked<u64> = static_local_locked!(0));
define_per_cpu!(static SLLI: LocalLockedIrq<u64> = static_local_locked!(0));

/// A driver's structure holding dynamic per-CPU variables under a local lock.
pub struct LlHolder {
    p: DynamicPerCpu<LocalLocked<u64>>,
    q: DynamicPerCpu<LocalLockedIrq<u64>>,
}

impl LlHolder {
    /// How a driver makes one (not called here).
    pub fn new() -> Result<Self> {
        Ok(Self {
            p: DynamicPerCpu::new_with(|_| new_local_locked!(0u64), GFP_KERNEL)?,
            q: DynamicPerCpu::new_with(|_| new_local_locked!(0u64), GFP_KERNEL)?,
        })
    }
}

#[no_mangle]
pub extern "C" fn cg_rust_slock_inc_u64() {
    *SLL.lock() += 1
}
#[no_mangle]
pub extern "C" fn cg_rust_slock_irq_inc_u64() {
    *SLLI.lock() += 1
}
#[no_mangle]
pub extern "C" fn cg_rust_dlock_inc_u64(h: &LlHolder) {
    *h.p.lock() += 1
}
#[no_mangle]
pub extern "C" fn cg_rust_dlock_irq_inc_u64(h: &LlHolder) {
    *h.q.lock() += 1
}

// The guards, taken and dropped: the same code in a module and built in.
#[no_mangle]
pub extern "C" fn cg_rust_preempt_guard() {
    drop(CpuGuard::new())
}
#[no_mangle]
pub extern "C" fn cg_rust_migrate_guard() {
    drop(MigrateGuard::new())
}
