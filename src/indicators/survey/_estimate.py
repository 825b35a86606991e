"""Outcome indicators estimated from survey microdata, as rows of the values table.

Every indicator of a catalog whose definition has an ``estimation`` block
(``variable`` or ``expression``, optional ``denominator``, ``universe``,
``statistic``, ``quantile``, ``scale``) is estimated with a survey design and written
as rows of the values table (:mod:`indicators.values`): the national total and one row
per domain of each requested disaggregation, with ``se``, ``ci_low``, ``ci_high``,
``cv``, ``n`` and status ``estimated``.

Decisions, so a result can be rebuilt:

* The ``universe`` is a domain, not a subset: rows outside it leave the estimate,
  never the design (every PSU stays in the variance), as R's ``subset()``.
* A row where the analysed variable (or any variable of an ``expression``) is missing
  leaves the domain the same way.
* ``value``, ``se``, ``ci_low`` and ``ci_high`` are multiplied by ``scale`` (100 for a
  percentage); ``cv`` is written in percent, 100 * se / |estimate| (5.0 = 5 %), whatever
  the scale, as the values table holds it (the national offices' convention, which the
  reports' 15/30 % quality thresholds and validation's ``values.cv_inconsistent`` use);
  :class:`~indicators.survey.Estimates` keeps R's fraction.
* Proportions get R's ``svyciprop`` logit interval (t on the domain's degrees of
  freedom); means, totals and ratios the Wald interval; quantiles Woodruff's.
* ``by`` lists the disaggregations: each item is one variable (``"age_group_broad"``)
  or several crossed (``("state", "age_group")``). A variable named like a values-table
  disaggregation column in any accepted form (``area``, ``zona``, ``age_group_broad``,
  a national overlay's own, …) is written in that column, its values mapped to the
  codelist's codes where they resolve (so ``"Urbano"`` becomes ``U``). The sub-national
  unit is the variable named ``region=`` (or named like the ``region`` column:
  ``departamento``, ``provincia``, an overlay's alias such as ``estado``): written in
  ``region`` as ISO 3166-2 codes of ``country`` (or the overlay's national codes); a
  value that is neither is refused. Any other variable is refused, with how to declare
  it. Rows that are not disaggregated by a column hold ``_T`` (``region``: empty, the
  whole country).
* ``note`` names the method and the quality flag (reliable, caution, unreliable, empty).

>>> import pandas as pd
>>> import indicators as ind
>>> micro = pd.DataFrame({
...     "ipv_any_12m": [1, 0, 0, 1, 0, None, 1, 0], "partnered": [1, 1, 1, 1, 1, 0, 1, 1],
...     "age": [30, 41, 25, 52, 19, 33, 60, 45], "area": ["U", "U", "R", "R", "U", "R", "U", "R"],
...     "weight": [120.0, 80, 100, 90, 110, 95, 70, 130], "stratum": [1, 1, 1, 1, 2, 2, 2, 2],
...     "psu": [1, 1, 2, 2, 3, 3, 4, 4]})
>>> design = ind.SurveyDesign(micro, weights="weight", strata="stratum", psu="psu")
>>> table = ind.estimate(ind.load_catalog("mesecvi"), micro, design, by="area", country="MEX",
...                      year=2021, indicators=["MESECVI-INF-R01"])
>>> table[["indicator", "area", "value", "n", "status"]]
         indicator area   value  n     status
0  MESECVI-INF-R01   _T  40.000  7  estimated
1  MESECVI-INF-R01    R  28.125  3  estimated
2  MESECVI-INF-R01    U  50.000  4  estimated
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._codes import error, problem
from .._options import validate_options
from ..catalog import Catalog, Expression, ExpressionError, Indicator
from ..errors import DataError, DefinitionError
from ..i18n import Lang, check_lang, message
from ..values import (
    DISAGGREGATIONS,
    REGION,
    TOTAL,
    VALUE_COLUMNS,
    canonical_column,
    disaggregation_columns,
    resolve_code,
    resolve_country,
    resolve_region,
)
from ._designs import ReplicateDesign, SurveyDesign
from ._estimators import _Design
from ._files import read_design

__all__ = ["estimate", "estimable", "parse_by"]

ByItem = str | Sequence[str]


def estimable(catalog: Catalog, indicators: Sequence[str] | None = None) -> list[Indicator]:
    """The catalog's indicators with an ``estimation`` block (optionally only ``indicators``)."""
    chosen = [i for i in catalog if i.estimation]
    if indicators is not None:
        wanted = list(indicators)
        unknown = [i for i in wanted if i not in catalog]
        if unknown:
            text = message("survey.estimate.unknown_indicator", "en", ids=", ".join(unknown))
            raise DefinitionError(text, problems=[problem("survey.estimate.unknown_indicator", "en", message=text,
                                                          value=u) for u in unknown])
        chosen = [i for i in chosen if i.id in set(wanted)]
    return chosen


