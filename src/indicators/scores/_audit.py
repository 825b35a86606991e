"""Statistical audit of an index's indicators, as the JRC/OECD handbook and COINr do it.

Per indicator and year (on the values as read, after any imputation the spec asks for):
coverage, mean, sd, skewness and excess kurtosis (bias-corrected, as COINr's ``skew`` and
``kurt``: e1071 type 2), outliers by the box-plot rule (outside ``[Q1 - 1.5 IQR, Q3 + 1.5 IQR]``)
and COINr's flag ``|skew| > 2 and kurtosis > 3.5``.

Per aggregate and year (on the normalised, direction-aligned scores): Pearson and Spearman
correlations of each child with the others and with the aggregate (pairwise-complete countries,
at least three; the Pearson correlation's two-sided p-value beside it), flagged ``negative``
(below ``negative``, default -0.4) or ``collinear`` (above ``collinear``, default 0.9);
Cronbach's alpha and the first principal component's share of the variance (correlation
matrix), both on the countries with every child (at least three).

>>> import pandas as pd
>>> from indicators.scores import IndexSpec, Level, IndicatorSpec
>>> spec = IndexSpec(id="ix", levels=(Level("indicator"), Level("index")), indicators=tuple(
...     IndicatorSpec(i, goalposts=(0, 10), direction="higher_is_better") for i in "AB"))
>>> v = pd.DataFrame({"country": list("PQRS") * 2, "year": 2020, "indicator": ["A"] * 4 + ["B"] * 4,
...                   "value": [1, 2, 3, 4, 2, 4, 5, 9]})
>>> round(float(audit(v, spec).aggregates["cronbach_alpha"].iloc[0]), 3)
0.83
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._codes import error
from .._results import Result, protect_fields
from ..catalog import Catalog, load_catalog
from ..i18n import Lang, check_lang, message
from ._data import prepare
from ._moments import kurt, skew
from ._plan import build_plan
from ._scores import score
from ._spec import IndexSpec, load_index_spec
from ._tables import TableResult

__all__ = ["Audit", "audit", "cronbach_alpha", "p_value"]


def cronbach_alpha(data: np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``data`` (rows with a missing value dropped).

    >>> round(cronbach_alpha(np.array([[1, 2], [2, 4], [3, 5], [4, 9.0]])), 3)
    0.83
    """
    data = data[np.isfinite(data).all(axis=1)]
    k = data.shape[1]
    if k < 2 or data.shape[0] < 2:
        return float("nan")
    total = data.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - data.var(axis=0, ddof=1).sum() / total))


def _pc1_share(data: np.ndarray) -> float:
    data = data[np.isfinite(data).all(axis=1)]
    if data.shape[1] < 2 or data.shape[0] < 3 or (data.std(axis=0) == 0).any():
        return float("nan")
    eig = np.linalg.eigvalsh(np.corrcoef(data, rowvar=False))
    return float(eig[-1] / eig.sum())


