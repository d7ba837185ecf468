"""Figures only Depot has: cold start, idle memory, the admin table page, the WebAssembly
bundle, keyset against offset paging, and memory while exporting (the last two were
server/benches/tables.py before this suite)."""

import gzip
import json
import os
import re
import statistics
import time

import prepare
from load import depot_cursor
from servers import Depot, get


def cold_start(binary, database, runs):
    """Seconds from starting the process to the first 200 of /readyz, each run with a fresh
    data directory (so the store is created and every migration applied), Chinook attached."""
    seconds = []
    for _ in range(runs):
        server = Depot(binary, database, auth=True)
        try:
            seconds.append(server.wait_until_answers("/readyz"))
        finally:
            server.stop()
    return {"runs": runs, "median_ms": statistics.median(seconds) * 1000,
            "max_ms": max(seconds) * 1000}


def timed_gets(server, path, runs, warmup=3):
    """Latencies (ms) of `runs` sequential GETs after `warmup` unmeasured ones; one request at a
    time on loopback, so this is the server's time plus a fraction of a millisecond."""
    headers = server.headers()
    for _ in range(warmup):
        status, body = get(server.base + path, headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        get(server.base + path, headers)
        times.append((time.perf_counter() - started) * 1000)
    return times


def idle_and_admin_page(binary, database, runs):
    """Resident memory of a Depot that has started and served nothing, then the server-side
    rendered table page of the admin UI: 50 rows of Track, signed in with the admin's API key."""
    server = Depot(binary, database, auth=True)
    try:
        server.wait_until_answers("/readyz")
        time.sleep(1)  # let start-up work (introspection, pools) settle
        idle = server.rss_mib()
        path = "/tables/chinook/track?page=3&limit=50"
        status, body = get(server.base + path, server.headers())
        page_ok = status == 200 and b"<table" in body and b"The Wizard" in body
        times = timed_gets(server, path, runs)
        return {
            "idle_rss_mib": idle,
            "admin_page": {
                "path": path, "status": status, "bytes": len(body), "has_the_rows": page_ok,
                "runs": runs, "median_ms": statistics.median(times),
                "p90_ms": sorted(times)[int(0.9 * (len(times) - 1))],
            },
        }
    finally:
        server.stop()


def wasm(binary):
    files = []
    for path in prepare.wasm_bundle(binary):
        with open(path, "rb") as f:
            raw = f.read()
        files.append({"file": path, "bytes": len(raw), "gzip_bytes": len(gzip.compress(raw, 9)),
                      "modified": time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(path)))})
    return files


def wasm_per_page(binary):
    """The WebAssembly a browser needs to hydrate each page when it is the first one opened:
    the main module plus that page's split part and the shared chunks it uses, as listed in
    cargo-leptos' split manifest (the bundle is cut at every page's route, `--split`). Only
    "not found", which the shell draws, needs the main module alone."""
    files = prepare.wasm_bundle(binary)
    if not files:
        return []
    return wasm_per_page_in(os.path.dirname(files[0]))


def wasm_per_page_in(pkg):
    """`wasm_per_page` for the built `pkg` folder of a site (`depot serve`'s or the static
    one's). Sizes gzip -9 per file, as each file is fetched (and compressed) on its own, and the
    brotli files `--precompress` wrote (what Depot serves to browsers that accept br), when there
    are any. Once frontend/bundle-parts.mjs has run, the manifest names each page's bundle, the
    one file its parts come in."""
    manifest_path = os.path.join(pkg, "__wasm_split_manifest.json")
    if not os.path.exists(manifest_path):
        return []

    def sizes(name):
        path = os.path.join(pkg, name + ".wasm")
        with open(path, "rb") as f:
            raw = f.read()
        brotli = os.path.getsize(path + ".br") if os.path.exists(path + ".br") else None
        return len(raw), len(gzip.compress(raw, 9)), brotli

    def page(label, names):
        measured = [sizes(name) for name in names]
        brotli = [b for _, _, b in measured]
        return {"page": label, "files": len(names), "bytes": sum(r for r, _, _ in measured),
                "gzip_bytes": sum(g for _, g, _ in measured),
                "brotli_bytes": None if None in brotli else sum(brotli)}

    pages = [page("the shell alone (main module)", ["depot"])]
    with open(manifest_path) as f:
        manifest = json.load(f)
    for view, parts in sorted(manifest.items()):
        # "__spec_owners_view_7043…" is the lazy view of the route type SpecOwners; other
        # entries are lazy functions (`#[lazy]`), loaded after their page.
        if not re.search(r"_view_\d+$", view):
            continue
        pages.append(page(re.sub(r"^_+|_view_\d+$", "", view), ["depot", *parts]))
    return pages


def paging(binary, database, deep_rows, runs):
    """Median ms of one 20-row page of `reading` near the start, the middle and the end, by
    keyset (`after=`) and by offset (`page=`)."""
    server = Depot(binary, database)
    rows = []
    try:
        server.wait_until_answers("/readyz")
        for label, position in [("first page", 0), (f"middle (row {deep_rows // 2:,})", deep_rows // 2),
                                (f"last page (row {deep_rows - 20:,})", deep_rows - 20)]:
            keyset = (f"/db/chinook/reading/?after={depot_cursor(position)}&limit=20" if position
                      else "/db/chinook/reading/?limit=20")
            offset = f"/db/chinook/reading/?page={position // 20 + 1}&limit=20"
            rows.append({"position": label, "row": position,
                         "keyset_ms": statistics.median(timed_gets(server, keyset, runs)),
                         "offset_ms": statistics.median(timed_gets(server, offset, runs))})
    finally:
        server.stop()
    return rows


def export_memory(binary, tables):
    """Server peak RSS while streaming `?export` of a 100,000-row and a 1,000,000-row table:
    streaming means the second costs no more memory than the first."""
    results = []
    for label, database in tables:
        server = Depot(binary, database)
        try:
            server.wait_until_answers("/readyz")
            started = time.perf_counter()
            status, body = get(server.base + "/db/chinook/reading/?export", timeout=600)
            seconds = time.perf_counter() - started
            results.append({"table": label, "status": status, "csv_mb": len(body) / 1e6,
                            "seconds": seconds, "peak_rss_mib": server.peak_rss_mib()})
        finally:
            server.stop()
    return results


def measure(binary, chinook, small, deep_rows, smoke):
    say = prepare.say
    figures = {}
    say("Depot only: cold start")
    figures["cold_start"] = cold_start(binary, chinook, 1 if smoke else 5)
    say("Depot only: idle memory and the admin table page")
    figures.update(idle_and_admin_page(binary, chinook, 5 if smoke else 50))
    figures["wasm"] = wasm(binary)
    say("Depot only: the WebAssembly each page loads")
    figures["wasm_per_page"] = wasm_per_page(binary)
    say("Depot only: keyset against offset paging")
    figures["paging"] = paging(binary, chinook, deep_rows, 5 if smoke else 25)
    if not smoke:
        say("Depot only: memory while exporting")
        figures["export"] = export_memory(binary, [("100,000 rows", small), (f"{deep_rows:,} rows", chinook)])
    return figures
