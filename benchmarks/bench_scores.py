"""Benchmark of indicators.score: 35 countries x 10 years x the MESECVI catalog, 1,000 draws.

Generates a values table (yes/no and category indicators drawn at random, continuous ones
uniform between their goalposts, a standard error of 5 % of the goalpost range on every
outcome indicator), then times, with the peak memory traced by tracemalloc:

1. ``score(values, "mesecvi", draws=N)``: normalisation, aggregation, coverage, N Monte
   Carlo draws, score and rank intervals;
2. the same with ``method_uncertainty=True`` (Saltelli: N * (k + 2) runs), unless --quick;
3. the baseline: a plain pandas group-by mean of the same normalised table (indicator
   scores averaged per country, year and area), in the same run.

With ``--scale`` it times draws at scale instead: 10,000 draws for 350 countries and one year
(sampling uncertainty only), its CPU and wall time (an untraced run) and peak memory (a second
run under tracemalloc), against the point scores of the same table (draws=0) in the same run.

Run:  python benchmarks/bench_scores.py [--quick] [--draws 1000] [--countries 35] [--years 10]
      python benchmarks/bench_scores.py --scale [--draws 10000] [--countries 350]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from indicators import load_catalog, score
from indicators.scores import load_index_spec
from indicators.scores._plan import build_plan


def make_values(countries: int, years: int, seed: int = 1) -> pd.DataFrame:
    """A synthetic values table for the scored MESECVI indicators."""
    rng = np.random.default_rng(seed)
    cat = load_catalog("mesecvi")
    plan = build_plan(load_index_spec("mesecvi"), cat)
    codes = [f"C{k:02d}" for k in range(countries)]
    rows: list[dict[str, Any]] = []
    for p in plan.indicators:
        ind = cat[p.id]
        n = countries * years
        country = np.repeat(codes, years)
        year = np.tile(np.arange(2015, 2015 + years), countries)
        se: np.ndarray | float = np.nan
        if p.method == "binary":
            value: Any = rng.integers(0, 2, n)
        elif p.method == "categories":
            assert p.points is not None
            value = rng.choice(list(p.points), n)
        else:
            lo, hi = p.goalposts if p.goalposts else (0.0, 100.0)
            value = rng.uniform(lo, hi, n)
            if ind.type == "outcome":
                se = np.full(n, 0.05 * (hi - lo))
        rows.extend({"country": c, "year": int(y), "indicator": p.id, "value": v,
                     "se": s} for c, y, v, s in zip(country, year, value, np.broadcast_to(se, (n,))))
    frame = pd.DataFrame(rows)
    frame["value"] = frame["value"].astype(object)
    return frame


def measure(func: Callable[[], Any]) -> tuple[Any, float, float]:
    """Result, seconds (an untraced run) and peak memory in MiB (a second run under tracemalloc)."""
    start = time.perf_counter()
    out = func()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100 draws, no method uncertainty")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--countries", type=int, default=35)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--scale", action="store_true",
                        help="draws at scale: 10,000 draws x 350 countries x 1 year unless given")
    args = parser.parse_args()
    if args.scale:
        at_scale(args)
        return
    draws = 100 if args.quick else args.draws
    values = make_values(args.countries, args.years)
    n_ind = values["indicator"].nunique()
    print(f"values: {len(values):,} rows = {args.countries} countries x {args.years} years x {n_ind} scored "
          f"MESECVI indicators; {int(values['se'].notna().sum()):,} with a standard error")

    result, t_score, m_score = measure(lambda: score(values, "mesecvi", draws=draws))
    frame = result.to_frame()
    print(f"score(draws={draws}):                       {t_score:8.2f} s  peak {m_score:8.1f} MiB  "
          f"({len(frame):,} rows, {len(result.structure)} nodes)")
    if not args.quick:
        res2, t_sa, m_sa = measure(lambda: score(values, "mesecvi", draws=draws, method_uncertainty=True))
        k = len(res2.method["factors"])
        print(f"score(draws={draws}, method_uncertainty):   {t_sa:8.2f} s  peak {m_sa:8.1f} MiB  "
              f"({k} factors, {draws * (k + 2):,} runs of the index)")
    _, t_point, m_point = measure(lambda: score(values, "mesecvi"))
    print(f"score(draws=0):                             {t_point:8.2f} s  peak {m_point:8.1f} MiB")

    parents = result.structure.set_index("unit")["parent"]
    normalised = frame.loc[frame["level"] == "indicator", ["country", "year", "unit", "score"]]
    area = parents[parents.reindex(normalised["unit"]).to_numpy()].to_numpy()  # indicator -> area/type -> area

    def baseline() -> pd.DataFrame:
        table = normalised.assign(area=area)
        return table.groupby(["country", "year", "area"], sort=True)["score"].mean().reset_index()

    base, t_base, m_base = measure(baseline)
    print(f"baseline pandas group-by mean (no coverage, no draws): {t_base:8.4f} s  peak {m_base:8.1f} MiB  "
          f"({len(base):,} rows)")
    print(f"ratio score(draws={draws}) / baseline: time x{t_score / t_base:,.0f}, "
          f"memory x{m_score / max(m_base, 1e-9):,.0f}")
    print(f"ratio score(draws=0) / baseline:    time x{t_point / t_base:,.0f}, "
          f"memory x{m_point / max(m_base, 1e-9):,.0f}")


def at_scale(args: argparse.Namespace) -> None:
    """Many draws for many countries: CPU seconds of one untraced run, peak memory of a second run
    (tracemalloc slows allocations down), beside the point scores of the same table in the same run."""
    draws = args.draws if args.draws != 1000 else 10_000
    countries = args.countries if args.countries != 35 else 350
    values = make_values(countries, 1)
    print(f"values: {len(values):,} rows = {countries} countries x 1 year")
    for label, n in (("score(draws=0)", 0), (f"score(draws={draws})", draws)):
        start, wall = time.process_time(), time.perf_counter()
        score(values, "mesecvi", draws=n)
        cpu, wall = time.process_time() - start, time.perf_counter() - wall
        tracemalloc.start()
        score(values, "mesecvi", draws=n)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"{label:24s} CPU {cpu:8.2f} s  wall {wall:8.2f} s  peak {peak / 2**20:8.1f} MiB (traced run)")


if __name__ == "__main__":
    main()
