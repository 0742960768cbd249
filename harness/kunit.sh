#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make kunit`: the reviewer's own path, tools/testing/kunit/kunit.py run with the series'
# rust/kernel/percpu/.kunitconfig (KUnit, Rust, the kernel crate's doctests, our suites) on the
# tree with the series, x86_64, 4 CPUs, QEMU without KVM (TCG) as everywhere here. kunit.py
# configures and builds the kernel itself, in /src/out-kunit. Passes if kunit.py passes and
# our suites and the doctests ran; prints kunit.py's summary and "N passed, N failed".

. "$(dirname "$0")/lib.sh"
need_root
[ "$ARCH" = x86_64 ] || die "make kunit runs on x86_64 only (ARCH=$ARCH)"

out=/src/out-kunit
[ "$TOOLCHAIN" = default ] || out+=-$TOOLCHAIN
txt=$TOP/out/kunit-run.txt
log "kunit.py run --kunitconfig=rust/kernel/percpu (build: $out, output: out/kunit-run.txt)"
st=0
# kunit.py asks QEMU for KVM first (-accel kvm -accel hvf -accel tcg); a KVM guest hangs here
# without a line of output, so a wrapper first in PATH drops those options and asks for TCG, as
# every other boot of the harness does. kunit.py itself is unchanged.
mkdir -p "$ROOT/src/kunit-qemu"
cat >"$ROOT/src/kunit-qemu/qemu-system-x86_64" <<'EOF'
#!/bin/bash
args=()
while [ $# -gt 0 ]; do
	if [ "$1" = -accel ] && [ $# -ge 2 ]; then shift 2; continue; fi
	args+=("$1")
	shift
done
exec /usr/bin/qemu-system-x86_64 -accel tcg,thread=multi "${args[@]}"
EOF
chmod +x "$ROOT/src/kunit-qemu/qemu-system-x86_64"
with_progress "kunit.py run" "tail -n 1 '$txt' | cut -c1-100" in_root \
	"PATH=/src/kunit-qemu:/usr/bin:/bin python3 -u tools/testing/kunit/kunit.py run \
	--arch=x86_64 --make_options LLVM=1 --jobs=$(nproc) --build_dir=$out \
	--kunitconfig=rust/kernel/percpu --qemu_args='-smp 4' --timeout=1800" >"$txt" 2>&1 || st=$?

summary=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$txt" | tail -1 || true)
[ -n "$summary" ] || { tail -n 40 "$txt" >&2; echo "kunit.py gave no summary (exit $st)" >&2; }
log "kunit.py: ${summary:-no summary} (exit status $st)"
p=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$summary")
f=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$summary")
c=$(sed -nE 's/.*crashed: ([0-9]+).*/\1/p' <<<"$summary")
fail=$((${f:-0} + ${c:-0}))
[ -n "$summary" ] && [ "$st" = 0 ] || fail=$((fail + 1))
grep -E '\[(FAILED|CRASHED)\]' "$txt" >&2 || true
# kunit.py prints a header "===== [PASSED] suite =====" (or the like) for each suite it ran.
# The local-lock suite only where the tree has local locks (not with the core alone, `make kunit
# SERIES=percpu`).
suites="rust_kernel_percpu rust_doctests_kernel"
[ ! -f "$ROOT$SRC/rust/kernel/percpu/local_lock.rs" ] || suites+=" rust_kernel_percpu_local_lock"
for suite in $suites; do
	grep -qE "\[PASSED\] $suite\b" "$txt" ||
		{ echo "KUnit suite $suite did not pass (or did not run)" >&2; fail=$((fail + 1)); }
done
echo "${p:-0} passed, $fail failed"
[ "$fail" = 0 ]
