// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the per-CPU API.
//!
//! Cross-CPU cases run callbacks on every online CPU with `on_each_cpu`, which calls them in
//! interrupt context on the other CPUs; the callbacks record what they saw in atomics or
//! per-CPU integers, and the test thread asserts afterwards (KUnit cannot assert from other
//! contexts).

#[macros::kunit_tests(rust_kernel_percpu)]
mod tests {
    use super::super::*;
    use crate::{
        cpu::CpuId,
        cpumask,
        interrupt::local_interrupt_disable,
        prelude::*,
        smp::on_each_cpu,
        sync::atomic::{
            Atomic,
            Relaxed, //
        },
    };
    use core::cell::Cell;

    fn possible_count() -> u64 {
        u64::from(cpumask::possible_cpus().weight())
    }

    /// The value CPU `cpu` writes in the cross-CPU tests.
    fn mark(cpu: CpuId) -> u64 {
        u64::from(cpu.as_u32()) * 1000 + 7
    }

    define_per_cpu!(static WRITTEN: Atomic<u64> = Atomic::new(0));
    define_per_cpu!(static LAST_SEEN: Cell<u64> = Cell::new(0));
    define_per_cpu!(static INITIAL: Atomic<u32> = Atomic::new(0x5a5a));

    #[test]
    fn static_initial_value_on_every_cpu() {
        let mut n = 0;
        for (_, v) in INITIAL.iter() {
            assert_eq!(v.load(Relaxed), 0x5a5a);
            n += 1;
        }
        assert_eq!(n, possible_count());
    }

    #[test]
    fn static_written_by_every_cpu() -> Result {
        on_each_cpu(|cpu, irq| WRITTEN.get(irq).store(mark(cpu), Relaxed))?;
        for (cpu, v) in WRITTEN.iter() {
            if cpumask::online_cpus().test(cpu) {
                assert_eq!(v.load(Relaxed), mark(cpu));
                assert_eq!(WRITTEN.remote(cpu).map(|r| r.load(Relaxed)), Ok(mark(cpu)));
            }
        }
        Ok(())
    }

    #[test]
    fn cell_with_interrupts_off() -> Result {
        {
            let irq = local_interrupt_disable();
            LAST_SEEN.get_with_irq_off(&irq).set(1);
        }
        on_each_cpu(|cpu, irq| {
            let cell = LAST_SEEN.get_with_irq_off(irq);
            cell.set(cell.get() + mark(cpu));
        })?;
        // A `Cell` cannot be read remotely (it is not `Sync`): each CPU copies its own.
        on_each_cpu(|_, irq| {
            WRITTEN
                .get(irq)
                .store(LAST_SEEN.get_with_irq_off(irq).get(), Relaxed)
        })?;
        let guard = CpuGuard::new();
        let me = guard.cpu();
        drop(guard);
        for cpu in cpumask::online_cpus() {
            // The test thread's `set(1)` went to the CPU it ran on, which may differ from the
            // one it runs on now; only CPUs other than both were touched by the callbacks alone.
            let got = WRITTEN.remote(cpu).map(|r| r.load(Relaxed));
            assert!(got == Ok(mark(cpu)) || got == Ok(mark(cpu) + 1) || cpu == me);
        }
        Ok(())
    }

    #[test]
    fn guard_nests_and_pins() {
        let outer = CpuGuard::new();
        let cpu = outer.cpu();
        let inner = CpuGuard::new();
        let inner_cpu = inner.cpu();
        drop(inner);
        let after = outer.cpu();
        drop(outer);
        assert_eq!(inner_cpu, cpu);
        assert_eq!(after, cpu);
    }

    #[test]
    fn exclusive_access() {
        define_per_cpu!(static SCRATCH: [u32; 4] = [0; 4]);
        let mut guard = CpuGuard::new();
        // SAFETY: `SCRATCH` is local to this test and only ever accessed here, by this task, with
        // preemption disabled.
        let slot = unsafe { SCRATCH.get_mut(&mut guard) }.get_mut();
        slot[2] = 42;
        slot[3] = slot[2] + 1;
        let seen = SCRATCH.get(&guard)[3];
        let cpu = guard.cpu();
        drop(guard);
        assert_eq!(seen, 43);
        assert_eq!(SCRATCH.remote(cpu).map(|s| s[3]), Ok(43));
    }
}
