#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make series-check`: builds the tree at every patch of every series, in the order of
# series/order, incrementally, in a worktree of its own (so the main build is not disturbed),
# with a CLIPPY=1 build, rustfmtcheck and make rustdoc (no warnings from our files; a doc link
# to an item of a later patch is one) at each step. Reports per patch, as "SERIES N/M subject".
# Usage: series_check.sh [SERIES...]   only the patches of those series (default: all)

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/series.sh"

wt=/src/linux-series-check
out=$OUT-series-check
cat "$TOP/config/base.config" "$TOP/config/percpu.config" >"$ROOT/src/series-check.config"
if [ ! -d "$ROOT$wt" ]; then
	git -C "$ROOT$SRC" worktree add -f --detach "$ROOT$wt" "v$KVER-base" >/dev/null 2>&1 ||
		die "could not make the worktree"
fi
MAKE="$KMAKE O=$out -j$(nproc)"
pass=0
fail=0
# Each commit of the series branch, as "SERIES N/M COMMIT", from the series-NAME refs.
patches() {
	local prev=v$KVER-base s commits m i c
	for s in $(series_list | cut -d: -f1); do
		commits=$(git -C "$ROOT$SRC" rev-list --reverse "$prev..series-$s")
		m=$(echo "$commits" | wc -l)
		i=0
		for c in $commits; do
			i=$((i + 1))
			echo "$s $i/$m $c"
		done
		prev=series-$s
	done
}
list=$(patches)
if [ $# -gt 0 ]; then
	for s in "$@"; do
		grep -q "^$s " <<<"$list" || die "series-check: no series $s in series/order"
	done
	list=$(grep -E "^($(IFS='|'; echo "$*")) " <<<"$list")
fi
total=$(echo "$list" | wc -l)
n=0
while read -r s i c <&3; do
	n=$((n + 1))
	subj="$s $i: $(git -C "$ROOT$SRC" log -1 --format=%s "$c")"
	git -C "$ROOT$wt" checkout -q -f "$c"
	st=0
	IN_DIR=$wt with_progress "patch $n of $total" \
		"build_progress $ROOT$out $(date +%s)" in_root "mkdir -p $out && \
		KCONFIG_ALLCONFIG=/src/series-check.config \
		$MAKE allnoconfig >/dev/null && $MAKE CLIPPY=1 $IMAGE_TARGET modules >$out/build.log 2>&1 && \
		$MAKE rustfmtcheck >$out/fmt.log 2>&1 && $MAKE rustdoc >$out/rustdoc.log 2>&1" || st=$?
	w=$(our_warnings "$ROOT$out/build.log"; our_warnings "$ROOT$out/rustdoc.log")
	if [ $st = 0 ] && [ -z "$w" ]; then
		find "$ROOT$out" -name '*.o' | wc -l >"$ROOT$out/.objects"
		echo "ok   $subj"
		pass=$((pass + 1))
	else
		echo "FAIL $subj"
		[ -z "$w" ] || echo "$w"
		[ $st = 0 ] || for l in build fmt rustdoc; do
			tail -15 "$ROOT$out/$l.log" 2>/dev/null
		done
		fail=$((fail + 1))
	fi
done 3<<<"$list"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
