// SPDX-License-Identifier: GPL-2.0

#include <linux/percpu.h>

__rust_helper
void __percpu *rust_helper___alloc_percpu_gfp(size_t size, size_t align, gfp_t gfp)
{
	return __alloc_percpu_gfp(size, align, gfp);
}

__rust_helper void *rust_helper_this_cpu_ptr(void __percpu *ptr)
{
	return this_cpu_ptr(ptr);
}

__rust_helper void *rust_helper_per_cpu_ptr(void __percpu *ptr, unsigned int cpu)
{
	return per_cpu_ptr(ptr, cpu);
}

/*
 * The this_cpu operations are type-generic macros; generate one helper per operation and
 * size. Signedness does not matter for these operations, so the unsigned types suffice.
 */
#define GEN_THIS_CPU_HELPERS(type)						\
__rust_helper type rust_helper_this_cpu_read_##type(type __percpu *ptr)	\
{										\
	return this_cpu_read(*ptr);						\
}										\
										\
__rust_helper void rust_helper_this_cpu_write_##type(type __percpu *ptr, type val)\
{										\
	this_cpu_write(*ptr, val);						\
}										\
										\
__rust_helper void rust_helper_this_cpu_add_##type(type __percpu *ptr, type val)	\
{										\
	this_cpu_add(*ptr, val);						\
}										\
										\
__rust_helper void rust_helper_this_cpu_inc_##type(type __percpu *ptr)		\
{										\
	this_cpu_inc(*ptr);							\
}										\
										\
__rust_helper void rust_helper_this_cpu_dec_##type(type __percpu *ptr)		\
{										\
	this_cpu_dec(*ptr);							\
}										\
										\
__rust_helper void rust_helper_this_cpu_and_##type(type __percpu *ptr, type val)	\
{										\
	this_cpu_and(*ptr, val);						\
}										\
										\
__rust_helper void rust_helper_this_cpu_or_##type(type __percpu *ptr, type val)	\
{										\
	this_cpu_or(*ptr, val);							\
}										\
										\
__rust_helper type rust_helper_this_cpu_add_return_##type(type __percpu *ptr, type val)\
{										\
	return this_cpu_add_return(*ptr, val);					\
}										\
										\
__rust_helper type rust_helper_this_cpu_xchg_##type(type __percpu *ptr, type val)	\
{										\
	return this_cpu_xchg(*ptr, val);					\
}										\
										\
__rust_helper type rust_helper_this_cpu_cmpxchg_##type(type __percpu *ptr, type old,\
						       type new)		\
{										\
	return this_cpu_cmpxchg(*ptr, old, new);				\
}										\
										\
__rust_helper bool rust_helper_this_cpu_try_cmpxchg_##type(type __percpu *ptr,	\
							   type *old, type new)	\
{										\
	return this_cpu_try_cmpxchg(*ptr, old, new);				\
}

GEN_THIS_CPU_HELPERS(u8)
GEN_THIS_CPU_HELPERS(u16)
GEN_THIS_CPU_HELPERS(u32)
GEN_THIS_CPU_HELPERS(u64)
