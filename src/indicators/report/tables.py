"""The report's tables as raw data: latest values, trends, precision, gaps, coverage, scores.

Pure functions from the values table, the catalog and the scores table to DataFrames
(no formatting, no language): the builders in :mod:`.country` and
:mod:`.hemispheric` label and format them.

>>> import pandas as pd
>>> rows = pd.DataFrame({"country": ["PER", "PER"], "year": [2014, 2020],
...                      "indicator": ["X-1", "X-1"], "value": [40.0, 55.0]})
>>> trend_code([(2014, 40.0, None), (2020, 55.0, None)], "higher_is_better")
'improving'
>>> quality_flag(12.0), quality_flag(22.0), quality_flag(40.0), quality_flag(None)
('reliable', 'caution', 'unreliable', 'unknown')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from .._codes import error
from .._scalars import plain_objects
from ..errors import DataError
from ..values import REGION, TOTAL, disaggregation_columns, to_codes

if TYPE_CHECKING:
    from ..catalog import Catalog, Indicator

__all__ = [
    "SCORE_COLUMNS",
    "coverage_by_area",
    "gap_rows",
    "latest_values",
    "precision",
    "prepare_scores",
    "prepare_values",
    "quality_flag",
    "sign_rows",
    "to_points",
    "trend_change",
    "trend_code",
]

#: The first columns of a scores table (``Scores.to_frame()``).
SCORE_COLUMNS: tuple[str, ...] = (
    "country",
    "year",
    "level",
    "unit",
    "score",
    "ci_low",
    "ci_high",
    "rank",
    "rank_low",
    "rank_high",
    "coverage",
)
_NUMERIC = ("value", "se", "ci_low", "ci_high", "cv", "n")
_TEXT = ("status", "source", "note", "currency")
_YES = {"yes", "si", "sí", "true", "verdadero", "sim", "oui", "1"}
_NO = {"no", "false", "falso", "não", "nao", "non", "0"}


def _problem(code: str, lang: str, **values: Any) -> DataError:
    return cast(DataError, error(code, lang, **values))


def prepare_values(values: pd.DataFrame, lang: str = "en", catalog: Any = None, *,
                   regions: bool = False) -> pd.DataFrame:
    """The values table with canonical column names and codes, totals only, numbers as floats.

    Rows of a disaggregation (any disaggregation column other than ``_T`` or empty) are left
    out: reports show totals. Rows of a sub-national unit are left out too, unless ``regions``:
    then only they are kept, with their ``region`` code. ``value_text`` keeps the value as given
    (a category code, a yes/no word); ``value`` is its number (yes = 1, no = 0).
    """
    if not isinstance(values, pd.DataFrame):
        raise _problem("report.values_not_frame", lang, got=type(values).__name__)
    frame, _mapped = to_codes(plain_objects(values), catalog)
    missing = [c for c in ("country", "year", "indicator") if c not in frame.columns]
    if missing:
        raise _problem(
            "report.values_missing_columns",
            lang,
            columns=", ".join(missing),
            found=", ".join(map(str, values.columns)),
        )
    if "value" not in frame.columns:
        frame["value"] = np.nan
    keep = pd.Series(True, index=frame.index)
    for col in disaggregation_columns(catalog):
        if col in frame.columns:
            text = frame[col].astype("string").str.strip()
            keep &= text.isna() | (text == "") | (text == TOTAL)
    unit = (frame[REGION].astype("string").str.strip() if REGION in frame.columns
            else pd.Series(pd.NA, index=frame.index, dtype="string"))
    national = (unit.isna() | (unit == "") | (unit == TOTAL)).fillna(True).astype(bool)
    keep &= ~national if regions else national
    frame = frame.loc[keep].copy()
    frame[REGION] = unit.loc[frame.index]
    raw = frame["value"]
    text = raw.astype("string").str.strip()
    numeric = pd.to_numeric(raw, errors="coerce").astype("float64")
    folded = text.str.casefold()
    numeric = numeric.mask(numeric.isna() & folded.isin(_YES), 1.0)
    numeric = numeric.mask(numeric.isna() & folded.isin(_NO), 0.0)
    frame["value_text"] = text
    frame["value"] = numeric
    for col in _NUMERIC[1:]:
        frame[col] = (
            pd.to_numeric(frame[col], errors="coerce").astype("float64")
            if col in frame.columns
            else np.nan
        )
    for col in _TEXT:
        frame[col] = frame[col].astype("string").str.strip() if col in frame.columns else pd.NA
        frame[col] = frame[col].astype("string")
    frame["country"] = frame["country"].astype("string").str.strip().str.upper()
    frame["indicator"] = frame["indicator"].astype("string").str.strip()
    year = pd.to_numeric(frame["year"], errors="coerce").astype("float64")
    year = year.where(np.isfinite(year) & (year == np.floor(year)) & (year.abs() < 10_000))
    frame["year"] = year.astype("Int64")
    frame = frame.loc[frame["year"].notna() & frame["country"].notna() & frame["indicator"].notna()]
    cols = [
        "country",
        *([REGION] if regions else []),
        "year",
        "indicator",
        "value",
        "value_text",
        "se",
        "ci_low",
        "ci_high",
        "cv",
        "n",
        "status",
        "source",
        "note",
        "currency",
    ]
    return (
        frame[cols]
        .sort_values(["country", "indicator", *([REGION] if regions else []), "year"], kind="stable")
        .reset_index(drop=True)
    )


def prepare_scores(scores: Any, lang: str = "en") -> pd.DataFrame | None:
    """A scores table (``Scores`` or its DataFrame) with the standard first columns, or ``None``."""
    if scores is None:
        return None
    frame = (
        scores.to_frame()
        if hasattr(scores, "to_frame") and not isinstance(scores, pd.DataFrame)
        else scores
    )
    if not isinstance(frame, pd.DataFrame):
        raise _problem("report.scores_not_frame", lang, got=type(scores).__name__)
    missing = [c for c in SCORE_COLUMNS if c not in frame.columns]
    if missing:
        raise _problem(
            "report.scores_missing_columns",
            lang,
            columns=", ".join(missing),
            expected=", ".join(SCORE_COLUMNS),
        )
    out = frame[list(SCORE_COLUMNS)].copy()
    for col in ("score", "ci_low", "ci_high", "rank", "rank_low", "rank_high", "coverage"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["year"] = pd.to_numeric(out["year"], errors="coerce").astype("Int64")
    for col in ("country", "level", "unit"):
        out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


def to_points(ind: Indicator, value: Any, text: Any = None) -> float:
    """A comparable number for a value: the category's points for categories, else the value."""
    if ind.unit == "category":
        code = text if isinstance(text, str) and text else value
        for cat in ind.categories:
            c = cat.get("code")
            if (
                isinstance(code, str)
                and str(c) == code.strip()
                or (
                    not isinstance(code, str)
                    and code is not None
                    and not pd.isna(code)
                    and isinstance(c, int | float)
                    and float(c) == float(code)
                )
            ):
                points = cat.get("points")
                return float(points) if points is not None else float("nan")
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def trend_change(
    series: Sequence[tuple[int, float, float | None]], level: float = 0.95
) -> dict[str, Any] | None:
    """The change between the last two rounds with a value, tested when both carry an SE.

    ``series`` as for :func:`trend_code`. Returns None with fewer than two rounds, else
    ``change``, ``se``, ``statistic``, ``p_value`` and ``significant`` of the difference of
    two independent survey estimates (:func:`indicators.survey.change_test`; NaN and
    ``None`` where a round has no standard error).

    >>> t = trend_change([(2016, 20.0, 0.5), (2021, 22.0, 0.5)])
    >>> t["significant"], round(t["p_value"], 4)
    (True, 0.0047)
    """
    from ..survey import change_test

    points = [(y, v, s) for y, v, s in series if v is not None and math.isfinite(v)]
    if len(points) < 2:
        return None
    (_, prev, se0), (_, last, se1) = points[-2], points[-1]
    known = all(s is not None and math.isfinite(s) for s in (se0, se1))
    row = change_test([prev], [se0 if known else np.nan], [last], [se1 if known else np.nan],
                      level=level).iloc[0]
    sig = row["significant"]
    return {"change": float(row["change"]), "se": float(row["se"]), "statistic": float(row["statistic"]),
            "p_value": float(row["p_value"]), "significant": None if pd.isna(sig) else bool(sig)}


