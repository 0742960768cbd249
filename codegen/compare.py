#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compares the code of the C and Rust codegen modules function by function.

Usage: compare.py C_OBJ RUST_OBJ OBJDUMP BUILTIN_OBJ
Prints a table: kind, op, width, C instructions, Rust instructions, identical. Two functions
are identical when their instruction sequences match after register names are renamed in
order of first use (so register allocation does not count) and symbol operands are replaced
by a placeholder, and branch targets by their offset in the function. A pair that differs
where the Rust sequence is the shorter one, has the same instructions in another order, or as
many instructions arranged otherwise (on arm64: rustc tail-calls where the kernel's C, built with
-fno-optimize-sibling-calls, calls and returns, and LLVM may then place the frame setup before
a branch), says so.

The local-lock rows (slock, dlock: a static and a dynamic LocalLocked<u64> with lock(), slock_irq,
dlock_irq: the same with LocalLockedIrq<u64>; the C side takes a local_lock_t next to the
counter, under local_interrupt_disable() for the irq rows) have one more verdict,
"longer by the state check (N instructions)": the Rust sequence is the C one plus the guard's
check of its state byte, which makes the safe lock() sound (it panics where a second guard of
the same CPU's value would be made). That is, it becomes identical to the C sequence once these
N instructions are removed from it: (a) the load of the state byte, its compare with HELD (2),
the byte stores of HELD and FREE (1) and, on arm64, the moves of 2 and 1 into the registers
they store; (b) the conditional branch after the compare; (c) the panic path, the instructions
from that branch's target to the call of the out-of-line `held_again` (which does not return),
provided nothing else jumps into them and none returns or jumps. Branch targets are compared as
instruction indices there. "longer by the state check (N instructions), then the same
instructions in another order" says that the rest has C's instructions in another order (on
x86-64 LLVM loads the dynamic variable's pointer before the preemption count), and "..., then as
many instructions arranged otherwise" that it has as many (on arm64: the slot's address is
computed once for the state byte and the data, where C adds the offset in each access, and the
tail call of the other rows), and "..., then shorter" that it has fewer (on x86-64 a
LocalLockedIrq's dynamic variable: Rust loads the driver's pointer once where C loads it again
after the compiler barrier); none fails, as the same verdicts do not for the other rows.
"longer by a frame record" (arm64) says that Rust has C's instructions plus the frame record
that rustc keeps in a leaf function where clang leaves it out; it fails. Any other difference
makes the row longer or different; the verdict then names the instructions that only one side
has.

Exit status 1 if any Rust sequence is longer or otherwise different, or a function is missing.
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
    # The size of each function: on arm64 the replacements of the kernel's alternatives follow
    # the last function of the section, with no symbol of their own.
    sizes = {}
    for line in subprocess.run([objdump, "-t", obj], check=True, capture_output=True,
                               text=True).stdout.splitlines():
        m = re.match(r"^[0-9a-f]+\s.*\sF\s+\S+\s+([0-9a-f]+)\s+(\S+)$", line)
        if m:
            sizes[m.group(2)] = int(m.group(1), 16)
    funcs, offsets, cur = {}, {}, None
    for line in out.splitlines():
        m = re.match(r"^([0-9a-f]+) <(.+)>:$", line)
        if m:
            cur = funcs.setdefault(m.group(2), [])
            cur_offs = offsets.setdefault(m.group(2), [])
            start, size, past = int(m.group(1), 16), sizes.get(m.group(2)), False
            continue
        if cur is None or past or not line.strip():
            continue
        if re.match(r"^\s+[0-9a-f]+:\s+R_(X86_64|AARCH64)_", line):
            # A relocation: the operand it patches names a symbol.
            sym = line.split()[-1]
            if cur:
                # The target the disassembler guessed from the unrelocated field is noise.
                ins = re.sub(r"\s+(0x)?[0-9a-f]+ <[^>]+>$", "", cur[-1])
                if "return_thunk" in sym:
                    cur[-1] = ins + " " + sym
                elif "held_again" in sym:
                    # The local lock's panic path (see without_state_check).
                    cur[-1] = ins + " <held_again>"
                else:
                    cur[-1] = ins + " <sym>"
            continue
        m = re.match(r"^\s+([0-9a-f]+):\s+(.*)$", line)
        if m:
            if size is not None and int(m.group(1), 16) - start >= size:
                past = True
                continue
            ins = m.group(2).split(comment)[0].strip()
            if ins in ("nop", "int3") or ins.startswith("nop"):
                continue
            cur.append(ins)
            cur_offs.append(int(m.group(1), 16) - start)
    return funcs, offsets


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


