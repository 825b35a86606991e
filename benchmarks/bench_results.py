"""Benchmark: what it costs a result to hand out its tables as copies.

Results never hand out their own tables (a user changing ``report.issues`` must not change the
report). Small tables are handed out as deep copies; tables as large as the input data
(``ValidationReport.accepted`` and ``rejected``) as copy-on-write shallow copies. This script
validates ``--rows`` records of survey microdata (about 1 % bad cells; the big path) and times, in
the same run:

* ``validate`` itself, the step a user waits for;
* one access to ``report.accepted`` (the shallow copy) against two baselines on the same frame:
  ``frame.copy()`` (a deep copy, what a naive protection would cost) and ``frame.copy(deep=False)``
  (the floor);
* one access to ``report.issues`` (a deep copy of the issues) and ``report.ok`` (read from the
  stored table, no copy);
* the memory added by holding ten handed-out ``accepted`` frames (resident memory, VmHWM in a
  forked child), against ten deep copies.

Usage::

    python benchmarks/bench_results.py              # 1,000,000 rows
    python benchmarks/bench_results.py --quick      # 20,000 rows
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_validate import measure, microdata


def per_call(fn: Callable[[], Any], repeat: int) -> float:
    """Mean seconds of one call over ``repeat`` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("--seed", type=int, default=20130521)
    args = parser.parse_args(argv)
    rows = 20_000 if args.quick else args.rows

    import warnings

    import indicators as ind

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)
    design = {"weights": "fexp", "strata": "estrato", "psu": "upm", "nest": False}
    labels = {"sexo": {1.0: "Mujer", 2.0: "Hombre"}, "violencia": {0.0: "No", 1.0: "Sí"}}
    micro = microdata(rows, rng, 0.01)
    ind.validate(micro.head(50), None, kind="microdata", design=design, value_labels=labels)  # warm up

    start = time.perf_counter()
    report = ind.validate(micro, None, kind="microdata", design=design, value_labels=labels)
    t_validate = time.perf_counter() - start
    stored = report._accepted
    print(f"results benchmark: {rows:,} rows of microdata; {len(stored):,} accepted, "
          f"{len(report._issues):,} issues")
    print(f"{'step':<40} {'seconds':>12} {'ratio':>10}")

    repeat = 200 if args.quick else 50
    t_access = per_call(lambda: report.accepted, repeat)
    t_deep = per_call(lambda: stored.copy(), max(5, repeat // 10))
    t_shallow = per_call(lambda: stored.copy(deep=False), repeat)
    t_issues = per_call(lambda: report.issues, max(5, repeat // 10))
    t_ok = per_call(lambda: report.ok, repeat)
    print(f"{'validate':<40} {t_validate:>12.4f}")
    print(f"{'report.accepted (one access)':<40} {t_access:>12.6f}")
    print(f"{'baseline frame.copy() (deep)':<40} {t_deep:>12.6f} {t_access / t_deep:>10.4f}")
    print(f"{'baseline frame.copy(deep=False)':<40} {t_shallow:>12.6f} {t_access / t_shallow:>10.2f}")
    print(f"{'ratio access / validate':<40} {'':>12} {t_access / t_validate:>10.6f}")
    print(f"{'report.issues (one access, deep copy)':<40} {t_issues:>12.6f} {t_issues / t_validate:>10.6f}")
    print(f"{'report.ok (no copy)':<40} {t_ok:>12.6f}")

    def hold(get: Callable[[], Any]) -> int:
        kept = [get() for _ in range(10)]
        return len(kept)

    _, m_access, _ = measure(lambda: hold(lambda: report.accepted))
    _, m_deep, _ = measure(lambda: hold(lambda: stored.copy()))
    print(f"{'memory: 10 x report.accepted held (MiB)':<40} {m_access:>12.1f}")
    print(f"{'memory: 10 x frame.copy() held (MiB)':<40} {m_deep:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
