"""Turns one run's figures into ratios, the issue's targets (met / not met) and a Markdown report.

Ratios are all "how many times better Depot is": requests/s Depot ÷ peer, p99 peer ÷ Depot,
peak RSS peer ÷ Depot. Above 1× Depot is ahead."""

PEERS = ("sandman2", "datasette")
# The least this stack can do for the same answer (bench/reference): Depot ÷ reference is below
# 1×, and says how much of the machine Depot's own work leaves.
REFERENCES = ("bare axum", "bare axum + sqlx")
BEARER = "depot (Bearer key)"
DISPLAY = {"sandman2": "sandman2", "datasette": "Datasette", "bare axum": "bare axum (fixed JSON)",
           "bare axum + sqlx": "bare axum + sqlx", BEARER: "Depot with a Bearer key"}
MODES = (("keep_alive", "keep-alive"), ("close", "Connection: close"))


def ratio(numerator, denominator):
    if not numerator or not denominator:
        return None
    return numerator / denominator


def add_ratios(workload):
    """Depot (--no-auth) against each peer that ran this workload, per connection mode."""
    servers = workload["servers"]
    depot = servers.get("depot")
    workload["ratios"] = {}
    if not depot or depot.get("problem"):
        return
    for peer in PEERS + REFERENCES + (BEARER,):
        theirs = servers.get(peer)
        if not theirs or theirs.get("problem"):
            continue
        by_mode = {}
        for mode, _ in MODES:
            ours, their = depot[mode], theirs[mode]
            by_mode[mode] = {
                "requests_per_s": ratio(ours["requests_per_s"], their["requests_per_s"]),
                "p99": ratio(their["p99_ms"], ours["p99_ms"]),
            }
        by_mode["peak_rss"] = ratio(theirs["peak_rss_mib"], depot["peak_rss_mib"])
        workload["ratios"][peer] = by_mode


def targets(results):
    """The issue's targets, each with the figures it was judged on. `met` is None when the run
    did not measure it (a workload or server left out, or no WebAssembly build)."""
    by_number = {w["number"]: w for w in results["workloads"]}
    rows = []

    def judged(label, other, number, passes, invert=False, unit="×", digits=1):
        """A target on Depot ÷ `other` requests/s in workload `number` (inverted: `other` ÷
        Depot), judged by `passes` on the (keep-alive, close) figures."""
        w = by_number.get(number)
        r = w and w["ratios"].get(other)
        if not r:
            rows.append({"target": label, "figure": "not measured", "met": None})
            return
        figures = [r[m]["requests_per_s"] for m, _ in MODES]
        figures = [1 / x for x in figures] if invert else figures
        rows.append({"target": label,
                     "figure": " / ".join(f"{x:.{digits}f}{unit}" for x in figures) + " (keep-alive / close)",
                     "met": passes(figures)})

    for peer, times, numbers in (("sandman2", 20, (1, 2, 3)), ("datasette", 5, (1, 2))):
        for n in numbers:
            judged(f"≥ {times}× {DISPLAY[peer]} requests/s, workload {n}", peer, n,
                   lambda f, times=times: all(x >= times for x in f))
    # Issue 18: a share of the bare reference in the same run, and of Depot without a key.
    for what, of, at_least, n in (("`/healthz`", "bare axum", 0.6, 0), ("one row", "bare axum + sqlx", 0.8, 1),
                                  ("20-row page", "bare axum + sqlx", 0.7, 2)):
        judged(f"{what} ≥ {at_least} of {DISPLAY[of]} requests/s (keep-alive)", of, n,
               lambda f, at_least=at_least: f[0] >= at_least, unit="", digits=2)
    for n in (0, 1, 2, 3):
        judged(f"with a Bearer key ≥ 0.8 of `--no-auth` requests/s (keep-alive), workload {n}", BEARER, n,
               lambda f: f[0] >= 0.8, invert=True, unit="", digits=2)
    for n in (1, 2, 3):
        w = by_number.get(n)
        depot = w and w["servers"].get("depot")
        label = f"p99 < 10 ms at {results['meta']['connections']} connections, workload {n}"
        if not depot or depot.get("problem"):
            rows.append({"target": label, "figure": "not measured", "met": None})
            continue
        p99 = [depot[m]["p99_ms"] for m, _ in MODES]
        rows.append({"target": label, "figure": " / ".join(f"{x:.2f} ms" for x in p99) + " (keep-alive / close)",
                     "met": all(x < 10 for x in p99)})

    only = results.get("depot_only", {})
    paging = only.get("paging")
    label = "flat keyset deep paging (last page ≤ 2× the first, `after=`)"
    if paging:
        first, last = paging[0]["keyset_ms"], paging[-1]["keyset_ms"]
        rows.append({"target": label, "figure": f"{first:.2f} → {last:.2f} ms ({last / first:.2f}×; "
                     f"offset: {paging[0]['offset_ms']:.2f} → {paging[-1]['offset_ms']:.2f} ms)",
                     "met": last <= 2 * first})
    else:
        rows.append({"target": label, "figure": "not measured", "met": None})

    idle = only.get("idle_rss_mib")
    label = "idle RSS < 40 MB"
    if idle is not None:
        megabytes = idle * 1024 * 1024 / 1e6
        rows.append({"target": label, "figure": f"{megabytes:.1f} MB ({idle:.1f} MiB)", "met": megabytes < 40})
    else:
        rows.append({"target": label, "figure": "not measured", "met": None})

    bundle = only.get("wasm")
    pages = only.get("wasm_per_page")
    label = "WebAssembly bundle < 500 KB gzip"
    if pages:
        # What a first visit costs: the page that loads the most (the bundle is split per route).
        heaviest = max(pages, key=lambda p: p["gzip_bytes"])
        everything = sum(f["gzip_bytes"] for f in bundle)
        origin = ("" if results["meta"].get("built_release_here")
                  else "; the bundle of the last `cargo leptos build` here, release or not")
        rows.append({"target": label, "figure": f"{heaviest['gzip_bytes'] / 1000:.0f} KB gzip for the heaviest "
                     f"first page (`{heaviest['page']}`, {heaviest['files']} files); all {len(bundle)} parts "
                     f"together {everything / 1000:.0f} KB{origin}", "met": heaviest["gzip_bytes"] < 500_000})
    elif bundle:
        packed = sum(f["gzip_bytes"] for f in bundle)
        raw = sum(f["bytes"] for f in bundle)
        origin = ("" if results["meta"].get("built_release_here")
                  else "; the bundle of the last `cargo leptos build` here, release or not")
        rows.append({"target": label, "figure": f"{packed / 1000:.0f} KB gzip ({raw / 1e6:.2f} MB raw{origin})",
                     "met": packed < 500_000})
    else:
        rows.append({"target": label, "figure": "not measured (no target/site/pkg/*.wasm: no `cargo leptos build` here yet)",
                     "met": None})
    return rows


