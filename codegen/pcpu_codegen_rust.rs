// SPDX-License-Identifier: GPL-2.0

//! The Rust side of `make codegen`: the same operations as `pcpu_codegen_c.c`.

use kernel::{
    percpu::{define_per_cpu, DynamicPerCpu, LocalInt, ThisCpuOps},
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
            pub extern "C" fn [<cg_rust_static_read_ $t>]() -> $t { [<S_ $t:upper>].read() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_write_ $t>](v: $t) { [<S_ $t:upper>].write(v) }
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
                [<S_ $t:upper>].add_return(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_xchg_ $t>](v: $t) -> $t {
                [<S_ $t:upper>].xchg(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_cmpxchg_ $t>](o: $t, n: $t) -> $t {
                [<S_ $t:upper>].cmpxchg(o, n)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_static_try_cmpxchg_ $t>](o: &mut $t, n: $t) -> bool {
                [<S_ $t:upper>].try_cmpxchg(o, n)
            }

            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_read_ $t>](h: &[<Holder $t>]) -> $t { h.p.read() }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_write_ $t>](h: &[<Holder $t>], v: $t) {
                h.p.write(v)
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
                h.p.add_return(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_xchg_ $t>](h: &[<Holder $t>], v: $t) -> $t {
                h.p.xchg(v)
            }
            #[no_mangle]
            pub extern "C" fn [<cg_rust_dyn_cmpxchg_ $t>](h: &[<Holder $t>], o: $t, n: $t) -> $t {
                h.p.cmpxchg(o, n)
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
