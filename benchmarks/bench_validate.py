"""Benchmark: indicators.validate against a hand-written pandas check of the same rules, in the same run.

Two tables with about 1 % bad cells, shaped as they arrive from a ministry (text cells, as read
from a CSV):

* a values table of ``--rows`` rows over the MESECVI catalog (country × year × indicator × age
  group), with unparsable numbers, percentages above 100, unknown countries, bad years, negative
  standard errors and repeated keys;
* survey microdata of ``--rows`` records (weights, 60 strata, PSUs, two labelled variables), with
  empty, zero and negative weights, empty PSUs and codes outside the value labels.

For the values table it times ``validate`` (everything: aliases, parsing, the schema, rules
across rows, the issues table with messages in the user's language, the accepted rows as a
typed values table, provenance) against :func:`hand_check`, the same rules written by hand in
pandas (its docstring lists them), alternating the two ``--repeat`` times, each run in a forked
child; it reports the best time, every run, the peak resident memory added (VmHWM in the child)
and checks that both found the same problems (row, column, rule). The bare generated pandera
schema (``values_schema(cat).validate(frame, lazy=True)`` on the text cells) is timed once for
reference. For microdata it times ``validate`` against the bare ``microdata_schema(design,
labels)``.

Usage::

    python benchmarks/bench_validate.py              # 1,000,000 rows
    python benchmarks/bench_validate.py --rows 200000
    python benchmarks/bench_validate.py --quick      # 20,000 rows
    python benchmarks/bench_validate.py --repeat 5   # five alternating runs of each side
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


#: The yes/no words the hand-written check accepts (lower case), as a user would list them.
_YES_NO = {"sí": 1.0, "si": 1.0, "yes": 1.0, "true": 1.0, "1": 1.0, "no": 0.0, "false": 0.0, "0": 0.0}


def hand_check(frame: pd.DataFrame, cat: Any, year_range: tuple[int, int]) -> dict[str, Any]:
    """The rules of a values table written by hand in pandas: what a careful user would write instead.

    Whole columns at a time, one ``pd.to_numeric``/``isin``/``map`` per rule. Rules (the same
    rules ``validate`` applies to this table): country, year and indicator present; country a
    code of the country codelist; year a whole number within ``year_range``; indicator an id
    of the catalog; the value read by its indicator's unit (a number; ``sí``/``no`` words for
    yes/no; a category code of the indicator; ``"XXX 123"`` for amounts, with the ISO 4217
    code required for national currency and equal to the indicator's otherwise); percentages
    in 0-100 and counts, rates, ratios, years and amounts not negative, unless the indicator
    sets its own bounds, which are checked instead; counts whole; a value present or a status
    that explains it; ``se`` a number, not negative; ``age_group`` a code of its codelist;
    ``status`` a code of the status codelist; no two rows with the same country, year,
    indicator and age group. Result: an issues table (row as the user sees it, column, code,
    the cell as typed), the parsed table and the accepted and rejected rows.
    """
    from indicators import load_codelist

    n = len(frame)
    rows = np.arange(2, n + 2)
    issues: list[pd.DataFrame] = []

    def text(col: str) -> pd.Series:
        s = frame[col].str.strip()
        return s.where(s.ne(""))

    def add(mask: Any, column: str, code: str) -> None:
        pos = np.flatnonzero(np.asarray(pd.Series(mask).fillna(False), dtype=bool))
        if len(pos):
            issues.append(pd.DataFrame({"row": rows[pos], "column": column, "code": code,
                                        "value": frame[column].iloc[pos].to_numpy()}))

    units = {i.id: i.unit for i in cat} | {s.id: "sign" for s in cat.signs}
    currency_of = {i.id: i.currency for i in cat if i.unit == "currency"}
    bounds = {i.id: i.bounds for i in cat if i.bounds is not None and i.unit not in ("yes_no", "category", "text")}
    categories = {f"{i.id}|{c['code']}" for i in cat if i.unit == "category" for c in i.categories}
    country, year_t, ind_t = text("country"), text("year"), text("indicator")
    value_t, age, se_t, status = text("value"), text("age_group"), text("se"), text("status")
    for col, s in (("country", country), ("year", year_t), ("indicator", ind_t)):
        add(s.isna(), col, "missing_value")
    add(country.notna() & ~country.isin(list(load_codelist("country"))), "country", "unknown_country")
    year = pd.to_numeric(year_t, errors="coerce")
    add(year_t.notna() & (year.isna() | (year % 1 != 0)), "year", "not_a_year")
    add((year < year_range[0]) | (year > year_range[1]), "year", "year_range")
    unit = ind_t.map(units)
    add(ind_t.notna() & unit.isna(), "indicator", "unknown_indicator")
    # the value, by unit
    numeric = unit.isin(["percent", "count", "rate", "ratio", "years", "index"])
    value = pd.Series(np.nan, index=frame.index)
    value[numeric] = pd.to_numeric(value_t[numeric], errors="coerce")
    add(numeric & value_t.notna() & value.isna(), "value", "not_a_number")
    is_yn = unit.eq("yes_no")
    value[is_yn] = value_t[is_yn].str.lower().map(_YES_NO)
    add(is_yn & value_t.notna() & value.isna(), "value", "yes_no_invalid")
    is_cat = unit.eq("category")
    add(is_cat & value_t.notna() & ~(ind_t + "|" + value_t).isin(categories), "value", "category_invalid")
    is_cur = unit.eq("currency")
    parts = value_t[is_cur].str.extract(r"^(?:([A-Za-z]{3})\s*)?(.+?)$")
    value[is_cur] = pd.to_numeric(parts[1], errors="coerce")
    currency = parts[0].str.upper().reindex(frame.index)
    add(is_cur & value_t.notna() & value.isna(), "value", "not_a_number")
    want = ind_t.map(currency_of)
    add(want.eq("LCU") & value.notna() & currency.isna(), "value", "currency_missing")
    add(want.notna() & want.ne("LCU") & currency.notna() & currency.ne(want), "value", "currency_mismatch")
    bounded = ind_t.isin(list(bounds))
    add(unit.eq("percent") & ~bounded & ((value < 0) | (value > 100)), "value", "percent_range")
    add(unit.isin(["count", "rate", "ratio", "years", "currency"]) & ~bounded & (value < 0), "value", "negative")
    lo = ind_t.map({k: -np.inf if b[0] is None else b[0] for k, b in bounds.items()})
    hi = ind_t.map({k: np.inf if b[1] is None else b[1] for k, b in bounds.items()})
    add((value < lo) | (value > hi), "value", "out_of_bounds")
    add(unit.eq("count") & value.notna() & (value % 1 != 0), "value", "count_not_whole")
    explained = status.isin(["not_available", "not_applicable"])
    add(value_t.isna() & ~explained & unit.ne("sign"), "value", "value_missing")
    se = pd.to_numeric(se_t, errors="coerce")
    add(se_t.notna() & se.isna(), "se", "not_a_number")
    add(se < 0, "se", "se_negative")
    add(age.notna() & ~age.isin(list(load_codelist("age_group"))), "age_group", "unknown_code")
    add(status.notna() & ~status.isin(list(load_codelist("status"))), "status", "unknown_status")
    keys = pd.DataFrame({"country": country, "year": year, "indicator": ind_t, "age_group": age.fillna("_T")})
    add(keys.duplicated(keep=False) & keys[["country", "year", "indicator"]].notna().all(axis=1),
        "indicator", "duplicate_key")
    found = pd.concat(issues, ignore_index=True).sort_values(["row", "column", "code"], kind="stable")
    parsed = pd.DataFrame({"country": country, "year": year.astype("Int64"), "indicator": ind_t,
                           "value": value, "currency": currency, "age_group": age, "se": se, "status": status})
    bad = np.zeros(n, dtype=bool)
    bad[found["row"].to_numpy() - 2] = True
    return {"issues": found.reset_index(drop=True), "accepted": parsed[~bad], "rejected": frame[bad]}


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


def _problems(triples: Any) -> list[Any]:
    """The number of problems and a fingerprint of their (row, column, rule) set."""
    import hashlib

    keys = sorted(f"{r}|{c}|{k}" for r, c, k in triples)
    return [len(keys), hashlib.sha256("\n".join(keys).encode()).hexdigest()[:12]]


def _runs(label: str, runs: list[tuple[float, float, Any]]) -> tuple[float, float]:
    best = min(r[0] for r in runs)
    peak = min(r[1] for r in runs)
    listed = ", ".join(f"{r[0]:.2f}" for r in runs)
    print(f"{'values':<10} {label:<22} {best:>9.2f} {peak:>9.0f} {runs[0][2][0]:>10,}   runs: {listed}")
    return best, peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--bad", type=float, default=0.01, help="share of bad cells (default 0.01)")
    parser.add_argument("--quick", action="store_true", help="20,000 rows")
    parser.add_argument("--repeat", type=int, default=3, help="alternating runs of each side (default 3)")
    parser.add_argument("--seed", type=int, default=20130521)
    args = parser.parse_args(argv)
    rows = 20_000 if args.quick else args.rows

    import warnings

    import indicators as ind
    from indicators.validation._schemas import default_year_range, microdata_schema, values_schema

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(args.seed)
    cat = ind.load_catalog("mesecvi")
    years = default_year_range()
    print(f"validate benchmark: {rows:,} rows, {args.bad:.1%} bad cells, pandas {pd.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'table':<10} {'step':<22} {'best s':>9} {'+peak MiB':>9} {'problems':>10}")

    frame = values_table(cat, rows, rng, args.bad)
    ind.validate(frame.head(50), cat)  # warm up: imports and codelists are loaded once per process
    hand_check(frame.head(50), cat, years)
    bare(values_schema(cat), frame.head(50))

    def ours() -> list[Any]:
        rep = ind.validate(frame, cat)
        i = rep.issues
        return [*_problems(zip(i["row"], i["column"], i["code"].str.split(".", n=1).str[1])), len(rep.rejected)]

    def theirs() -> list[Any]:
        out = hand_check(frame, cat, years)
        i = out["issues"]
        return [*_problems(zip(i["row"], i["column"], i["code"])), len(out["rejected"])]

    runs: dict[str, list[tuple[float, float, Any]]] = {"validate": [], "hand": []}
    for _ in range(args.repeat):
        runs["validate"].append(measure(ours))
        runs["hand"].append(measure(theirs))
    t1, m1 = _runs("validate", runs["validate"])
    t2, m2 = _runs("hand-written check", runs["hand"])
    t3, m3, n3 = measure(lambda: bare(values_schema(cat), frame))
    print(f"{'values':<10} {'bare pandera schema':<22} {t3:>9.2f} {m3:>9.0f} {n3:>10,}   (failure cases)")
    paired = sorted(a[0] / b[0] for a, b in zip(runs["validate"], runs["hand"]))
    print(f"{'values':<10} {'ratio validate/hand':<22} {t1 / t2:>9.2f} {m1 / max(m2, 1):>9.2f}"
          f"   median of paired runs {paired[len(paired) // 2]:.2f}")
    same = runs["validate"][0][2] == runs["hand"][0][2]
    print(f"           same problems (row, column, rule) and rejected rows: {'yes' if same else 'NO'} "
          f"({runs['validate'][0][2]} vs {runs['hand'][0][2]})")

    def summary(rep: Any) -> list[Any]:
        return [len(rep.issues), len(rep.rejected),
                ", ".join(f"{k.split('.', 1)[1]} {v:,}" for k, v in rep.counts_by_code.items())]

    design = {"weights": "fexp", "strata": "estrato", "psu": "upm", "nest": False}
    labels = {"sexo": {1.0: "Mujer", 2.0: "Hombre"}, "violencia": {0.0: "No", 1.0: "Sí"}}
    micro = microdata(rows, rng, args.bad)
    (t1, m1, (n1, rejected, by_rule)) = measure(lambda: summary(ind.validate(
        micro, None, kind="microdata", design=design, value_labels=labels)))
    (t2, m2, n2) = measure(lambda: bare(microdata_schema(design, labels), micro))
    print(f"{'microdata':<10} {'validate':<22} {t1:>9.2f} {m1:>9.0f} {n1:>10,}")
    print(f"{'microdata':<10} {'bare pandera schema':<22} {t2:>9.2f} {m2:>9.0f} {n2:>10,}")
    print(f"{'microdata':<10} {'ratio validate/bare':<22} {t1 / t2:>9.2f} {m1 / max(m2, 1):>9.2f}")
    print(f"           rejected rows: {rejected:,}; issues by rule: {by_rule}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
