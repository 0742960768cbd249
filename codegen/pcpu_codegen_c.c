// SPDX-License-Identifier: GPL-2.0
/*
 * The C side of `make codegen`: every this_cpu operation, for every size, on a static
 * per-CPU variable and on a dynamic one reached through a structure (as a driver holds it).
 */
#include <linux/module.h>
#include <linux/percpu.h>

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

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("this_cpu operations in C, for comparing generated code");