def trend_code(
    series: Sequence[tuple[int, float, float | None]], direction: str, level: float = 0.95
) -> str:
    """The change between the last two rounds with a value.

    ``series`` holds ``(year, comparable value, standard error or None)`` in year
    order. When both rounds carry a standard error, a change that is not significant at
    ``level`` (:func:`trend_change`) is ``not_significant``. Returns ``improving``,
    ``worsening``, ``stable``, ``up``, ``down`` (neutral direction),
    ``not_significant``, ``single`` (one round) or ``none``.
    """
    points = [(y, v, s) for y, v, s in series if v is not None and math.isfinite(v)]
    if not points:
        return "none"
    if len(points) == 1:
        return "single"
    (_, prev, _), (_, last, _) = points[-2], points[-1]
    diff = last - prev
    if abs(diff) <= 1e-9 * max(1.0, abs(prev), abs(last)):
        return "stable"
    tested = trend_change(points, level)
    if tested is not None and tested["significant"] is False:
        return "not_significant"
    if direction == "neutral":
        return "up" if diff > 0 else "down"
    better = diff > 0 if direction == "higher_is_better" else diff < 0
    return "improving" if better else "worsening"


def quality_flag(cv: Any, thresholds: tuple[float, float] = (15.0, 30.0)) -> str:
    """``reliable`` below the first CV threshold (percent), ``caution`` up to the second,
    ``unreliable`` above, ``unknown`` without a CV (the national offices' usual 15/30 %)."""
    try:
        c = float(cv)
    except (TypeError, ValueError):
        return "unknown"
    if not math.isfinite(c):
        return "unknown"
    low, high = thresholds
    return "reliable" if c < low else "caution" if c <= high else "unreliable"


