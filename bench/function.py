#!/usr/bin/env python3
"""Benchmarks of Depot as a serverless function (`depot lambda`), as the serverless issue asks.

    python3 bench/function.py            # builds the release first, unless DEPOT_BIN is set

1. Cold start: from starting `depot lambda` to the first answer through the function URL of
   cargo-lambda's emulator (PyPI cargo-lambda 1.9.2), median of five starts.
2. Per-request latency through the function URL against `depot serve` in the same run, on the
   same PostgreSQL database and S3 bucket (SeaweedFS on loopback): `/healthz`, a read of Depot's
   store (`GET /dots/admin`) and a small write (an inventory entity), one request at a time.

Both run with --no-auth on loopback. Compare as ratios within one run: the machine is shared
and noisy. Writes Markdown to stdout and JSON beside it (bench/results/function-*.{json,md}).
"""

import http.client
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import depot_binary, ensure_venv, say  # noqa: E402
from servers import free_port  # noqa: E402
from blobs import BUCKET, Depot, SeaweedFS  # noqa: E402
import output  # noqa: E402

REQUESTS = 300
STARTS = 5
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


class Emulator:
    def __init__(self, folder):
        bin_dir = ensure_venv("cargo-lambda", ["cargo-lambda==1.9.2"])
        project = os.path.join(folder, "emulator")
        os.makedirs(os.path.join(project, "src"))
        with open(os.path.join(project, "Cargo.toml"), "w") as f:
            f.write('[package]\nname = "depot"\nversion = "0.1.0"\nedition = "2021"\n')
        with open(os.path.join(project, "src", "main.rs"), "w") as f:
            f.write("fn main() {}\n")
        self.port = free_port()
        self.log = open(os.path.join(folder, "emulator.log"), "w")
        self.process = subprocess.Popen(
            [os.path.join(bin_dir, "cargo-lambda"), "lambda", "watch", "--only-lambda-apis",
             "-A", "127.0.0.1", "-P", str(self.port)], cwd=project, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the emulator did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def timed_requests(host, port, prefix, method, path, body=None, count=REQUESTS):
    """Milliseconds of `count` requests, one at a time over one keep-alive connection."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    times = []
    for i in range(count):
        data = body(i) if callable(body) else body
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if data else {}
        started = time.perf_counter()
        connection.request(method, prefix + path, body=data, headers=headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status}")
    connection.close()
    return times


def summary(times):
    ordered = sorted(times)
    return {"median_ms": statistics.median(ordered), "p99_ms": ordered[int(len(ordered) * 0.99) - 1]}


def signed_upload(port, folder, size=2**30):
    """A 1 GiB file the two-step way through `depot serve`: the bytes go to the bucket with curl,
    the confirmation reads them back once to check size and SHA-256."""
    import hashlib
    import json
    import transfer
    source = os.path.join(folder, "big.bin")
    transfer.random_file(source, size)
    digest = hashlib.sha256()
    with open(source, "rb") as f:
        for chunk in iter(lambda: f.read(2**20), b""):
            digest.update(chunk)
    base = f"http://127.0.0.1:{port}"

    def call(path, body):
        out = subprocess.run(["curl", "-sS", "-f", "-H", "content-type: application/json", "-d", json.dumps(body),
                              base + path], capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    call("/dots/admin", {"name": "signed"})
    started = time.perf_counter()
    upload = call("/dots/admin/signed/branches/master/uploads", {"path": "big.bin"})
    put_started = time.perf_counter()
    subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-T", source, upload["url"]], check=True)
    confirm_started = time.perf_counter()
    call(f"/dots/admin/signed/branches/master/uploads/{upload['upload']}",
         {"path": "big.bin", "size": size, "sha256": digest.hexdigest()})
    done = time.perf_counter()
    os.remove(source)
    return {"bytes": size, "total_seconds": done - started, "put_seconds": confirm_started - put_started,
            "confirm_seconds": done - confirm_started}


def main():
    binary = depot_binary()
    folder = tempfile.mkdtemp(prefix="depot-bench-function-")
    database = f"depot_bench_function_{os.getpid()}"
    subprocess.run(["psql", f"{POSTGRES}/postgres", "-qc", f'CREATE DATABASE "{database}"'], check=True)
    url = f"{POSTGRES}/{database}"
    s3 = SeaweedFS(folder)
    emulator = Emulator(folder)
    results = {}
    try:
        env = {**os.environ, **s3.env(), "DATABASE_URL": url, "DEPOT_BLOB_STORE": f"s3://{BUCKET}/function",
               "DEPOT_NO_AUTH": "true", "AWS_LAMBDA_FUNCTION_NAME": "depot", "AWS_LAMBDA_FUNCTION_VERSION": "1",
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
               "AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{emulator.port}/.rt"}
        subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)
        say(f"cold starts of depot lambda ({STARTS})")
        starts = []
        for _ in range(STARTS):
            started = time.perf_counter()
            function = subprocess.Popen([binary, "lambda"], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            connection = http.client.HTTPConnection("127.0.0.1", emulator.port, timeout=60)
            connection.request("GET", "/lambda-url/_/healthz")
            connection.getresponse().read()
            starts.append((time.perf_counter() - started) * 1000)
            function.terminate()
            function.wait()
        results["cold_start_ms"] = {"median": statistics.median(starts), "all": starts}

        say("per-request latency: function URL against depot serve")
        function = subprocess.Popen([binary, "lambda"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        data = os.path.join(folder, "serve")
        os.makedirs(data)
        served = Depot(binary, data, env={k: env[k] for k in env if not k.startswith("AWS_LAMBDA")})
        try:
            served.wait_until_answers("/healthz")
            cases = [("GET /healthz", "GET", "/healthz", None),
                     ("GET /dots/admin (a store read)", "GET", "/dots/admin", None)]
            for label, method, path, body in cases:
                lam = summary(timed_requests("127.0.0.1", emulator.port, "/lambda-url/_", method, path, body))
                srv = summary(timed_requests("127.0.0.1", served.port, "", method, path, body))
                results[label] = {"function": lam, "serve": srv}
            write = "POST /inventory/entity/basicserver (a write)"
            lam = summary(timed_requests("127.0.0.1", emulator.port, "/lambda-url/_", "POST",
                                         "/inventory/entity/basicserver", lambda i: f"name=f{i}"))
            srv = summary(timed_requests("127.0.0.1", served.port, "", "POST",
                                         "/inventory/entity/basicserver", lambda i: f"name=s{i}"))
            results[write] = {"function": lam, "serve": srv}
            say("1 GiB through the signed-URL path (ask, PUT to the bucket, confirm)")
            results["signed_upload"] = signed_upload(served.port, folder)
        finally:
            served.stop()
            function.terminate()
            function.wait()
    finally:
        emulator.stop()
        s3.stop()
        subprocess.run(["psql", f"{POSTGRES}/postgres", "-qc", f'DROP DATABASE "{database}" WITH (FORCE)'])
        shutil.rmtree(folder, ignore_errors=True)
    rows = [
        "### Depot as a function (cargo-lambda's emulator, PostgreSQL, SeaweedFS)",
        "",
        f"Cold start, process start to first answer through the function URL: "
        f"{results['cold_start_ms']['median']:.0f} ms (median of {STARTS}).",
        "",
        "| request, one at a time | function URL median / p99 | `depot serve` median / p99 | function ÷ serve (median) |",
        "|---|---|---|---|",
    ]
    for label, figures in results.items():
        if label in ("cold_start_ms", "signed_upload"):
            continue
        f, s = figures["function"], figures["serve"]
        rows.append(f"| {label} | {f['median_ms']:.2f} / {f['p99_ms']:.2f} ms | {s['median_ms']:.2f} / "
                    f"{s['p99_ms']:.2f} ms | {f['median_ms'] / s['median_ms']:.1f}× |")
    signed = results["signed_upload"]
    rows += ["", f"1 GiB through the signed-URL path: {signed['total_seconds']:.2f} s in all — the PUT to the "
             f"bucket {signed['put_seconds']:.2f} s, the confirmation (read back, SHA-256 checked, indexed, "
             f"written as a file) {signed['confirm_seconds']:.2f} s."]
    output.save("function", results, "\n".join(rows))


if __name__ == "__main__":
    main()
