"""Benchmark of start-up cost: ``import indicators`` and ``indicators --help``.

Every call of the command line and every script pays the import. Each command runs in a
fresh interpreter, interleaved with the baseline ``python -c "import pandas"`` so that
both see the same machine load; the median of the paired ratios is reported with each
side's median wall time and peak resident memory (``ru_maxrss`` of the child).

Run:  python benchmarks/bench_import.py [--quick] [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

COMMANDS: dict[str, str] = {
    "import pandas (baseline)": "import pandas",
    "import indicators": "import indicators",
    "indicators --help": (
        "from indicators.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"),
    "import indicators + load_catalog": "import indicators as ind\nind.load_catalog('mesecvi')",
}
#: Appended to each command: the child reports its own peak resident memory (KiB on Linux).
_PEAK = "\nimport resource, sys\nsys.stderr.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))"


def run_once(code: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one fresh interpreter running ``code``."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code + _PEAK], check=True, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, env=os.environ.copy())
    wall = time.perf_counter() - start
    return wall, int(proc.stderr.strip().splitlines()[-1]) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args(argv)
    repeat = 3 if args.quick else args.repeat
    names = list(COMMANDS)
    times: dict[str, list[float]] = {n: [] for n in names}
    peaks: dict[str, float] = {n: 0.0 for n in names}
    for name in names:  # warm the file cache once
        run_once(COMMANDS[name])
    for _ in range(repeat):
        for name in names:  # interleaved: every command sees the same load
            wall, peak = run_once(COMMANDS[name])
            times[name].append(wall)
            peaks[name] = max(peaks[name], peak)
    base = times[names[0]]
    print(f"{'command':36} {'median s':>9} {'ratio':>7} {'peak MiB':>9}")
    for name in names:
        ratio = statistics.median(t / b for t, b in zip(times[name], base, strict=True))
        print(f"{name:36} {statistics.median(times[name]):9.3f} {ratio:7.2f} {peaks[name]:9.0f}")
    print(f"(median of {repeat} paired runs; ratio = command / `import pandas` in the same round)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
