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

from .. import _codes
from .._scalars import plain_objects
from ..errors import DataError
from ..i18n import message
from ..values import REGION, TOTAL, disaggregation_columns, to_codes
from ._impute import impute
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
    imputations: pd.DataFrame  # country, year, indicator, from_year, method, value
    unused: tuple[str, ...]    # indicators in the table that the index does not use
    rows_used: int
    rows_other: int            # rows of disaggregations the index does not use
    observed: np.ndarray | None = None   # (Y, C, I) before imputation
    sets: np.ndarray | None = None       # (K, Y, C, I) multiple imputations
    groups: np.ndarray | None = None     # (C,) imputation group of each country
    present_observed: np.ndarray | None = None   # (Y, C) country-years with rows, before imputation


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


def prepare(values: pd.DataFrame, plan: Plan, lang: str = "en", catalog: Any = None,
            seed: int = 0) -> Prepared:
    """Check and reshape ``values`` for ``plan``; raise :class:`DataError` listing every problem.

    Countries, sub-national units and disaggregations are read as codes from any accepted form
    (``Perú`` is ``PER``); rows of a sub-national unit or a disaggregation are not national totals.
    """
    frame, rows_other = _total_rows(values, plan, lang, catalog)
    found = _Found(lang)
    frame, unused, ind_index = _keys(frame, plan, found)
    pos = frame["indicator"].map(ind_index).to_numpy(dtype=int)
    numbers = _numbers(frame, plan, pos, found)
    se = _standard_errors(frame, plan, pos, numbers, found)
    if found.problems:
        first = found.problems[0]["message"]
        more = message("scores.more_problems", lang, count=len(found.problems) - 1) if len(found.problems) > 1 else ""
        raise DataError(first + more, problems=found.problems)
    if frame.empty:
        text = message("scores.no_rows", lang, index=plan.spec.id,
                       expected=", ".join(p.id for p in plan.indicators[:5]))
        raise _codes.error("scores.no_rows", lang, message=text, column="indicator")
    return _arrays(frame, plan, pos, numbers, se, lang, seed, unused=unused, rows_other=rows_other)


