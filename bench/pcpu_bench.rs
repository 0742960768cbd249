// SPDX-License-Identifier: GPL-2.0

//! The per-CPU benchmark run by `make bench`: Rust cases against C ones, on one CPU and on
//! all CPUs at once. Prints one line per case, mode and round; the harness makes the table.

use kernel::{
    percpu::{self, define_per_cpu, CpuGuard, DynamicPerCpu, LocalInt, PerCpu, ThisCpuOps},
    prelude::*,
    sync::atomic::{Atomic, Relaxed},
};

module! {
    type: Bench,
    name: "pcpu_bench",
    authors: ["Rust for Linux Contributors"],
    description: "Per-CPU operations, Rust against C",
    license: "GPL",
}

extern "C" {
    fn pcpu_bench_c_this_cpu_inc(n: u64);
    fn pcpu_bench_c_get_cpu_ptr(n: u64);
    fn pcpu_bench_c_preempt_disable();
    fn pcpu_bench_c_preempt_enable();
}

/// Operations per round.
const N: u64 = 1 << 23;
/// Rounds per case and mode.
const ROUNDS: usize = 9;

define_per_cpu!(static COUNTER: LocalInt<u64> = LocalInt::new(0));
define_per_cpu!(static PLAIN: u64 = 0);
define_per_cpu!(static ELAPSED: LocalInt<u64> = LocalInt::new(0));
static SHARED: Atomic<u64> = Atomic::new(0);

fn now() -> u64 {
    // SAFETY: `ktime_get` has no preconditions; it returns nanoseconds of CLOCK_MONOTONIC.
    let ns = unsafe { kernel::bindings::ktime_get() };
    u64::try_from(ns).unwrap_or(0)
}

/// Runs `n` operations of case `case`.
fn run(case: usize, dynamic: &DynamicPerCpu<LocalInt<u64>>, n: u64) {
    match case {
        0 => {
            for _ in 0..n {
                COUNTER.inc();
            }
        }
        1 => {
            for _ in 0..n {
                dynamic.inc();
            }
        }
        // SAFETY: The C loop takes any count.
        2 => unsafe { pcpu_bench_c_this_cpu_inc(n) },
        3 => {
            for _ in 0..n {
                let mut guard = CpuGuard::new();
                // SAFETY: `PLAIN` is only used here, by one task per CPU at a time, with
                // preemption disabled; interrupt handlers do not touch it.
                unsafe { *PLAIN.get_mut(&mut guard) += 1 };
                drop(guard);
            }
        }
        // SAFETY: The C loop takes any count.
        4 => unsafe { pcpu_bench_c_get_cpu_ptr(n) },
        5 => {
            for _ in 0..n {
                SHARED.fetch_add(1, Relaxed);
            }
        }
        _ => {
            for _ in 0..n {
                // SAFETY: A balanced pair around the operation.
                unsafe { pcpu_bench_c_preempt_disable() };
                COUNTER.add(1);
                // SAFETY: As above.
                unsafe { pcpu_bench_c_preempt_enable() };
            }
        }
    }
}

const CASES: [&str; 7] = [
    "rust_this_cpu_inc_static",
    "rust_this_cpu_inc_dynamic",
    "c_this_cpu_inc",
    "rust_guarded_inc",
    "c_get_cpu_ptr_inc",
    "shared_atomic_inc",
    "earlier_design_call_pair",
];

struct Bench;

impl kernel::Module for Bench {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dynamic = DynamicPerCpu::<LocalInt<u64>>::new_zeroed(GFP_KERNEL)?;
        for (case, name) in CASES.iter().enumerate() {
            // Warm-up, not measured: under QEMU the first run also translates the code.
            run(case, &dynamic, N);
            percpu::on_each_cpu(|_, _| run(case, &dynamic, N))?;
            for round in 0..ROUNDS {
                // One CPU: this task, preemptible between operations like real code.
                let t0 = now();
                run(case, &dynamic, N);
                let ps = (now() - t0) * 1000 / N;
                pr_info!("result case={name} mode=one round={round} ps_per_op={ps}\n");

                // All CPUs at once: every online CPU runs the loop in `on_each_cpu` and
                // overwrites its slot of `ELAPSED` (no CPU goes offline during the benchmark).
                percpu::on_each_cpu(|_, _| {
                    let t0 = now();
                    run(case, &dynamic, N);
                    ELAPSED.write(now() - t0);
                })?;
                let cpus = ELAPSED.iter().filter(|(_, v)| v.read_once() != 0).count() as u64;
                let ps = ELAPSED.sum() * 1000 / N / cpus.max(1);
                pr_info!("result case={name} mode=all round={round} ps_per_op={ps}\n");
            }
        }
        pr_info!("done\n");
        Ok(Bench)
    }
}
