# SPDX-License-Identifier: GPL-2.0
# Rust per-CPU variables for Linux: build, boot, test and export the series.
# Every target provisions what it needs (as root) and caches it in /var/cache/rust-percpu.

H := bash harness

# make test ARCH=arm64 builds for arm64 and boots QEMU's "virt" machine (default: x86_64).
ARCH ?= x86_64
export ARCH

# make test SUITE=rust_kernel_percpu runs one KUnit suite (a glob) instead of all rust_* ones.
SUITE ?= rust_*

.PHONY: run test test-up stress test-rt bench check series series-check tree build fmt codegen \
	kunit

run:
	$(H)/series.sh
	$(H)/build.sh
	$(H)/boot.sh run

test:
	$(H)/series.sh
	$(H)/build.sh
	KUNIT_GLOB='$(SUITE)' REQUIRED_SUITES="$(if $(filter rust_*,$(SUITE)),rust_kernel_percpu rust_kernel_percpu_stress rust_doctests_kernel)" $(H)/test.sh

# The same tests on a uniprocessor (CONFIG_SMP=n) kernel, booted with one CPU.
test-up:
	$(H)/series.sh
	BUILD_NAME=$(ARCH)-up $(H)/build.sh config/base.config config/percpu.config config/up.config
	BUILD_NAME=$(ARCH)-up SMP=1 KUNIT_GLOB='$(SUITE)' REQUIRED_SUITES="$(if $(filter rust_*,$(SUITE)),rust_kernel_percpu rust_doctests_kernel)" $(H)/test.sh

# All tests on a debug kernel (KASAN, lockdep, DEBUG_PREEMPT, ...): any report fails the run,
# and so does an object our code leaked (kmemleak).
stress:
	$(H)/series.sh
	BUILD_NAME=$(ARCH)-debug $(H)/build.sh config/base.config config/percpu.config config/debug.config
	BUILD_NAME=$(ARCH)-debug QEMU_TIMEOUT=1500 KMEMLEAK=1 KUNIT_GLOB='$(SUITE)' REQUIRED_SUITES="$(if $(filter rust_*,$(SUITE)),rust_kernel_percpu rust_kernel_percpu_stress rust_doctests_kernel)" $(H)/test.sh

# All tests on a PREEMPT_RT kernel with DEBUG_ATOMIC_SLEEP and lockdep (issue #14, first cut):
# any report fails the run.
test-rt:
	$(H)/series.sh
	BUILD_NAME=$(ARCH)-rt $(H)/build.sh config/base.config config/percpu.config config/rt.config
	BUILD_NAME=$(ARCH)-rt QEMU_TIMEOUT=1500 KUNIT_GLOB='$(SUITE)' REQUIRED_SUITES="$(if $(filter rust_*,$(SUITE)),rust_kernel_percpu rust_kernel_percpu_stress rust_doctests_kernel)" $(H)/test.sh

check:
	$(H)/check.sh

series:
	$(H)/export.sh

# Builds (CLIPPY=1) and rustfmt-checks the tree at every patch of the series.
series-check:
	$(H)/series_check.sh $(SERIES)

tree:
	$(H)/series.sh

build:
	$(H)/series.sh
	$(H)/build.sh

# Formats our Rust files with the kernel's rustfmt (in the build root) and copies them back.
fmt:
	$(H)/series.sh
	$(H)/fmt.sh

# Compares the code of each this_cpu operation in C and in Rust (x86_64, or ARCH=arm64).
codegen:
	$(H)/series.sh
	$(H)/build.sh
	$(H)/codegen.sh

# The reviewer's own run: tools/testing/kunit/kunit.py run with rust/kernel/percpu/.kunitconfig
# (our suites and the kernel crate's doctests; kunit.py builds its own kernel), x86_64 only.
kunit:
	$(H)/series.sh $(SERIES)
	$(H)/kunit.sh

# Per-CPU increments, Rust against C, in QEMU (BENCH_CPUS=2 CPUs by default).
bench:
	$(H)/series.sh
	$(H)/build.sh
	$(H)/bench.sh
