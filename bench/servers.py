"""Starting and stopping the three servers, each as its users run it, and reading their memory.

Every server gets its own copy of the database and a free loopback port, and runs in a process
group of its own so that stopping it also stops gunicorn's workers."""

import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, headers=None, timeout=60):
    """(status, body) of a GET; HTTP errors are answers here, not exceptions."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def send(url, method, body=None, headers=None):
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def process_tree(pid):
    """`pid` and every descendant (gunicorn's master and its workers)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                # The command name may hold spaces and parentheses: the parent pid is the
                # second field after the last ')'.
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Server:
    """One running server. `name` is what the report calls it; `base` its URL."""

    name = "server"

    def __init__(self, args, cwd, env=None, log_name="server.log"):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = cwd
        self.log_path = os.path.join(cwd, log_name)
        self.log = open(self.log_path, "w")
        args = [a.replace("{PORT}", str(self.port)) for a in args]
        self.started_at = time.perf_counter()
        self.process = subprocess.Popen(args, cwd=cwd, stdout=self.log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, env=env or os.environ.copy(),
                                        start_new_session=True)

    def headers(self):
        """Headers every request to this server carries (Depot's key, when it has one)."""
        return {}

    def wait_until_answers(self, path, timeout=90):
        """Polls `path` until it answers 200; returns the seconds since the process started."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}:\n"
                                   + self.tail())
            try:
                status, _ = get(self.base + path, self.headers(), timeout=2)
                if status == 200:
                    return time.perf_counter() - self.started_at
            except OSError:
                pass
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not answer 200 on {path} within {timeout} s:\n" + self.tail())

    def tail(self, lines=15):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def pids(self):
        return process_tree(self.process.pid)

    def peak_rss_mib(self):
        """Peak resident memory (VmHWM) summed over the server's processes."""
        return sum(status_kib(pid, "VmHWM") for pid in self.pids()) / 1024

    def rss_mib(self):
        """Resident memory now (VmRSS) summed over the server's processes."""
        return sum(status_kib(pid, "VmRSS") for pid in self.pids()) / 1024

    def cpu_seconds(self):
        """CPU time used so far by the server's processes (user + system)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
            except (OSError, IndexError, ValueError):
                pass
        return total / ticks

    def wait_until_idle(self, limit=15):
        """Waits until the server has finished what the last wrk run left in flight (wrk stops
        on time, not when the server is done), so it does not spill into the next run: until it
        uses under a tenth of a CPU over half a second, or `limit` seconds."""
        deadline = time.monotonic() + limit
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.5)
            now = self.cpu_seconds()
            if now - before < 0.05:
                return
            before = now

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


class Sandman2(Server):
    """sandman2 1.2.3 under gunicorn with two workers, as its README deploys it."""

    name = "sandman2"

    def __init__(self, bin_dir, database):
        app = f'sandman2:get_app("sqlite+pysqlite:///{database}")'
        super().__init__([os.path.join(bin_dir, "gunicorn"), "-w", "2", "-b", "127.0.0.1:{PORT}", app],
                         cwd=os.path.dirname(database))


class Datasette(Server):
    """Datasette 0.65.5 serving the file immutable (-i), its fastest mode for read-only data."""

    name = "datasette"

    def __init__(self, bin_dir, database):
        super().__init__([os.path.join(bin_dir, "datasette"), "serve", "-i", database,
                          "-h", "127.0.0.1", "-p", "{PORT}"], cwd=os.path.dirname(database))


class Depot(Server):
    """Depot serving the database as `chinook`, with a fresh data directory (its own store).

    `auth=False` starts it with --no-auth, the fair setting against peers that check nothing;
    otherwise requests carry the admin API key that Depot prints on first start."""

    name = "depot"

    def __init__(self, binary, database, auth=False, extra_attach=(), extra_args=()):
        data = tempfile.mkdtemp(prefix="data-", dir=os.path.dirname(database))
        args = [binary, "serve", "--bind", "127.0.0.1:{PORT}", "--data-dir", data,
                "--attach", f"chinook=sqlite://{database}"]
        for attach in extra_attach:
            args += ["--attach", attach]
        args += list(extra_args)
        if not auth:
            args.append("--no-auth")
        # Default logging, as a user runs it: Depot logs no line per request (Datasette's uvicorn
        # does, gunicorn does not).
        env = {k: v for k, v in os.environ.items() if k != "RUST_LOG"}
        self.auth = auth
        self._key = None
        super().__init__(args, cwd=data, env=env, log_name="depot.log")
        if auth:
            self.name = "depot (Bearer key)"

    def key(self):
        """The admin API key Depot printed on first start (the store is always fresh here)."""
        deadline = time.monotonic() + 60
        while self._key is None and time.monotonic() < deadline:
            self.log.flush()
            with open(self.log_path, errors="replace") as f:
                found = re.search(r"depot_[0-9a-f]{40}", f.read())
            if found:
                self._key = found.group(0)
            elif self.process.poll() is not None:
                raise RuntimeError("Depot exited before printing its key:\n" + self.tail())
            else:
                time.sleep(0.01)
        if self._key is None:
            raise RuntimeError("Depot printed no API key:\n" + self.tail())
        return self._key

    def headers(self):
        return {"Authorization": f"Bearer {self.key()}"} if self.auth else {}


class Reference(Server):
    """A reference server of bench/reference (issue 18): `fixed-json` answers GET /healthz with
    fixed JSON from a bare axum handler; `sqlx` makes Depot's reads of the database with bare
    axum + sqlx (GET /artist/{id}, GET /track?page=N)."""

    NAMES = {"fixed-json": "bare axum", "sqlx": "bare axum + sqlx"}

    def __init__(self, binary, mode, database):
        folder = tempfile.mkdtemp(prefix="reference-", dir=os.path.dirname(database))
        args = [binary, mode, "127.0.0.1:{PORT}"] + ([database] if mode == "sqlx" else [])
        super().__init__(args, cwd=folder, log_name="reference.log")
        self.name = self.NAMES[mode]

