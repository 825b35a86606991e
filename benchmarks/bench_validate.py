"""Benchmark: indicators.validate against the bare generated pandera schema, in the same run.

Two tables with about 1 % bad cells, shaped as they arrive from a ministry (text cells, as read
from a CSV):

* a values table of ``--rows`` rows over the MESECVI catalog (country × year × indicator × age
  group), with unparsable numbers, percentages above 100, unknown countries, bad years, negative
  standard errors and repeated keys;
* survey microdata of ``--rows`` records (weights, 60 strata, PSUs, two labelled variables), with
  empty, zero and negative weights, empty PSUs and codes outside the value labels.

For each it times ``validate`` (everything: aliases, parsing, the schema, rules across rows, the
issues table with messages) and the bare schema (``values_schema(cat).validate(frame, lazy=True)``,
``microdata_schema(design, labels)``) on the same frame, and reports time, peak traced memory
(resident memory added, VmHWM in a forked child) and the number of problems each found.

Usage::

    python benchmarks/bench_validate.py              # 1,000,000 rows
    python benchmarks/bench_validate.py --rows 200000
    python benchmarks/bench_validate.py --quick      # 20,000 rows
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def values_table(cat: Any, rows: int, rng: np.random.Generator, bad: float) -> pd.DataFrame:
    from indicators import load_codelist

    countries = np.array(list(load_codelist("country")))
    ages = np.array([c for c in load_codelist("age_group") if c != "_T"])
    inds = [i for i in cat if i.unit not in ("text",)]
    ids = np.array([i.id for i in inds])
    units = np.array([i.unit for i in inds])
    years = np.arange(1995, 2025)
    # distinct keys: country x year x indicator x age group, drawn without repetition
    n_keys = len(countries) * len(years) * len(ids) * len(ages)
    keys = rng.choice(n_keys, size=min(rows, n_keys), replace=False)
    if rows > n_keys:
        keys = np.concatenate([keys, rng.integers(0, n_keys, rows - n_keys)])
    k, a = np.divmod(keys, len(ages))
    k, i = np.divmod(k, len(ids))
    c, y = np.divmod(k, len(years))
    unit = units[i]
    value = rng.uniform(0, 100, rows).round(1)
    value = np.where(unit == "count", rng.integers(0, 5000, rows), value)
    value = np.where(unit == "yes_no", rng.integers(0, 2, rows), value)
    text = pd.Series(value).map("{:g}".format).to_numpy(dtype=object)
    text = np.where(unit == "yes_no", np.where(value == 1, "sí", "no"), text)
    cats = {ind.id: [str(x["code"]) for x in ind.categories] for ind in inds if ind.unit == "category"}
    is_cat = unit == "category"
    text[is_cat] = [cats[ids[j]][n % len(cats[ids[j]])] for n, j in enumerate(i[is_cat])]
    currency = {ind.id: ind.currency for ind in inds if ind.unit == "currency"}
    is_cur = unit == "currency"
    text[is_cur] = [f"{'ARS' if currency[ids[j]] == 'LCU' else currency[ids[j]]} {v}" for j, v in
                    zip(i[is_cur], text[is_cur])]
    se = rng.uniform(0, 2, rows).round(3)
    frame = pd.DataFrame({
        "country": countries[c], "year": years[y].astype(str), "indicator": ids[i], "age_group": ages[a],
        "value": text, "se": se.astype(str), "status": "observed",
    })
    # about `bad` of the cells spoiled, spread over the kinds of problem
    n_bad = int(rows * len(frame.columns) * bad)
    where = rng.choice(rows, size=n_bad, replace=n_bad > rows)
    kinds = rng.integers(0, 7, n_bad)
    for kind, col, spoil in (
        (0, "value", "n/d"), (1, "value", "150"), (2, "country", "XXX"), (3, "year", "20x0"),
        (4, "year", "1980"), (5, "se", "-0.5"), (6, "age_group", "99+"),
    ):
        frame.loc[where[kinds == kind], col] = spoil
    frame = frame.astype({c: "str" for c in frame.columns})
    # some repeated keys
    dup = rng.choice(rows, size=2 * max(1, rows // 2000), replace=False)
    frame.iloc[dup[1::2], :4] = frame.iloc[dup[0::2], :4].to_numpy()
    return frame


def microdata(rows: int, rng: np.random.Generator, bad: float) -> pd.DataFrame:
    strata = rng.integers(1, 61, rows)
    psu = strata * 1000 + rng.integers(0, 40, rows)
    frame = pd.DataFrame({
        "fexp": rng.uniform(50, 500, rows).round(2), "estrato": strata, "upm": psu.astype("float64"),
        "sexo": rng.integers(1, 3, rows).astype("float64"), "violencia": rng.integers(0, 2, rows).astype("float64"),
        "edad": rng.integers(15, 90, rows),
    })
    n_bad = int(rows * len(frame.columns) * bad)
    where = rng.choice(rows, size=n_bad, replace=n_bad > rows)
    kinds = rng.integers(0, 5, n_bad)
    frame.loc[where[kinds == 0], "fexp"] = 0.0
    frame.loc[where[kinds == 1], "fexp"] = -1.0
    frame.loc[where[kinds == 2], "fexp"] = np.nan
    frame.loc[where[kinds == 3], "upm"] = np.nan
    frame.loc[where[kinds == 4], "sexo"] = 9.0
    return frame


def _status(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """Run ``fn`` in a forked child: (seconds, peak resident memory added in MiB, its JSON-able result).

    The child starts with the parent's tables already in memory; its high-water mark (VmHWM)
    minus its resident size at the start is the memory the step itself needed.
    """
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(r)
        try:
            rss0 = _status("VmRSS")
            start = time.perf_counter()
            out = fn()
            elapsed = time.perf_counter() - start
            payload = json.dumps([elapsed, _status("VmHWM") - rss0, out])
        except Exception as exc:  # noqa: BLE001 - the child reports any failure, never hangs the parent
            payload = json.dumps([float("nan"), float("nan"), f"failed: {exc!r}"])
        with os.fdopen(w, "w") as f:
            f.write(payload)
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        elapsed, peak, out = json.loads(f.read())
    os.waitpid(pid, 0)
    return elapsed, peak, out


def bare(schema: Any, frame: pd.DataFrame) -> int:
    import pandera.errors as pae

    try:
        schema.validate(frame, lazy=True)
        return 0
    except pae.SchemaErrors as exc:
        return len(exc.failure_cases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=0.01, help="share of bad cells (default 0.01)")
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("--seed", type=int, default=20130521)
    args = parser.parse_args(argv)
    rows = 20_000 if args.quick else args.rows

    import warnings

    import indicators as ind
    from indicators.validation._schemas import microdata_schema, values_schema

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)
    cat = ind.load_catalog("mesecvi")
    print(f"validate benchmark: {rows:,} rows, {args.bad:.1%} bad cells, pandas {pd.__version__}")
    print(f"{'table':<10} {'step':<22} {'seconds':>9} {'+peak MiB':>9} {'problems':>10}")

    frame = values_table(cat, rows, rng, args.bad)
    ind.validate(frame.head(50), cat)  # warm up: imports and codelists are loaded once per process
    bare(values_schema(cat), frame.head(50))
    def summary(rep: Any) -> list[Any]:
        return [len(rep.issues), len(rep.rejected),
                ", ".join(f"{k.split('.', 1)[1]} {v:,}" for k, v in rep.counts_by_code.items())]

    def show(name: str, ours: tuple[float, float, Any], theirs: tuple[float, float, Any]) -> None:
        (t1, m1, (n1, rejected, by_rule)), (t2, m2, n2) = ours, theirs
        print(f"{name:<10} {'validate':<22} {t1:>9.2f} {m1:>9.0f} {n1:>10,}")
        print(f"{name:<10} {'bare pandera schema':<22} {t2:>9.2f} {m2:>9.0f} {n2:>10,}")
        print(f"{name:<10} {'ratio validate/bare':<22} {t1 / t2:>9.2f} {m1 / max(m2, 1):>9.2f}")
        print(f"           rejected rows: {rejected:,}; issues by rule: {by_rule}")

    show("values", measure(lambda: summary(ind.validate(frame, cat))),
         measure(lambda: bare(values_schema(cat), frame)))

    design = {"weights": "fexp", "strata": "estrato", "psu": "upm", "nest": False}
    labels = {"sexo": {1.0: "Mujer", 2.0: "Hombre"}, "violencia": {0.0: "No", 1.0: "Sí"}}
    micro = microdata(rows, rng, args.bad)
    show("microdata", measure(lambda: summary(ind.validate(micro, None, kind="microdata", design=design,
                                                           value_labels=labels))),
         measure(lambda: bare(microdata_schema(design, labels), micro)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