# The guard's state check (see the docstring): the load and the compare of the state byte with
# HELD (2), the branch to the panic path, and the stores of HELD and FREE (1), with on arm64 the
# moves of 1 and 2 into the registers that the stores write.
STATE_LOAD = re.compile(r"^(movzbl\s+[^,]*\(|ldrb\s+w\d+, \[)")
STATE_CMP = re.compile(r"^(cmpb\s+\$(0x)?2,|cmp\s+w\d+, #0x2$)")
PANIC_BRANCH = re.compile(r"^(je|b\.eq)\s")
STATE_STORE = re.compile(r"^(movb\s+\$(0x)?([12]), \S*\(|strb\s+(w\d+), \[)")
# arm64: the frame record of a function (x29/x30 pushed, x29 set, both popped).
FRAME = re.compile(r"^(stp\s+x29, x30, \[sp, #-0x10\]!|mov\s+x29, sp|"
                   r"ldp\s+x29, x30, \[sp\], #0x10)$")
RETURN = re.compile(r"^(retq?|ret)\b|return_thunk|^(jmp|b)\s+<sym>")


def local_target(ins, name):
    """The offset in function `name` that a branch instruction goes to, or None."""
    m = re.search(r"\s(0x)?[0-9a-f]+ <" + re.escape(name) + r"(\+0x([0-9a-f]+))?>", ins)
    return None if m is None else int(m.group(3) or "0", 16)


def indexed(insns, offs, name):
    """The instructions with the branch targets in function `name` replaced by the index of the
    target instruction ("<#3>"), so that removing instructions does not change the others."""
    out = []
    for ins in insns:
        t = local_target(ins, name)
        if t is not None:
            i = next((j for j, o in enumerate(offs) if o >= t), len(offs))
            ins = re.sub(r"\s(0x)?[0-9a-f]+ <[^>]+>", f" <#{i}>", ins)
        out.append(ins)
    return out


def without_state_check(insns, offs, name):
    """Rust's local-lock sequence without the guard's state check: returns the instructions and
    offsets left, or None if the sequence does not have the expected shape."""
    cmps = [i for i, ins in enumerate(insns) if STATE_CMP.match(ins)]
    if len(cmps) != 1 or cmps[0] + 1 >= len(insns) or not PANIC_BRANCH.match(insns[cmps[0] + 1]):
        return None
    branch = cmps[0] + 1
    target = local_target(insns[branch], name)
    if target is None or target <= offs[branch] or target not in offs:
        return None
    tail = offs.index(target)
    end = next((i for i in range(tail, len(insns)) if insns[i].endswith("<held_again>")), None)
    if end is None:
        return None
    # The panic path: from the target to the call of `held_again`, which does not return; none
    # of it returns or jumps, and nothing else jumps into it.
    for i, ins in enumerate(insns):
        t = local_target(ins, name)
        if tail <= i <= end and (RETURN.search(ins) or t is not None):
            return None
        if i != branch and t is not None and target <= t <= offs[end]:
            return None
    drop = {cmps[0], branch} | set(range(tail, end + 1))
    loads = [i for i in range(tail) if STATE_LOAD.match(insns[i])]
    if len(loads) > 1 or any(i > cmps[0] for i in loads):
        return None
    drop.update(loads)
    stored = []
    for i in range(tail):
        m = STATE_STORE.match(insns[i])
        if not m:
            continue
        drop.add(i)
        if m.group(3):
            stored.append(m.group(3))
            continue
        # arm64: the value comes from the closest move of an immediate into the register before.
        reg = m.group(4)
        mov = next((j for j in range(i - 1, -1, -1) if re.match(rf"^mov\s+{reg}, ", insns[j])
                    or re.search(rf"\b{reg}\b", insns[j].split(",")[0])), None)
        v = mov is not None and re.match(rf"^mov\s+{reg}, #0x([12])$", insns[mov])
        if not v:
            return None
        drop.add(mov)
        stored.append(v.group(1))
    if sorted(stored) != ["1", "2"]:
        return None
    keep = [i for i in range(len(insns)) if i not in drop]
    return [insns[i] for i in keep], [offs[i] for i in keep]


