#!/usr/bin/env python3
"""Benchmarks of the Specs surface (specstore).

    python3 bench/specs.py                 # builds the release first, unless DEPOT_BIN is set

With a pipeline runner of its own (a small HTTP server in this process) as DPP_URL:

1. Uploads: one keep-alive client uploads new revisions of one dataset (a spec with csv, json and
   zip outputs: five pipelines each) — revisions/s and latency.
2. Events: the runner's `start` and `finish` for every pipeline of those revisions — events/s and
   latency (each event re-derives the revision's state in its own transaction).
3. Reads: `GET /source/{owner}/{dataset}/latest` and `/successful` with that many revisions.
4. Dispatch: how long the runner waits for the backlog of step 1 (from each upload's answer to
   its arrival), then, with the outbox empty, for single uploads a little apart — and that every
   revision arrived exactly once.

Each figure is also given as a ratio to a `GET /healthz` round trip measured in the same run, as
the machine is shared and noisy. Depot runs on a fresh SQLite store with its admin key. Writes
Markdown to stdout and JSON beside it in bench/results/.
"""

import http.server
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import depot_binary, depot_build_kind, say  # noqa: E402
from servers import Depot  # noqa: E402
import output  # noqa: E402
from versioning import Client  # noqa: E402

REVISIONS = 1_000
EVENT_REVISIONS = 200
SINGLE_UPLOADS = 100
SINGLE_GAP = 0.02


