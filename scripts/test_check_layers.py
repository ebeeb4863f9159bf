#!/usr/bin/env python3
"""Shows the layering checker fails on an upward include or link, and whenever node includes or
links the devchain, even through another module (so the layering test can fail)."""
import pathlib
import shutil
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1])


def check(tree):
    return subprocess.run([sys.executable, root / "scripts/check_layers.py", tree], capture_output=True, text=True)


def module(tree, name, deps=(), files=None):
    d = tree / "src/peerdb" / name
    d.mkdir(parents=True, exist_ok=True)
    links = " ".join("peerdb::" + x for x in deps)
    (d / "CMakeLists.txt").write_text(f"peerdb_add_module({name}\n  SOURCES x.cpp\n  DEPS {links})\n")
    for fname, text in (files or {}).items():
        (d / fname).write_text(text)


def expect(result, ok, needle, what):
    if (result.returncode == 0) != ok or needle not in result.stdout:
        sys.exit(f"{what}: exit {result.returncode}, output: {result.stdout}{result.stderr}")


with tempfile.TemporaryDirectory() as tmp:
    t = pathlib.Path(tmp)
    shutil.copytree(root / "cmake", t / "cmake")
    module(t, "crypto")
    module(t, "store", ["crypto"], {"x.h": '#include "peerdb/crypto/sha256.h"\n'})
    expect(check(t), True, "layering ok", "checker rejected a downward include")

    (t / "src/peerdb/crypto/bad.h").write_text('#pragma once\n#include "peerdb/store/store.h"\n')
    expect(check(t), False, "crypto (L1) includes store", "checker accepted an upward include")
    (t / "src/peerdb/crypto/bad.h").unlink()

    module(t, "crypto", ["store"])
    expect(check(t), False, "crypto (L1) links store", "checker accepted an upward link")
    module(t, "crypto")

    module(t, "anchor", ["crypto"])
    module(t, "devchain", ["anchor"])
    module(t, "node", ["anchor"])
    expect(check(t), True, "layering ok", "checker rejected node without the devchain")
    module(t, "node", ["anchor"], {"x.cpp": '#include "peerdb/devchain/server.h"\n'})
    expect(check(t), False, "node includes devchain", "checker accepted node including the devchain")
    module(t, "node", ["anchor", "devchain"], {"x.cpp": ""})
    expect(check(t), False, "node links devchain", "checker accepted node linking the devchain")
    # Through a lower module that (wrongly) links it: the level check and the closure both object.
    module(t, "node", ["anchor"])
    module(t, "anchor", ["crypto", "devchain"])
    expect(check(t), False, "node links devchain", "checker accepted node reaching the devchain through anchor")
print("layering checker rejects upward includes and links, and node reaching the devchain")
