#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Regenerates the diffs by which rust/kernel/percpu.rs, percpu/statics.rs and
percpu/dynamic.rs grow over the series (see DEVELOPERS.md), from their final versions.

Each version of a file is the final file minus what the later patches add; every removal is
checked to match, so an edit of the final file that breaks one fails here, naming the text.
Usage: harness/series_versions.py (then `make series-check`).
"""
import os
import subprocess
import tempfile

R = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + '/'
def rd(p): return open(R+p).read()
def cut(s, old, new=''):
    assert old in s, ('missing', old[:80])
    return s.replace(old, new, 1)

final=rd('rust/kernel/percpu.rs')
v8=cut(final, '#[cfg(CONFIG_RUST_PERCPU_KUNIT_TEST)]\nmod selftests;\n')
v7=cut(v8, 'mod call;\n'); v7=cut(v7, '    call::on_each_cpu,\n')
v6=cut(v7, 'mod ops;\n')
v6=cut(v6, '''    ops::{
        LocalInt,
        PerCpuInteger,
        ThisCpuOps, //
    },
''')
v6=cut(v6, '''//! - Per-CPU integers ([`LocalInt`]) are changed with the `this_cpu` operations of
//!   [`ThisCpuOps`], which need no guard: each is one instruction that interrupts cannot split
//!   (or the C fallback that masks interrupts), like the C `this_cpu_add` family. Summing
//!   reads every CPU's slot with `READ_ONCE`.
''')
a=v6.index('//! # Examples\n'); b=v6.index('//! ```\n\n')+len('//! ```\n')
v6=v6[:a].rstrip('/!\n')+'\n'+v6[b:]
v6=cut(v6, '''    /// not by another CPU (through [`PerCpu::remote`], [`PerCpu::iter`] or [`ThisCpuOps`]).''',
'''    /// not by another CPU (through [`PerCpu::remote`] or [`PerCpu::iter`]).''')
v5=cut(v6, 'mod dynamic;\n'); v5=cut(v5, '    dynamic::DynamicPerCpu,\n')
v5=cut(v5, '''Variables
//! are either static ([`define_per_cpu!`], the C `DEFINE_PER_CPU`) or allocated at run time
//! ([`DynamicPerCpu`], the C `alloc_percpu`); the [`PerCpu`] trait gives both the same API.''',
'''Static
//! variables are defined with [`define_per_cpu!`] (the C `DEFINE_PER_CPU`) and reached through
//! the [`PerCpu`] trait.''')
v5=cut(v5, '''/// Implemented by [`StaticPerCpu`] and [`DynamicPerCpu`]; generic code takes `&impl PerCpu`.''',
'''/// Implemented by [`StaticPerCpu`]; generic code takes `&impl PerCpu`.''')
v4=cut(v5, 'mod statics;\n')
v4=cut(v4, '''    statics::{
        declare_extern_per_cpu,
        define_per_cpu,
        StaticPerCpu,
        StaticPerCpuSlot,
        StaticPerCpuSymbol, //
    },
''')
v4=cut(v4, '''Static
//! variables are defined with [`define_per_cpu!`] (the C `DEFINE_PER_CPU`) and reached through
//! the [`PerCpu`] trait.''', '''Per-CPU
//! variables are reached through the [`PerCpu`] trait.''')
v4=cut(v4, '''/// Implemented by [`StaticPerCpu`]; generic code takes `&impl PerCpu`.''',
'''/// Implemented by the per-CPU variables of this module; generic code takes `&impl PerCpu`.''')
# v3: guard only
a=v4.index('/// A per-CPU variable, static or dynamic')
v3=v4[:a].rstrip('\n')+'\n'
v3=cut(v3, 'mod ptr;\n'); v3=cut(v3, '    ptr::PerCpuPtr,\n')
v3=cut(v3, ''' Per-CPU
//! variables are reached through the [`PerCpu`] trait.''')
a=v3.index('//! Disabling preemption keeps other tasks off'); b=v3.index('//! [`LocalInterruptDisabled`]: crate')
v3=v3[:a]+v3[b:]
v3=cut(v3, '''pub use self::{
    guard::{
        preempt_disable,
        CpuGuard,
        CpuPinned, //
    },
};''', '''pub use self::guard::{
    preempt_disable,
    CpuGuard,
    CpuPinned, //
};''')
v3=cut(v3, '''use crate::{
    cpu::CpuId,
    cpumask::{
        self,
        CpumaskIter, //
    },
    interrupt::LocalInterruptDisabled,
    prelude::*, //
};
use core::marker::PhantomData;

''')
v3=cut(v3, '''/// A per-CPU variable, static or dynamic: one `Self::Item` for every possible CPU.''', '') if '/// A per-CPU variable, static or dynamic' in v3 else v3
sfinal=rd('rust/kernel/percpu/statics.rs')
s5=sfinal
a=s5.index('''    /// `this_cpu_read`, naming'''); b=s5.index('''/// The `this_cpu` operations of a static per-CPU variable on x86-64''')
s5=s5[:a].rstrip('\n')+'\n}\n\n'+s5[b:]
a=s5.index('''/// The `this_cpu` operations of a static per-CPU variable on x86-64'''); b=s5.index('''/// A static per-CPU variable, made by''')
s5=s5[:a]+s5[b:]
s5=cut(s5, '''///
/// On x86-64 the `this_cpu_*` methods are [`ThisCpuOps`] methods of the variable whose
/// instructions name its symbol (`incq %gs:var(%rip)`), exactly as the C macros do; the macros
/// generate them with `__this_cpu_sym_ops!`. Elsewhere, and for `xchg` and `try_cmpxchg`,
/// [`ThisCpuOps`] uses the variable's address.
///
/// [`ThisCpuOps`]: super::ThisCpuOps
''', '')
s5=cut(s5, ''' initialised
/// for every possible CPU and never dropped. The `this_cpu_*` methods act on that variable as
/// the [`ThisCpuOps`] methods of the same name describe.''', ''' initialised
/// for every possible CPU and never dropped.''')
s5=cut(s5, '''[`PerCpu`] trait (and [`ThisCpuOps`] for
/// integers). `S` is a type that the macro makes for the variable: it names the variable's
/// symbol, so that `this_cpu` operations can address it directly as C does.''', '''[`PerCpu`] trait. `S` is a type that the
/// macro makes for the variable: it names the variable's symbol.''')
s5=cut(s5, '''///
/// [`ThisCpuOps`]: super::ThisCpuOps
pub struct StaticPerCpu<T, S> {''', '''pub struct StaticPerCpu<T, S> {''')
for _ in range(2):
    s5=cut(s5, '''

                $crate::__this_cpu_sym_ops!(SLOT);''')
s5=cut(s5, '''            // with a `$t` that `StaticPerCpuSlot::new` checked does not need `Drop`; the
            // operations that `__this_cpu_sym_ops!` adds name `SLOT` and are those of the
            // `__this_cpu_asm!` table, the C macros' instructions.''', '''            // with a `$t` that `StaticPerCpuSlot::new` checked does not need `Drop`.''')
s5=cut(s5, '''            // SAFETY: The invoker promised, by writing `unsafe`, that the C symbol is a
            // per-CPU variable with the layout of `$t`; the operations that
            // `__this_cpu_sym_ops!` adds act on it.''', '''            // SAFETY: The invoker promised, by writing `unsafe`, that the C symbol is a
            // per-CPU variable with the layout of `$t`.''')
s5=cut(s5, '''/// use kernel::percpu::{define_per_cpu, LocalInt, PerCpu, ThisCpuOps};
///
/// define_per_cpu!(static HITS: LocalInt<u32> = LocalInt::new(0));
/// define_per_cpu!(static LAST: Cell<u64> = Cell::new(0));
///
/// HITS.inc();
///''', '''/// use kernel::percpu::{define_per_cpu, PerCpu};
///
/// define_per_cpu!(static LAST: Cell<u64> = Cell::new(0));
///''')
s5=cut(s5, '''/// use kernel::percpu::{declare_extern_per_cpu, LocalInt, PerCpu, ThisCpuOps};
///
/// // SAFETY: x86 defines `cpu_number` with `DEFINE_PER_CPU_CACHE_HOT(int, cpu_number)` and
/// // only ever changes it with `this_cpu_write` during CPU bring-up.
/// declare_extern_per_cpu!(unsafe static cpu_number: LocalInt<i32>);
///
/// let guard = kernel::percpu::CpuGuard::new();
/// assert_eq!(cpu_number.read(), i32::from(guard.cpu()));''', '''/// use kernel::percpu::{declare_extern_per_cpu, PerCpu};
///
/// // SAFETY: x86 defines `cpu_number` with `DEFINE_PER_CPU_CACHE_HOT(int, cpu_number)` and
/// // only ever changes it with `this_cpu_write` during CPU bring-up, before any task runs on
/// // that CPU.
/// declare_extern_per_cpu!(unsafe static cpu_number: i32);
///
/// let guard = kernel::percpu::CpuGuard::new();
/// assert_eq!(*cpu_number.get(&guard), i32::from(guard.cpu()));''')
dfinal=rd('rust/kernel/percpu/dynamic.rs')
d6=cut(dfinal, '''It is reached through the
/// [`PerCpu`] trait (and [`ThisCpuOps`] for integers). To share one allocation between several
/// users, put it in an [`Arc`](crate::sync::Arc).''', '''It is reached through the
/// [`PerCpu`] trait. To share one allocation between several users, put it in an
/// [`Arc`](crate::sync::Arc).''')
d6=cut(d6, '''///
/// [`ThisCpuOps`]: super::ThisCpuOps
''', '')

versions = {'p3': v3, 'p4': v4, 'p5': v5, 'p6': v6, 'p7': v7, 'p8': v8,
            's5': s5, 's7': sfinal, 'd6': d6, 'd7': dfinal}


def udiff(a, b, path):
    with tempfile.TemporaryDirectory() as tmp:
        for name in (a, b):
            with open(f'{tmp}/{name}', 'w') as f:
                f.write(versions[name])
        r = subprocess.run(['diff', '-u', '--label', f'a/{path}', '--label', f'b/{path}',
                            f'{tmp}/{a}', f'{tmp}/{b}'], capture_output=True, text=True)
    assert r.returncode == 1, (a, b, r.stderr)
    return r.stdout


P = 'rust/kernel/percpu.rs'
for d, a, b, path, name in [
        ('0004-pointer', 'p3', 'p4', P, 'percpu.diff'),
        ('0005-static', 'p4', 'p5', P, 'percpu.diff'),
        ('0006-dynamic', 'p5', 'p6', P, 'percpu.diff'),
        ('0007-ops', 'p6', 'p7', P, 'percpu.diff'),
        ('0007-ops', 's5', 's7', 'rust/kernel/percpu/statics.rs', 'statics.diff'),
        ('0007-ops', 'd6', 'd7', 'rust/kernel/percpu/dynamic.rs', 'dynamic.diff'),
        ('0008-call', 'p7', 'p8', P, 'percpu.diff')]:
    with open(f'{R}series/{d}/{name}', 'w') as f:
        f.write(udiff(a, b, path))
print('series diffs of percpu.rs, statics.rs and dynamic.rs regenerated')
