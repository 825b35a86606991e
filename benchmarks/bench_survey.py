"""Benchmark: design-based estimation of 10 indicators by state and by state x age group.

Generated microdata (reproducible, numpy seed 20240611): 64 strata (32 states x urban/rural),
about 12 women per PSU, unequal weights, 10 binary indicators with clustering and 2-10 %
item non-response, 6 age groups. Timed, best of ``--repeats``, in one run:

* ``floor``: a bare ``numpy.bincount`` of the weighted values per (PSU, domain) pair, one per
  indicator and per ``by``, with the pair keys already computed (not timed) and the missing
  values already set to 0: the least any implementation must do. The keys are built with
  plain pandas (``pandas.factorize``), not with the library's code.
* ``floor + keys``: the same, with the building of those keys timed too (factorizing the
  strata, PSUs and domain columns and the (PSU, domain) pairs): a floor for a caller who
  starts, as the estimators do, from the raw columns. The headline ratio stays against the
  bare floor.
* ``design``: building :class:`indicators.SurveyDesign` (checks, strata and PSU codes).
* ``estimate``: ``design.mean(10 indicators, by="state")`` and ``by=["state", "age_group"]``
  on a fresh design (so domain coding is included), with SE, Wald CI, deff, cv and n.
* ``pandas group-by`` and ``Polars group-by``: the weighted means alone (no standard error,
  interval or design effect), what a user without a survey library would write: the sum of
  ``w * y`` over the sum of ``w`` on the rows where ``y`` is known, per ``by``, for the 10 indicators.
* ``svy``: the Python ``svy`` package (when installed; skipped otherwise): ``Sample(data,
  Design(stratum, psu, wgt)).estimation.mean(10 indicators, by=...)`` on a Polars frame made
  beforehand, without design effects (its fastest route), on files of at most ``--svy-max-rows``.
* ``R svyby``: ``svyby(~v1+...+v10, ~state, des, svymean, na.rm=TRUE, deff=TRUE)`` and the
  same by ``~state+age_group`` (R's fastest route: one call for all ten; with ``na.rm`` R
  drops a row missing any of the ten from all of them), timed inside R without reading the
  file, when ``Rscript`` and the ``survey`` package are installed (skipped otherwise), on
  files of at most ``--r-max-rows`` rows.

Times are the best of ``--repeats`` in wall-clock seconds, with the CPU time of the same
process beside them (the machine is shared: CPU time is the steadier figure). Peak memory
is measured in a second pass of each Python part with ``tracemalloc`` (numpy reports its
buffers to it), and for R with ``gc()``'s "max used".

    python benchmarks/bench_survey.py                 # 1 million and 10 million rows
    python benchmarks/bench_survey.py --rows 1000000
    python benchmarks/bench_survey.py --quick         # 200,000 rows, one repeat, no R, no svy

Results are printed and written to ``benchmarks/results/survey.md``.
"""

from __future__ import annotations

import argparse
import gc
import shutil
import subprocess
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators import SurveyDesign

N_STATES = 32
N_INDICATORS = 10
AGE_GROUPS = np.array(["15-19", "20-29", "30-39", "40-49", "50-59", "60+"])
VARS = [f"v{i + 1}" for i in range(N_INDICATORS)]
RESULTS = Path(__file__).parent / "results" / "survey.md"
FLOOR = "floor: bincount per indicator and by"
ESTIMATE = "design + mean(10 indicators) by state and by state x age"
PANDAS = "pandas group-by: weighted means only (no SE, CI, deff)"
POLARS = "Polars group-by: weighted means only (no SE, CI, deff)"
SVY = "svy: Sample + mean(10 indicators) by state and by state x age (SE, CI; no deff)"


