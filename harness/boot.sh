#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boots the built kernel in QEMU (TCG) with an initramfs that loads and unloads the sample.
# Usage: boot.sh run|test|lockdep   Console log: $TOP/out/<build>-<mode>.log
#   run:  KUnit off; prints the sample's output.
#   test: KUnit runs the rust_* suites at boot; results are parsed with kunit.py.
#   lockdep: KUnit runs lockdep_rust_percpu alone (no sample, no Binder): it must pass and
#         the console must hold exactly its report, lockdep's "possible circular locking
#         dependency" through percpu_lockdep_a, _b (two static locks, so two classes) and
#         _c (a dynamic one), and nothing else.
# KMEMLEAK=1 (make stress), test mode: kmemleak scans with the sample loaded and again after
#   its unload and the Binder tests; any unreferenced object that our code allocated fails.
# Prints "N passed, N failed" (test) and exits non-zero on any failure.

. "$(dirname "$0")/lib.sh"
need_root

mode=${1:-test}
name=$BUILD_NAME
out=$OUT-$name
smp=${SMP:-4}
tmo=${QEMU_TIMEOUT:-600}
glob=${KUNIT_GLOB:-rust_*}
[ "$mode" != lockdep ] || glob=lockdep_rust_percpu
kernel=$ROOT$out/$KIMAGE
ko=$ROOT$out/samples/rust/rust_percpu.ko
[ -f "$kernel" ] || die "no kernel at $kernel: build first"

mkdir -p "$TOP/out"
log_file=$TOP/out/$name-$mode.log

# The initramfs: busybox and the sample module; in test mode the Binder test programs too.
ird=/src/initramfs-$name
initramfs_tree "$ird"
[ "$mode" != test ] || binder_programs "$ird"
if [ "$mode" = lockdep ]; then
	ko=/nonexistent
	rm -f "$ROOT$ird/rust_percpu.ko" "$ROOT$ird/bin/binder_stats"
elif grep -q '^CONFIG_SAMPLE_RUST_PERCPU=y' "$ROOT$out/.config"; then
	ko=/nonexistent  # built in: it ran at boot
else
	cp "$ko" "$ROOT$ird/rust_percpu.ko" || die "no sample module at $ko"
fi
# Tells the init script to run kmemleak.
[ "$mode" != test ] || [ -z "${KMEMLEAK:-}" ] || : >"$ROOT$ird/kmemleak"
cat >"$ROOT$ird/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
# Our lines go through the kernel log: the console prints kernel messages asynchronously, and
# a plain echo can land in the middle of one of them.
busybox mknod /dev/kmsg c 1 11 2>/dev/null
say() { echo "$*" >/dev/kmsg || echo "$*"; }
# Runs a test program with a time limit; each line it prints becomes "harness: NAME: line".
run_test() { # name, seconds, command...
	name=$1 secs=$2
	shift 2
	read -r up rest </proc/uptime
	say "harness: $name: start (uptime $up s)"
	busybox timeout "$secs" "$@" >/tmp/$name.out 2>&1
	st=$?
	read -r up rest </proc/uptime
	while IFS= read -r line; do say "harness: $name: $line"; done </tmp/$name.out
	say "harness: $name: exit status $st (uptime $up s)"
}
# kmemleak reports an object only once it is 5 s old and unchanged since the previous scan:
# wait, scan twice, print the report as "harness: kmemleak: NAME: line", then clear it (the
# objects reported stay unreported).
kmemleak() { # name
	[ -f /kmemleak ] || return 0
	kml=/sys/kernel/debug/kmemleak
	[ -e $kml ] || mount -t debugfs debugfs /sys/kernel/debug
	if [ ! -e $kml ]; then say "harness: kmemleak: $1: error: no $kml"; return; fi
	busybox sleep 6
	read -r up rest </proc/uptime
	say "harness: kmemleak: $1: start (uptime $up s)"
	if ! echo scan >$kml || ! echo scan >$kml; then
		say "harness: kmemleak: $1: error: scan failed"
		return
	fi
	read -r up rest </proc/uptime
	while IFS= read -r line; do say "harness: kmemleak: $1: $line"; done <$kml
	echo clear >$kml
	say "harness: kmemleak: $1: end (scanned at uptime $up s)"
}
say "harness: userspace up"
loaded=
if [ ! -f /rust_percpu.ko ]; then
	say "harness: no sample module (built in?)"
elif insmod /rust_percpu.ko; then
	say "harness: insmod ok"
	loaded=1
else
	say "harness: insmod failed"
fi
# After the KUnit tests, with the sample loaded (its symbols still resolve in the report).
kmemleak after-init
if [ -n "$loaded" ]; then
	if rmmod rust_percpu; then say "harness: rmmod ok"; else say "harness: rmmod failed"; fi
