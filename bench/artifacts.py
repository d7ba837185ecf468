#!/usr/bin/env python3
"""Benchmarks of the Artifacts surface, as its issue asks for them.

    python3 bench/artifacts.py             # builds the release first, unless DEPOT_BIN is set

1. A 1 GiB artifact uploaded (POST, streamed) and downloaded, each as a ratio to `cp` of the same
   file on the same disk, and the server's peak RSS while doing it.
2. Listing an artifact with 10,000 versions (`GET …/artifacts/{name}`, in CDAP's version order)
   and a namespace holding them (`GET …/artifacts`).

Depot runs with --no-auth on loopback, on a fresh SQLite store. Writes Markdown to stdout and
JSON beside it in bench/results/.
"""

import io
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import depot_binary, depot_build_kind, say  # noqa: E402
from servers import Depot, get  # noqa: E402
import output  # noqa: E402
import transfer  # noqa: E402
from transfer import timed  # noqa: E402
from versioning import Client  # noqa: E402

VERSIONS = 10_000
NS = "/v3/namespaces/default"


def big_jar(path, size):
    """A real jar of about `size` bytes: a manifest and one stored (uncompressed) random entry."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nBundle-Version: 1.0.0\r\n")
        with jar.open("payload.bin", "w", force_zip64=True) as payload:
            remaining = size
            while remaining:
                chunk = os.urandom(min(remaining, 16 * 2**20))
                payload.write(chunk)
                remaining -= len(chunk)


def small_jar():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\n")
    return out.getvalue()


def main():
    size = int(os.environ.get("BENCH_BIG_FILE_BYTES", str(2**30)))
    versions = int(os.environ.get("BENCH_ARTIFACT_VERSIONS", str(VERSIONS)))
    binary = depot_binary()
    work = tempfile.mkdtemp(prefix="depot-bench-artifacts-", dir=os.environ.get("BENCH_WORK_DIR"))
    database = os.path.join(work, "empty.sqlite")
    sqlite3.connect(database).close()
    server = Depot(binary, database)
    try:
        server.wait_until_answers("/readyz")
        source = os.path.join(work, "big.jar")
        say(f"making a {size / 2**20:,.0f} MiB jar")
        big_jar(source, size)
        say("uploading and downloading it")
        big = transfer.round_trip(
            server, source, work,
            # -T streams the file (--data-binary would read it whole into memory first).
            ["-X", "POST", "-T", source, "-H", "Content-Type: application/octet-stream", f"{server.base}{NS}/artifacts/big"],
            f"{server.base}{NS}/artifacts/big/versions/1.0.0/download",
        )
        say(f"adding {versions:,} versions of one artifact")
        client = Client(server.base)
        jar = small_jar()
        for i in range(versions):
            version = f"{i // 100}.{i % 100}.0"
            client.connection.request("POST", f"{NS}/artifacts/many", body=jar, headers={"Artifact-Version": version})
            response = client.connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"adding version {version}: {response.status}")
        listing = [timed(lambda: get(f"{server.base}{NS}/artifacts/many"))[0] for _ in range(10)]
        status, body = get(f"{server.base}{NS}/artifacts/many")
        listed = json.loads(body)
        everything = [timed(lambda: get(f"{server.base}{NS}/artifacts"))[0] for _ in range(10)]
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    results = {
        "big_artifact": big,
        "versions": versions,
        "list_versions_ms": statistics.median(listing) * 1000,
        "list_namespace_ms": statistics.median(everything) * 1000,
        "listed": len(listed),
        "first_and_last": [listed[0]["version"], listed[-1]["version"]],
    }
    lines = [
        f"Artifacts benchmark ({depot_build_kind(binary)} build, SQLite store, --no-auth)",
        "",
        *transfer.markdown_rows(big, "artifact"),
        "",
        f"| listing {versions:,} versions of one artifact | median of 10 |",
        "|---|---|",
        f"| `GET …/artifacts/many` ({len(listed):,} versions, {listed[0]['version']} … {listed[-1]['version']}) | {results['list_versions_ms']:.1f} ms |",
        f"| `GET …/artifacts` (the namespace) | {results['list_namespace_ms']:.1f} ms |",
    ]
    report = "\n".join(lines)
    output.save("artifacts", results, report)


if __name__ == "__main__":
    main()
