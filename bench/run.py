#!/usr/bin/env python3
"""Where Depot stands against sandman2 and Datasette on this machine, in one run (issue 8).

    python3 bench/run.py            # full run, about 10-15 minutes once everything is installed
    python3 bench/run.py --smoke    # 1 s runs of three workloads, a couple of minutes
    DEPOT_BIN=path/to/depot python3 bench/run.py   # measure that binary instead of building

It installs what it needs when missing (wrk with apt-get; sandman2, Datasette and matplotlib in
virtual environments under ~/.cache/depot/bench-venv), builds Depot's release
(`cargo leptos build --release --split --precompress`) unless DEPOT_BIN is set, then measures six workloads with wrk on
each server in turn, and Depot-only figures. A benchmark, not a test: it reports and exits 0
whatever the figures are (non-zero only when it could not measure).

Writes bench/results/<time>/report.md, report.json and ratios.png, and prints the Markdown.
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

import depot_only
import prepare
import report
from load import LoadSettings, check, run_wrk, workloads
from servers import Datasette, Depot, Reference, Sandman2

HERE = os.path.dirname(os.path.abspath(__file__))
# Depot with auth costs a key lookup per request; measured where reads are cheapest to see it.
BEARER_WORKLOADS = {0, 1, 2, 3}
READY_PATHS = {"sandman2": "/artist/1", "datasette": "/chinook/Artist/1.json", "depot": "/readyz",
               "bare-json": "/healthz", "bare-sqlx": "/artist/1"}
REFERENCES = {"bare-json": "fixed-json", "bare-sqlx": "sqlx"}


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="1 s runs of workloads 1, 2 and 5 and a smaller generated table: checks the harness")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 10, smoke 1)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workloads", help="comma-separated workload numbers (default all six)")
    parser.add_argument("--servers", default="depot,depot+key,bare-json,bare-sqlx,sandman2,datasette",
                        help="comma-separated: depot (--no-auth), depot+key, bare-json and bare-sqlx "
                             "(the reference servers of bench/reference), sandman2, datasette")
    parser.add_argument("--deep-rows", type=int, help="rows of the generated table (default 1,000,000)")
    parser.add_argument("--no-depot-only", action="store_true", help="skip cold start, idle RSS, admin page, paging")
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    args.duration = args.duration or (1 if args.smoke else 10)
    args.deep_rows = args.deep_rows or (100_000 if args.smoke else 1_000_000)
    default_workloads = "0,1,2,5" if args.smoke else "0,1,2,3,4,5,6"
    args.workloads = {int(n) for n in (args.workloads or default_workloads).split(",")}
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    return args


def start(kind, database, binary, tools):
    if kind in REFERENCES:
        return Reference(tools["reference"], REFERENCES[kind], database)
    if kind == "sandman2":
        return Sandman2(tools["sandman2"], database)
    if kind == "datasette":
        return Datasette(tools["datasette"], database)
    return Depot(binary, database, auth=(kind == "depot+key"))


def measure_workload(workload, kinds, settings, template, work, binary, tools):
    """Each server in turn: start on a fresh copy, check the answer, warm up, measure with
    keep-alive and with `Connection: close`, read its peak memory, stop."""
    figures = {}
    # Rotate who goes first from one workload to the next, so a slow patch of a noisy machine
    # does not always land on the same server.
    shift = workload.number % len(kinds)
    for kind in kinds[shift:] + kinds[:shift]:
        base_kind = "depot" if kind.startswith("depot") else kind
        path = workload.paths.get(base_kind)
        if path is None or (kind == "depot+key" and workload.number not in BEARER_WORKLOADS):
            continue
        folder = os.path.join(work, f"w{workload.number}-{kind.replace('+', '-')}")
        database = prepare.fresh_copy(template, folder)
        prepare.say(f"workload {workload.number} ({workload.title}): {kind}")
        server = start(kind, database, binary, tools)
        entry = {"path": path}
        try:
            entry["start_seconds"] = server.wait_until_answers(READY_PATHS[base_kind])
            entry["rss_at_start_mib"] = server.rss_mib()
            problem = check(server, workload, path)
            if problem:
                print(f"   not measured: {problem}", flush=True)
                entry["problem"] = problem
            else:
                run_wrk(settings, server, workload, path, close=False, duration=1)  # warm-up, discarded
                for mode, close in (("keep_alive", False), ("close", True)):
                    server.wait_until_idle()
                    entry[mode] = run_wrk(settings, server, workload, path, close=close,
                                          duration=settings.duration * workload.duration_factor)
                    f = entry[mode]
                    print(f"   {mode:10} {f['requests_per_s']:10,.0f} req/s  p50 {f['p50_ms']:8.2f} ms  "
                          f"p99 {f['p99_ms']:8.2f} ms  errors {f['errors']}", flush=True)
                entry["peak_rss_mib"] = server.peak_rss_mib()
        except RuntimeError as error:
            print(f"   failed: {error}", flush=True)
            entry["problem"] = str(error).splitlines()[0]
        finally:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
        name = kind if kind in ("sandman2", "datasette") else server.name
        figures[name] = entry
    # The report lists Depot first, then the references and the peers, whatever order they ran in.
    order = ["depot", "depot (Bearer key)", "bare axum", "bare axum + sqlx", "sandman2", "datasette"]
    return dict(sorted(figures.items(), key=lambda item: order.index(item[0])))


def wrk_version(wrk):
    output = subprocess.run([wrk, "-v"], capture_output=True, text=True)
    words = (output.stdout + output.stderr).split()
    return words[1] if len(words) > 1 else "?"


def git_commit():
    found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=prepare.ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=prepare.ROOT,
                           capture_output=True, text=True).stdout.strip()
    return (found.stdout.strip() or "?") + (" (with uncommitted changes)" if dirty else "")


def main():
    args = arguments()
    began = time.monotonic()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    wrk = prepare.ensure_wrk()
    peers = [k for k in args.servers if k in ("sandman2", "datasette")]
    tools = prepare.peer_tools() if peers else {}
    if any(k in REFERENCES for k in args.servers):
        tools["reference"] = prepare.reference_binary()
    chart_python = prepare.chart_python()
    needs_depot = any(k.startswith("depot") for k in args.servers) or not args.no_depot_only
    binary = prepare.depot_binary() if needs_depot else None
    settings = LoadSettings(wrk=wrk, threads=args.threads, connections=args.connections, duration=args.duration)

    work = tempfile.mkdtemp(prefix="depot-bench-")
    try:
        template, small = prepare.make_databases(os.path.join(work, "template"), args.deep_rows)
        results = {
            "meta": {
                "started": started, "host": platform.node(), "cpus": os.cpu_count(), "smoke": args.smoke,
                "depot_binary": binary, "depot_build": prepare.depot_build_kind(binary) if binary else "no", "commit": git_commit(),
                "threads": args.threads, "connections": args.connections, "duration_s": args.duration,
                "deep_rows": args.deep_rows, "servers": args.servers,
                # Built by this run with --release: then target/site/pkg holds the release bundle.
                "built_release_here": needs_depot and not os.environ.get("DEPOT_BIN"),
                "versions": {"wrk": wrk_version(wrk), "sandman2": "1.2.3", "datasette": "0.65.5"},
                "notes": [
                    "Depot runs with --no-auth against the peers, which check no credentials; "
                    "'depot (Bearer key)' carries the admin API key on every request.",
                    "Every server logs as it does by default, to a file: Datasette's uvicorn writes a line "
                    "per request, gunicorn and Depot do not.",
                    "The generated table `reading` is added to the Chinook copy every server serves, "
                    "because sandman2 serves one database.",
                    "wrk and the server share the machine's CPUs; compare ratios within one run, "
                    "not figures across runs or machines.",
                ],
            },
            "workloads": [],
        }
        for workload in workloads(args.deep_rows):
            if workload.number not in args.workloads:
                continue
            entry = {"number": workload.number, "title": workload.title, "note": workload.note,
                     "paths": workload.paths}
            entry["servers"] = measure_workload(workload, args.servers, settings, template, work, binary, tools)
            report.add_ratios(entry)
            results["workloads"].append(entry)

        if not args.no_depot_only:
            copy = prepare.fresh_copy(template, os.path.join(work, "depot-only"))
            results["depot_only"] = depot_only.measure(binary, copy, small, args.deep_rows, args.smoke)
        results["targets"] = report.targets(results)
        results["meta"]["run_seconds"] = time.monotonic() - began

        folder = os.path.join(args.out, time.strftime("%Y%m%d-%H%M%S") + ("-smoke" if args.smoke else ""))
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "report.json"), "w") as f:
            json.dump(results, f, indent=2)
        text = report.markdown(results)
        with open(os.path.join(folder, "report.md"), "w") as f:
            f.write(text)
        chart = subprocess.run([chart_python, os.path.join(HERE, "chart.py"), os.path.join(folder, "report.json"),
                                os.path.join(folder, "ratios.png")], capture_output=True, text=True)
        if chart.returncode != 0:
            print(f"the chart failed:\n{chart.stderr}", file=sys.stderr)
        print("\n" + text)
        print(f"Written to {folder}/ (report.md, report.json" + (", ratios.png)" if chart.returncode == 0 else ")"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # Figures never fail the run; a workload that could not be measured does (the harness or a
    # server is broken), so a CI smoke run catches that.
    unmeasured = [f"workload {w['number']} on {name}: {s['problem']}"
                  for w in results["workloads"] for name, s in w["servers"].items() if s.get("problem")]
    if unmeasured:
        sys.exit("could not measure:\n  " + "\n  ".join(unmeasured))


if __name__ == "__main__":
    main()