def extra(c, r):
    """The instructions (registers and targets anonymous) that only one of two sequences has."""
    cs, rs = list(map(anonymous, c)), list(map(anonymous, r))
    only_r, only_c = list(rs), []
    for ins in cs:
        if ins in only_r:
            only_r.remove(ins)
        else:
            only_c.append(ins)
    return only_c, only_r


def lock_verdict(c, c_offs, c_name, r, r_offs, r_name):
    """The verdict of a local-lock row."""
    if normalize(c) == normalize(r):
        return "yes"
    if sorted(map(anonymous, c)) == sorted(map(anonymous, r)):
        return "no: same instructions, other order"
    if len(r) < len(c):
        return f"no: Rust shorter ({len(r)} against {len(c)} instructions)"
    frame = [i for i, ins in enumerate(r) if FRAME.match(ins)]
    if len(frame) == 3 and not any(FRAME.match(ins) for ins in c):
        rest = [ins for i, ins in enumerate(r) if i not in frame]
        if sorted(map(anonymous, c)) == sorted(map(anonymous, rest)):
            return ("no: longer by a frame record (3 instructions) that rustc keeps in a leaf "
                    "function where clang leaves it out; otherwise the same instructions")
    stripped = without_state_check(r, r_offs, r_name)
    if stripped is None:
        return "no: longer or different, and no state check of the expected shape found"
    kept, kept_offs = stripped
    n = len(r) - len(kept)
    if normalize(indexed(c, c_offs, c_name)) == normalize(indexed(kept, kept_offs, r_name)):
        return f"no: longer by the state check ({n} instructions)"
    only_c, only_r = extra(c, kept)
    if not only_c and not only_r:
        return (f"no: longer by the state check ({n} instructions), then the same instructions "
                f"in another order")
    if len(kept) < len(c):
        return (f"no: longer by the state check ({n} instructions), then shorter "
                f"({len(kept)} against {len(c)} instructions)")
    if len(kept) == len(c):
        return (f"no: longer by the state check ({n} instructions), then as many instructions "
                f"({len(c)}) arranged otherwise; only in Rust: `{'; '.join(only_r)}`; only in "
                f"C: `{'; '.join(only_c)}`")
    return (f"no: longer by more than the state check ({n} instructions): without it "
            f"{len(kept)} against {len(c)} instructions; only in Rust: `{'; '.join(only_r)}`; "
            f"only in C: `{'; '.join(only_c)}`")


def compare(c, r):
    """The verdict of a row other than a local lock's."""
    if normalize(c) == normalize(r):
        return "yes"
    if len(r) < len(c):
        return f"no: Rust shorter ({len(r)} against {len(c)} instructions)"
    if sorted(map(anonymous, c)) == sorted(map(anonymous, r)):
        return "no: same instructions, other order"
    if len(r) == len(c):
        return f"no: as many instructions ({len(r)}), arranged otherwise"
    return "no"


