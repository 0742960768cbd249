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
        cpu::{
            nr_cpu_ids,
            CpuId, //
        },
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
    fn dynamic_written_by_every_cpu() -> Result {
        let var = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
        for (_, v) in var.iter() {
            assert_eq!(v.load(Relaxed), 0);
        }
        on_each_cpu(|cpu, irq| var.get(irq).store(mark(cpu), Relaxed))?;
        let mut sum = 0;
        for (cpu, v) in var.iter() {
            if cpumask::online_cpus().test(cpu) {
                assert_eq!(v.load(Relaxed), mark(cpu));
            }
            assert_eq!(var.remote(cpu)?.load(Relaxed), v.load(Relaxed));
            sum += v.load(Relaxed);
        }
        let expected: u64 = cpumask::online_cpus().iter().map(mark).sum();
        assert_eq!(sum, expected);
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
    fn zeroed_and_initialised() -> Result {
        let zeroed = DynamicPerCpu::<[u64; 16]>::new_zeroed(GFP_KERNEL)?;
        for (_, v) in zeroed.iter() {
            assert!(v.iter().all(|&x| x == 0));
        }
        let init = DynamicPerCpu::<[u32; 3]>::new_with(
            |cpu| Ok::<_, Error>([cpu.as_u32(), 0xfeed, cpu.as_u32() * 2]),
            GFP_KERNEL,
        )?;
        let mut n = 0;
        for (cpu, v) in init.iter() {
            assert_eq!(*v, [cpu.as_u32(), 0xfeed, cpu.as_u32() * 2]);
            n += 1;
        }
        assert_eq!(n, possible_count());
        Ok(())
    }

    /// Counts how many values of this type exist, to find leaks and double drops.
    struct Tracked<'a> {
        live: &'a Atomic<i64>,
        drops: &'a Atomic<i64>,
    }

    impl<'a> Tracked<'a> {
        fn new(live: &'a Atomic<i64>, drops: &'a Atomic<i64>) -> Self {
            live.fetch_add(1, Relaxed);
            Self { live, drops }
        }
    }

    impl Drop for Tracked<'_> {
        fn drop(&mut self) {
            self.live.fetch_sub(1, Relaxed);
            self.drops.fetch_add(1, Relaxed);
        }
    }

    #[test]
    fn drop_once_per_possible_cpu() -> Result {
        let live = Atomic::new(0i64);
        let drops = Atomic::new(0i64);
        let var = DynamicPerCpu::<Tracked<'_>>::new_with(
            |_| Ok::<_, Error>(Tracked::new(&live, &drops)),
            GFP_KERNEL,
        )?;
        let n = i64::try_from(possible_count())?;
        assert_eq!(live.load(Relaxed), n);
        assert_eq!(drops.load(Relaxed), 0);
        drop(var);
        assert_eq!(live.load(Relaxed), 0);
        assert_eq!(drops.load(Relaxed), n);
        Ok(())
    }

    #[test]
    fn failing_initializer_leaks_nothing() -> Result {
        let live = Atomic::new(0i64);
        let drops = Atomic::new(0i64);
        let last = cpumask::possible_cpus().iter().last().ok_or(EINVAL)?;
        let res = DynamicPerCpu::<Tracked<'_>>::new_with(
            |cpu| {
                if cpu == last {
                    Err(EBADMSG)
                } else {
                    Ok(Tracked::new(&live, &drops))
                }
            },
            GFP_KERNEL,
        );
        assert!(matches!(res, Err(e) if e == EBADMSG));
        // Every value that was made was dropped, once.
        assert_eq!(live.load(Relaxed), 0);
        assert_eq!(drops.load(Relaxed), i64::try_from(possible_count())? - 1);
        Ok(())
    }

    #[test]
    fn too_large_allocation_fails() {
        // The per-CPU allocator serves at most 32 KiB per CPU.
        let res = DynamicPerCpu::<[u8; 64 << 10]>::new_zeroed(GFP_KERNEL);
        assert!(res.is_err());
        let res =
            DynamicPerCpu::<[u8; 64 << 10]>::new_with(|_| pin_init::init_zeroed(), GFP_KERNEL);
        assert!(matches!(res, Err(e) if e == ENOMEM));
    }

    #[test]
    fn zero_sized_allocation() -> Result {
        let var = DynamicPerCpu::<()>::new_with(|_| Ok::<_, Error>(()), GFP_KERNEL)?;
        assert_eq!(var.iter().count(), cpumask::possible_cpus().iter().count());
        Ok(())
    }

    #[test]
    fn remote_checks_the_cpu() -> Result {
        let var = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
        // A `CpuId` is below `nr_cpu_ids`; among those, exactly the possible CPUs are accepted.
        for id in 0..nr_cpu_ids() {
            let cpu = CpuId::from_u32(id).ok_or(EINVAL)?;
            let possible = cpumask::possible_cpus().test(cpu);
            assert_eq!(var.remote(cpu).is_ok(), possible);
            assert_eq!(var.ptr().per_cpu_ptr(cpu).is_ok(), possible);
        }
        assert!(CpuId::from_u32(nr_cpu_ids()).is_none());
        Ok(())
    }

    #[test]
    fn local_and_remote_agree() -> Result {
        let var = DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?;
        let guard = CpuGuard::new();
        var.get(&guard).store(99, Relaxed);
        let local = core::ptr::from_ref(var.get(&guard));
        let remote = core::ptr::from_ref(var.remote(guard.cpu())?);
        let raw = var.ptr().this_cpu_ptr().cast_const();
        drop(guard);
        assert_eq!(local, remote);
        assert_eq!(raw, remote);
        // SAFETY: `remote` is a valid reference derived above; `var` is still alive.
        assert_eq!(unsafe { &*remote }.load(Relaxed), 99);
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