class Runner:
    """The pipeline runner: records when each flow arrived, answers 202."""

    def __init__(self):
        self.arrived = {}
        self.counts = {}
        runner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                flow = json.loads(body)["flow_id"]
                runner.arrived.setdefault(flow, time.perf_counter())
                runner.counts[flow] = runner.counts.get(flow, 0) + 1
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            # The default listen backlog (5) refuses some of Depot's concurrent sends, which
            # then wait out their back-off: a runner that can take them is the fair test.
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/flows"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class KeyClient(Client):
    def __init__(self, base, key):
        super().__init__(base)
        self.key = key

    def timed(self, method, path, body=None):
        headers = {"Authorization": f"Bearer {self.key}"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        started = time.perf_counter()
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload[:1] in b"{[" else payload, elapsed


def spec():
    return {
        "meta": {"ownerid": "admin", "owner": "admin", "dataset": "bench", "version": 1},
        "inputs": [{"kind": "datapackage", "url": "http://example.com/datapackage.json", "parameters": {}}],
        "outputs": [{"kind": "csv"}, {"kind": "json"}, {"kind": "zip"}],
    }


def summary(seconds, baseline):
    ms = [s * 1000 for s in seconds]
    median = statistics.median(ms)
    return {
        "count": len(ms),
        "per_second": round(len(ms) / sum(seconds), 1),
        "median_ms": round(median, 3),
        "p99_ms": round(sorted(ms)[int(len(ms) * 0.99) - 1], 3),
        "x_healthz": round(median / baseline, 1),
    }


def measure(binary, work):
    database = os.path.join(work, "empty.sqlite")
    sqlite3.connect(database).close()
    runner = Runner()
    server = Depot(binary, database, auth=True, extra_args=["--dpp-url", runner.url])
    try:
        server.wait_until_answers("/readyz")
        client = KeyClient(server.base, server.key())
        healthz = [client.timed("GET", "/healthz")[1] for _ in range(500)]
        baseline = statistics.median(healthz) * 1000

        say(f"uploading {REVISIONS} revisions")
        uploads, answered = [], {}
        for _ in range(REVISIONS):
            outcome, elapsed = client.timed("POST", "/source/upload", spec())
            answered[outcome["flow_id"]] = time.perf_counter()
            uploads.append(elapsed)

        say(f"sending start and finish for every pipeline of {EVENT_REVISIONS} revisions")
        pipelines = ["admin/bench:source", "admin/bench:csv", "admin/bench:json", "admin/bench:zip", "admin/bench"]
        events = []
        for revision in range(1, EVENT_REVISIONS + 1):
            flow = f"admin/bench/{revision}"
            for pipeline in pipelines:
                for event in ({"event": "start"}, {"event": "finish", "success": True, "stats": {"rows": revision}}):
                    _, elapsed = client.timed("POST", "/source/update", {"pipeline_id": pipeline, "flow_id": flow, **event})
                    events.append(elapsed)

        latest = [client.timed("GET", "/source/admin/bench/latest")[1] for _ in range(300)]
        successful = [client.timed("GET", "/source/admin/bench/successful")[1] for _ in range(300)]

        deadline = time.monotonic() + 120
        while len(runner.arrived) < REVISIONS and time.monotonic() < deadline:
            time.sleep(0.1)
        delays = [runner.arrived[f] - answered[f] for f in answered if f in runner.arrived]

        say(f"{SINGLE_UPLOADS} single uploads, {SINGLE_GAP * 1000:.0f} ms apart")
        single = []
        for _ in range(SINGLE_UPLOADS):
            outcome, _ = client.timed("POST", "/source/upload", spec())
            sent = time.perf_counter()
            flow = outcome["flow_id"]
            while flow not in runner.arrived and time.perf_counter() - sent < 10:
                time.sleep(0.0005)
            if flow in runner.arrived:
                single.append(runner.arrived[flow] - sent)
            time.sleep(SINGLE_GAP)
        return {
            "healthz_median_ms": round(baseline, 3),
            "uploads": summary(uploads, baseline),
            "events": summary(events, baseline),
            "get_latest": summary(latest, baseline),
            "get_successful": summary(successful, baseline),
            "dispatch": {
                "delivered": len(runner.arrived),
                "of": REVISIONS + SINGLE_UPLOADS,
                "more_than_once": sum(1 for c in runner.counts.values() if c > 1),
                "backlog_median_ms": round(statistics.median(delays) * 1000, 1) if delays else None,
                "backlog_max_ms": round(max(delays) * 1000, 1) if delays else None,
                "single_median_ms": round(statistics.median(single) * 1000, 2) if single else None,
                "single_max_ms": round(max(single) * 1000, 2) if single else None,
            },
            "peak_rss_mib": round(server.peak_rss_mib(), 1),
        }
    finally:
        server.stop()
        runner.server.shutdown()


def markdown(results, build):
    rows = [
        ("upload (new revision, 5 pipelines, queued for the runner)", results["uploads"]),
        ("pipeline event (start or finish)", results["events"]),
        (f"GET …/latest ({REVISIONS} revisions)", results["get_latest"]),
        ("GET …/successful", results["get_successful"]),
    ]
    dispatch = results["dispatch"]
    lines = [
        f"Specs on a {build} build, SQLite, admin key on every request; one keep-alive client.",
        f"`GET /healthz` round trip: {results['healthz_median_ms']} ms median.",
        "",
        "| operation | per second | median ms | p99 ms | median ÷ /healthz |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {r['per_second']} | {r['median_ms']} | {r['p99_ms']} | {r['x_healthz']}× |" for name, r in rows]
    lines += [
        "",
        f"Dispatch: {dispatch['delivered']} of {dispatch['of']} revisions reached the runner, "
        f"{dispatch['more_than_once']} more than once. From an upload's answer to the runner: "
        f"{dispatch['single_median_ms']} ms median ({dispatch['single_max_ms']} ms worst) for single "
        f"uploads; {dispatch['backlog_median_ms']} ms median ({dispatch['backlog_max_ms']} ms worst) "
        f"while {REVISIONS} uploads arrived back to back. Peak RSS {results['peak_rss_mib']} MiB.",
    ]
    return "\n".join(lines)


def main():
    binary = depot_binary()
    work = tempfile.mkdtemp(prefix="depot-bench-specs-", dir=os.environ.get("BENCH_WORK_DIR"))
    try:
        results = measure(binary, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    output.save("specs", results, markdown(results, depot_build_kind(binary)))


if __name__ == "__main__":
    main()
