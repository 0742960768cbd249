# SPDX-License-Identifier: GPL-2.0
# Common settings for the harness scripts. Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Every target writes its logs and tables to out/, which a fresh clone does not have.
mkdir -p "$TOP/out"
CACHE=${RUST_PERCPU_CACHE:-/var/cache/rust-percpu}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
KVER=7.3

# The toolchain. Default: rustc 1.85 (the kernel's minimum) and clang 19 (LLVM 19).
# TOOLCHAIN=latest: Debian's rustc-web 1.96 (the newest rustc in trixie) and clang 22 (LLVM 22,
# as rustc-web), in a root of its own (rustc-web conflicts with rustc). Inside the root clang
# 22's tools come first in PATH; bindgen (0.71.1, the only one in trixie) keeps libclang 19
# (before 0.72.1 it drops the fields of a struct declared before its definition with libclang
# 22) and ignores the warning options that clang 19 does not know.
ROOT_ENV=PATH=/usr/sbin:/usr/bin:/sbin:/bin
case ${TOOLCHAIN:=default} in
default) TOOLCHAIN_PKGS="rustc rust-src rustfmt rust-clippy clang lld llvm libclang-dev" ;;
latest)
	TOOLCHAIN_PKGS="rustc-web rust-web-src rustfmt-web rust-web-clippy clang-22 lld-22 llvm-22"
	ROOT_ENV="PATH=/usr/lib/llvm-22/bin:/usr/sbin:/usr/bin:/sbin:/bin
LIBCLANG_PATH=/usr/lib/llvm-19/lib BINDGEN_EXTRA_CLANG_ARGS=-Wno-unknown-warning-option"
	;;
*) printf 'error: TOOLCHAIN=%s is not known (default, latest)\n' "$TOOLCHAIN" >&2; exit 1 ;;
esac
# Packages of the build root. Changing this list (or provision.sh) makes a new root.
ROOT_PKGS="$TOOLCHAIN_PKGS bindgen make flex
bison bc libelf-dev libssl-dev cpio kmod python3 busybox-static xz-utils git perl libdw-dev
ca-certificates python3-docutils codespell"
BACKPORT_PKGS="linux-source-$KVER qemu-system-x86"
# Tools added later; installed into an existing root without rebuilding it (not in the key).
# libc6-dev, libgcc and their arm64 cross versions: the static Binder test programs (tests/binder/)
# that clang builds for the initramfs.
EXTRA_PKGS="python3-ply python3-git python3-matplotlib qemu-system-arm python3-sphinx python3-yaml
libc6-dev libgcc-14-dev libc6-dev-arm64-cross libgcc-14-dev-arm64-cross"

# Bump RECIPE when provision.sh changes what it makes.
RECIPE=1
ROOT_KEY=$(printf '%s\n' "$RECIPE" "$ROOT_PKGS" "$BACKPORT_PKGS" "$MIRROR" | sha256sum | cut -c1-12)
ROOT=$CACHE/root-$ROOT_KEY
# Paths as seen inside the build root.
SRC=/src/linux
OUT=/src/out

# The target architecture: x86_64 (default) or arm64 (cross-built by clang, booted on QEMU's
# "virt" machine). Builds are named after it unless BUILD_NAME says otherwise.
ARCH=${ARCH:-x86_64}
case $ARCH in
x86_64) KIMAGE=arch/x86/boot/bzImage IMAGE_TARGET=bzImage ;;
arm64) KIMAGE=arch/arm64/boot/Image IMAGE_TARGET=Image ;;
*) printf 'error: ARCH=%s is not supported (x86_64, arm64)\n' "$ARCH" >&2; exit 1 ;;
esac
BUILD_NAME=${BUILD_NAME:-$ARCH}
# Logs and tables in out/ name the toolchain too.
[ "$TOOLCHAIN" = default ] || [[ $BUILD_NAME == *-$TOOLCHAIN ]] || BUILD_NAME+=-$TOOLCHAIN
KMAKE="make -s LLVM=1 ARCH=$ARCH"

# Our files, in compiler messages.
OURS='rust/kernel/(percpu|preempt\.rs|smp\.rs|cpumask\.rs)|rust/helpers/(percpu|preempt|cpumask|local_lock)\.c|samples/rust/rust_percpu.rs'
# Our code in a kmemleak backtrace (boot.sh): Rust symbols (v0-mangled) of kernel::percpu,
# preempt, smp and cpumask, our doctests, the sample, Rust Binder's statistics, our C helpers.
OURS_LEAK='6kernel(6percpu|7preempt|3smp|7cpumask)|rust_doctest_kernel_(percpu|preempt|smp|cpumask)|11rust_percpu|\[rust_percpu\]|11rust_binder5stats|rust_helper_[a-z_]*(percpu|preempt|local_lock|cpumask)'

