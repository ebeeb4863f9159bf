#!/usr/bin/env python3
"""Shows the layering checker fails on an upward include (so the layering test can fail)."""
import pathlib
import shutil
import subprocess
import sys
import tempfile

root = pathlib.Path(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    t = pathlib.Path(tmp)
    shutil.copytree(root / "cmake", t / "cmake")
    (t / "src/peerdb/crypto").mkdir(parents=True)
    (t / "src/peerdb/store").mkdir(parents=True)
    (t / "src/peerdb/store/x.h").write_text('#include "peerdb/crypto/sha256.h"\n')
    ok = subprocess.run([sys.executable, root / "scripts/check_layers.py", t], capture_output=True)
    (t / "src/peerdb/crypto/bad.h").write_text('#pragma once\n#include "peerdb/store/store.h"\n')
    bad = subprocess.run([sys.executable, root / "scripts/check_layers.py", t], capture_output=True, text=True)
    if ok.returncode != 0:
        sys.exit("checker rejected a downward include")
    if bad.returncode == 0 or "crypto (L1) includes store" not in bad.stdout:
        sys.exit("checker accepted an upward include: " + bad.stdout)
print("layering checker rejects upward includes")
