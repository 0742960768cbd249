#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lays our series on the base kernel tree as one commit per directory of series/, in order:
# the files listed in its "files" (copied from this repository), then its *.diff edits of
# existing kernel files, committed with its "msg". Checks the result out incrementally (only
# files that differ are rewritten, so builds stay incremental).
# Usage: series.sh [N]   apply the first N patches only (default: all)

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/tree.sh"

limit=${1:-999}
export GIT_DIR=$ROOT$SRC/.git
export GIT_INDEX_FILE=$GIT_DIR/series-index
export GIT_AUTHOR_NAME=${SERIES_AUTHOR_NAME:-Rust per-CPU developers}
export GIT_AUTHOR_EMAIL=${SERIES_AUTHOR_EMAIL:-rust-percpu@invalid}
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
		while read -r f; do
			[ -n "$f" ] || continue
			[ -f "$TOP/$f" ] || die "$d/files names $f, which does not exist"
			blob=$(git hash-object -w "$TOP/$f")
			git update-index --add --cacheinfo "100644,$blob,$f"
			# Our files hold their final content; a later patch that edits one (a *.diff
			# touching it) is undone here, last first, so that it can be redone in its
			# own patch.
			for ((i = ${#dirs[@]} - 1; i >= n; i--)); do
				for p in "${dirs[$i]}"*.diff; do
					[ -f "$p" ] && grep -qxF "+++ b/$f" "$p" || continue
					git apply --cached -R --include="$f" "$p" ||
						die "could not undo $p on $f"
				done
			done
		done <"$d/files"
	fi
	for p in "$d"/*.diff; do
		[ -f "$p" ] || continue
		git apply --cached "$p" || die "$p does not apply"
	done
	[ -s "$d/msg" ] || die "$d has no commit message (msg)"
	tree=$(git write-tree)
	head=$(printf '%s\n\nSigned-off-by: %s <%s>\n' "$(cat "$d/msg")" "$GIT_AUTHOR_NAME" \
		"$GIT_AUTHOR_EMAIL" | git commit-tree "$tree" -p "$head" -F -)
done
git update-ref refs/heads/series "$head"
unset GIT_INDEX_FILE
cd "$ROOT$SRC"
git checkout -q -f series
log "series applied: $(git rev-list --count "v$KVER-base..series") patches on Linux $KVER"
