#!/usr/bin/env python3
"""Hostile or mistaken input to the CLI and the API of a real node: a clear error (the CLI exit code
docs/errors.md gives for its kind and a one-line reason; HTTP 4xx with {"error":{"code","message"}}),
never a crash, lost data or a value committed other than as sent."""
import os
import socket

import harness as h


def expect_cli_error(args, needle, code=2):
    p = h.run(*args, check=False)
    h.check(p.returncode == code, f"peerdb {args} exited {p.returncode}, wanted {code}: {p.stderr}")
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    h.check(len(lines) == 1 and lines[0].startswith("peerdb: "), f"want one 'peerdb: reason' line, got {p.stderr!r}")
    h.check(needle in lines[0], f"{needle!r} not in {lines[0]!r}")


def expect_api_error(node, method, path, body, status, code, raw=None):
    got_status, got = node.request(method, path, body, raw=raw)
    h.check(got_status == status, f"{method} {path}: status {got_status}, wanted {status}: {got}")
    h.check(isinstance(got, dict) and "error" in got, f"no error object: {got}")
    h.check(got["error"]["code"] == code and got["error"]["message"], f"error {got['error']} wanted code {code}")


def cli_checks(wd):
    expect_cli_error(["node", "--config", wd / "missing.toml"], "no such file", code=3)
    with open(wd / "bad.toml", "w") as f:
        f.write("consortium = \n")
    expect_cli_error(["node", "--config", wd / "bad.toml"], "node config")
    with open(wd / "unknown.toml", "w") as f:
        f.write('consortium = "consortium.toml"\nkey = "member/member.key"\ndata_dir = "d"\nport = "1"\n')
    expect_cli_error(["node", "--config", wd / "unknown.toml"], "unknown setting 'port'")
    expect_cli_error(["keygen", "--name", "X", "--contact", "c", "--out", wd / "member"], "refusing to overwrite")
    expect_cli_error(["consortium", "show", wd / "member/member.key"], "consortium file")
    # An edited consortium file no longer matches its chain id.
    text = open(wd / "consortium.toml").read()
    with open(wd / "edited.toml", "w") as f:
        f.write(text.replace("block_period_ms = 100", "block_period_ms = 101"))
    expect_cli_error(["consortium", "show", wd / "edited.toml"], "does not match its chain_id")
    expect_cli_error(["put", "--api", "http://127.0.0.1:1", "books", "k", "1"], "cannot reach node", code=4)
    expect_cli_error(["put", "--api", "http://127.0.0.1:1", "books", "k", "not json"], "VALUE must be JSON")
    expect_cli_error(["audit", "--db", wd / "nothing.sqlite"], "", code=3)
    with open(wd / "garbage.sqlite", "wb") as f:
        f.write(os.urandom(8192))
    expect_cli_error(["audit", "--db", wd / "garbage.sqlite"], "")
    expect_cli_error(["frobnicate"], "")
    # A key that is not a member of the consortium is refused.
    h.run("keygen", "--name", "Outsider", "--contact", "x", "--out", wd / "outsider")
    with open(wd / "outsider.toml", "w") as f:
        f.write('consortium = "consortium.toml"\nkey = "outsider/member.key"\ndata_dir = "d2"\n')
    expect_cli_error(["node", "--config", wd / "outsider.toml"], "is not a member")
    # A world-readable key file is refused.
    os.chmod(wd / "outsider/member.key", 0o644)
    expect_cli_error(["node", "--config", wd / "outsider.toml"], "readable by others")


