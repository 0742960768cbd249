#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Exports the series with git format-patch (cover letter from series/cover-letter) into
# $TOP/out/series.

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/series.sh"

dest=$TOP/out/series
rm -rf "$dest"
mkdir -p "$dest"
cd "$ROOT$SRC"
git config branch.series.description "$(cat "$TOP/series/cover-letter")"
git format-patch -q --cover-letter --cover-from-description=subject -v"${SERIES_VERSION:-5}" \
	--base="v$KVER-base" -o "$dest" "v$KVER-base..series" >/dev/null ||
	die "git format-patch failed"
log "exported $(ls "$dest" | wc -l) files to $dest"
ls "$dest"
