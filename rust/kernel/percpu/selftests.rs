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
        cpumask, impl_has_hr_timer,
        interrupt::local_interrupt_disable,
        prelude::*,
        smp::on_each_cpu,
        sync::{
            atomic::{
                Atomic,
                Relaxed, //
            },
            Arc,
            ArcBorrow, //
        },
        time::{
            hrtimer::{
                ArcHrTimerHandle,
                HrTimer,
                HrTimerCallback,
                HrTimerCallbackContext,
                HrTimerPointer,
                HrTimerRestart,
                RelativePinnedHardMode, //
            },
            Delta,
            Monotonic, //
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

    /// Checks every `this_cpu` operation for the integer type `$t` on a static and on a dynamic
    /// per-CPU variable. (`#[test]` functions cannot come from a macro: `#[kunit_tests]` only
    /// sees the ones written out.)
    macro_rules! ops_case {
        ($t:ty) => {{
            define_per_cpu!(static S: LocalInt<$t> = LocalInt::new(<$t>::MAX));
            let d = DynamicPerCpu::<LocalInt<$t>>::new_zeroed(GFP_KERNEL)?;
            check_ops::<$t, _>(&S)?;
            check_ops::<$t, _>(&d)?;
            Ok(())
        }};
    }

    /// Runs every operation with preemption disabled, so that all act on the same CPU's slot.
    ///
    /// A failed KUnit assertion ends the test thread at once, which would leave preemption
    /// disabled; so the checks under the guard only record the lines that failed, and the
    /// assertion comes after the guard is gone.
    fn check_ops<T, P>(var: &P) -> Result<CpuId>
    where
        T: PerCpuInteger + PartialEq + core::fmt::Debug + OpsTestInt,
        P: ThisCpuOps<T>,
    {
        let mut failed = [0u32; 8];
        let mut nfailed = 0;
        macro_rules! check {
            ($cond:expr) => {
                if !$cond {
                    if nfailed < failed.len() {
                        failed[nfailed] = line!();
                    }
                    nfailed += 1;
                }
            };
        }
        let guard = CpuGuard::new();
        let (zero, one, max, min) = (T::ZERO, T::ONE, T::MAX_, T::MIN_);

        var.store(max);
        check!(var.load() == max);
        var.inc();
        // inc wraps around at MAX.
        check!(var.load() == min);
        var.dec();
        // dec wraps around at MIN.
        check!(var.load() == max);
        var.add(one);
        // add wraps around.
        check!(var.load() == min);
        var.sub(one);
        // sub wraps around.
        check!(var.load() == max);

        var.store(T::from_u8(0b1100));
        var.and(T::from_u8(0b1010));
        check!(var.load() == T::from_u8(0b1000));
        var.or(T::from_u8(0b0011));
        check!(var.load() == T::from_u8(0b1011));

        var.store(T::from_u8(40));
        check!(var.fetch_add(T::from_u8(2)) == T::from_u8(40));
        check!(var.load() == T::from_u8(42));
        var.store(max);
        check!(var.fetch_add(one) == max);
        check!(var.load() == min);

        check!(var.xchg(T::from_u8(7)) == min);
        check!(var.load() == T::from_u8(7));

        // cmpxchg: success returns `Ok` with the old value and stores; failure returns `Err` with
        // the current one.
        check!(var.cmpxchg(T::from_u8(7), T::from_u8(9)) == Ok(T::from_u8(7)));
        check!(var.load() == T::from_u8(9));
        check!(var.cmpxchg(T::from_u8(7), T::from_u8(11)) == Err(T::from_u8(9)));
        check!(var.load() == T::from_u8(9));

        let mut old = T::from_u8(9);
        check!(var.try_cmpxchg(&mut old, T::from_u8(5)));
        check!(old == T::from_u8(9));
        check!(var.load() == T::from_u8(5));
        let mut old = T::from_u8(9);
        check!(!var.try_cmpxchg(&mut old, T::from_u8(6)));
        // failure reports the current value.
        check!(old == T::from_u8(5));
        check!(var.load() == T::from_u8(5));

        // The operations reached this CPU's slot and nothing else.
        let cpu = guard.cpu();
        let here = var.load();
        var.store(zero);
        drop(guard);
        if nfailed != 0 {
            pr_err!(
                "check_ops: failed checks at lines {:?}\n",
                &failed[..nfailed.min(8)]
            );
        }
        assert_eq!(nfailed, 0);
        assert_eq!(here, T::from_u8(5));
        // The operations reached this CPU's slot: reading it remotely gives what they left
        // (the final write happened on the same CPU).
        assert_eq!(var.remote(cpu)?.read_once(), zero);
        Ok(cpu)
    }

    /// What `check_ops` needs to know of an integer type.
    trait OpsTestInt: Copy {
        const ZERO: Self;
        const ONE: Self;
        const MAX_: Self;
        const MIN_: Self;
        fn from_u8(v: u8) -> Self;
    }

    macro_rules! ops_test_int {
        ($($t:ty),*) => {
            $(
                impl OpsTestInt for $t {
                    const ZERO: Self = 0;
                    const ONE: Self = 1;
                    const MAX_: Self = <$t>::MAX;
                    const MIN_: Self = <$t>::MIN;
                    #[allow(
                        clippy::unnecessary_fallible_conversions,
                        reason = "one body for all types, and `i8` has no `From<u8>`"
                    )]
                    fn from_u8(v: u8) -> Self {
                        // The tests use values below 128 only, which every type holds, so the
                        // conversion never fails.
                        <$t>::try_from(v).unwrap_or(<$t>::MAX)
                    }
                }
            )*
        };
    }
    ops_test_int!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

    #[test]
    fn ops_u8() -> Result {
        ops_case!(u8)
    }

    #[test]
    fn ops_u16() -> Result {
        ops_case!(u16)
    }

    #[test]
    fn ops_u32() -> Result {
        ops_case!(u32)
    }

    #[test]
    fn ops_u64() -> Result {
        ops_case!(u64)
    }

    #[test]
    fn ops_usize() -> Result {
        ops_case!(usize)
    }

    #[test]
    fn ops_i8() -> Result {
        ops_case!(i8)
    }

    #[test]
    fn ops_i16() -> Result {
        ops_case!(i16)
    }

    #[test]
    fn ops_i32() -> Result {
        ops_case!(i32)
    }

    #[test]
    fn ops_i64() -> Result {
        ops_case!(i64)
    }

    #[test]
    fn ops_isize() -> Result {
        ops_case!(isize)
    }

    /// A value with a field of every width, arrays, nested arrays and a nested struct, for the
    /// tests of fields and elements. `repr(Rust)`: the compiler picks the layout.
    #[derive(Zeroable)]
    struct Mixed {
        u8_: LocalInt<u8>,
        i8_: LocalInt<i8>,
        u16_: LocalInt<u16>,
        i16_: LocalInt<i16>,
        u32_: LocalInt<u32>,
        i32_: LocalInt<i32>,
        u64_: LocalInt<u64>,
        i64_: LocalInt<i64>,
        usize_: LocalInt<usize>,
        isize_: LocalInt<isize>,
        arr: [LocalInt<u32>; 5],
        grid: [[LocalInt<u16>; 3]; 2],
        inner: Inner,
        wide: [LocalInt<u64>; 2],
        signed: [LocalInt<i32>; 3],
    }

    #[derive(Zeroable)]
    struct Inner {
        x: LocalInt<u64>,
        y: [LocalInt<u8>; 7],
    }

    define_per_cpu!(static MIXED: Mixed = Mixed {
        u8_: LocalInt::new(0),
        i8_: LocalInt::new(0),
        u16_: LocalInt::new(0),
        i16_: LocalInt::new(0),
        u32_: LocalInt::new(0),
        i32_: LocalInt::new(0),
        u64_: LocalInt::new(0),
        i64_: LocalInt::new(0),
        usize_: LocalInt::new(0),
        isize_: LocalInt::new(0),
        arr: [const { LocalInt::new(0) }; 5],
        grid: [const { [const { LocalInt::new(0) }; 3] }; 2],
        inner: Inner {
            x: LocalInt::new(0),
            y: [const { LocalInt::new(0) }; 7],
        },
        wide: [const { LocalInt::new(0) }; 2],
        signed: [const { LocalInt::new(0) }; 3],
    });

    /// The value field `field` holds on `cpu` in `check_fields`: distinct for the fields of one
    /// CPU and below 128, so that it fits every width.
    fn pattern(field: u8, cpu: CpuId) -> u8 {
        // At most 32 fields; CPUs beyond the fourth share patterns, which only weakens the
        // check between them.
        (field * 4 + (cpu.as_u32() % 4) as u8) & 0x7f
    }

    /// Expands `$do!(index, handle)` for every field and a few elements of the `Mixed` variable
    /// `$v`, returning the error of any that fails. The elements are the first and last of
    /// each array, ones of the nested arrays and struct, and elements of `u64` and `i32`.
    macro_rules! each_field {
        ($v:expr, $do:ident) => {{
            let arr = percpu_field!($v, Mixed, arr);
            let grid = percpu_field!($v, Mixed, grid);
            let y = percpu_field!($v, Mixed, inner.y);
            $do!(0, percpu_field!($v, Mixed, u8_));
            $do!(1, percpu_field!($v, Mixed, i8_));
            $do!(2, percpu_field!($v, Mixed, u16_));
            $do!(3, percpu_field!($v, Mixed, i16_));
            $do!(4, percpu_field!($v, Mixed, u32_));
            $do!(5, percpu_field!($v, Mixed, i32_));
            $do!(6, percpu_field!($v, Mixed, u64_));
            $do!(7, percpu_field!($v, Mixed, i64_));
            $do!(8, percpu_field!($v, Mixed, usize_));
            $do!(9, percpu_field!($v, Mixed, isize_));
            $do!(10, arr.at(0).ok_or(EINVAL)?);
            $do!(11, arr.at(2).ok_or(EINVAL)?);
            $do!(12, arr.at(4).ok_or(EINVAL)?);
            $do!(13, grid.at(0).and_then(|r| r.at(0)).ok_or(EINVAL)?);
            $do!(14, grid.at(0).and_then(|r| r.at(2)).ok_or(EINVAL)?);
            $do!(15, grid.at(1).and_then(|r| r.at(0)).ok_or(EINVAL)?);
            $do!(16, grid.at(1).and_then(|r| r.at(2)).ok_or(EINVAL)?);
            $do!(17, percpu_field!($v, Mixed, inner.x));
            $do!(18, y.at(0).ok_or(EINVAL)?);
            $do!(19, y.at(6).ok_or(EINVAL)?);
            $do!(20, percpu_field!($v, Mixed, wide).at(1).ok_or(EINVAL)?);
            $do!(21, percpu_field!($v, Mixed, signed).at(2).ok_or(EINVAL)?);
        }};
    }

    /// Writes every field's pattern on every online CPU, then for each field in turn runs all
    /// operations on it (`check_ops`, which leaves it zero on the CPU it ran on) and checks that
    /// this changed that field on that CPU and nothing else: every field and element reaches
    /// its own bytes, at the offset and index the compiler chose.
    fn check_fields<V>(v: &V) -> Result
    where
        V: crate::percpu::field::private::PerCpuBase<Item = Mixed> + Sync,
    {
        macro_rules! fill {
            ($i:expr, $h:expr) => {{
                let h = $h;
                on_each_cpu(|cpu, _| h.store(OpsTestInt::from_u8(pattern($i, cpu))))?
            }};
        }
        each_field!(*v, fill);
        // The field and the CPU that `check_ops` last changed.
        let mut changed: (u8, CpuId);
        macro_rules! verify {
            ($i:expr, $h:expr) => {
                let h = $h;
                for cpu in cpumask::online_cpus().iter() {
                    let expected = if changed == ($i, cpu) {
                        0
                    } else {
                        pattern($i, cpu)
                    };
                    assert_eq!(h.remote(cpu)?.read_once(), OpsTestInt::from_u8(expected));
                }
            };
        }
        macro_rules! ops_then_verify {
            ($i:expr, $h:expr) => {{
                let h = $h;
                let cpu = check_ops(&h)?;
                changed = ($i, cpu);
                each_field!(*v, verify);
                // Restore the pattern on every CPU for the next field.
                fill!($i, h);
            }};
        }
        each_field!(*v, ops_then_verify);
        Ok(())
    }

    #[test]
    fn fields_and_elements_of_static() -> Result {
        check_fields(&MIXED)
    }

    #[test]
    fn fields_and_elements_of_dynamic() -> Result {
        let d = DynamicPerCpu::<Mixed>::new_zeroed(GFP_KERNEL)?;
        check_fields(&d)
    }

    #[test]
    fn fields_agree_with_the_whole_value() -> Result {
        // The field handles and a reference to the whole value see the same memory.
        let d = DynamicPerCpu::<Mixed>::new_zeroed(GFP_KERNEL)?;
        let guard = CpuGuard::new();
        percpu_field!(d, Mixed, inner.x).store(77);
        if let Some(e) = percpu_field!(d, Mixed, grid).at(1).and_then(|r| r.at(1)) {
            e.store(0x1234);
        }
        let whole = d.get(&guard);
        let (x, g) = (whole.inner.x.read_once(), whole.grid[1][1].read_once());
        drop(guard);
        assert_eq!(x, 77);
        assert_eq!(g, 0x1234);
        Ok(())
    }

    define_per_cpu!(static ARRAY: [LocalInt<u32>; 3] = [const { LocalInt::new(0) }; 3]);

    #[test]
    fn out_of_range_indices() -> Result {
        // An index out of range gives `None` and touches nothing.
        assert!(ARRAY.at(3).is_none());
        assert!(ARRAY.at(usize::MAX).is_none());
        assert!(percpu_field!(MIXED, Mixed, arr).at(5).is_none());
        assert!(percpu_field!(MIXED, Mixed, grid).at(2).is_none());
        assert!(percpu_field!(MIXED, Mixed, grid)
            .at(1)
            .and_then(|r| r.at(3))
            .is_none());
        assert!(percpu_field!(MIXED, Mixed, inner.y).at(7).is_none());
        let d = DynamicPerCpu::<[[LocalInt<u64>; 2]; 4]>::new_zeroed(GFP_KERNEL)?;
        assert!(d.at(4).is_none());
        assert!(d.at(3).and_then(|r| r.at(2)).is_none());
        assert!(d.at(usize::MAX / 2 + 1).is_none());
        // In range: the last ones, and the index of a nested element counts the inner array.
        assert_eq!(ARRAY.at(2).map(|e| e.index()), Some(2));
        assert_eq!(d.at(3).and_then(|r| r.at(1)).map(|e| e.index()), Some(7));
        if let Some(e) = d.at(3).and_then(|r| r.at(1)) {
            e.add(5);
        }
        let total: u64 = d.iter().map(|(_, v)| v[3][1].read_once()).sum();
        assert_eq!(total, 5);
        assert_eq!(d.at(3).and_then(|r| r.at(1)).map(|e| e.sum()), Some(5));
        Ok(())
    }

    /// The element `counts_while_others_count` counts in.
    const SUMMED: usize = 1;

    #[test]
    fn sums_while_other_cpus_count() -> Result {
        // Every other online CPU adds `ROUNDS` to an element (in interrupt context), while this
        // CPU sums it in a loop: each sum lies between the last one and the final total (every
        // CPU's count only grows), and the total is exact once they are done.
        const ROUNDS: u64 = 20_000;
        const MAX_SUMS: u32 = 200_000;
        let d = DynamicPerCpu::<[LocalInt<u64>; 3]>::new_zeroed(GFP_KERNEL)?;
        let elem = d.at(SUMMED).ok_or(EINVAL)?;
        let others = u64::from(cpumask::online_cpus().weight()) - 1;
        let total = ROUNDS * others;
        let (bad, sums, partial) = (Atomic::new(0u32), Atomic::new(0u32), Atomic::new(0u32));
        let guard = CpuGuard::new();
        let me = guard.cpu();
        let ret = on_each_cpu(|cpu, _| {
            if cpu != me {
                for _ in 0..ROUNDS {
                    elem.inc();
                }
                return;
            }
            let mut last = 0;
            for _ in 0..MAX_SUMS {
                let s = elem.sum();
                if s < last || s > total {
                    bad.fetch_add(1, Relaxed);
                }
                if s != 0 && s != total {
                    partial.fetch_add(1, Relaxed);
                }
                sums.fetch_add(1, Relaxed);
                last = s;
                if s == total {
                    break;
                }
            }
        });
        drop(guard);
        ret?;
        pr_info!(
            "{} sums, {} of them while other CPUs counted\n",
            sums.load(Relaxed),
            partial.load(Relaxed)
        );
        assert_eq!(bad.load(Relaxed), 0);
        assert_eq!(elem.sum(), total);
        // The other elements stayed zero.
        assert_eq!(d.at(0).map(|e| e.sum()), Some(0));
        assert_eq!(d.at(2).map(|e| e.sum()), Some(0));
        Ok(())
    }

    define_per_cpu!(static IRQ_COUNTER: LocalInt<u64> = LocalInt::new(0));

    #[test]
    fn sum_counts_every_increment() -> Result {
        // This task adds `mine`, then every online CPU adds `rounds` in interrupt context.
        let rounds: u64 = 1000;
        let before = IRQ_COUNTER.sum();
        let mine = 5000u64;
        for _ in 0..mine {
            IRQ_COUNTER.inc();
        }
        on_each_cpu(|_, _| {
            for _ in 0..rounds {
                IRQ_COUNTER.inc();
            }
        })?;
        let online = u64::from(cpumask::online_cpus().weight());
        assert_eq!(
            IRQ_COUNTER.sum().wrapping_sub(before),
            mine + rounds * online
        );
        Ok(())
    }

    define_per_cpu!(static RACE: LocalInt<u64> = LocalInt::new(0));
    /// Counts by kind; the interrupt test increments `by_kind[RACE_KIND]`.
    struct RaceStats {
        _other: LocalInt<u32>,
        by_kind: [LocalInt<u64>; 4],
    }
    const RACE_KIND: usize = 2;
    define_per_cpu!(static RACE_STATS: RaceStats = RaceStats {
        _other: LocalInt::new(0),
        by_kind: [const { LocalInt::new(0) }; 4],
    });

    /// The element of `RACE_STATS` that the interrupt test increments.
    fn race_elem() -> impl ThisCpuOps<u64> {
        // `RACE_KIND` is in range (a constant: the compiler removes the check).
        percpu_field!(RACE_STATS, RaceStats, by_kind)
            .at(RACE_KIND)
            .unwrap_or_else(|| unreachable!())
    }
    // 1 on the CPU where `interrupts_do_not_lose_increments` runs its loop, while it does.
    define_per_cpu!(static LOOPING: LocalInt<u32> = LocalInt::new(0));
    const TICK: Delta = Delta::from_micros(20);
    const MIN_HITS: u64 = 50;
    const CHUNK: u64 = 100_000;
    const MAX_ROUNDS: u64 = 2_000_000_000;
    const MAX_MOVES: u32 = 1000;

    /// A timer that increments `RACE` in hard interrupt context on the CPU it is pinned to.
    #[pin_data]
    struct Ticker {
        #[pin]
        timer: HrTimer<Self>,
        /// How often the handler ran.
        ticks: Atomic<u64>,
        /// How often the handler interrupted the test's loop.
        hits: Atomic<u64>,
    }

    impl HrTimerCallback for Ticker {
        type Pointer<'a> = Arc<Self>;

        fn run(
            this: ArcBorrow<'_, Self>,
            mut ctx: HrTimerCallbackContext<'_, Self>,
        ) -> HrTimerRestart {
            RACE.inc();
            race_elem().inc();
            this.ticks.fetch_add(1, Relaxed);
            if LOOPING.load() != 0 {
                this.hits.fetch_add(1, Relaxed);
            }
            // Without high-resolution timers this is the next tick.
            ctx.forward_now(TICK);
            HrTimerRestart::Restart
        }
    }

    impl_has_hr_timer! {
        impl HasHrTimer<Self> for Ticker {
            mode: RelativePinnedHardMode<Monotonic>, field: self.timer
        }
    }

    #[test]
    fn interrupts_do_not_lose_increments() -> Result {
        // A timer pinned to this task's CPU interrupts it (every 20 us, or every tick without
        // high-resolution timers) and increments the same per-CPU counter that the task
        // increments in a loop. A `this_cpu` operation that an interrupt could split (load,
        // add, store) would lose increments; the sum must count every one.
        let ticker = Arc::pin_init(
            pin_init!(Ticker {
                timer <- HrTimer::new(),
                ticks: Atomic::new(0),
                hits: Atomic::new(0),
            }),
            GFP_KERNEL,
        )?;
        let before = RACE.sum();
        let before_elem = race_elem().sum();
        let mut handle: Option<ArcHrTimerHandle<Ticker>> = None;
        let mut timer_cpu = None;
        let (mut rounds, mut moves) = (0u64, 0u32);
        // Run until the timer interrupted the loop often enough, within a bound.
        while ticker.hits.load(Relaxed) < MIN_HITS && rounds < MAX_ROUNDS && moves < MAX_MOVES {
            // Chunks run with preemption off, so that the task stays on the timer's CPU.
            let guard = CpuGuard::new();
            if timer_cpu == Some(guard.cpu()) {
                LOOPING.store(1);
                for _ in 0..CHUNK {
                    RACE.inc();
                    race_elem().inc();
                }
                LOOPING.store(0);
                drop(guard);
                rounds += CHUNK;
            } else {
                // The first chunk, or the task moved: pin the timer to the CPU it is on now.
                drop(guard);
                // Dropping the handle cancels the timer and waits for a running handler.
                drop(handle.take());
                let guard = CpuGuard::new();
                timer_cpu = Some(guard.cpu());
                handle = Some(ticker.clone().start(TICK));
                drop(guard);
                moves += 1;
            }
        }
        drop(handle);
        let ticks = ticker.ticks.load(Relaxed);
        let hits = ticker.hits.load(Relaxed);
        pr_info!("{ticks} timer interrupts, {hits} of them in the loop of {rounds} increments\n");
        assert!(hits >= MIN_HITS);
        assert_eq!(RACE.sum().wrapping_sub(before), rounds + ticks);
        // The same for an element of an array field, whose instruction carries the index.
        assert_eq!(race_elem().sum().wrapping_sub(before_elem), rounds + ticks);
        Ok(())
    }
}

