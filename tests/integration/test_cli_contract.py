#!/usr/bin/env python3
"""What scripts and operators rely on, against real node processes:
1. the README's "A node in five commands" block, run as one script;
2. every exit code of docs/errors.md, produced by the case it names;
3. readiness: GET /v1/health and `peerdb wait`; a member that lost the others raises A2c naming
   them (not itself) with a duration that keeps counting, `peerdb status --check` exits 1, the
   health answer is 503 and `peerdb wait` gives up with exit 4 naming whom it cannot reach;
4. conveniences and messages: --config finds the node, `put NS KEY -` and `@FILE`, text on a
   terminal and JSON otherwise, ISO 8601 times
   beside the millisecond fields, the genesis time in UTC, a typo'd command's suggestion, a negative
   height, the member card named as the key, a CLI pointed at a peer port."""
import json
import os
import re
import signal
import subprocess
import time

import harness as h

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "testdata", "ots")
HELLO = os.path.join(VECTORS, "opentimestamps-client", "examples", "hello-world.txt")
HEADERS = os.path.join(VECTORS, "headers.json")
README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def expect_exit(args, code, needle="", stdin=None):
    p = subprocess.run([h.PEERDB, *map(str, args)], capture_output=True, text=True, timeout=120, input=stdin)
    h.check(p.returncode == code, f"peerdb {args} exited {p.returncode}, wanted {code}: {p.stdout} {p.stderr}")
    h.check(needle in p.stdout + p.stderr, f"{needle!r} not in the output of peerdb {args}: {p.stdout} {p.stderr}")
    return p


def readme_script(wd):
    """The README block pasted into a shell: it must work as is (the node's port is swapped for a free one)."""
    text = open(README).read()
    section = text[text.index("## A node in five commands"):]
    script = section[section.index("```sh\n") + len("```sh\n"):section.index("```\n", section.index("```sh\n") + 6)]
    port = h.free_port()
    script = script.replace("127.0.0.1:7070", f"127.0.0.1:{port}")
    os.makedirs(wd / "readme")
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(h.PEERDB)) + os.pathsep + os.environ["PATH"],
               PEERDB_API=f"http://127.0.0.1:{port}")
    # Output to a file: the node left running in the background keeps any pipe open.
    with open(wd / "readme.out", "w") as log:
        p = subprocess.Popen(["bash", "-e", "-c", script], cwd=wd / "readme", env=env, stdout=log,
                             stderr=subprocess.STDOUT, start_new_session=True)
        try:
            p.wait(timeout=120)
        finally:
            os.killpg(p.pid, signal.SIGTERM)  # the node the script left running in the background
    out = open(wd / "readme.out").read()
    h.check(p.returncode == 0, f"the README's commands failed ({p.returncode}):\n{out}")
    h.check("committed books/inv-1 in block" in out and '"amount": 1250' in out, out)
    print("README: the five commands work pasted as one script")


def exit_codes(wd, node):
    api = ["--api", node.url]
    expect_exit(["put", *api, "books", "a", '{"n": 1}'], 0, "committed books/a")
    expect_exit(["verify", HELLO, "--headers", HEADERS, "--min-confirmations", "2"], 1, "only 1 confirmation")
    expect_exit(["put", *api, "books", "b", "not json"], 2, "VALUE must be JSON")
    expect_exit(["stauts"], 2, "unknown command 'stauts'; did you mean 'status'?")
    expect_exit(["block", *api, "-1"], 2, "heights are never negative")
    expect_exit(["block", *api, "abc"], 2, "block height must be a whole number")
    expect_exit(["get", *api, "books", "missing"], 3, "never written")
    expect_exit(["history", *api, "books", "missing"], 3, "books/missing has never been written")
    expect_exit(["get", *api, "nope", "k"], 3, "unknown namespace 'nope' (this consortium has: audit, books)")
    expect_exit(["block", *api, "99999"], 3, "no block at height 99999")
    expect_exit(["status", "--api", f"http://127.0.0.1:{h.free_port()}"], 4, "cannot reach node")
    expect_exit(["put", *api, "audit", "e1", "1"], 0)
    expect_exit(["put", *api, "audit", "e1", "2"], 5, "")
    print("exit codes 0-5 as docs/errors.md names them")


