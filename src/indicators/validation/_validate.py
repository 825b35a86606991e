"""Validate values tables and survey microdata: every problem, in one pass, where the user sees it.

:func:`validate` reads (or takes) one or several tables, normalises what a person may have
typed (column names in en/es/pt/fr, decimal commas, ``sí``/``no``, country and code names),
runs the pandera schema generated from the catalog (:mod:`indicators.validation._schemas`) lazily, adds
the rules across rows (duplicate keys, parts above their total, PSUs and strata), and
returns a :class:`ValidationReport`: one issue per problem with its severity, stable code,
file, sheet, spreadsheet row, column, offending value, expectation, message and hint in the
user's language.

Several tables at once (MESECVI's experts): pass a list of paths or frames; the report's
issues carry each table's file name, and ``accepted``/``rejected`` are the tables' rows
stacked with a (``file``, row) index.

>>> import pandas as pd
>>> import indicators as ind
>>> micro = pd.DataFrame({"w": [1.5, 0.0, 2.0], "s": [1, 1, 2], "p": [1, 2, 3]})
>>> report = ind.validate(micro, None, kind="microdata", design={"weights": "w", "strata": "s", "psu": "p"})
>>> report.ok, len(report.accepted), len(report.rejected)
(False, 2, 1)
>>> report.issues.loc[0, ["severity", "code", "column", "value"]].tolist(), int(report.issues.loc[0, "row"])
(['error', 'micro.weight_nonpositive', 'w', '0'], 3)
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from .._codes import CODES, error
from .._options import validate_options
from .._results import Result, Summary, protect_fields, target_path, write_error, write_text
from .._scalars import plain_objects
from ..errors import DataError
from ..i18n import Lang, check_lang, message
from ..values import (
    DISAGGREGATIONS,
    PRECISION_COLUMNS,
    REGION,
    TOTAL,
    canonical_column,
    codelist_columns,
    column_codelist,
    disaggregation_columns,
    resolve_code,
    resolve_country,
    resolve_region,
)
from ._cells import (
    as_text,
    display,
    fold,
    parse_numbers,
    parse_yes_no,
    resolve_unique,
    split_currency,
)
from ._rules import NUMERIC_UNITS, RULES, SIGN_UNIT

if TYPE_CHECKING:
    from ..catalog import Catalog

__all__ = ["ISSUE_COLUMNS", "Kind", "ValidationReport", "validate"]

Kind = Literal["values", "microdata"]
#: What a validation report checked: a values table, microdata, or a follow-up file.
ReportKind = Literal["values", "microdata", "follow_up_records", "recommendations"]
#: Columns of :attr:`ValidationReport.issues`, in order.
ISSUE_COLUMNS: tuple[str, ...] = ("severity", "code", "file", "sheet", "row", "column", "value",
                                  "expected", "message", "hint")
#: Internal, language-neutral issue columns (``pos`` is the row's position in its table).
_RAW_COLUMNS: tuple[str, ...] = ("code", "table", "pos", "column", "value", "indicator", "detail", "lo", "hi")
#: Issues that only say a cell is empty: dropped when the same cell has a more specific issue.
_GENERIC_EMPTY: frozenset[str] = frozenset({"values.missing_value", "values.value_missing", "micro.weight_missing",
                                             "micro.strata_missing", "micro.psu_missing"})
_REQUIRED: tuple[str, ...] = ("country", "year", "indicator", "value")
_NUMERIC_COLUMNS: tuple[str, ...] = PRECISION_COLUMNS


# -- collecting issues --------------------------------------------------------------------------

class _Collector:
    """Issues of one table, by row position and canonical column."""

    def __init__(self, raw: pd.DataFrame, table: int, headers: Mapping[str, str]) -> None:
        self.raw = raw
        self.table = table
        self.headers = dict(headers)  # canonical -> header as the user wrote it
        self.parts: list[pd.DataFrame] = []
        self.indicator: pd.Series | None = None
        self.mapped: pd.DataFrame | None = None  # what a values table's codelist columns had mapped
        self.parsed: pd.DataFrame | None = None  # the values table in canonical columns and codes

    def header(self, canon: str | None) -> Any:
        if canon is None:
            return pd.NA
        if canon not in self.headers and canon in ("currency", "value_code") and "value" in self.headers:
            return self.headers["value"]  # the currency code came with the amount
        return self.headers.get(canon, canon)

    def cells(self, code: str, where: pd.Series | np.ndarray | Sequence[int], canon: str, *,
              detail: Any = pd.NA, lo: Any = pd.NA, hi: Any = pd.NA, value: Any = None) -> None:
        """Issues on the cells of column ``canon`` at positions ``where`` (a mask or positions)."""
        arr = np.asarray(where)
        pos = np.flatnonzero(arr) if arr.dtype == bool else arr.astype("int64")
        if len(pos) == 0:
            return
        header = self.header(canon)
        if value is None:
            if isinstance(header, str) and header in self.raw.columns:
                value = display(self.raw[header].iloc[pos]).to_numpy()
            else:
                value = pd.NA
        indicator: Any = pd.NA
        if self.indicator is not None:
            indicator = self.indicator.iloc[pos].to_numpy()
        self.parts.append(pd.DataFrame({
            "code": code, "table": self.table, "pos": pos, "column": header, "value": value,
            "indicator": indicator, "detail": detail, "lo": lo, "hi": hi,
        }))

    def table_issue(self, code: str, column: Any = pd.NA, *, value: Any = pd.NA, detail: Any = pd.NA) -> None:
        """An issue about the whole table (no row)."""
        self.parts.append(pd.DataFrame({
            "code": [code], "table": [self.table], "pos": [pd.NA], "column": [column], "value": [value],
            "indicator": [pd.NA], "detail": [detail], "lo": [pd.NA], "hi": [pd.NA],
        }))

    def frame(self) -> pd.DataFrame:
        parts = [p for p in self.parts if not p.empty]
        if not parts:
            return _empty_raw()
        out = pd.concat([p.astype({"pos": "Int64"}) for p in parts], ignore_index=True)
        for col in ("column", "value", "indicator", "detail", "lo", "hi"):
            out[col] = out[col].astype("string")
        return out


def _empty_raw() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="Int64" if c in ("pos", "table") else "string")
                         for c in _RAW_COLUMNS})


def _schema_issues(schema: Any, frame: pd.DataFrame, coll: _Collector,
                   null_codes: Mapping[str, str], column_of: Mapping[str, str] | None = None) -> None:
    """Run ``schema`` lazily on ``frame`` (RangeIndex) and turn its failure cases into issues."""
    import pandera.errors as pae

    try:
        schema.validate(frame, lazy=True)
        return
    except pae.SchemaErrors as exc:
        cases = exc.failure_cases
    cases = cases[cases["index"].notna()]
    if cases.empty:
        return
    # code, column and detail per distinct (check, column), then taken for every case
    check = cases["check"].astype("string")
    pairs = pd.DataFrame({"check": check, "column": cases["column"].astype("string")})
    which, distinct = pd.factorize(pd.MultiIndex.from_frame(pairs))
    code, column, detail = [], [], []
    for chk, col in distinct:
        name, colon, target = str(chk).partition(":")
        column.append(target if colon else col)
        c = name if name in RULES else "validation.schema_failure"
        code.append(null_codes.get(str(column[-1]), "values.missing_value") if chk == "not_nullable" else c)
        detail.append(chk if code[-1] == "validation.schema_failure" else pd.NA)
    out = pd.DataFrame({"code": np.array(code, dtype=object)[which], "column": np.array(column, dtype=object)[which],
                        "pos": cases["index"].astype("int64").to_numpy(),
                        "detail": np.array(detail, dtype=object)[which]})
    out = out.drop_duplicates(["code", "column", "pos"])
    for (c, col), grp in out.groupby(["code", "column"], sort=True):
        canon = (column_of or {}).get(str(col), str(col))
        coll.cells(str(c), grp["pos"].to_numpy(), canon, detail=grp["detail"].to_numpy())


def _row_check_issues(checks: Sequence[Any], frame: pd.DataFrame, coll: _Collector) -> None:
    """Run a schema's checks across columns (named ``<code>:<column>``) on ``frame``: one issue per
    row that fails, in the column named (``value`` when none is)."""
    for check in checks:
        try:
            ok = check(frame).check_output
        except Exception:  # noqa: BLE001 - as the lazy schema does, a check that cannot run reports nothing
            continue
        code, _, canon = str(check.name).partition(":")
        coll.cells(code, ~ok.to_numpy(dtype=bool), canon or "value")


def _without(schema: Any, keep: Any) -> Any:
    import copy

    out = copy.copy(schema)
    out.checks = [c for c in schema.checks if keep(c)]
    return out


# -- values tables -------------------------------------------------------------------------------

def _headers(raw: pd.DataFrame, coll: _Collector, catalog: Catalog | None = None) -> dict[str, str]:
    """Map canonical column -> user header; report unknown and repeated columns."""
    out: dict[str, str] = {}
    for col in raw.columns:
        canon = canonical_column(str(col), catalog)
        if canon is None:
            if str(col).startswith("Unnamed:") and as_text(raw[col]).isna().all():
                continue  # an empty spreadsheet column
            coll.table_issue("values.unknown_column", str(col), value=str(col))
        elif canon in out:
            coll.table_issue("values.duplicate_column", str(col), value=str(col), detail=str(out[canon]))
        else:
            out[canon] = str(col)
    return out


class _Columns:
    """The columns of a values table by canonical name, and their text (computed once)."""

    def __init__(self, raw: pd.DataFrame, headers: Mapping[str, str]) -> None:
        self.raw = raw
        self.headers = headers
        self.index = pd.RangeIndex(len(raw))
        self._text: dict[str, pd.Series] = {}

    def __contains__(self, canon: str) -> bool:
        return canon in self.headers

    def raw_column(self, canon: str) -> pd.Series:
        """The column as given (all missing when absent), on a 0..n-1 index."""
        if canon not in self.headers:
            return pd.Series(pd.NA, index=self.index, dtype="object")
        return self.raw[self.headers[canon]].reset_index(drop=True)

    def text(self, canon: str) -> pd.Series:
        """The column as stripped text, blank cells missing."""
        if canon not in self._text:
            self._text[canon] = as_text(self.raw_column(canon))
        return self._text[canon]


def _prepare_values(raw: pd.DataFrame, catalog: Catalog, coll: _Collector) -> tuple[pd.DataFrame, set[str]]:
    """The table in canonical columns and parsed types; cells that do not parse are reported."""
    headers = _headers(raw, coll, catalog)
    coll.headers = {**headers}
    missing = {c for c in _REQUIRED if c not in headers}
    for c in sorted(missing, key=_REQUIRED.index):
        coll.table_issue("values.missing_column", c, detail=c)
    cols = _Columns(raw, headers)
    out = pd.DataFrame(index=cols.index)
    _prepare_keys(out, cols, catalog, coll)
    currency = _prepare_value(out, cols, catalog, coll)
    for c in ("source", "note"):
        if c in cols:
            out[c] = cols.text(c)
    _prepare_codes(out, cols, catalog)
    for c in _NUMERIC_COLUMNS:
        if c in cols:
            num, bad = parse_numbers(cols.raw_column(c))
            coll.cells("values.not_a_number", bad, c)
            out[c] = num
    if "status" in cols:
        out["status"] = resolve_unique(cols.text("status"), _resolver("status", catalog)).astype("string")
    currency_col = cols.text("currency").str.upper() if "currency" in cols else None
    if currency is not None:
        out["currency"] = currency if currency_col is None else currency_col.fillna(currency)
    elif currency_col is not None:
        out["currency"] = currency_col
    coll.mapped = _mapped(cols, out, catalog)
    return out, missing


def _units(catalog: Catalog) -> dict[str, str]:
    """The unit of each indicator and sign of progress, by id."""
    return {**{i.id: i.unit for i in catalog}, **{s.id: SIGN_UNIT for s in catalog.signs}}


def _prepare_keys(out: pd.DataFrame, cols: _Columns, catalog: Catalog, coll: _Collector) -> None:
    """Country, year and indicator (with each row's unit in ``_unit``)."""
    out["country"] = resolve_unique(cols.text("country"), lambda t: resolve_country(t) or t).astype("string")
    year, bad = parse_numbers(cols.raw_column("year"))
    not_whole = year.notna() & (year % 1 != 0)
    coll.cells("values.not_a_year", bad | not_whole, "year")
    out["year"] = pd.array(year.where(~not_whole), dtype="Float64").astype("Int64")
    units = _units(catalog)
    ids = {fold(i): i for i in units}
    out["indicator"] = resolve_unique(cols.text("indicator"),
                                      lambda t: t if t in units else ids.get(fold(t), t)).astype("string")
    out["_unit"] = resolve_unique(out["indicator"], units.get).astype("string")
    coll.indicator = out["indicator"]


def _prepare_value(out: pd.DataFrame, cols: _Columns, catalog: Catalog, coll: _Collector) -> pd.Series | None:
    """The value by its indicator's unit: numbers, yes/no words, category codes, amounts with their
    currency (returned: the code written with each amount, or ``None`` without amounts). Each kind of
    cell is parsed on the rows of its unit only."""
    unit = out["_unit"]
    raw_value = cols.raw_column("value")
    value_text = cols.text("value")
    is_currency = unit.eq("currency").fillna(False).to_numpy(dtype=bool)
    is_yes_no = unit.eq("yes_no").fillna(False).to_numpy(dtype=bool)
    is_category = unit.eq("category").fillna(False).to_numpy(dtype=bool)
    is_text = unit.eq("text").fillna(False).to_numpy(dtype=bool)
    currency = None
    value_src: pd.Series = raw_value
    if is_currency.any():
        numeric_text, code = split_currency(value_text[is_currency])
        currency = code.reindex(cols.index)
        if pd.api.types.is_numeric_dtype(raw_value.dtype) or pd.api.types.is_bool_dtype(raw_value.dtype):
            value_src = raw_value  # numbers: no currency code in them
        else:
            value_src = value_text.copy()
            value_src[is_currency] = numeric_text.astype("string")
    # yes/no, category and text cells are read below (their number, if any, is not kept)
    value, bad = parse_numbers(value_src, rows=pd.Series(~(is_yes_no | is_category | is_text), index=cols.index))
    if is_yes_no.any():
        yn, yn_bad = parse_yes_no(raw_value[is_yes_no])
        value = value.where(~is_yes_no, yn.reindex(cols.index))
        bad = bad.where(~is_yes_no, yn_bad.reindex(cols.index).fillna(False).astype(bool))
    value_code = value_text.where(bad.to_numpy(dtype=bool) | is_category | is_text)
    if is_category.any():
        value_code = value_code.where(~is_category, _category_codes(out["indicator"], value_text, is_category,
                                                                     catalog).reindex(cols.index).astype("string"))
    numeric_unit = unit.isin(list(NUMERIC_UNITS)).fillna(False)
    coll.cells("values.not_a_number", bad & numeric_unit & ~is_yes_no, "value")
    coll.cells("values.yes_no_invalid", bad & is_yes_no, "value")
    # a sign of progress keeps a number only to be warned about (its text is in note)
    out["value"] = value.where(numeric_unit | unit.isna() | unit.eq(SIGN_UNIT).fillna(False))
    out["value_code"] = value_code.astype("string")
    return currency


def _category_codes(indicator: pd.Series, text: pd.Series, rows: np.ndarray, catalog: Catalog) -> pd.Series:
    """The category code of each cell of ``rows`` (a code or a label in any language; unchanged if unknown)."""
    labels: dict[tuple[str, str], str] = {}
    for ind in catalog:
        if ind.unit == "category":
            for cat_def in ind.categories:
                labels[(ind.id, fold(str(cat_def["code"])))] = str(cat_def["code"])
                for lab in (cat_def.get("label") or {}).values():
                    labels.setdefault((ind.id, fold(str(lab))), str(cat_def["code"]))
    keys = indicator[rows].astype("string") + "\x1f" + text[rows].astype("string")
    return resolve_unique(keys, lambda k: labels.get((k.split("\x1f")[0], fold(k.split("\x1f", 1)[1])),
                                                     k.split("\x1f", 1)[1]))


def _prepare_codes(out: pd.DataFrame, cols: _Columns, catalog: Catalog) -> None:
    """The sub-national unit and the disaggregations as codes (unchanged when they do not resolve)."""
    # the sub-national unit: ISO 3166-2 (within the row's country) or the overlay's national codes
    if REGION in cols:
        pairs = pd.DataFrame({"t": cols.text(REGION), "c": out["country"]})
        uniq = pairs.dropna(subset=["t"]).drop_duplicates()
        found = {(t, c): resolve_region(t, None if pd.isna(c) else str(c), catalog) or t
                 for t, c in uniq.itertuples(index=False)}
        out[REGION] = pd.array([pd.NA if pd.isna(t) else found[(t, c)] for t, c in pairs.itertuples(index=False)],
                               dtype="string")
    # disaggregations (the shipped ones and a national overlay's): codes, names or aliases; empty means total
    for d in disaggregation_columns(catalog):
        if d in cols:
            out[d] = resolve_unique(cols.text(d), _resolver(d, catalog)).astype("string")


def _resolver(column: str, catalog: Catalog | None) -> Callable[[Any], Any]:
    """A code, name or alias -> its code in the column's codelist (unchanged when it does not resolve)."""
    return lambda t: resolve_code(column, t, catalog) or t


#: Columns of the list of mapped cells (``ValidationReport.provenance["mapped"]``).
MAPPED_COLUMNS: tuple[str, ...] = ("column", "header", "value", "code", "rows")


def _mapped(cols: _Columns, parsed: pd.DataFrame, catalog: Catalog | None) -> pd.DataFrame:
    """Every distinct cell of a codelist column that was read as another form of a code."""
    records = []
    for column in codelist_columns(catalog):
        if column not in cols or column not in parsed.columns:
            continue
        typed = cols.text(column)
        code = parsed[column].astype("string")
        if column == REGION:
            known = code.notna() & code.ne(typed).fillna(False)
        else:
            list_id = column_codelist(column, catalog)
            codes = list(catalog.codelist(list_id)) if catalog is not None and list_id else []
            known = code.isin(codes).fillna(False) & code.ne(typed).fillna(False)
        if not known.any():
            continue
        pairs = pd.DataFrame({"value": typed[known], "code": code[known]}).value_counts(sort=False)
        for (value, c), n in sorted(pairs.items()):
            records.append({"column": column, "header": cols.headers[column], "value": str(value), "code": str(c),
                            "rows": int(n)})
    return pd.DataFrame(records, columns=list(MAPPED_COLUMNS))


def _values_issues(raw: pd.DataFrame, catalog: Catalog, coll: _Collector,
                   year_range: tuple[int, int], rows: np.ndarray) -> None:
    from ..values import key_columns
    from ._schemas import duplicate_key_mask, parts_above_total, values_schema

    if len(raw) == 0:
        coll.table_issue("values.empty_table")
        _headers(raw, _Collector(raw, coll.table, {}))
        return
    parsed, missing = _prepare_values(raw, catalog, coll)
    coll.parsed = parsed
    schema = values_schema(catalog, year_range=year_range, cross_row=False)
    # the column checks through pandera; the checks across columns (errors and warnings) run directly,
    # one issue per failing row (pandera would list each failing row once per column of the table)
    _schema_issues(_without(schema, lambda c: False), parsed, coll, {})
    _row_check_issues(schema.checks, parsed, coll)
    _range_details(coll, parsed, catalog, year_range)
    # duplicate keys: every row of a repeated key, naming the others
    keys = key_columns(parsed, catalog)
    dup = duplicate_key_mask(parsed, keys)
    if dup.any():
        sub = parsed.loc[dup, keys].copy()
        for d in keys:
            if d not in ("country", "year", "indicator"):
                sub[d] = sub[d].astype("string").fillna(TOTAL)
        group = sub.groupby(keys, sort=False, dropna=False).ngroup()
        row_of = pd.Series(rows[sub.index.to_numpy()], index=sub.index)
        listed = row_of.groupby(group).agg(lambda r: ", ".join(str(x) for x in sorted(r)))
        coll.cells("values.duplicate_key", sub.index.to_numpy(), "indicator",
                   detail=group.map(listed).to_numpy())
    national = [c for c in disaggregation_columns(catalog) if c not in DISAGGREGATIONS]
    bad = parts_above_total(parsed, parsed["_unit"], extra=national)
    if not bad.empty:
        bad = bad.sort_values(["total_index", "by"]).drop_duplicates("total_index")
        coll.cells("values.parts_above_total", bad["total_index"].to_numpy(dtype="int64"), "value",
                   detail=[f"{p:g}" for p in bad["parts"]], lo=[coll.header(b) for b in bad["by"]])
    # unknown indicators: suggest the closest ids
    _suggest_indicators(coll, catalog)
    if missing:
        absent = {coll.header(c) for c in missing}
        coll.parts = [p[~(p["column"].isin(absent) & p["pos"].notna())] for p in coll.parts]


def _range_details(coll: _Collector, parsed: pd.DataFrame, catalog: Catalog, year_range: tuple[int, int]) -> None:
    """The expected range of year and bounds issues (``lo``, ``hi``; empty for an open end) and the
    cv that se and value imply (``detail``)."""
    from ._schemas import indicator_bounds

    bounds = indicator_bounds(catalog)

    def end(x: float) -> str:
        return "" if np.isinf(x) else f"{x:g}"

    for part in coll.parts:
        if part.empty:
            continue
        code = part["code"].iloc[0]
        if code == "values.year_range":
            part["lo"], part["hi"] = str(year_range[0]), str(year_range[1])
        elif code == "values.out_of_bounds":
            ids = part["indicator"].astype(object)
            part["lo"] = ids.map(lambda i: end(bounds[i][0]))
            part["hi"] = ids.map(lambda i: end(bounds[i][1]))
        elif code == "values.unknown_region":  # the row's country, whose units were expected
            pos = part["pos"].to_numpy(dtype="int64")
            part["detail"] = parsed["country"].astype("string").to_numpy()[pos]
        elif code == "values.cv_inconsistent":
            pos = part["pos"].to_numpy(dtype="int64")
            implied = 100.0 * parsed["se"].to_numpy()[pos] / np.abs(parsed["value"].to_numpy()[pos])
            part["detail"] = [f"{x:.3g}" for x in implied]


def _suggest_indicators(coll: _Collector, catalog: Catalog) -> None:
    ids = [*catalog.ids, *(s.id for s in catalog.signs)]
    for part in coll.parts:
        if not part.empty and part["code"].iloc[0] == "values.unknown_indicator":
            cache: dict[str, str] = {}
            for v in pd.unique(part["value"].astype("string").dropna()):
                close = difflib.get_close_matches(str(v).upper(), ids, n=1, cutoff=0.6)
                cache[str(v)] = close[0] if close else ""
            part["detail"] = part["value"].astype("string").map(cache).replace("", pd.NA)


# -- microdata ---------------------------------------------------------------------------------------

def _micro_issues(raw: pd.DataFrame, design: Any, coll: _Collector, rows: np.ndarray,
                  value_labels: Mapping[str, Mapping[Any, Any]] | None,
                  missing_codes: Mapping[str, Sequence[Any]] | None) -> np.ndarray:
    """Issues of survey microdata; returns a mask of rows rejected as a group (PSUs not nested)."""
    from ._schemas import DesignColumns, design_columns, microdata_schema, psu_strata

    cols = design_columns(design)
    coll.headers = {c: c for c in raw.columns}
    reject = np.zeros(len(raw), dtype=bool)
    present: dict[str, str | None] = {}
    for role, name in (("weights", cols.weights), ("strata", cols.strata), ("psu", cols.psu)):
        if name is not None and name not in raw.columns:
            coll.table_issue("micro.missing_column", name, detail=role)
            present[role] = None
        else:
            present[role] = name
    if len(raw) == 0:
        coll.table_issue("micro.empty_table")
        return reject
    frame = raw.reset_index(drop=True).copy()
    null_codes: dict[str, str] = {}
    if present["weights"]:
        w = present["weights"]
        num, bad = parse_numbers(frame[w])
        coll.cells("micro.weight_not_number", bad, w)
        frame[w] = num
        null_codes[w] = "micro.weight_missing"
    for role, code in (("strata", "micro.strata_missing"), ("psu", "micro.psu_missing")):
        name = present[role]
        if name:
            s = frame[name]
            if not pd.api.types.is_numeric_dtype(s.dtype):
                frame[name] = as_text(s)
            null_codes[name] = code
    labels = {k: v for k, v in (value_labels or {}).items() if k in frame.columns}
    for var, lab in labels.items():
        keys = list(lab.keys())
        if keys and all(isinstance(k, int | float | np.number) for k in keys) and not \
                pd.api.types.is_numeric_dtype(frame[var].dtype):
            num, bad = parse_numbers(frame[var])
            frame[var] = num.astype("object").where(~bad, as_text(frame[var]).astype("object"))
    run = DesignColumns(present["weights"], present["strata"], present["psu"], nest=True)
    if any(run.names.values()):
        schema = microdata_schema(run.names, labels, missing_codes)
        _schema_issues(_without(schema, lambda c: False), frame, coll, null_codes)
    s, p = present["strata"], present["psu"]
    if s and p:
        complete = frame[s].notna() & frame[p].notna()
        sub = frame.loc[complete, [s, p]]
        if not cols.nest:
            per_psu = psu_strata(sub, s, p)
            crossing = per_psu[per_psu["n_strata"] > 1]
            if not crossing.empty:
                in_bad = sub[p].isin(crossing.index)
                reject[sub.index[in_bad]] = True
                first = sub[in_bad].groupby(p, sort=True).apply(lambda g: g.index.min())
                coll.cells("micro.psu_not_nested", first.to_numpy(dtype="int64"), p,
                           detail=crossing.loc[first.index, "strata"].to_numpy())
        n_psu = sub[p].groupby(sub[s], sort=True).nunique()
        lonely = n_psu[n_psu == 1].index
        if len(lonely):
            firsts = sub[sub[s].isin(lonely)].groupby(s, sort=True).apply(lambda g: g.index.min())
            coll.cells("micro.single_psu_stratum", firsts.to_numpy(dtype="int64"), s,
                       detail=[str(v) for v in sub.loc[firsts.to_numpy(), p]])
    return reject


# -- the report --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Table:
    file: str | None
    sheet: str | None
    sha256: str
    rows: int
    columns: tuple[str, ...]


def _sha_frame(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([str(c) for c in frame.columns]).encode())
    try:
        h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    except (TypeError, ValueError, UnicodeError):  # cells that pandas cannot hash (lists, dicts, odd bytes)
        h.update(pd.util.hash_pandas_object(frame.astype(object).map(repr), index=True).to_numpy().tobytes())
    return h.hexdigest()


def _render(raw: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Language-neutral issues -> the public issues table in ``lang``."""
    if raw.empty:
        out = pd.DataFrame({c: pd.Series(dtype="string") for c in ISSUE_COLUMNS})
        out["row"] = pd.Series(dtype="Int64")
        return out
    from ..i18n import FALLBACK, _catalog

    texts, fallback = _catalog(lang), _catalog(FALLBACK)

    def template(key: str) -> str:
        return texts.get(key) or fallback.get(key) or key

    names = ("column", "value", "indicator", "detail", "lo", "hi")
    fields = {k: raw[k].astype("string").fillna("") for k in names}
    fields["code"] = raw["code"].astype("string")
    fields["row"] = raw["row"].astype("Int64").astype("string").fillna("")
    n = len(raw)
    expected, messages, hints = (np.full(n, "", dtype=object) for _ in range(3))
    for code, pos in raw.groupby("code", sort=False).indices.items():
        key = CODES[str(code)].key
        sub = {k: v.iloc[pos] for k, v in fields.items()}
        exp = _fill(template(f"{key}.expected"), sub)
        sub["expected"] = exp
        msg = _fill(template(key), sub)
        hint = _fill(template(f"{key}.hint"), sub)
        if code == "values.unknown_indicator":
            closest = sub["detail"].ne("")
            hint = hint.where(~closest, _fill(template(f"{key}.hint_closest"), sub))
        if code == "values.out_of_bounds":  # one open end: "at least lo" / "at most hi"
            for variant, open_end in (("at_least", sub["hi"].eq("")), ("at_most", sub["lo"].eq(""))):
                if open_end.any():
                    end = _fill(template(f"{key}.expected.{variant}"), sub)
                    msg = msg.where(~open_end, _fill(template(f"{key}.{variant}"), {**sub, "expected": end}))
                    exp = exp.where(~open_end, end)
        expected[pos] = exp.to_numpy(dtype=object)
        messages[pos] = msg.to_numpy(dtype=object)
        hints[pos] = hint.to_numpy(dtype=object)
    severity = {str(c): CODES[str(c)].severity for c in pd.unique(raw["code"])}
    out = pd.DataFrame({
        "severity": raw["code"].map(severity).astype("string"),
        "code": raw["code"].astype("string"),
        "file": raw["file"].astype("string"),
        "sheet": raw["sheet"].astype("string"),
        "row": raw["row"].astype("Int64"),
        "column": raw["column"].astype("string"),
        "value": raw["value"].astype("string"),
        "expected": pd.array(expected, dtype="string"),
        "message": pd.array(messages, dtype="string"),
        "hint": pd.array(hints, dtype="string"),
    }, index=raw.index)
    return out.reset_index(drop=True)


def _fill(template: str, fields: Mapping[str, pd.Series]) -> pd.Series:
    """``template.format(**fields)`` for whole columns at once (plain ``{name}`` fields only)."""
    import string

    index = next(iter(fields.values())).index
    out = pd.Series("", index=index, dtype="string")
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        if literal:
            out = out + literal
        if name is not None:
            out = out + (fields[name] if name in fields else "{" + name + "}")
    return out


@validate_options
@protect_fields(copies=("raw_issues", "issues"), views=("accepted", "rejected"), mappings=("provenance",))
@dataclass(frozen=True, eq=False)
class ValidationReport(Result):
    """The result of :func:`validate`: every problem found, and the rows split by them.

    Attributes: ``ok`` (no errors; warnings allowed), ``issues`` (one row per problem, columns
    :data:`ISSUE_COLUMNS`, in the report's ``lang``), ``accepted`` and ``rejected`` (the input
    rows without and with errors, original index kept), ``counts`` (issues per code and column),
    ``provenance`` (files and their SHA-256, catalog label and fingerprint, library version).
    Every table is handed out as a copy (``accepted`` and ``rejected`` as copy-on-write
    copies, free whatever their size): changing one never changes the report. It shares the
    result protocol: :meth:`to_frame` (the issues), ``_repr_html_`` (notebooks),
    :meth:`to_html`, :meth:`to_excel`, :meth:`save`.

    >>> import pandas as pd
    >>> r = validate(pd.DataFrame({"w": [1.0]}), None, kind="microdata", design={"weights": "w"})
    >>> r.ok, r.n_errors, r.issues.empty
    (True, 0, True)
    """

    lang: Lang
    kind: ReportKind
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    provenance: Mapping[str, Any]
    raw_issues: pd.DataFrame = field(repr=False)
    issues: pd.DataFrame = field(init=False, repr=False)

    _stem = "validation"
    _accepted: pd.DataFrame = field(init=False, repr=False)
    _rejected: pd.DataFrame = field(init=False, repr=False)
    _raw_issues: pd.DataFrame = field(init=False, repr=False)
    _issues: pd.DataFrame = field(init=False, repr=False)
    _provenance: Mapping[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "issues", _render(self._raw_issues, self.lang))

    # -- summaries -----------------------------------------------------------------------------
    @property
    def n_errors(self) -> int:
        """Number of issues of severity ``error``."""
        return int(self._issues["severity"].eq("error").sum())

    @property
    def n_warnings(self) -> int:
        """Number of issues of severity ``warning``."""
        return int(self._issues["severity"].eq("warning").sum())

    @property
    def ok(self) -> bool:
        """True when no issue is an error."""
        return self.n_errors == 0

    @property
    def n_rows(self) -> int:
        """Number of rows checked (accepted and rejected)."""
        return self.n_accepted + self.n_rejected

    @property
    def n_accepted(self) -> int:
        """Number of rows accepted (counted by the engine when the rows stayed in one)."""
        engine = self._provenance.get("engine")
        return int(engine["accepted"]) if engine else len(self._accepted)

    @property
    def n_rejected(self) -> int:
        """Number of rows rejected (counted by the engine when the rows stayed in one)."""
        engine = self._provenance.get("engine")
        return int(engine["rejected"]) if engine else len(self._rejected)

    @property
    def counts(self) -> pd.DataFrame:
        """Issues per rule and column: ``severity, code, column, count``, most frequent first."""
        i = self._issues.assign(column=self._issues["column"].fillna(""))
        out = i.groupby(["severity", "code", "column"], sort=True).size().rename("count").reset_index()
        return out.sort_values(["count", "code", "column"], ascending=[False, True, True], kind="stable") \
            .reset_index(drop=True)

    @property
    def counts_by_code(self) -> pd.Series:
        """Number of issues per rule code."""
        return self._issues.groupby("code", sort=True).size().rename("count")

    @property
    def counts_by_column(self) -> pd.Series:
        """Number of issues per column (table-level issues without a column under ``""``)."""
        return self._issues["column"].fillna("").value_counts().sort_index().rename("count")

    def in_lang(self, lang: Lang) -> ValidationReport:
        """The same report with messages, hints and expectations in ``lang``."""
        check_lang(lang, "ValidationReport.in_lang")
        return ValidationReport(lang, self.kind, self._accepted, self._rejected, self.provenance, self._raw_issues)

    def __repr__(self) -> str:
        return (f"ValidationReport(ok={self.ok}, rows={self.n_rows}, "
                f"accepted={self.n_accepted}, rejected={self.n_rejected}, errors={self.n_errors}, "
                f"warnings={self.n_warnings})")

    def summary(self, max_issues: int = 10) -> str:
        """A short text summary in the report's language: verdict, counts, the first issues."""
        from ._writers import summary_text

        return summary_text(self, max_issues)

    # -- the result protocol ---------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The issues (a copy): one row per problem, columns :data:`ISSUE_COLUMNS`."""
        return self._issues.copy()

    def _summary(self) -> Summary:
        from ._writers import report_summary

        return report_summary(self)

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return {"issues": self.to_frame(), "counts": self.counts}

    def _about(self) -> dict[str, Any]:
        return dict(self.provenance)

    # -- writers -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Summary, counts, provenance and issues as plain data (JSON-ready)."""
        issues = self._issues.astype(object).where(self._issues.notna(), None)
        return {
            "ok": self.ok, "kind": self.kind, "lang": self.lang,
            "rows": self.n_rows,
            "accepted": self.n_accepted, "rejected": self.n_rejected,
            "errors": self.n_errors, "warnings": self.n_warnings,
            "counts": self.counts.to_dict(orient="records"),
            "provenance": dict(self.provenance),
            "issues": [{k: (int(v) if k == "row" and v is not None else v) for k, v in rec.items()}
                       for rec in issues.to_dict(orient="records")],
        }

    def to_json(self, path: str | Path | None = None, *, folder: str | Path | None = None) -> str:
        """The report as JSON text; written to ``path`` (inside ``folder`` if given) when a path is given."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
        if path is not None:
            write_text(text, path, folder, self.lang)
        return text

    def to_html(self, path: str | Path | None = None, *, folder: str | Path | None = None) -> str:
        """One self-contained HTML page (no network): summary, counts, a sortable, filterable issues table."""
        from ._writers import render_html

        text = render_html(self)
        if path is not None:
            write_text(text, path, folder, self.lang)
        return text

    def to_excel(self, path: str | Path, *, folder: str | Path | None = None) -> Path:
        """An .xlsx workbook with sheets ``summary`` and ``issues`` (formulas escaped, header frozen)."""
        from .._export import make_reproducible
        from ._writers import write_excel

        target = target_path(path, folder, self.lang)
        try:
            write_excel(self, target)
        except OSError as exc:
            raise write_error(target, exc, self.lang) from exc
        return make_reproducible(target)


# -- validate ------------------------------------------------------------------------------------------

def _row_numbers(frame: pd.DataFrame) -> np.ndarray:
    """The row numbers the user sees: the ``row`` index of a frame from read(), else 2, 3, ...

    (the header being row 1)."""
    if frame.index.name == "row":
        try:
            rows = np.asarray(frame.index, dtype="int64")
            if frame.index.is_unique and (len(rows) == 0 or rows.min() >= 1):
                return rows
        except (TypeError, ValueError, OverflowError):
            pass
    return np.arange(len(frame), dtype="int64") + 2


def _check_year_range(year_range: Any, lang: str) -> tuple[int, int]:
    """``(first, last)`` as two whole numbers, first <= last; an OptionError otherwise."""

    ok = (isinstance(year_range, Sequence) and not isinstance(year_range, str | bytes) and len(year_range) == 2
          and all(isinstance(y, int | np.integer) and not isinstance(y, bool) for y in year_range)
          and year_range[0] <= year_range[1])
    if not ok:
        text = message("option.invalid", lang, name="year_range", func="validate",
                       allowed="(first_year, last_year), two whole numbers, first <= last", got=repr(year_range))
        raise error("option.invalid", lang, message=text, field="year_range", value=repr(year_range),
                    expected="(first_year, last_year)")
    return int(year_range[0]), int(year_range[1])


def _checkable(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, int, int]]]:
    """The frame as the checks see it: one column per name, scalar cells.

    A repeated column name keeps its first column (the others are reported); cells holding
    lists, dicts, sets, bytes or other objects become text, so that each is reported as the
    value it is instead of breaking a check.
    """
    names = [str(c) for c in frame.columns]
    first: dict[str, int] = {}
    keep: list[int] = []
    repeated: list[tuple[str, int, int]] = []
    for j, name in enumerate(names):
        if name in first:
            repeated.append((name, first[name], j))
        else:
            first[name] = j
            keep.append(j)
    out = plain_objects(frame.iloc[:, keep] if repeated else frame)
    if not all(isinstance(c, str) for c in out.columns):
        out = out.set_axis([str(c) for c in out.columns], axis=1)
    out.attrs = frame.attrs
    return out, repeated


def _source(item: Any, k: int, many: bool, lang: Lang = "en") -> tuple[pd.DataFrame, _Table, pd.DataFrame | None]:
    """A table and where it came from (reading a path with :func:`indicators.read`)."""
    if isinstance(item, str | Path):
        from ..io import read

        frame = read(item, lang=lang)
    elif isinstance(item, pd.DataFrame):
        frame = item
    else:
        raise error("validation.bad_input", lang, value=type(item).__name__, expected="a pandas DataFrame or a path")
    prov = frame.attrs.get("provenance")
    file = getattr(prov, "file", None)
    if file is None and isinstance(item, str | Path):
        file = str(item)
    if file is None and many:
        file = f"table_{k + 1}"
    sheet = getattr(prov, "sheet", None)
    sha = getattr(prov, "sha256", None) or _sha_frame(frame)
    problems = getattr(prov, "problems", None)
    return frame, _Table(None if file is None else str(file), None if sheet is None else str(sheet), str(sha),
                         len(frame), tuple(str(c) for c in frame.columns)), problems


#: Reader notes that a values table's ``value`` column makes moot: it mixes numbers with category
#: codes, yes/no words and text by design, and each value is checked against its indicator's unit.
_VALUE_MIXED_TYPES: frozenset[str] = frozenset({"io.text_in_numbers"})


def _read_problems(problems: pd.DataFrame | None, coll: _Collector, rows: np.ndarray, kind: str) -> None:
    if problems is None or len(problems) == 0:
        return
    where = {int(r): i for i, r in enumerate(rows)}
    for rec in problems.to_dict(orient="records"):
        if kind == "values" and rec.get("code") in _VALUE_MIXED_TYPES and isinstance(rec.get("column"), str) \
                and canonical_column(rec["column"]) == "value":
            continue
        row = rec.get("row")
        pos = where.get(int(row)) if row is not None and not pd.isna(row) else None
        text = str(rec.get("message") or rec.get("code") or "")
        col = rec.get("column")
        col = pd.NA if col is None or (not isinstance(col, str) and pd.isna(col)) else str(col)
        value = rec.get("value")
        value = pd.NA if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
        if pos is None:
            coll.table_issue("read.problem", col, value=value, detail=text)
        else:
            coll.cells("read.problem", [pos], str(col) if col is not pd.NA else "", detail=text,
                       value=[value])


@validate_options
def validate(
    data: pd.DataFrame | str | Path | Sequence[pd.DataFrame | str | Path],
    catalog: Catalog | str | Path | None = "mesecvi",
    *,
    kind: Kind = "values",
    design: Mapping[str, Any] | Any | None = None,
    value_labels: Mapping[str, Mapping[Any, Any]] | None = None,
    lang: Lang = "en",
    year_range: tuple[int, int] | None = None,
    lazy: bool = True,
) -> ValidationReport:
    """Check a values table (or survey microdata against its design) and report every problem.

    ``data`` is a DataFrame, a path (read with :func:`indicators.read`) or a list of them (one
    report for all; issues carry the file). ``catalog`` is a :class:`~indicators.Catalog` or a
    name/path for :func:`~indicators.load_catalog` (``None`` for microdata). ``kind="microdata"``
    needs ``design``: a mapping or object with ``weights``, ``strata``, ``psu`` column names
    (and optional ``nest``); ``value_labels`` (default: those the file carried) are checked too.
    ``year_range`` defaults to 1994 to the current year. With ``lazy=False`` a report with
    errors raises :class:`~indicators.DataError` carrying the issues as its problems.

    >>> import pandas as pd
    >>> import indicators as ind
    >>> table = pd.DataFrame({"país": ["PER", "Perú"], "año": [2020, 2021],
    ...                       "indicador": ["MESECVI-LEG-S02", "MESECVI-LEG-S02"], "valor": ["sí", "tal vez"]})
    >>> report = ind.validate(table, "mesecvi", lang="es")
    >>> report.issues[["row", "column", "code"]].values.tolist()
    [[3, 'valor', 'values.yes_no_invalid']]
    """
    lang = check_lang(lang, "validate")
    cat, year_range = _check_arguments(catalog, kind, design, value_labels, year_range, lang)
    if kind == "microdata":
        from ._engine_checks import engine_of, validate_on_engine

        if engine_of(data) is not None:  # Polars, DuckDB or Spark: the checks run in the engine
            return validate_on_engine(data, design, value_labels, lang, lazy)
    many = isinstance(data, list | tuple)
    items = list(data) if many else [data]  # type: ignore[arg-type]
    checked = [_validate_table(item, k, many, kind, cat, design, value_labels, year_range, lang)
               for k, item in enumerate(items)]
    report = _report(checked, many, kind, cat, year_range, lang)
    if not lazy and not report.ok:
        raise DataError(message("validation.invalid", lang, errors=report.n_errors, warnings=report.n_warnings),
                        problems=report.issues)
    return report


def _check_arguments(catalog: Catalog | str | Path | None, kind: Kind, design: Any,
                     value_labels: Any, year_range: Any, lang: Lang) -> tuple[Catalog | None, tuple[int, int]]:
    """The catalog (loaded when named) and the year range; an error for a missing or malformed argument."""
    from ..catalog import Catalog as _Catalog
    from ..catalog import load_catalog

    if kind == "values" and catalog is None:
        raise error("validation.catalog_needed", lang, field="catalog")
    if kind == "microdata" and design is None:
        raise error("validation.design_needed", lang, field="design")
    cat = catalog if isinstance(catalog, _Catalog) or catalog is None else load_catalog(catalog)
    if year_range is None:
        from ._schemas import default_year_range

        year_range = default_year_range()
    year_range = _check_year_range(year_range, lang)
    if value_labels is not None and not (isinstance(value_labels, Mapping)
                                         and all(isinstance(v, Mapping) for v in value_labels.values())):

        text = message("option.invalid", lang, name="value_labels", func="validate",
                       allowed="a mapping of column -> {code: label}", got=repr(value_labels)[:80])
        raise error("option.invalid", lang, message=text, field="value_labels", value=repr(value_labels)[:80],
                    expected="{column: {code: label}}")
    return cat, year_range


@dataclass(frozen=True)
class _Checked:
    """One table checked: its issues (language-neutral), where it came from, its rows split."""

    raw: pd.DataFrame
    table: _Table
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    mapped: pd.DataFrame | None


def _validate_table(item: Any, k: int, many: bool, kind: Kind, cat: Catalog | None, design: Any,
                    value_labels: Mapping[str, Mapping[Any, Any]] | None, year_range: tuple[int, int],
                    lang: Lang) -> _Checked:
    """Read (or take) one table, find its issues and split its rows into accepted and rejected."""
    frame, table, problems = _source(item, k, many, lang)
    rows = _row_numbers(frame)
    check, repeated = _checkable(frame)
    coll = _Collector(check, k, {})
    for name, first, again in repeated:
        coll.table_issue("values.duplicate_column" if kind == "values" else "micro.duplicate_column",
                         f"{name} (column {again + 1})" if kind == "values" else name,
                         value=name, detail=f"{name} (column {first + 1})" if kind == "values"
                         else f"column {first + 1}")
    group_reject = np.zeros(len(frame), dtype=bool)
    if kind == "values":
        assert cat is not None
        _values_issues(check, cat, coll, year_range, rows)
    else:
        prov = frame.attrs.get("provenance")
        labels = value_labels if value_labels is not None else getattr(prov, "value_labels", None)
        group_reject = _micro_issues(check, design, coll, rows, labels, getattr(prov, "missing_codes", None))
    _read_problems(problems, coll, rows, kind)
    raw = _dedupe(coll.frame())
    raw["file"] = table.file
    raw["sheet"] = table.sheet
    raw["row"] = _user_rows(raw["pos"], rows)
    bad = _rejected_rows(raw, group_reject)
    if kind == "values" and coll.parsed is not None:
        accepted = _accepted_values(coll.parsed, frame.index, ~bad, cat)
    else:
        accepted = frame[~bad]
    mapped = coll.mapped.assign(file=table.file) if coll.mapped is not None and len(coll.mapped) else None
    return _Checked(raw, table, accepted, frame[bad], mapped)


def _user_rows(pos: pd.Series, rows: np.ndarray) -> pd.arrays.IntegerArray:
    """The row number the user sees of each issue's position (missing for an issue about the table)."""
    has = pos.notna().to_numpy(dtype=bool)
    at = pos.fillna(0).to_numpy(dtype="int64")
    out = np.zeros(len(pos), dtype="int64")
    out[has] = rows[at[has]]
    return pd.arrays.IntegerArray(out, ~has)


#: The codes of severity ``error``.
_ERROR_CODES: tuple[str, ...] = tuple(c for c, r in RULES.items() if r.severity == "error")


def _rejected_rows(raw: pd.DataFrame, group_reject: np.ndarray) -> np.ndarray:
    """Rows with an error (all of them when an error concerns the whole table)."""
    errors = raw[raw["code"].isin(_ERROR_CODES).to_numpy(dtype=bool)]
    if errors["pos"].isna().any():
        return np.ones(len(group_reject), dtype=bool)
    bad = group_reject.copy()
    bad[errors["pos"].to_numpy(dtype="int64")] = True
    return bad


def _report(checked: list[_Checked], many: bool, kind: Kind, cat: Catalog | None, year_range: tuple[int, int],
            lang: Lang) -> ValidationReport:
    """One report for all the tables: issues sorted by table, row and column; rows stacked by file."""
    from .._version import __version__

    raws = [c.raw for c in checked]
    tables = [c.table for c in checked]
    accepted = [c.accepted for c in checked]
    rejected = [c.rejected for c in checked]
    raw_all = pd.concat(raws, ignore_index=True) if raws else _empty_raw()
    raw_all = raw_all.sort_values(["table", "row", "column", "code", "value"], na_position="first",
                                  kind="stable").reset_index(drop=True)
    if many:
        keys = [t.file or f"table_{k + 1}" for k, t in enumerate(tables)]
        acc = pd.concat(accepted, keys=keys, names=["file", *accepted[0].index.names]) if accepted else pd.DataFrame()
        rej = pd.concat(rejected, keys=keys, names=["file", *rejected[0].index.names]) if rejected else pd.DataFrame()
    else:
        acc, rej = accepted[0], rejected[0]
    provenance = {
        "library": "belem-indicators", "version": __version__, "kind": kind,
        "catalog": cat.label if cat is not None else None,
        "catalog_fingerprint": cat.fingerprint if cat is not None else None,
        "year_range": list(year_range) if kind == "values" else None,
        "files": [{k: v for k, v in {"file": t.file, "sheet": t.sheet, "sha256": t.sha256, "rows": t.rows}.items()
                   if v is not None} for t in tables],
    }
    if kind == "values":
        mapped = [c.mapped for c in checked if c.mapped is not None]
        found = pd.concat(mapped, ignore_index=True) if mapped else pd.DataFrame(columns=[*MAPPED_COLUMNS, "file"])
        provenance["mapped"] = [{k: v for k, v in rec.items() if not (k == "file" and v is None)}
                                for rec in found.astype(object).where(found.notna(), None).to_dict("records")]
    return ValidationReport(lang, kind, acc, rej, provenance, raw_all)


def _accepted_values(parsed: pd.DataFrame, index: pd.Index, keep: np.ndarray, catalog: Catalog | None) -> pd.DataFrame:
    """The accepted rows as a values table: canonical columns, codes, numbers (the input's index kept)."""
    from ..values import VALUE_COLUMNS

    order = [*VALUE_COLUMNS]
    national = [c for c in disaggregation_columns(catalog) if c not in DISAGGREGATIONS]
    at = order.index("se")
    order[at:at] = national
    # the kept rows only; a column's type is decided by the whole table
    text_unit = None
    if "value_code" in parsed.columns:
        text_unit = (parsed["_unit"].isin(["category", "text"]).fillna(False) & parsed["value"].isna()).to_numpy()
    out = parsed[keep]
    if text_unit is not None and text_unit.any():
        out["value"] = out["value"].astype(object).where(~text_unit[keep], out["value_code"].astype(object))
    if "n" in out.columns:
        n = out["n"]
        out["n"] = n.where(n.isna() | (n % 1 == 0)).astype("Float64").round().astype("Int64")
    out = out[[c for c in order if c in out.columns]]
    out.index = index[keep]
    return out


def _dedupe(raw: pd.DataFrame) -> pd.DataFrame:
    """One issue per (code, row, column); an 'empty cell' issue only when nothing more specific applies."""
    if raw.empty:
        return raw
    raw = raw.drop_duplicates(["code", "pos", "column"]).reset_index(drop=True)
    generic = raw["code"].isin(list(_GENERIC_EMPTY)).to_numpy(dtype=bool)
    if generic.any():
        cell = pd.MultiIndex.from_arrays([raw["pos"].astype("Int64"), raw["column"].fillna("")])
        specific = cell[~generic & raw["pos"].notna().to_numpy(dtype=bool)]
        raw = raw[~(generic & cell.isin(specific))]
    return raw.reset_index(drop=True)