/// A stress case with CPU hotplug, in a suite of its own behind its own option (it takes CPUs
/// offline, which `KUNIT_ALL_TESTS` should not do), so that it can also be run alone
/// (`make test SUITE=rust_kernel_percpu_stress`).
#[cfg(CONFIG_RUST_PERCPU_STRESS_KUNIT_TEST)]
#[macros::kunit_tests(rust_kernel_percpu_stress)]
mod stress {
    use super::super::*;
    use crate::{
        cpu::CpuId,
        cpumask,
        prelude::*,
        smp::on_each_cpu,
        sync::{
            atomic::{
                Atomic,
                Relaxed, //
            },
            Arc,
        },
        time::{
            delay::fsleep,
            Delta, //
        },
        workqueue,
    };

    define_per_cpu!(static OPS: LocalInt<u64> = LocalInt::new(0));
    static IPI_RUNS: Atomic<u64> = Atomic::new(0);
    static DONE: Atomic<u64> = Atomic::new(0);
    static STOP: Atomic<i32> = Atomic::new(0);
    static WORK: Atomic<u64> = Atomic::new(0);
    static ALLOCS: Atomic<i64> = Atomic::new(0);
    static LIVE: Atomic<i64> = Atomic::new(0);
    static DROPS: Atomic<i64> = Atomic::new(0);

