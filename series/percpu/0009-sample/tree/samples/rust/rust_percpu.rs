// SPDX-License-Identifier: GPL-2.0

//! Rust per-CPU variables sample.
//!
//! Counts events in a static per-CPU counter with `this_cpu` operations, keeps per-CPU
//! statistics of a type that owns memory in a dynamic per-CPU variable, does work on every CPU,
//! and checks the per-CPU values and their sums before printing them.

use kernel::{
    cpu::CpuId,
    cpumask,
    percpu::{
        define_per_cpu,
        CpuGuard,
        DynamicPerCpu,
        LocalInt,
        PerCpu,
        ThisCpuOps, //
    },
    prelude::*,
    smp,
    str::CString,
    sync::atomic::{
        Atomic,
        Relaxed, //
    },
};

module! {
    type: RustPercpu,
    name: "rust_percpu",
    authors: ["Rust for Linux Contributors"],
    description: "Rust per-CPU variables sample",
    license: "GPL",
}

// One counter per CPU, bumped without locks or atomics.
define_per_cpu!(static EVENTS: LocalInt<u64> = LocalInt::new(0));

/// Statistics one CPU keeps about the work it did.
struct CpuStats {
    /// A name made when the module loads; it owns memory, which is freed at unload.
    label: CString,
    /// Units of work done on this CPU.
    work: Atomic<u64>,
}

struct RustPercpu {
    stats: DynamicPerCpu<CpuStats>,
}

/// The work CPU `cpu` does in this sample: a number that tells CPUs apart.
fn work_of(cpu: CpuId) -> u64 {
    u64::from(cpu.as_u32()) + 1
}

impl kernel::Module for RustPercpu {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        pr_info!("Rust per-CPU variables sample (init)\n");

        let stats = DynamicPerCpu::<CpuStats>::new_with(
            |cpu| -> Result<CpuStats> {
                Ok(CpuStats {
                    label: CString::try_from_fmt(fmt!("cpu{}", cpu.as_u32()))?,
                    work: Atomic::new(0),
                })
            },
            GFP_KERNEL,
        )?;

        let this = RustPercpu { stats };
        let stats = &this.stats;

        // One event on whichever CPU runs this.
        EVENTS.inc();

        // Work on every online CPU, in parallel, each on its own slots.
        smp::on_each_cpu(|cpu, irq| {
            EVENTS.add(2);
            stats.get(irq).work.fetch_add(work_of(cpu), Relaxed);
        })?;

        // Guarded access from this task: the slot of the CPU it runs on.
        let guard = CpuGuard::new();
        let local = stats.get(&guard);
        pr_info!("running on {}\n", local.label.to_str()?);
        drop(guard);

        let online = cpumask::online_cpus();
        pr_info!("cpu  label  events  work\n");
        let mut ok = true;
        let mut work_total = 0;
        for (cpu, s) in stats.iter() {
            let events = EVENTS.remote(cpu)?.read_once();
            let work = s.work.load(Relaxed);
            pr_info!(
                "{:3}  {:5}  {:6}  {:4}\n",
                cpu.as_u32(),
                s.label.to_str()?,
                events,
                work
            );
            let expected = if online.test(cpu) { work_of(cpu) } else { 0 };
            ok &= work == expected;
            let label = CString::try_from_fmt(fmt!("cpu{}", cpu.as_u32()))?;
            ok &= s.label.to_str()? == label.to_str()?;
            work_total += work;
        }

        let events = EVENTS.sum();
        let expected_events = 1 + 2 * u64::from(online.weight());
        let expected_work: u64 = online.iter().map(work_of).sum();
        pr_info!(
            "sum over {} possible CPUs: events {} (expected {}), work {} (expected {})\n",
            cpumask::possible_cpus().weight(),
            events,
            expected_events,
            work_total,
            expected_work
        );
        ok &= events == expected_events && work_total == expected_work;

        if !ok {
            pr_err!("per-CPU values are not what the CPUs wrote\n");
            return Err(EINVAL);
        }
        pr_info!("all checks passed\n");
        Ok(this)
    }
}

impl Drop for RustPercpu {
    fn drop(&mut self) {
        pr_info!(
            "Rust per-CPU variables sample (exit): {} events, {} per-CPU statistics freed\n",
            EVENTS.sum(),
            self.stats.iter().count()
        );
    }
}
