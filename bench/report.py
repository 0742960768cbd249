#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the benchmark's console lines into tables, a JSON file and a bar chart.

Usage: report.py OUT_PREFIX CPUS RUN=CONSOLE_LOG...
Each RUN=CONSOLE_LOG is one boot of the benchmark in one mode: "wall" (guest time is host time;
CPUs run in parallel) or "icount" (QEMU's -icount: guest time advances by one nanosecond per
instruction); a mode may have several boots (the kernels with and without the Binder patch, in
turns). Writes OUT_PREFIX.md, .json, .png and OUT_PREFIX-binder.txt (for the commit message).
"""
import json
import re
import statistics
import sys

# Each case and the case it is measured against.
BASELINE = {
    "rust_this_cpu_inc_static": "c_this_cpu_inc",
    "rust_this_cpu_inc_dynamic": "c_this_cpu_inc_dynamic",
    "c_this_cpu_inc": "c_this_cpu_inc",
    "c_this_cpu_inc_dynamic": "c_this_cpu_inc_dynamic",
    "rust_guarded_inc": "c_get_cpu_ptr_inc",
    "c_get_cpu_ptr_inc": "c_get_cpu_ptr_inc",
    "shared_atomic_inc": "rust_this_cpu_inc_static",
    "earlier_design_call_pair": "c_this_cpu_inc",
    "rust_elem_inc": "c_elem_inc",
    "c_elem_inc": "c_elem_inc",
    "shared_atomic_elem_inc": "rust_elem_inc",
}

TITLES = {
    "wall": "Wall clock (QEMU TCG, one host thread per CPU)",
    "icount": "Instruction-counted (QEMU TCG -icount: 1 ns of guest time per instruction)",
}


def summary(vals):
    """Median, spread (interquartile range over median, %) and range (%) of a list."""
    med = statistics.median(vals)
    q1, _, q3 = statistics.quantiles(vals, n=4, method="inclusive") if len(vals) > 1 else [med] * 3
    pct = (lambda x: 100.0 * x / med) if med else (lambda x: 0.0)
    return {"median": med, "spread_pct": pct(q3 - q1), "range_pct": pct(max(vals) - min(vals))}


def parse(log, rounds):
    """Adds {case: {mode: {round: ns per operation}}} from a console log to rounds."""
    for line in open(log, errors="replace"):
        m = re.search(r"result case=(\S+) mode=(\S+) round=(\d+) ps_per_op=(\d+)", line)
        if m:
            rounds.setdefault(m.group(1), {}).setdefault(m.group(2), {})[int(m.group(3))] = \
                int(m.group(4)) / 1000.0


def parse_binder(log, binder):
    """Adds {kernel: {mode: {(boot, round): transactions per second}}} from a console log to
    binder; mode "one" is one client, "all" one client per CPU. Returns the error lines."""
    errors = []
    for line in open(log, errors="replace"):
        m = re.search(r"harness: binder kernel=(\S+) boot=(\d+) round=(\d+) (.*)", line)
        if not m:
            continue
        r = re.search(r"binder_bench: clients=(\d+) cpus=(\d+) .*tps=([0-9.]+)", m.group(4))
        if not r:
            errors.append(line.strip())
            continue
        mode = "one" if r.group(1) == "1" else "all" if r.group(1) == r.group(2) else r.group(1)
        key = (int(m.group(2)), int(m.group(3)))
        binder.setdefault(m.group(1), {}).setdefault(mode, {})[key] = float(r.group(3))
    return errors


def analyse_binder(binder):
    """Per mode: each kernel's transactions per second (median, spread) and the time per
    transaction of the patched kernel over the unpatched one, round by round (a round of boot
    b of one kernel against the same round of boot b of the other, booted right after it)."""
    out = {}
    for mode in ("one", "all"):
        p = binder.get("patched", {}).get(mode, {})
        u = binder.get("unpatched", {}).get(mode, {})
        if not p or not u:
            continue
        st = {}
        for kernel, vals in (("patched", p), ("unpatched", u)):
            sm = summary(list(vals.values()))
            st[kernel] = {"tps": sm["median"], "spread_pct": sm["spread_pct"],
                          "range_pct": sm["range_pct"],
                          "rounds_tps": [vals[k] for k in sorted(vals)]}
        ratios = [u[k] / p[k] for k in sorted(p) if k in u and p[k]]
        if ratios:
            rs = summary(ratios)
            st["ratio"] = rs["median"]
            st["ratio_spread_pct"] = rs["spread_pct"]
            st["ratio_range_pct"] = rs["range_pct"]
            st["ratios"] = ratios
        out[mode] = st
    return out


def binder_table(bstats, cpus):
    lines = ["| clients | tx/s with the patch (spread) | tx/s without (spread) | "
             "time per tx, with/without (spread, range) |", "|---|---|---|---|"]
    for mode, label in (("one", "one"), ("all", f"one per CPU ({cpus})")):
        st = bstats.get(mode)
        if not st:
            continue
        ratio = (f"{st['ratio']:.3f} ({st['ratio_spread_pct']:.1f}%, "
                 f"{st['ratio_range_pct']:.1f}%)") if "ratio" in st else "-"
        lines.append(f"| {label} | {st['patched']['tps']:.0f} "
                     f"({st['patched']['spread_pct']:.1f}%) | {st['unpatched']['tps']:.0f} "
                     f"({st['unpatched']['spread_pct']:.1f}%) | {ratio} |")
    return lines


def analyse(rounds):
    """Median, spread and ratio to the baseline (round by round) of every case and mode."""
    stats = {}
    for case, modes in rounds.items():
        stats[case] = {}
        for mode, by_round in modes.items():
            st = summary(list(by_round.values()))
            st["median_ns"] = st.pop("median")
            st["rounds_ns"] = [by_round[r] for r in sorted(by_round)]
            # The cases take turns within a round, so compare within the round.
            base = rounds.get(BASELINE.get(case, case), {}).get(mode, {})
            ratios = [by_round[r] / base[r] for r in sorted(by_round) if base.get(r)]
            if ratios:
                rs = summary(ratios)
                st["ratio"] = rs["median"]
                st["ratio_spread_pct"] = rs["spread_pct"]
                st["ratio_range_pct"] = rs["range_pct"]
                st["ratios"] = ratios
            stats[case][mode] = st
    return stats


def table(stats, cpus):
    lines = [f"| case | ns/op one CPU (spread) | ns/op all {cpus} CPUs (spread) | "
             "ratio one (spread) | ratio all (spread) | against |", "|---|---|---|---|---|---|"]
    for case in BASELINE:
        if case not in stats:
            continue
        s = stats[case]

        def cell(mode):
            v = s.get(mode)
            return f"{v['median_ns']:.2f} ({v['spread_pct']:.1f}%)" if v else "-"

        def ratio(mode):
            v = s.get(mode)
            if v and "ratio" in v:
                return f"{v['ratio']:.3f} ({v['ratio_spread_pct']:.1f}%)"
            return "-"
        lines.append(f"| {case} | {cell('one')} | {cell('all')} | {ratio('one')} | "
                     f"{ratio('all')} | {BASELINE[case]} |")
    spreads = [v[k] for c in stats.values() for v in c.values()
               for k in ("spread_pct", "ratio_spread_pct") if k in v]
    lines.append("")
    lines.append(f"Largest spread (times and round-by-round ratios): {max(spreads):.1f}%.")
    return lines


def targets(stats, run, bstats):
    """The issue's targets, checked on one run: lines of text."""
    out = []
    # Elements of a per-CPU array against C: a target in instruction counts only.
    v = stats.get("rust_elem_inc", {})
    for mode in ("one", "all"):
        if "ratio" in v.get(mode, {}):
            r = v[mode]["ratio"]
            verdict = ("met" if r <= 1.02 else "NOT met") if run == "icount" else \
                "(icount only)"
            out.append(f"- rust_elem_inc / c_elem_inc, {mode}: {r:.3f} (target <= 1.02): "
                       f"{verdict}")
    st = bstats.get("one", {})
    if "ratio" in st:
        r = st["ratio"]
        verdict = ("met" if r <= 1.00 else "NOT met") if run == "icount" else \
            "(icount only)"
        out.append(f"- Binder, one client, time per transaction with/without the patch: "
                   f"{r:.4f} (<= 1.00): {verdict}")
    for case, base, limit in [("rust_this_cpu_inc_static", "c_this_cpu_inc", 1.05),
                              ("rust_this_cpu_inc_dynamic", "c_this_cpu_inc_dynamic", 1.05),
                              ("rust_guarded_inc", "c_get_cpu_ptr_inc", 1.10)]:
        for mode in ("one", "all"):
            v = stats.get(case, {}).get(mode)
            if v and "ratio" in v:
                ok = "met" if v["ratio"] <= limit else "NOT met"
                out.append(f"- {case} / {base}, {mode}: {v['ratio']:.3f} (target <= {limit}): "
                           f"{ok}")
    return out