    /// A value that counts how many of its kind exist and were dropped.
    struct Counted;

    impl Counted {
        fn new() -> Self {
            LIVE.fetch_add(1, Relaxed);
            Counted
        }
    }

    impl Drop for Counted {
        fn drop(&mut self) {
            LIVE.fetch_sub(1, Relaxed);
            DROPS.fetch_add(1, Relaxed);
        }
    }

    /// Rounds of interrupts on every CPU; every tenth takes a CPU offline or brings it back.
    const ROUNDS: u32 = 200;

    /// Takes `cpu` offline or brings it back; returns whether it happened.
    ///
    /// Must be called from task context: hotplug sleeps.
    fn set_online(cpu: CpuId, online: bool) -> bool {
        // SAFETY: `get_cpu_device` accepts any CPU number; it returns NULL for a CPU without a
        // registered device.
        if unsafe { bindings::get_cpu_device(cpu.as_u32()) }.is_null() {
            return false;
        }
        let ret = if online {
            // SAFETY: `cpu` has a registered device (checked above), which `add_cpu` passes to
            // `device_online` under the device hotplug lock; only the physical removal of a CPU
            // unregisters it, which this test does not do. This is task context.
            unsafe { bindings::add_cpu(cpu.as_u32()) }
        } else {
            // SAFETY: As above, for `remove_cpu` and `device_offline`.
            unsafe { bindings::remove_cpu(cpu.as_u32()) }
        };
        ret == 0
    }