def parse_by(text: str | None) -> list[ByItem]:
    """Parse a command-line ``by``: commas separate disaggregations, ``*`` crosses variables.

    >>> parse_by("state,state*age_group")
    ['state', ('state', 'age_group')]
    """
    if not text:
        return []
    out: list[ByItem] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        names = tuple(p.strip() for p in part.split("*") if p.strip())
        out.append(names[0] if len(names) == 1 else names)
    return out


def _evaluate(text: str, data: pd.DataFrame, indicator: str, field: str, lang: str) -> np.ndarray:
    """Evaluate an expression of a definition; NaN where any of its variables is missing."""
    try:
        expr = Expression(text)
    except ExpressionError as exc:
        raise DefinitionError(f"{indicator}, estimation.{field}: {exc}", problems=exc.problems) from None
    missing = sorted(n for n in expr.names if n not in data.columns)
    if missing:
        text_ = message("survey.estimate.missing_variable", lang, indicator=indicator, field=field,
                        variables=", ".join(missing), expression=text)
        raise DataError(text_, problems=[problem("survey.estimate.missing_variable", lang, message=text_, column=m,
                                                 field=f"{indicator}: estimation.{field}",
                                                 expected="a column of the microdata") for m in missing])
    result = expr.evaluate(data)
    values = np.asarray(pd.Series(result, index=data.index) if np.ndim(result) else
                        np.full(len(data), result))
    if values.dtype == object or pd.api.types.is_extension_array_dtype(values.dtype):
        values = pd.Series(values).astype("float64").to_numpy()
    values = values.astype(np.float64)
    gone = np.zeros(len(data), dtype=bool)
    for name in expr.names:
        gone |= data[name].isna().to_numpy()
    values[gone] = np.nan
    return values


def _universe(text: str | None, data: pd.DataFrame, indicator: str, lang: str) -> np.ndarray:
    if not text:
        return np.ones(len(data), dtype=bool)
    values = _evaluate(text, data, indicator, "universe", lang)
    return np.nan_to_num(values, nan=0.0) != 0


@validate_options
def estimate(catalog: Catalog, microdata: pd.DataFrame | str | Path | Any,
             design: SurveyDesign | ReplicateDesign | str | Path | Mapping[str, Any],
             by: ByItem | Sequence[ByItem] | None = None, country: str | None = None,
             year: int | None = None, indicators: Sequence[str] | None = None, *,
             level: float = 0.95, lang: Lang = "en", region: str | None = None) -> pd.DataFrame:
    """Estimate every estimable outcome indicator of ``catalog`` from ``microdata``.

    ``design`` is a design built on ``microdata``, or the path of a design YAML file
    (see :func:`indicators.survey.read_design`). ``region`` names the microdata variable
    that holds the sub-national unit. Returns a values table (the columns of
    :data:`indicators.values.VALUE_COLUMNS`, plus a national overlay's disaggregations when
    ``by`` uses them), ready for ``validate()`` and ``score()``. ``microdata`` may also be
    a Polars, DuckDB or PySpark frame, or a file (a large Parquet or CSV file runs on
    DuckDB: see :func:`indicators.survey.read_design`).
    """
    from ._engines import engine_of, open_microdata

    lang = check_lang(lang, "estimate")
    if isinstance(microdata, (str, Path)):
        microdata = open_microdata(microdata, lang=lang)
    on_engine = engine_of(microdata) is not None
    if not isinstance(microdata, pd.DataFrame) and not on_engine:
        raise error("survey.estimate.not_frame", lang, value=type(microdata).__name__, got=type(microdata).__name__)
    if isinstance(design, (str, Path, Mapping)):
        design = read_design(design, microdata, lang=lang)
    if not isinstance(design, _Design):
        raise error("survey.estimate.not_design", lang, value=type(design).__name__, got=type(design).__name__)
    if not on_engine and design.n_rows != len(microdata):
        raise error("survey.estimate.rows", lang, design=design.n_rows, data=len(microdata))
    items: list[ByItem]
    if by is None:
        items = []
    elif isinstance(by, str):
        items = [by]
    else:
        items = list(by)
    groups: list[tuple[str, ...]] = [()] + [(b,) if isinstance(b, str) else tuple(b) for b in items]
    if country is not None:
        country = resolve_country(country) or country
    if on_engine:
        from ._engines import distinct_values

        names = list(dict.fromkeys([*(n for g in groups for n in g), *([region] if region else [])]))
        engine = getattr(design, "_engine", None)
        if engine is None:
            raise error("survey.estimate.rows", lang, design=design.n_rows, data="?")
        seen = distinct_values(engine, names)
        targets = _by_columns(groups, catalog, seen, region, country, lang)
    else:
        targets = _by_columns(groups, catalog, microdata, region, country, lang)
    chosen = estimable(catalog, indicators)
    extra_cols = [c for c in dict.fromkeys(t for t, _m in targets.values()) if c not in VALUE_COLUMNS]
    rows: list[pd.DataFrame] = []
    from .._progress import progress

    for ind in progress(chosen, desc="estimate", unit="indicator"):
        rows.extend(_estimate_one(ind, microdata, design, groups, level, lang, targets))
    columns = list(VALUE_COLUMNS)
    at = columns.index("se")
    columns[at:at] = extra_cols
    totals = {*DISAGGREGATIONS, *extra_cols}
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    table = pd.concat(rows, ignore_index=True)
    table["country"] = pd.array([country] * len(table), dtype="string")
    table["year"] = pd.array([year] * len(table), dtype="Int64")
    for col in columns:
        if col not in table.columns:
            table[col] = pd.array([TOTAL if col in totals else None] * len(table), dtype="string")
        elif col in totals:
            table[col] = table[col].astype("string").fillna(TOTAL)
    table["n"] = table["n"].astype("Int64")
    return table[columns]


