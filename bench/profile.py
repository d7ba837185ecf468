#!/usr/bin/env python3
"""Where a request's time goes, counted in instructions (issue 18).

    python3 bench/profile.py                 # needs a release build: cargo build --release -p depot
    DEPOT_BIN=path/to/depot python3 bench/profile.py [--requests 2000] [--top 15]

Starts `depot serve --no-auth` on a fresh copy of Chinook under `valgrind --tool=callgrind`,
and for each of `/healthz`, one row and a 20-row page: sends warm-up requests, zeroes the
counters (`callgrind_control --zero`), sends N sequential keep-alive requests, dumps the
counters and reads them with `callgrind_annotate`. Instruction counts do not depend on what
else the machine is doing, so two runs of the same binary agree; they are not seconds.

Prints instructions per request and where they go by the crate (or library) their code came
from — inlined code included, which needs line tables: use the `profiling` build
(`cargo build --profile profiling -p depot`, DEPOT_BIN=…/target/profiling/depot).
Add `--with-key` to send the admin's Bearer key on every request instead of `--no-auth`.
"""

import argparse
import glob
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import prepare
from servers import free_port

PATHS = [
    ("/healthz", "/healthz"),
    ("one row", "/db/chinook/artist/3"),
    ("20-row page", "/db/chinook/track/?page=88"),
]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--with-key", action="store_true", help="authentication on, a Bearer key per request")
    return parser.parse_args()


def send(connection, path, headers, count):
    for _ in range(count):
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            sys.exit(f"GET {path} answered {response.status}")


NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def by_source(dump):
    """Instructions by the source each was compiled from, inlined code included: callgrind
    gives a function's cost to its symbol, and Rust inlines nearly everything into a few, but
    the dump keeps each line's file (`fl=`, `fi=`, `fe=`). Returns {crate or library: Ir}."""
    names = {}
    current_file, current_object, current_function, skip_next = "", "", "", False
    totals = {}

    def resolve(value):
        found = NAME.match(value)
        if not found:
            return value
        number, name = found.groups()
        if name is not None:
            names[number] = name
        return names.get(number, value)

    with open(dump) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line[0].isalpha():
                key, _, value = line.partition("=")
                if key in ("fl", "fi", "fe"):
                    current_file = resolve(value)
                elif key == "ob":
                    current_object = resolve(value)
                elif key == "fn":
                    current_function = resolve(value)
                elif key in ("cfn", "cob", "cfi", "cfl"):
                    resolve(value)
                elif key == "calls":
                    skip_next = True  # the next cost line is the call's inclusive cost
                continue
            if line[0] in "0123456789+-*":
                if skip_next:
                    skip_next = False
                    continue
                parts = line.split()
                if len(parts) >= 2:
                    where = source_of(current_file, current_object, current_function)
                    totals[where] = totals.get(where, 0) + int(parts[1])
    return totals


def source_of(file, obj, function):
    """A source file as what a reader would call it: the crate, Rust's standard library, or
    the shared library and function the instructions are in (libc's are few and telling:
    malloc, free, memmove)."""
    crate = re.search(r"/(?:registry/src/[^/]+|deps)/([A-Za-z0-9_\-]+?)-\d+\.\d+[^/]*/", file)
    if crate:
        return crate.group(1)
    if "/library/" in file and file.startswith("/rustc/"):
        return "Rust std (core, alloc, std)"
    for ours in ("server/domain", "server", "app", "frontend"):
        if f"/{ours}/src/" in file:
            return {"server/domain": "depot-domain", "server": "depot", "app": "depot-app"}.get(ours, ours)
    return f"{os.path.basename(obj)} `{function}`" if obj else (file or "?")


def annotate(dump, top):
    # Self cost: futures poll each other recursively, so inclusive counts say little.
    output = subprocess.run(["callgrind_annotate", dump], capture_output=True, text=True, check=True).stdout
    total = int(re.search(r"^\s*([\d,]+)\s+\(100\.0%\)\s+PROGRAM TOTALS", output, re.M).group(1).replace(",", ""))
    rows = []
    for line in output.splitlines():
        found = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(\S.*)$", line)
        if found and "PROGRAM TOTALS" not in line:
            name = re.sub(r"^\S*:", "", found.group(3)).strip()
            name = re.sub(r" \[[^\]]*\]$", "", name)
            rows.append((int(found.group(1).replace(",", "")), float(found.group(2)), name))
    return total, rows[:top]


def main():
    args = arguments()
    binary = os.environ.get("DEPOT_BIN") or os.path.join(prepare.TARGET, "release", "depot")
    if not os.access(binary, os.X_OK):
        sys.exit(f"no Depot binary at {binary}: cargo build --release -p depot, or set DEPOT_BIN")
    work = tempfile.mkdtemp(prefix="depot-profile-")
    try:
        database = os.path.join(work, "chinook.sqlite")
        shutil.copy(os.path.join(prepare.ROOT, "..", "shared", "data", "chinook.sqlite"), database)
        os.chmod(database, 0o644)
        port = free_port()
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/callgrind.%p",
                   binary, "serve", "--bind", f"127.0.0.1:{port}", "--data-dir", os.path.join(work, "data"),
                   "--attach", f"chinook=sqlite://{database}"] + ([] if args.with_key else ["--no-auth"])
        log = open(os.path.join(work, "depot.log"), "w")
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=work)
        headers = {}
        deadline = time.monotonic() + 180
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    sys.exit("Depot did not start under valgrind; see " + log.name)
                time.sleep(0.5)
        if args.with_key:
            with open(log.name) as f:
                headers = {"Authorization": "Bearer " + re.search(r"depot_[0-9a-f]{40}", f.read()).group(0)}
        print(f"# Instructions per request, `depot serve{'' if args.with_key else ' --no-auth'}`, "
              f"{args.requests} sequential keep-alive requests each (callgrind)\n")
        summary = []
        for label, path in PATHS:
            send(connection, path, headers, args.warmup)
            subprocess.run(["callgrind_control", "--zero", str(server.pid)], check=True, capture_output=True)
            send(connection, path, headers, args.requests)
            before = set(glob.glob(f"{work}/callgrind.{server.pid}*"))
            subprocess.run(["callgrind_control", "--dump", str(server.pid)], check=True, capture_output=True)
            deadline = time.monotonic() + 60
            while not (set(glob.glob(f"{work}/callgrind.{server.pid}*")) - before):
                if time.monotonic() > deadline:
                    sys.exit("callgrind wrote no dump")
                time.sleep(0.2)
            time.sleep(1)
            dump = sorted(set(glob.glob(f"{work}/callgrind.{server.pid}*")) - before)[-1]
            total, _ = annotate(dump, args.top)
            per_request = total / args.requests
            summary.append((label, path, per_request))
            print(f"## {label} (`GET {path}`): {per_request:,.0f} instructions per request\n")
            print("| instructions per request | share | compiled from |")
            print("|---|---|---|")
            sources = sorted(by_source(dump).items(), key=lambda item: -item[1])
            for name, count in sources[:args.top]:
                print(f"| {count / args.requests:,.0f} | {100 * count / total:.1f}% | {name} |")
            print()
        print("| request | instructions per request |")
        print("|---|---|")
        for label, path, per_request in summary:
            print(f"| {label} `{path}` | {per_request:,.0f} |")
        connection.close()
        server.terminate()
        server.wait(timeout=60)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
