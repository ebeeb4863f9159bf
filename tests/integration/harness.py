"""Helpers for integration tests: real `peerdb` processes on 127.0.0.1, each test in its own
temporary directory, driven only through the CLI and the HTTP API."""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

PEERDB = os.environ.get("PEERDB_BIN", "")


def parse_args():
    global PEERDB
    if len(sys.argv) > 1:
        PEERDB = sys.argv[1]
    if not PEERDB or not os.path.exists(PEERDB):
        sys.exit("usage: test.py PATH_TO_PEERDB")
    return PEERDB


def run(*args, check=True, timeout=120):
    """Runs `peerdb args...`; returns CompletedProcess (text)."""
    p = subprocess.run([PEERDB, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise AssertionError(f"peerdb {' '.join(map(str, args))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


_given_ports = set()


def free_port():
    """A port free now and not handed out before by this process (tests bind them later)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _given_ports:
            _given_ports.add(port)
            return port


_started = []  # every process this harness started; a failing test must not leave them running


def _track(proc):
    _started.append(proc)
    return proc


def kill_leftovers():
    """SIGKILLs every process started here that is still running (after a failure)."""
    for p in _started:
        if p.poll() is None:
            p.kill()
            p.wait()


class Workdir:
    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix=f"peerdb-{name}-")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        kill_leftovers()
        if exc[0] is None and not os.environ.get("PEERDB_KEEP"):
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            print(f"kept {self.path}")

    def __truediv__(self, rel):
        return os.path.join(self.path, rel)


def make_consortium(wd, namespaces=("books",), block_period_ms=100, name="Test Firm"):
    run("keygen", "--name", name, "--contact", "ops@test.example", "--out", wd / "member")
    args = ["consortium", "create", "--member", wd / "member/member.json", "--out", wd / "consortium.toml",
            "--block-period-ms", block_period_ms]
    for ns in namespaces:
        args += ["--namespace", ns]
    run(*args)


class Node:
    """A `peerdb node` process with its own node.toml and data dir inside the work dir."""

    def __init__(self, wd, port=None, log_level="warn", extra=""):
        self.wd = wd
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        with open(wd / "node.toml", "w") as f:
            f.write(f'consortium = "consortium.toml"\nkey = "member/member.key"\ndata_dir = "data"\n'
                    f'api_listen = "127.0.0.1:{self.port}"\nlog_level = "{log_level}"\n{extra}')
        self.db = wd / "data/peerdb.sqlite"

    def start(self, wait=True):
        self.log = open(self.wd / "node.log", "a")
        self.proc = _track(subprocess.Popen([PEERDB, "node", "--config", self.wd / "node.toml"],
                                            stdout=self.log, stderr=subprocess.STDOUT))
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"node exited with {self.proc.returncode}; log:\n{open(self.wd / 'node.log').read()}")
            try:
                self.get("/v1/status")
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("node did not become ready")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("node did not stop on SIGTERM")

    def conn(self, timeout=60):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, conn=None, raw=None):
        own = conn is None
        c = conn or self.conn()
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            headers = {"Content-Type": "application/json"} if data is not None else {}
            c.request(method, path, body=data, headers=headers)
            r = c.getresponse()
            payload = r.read()
            try:
                parsed = json.loads(payload) if payload else None
            except ValueError:
                parsed = payload
            return r.status, parsed
        finally:
            if own:
                c.close()

    def get(self, path, conn=None):
        return self.request("GET", path, conn=conn)

    def post(self, path, body, conn=None):
        return self.request("POST", path, body, conn=conn)


class Devchain:
    """A `peerdb devchain` process (regtest chain + calendar + Esplora API) that mines only on request."""

    def __init__(self, wd, extra=()):
        self.wd = wd
        self.log = open(wd / "devchain.log", "a")
        self.proc = _track(subprocess.Popen([PEERDB, "devchain", "--data", wd / "devchain", "--listen", "127.0.0.1:0",
                                      "--block-interval-ms", "0", *map(str, extra)],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True))
        line = self.proc.stdout.readline().strip()
        prefix = "devchain: calendar and Esplora API at "
        check(line.startswith(prefix), f"devchain said {line!r}")
        self.url = line[len(prefix):]

    def mine(self, blocks=1):
        run("devchain", "mine", "--url", self.url, "--blocks", blocks)

    def reorg(self, depth):
        return run("devchain", "reorg", "--url", self.url, "--depth", depth).stdout

    def tip(self):
        with urllib.request.urlopen(self.url + "/blocks/tip/height", timeout=10) as r:
            return int(r.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)
        self.proc.stdout.close()


def anchor_settings(chain):
    """node.toml's [anchor] table for anchoring through `chain` (a Devchain), one confirmation."""
    return (f'[anchor]\nenabled = true\ncalendars = ["{chain.url}"]\nmin_calendars = 1\n'
            f'interval_ms = 200\nupgrade_interval_ms = 200\nesplora = "{chain.url}"\n'
            f'network = "regtest"\nconfirmations = 1\n')


def final_matches_light_client(node, chain):
    """True when the node's FINAL height is steady across an audit of its database and equals the
    FINAL height consensus::LightClient computes in that audit (anchors checked against the devchain)."""
    before = status(node)["final_height"]
    p = run("audit", "--db", node.db, "--esplora", chain.url, "--network", "regtest", "--min-confirmations", "1",
            check=False)
    after = status(node)["final_height"]
    m = re.search(r"FINAL up to block (\d+) \(light client", p.stdout)
    check(p.returncode == 0 and m, f"audit of {node.db}:\n{p.stdout}{p.stderr}")
    light = int(m.group(1))
    # An anchor landing during the audit makes the two readings differ for a moment: compare again
    # (wait_for fails with the last readings if they never agree).
    print(f"  {node.url}: node FINAL {before}/{after}, light client FINAL {light}")
    return before == after == light


def wait_for(what, predicate, timeout=60, interval=0.05):
    """Polls predicate() until it returns a true value, which is returned; fails naming `what`."""
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def kv_path(ns, key):
    return f"/v1/kv/{urllib.parse.quote(ns, safe='')}/{urllib.parse.quote(key, safe='')}"


def check(cond, message):
    if not cond:
        raise AssertionError(message)


class Member:
    """One member of a multi-member consortium: its key, node.toml, data dir and process."""

    def __init__(self, wd, index, name, contact):
        self.dir = wd / f"m{index}"
        os.makedirs(self.dir, exist_ok=True)
        self.name = name
        self.peer_port = free_port()
        run("keygen", "--name", name, "--contact", contact, "--out", os.path.join(self.dir, "member"),
            "--address", f"127.0.0.1:{self.peer_port}")
        self.node = None

    def configure(self, consortium, log_level="info", extra=""):
        self.node = Node(_Dir(self.dir), log_level=log_level,
                         extra=f'peer_listen = "127.0.0.1:{self.peer_port}"\n{extra}')
        # Node writes node.toml naming consortium.toml beside it.
        shutil.copy(consortium, os.path.join(self.dir, "consortium.toml"))
        return self.node


class _Dir(str):
    def __truediv__(self, rel):
        return os.path.join(self, rel)


def make_members(wd, names, namespaces=("books",), block_period_ms=100, round_timeout_ms=500,
                 silent_alert_ms=3000, heartbeat_ms=30000, log_level=os.environ.get("PEERDB_LOG", "info"),
                 extra="", rule_flags=()):
    """Creates member keys with peer addresses, the consortium file, and one Node per member
    (not started). `rule_flags` are more `consortium create` arguments (--writers books=1 ...).
    Returns the list of Member objects."""
    members = [Member(wd, i + 1, n, f"ops@{n.lower().replace(' ', '-')}.example, +44 20 7946 000{i}")
               for i, n in enumerate(names)]
    args = ["consortium", "create", "--out", wd / "consortium.toml", "--block-period-ms", block_period_ms,
            "--round-timeout-ms", round_timeout_ms, "--silent-alert-ms", silent_alert_ms,
            "--heartbeat-ms", heartbeat_ms]
    for m in members:
        args += ["--member", os.path.join(m.dir, "member/member.json")]
    for ns in namespaces:
        args += ["--namespace", ns]
    run(*args, *rule_flags)
    for m in members:
        m.configure(wd / "consortium.toml", log_level=log_level, extra=extra)
    return members


def status(node):
    code, s = node.get("/v1/status")
    check(code == 200, f"status answered {code}: {s}")
    return s


def cli(node, *args):
    """`peerdb <args>` against this node's API (--api goes after the subcommand words)."""
    words = [a for a in args[:2] if not str(a).startswith("-")] if args[0] == "change" else [args[0]]
    rest = list(args[len(words):])
    return subprocess.run([PEERDB, *map(str, words), "--api", node.url, *map(str, rest)], capture_output=True, text=True,
                          timeout=120)


def ok(node, *args):
    """`peerdb <args>` at this node must exit 0; returns its stdout."""
    p = cli(node, *args)
    check(p.returncode == 0, f"peerdb {' '.join(map(str, args))} at {node.url} exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p.stdout


def refused(node, args, code, needle):
    """A refusal: exit `code` and one line `peerdb: ...` containing `needle`."""
    p = cli(node, *args)
    lines = p.stderr.splitlines()
    check(p.returncode == code and len(lines) == 1 and lines[0].startswith("peerdb: ") and needle in lines[0],
            f"peerdb {' '.join(map(str, args))} exited {p.returncode} with {p.stderr!r}; wanted exit {code} and one line "
            f"with {needle!r}")
    return lines[0]
