#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Makes the Debian trixie build root with the toolchain, QEMU and the kernel source package.
# The root is cached under $CACHE, keyed by its package list; an existing one is reused.

. "$(dirname "$0")/lib.sh"
need_root

ensure_extra() {
	local missing=() p
	for p in $EXTRA_PKGS; do
		chroot "$ROOT" dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} = 0 ] && return 0
	log "installing ${missing[*]} into the build root"
	mount_root
	with_progress "installing extra packages" "apt_progress $CACHE/apt.log" \
		chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive /bin/bash -c "apt-get update -q && \
		apt-get install -y -q --no-install-recommends -t trixie-backports ${missing[*]} && apt-get clean" \
		>>"$CACHE/apt.log" 2>&1 || die "apt-get in the build root failed, see $CACHE/apt.log"
}

if [ -f "$ROOT/.ready" ]; then
	ensure_extra
	exit 0
fi

if ! command -v debootstrap >/dev/null; then
	log "installing debootstrap on the host"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
		>/dev/null || die "could not install debootstrap on the host"
fi

mkdir -p "$CACHE"
tmp=$ROOT.tmp
for m in proc sys dev; do umount -R "$tmp/$m" 2>/dev/null || true; done
rm -rf "$tmp"
log "debootstrap trixie into $tmp"
with_progress debootstrap "tail -1 $CACHE/debootstrap.log" \
	debootstrap --variant=minbase trixie "$tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
	die "debootstrap failed, see $CACHE/debootstrap.log"

cat >"$tmp/etc/apt/sources.list" <<SRC
deb $MIRROR trixie main
deb $MIRROR trixie-backports main
SRC
for m in proc sys dev; do mount --rbind "/$m" "$tmp/$m"; mount --make-rslave "$tmp/$m"; done
trap 'for m in proc sys dev; do umount -R "$tmp/$m" 2>/dev/null || true; done' EXIT
log "installing the toolchain into the build root"
with_progress "installing the toolchain" "apt_progress $CACHE/apt.log" \
	chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive /bin/bash -c "apt-get update -q && \
	apt-get install -y -q --no-install-recommends $(echo $ROOT_PKGS) && \
	apt-get install -y -q --no-install-recommends -t trixie-backports $BACKPORT_PKGS && \
	apt-get clean" >"$CACHE/apt.log" 2>&1 || die "apt-get in the build root failed, see $CACHE/apt.log"
for m in proc sys dev; do umount -R "$tmp/$m"; done
trap - EXIT
touch "$tmp/.ready"
mv "$tmp" "$ROOT"
ensure_extra
log "build root ready: $ROOT"
