#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configures and builds the kernel tree in the build root, incrementally.
# Usage: build.sh [config fragment...] (default: config/base.config config/percpu.config)

. "$(dirname "$0")/lib.sh"
need_root

frags=("$@")
[ ${#frags[@]} -gt 0 ] || frags=("$TOP/config/base.config" "$TOP/config/percpu.config")
# The architecture's own settings come right after the first (base) fragment.
[ ! -f "$TOP/config/$ARCH.config" ] || frags=("${frags[0]}" "$TOP/config/$ARCH.config" "${frags[@]:1}")
name=$BUILD_NAME
out=$OUT-$name
# Later fragments override earlier ones: keep the last line of each symbol.
cat "${frags[@]}" | grep -E '^CONFIG_' | tac | awk -F= '!seen[$1]++' | tac >"$ROOT/src/$name.config"

MAKE="$KMAKE O=$out -j$(nproc)"
log "configuring $name (allnoconfig + ${frags[*]##*/})"
in_root "mkdir -p $out && KCONFIG_ALLCONFIG=/src/$name.config $MAKE allnoconfig >/dev/null" ||
	die "kernel configuration failed"
# Every line of the fragments must have survived Kconfig.
missing=$(grep -h '^CONFIG_' "$ROOT/src/$name.config" | while read -r l; do
	case $l in
	*=n) ! grep -q "^${l%=n}=" "$ROOT$out/.config" || echo "$l" ;;
	*) grep -qxF "$l" "$ROOT$out/.config" || echo "$l" ;;
	esac
done)
[ -z "$missing" ] || die "Kconfig dropped: $(echo $missing) (unmet dependencies?)"

log "building $name (log: $ROOT$out/build.log)"
start=$(date +%s)
if ! with_progress "building $name" "build_progress $ROOT$out $start" \
	in_root "$MAKE $IMAGE_TARGET modules >$out/build.log 2>&1"; then
	grep -E 'error|warning' "$ROOT$out/build.log" | head -40 >&2
	tail -20 "$ROOT$out/build.log" >&2
	die "kernel build failed"
fi
# The object count of a complete build, for the progress lines of the next one.
find "$ROOT$out" -name '*.o' | wc -l >"$ROOT$out/.objects"
log "built $name in $(( $(date +%s) - start ))s"
