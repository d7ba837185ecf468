"""Moving one big file through a server and timing it against `cp` on the same disk: shared by
the Versioning and Artifacts benchmarks."""

import os
import subprocess
import time


def random_file(path, size):
    """`size` bytes of random data (incompressible, so nothing is faster than it should be)."""
    with open(path, "wb") as f:
        remaining = size
        while remaining:
            chunk = os.urandom(min(remaining, 16 * 2**20))
            f.write(chunk)
            remaining -= len(chunk)


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def cp_seconds(source, folder):
    """`cp` then `sync` of the copy: Depot fsyncs what it stores, so the copy is made durable too."""
    copy = os.path.join(folder, "copy.bin")
    seconds, _ = timed(lambda: subprocess.run(["bash", "-c", f"cp {source} {copy} && sync {copy}"], check=True))
    os.remove(copy)
    return seconds


def round_trip(server, source, folder, upload, download_url):
    """Uploads with `upload` (curl arguments after the common ones), downloads from
    `download_url` (synced to disk), checks the bytes, and reads the server's peak memory."""
    size = os.path.getsize(source)
    copy_seconds = cp_seconds(source, folder)
    up_seconds, _ = timed(lambda: subprocess.run(["curl", "-sS", "-f", "-o", "/dev/null", *upload], check=True))
    back = os.path.join(folder, "back.bin")
    down_seconds, _ = timed(lambda: subprocess.run(
        ["bash", "-c", f"curl -sS -f -o {back} '{download_url}' && sync {back}"], check=True))
    identical = subprocess.run(["cmp", "-s", source, back]).returncode == 0
    os.remove(back)
    mib = size / 2**20
    return {
        "bytes": size,
        "cp_seconds": copy_seconds,
        "upload_seconds": up_seconds,
        "download_seconds": down_seconds,
        "cp_mib_per_second": mib / copy_seconds,
        "upload_mib_per_second": mib / up_seconds,
        "download_mib_per_second": mib / down_seconds,
        "upload_vs_cp": copy_seconds / up_seconds,
        "download_vs_cp": copy_seconds / down_seconds,
        "downloaded_identical": identical,
        "server_peak_rss_mib": server.peak_rss_mib(),
    }


def markdown_rows(result, what):
    """The table of a round trip: time, MiB/s and the ratio to cp."""
    return [
        f"| {result['bytes'] / 2**20:,.0f} MiB {what} | time | MiB/s | cp time ÷ this |",
        "|---|---|---|---|",
        f"| `cp` + `sync` on this disk | {result['cp_seconds']:.2f} s | {result['cp_mib_per_second']:,.0f} | 1.00 |",
        f"| upload (`curl`, streamed) | {result['upload_seconds']:.2f} s | {result['upload_mib_per_second']:,.0f} | {result['upload_vs_cp']:.2f} |",
        f"| download + `sync` | {result['download_seconds']:.2f} s | {result['download_mib_per_second']:,.0f} | {result['download_vs_cp']:.2f} |",
        "",
        f"Server peak RSS during the upload and download: {result['server_peak_rss_mib']:.1f} MiB"
        f" (download identical: {result['downloaded_identical']}).",
    ]