def conveniences(wd, node):
    env_free = dict(os.environ)
    env_free.pop("PEERDB_API", None)
    p = subprocess.run([h.PEERDB, "get", "--config", wd / "node.toml", "books", "a"], capture_output=True, text=True,
                       timeout=60, env=env_free)
    h.check(p.returncode == 0 and json.loads(p.stdout)["value"] == {"n": 1}, f"--config: {p.stdout} {p.stderr}")
    expect_exit(["put", "--config", wd / "node.toml", "books", "stdin", "-"], 0, "committed", stdin='{"from": "stdin"}')
    with open(wd / "value.json", "w") as f:
        f.write('{"from": "file", "amount_minor": 18446744073709551615}')
    expect_exit(["put", "--config", wd / "node.toml", "books", "file", f"@{wd / 'value.json'}"], 0, "committed")
    for key, want in (("stdin", {"from": "stdin"}), ("file", {"from": "file", "amount_minor": 18446744073709551615})):
        code, got = node.get(h.kv_path("books", key))
        h.check(code == 200 and got["value"] == want, f"{key}: {got}")
    expect_exit(["put", "--config", wd / "node.toml", "books", "nofile", f"@{wd / 'absent.json'}"], 3, "no such file")

    code, block = node.get("/v1/blocks/1")
    header = block["header"]
    h.check(ISO.match(header["time"]) is not None, f"block time {header['time']}")
    h.check(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(header["timestamp_ms"] // 1000)) == header["time"][:19],
            f"{header['time']} is not {header['timestamp_ms']} ms")
    code, hist = node.get(h.kv_path("books", "a") + "/history")
    entry = hist["entries"][0]
    h.check(ISO.match(entry["time"]) and entry["timestamp_ms"] > 0, f"history entry {entry}")
    shown = h.run("consortium", "show", wd / "consortium.toml").stdout
    h.check(re.search(r"^created: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(\d+ ms\)$", shown, re.M), shown)

    # The member card named as the key: say which file it is and where the key is.
    with open(wd / "card-as-key.toml", "w") as f:
        f.write('consortium = "consortium.toml"\nkey = "member/member.json"\ndata_dir = "d3"\n')
    expect_exit(["node", "--config", wd / "card-as-key.toml"], 2, "is the public member card, not the private key")
    print("--config, put - and @FILE, ISO times, UTC genesis, card-as-key message")


def on_terminal(args):
    """peerdb's standard output on a pseudo-terminal, as a person at a shell sees it."""
    import pty
    master, slave = pty.openpty()
    try:
        p = subprocess.run([h.PEERDB, *map(str, args)], stdout=slave, stderr=subprocess.PIPE, timeout=60)
        os.close(slave)
        slave = None
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            out += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    h.check(p.returncode == 0, f"peerdb {args} on a terminal exited {p.returncode}: {p.stderr}")
    return out.decode().replace("\r\n", "\n")


def text_outputs(node):
    """Read commands print text for people on a terminal (JSON when piped, as the other checks use)."""
    api = ["--api", node.url]
    got = on_terminal(["get", *api, "books", "a"])
    h.check(got.startswith('books/a = {"n":1}\nversion 1 (newest 1), owner member 1, block ') and "NOT-UP-TO-DATE" in got, got)
    got = on_terminal(["history", *api, "books", "a"])
    h.check(re.search(r"^version +block +time \(UTC\) +author +value\n1 +\d+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC +1 +"
                      r'\{"n":1\}$', got, re.M), got)
    got = on_terminal(["block", *api, "1"])
    h.check(got.startswith("block     1  ") and re.search(r"^time      \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", got, re.M), got)
    h.check(json.loads(on_terminal(["get", *api, "books", "a", "--json"]))["value"] == {"n": 1}, "--json on a terminal")
    print("text on a terminal, JSON with --json")


def json_outputs(wd):
    """The file-reading commands speak JSON too."""
    shown = json.loads(h.run("consortium", "show", "--json", wd / "consortium.toml").stdout)
    h.check(len(shown["chain_id"]) == 64 and shown["members"][0]["name"] == "Test Firm" and
            ISO.match(shown["genesis_time"]) and {n["name"] for n in shown["namespaces"]} == {"books", "audit"}, shown)
    report = json.loads(h.run("audit", "--db", wd / "data/peerdb.sqlite", "--json").stdout)
    h.check(report["ok"] and report["failure"] is None and report["head"] >= 1 and
            report["chain_id"] == shown["chain_id"], report)
    print("consortium show --json and audit --json")


def partition(wd):
    """Three members; two stop. The third raises A2c naming them, and is not ready."""
    members = h.make_members(wd, ["Alpha", "Beta", "Gamma"], heartbeat_ms=1000, round_timeout_ms=300, log_level="warn")
    for m in members:
        m.node.start(wait=False)
    for m in members:
        expect_exit(["wait", "--config", os.path.join(m.dir, "node.toml"), "--timeout", "60"], 0, "ready")
    alpha = members[0].node
    code, health = alpha.get("/v1/health")
    h.check(code == 200 and health["live"] and health["ready"] and health["reachable"] == 3, f"{code} {health}")
    expect_exit(["put", "--api", alpha.url, "books", "k", "1"], 0)
    expect_exit(["status", "--check", "--api", alpha.url], 0)

    # A CLI pointed at a peer port reached a TLS listener, not the API.
    expect_exit(["status", "--api", f"http://127.0.0.1:{members[0].peer_port}"], 2, "reached a PeerDB peer port")

    for m in members[1:]:
        m.node.stop()

    def a2c():
        for a in h.status(alpha)["alerts"]:
            if a["code"].startswith("A2c"):
                return a
        return None
    h.wait_for("A2c at the isolated member", lambda: a2c() is not None, timeout=60)
    alert = a2c()
    h.check(alert["members"] == [2, 3], f"A2c names {alert['members']}, wanted the stopped members 2 and 3: {alert}")
    h.check("Beta" in alert["detail"] and "Gamma" in alert["detail"] and "Alpha" not in alert["detail"], alert["detail"])
    first = alert["detail"]
    h.wait_for("the A2c duration to move on", lambda: a2c() is not None and a2c()["detail"] != first, timeout=30)

    p = expect_exit(["status", "--check", "--api", alpha.url], 1, "A2c")
    h.check("ALERT     A2c" in p.stdout and "involves Beta" in p.stdout, p.stdout)
    code, health = alpha.get("/v1/health")
    h.check(code == 503 and health["live"] and not health["ready"] and "Beta" in health["reason"], f"{code} {health}")
    expect_exit(["wait", "--api", alpha.url, "--timeout", "1"], 4, "not ready after 1 s: reaches 1 of 3 members")
    alpha.stop()
    print("partition: A2c names the stopped members, status --check exits 1, health 503, wait exits 4")


def main():
    h.parse_args()
    with h.Workdir("cli") as wd:
        readme_script(wd)
        h.make_consortium(wd, namespaces=("books", "audit:append-only"))
        node = h.Node(wd).start()
        exit_codes(wd, node)
        conveniences(wd, node)
        text_outputs(node)
        node.stop()
        json_outputs(wd)
        os.makedirs(wd / "three")
        partition(h._Dir(wd / "three"))


if __name__ == "__main__":
    main()
