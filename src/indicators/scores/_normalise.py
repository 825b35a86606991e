"""Scoring step 3: put every indicator on a common scale (0-1 for most methods).

First the value itself may be changed without rescaling: a floor and a cap
(``limits``), a ``multiplier`` (0.01 turns a percentage into a share), its
``reciprocal`` and a ``log``. Then the indicator's method applies:

* **linear maps** ``z = (x - low) / (high - low)``, turned round for ``lower_is_better``
  and clipped to [0, 1] when capped: ``goalposts`` (fixed), ``minmax`` (bounds from
  the data, over every year by default), ``target`` (the worst value at 0, the target
  at 1) and ``raw`` (the value as it is, ``low = 0``, ``high = 1``, never capped);
* **cross-sectional methods**, computed among the countries of each year (and of
  each Monte Carlo draw), as COINr's functions of the same names:
  ``zscore`` (``(x - mean) / sd``, sample sd; COINr ``n_zscore``), ``rank`` (1 for the
  worst, ties sharing the lowest rank; ``n_rank``), ``percentile`` (``(rank - 1) / (n - 1)``;
  ``n_prank``), ``borda`` (``rank - 1``: the number of countries beaten; ``n_borda``),
  ``distance_best`` (``x / best``: the fraction of the best performer; ``n_fracmax``;
  ``best / x`` when lower is better) and ``distance_reference`` (``(x - worst) /
  (x_ref - worst)``, 1 at the reference country, capped at 1 when ``cap``; ``n_dist2ref``);
* ``binary`` and ``categories`` are mapped to 0-1 when the data are read.

A constant (``by_group``: men's reproductive health is 1 in UNDP's GII) replaces the
normalised value of every country-year that has data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._plan import Plan

__all__ = ["CROSS_SECTIONAL", "Linear", "linear_bounds", "normalise"]

#: Methods computed among the countries of a year (codes 1, 2, ...; 0 is a linear map).
CROSS_SECTIONAL: tuple[str, ...] = ("zscore", "rank", "percentile", "borda", "distance_best", "distance_reference")


@dataclass(frozen=True)
class Linear:
    """Per-indicator parameters of the normalisation, in the transformed scale."""

    low: np.ndarray        # (Y, 1, I)
    high: np.ndarray       # (Y, 1, I)
    higher: np.ndarray     # (I,) bool: higher is better
    log: np.ndarray        # (I,) bool
    cap: np.ndarray        # (I,) bool
    fixed: np.ndarray      # (I,) bool: goalposts fixed in the spec (perturbed by the sensitivity analysis)
    kind: np.ndarray | None = None        # (I,) int: 0 linear, 1 + position in CROSS_SECTIONAL
    floor: np.ndarray | None = None       # (I,) float, -inf for none
    ceiling: np.ndarray | None = None     # (I,) float, +inf for none
    multiplier: np.ndarray | None = None  # (I,) float
    reciprocal: np.ndarray | None = None  # (I,) bool
    constant: np.ndarray | None = None    # (I,) float, NaN for none
    reference: np.ndarray | None = None   # (I,) int: country index of distance_reference, -1 for none

    def select_years(self, ysel: np.ndarray) -> Linear:
        """The same parameters for the years ``ysel`` only."""
        from dataclasses import replace

        return replace(self, low=self.low[ysel], high=self.high[ysel])


def transform(x: np.ndarray, lin: Linear) -> np.ndarray:
    """Limits, multiplier, reciprocal and log, each where the indicator asks for it."""
    # each step only where some indicator asks for it (a floor of -inf, a multiplier of 1 change nothing)
    if lin.floor is not None and lin.ceiling is not None and (np.isfinite(lin.floor).any()
                                                              or np.isfinite(lin.ceiling).any()):
        x = np.clip(x, lin.floor, lin.ceiling)
    if lin.multiplier is not None and (lin.multiplier != 1).any():
        x = x * lin.multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        if lin.reciprocal is not None and lin.reciprocal.any():
            x = np.where(lin.reciprocal, 1.0 / x, x)
        if lin.log.any():
            x = np.where(lin.log, np.log(np.where(x > 0, x, np.nan)), x)
    return x


def _pre(plan: Plan, countries: np.ndarray | None = None) -> dict[str, np.ndarray]:
    inds = plan.indicators
    ref = np.full(len(inds), -1)
    if countries is not None:
        pos = {str(c): k for k, c in enumerate(countries)}
        ref = np.array([pos.get(str(p.reference), -1) if p.reference else -1 for p in inds])
    return {
        "kind": np.array([1 + CROSS_SECTIONAL.index(p.method) if p.method in CROSS_SECTIONAL else 0 for p in inds]),
        "floor": np.array([-np.inf if p.limits is None or p.limits[0] is None else p.limits[0] for p in inds]),
        "ceiling": np.array([np.inf if p.limits is None or p.limits[1] is None else p.limits[1] for p in inds]),
        "multiplier": np.array([p.multiplier for p in inds], dtype=float),
        "reciprocal": np.array([p.reciprocal for p in inds], dtype=bool),
        "constant": np.array([np.nan if p.constant is None else p.constant for p in inds], dtype=float),
        "reference": ref,
    }


def linear_bounds(plan: Plan, raw: np.ndarray, countries: np.ndarray | None = None
                  ) -> tuple[Linear, list[tuple[str, str, int | None]]]:
    """The normalisation of each indicator, from the plan and (for data-driven bounds) the data.

    ``raw`` is the (year, country, indicator) array of values to be scored. Returns the
    parameters and the (indicator, reason, year index) of bounds that cannot be set
    (a constant indicator under min-max), whose scores are then missing.
    """
    n_years, _, n_ind = raw.shape
    low = np.zeros((n_years, 1, n_ind))
    high = np.ones((n_years, 1, n_ind))
    higher = np.array([p.direction == "higher_is_better" or p.method in ("binary", "categories", "raw")
                       for p in plan.indicators])
    log = np.array([p.log for p in plan.indicators])
    cap = np.array([p.cap and p.method != "raw" for p in plan.indicators])
    fixed = np.array([p.method == "goalposts" for p in plan.indicators])
    pre = _pre(plan, countries)
    problems: list[tuple[str, str, int | None]] = []
    lin0 = Linear(low=low, high=high, higher=higher, log=log, cap=cap, fixed=fixed, **pre)
    values = transform(raw, lin0)
    with np.errstate(all="ignore"):
        for i, p in enumerate(plan.indicators):
            col = values[:, :, i]
            if p.method in ("binary", "categories", "raw", *CROSS_SECTIONAL):
                if p.method == "distance_reference" and pre["reference"][i] < 0:
                    problems.append((p.id, "reference_not_in_data", None))
                    low[:, 0, i] = high[:, 0, i] = np.nan
                continue
            if p.method == "goalposts":
                assert p.goalposts is not None
                gp = _transform_pair(p.goalposts, lin0, i)
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
                t = _transform_pair((p.target, p.target), lin0, i)[0]
                if p.goalposts is not None:
                    gp = _transform_pair(p.goalposts, lin0, i)
                    worst = np.full(n_years, gp[0] if higher[i] else gp[1])
                else:
                    worst = lo_d if higher[i] else hi_d
                low[:, 0, i] = worst if higher[i] else t
                high[:, 0, i] = t if higher[i] else worst
            bad = ~(high[:, 0, i] > low[:, 0, i]) & np.isfinite(col).any(axis=1)
            for y in np.flatnonzero(bad):
                problems.append((p.id, "constant_minmax" if p.method == "minmax" else "target_not_better",
                                 None if p.across_years else int(y)))
            low[bad, 0, i] = np.nan
            high[bad, 0, i] = np.nan
    return Linear(low=low, high=high, higher=higher, log=log, cap=cap, fixed=fixed, **pre), problems


def _transform_pair(pair: tuple[float, float], lin: Linear, i: int) -> np.ndarray:
    """Goalposts or a target in the transformed scale (limits are not applied to them)."""
    x = np.asarray(pair, dtype=float)
    if lin.multiplier is not None:
        x = x * lin.multiplier[i]
    with np.errstate(divide="ignore"):
        if lin.reciprocal is not None and lin.reciprocal[i]:
            x = np.sort(1.0 / x)
        if lin.log[i]:
            x = np.log(x)
    return x


def _cross_sectional(x: np.ndarray, kind: int, higher: bool, cap: bool, ref: int) -> np.ndarray:
    """One cross-sectional method on ``x`` (..., country): each year and draw on its own."""
    if not higher and kind in (1, 2, 3, 4):
        x = -x
    ok = np.isfinite(x)
    n = ok.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == 1:   # zscore (sample standard deviation, as R's sd)
            mean = np.nanmean(np.where(ok, x, np.nan), axis=-1, keepdims=True)
            sd = np.sqrt(np.nansum(np.where(ok, (x - mean) ** 2, np.nan), axis=-1, keepdims=True) / (n - 1))
            out = (x - mean) / sd
        elif kind in (2, 3, 4):   # ranks, ties at the lowest rank
            below = (np.where(ok, x, np.nan)[..., :, None] > np.where(ok, x, np.nan)[..., None, :]).sum(axis=-1)
            rank = below + 1.0
            out = rank if kind == 2 else (rank - 1) / (n - 1) if kind == 3 else rank - 1
        elif kind == 5:   # distance to the best: fraction of the best value
            if higher:
                out = x / np.nanmax(np.where(ok, x, np.nan), axis=-1, keepdims=True)
            else:
                out = np.nanmin(np.where(ok, x, np.nan), axis=-1, keepdims=True) / x
        else:   # distance to a reference country
            if not higher:
                x = -x
            worst = np.nanmin(np.where(ok, x, np.nan), axis=-1, keepdims=True)
            out = (x - worst) / (x[..., ref:ref + 1] - worst)
            if cap:
                out = np.minimum(out, 1.0)
    return np.where(ok, out, np.nan)


def normalise(raw: np.ndarray, lin: Linear, shift: np.ndarray | None = None) -> np.ndarray:
    """Normalised values of ``raw`` (..., year, country, indicator).

    ``shift`` (draws, 2, indicator), if given, moves the fixed goalposts by that share
    of their range (the sensitivity analysis); ``raw`` then has the draws as first axis.
    """
    low, high = lin.low, lin.high
    if shift is not None:
        width = high - low                                   # (Y, 1, I)
        mask = lin.fixed[None, None, None, :]
        low = np.where(mask, low[None] + shift[:, 0, :][:, None, None, :] * width[None], low[None])
        high = np.where(mask, high[None] + shift[:, 1, :][:, None, None, :] * width[None], high[None])
    x = transform(raw, lin)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (x - low) / (high - low)
    if not lin.higher.all():
        z = np.where(lin.higher, z, 1.0 - z)
    if lin.cap.all():
        z = np.clip(z, 0.0, 1.0)
    elif lin.cap.any():
        z = np.where(lin.cap, np.clip(z, 0.0, 1.0), z)
    if lin.kind is not None and lin.kind.any():
        z = np.array(z, dtype=float, copy=True)
        ref = lin.reference if lin.reference is not None else np.full(lin.kind.shape, -1)
        for i in np.flatnonzero(lin.kind):
            col = _cross_sectional(x[..., i], int(lin.kind[i]), bool(lin.higher[i]), bool(lin.cap[i]), int(ref[i]))
            z[..., i] = col if np.isfinite(lin.low[..., 0, i]).all() else np.nan
    if lin.constant is not None and np.isfinite(lin.constant).any():
        const = np.isfinite(lin.constant)
        z = np.where(const, lin.constant, z)
    return z
