"""Intervals that R's survey package finds by search rather than by formula: the
profile-likelihood interval of a proportion (``svyciprop(method = "likelihood")``) and
the score interval of a quantile (``svyquantile(interval.type = "score")``).

Both follow R's code step for step (its profile grid, FMM spline and linear inversion;
its ``uniroot``), with :mod:`._rmath` supplying R's numerical routines.
Private to :mod:`indicators.survey`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special, stats

from ._rmath import approx, spline, zeroin

#: R's ``profile.glm`` defaults: at most ``maxsteps - 1`` steps each way.
_MAXSTEPS = 10


def _expit(eta: float) -> float:
    """R's binomial ``linkinv`` (clamped beyond +/-30)."""
    eps = float(np.finfo(np.float64).eps)
    e = eps if eta < -30 else (1 / eps if eta > 30 else float(np.exp(eta)))
    return e / (1 + e)


def _profile(b0: float, se: float, s1: float, s0: float, dispersion: float, zmax: float
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """survey's ``MASSprofile_glm`` for an intercept-only binomial fit: the signed root of
    the deviance change over the dispersion at ``b0 +/- k * zmax / 5 * se``, ``k = 1..9``,
    each way until it passes ``zmax``. With no other coefficient, each point needs no
    refit: the deviance at ``b`` is ``2 (s1 log(1 / mu) + s0 log(1 / (1 - mu)))``
    (``s1``, ``s0``: the prior weights of the ones and of the zeros). None where R
    stops ("profiling has found a better solution")."""
    def deviance(b: float) -> float:
        mu = _expit(b)
        return 2 * (s1 * np.log(1 / mu) + s0 * np.log(1 / (1 - mu)))

    dev0 = deviance(b0)
    step_size = zmax / 5
    zs, bs = [0.0], [b0]
    for sgn in (-1, 1):
        step, z = 0, 0.0
        while True:
            step += 1
            if not (step < _MAXSTEPS and abs(z) < zmax):
                break
            b = b0 + sgn * step * step_size * se
            zz = (deviance(b) - dev0) / dispersion
            if not zz > -0.001:
                return None
            z = sgn * np.sqrt(max(zz, 0.0))
            zs.append(float(z))
            bs.append(b)
    order = np.argsort(np.array(zs), kind="stable")
    return np.array(zs)[order], np.array(bs)[order]


def likelihood_interval(coef: np.ndarray, se: np.ndarray, info: np.ndarray, s1: np.ndarray,
                        s0: np.ndarray, dispersion: np.ndarray, rows: np.ndarray, level: float,
                        df: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method = "likelihood")`` (``confint.svyglm(method = "likelihood")``)
    per domain, on the proportion scale.

    ``coef``: the intercept of the quasibinomial ``svyglm``; ``se``: its design-based
    standard error; ``info``: the model information (``1 / naive.cov``); ``s1``, ``s0``:
    the prior weights of the ones and the zeros; ``dispersion``: the fit's dispersion
    (``summary(fit)$dispersion``); ``rows``: the rows of the fit (``n`` of ``qf(.., 1,
    n - 1)``); ``df``: the degrees of freedom (None for normal).

    As R: ``lambda = se^2 * info`` (design over model variance); ``alpha = pnorm(qt(a/2,
    df) sqrt(lambda)) / 2``; the deviance profiled out to ``zmax = sqrt(qf(1 - alpha, 1,
    rows - 1))`` in steps of ``zmax / 5`` standard errors; an FMM spline through the
    profile (``spline``, ``3 k`` points); the coefficients where the spline crosses
    ``-/+ qnorm(2 alpha)`` by linear interpolation (``approx``), NaN where it does not.
    """
    D = len(coef)
    lo = np.full(D, np.nan)
    hi = np.full(D, np.nan)
    a = (1.0 - level) / 2
    for k in range(D):
        ddf = np.inf if df is None else float(df[k])
        values = (coef[k], se[k], info[k], s1[k], s0[k], dispersion[k])
        if not all(np.isfinite(values)) or se[k] <= 0 or dispersion[k] <= 0 or rows[k] < 2 or not ddf > 0:
            continue
        root_lambda = float(np.sqrt(se[k] * se[k] * info[k]))
        crit = float(special.ndtri(a)) if np.isinf(ddf) else float(stats.t.ppf(a, ddf))
        alpha = float(special.ndtr(crit * root_lambda)) / 2
        # sqrt(qf(alpha, 1, m, lower.tail = FALSE)) is t's upper alpha/2 point (F(1, m) = t(m)^2),
        # which stays finite where alpha is tiny (a design effect far from 1).
        zmax = float(stats.t.isf(alpha / 2, float(rows[k]) - 1))
        prof = _profile(float(coef[k]), float(se[k]), float(s1[k]), float(s0[k]),
                        float(dispersion[k]), zmax)
        if prof is None:
            continue
        zs, bs = prof
        sx, sy = spline(bs, zs)
        cutoff = np.array([special.ndtri(2 * alpha), -special.ndtri(2 * alpha)])
        b_lo, b_hi = approx(sy, sx, cutoff)
        lo[k], hi[k] = _expit(float(b_lo)), _expit(float(b_hi))
    return lo, hi


def score_bounds(scoretest: Callable[[float, float], float], lower: float, upper: float,
                 limits: tuple[float, float], tol: float) -> tuple[float, float]:
    """The two roots of R's ``ffullerCI``: ``uniroot(scoretest, c(lower, upper),
    qlimit = limit, tol = tol)$root`` for each limit; NaN where ``scoretest`` has the
    same sign at both ends (where R stops with "f() values at end points not of opposite
    sign")."""
    big = float(np.finfo(np.float64).max)
    roots = []
    for limit in limits:
        f_lower = scoretest(lower, limit)
        f_upper = scoretest(upper, limit)
        # R stops on a missing value or no sign change; an infinite end value is kept.
        if np.isnan(f_lower) or np.isnan(f_upper) or np.sign(f_lower) * np.sign(f_upper) > 0 \
                or not lower < upper:
            roots.append(float("nan"))
            continue

        def at(theta: float, limit: float = limit) -> float:
            # R's zeroin callback: -Inf becomes -DBL_MAX, +Inf and NaN +DBL_MAX
            value = scoretest(theta, limit)
            if np.isfinite(value):
                return value
            return -big if value == -np.inf else big

        root, _ = zeroin(at, lower, upper, f_lower, f_upper, tol)
        roots.append(root)
    return roots[0], roots[1]
