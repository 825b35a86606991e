"""Scoring step 2c: outlier treatment as the JRC does it (COINr ``Treat`` defaults); off by default.

For each indicator and year, among the countries with a value: an indicator *fails* when
``|skewness| >= 2`` and ``kurtosis >= 3.5`` (bias-corrected, COINr's ``check_SkewKurt``). A
failing indicator is winsorised one point at a time (the highest value set to the next
highest when the skew is positive, the lowest to the next lowest otherwise; tied points
together), at most ``winmax`` points, until it passes. If it still fails, the winsorisation
is undone and the original values are transformed instead: ``log`` is COINr's ``log_CT``,
``ln(x - min + 0.01 (max - min))``; ``boxcox`` is the Box-Cox transform (maximum-likelihood
lambda, scipy) of ``x - min + 0.01 (max - min)``. A transform changes the unit, so it is
applied only to indicators normalised from the data (min-max, z-score, ranks...): for
indicators with fixed goalposts or a target it is skipped and the skip is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._options import validate_options
from ..i18n import check_option
from ._moments import kurt, skew

__all__ = ["Treatment", "treat", "treat_vector"]

Transform = Literal["log", "boxcox", "none"]


@validate_options
@dataclass(frozen=True)
class Treatment:
    """Outlier treatment settings (the JRC rule; COINr's defaults)."""

    winmax: int = 5
    skew: float = 2.0
    kurtosis: float = 3.5
    transform: Transform = "log"
    indicators: tuple[str, ...] = ()     # only these (all when empty)

    def __post_init__(self) -> None:
        check_option("Treatment", "transform", self.transform, ("log", "boxcox", "none"))
        if isinstance(self.winmax, bool) or int(self.winmax) < 0:
            check_option("Treatment", "winmax", self.winmax, ["an integer >= 0"])
        object.__setattr__(self, "indicators", tuple(self.indicators))

    def to_dict(self) -> dict[str, object]:
        """Plain data, in the YAML format."""
        return {"winmax": self.winmax, "skew": self.skew, "kurtosis": self.kurtosis, "transform": self.transform,
                **({"indicators": list(self.indicators)} if self.indicators else {})}


def _fails(x: np.ndarray, t: Treatment) -> bool:
    sk, kt = skew(x), kurt(x)
    if np.isnan(sk) or np.isnan(kt):
        return False
    return abs(sk) >= t.skew and kt >= t.kurtosis


def treat_vector(x: np.ndarray, t: Treatment, transform_allowed: bool = True) -> tuple[np.ndarray, list[str]]:
    """Treat one cross-section ``x`` (NaN = missing); returns the values and each point's treatment.

    >>> x = np.array([1.0, 2, 2, 3, 3, 3, 4, 4, 5, 40])
    >>> y, how = treat_vector(x, Treatment())
    >>> float(y[-1]), how[-1]
    (5.0, 'winsorised_high')
    """
    how = [""] * x.size
    ok = np.isfinite(x)
    if not _fails(x[ok], t):
        return x, how
    y = x.copy()
    n_win = 0
    while _fails(y[ok], t) and n_win < t.winmax:
        vals = y[ok]
        if skew(vals) >= 0:
            top = np.flatnonzero(ok & (y == vals.max()))
            rest = vals[vals < vals.max()]
            if rest.size == 0:
                break
            y[top] = rest.max()
            for k in top:
                how[k] = "winsorised_high"
            n_win += top.size
        else:
            low = np.flatnonzero(ok & (y == vals.min()))
            rest = vals[vals > vals.min()]
            if rest.size == 0:
                break
            y[low] = rest.min()
            for k in low:
                how[k] = "winsorised_low"
            n_win += low.size
    if not _fails(y[ok], t) or t.transform == "none":
        return y, how
    if not transform_allowed:
        return y, [h or "" for h in how]
    vals = x[ok]
    shifted = vals - vals.min() + 0.01 * (vals.max() - vals.min())
    out = x.copy()
    if t.transform == "log":
        out[ok] = np.log(shifted)
    else:
        out[ok] = stats.boxcox(shifted)[0]
    return out, [t.transform if o else "" for o in ok]


def treat(raw: np.ndarray, years: np.ndarray, countries: np.ndarray, ids: list[str], data_driven: np.ndarray,
          t: Treatment) -> tuple[np.ndarray, pd.DataFrame]:
    """Treat every (year, indicator) cross-section of ``raw`` (year, country, indicator).

    ``data_driven`` (indicator,) says which indicators may be transformed. Returns the
    treated array and one record per treated value (or skipped transform).
    """
    out = raw.copy()
    rows: list[dict[str, object]] = []
    for i, ind in enumerate(ids):
        if t.indicators and ind.partition("@")[0] not in t.indicators and ind not in t.indicators:
            continue
        for y, year in enumerate(years):
            x = raw[y, :, i]
            treated, how = treat_vector(x, t, bool(data_driven[i]))
            still = _fails(treated[np.isfinite(treated)], t)
            if still and not data_driven[i] and t.transform != "none":
                rows.append({"country": None, "year": int(year), "indicator": ind, "original": np.nan,
                             "treated": np.nan, "treatment": f"{t.transform}_skipped_fixed_bounds"})
            for c in np.flatnonzero([h != "" for h in how]):
                rows.append({"country": str(countries[c]), "year": int(year), "indicator": ind,
                             "original": float(x[c]), "treated": float(treated[c]), "treatment": how[c]})
            out[y, :, i] = treated
    frame = pd.DataFrame(rows, columns=["country", "year", "indicator", "original", "treated", "treatment"])
    return out, frame.astype({"country": "string", "year": "Int64", "indicator": "string", "treatment": "string"})
