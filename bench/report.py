#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turns the benchmark's console lines into a table, a JSON file and a bar chart.

Usage: report.py CONSOLE_LOG OUT_PREFIX CPUS
"""
import json
import re
import statistics
import sys

# Each Rust case and the C case it is measured against.
BASELINE = {
    "rust_this_cpu_inc_static": "c_this_cpu_inc",
    "rust_this_cpu_inc_dynamic": "c_this_cpu_inc",
    "c_this_cpu_inc": "c_this_cpu_inc",
    "rust_guarded_inc": "c_get_cpu_ptr_inc",
    "c_get_cpu_ptr_inc": "c_get_cpu_ptr_inc",
    "shared_atomic_inc": "rust_this_cpu_inc_static",
    "earlier_design_call_pair": "c_this_cpu_inc",
}


def main():
    log, prefix, cpus = sys.argv[1], sys.argv[2], sys.argv[3]
    rounds = {}
    for line in open(log, errors="replace"):
        m = re.search(r"result case=(\S+) mode=(\S+) round=(\d+) ps_per_op=(\d+)", line)
        if m:
            rounds.setdefault(m.group(1), {}).setdefault(m.group(2), []).append(
                int(m.group(4)) / 1000.0)
    if not rounds:
        print("no benchmark results in the console log")
        return 1
    stats = {}
    for case, modes in rounds.items():
        stats[case] = {}
        for mode, vals in modes.items():
            med = statistics.median(vals)
            stats[case][mode] = {"median_ns": med, "rounds_ns": vals,
                                 "spread_pct": 100.0 * (max(vals) - min(vals)) / med if med else 0}
    json.dump({"cpus": int(cpus), "cases": stats}, open(prefix + ".json", "w"), indent=1)

    lines = [f"| case | ns/op one CPU (spread) | ns/op all {cpus} CPUs (spread) | "
             "ratio one | ratio all | against |", "|---|---|---|---|---|---|"]
    for case in BASELINE:
        if case not in stats:
            continue
        s, b = stats[case], stats.get(BASELINE[case], {})
        def cell(mode):
            v = s.get(mode)
            return f"{v['median_ns']:.2f} ({v['spread_pct']:.0f}%)" if v else "-"
        def ratio(mode):
            if mode in s and mode in b and b[mode]["median_ns"]:
                return f"{s[mode]['median_ns'] / b[mode]['median_ns']:.2f}"
            return "-"
        lines.append(f"| {case} | {cell('one')} | {cell('all')} | {ratio('one')} | "
                     f"{ratio('all')} | {BASELINE[case]} |")
    if "shared_atomic_inc" in stats and "rust_this_cpu_inc_static" in stats:
        a = stats["shared_atomic_inc"]["all"]["median_ns"]
        p = stats["rust_this_cpu_inc_static"]["all"]["median_ns"]
        lines.append("")
        lines.append(f"On all CPUs, a shared atomic increment costs {a / p:.1f} times a "
                     "per-CPU one.")
    table = "\n".join(lines)
    open(prefix + ".md", "w").write(table + "\n")
    print(table)

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart")
        return 0
    cases = [c for c in BASELINE if c in stats]
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.4
    for i, mode in enumerate(["one", "all"]):
        vals = [stats[c].get(mode, {}).get("median_ns", 0) for c in cases]
        ax.bar([x + i * width for x in range(len(cases))], vals, width,
               label="one CPU" if mode == "one" else f"all {cpus} CPUs")
    ax.set_xticks([x + width / 2 for x in range(len(cases))])
    ax.set_xticklabels(cases, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("ns per operation (median, QEMU TCG)")
    ax.set_yscale("log")
    ax.legend()
    ax.set_title("Per-CPU increments: Rust API against C")
    fig.tight_layout()
    fig.savefig(prefix + ".png", dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