def api_checks(node):
    expect_api_error(node, "POST", "/v1/tx", None, 400, "malformed", raw=b'{"ops": [')
    expect_api_error(node, "POST", "/v1/tx", None, 400, "malformed", raw=b"[" * 100000)
    expect_api_error(node, "POST", "/v1/tx", {"ops": []}, 400, "invalid")
    expect_api_error(node, "POST", "/v1/tx", {"ops": [{"op": "put", "ns": "nope", "key": "k", "value": 1}]}, 404,
                     "unknown_namespace")
    expect_api_error(node, "POST", "/v1/tx", {"ops": [{"op": "put", "ns": "books", "key": "a b", "value": 1}]}, 400,
                     "malformed")
    expect_api_error(node, "POST", "/v1/tx", {"ops": [{"op": "put", "ns": "books", "key": "big", "value": "x" * 300_000}]},
                     413, "too_large")
    expect_api_error(node, "POST", "/v1/tx", {"ops": [{"op": "delete", "ns": "books", "key": "never"}]}, 400, "invalid")
    expect_api_error(node, "GET", h.kv_path("books", "missing"), None, 404, "not_found")
    expect_api_error(node, "GET", "/v1/blocks/99999999", None, 404, "not_found")
    expect_api_error(node, "GET", "/v1/blocks/abc", None, 400, "malformed")
    expect_api_error(node, "GET", "/v1/nowhere", None, 404, "not_found")
    # Append-only: the second write of a key is refused and the first value stays.
    status, _ = node.post("/v1/tx", {"ops": [{"op": "put", "ns": "audit", "key": "entry-1", "value": {"n": 1}}]})
    h.check(status == 200, "first append-only write refused")
    expect_api_error(node, "POST", "/v1/tx", {"ops": [{"op": "put", "ns": "audit", "key": "entry-1", "value": {"n": 2}}]},
                     403, "forbidden")
    status, got = node.get(h.kv_path("audit", "entry-1"))
    h.check(status == 200 and got["value"] == {"n": 1}, f"append-only value changed: {got}")
    # Raw garbage on the socket: the node answers or closes, and keeps serving.
    with socket.create_connection(("127.0.0.1", node.port), timeout=10) as s:
        s.sendall(os.urandom(4096) + b"\r\n\r\n")
        try:
            s.recv(1024)
        except OSError:
            pass
    status, _ = node.get("/v1/status")
    h.check(status == 200, "node stopped serving after garbage")


def raw_body(node, path):
    """The response body as bytes, so numbers are compared as the node wrote them."""
    c = node.conn()
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read().decode()
    finally:
        c.close()


def value_checks(node):
    """docs/api.md "Values: kept exactly or refused", through the CLI: a value the node would change
    is refused with the reason and nothing is committed; what is accepted reads back digit for digit."""
    api = ["--api", node.url]
    expect_cli_error(["put", *api, "books", "dup", '{"a": 1, "a": 2}'], 'duplicate member name "a" in ops[0].value')
    expect_cli_error(["put", *api, "books", "dup", '{"x": [{"b": 1, "b": 1}]}'], 'duplicate member name "b"')
    expect_cli_error(["put", *api, "books", "big", '{"amount_minor": 18446744073709551616}'],
                     "number 18446744073709551616 at ops[0].value.amount_minor cannot be kept exactly; "
                     "send it as a JSON string")
    expect_cli_error(["put", *api, "books", "big", "0.1000000000000000000001"], "cannot be kept exactly")
    expect_cli_error(["put", *api, "books", "big", "1e400"], "cannot be kept exactly")
    for key in ("dup", "big"):
        expect_api_error(node, "GET", h.kv_path("books", key), None, 404, "not_found")
        expect_api_error(node, "GET", h.kv_path("books", key) + "/history", None, 404, "not_found")
        expect_cli_error(["history", *api, "books", key], "has never been written", code=3)
    expect_api_error(node, "POST", "/v1/tx", None, 400, "malformed",
                     raw=b'{"op":"put","ns":"books","key":"inf","value":1e400}')

    exact = '{"amount_minor":18446744073709551615,"low":-9223372036854775808,"x":0.1}'
    h.run("put", *api, "books", "exact", '{"x": 0.1, "amount_minor": 18446744073709551615, "low": -9223372036854775808}')
    for path in (h.kv_path("books", "exact"), h.kv_path("books", "exact") + "/history"):
        status, body = raw_body(node, path)
        h.check(status == 200 and f'"value":{exact}' in body, f"{path} changed the value: {body}")
    for command in ("get", "history"):
        out = h.run(command, *api, "books", "exact").stdout
        for digits in ('"amount_minor": 18446744073709551615', '"low": -9223372036854775808', '"x": 0.1'):
            h.check(digits in out, f"peerdb {command}: {digits!r} not in {out}")


def main():
    h.parse_args()
    with h.Workdir("badinput") as wd:
        h.make_consortium(wd, namespaces=("books", "audit:append-only"))
        cli_checks(wd)
        node = h.Node(wd).start()
        api_checks(node)
        value_checks(node)
        # A second node on the same data dir and key is refused (one signer per key).
        second = h.run("node", "--config", wd / "node.toml", check=False, timeout=30)
        h.check(second.returncode == 2 and "already in use" in second.stderr, second.stderr)
        node.stop()
        # A corrupt database file: the node refuses to start with a clear error.
        with open(node.db, "r+b") as f:
            f.seek(0)
            f.write(b"this is not a database header!!")
        p = h.run("node", "--config", wd / "node.toml", check=False, timeout=30)
        h.check(p.returncode == 1 and p.stderr.startswith("peerdb: "), f"corrupt db: {p.returncode} {p.stderr}")
        print("bad input handled: CLI exit codes by kind with one-line reasons, API 4xx JSON errors, node kept serving")


if __name__ == "__main__":
    main()
