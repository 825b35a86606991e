"""Microdata validation on Polars, DuckDB and PySpark frames, through Narwhals.

Private. :func:`indicators.validate` hands a microdata frame of another engine here. The
design checks of the pandas path (weights missing, not numbers or not positive, strata and
PSUs missing, PSUs in several strata, strata with a single PSU, codes outside the value
labels) run in the engine as filtered and grouped queries; what comes back is one row of
counts per rule and, per rule, the first rows (at most ``limit``), numbered as the pandas
path numbers them (the row's position in the frame plus 2, the header being row 1). The
accepted and rejected rows stay in the engine: they are frames of the input's kind,
filtered lazily.

>>> engine_of([1, 2]) is None
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._codes import error
from ..errors import DataError
from ..i18n import message
from ._cells import display, parse_numbers
from ._rules import RULES

if TYPE_CHECKING:
    from ._validate import ValidationReport, _Collector

__all__ = ["ENGINE_LIMIT", "engine_of", "validate_on_engine"]

#: The first rows of each rule (and column) that come back from an engine.
ENGINE_LIMIT = 1000
#: Engines by the top-level module of their frames: (name shown to users, extra to install).
_ENGINES: dict[str, tuple[str, str]] = {"polars": ("Polars", "polars"), "duckdb": ("DuckDB", "duckdb"),
                                        "pyspark": ("PySpark", "spark")}
_POS = "__ind_pos"
#: A plain number in text: digits with an optional dot decimal, no exponent.
_PLAIN = r"^[+-]?(\d+\.?\d*|\.\d+)$"
_DOT = r"^[+-]?\d*\.\d+$"
_THOUSANDS_DOT = r"^[+-]?\d{1,3}(\.\d{3})+$"


def engine_of(data: Any) -> str | None:
    """The engine of a frame (``polars``, ``duckdb``, ``pyspark``), or None."""
    root = type(data).__module__.split(".", 1)[0]
    return root if root in _ENGINES else None


def _numbered(native: Any, kind: str, nw: Any) -> Any:
    """The frame as a Narwhals lazy frame with the 0-based position of each row (``__ind_pos``)."""
    if kind == "polars":
        import polars as pl

        lazy = native.lazy() if isinstance(native, pl.DataFrame) else native
        return nw.from_native(lazy.with_row_index(_POS))
    if kind == "duckdb":
        return nw.from_native(native.project(f"*, row_number() OVER () - 1 AS {_POS}"))
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    order = Window.orderBy(F.monotonically_increasing_id())
    return nw.from_native(native.withColumn(_POS, F.row_number().over(order) - 1))


def _true(nw: Any, condition: Any) -> Any:
    """``condition`` with missing read as false."""
    return nw.when(condition).then(nw.lit(True)).otherwise(nw.lit(False))


class _Checks:
    """The rules of one engine frame: each a (code, column, flag expression, detail) and its counts."""

    def __init__(self, data: Any, kind: str, limit: int) -> None:
        import narwhals as nw

        self.nw = nw
        self.kind = kind
        self.limit = limit
        self.frame = nw.from_native(data)
        self.lazy = _numbered(data, kind, nw)
        self.schema = dict(self.frame.collect_schema().items())
        self.columns = [str(c) for c in self.schema]
        self.rules: list[tuple[str, str, Any]] = []  # (code, column, flag)
        self.reject: list[Any] = []                # error flags (rows rejected)
        self.table_error = False
        self.totals: dict[str, int] = {}  # rules counted by groups (PSUs, strata), not rows

    # -- what a column holds -----------------------------------------------------------------
    def _numeric(self, column: str) -> bool:
        dtype = self.schema[column]
        return bool(dtype.is_numeric() or dtype == self.nw.Boolean)

    def _float(self, column: str) -> bool:
        return bool(self.schema[column].is_float())

    def text(self, column: str) -> Any:
        """The column as stripped text."""
        col = self.nw.col(column)
        if self.schema[column] != self.nw.String:
            col = col.cast(self.nw.String)
        return col.str.strip_chars()

    def missing(self, column: str) -> Any:
        """True where the cell is empty as the pandas path sees it (null, NaN or blank text)."""
        nw = self.nw
        col = nw.col(column)
        if self._numeric(column):
            return _true(nw, col.is_null() | col.is_nan()) if self._float(column) else col.is_null()
        text = self.text(column)
        return _true(nw, text.is_null() | (text == ""))

    def key(self, column: str) -> Any:
        """The column as the pandas path groups it (text stripped)."""
        return self.nw.col(column) if self._numeric(column) else self.text(column)

    def add(self, code: str, column: str, flag: Any) -> None:
        self.rules.append((code, column, flag))
        if RULES[code].severity == "error":
            self.reject.append(flag)

    # -- queries -------------------------------------------------------------------------------
    def collect(self, frame: Any) -> pd.DataFrame:
        return frame.collect().to_pandas().reset_index(drop=True)

    def counts(self, extra: Mapping[str, Any]) -> dict[str, int]:
        """One pass: the rows, and the rows flagged by each rule and by ``extra``."""
        nw = self.nw
        flags = {f"r{i}": flag for i, (_c, _col, flag) in enumerate(self.rules)}
        flags |= {k: f for k, f in extra.items() if f is not None}
        aggs = [nw.len().alias("n"), *(nw.when(f).then(nw.lit(1)).otherwise(nw.lit(0)).sum().alias(k)
                                       for k, f in flags.items())]
        row = self.collect(self.lazy.select(*aggs)).iloc[0]
        out = {k: int(0 if pd.isna(v) else v) for k, v in row.items()}
        return out | {k: 0 for k in extra if k not in out}

    def first(self, flag: Any, column: str) -> pd.DataFrame:
        """The first ``limit`` rows where ``flag`` holds: their position and the cell of ``column``."""
        nw = self.nw
        found = self.lazy.filter(flag).select(nw.col(_POS), nw.col(column).alias("value"))
        return self.collect(found.sort(_POS).head(self.limit))

    def at(self, positions: Sequence[int], column: str) -> pd.Series:
        """The cells of ``column`` at ``positions``, shown as the pandas path shows them."""
        nw = self.nw
        found = self.collect(self.lazy.filter(nw.col(_POS).is_in([int(p) for p in positions]))
                             .select(nw.col(_POS), nw.col(column).alias("value")))
        shown = display(found["value"])
        shown.index = found[_POS].astype("int64").to_numpy()
        return shown.reindex([int(p) for p in positions])

    def distinct(self, expr: Any, where: Any | None = None) -> tuple[list[Any], pd.Series]:
        """The distinct values of ``expr`` (nulls dropped): as the engine holds them and as pandas reads them."""
        frame = self.lazy if where is None else self.lazy.filter(where)
        uniq = frame.select(expr.alias("v")).filter(~self.nw.col("v").is_null()).unique().collect()
        return list(uniq["v"].to_list()), uniq.to_pandas()["v"].reset_index(drop=True)


def validate_on_engine(data: Any, design: Any, value_labels: Mapping[str, Mapping[Any, Any]] | None,
                       lang: str, lazy: bool, limit: int = ENGINE_LIMIT) -> ValidationReport:
    """:func:`indicators.validate` (``kind="microdata"``) on a Polars, DuckDB or PySpark frame."""
    from .._version import __version__
    from ._validate import ValidationReport, _Collector, _dedupe

    kind = engine_of(data)
    assert kind is not None
    try:
        import narwhals  # noqa: F401
    except ImportError:  # pragma: no cover - narwhals comes with every engine extra
        raise error("validation.bad_input", lang, value=type(data).__name__,
                    expected=f"pip install 'belem-indicators[{_ENGINES[kind][1]}]'") from None
    checks = _Checks(data, kind, limit)
    coll = _Collector(pd.DataFrame(), 0, {c: c for c in checks.columns})
    info = _run(checks, coll, design, value_labels)
    raw = _dedupe(coll.frame())
    raw["file"] = None
    raw["sheet"] = None
    raw["row"] = pd.array(raw["pos"].astype("Float64") + 2, dtype="Int64")
    raw = raw.sort_values(["table", "row", "column", "code", "value"], na_position="first",
                          kind="stable").reset_index(drop=True)
    nw = checks.nw
    flags = checks.reject + info.pop("_reject")
    if checks.table_error or not flags:
        everything, nothing = checks.frame, checks.frame.head(0)
        accepted, rejected = (nothing, everything) if checks.table_error else (everything, nothing)
    else:
        reject = _any(nw, flags)
        accepted, rejected = checks.frame.filter(~reject), checks.frame.filter(reject)
    accepted, rejected = accepted.to_native(), rejected.to_native()
    n = int(info["rows"])
    n_rejected = n if checks.table_error else int(info.pop("_rejected"))
    info.pop("_rejected", None)
    provenance = {
        "library": "belem-indicators", "version": __version__, "kind": "microdata", "catalog": None,
        "catalog_fingerprint": None, "year_range": None, "files": [{"rows": n}],
        "engine": {"name": _ENGINES[kind][0], "rows": n, "accepted": n - n_rejected, "rejected": n_rejected,
                   "limit": limit, "issues": info["issues"]},
    }
    report = ValidationReport(lang, "microdata", accepted, rejected, provenance, raw)  # type: ignore[arg-type]
    if not lazy and not report.ok:
        raise DataError(message("validation.invalid", lang, errors=report.n_errors, warnings=report.n_warnings),
                        problems=report.issues)
    return report


def _any(nw: Any, flags: Sequence[Any]) -> Any:
    """True where any of ``flags`` holds (None when there is none)."""
    out = None
    for f in flags:
        out = _true(nw, f) if out is None else out | _true(nw, f)
    return out


def _run(checks: _Checks, coll: _Collector, design: Any,
         value_labels: Mapping[str, Mapping[Any, Any]] | None) -> dict[str, Any]:
    """Every rule of the pandas path, in the engine; the issues go to ``coll``."""
    from ._schemas import design_columns

    cols = design_columns(design)
    present: dict[str, str | None] = {}
    for role, name in (("weights", cols.weights), ("strata", cols.strata), ("psu", cols.psu)):
        if name is not None and name not in checks.columns:
            coll.table_issue("micro.missing_column", name, detail=role)
            checks.table_error = True
            present[role] = None
        else:
            present[role] = name
    extra: dict[str, Any] = {}
    n = checks.counts({})["n"]
    if n == 0:
        coll.table_issue("micro.empty_table")
        checks.table_error = True
        return {"rows": 0, "issues": {"micro.empty_table": 1}, "_reject": []}
    if present["weights"]:
        _weights(checks, present["weights"])
    for role, code in (("strata", "micro.strata_missing"), ("psu", "micro.psu_missing")):
        name = present[role]
        if name:
            checks.add(code, name, checks.missing(name))
    labelled = {k: v for k, v in (value_labels or {}).items() if k in checks.columns and k not in cols.names.values()}
    for var, labels in labelled.items():
        _labels(checks, var, labels)
    reject: list[Any] = []
    s, p = present["strata"], present["psu"]
    if s and p:
        reject = _design(checks, coll, s, p, nest=cols.nest)
        extra = {"_crossing": _any(checks.nw, reject)}
    extra["_rejected"] = _any(checks.nw, [*checks.reject, *reject])
    found = checks.counts(extra)
    issues: dict[str, int] = {}
    for i, (code, column, flag) in enumerate(checks.rules):
        count = found[f"r{i}"]
        if not count:
            continue
        issues[code] = issues.get(code, 0) + count
        rows = checks.first(flag, column)
        coll.cells(code, rows[_POS].to_numpy(dtype="int64"), column, value=display(rows["value"]).to_numpy())
    for code in ("micro.psu_not_nested", "micro.single_psu_stratum"):
        counted = sum(len(part) for part in coll.parts if not part.empty and part["code"].iloc[0] == code)
        if counted:
            issues[code] = checks.totals.get(code, counted)
    return {"rows": n, "issues": issues, "_reject": reject, "_rejected": found["_rejected"]}


def _weights(checks: _Checks, w: str) -> None:
    """Weights missing, not numbers, zero or negative (as :func:`~._cells.parse_numbers` reads them)."""
    nw = checks.nw
    if checks._numeric(w):
        col = nw.col(w).cast(nw.Float64)
        missing = checks.missing(w)
        checks.add("micro.weight_missing", w, missing)
        checks.add("micro.weight_nonpositive", w, _true(nw, ~missing & (col <= 0)))
        return
    text = checks.text(w)
    blank = _true(nw, text.is_null() | (text == ""))
    plain = _true(nw, text.str.contains(_PLAIN))
    # the values that are not plain numbers are read in pandas, once each
    native, values = checks.distinct(text, where=~blank & ~plain)
    decimal_comma = False
    if len(values):
        dots = checks.counts({"dot": _true(nw, text.str.contains(_DOT) & ~text.str.contains(_THOUSANDS_DOT))})
        spaced = values.astype("string").str.replace(r"(?<=\d)[ \u00a0\u202f](?=\d{3})", "", regex=True)
        comma = spaced.str.fullmatch(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+").fillna(False).any()
        decimal_comma = bool(comma) and not dots["dot"]
    num, bad = parse_numbers(values.astype("string"), decimal_comma=decimal_comma)
    bad_values = [v for v, b in zip(native, bad.to_numpy(), strict=True) if b]
    low_values = [v for v, x in zip(native, num.to_numpy(), strict=True) if x <= 0]
    checks.add("micro.weight_missing", w, blank)
    if bad_values:
        checks.add("micro.weight_not_number", w, _true(nw, text.is_in(bad_values)))
    low = plain & (text.str.starts_with("-") | ~text.str.contains("[1-9]"))
    if low_values:
        low = low | _true(nw, text.is_in(low_values))
    checks.add("micro.weight_nonpositive", w, _true(nw, low))


def _labels(checks: _Checks, var: str, labels: Mapping[Any, Any]) -> None:
    """Codes outside the value labels: decided in pandas on the distinct values, found in the engine."""
    native, values = checks.distinct(checks.nw.col(var))
    keys = list(labels.keys())
    if keys and all(isinstance(k, int | float | np.number) for k in keys) and not \
            pd.api.types.is_numeric_dtype(values.dtype):
        num, bad = parse_numbers(values)
        values = num.astype("object").where(~bad, values.astype("object"))
    outside = ~values.isin(keys) & values.notna()
    bad_values = [v for v, b in zip(native, outside.to_numpy(dtype=bool), strict=True) if b]
    if bad_values:
        checks.add("micro.unlabelled_value", var, _true(checks.nw, checks.nw.col(var).is_in(bad_values)))


def _design(checks: _Checks, coll: _Collector, s: str, p: str, *, nest: bool) -> list[Any]:
    """PSUs in several strata (unless coded within strata) and strata with one PSU, grouped in the
    engine; returns the flags of the rows rejected with their PSU."""
    from ._schemas import _code_text

    nw = checks.nw
    complete = _true(nw, ~checks.missing(s) & ~checks.missing(p))
    sk, pk = checks.key(s).alias("s"), checks.key(p).alias("p")
    rows = checks.lazy.filter(complete).select(sk, pk, nw.col(_POS))
    reject: list[Any] = []
    if not nest:
        per_psu = rows.group_by("p").agg(nw.col("s").n_unique().alias("k"), nw.col(_POS).min().alias("first"))
        crossing = checks.collect(per_psu.filter(nw.col("k") > 1))
        if len(crossing):
            native = crossing["p"].tolist()
            checks.totals["micro.psu_not_nested"] = len(crossing)
            crossing = crossing.sort_values("first", kind="stable").head(checks.limit)
            pairs = checks.collect(rows.filter(nw.col("p").is_in(crossing["p"].tolist()))
                                   .select("p", "s").unique())
            listed = pairs.groupby("p", sort=False)["s"].agg(lambda v: ", ".join(sorted(map(_code_text, v))))
            first = crossing["first"].astype("int64").to_numpy()
            coll.cells("micro.psu_not_nested", first, p, value=checks.at(first, p).to_numpy(),
                       detail=crossing["p"].map(listed).to_numpy())
            reject.append(complete & checks.key(p).is_in(native))
    per_stratum = rows.group_by("s").agg(nw.col("p").n_unique().alias("k"), nw.col(_POS).min().alias("first"),
                                         nw.col("p").min().alias("psu"))
    lonely = checks.collect(per_stratum.filter(nw.col("k") == 1))
    if len(lonely):
        checks.totals["micro.single_psu_stratum"] = len(lonely)
        lonely = lonely.sort_values("first", kind="stable").head(checks.limit)
        first = lonely["first"].astype("int64").to_numpy()
        coll.cells("micro.single_psu_stratum", first, s, value=checks.at(first, s).to_numpy(),
                   detail=[str(v) for v in lonely["psu"]])
    return reject