def _by_columns(groups: list[tuple[str, ...]], catalog: Catalog, microdata: pd.DataFrame, region: str | None,
                country: str | None, lang: str) -> dict[str, tuple[str, dict[Any, str]]]:
    """For each ``by`` variable: the values-table column it fills and its values as codes.

    A disaggregation (by name or alias, shipped or national) or the sub-national unit; any other
    variable is refused with how to declare it, and so is a unit that does not resolve.
    """
    names = list(dict.fromkeys(n for g in groups for n in g))
    missing = [n for n in names if n not in microdata.columns]
    if missing:
        text = message("survey.estimate.missing_by", lang, variables=", ".join(missing))
        raise DataError(text, problems=[problem("survey.estimate.missing_by", lang, message=text, column=m)
                                        for m in missing])
    if region is not None and region not in microdata.columns:
        text = message("survey.estimate.missing_by", lang, variables=region)
        raise DataError(text, problems=[problem("survey.estimate.missing_by", lang, message=text, column=region,
                                                field="region")])
    dis = disaggregation_columns(catalog)
    out: dict[str, tuple[str, dict[Any, str]]] = {}
    for name in names:
        canon = canonical_column(name, catalog)
        values = pd.unique(microdata[name].dropna())
        if name == region or (region is None and canon == REGION):
            codes = {v: resolve_region(v, country, catalog) for v in values}
            bad = [v for v, c in codes.items() if c is None]
            if bad:
                shown = ", ".join(_shown(v) for v in sorted(bad, key=str)[:10])
                text = message("survey.estimate.unknown_region", lang, variable=name, values=shown,
                               country=country or "?")
                raise DataError(text, problems=[problem("survey.estimate.unknown_region", lang, message=text,
                                                        column=name, value=_shown(v)) for v in bad])
            out[name] = (REGION, {v: str(c) for v, c in codes.items()})
        elif name in dis or canon in dis:
            column = name if name in dis else str(canon)
            out[name] = (column, {v: resolve_code(column, v, catalog) or _shown(v) for v in values})
        else:
            text = message("survey.estimate.undeclared_by", lang, variable=name,
                           disaggregations=", ".join(dis))
            raise DataError(text, problems=[problem("survey.estimate.undeclared_by", lang, message=text, column=name,
                                                    expected="a disaggregation or the sub-national unit")])
    return out


