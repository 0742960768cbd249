//! Static and dynamic per-CPU values under a local lock: changed through the guard with no
//! `unsafe`, and a pin-initialised value that is not `Unpin` changed through `as_mut`.
use kernel::{
    new_local_locked,
    new_spinlock,
    percpu::{
        define_per_cpu,
        static_local_locked,
        DynamicPerCpu,
        LocalLock,
        LocalLocked,
        LocalLockedIrq, //
    },
    prelude::*,
    sync::SpinLock, //
};

define_per_cpu!(static RECENT: LocalLocked<[u64; 4]> = static_local_locked!([0; 4]));
define_per_cpu!(static IRQ: LocalLockedIrq<[u64; 4]> = static_local_locked!([0; 4]));

/// A value built in place: its spinlock must not move.
#[pin_data]
struct Slot {
    #[pin]
    lock: SpinLock<u32>,
    n: u32,
}

/// Uses the API.
pub fn f() -> Result<u64> {
    let mut recent = RECENT.lock();
    recent.rotate_right(1);
    recent[0] = 7;
    drop(recent);
    IRQ.lock()[1] += 1;

    let counts = DynamicPerCpu::<LocalLocked<u64>>::new_with(
        |_| new_local_locked!(0, "compile_fail_counts"),
        GFP_KERNEL,
    )?;
    *counts.lock() += 1;
    let irq_counts = DynamicPerCpu::<LocalLockedIrq<u64>>::new_with(
        |_| new_local_locked!(0, "compile_fail_irq_counts"),
        GFP_KERNEL,
    )?;
    let mut count = irq_counts.lock();
    *count += 1;
    let total = *count;
    drop(count);

    let slots = DynamicPerCpu::<LocalLocked<Slot>>::new_with(
        |cpu| {
            new_local_locked!(pin_init!(Slot {
                lock <- new_spinlock!(cpu.as_u32()),
                n: 0,
            }))
        },
        GFP_KERNEL,
    )?;
    let mut slot = slots.lock();
    let inner = slot.as_mut().project();
    *inner.n += 1;
    let id = *inner.lock.lock();
    Ok(total + u64::from(id) + u64::from(slot.n))
}
