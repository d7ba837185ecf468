#!/usr/bin/env python3
"""Benchmarks of the Tables surface, as the Tables issue asks for them.

    cargo leptos build --release && python3 server/benches/tables.py

1. Keyset (`after=`) against offset (`page=`) paging on a generated 1,000,000-row table:
   median latency of a 20-row page near the start, the middle and the end.
2. `?export` of that table against a 100,000-row one: peak memory (VmHWM) of the server.
3. Chinook single-row GET and 20-row page GET under 32 connections with wrk: requests/s, p99.

Everything runs on loopback against a release build; numbers are printed as a Markdown table.
Compare them as ratios within one run: the machine is shared and noisy.
"""

import base64
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/depot/target"))
BINARY = os.environ.get("DEPOT_BIN", os.path.join(TARGET, "release", "depot"))
CHINOOK = os.path.join(ROOT, "..", "shared", "data", "chinook.sqlite")
PORT = 3977
BASE = f"http://127.0.0.1:{PORT}"


def generate(path, rows):
    db = sqlite3.connect(path)
    db.executescript(
        f"""
        CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value REAL, note TEXT);
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows})
        INSERT INTO reading SELECT x, 'sensor-' || (x % 97), x * 0.25, 'a, "quoted" note ' || x FROM n;
        """
    )
    db.commit()
    db.close()


class Server:
    def __init__(self, *attach):
        self.data = tempfile.mkdtemp(prefix="depot-bench-")
        args = [BINARY, "serve", "--bind", f"127.0.0.1:{PORT}", "--data-dir", self.data]
        for a in attach:
            args += ["--attach", a]
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "RUST_LOG": "warn"})
        self.key = None
        for line in self.process.stdout:
            found = re.search(r"depot_[0-9a-f]{40}", line)
            if found:
                self.key = found.group(0)
                break
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{BASE}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)

    def get(self, path):
        request = urllib.request.Request(f"{BASE}{path}", headers={"Authorization": f"Bearer {self.key}"})
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.read()

    def peak_rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024

    def stop(self):
        self.process.terminate()
        self.process.wait()
        shutil.rmtree(self.data, ignore_errors=True)


def median_ms(server, path, runs=25):
    server.get(path)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        server.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def cursor(last_id):
    return base64.urlsafe_b64encode(json.dumps([last_id]).encode()).decode().rstrip("=")


def paging(big):
    server = Server(f"bench=sqlite://{big}")
    rows = []
    try:
        for label, position in [("first page", 0), ("middle (row 500,000)", 500_000), ("last page (row 999,980)", 999_980)]:
            page = position // 20 + 1
            after = f"/db/bench/reading/?after={cursor(position)}&limit=20" if position else "/db/bench/reading/?limit=20"
            rows.append((label, median_ms(server, after), median_ms(server, f"/db/bench/reading/?page={page}&limit=20")))
    finally:
        server.stop()
    return rows


def export_memory(small, big):
    results = []
    for label, path in [("100,000 rows", small), ("1,000,000 rows", big)]:
        server = Server(f"bench=sqlite://{path}")
        try:
            started = time.perf_counter()
            size = len(server.get("/db/bench/reading/?export"))
            seconds = time.perf_counter() - started
            results.append((label, size / 1e6, seconds, server.peak_rss_mib()))
        finally:
            server.stop()
    return results


def load(chinook):
    if not shutil.which("wrk"):
        return None
    server = Server(f"chinook=sqlite://{chinook}")
    results = []
    try:
        for label, path in [("single row /artist/1", "/db/chinook/artist/1"), ("20-row page /track/?page=10", "/db/chinook/track/?page=10")]:
            output = subprocess.run(
                ["wrk", "-t2", "-c32", "-d10s", "--latency", "-H", f"Authorization: Bearer {server.key}", f"{BASE}{path}"],
                capture_output=True, text=True, check=True,
            ).stdout
            rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
            p99 = re.search(r"99%\s+([\d.]+\w+)", output).group(1)
            errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            results.append((label, rps, p99, int(errors.group(1)) if errors else 0))
    finally:
        server.stop()
    return results


def main():
    if not os.path.exists(BINARY):
        sys.exit(f"no release build at {BINARY}: run `cargo leptos build --release` first")
    work = tempfile.mkdtemp(prefix="depot-bench-data-")
    try:
        big, small, chinook = (os.path.join(work, n) for n in ("big.sqlite", "small.sqlite", "chinook.sqlite"))
        generate(big, 1_000_000)
        generate(small, 100_000)
        shutil.copy(CHINOOK, chinook)
        os.chmod(chinook, 0o644)

        print("\n### Keyset vs offset paging, 1,000,000 rows (median of 25, ms)\n")
        print("| position | `after=` | `page=` |\n|---|---|---|")
        for label, keyset, offset in paging(big):
            print(f"| {label} | {keyset:.2f} | {offset:.2f} |")

        print("\n### `?export` (streamed CSV): size, time, server peak RSS\n")
        print("| table | CSV MB | seconds | peak RSS MiB |\n|---|---|---|---|")
        for label, megabytes, seconds, rss in export_memory(small, big):
            print(f"| {label} | {megabytes:.1f} | {seconds:.2f} | {rss:.1f} |")

        results = load(chinook)
        if results is None:
            print("\n(wrk is not installed: `apt-get install wrk` for the load figures)")
        else:
            print("\n### Chinook under 32 connections (wrk, 10 s, 2 threads)\n")
            print("| request | requests/s | p99 | non-2xx |\n|---|---|---|---|")
            for label, rps, p99, errors in results:
                print(f"| {label} | {rps:.0f} | {p99} | {errors} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
