#!/usr/bin/env python3
"""Fails if a PeerDB module includes or links a module it may not use.

Rules: a module may include and link only modules of a strictly lower level (the level table is
read from cmake/PeerdbModules.cmake, ARCHITECTURE.md's table, so there is one source of truth),
and the pairs in FORBIDDEN may never meet, not even through a third module's links.
Usage: check_layers.py REPO_ROOT. Exit 0 = clean, 1 = violations (listed).
"""
import pathlib
import re
import sys

# (user, used, why): never included by the user, never in its transitive link closure.
FORBIDDEN = [
    ("node", "devchain", "the devchain is a test tool; only cli and tests may link it"),
]

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
levels = {m: int(l) for m, l in re.findall(r"set\(PEERDB_LEVEL_(\w+) (\d+)\)",
                                             (root / "cmake/PeerdbModules.cmake").read_text())}
include_re = re.compile(r'^\s*#\s*include\s*[<"]peerdb/(\w+)/', re.M)
module_re = re.compile(r"peerdb_add_module\(\s*(\w+)(.*?)\)", re.S)
bad = []
src = root / "src" / "peerdb"

# Includes: only lower levels.
includes = {}
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
        includes.setdefault(module, set()).add(dep)
        if dep not in levels or levels[dep] >= levels[module]:
            bad.append(f"{path}: {module} (L{levels[module]}) includes {dep} "
                       f"(L{levels.get(dep, '?')}): only lower levels are allowed")

# Links: the DEPS of each peerdb_add_module, only lower levels.
links = {}
for cmake in sorted(src.glob("*/CMakeLists.txt")):
    for name, args in module_re.findall(cmake.read_text()):
        deps = re.search(r"\bDEPS\b(.*?)(?:\b(?:SOURCES|LIBS)\b|$)", args, re.S)
        links[name] = set(re.findall(r"peerdb::(\w+)", deps.group(1))) if deps else set()
        for dep in links[name]:
            if name not in levels or dep not in levels or levels[dep] >= levels[name]:
                bad.append(f"{cmake}: {name} (L{levels.get(name, '?')}) links {dep} "
                           f"(L{levels.get(dep, '?')}): only lower levels are allowed")


def link_closure(module):
    seen, todo = set(), [module]
    while todo:
        for dep in links.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


for user, used, why in FORBIDDEN:
    if used in includes.get(user, ()):
        bad.append(f"{user} includes {used}: {why}")
    if used in link_closure(user):
        bad.append(f"{user} links {used}: {why}")

if bad:
    print("\n".join(bad))
    sys.exit(1)
print(f"layering ok: {len(levels)} levels, {len(links)} modules' links, {len(FORBIDDEN)} forbidden pairs")
