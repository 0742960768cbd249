#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unpacks Debian's linux-source package into a git tree whose first commit is the untouched
# base (branch "base"). Kept in the build root; an existing tree is reused.

. "$(dirname "$0")/lib.sh"
need_root
bash "$TOP/harness/provision.sh"

[ -f "$ROOT$SRC/.git/base-ready" ] && exit 0

log "unpacking linux-source-$KVER into $ROOT$SRC"
rm -rf "$ROOT$SRC"
mkdir -p "$ROOT$SRC"
tar -xJf "$ROOT/usr/src/linux-source-$KVER.tar.xz" -C "$ROOT$SRC" --strip-components=1 ||
	die "could not unpack the kernel source"
IN_DIR=$SRC in_root "git init -q -b base . && git config gc.auto 0 && \
	git config user.name 'rust-percpu harness' && git config user.email 'harness@invalid' && \
	git add -f -A && git commit -q -m 'Linux $KVER (Debian linux-source-$KVER)' && \
	git tag -f v$KVER-base >/dev/null" || die "could not make the base commit"
touch "$ROOT$SRC/.git/base-ready"
log "kernel tree ready: $ROOT$SRC"
