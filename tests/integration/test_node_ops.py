#!/usr/bin/env python3
"""Running a node like other daemons: `peerdb node --check` accepts what a start accepts and refuses
what a start refuses with the same one-line error, creating nothing; log_file with
log_format = "json" gets one valid JSON object per line, ending with the "node: stopped" line on
SIGTERM, and a restart appends to it."""
import json
import os
import re
import stat

import harness as h

# Quotes, a backslash and non-ASCII text in the member name reach the log: they must be escaped.
NAME = 'Firm "Q" \\ Société'
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
STOPPED = re.compile(r"^node: stopped \(member 1, head height (\d+)\)$")


def write_config(wd, name, lines):
    base = {"consortium": "consortium.toml", "key": "member/member.key", "data_dir": "data",
            "api_listen": "127.0.0.1:0"}
    base.update(lines)
    with open(wd / name, "w") as f:
        for k, v in base.items():
            if v is not None:
                f.write(f'{k} = "{v}"\n')
    return wd / name


def one_error_line(p):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    h.check(len(lines) == 1 and lines[0].startswith("peerdb: "), f"want one 'peerdb: reason' line: {p.stderr!r}")
    return lines[0]


def check_refuses_like_start(wd, name, lines, needle, code=2):
    """`node --check` fails with the exit code and the error line a start gives for the same node.toml."""
    config = write_config(wd, name, lines)
    checked = h.run("node", "--check", "--config", config, check=False, timeout=60)
    h.check(checked.returncode == code, f"{name}: --check exited {checked.returncode}: {checked.stdout} {checked.stderr}")
    h.check(checked.stdout == "", f"{name}: --check printed {checked.stdout!r}")
    line = one_error_line(checked)
    h.check(needle in line, f"{name}: {needle!r} not in {line!r}")
    started = h.run("node", "--config", config, check=False, timeout=60)
    h.check(started.returncode == code, f"{name}: the start exited {started.returncode}: {started.stderr}")
    h.check(one_error_line(started) == line, f"{name}: start said {started.stderr!r}, --check said {line!r}")


def read_json_log(path):
    entries = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            h.check(line.endswith("\n"), f"log line {n} is not terminated: {line!r}")
            try:
                entry = json.loads(line)
            except ValueError as e:
                raise AssertionError(f"log line {n} is not JSON ({e}): {line!r}")
            h.check(isinstance(entry, dict) and ISO_UTC.match(entry.get("time", "")), f"line {n}: time {entry!r}")
            h.check(entry.get("level") in ("trace", "debug", "info", "warn", "error", "critical"), f"line {n}: {entry!r}")
            h.check(isinstance(entry.get("message"), str) and entry["message"], f"line {n}: message {entry!r}")
            entries.append(entry)
    return entries


def run_and_stop(node):
    node.start()
    h.run("put", "--api", node.url, "books", "k", '{"n": 1}')
    node.stop()
    h.check(node.proc.returncode == 0, f"node exited {node.proc.returncode} on SIGTERM")


def main():
    h.parse_args()
    os.umask(0o022)
    with h.Workdir("node-ops") as wd:
        h.make_consortium(wd, name=NAME)

        # The bad setups a start refuses, refused by --check with the same line.
        check_refuses_like_start(wd, "nokey.toml", {"key": "member/absent.key"}, "no such file", code=3)
        check_refuses_like_start(wd, "card.toml", {"key": "member/member.json"},
                                 "is the public member card, not the private key")
        check_refuses_like_start(wd, "yaml.toml", {"log_format": "yaml"}, 'log_format must be "text" or "json"')
        check_refuses_like_start(wd, "nolog.toml", {"log_file": "missing/peerdb.log"},
                                 "cannot open log_file " + (wd / "missing/peerdb.log"))
        check_refuses_like_start(wd, "listen.toml", {"api_listen": "7070"}, "api_listen")
        h.check(not os.path.exists(wd / "data"), "a refused start or check created data_dir")

        # A good setup: "ok: ..." on one line, and nothing created.
        os.makedirs(wd / "log")
        node = h.Node(wd, log_level="info", extra='log_file = "log/peerdb.log"\nlog_format = "json"\n')
        p = h.run("node", "--check", "--config", wd / "node.toml")
        h.check(p.stderr == "" and p.stdout.count("\n") == 1 and p.stdout.startswith("ok: member 1 (" + NAME + ")"),
                f"--check said {p.stdout!r} {p.stderr!r}")
        h.check("(new)" in p.stdout and "(json)" in p.stdout, p.stdout)
        for path in ("data", "log/peerdb.log", "member/member.key.lock"):
            h.check(not os.path.exists(wd / path), f"--check created {path}")

        # Beside a running node --check still passes, and the node keeps serving.
        node.start()
        p = h.run("node", "--check", "--config", wd / "node.toml")
        h.check(p.stdout.startswith("ok: ") and "(holds this chain)" in p.stdout, p.stdout)
        h.check(h.status(node)["head_height"] >= 0, "node stopped serving after --check")
        node.stop()
        h.check(node.proc.returncode == 0, f"node exited {node.proc.returncode} on SIGTERM")

        # Then a restart appends to the same file.
        run_and_stop(node)
        log_path = wd / "log/peerdb.log"
        h.check(stat.S_IMODE(os.stat(log_path).st_mode) == 0o640, oct(os.stat(log_path).st_mode))
        entries = read_json_log(log_path)
        messages = [e["message"] for e in entries]
        stops = [m for m in messages if STOPPED.match(m)]
        h.check(len(stops) == 2, f"want a 'stopped' line per run: {stops}")
        h.check(STOPPED.match(messages[-1]) and int(STOPPED.match(messages[-1]).group(1)) >= 1,
                f"the last line is not the stop after a commit: {messages[-1]!r}")
        h.check(any(m.startswith(f"node: member 1 ({NAME}) of chain ") for m in messages),
                f"the member name did not survive the JSON escaping: {messages[:3]}")
        # With log_file set the log goes there only; stdout keeps the one "running" line per run.
        with open(wd / "node.log") as f:
            console = [l for l in f.read().splitlines() if l.strip()]
        h.check(all(l.startswith("peerdb node running; API at ") for l in console), f"console: {console}")

        # A data_dir that is not a store any more: --check refuses it as the start does.
        with open(node.db, "r+b") as f:
            f.write(b"this is not a database header!!")
        check_refuses_like_start(wd, "corrupt.toml", {}, "store " + (wd / "data/peerdb.sqlite"), code=1)
        print(f"node --check and log_file/log_format ok: {len(entries)} JSON log lines, ending {messages[-1]!r}")


if __name__ == "__main__":
    main()
