"""Benchmark: survey estimation on each engine (pandas, Polars, DuckDB, Spark) from one Parquet file.

Generated microdata (numpy seed 20240611), written once to a Parquet file in a temporary
folder (or ``--data``) in row groups of one million rows: 64 strata, PSUs of about 12 rows,
unequal weights, 5 binary indicators with 2-10 % item non-response, 32 states. Each engine
runs in its own child process (so that peak memory does not mix) and does, from the file:

* ``numpy floor``: one ``bincount`` of the weighted values per (PSU, state) pair per
  indicator, the least any implementation must do; the columns are read into numpy and the
  pair keys built beforehand (not timed; the (PSU, state) pair is the PSU, since a PSU lies
  in one state), one indicator column in memory at a time.
* ``pandas``: the in-memory path: ``pandas.read_parquet`` of the needed columns (not timed,
  as for the floor), then ``SurveyDesign`` and ``mean(5 indicators, by="state")`` with SE,
  CI, deff, n.
* ``polars``: the same design and call on ``polars.scan_parquet`` (a lazy frame).
* ``duckdb``: the same on ``duckdb.read_parquet`` (a relation; memory limit 1 GB).
* ``spark``: the same on ``spark.read.parquet`` in local mode (with ``--spark``; session
  start-up not timed).

Wall time (seconds, one run each, imports not timed: the machine is shared) and the peak
resident memory of each child process as a whole (``ru_maxrss`` from ``wait4``: the
interpreter, the libraries, the data and the work); ratios against pandas at the same size
and against the numpy floor timed in the same run; time per million rows as the rows grow.

    python benchmarks/bench_engines.py               # 10 million rows
    python benchmarks/bench_engines.py --rows 100000000 --engines duckdb polars
    python benchmarks/bench_engines.py --huge        # 10 and 100 million rows (a few GB of disk)
    python benchmarks/bench_engines.py --quick       # 1 million rows

``--data FOLDER`` keeps the generated files there (and reuses them). Results are printed
and written to ``benchmarks/results/engines.md``.
"""

from __future__ import annotations

import argparse
import json
import os
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


def _floor(path: str) -> dict[str, float]:
    """The bincounts on whole columns in memory (reading and keys not timed), one indicator
    column read at a time so that memory stays at three columns."""
    import pyarrow.parquet as pq

    def column(name: str) -> np.ndarray:
        return pq.read_table(path, columns=[name]).column(0).to_numpy()

    psu, weight = column("psu"), column("weight")
    n_psu = int(psu.max()) + 1
    seconds = cpu = 0.0
    for v in VARS:
        values = column(v)
        t0, c0 = time.perf_counter(), time.process_time()
        y = np.nan_to_num(values)
        np.bincount(psu, weights=weight * y, minlength=n_psu)
        seconds += time.perf_counter() - t0
        cpu += time.process_time() - c0
        del values, y
    return {"seconds": seconds, "cpu": cpu}


def run_one(engine: str, path: str) -> dict[str, float]:
    """One engine, in this process: its wall time (the peak memory is read by the parent)."""
    from indicators import SurveyDesign
    from indicators.survey import _designs, _engines  # noqa: F401 - imports not timed

    cols = ["stratum", "psu", "state", "weight", *VARS]
    if engine in ("pandas", "polars", "duckdb"):
        __import__(engine)
        import narwhals  # noqa: F401
    if engine == "floor":
        return _floor(path)
    spark = None
    if engine == "spark":
        from pyspark.sql import SparkSession

        spark = (SparkSession.builder.master("local[2]").appName("bench")
                 .config("spark.ui.enabled", "false").config("spark.driver.memory", "4g").getOrCreate())
    extra: dict[str, float] = {}
    if engine == "pandas":
        import pandas as pd

        t0 = time.perf_counter()
        frame = pd.read_parquet(path, columns=cols)
        extra["read_seconds"] = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    if engine == "polars":
        import polars as pl

        frame = pl.scan_parquet(path)
    elif engine == "duckdb":
        import duckdb

        con = duckdb.connect(config={"memory_limit": "1GB"})
        frame = con.read_parquet(path)
    elif engine == "spark":
        assert spark is not None
        frame = spark.read.parquet(path)
    design = SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
    design.mean(VARS, by="state", deff=True)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if spark is not None:
        spark.stop()
    return {"seconds": seconds, "cpu": cpu, **extra}


