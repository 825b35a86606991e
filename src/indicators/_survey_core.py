"""The vectorised core of survey estimation: domain codes, per-(PSU, domain) sums, variances.

Private. Everything here works on numpy arrays already extracted from the design:
the microdata are reduced to sums per (PSU, domain) pair in one :func:`numpy.bincount`
pass per quantity, then the variance algebra runs on those few sums, stratum by
stratum, again with ``bincount``. There is no Python loop over rows, PSUs, strata or
domains anywhere in this module.

The formulas are those of R's ``survey`` package (``svyrecvar``/``onestage``/
``onestrat`` for with-replacement first-stage sampling, "ultimate cluster"):

``v_d = sum_h scale_h * sum_{c in h} (z_cd - zbar_hd)^2``, with
``scale_h = (1 - f_h) * n_h / (n_h - 1)`` and ``z_cd`` the PSU total of the
linearised variable of domain ``d``. Strata with a single PSU follow ``lonely_psu``.

>>> import numpy as np
>>> codes, uniques = domain_codes([np.array(["b", "a", "b"])])
>>> codes.tolist(), [u.tolist() for u in uniques]
([1, 0, 1], [['a', 'b']])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

__all__ = [
    "domain_codes", "PairIndex", "StrataInfo", "stratified_variance", "domain_degf",
    "weighted_quantile", "t_or_normal", "wald_ci", "logit_ci", "beta_ci", "glm_logit",
]


def _factorize(values: Any) -> tuple[np.ndarray, Any]:
    """Sorted factorisation; missing values get code -1."""
    codes, uniques = pd.factorize(pd.Series(values, copy=False), sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), uniques


def domain_codes(columns: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Combine one or several domain columns into codes 0..D-1 sorted by domain values.

    Rows missing any domain value get -1. Returns the codes and, for each column, the
    values of every domain (aligned, one entry per domain, in order).
    """
    if not columns:
        raise ValueError("no domain column")
    parts = [_factorize(col) for col in columns]
    sizes = [max(len(u), 1) for _, u in parts]
    key = np.zeros(len(parts[0][0]), dtype=np.int64)
    missing = np.zeros(len(key), dtype=bool)
    for (codes, _), size in zip(parts, sizes):
        key *= size
        key += codes
        missing |= codes < 0
    total = int(np.prod(np.array(sizes, dtype=np.float64)))
    key[missing] = -1
    if total <= max(4 * len(key), 1 << 20):
        # Present combinations by a presence count: O(n), already in sorted order.
        present = np.bincount(key[~missing], minlength=total) > 0
        remap = np.cumsum(present) - 1
        cells = np.flatnonzero(present)
        out = np.where(missing, -1, remap[np.where(missing, 0, key)])
    else:  # very many combinations: sort the keys that occur
        cells, inverse = np.unique(key[~missing], return_inverse=True)
        out = np.full(len(key), -1, dtype=np.int64)
        out[~missing] = inverse
    values: list[Any] = []
    rest = cells.copy()
    for (_, uniques), size in zip(reversed(parts), reversed(sizes)):
        values.append(uniques.take(rest % size) if len(uniques) else uniques)
        rest //= size
    values.reverse()
    return out.astype(np.int64), values


@dataclass(frozen=True)
class StrataInfo:
    """Per-stratum facts of a design (arrays indexed by stratum code)."""

    n_psu: np.ndarray          # PSUs per stratum in the full design
    f: np.ndarray              # 1 - sampling fraction (1 without fpc)
    psu_stratum: np.ndarray    # stratum code of each PSU
    lonely_psu: str            # fail, remove, adjust, certainty, average

    @property
    def n_strata(self) -> int:
        return len(self.n_psu)

    @property
    def n_psus(self) -> int:
        return len(self.psu_stratum)