def commit_text(runs, binders, cpus, boots):
    """A paragraph with the Binder numbers, for the commit message of the Binder patch."""
    def kernels(run, mode):
        st = binders.get(run, {}).get(mode)
        if not st or "ratio" not in st:
            return "no result"
        text = (f"{st['unpatched']['tps']:.0f} transactions/s without this patch, "
                f"{st['patched']['tps']:.0f} with it, time per transaction "
                f"x{st['ratio']:.4f} (spread {st['ratio_spread_pct']:.1f}%")
        if run == "icount" and mode == "one":
            # -icount: 1 ns of guest time per instruction.
            ins = 1e9 / st["unpatched"]["tps"]
            text += f"; about {ins * (1 - st['ratio']):.0f} of {ins:.0f} instructions fewer"
        return text + ")"

    rounds = {r: len(binders[r].get("one", {}).get("ratios", [])) for r in binders}
    text = (f"Measured under QEMU TCG with {cpus} vCPUs on a {cpus}-core VM, which is not "
            f"real hardware: a ping-pong of binder transactions with replies, one client "
            f"(client and server on one CPU) or one pinned client per CPU, the kernels with "
            f"and without this patch booted in turns ({rounds.get('icount', 0)} rounds of "
            f"each instruction-counted, {rounds.get('wall', 0)} on the wall clock). Counting "
            f"instructions (-icount), one client: {kernels('icount', 'one')}; {cpus} clients: "
            f"{kernels('icount', 'all')}. Wall clock, one client: {kernels('wall', 'one')}; "
            f"{cpus} clients: {kernels('wall', 'all')}.")
    noise = [f"{label}" for run, mode, label in
             (("icount", "all", f"{cpus} clients counting instructions"),
              ("wall", "one", "one client on the wall clock"),
              ("wall", "all", f"{cpus} clients on the wall clock"))
             if "ratio" in binders.get(run, {}).get(mode, {}) and
             abs(binders[run][mode]["ratio"] - 1) * 100 <= binders[run][mode]["ratio_spread_pct"]]
    if noise:
        said = ", ".join(noise[:-1]) + " and " + noise[-1] if len(noise) > 1 else noise[0]
        text += f" The differences with {said} are within their spread."
    e = runs.get("icount", {}).get("rust_elem_inc", {}).get("one", {})
    a = runs.get("wall", {}).get("shared_atomic_elem_inc", {}).get("all", {})
    if "ratio" in e and "ratio" in a:
        text += (f" Alone, this_cpu_inc() on an element of a per-CPU array executes "
                 f"{e['ratio']:.3f} times the instructions of C's this_cpu_inc(a[i]), and "
                 f"Atomic<u32>::fetch_add() on one shared array takes {a['ratio']:.1f} times "
                 f"as long on {cpus} CPUs at once (wall clock, spread "
                 f"{a['ratio_spread_pct']:.0f}%).")
    return text


