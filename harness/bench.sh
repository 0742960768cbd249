#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: builds the benchmark modules (bench/) against the kernel build and the kernel
# without the Binder patch (bench_base.sh), boots them with BENCH_CPUS CPUs (default 2, one per
# host core) under TCG, wall clock and then -icount, and turns the results into out/bench.md
# (tables), out/bench.json (raw rounds), out/bench.png (chart) and out/bench-binder.txt (the
# numbers for the Binder commit message).
#
# Each mode boots the two kernels in turns, BENCH_BINDER_BOOTS (default 4) times each, the
# patched one first; every boot runs BENCH_BINDER_ROUNDS (default 10) rounds of the Binder
# ping-pong (tests/binder/binder_stats.c "bench": one client, then one client per CPU, each
# doing BENCH_BINDER_M (default 3000) transactions). The first boot of the patched kernel also
# loads the modules.

. "$(dirname "$0")/lib.sh"
need_root

name=$BUILD_NAME
cpus=${BENCH_CPUS:-2}
boots=${BENCH_BINDER_BOOTS:-4}
rounds=${BENCH_BINDER_ROUNDS:-10}
m=${BENCH_BINDER_M:-3000}
base=$(bash "$TOP/harness/bench_base.sh") ||
	die "could not build the kernel without the Binder patch"
out=$OUT-$name
rm -rf "$ROOT/src/bench"
cp -r "$TOP/bench" "$ROOT/src/bench"
rm -f "$TOP"/out/bench-wall-*.log "$TOP"/out/bench-icount-*.log
in_root "$KMAKE O=$out M=/src/bench modules" >"$TOP/out/bench-build.log" 2>&1 ||
	{ cat "$TOP/out/bench-build.log" >&2; die "building the benchmark modules failed"; }

# One initramfs for every boot; the command line says what a boot runs.
ird=/src/initramfs-bench
initramfs_tree "$ird"
binder_programs "$ird"
cp "$ROOT/src/bench/pcpu_bench_c.ko" "$ROOT/src/bench/pcpu_bench.ko" "$ROOT$ird/"
cat >"$ROOT$ird/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
# Our lines go through the kernel log (a plain echo can land in the middle of a kernel line).
busybox mknod /dev/kmsg c 1 11 2>/dev/null
say() { echo "$*" >/dev/kmsg || echo "$*"; }
micro=0 kernel=? boot=0 rounds=1 m=100
for w in $(cat /proc/cmdline); do
	case $w in
	bench.micro=*) micro=${w#*=} ;;
	bench.kernel=*) kernel=${w#*=} ;;
	bench.boot=*) boot=${w#*=} ;;
	bench.rounds=*) rounds=${w#*=} ;;
	bench.m=*) m=${w#*=} ;;
	esac
done
if [ "$micro" = 1 ]; then
	insmod /pcpu_bench_c.ko && insmod /pcpu_bench.ko && say "harness: bench ok"
fi
# The Binder ping-pong: one client, then one per CPU, in turns. The one client and its server
# run on CPU 0 (taskset): left to the scheduler, the server ran on either CPU, and the rounds
# fell into two groups 6% apart even instruction-counted.
r=0
while [ $r -lt "$rounds" ]; do
	for c in 1 cpus; do
		pin=
		[ $c != 1 ] || pin="busybox taskset 1"
		res=$($pin /bin/binder_stats bench $c "$m" 2>&1)
		# Unquoted: a second line (a warning) joins the first.
		say "harness: binder kernel=$kernel boot=$boot round=$r" $res
	done
	r=$((r + 1))
done
say "harness: binder done"
reboot -f
INIT
initramfs_pack "$ird"

# Two modes: wall clock, with one host thread per CPU (cores really run in parallel, so shared
# cache lines really bounce), and instruction-counted (-icount: deterministic guest time, which
# counts instructions; the CPUs take turns on one host thread). In each, the kernels take turns.
logs=()
for run in wall icount; do
	accel="tcg,thread=multi"
	[ $run = wall ] || accel="tcg -icount shift=0,sleep=off"
	for b in $(seq "$boots"); do
		for kernel in patched unpatched; do
			build=$name micro=0
			[ $kernel = patched ] || build=$base
			[ $kernel != patched ] || [ "$b" != 1 ] || micro=1
			log "benchmark: $run ($accel), $kernel kernel ($build), boot $b of $boots, $cpus CPUs"
			f=$TOP/out/bench-$run-$kernel-$b.log
			rc=0 t0=$SECONDS
			QEMU_ACCEL=$accel run_qemu "$build" "$cpus" "panic=-1 kunit.enable=0 \
bench.micro=$micro bench.kernel=$kernel bench.boot=$b bench.rounds=$rounds bench.m=$m" \
				"$ird.cpio" "$f" "${QEMU_TIMEOUT:-900}" || rc=$?
			[ $rc != 124 ] || { tail -n 20 "$f" >&2; die "the benchmark timed out ($f)"; }
			[ $micro = 0 ] || grep -q 'harness: bench ok' "$f" ||
				{ tail -n 30 "$f" >&2; die "the benchmark modules did not load ($f)"; }
			grep -q 'harness: binder done' "$f" || { tail -n 30 "$f" >&2; die "no Binder results ($f)"; }
			! grep 'binder_bench: error' "$f" >&2 || die "the Binder benchmark failed ($f)"
			log "  boot done in $((SECONDS - t0))s"
			cp "$f" "$ROOT/src/bench/"
			logs+=("$run=${f##*/}")
		done
	done
done
IN_DIR=/src/bench in_root "python3 report.py /src/bench/report $cpus ${logs[*]}" ||
	die "no benchmark results"
for ext in md json png; do
	[ ! -f "$ROOT/src/bench/report.$ext" ] || cp "$ROOT/src/bench/report.$ext" "$TOP/out/bench.$ext"
done
cp "$ROOT/src/bench/report-binder.txt" "$TOP/out/bench-binder.txt"
log "benchmark done in $SECONDS s"
log "results in out/bench.md, out/bench.json, out/bench.png, out/bench-binder.txt" \
	"($(date -u +%F), $(nproc) host cores)"
