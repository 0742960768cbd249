#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Static checks: rustfmtcheck, a CLIPPY=1 build, rustdoc, checkpatch --strict --codespell on
# every exported series, git am of them on the pristine base (all in the order of series/order,
# and each stand-alone series alone), the docs page through the kernel's htmldocs, and the
# 100-column limit. Warnings count only in our files. Prints "N passed, N
# failed" over the checks and exits non-zero if one failed. CHECKS="am columns" (or am,columns)
# runs only those.

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/series.sh"

CHECKS=${CHECKS:-rustfmtcheck clippy rustdoc checkpatch am htmldocs columns}
CHECKS=${CHECKS//,/ }
want() { [[ " $CHECKS " == *" $1 "* ]]; }
# Only the checks that run make in the build directory need the kernel built.
if want rustfmtcheck || want clippy || want rustdoc; then
	bash "$TOP/harness/build.sh" >/dev/null
fi
name=$BUILD_NAME
out=$OUT-$name
MAKE="$KMAKE O=$out -j$(nproc)"
pass=0
fail=0

t=$SECONDS

result() { # name, status; the time is since the previous result
	if [ "$2" = 0 ]; then
		pass=$((pass + 1))
		log "check $1: ok ($((SECONDS - t))s)"
	else
		fail=$((fail + 1))
		log "check $1: FAILED ($((SECONDS - t))s)"
	fi
	t=$SECONDS
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

if want checkpatch || want am; then
	# The series as `make series` exports them (with the test identity if there is no real
	# one), into a directory of its own so that a real export in out/series stays as it is.
	bash "$TOP/harness/export.sh" --test "$TOP/out/check-series" >/dev/null
	rm -rf "$ROOT/src/patches"
	cp -r "$TOP/out/check-series" "$ROOT/src/patches"
	# Every patch but the cover letters: of series NAME ($1), or of all, in order.
	series_files() {
		local s
		for s in ${1:-$(series_list | cut -d: -f1)}; do
			(cd "$ROOT/src/patches/$s" && ls -- *.patch | grep -v cover-letter |
				sed "s,^,/src/patches/$s/,")
		done | tr '\n' ' '
	}
	patches=$(series_files)
fi

if want checkpatch; then
	# codespell's dictionary less "inout" (a Rust asm! operand kind, not a typo of "input").
	grep -v '^inout->' "$ROOT"/usr/lib/python3/dist-packages/codespell_lib/data/dictionary.txt \
		>"$ROOT/src/codespell-dictionary.txt"
	st=0
	# checkpatch asks "does MAINTAINERS need updating?" of every patch that adds a file; the
	# series adds one MAINTAINERS entry, with the first file, and puts the guards and
	# on_each_cpu into the entries of the C code they wrap, so instead every file the series
	# adds must belong to one of those entries (get_maintainer.pl on the series' tree).
	IN_DIR=$SRC in_root "scripts/checkpatch.pl --strict --codespell \
		--codespellfile=/src/codespell-dictionary.txt --ignore FILE_PATH_CHANGES -q $patches" \
		>"$TOP/out/checkpatch.log" 2>&1 || st=$?
	for f in $(git -C "$ROOT$SRC" diff --name-only --diff-filter=A "v$KVER-base" series); do
		# Not `grep -q`: exiting early would kill get_maintainer.pl with SIGPIPE (pipefail).
		IN_DIR=$SRC in_root "scripts/get_maintainer.pl --nogit --nogit-fallback --roles -f $f" \
			2>/dev/null | grep -E ':(PER-CPU VARIABLES \[RUST\]|SCHEDULER|CPU HOTPLUG)\)' \
			>/dev/null ||
			echo "WARNING: $f is in none of the series' MAINTAINERS entries" \
				>>"$TOP/out/checkpatch.log"
	done
	! grep -qE '^(ERROR|WARNING|CHECK)' "$TOP/out/checkpatch.log" || st=1
	[ $st = 0 ] || cat "$TOP/out/checkpatch.log" >&2
	result checkpatch $st
fi

if want am; then
	# The patches apply with git am on the pristine base, in a throwaway clone of the tree:
	# each stand-alone series alone, then all series in order.
	st=0
	rm -rf "$ROOT/src/am-check"
	am="git -c user.name=am-check -c user.email=am-check@invalid am -q"
	alone=
	for s in $(series_list | grep -v : || true); do
		alone+="echo 'git am of series $s alone' && $am $(series_files "$s") && \
			git reset -q --hard v$KVER-base && "
	done
	IN_DIR=/src in_root "git -c advice.detachedHead=false clone -q --shared -b v$KVER-base \
		linux am-check && cd am-check && $alone \
		echo 'git am of all series in order' && $am $patches" \
		>"$TOP/out/am.log" 2>&1 || st=$?
	rm -rf "$ROOT/src/am-check"
	[ $st = 0 ] || cat "$TOP/out/am.log" >&2
	result am $st
fi

if want htmldocs; then
	# Our page through the kernel's own `make htmldocs` (Sphinx) of Documentation/rust: no
	# warning or error may name it. The output is in a build directory of its own.
	st=0
	in_root "$KMAKE -j$(nproc) O=$OUT-htmldocs htmldocs SPHINXDIRS=rust" \
		>"$TOP/out/htmldocs.log" 2>&1 || st=$?
	! grep -E 'WARNING|ERROR|SEVERE|CRITICAL' "$TOP/out/htmldocs.log" | grep percpu >&2 || st=1
	[ $st = 0 ] || tail -20 "$TOP/out/htmldocs.log" >&2
	result htmldocs $st
fi

if want columns; then
	# In a *.diff the first column is the diff's own (' ', '+' or '-'); the line is the rest.
	long=$(cd "$TOP" && git ls-files 'rust/*' 'samples/*' 'Documentation/*' 'series/*' |
		xargs awk '{ n = length($0) - (FILENAME ~ /\.diff$/) }
			n > 100 { printf "%s:%d\n", FILENAME, FNR }' || true)
	[ -z "$long" ] || echo "lines over 100 columns: $long" >&2
	result columns "$([ -z "$long" ] && echo 0 || echo 1)"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
