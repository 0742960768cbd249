#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: builds the benchmark modules (bench/) against the kernel build, boots it twice
# with BENCH_CPUS CPUs (default 2, one per host core) under TCG (wall clock, then -icount),
# loads them, and turns the results into out/bench.md (tables), out/bench.json (raw rounds)
# and out/bench.png (chart).

. "$(dirname "$0")/lib.sh"
need_root

name=$BUILD_NAME
out=$OUT-$name
cpus=${BENCH_CPUS:-2}
rm -rf "$ROOT/src/bench"
cp -r "$TOP/bench" "$ROOT/src/bench"
mkdir -p "$TOP/out"
in_root "$KMAKE O=$out M=/src/bench modules" >"$TOP/out/bench-build.log" 2>&1 ||
	{ cat "$TOP/out/bench-build.log" >&2; die "building the benchmark modules failed"; }

ird=/src/initramfs-bench
initramfs_tree "$ird"
cp "$ROOT/src/bench/pcpu_bench_c.ko" "$ROOT/src/bench/pcpu_bench.ko" "$ROOT$ird/"
cat >"$ROOT$ird/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
insmod /pcpu_bench_c.ko && insmod /pcpu_bench.ko && echo "harness: bench ok"
reboot -f
INIT
initramfs_pack "$ird"

# Two boots: wall clock, with one host thread per CPU (cores really run in parallel, so shared
# cache lines really bounce), and instruction-counted (-icount: deterministic guest time, which
# counts instructions; the CPUs take turns on one host thread).
logs=()
for run in wall icount; do
	accel="tcg,thread=multi"
	[ $run = wall ] || accel="tcg -icount shift=0,sleep=off"
	log "running the benchmark in QEMU ($run: $accel, $cpus CPUs)"
	rc=0
	QEMU_ACCEL=$accel run_qemu "$name" "$cpus" "panic=-1 kunit.enable=0" "$ird.cpio" \
		"$TOP/out/bench-$run.log" "${QEMU_TIMEOUT:-900}" || rc=$?
	[ $rc != 124 ] || { tail -n 20 "$TOP/out/bench-$run.log" >&2; die "the benchmark timed out"; }
	grep -q 'harness: bench ok' "$TOP/out/bench-$run.log" ||
		{ tail -n 30 "$TOP/out/bench-$run.log" >&2; die "the benchmark modules did not load"; }
	cp "$TOP/out/bench-$run.log" "$ROOT/src/bench/$run.log"
	logs+=("$run=$run.log")
done
IN_DIR=/src/bench in_root "python3 report.py /src/bench/report $cpus ${logs[*]}" ||
	die "no benchmark results"
for ext in md json png; do
	[ ! -f "$ROOT/src/bench/report.$ext" ] || cp "$ROOT/src/bench/report.$ext" "$TOP/out/bench.$ext"
done
log "results in out/bench.md, out/bench.json, out/bench.png ($(date -u +%F), $(nproc) host cores)"