def precision(row: Mapping[str, Any]) -> float:
    """The CV in percent of a value: ``100·se/|value|`` when both are known, else the ``cv`` given."""
    value, se, cv = row.get("value"), row.get("se"), row.get("cv")
    if (
        se is not None
        and value is not None
        and not pd.isna(se)
        and not pd.isna(value)
        and float(value) != 0
    ):
        return 100.0 * float(se) / abs(float(value))
    return float(cv) if cv is not None and not pd.isna(cv) else float("nan")


def latest_values(
    values: pd.DataFrame, ids: Iterable[str], year: int | None = None
) -> pd.DataFrame:
    """For each indicator in ``ids`` (and country), the last row up to ``year`` with a value.

    Text-only rows (a category code, a text indicator) count as having a value.
    """
    frame = values.loc[values["indicator"].isin(list(ids))]
    if year is not None:
        frame = frame.loc[frame["year"] <= year]
    has = frame["value"].notna() | frame["value_text"].fillna("").str.len().gt(0)
    frame = frame.loc[has]
    return (
        frame.sort_values(["country", "indicator", "year"], kind="stable")
        .groupby(["country", "indicator"], sort=False)
        .tail(1)
        .reset_index(drop=True)
    )


def gap_rows(
    values: pd.DataFrame, catalog: Catalog, country: str, year: int | None
) -> list[dict[str, Any]]:
    """Indicators of ``catalog`` with no value for ``country`` up to ``year``, with the status
    and note of the last row reported for them (a country may say why a value is missing)."""
    own = values.loc[values["country"] == country]
    if year is not None:
        own = own.loc[own["year"] <= year]
    have = set(latest_values(own, catalog.ids, year)["indicator"])
    out = []
    for ind in catalog:
        if ind.id in have:
            continue
        said = own.loc[own["indicator"] == ind.id]
        last = said.iloc[-1] if len(said) else None
        out.append(
            {
                "indicator": ind.id,
                "area": ind.area,
                "type": ind.type,
                "status": None if last is None or pd.isna(last["status"]) else str(last["status"]),
                "year": None if last is None else int(last["year"]),
                "note": None if last is None or pd.isna(last["note"]) else str(last["note"]),
            }
        )
    return out


def sign_rows(
    values: pd.DataFrame, catalog: Catalog, country: str | None, year: int | None
) -> pd.DataFrame:
    """Rows recording qualitative signs of progress (text in ``note``), in the catalog's order."""
    order = {s.id: pos for pos, s in enumerate(catalog.signs)}
    frame = values.loc[values["indicator"].isin(list(order))]
    if country is not None:
        frame = frame.loc[frame["country"] == country]
    if year is not None:
        frame = frame.loc[frame["year"] <= year]
    text = frame["note"].fillna("").str.strip()
    text = text.where(text.str.len() > 0, frame["value_text"].fillna("").str.strip())
    frame = frame.assign(text=text).loc[lambda f: f["text"].str.len() > 0]
    frame = frame.assign(_order=frame["indicator"].map(order))
    return (
        frame.sort_values(["_order", "country", "year"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def coverage_by_area(
    values: pd.DataFrame, catalog: Catalog, countries: Sequence[str], year: int | None
) -> pd.DataFrame:
    """Share of each area's indicators with a value up to ``year``, per country (and overall)."""
    latest = latest_values(values.loc[values["country"].isin(list(countries))], catalog.ids, year)
    have = set(zip(latest["country"], latest["indicator"], strict=True))
    rows = []
    for country in countries:
        row: dict[str, Any] = {"country": country}
        total = hit = 0
        for area in catalog.areas:
            ids = [i.id for i in catalog if i.area == area.id]
            n = sum((country, i) in have for i in ids)
            row[area.id] = n / len(ids) if ids else float("nan")
            total += len(ids)
            hit += n
        row["overall"] = hit / total if total else float("nan")
        row["indicators_with_value"] = hit
        row["indicators"] = total
        rows.append(row)
    return pd.DataFrame(
        rows,
        columns=[
            "country",
            *(a.id for a in catalog.areas),
            "overall",
            "indicators_with_value",
            "indicators",
        ],
    )
