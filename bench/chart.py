"""Bar chart of one run's throughput ratios (Depot ÷ peer requests/s), per workload, peer and
connection mode, on a log scale with the issue's targets drawn in.

Run by bench/run.py with the chart virtual environment's Python (it has matplotlib):
    python chart.py report.json ratios.png
"""

import json
import sys
import textwrap

import matplotlib

matplotlib.use("Agg")  # no display on a server
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

SERIES = [
    ("sandman2", "keep_alive", "vs sandman2, keep-alive", "#1f77b4"),
    ("sandman2", "close", "vs sandman2, Connection: close", "#aec7e8"),
    ("datasette", "keep_alive", "vs Datasette, keep-alive", "#d62728"),
    ("datasette", "close", "vs Datasette, Connection: close", "#ff9896"),
]


def main(source, target):
    with open(source) as f:
        results = json.load(f)
    workloads = results["workloads"]
    labels = [f"{w['number']}. {w['title']}" for w in workloads]
    width = 0.8 / len(SERIES)
    figure, axes = plt.subplots(figsize=(12, 6))
    for index, (peer, mode, name, colour) in enumerate(SERIES):
        xs, ys = [], []
        for position, w in enumerate(workloads):
            value = w["ratios"].get(peer, {}).get(mode, {}).get("requests_per_s")
            if value:
                xs.append(position + (index - (len(SERIES) - 1) / 2) * width)
                ys.append(value)
        bars = axes.bar(xs, ys, width, label=name, color=colour)
        axes.bar_label(bars, labels=[f"{y:.1f}×" if y < 100 else f"{y:.0f}×" for y in ys], fontsize=7, padding=2)
    axes.set_yscale("log")
    axes.axhline(1, color="black", linewidth=0.8)
    axes.axhline(20, color="#1f77b4", linestyle="--", linewidth=0.8, label="target vs sandman2 (20×, workloads 1–3)")
    axes.axhline(5, color="#d62728", linestyle="--", linewidth=0.8, label="target vs Datasette (5×, workloads 1–2)")
    axes.set_xticks(range(len(workloads)))
    axes.set_xticklabels([textwrap.fill(label, 24) for label in labels], fontsize=8)
    # Plain "3×", "20×" on the log axis instead of powers of ten.
    times = FuncFormatter(lambda value, _: f"{value:g}×")
    axes.yaxis.set_major_formatter(times)
    axes.yaxis.set_minor_formatter(times)
    axes.tick_params(axis="y", which="minor", labelsize=7)
    axes.set_ylabel("Depot requests/s ÷ peer requests/s (log)")
    meta = results["meta"]
    axes.set_title(f"Depot ({meta['depot_build']} build) against its peers, {meta['connections']} connections, "
                   f"{meta['started']}" + (" — smoke run" if meta["smoke"] else ""), fontsize=10)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    figure.savefig(target, dpi=110)


if __name__ == "__main__":
    main(*sys.argv[1:3])
