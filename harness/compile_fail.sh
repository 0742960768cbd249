#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds every snippet of compile-fail/ against the kernel crate of the current build, with the
# rustc flags kbuild used for the sample module: fail/*.rs must fail with an error containing
# their "// expect:" text, pass/*.rs must compile. Prints "N passed, N failed".

. "$(dirname "$0")/lib.sh"
need_root

name=$BUILD_NAME
out=$OUT-$name
cmdfile=$ROOT$out/samples/rust/.rust_percpu.o.cmd
[ -f "$cmdfile" ] || die "no $cmdfile: build the kernel with the sample first"
# The rustc command up to the crate type, as kbuild ran it.
flags=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile" | sed 's/ --crate-type rlib .*//')
case $flags in *rustc*) ;; *) die "could not find the rustc command in $cmdfile" ;; esac

rm -rf "$ROOT/src/compile-fail"
cp -r "$TOP/compile-fail" "$ROOT/src/compile-fail"
mkdir -p "$ROOT/src/compile-fail/out"
pass=0
fail=0
for f in "$TOP"/compile-fail/fail/*.rs "$TOP"/compile-fail/pass/*.rs; do
	rel=${f#"$TOP"/compile-fail/}
	st=0
	IN_DIR=$out in_root "RUSTC_BOOTSTRAP=1 $flags --crate-type rlib -L ./rust/ --sysroot=/dev/null \
		--out-dir /src/compile-fail/out --emit=metadata /src/compile-fail/$rel" \
		>"$ROOT/src/compile-fail/out/log" 2>&1 || st=$?
	case $rel in
	fail/*)
		expect=$(sed -n '1s,^// expect: ,,p' "$f")
		[ -n "$expect" ] || die "$rel has no '// expect:' first line"
		if [ $st = 0 ]; then
			echo "FAIL $rel: compiled, but must not"
			fail=$((fail + 1))
		elif ! grep -qF -- "$expect" "$ROOT/src/compile-fail/out/log"; then
			echo "FAIL $rel: rejected, but not with '$expect':"
			grep -E '^error' "$ROOT/src/compile-fail/out/log" | head -5
			fail=$((fail + 1))
		else
			echo "ok   $rel: rejected ($expect)"
			pass=$((pass + 1))
		fi
		;;
	pass/*)
		if [ $st = 0 ] && ! grep -q '^warning' "$ROOT/src/compile-fail/out/log"; then
			echo "ok   $rel: compiles"
			pass=$((pass + 1))
		else
			echo "FAIL $rel: must compile without warnings:"
			head -30 "$ROOT/src/compile-fail/out/log"
			fail=$((fail + 1))
		fi
		;;
	esac
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
