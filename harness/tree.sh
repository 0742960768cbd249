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
tarball=$ROOT/usr/src/linux-source-$KVER.tar.xz
mb=$(xz --robot -l "$tarball" | awk '$1 == "totals" { print int($5 / 1048576) }')
unpacked() { echo "$(du -sm --apparent-size "$ROOT$SRC" | cut -f1) of about $mb MB"; }
with_progress unpacking unpacked tar -xJf "$tarball" -C "$ROOT$SRC" --strip-components=1 ||
	die "could not unpack the kernel source"
in_git() { echo "$(du -sm "$ROOT$SRC/.git" | cut -f1) MB in .git"; }
IN_DIR=$SRC with_progress "committing the base tree" in_git \
	in_root "git init -q -b base . && git config gc.auto 0 && \
	git config user.name 'rust-percpu harness' && git config user.email 'harness@invalid' && \
	git add -f -A && git commit -q -m 'Linux $KVER (Debian linux-source-$KVER)' && \
	git tag -f v$KVER-base >/dev/null" || die "could not make the base commit"
touch "$ROOT$SRC/.git/base-ready"
log "kernel tree ready: $ROOT$SRC"