class _Found:
    """The problems found in a values table, each a row of the registry in the user's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.problems: list[dict[str, Any]] = []

    def __call__(self, code: str, row: Any, column: str, value: Any, expected: str, **extra: Any) -> None:
        self.problems.append(_codes.problem(code, self.lang, row=row, column=column, value=value, expected=expected,
                                            extra={"value": repr(value)}, **extra))


def _total_rows(values: pd.DataFrame, plan: Plan, lang: str, catalog: Any) -> tuple[pd.DataFrame, int]:
    """The rows of ``values`` that are the index's totals (or its groups), as codes; and how many others."""
    if not isinstance(values, pd.DataFrame):
        raise _codes.error("scores.not_a_table", lang, value=type(values).__name__, got=type(values).__name__)
    frame, _mapped = to_codes(plain_objects(values), catalog)
    needed = ["country", "year", "indicator", "value"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        text = message("scores.missing_columns", lang, columns=", ".join(missing))
        raise DataError(text, problems=[_codes.problem("scores.missing_columns", lang, message=text, column=c,
                                                       expected=", ".join(needed)) for c in missing])
    frame = frame.assign(_row=_user_rows(values))
    selected = dict(plan.spec.disaggregation)
    groups = plan.spec.groups
    if groups is not None and groups.by not in frame.columns:
        text = message("scores.missing_columns", lang, columns=groups.by)
        raise DataError(text, problems=[_codes.problem("scores.missing_columns", lang, message=text, column=groups.by,
                                                       expected=f"{groups.by}: {', '.join(groups.codes)}")])
    keep = pd.Series(True, index=frame.index)
    for col in (REGION, *disaggregation_columns(catalog)):
        if groups is not None and col == groups.by:
            continue
        if col in frame.columns:
            cell = frame[col].astype("string").str.strip()
            want = selected.get(col)
            keep &= (cell == want).fillna(False) if want is not None else (cell.isna() | (cell == TOTAL) | (cell == ""))
    for col, _want in selected.items():
        if col not in frame.columns:
            keep &= False
    rows_other = int((~keep).sum())
    frame = frame.loc[keep]
    if groups is not None:
        frame, other = _by_group(frame, plan)
        rows_other += other
    return frame, rows_other


def _keys(frame: pd.DataFrame, plan: Plan, found: _Found) -> tuple[pd.DataFrame, tuple[str, ...], dict[str, int]]:
    """The rows of the index's indicators with a whole year and a country; repeated keys reported."""
    ind_index = {p.id: k for k, p in enumerate(plan.indicators)}
    indicator = frame["indicator"].astype("string").str.strip()
    in_index = indicator.isin(list(ind_index)).fillna(False)
    unused = tuple(sorted(set(indicator[~in_index].dropna()) - set(plan.excluded["indicator"].dropna())))
    frame = frame.loc[in_index].assign(indicator=indicator[in_index])
    country = frame["country"].astype("string").str.strip()
    year = pd.to_numeric(frame["year"], errors="coerce").astype("float64")
    bad_year = year.isna() | ~np.isfinite(year) | (year != year.round()) | (year.abs() >= 10_000)
    for row, value in zip(frame.loc[bad_year, "_row"], frame.loc[bad_year, "year"]):
        found("scores.bad_year", row, "year", value, "a whole number")
    for row in frame.loc[country.isna(), "_row"]:
        found("scores.bad_country", row, "country", None, "an ISO 3166-1 alpha-3 code")
    frame = frame.assign(country=country, year=year)
    frame = frame.loc[~bad_year & country.notna()]
    dup = frame.duplicated(["country", "year", "indicator"], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        found("scores.duplicate", first["_row"], "indicator", first["indicator"],
              "one total row per country, year and indicator", count=int(dup.sum()),
              country=first["country"], year=int(first["year"]), indicator=first["indicator"])
    return frame, unused, ind_index


def _numbers(frame: pd.DataFrame, plan: Plan, pos: np.ndarray, found: _Found) -> np.ndarray:
    """Each row's value as a number by its indicator's method (categories, yes/no, number)."""
    status = frame["status"].astype("string").str.strip() if "status" in frame.columns else None
    is_missing = (status.isin(MISSING_STATUSES).fillna(False) if status is not None
                  else pd.Series(False, index=frame.index))
    raw_values = frame["value"]
    numbers = np.full(len(frame), np.nan)
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
                found("scores.unknown_category", row, "value", v, ", ".join(p.points), indicator=p.id)
            numbers[sel] = mapped.to_numpy(dtype=float, na_value=np.nan)
        elif p.method == "binary":
            text = cells.map(lambda v: _code_text(v).casefold())
            yes, no = text.isin(_YES), text.isin(_NO)
            for row, v in zip(rows[~(yes | no)], cells[~(yes | no)]):
                found("scores.not_binary", row, "value", v, "1/0, yes/no, sí/no, true/false", indicator=p.id)
            val = np.where(yes, 1.0, np.where(no, 0.0, np.nan))
            numbers[sel] = val if p.direction == "higher_is_better" else 1.0 - val
        else:
            num = pd.to_numeric(cells, errors="coerce")
            for row, v in zip(rows[num.isna()], cells[num.isna()]):
                found("scores.not_numeric", row, "value", v, "a number", indicator=p.id)
            num = num.to_numpy(dtype=float, na_value=np.nan)
            if p.log:
                bad = num <= 0
                for row, v in zip(rows[bad], num[bad]):
                    found("scores.log_nonpositive", row, "value", v, "a positive number", indicator=p.id)
            numbers[sel] = num
    return numbers


def _standard_errors(frame: pd.DataFrame, plan: Plan, pos: np.ndarray, numbers: np.ndarray,
                     found: _Found) -> np.ndarray:
    """Each row's standard error: ``se``, or from a 95 % interval; 0 for yes/no and categories."""
    se = np.zeros(len(frame))
    continuous = np.array([plan.indicators[k].method not in ("binary", "categories") for k in pos], dtype=bool)
    if "se" in frame.columns:
        given = pd.to_numeric(frame["se"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = frame["se"].notna().to_numpy() & (np.isnan(given) | (given < 0))
        for row, v in zip(frame["_row"][bad], frame["se"][bad]):
            found("scores.bad_se", row, "se", v, "a number >= 0")
        se = np.where(np.isfinite(given) & (given >= 0), given, 0.0)
    if "ci_low" in frame.columns and "ci_high" in frame.columns:
        lo = pd.to_numeric(frame["ci_low"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        hi = pd.to_numeric(frame["ci_high"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        from_ci = (se == 0) & np.isfinite(lo) & np.isfinite(hi)
        bad = from_ci & (hi < lo)
        for row, a, b in zip(frame["_row"][bad], lo[bad], hi[bad]):
            found("scores.bad_interval", row, "ci_low", a, "ci_low <= ci_high", high=b)
        se = np.where(from_ci & ~bad, (hi - lo) / (2 * Z95), se)
    return np.where(continuous & np.isfinite(numbers), se, 0.0)


def _arrays(frame: pd.DataFrame, plan: Plan, pos: np.ndarray, numbers: np.ndarray, se: np.ndarray, lang: str,
            seed: int, *, unused: tuple[str, ...], rows_other: int) -> Prepared:
    """The checked rows as (year, country, indicator) arrays, imputed as the spec asks."""
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
    observed = raw.copy()
    imp = plan.spec.imputation
    labels = _country_groups(countries, imp.group, lang) if imp.group else None
    present_observed = present.copy()
    done = impute(raw, years, imp.steps, imp.max_years, labels, imp.imputations, seed, present_observed)
    imputed = done.imputed
    carried = done.from_year >= 0
    if carried.any():   # a carried value keeps its standard error
        src = np.searchsorted(years, np.where(carried, done.from_year, years[0]))
        grid = np.indices(shape)
        se_arr = np.where(carried, se_arr[src, grid[1], grid[2]], se_arr)
    raw = done.raw
    y, c, i = np.nonzero(imputed)
    present[y, c] = True
    imputations = pd.DataFrame({
        "country": pd.array(countries[c], dtype="string"), "year": pd.array(years[y], dtype="Int64"),
        "indicator": pd.array([plan.indicators[k].id for k in i], dtype="string"),
        "from_year": pd.array(np.where(done.from_year[y, c, i] >= 0, done.from_year[y, c, i], 0), dtype="Int64"),
        "method": pd.array(done.method[y, c, i].astype(str), dtype="string"),
        "value": raw[y, c, i]})
    imputations.loc[done.from_year[y, c, i] < 0, "from_year"] = pd.NA
    return Prepared(years=years, countries=countries, raw=raw, se=se_arr, imputed=imputed, present=present,
                    imputations=imputations, unused=unused, rows_used=len(frame), rows_other=rows_other,
                    observed=observed, sets=done.sets, groups=labels, present_observed=present_observed)


def _country_groups(countries: np.ndarray, column: str, lang: str) -> np.ndarray:
    """Each country's value of ``column`` in the country codelist (``None`` if it has none)."""
    from ..catalog import load_codelist

    codes = {str(c["code"]): c for c in load_codelist("country").codes}
    known = {k for c in codes.values() for k in c}
    if column not in known:
        text = message("option.invalid", lang, name="imputation.group", func="score",
                       allowed=", ".join(sorted(known - {"code", "name", "aliases"})), got=repr(column))
        raise _codes.error("option.invalid", lang, message=text, field="imputation.group", value=repr(column))
    return np.array([codes.get(str(c), {}).get(column) for c in countries], dtype=object)


def _user_rows(values: pd.DataFrame) -> list[Any]:
    """The rows as the user names them: the line numbers of a table from ``read()`` (its ``row``
    index), else the row labels; when labels repeat (tables concatenated), 2, 3, ... as in a
    spreadsheet whose header is row 1, as ``validate()`` numbers them."""
    index = values.index
    if index.is_unique and not isinstance(index, pd.MultiIndex):
        return [v.item() if isinstance(v, np.generic) else v for v in index]
    return list(range(2, len(values) + 2))