fi
# Binder: the statistics end to end (its own alarm ends it after 120 s), then the tree's
# binderfs selftest.
if [ -x /bin/binder_stats ]; then
	run_test binder_stats 150 /bin/binder_stats test
	run_test binderfs_test 300 /bin/binderfs_test
fi
kmemleak after-exit
say "harness: done"
reboot -f
INIT
initramfs_pack "$ird"

append="panic=-1 oops=panic"
if [ "$mode" != run ]; then
	append="$append kunit.enable=1 kunit.filter_glob=$glob"
else
	append="$append kunit.enable=0"
fi

log "booting $name in QEMU (TCG, $smp CPUs, timeout ${tmo}s)"
rc=0
run_qemu "$name" "$smp" "$append" "$ird.cpio" "$log_file" "$tmo" || rc=$?
if [ $rc = 124 ] || [ $rc = 137 ]; then
	echo "QEMU did not finish within ${tmo}s and was killed; last console lines:" >&2
	tail -n 30 "$log_file" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

fail=0
pass=0
# Anything the kernel reports as a bug fails the run.
reports=$(grep -nE 'BUG:|WARNING:|Oops|Kernel panic|general protection|KASAN:|UBSAN:|Call Trace:|suspicious RCU usage|circular locking|sleeping function called|smp_processor_id\(\) in preemptible|possible recursive locking' "$log_file" | head -20 || true)
if [ "$mode" = lockdep ]; then
	# The one expected report: its title and its stack trace, between our two classes.
	expected='WARNING: possible circular locking dependency detected|Call Trace:'
	circ=$(grep -c 'WARNING: possible circular locking dependency detected' "$log_file" || true)
	traces=$(grep -c 'Call Trace:' "$log_file" || true)
	if [ "$circ" = 1 ] && [ "$traces" -le 1 ] && grep -q 'percpu_lockdep_a' "$log_file" &&
		grep -q 'percpu_lockdep_b' "$log_file" && grep -q 'percpu_lockdep_c' "$log_file"; then
		log "lockdep reported the cycle of percpu_lockdep_a, _b and _c"
		pass=$((pass + 1))
		reports=$(grep -vE "$expected" <<<"$reports" || true)
	else
		echo "lockdep did not report the wrong nesting (exactly once, naming the three locks)" >&2
		fail=$((fail + 1))
	fi
fi
if [ -n "$reports" ]; then
	echo "kernel reports in the console log ($log_file):" >&2
	echo "$reports" >&2
	fail=$((fail + 1))
fi

if [ "$mode" != run ]; then
	# kunit.py parses the TAP part of the console (everything before userspace starts).
	sed -n '1,/harness: userspace up/p' "$log_file" >"$ROOT/src/kunit-$name.log"
	IN_DIR=$SRC in_root "python3 tools/testing/kunit/kunit.py parse /src/kunit-$name.log" \
		>"$TOP/out/$name-kunit.txt" 2>&1 || true
	summary=$(grep -E 'Ran [0-9]+ tests' "$TOP/out/$name-kunit.txt" | tail -1 || true)
	[ -n "$summary" ] || { echo "no KUnit results in the console log" >&2; tail -n 30 "$log_file" >&2; }
	kp=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$summary")
	kf=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$summary")
	kc=$(sed -nE 's/.*crashed: ([0-9]+).*/\1/p' <<<"$summary")
	grep -E '\[(FAILED|CRASHED)\]' "$TOP/out/$name-kunit.txt" >&2 || true
	log "KUnit: ${summary:-no results}"
	pass=$((pass + ${kp:-0}))
	fail=$((fail + ${kf:-0} + ${kc:-0}))
	[ -n "$summary" ] || fail=$((fail + 1))
	# Every suite we must run has to be there.
	required=${REQUIRED_SUITES:-}
	[ "$mode" != lockdep ] || required=lockdep_rust_percpu
	for suite in $required; do
		grep -q "# Subtest: $suite\$" "$log_file" ||
			{ echo "KUnit suite $suite did not run" >&2; fail=$((fail + 1)); }
	done
else
	# Show what the sample printed.
	grep -E 'rust_percpu|harness:' "$log_file" | sed 's/^\[ *[0-9.]*\] //'
fi

