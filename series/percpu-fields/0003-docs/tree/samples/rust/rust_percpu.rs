// SPDX-License-Identifier: GPL-2.0

//! Rust per-CPU variables sample.
//!
//! Counts events in a static per-CPU counter with `this_cpu` operations, keeps per-CPU
//! statistics of a type that owns memory in a dynamic per-CPU variable, keeps a network
//! driver's packet statistics in a per-CPU struct updated one field at a time, does work on
//! every CPU, and checks the per-CPU values and their sums before printing them.

use kernel::{
    cpu::CpuId,
    cpumask,
    percpu::{
        define_per_cpu,
        percpu_field,
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

/// Packet statistics as a network driver keeps them, one copy per CPU: each CPU updates its own
/// fields with `this_cpu` operations, and readers sum them.
#[derive(Zeroable)]
struct NetStats {
    rx_packets: LocalInt<u64>,
    rx_bytes: LocalInt<u64>,
    tx_packets: LocalInt<u64>,
    tx_bytes: LocalInt<u64>,
    /// Dropped packets, by reason.
    drops: [LocalInt<u32>; DROP_REASONS],
}

/// The number of drop reasons the sample counts.
const DROP_REASONS: usize = 4;

struct RustPercpu {
    stats: DynamicPerCpu<CpuStats>,
    net: DynamicPerCpu<NetStats>,
}

impl RustPercpu {
    /// Counts a received packet of `len` bytes: `this_cpu_inc(stats->rx_packets)` and
    /// `this_cpu_add(stats->rx_bytes, len)` in C.
    fn received(&self, len: u64) {
        percpu_field!(self.net, NetStats, rx_packets).inc();
        percpu_field!(self.net, NetStats, rx_bytes).add(len);
    }

    /// Counts a sent packet of `len` bytes.
    fn sent(&self, len: u64) {
        percpu_field!(self.net, NetStats, tx_packets).inc();
        percpu_field!(self.net, NetStats, tx_bytes).add(len);
    }

    /// Counts a dropped packet; a reason out of range is not counted.
    fn dropped(&self, reason: usize) {
        if let Some(count) = percpu_field!(self.net, NetStats, drops).at(reason) {
            count.inc();
        }
    }
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

        let this = RustPercpu {
            stats,
            net: DynamicPerCpu::new_zeroed(GFP_KERNEL)?,
        };
        let stats = &this.stats;

        // One event on whichever CPU runs this.
        EVENTS.inc();

        // Work on every online CPU, in parallel, each on its own slots: CPU `n` receives `n + 1`
        // packets of 100 bytes, sends one of 60 bytes and drops one for reason `n % 4`.
        smp::on_each_cpu(|cpu, irq| {
            EVENTS.add(2);
            stats.get(irq).work.fetch_add(work_of(cpu), Relaxed);
            for _ in 0..work_of(cpu) {
                this.received(100);
            }
            this.sent(60);
            this.dropped(cpu.as_u32() as usize % DROP_REASONS);
            // Out of range: not counted, and no memory touched.
            this.dropped(DROP_REASONS);
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

        // The packet statistics: each field summed over the CPUs.
        let rx_packets = percpu_field!(this.net, NetStats, rx_packets).sum();
        let rx_bytes = percpu_field!(this.net, NetStats, rx_bytes).sum();
        let tx_packets = percpu_field!(this.net, NetStats, tx_packets).sum();
        let tx_bytes = percpu_field!(this.net, NetStats, tx_bytes).sum();
        let drops = percpu_field!(this.net, NetStats, drops);
        let mut dropped = 0;
        for reason in 0..DROP_REASONS {
            let n = drops.at(reason).map_or(0, |c| c.sum());
            let expected = online
                .iter()
                .filter(|cpu| cpu.as_u32() as usize % DROP_REASONS == reason)
                .count();
            ok &= n as usize == expected;
            dropped += n;
        }
        pr_info!(
            "packets: rx {} ({} bytes), tx {} ({} bytes), dropped {}\n",
            rx_packets,
            rx_bytes,
            tx_packets,
            tx_bytes,
            dropped
        );
        let online_count = u64::from(online.weight());
        ok &= rx_packets == expected_work && rx_bytes == 100 * expected_work;
        ok &= tx_packets == online_count && tx_bytes == 60 * online_count;
        ok &= u64::from(dropped) == online_count;

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
