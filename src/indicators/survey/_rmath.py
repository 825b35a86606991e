"""R's numerical routines that some of its survey intervals depend on, step for step.

``seq_length`` (``seq.int(from, to, length.out = n)``), ``spline`` (``stats::spline``:
Forsythe, Malcolm and Moler's cubic spline, evaluated on ``3 n`` equally spaced points),
``approx`` (``stats::approx``, linear or constant, with its sorting and averaging of tied
``x``) and ``zeroin`` (``uniroot``'s Brent root finder, R's ``R_zeroin2``). Reproducing
them, rather than calling SciPy's look-alikes, is what lets a profile-likelihood or a
score interval agree with R's to rounding. Private to :mod:`indicators.survey`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_EPS = float(np.finfo(np.float64).eps)


def seq_length(start: float, stop: float, n: int) -> np.ndarray:
    """R's ``seq.int(start, stop, length.out = n)`` (R 4.2): ``start + i * by``, the last
    point ``stop`` itself.

    >>> seq_length(0.0, 1.0, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    out = np.empty(n)
    if n > 0:
        out[0] = start
    if n > 1:
        by = (stop - start) / (n - 1)
        out[1:n - 1] = start + np.arange(1, n - 1) * by
        out[n - 1] = stop
    return out


def _regularize(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``regularize.values(x, y, mean)``: sorted by ``x`` (stably), ``y`` averaged over
    tied ``x``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if np.any(np.diff(x) < 0):
        order = np.argsort(x, kind="stable")
        x, y = x[order], y[order]
    if len(x) > 1 and np.any(np.diff(x) == 0):
        ux, start = np.unique(x, return_index=True)
        counts = np.diff(np.append(start, len(x)))
        y = np.array([float(np.mean(y[s:s + c])) for s, c in zip(start, counts, strict=True)])
        x = ux
    return x, y


def _fmm_coefficients(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """R's ``fmm_spline`` (``splines.c``): the cubic's coefficients ``b``, ``c``, ``d`` at
    each knot, the end conditions matching the third derivative of the cubics through the
    first and last four points."""
    n = len(x)
    b, c, d = np.zeros(n), np.zeros(n), np.zeros(n)
    if n < 2:
        return b, c, d
    if n < 3:
        t = (y[1] - y[0]) / (x[1] - x[0])
        return np.array([t, t]), c, d
    d[0] = x[1] - x[0]
    c[1] = (y[1] - y[0]) / d[0]
    for i in range(1, n - 1):
        d[i] = x[i + 1] - x[i]
        b[i] = 2.0 * (d[i - 1] + d[i])
        c[i + 1] = (y[i + 1] - y[i]) / d[i]
        c[i] = c[i + 1] - c[i]
    b[0] = -d[0]
    b[n - 1] = -d[n - 2]
    c[0] = c[n - 1] = 0.0
    if n > 3:
        c[0] = c[2] / (x[3] - x[1]) - c[1] / (x[2] - x[0])
        c[n - 1] = c[n - 2] / (x[n - 1] - x[n - 3]) - c[n - 3] / (x[n - 2] - x[n - 4])
        c[0] = c[0] * d[0] * d[0] / (x[3] - x[0])
        c[n - 1] = -c[n - 1] * d[n - 2] * d[n - 2] / (x[n - 1] - x[n - 4])
    for i in range(1, n):
        t = d[i - 1] / b[i - 1]
        b[i] = b[i] - t * d[i - 1]
        c[i] = c[i] - t * c[i - 1]
    c[n - 1] = c[n - 1] / b[n - 1]
    for i in range(n - 2, -1, -1):
        c[i] = (c[i] - d[i] * c[i + 1]) / b[i]
    b[n - 1] = (y[n - 1] - y[n - 2]) / d[n - 2] + d[n - 2] * (c[n - 2] + 2.0 * c[n - 1])
    for i in range(n - 1):
        b[i] = (y[i + 1] - y[i]) / d[i] - d[i] * (c[i + 1] + 2.0 * c[i])
        d[i] = (c[i + 1] - c[i]) / d[i]
        c[i] = 3.0 * c[i]
    c[n - 1] = 3.0 * c[n - 1]
    d[n - 1] = d[n - 2]
    return b, c, d


def _spline_eval(u: np.ndarray, x: np.ndarray, y: np.ndarray, b: np.ndarray, c: np.ndarray,
                 d: np.ndarray) -> np.ndarray:
    """R's ``spline_eval`` (non-periodic): each ``u`` on the cubic of the knot at or below it."""
    n = len(x)
    out = np.empty(len(u))
    i = 0
    for k, ul in enumerate(u):
        if ul < x[i] or (i < n - 1 and x[i + 1] < ul):
            i, j = 0, n
            while True:
                m = (i + j) // 2
                if ul < x[m]:
                    j = m
                else:
                    i = m
                if j <= i + 1:
                    break
        dx = ul - x[i]
        out[k] = y[i] + dx * (b[i] + dx * (c[i] + dx * d[i]))
    return out


def spline(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``spline(x, y)`` with its defaults (``method = "fmm"``, ``n = 3 length(x)``
    points from ``min(x)`` to ``max(x)``, tied ``x`` averaged).

    >>> xs, ys = spline(np.array([0.0, 1, 2, 3]), np.array([0.0, 1, 8, 27]))
    >>> len(xs), bool(np.allclose(ys, xs ** 3))  # a cubic through four points is the cubic
    (12, True)
    """
    xr, yr = _regularize(x, y)
    xout = seq_length(float(xr[0]), float(xr[-1]), 3 * len(xr))
    b, c, d = _fmm_coefficients(xr, yr)
    return xout, _spline_eval(xout, xr, yr, b, c, d)


def approx(x: np.ndarray, y: np.ndarray, xout: np.ndarray, method: str = "linear",
           f: float = 0.0, rule: int = 1) -> np.ndarray:
    """R's ``approx(x, y, xout, method, f = f, rule = rule)$y`` (``ties = mean``).

    >>> approx(np.array([1.0, 2, 3]), np.array([10.0, 20, 30]), np.array([1.5, 4.0])).tolist()
    [15.0, nan]
    >>> approx(np.array([3.0, 1, 2]), np.array([30.0, 10, 20]), np.array([2.5, 0.0, 9.0]),
    ...        method="constant", rule=2).tolist()
    [20.0, 10.0, 30.0]
    """
    xs, ys = _regularize(x, y)
    n = len(xs)
    out = np.empty(len(xout))
    low, high = (ys[0], ys[-1]) if rule == 2 and n else (np.nan, np.nan)
    for k, v in enumerate(np.asarray(xout, dtype=np.float64)):
        if n == 0 or np.isnan(v):
            out[k] = np.nan
            continue
        if v < xs[0]:
            out[k] = low
            continue
        if v > xs[-1]:
            out[k] = high
            continue
        i, j = 0, n - 1
        while i < j - 1:
            m = (i + j) // 2
            if v < xs[m]:
                j = m
            else:
                i = m
        if v == xs[j]:
            out[k] = ys[j]
        elif v == xs[i]:
            out[k] = ys[i]
        elif method == "linear":
            out[k] = ys[i] + (ys[j] - ys[i]) * ((v - xs[i]) / (xs[j] - xs[i]))
        else:
            out[k] = (ys[i] * (1 - f) if 1 - f != 0 else 0.0) + (ys[j] * f if f != 0 else 0.0)
    return out


def zeroin(fun: Callable[[float], float], lower: float, upper: float, f_lower: float,
           f_upper: float, tol: float, maxiter: int = 1000) -> tuple[float, int]:
    """R's ``uniroot`` root finder (``R_zeroin2``, Brent's method), iterate for iterate.

    Returns the root and the number of iterations (-1 when it did not converge in
    ``maxiter``). The caller checks that ``f_lower`` and ``f_upper`` differ in sign.

    >>> root, _ = zeroin(lambda t: t * t - 2, 0.0, 2.0, -2.0, 2.0, 1e-12)
    >>> round(root, 10)
    1.4142135624
    """
    with np.errstate(all="ignore"):  # C's arithmetic: x / 0 is infinite, not an error
        return _zeroin(fun, np.float64(lower), np.float64(upper), np.float64(f_lower),
                       np.float64(f_upper), np.float64(tol), maxiter)


def _zeroin(fun: Callable[[float], float], a: np.float64, b: np.float64, fa: np.float64,
            fb: np.float64, tol: np.float64, maxiter: int) -> tuple[float, int]:
    c, fc = a, fa
    if fa == 0.0:
        return float(a), 0
    if fb == 0.0:
        return float(b), 0
    left = maxiter + 1
    while left:
        left -= 1
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _EPS * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0.0:
            return float(b), maxiter + 1 - left
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                q = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * q * (q - t1) - (b - a) * (t1 - 1.0))
                q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(prev_step * q / 2):
                new_step = p / q
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b = b + new_step
        fb = np.float64(fun(float(b)))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return float(b), -1
