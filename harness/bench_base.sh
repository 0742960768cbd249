#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kernel without the Binder patch, for the Binder case of `make bench`: the series up to the
# patch before series/*/NNNN-binder (what `series.sh N` lays), checked out in a worktree of the
# kernel tree of its own (/src/linux-nobinder), so that neither the main tree nor its build is
# touched and both stay incremental; built as $BUILD_NAME-nobinder with the same configuration.
# Run after series.sh (it takes the commits of the "series" branch). Prints the build name.

. "$(dirname "$0")/lib.sh"
need_root

n=0 k=0
for d in $(series_patches); do
	n=$((n + 1))
	case $d in *-binder) k=$n ;; esac
done
[ $k -gt 1 ] || die "no series/*/NNNN-binder patch: nothing to compare against"
commits=$(git -C "$ROOT$SRC" rev-list --reverse "v$KVER-base..series")
binder=$(sed -n "${k}p" <<<"$commits")
base=$(sed -n "$((k - 1))p" <<<"$commits")
[ -n "$binder" ] && [ -n "$base" ] ||
	die "the series branch has fewer than $k patches (run series.sh)"
case $(git -C "$ROOT$SRC" log -1 --format=%s "$binder") in
*binder*) ;;
*) die "patch $k of the series branch is not the Binder patch" ;;
esac

wt=/src/linux-nobinder
# As series_check.sh: host git, host paths.
if [ ! -d "$ROOT$wt" ]; then
	git -C "$ROOT$SRC" worktree add -f --detach "$ROOT$wt" "$base" >/dev/null 2>&1 ||
		die "could not make the worktree $ROOT$wt"
fi
# Rewrites only the files that differ (kbuild then rebuilds only what they touch).
git -C "$ROOT$wt" checkout -q -f --detach "$base" || die "could not check out $base in $ROOT$wt"
log "kernel without the Binder patch ($((k - 1)) patches):" \
	"$(git -C "$ROOT$SRC" log -1 --oneline "$base")"
# lib.sh appends the toolchain to the name again.
name=${BUILD_NAME%-"$TOOLCHAIN"}-nobinder
IN_DIR=$wt BUILD_NAME=$name bash "$TOP/harness/build.sh" "$@" >&2
[ "$TOOLCHAIN" = default ] || name+=-$TOOLCHAIN
echo "$name"
