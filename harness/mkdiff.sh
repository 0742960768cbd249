#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Helper for developers: writes the edit of existing kernel files as a unified diff.
# Usage: mkdiff.sh OLD_ROOT NEW_ROOT PATH... >series/NNNN-x/name.diff
old=$1 new=$2
shift 2
for f in "$@"; do
	diff -u --label "a/$f" --label "b/$f" "$old/$f" "$new/$f"
done
exit 0
