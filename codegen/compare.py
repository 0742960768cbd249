#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compares the code of the C and Rust codegen modules function by function.

Usage: compare.py C_OBJ RUST_OBJ OBJDUMP
Prints a table: kind, op, width, C instructions, Rust instructions, identical. Two functions
are identical when their instruction sequences match after register names are renamed in
order of first use (so register allocation does not count) and symbol operands are replaced
by a placeholder. Exit status 1 if any pair differs.
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
    funcs, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(1), [])
            continue
        if cur is None or not line.strip():
            continue
        if re.match(r"^\s+[0-9a-f]+:\s+R_X86_64", line):
            # A relocation: the operand it patches names a symbol.
            sym = line.split()[-1]
            if cur:
                cur[-1] = cur[-1] + " <sym>" if "return_thunk" not in sym else cur[-1] + " " + sym
            continue
        m = re.match(r"^\s+[0-9a-f]+:\s+(.*)$", line)
        if m:
            ins = m.group(1).split("#")[0].strip()
            if ins in ("nop", "int3") or ins.startswith("nop"):
                continue
            cur.append(ins)
    return funcs


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
        # Displacements that relocations fill in are placeholders anyway.
        ins = re.sub(r"0x0\(%rip\)", "(%rip)", ins)
        ins = re.sub(r"\s+[0-9a-f]+ <[^>]+>", " <target>", ins)
        out.append(ins)
    return out


def main():
    c_obj, r_obj, objdump = sys.argv[1:4]
    cf, rf = functions(c_obj, objdump), functions(r_obj, objdump)
    rows, same = [], 0
    for kind in ["static", "dyn"]:
        for op in OPS:
            for w in WIDTHS:
                c = cf.get(f"cg_c_{kind}_{op}_{w}")
                r = rf.get(f"cg_rust_{kind}_{op}_{w}")
                if c is None or r is None:
                    rows.append((kind, op, w, "missing", "missing", "no"))
                    continue
                ok = normalize(c) == normalize(r)
                same += ok
                rows.append((kind, op, w, "; ".join(c), "; ".join(r), "yes" if ok else "no"))
    print("| variable | op | width | C | Rust | identical |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(f"`{x}`" if i in (3, 4) else x for i, x in enumerate(row)) + " |")
    print(f"\n{same} of {len(rows)} identical")
    return 0 if same == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