def main():
    c_obj, r_obj, objdump, b_obj = sys.argv[1:5]
    (cf, c_offs), (rf, r_offs) = functions(c_obj, objdump), functions(r_obj, objdump)
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
                verdict = compare(c, r)
                same += verdict == "yes"
                rows.append((kind, op, w, "; ".join(c), "; ".join(r), verdict))
    # The current CPU's u64 under a local lock, incremented: a static variable (slock) and a
    # dynamic one (dlock), with lock() of a LocalLocked and of a LocalLockedIrq.
    lock_rows = []
    for kind in ["slock", "slock_irq", "dlock", "dlock_irq"]:
        c_name = f"cg_c_{kind}_inc_u64"
        r_name = f"cg_rust_{kind}_inc_u64"
        c, r = cf.get(c_name), rf.get(r_name)
        if c is None or r is None:
            lock_rows.append((kind, "inc", "u64", "missing", "missing", "no"))
            continue
        verdict = lock_verdict(c, c_offs[c_name], c_name, r, r_offs[r_name], r_name)
        lock_rows.append((kind, "inc", "u64", "; ".join(c), "; ".join(r), verdict))
    # The guards, taken and dropped: CpuGuard (preempt) and MigrateGuard (migrate) against C in a
    # module. Built-in C inlines migrate_disable() and migrate_enable() (B_OBJ, compiled without
    # -DMODULE); Rust calls the exported functions in both (see docs/codegen.md), so that row is
    # reported and not judged.
    for op in ["preempt", "migrate"]:
        c, r = cf.get(f"cg_c_{op}_guard"), rf.get(f"cg_rust_{op}_guard")
        if c is None or r is None:
            rows.append(("guard", op, "-", "missing", "missing", "no"))
            continue
        verdict = compare(c, r)
        same += verdict == "yes"
        rows.append(("guard", op, "-", "; ".join(c), "; ".join(r), verdict))
    b = functions(b_obj, objdump)[0].get("cg_c_builtin_migrate_guard")
    r = rf.get("cg_rust_migrate_guard")
    if b is None or r is None:
        builtin_row = ("guard, built in", "migrate", "-", "missing", "missing", "no")
    else:
        builtin_row = ("guard, built in", "migrate", "-", "; ".join(b), "; ".join(r),
                       f"not judged: C inline ({len(b)} instructions), Rust calls ({len(r)})")
    print("| variable | op | width | C | Rust | identical |")
    print("|---|---|---|---|---|---|")
    for row in rows + lock_rows + [builtin_row]:
        print("| " + " | ".join(f"`{x}`" if i in (3, 4) else x for i, x in enumerate(row)) + " |")
    shorter = sum(row[5].startswith("no: Rust shorter") for row in rows)
    order = sum(row[5].endswith("other order") for row in rows)
    arranged = sum(row[5].endswith("arranged otherwise") for row in rows)
    other = len(rows) - same - shorter - order - arranged
    lock_same = sum(row[5] == "yes" for row in lock_rows)
    lock_check = sum(bool(re.fullmatch(r"no: longer by the state check \(\d+ instructions\)",
                                       row[5])) for row in lock_rows)
    lock_order = sum(row[5].startswith("no: longer by the state check") and
                     row[5].endswith("another order") for row in lock_rows)
    lock_arranged = sum(row[5].startswith("no: longer by the state check") and
                        "arranged otherwise" in row[5] for row in lock_rows)
    lock_then_shorter = sum(row[5].startswith("no: longer by the state check") and
                            "then shorter" in row[5] for row in lock_rows)
    lock_moved = sum(row[5] == "no: same instructions, other order" for row in lock_rows)
    lock_shorter = sum(row[5].startswith("no: Rust shorter") for row in lock_rows)
    lock_other = (len(lock_rows) - lock_same - lock_check - lock_order - lock_arranged -
                  lock_then_shorter - lock_moved - lock_shorter)
    print(f"\n{same} of {len(rows)} identical, {shorter} shorter in Rust, {order} the same "
          f"instructions in another order, {arranged} as many instructions arranged otherwise, "
          f"{other} longer or different in Rust; {len(lock_rows)} local-lock rows: {lock_check} "
          f"identical to C apart from the state check, {lock_order} the same apart from the "
          f"state check in another order, {lock_arranged} as many apart from the state check "
          f"arranged otherwise, {lock_then_shorter} shorter apart from the state check, "
          f"{lock_same} identical, {lock_moved} the same instructions in "
          f"another order, {lock_shorter} shorter in Rust, {lock_other} longer or different in "
          f"Rust")
    return 0 if other == 0 and lock_other == 0 and builtin_row[5] != "no" else 1


if __name__ == "__main__":
    sys.exit(main())