def _n(value, digits=0):
    return "—" if value is None else f"{value:,.{digits}f}"


def _ms(value):
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def _x(value, digits=1):
    return "—" if value is None else (f"{value:.{digits}f}×" if value < 100 else f"{value:,.0f}×")


def _met(met):
    return {True: "met", False: "**not met**", None: "—"}[met]


def markdown(results):
    meta = results["meta"]
    out = []
    w = out.append
    w(f"# Depot against sandman2 and Datasette — {meta['started']}")
    w("")
    if meta["depot_binary"]:
        w(f"Depot **{meta['depot_build']} build** (`{meta['depot_binary']}`, commit {meta['commit']}), "
          f"started with `--no-auth` for the comparison (the peers check no credentials); "
          f"`depot (Bearer key)` is the same with the admin API key on every request. ")
    else:
        w("Depot was not run in this report (peers only).")
    w(f"sandman2 {meta['versions']['sandman2']} under gunicorn -w 2, Datasette {meta['versions']['datasette']} "
      f"(`-i`, immutable).")
    w("")
    w(f"wrk {meta['versions']['wrk']}: {meta['threads']} threads, {meta['connections']} connections, "
      f"{meta['duration_s']} s per run after a 1 s warm-up; servers take turns, one at a time, each on a "
      f"fresh copy of the database. {meta['cpus']} CPUs shared by wrk and the server"
      + (" — **smoke run: too short to judge by**" if meta["smoke"] else "") + ". "
      "Ratios are how many times better Depot is: requests/s Depot ÷ peer, p99 peer ÷ Depot, "
      "peak RSS peer ÷ Depot. Errors are non-2xx/3xx responses plus socket errors.")
    w("")
    if meta["depot_binary"] and meta["depot_build"] != "release":
        w(f"> **Not release figures**: this run used a {meta['depot_build']} build of Depot.")
        w("")

    w("## Ratios (Depot ÷ the other's requests/s; keep-alive / close)")
    w("")
    others = PEERS + REFERENCES
    w("| workload | " + " | ".join(f"vs {DISPLAY[o]}" for o in others) + " |")
    w("|---|" + "---|" * len(others))
    for wl in results["workloads"]:
        cells = []
        for other in others:
            r = wl["ratios"].get(other)
            digits = 2 if other in REFERENCES else 1
            cells.append(" / ".join(_x(r[m]["requests_per_s"], digits) for m, _ in MODES) if r else "—")
        w(f"| {wl['number']}. {wl['title']} | " + " | ".join(cells) + " |")
    w("")

    w("## Targets")
    w("")
    w("| target | figure | |")
    w("|---|---|---|")
    for t in results["targets"]:
        w(f"| {t['target']} | {t['figure']} | {_met(t['met'])} |")
    w("")

    w("## Workloads")
    for wl in results["workloads"]:
        w("")
        w(f"### {wl['number']}. {wl['title']}")
        w("")
        if wl.get("note"):
            w(wl["note"] + ".")
            w("")
        w("| server | connection | requests/s | p50 ms | p99 ms | errors | peak RSS MiB | Depot ÷ this req/s | this ÷ Depot p99 |")
        w("|---|---|---|---|---|---|---|---|---|")
        for name, s in wl["servers"].items():
            if s.get("problem"):
                w(f"| {name} | — | not measured: {s['problem'][:120]} | | | | | | |")
                continue
            r = wl["ratios"].get(name)
            for mode, label in MODES:
                f = s[mode]
                if f["requests"] == 0:
                    w(f"| {name} | {label} | no request finished within the run | | | {f['errors']:,} "
                      f"| {_n(s['peak_rss_mib'], 1)} | | |")
                    continue
                w(f"| {name} | {label} | {_n(f['requests_per_s'])} | {_ms(f['p50_ms'])} | {_ms(f['p99_ms'])} "
                  f"| {f['errors']:,} | {_n(s['peak_rss_mib'], 1)} "
                  f"| {_x(r[mode]['requests_per_s']) if r else ''} | {_x(r[mode]['p99']) if r else ''} |")
        w("")
        w("URLs: " + ", ".join(f"{k} `{v}`" for k, v in wl["paths"].items()))

    started = {}
    for wl in results["workloads"]:
        for name, s in wl["servers"].items():
            if s.get("rss_at_start_mib"):
                started.setdefault(name, []).append(s["rss_at_start_mib"])
    if started:
        w("")
        w("## Memory right after start (RSS at the first answer, before any load; smallest over the workloads)")
        w("")
        w("| " + " | ".join(started) + " |")
        w("|" + "---|" * len(started))
        w("| " + " | ".join(f"{min(v):.1f} MiB" for v in started.values()) + " |")

    only = results.get("depot_only")
    if only:
        w("")
        w("## Depot only")
        w("")
        w("| figure | value |")
        w("|---|---|")
        c = only["cold_start"]
        w(f"| cold start to first 200 of `/readyz` (fresh data dir, migrations, Chinook attached; median of {c['runs']}) "
          f"| {c['median_ms']:.0f} ms (max {c['max_ms']:.0f}) |")
        w(f"| idle RSS (started, nothing served) | {only['idle_rss_mib']:.1f} MiB |")
        a = only["admin_page"]
        w(f"| admin table page `{a['path']}` (SSR, 50 rows, Bearer key; median of {a['runs']} sequential) "
          f"| {a['median_ms']:.2f} ms (p90 {a['p90_ms']:.2f}; {a['bytes'] / 1000:.0f} KB"
          + ("" if a["has_the_rows"] else "; **the rows were not in the page**") + ") |")
        if len(only["wasm"]) > 1:
            files = only["wasm"]
            w(f"| WebAssembly, all {len(files)} files of the split bundle (the last `cargo leptos build` here; "
              f"release only if that build was) | {sum(f['bytes'] for f in files) / 1e6:.2f} MB raw, "
              f"{sum(f['gzip_bytes'] for f in files) / 1000:.0f} KB gzip |")
        elif only["wasm"]:
            for f in only["wasm"]:
                w(f"| WebAssembly `{f['file']}` (written {f['modified']} by the last `cargo leptos build` here; "
                  f"release only if that build was) | {f['bytes'] / 1e6:.2f} MB raw, {f['gzip_bytes'] / 1000:.0f} KB gzip |")
        else:
            w("| WebAssembly bundle | not found (target/site/pkg/*.wasm: no `cargo leptos build` in this checkout) |")
        for p in only.get("wasm_per_page", []):
            brotli = f", {p['brotli_bytes'] / 1000:.0f} KB brotli" if p.get("brotli_bytes") else ""
            w(f"| WebAssembly to hydrate `{p['page']}` opened first ({p['files']} files) "
              f"| {p['bytes'] / 1e6:.2f} MB raw, {p['gzip_bytes'] / 1000:.0f} KB gzip{brotli} |")
        w("")
        w(f"| 20-row page of {meta['deep_rows']:,} rows, median ms | `after=` (keyset) | `page=` (offset) |")
        w("|---|---|---|")
        for p in only["paging"]:
            w(f"| {p['position']} | {p['keyset_ms']:.2f} | {p['offset_ms']:.2f} |")
        if only.get("export"):
            w("")
            w("| `?export` (streamed CSV) | CSV | time | server peak RSS |")
            w("|---|---|---|---|")
            for e in only["export"]:
                w(f"| {e['table']} | {e['csv_mb']:.1f} MB | {e['seconds']:.2f} s | {e['peak_rss_mib']:.1f} MiB |")
    w("")
    w("## Notes")
    w("")
    for note in meta.get("notes", []):
        w(f"- {note}")
    w(f"- Run time {meta['run_seconds'] / 60:.1f} min.")
    return "\n".join(out) + "\n"
