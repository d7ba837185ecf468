"""Everything the benchmark installs or builds before it measures, each step only when missing.

- `wrk`, Debian's package (apt-get), the load generator;
- one virtual environment per peer, so sandman2's old pins never meet Datasette's dependencies,
  and one with matplotlib for the chart (the runner itself needs only the standard library);
- Depot's release build (`make release`), unless DEPOT_BIN names a binary;
- the databases: a copy of Chinook plus a generated 1,000,000-row table.
"""

import os
import shutil
import sqlite3
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHINOOK = os.path.normpath(os.path.join(ROOT, "..", "shared", "data", "chinook.sqlite"))
VENVS = os.environ.get("BENCH_VENV_DIR", os.path.expanduser("~/.cache/depot/bench-venv"))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/depot/target"))

# The versions sandman2 1.2.3 still runs with; newer Flask/SQLAlchemy break it.
SANDMAN2_PINS = [
    "sandman2==1.2.3", "SQLAlchemy==1.3.3", "Flask-SQLAlchemy==2.4.0", "Flask==2.0.3",
    "Werkzeug==2.0.3", "Flask-Admin==1.6.1", "WTForms==3.0.1", "Flask-HTTPAuth==4.8.1",
    "Jinja2==3.1.6", "MarkupSafe==3.0.4", "itsdangerous==2.2.0", "click==8.5.1", "gunicorn",
]
DATASETTE_PINS = ["datasette==0.65.5"]
CHART_PINS = ["matplotlib"]


def say(message):
    print(f"== {message}", flush=True)


def ensure_wrk():
    """The path of wrk, installed with apt-get when it is missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing and this is not root: `sudo apt-get install wrk`, then run again")
    say("installing wrk (Debian package)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
    return shutil.which("wrk") or sys.exit("apt-get installed wrk but it is not on PATH")


def ensure_venv(name, pins):
    """A virtual environment under VENVS/name holding exactly `pins`; returns its bin folder.

    A stamp file records the pins it was made with, so a second run costs nothing and a change
    of pins makes it anew."""
    venv = os.path.join(VENVS, name)
    stamp = os.path.join(venv, "bench-pins.txt")
    wanted = "\n".join(pins) + "\n"
    if os.path.exists(stamp) and open(stamp).read() == wanted:
        return os.path.join(venv, "bin")
    say(f"making the {name} virtual environment in {venv} (PyPI)")
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = os.path.join(venv, "bin", "pip")
    subprocess.run([pip, "install", "-q", "--disable-pip-version-check", *pins], check=True)
    with open(stamp, "w") as f:
        f.write(wanted)
    return os.path.join(venv, "bin")


def peer_tools():
    return {
        "sandman2": ensure_venv("sandman2", SANDMAN2_PINS),
        "datasette": ensure_venv("datasette", DATASETTE_PINS),
    }


def chart_python():
    return os.path.join(ensure_venv("chart", CHART_PINS), "python")


def depot_binary():
    """DEPOT_BIN when set (no build); otherwise a fresh release build of this checkout."""
    given = os.environ.get("DEPOT_BIN")
    if given:
        if not os.access(given, os.X_OK):
            sys.exit(f"DEPOT_BIN={given} is not an executable file")
        return os.path.abspath(given)
    env = {**os.environ, "CARGO_TARGET_DIR": TARGET}
    env["PATH"] = os.path.expanduser("~/.cargo/bin") + os.pathsep + env.get("PATH", "")
    # `make release`: the tools it needs as `make run` installs them, the build, and each page's
    # WebAssembly parts bundled (frontend/bundle-parts.mjs).
    say("building Depot (make release)")
    subprocess.run(["bash", ".ci/release"], cwd=ROOT, env=env, check=True)
    return os.path.join(TARGET, "release", "depot")


def reference_binary():
    """The reference servers of bench/reference, built with the release profile Depot uses
    (REFERENCE_BIN names a built one instead)."""
    given = os.environ.get("REFERENCE_BIN")
    if given:
        return os.path.abspath(given)
    env = {**os.environ, "CARGO_TARGET_DIR": TARGET}
    env["PATH"] = os.path.expanduser("~/.cargo/bin") + os.pathsep + env.get("PATH", "")
    say("building the reference servers (cargo build --release -p depot-bench-reference)")
    subprocess.run(["cargo", "build", "--release", "-p", "depot-bench-reference"], cwd=ROOT, env=env, check=True)
    return os.path.join(TARGET, "release", "bench-reference")


def depot_build_kind(binary):
    """`release` or `debug` from the Cargo profile folder the binary sits in."""
    profile = os.path.basename(os.path.dirname(binary))
    return profile if profile in ("release", "debug") else "unknown (not under target/release or target/debug)"


def wasm_bundle(binary):
    """The .wasm files of the last `cargo leptos build` of this checkout: cargo-leptos writes the
    site to target/site of the checkout (site-root in Cargo.toml), whatever CARGO_TARGET_DIR is;
    a site beside the binary's target folder is looked at too. Debug and release builds write the
    same place, so the bundle is the release one only if the last build was --release."""
    for site in (os.path.join(ROOT, "target", "site", "pkg"),
                 os.path.join(os.path.dirname(os.path.dirname(binary)), "site", "pkg")):
        if os.path.isdir(site):
            found = sorted(os.path.join(site, f) for f in os.listdir(site) if f.endswith(".wasm"))
            if found:
                return found
    return []


def generate_rows(path, table, rows):
    """A table of `rows` rows with an integer key, text, a real and a note that needs CSV quoting
    (the same shape as the earlier server/benches/tables.py used)."""
    db = sqlite3.connect(path)
    db.executescript(
        f"""
        DROP TABLE IF EXISTS {table};
        CREATE TABLE {table} (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value REAL, note TEXT);
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows})
        INSERT INTO {table} SELECT x, 'sensor-' || (x % 97), x * 0.25, 'a, "quoted" note ' || x FROM n;
        """
    )
    db.commit()
    db.close()


def make_databases(folder, deep_rows):
    """Chinook with the generated table `reading` added (so sandman2, which serves one database,
    can page it too), and a 100,000-row database for the export-memory comparison."""
    os.makedirs(folder, exist_ok=True)
    chinook = os.path.join(folder, "chinook.sqlite")
    shutil.copy(CHINOOK, chinook)
    os.chmod(chinook, 0o644)
    say(f"adding a {deep_rows:,}-row table `reading` to a copy of Chinook")
    generate_rows(chinook, "reading", deep_rows)
    small = os.path.join(folder, "small.sqlite")
    generate_rows(small, "reading", 100_000)
    return chinook, small


def fresh_copy(template, folder):
    """A writable copy of `template` in `folder`, keeping its file name (Datasette names the
    database after the file)."""
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, os.path.basename(template))
    shutil.copy(template, target)
    os.chmod(target, 0o644)
    return target
