// SPDX-License-Identifier: GPL-2.0

//! The per-CPU benchmark run by `make bench`: Rust cases against C ones, on one CPU and on
//! all CPUs at once. Prints one line per case, mode and round; the harness makes the table.

use kernel::{
    percpu::{define_per_cpu, CpuGuard, DynamicPerCpu, LocalInt, PerCpu, ThisCpuOps},
    prelude::*,
    smp,
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
    fn pcpu_bench_c_this_cpu_inc_dynamic(p: *mut u64, n: u64);
    fn pcpu_bench_c_get_cpu_ptr(n: u64);
    fn pcpu_bench_c_preempt_disable();
    fn pcpu_bench_c_preempt_enable();
    fn pcpu_bench_c_elem_inc(n: u64);
}

/// Operations of the calibration run of each case.
const CALIBRATION_OPS: u64 = 1 << 20;
/// What one measurement of one case should last, in nanoseconds.
const ROUND_NS: u64 = 100_000_000;
/// Rounds; each round measures every case once on one CPU and once on all CPUs.
const ROUNDS: usize = 15;
/// Slices of a round: the cases take turns slice by slice, so that a slow phase of the host
/// (this runs under emulation, on shared cores) hits all cases alike.
const SLICES: u64 = 20;

define_per_cpu!(static COUNTER: LocalInt<u64> = LocalInt::new(0));
define_per_cpu!(static PLAIN: u64 = 0);
define_per_cpu!(static ELAPSED: LocalInt<u64> = LocalInt::new(0));
static SHARED: Atomic<u64> = Atomic::new(0);

/// Elements of the array cases: about Binder's count of commands (`BC_COUNT`, 22 in 7.3).
const ELEMS: usize = 32;
/// The element the array cases increment, read from memory on every operation (as Binder takes
/// it from the command), so that the range check stays in the loop; C has its own copy.
static INDEX: Atomic<u32> = Atomic::new(5);
define_per_cpu!(static ARRAY: [LocalInt<u32>; ELEMS] = [const { LocalInt::new(0) }; ELEMS]);
/// What Binder's global statistics were: one array of atomic counters that every CPU shares.
static SHARED_ARRAY: [Atomic<u32>; ELEMS] = [const { Atomic::new(0) }; ELEMS];

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
        // SAFETY: `dynamic` is a per-CPU `u64` (`LocalInt<u64>` has its layout) that lives
        // until the call returns; C changes it only with `this_cpu_inc`, as Rust does.
        3 => unsafe { pcpu_bench_c_this_cpu_inc_dynamic(dynamic.ptr().as_raw().cast(), n) },
        4 => {
            for _ in 0..n {
                let mut guard = CpuGuard::new();
                // SAFETY: `PLAIN` is only used here, by one task per CPU at a time, with
                // preemption disabled; interrupt handlers do not touch it.
                unsafe { *PLAIN.get_mut(&mut guard).get_mut() += 1 };
                drop(guard);
            }
        }
        // SAFETY: The C loop takes any count.
        5 => unsafe { pcpu_bench_c_get_cpu_ptr(n) },
        6 => {
            for _ in 0..n {
                SHARED.fetch_add(1, Relaxed);
            }
        }
        7 => {
            for _ in 0..n {
                // SAFETY: A balanced pair around the operation.
                unsafe { pcpu_bench_c_preempt_disable() };
                COUNTER.add(1);
                // SAFETY: As above.
                unsafe { pcpu_bench_c_preempt_enable() };
            }
        }
        8 => {
            for _ in 0..n {
                if let Some(count) = ARRAY.at(INDEX.load(Relaxed) as usize) {
                    count.inc();
                }
            }
        }
        // SAFETY: The C loop takes any count.
        9 => unsafe { pcpu_bench_c_elem_inc(n) },
        _ => {
            for _ in 0..n {
                // Binder's `BinderStats::inc_bc` before the per-CPU patch.
                if let Some(count) = SHARED_ARRAY.get(INDEX.load(Relaxed) as usize) {
                    count.fetch_add(1, Relaxed);
                }
            }
        }
    }
}

const CASES: [&str; 11] = [
    "rust_this_cpu_inc_static",
    "rust_this_cpu_inc_dynamic",
    "c_this_cpu_inc",
    "c_this_cpu_inc_dynamic",
    "rust_guarded_inc",
    "c_get_cpu_ptr_inc",
    "shared_atomic_inc",
    "earlier_design_call_pair",
    "rust_elem_inc",
    "c_elem_inc",
    "shared_atomic_elem_inc",
];

struct Bench;

impl kernel::Module for Bench {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let dynamic = DynamicPerCpu::<LocalInt<u64>>::new_zeroed(GFP_KERNEL)?;

        // Calibration, not measured as a result: the first runs also translate the code under
        // QEMU. Each case gets the number of operations that lasts about `ROUND_NS`.
        let mut ops = [0u64; CASES.len()];
        for (case, name) in CASES.iter().enumerate() {
            run(case, &dynamic, CALIBRATION_OPS);
            smp::on_each_cpu(|_, _| run(case, &dynamic, CALIBRATION_OPS))?;
            let t0 = now();
            run(case, &dynamic, CALIBRATION_OPS);
            let ns = (now() - t0).max(1);
            ops[case] = (CALIBRATION_OPS * ROUND_NS / ns).max(CALIBRATION_OPS);
            pr_info!("calibrated case={name} ops={}\n", ops[case]);
        }

        // The cases take turns within each round, slice by slice, and a case is compared with
        // its C counterpart of the same round.
        for round in 0..ROUNDS {
            let mut one = [0u64; CASES.len()];
            let mut all = [0u64; CASES.len()];
            for _ in 0..SLICES {
                for case in 0..CASES.len() {
                    let n = ops[case] / SLICES;
                    // One CPU: this task, preemptible between operations like real code.
                    let t0 = now();
                    run(case, &dynamic, n);
                    one[case] += now() - t0;

                    // All CPUs at once: every online CPU runs the loop in `on_each_cpu` and
                    // overwrites its slot of `ELAPSED` (no CPU goes offline meanwhile).
                    smp::on_each_cpu(|_, _| {
                        let t0 = now();
                        run(case, &dynamic, n);
                        ELAPSED.store(now() - t0);
                    })?;
                    let cpus = ELAPSED.iter().filter(|(_, v)| v.read_once() != 0).count() as u64;
                    all[case] += ELAPSED.sum() / cpus.max(1);
                }
            }
            for (case, name) in CASES.iter().enumerate() {
                let n = ops[case] / SLICES * SLICES;
                let (one, all) = (one[case] * 1000 / n, all[case] * 1000 / n);
                pr_info!("result case={name} mode=one round={round} ps_per_op={one}\n");
                pr_info!("result case={name} mode=all round={round} ps_per_op={all}\n");
            }
        }
        pr_info!("done\n");
        Ok(Bench)
    }
}
