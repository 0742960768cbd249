#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make codegen`: builds the C and Rust codegen modules against the current kernel build,
# disassembles both and prints, per operation, width and kind of variable, whether the
# instruction sequences are identical (registers renamed). Table also in out/codegen-<build>.md.

. "$(dirname "$0")/lib.sh"
need_root

name=$BUILD_NAME
out=$OUT-$name
rm -rf "$ROOT/src/codegen"
cp -r "$TOP/codegen" "$ROOT/src/codegen"
in_root "$KMAKE O=$out M=/src/codegen modules" >"$TOP/out/codegen-build.log" 2>&1 ||
	{ cat "$TOP/out/codegen-build.log" >&2; die "building the codegen modules failed"; }
st=0
IN_DIR=/src/codegen in_root "python3 compare.py pcpu_codegen_c.o pcpu_codegen_rust.o llvm-objdump \
	pcpu_codegen_builtin.o" \
	>"$TOP/out/codegen-$name.md" || st=$?
cat "$TOP/out/codegen-$name.md"
exit $st
