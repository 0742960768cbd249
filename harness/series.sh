#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Lays our series on the base kernel tree, in the order of series/order, as one commit per patch
# directory (series/NAME/NNNN-x): the files listed in its "files" (from its tree/ snapshot if it
# has one, else the final version in this repository), then its *.diff edits of existing kernel
# files, committed with its "msg" and a Signed-off-by. Branch "series" is everything laid, and
# "series-NAME" the last patch of series NAME (export.sh exports each series between these).
# Checks the result out incrementally (only files that differ are rewritten, so builds stay
# incremental).
# Usage: series.sh [N | NAME]   only the first N patches, or the series up to and including
#                               NAME (default: all)

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/tree.sh"

limit=${1:-999}
names=$(series_list | cut -d: -f1)
for s in $names; do
	[ -d "$TOP/series/$s" ] || die "series/order names $s, which is not a directory of series/"
done
[[ $limit == [0-9]* ]] || grep -qxF -- "$limit" <<<"$names" ||
	die "series.sh: $limit is neither a number of patches nor a series of series/order"
export GIT_DIR=$ROOT$SRC/.git
export GIT_INDEX_FILE=$GIT_DIR/series-index
# Author and sign-off: SERIES_AUTHOR_NAME/EMAIL, else this repository's git user, else the
# test identity (see series_identity in lib.sh; export.sh refuses to export that one).
series_identity
export GIT_AUTHOR_NAME=$SERIES_NAME GIT_AUTHOR_EMAIL=$SERIES_EMAIL
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
# Fixed dates keep commit ids stable, so an unchanged series checks out as a no-op.
export GIT_AUTHOR_DATE='2026-11-28T00:00:00Z' GIT_COMMITTER_DATE='2026-11-28T00:00:00Z'

# Commits the patch directory $1 on $head.
lay_patch() {
	local d=$1 f src blob p tree
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
}

git read-tree "v$KVER-base"
head=$(git rev-parse "v$KVER-base^{commit}")
# No series-NAME ref of an earlier run may outlive its series or point past this run's end.
git for-each-ref --format='%(refname)' 'refs/heads/series-*' | while read -r r; do
	git update-ref -d "$r"
done
n=0
for s in $names; do
	[[ $limit != [0-9]* ]] || [ $n -lt "$limit" ] || break
	for d in "$TOP/series/$s"/[0-9][0-9][0-9][0-9]-*/; do
		[ -d "$d" ] || die "series/$s has no patch directory (NNNN-name)"
		n=$((n + 1))
		[[ $limit != [0-9]* ]] || [ $n -le "$limit" ] || break
		lay_patch "${d%/}"
	done
	git update-ref "refs/heads/series-$s" "$head"
	[ "$s" != "$limit" ] || break
done
git update-ref refs/heads/series "$head"
unset GIT_INDEX_FILE
cd "$ROOT$SRC"
git checkout -q -f series
log "series applied: $(git rev-list --count "v$KVER-base..series") patches on Linux $KVER" \
	"($(git for-each-ref --format='%(refname:short)' 'refs/heads/series-*' | wc -l) series)"
