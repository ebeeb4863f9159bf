#!/usr/bin/env python3
"""packaging/: the man page that scripts/man.sh writes from the help renders with groff without a
warning and documents every subcommand; systemd accepts the example unit, which keeps its sandbox
and checks the setup before each start. `systemd-analyze verify` is skipped, saying so, where it
cannot run (some containers)."""
import os
import re
import shutil
import subprocess

import harness as h

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UNIT = os.path.join(ROOT, "packaging", "peerdb.service")
INSTALLED_BIN = "/usr/local/bin/peerdb"

# What the unit must keep (packaging/README.md): the sandbox, and the check before the start.
REQUIRED = ["ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "NoNewPrivileges=yes",
            "CapabilityBoundingSet=\n", "ReadWritePaths=/var/lib/peerdb", "RestrictAddressFamilies=AF_INET AF_INET6",
            "User=peerdb", f"ExecStartPre={INSTALLED_BIN} node --check --config /etc/peerdb/node.toml\n",
            f"ExecStart={INSTALLED_BIN} node --config /etc/peerdb/node.toml\n"]


def subcommands(help_text):
    names, listing = [], False
    for line in help_text.splitlines():
        if line.startswith("Subcommands:"):
            listing = True
        elif listing and re.match(r"^  [a-z]", line):
            names.append(line.split()[0])
        elif listing and not line.strip():
            listing = False
    return names


def check_man_page(wd):
    page = wd / "man/peerdb.1"
    subprocess.run([os.path.join(ROOT, "scripts", "man.sh"), h.PEERDB, page], check=True, timeout=300)
    # -ww: every warning; -z: format without output. Both must be silent.
    lint = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page], capture_output=True, text=True, timeout=60)
    h.check(lint.returncode == 0 and lint.stderr == "", f"groff: {lint.returncode} {lint.stderr}")
    shown = subprocess.run(["groff", "-man", "-Tutf8", "-P-cbou", page], capture_output=True, text=True,
                           timeout=60, check=True).stdout
    # groff's UTF-8 output may print '-' as a hyphen or minus sign.
    shown = re.sub("[\u2010\u2011\u2212]", "-", shown)
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "FILES", "EXIT STATUS"):
        h.check(re.search(rf"^{section}$", shown, re.M), f"the page has no {section} section")
    names = subcommands(h.run("--help").stdout)
    h.check({"keygen", "consortium", "node", "put", "get", "status", "audit", "verify"} <= set(names), names)
    for name in names:
        h.check(f"peerdb {name}\n" in shown, f"the page does not document `peerdb {name}`")
    flowing = " ".join(shown.split())  # justified text may hold two spaces between words
    for words in ("--check", "log_format", "node: stopped (member N, head height H)"):
        h.check(words in flowing, f"the page does not mention {words}")
    return len(names)


def systemd_analyze_usable(wd):
    """Whether `systemd-analyze verify` works here at all: it must pass a trivial unit silently."""
    if not shutil.which("systemd-analyze"):
        return "systemd-analyze is not installed"
    with open(wd / "probe.service", "w") as f:
        f.write(f"[Service]\nType=exec\nExecStart={os.path.abspath(h.PEERDB)} --version\n")
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", wd / "probe.service"], capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0 or p.stderr.strip():
        return f"systemd-analyze verify cannot run here ({p.stderr.strip() or p.returncode})"
    return None


def check_unit(wd):
    text = open(UNIT).read()
    for needle in REQUIRED:
        h.check(needle in text, f"peerdb.service lost {needle.strip()!r}")
    why_not = systemd_analyze_usable(wd)
    if why_not:
        print(f"SKIPPED systemd-analyze verify of peerdb.service: {why_not}")
        return False
    # verify also checks that ExecStart's program exists: point it at the binary under test.
    os.makedirs(wd / "unit")
    unit = wd / "unit/peerdb.service"
    with open(unit, "w") as f:
        f.write(text.replace(INSTALLED_BIN, os.path.abspath(h.PEERDB)))
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", unit], capture_output=True, text=True, timeout=120)
    # Unknown keys and bad values are only warnings (exit 0): any output is a failure.
    h.check(p.returncode == 0 and not p.stderr.strip() and not p.stdout.strip(),
            f"systemd-analyze verify: {p.returncode} {p.stdout} {p.stderr}")
    return True


def main():
    h.parse_args()
    with h.Workdir("packaging") as wd:
        commands = check_man_page(wd)
        verified = check_unit(wd)
        print(f"man page renders cleanly with {commands} subcommands; unit "
              f"{'verified by systemd-analyze' if verified else 'checked for its sandbox (systemd-analyze skipped)'}")


if __name__ == "__main__":
    main()
