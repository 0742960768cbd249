#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: builds the benchmark modules (bench/) against the x86_64 build, boots it with
# BENCH_CPUS CPUs (default 2, one per host core) under TCG, loads them, and turns the results
# into out/bench.md (table), out/bench.json (raw rounds) and out/bench.png (chart).

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

log "running the benchmark in QEMU (TCG, $cpus CPUs)"
rc=0
run_qemu "$name" "$cpus" "panic=-1 kunit.enable=0" "$ird.cpio" \
	"$TOP/out/bench.log" "${QEMU_TIMEOUT:-900}" || rc=$?
[ $rc != 124 ] || { tail -n 20 "$TOP/out/bench.log" >&2; die "the benchmark timed out"; }
grep -q 'harness: bench ok' "$TOP/out/bench.log" ||
	{ tail -n 30 "$TOP/out/bench.log" >&2; die "the benchmark modules did not load"; }
cp "$TOP/out/bench.log" "$ROOT/src/bench/console.log"
IN_DIR=/src/bench in_root "python3 report.py console.log /src/bench/report $cpus" ||
	die "no benchmark results"
for ext in md json png; do
	[ ! -f "$ROOT/src/bench/report.$ext" ] || cp "$ROOT/src/bench/report.$ext" "$TOP/out/bench.$ext"
done
log "results in out/bench.md, out/bench.json, out/bench.png ($(date -u +%F), $(nproc) host cores)"
