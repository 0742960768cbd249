#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test run: the compile-fail suite, then the KUnit suites and the sample in QEMU.
# Ends with one line "N passed, N failed" over both; exits non-zero on any failure.

. "$(dirname "$0")/lib.sh"
need_root

pass=0
fail=0
add_counts() { # output file, exit status
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
	if [ -z "$line" ]; then
		fail=$((fail + 1))
		return
	fi
	pass=$((pass + ${line%% passed*}))
	line=${line#*, }
	fail=$((fail + ${line%% failed*}))
	# A failing command that counted no failure still counts as one.
	[ "$2" = 0 ] || [ "${line%% failed*}" != 0 ] || fail=$((fail + 1))
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
log "compile-fail suite"
st=0
bash "$TOP/harness/compile_fail.sh" | tee "$tmp" || st=$?
add_counts "$tmp" $st
st=0
bash "$TOP/harness/boot.sh" test | tee "$tmp" || st=$?
add_counts "$tmp" $st
# Kernels with the lockdep suite of the local locks (debug and PREEMPT_RT) boot once more to run
# it alone: its report turns lockdep off.
if grep -q '^CONFIG_RUST_PERCPU_LOCKDEP_KUNIT_TEST=y' "$ROOT$OUT-$BUILD_NAME/.config" &&
	{ [ -z "${KUNIT_GLOB:-}" ] || [ "$KUNIT_GLOB" = 'rust_*' ]; }; then
	st=0
	bash "$TOP/harness/boot.sh" lockdep | tee "$tmp" || st=$?
	add_counts "$tmp" $st
fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