def _shown(value: Any) -> str:
    """A microdata value as a person reads it (``9``, not ``9.0`` or ``np.float64(9.0)``)."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _estimate_one(ind: Indicator, microdata: pd.DataFrame, design: _Design,
                  groups: list[tuple[str, ...]], level: float, lang: str,
                  targets: Mapping[str, tuple[str, Mapping[Any, str]]]) -> list[pd.DataFrame]:
    spec = dict(ind.estimation or {})
    statistic = spec.get("statistic", "mean")
    scale = float(spec.get("scale", 1.0))
    y_name, x_name = ind.id, f"{ind.id} ({spec.get('denominator', '')})"
    if hasattr(design, "_engine"):
        if "compare" in spec:
            from ._engines import unsupported

            raise unsupported(design._engine.kind, "estimation.compare", lang)
        work = _engine_columns(ind, spec, design, y_name, x_name, lang)
    else:
        work = _pandas_columns(ind, spec, microdata, design, y_name, x_name, lang)
        if "compare" in spec:
            return _compared(ind, spec, work, y_name, statistic, scale, microdata, groups, level, lang, targets)
    return _estimates(ind, work, statistic, scale, groups, level, y_name, x_name, spec, targets)


def _engine_columns(ind: Indicator, spec: Mapping[str, Any], design: Any, y_name: str, x_name: str,
                    lang: str) -> Any:
    """The derived variables of an indicator as expressions run by the design's engine."""
    from ._engines import EngineExpressions

    engine = design._engine
    ev = EngineExpressions(engine, lang)
    nw = engine.nw
    if "variable" in spec:
        name = spec["variable"]
        if name not in engine.schema:
            raise _missing_variable(ind, name, "variable", lang)
        y = engine.numeric(name, "estimate")
    else:
        y = ev.evaluate(spec["expression"], ind.id, "expression")
    none = nw.lit(None, dtype=nw.Float64)
    if spec.get("universe"):
        inside = ev.evaluate(spec["universe"], ind.id, "universe")
        keep = nw.when(inside.is_null()).then(nw.lit(False)).otherwise(inside != 0)
        y = nw.when(keep).then(y).otherwise(none)
    else:
        keep = None
    columns = {y_name: y}
    if spec.get("statistic", "mean") == "ratio":
        den = ev.evaluate(spec["denominator"], ind.id, "denominator")
        columns[x_name] = den if keep is None else nw.when(keep).then(den).otherwise(none)
    return design._derive(columns)


def _missing_variable(ind: Indicator, name: str, field: str, lang: str) -> Exception:
    """The error of an ``estimation`` block naming a column the microdata lack."""
    text = message("survey.estimate.missing_variable", lang, indicator=ind.id, field=field, variables=name,
                   expression=name)
    return error("survey.estimate.missing_variable", lang, message=text, column=name,
                 field=f"{ind.id}: estimation.{field}")


