// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of `make codegen`: every this_cpu operation, for every size, on a static
 * per-CPU variable and on a dynamic one reached through a structure (as a driver holds it);
 * then fields and elements, an increment under a local lock, and the guards.
 */
#include <linux/local_lock.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>

#define GEN(t)									\
DEFINE_PER_CPU(t, cg_s_##t);							\
struct cg_holder_##t { t __percpu *p; };					\
										\
t cg_c_static_read_##t(void) { return this_cpu_read(cg_s_##t); }		\
void cg_c_static_write_##t(t v) { this_cpu_write(cg_s_##t, v); }		\
void cg_c_static_add_##t(t v) { this_cpu_add(cg_s_##t, v); }			\
void cg_c_static_sub_##t(t v) { this_cpu_sub(cg_s_##t, v); }			\
void cg_c_static_inc_##t(void) { this_cpu_inc(cg_s_##t); }			\
void cg_c_static_dec_##t(void) { this_cpu_dec(cg_s_##t); }			\
void cg_c_static_and_##t(t v) { this_cpu_and(cg_s_##t, v); }			\
void cg_c_static_or_##t(t v) { this_cpu_or(cg_s_##t, v); }			\
t cg_c_static_add_return_##t(t v) { return this_cpu_add_return(cg_s_##t, v); }	\
t cg_c_static_xchg_##t(t v) { return this_cpu_xchg(cg_s_##t, v); }		\
t cg_c_static_cmpxchg_##t(t o, t n) { return this_cpu_cmpxchg(cg_s_##t, o, n); }	\
bool cg_c_static_try_cmpxchg_##t(t *o, t n)					\
{ return this_cpu_try_cmpxchg(cg_s_##t, o, n); }				\
										\
t cg_c_dyn_read_##t(struct cg_holder_##t *h) { return this_cpu_read(*h->p); }	\
void cg_c_dyn_write_##t(struct cg_holder_##t *h, t v) { this_cpu_write(*h->p, v); } \
void cg_c_dyn_add_##t(struct cg_holder_##t *h, t v) { this_cpu_add(*h->p, v); }	\
void cg_c_dyn_sub_##t(struct cg_holder_##t *h, t v) { this_cpu_sub(*h->p, v); }	\
void cg_c_dyn_inc_##t(struct cg_holder_##t *h) { this_cpu_inc(*h->p); }		\
void cg_c_dyn_dec_##t(struct cg_holder_##t *h) { this_cpu_dec(*h->p); }		\
void cg_c_dyn_and_##t(struct cg_holder_##t *h, t v) { this_cpu_and(*h->p, v); }	\
void cg_c_dyn_or_##t(struct cg_holder_##t *h, t v) { this_cpu_or(*h->p, v); }	\
t cg_c_dyn_add_return_##t(struct cg_holder_##t *h, t v)				\
{ return this_cpu_add_return(*h->p, v); }					\
t cg_c_dyn_xchg_##t(struct cg_holder_##t *h, t v) { return this_cpu_xchg(*h->p, v); } \
t cg_c_dyn_cmpxchg_##t(struct cg_holder_##t *h, t o, t n)			\
{ return this_cpu_cmpxchg(*h->p, o, n); }					\
bool cg_c_dyn_try_cmpxchg_##t(struct cg_holder_##t *h, t *o, t n)		\
{ return this_cpu_try_cmpxchg(*h->p, o, n); }

GEN(u8)
GEN(u16)
GEN(u32)
GEN(u64)

/*
 * Fields and elements: a field of a static struct (sfield), an element of a static array with an
 * index known at run time only (sarr), a field of a dynamic struct (dfield) and an element of a
 * dynamic array (darr). The index is checked as the Rust side must (at(i) returns None out of
 * range), the way C code checks an index it gets from elsewhere (Binder's
 * "if (_IOC_NR(cmd) < ARRAY_SIZE(binder_stats.bc))").
 */
/* P0: the parameters before the operands, or void; P: the same followed by a comma, or nothing. */
#define GENF_OPS(t, kind, P0, P, A, S)						\
t cg_c_##kind##_read_##t(P0) { return S ? this_cpu_read(A) : 0; }			\
void cg_c_##kind##_write_##t(P t v) { if (S) this_cpu_write(A, v); }			\
void cg_c_##kind##_add_##t(P t v) { if (S) this_cpu_add(A, v); }			\
void cg_c_##kind##_sub_##t(P t v) { if (S) this_cpu_sub(A, v); }			\
void cg_c_##kind##_inc_##t(P0) { if (S) this_cpu_inc(A); }				\
void cg_c_##kind##_dec_##t(P0) { if (S) this_cpu_dec(A); }				\
void cg_c_##kind##_and_##t(P t v) { if (S) this_cpu_and(A, v); }			\
void cg_c_##kind##_or_##t(P t v) { if (S) this_cpu_or(A, v); }			\
t cg_c_##kind##_add_return_##t(P t v) { return S ? this_cpu_add_return(A, v) : 0; }	\
t cg_c_##kind##_xchg_##t(P t v) { return S ? this_cpu_xchg(A, v) : 0; }		\
t cg_c_##kind##_cmpxchg_##t(P t o, t n) { return S ? this_cpu_cmpxchg(A, o, n) : 0; }	\
bool cg_c_##kind##_try_cmpxchg_##t(P t *o, t n)					\
{ return S ? this_cpu_try_cmpxchg(A, o, n) : false; }

#define C_ ,
#define GENF(t)									\
struct cg_fs_##t { t pad; t f; t arr[8]; };						\
DEFINE_PER_CPU(struct cg_fs_##t, cg_sf_##t);						\
DEFINE_PER_CPU(t[8], cg_sa_##t);							\
struct cg_fh_##t { struct cg_fs_##t __percpu *p; };					\
struct cg_ah_##t { t __percpu *p; };							\
GENF_OPS(t, sfield, void, , cg_sf_##t.f, 1)						\
GENF_OPS(t, sarr, size_t i, size_t i C_, cg_sa_##t[i], i < 8)				\
GENF_OPS(t, dfield, struct cg_fh_##t *h, struct cg_fh_##t *h C_, h->p->f, 1)		\
GENF_OPS(t, darr, struct cg_ah_##t *h C_ size_t i, struct cg_ah_##t *h C_ size_t i C_,	\
	 h->p[i], i < 8)

GENF(u32)
GENF(u64)

/*
 * A u64 under a local lock, static (slock) and dynamic (dlock), taken with local_lock() and
 * with local_lock() under local_interrupt_disable() (the refcounted form the Rust LocalLockedIrq
 * uses, whose guards may be dropped in any order): the lock and the data in one per-CPU struct,
 * as drivers write it.
 */
struct cg_ll { local_lock_t lock; u64 count; };
DEFINE_PER_CPU(struct cg_ll, cg_sll) = { .lock = INIT_LOCAL_LOCK(lock) };
struct cg_llh { struct cg_ll __percpu *p; };

void cg_c_slock_inc_u64(void)
{
	local_lock(&cg_sll.lock);
	this_cpu_ptr(&cg_sll)->count++;
	local_unlock(&cg_sll.lock);
}

void cg_c_slock_irq_inc_u64(void)
{
	local_interrupt_disable();
	local_lock(&cg_sll.lock);
	this_cpu_ptr(&cg_sll)->count++;
	local_unlock(&cg_sll.lock);
	local_interrupt_enable();
}

void cg_c_dlock_inc_u64(struct cg_llh *h)
{
	local_lock(&h->p->lock);
	this_cpu_ptr(h->p)->count++;
	local_unlock(&h->p->lock);
}

void cg_c_dlock_irq_inc_u64(struct cg_llh *h)
{
	local_interrupt_disable();
	local_lock(&h->p->lock);
	this_cpu_ptr(h->p)->count++;
	local_unlock(&h->p->lock);
	local_interrupt_enable();
}

/*
 * The guards, taken and dropped: preemption (CpuGuard) and migration (MigrateGuard). In a
 * module sched.h declares migrate_disable() and migrate_enable() as the exported functions;
 * pcpu_codegen_builtin.c has the inline form that built-in code gets.
 */
void cg_c_preempt_guard(void)
{
	preempt_disable();
	preempt_enable();
}

void cg_c_migrate_guard(void)
{
	migrate_disable();
	migrate_enable();
}

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("this_cpu operations in C, for comparing generated code");