def wrap(text, width=72):
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join(lines + [line]) + "\n"


def main():
    prefix, cpus = sys.argv[1], sys.argv[2]
    micro_rounds, binder_rounds, errors = {}, {}, []
    for arg in sys.argv[3:]:
        name, log = arg.split("=", 1)
        parse(log, micro_rounds.setdefault(name, {}))
        errors += parse_binder(log, binder_rounds.setdefault(name, {}))
    if not any(micro_rounds.values()):
        print("no benchmark results in " + " ".join(sys.argv[3:]))
        return 1
    for e in errors:
        print(f"binder benchmark: {e}")
    runs = {name: analyse(r) for name, r in micro_rounds.items() if r}
    binders = {name: analyse_binder(b) for name, b in binder_rounds.items() if b}
    json.dump({"cpus": int(cpus), "runs": runs, "binder": binders},
              open(prefix + ".json", "w"), indent=1)

    lines = []
    for name, stats in runs.items():
        bstats = binders.get(name, {})
        lines += [f"### {TITLES.get(name, name)}", ""] + table(stats, cpus) + [""]
        if "shared_atomic_inc" in stats:
            a = stats["shared_atomic_inc"]["all"]
            lines += [f"On all {cpus} CPUs, a shared atomic increment costs {a['ratio']:.1f} "
                      "times a per-CPU one (Rust, static variable).", ""]
        if "shared_atomic_elem_inc" in stats:
            a = stats["shared_atomic_elem_inc"]["all"]
            lines += [f"On all {cpus} CPUs, a shared `Atomic<u32>` array element costs "
                      f"{a['ratio']:.1f} times a per-CPU one "
                      f"(spread {a['ratio_spread_pct']:.1f}%).", ""]
        if bstats:
            lines += ["Binder ping-pong (transactions with replies), with and without the "
                      "Binder patch:", ""] + binder_table(bstats, cpus) + [""]
        lines += ["Targets:"] + targets(stats, name, bstats) + [""]
    text = "\n".join(lines)
    open(prefix + ".md", "w").write(text)
    print(text)
    if binders:
        binder_text = wrap(commit_text(runs, binders, cpus, binder_rounds))
        open(prefix + "-binder.txt", "w").write(binder_text)
        print(binder_text)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart")
        return 0
    fig, axes = plt.subplots(1, len(runs), figsize=(7 * len(runs), 5), squeeze=False)
    width = 0.4
    for ax, (name, stats) in zip(axes[0], runs.items()):
        cases = [c for c in BASELINE if c in stats]
        for i, mode in enumerate(["one", "all"]):
            vals = [stats[c].get(mode, {}).get("median_ns", 0) for c in cases]
            ax.bar([x + i * width for x in range(len(cases))], vals, width,
                   label="one CPU" if mode == "one" else f"all {cpus} CPUs")
        ax.set_xticks([x + width / 2 for x in range(len(cases))])
        ax.set_xticklabels(cases, rotation=35, ha="right", fontsize=8)
        ax.set_ylabel("ns per operation (median)")
        ax.set_yscale("log")
        ax.legend()
        ax.set_title(TITLES.get(name, name), fontsize=9)
    fig.suptitle("Per-CPU increments: Rust API against C")
    fig.tight_layout()
    fig.savefig(prefix + ".png", dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
