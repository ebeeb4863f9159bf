#!/usr/bin/env python3
"""Runs peerdb_micro_bench and prints each PeerDB benchmark as a ratio to its raw baselines.

Benchmarks are named BM_<Family>/<Variant>[/<args>]. Variant "PeerDB" is ours; every variant
starting with "Raw" is a baseline. Each PeerDB row is paired with every baseline of the same family
and args, and the ratio is ours / baseline time: 1.00 = no overhead, 2.00 = twice as slow.
Absolute times on a shared machine are noisy; ratios from one run are what to compare.

Results go next to the binary (build dir), never into the source tree:
  <out>/micro-raw.json     the benchmark binary's own JSON output
  <out>/micro-latest.json  the paired rows printed in the table

Usage: report.py [--binary PATH] [--repetitions N] [--filter REGEX] [--min-time SECONDS]
                 [--metric cpu|real] [--out DIR] [--from-json FILE] [-- extra benchmark flags]
Exit status: 0 ok, 1 the run failed or nothing could be paired.
"""
import argparse
import json
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO / "build" / "release" / "bench" / "peerdb_micro_bench"
OURS = "PeerDB"
BASELINE_PREFIX = "Raw"
TO_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binary", type=pathlib.Path, default=DEFAULT_BINARY)
    p.add_argument("--repetitions", type=int, default=3,
                   help="repetitions per benchmark, randomly interleaved; the median is used (default 3)")
    p.add_argument("--filter", default="", help="--benchmark_filter regex")
    p.add_argument("--min-time", type=float, default=None, help="--benchmark_min_time in seconds")
    p.add_argument("--metric", choices=("cpu", "real"), default="cpu",
                   help="time to compare (default cpu: less disturbed by other load on the machine)")
    p.add_argument("--out", type=pathlib.Path, default=None,
                   help="directory for the JSON results (default: results/ next to the binary)")
    p.add_argument("--from-json", type=pathlib.Path, default=None,
                   help="re-render a saved micro-raw.json instead of running the binary")
    p.add_argument("extra", nargs="*", help="further flags passed to the binary (after --)")
    return p.parse_args(argv)


def run_binary(args):
    if not args.binary.is_file():
        sys.exit(f"report.py: {args.binary} not found; build the peerdb_micro_bench target first")
    cmd = [str(args.binary), "--benchmark_format=json"]
    if args.repetitions > 1:
        cmd += [f"--benchmark_repetitions={args.repetitions}", "--benchmark_enable_random_interleaving=true",
                "--benchmark_report_aggregates_only=true"]
    if args.filter:
        cmd.append(f"--benchmark_filter={args.filter}")
    if args.min_time is not None:
        cmd.append(f"--benchmark_min_time={args.min_time}")
    cmd += args.extra
    print("running: " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"report.py: benchmark binary exited with status {proc.returncode}")
    return json.loads(proc.stdout)


def measurements(data, metric):
    """run_name -> {ns, order, bytes_per_second}: the median aggregate when repeated, else the single
    iteration row. `order` is registration order, since random interleaving shuffles the output."""
    rows = data.get("benchmarks", [])
    medians = {r["run_name"]: r for r in rows
               if r.get("run_type") == "aggregate" and r.get("aggregate_name") == "median"}
    singles = {r["run_name"]: r for r in rows if r.get("run_type", "iteration") == "iteration"}
    out = {}
    for name, row in {**singles, **medians}.items():
        if row.get("error_occurred"):
            print(f"skipped {name}: {row.get('error_message', 'error')}", file=sys.stderr)
            continue
        out[name] = {
            "ns": row[f"{metric}_time"] * TO_NS[row.get("time_unit", "ns")],
            "order": (row.get("family_index", 0), row.get("per_family_instance_index", 0)),
            "bytes_per_second": row.get("bytes_per_second"),
        }
    return out


def split_name(name):
    parts = name.split("/")
    if len(parts) < 2:
        return None
    return parts[0], parts[1], "/".join(parts[2:])


def pair(results):
    """Paired rows in registration order, and the PeerDB cases that have no baseline."""
    ours, baselines = {}, {}
    for name, m in sorted(results.items(), key=lambda item: item[1]["order"]):
        parsed = split_name(name)
        if parsed is None:
            continue
        family, variant, args = parsed
        if variant == OURS:
            ours[(family, args)] = m
        elif variant.startswith(BASELINE_PREFIX):
            baselines.setdefault((family, args), []).append((variant, m))
    rows, unpaired = [], []
    for (family, args), m in ours.items():
        case = family + ("/" + args if args else "")
        if (family, args) not in baselines:
            unpaired.append(case)
        for variant, base in baselines.get((family, args), []):
            rows.append({
                "benchmark": case, "baseline": variant, "ours_ns": m["ns"], "baseline_ns": base["ns"],
                "ratio": m["ns"] / base["ns"] if base["ns"] > 0 else float("inf"),
                "ours_bytes_per_second": m["bytes_per_second"],
            })
    return rows, unpaired


def human_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def human_rate(bytes_per_second):
    if not bytes_per_second:
        return ""
    for unit, scale in (("GB/s", 1e9), ("MB/s", 1e6), ("kB/s", 1e3)):
        if bytes_per_second >= scale:
            return f"{bytes_per_second / scale:.3g} {unit}"
    return f"{bytes_per_second:.3g} B/s"


def print_table(rows, metric, repetitions):
    headers = ("benchmark", "ours", "ours rate", "baseline", "baseline time", "ratio")
    cells = [(r["benchmark"], human_time(r["ours_ns"]), human_rate(r["ours_bytes_per_second"]), r["baseline"],
              human_time(r["baseline_ns"]), f"{r['ratio']:.2f}") for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    align = ("<", ">", ">", "<", ">", ">")

    def line(values):
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths)).rstrip()

    how = f"median of {repetitions}" if repetitions > 1 else "single run"
    print(f"PeerDB vs raw baselines, {metric} time ({how}); ratio = ours / baseline, 1.00 = no overhead")
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for c in cells:
        print(line(c))


def main(argv):
    args = parse_args(argv)
    if args.from_json:
        data = json.loads(args.from_json.read_text())
        out_dir = args.out
    else:
        data = run_binary(args)
        out_dir = args.out or args.binary.resolve().parent / "results"
    rows, unpaired = pair(measurements(data, args.metric))
    if not rows:
        print("report.py: no PeerDB benchmark had a Raw* baseline", file=sys.stderr)
        return 1
    repetitions = max((r.get("repetitions", 1) for r in data.get("benchmarks", [])), default=1)
    print_table(rows, args.metric, repetitions)
    for case in unpaired:
        print(f"note: {case} has no Raw* baseline", file=sys.stderr)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        if not args.from_json:
            (out_dir / "micro-raw.json").write_text(json.dumps(data, indent=1) + "\n")
        summary = {
            "context": data.get("context", {}),
            "metric": f"{args.metric}_time",
            "repetitions": repetitions,
            "rows": rows,
        }
        (out_dir / "micro-latest.json").write_text(json.dumps(summary, indent=1) + "\n")
        print(f"\nresults: {out_dir / 'micro-latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
