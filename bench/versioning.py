#!/usr/bin/env python3
"""Benchmarks of the Versioning surface (data dots), as its issue asks for them.

    python3 bench/versioning.py            # builds the release first, unless DEPOT_BIN is set

1. Commit time and store growth of a 10,000-file dot when 1 file changed and when all 10,000
   changed, next to a 1-file dot with its 1 file changed: a commit stores only what changed.
2. Diff time between two commits that differ in 1 file (and, for contrast, in all of them).
3. A 1 GiB file uploaded (PUT) and downloaded (GET), each timed as a ratio to `cp` of the same
   file on the same disk (cp followed by sync, as Depot fsyncs what it stores), and the
   server's peak RSS while doing it.

Depot runs with --no-auth on loopback, on a fresh SQLite store. Compare figures as ratios
within one run: the machine is shared and noisy. Writes Markdown to stdout and JSON beside it.
"""

import http.client
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import depot_binary, depot_build_kind, say  # noqa: E402
from servers import Depot  # noqa: E402
import output  # noqa: E402
import transfer  # noqa: E402
from transfer import timed  # noqa: E402

FILES = 10_000
REPEATS = 5


class Client:
    """One keep-alive connection, as a script writing many files would use."""

    def __init__(self, base):
        host, port = base.removeprefix("http://").split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=600)

    def call(self, method, path, body=None, expect=(200, 201, 204)):
        headers = {"Content-Type": "application/json"} if isinstance(body, (dict, list)) else {}
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status not in expect:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload and payload[:1] in b"{[" else payload


def store_bytes(data_dir):
    """What the dots occupy: tree nodes and commit rows in the store, plus the blob files."""
    db = sqlite3.connect(f"file:{os.path.join(data_dir, 'depot.db')}?mode=ro", uri=True)
    trees = db.execute("SELECT COALESCE(SUM(LENGTH(hash) + LENGTH(body)), 0) FROM dot_trees").fetchone()[0]
    commits = db.execute("SELECT COALESCE(SUM(LENGTH(metadata) + 200), 0) FROM dot_commits").fetchone()[0]
    db.close()
    blobs = 0
    for folder, _, files in os.walk(os.path.join(data_dir, "blobs", "sha256")):
        blobs += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    return {"trees": trees, "commits": commits, "blobs": blobs, "total": trees + commits + blobs}


def grown(before, after):
    return {k: after[k] - before[k] for k in before}


def file_path(i):
    # Spread over folders, as real data is.
    return f"part-{i % 100:02d}/file-{i:05d}.csv"


def content(i, round_):
    return f"id,value\n{i},{round_}\n".encode() * 30  # ~ 500 bytes, different every round


def commit_and_measure(client, server, dot, message, before):
    """Commits; the growth counts from `before` (taken ahead of writing the changed files), so
    it includes their new blobs as well as the commit's tree nodes."""
    seconds, answer = timed(lambda: client.call("POST", f"/dots/bench/{dot}/branches/master/commits",
                                                 {"message": message}))
    return seconds, grown(before, store_bytes(server.folder)), answer["id"]


