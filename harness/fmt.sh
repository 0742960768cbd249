#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the kernel's rustfmt on the applied series and copies our whole files back.

. "$(dirname "$0")/lib.sh"
need_root
IN_DIR=$SRC in_root "$KMAKE O=$OUT-$BUILD_NAME rustfmt" ||
	die "rustfmt failed"
cat "$TOP"/series/*/[0-9]*/files | sort -u | while read -r f; do
	case $f in *.rs) cmp -s "$ROOT$SRC/$f" "$TOP/$f" || { cp "$ROOT$SRC/$f" "$TOP/$f"; log "formatted $f"; } ;; esac
done
git -C "$ROOT$SRC" diff --stat
