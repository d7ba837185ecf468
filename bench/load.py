"""The six workloads of issue 8 and the wrk runs that measure them.

Each workload names, per server, the URL a user of that server would request for the same
thing; a server without the feature has no URL and is left out of that workload."""

import base64
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field

from servers import get, send

HERE = os.path.dirname(os.path.abspath(__file__))
REPORT_LUA = os.path.join(HERE, "wrk", "report.lua")

# Track has 3,503 rows; page 88 of 20 holds rows 1,741-1,760, the middle of the table.
MIDDLE_PAGE = 88
MIDDLE_AFTER = (MIDDLE_PAGE - 1) * 20


def depot_cursor(last_id):
    """Depot's opaque `after=` token for the table `reading`, sorted by its key: base64url of
    the JSON array of the last row's key (what a `next` link carries)."""
    return base64.urlsafe_b64encode(json.dumps([last_id]).encode()).decode().rstrip("=")


@dataclass
class Workload:
    number: int
    title: str
    paths: dict                 # server kind -> path (query included)
    script: str = None          # a wrk lua script in bench/wrk, for workloads that are not one GET
    note: str = ""
    checks: dict = field(default_factory=dict)  # server kind -> text a good answer contains
    # wrk counts only the requests that finish within the run; where one takes seconds under 32
    # connections (a whole-table export), a longer run keeps that from halving requests/s.
    duration_factor: int = 1


def workloads(deep_rows):
    last = deep_rows - 20
    return [
        Workload(0, "/healthz: no database", {
            "depot": "/healthz",
            "bare-json": "/healthz",
        }, note="what every request costs before any work: Depot's layers against a bare axum handler",
            checks={"*": "ok"}),
        Workload(1, "single row", {
            "sandman2": "/artist/3",
            "datasette": "/chinook/Artist/3.json",
            "depot": "/db/chinook/artist/3",
            "bare-sqlx": "/artist/3",
        }, checks={"*": "Aerosmith"}),
        Workload(2, "20-row page in the middle of Track", {
            "sandman2": f"/track/?page={MIDDLE_PAGE}",
            # Datasette pages by key (`_next=`), not by offset; this is its link to the same rows.
            "datasette": f"/chinook/Track.json?_size=20&_next={MIDDLE_AFTER}",
            "depot": f"/db/chinook/track/?page={MIDDLE_PAGE}",
            "bare-sqlx": f"/track?page={MIDDLE_PAGE}",
        }, note="rows 1,741-1,760 of 3,503; Datasette by its `_next=` key",
            checks={"*": "Assaltaram A Gram"}),
        Workload(3, "filtered collection, album?ArtistId=90", {
            "sandman2": "/album/?ArtistId=90",
            "datasette": "/chinook/Album.json?ArtistId=90",
            "depot": "/db/chinook/album/?ArtistId=90",
        }, checks={"*": "Fear Of The Dark"}),
        Workload(4, f"deep page: the last 20 of {deep_rows:,} generated rows", {
            "sandman2": f"/reading/?page={deep_rows // 20}",
            "datasette": f"/chinook/reading.json?_size=20&_next={last}",
            "depot": f"/db/chinook/reading/?after={depot_cursor(last)}&limit=20",
        }, note="sandman2 by offset (`page=`), Datasette by its `_next=` key, Depot by keyset `after=`",
            checks={"*": f"note {deep_rows}"}),
        Workload(5, "write mix: POST, PATCH, DELETE an artist", {
            "sandman2": "/artist/",
            "depot": "/db/chinook/artist/",
        }, script="write_mix.lua", note="Datasette has no write API"),
        Workload(6, "CSV export of Track (3,503 rows)", {
            "sandman2": "/track/?export",
            "datasette": "/chinook/Track.csv?_stream=on",
            "depot": "/db/chinook/track/?export",
        }, checks={"*": "Balls to the Wall"}, duration_factor=3,
            note="each run 3× as long as the others: one export takes seconds under 32 connections, and wrk "
                 "counts only finished requests"),
    ]


def check(server, workload, path):
    """Makes sure the URL does what the workload says before it is measured (a typo would
    otherwise be measured as a fast 404). Returns a problem, or None."""
    url = server.base + path
    if workload.script == "write_mix.lua":
        status, body = send(url, "POST", '{"Name": "benchmark check"}', server.headers())
        if status != 201:
            return f"POST {path} answered {status}: {body[:200]!r}"
        row_id = json.loads(body)["ArtistId"]
        status, body = send(f"{url}{row_id}", "PATCH", '{"Name": "checked"}', server.headers())
        if status != 200:
            return f"PATCH {path}{row_id} answered {status}: {body[:200]!r}"
        status, body = send(f"{url}{row_id}", "DELETE", None, server.headers())
        if status != 204:
            return f"DELETE {path}{row_id} answered {status}: {body[:200]!r}"
        return None
    status, body = get(url, server.headers())
    if status != 200:
        return f"GET {path} answered {status}: {body[:200]!r}"
    expected = workload.checks.get("*")
    if expected and expected not in body.decode(errors="replace"):
        return f"GET {path} does not contain {expected!r}: {body[:200]!r}"
    return None


@dataclass
class LoadSettings:
    wrk: str
    threads: int = 2
    connections: int = 32
    duration: int = 10
    # Generous, so a slow peer's queue (32 exports at once) shows as latency, not as timeouts.
    timeout: int = 30


def run_wrk(settings, server, workload, path, close, duration=None, connections=None):
    """One wrk run; returns its figures (requests/s, latency percentiles in ms, errors)."""
    lua = REPORT_LUA
    if workload.script:
        # wrk takes one script: the workload's, with the reporting `done` appended.
        with open(os.path.join(HERE, "wrk", workload.script)) as f, open(REPORT_LUA) as r:
            combined = f.read() + "\n" + r.read()
        handle, lua = tempfile.mkstemp(suffix=".lua", prefix="bench-")
        with os.fdopen(handle, "w") as f:
            f.write(combined)
    headers = dict(server.headers())
    if close:
        headers["Connection"] = "close"
    args = [settings.wrk, f"-t{settings.threads}", f"-c{connections or settings.connections}",
            f"-d{duration or settings.duration}s", f"--timeout={settings.timeout}s", "-s", lua]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    args.append(server.base + path)
    try:
        completed = subprocess.run(args, capture_output=True, text=True)
    finally:
        if lua != REPORT_LUA:
            os.unlink(lua)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("WRK_RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")
    raw = json.loads(line[len("WRK_RESULT "):])
    seconds = raw["duration_us"] / 1e6
    socket_errors = raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "requests_per_s": raw["requests"] / seconds if seconds else 0.0,
        "mb_per_s": raw["bytes"] / seconds / 1e6 if seconds else 0.0,
        "p50_ms": raw["p50_us"] / 1000,
        "p90_ms": raw["p90_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non_2xx": raw["status"],
        "socket_errors": socket_errors,
        "socket_error_kinds": {k: raw[k] for k in ("connect", "read", "write", "timeout")},
        "errors": raw["status"] + socket_errors,
    }