def commits_and_diffs(binary, work):
    database = os.path.join(work, "empty.sqlite")
    sqlite3.connect(database).close()
    server = Depot(binary, database)
    try:
        server.wait_until_answers("/readyz")
        client = Client(server.base)
        results = {}
        for dot, count in (("one", 1), ("many", FILES)):
            client.call("POST", "/dots/bench", {"name": dot})
            say(f"writing {count:,} files into dot {dot}")
            empty = store_bytes(server.folder)
            seconds, _ = timed(lambda: [client.call("PUT", f"/dots/bench/{dot}/branches/master/files/{file_path(i)}",
                                                     content(i, 0)) for i in range(count)])
            first_seconds, first_growth, first = commit_and_measure(client, server, dot, "all files", empty)
            one_changed = []
            commit_ids = [first]
            for round_ in range(1, REPEATS + 1):
                before = store_bytes(server.folder)
                client.call("PUT", f"/dots/bench/{dot}/branches/master/files/{file_path(round_ % count)}",
                            content(round_ % count, round_))
                one_changed.append(commit_and_measure(client, server, dot, f"one file, round {round_}", before))
                commit_ids.append(one_changed[-1][2])
            results[dot] = {
                "files": count,
                "write_files_per_second": count / seconds,
                "first_commit_seconds": first_seconds,
                "first_commit_growth": first_growth,
                "one_changed_commit_seconds": statistics.median(s for s, _, _ in one_changed),
                "one_changed_growth": one_changed[-1][1],
                "commit_ids": commit_ids,
            }
        # All 10,000 changed.
        say(f"changing all {FILES:,} files")
        before = store_bytes(server.folder)
        for i in range(FILES):
            client.call("PUT", f"/dots/bench/many/branches/master/files/{file_path(i)}", content(i, 99))
        all_seconds, all_growth, all_id = commit_and_measure(client, server, "many", "all files changed", before)
        many = results["many"]
        many["all_changed_commit_seconds"] = all_seconds
        many["all_changed_growth"] = all_growth
        # Diffs: two commits one file apart, and two commits all files apart.
        a, b = many["commit_ids"][-2], many["commit_ids"][-1]
        one_file = [timed(lambda: client.call("GET", f"/dots/bench/many/diff?from={a}&to={b}"))[0]
                    for _ in range(20)]
        changed = client.call("GET", f"/dots/bench/many/diff?from={a}&to={b}")["Files"]
        everything = [timed(lambda: client.call("GET", f"/dots/bench/many/diff?from={b}&to={all_id}"))[0]
                      for _ in range(3)]
        many["diff_one_file_ms"] = statistics.median(one_file) * 1000
        many["diff_one_file_changes"] = len(changed)
        many["diff_all_files_ms"] = statistics.median(everything) * 1000
        return results
    finally:
        server.stop()


def big_file(binary, work, size):
    source = os.path.join(work, "big.bin")
    say(f"making a {size / 2**20:,.0f} MiB file of random bytes")
    transfer.random_file(source, size)
    database = os.path.join(work, "empty2.sqlite")
    sqlite3.connect(database).close()
    server = Depot(binary, database)
    try:
        server.wait_until_answers("/readyz")
        Client(server.base).call("POST", "/dots/bench", {"name": "big"})
        url = f"{server.base}/dots/bench/big/branches/master/files/big.bin"
        say("uploading it and downloading it")
        return transfer.round_trip(server, source, work, ["-T", source, url], url)
    finally:
        server.stop()


def kib(n):
    return f"{n / 1024:,.1f} KiB"


def markdown(results, build):
    one, many, big = results["dots"]["one"], results["dots"]["many"], results["big_file"]
    lines = [
        f"Versioning benchmark ({build} build, SQLite store, --no-auth)",
        "",
        "| commit | commit time | store growth: new blobs + tree nodes + commit |",
        "|---|---|---|",
        f"| 1-file dot, its file changed (median of {REPEATS}) | {one['one_changed_commit_seconds'] * 1000:.1f} ms | {kib(one['one_changed_growth']['total'])} |",
        f"| 10,000-file dot, 1 file changed (median of {REPEATS}) | {many['one_changed_commit_seconds'] * 1000:.1f} ms | {kib(many['one_changed_growth']['total'])} |",
        f"| 10,000-file dot, all files changed | {many['all_changed_commit_seconds'] * 1000:.1f} ms | {kib(many['all_changed_growth']['total'])} |",
        f"| 10,000-file dot, first commit | {many['first_commit_seconds'] * 1000:.1f} ms | {kib(many['first_commit_growth']['total'])} |",
        "",
        "| diff between two commits of the 10,000-file dot | median |",
        "|---|---|",
        f"| 1 file differs | {many['diff_one_file_ms']:.2f} ms |",
        f"| all 10,000 differ | {many['diff_all_files_ms']:.1f} ms |",
        "",
        f"Writing files one PUT each over one keep-alive connection: {many['write_files_per_second']:,.0f} files/s.",
        "",
        *transfer.markdown_rows(big, "file in a dot"),
    ]
    return "\n".join(lines)


def main():
    size = int(os.environ.get("BENCH_BIG_FILE_BYTES", str(2**30)))
    binary = depot_binary()
    work = tempfile.mkdtemp(prefix="depot-bench-versioning-", dir=os.environ.get("BENCH_WORK_DIR"))
    try:
        results = {"dots": commits_and_diffs(binary, work), "big_file": big_file(binary, work, size)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for dot in results["dots"].values():
        dot.pop("commit_ids", None)
    report = markdown(results, depot_build_kind(binary))
    output.save("versioning", results, report)


if __name__ == "__main__":
    main()