@dataclass(frozen=True)
class PairIndex:
    """Rows mapped to the (PSU, domain) pairs that occur; built once per ``by``.

    ``pair`` gives each row its pair (rows outside every domain go to pairs of the
    extra domain ``n_domains``, ignored in results).
    """

    pair: np.ndarray
    pair_psu: np.ndarray
    pair_dom: np.ndarray
    n_domains: int

    @classmethod
    def build(cls, psu: np.ndarray, dom: np.ndarray, n_psus: int, n_domains: int) -> PairIndex:
        """Compact (psu, domain) keys of every row into pair codes 0..P-1."""
        width = n_domains + 1
        dom_ext = np.where(dom < 0, n_domains, dom) if (dom < 0).any() else dom
        key = psu.astype(np.int64) * width + dom_ext
        cells = n_psus * width
        if cells <= max(2 * len(key), 1 << 16):
            present = np.bincount(key, minlength=cells) > 0
            remap = (np.cumsum(present) - 1).astype(np.int64)
            pair = remap[key]
            keys = np.flatnonzero(present)
        else:
            pair_codes, keys = pd.factorize(key, sort=False)
            pair = np.asarray(pair_codes, dtype=np.int64)
            keys = np.asarray(keys, dtype=np.int64)
        return cls(pair=pair, pair_psu=keys // width, pair_dom=keys % width, n_domains=n_domains)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_psu)

    def sums(self, weights: np.ndarray | None) -> np.ndarray:
        """Sum ``weights`` (or count rows) by pair."""
        return np.bincount(self.pair, weights=weights, minlength=self.n_pairs)

    def by_domain(self, pair_values: np.ndarray) -> np.ndarray:
        """Add pair values up to domains (0..D-1)."""
        return np.bincount(self.pair_dom, weights=pair_values, minlength=self.n_domains + 1)[: self.n_domains]


def stratified_variance(z: np.ndarray, pairs: PairIndex, strata: StrataInfo,
                        present: np.ndarray | None = None) -> np.ndarray:
    """Variance of the domain totals of a linearised variable, one per domain.

    ``z`` holds the PSU totals of the linearised variable, one per pair (zeros where a
    PSU has no row of the domain). ``present`` (per pair, bool) says which pairs have at
    least one usable row; it is only needed for ``lonely_psu="average"``, where R counts
    the strata present in the domain.
    """
    D = pairs.n_domains
    width = D + 1
    H = strata.n_strata
    pair_h = strata.psu_stratum[pairs.pair_psu]
    hd = pair_h * width + pairs.pair_dom
    s1 = np.bincount(hd, weights=z, minlength=H * width)
    m = np.bincount(hd, minlength=H * width).astype(np.float64)
    n_h = np.repeat(strata.n_psu.astype(np.float64), width)
    zbar = s1 / n_h
    dev = z - zbar[hd]
    ss = np.bincount(hd, weights=dev * dev, minlength=H * width) + (n_h - m) * zbar * zbar
    nh = strata.n_psu.astype(np.float64)
    lonely = strata.n_psu == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, strata.f, strata.f * nh / (nh - 1.0))
    contrib = ss.reshape(H, width) * scale[:, None]
    certain = strata.f < 1e-7
    if lonely.any():
        option = strata.lonely_psu
        if option == "adjust":
            # R centres nothing for a lonely PSU: its own total, squared, times f.
            contrib[lonely] = (strata.f[lonely, None] * s1.reshape(H, width)[lonely] ** 2)
        else:  # remove, certainty: the centred single PSU contributes 0; average: NA
            contrib[lonely] = 0.0
    contrib[certain] = 0.0
    var = contrib.sum(axis=0)[:D]
    if lonely.any() and strata.lonely_psu == "average":
        flag = present if present is not None else np.ones(pairs.n_pairs, dtype=bool)
        here = np.bincount(hd, weights=flag.astype(np.float64), minlength=H * width).reshape(H, width) > 0
        nstrat = here.sum(axis=0)[:D].astype(np.float64)
        nok = (here & ~(lonely & ~certain)[:, None]).sum(axis=0)[:D].astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            var = var * nstrat / nok
    return var