# The Binder tests (test mode). binder_stats prints "ok N - ..." or "not ok N - ..." per check
# and last "binder_stats: N passed, N failed"; the binderfs selftest (kselftest harness) prints
# "ok N name", "ok N name # SKIP why" or "not ok N name" per test and a "# Totals:" line. A SKIP
# counts as neither (it is shown); a program that did not get to its last line, or that exited
# non-zero without a failed check, counts as one failure more.
binder_result() { # program, its last line (an extended regex)
	local lines p f s t0 t1 st dur=
	lines=$(sed -n "s/.*harness: $1: //p" "$log_file")
	p=$(grep -cE '^ok [0-9]+' <<<"$lines" || true)
	s=$(grep -E '^ok [0-9]+.*# SKIP' <<<"$lines" || true)
	[ -z "$s" ] || { p=$((p - $(wc -l <<<"$s"))); echo "$1: skipped: $s" >&2; }
	f=$(grep -cE '^not ok [0-9]+' <<<"$lines" || true)
	st=$(sed -nE 's/^exit status ([0-9]+).*/\1/p' <<<"$lines")
	if ! grep -qE "$2" <<<"$lines" || { [ "$st" != 0 ] && [ "$f" = 0 ]; }; then
		echo "$1 did not finish (exit status ${st:-none})" >&2
		f=$((f + 1))
	fi
	[ "$f" = 0 ] || grep -E "harness: $1: (not ok|#)" "$log_file" | sed 's/^\[ *[0-9.]*\] //' >&2
	t0=$(sed -nE 's/^start \(uptime ([0-9.]+) s\)$/\1/p' <<<"$lines")
	t1=$(sed -nE 's/^exit status [0-9]+ \(uptime ([0-9.]+) s\)$/\1/p' <<<"$lines")
	[ -z "$t0" ] || [ -z "$t1" ] ||
		dur=" ($(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s in the boot)"
	log "$1: $p passed, $f failed$dur"
	pass=$((pass + p))
	fail=$((fail + f))
}
if [ "$mode" = lockdep ]; then
	echo "$pass passed, $fail failed"
	[ $fail = 0 ]
	exit
fi
if [ "$mode" = test ]; then
	binder_result binder_stats '^binder_stats: [0-9]+ passed, [0-9]+ failed$'
	binder_result binderfs_test '^# Totals: '
fi

# kmemleak (KMEMLEAK=1, test mode): both reports must be there. An unreferenced object fails
# the test "kmemleak" if a line of its backtrace names our code (OURS_LEAK, lib.sh) or is an
# address kallsyms could not name: the sample is the only module the boot loads, and code of an
# unloaded module (or its freed init code) has no name. Other objects are listed, not failed.
objects() { # ours|other; the report on stdin
	awk -v want="$1" -v re="$OURS_LEAK" '
		function flush() { if (obj != "" && (ours ? "ours" : "other") == want) printf "%s", obj }
		/^unreferenced object/ { flush(); obj = ""; ours = 0; bt = 0 }
		/^(start|end) / { next }
		{ obj = obj $0 "\n" }
		/^ *backtrace/ { bt = 1; next }
		bt && ($0 ~ re || $0 ~ /^ *(\[<[0-9a-f]+>\] )?0x[0-9a-f]+$/) { ours = 1 }
		END { flush() }'
}
if [ "$mode" = test ] && [ -n "${KMEMLEAK:-}" ]; then
	kf=0
	for phase in after-init after-exit; do
		lines=$(sed -n "s/.*harness: kmemleak: $phase: //p" "$log_file")
		if ! grep -q '^end ' <<<"$lines"; then
			echo "kmemleak: no report $phase: $(grep -E '^(error|start)' <<<"$lines" ||
				echo 'the init script did not get there')" >&2
			kf=1
			continue
		fi
		ours=$(objects ours <<<"$lines")
		other=$(objects other <<<"$lines")
		n=$(grep -c '^unreferenced object' <<<"$ours" || true)
		m=$(grep -c '^unreferenced object' <<<"$other" || true)
		log "kmemleak $phase: $n unreferenced objects of ours, $m of other code"
		[ "$m" = 0 ] || { echo "kmemleak $phase, other code (not failed):"; echo "$other"; } >&2
		[ "$n" = 0 ] || { echo "kmemleak $phase, OUR CODE:"; echo "$ours"; kf=1; } >&2
	done
	if [ $kf = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "kmemleak: failed" >&2; fi
fi

# The sample: loaded and unloaded as a module, or run at boot when built in (=y); either way
# it must report that its own checks passed.
if [ -f "$ko" ]; then
	sample_ok=$(grep -q 'harness: insmod ok' "$log_file" && grep -q 'harness: rmmod ok' "$log_file" &&
		echo yes || true)
else
	sample_ok=yes
fi
grep -q 'rust_percpu: all checks passed' "$log_file" || sample_ok=
if [ -n "$sample_ok" ]; then
	pass=$((pass + 1))
else
	echo "the sample did not pass its checks (and load and unload cleanly, if a module):" >&2
	grep -E 'rust_percpu|harness:' "$log_file" >&2 || tail -n 30 "$log_file" >&2
	fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
