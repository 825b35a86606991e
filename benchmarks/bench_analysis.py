"""Benchmark of survey analysis: a two-group difference by state and a two-way table, against R.

On microdata generated as in ``bench_survey.py`` (64 strata, ~12 women per PSU, 32 states,
urban and rural), times in the same run:

1. ``difference(design, "v1", "area", ("U", "R"), ratio=True, within="state")``: the urban-rural
   gap (difference and ratio) of a prevalence in each of the 32 states, with SEs;
2. ``crosstab(design, "state", "age_group")``: the 32 x 6 table of cell proportions with SEs,
   and the same with every cell's indicator column made at once (the earlier way: before/after
   for memory, timed in the same run);
3. R's ``survey`` on the same file, when ``Rscript`` and the package are installed:
   ``svyby(~v1, ~state + area, svymean, covmat = TRUE)`` then ``svycontrast`` of the 32
   differences, and ``svymean(~interaction(state, age_group))``.

Reported: wall time (best of N), peak memory (tracemalloc for Python, gc() for R) and the
ratio R / library.

    python benchmarks/bench_analysis.py               # 1,000,000 rows
    python benchmarks/bench_analysis.py --quick       # 100,000 rows, one repeat
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_survey import best, generate, peak_mb  # noqa: E402

from indicators import SurveyDesign  # noqa: E402
from indicators.survey import _analysis, crosstab, difference  # noqa: E402

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d <- d[!is.na(d$v1), ]
des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)
t1 <- system.time({
  b <- svyby(~v1, ~state + area, des, svymean, covmat = TRUE)
  k <- nrow(b)
  cm <- matrix(0, nrow = k / 2, ncol = k)
  st <- sort(unique(d$state))
  for (i in seq_along(st)) {
    cm[i, which(b$state == st[i] & b$area == "U")] <- 1
    cm[i, which(b$state == st[i] & b$area == "R")] <- -1
  }
  dif <- svycontrast(b, cm)
})[["elapsed"]]
t2 <- system.time(m <- svymean(~interaction(state, age_group), des))[["elapsed"]]
mem <- sum(gc()[, 6])
cat(t1, t2, mem, "\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.repeats = 100_000, 1
    data = generate(args.rows)
    design = SurveyDesign(data, weights="weight", strata="stratum", psu="psu")

    def gap() -> object:
        return difference(design, "v1", "area", ("U", "R"), ratio=True, within="state")

    def table() -> object:
        return crosstab(design, "state", "age_group")

    def table_at_once() -> object:
        saved = _analysis._CELLS_AT_ONCE
        _analysis._CELLS_AT_ONCE = 10**9  # every cell's column in memory together
        try:
            return crosstab(design, "state", "age_group")
        finally:
            _analysis._CELLS_AT_ONCE = saved

    rows = []
    for name, func in (("difference U - R and U / R in each of 32 states", gap),
                       ("crosstab state x age group (192 cells)", table)):
        wall, _ = best(func, args.repeats)
        rows.append((name, wall, peak_mb(func)))
    before_wall, _ = best(table_at_once, args.repeats)
    before_mem = peak_mb(table_at_once)
    r_times: tuple[float, float, float] | None = None
    if shutil.which("Rscript") and not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            csv, script = Path(tmp) / "m.csv", Path(tmp) / "b.R"
            data.to_csv(csv, index=False)
            script.write_text(R_SCRIPT, encoding="utf-8")
            res = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True, check=False)
            if res.returncode == 0:
                a, b, mem = (float(x) for x in res.stdout.split())
                r_times = (a, b, mem)
    print(f"# Survey analysis benchmark ({args.rows:,} rows, best of {args.repeats})\n")
    print("| part | library (s) | peak MiB | R (s) | R / library |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for k, (name, wall, mem) in enumerate(rows):
        if r_times is None:
            print(f"| {name} | {wall:.3f} | {mem:.0f} | not run | |")
        else:
            print(f"| {name} | {wall:.3f} | {mem:.0f} | {r_times[k]:.2f} | {r_times[k] / wall:.0f} |")
    print(f"\ncrosstab, all 192 cell columns at once (before): {before_wall:.3f} s, {before_mem:.0f} MiB; "
          f"{_analysis._CELLS_AT_ONCE} at a time (now): {rows[1][1]:.3f} s, {rows[1][2]:.0f} MiB "
          f"(memory {before_mem / rows[1][2]:.1f}x smaller, time ratio before / now "
          f"{before_wall / rows[1][1]:.2f})")
    if r_times is not None:
        print(f"\nR peak memory (gc max used, whole run): {r_times[2]:.0f} MiB")


if __name__ == "__main__":
    main()
