"""Benchmark: survey estimation on each engine (pandas, Polars, DuckDB, Spark) from one Parquet file.

Generated microdata (numpy seed 20240611), written once to a Parquet file in a temporary
folder in chunks of one million rows: 64 strata, PSUs of about 12 rows, unequal weights,
5 binary indicators with 2-10 % item non-response, 32 states. Each engine runs in its own
process (so that peak memory does not mix) and does, from the file:

* ``numpy floor``: the columns read into numpy (not timed), then one ``bincount`` of the
  weighted values per (PSU, state) pair per indicator, with the pair keys already built:
  the least any implementation must do.
* ``pandas``: ``pandas.read_parquet`` of the needed columns, ``SurveyDesign`` and
  ``mean(5 indicators, by="state")`` with SE, CI, deff, n.
* ``polars``: the same design and call on ``polars.scan_parquet`` (a lazy frame).
* ``duckdb``: the same on ``duckdb.read_parquet`` (a relation; memory limit 1 GB).
* ``spark``: the same on ``spark.read.parquet`` in local mode (with ``--spark``; session
  start-up not timed).

Wall time (seconds, one run each, imports not timed: the machine is shared) and the peak resident memory of
the process above what it held before the run (``ru_maxrss``); ratios against pandas and
against the numpy floor timed in the same run.

    python benchmarks/bench_engines.py               # 10 million rows
    python benchmarks/bench_engines.py --rows 100000000 --engines duckdb polars
    python benchmarks/bench_engines.py --huge        # 100 million rows (DuckDB and Polars)
    python benchmarks/bench_engines.py --quick       # 1 million rows

Results are printed and written to ``benchmarks/results/engines.md``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "engines.md"
VARS = [f"v{i + 1}" for i in range(5)]
CHUNK = 1_000_000


def generate(path: Path, rows: int) -> None:
    """Write the microdata in chunks (memory stays at one chunk)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(20240611)
    n_psu = max(rows // 12, 128)
    writer = None
    done = 0
    while done < rows:
        n = min(CHUNK, rows - done)
        psu = rng.integers(0, n_psu, n)
        stratum = psu % 64
        cols = {"stratum": stratum, "psu": psu, "state": (stratum // 2).astype(np.int64),
                "weight": rng.uniform(50, 500, n)}
        for i, name in enumerate(VARS):
            y = (rng.random(n) < 0.1 + 0.05 * i + 0.002 * (psu % 50)).astype(np.float64)
            y[rng.random(n) < 0.02 + 0.02 * i] = np.nan
            cols[name] = y
        table = pa.table(cols)
        if writer is None:
            writer = pq.ParquetWriter(str(path), table.schema)
        writer.write_table(table)
        done += n
    assert writer is not None
    writer.close()


def _rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_one(engine: str, path: str) -> dict[str, float]:
    """One engine, in this process: wall time and peak memory above the start."""
    import pyarrow.parquet as pq

    from indicators import SurveyDesign
    from indicators.survey import _designs, _engines  # noqa: F401 - imports not timed

    cols = ["stratum", "psu", "state", "weight", *VARS]
    if engine in ("pandas", "polars", "duckdb"):
        __import__(engine)
        import narwhals  # noqa: F401
    spark = None
    if engine == "floor":
        table = pq.read_table(path, columns=cols)
        arrays = {c: table[c].to_numpy() for c in cols}
        del table
        key = arrays["psu"] * 32 + arrays["state"]
        _, pair = np.unique(key, return_inverse=True)
        start_rss = _rss()
        t0 = time.perf_counter()
        for v in VARS:
            y = np.nan_to_num(arrays[v])
            np.bincount(pair, weights=arrays["weight"] * y)
        return {"seconds": time.perf_counter() - t0, "peak": max(_rss() - start_rss, 0)}
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[2]").appName("bench")
                 .config("spark.ui.enabled", "false").getOrCreate())
    start_rss = _rss()
    t0 = time.perf_counter()
    if engine == "pandas":
        import pandas as pd

        frame = pd.read_parquet(path, columns=cols)
    elif engine == "polars":
        import polars as pl

        frame = pl.scan_parquet(path)
    elif engine == "duckdb":
        import duckdb

        con = duckdb.connect(config={"memory_limit": "1GB"})
        frame = con.read_parquet(path)
    else:
        assert spark is not None
        frame = spark.read.parquet(path)
    design = SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
    design.mean(VARS, by="state", deff=True)
    seconds = time.perf_counter() - t0
    if spark is not None:
        spark.stop()
    return {"seconds": seconds, "peak": max(_rss() - start_rss, 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--huge", action="store_true", help="100 million rows (not with --quick)")
    parser.add_argument("--quick", action="store_true", help="1 million rows")
    parser.add_argument("--spark", action="store_true", help="also time PySpark in local mode")
    parser.add_argument("--engines", nargs="+", default=None)
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # engine, path: run in this process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1])))
        return 0
    rows = 1_000_000 if args.quick else (100_000_000 if args.huge else args.rows)
    engines = args.engines or ["floor", "pandas", "polars", "duckdb"] + (["spark"] if args.spark else [])
    if rows >= 50_000_000 and args.engines is None:
        engines = ["floor", "polars", "duckdb"]  # pandas would need the whole table in memory
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.parquet"
        t0 = time.perf_counter()
        generate(path, rows)
        print(f"{rows:,} rows generated in {time.perf_counter() - t0:.1f} s "
              f"({path.stat().st_size / 2**20:.0f} MB of Parquet)", flush=True)
        for engine in engines:
            proc = subprocess.run([sys.executable, __file__, "--one", engine, str(path)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{engine}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            out[engine] = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{engine}: {out[engine]['seconds']:.2f} s, peak +{out[engine]['peak'] / 2**20:.0f} MB",
                  flush=True)
    base = out.get("pandas", {}).get("seconds")
    floor = out.get("floor", {}).get("seconds")
    lines = [f"# Engines: {rows:,} rows, SurveyDesign + mean(5 indicators) by state, from Parquet", "",
             "| engine | seconds | s per million rows | peak memory (MB) | vs pandas | vs numpy floor |",
             "|---|---:|---:|---:|---:|---:|"]
    for engine, r in out.items():
        vs_pandas = f"{r['seconds'] / base:.2f}" if base else "-"
        vs_floor = f"{r['seconds'] / floor:.1f}" if floor else "-"
        lines.append(f"| {engine} | {r['seconds']:.2f} | {r['seconds'] / rows * 1e6:.3f} | "
                     f"{r['peak'] / 2**20:.0f} | {vs_pandas} | {vs_floor} |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
