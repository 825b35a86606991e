"""Run every benchmark in this folder and collect their reports.

Each ``bench_*.py`` times the library against a baseline in the same run (pandas,
Polars, numpy's bincount, the bare pandera schema, matplotlib alone, R's survey and the
svy package when installed) and prints
time, peak memory and the ratio. This script runs them one after another, each in
its own process so that peak-memory figures do not mix, and writes
``benchmarks/results/summary.md``.

Usage::

    python benchmarks/run.py            # full sizes (minutes)
    python benchmarks/run.py --quick    # small sizes (seconds), for a smoke run
    python benchmarks/run.py read survey
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmarks to run (read, survey, scores, reports, ...); default all")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in args.names]
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    lines = ["# Benchmark summary", ""]
    status = 0
    for script in scripts:
        cmd = [sys.executable, str(script)] + (["--quick"] if args.quick else [])
        print(f"== {script.name} {'(quick)' if args.quick else ''}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        print(proc.stdout, end="")
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr, end="")
            status = 1
        lines += [f"## {script.stem} ({elapsed:.0f} s, exit {proc.returncode})", "",
                  "```", proc.stdout.rstrip(), "```", ""]
    (results / "summary.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written {results / 'summary.md'}")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