def domain_degf(pairs: PairIndex, strata: StrataInfo, present: np.ndarray) -> np.ndarray:
    """Degrees of freedom per domain as R's ``degf`` of the domain subset.

    PSUs with at least one usable row in the domain, minus strata with at least one.
    """
    D = pairs.n_domains
    width = D + 1
    psus = np.bincount(pairs.pair_dom, weights=present.astype(np.float64), minlength=width)[:D]
    pair_h = strata.psu_stratum[pairs.pair_psu]
    hd = pair_h * width + pairs.pair_dom
    here = np.bincount(hd, weights=present.astype(np.float64), minlength=strata.n_strata * width) > 0
    nstrat = here.reshape(strata.n_strata, width).sum(axis=0)[:D]
    return psus - nstrat


def weighted_quantile(y: np.ndarray, w: np.ndarray, dom: np.ndarray, n_domains: int,
                      probs: np.ndarray) -> np.ndarray:
    """R's ``qrule_math`` quantile in every domain at once (``probs`` one per domain).

    The smallest value whose weighted distribution function reaches ``p``: with rows
    sorted by value, ``pos`` is the last row whose cumulative weight is at most
    ``p * W`` (the first row when none is); the answer is ``y[pos]`` when the
    cumulative weight there equals ``p * W`` (to a relative 1e-12) and the next value
    otherwise. Rows with ``dom < 0`` are ignored; a domain without rows or with a
    ``probs`` outside [0, 1] gets NaN.
    """
    keep = dom >= 0
    yk, wk, dk = y[keep], w[keep], dom[keep]
    order = np.lexsort((yk, dk))
    ys, ws, ds = yk[order], wk[order], dk[order]
    counts = np.bincount(ds, minlength=n_domains)
    ends = np.cumsum(counts)
    starts = ends - counts
    cum = np.cumsum(ws)
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    total = np.bincount(ds, weights=ws, minlength=n_domains)
    out = np.full(n_domains, np.nan)
    ok = (counts > 0) & np.isfinite(probs) & (probs >= 0) & (probs <= 1)
    if not ok.any():
        return out
    p = probs[ok]
    thr = base[ok] + p * total[ok]
    st, en = starts[ok], ends[ok]
    tol = 1e-12 * total[ok]
    pos = np.searchsorted(cum, thr + tol, side="right") - 1
    pos = np.clip(pos, st, en - 1)
    local = cum[pos] - base[ok]
    exact = np.abs(p * total[ok] - local) <= tol
    nxt = np.minimum(pos + 1, en - 1)
    out[ok] = np.where(exact, ys[pos], ys[nxt])
    return out


def t_or_normal(level: float, df: np.ndarray | float | None) -> np.ndarray:
    """The two-sided critical value: normal when ``df`` is None or infinite, else t."""
    alpha = 1.0 - level
    if df is None:
        return np.asarray(stats.norm.ppf(1 - alpha / 2))
    dfa = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        crit = np.where(np.isinf(dfa), stats.norm.ppf(1 - alpha / 2),
                        stats.t.ppf(1 - alpha / 2, np.where(dfa > 0, dfa, np.nan)))
    return crit


