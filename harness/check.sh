#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks: rustfmtcheck, a CLIPPY=1 build, rustdoc, checkpatch --strict --codespell on
# the exported series, the docs page, and the 100-column limit. Warnings count only in our
# files. Prints "N passed, N failed" over the checks and exits non-zero if one failed.
# CHECKS="checkpatch columns" runs only those.

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/series.sh"
bash "$TOP/harness/build.sh" >/dev/null

CHECKS=${CHECKS:-rustfmtcheck clippy rustdoc checkpatch docs columns}
name=$BUILD_NAME
out=$OUT-$name
MAKE="$KMAKE O=$out -j$(nproc)"
pass=0
fail=0

want() { [[ " $CHECKS " == *" $1 "* ]]; }
result() { # name, status
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		log "check $1: ok"
	else
		fail=$((fail + 1))
		log "check $1: FAILED"
	fi
}

if want rustfmtcheck; then
	st=0
	in_root "$MAKE rustfmtcheck" >"$ROOT$out/rustfmt.log" 2>&1 || st=$?
	[ $st = 0 ] || head -40 "$ROOT$out/rustfmt.log" >&2
	result rustfmtcheck $st
fi

# Runs `make $2` in the build root, log in $3; fails on an error or on a warning in our files.
make_check() {
	local st=0 w
	in_root "$MAKE $2" >"$ROOT$out/$3" 2>&1 || st=$?
	w=$(our_warnings "$ROOT$out/$3")
	[ -z "$w" ] || { echo "$w" >&2; st=1; }
	[ $st = 0 ] || tail -20 "$ROOT$out/$3" >&2
	result "$1" $st
}

! want clippy || make_check clippy "CLIPPY=1 $IMAGE_TARGET modules" clippy.log
! want rustdoc || make_check rustdoc rustdoc rustdoc.log

if want checkpatch; then
	bash "$TOP/harness/export.sh" >/dev/null
	rm -rf "$ROOT/src/patches"
	cp -r "$TOP/out/series" "$ROOT/src/patches"
	# codespell's dictionary less "inout" (a Rust asm! operand kind, not a typo of "input").
	grep -v '^inout->' "$ROOT"/usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt \
		>"$ROOT/src/codespell-dictionary.txt"
	# Every patch but the cover letter.
	patches=$(cd "$ROOT/src/patches" && ls -- *.patch | grep -v cover-letter |
		sed 's,^,/src/patches/,' | tr '\n' ' ')
	st=0
	IN_DIR=$SRC in_root "scripts/checkpatch.pl --strict --codespell \
		--codespellfile=/src/codespell-dictionary.txt -q $patches" \
		>"$TOP/out/checkpatch.log" 2>&1 || st=$?
	! grep -qE '^(ERROR|WARNING|CHECK)' "$TOP/out/checkpatch.log" || st=1
	[ $st = 0 ] || cat "$TOP/out/checkpatch.log" >&2
	result checkpatch $st
fi

if want docs; then
	# Our page must be valid reStructuredText without warnings (docutils, not a full htmldocs).
	st=0
	IN_DIR=$SRC in_root "python3 -c 'import docutils.core as d; d.publish_string(
		open(\"Documentation/rust/percpu.rst\").read(), writer_name=\"null\",
		settings_overrides={\"report_level\": 2, \"halt_level\": 2})'" || st=$?
	result docs $st
fi

if want columns; then
	long=$(cd "$TOP" && git ls-files 'rust/*' 'samples/*' 'Documentation/*' 'series/*' |
		xargs awk 'length($0) > 100 { printf "%s:%d\n", FILENAME, FNR }' || true)
	[ -z "$long" ] || echo "lines over 100 columns: $long" >&2
	result columns "$([ -z "$long" ] && echo 0 || echo 1)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
