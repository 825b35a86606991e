"""Scoring step 2: the values table as (year, country, indicator) arrays, with imputation.

Only total rows enter (every disaggregation column empty or ``_T``) unless the spec
selects a disaggregation. Rows whose status is ``not_available`` or
``not_applicable`` are missing, never zero. yes/no and category values are mapped to
0-1 here; every unusable cell is reported with its row, column, value and what was
expected, all at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._scalars import plain_objects
from ..errors import DataError
from ..i18n import message
from ..values import REGION, TOTAL, disaggregation_columns, to_codes
from ._plan import Plan

__all__ = ["MISSING_STATUSES", "Prepared", "prepare"]

#: Statuses whose rows are missing values, whatever their ``value`` cell holds.
MISSING_STATUSES: tuple[str, ...] = ("not_available", "not_applicable")
_YES = {"1", "1.0", "yes", "si", "sí", "true", "y", "s", "oui", "sim"}
_NO = {"0", "0.0", "no", "false", "n", "non", "não", "nao"}
#: Two-sided 95 % normal quantile, to read a standard error off a 95 % interval.
Z95: float = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Prepared:
    """The data the scoring arrays are made of."""

    years: np.ndarray          # (Y,) int
    countries: np.ndarray      # (C,) str
    raw: np.ndarray            # (Y, C, I) values (0-1 for binary and categories)
    se: np.ndarray             # (Y, C, I) standard errors, 0 where none
    imputed: np.ndarray        # (Y, C, I) bool
    present: np.ndarray        # (Y, C) bool: the country-year has rows in the table
    imputations: pd.DataFrame  # country, year, indicator, from_year
    unused: tuple[str, ...]    # indicators in the table that the index does not use
    rows_used: int
    rows_other: int            # rows of disaggregations the index does not use


def _code_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _by_group(frame: pd.DataFrame, plan: Plan) -> tuple[pd.DataFrame, int]:
    """Rows of each group's indicator node (``X@F`` from the rows of ``X`` whose group cell is ``F``).

    Returns the rows relabelled with the node ids, plus the rows of the index's
    indicators that no node reads (other group codes), which are counted, not used.
    """
    assert plan.spec.groups is not None
    cell = frame[plan.spec.groups.by].astype("string").str.strip().fillna(TOTAL).replace("", TOTAL)
    indicator = frame["indicator"].astype("string").str.strip()
    sources = {p.source for p in plan.indicators}
    used = pd.Series(False, index=frame.index)
    parts = []
    for p in plan.indicators:
        if p.read_code is None:
            continue
        sel = ((indicator == p.source) & (cell == p.read_code)).fillna(False)
        used |= sel
        parts.append(frame.loc[sel].assign(indicator=p.id))
    ours = indicator.isin(list(sources)).fillna(False)
    parts.append(frame.loc[~ours])
    return pd.concat(parts).reset_index(drop=True), int((ours & ~used).sum())


def prepare(values: pd.DataFrame, plan: Plan, lang: str = "en", catalog: Any = None) -> Prepared:
    """Check and reshape ``values`` for ``plan``; raise :class:`DataError` listing every problem.

    Countries, sub-national units and disaggregations are read as codes from any accepted form
    (``Perú`` is ``PER``); rows of a sub-national unit or a disaggregation are not national totals.
    """
    if not isinstance(values, pd.DataFrame):
        raise DataError(message("scores.not_a_table", lang, got=type(values).__name__))
    frame, _mapped = to_codes(plain_objects(values), catalog)
    needed = ["country", "year", "indicator", "value"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        text = message("scores.missing_columns", lang, columns=", ".join(missing))
        raise DataError(text, problems=[{"code": "scores.missing_columns", "column": c, "expected": ", ".join(needed),
                                         "message": text} for c in missing])
    frame = frame.assign(_row=values.index)
    selected = dict(plan.spec.disaggregation)
    groups = plan.spec.groups
    if groups is not None and groups.by not in frame.columns:
        text = message("scores.missing_columns", lang, columns=groups.by)
        raise DataError(text, problems=[{"code": "scores.missing_columns", "column": groups.by,
                                         "expected": f"{groups.by}: {', '.join(groups.codes)}", "message": text}])
    keep = pd.Series(True, index=frame.index)
    for col in (REGION, *disaggregation_columns(catalog)):
        if groups is not None and col == groups.by:
            continue
        if col in frame.columns:
            cell = frame[col].astype("string").str.strip()
            want = selected.get(col)
            keep &= (cell == want).fillna(False) if want is not None else (cell.isna() | (cell == TOTAL) | (cell == ""))
    for col, want in selected.items():
        if col not in frame.columns:
            keep &= False
    rows_other = int((~keep).sum())
    frame = frame.loc[keep]
    if groups is not None:
        frame, other = _by_group(frame, plan)
        rows_other += other
    problems: list[dict[str, Any]] = []

    def problem(code: str, row: Any, column: str, value: Any, expected: str, **extra: Any) -> None:
        text = message(code, lang, row=row, column=column, value=value, expected=expected, **extra)
        problems.append({"code": code, "row": row, "column": column, "value": repr(value),
                         "expected": expected, "message": text})

    ind_index = {p.id: k for k, p in enumerate(plan.indicators)}
    indicator = frame["indicator"].astype("string").str.strip()
    in_index = indicator.isin(list(ind_index)).fillna(False)
    unused = tuple(sorted(set(indicator[~in_index].dropna()) - set(plan.excluded["indicator"].dropna())))
    frame = frame.loc[in_index].assign(indicator=indicator[in_index])
    country = frame["country"].astype("string").str.strip()
    year = pd.to_numeric(frame["year"], errors="coerce").astype("float64")
    bad_year = year.isna() | ~np.isfinite(year) | (year != year.round()) | (year.abs() >= 10_000)
    for row, value in zip(frame.loc[bad_year, "_row"], frame.loc[bad_year, "year"]):
        problem("scores.bad_year", row, "year", value, "a whole number")
    for row in frame.loc[country.isna(), "_row"]:
        problem("scores.bad_country", row, "country", None, "an ISO 3166-1 alpha-3 code")
    frame = frame.assign(country=country, year=year)
    frame = frame.loc[~bad_year & country.notna()]
    dup = frame.duplicated(["country", "year", "indicator"], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        problem("scores.duplicate", first["_row"], "indicator", first["indicator"],
                "one total row per country, year and indicator", count=int(dup.sum()),
                country=first["country"], year=int(first["year"]), indicator=first["indicator"])
    status = frame["status"].astype("string").str.strip() if "status" in frame.columns else None
    is_missing = status.isin(MISSING_STATUSES).fillna(False) if status is not None else pd.Series(False, index=frame.index)
    raw_values = frame["value"]
    numbers = np.full(len(frame), np.nan)
    pos = frame["indicator"].map(ind_index).to_numpy(dtype=int)
    usable = ~is_missing.to_numpy(dtype=bool) & raw_values.notna().to_numpy(dtype=bool)
    for k, p in enumerate(plan.indicators):
        sel = (pos == k) & usable
        if not sel.any():
            continue
        cells = raw_values[sel]
        rows = frame["_row"][sel]
        if p.method == "categories":
            assert p.points is not None
            codes = cells.map(_code_text)
            mapped = codes.map(p.points)
            for row, v in zip(rows[mapped.isna()], cells[mapped.isna()]):
                problem("scores.unknown_category", row, "value", v, ", ".join(p.points), indicator=p.id)
            numbers[sel] = mapped.to_numpy(dtype=float, na_value=np.nan)
        elif p.method == "binary":
            text = cells.map(lambda v: _code_text(v).casefold())
            yes, no = text.isin(_YES), text.isin(_NO)
            for row, v in zip(rows[~(yes | no)], cells[~(yes | no)]):
                problem("scores.not_binary", row, "value", v, "1/0, yes/no, sí/no, true/false", indicator=p.id)
            val = np.where(yes, 1.0, np.where(no, 0.0, np.nan))
            numbers[sel] = val if p.direction == "higher_is_better" else 1.0 - val
        else:
            num = pd.to_numeric(cells, errors="coerce")
            for row, v in zip(rows[num.isna()], cells[num.isna()]):
                problem("scores.not_numeric", row, "value", v, "a number", indicator=p.id)
            num = num.to_numpy(dtype=float, na_value=np.nan)
            if p.log:
                bad = num <= 0
                for row, v in zip(rows[bad], num[bad]):
                    problem("scores.log_nonpositive", row, "value", v, "a positive number", indicator=p.id)
            numbers[sel] = num
    se = np.zeros(len(frame))
    continuous = np.array([plan.indicators[k].method not in ("binary", "categories") for k in pos], dtype=bool)
    if "se" in frame.columns:
        given = pd.to_numeric(frame["se"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = frame["se"].notna().to_numpy() & (np.isnan(given) | (given < 0))
        for row, v in zip(frame["_row"][bad], frame["se"][bad]):
            problem("scores.bad_se", row, "se", v, "a number >= 0")
        se = np.where(np.isfinite(given) & (given >= 0), given, 0.0)
    if "ci_low" in frame.columns and "ci_high" in frame.columns:
        lo = pd.to_numeric(frame["ci_low"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        hi = pd.to_numeric(frame["ci_high"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        from_ci = (se == 0) & np.isfinite(lo) & np.isfinite(hi)
        bad = from_ci & (hi < lo)
        for row, a, b in zip(frame["_row"][bad], lo[bad], hi[bad]):
            problem("scores.bad_interval", row, "ci_low", a, "ci_low <= ci_high", high=b)
        se = np.where(from_ci & ~bad, (hi - lo) / (2 * Z95), se)
    se = np.where(continuous & np.isfinite(numbers), se, 0.0)
    if problems:
        first = problems[0]["message"]
        more = message("scores.more_problems", lang, count=len(problems) - 1) if len(problems) > 1 else ""
        raise DataError(first + more, problems=problems)
    if frame.empty:
        text = message("scores.no_rows", lang, index=plan.spec.id,
                       expected=", ".join(p.id for p in plan.indicators[:5]))
        raise DataError(text, problems=[{"code": "scores.no_rows", "column": "indicator", "message": text}])

    years = np.sort(frame["year"].astype(int).unique())
    countries = np.sort(frame["country"].astype(str).unique())
    yi = np.searchsorted(years, frame["year"].astype(int).to_numpy())
    ci = np.searchsorted(countries, frame["country"].astype(str).to_numpy())
    shape = (years.size, countries.size, len(plan.indicators))
    raw = np.full(shape, np.nan)
    se_arr = np.zeros(shape)
    raw[yi, ci, pos] = numbers
    se_arr[yi, ci, pos] = se
    present = np.zeros(shape[:2], dtype=bool)
    present[yi, ci] = True
    imputed = np.zeros(shape, dtype=bool)
    imputations = pd.DataFrame({"country": pd.Series(dtype="string"), "year": pd.Series(dtype="Int64"),
                                "indicator": pd.Series(dtype="string"), "from_year": pd.Series(dtype="Int64")})
    imp = plan.spec.imputation
    if imp.method == "locf" and years.size > 1:
        observed = ~np.isnan(raw)
        idx = np.where(observed, np.arange(years.size)[:, None, None], -1)
        last = np.maximum.accumulate(idx, axis=0)
        gap = years[:, None, None] - years[np.clip(last, 0, None)]
        fill = ~observed & (last >= 0)
        if imp.max_years is not None:
            fill &= gap <= imp.max_years
        src = np.clip(last, 0, None)
        grid = np.indices(shape)
        raw = np.where(fill, raw[src, grid[1], grid[2]], raw)
        se_arr = np.where(fill, se_arr[src, grid[1], grid[2]], se_arr)
        imputed = fill
        y, c, i = np.nonzero(fill)
        present[y, c] = True
        imputations = pd.DataFrame({
            "country": pd.array(countries[c], dtype="string"), "year": pd.array(years[y], dtype="Int64"),
            "indicator": pd.array([plan.indicators[k].id for k in i], dtype="string"),
            "from_year": pd.array(years[src[y, c, i]], dtype="Int64")})
    return Prepared(years=years, countries=countries, raw=raw, se=se_arr, imputed=imputed, present=present,
                    imputations=imputations, unused=unused, rows_used=len(frame), rows_other=rows_other)