    #[test]
    fn counts_survive_hotplug_and_interrupts() -> Result {
        // One worker per online CPU increments a static per-CPU counter with `this_cpu`
        // operations and a dynamic one through a guard, and allocates and drops per-CPU
        // variables now and then; meanwhile this task interrupts every online CPU with
        // `on_each_cpu` (which increments the static counter too) and takes CPUs offline and
        // back online. At the end the sums over the possible CPUs must be exact.
        let guarded = Arc::new(
            DynamicPerCpu::new_with(|_| Atomic::new(0u64), GFP_KERNEL)?,
            GFP_KERNEL,
        )?;
        let before = OPS.sum();
        STOP.store(0, Relaxed);
        for a in [&IPI_RUNS, &DONE, &WORK] {
            a.store(0, Relaxed);
        }
        for a in [&ALLOCS, &LIVE, &DROPS] {
            a.store(0, Relaxed);
        }
        let workers = u64::from(cpumask::online_cpus().weight());
        for _ in 0..workers {
            let g = guarded.clone();
            workqueue::system_unbound().try_spawn(GFP_KERNEL, move || {
                let mut i = 0u64;
                while STOP.load(Relaxed) == 0 {
                    i += 1;
                    OPS.inc();
                    let guard = CpuGuard::new();
                    g.get(&guard).fetch_add(1, Relaxed);
                    drop(guard);
                    if i % 20_000 == 1 {
                        let v = DynamicPerCpu::<Counted>::new_with(
                            |_| Ok::<_, Error>(Counted::new()),
                            GFP_KERNEL,
                        );
                        if v.is_ok() {
                            ALLOCS.fetch_add(1, Relaxed);
                        }
                    }
                }
                WORK.fetch_add(i, Relaxed);
                DONE.fetch_add(1, Relaxed);
            })?;
        }

        let mut offline: Option<(CpuId, u64)> = None;
        let mut offline_changed = 0;
        let mut hotplugs = 0;
        for round in 0..ROUNDS {
            on_each_cpu(|_, _| {
                OPS.inc();
                IPI_RUNS.fetch_add(1, Relaxed);
            })?;
            if round % 10 == 0 {
                if let Some((cpu, seen)) = offline.take() {
                    // Nothing runs on an offline CPU: its value stayed as it was.
                    if OPS.remote(cpu)?.read_once() != seen {
                        offline_changed += 1;
                    }
                    if !set_online(cpu, true) {
                        offline = Some((cpu, seen));
                    }
                } else {
                    let n = cpumask::possible_cpus().weight();
                    if n > 1 {
                        let cpu = CpuId::from_u32(1 + (round / 10) % (n - 1)).ok_or(EINVAL)?;
                        if set_online(cpu, false) {
                            hotplugs += 1;
                            offline = Some((cpu, OPS.remote(cpu)?.read_once()));
                        }
                    }
                }
            }
            fsleep(Delta::from_millis(1));
        }
        if let Some((cpu, _)) = offline {
            set_online(cpu, true);
        }
        STOP.store(1, Relaxed);
        // Bounded wait: 10 s at most.
        for _ in 0..10_000 {
            if DONE.load(Relaxed) == workers {
                break;
            }
            fsleep(Delta::from_millis(1));
        }

        let done = DONE.load(Relaxed);
        let work = WORK.load(Relaxed);
        pr_info!("{done} workers, {work} increments each way, {hotplugs} CPUs taken offline\n");
        // If workers are still running, they keep the allocation alive through the `Arc`.
        assert_eq!(done, workers);
        assert_eq!(offline_changed, 0);
        assert_eq!(
            OPS.sum().wrapping_sub(before),
            work + IPI_RUNS.load(Relaxed)
        );
        let total: u64 = guarded.iter().map(|(_, v)| v.load(Relaxed)).sum();
        assert_eq!(total, work);
        assert_eq!(LIVE.load(Relaxed), 0);
        assert!(ALLOCS.load(Relaxed) > 0);
        assert_eq!(
            DROPS.load(Relaxed),
            ALLOCS.load(Relaxed) * i64::from(cpumask::possible_cpus().weight())
        );
        if cpumask::possible_cpus().weight() > 1 {
            assert!(hotplugs > 0);
        }
        Ok(())
    }
}
