#!/usr/bin/env python3
"""Checks that the CTest labels the README's developer table names select the tests they promise.

Usage: check_labels.py SOURCE_DIR BUILD_DIR [CTEST]

For every label named in the README's "Commands for developers" table (`ctest ... -L NAME`), plus
`unit`, `ctest -N -L ^NAME$` run in BUILD_DIR must select at least one test; `sim` must select
exactly the seeded consensus simulation tests (Sim.*), and `integration` exactly integration.*.
A label lost on the way from CMake to CTest (as with gtest_discover_tests(PROPERTIES LABELS "a;b"),
which keeps only the first) fails here rather than silently selecting nothing.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

# Labels whose selection is known by test name: the selected tests must be exactly these.
EXPECTED = {
    "sim": lambda name: name.startswith("Sim."),
    "integration": lambda name: name.startswith("integration."),
}


def readme_labels(readme: Path) -> list[str]:
    text = readme.read_text(encoding="utf-8")
    start = text.find("## Commands for developers")
    if start < 0:
        sys.exit(f"{readme}: no 'Commands for developers' section")
    end = text.find("\n## ", start + 1)
    section = text[start:end if end >= 0 else len(text)]
    labels = re.findall(r"ctest[^|`]*?-L\s+([A-Za-z0-9_.-]+)", section)
    if not labels:
        sys.exit(f"{readme}: the developer table names no `ctest -L` label")
    return labels


def ctest_names(ctest: str, build: Path, *args: str) -> list[str]:
    """Names of the tests `ctest -N ARGS` lists in BUILD_DIR."""
    out = subprocess.run([ctest, "-N", *args, "--show-only=json-v1"], cwd=build, check=True,
                         capture_output=True, text=True).stdout
    return [t["name"] for t in json.loads(out).get("tests", [])]


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    source, build = Path(sys.argv[1]), Path(sys.argv[2])
    ctest = sys.argv[3] if len(sys.argv) == 4 else "ctest"
    labels = ["unit"] + [l for l in dict.fromkeys(readme_labels(source / "README.md")) if l != "unit"]
    all_tests = ctest_names(ctest, build)
    problems = []
    for label in labels:
        selected = ctest_names(ctest, build, "-L", f"^{re.escape(label)}$")
        print(f"-L {label}: {len(selected)} tests")
        if not selected:
            problems.append(f"label '{label}' (named in README.md) selects no test")
            continue
        if label in EXPECTED:
            want = sorted(n for n in all_tests if EXPECTED[label](n))
            if sorted(selected) != want:
                extra = sorted(set(selected) - set(want))[:5]
                missing = sorted(set(want) - set(selected))[:5]
                problems.append(f"label '{label}' selects the wrong tests: extra {extra}, missing {missing}")
    for p in problems:
        print("FAIL:", p, file=sys.stderr)
    print(f"labels checked: {len(labels)}, problems: {len(problems)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
