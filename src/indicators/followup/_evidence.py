"""Evidence from the indicators: did the linked indicators move the right way between rounds?

For each recommendation, each State and each linked indicator, the change from the round's
baseline year to its follow-up year:

* ``design``: when both values are survey estimates with standard errors, the difference of the
  two values with the interval of independent samples, ``d ± z·sqrt(se₁² + se₂²)`` (two rounds of
  a survey are independent samples), computed by :func:`indicators.survey.compare_rounds`; the
  right direction is the indicator's ``direction``.
* ``score``: otherwise, the change of the indicator's 0-100 score from
  :meth:`indicators.Scores.trends` (scores are oriented so that higher is better), with the
  interval of the scores' draws where they have one.

Each change gives a signal: ``improved`` (right direction; the interval, when there is one,
excludes no change), ``worsened``, ``no_change``, ``neutral`` (an indicator without a right
direction) or ``no_data``. A recommendation's signal combines those of its indicators.

>>> combine(["improved", "no_data"]), combine(["improved", "worsened"]), combine([])
('improved', 'mixed', 'no_data')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..catalog import Catalog

__all__ = ["EVIDENCE_COLUMNS", "SIGNALS", "combine", "indicator_changes"]

#: Signals, from the indicators, in the order reports list them.
SIGNALS: tuple[str, ...] = ("improved", "mixed", "no_change", "worsened", "neutral", "no_data")
#: Columns of the evidence table (one row per recommendation, State and linked indicator).
EVIDENCE_COLUMNS: tuple[str, ...] = ("round", "recommendation", "country", "indicator", "direction", "method",
                                     "from_year", "to_year", "value_from", "value_to", "change", "ci_low",
                                     "ci_high", "signal")


def combine(signals: Iterable[str]) -> str:
    """One signal for a recommendation from its indicators' signals (``neutral``/``no_data`` left aside)."""
    real = [s for s in signals if s in ("improved", "worsened", "no_change")]
    if not real:
        return "no_data"
    up, down = "improved" in real, "worsened" in real
    if up and down:
        return "mixed"
    if up:
        return "improved"
    if down:
        return "worsened"
    return "no_change"


def _signal(change: float, low: float, high: float, good: int) -> str:
    """``good`` is +1 when higher is better, -1 when lower is better, 0 for neutral."""
    if not math.isfinite(change):
        return "no_data"
    if good == 0:
        return "neutral"
    if math.isfinite(low) and math.isfinite(high):
        if low <= 0 <= high:
            return "no_change"
        return "improved" if (low > 0) == (good > 0) else "worsened"
    if change == 0:
        return "no_change"
    return "improved" if (change > 0) == (good > 0) else "worsened"


def _totals(values: pd.DataFrame) -> pd.DataFrame:
    """Rows of the values table for the whole population (no disaggregation), numbers parsed."""
    from ..values import DISAGGREGATIONS, TOTAL

    keep = pd.Series(True, index=values.index)
    for d in DISAGGREGATIONS:
        if d in values.columns:
            col = values[d].astype("string")
            keep &= col.isna() | col.eq(TOTAL) | col.str.strip().eq("")
    out = values.loc[keep, [c for c in ("country", "year", "indicator", "value", "se") if c in values.columns]].copy()
    for c in ("value", "se", "year"):
        if c in out.columns:
            out[c] = pd.to_numeric(out[c], errors="coerce")
        else:
            out[c] = np.nan
    out = out.dropna(subset=["year"])
    out["year"] = out["year"].astype(int)
    return out.drop_duplicates(["country", "year", "indicator"], keep="last")


def _years(available: Sequence[int], baseline: int, follow: int | None, until: int | None) -> tuple[int, int] | None:
    years = sorted(set(available))
    before = [y for y in years if y <= baseline]
    if not before:
        return None
    start = before[-1]
    if follow is not None:
        after = [y for y in years if start < y <= follow]
    else:
        after = [y for y in years if y > start and (until is None or y <= until)]
    return (start, after[-1]) if after else None


