#!/usr/bin/env python3
"""Fails if a PeerDB module includes a module of the same or a higher level.

The level table is read from cmake/PeerdbModules.cmake (ARCHITECTURE.md's table), so there is one
source of truth. Usage: check_layers.py REPO_ROOT. Exit 0 = clean, 1 = violations (listed).
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
levels = {m: int(l) for m, l in re.findall(r"set\(PEERDB_LEVEL_(\w+) (\d+)\)",
                                             (root / "cmake/PeerdbModules.cmake").read_text())}
include_re = re.compile(r'^\s*#\s*include\s*[<"]peerdb/(\w+)/', re.M)
bad = []
src = root / "src" / "peerdb"
for path in sorted(src.rglob("*")):
    if path.suffix not in (".h", ".cpp"):
        continue
    module = path.relative_to(src).parts[0]
    if module not in levels:
        bad.append(f"{path}: module '{module}' has no level")
        continue
    for dep in include_re.findall(path.read_text(errors="replace")):
        if dep == module:
            continue
        if dep not in levels or levels[dep] >= levels[module]:
            bad.append(f"{path}: {module} (L{levels[module]}) includes {dep} "
                       f"(L{levels.get(dep, '?')}): only lower levels are allowed")
app = root / "src" / "app"
if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"layering ok: {len(levels)} levels")
