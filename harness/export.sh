#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exports every series of series/order with git format-patch into $TOP/out/series/NAME/, signed
# off as SERIES_AUTHOR_NAME/SERIES_AUTHOR_EMAIL or this repository's git user.name/user.email;
# refuses without one. A series with a cover-letter (first paragraph = subject) gets it as patch
# 0000; series/NAME/recipients ("To: Name <address>" or "Cc: ..." lines) become the To: and Cc:
# of each of its mails; a series that needs others gets base-commit and prerequisite-patch-id
# lines (theirs), a stand-alone one none. SERIES_VERSION=N makes them "[PATCH vN ...]".
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
# The cover letters are from the committer.
export GIT_COMMITTER_NAME=$SERIES_NAME GIT_COMMITTER_EMAIL=$SERIES_EMAIL
prev=v$KVER-base
before=
while read -r s deps; do
	s=${s%:}
	args=()
	if [ -n "$deps" ]; then
		# git names every patch between the base and the series as a prerequisite: those
		# must be exactly the series it needs.
		for b in $before; do
			[[ " $deps " == *" $b "* ]] || die "series $s comes after $b, which it does not
need (series/order): move $b after it, or name it on its line"
		done
		args+=(--base="v$KVER-base")
	fi
	# A series with an "rfc" file (which says why) is posted as [RFC PATCH].
	[ ! -f "$TOP/series/$s/rfc" ] || args+=(--rfc)
	if [ -f "$TOP/series/$s/cover-letter" ]; then
		git config "branch.series-$s.description" "$(cat "$TOP/series/$s/cover-letter")"
		args+=(--cover-letter --cover-from-description=subject)
	fi
	if [ -f "$TOP/series/$s/recipients" ]; then
		while read -r kind who; do
			case $kind in
			To:) args+=(--to="$who") ;;
			Cc:) args+=(--cc="$who") ;;
			''|'#'*) ;;
			*) die "series/$s/recipients: '$kind $who' is not a To: or Cc: line" ;;
			esac
		done <"$TOP/series/$s/recipients"
	fi
	git format-patch -q "${args[@]}" ${SERIES_VERSION:+-v"$SERIES_VERSION"} -o "$dest/$s" \
		"$prev..series-$s" >/dev/null || die "git format-patch of series $s failed"
	log "series $s: $(ls "$dest/$s" | wc -l) files in $dest/$s"
	prev=series-$s
	before+=" $s"
done < <(series_list)
log "exported $(series_list | wc -l) series to $dest as $SERIES_NAME <$SERIES_EMAIL>"
(cd "$dest" && ls -- */)
