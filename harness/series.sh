#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lays our series on the base kernel tree as one commit per directory of series/, in order:
# the files listed in its "files" (from its tree/ snapshot if it has one, else the final version
# in this repository), then its *.diff edits of existing kernel files, committed with its "msg"
# and a Signed-off-by. Checks the result out incrementally (only
# files that differ are rewritten, so builds stay incremental).
# Usage: series.sh [N]   apply the first N patches only (default: all)

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/tree.sh"

limit=${1:-999}
export GIT_DIR=$ROOT$SRC/.git
export GIT_INDEX_FILE=$GIT_DIR/series-index
# Author and sign-off: SERIES_AUTHOR_NAME/EMAIL, else this repository's git user, else the
# test identity (see series_identity in lib.sh; export.sh refuses to export that one).
series_identity
export GIT_AUTHOR_NAME=$SERIES_NAME GIT_AUTHOR_EMAIL=$SERIES_EMAIL
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
# Fixed dates keep commit ids stable, so an unchanged series checks out as a no-op.
export GIT_AUTHOR_DATE='2026-11-28T00:00:00Z' GIT_COMMITTER_DATE='2026-11-28T00:00:00Z'

git read-tree "v$KVER-base"
head=$(git rev-parse "v$KVER-base^{commit}")
dirs=("$TOP"/series/*/)
n=0
for d in "${dirs[@]}"; do
	n=$((n + 1))
	[ $n -le "$limit" ] || break
	if [ -f "$d/files" ]; then
		# Each file the patch adds or changes, whole: the patch's own snapshot if it has
		# one (a file that later patches change further), else the final version.
		while read -r f; do
			[ -n "$f" ] || continue
			src=$TOP/$f
			[ ! -f "$d/tree/$f" ] || src=$d/tree/$f
			[ -f "$src" ] || die "$d/files names $f, which does not exist"
			blob=$(git hash-object -w "$src")
			git update-index --add --cacheinfo "100644,$blob,$f"
		done <"$d/files"
	fi
	for p in "$d"/*.diff; do
		[ -f "$p" ] || continue
		# @SERIES_AUTHOR@ (the MAINTAINERS entry) is whoever signs the series off.
		sed "s/@SERIES_AUTHOR@/$GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>/" "$p" |
			git apply --cached - || die "$p does not apply"
	done
	[ -s "$d/msg" ] || die "$d has no commit message (msg)"
	tree=$(git write-tree)
	head=$(git interpret-trailers --trailer "Signed-off-by: $GIT_AUTHOR_NAME <$GIT_AUTHOR_EMAIL>" \
		<"$d/msg" | git commit-tree "$tree" -p "$head" -F -)
done
git update-ref refs/heads/series "$head"
unset GIT_INDEX_FILE
cd "$ROOT$SRC"
git checkout -q -f series
log "series applied: $(git rev-list --count "v$KVER-base..series") patches on Linux $KVER"