# Prints the warnings and errors of the build log $1 whose location (the "-->" line that
# follows) is one of our files.
our_warnings() {
	awk -v re="$OURS" '/^(warning|error)/ { msg = $0; next }
		/^ *--> / && msg != "" { if ($2 ~ re) print msg " at " $2; msg = "" }' "$1"
}

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Progress of long steps goes to the script's stderr, even when the step's output is redirected.
exec {PROGRESS_FD}>&2

# Runs "${@:3}"; meanwhile, every PROGRESS_INTERVAL (30) seconds, prints a line with the label
# $1, the elapsed time and what the shell command $2 prints (how far it got; "" for nothing).
# Returns the command's status.
with_progress() {
	local label=$1 probe=$2 parent=$BASHPID ticker st=0
	shift 2
	(
		start=$SECONDS
		# The ticker also stops if its caller is gone (Ctrl-C); sleep holds no output open.
		while sleep "${PROGRESS_INTERVAL:-30}" >/dev/null 2>&1 &&
			kill -0 "$parent" 2>/dev/null; do
			t=$((SECONDS - start))
			printf '    %s: %dm%02ds%s\n' "$label" $((t / 60)) $((t % 60)) \
				"${probe:+, $(eval "$probe" 2>/dev/null)}" >&"$PROGRESS_FD"
		done
	) &
	ticker=$!
	"$@" || st=$?
	kill "$ticker" 2>/dev/null || true
	wait "$ticker" 2>/dev/null || true
	return $st
}

# Progress of a kernel build in $1 (host path) started at $2 (seconds since the epoch): the
# objects written since, the count of a complete build of it (in $1/.objects) and the latest.
build_progress() {
	find "$1" -name '*.o' -newermt "@$2" -printf '%T@ %P\n' 2>/dev/null |
		awk -v all="$(cat "$1/.objects" 2>/dev/null)" '$1 > t { t = $1; last = $2 }
		END { printf "objects built: %d", NR; if (all) printf " (a full build has %d)", all
			if (last) printf ", latest %s", last }'
}

# Progress of the apt-get install logging to $1: packages fetched and set up of the total.
apt_progress() {
	awk '/ newly installed/ { n = $1 + $3; g = s = 0 } /^Get:/ { g++ } /^Setting up / { s++ }
		END { if (n) printf "%d of %d packages fetched, %d set up", g, n, s }' "$1"
}

# The author and Signed-off-by of the series: SERIES_AUTHOR_NAME/SERIES_AUTHOR_EMAIL, else
# this repository's git user.name/user.email. Sets SERIES_NAME and SERIES_EMAIL. Without one, or
# with a placeholder (an .invalid, .example, .test or example.com address), it sets the test
# identity below, SERIES_TEST_IDENTITY=1 and SERIES_FOUND (what it found): good for checks,
# refused by export.sh.
TEST_NAME='Test Identity Not For Submission'
TEST_EMAIL='test-identity@rust-percpu.invalid'
series_identity() {
	# Not GIT_DIR's (series.sh points it at the kernel tree).
	local git=(env -u GIT_DIR git -C "$TOP" config)
	SERIES_NAME=${SERIES_AUTHOR_NAME:-$("${git[@]}" user.name 2>/dev/null || true)}
	SERIES_EMAIL=${SERIES_AUTHOR_EMAIL:-$("${git[@]}" user.email 2>/dev/null || true)}
	SERIES_TEST_IDENTITY=
	if [ -z "$SERIES_NAME" ] || ! [[ $SERIES_EMAIL =~ ^[^@[:space:]]+@[^@[:space:]]+$ ]] ||
		[[ ${SERIES_EMAIL,,} =~ [.@](invalid|example|test|localhost)$ ]] ||
		[[ ${SERIES_EMAIL,,} =~ [.@]example\.(com|org|net)$ ]]; then
		SERIES_FOUND="$SERIES_NAME <$SERIES_EMAIL>"
		SERIES_NAME=$TEST_NAME SERIES_EMAIL=$TEST_EMAIL SERIES_TEST_IDENTITY=1
	fi
}

# The series of series/order, in the order they apply: one line each, "NAME" for a stand-alone
# series, "NAME: SERIES..." for one that needs the series named (every series before it).
series_list() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$TOP/series/order"
}

# The patch directories (series/NAME/NNNN-x) of every series, in the order they apply.
series_patches() {
	local s d
	for s in $(series_list | cut -d: -f1); do
		[ -d "$TOP/series/$s" ] || die "series/order names $s, which is not a directory of series/"
		for d in "$TOP/series/$s"/[0-9][0-9][0-9][0-9]-*/; do
			[ -d "$d" ] && echo "${d%/}"
		done
	done
}

need_root() {
	[ "$(id -u)" = 0 ] || die "the harness needs root (debootstrap, chroot); run it as root"
}

mount_root() {
	local m
	for m in proc sys dev; do
		mountpoint -q "$ROOT/$m" || mount --rbind "/$m" "$ROOT/$m"
		mount --make-rslave "$ROOT/$m" 2>/dev/null || true
	done
}