def _correlations(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pearson and Spearman matrices on pairwise-complete countries, and the pair counts.

    A pair with fewer than three countries or a constant column has no correlation.
    """
    present = frame.notna().to_numpy(dtype=float)
    n = present.T @ present
    pearson = frame.corr(method="pearson", min_periods=3).to_numpy(dtype=float)
    spearman = frame.corr(method="spearman", min_periods=3).to_numpy(dtype=float)
    return pearson, spearman, n.astype(int)


def p_value(r: float, n: int) -> float:
    """Two-sided p-value of a Pearson correlation ``r`` on ``n`` pairs (t test, ``n - 2`` df).

    As ``scipy.stats.pearsonr`` and R's ``cor.test``:

    >>> round(p_value(0.9, 5), 4)
    0.0374
    """
    if not np.isfinite(r) or n < 3:
        return float("nan")
    if abs(r) >= 1:
        return 0.0
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return float(2 * stats.t.sf(abs(t), n - 2))


@protect_fields(copies=("indicators", "correlations", "aggregates"), mappings=("thresholds",))
@dataclass(frozen=True, eq=False)
class Audit(TableResult, Result):
    """The audit's three tables (``indicators``, ``correlations``, ``aggregates``) and its settings."""

    indicators: pd.DataFrame
    correlations: pd.DataFrame
    aggregates: pd.DataFrame
    spec_id: str
    thresholds: Mapping[str, float] = field(default_factory=dict)
    _lang: str = "en"
    _stem: ClassVar[str] = "audit"

    def _parts(self) -> dict[str, pd.DataFrame]:
        return {"indicators": self.indicators.copy(), "correlations": self.correlations.copy(),
                "aggregates": self.aggregates.copy()}

    def _heading(self) -> str:
        return message("scores.audit_title", self._lang, index=self.spec_id)

    def __repr__(self) -> str:
        flagged = int(self.correlations["flag"].notna().sum())
        return (f"<Audit {self.spec_id}: {self.indicators['indicator'].nunique()} indicators, "
                f"{len(self.aggregates)} aggregate-years, {flagged} flagged correlations>")

    def to_frame(self) -> pd.DataFrame:
        """The indicator table (a copy); ``correlations`` and ``aggregates`` are attributes."""
        return self.indicators.copy()

    def _settings(self) -> dict[str, Any]:
        return {"index": self.spec_id, "thresholds": dict(self.thresholds)}



def _indicator_stats(prep: Any, plan: Any, t_skew: float, t_kurt: float) -> pd.DataFrame:
    rows = []
    for y, year in enumerate(prep.years):
        present = prep.present[y]
        for i, p in enumerate(plan.indicators):
            x = prep.raw[y, present, i]
            ok = x[np.isfinite(x)]
            sk, kt = skew(ok), kurt(ok)
            q1, q3 = np.percentile(ok, [25, 75]) if ok.size else (np.nan, np.nan)
            low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
            outliers = [str(c) for c, v in zip(prep.countries[present], x) if np.isfinite(v) and (v < low or v > high)]
            rows.append({"year": int(year), "indicator": p.id, "n": int(ok.size),
                         "coverage": ok.size / max(int(present.sum()), 1),
                         "mean": float(ok.mean()) if ok.size else np.nan,
                         "sd": float(ok.std(ddof=1)) if ok.size > 1 else np.nan,
                         "min": float(ok.min()) if ok.size else np.nan, "max": float(ok.max()) if ok.size else np.nan,
                         "skewness": sk, "kurtosis": kt, "outliers": len(outliers),
                         "outlier_countries": ", ".join(outliers),
                         "flag_skew_kurt": bool(abs(sk) > t_skew and kt > t_kurt)})
    return pd.DataFrame(rows).astype({"indicator": "string", "outlier_countries": "string"})


def _aggregate_stats(table: pd.DataFrame, structure: pd.DataFrame, negative: float, collinear: float
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    corr_rows: list[dict[str, Any]] = []
    agg_rows: list[dict[str, Any]] = []
    children = structure.dropna(subset=["parent"]).groupby("parent", sort=False)["unit"].apply(list)
    for year, part in table.groupby("year", sort=True):
        wide = part.pivot(index="country", columns="unit", values="score")
        for parent, kids in children.items():
            kids = [k for k in kids if k in wide.columns]
            if parent not in wide.columns or len(kids) < 1:
                continue
            pearson, spearman, counts = _correlations(wide[[*kids, parent]])
            data = wide[kids].to_numpy(dtype=float)
            last = len(kids)
            for a in range(len(kids)):
                pairs = [(b, "within") for b in range(a + 1, len(kids))] + [(last, "with_aggregate")]
                for b, kind in pairs:
                    r, n = pearson[a, b], int(counts[a, b])
                    flag = "negative" if r < negative else "collinear" if (r > collinear and kind == "within") else None
                    other = kids[b] if b < last else str(parent)
                    corr_rows.append({"year": int(year), "aggregate": parent, "unit": kids[a], "with": other,
                                      "kind": kind, "pearson": r, "spearman": spearman[a, b], "n": n,
                                      "p_value": p_value(r, n), "flag": flag})
            complete = int(np.isfinite(data).all(axis=1).sum())
            enough = len(kids) > 1 and complete >= 3
            agg_rows.append({"year": int(year), "aggregate": parent, "children": len(kids),
                             "complete_countries": complete,
                             "cronbach_alpha": cronbach_alpha(data) if enough else np.nan,
                             "pc1_share": _pc1_share(data) if enough else np.nan})
    corr = pd.DataFrame(corr_rows, columns=["year", "aggregate", "unit", "with", "kind", "pearson", "spearman", "n",
                                            "p_value", "flag"])
    aggs = pd.DataFrame(agg_rows, columns=["year", "aggregate", "children", "complete_countries", "cronbach_alpha",
                                           "pc1_share"])
    strings = {c: "string" for c in ("aggregate", "unit", "with", "kind", "flag")}
    return corr.astype(strings), aggs.astype({"aggregate": "string"})


def audit(values: pd.DataFrame, spec: IndexSpec | str | Path = "mesecvi", catalog: Catalog | str | Path | None = None,
          *, negative: float = -0.4, collinear: float = 0.9, t_skew: float = 2.0, t_kurt: float = 3.5,
          lang: Lang = "en") -> Audit:
    """Audit the indicators of ``spec`` on ``values``: distributions, outliers, correlations, consistency.

    ``negative`` and ``collinear`` are the correlation thresholds flagged; ``t_skew`` and
    ``t_kurt`` COINr's skewness and kurtosis thresholds. See the module docstring.
    """
    check_lang(lang, "audit")
    for name, value, ok in (("negative", negative, -1 <= negative <= 0), ("collinear", collinear, 0 < collinear <= 1),
                            ("t_skew", t_skew, t_skew > 0), ("t_kurt", t_kurt, t_kurt > 0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok:
            raise error("option.invalid", lang, field=name, value=repr(value), name=name, func="audit",
                            allowed="a number in its range (see the docstring)", got=repr(value))
    spec = load_index_spec(spec)
    if catalog is None and spec.catalog is not None:
        catalog = load_catalog(spec.catalog)
    elif catalog is not None and not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    plan = build_plan(spec, catalog)
    prep = prepare(values, plan, lang, catalog)
    result = score(values, spec, catalog, lang=lang)
    table = result.to_frame()
    corr, aggs = _aggregate_stats(table, result.structure, negative, collinear)
    return Audit(indicators=_indicator_stats(prep, plan, t_skew, t_kurt), correlations=corr, aggregates=aggs,
                 spec_id=spec.id, thresholds={"negative": negative, "collinear": collinear, "t_skew": t_skew,
                                              "t_kurt": t_kurt}, _lang=lang)
