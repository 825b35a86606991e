"""Scoring step 3: put every indicator on 0-1 (scaled to the spec's range at the end).

Every continuous method is one linear map in the (optionally log-) transformed
value, ``z = (x - low) / (high - low)``, turned round for ``lower_is_better`` and
clipped to [0, 1] when capped:

* ``goalposts``: low and high fixed in the spec or the catalog;
* ``minmax``: low and high are the smallest and largest value in the data, over
  every year (``across_years``, the default, so that rounds stay comparable) or per year;
* ``target``: distance to a target, the worst goalpost (or the worst value in the
  data) at 0 and the target at 1, capped;
* ``binary`` and ``categories`` are mapped to 0-1 when the data are read (yes = 1,
  or the category's points / 100) and pass through unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._plan import Plan

__all__ = ["Linear", "linear_bounds", "normalise"]


@dataclass(frozen=True)
class Linear:
    """Per-indicator parameters of the linear map, in the transformed scale."""

    low: np.ndarray        # (Y, 1, I)
    high: np.ndarray       # (Y, 1, I)
    higher: np.ndarray     # (I,) bool: higher is better
    log: np.ndarray        # (I,) bool
    cap: np.ndarray        # (I,) bool
    fixed: np.ndarray      # (I,) bool: goalposts fixed in the spec (perturbed by the sensitivity analysis)


def _transform(x: np.ndarray, log: np.ndarray) -> np.ndarray:
    if not log.any():
        return x
    with np.errstate(divide="ignore", invalid="ignore"):
        logged = np.log(np.where(x > 0, x, np.nan))
    return np.where(log, logged, x)


def linear_bounds(plan: Plan, raw: np.ndarray) -> tuple[Linear, list[tuple[str, str, int | None]]]:
    """The linear map of each indicator, from the plan and (for data-driven bounds) the data.

    ``raw`` is the (year, country, indicator) array of values to be scored. Returns the
    parameters and the (indicator, reason, year index) of bounds that cannot be set
    (a constant indicator under min-max), whose scores are then missing.
    """
    n_years, _, n_ind = raw.shape
    low = np.zeros((n_years, 1, n_ind))
    high = np.ones((n_years, 1, n_ind))
    higher = np.array([p.direction == "higher_is_better" or p.method in ("binary", "categories")
                       for p in plan.indicators])
    log = np.array([p.log for p in plan.indicators])
    cap = np.array([p.cap for p in plan.indicators])
    fixed = np.array([p.method == "goalposts" for p in plan.indicators])
    problems: list[tuple[str, str, int | None]] = []
    values = _transform(raw, log)
    with np.errstate(all="ignore"):
        for i, p in enumerate(plan.indicators):
            col = values[:, :, i]
            if p.method in ("binary", "categories"):
                continue
            if p.method == "goalposts":
                assert p.goalposts is not None
                gp = np.log(p.goalposts) if p.log else np.asarray(p.goalposts, dtype=float)
                low[:, 0, i], high[:, 0, i] = gp
                continue
            if p.across_years:
                lo_d = np.full(n_years, np.nanmin(col)) if np.isfinite(col).any() else np.full(n_years, np.nan)
                hi_d = np.full(n_years, np.nanmax(col)) if np.isfinite(col).any() else np.full(n_years, np.nan)
            else:
                finite = np.isfinite(col).any(axis=1)
                lo_d = np.where(finite, np.nanmin(np.where(np.isfinite(col), col, np.inf), axis=1), np.nan)
                hi_d = np.where(finite, np.nanmax(np.where(np.isfinite(col), col, -np.inf), axis=1), np.nan)
            if p.method == "minmax":
                low[:, 0, i], high[:, 0, i] = lo_d, hi_d
            else:  # target
                assert p.target is not None
                t = np.log(p.target) if p.log else p.target
                if p.goalposts is not None:
                    gp = np.log(p.goalposts) if p.log else p.goalposts
                    worst = np.full(n_years, gp[0] if higher[i] else gp[1])
                else:
                    worst = lo_d if higher[i] else hi_d
                low[:, 0, i] = worst if higher[i] else t
                high[:, 0, i] = t if higher[i] else worst
                # a target is always "higher is better" towards the target once oriented
            bad = ~(high[:, 0, i] > low[:, 0, i]) & np.isfinite(col).any(axis=1)
            for y in np.flatnonzero(bad):
                problems.append((p.id, "constant_minmax" if p.method == "minmax" else "target_not_better",
                                 None if p.across_years else int(y)))
            low[bad, 0, i] = np.nan
            high[bad, 0, i] = np.nan
    return Linear(low=low, high=high, higher=higher, log=log, cap=cap, fixed=fixed), problems


def normalise(raw: np.ndarray, lin: Linear, shift: np.ndarray | None = None) -> np.ndarray:
    """Normalised values, 0-1, of ``raw`` (..., year, country, indicator).

    ``shift`` (draws, 2, indicator), if given, moves the fixed goalposts by that share
    of their range (the sensitivity analysis); ``raw`` then has the draws as first axis.
    """
    low, high = lin.low, lin.high
    if shift is not None:
        width = high - low                                   # (Y, 1, I)
        mask = lin.fixed[None, None, None, :]
        low = np.where(mask, low[None] + shift[:, 0, :][:, None, None, :] * width[None], low[None])
        high = np.where(mask, high[None] + shift[:, 1, :][:, None, None, :] * width[None], high[None])
    x = _transform(raw, lin.log)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - low) / (high - low)
    z = np.where(lin.higher, z, 1.0 - z)
    return np.where(lin.cap, np.clip(z, 0.0, 1.0), z)