# Run a command inside the build root, in the kernel tree unless told otherwise.
in_root() {
	mount_root
	# shellcheck disable=SC2086 # ROOT_ENV is several words on purpose
	chroot "$ROOT" /usr/bin/env -i HOME=/root $ROOT_ENV \
		LANG=C.UTF-8 TERM=dumb /bin/bash -c "cd ${IN_DIR:-$SRC} 2>/dev/null || cd /; $1"
}

# Makes an initramfs tree with busybox at $ROOT$1 (a path inside the root), emptying it first.
initramfs_tree() {
	rm -rf "$ROOT$1"
	mkdir -p "$ROOT$1"/{bin,dev,proc,sys}
	local bb=$ROOT/usr/bin/busybox t
	# A failed fetch exits here, with its own message (set -e).
	[ "$ARCH" != arm64 ] || bb=$(arm64_busybox)
	cp "$bb" "$ROOT$1/bin/busybox"
	for t in sh mount insmod rmmod cat echo reboot grep; do ln -s busybox "$ROOT$1/bin/$t"; done
}

# Prints the path of an arm64 static busybox (Debian's busybox-static:arm64, unpacked once
# into the build root).
arm64_busybox() {
	local bb=$ROOT/opt/arm64/bin/busybox
	if [ ! -x "$bb" ]; then
		log "fetching Debian's arm64 busybox-static into the build root"
		in_root "dpkg --add-architecture arm64 && apt-get update -q && cd /tmp && \
			apt-get download busybox-static:arm64 && dpkg-deb -x busybox-static_*_arm64.deb /opt/arm64.tmp && \
			rm -f busybox-static_*_arm64.deb && mkdir -p /opt/arm64/bin && \
			mv /opt/arm64.tmp/usr/bin/busybox /opt/arm64/bin/busybox && rm -rf /opt/arm64.tmp" \
			>>"$CACHE/apt.log" 2>&1 || die "could not fetch the arm64 busybox, see $CACHE/apt.log"
	fi
	echo "$bb"
}

# Builds the static Binder test programs into the initramfs tree $1 (a path inside the root), in
# its bin/: binder_stats (tests/binder/binder_stats.c) and binderfs_test (the tree's binderfs
# selftest), with the root's clang for $ARCH (arm64: Debian's arm64 cross libc and libgcc) and
# the tree's Binder UAPI headers. Also makes the /tmp that the selftest needs.
binder_programs() {
	local target=x86_64-linux-gnu work=$1.binder
	[ "$ARCH" != arm64 ] || target=aarch64-linux-gnu
	rm -rf "$ROOT$work"
	mkdir -p "$ROOT$work/include/linux/android" "$ROOT$1/tmp"
	cp "$ROOT$SRC/include/uapi/linux/android/binder.h" \
		"$ROOT$SRC/include/uapi/linux/android/binderfs.h" "$ROOT$work/include/linux/android/"
	cp "$TOP/tests/binder/binder_stats.c" "$ROOT$work/"
	local cc="clang --target=$target -fuse-ld=lld -static -O2 -isystem $work/include"
	in_root "$cc -Wall -Wextra -o $1/bin/binder_stats $work/binder_stats.c && \
		$cc -pthread -I tools/testing/selftests -o $1/bin/binderfs_test \
		tools/testing/selftests/filesystems/binderfs/binderfs_test.c" >"$ROOT$work/build.log" 2>&1 ||
		{ cat "$ROOT$work/build.log" >&2; die "could not build the Binder test programs"; }
}

# Packs the initramfs tree $1 (inside the root) into $1.cpio.
initramfs_pack() {
	chmod +x "$ROOT$1/init"
	IN_DIR=$1 in_root "find . | cpio -o -H newc --quiet >$1.cpio" || die "could not pack $1"
}

# Boots build $1 in QEMU under TCG with $2 CPUs, command line $3, initramfs $4 (inside the
# root), console to the file $5, killed after $6 seconds. Returns QEMU's status (124: killed).
run_qemu() {
	local rc=0 qemu=(qemu-system-x86_64) console=ttyS0
	if [ "$ARCH" = arm64 ]; then
		qemu=(qemu-system-aarch64 -machine virt -cpu cortex-a72)
		console=ttyAMA0
	fi
	# QEMU_ACCEL: "tcg,thread=multi" (one host thread per CPU) unless the caller wants another
	# TCG mode, such as "tcg -icount shift=0,sleep=off" (instruction-counted guest time).
	# shellcheck disable=SC2086 # QEMU_ACCEL is several words on purpose
	timeout -k 10 "$6" chroot "$ROOT" "${qemu[@]}" -accel ${QEMU_ACCEL:-tcg,thread=multi} -m 1G \
		-smp "$2" -display none -monitor none -serial stdio -no-reboot \
		-kernel "$OUT-$1/$KIMAGE" -initrd "$4" -append "console=$console $3" \
		</dev/null >"$5" 2>&1 || rc=$?
	sed -i 's/\r$//' "$5"
	return $rc
}
