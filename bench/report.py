#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the benchmark's console lines into tables, a JSON file and a bar chart.

Usage: report.py OUT_PREFIX CPUS RUN=CONSOLE_LOG...
Each RUN is one boot of the benchmark: "wall" (guest time is host time; CPUs run in parallel)
or "icount" (QEMU's -icount: guest time advances by one nanosecond per instruction).
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


def parse(log):
    """Returns {case: {mode: {round: ns per operation}}} from a console log."""
    rounds = {}
    for line in open(log, errors="replace"):
        m = re.search(r"result case=(\S+) mode=(\S+) round=(\d+) ps_per_op=(\d+)", line)
        if m:
            rounds.setdefault(m.group(1), {}).setdefault(m.group(2), {})[int(m.group(3))] = \
                int(m.group(4)) / 1000.0
    return rounds


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


def targets(stats):
    """The issue's targets, checked on one run: lines of text."""
    out = []
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


def main():
    prefix, cpus = sys.argv[1], sys.argv[2]
    runs = {}
    for arg in sys.argv[3:]:
        name, log = arg.split("=", 1)
        rounds = parse(log)
        if not rounds:
            print(f"no benchmark results in {log}")
            return 1
        runs[name] = analyse(rounds)
    json.dump({"cpus": int(cpus), "runs": runs}, open(prefix + ".json", "w"), indent=1)

    lines = []
    for name, stats in runs.items():
        lines += [f"### {TITLES.get(name, name)}", ""] + table(stats, cpus) + [""]
        if "shared_atomic_inc" in stats:
            a = stats["shared_atomic_inc"]["all"]
            lines += [f"On all {cpus} CPUs, a shared atomic increment costs {a['ratio']:.1f} "
                      "times a per-CPU one (Rust, static variable).", ""]
        lines += ["Targets:"] + targets(stats) + [""]
    text = "\n".join(lines)
    open(prefix + ".md", "w").write(text)
    print(text)

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
