"""Benchmark: ``indicators.read`` with detection on vs ``pandas.read_csv`` told the answers.

The file is a 1,000,000-row, 20-column CSV as Excel writes it in a Spanish locale:
cp1252, ``;``, CRLF, decimal comma with thousands dots, accented text (some of it
quoted because it holds a ``;``), dates, codes with leading zeros and empty cells.

``indicators.read(path)`` gets no option: it detects the encoding, delimiter, decimal
and thousands marks and the code columns, checks every number against the file's
convention and numbers every row by its line. The baseline is ``pandas.read_csv`` given
``sep``, ``decimal``, ``thousands``, ``encoding`` and the code columns' ``dtype`` by hand.

Each read runs in its own child process (so peak memory is its own; the figure is the
growth of the peak resident set, reset before the read, over the resident set after
imports), the two sides
alternate, and the best of ``--repeat`` runs is kept. Prints time, peak memory and the
ratio indicators / pandas; also checks that both give the same table.

Usage::

    python benchmarks/bench_read.py                 # 1,000,000 rows
    python benchmarks/bench_read.py --rows 200000
    python benchmarks/bench_read.py --quick         # 100,000 rows
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
CODES = [f"codigo_{i}" for i in range(3)]


def spanish(values: object, decimals: int) -> object:
    """Format numbers as Excel does in Spanish: 1.234.567,89."""
    import pandas as pd

    s = pd.Series(values).map(lambda v: "" if math.isnan(v) else f"{v:,.{decimals}f}")
    return s.str.replace(",", "_", regex=False).str.replace(".", ",", regex=False).str.replace(
        "_", ".", regex=False)


def generate(path: Path, rows: int, seed: int = 20240611) -> None:
    """Write the benchmark file (deterministic for a given size and seed)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    places = np.array(["Ñuble", "Peñalolén", "Asunción", "Bogotá", "São Paulo", "Ciudad de México",
                       "Mérida", "Cusco", "Quibdó", "Región del Biobío; sur", "Concepción",
                       "Puerto Príncipe"])
    cols: dict[str, object] = {}
    for i in range(4):
        cols[f"entero_{i}"] = rng.integers(0, 5000, rows)
    cols["poblacion"] = spanish(rng.integers(0, 5_000_000, rows).astype(float), 0)
    for i in range(5):
        x = np.round(rng.normal(1000, 8000, rows), 2)
        if i == 4:
            x[rng.random(rows) < 0.05] = np.nan  # empty cells
        cols[f"decimal_{i}"] = spanish(x, 2)
    for i in range(4):
        cols[f"texto_{i}"] = places[rng.integers(0, len(places), rows)]
    for i in range(3):
        days = pd.to_timedelta(rng.integers(0, 1500, rows), unit="D")
        cols[f"fecha_{i}"] = (pd.Timestamp("2020-01-01") + days).strftime("%d/%m/%Y")
    for name in CODES:
        cols[name] = pd.Series(rng.integers(0, 100_000, rows)).map("{:06d}".format)
    frame = pd.DataFrame(cols)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    frame.to_csv(tmp, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")
    tmp.replace(path)


def child(side: str, path: str) -> None:
    """Read once and print seconds and peak memory growth (MiB) as JSON."""
    import resource

    import pandas as pd

    import indicators
    import indicators.io._delimited  # module imports are one-time costs, excluded on both sides

    def status(key: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return float(line.split()[1]) / 1024  # MiB
        return float("nan")

    try:  # reset the high-water mark so the peak is this read's (Linux)
        Path("/proc/self/clear_refs").write_text("5")
        before = status("VmRSS")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    if side == "pandas":
        df = pd.read_csv(path, sep=";", decimal=",", thousands=".", encoding="cp1252",
                         dtype={c: str for c in CODES})
    else:
        df = indicators.read(path)
    seconds = time.perf_counter() - start
    after = status("VmHWM")
    if math.isnan(after):
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"side": side, "seconds": seconds, "peak_mib": after - before,
                      "rows": len(df), "columns": df.shape[1]}))


def run_child(side: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", side, str(path)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def same_table(path: Path) -> str:
    import pandas as pd

    import indicators

    ours = indicators.read(path)
    theirs = pd.read_csv(path, sep=";", decimal=",", thousands=".", encoding="cp1252",
                         dtype={c: str for c in CODES})
    p = ours.attrs["provenance"]
    detected = (p.encoding, p.delimiter, p.decimal, p.thousands)
    assert detected == ("cp1252", ";", ",", "."), detected
    assert ours.index[0] == 2 and ours.index[-1] == len(ours) + 1
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs)
    return f"same table: yes ({len(ours):,} rows; detected encoding, delimiter, decimal, thousands = {detected})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    rows = 100_000 if args.quick else args.rows
    path = DATA / f"read_es_{rows}.csv"
    if not path.exists():
        start = time.perf_counter()
        generate(path, rows)
        print(f"generated {path.name} in {time.perf_counter() - start:.1f} s")
    size = path.stat().st_size / 2**20
    print(f"file: {rows:,} rows x 20 columns, {size:.0f} MiB, cp1252, ';', decimal comma, thousands dot")
    print(f"python {platform.python_version()}, {platform.machine()}")
    results: dict[str, list[dict[str, float]]] = {"pandas": [], "indicators": []}
    for _ in range(args.repeat):
        for side in ("pandas", "indicators"):
            results[side].append(run_child(side, path))
    best = {side: min(r["seconds"] for r in runs) for side, runs in results.items()}
    peak = {side: min(r["peak_mib"] for r in runs) for side, runs in results.items()}
    print(f"{'':12s} {'best s':>8s} {'all runs (s)':>28s} {'peak MiB':>9s}")
    for side, runs in results.items():
        all_runs = ", ".join(f"{r['seconds']:.2f}" for r in runs)
        print(f"{side:12s} {best[side]:8.2f} {all_runs:>28s} {peak[side]:9.0f}")
    ratio = best["indicators"] / best["pandas"]
    pairs = sorted(a["seconds"] / b["seconds"] for a, b in zip(results["indicators"], results["pandas"]))
    print(f"ratio time indicators/pandas: {ratio:.2f} best vs best (aim <= 1.3); "
          f"median of paired runs {pairs[len(pairs) // 2]:.2f}")
    print(f"ratio peak memory indicators/pandas: {peak['indicators'] / max(peak['pandas'], 1e-9):.2f}")
    print(same_table(path))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