def indicator_changes(
    units: pd.DataFrame,
    rounds: dict[str, Any],
    catalog: Catalog,
    values: pd.DataFrame | None,
    scores: Any,
    level: float = 0.95,
) -> pd.DataFrame:
    """The evidence table for ``units`` (columns ``round, recommendation, country, indicators``)."""
    totals = _totals(values) if values is not None and len(values) else None
    by_key = {} if totals is None else {(r.country, r.indicator, int(r.year)): (r.value, r.se)
                                        for r in totals.itertuples()}
    years_of: dict[tuple[str, str], list[int]] = {}
    for (c, i, y), (v, _se) in by_key.items():
        if pd.notna(v):
            years_of.setdefault((c, i), []).append(y)
    score_years: list[int] = list(getattr(scores, "years", []) or [])
    if not score_years and isinstance(scores, pd.DataFrame) and "year" in scores:
        score_years = sorted({int(y) for y in scores["year"].dropna()})
    trend_cache: dict[tuple[int, int], pd.DataFrame | None] = {}

    def trends(a: int, b: int) -> pd.DataFrame | None:
        if (a, b) not in trend_cache:
            trend_cache[(a, b)] = _trends(scores, a, b)
        return trend_cache[(a, b)]

    rows: list[dict[str, Any]] = []
    design: dict[tuple[int, int], list[tuple[int, str, str, int]]] = {}
    for u in units.itertuples():
        rnd = rounds[u.round]
        until = rnd.follow_up_until.year if rnd.follow_up_until else None
        for ind_id in u.indicators:
            ind = catalog.get(ind_id)
            direction = ind.direction if ind is not None else "neutral"
            good = {"higher_is_better": 1, "lower_is_better": -1}.get(direction, 0)
            row: dict[str, Any] = {
                "round": u.round, "recommendation": u.recommendation, "country": u.country, "indicator": ind_id,
                "direction": direction, "method": None, "from_year": pd.NA, "to_year": pd.NA,
                "value_from": np.nan, "value_to": np.nan, "change": np.nan, "ci_low": np.nan,
                "ci_high": np.nan, "signal": "no_data"}
            rows.append(row)
            own_years = years_of.get((u.country, ind_id), [])
            span = _years(own_years, rnd.baseline_year, rnd.follow_up_year, until)
            if span is not None:
                (_v1, s1), (_v2, s2) = by_key[(u.country, ind_id, span[0])], by_key[(u.country, ind_id, span[1])]
                if pd.notna(s1) and pd.notna(s2):
                    design.setdefault(span, []).append((len(rows) - 1, u.country, ind_id, good))
                    continue
            span = _years(score_years, rnd.baseline_year, rnd.follow_up_year, until) if score_years else None
            t = trends(*span) if span is not None else None
            if t is not None and span is not None:
                hit = t.loc[(t["level"] == "indicator") & (t["unit"] == ind_id) & (t["country"] == u.country)]
                if len(hit) and pd.notna(hit["change"].iloc[0]):
                    h = hit.iloc[0]
                    low = float(h["ci_low"]) if pd.notna(h["ci_low"]) else math.nan
                    high = float(h["ci_high"]) if pd.notna(h["ci_high"]) else math.nan
                    row.update(method="score", from_year=span[0], to_year=span[1], value_from=float(h["score_from"]),
                               value_to=float(h["score_to"]), change=float(h["change"]), ci_low=low, ci_high=high,
                               signal=_signal(float(h["change"]), low, high, 0 if good == 0 else 1))
    for span, items in design.items():
        for pos, d in _design_changes(span, items, by_key, level).items():
            good = next(g for p, _c, _i, g in items if p == pos)
            rows[pos].update(method="design", from_year=span[0], to_year=span[1], **d,
                             signal=_signal(d["change"], d["ci_low"], d["ci_high"], good))
    out = pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))
    out["from_year"] = out["from_year"].astype("Int64")
    out["to_year"] = out["to_year"].astype("Int64")
    return out


def _design_changes(span: tuple[int, int], items: list[tuple[int, str, str, int]],
                    by_key: dict[tuple[str, str, int], tuple[Any, Any]], level: float) -> dict[int, dict[str, float]]:
    """Changes of survey estimates between two rounds (independent samples), by row position."""
    from ..survey import Estimates, compare_rounds

    def estimates(year: int) -> Estimates:
        table = pd.DataFrame({"variable": [str(p) for p, *_ in items],
                              "estimate": [float(by_key[(c, i, year)][0]) for _p, c, i, _g in items],
                              "se": [float(by_key[(c, i, year)][1]) for _p, c, i, _g in items],
                              "n": [0] * len(items)})
        return Estimates(table=table, statistic="value", method="values table", level=level)

    change = compare_rounds(estimates(span[0]), estimates(span[1]), level=level).to_frame()
    return {int(r["variable"]): {"value_from": float(r["estimate_before"]), "value_to": float(r["estimate_after"]),
                                 "change": float(r["estimate"]), "ci_low": float(r["ci_low"]),
                                 "ci_high": float(r["ci_high"])} for r in change.to_dict("records")}


def _trends(scores: Any, a: int, b: int) -> pd.DataFrame | None:
    """Score changes from a to b: ``Scores.trends`` (with intervals), or a plain difference of a frame."""
    from ..errors import IndicatorsError

    if hasattr(scores, "trends"):
        try:
            return scores.trends(a, b)  # type: ignore[no-any-return]
        except IndicatorsError:
            return None
    if isinstance(scores, pd.DataFrame) and {"country", "level", "unit", "year", "score"} <= set(scores.columns):
        keys = ["country", "level", "unit"]
        x = scores.loc[scores["year"] == a, [*keys, "score"]]
        y = scores.loc[scores["year"] == b, [*keys, "score"]]
        out = x.merge(y, on=keys, suffixes=("_from", "_to"))
        out["change"] = out["score_to"] - out["score_from"]
        out["ci_low"] = np.nan
        out["ci_high"] = np.nan
        return out
    return None