def _child(engine: str, path: Path) -> dict[str, float] | None:
    """Run one engine in a child process; its result and its peak resident memory."""
    with tempfile.TemporaryFile("w+") as log:
        proc = subprocess.Popen([sys.executable, __file__, "--one", engine, str(path)],
                                stdout=subprocess.PIPE, stderr=log, text=True)
        out = proc.stdout.read()  # type: ignore[union-attr]
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            log.seek(0)
            print(f"{engine}: failed\n{log.read()[-2000:]}", file=sys.stderr)
            return None
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result["peak"] = usage.ru_maxrss * 1024
    return result


def _dataset(folder: Path, rows: int) -> Path:
    path = folder / f"survey_{rows}.parquet"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path.with_suffix(".part"), rows)
        path.with_suffix(".part").rename(path)
        print(f"{rows:,} rows generated in {time.perf_counter() - t0:.1f} s "
              f"({path.stat().st_size / 2**20:.0f} MB of Parquet)", flush=True)
    return path


def _table(out: dict[int, dict[str, dict[str, float]]]) -> str:
    first = min(out)
    lines = ["# Engines: SurveyDesign (64 strata, PSUs of 12 rows) + mean(5 binary indicators, by 32 states) "
             "with SE, CI, deff, n, from one Parquet file", "",
             "| rows | engine | seconds | CPU seconds | s per million rows | peak RSS (MiB) | vs pandas at "
             f"{first:,} | vs numpy floor | vs floor (CPU) |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    base = out[first].get("pandas", {}).get("seconds")
    for rows, results in out.items():
        floor = results.get("floor", {}).get("seconds")
        floor_cpu = results.get("floor", {}).get("cpu")
        for engine, r in results.items():
            vs_pandas = f"{r['seconds'] / base:.2f}" if base and rows == first else "-"
            vs_floor = f"{r['seconds'] / floor:.1f}" if floor else "-"
            vs_cpu = f"{r['cpu'] / floor_cpu:.1f}" if floor_cpu else "-"
            name = engine + (" (in memory; read {:.1f} s)".format(r["read_seconds"]) if "read_seconds" in r else "")
            lines.append(f"| {rows:,} | {name} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
                         f"{r['seconds'] / rows * 1e6:.3f} | {r['peak'] / 2**20:.0f} | {vs_pandas} | {vs_floor} | "
                         f"{vs_cpu} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000_000])
    parser.add_argument("--huge", action="store_true", help="10 and 100 million rows (not with --quick)")
    parser.add_argument("--quick", action="store_true", help="1 million rows")
    parser.add_argument("--spark", action="store_true", help="also time PySpark in local mode")
    parser.add_argument("--engines", nargs="+", default=None)
    parser.add_argument("--data", type=Path, default=None, help="keep (and reuse) the generated files here")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # engine, path: run in this process
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one[0], args.one[1])))
        return 0
    sizes = [1_000_000] if args.quick else ([10_000_000, 100_000_000] if args.huge else args.rows)
    out: dict[int, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in sizes:
            engines = args.engines or ["floor", "pandas", "polars", "duckdb"] + (["spark"] if args.spark else [])
            if rows >= 50_000_000 and args.engines is None:
                engines = [e for e in engines if e != "pandas"]  # pandas would need the whole table in memory
            path = _dataset(folder, rows)
            out[rows] = {}
            for engine in engines:
                result = _child(engine, path)
                if result is None:
                    continue
                out[rows][engine] = result
                print(f"{rows:,} {engine}: {result['seconds']:.2f} s, peak RSS {result['peak'] / 2**20:.0f} MiB",
                      flush=True)
    text = _table(out)
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
