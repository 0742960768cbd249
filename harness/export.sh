#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exports the series with git format-patch (cover letter from series/cover-letter) into
# $TOP/out/series, signed off as SERIES_AUTHOR_NAME/SERIES_AUTHOR_EMAIL or this repository's
# git user.name/user.email; refuses without one. SERIES_VERSION=N makes it "[PATCH vN ...]".
# Usage: export.sh [--test DIR]   (checks: export into DIR, with the test identity if need be)

. "$(dirname "$0")/lib.sh"
need_root

dest=$TOP/out/series
[ "${1:-}" != --test ] || dest=${2:?usage: export.sh [--test DIR]}
series_identity
if [ -n "$SERIES_TEST_IDENTITY" ] && [ "${1:-}" != --test ]; then
	die "no identity to sign the series off with: found '$SERIES_FOUND', which is empty or a
placeholder (an .invalid, .example, .test or example.com address).
Set the author and Signed-off-by of the series, either for this command:
    SERIES_AUTHOR_NAME='Your Name' SERIES_AUTHOR_EMAIL=you@your.domain make series
or for this repository:
    git -C $TOP config user.name 'Your Name'
    git -C $TOP config user.email you@your.domain"
fi
bash "$TOP/harness/series.sh"

rm -rf "$dest"
mkdir -p "$dest"
cd "$ROOT$SRC"
git config branch.series.description "$(cat "$TOP/series/cover-letter")"
# The cover letter is from the committer.
export GIT_COMMITTER_NAME=$SERIES_NAME GIT_COMMITTER_EMAIL=$SERIES_EMAIL
git format-patch -q --cover-letter --cover-from-description=subject \
	${SERIES_VERSION:+-v"$SERIES_VERSION"} --base="v$KVER-base" -o "$dest" \
	"v$KVER-base..series" >/dev/null || die "git format-patch failed"
log "exported $(ls "$dest" | wc -l) files to $dest as $SERIES_NAME <$SERIES_EMAIL>"
ls "$dest"