def generate(rows: int, seed: int = 20240611) -> pd.DataFrame:
    """Survey-shaped microdata: 64 strata, ~12 women per PSU, 10 binary indicators."""
    rng = np.random.default_rng(seed)
    n_psu = max(rows // 12, 128)
    # PSUs spread over 64 strata unevenly (at least 2 per stratum).
    share = rng.dirichlet(np.full(64, 4.0))
    per_stratum = np.maximum(2, np.round(share * n_psu).astype(int))
    psu_stratum = np.repeat(np.arange(64), per_stratum)
    n_psu = len(psu_stratum)
    psu = np.sort(rng.integers(0, n_psu, rows))
    psu[:n_psu] = np.arange(n_psu)  # every PSU has at least one woman
    psu.sort()
    stratum = psu_stratum[psu]
    state = stratum // 2 + 1
    area = np.where(stratum % 2 == 0, "U", "R")
    base_w = rng.uniform(200, 900, 64)[stratum]
    weight = np.round(base_w * rng.lognormal(0, 0.3, rows), 4)
    age_group = AGE_GROUPS[rng.integers(0, 6, rows)]
    data: dict[str, Any] = {"stratum": stratum, "psu": psu, "weight": weight, "state": state,
                            "area": area, "age_group": age_group}
    for i, name in enumerate(VARS):
        p_psu = np.clip(rng.beta(2, 6, n_psu) + 0.02 * i, 0, 1)[psu]
        y = (rng.random(rows) < p_psu).astype(np.float64)
        y[rng.random(rows) < 0.02 + 0.008 * i] = np.nan
        data[name] = y
    return pd.DataFrame(data)


def best(func: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        func()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return min(walls), min(cpus)


def peak_mb(func: Callable[[], Any]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


BYS: list[list[str]] = [["state"], ["state", "age_group"]]


def combined(columns: list[Any]) -> tuple[np.ndarray, int]:
    """Codes of the combinations of ``columns``: factorize each, combine the integer codes
    arithmetically, factorize the result (plain pandas, no sorting)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for col in columns:
        codes, uniques = pd.factorize(col)
        key = key * len(uniques) + codes
    codes, uniques = pd.factorize(key)
    return codes, len(uniques)


def pair_keys(data: pd.DataFrame) -> list[tuple[np.ndarray, int]]:
    """(PSU, domain) pair codes for each ``by``."""
    psu, _ = combined([data["stratum"], data["psu"]])
    return [combined([psu] + [data[c] for c in by]) for by in BYS]


def run_python(data: pd.DataFrame, repeats: int) -> dict[str, tuple[float, float, float]]:
    # The floor: keys computed beforehand, then one bincount per indicator and by.
    w = data["weight"].to_numpy()
    values = [np.nan_to_num(data[v].to_numpy()) for v in VARS]
    pairs = pair_keys(data)

    def floor() -> None:
        for pair, n_pairs in pairs:
            for y in values:
                np.bincount(pair, weights=w * y, minlength=n_pairs)

    def floor_keys() -> None:
        for pair, n_pairs in pair_keys(data):
            for y in values:
                np.bincount(pair, weights=w * y, minlength=n_pairs)

    def design() -> SurveyDesign:
        return SurveyDesign(data, weights="weight", strata="stratum", psu="psu")

    built = design()

    def estimate() -> None:
        d = design()
        for by in BYS:
            d.mean(VARS, by=by)

    def pandas_means() -> None:
        weight = data["weight"]
        for by in BYS:
            known = data[VARS].notna()
            parts = {f"{v}:wy": (weight * data[v]).where(known[v], 0.0) for v in VARS}
            parts.update({f"{v}:w": weight.where(known[v], 0.0) for v in VARS})
            sums = pd.DataFrame(parts).groupby([data[c] for c in by], sort=False).sum()
            pd.DataFrame({v: sums[f"{v}:wy"] / sums[f"{v}:w"] for v in VARS})

    out = {}
    for name, func in ((FLOOR, floor),
                       ("floor + keys (pandas factorize, then the bincounts)", floor_keys),
                       ("SurveyDesign(...) (build and check)", design),
                       (ESTIMATE, estimate),
                       (PANDAS, pandas_means)):
        out[name] = (*best(func, repeats), peak_mb(func))
    polars_means = _polars_means(data)
    if polars_means is not None:
        out[POLARS] = (*best(polars_means, repeats), peak_mb(polars_means))
    # Sanity: the estimator gives the floor's sums.
    est = built.mean(VARS[0], by="state").to_frame()
    assert len(est) == N_STATES
    return out


def _polars_means(data: pd.DataFrame) -> Callable[[], Any] | None:
    """The weighted means with Polars (lazy, one group-by per ``by``), or ``None`` without Polars."""
    try:
        import polars as pl
    except ImportError:
        return None
    frame = pl.from_pandas(data)

    def run() -> None:
        for by in BYS:
            frame.lazy().group_by(by).agg(
                [((pl.col(v) * pl.col("weight")).sum() / pl.col("weight").filter(pl.col(v).is_not_null()).sum())
                 .alias(v) for v in VARS]).collect()

    return run


def run_svy(data: pd.DataFrame, repeats: int) -> tuple[float, float, float] | str:
    """The ``svy`` package on the same data: best time, CPU time and peak memory, or why not."""
    try:
        import polars as pl
        import svy
    except ImportError:
        return "not installed (pip install svy)"
    frame = pl.from_pandas(data)

    def run() -> None:
        sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
        for by in BYS:
            sample.estimation.mean(VARS, by=by if len(by) > 1 else by[0], drop_nulls=True)

    # the same figures as indicators' (a check that both estimate the same thing)
    sample = svy.Sample(frame, svy.Design(stratum="stratum", psu="psu", wgt="weight"))
    theirs = sample.estimation.mean(VARS[0], by="state", drop_nulls=True).to_polars().to_pandas()
    ours = SurveyDesign(data, weights="weight", strata="stratum", psu="psu").mean(VARS[0], by="state").to_frame()
    both = ours.merge(theirs, on="state", suffixes=("", "_svy"))
    if not (np.allclose(both["estimate"], both["est"], rtol=1e-9) and np.allclose(both["se"], both["se_svy"],
                                                                                   rtol=1e-6)):
        return "disagrees with indicators (not timed)"
    return (*best(run, repeats), peak_mb(run))


R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
invisible(gc(reset = TRUE))
t_design <- system.time(des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight,
                                        nest = TRUE, data = d))[["elapsed"]]
f <- as.formula(paste("~", paste(sprintf("v%d", 1:10), collapse = "+")))
t_by <- system.time({
  a <- svyby(f, ~state, des, svymean, na.rm = TRUE, deff = TRUE)
  b <- svyby(f, ~state + age_group, des, svymean, na.rm = TRUE, deff = TRUE)
})[["elapsed"]]
g <- gc()
cat(sprintf("%.3f %.3f %.1f\n", t_design, t_by, sum(g[, ncol(g)])))
"""


def r_available() -> bool:
    if not shutil.which("Rscript"):
        return False
    check = subprocess.run(["Rscript", "-e", "quit(status = !requireNamespace('survey', quietly = TRUE))"],
                           capture_output=True, check=False)
    return check.returncode == 0


def run_r(data: pd.DataFrame, timeout: float) -> tuple[float, float, float] | str:
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "micro.csv"
        script = Path(tmp) / "bench.R"
        data.to_csv(csv, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        try:
            res = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True,
                                 timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return f"did not finish in {timeout:.0f} s"
        if res.returncode != 0:
            return "failed: " + res.stderr.strip().splitlines()[-1]
        t_design, t_by, mem = (float(x) for x in res.stdout.split())
        return t_design, t_by, mem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200,000 rows, one repeat, no R")
    parser.add_argument("--r-max-rows", type=int, default=1_000_000,
                        help="run R only on files up to this many rows (default 1,000,000)")
    parser.add_argument("--r-timeout", type=float, default=1800)
    parser.add_argument("--svy-max-rows", type=int, default=1_000_000,
                        help="run svy only on files up to this many rows (default 1,000,000)")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats, args.r_max_rows, args.svy_max_rows = [200_000], 1, 0, 0
    have_r = r_available()
    lines = ["# Survey estimation benchmark", "",
             ("10 binary indicators, means with SE, Wald CI, deff, cv and n, by state (32 domains) "
              "and by state x age group (192 domains); 64 strata, ~12 women per PSU. Best of "
              f"{args.repeats} (wall clock, and CPU time of the process); peak memory from "
              "tracemalloc (Python) or gc() max used (R)."), ""]
    if not have_r:
        lines.append("R's svyby: skipped (Rscript or the survey package is not installed).")
        lines.append("")
    for rows in args.rows:
        data = generate(rows)
        n_psu = data.groupby(["stratum", "psu"]).ngroups
        lines += [f"## {rows:,} rows ({n_psu:,} PSUs)", "",
                  "| part | time (s) | x floor | CPU time (s) | x floor (CPU) | peak memory (MiB) |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        results = run_python(data, args.repeats)
        floor_t, floor_c, _ = results[FLOOR]
        ours, ours_c = results[ESTIMATE][:2]
        notes: list[str] = []
        for name, (t, c, mem) in results.items():
            traced = "not traced (Rust)" if name == POLARS else f"{mem:.0f}"
            lines.append(f"| {name} | {t:.3f} | {t / floor_t:.1f} | {c:.3f} | {c / floor_c:.1f} | {traced} |")
        for name in (PANDAS, POLARS):
            if name in results:
                notes.append(f"- {name.split(':')[0]} / indicators: {results[name][0] / ours:.2f} (wall), "
                             f"{results[name][1] / ours_c:.2f} (CPU): their point estimates alone against "
                             "indicators' full estimates")
        if args.svy_max_rows and rows <= args.svy_max_rows:
            theirs = run_svy(data, args.repeats)
            if isinstance(theirs, str):
                lines.append(f"| {SVY} | {theirs} | | | | |")
            else:
                t, c, _mem = theirs
                lines.append(f"| {SVY} | {t:.3f} | {t / floor_t:.1f} | {c:.3f} | {c / floor_c:.1f} "
                             "| not traced (Rust) |")
                notes.append(f"- svy / indicators: {t / ours:.0f} (wall), {c / ours_c:.0f} (CPU)")
        else:
            lines.append(f"| {SVY} | not run (more than --svy-max-rows={args.svy_max_rows:,} rows) | | | | |")
        if have_r and rows <= args.r_max_rows:
            r = run_r(data, args.r_timeout)
            if isinstance(r, str):
                lines.append(f"| R svyby | {r} | | | | |")
            else:
                t_design, t_by, mem = r
                lines.append(f"| R svydesign | {t_design:.3f} | {t_design / floor_t:.1f} | | "
                             f"| {mem:.0f} (R, whole run) |")
                lines.append(f"| R svyby x2 (10 indicators each) | {t_by:.3f} | {t_by / floor_t:.1f} "
                             "| | | |")
                notes.append(f"- R / indicators: {(t_design + t_by) / ours:.0f} (svydesign + both svyby "
                             "calls against SurveyDesign + both estimates, wall clock)")
        elif have_r:
            lines.append(f"| R svyby | not run (more than --r-max-rows={args.r_max_rows:,} rows) | | | | |")
        lines += ["", *notes]
        lines.append("")
        del data
        gc.collect()
        print("\n".join(lines), flush=True)
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