def _pandas_columns(ind: Indicator, spec: Mapping[str, Any], microdata: pd.DataFrame, design: _Design,
                    y_name: str, x_name: str, lang: str) -> Any:
    statistic = spec.get("statistic", "mean")
    universe = _universe(spec.get("universe"), microdata, ind.id, lang)
    if "variable" in spec:
        name = spec["variable"]
        if name not in microdata.columns:
            raise _missing_variable(ind, name, "variable", lang)
        y = pd.to_numeric(microdata[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        y = _evaluate(spec["expression"], microdata, ind.id, "expression", lang)
    y = np.where(universe, y, np.nan)
    # the derived variables are named after the indicator, so that any message names it
    columns = {y_name: y}
    if statistic == "ratio":
        den = _evaluate(spec["denominator"], microdata, ind.id, "denominator", lang)
        columns[x_name] = np.where(universe, den, np.nan)
    return design._derive(columns)


def _value_rows(ind: Indicator, frame: pd.DataFrame, scale: float, group: tuple[str, ...],
                targets: Mapping[str, tuple[str, Mapping[Any, str]]]) -> pd.DataFrame:
    """Values-table rows of one estimates frame: the figures scaled to the indicator's unit, the
    cv in percent, and each domain column written as the code of its values-table column."""
    part = pd.DataFrame({
        "indicator": pd.array([ind.id] * len(frame), dtype="string"),
        "value": frame["estimate"].to_numpy() * scale,
        "se": frame["se"].to_numpy() * scale,
        "ci_low": frame["ci_low"].to_numpy() * scale,
        "ci_high": frame["ci_high"].to_numpy() * scale,
        "cv": 100.0 * frame["cv"].to_numpy(),  # percent in the values table
        "n": frame["n"].to_numpy(),
        "status": pd.array(["estimated"] * len(frame), dtype="string"),
    })
    for col in group:
        column, codes = targets[col]
        part[column] = pd.array([codes.get(v, _shown(v)) for v in frame[col].to_numpy()], dtype="string")
    return part


def _estimates(ind: Indicator, work: Any, statistic: str, scale: float, groups: list[tuple[str, ...]],
               level: float, y_name: str, x_name: str, spec: Mapping[str, Any],
               targets: Mapping[str, tuple[str, Mapping[Any, str]]]) -> list[pd.DataFrame]:
    out = []
    for g in groups:
        by = list(g) or None
        if statistic == "proportion":
            est = work.proportion(y_name, by=by, level=level, ci_method="logit", deff=False)
        elif statistic == "mean":
            est = work.mean(y_name, by=by, level=level, deff=False)
        elif statistic == "total":
            est = work.total(y_name, by=by, level=level, deff=False)
        elif statistic == "ratio":
            est = work.ratio(y_name, x_name, by=by, level=level, deff=False)
        else:
            est = work.quantile(y_name, float(spec.get("quantile", 0.5)), by=by, level=level)
        frame = est.to_frame()
        part = _value_rows(ind, frame, scale, g, targets)
        ci = est.options.get("ci_method", "")
        method = f"{est.method}; {statistic}, {ci} {level:.0%} CI"
        part["note"] = pd.array([f"{method}; quality: {f}" for f in frame["flag"]], dtype="string")
        out.append(part)
    return out


def _compared(ind: Indicator, spec: Mapping[str, Any], work: _Design, y_name: str, statistic: str,
              scale: float, microdata: pd.DataFrame, groups: list[tuple[str, ...]], level: float, lang: str,
              targets: Mapping[str, tuple[str, Mapping[Any, str]]]) -> list[pd.DataFrame]:
    """Rows of an indicator defined as the gap (or ratio) between two groups (``compare``).

    The statistic in the first group minus (or over) the statistic in the second, with the
    SE from the covariance of the two domain estimates (:func:`indicators.survey.difference`;
    R's ``svyby(covmat = TRUE)`` then ``svycontrast``); within each domain of a requested
    disaggregation, one gap per domain. The compared variable cannot be a disaggregation of
    its own gap.
    """
    from ._analysis import difference

    comp = spec["compare"]
    by_var, kind = str(comp["by"]), str(comp.get("as", "difference"))
    pair = (comp["groups"][0], comp["groups"][1])
    if statistic not in ("mean", "proportion", "total"):
        raise error("survey.estimate.compare_statistic", lang, indicator=ind.id, statistic=statistic,
                    field=f"{ind.id}: estimation.statistic", value=statistic,
                    expected="mean, proportion or total")
    if by_var not in microdata.columns:
        raise _missing_variable(ind, by_var, "compare.by", lang)
    present = {_shown(v) for v in pd.unique(microdata[by_var].dropna())}
    absent = [g for g in pair if _shown(g) not in present]
    if absent:
        values = ", ".join(sorted(present)[:20])
        fields: dict[str, Any] = {"indicator": ind.id, "variable": by_var, "groups": ", ".join(map(_shown, absent)),
                  "values": values}
        raise error("survey.estimate.compare_group", lang, **fields, column=by_var,
                    rows=[problem("survey.estimate.compare_group", lang, **fields, column=by_var,
                                  field=f"{ind.id}: estimation.compare.groups", value=_shown(g),
                                  expected=values) for g in absent])
    stat: Any = statistic
    out = []
    for g in groups:
        if by_var in g:
            raise error("survey.estimate.compare_by", lang, indicator=ind.id, variable=by_var, column=by_var,
                        field="by")
        if not g:
            est = difference(work, y_name, by_var, pair, statistic=stat, ratio=True, level=level)
            frame = est.to_frame()
        else:
            cell = "\x00domain"
            keys = microdata[list(g)]
            known = keys.notna().all(axis=1).to_numpy()
            codes, uniques = pd.MultiIndex.from_frame(keys.astype(object)).factorize()
            codes = np.where(known, codes, -1)
            cell_codes = np.where(codes >= 0, codes.astype(np.float64), np.nan)
            est = difference(work._derive({cell: cell_codes}), y_name, by_var, pair, statistic=stat, ratio=True,
                             within=cell, level=level)
            frame = est.to_frame()
            index = frame[cell].to_numpy(dtype=np.int64)
            for k, col in enumerate(g):
                frame[col] = [uniques[i][k] for i in index]
        half = len(frame) // 2  # the differences, then the ratios, in the same domain order
        frame = (frame.iloc[half:] if kind == "ratio" else frame.iloc[:half]).reset_index(drop=True)
        part = _value_rows(ind, frame, scale, g, targets)
        sign = "/" if kind == "ratio" else "-"
        what = f"{statistic} {kind} {by_var}: {_shown(pair[0])} {sign} {_shown(pair[1])}"
        part["note"] = pd.array([f"{est.method}; {what}, {level:.0%} CI; p = {p:.3g}"
                                 for p in frame["p_value"]], dtype="string")
        out.append(part)
    return out
