"""pandera schemas generated from the catalog and from a survey design.

:func:`values_schema` describes a values table (see ``docs/values.md``) in its canonical
columns; :func:`microdata_schema` describes survey microdata for a design. Every check
is vectorised and named by its rule code (see :mod:`indicators.validation._rules`); checks that
need several columns are named ``<code>:<column>`` after the column a user fixes. The
schemas are declarations: :func:`indicators.validate` prepares the data (aliases,
decimal commas, yes/no words, code names) and runs them, and they can be run alone
(``schema.validate(frame, lazy=True)``) on a frame already in canonical columns.

>>> import pandas as pd
>>> from indicators.validation._schemas import microdata_schema
>>> schema = microdata_schema({"weights": "w", "strata": "s", "psu": "p"})
>>> sorted(schema.columns)
['p', 's', 'w']
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ..values import DISAGGREGATIONS, REGION, REGION_CODELIST, STATUSES, TOTAL, column_codelist, disaggregation_columns
from ._rules import CV_TOLERANCE, NONNEGATIVE_UNITS, SIGN_UNIT

if TYPE_CHECKING:
    from ..catalog import Catalog

__all__ = [
    "CATEGORY_SEP",
    "DesignColumns",
    "design_columns",
    "duplicate_key_mask",
    "indicator_bounds",
    "microdata_schema",
    "parts_above_total",
    "psu_strata",
    "values_schema",
]

#: Separator joining an indicator id and a category code in one lookup key.
CATEGORY_SEP = "\x1f"
#: Statuses that explain an empty value.
EMPTY_STATUSES: tuple[str, ...] = ("not_available", "not_applicable")


def default_year_range() -> tuple[int, int]:
    """1994 (the Belém do Pará Convention) to the current year."""
    return (1994, date.today().year)


# -- catalog lookups (vectorised by joining on the indicator id) ----------------------------

@dataclass(frozen=True)
class _CatalogMaps:
    unit: dict[str, str]
    currency: dict[str, str]
    categories: frozenset[str]
    lo: dict[str, float]
    hi: dict[str, float]


def indicator_bounds(catalog: Catalog) -> dict[str, tuple[float, float]]:
    """The valid range of each indicator whose definition sets ``bounds`` (open ends as infinities).

    Bounds replace the unit's default range (0-100 for a percentage, zero or more for counts,
    rates, ratios, years and amounts); they do not apply to yes/no, category and text indicators.

    >>> import indicators as ind
    >>> indicator_bounds(ind.load_catalog("mesecvi"))["MESECVI-BUD-R01"]
    (-100.0, inf)
    """
    out: dict[str, tuple[float, float]] = {}
    for i in catalog:
        if i.bounds is not None and i.unit not in ("yes_no", "category", "text"):
            lo, hi = i.bounds
            out[i.id] = (-np.inf if lo is None else float(lo), np.inf if hi is None else float(hi))
    return out


def _maps(catalog: Catalog) -> _CatalogMaps:
    unit = {i.id: i.unit for i in catalog}
    unit.update({s.id: SIGN_UNIT for s in catalog.signs})
    currency = {i.id: i.currency for i in catalog if i.unit == "currency" and i.currency}
    cats = frozenset(f"{i.id}{CATEGORY_SEP}{c['code']}" for i in catalog if i.unit == "category"
                     for c in i.categories)
    bounds = indicator_bounds(catalog)
    return _CatalogMaps(unit, currency, cats, {k: v[0] for k, v in bounds.items()},
                        {k: v[1] for k, v in bounds.items()})


def _unit(frame: pd.DataFrame, maps: _CatalogMaps) -> pd.Series:
    if "_unit" in frame.columns:  # precomputed by validate()
        return frame["_unit"]
    return frame["indicator"].map(maps.unit)


def _num(frame: pd.DataFrame, column: str) -> pd.Series:
    s = frame[column]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("float64")
    return pd.to_numeric(s, errors="coerce").astype("float64")


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    """A text column with blank cells as missing (all missing when the column is absent)."""
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="string")
    text = frame[column].astype("string").str.strip()
    return text.mask(text.eq("").fillna(False))


def _text_value(frame: pd.DataFrame) -> pd.Series:
    """The value as text: ``value_code`` when validate() prepared it, else the raw value."""
    if "value_code" in frame.columns:
        return frame["value_code"]
    return frame["value"].astype("string")


# -- cross-row rules (shared by the schema and validate) ---------------------------------------

def duplicate_key_mask(frame: pd.DataFrame, keys: Sequence[str]) -> pd.Series:
    """True on every row whose key (all of ``keys``) also appears on another row.

    Rows with an empty country, year or indicator take no part; an empty disaggregation is the
    total ``_T``.

    >>> f = pd.DataFrame({"country": ["ARG", "ARG", "PER"], "year": [2020, 2020, 2020],
    ...                   "indicator": ["X", "X", "X"]})
    >>> duplicate_key_mask(f, ["country", "year", "indicator"]).tolist()
    [True, True, False]
    """
    present = [k for k in keys if k in frame.columns]
    if not present:
        return pd.Series(False, index=frame.index)
    key = frame[present].copy()
    optional = [k for k in present if k not in ("country", "year", "indicator")]
    for d in optional:
        key[d] = key[d].astype("string").fillna(TOTAL)
    complete = key[[k for k in present if k not in optional]].notna().all(axis=1)
    return key.duplicated(keep=False) & complete


def parts_above_total(frame: pd.DataFrame, units: pd.Series, tolerance: float = 1e-9,
                      extra: Sequence[str] = ()) -> pd.DataFrame:
    """Totals of counts that are smaller than the sum of their parts.

    For each disaggregation column (and the sub-national unit; ``extra`` names a national
    overlay's disaggregations), rows with a code other than ``_T`` are parts of the row with
    ``_T`` (or empty) in that column and the same other keys. Returns one row per offending total: its index
    (``total_index``), the disaggregation (``by``), the total and the sum of the parts.

    >>> f = pd.DataFrame({"country": ["PER"] * 3, "year": [2020] * 3, "indicator": ["C"] * 3,
    ...                   "sex": ["F", "M", "_T"], "value": [60.0, 50.0, 100.0]})
    >>> parts_above_total(f, pd.Series("count", index=f.index))[["by", "total", "parts"]].values.tolist()
    [['sex', 100.0, 110.0]]
    """
    cols = ["total_index", "by", "total", "parts"]
    dis = [d for d in frame.columns if d in DISAGGREGATIONS or d == REGION or str(d) in extra]
    if not dis or "value" not in frame.columns:
        return pd.DataFrame(columns=cols)
    base = frame.loc[units.eq("count").fillna(False), ["country", "year", "indicator", *dis, "value"]]
    base = base[base["value"].notna() & base[["country", "year", "indicator"]].notna().all(axis=1)]
    if base.empty:
        return pd.DataFrame(columns=cols)
    base = base.copy()
    for d in dis:
        base[d] = base[d].fillna(TOTAL).astype("string")
    out = []
    for d in dis:
        others = ["country", "year", "indicator", *(o for o in dis if o != d)]
        is_total = base[d].eq(TOTAL)
        parts = base[~is_total].groupby(others, dropna=False, sort=False)["value"].sum()
        if parts.empty:
            continue
        totals = base[is_total].reset_index(names="total_index")
        merged = totals.merge(parts.rename("parts").reset_index(), on=others, how="inner")
        bad = merged[merged["parts"] > merged["value"] * (1 + tolerance) + tolerance]
        if not bad.empty:
            out.append(pd.DataFrame({"total_index": bad["total_index"].to_numpy(), "by": d,
                                     "total": bad["value"].to_numpy(), "parts": bad["parts"].to_numpy()}))
    if not out:
        return pd.DataFrame(columns=cols)
    return pd.concat(out, ignore_index=True)


# -- values table ------------------------------------------------------------------------------

def _check(fn: Any, name: str, **kw: Any) -> pa.Check:
    return pa.Check(fn, element_wise=False, name=name, **kw)


def _isin(allowed: Sequence[Any], name: str) -> pa.Check:
    allowed_set = list(allowed)
    return _check(lambda s: s.isin(allowed_set), name)


def values_schema(
    catalog: Catalog,
    *,
    year_range: tuple[int, int] | None = None,
    cross_row: bool = True,
) -> pa.DataFrameSchema:
    """A pandera schema for a values table in canonical columns, generated from ``catalog``.

    Column checks: codes in their codelists, years in ``year_range``, precision not negative.
    Checks that join each row's indicator to its unit: yes/no in {0, 1}, percent in 0-100,
    counts whole, counts/rates/ratios/years/amounts not negative (an indicator's ``bounds``
    replace those two ranges), categories defined by the indicator, currency codes, a status
    that explains an empty value, ``ci_low <= value <= ci_high``, ``cv`` (percent) matching
    ``100 * se / |value|``. A qualitative sign of progress (an id of ``catalog.signs``) needs
    its text in ``note``, not a value. With ``cross_row``: unique keys and a count's parts not
    above its total.

    >>> import indicators as ind
    >>> schema = values_schema(ind.load_catalog("mesecvi"))
    >>> [c for c in ("country", "year", "indicator", "value") if schema.columns[c].required]
    ['country', 'year', 'indicator', 'value']
    """
    maps = _maps(catalog)
    columns = _value_columns(catalog, year_range or default_year_range())
    checks = _row_checks(maps, _region_pairs(catalog))
    if cross_row:
        checks += _cross_row_checks(catalog, maps)
    return pa.DataFrameSchema(columns, checks=checks, name=f"values[{catalog.label}]", strict=False)


def _value_columns(catalog: Catalog, year_range: tuple[int, int]) -> dict[str, pa.Column]:
    """The column checks of a values table: codes in their codelists, years in range, precision."""
    from ..catalog import load_codelist

    lo, hi = year_range
    countries = list(load_codelist("country"))

    def year_in_range(s: pd.Series) -> pd.Series:
        return s.between(lo, hi)

    columns: dict[str, pa.Column] = {
        "country": pa.Column(checks=[_isin(countries, "values.unknown_country")], nullable=False),
        "year": pa.Column("Int64", checks=[_check(year_in_range, "values.year_range")], nullable=False, coerce=True),
        "indicator": pa.Column(checks=[_isin([*catalog.ids, *(s.id for s in catalog.signs)],
                                             "values.unknown_indicator")], nullable=False),
        "value": pa.Column(nullable=True),
        "value_code": pa.Column(nullable=True, required=False),
    }
    for d in disaggregation_columns(catalog):
        codes = [*catalog.codelist(column_codelist(d, catalog) or d), TOTAL]
        columns[d] = pa.Column(checks=[_isin(codes, "values.unknown_code")], nullable=True, required=False)
    columns[REGION] = pa.Column(nullable=True, required=False)
    columns["se"] = pa.Column("float64", _check(lambda s: s >= 0, "values.se_negative"),
                              nullable=True, required=False, coerce=True)
    columns["cv"] = pa.Column("float64", _check(lambda s: s >= 0, "values.cv_negative"),
                              nullable=True, required=False, coerce=True)
    columns["n"] = pa.Column("float64", _check(lambda s: (s >= 0) & (s % 1 == 0), "values.n_invalid"),
                             nullable=True, required=False, coerce=True)
    for c in ("ci_low", "ci_high"):
        columns[c] = pa.Column("float64", nullable=True, required=False, coerce=True)
    columns["status"] = pa.Column(checks=[_isin(STATUSES, "values.unknown_status")], nullable=True, required=False)
    columns["currency"] = pa.Column(nullable=True, required=False)
    return columns


def _row_checks(maps: _CatalogMaps, regions: _Regions) -> list[pa.Check]:
    """The checks that join each row's indicator to its unit, bounds, categories and currency."""
    def rule(fn: Any) -> Any:
        return functools.partial(fn, maps=maps)

    def unit_rule(units: set[str], bad: Any, *, bounded: bool = True) -> Any:
        return functools.partial(_unit_rule, maps=maps, units=units, bad=bad, bounded=bounded)

    return [
        _check(functools.partial(_region_known, regions=regions), f"values.unknown_region:{REGION}",
               ignore_na=False),
        _check(unit_rule({"yes_no"}, lambda v: ~v.isin([0.0, 1.0])), "values.yes_no_invalid:value", ignore_na=False),
        _check(unit_rule({"percent"}, lambda v: (v < 0) | (v > 100), bounded=False), "values.percent_range:value",
               ignore_na=False),
        _check(unit_rule(set(NONNEGATIVE_UNITS), lambda v: v < 0, bounded=False), "values.negative:value",
               ignore_na=False),
        _check(rule(_within_bounds), "values.out_of_bounds:value", ignore_na=False),
        _check(unit_rule({"count"}, lambda v: v % 1 != 0), "values.count_not_whole:value", ignore_na=False),
        _check(rule(_category_ok), "values.category_invalid:value", ignore_na=False),
        _check(rule(_value_explained), "values.value_missing:value", ignore_na=False),
        _check(_no_conflict, "values.status_value_conflict:value", ignore_na=False, raise_warning=True),
        _check(_ci_low_ok, "values.ci_order:ci_low", ignore_na=False),
        _check(_ci_high_ok, "values.ci_order:ci_high", ignore_na=False),
        _check(_cv_consistent, "values.cv_inconsistent:cv", ignore_na=False, raise_warning=True),
        _check(rule(_sign_note_given), "values.sign_note_missing:note", ignore_na=False),
        _check(rule(_sign_without_number), "values.sign_numeric_value:value", ignore_na=False, raise_warning=True),
        _check(rule(_currency_given), "values.currency_missing:value", ignore_na=False),
        _check(rule(_currency_matches), "values.currency_mismatch:currency", ignore_na=False),
    ]


def _cross_row_checks(catalog: Catalog, maps: _CatalogMaps) -> list[pa.Check]:
    """The checks across rows: unique keys, and a count's parts not above its total."""
    from ..values import key_columns

    national = [c for c in disaggregation_columns(catalog) if c not in DISAGGREGATIONS]

    def unique_key(d: pd.DataFrame) -> pd.Series:
        return ~duplicate_key_mask(d, key_columns(d, catalog))

    def parts_ok(d: pd.DataFrame) -> pd.Series:
        bad = parts_above_total(d, _unit(d, maps), extra=national)
        return ~pd.Series(d.index.isin(bad["total_index"]), index=d.index)

    return [_check(unique_key, "values.duplicate_key:indicator", ignore_na=False),
            _check(parts_ok, "values.parts_above_total:value", ignore_na=False)]


# -- the row checks of a values table (each True where the row passes) ------------------------------

def _unit_rule(d: pd.DataFrame, *, maps: _CatalogMaps, units: set[str], bad: Any, bounded: bool) -> pd.Series:
    """Rows of ``units`` whose value is ``bad``; ``bounded=False`` leaves out indicators with bounds."""
    v = _num(d, "value")
    out = _unit(d, maps).isin(units) & v.notna() & bad(v)
    if not bounded:
        out &= ~d["indicator"].isin(list(maps.lo)).fillna(False)
    return ~out


def _within_bounds(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    has = d["indicator"].isin(list(maps.lo)).fillna(False).to_numpy(dtype=bool)
    ok = np.ones(len(d), dtype=bool)
    if has.any():  # only the rows of indicators with bounds
        sub = d[has]
        v = _num(sub, "value")
        lo = pd.to_numeric(sub["indicator"].astype(object).map(maps.lo), errors="coerce")
        hi = pd.to_numeric(sub["indicator"].astype(object).map(maps.hi), errors="coerce")
        ok[has] = ~((v < lo) | (v > hi)).fillna(False).to_numpy(dtype=bool)
    return pd.Series(ok, index=d.index)


def _is_sign(d: pd.DataFrame, maps: _CatalogMaps) -> pd.Series:
    return _unit(d, maps).eq(SIGN_UNIT).fillna(False).astype(bool)


def _sign_note_given(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    status = d["status"] if "status" in d.columns else pd.Series(pd.NA, index=d.index)
    explained = status.isin(EMPTY_STATUSES).fillna(False).astype(bool)
    return ~(_is_sign(d, maps) & _text(d, "note").isna() & ~explained)


def _sign_without_number(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    return ~(_is_sign(d, maps) & _num(d, "value").notna())


def _cv_consistent(d: pd.DataFrame) -> pd.Series:
    if not {"cv", "se"} <= set(d.columns):
        return pd.Series(True, index=d.index)
    v, se, cv = _num(d, "value"), _num(d, "se"), _num(d, "cv")
    expected = 100.0 * se / v.abs()
    rel, absolute = CV_TOLERANCE
    off = (cv - expected).abs() > rel * expected + absolute
    return ~(off & (v != 0) & (se >= 0) & (cv >= 0)).fillna(False)


def _category_ok(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    is_cat = _unit(d, maps).eq("category").fillna(False).to_numpy(dtype=bool)
    ok = np.ones(len(d), dtype=bool)
    if is_cat.any():  # only the rows of category indicators
        text = _text_value(d)[is_cat]
        key = d["indicator"][is_cat].astype("string") + CATEGORY_SEP + text.astype("string")
        ok[is_cat] = ~(text.notna() & ~key.isin(maps.categories).fillna(False)).to_numpy(dtype=bool)
    return pd.Series(ok, index=d.index)


def _value_explained(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    empty = _num(d, "value").isna() & _text_value(d).isna() & ~_is_sign(d, maps)  # a sign's text is in note
    if "status" not in d.columns:
        return ~empty
    return ~(empty & ~d["status"].isin(EMPTY_STATUSES))


def _no_conflict(d: pd.DataFrame) -> pd.Series:
    if "status" not in d.columns:
        return pd.Series(True, index=d.index)
    given = _num(d, "value").notna() | _text_value(d).notna()
    return ~(given & d["status"].isin(EMPTY_STATUSES))


def _ci_low_ok(d: pd.DataFrame) -> pd.Series:
    if "ci_low" not in d.columns:
        return pd.Series(True, index=d.index)
    low = _num(d, "ci_low")
    high = _num(d, "ci_high") if "ci_high" in d.columns else pd.Series(np.nan, index=d.index)
    v = _num(d, "value")
    return ~((low > v) | (v.isna() & (low > high)))


def _ci_high_ok(d: pd.DataFrame) -> pd.Series:
    if "ci_high" not in d.columns:
        return pd.Series(True, index=d.index)
    return ~(_num(d, "value") > _num(d, "ci_high"))


def _currency_given(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    lcu = d["indicator"].isin([i for i, c in maps.currency.items() if c == "LCU"]).fillna(False)
    code = d["currency"] if "currency" in d.columns else pd.Series(pd.NA, index=d.index, dtype="string")
    return ~(lcu & code.isna() & _num(d, "value").notna())


def _currency_matches(d: pd.DataFrame, *, maps: _CatalogMaps) -> pd.Series:
    if "currency" not in d.columns:
        return pd.Series(True, index=d.index)
    has = d["indicator"].isin(list(maps.currency)).fillna(False).to_numpy(dtype=bool)
    ok = np.ones(len(d), dtype=bool)
    if has.any():  # only the rows of amounts
        want = d["indicator"][has].map(maps.currency)
        code = d["currency"][has].astype("string").str.upper()
        fixed = want.notna() & want.ne("LCU")
        bad_fixed = fixed & code.notna() & code.ne(want)
        bad_form = want.eq("LCU") & code.notna() & ~code.str.fullmatch(r"[A-Z]{3}").fillna(False)
        ok[has] = ~(bad_fixed | bad_form).fillna(False).to_numpy(dtype=bool)
    return pd.Series(ok, index=d.index)


def _region_known(d: pd.DataFrame, *, regions: _Regions) -> pd.Series:
    if REGION not in d.columns:
        return pd.Series(True, index=d.index)
    code = _text(d, REGION)
    pair = d["country"].astype("string").fillna("") + CATEGORY_SEP + code
    known = code.isna() | code.eq(TOTAL) | code.isin(regions.national) | pair.isin(regions.iso)
    return known.fillna(False).astype(bool)


@dataclass(frozen=True)
class _Regions:
    iso: frozenset[str]       # "<country alpha-3><sep><ISO 3166-2 code>"
    national: frozenset[str]  # codes of a national overlay's codelist of sub-national units


def _region_pairs(catalog: Catalog) -> _Regions:
    """The sub-national units a values table may name: ISO 3166-2 within the row's country, and
    the codes of the national codelist the overlay declares."""
    from ..catalog import load_codelist

    iso = frozenset(f"{c.get('country', '')}{CATEGORY_SEP}{c['code']}" for c in load_codelist(REGION_CODELIST).codes)
    list_id = column_codelist(REGION, catalog)
    national = frozenset(catalog.codelist(list_id)) if list_id and list_id != REGION_CODELIST else frozenset()
    return _Regions(iso, national)


# -- survey microdata -----------------------------------------------------------------------------

@dataclass(frozen=True)
class DesignColumns:
    """The column names of a survey design, and how its PSUs are coded."""

    weights: str | None
    strata: str | None
    psu: str | None
    nest: bool = False
    lonely_psu: str = "fail"

    @property
    def names(self) -> dict[str, str]:
        """``{role: column}`` for the roles that are set."""
        return {r: c for r in ("weights", "strata", "psu") if (c := getattr(self, r)) is not None}


def design_columns(design: Mapping[str, Any] | Any) -> DesignColumns:
    """Read weights/strata/psu column names from a mapping or any object with those attributes.

    >>> design_columns({"weights": "w", "psu": "upm"}).names
    {'weights': 'w', 'psu': 'upm'}
    """
    from .._codes import error

    def get(name: str, default: Any = None) -> Any:
        if isinstance(design, Mapping):
            return design.get(name, default)
        return getattr(design, name, default)

    out: dict[str, Any] = {}
    for role in ("weights", "strata", "psu"):
        value = get(role)
        if value is not None and not isinstance(value, str):
            raise error("option.invalid_value", "en", name=f"design[{role!r}]", func="validate",
                        expected="a column name (text)", got=type(value).__name__,
                        field=f"design.{role}", value=repr(value)[:80])
        out[role] = value
    if not any(out.values()):
        raise error("option.invalid_value", "en", name="design", func="validate",
                    expected="a mapping with weights, strata and/or psu column names", got=repr(design)[:80],
                    field="design", value=repr(design)[:80])
    return DesignColumns(**out, nest=bool(get("nest", False)), lonely_psu=str(get("lonely_psu", "fail")))


def psu_strata(frame: pd.DataFrame, strata: str, psu: str) -> pd.DataFrame:
    """Per PSU code: the number of strata it appears in (``n_strata``) and their sorted codes.

    >>> f = pd.DataFrame({"s": [1, 1, 2], "p": [10, 11, 10]})
    >>> psu_strata(f, "s", "p").loc[10, "n_strata"]
    np.int64(2)
    """
    pairs = frame[[strata, psu]].dropna().drop_duplicates()
    grouped = pairs.groupby(psu, sort=True)[strata]
    return pd.DataFrame({"n_strata": grouped.nunique(),
                         "strata": grouped.agg(lambda s: ", ".join(sorted(map(_code_text, s))))})


def _code_text(v: Any) -> str:
    return str(int(v)) if isinstance(v, float | np.floating) and float(v).is_integer() else str(v)


def microdata_schema(
    design: Mapping[str, Any] | Any,
    value_labels: Mapping[str, Mapping[Any, Any]] | None = None,
    missing_codes: Mapping[str, Sequence[Any]] | None = None,
) -> pa.DataFrameSchema:
    """A pandera schema for survey microdata under ``design``.

    Weights present and positive; strata and PSU columns present and complete; PSUs nested in
    strata unless the design says their codes restart in each stratum (``nest=True``); a
    stratum with a single PSU raises a warning; variables coded within their ``value_labels``
    (or their declared ``missing_codes``).

    >>> schema = microdata_schema({"weights": "w"}, value_labels={"sexo": {1: "Mujer", 2: "Hombre"}})
    >>> schema.columns["sexo"].required
    False
    """
    cols = design_columns(design)
    columns: dict[str, pa.Column] = {}
    if cols.weights:
        columns[cols.weights] = pa.Column("float64", _check(lambda s: s > 0, "micro.weight_nonpositive"),
                                          nullable=False, coerce=True)
    if cols.strata:
        columns[cols.strata] = pa.Column(nullable=False)
    if cols.psu:
        columns[cols.psu] = pa.Column(nullable=False)
    for var, labels in (value_labels or {}).items():
        if var in columns:
            continue
        allowed = [*labels.keys(), *((missing_codes or {}).get(var, ()))]
        columns[var] = pa.Column(checks=[_isin(allowed, "micro.unlabelled_value")], nullable=True, required=False)
    checks = []
    if cols.strata and cols.psu:
        strata, psu = cols.strata, cols.psu

        def nested(d: pd.DataFrame) -> pd.Series:
            counts = d.groupby(psu, dropna=True, sort=False)[strata].transform("nunique")
            return ~(counts > 1).fillna(False)

        def several_psus(d: pd.DataFrame) -> pd.Series:
            key = d[psu] if not cols.nest else d[strata].astype("string") + CATEGORY_SEP + d[psu].astype("string")
            counts = key.groupby(d[strata], dropna=True, sort=False).transform("nunique")
            return ~(counts == 1).fillna(False)

        if not cols.nest:
            checks.append(_check(nested, "micro.psu_not_nested:" + psu, ignore_na=False))
        checks.append(_check(several_psus, "micro.single_psu_stratum:" + strata, ignore_na=False,
                             raise_warning=True))
    return pa.DataFrameSchema(columns, checks=checks, name="microdata", strict=False)
