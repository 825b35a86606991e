"""Benchmark: raking on three margins and a bootstrap of 500 replicates, against R.

Generated microdata as ``bench_survey.py`` (64 strata, ~12 women per PSU; numpy seed
20240611). Timed in one run, on the same file:

* ``rake``: ``design.rake(["state", "area", "age_group"], totals)`` (32 + 2 + 6 categories,
  R's defaults: at most 10 sweeps, epsilon 1) followed by ``mean(v1, by="state")`` (the
  variance through the raking projections), against R's ``rake(des, list(~state, ~area,
  ~age_group), ...)`` and ``svyby(~v1, ~state, ..., svymean, na.rm=TRUE)``;
* ``bootstrap``: ``design.as_replicate("bootstrap", replicates=500, seed=1)`` followed by
  ``mean(v1, by="state")``, against R's ``as.svrepdesign(des, type="bootstrap",
  replicates=500)`` and the same ``svyby``.

R is timed inside R (``system.time``), without reading the file; R's peak memory is
``gc()``'s "max used" over the run. Python's peak memory is from ``tracemalloc`` in a
second pass of each part. Ratios are R / Python (above 1: the library is faster).

    python benchmarks/bench_survey_designs.py                 # 1,000,000 rows
    python benchmarks/bench_survey_designs.py --quick         # 100,000 rows, no R

Results are printed and written to ``benchmarks/results/survey_designs.md``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from bench_survey import best, generate, peak_mb

from indicators import SurveyDesign

RESULTS = Path(__file__).parent / "results" / "survey_designs.md"
MARGINS = ["state", "area", "age_group"]

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE)
pop <- read.csv(args[2], stringsAsFactors = FALSE)
d$state <- factor(d$state)
m <- function(v) {
  p <- pop[pop$variable == v, ]; out <- data.frame(p$category, p$total); names(out) <- c(v, "Freq"); out
}
invisible(gc(reset = TRUE))
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
t_rake <- system.time({
  r <- rake(des, list(~state, ~area, ~age_group), list(m("state"), m("area"), m("age_group")))
  b <- svyby(~v1, ~state, r, svymean, na.rm = TRUE)
})[["elapsed"]]
set.seed(1)
t_boot <- system.time({
  rd <- as.svrepdesign(des, type = "bootstrap", replicates = 500)
  b <- svyby(~v1, ~state, rd, svymean, na.rm = TRUE)
})[["elapsed"]]
g <- gc()
cat(t_rake, t_boot, sum(g[, ncol(g)]), "\n")
"""


def totals(data: pd.DataFrame) -> pd.DataFrame:
    """Population totals: the weighted counts times a factor per category, one row each."""
    rows = []
    grand = data["weight"].sum() * 1.05
    for var in MARGINS:
        sums = data.groupby(var)["weight"].sum()
        factor = 1 + 0.1 * np.sin(np.arange(len(sums)))
        adjusted = sums.to_numpy() * factor
        adjusted *= grand / adjusted.sum()
        rows += [{"variable": var, "category": str(k), "total": t} for k, t in zip(sums.index, adjusted)]
    return pd.DataFrame(rows)


def run_r(data: pd.DataFrame, pop: pd.DataFrame, timeout: float) -> tuple[float, float, float] | str:
    with tempfile.TemporaryDirectory() as tmp:
        csv, popcsv, script = Path(tmp) / "micro.csv", Path(tmp) / "pop.csv", Path(tmp) / "b.R"
        data.to_csv(csv, index=False)
        pop.to_csv(popcsv, index=False)
        script.write_text(R_SCRIPT, encoding="utf-8")
        try:
            res = subprocess.run(["Rscript", str(script), str(csv), str(popcsv)], capture_output=True,
                                 text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return f"did not finish in {timeout:.0f} s"
        if res.returncode != 0:
            return "failed: " + (res.stderr.strip().splitlines() or ["?"])[-1]
        a, b, mem = (float(x) for x in res.stdout.split())
        return a, b, mem


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="100,000 rows, one repeat, no R")
    parser.add_argument("--r-timeout", type=float, default=3600)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats = 100_000, 1
    data = generate(args.rows)
    pop = totals(data)
    design = SurveyDesign(data, weights="weight", strata="stratum", psu="psu")

    def rake() -> None:
        design.rake(MARGINS, pop).mean("v1", by="state")

    def boot() -> None:
        design.as_replicate("bootstrap", replicates=500, seed=1).mean("v1", by="state")

    parts = {"rake (3 margins) + mean by state": rake, "bootstrap 500 replicates + mean by state": boot}
    timed = {name: (*best(fn, args.repeats), peak_mb(fn)) for name, fn in parts.items()}
    n_psu = data.groupby(["stratum", "psu"]).ngroups
    intro = (f"{args.rows:,} rows, {n_psu:,} PSUs, 64 strata. Best of {args.repeats} (wall clock and "
             "CPU time); peak memory from tracemalloc (Python) or gc() max used (R, whole run).")
    lines = ["# Survey designs benchmark", "", intro, "",
             "| part | time (s) | CPU (s) | peak memory (MiB) | R time (s) | R / indicators |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    r: tuple[float, float, float] | str = "not run (--quick)"
    if not args.quick:
        have_r = shutil.which("Rscript") is not None
        r = run_r(data, pop, args.r_timeout) if have_r else "Rscript not installed"
    for i, (name, (t, c, mem)) in enumerate(timed.items()):
        if isinstance(r, str):
            lines.append(f"| {name} | {t:.3f} | {c:.3f} | {mem:.0f} | {r} | |")
        else:
            lines.append(f"| {name} | {t:.3f} | {c:.3f} | {mem:.0f} | {r[i]:.3f} | {r[i] / t:.1f} |")
    if not isinstance(r, str):
        lines += ["", f"R's peak memory over its whole run (gc max used): {r[2]:.0f} MiB."]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
