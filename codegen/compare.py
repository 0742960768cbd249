#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compares the code of the C and Rust codegen modules function by function.

Usage: compare.py C_OBJ RUST_OBJ OBJDUMP
Prints a table: kind, op, width, C instructions, Rust instructions, identical. Two functions
are identical when their instruction sequences match after register names are renamed in
order of first use (so register allocation does not count) and symbol operands are replaced
by a placeholder, and branch targets by their offset in the function. A pair that differs
where the Rust sequence is the shorter one, has the same instructions in another order, or as
many instructions arranged otherwise (on arm64: rustc tail-calls where the kernel's C, built with
-fno-optimize-sibling-calls, calls and returns, and LLVM may then place the frame setup before
a branch), says so. Exit status 1 if any Rust sequence is longer or otherwise different.
"""
import re
import subprocess
import sys

OPS = ["read", "write", "add", "sub", "inc", "dec", "and", "or", "add_return", "xchg",
       "cmpxchg", "try_cmpxchg"]
WIDTHS = ["u8", "u16", "u32", "u64"]
REG_BASE = {}
for base, names in {
    "a": "al ah ax eax rax", "b": "bl bh bx ebx rbx", "c": "cl ch cx ecx rcx",
    "d": "dl dh dx edx rdx", "si": "sil si esi rsi", "di": "dil di edi rdi",
    "bp": "bpl bp ebp rbp", "sp": "spl sp esp rsp"}.items():
    for n in names.split():
        REG_BASE[n] = base
for i in range(8, 16):
    for suf in ["b", "w", "d", ""]:
        REG_BASE[f"r{i}{suf}"] = f"r{i}"


def functions(obj, objdump):
    out = subprocess.run([objdump, "-d", "-r", "--no-show-raw-insn", obj],
                         check=True, capture_output=True, text=True).stdout
    # Comments start with "#" on x86 and "//" on arm64 (where "#" starts an immediate).
    comment = "//" if "aarch64" in out.split("\n\n")[0] + out[:300] else "#"
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        if cur is None or not line.strip():
            continue
        if re.match(r"^\s+[0-9a-f]+:\s+R_(X86_64|AARCH64)_", line):
            # A relocation: the operand it patches names a symbol.
            sym = line.split()[-1]
            if cur:
                # The target the disassembler guessed from the unrelocated field is noise.
                ins = re.sub(r"\s+(0x)?[0-9a-f]+ <[^>]+>$", "", cur[-1])
                cur[-1] = ins + " <sym>" if "return_thunk" not in sym else ins + " " + sym
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(.*)$", line)
        if m:
            ins = m.group(1).split(comment)[0].strip()
            if ins in ("nop", "int3") or ins.startswith("nop"):
                continue
            cur.append(ins)
    return funcs


def arm64_ren(names, m):
    base = "x" + m.group(2)
    if base not in names:
        names[base] = f"R{len(names)}"
    return m.group(1) + names[base]


def normalize(insns):
    names, out = {}, []
    for ins in insns:
        def ren(m):
            base = REG_BASE.get(m.group(1))
            if base is None:
                return m.group(0)
            if base not in names:
                names[base] = f"R{len(names)}"
            return "%" + names[base]
        ins = re.sub(r"%([a-z0-9]+)", ren, ins)
        # arm64: x0-x30 and their 32-bit halves w0-w30.
        ins = re.sub(r"\b([xw])([12]?[0-9]|30)\b", lambda m: arm64_ren(names, m), ins)
        # Displacements that relocations fill in are placeholders anyway.
        ins = re.sub(r"0x0\(%rip\)", "(%rip)", ins)
        # Branch targets: the offset in the function, not its address or name.
        ins = re.sub(r"\s+(0x)?[0-9a-f]+ <[^>+]+(\+0x[0-9a-f]+)?>", lambda m: f" <{m.group(2) or '+0'}>", ins)
        out.append(ins)
    return out


def anonymous(ins):
    """An instruction with every register and branch target replaced by a placeholder."""
    ins = re.sub(r"%[a-z0-9]+|\b[xw]([12]?[0-9]|30)\b", "R", ins)
    return re.sub(r"\s+(0x)?[0-9a-f]+ <[^>]+>", " <target>", ins)


def main():
    c_obj, r_obj, objdump = sys.argv[1:4]
    cf, rf = functions(c_obj, objdump), functions(r_obj, objdump)
    rows, same = [], 0
    # The whole variables, every width; then fields and elements (sfield: a field of a static
    # struct, sarr: an element of a static array, dfield and darr: the same, dynamic), u32 and
    # u64, with the index checked on both sides.
    cases = [(kind, WIDTHS) for kind in ["static", "dyn"]]
    cases += [(kind, ["u32", "u64"]) for kind in ["sfield", "sarr", "dfield", "darr"]]
    for kind, widths in cases:
        for op in OPS:
            for w in widths:
                c = cf.get(f"cg_c_{kind}_{op}_{w}")
                r = rf.get(f"cg_rust_{kind}_{op}_{w}")
                if c is None or r is None:
                    rows.append((kind, op, w, "missing", "missing", "no"))
                    continue
                ok = normalize(c) == normalize(r)
                same += ok
                verdict = "yes" if ok else "no"
                if not ok and len(r) < len(c):
                    verdict = f"no: Rust shorter ({len(r)} against {len(c)} instructions)"
                elif not ok and sorted(map(anonymous, c)) == sorted(map(anonymous, r)):
                    verdict = "no: same instructions, other order"
                elif not ok and len(r) == len(c):
                    verdict = f"no: as many instructions ({len(r)}), arranged otherwise"
                rows.append((kind, op, w, "; ".join(c), "; ".join(r), verdict))
    print("| variable | op | width | C | Rust | identical |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(f"`{x}`" if i in (3, 4) else x for i, x in enumerate(row)) + " |")
    shorter = sum(row[5].startswith("no: Rust shorter") for row in rows)
    order = sum(row[5].endswith("other order") for row in rows)
    arranged = sum(row[5].endswith("arranged otherwise") for row in rows)
    other = len(rows) - same - shorter - order - arranged
    print(f"\n{same} of {len(rows)} identical, {shorter} shorter in Rust, {order} the same "
          f"instructions in another order, {arranged} as many instructions arranged otherwise, "
          f"{other} longer or different in Rust")
    return 0 if other == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
