"""Scoring step 2b: imputation of missing indicator values (off by default).

Methods run in the order the spec lists them, each filling only what is still missing:

* ``locf``: a country's last observed value carried forward (at most ``max_years``);
* ``interpolate``: linear interpolation between the two observed rounds around a gap
  (never beyond the first or last observed round);
* ``mean`` / ``median``: the mean or median of the other countries' values of the same
  indicator and year, overall or within the country's ``group`` (a column of the country
  codelist, such as ``subregion``);
* ``regression``: multiple imputation by chained equations (statsmodels' ``MICEData``:
  each indicator regressed on the others by predictive mean matching), ``imputations``
  data sets; the scores use their mean, and the Monte Carlo draws pick one data set each,
  so that imputation uncertainty widens the intervals.

Every imputed value is listed (country, year, indicator, method, value, from_year).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._codes import error

__all__ = ["IMPUTATION_METHODS", "Imputed", "impute"]

IMPUTATION_METHODS: tuple[str, ...] = ("none", "locf", "interpolate", "mean", "median", "regression")


@dataclass(frozen=True)
class Imputed:
    """The filled (year, country, indicator) array, what was imputed and how, and the alternatives."""

    raw: np.ndarray            # (Y, C, I)
    imputed: np.ndarray        # (Y, C, I) bool
    method: np.ndarray         # (Y, C, I) object: the method that filled the cell, "" if observed
    from_year: np.ndarray      # (Y, C, I) int, -1 unless carried forward
    sets: np.ndarray | None    # (K, Y, C, I): the multiple imputations, if any


def _locf(raw: np.ndarray, years: np.ndarray, max_years: int | None) -> tuple[np.ndarray, np.ndarray]:
    observed = ~np.isnan(raw)
    idx = np.where(observed, np.arange(years.size)[:, None, None], -1)
    last = np.maximum.accumulate(idx, axis=0)
    gap = years[:, None, None] - years[np.clip(last, 0, None)]
    fill = ~observed & (last >= 0)
    if max_years is not None:
        fill &= gap <= max_years
    src = np.clip(last, 0, None)
    grid = np.indices(raw.shape)
    return np.where(fill, raw[src, grid[1], grid[2]], raw), np.where(fill, years[src], -1)


def _interpolate(raw: np.ndarray, years: np.ndarray) -> np.ndarray:
    out = raw.copy()
    y = years.astype(float)
    for c in range(raw.shape[1]):
        for i in range(raw.shape[2]):
            col = raw[:, c, i]
            ok = ~np.isnan(col)
            if ok.sum() < 2:
                continue
            inside = ~ok & (y > y[ok].min()) & (y < y[ok].max())
            out[inside, c, i] = np.interp(y[inside], y[ok], col[ok])
    return out


def _central(raw: np.ndarray, how: str, groups: np.ndarray | None) -> np.ndarray:
    out = raw.copy()
    stat = np.nanmean if how == "mean" else np.nanmedian
    labels = [0] * raw.shape[1] if groups is None else list(groups)
    for label in {g for g in labels if g is not None}:
        members = np.array([g == label for g in labels])
        part = raw[:, members, :]
        has = (~np.isnan(part)).any(axis=1)                         # (Y, I)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)         # all-missing slices give NaN
            value = stat(part, axis=1)
        fill = np.isnan(part) & has[:, None, :]
        out[:, members, :] = np.where(fill, value[:, None, :], part)
    return out


def _mice(raw: np.ndarray, sets: int, seed: int) -> np.ndarray:
    """``sets`` imputed copies of ``raw`` by chained equations, each indicator on the others."""
    from statsmodels.imputation.mice import MICEData

    n_y, n_c, n_i = raw.shape
    table = pd.DataFrame(raw.reshape(n_y * n_c, n_i), columns=[f"x{i}" for i in range(n_i)])
    usable = table.columns[table.notna().sum() >= 2]
    out = np.repeat(raw[None], sets, axis=0)
    if len(usable) < 2 or not table[usable].isna().any().any():
        return out
    keep_rows = table[usable].notna().any(axis=1)
    data = MICEData(table.loc[keep_rows, usable].reset_index(drop=True), rng=np.random.default_rng(seed))
    for k in range(sets):
        data.update_all(10 if k == 0 else 5)
        filled = table.copy()
        filled.loc[keep_rows, usable] = data.data[usable].to_numpy()
        out[k] = filled.to_numpy(dtype=float).reshape(n_y, n_c, n_i)
    return out


def impute(raw: np.ndarray, years: np.ndarray, methods: Sequence[str], max_years: int | None = None,
           groups: np.ndarray | None = None, sets: int = 5, seed: int = 0,
           present: np.ndarray | None = None) -> Imputed:
    """Fill ``raw`` (year, country, indicator) with ``methods`` in order.

    ``present`` (year, country) marks the country-years with data: ``mean``, ``median`` and
    ``regression`` fill only those (a country absent from a round is not invented from
    the others); ``locf`` and ``interpolate`` may fill a whole round from the country's own data.

    >>> raw = np.array([[[1.0]], [[np.nan]], [[3.0]]])
    >>> impute(raw, np.array([2014, 2017, 2020]), ["interpolate"]).raw[:, 0, 0].tolist()
    [1.0, 2.0, 3.0]
    """
    out = raw.copy()
    method = np.full(raw.shape, "", dtype=object)
    from_year = np.full(raw.shape, -1)
    multi: np.ndarray | None = None
    inside = np.ones(raw.shape, dtype=bool) if present is None else np.broadcast_to(present[:, :, None], raw.shape)
    for how in methods:
        if how not in IMPUTATION_METHODS:
            raise error("option.invalid", "en", field="imputation", value=repr(how), name="method",
                        func="Imputation", allowed=", ".join(IMPUTATION_METHODS), got=repr(how),
                        expected=", ".join(IMPUTATION_METHODS))
        before = np.isnan(out)
        if how == "none":
            continue
        if how == "locf":
            out, src = _locf(out, years, max_years)
            from_year = np.where(before & ~np.isnan(out), src, from_year)
        elif how == "interpolate":
            out = _interpolate(out, years)
        elif how in ("mean", "median"):
            out = np.where(inside, _central(out, how, groups), out)
        else:
            multi = _mice(out, max(1, int(sets)), seed)
            multi = np.where(inside[None], multi, out[None])
            out = np.where(before, np.nanmean(multi, axis=0), out)
        method = np.where(before & ~np.isnan(out), how, method)
    if multi is not None:   # later methods fill the same cells in every set
        multi = np.where(np.isnan(multi), out[None], multi)
    return Imputed(raw=out, imputed=method != "", method=method, from_year=from_year, sets=multi)