def wald_ci(est: np.ndarray, se: np.ndarray, level: float,
            df: np.ndarray | float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``est -/+ crit * se`` (R's ``confint`` on a ``svystat``)."""
    crit = t_or_normal(level, df)
    return est - crit * se, est + crit * se


def logit_ci(p: np.ndarray, se: np.ndarray, level: float,
             df: np.ndarray | float | None) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="logit")``: Wald on the logit scale, t with ``df``."""
    crit = t_or_normal(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = special.logit(p)
        se_eta = se / (p * (1 - p))
        lo = special.expit(eta - crit * se_eta)
        hi = special.expit(eta + crit * se_eta)
    return lo, hi


def beta_ci(p: np.ndarray, se: np.ndarray, level: float, df: np.ndarray | float,
            n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="beta")``: Korn-Graubard / Clopper-Pearson on the effective n.

    ``n_eff = p (1 - p) / var * (qt(alpha/2, n - 1) / qt(alpha/2, df))^2``.
    """
    alpha = 1.0 - level
    dfa = np.asarray(df, dtype=np.float64)
    na = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = p * (1 - p) / (se * se)
        num = stats.t.ppf(alpha / 2, np.where(na > 1, na - 1, np.nan))
        den = np.where(np.isinf(dfa), stats.norm.ppf(alpha / 2),
                       stats.t.ppf(alpha / 2, np.where(dfa > 0, dfa, np.nan)))
        n_eff = n_eff * (num / den) ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    lo = np.where(p == 0, 0.0, lo)
    hi = np.where(p == 1, 1.0, hi)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def _expit(eta: np.ndarray) -> np.ndarray:
    """R's binomial ``linkinv``: exp(eta) / (1 + exp(eta)), clamped at |eta| > 30."""
    eps = np.finfo(np.float64).eps
    e = np.where(eta < -30, eps, np.where(eta > 30, 1 / eps, np.exp(np.clip(eta, -30, 30))))
    return e / (1 + e)


def _mu_eta(eta: np.ndarray) -> np.ndarray:
    eps = np.finfo(np.float64).eps
    e = np.exp(np.clip(eta, -30, 30))
    return np.where((eta > 30) | (eta < -30), eps, e / ((1 + e) * (1 + e)))


def _binomial_deviance(y: np.ndarray, mu: np.ndarray, wt: np.ndarray, dom: np.ndarray,
                       n_domains: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y != 0, y * np.log(y / mu), 0.0)
        b = np.where(1 - y != 0, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return np.bincount(dom, weights=2 * wt * (a + b), minlength=n_domains + 1)[:n_domains]


def glm_logit(y: np.ndarray, wn: np.ndarray, dom: np.ndarray, n_domains: int,
              epsilon: float = 1e-8, maxit: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An intercept-only quasibinomial fit per domain, step for step as R's ``glm.fit``.

    R's ``svyciprop(method="logit")`` reports ``expit`` of this fit's coefficient, which
    stops when the relative change of the deviance is below ``epsilon`` and so differs
    from the weighted mean by up to about 1e-8. ``y`` is 0/1, ``wn`` the prior weights
    (sampling weights over their mean in the domain), ``dom`` the domain of each row
    (``n_domains`` for rows outside). Returns the coefficients; per row, the factor
    ``working weight * working residual / (wn * (y - mu))`` that R's sandwich uses; and
    per domain the information ``sum(working weights)`` (its inverse is ``cov.unscaled``).
    """
    D = n_domains
    mustart = (wn * y + 0.5) / (wn + 1)
    eta = np.log(mustart / (1 - mustart))
    mu = _expit(eta)
    devold = _binomial_deviance(y, mu, wn, dom, D)
    coef = np.full(D, np.nan)
    active = np.ones(D + 1, dtype=bool)
    active[D] = False
    ratio = np.ones(len(y))
    info = np.full(D, np.nan)
    for _ in range(maxit):  # IRLS iterations (a handful), each vectorised over rows and domains
        rows = active[dom]
        mev = _mu_eta(eta)
        var = mu * (1 - mu)
        z = eta + (y - mu) / mev
        w2 = wn * mev * mev / var
        num = np.bincount(dom, weights=np.where(rows, w2 * z, 0.0), minlength=D + 1)[:D]
        den = np.bincount(dom, weights=np.where(rows, w2, 0.0), minlength=D + 1)[:D]
        new = np.where(active[:D], num / np.where(den > 0, den, 1.0), coef)
        coef = new
        eta_new = np.where(rows, np.append(coef, 0.0)[dom], eta)
        mu_new = _expit(eta_new)
        # R's sandwich mixes the working weights of this iteration with the new residuals.
        ratio = np.where(rows, (mev * mev / var) / _mu_eta(eta_new), ratio)
        info = np.where(active[:D], den, info)
        eta, mu = eta_new, mu_new
        dev = _binomial_deviance(y, mu, wn, dom, D)
        done = np.abs(dev - devold) / (np.abs(dev) + 0.1) < epsilon
        active[:D] &= ~done
        devold = np.where(active[:D], dev, devold)
        if not active.any():
            break
    return coef, ratio, info
