"""Variances of designs sampled with probability proportional to size, without replacement.

Private. R's ``svydesign(pps = ...)`` offers three approximations to the joint
inclusion probabilities, which the Horvitz-Thompson variance needs and a statistics
office rarely has:

* ``brewer``: Brewer's approximation, the with-replacement ("ultimate cluster")
  variance with a finite population correction ``1 - pi_i`` for each PSU,
  ``v = sum_h n_h / (n_h - 1) sum_{i in h} (1 - pi_i) (z_i - zbar_h)^2``;
  it works at every stage of a multistage design.
* ``overton``: Overton's approximation ``pi_ij = pi_i pi_j (n - 1) / (n - (pi_i + pi_j) / 2)``,
  in the Horvitz-Thompson (or Yates-Grundy) form;
* ``hartley-rao``: Hartley and Rao's, ``Dcheck_ij = (pi_i + pi_j - p2 - 1) / (n - 1)``
  with ``p2`` the population sum of squared probabilities over ``n`` (by default its
  sample estimate, the mean of ``pi`` in the stratum).

The Horvitz-Thompson form ``sum_ij Dcheck_ij z_i z_j``, with ``Dcheck_ii = 1 - pi_i`` and
``Dcheck_ij = (a (pi_i + pi_j) - b_h) / (n_h - 1)`` within a stratum, reduces to sums over
the sampled PSUs (``S = sum z``, ``Q = sum z^2``, ``T = sum pi z``, ``U = sum pi z^2``):
``(Q - U) + (2 a (S T - U) - b (S^2 - Q)) / (n - 1)``; no n x n matrix is formed.

>>> import numpy as np
>>> z = np.array([2.0, 3.0]); pi = np.array([0.5, 0.25])
>>> float(ht_segment(z, pi, np.array([0, 0]), np.array([2]), 0.5, np.array([1.0]))[0])
1.25
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from ._core import PairIndex, StrataInfo, _combine_strata

__all__ = ["PPS_METHODS", "PPSMethod", "PPSVariance", "brewer_dense", "brewer_variance",
           "ht_dense", "ht_segment", "ht_variance"]

PPSMethod = Literal["brewer", "overton", "hartley-rao"]
PPSVariance = Literal["HT", "YG"]
PPS_METHODS: tuple[str, ...] = get_args(PPSMethod)


def _weights_strata(strata: StrataInfo, g_unit: np.ndarray) -> StrataInfo:
    """The strata with ``f`` 1 (the fpc is carried per unit in ``g_unit``) or 0 where
    every unit of the stratum has ``1 - pi < 1e-7`` (R's certainty strata)."""
    H = strata.n_strata
    most = np.full(H, -np.inf)
    np.maximum.at(most, strata.psu_stratum, g_unit)
    f = np.where(most < 1e-7, 0.0, 1.0)
    return StrataInfo(n_psu=strata.n_psu, f=f, psu_stratum=strata.psu_stratum,
                      lonely_psu=strata.lonely_psu)


def brewer_variance(z: np.ndarray, pairs: PairIndex, strata: StrataInfo, g_unit: np.ndarray,
                    scale_unit: np.ndarray, present: np.ndarray | None = None) -> np.ndarray:
    """Brewer's variance of the domain totals, from the pairs' totals ``z`` of the
    linearised variable: each unit's squared deviation from its stratum's mean (over all
    the stratum's units, those without a row of the domain having ``z = 0``) weighted by
    ``g = 1 - pi`` of the unit, times ``n_h / (n_h - 1)`` and ``scale_unit`` (the sampling
    fractions of the stages above), with R's lonely-PSU rules."""
    weight = (g_unit * scale_unit)[pairs.pair_psu]
    s1 = pairs.segment_sums(z)
    n_h = strata.n_psu.astype(np.float64)[pairs.seg_h]
    zbar = s1 / n_h
    dev = z - pairs.spread(zbar)
    dev *= dev
    dev *= weight
    # Units of the stratum without a pair in the domain: z = 0, deviation zbar.
    total_h = np.bincount(strata.psu_stratum, weights=g_unit * scale_unit, minlength=strata.n_strata)
    absent = total_h[pairs.seg_h] - pairs.segment_sums(weight)
    ss = pairs.segment_sums(dev) + np.maximum(absent, 0.0) * zbar * zbar
    # A lonely unit's own total, for lonely_psu="adjust": sqrt(weight) z, squared by the caller.
    s1_weighted = pairs.segment_sums(np.sqrt(weight) * z)
    return _combine_strata(ss, s1_weighted, pairs, _weights_strata(strata, g_unit), present)


def brewer_dense(z: np.ndarray, strata: StrataInfo, g_unit: np.ndarray,
                 scale_unit: np.ndarray) -> np.ndarray:
    """:func:`brewer_variance` for unit totals ``z`` (units x domains, every unit present),
    as a calibrated design needs."""
    h = strata.psu_stratum
    H = strata.n_strata
    nh = strata.n_psu.astype(np.float64)
    weight = g_unit * scale_unit
    s1 = np.zeros((H, z.shape[1]))
    np.add.at(s1, h, z)
    dev = z - (s1 / nh[:, None])[h]
    ss = np.zeros_like(s1)
    np.add.at(ss, h, weight[:, None] * dev * dev)
    lonely = strata.n_psu == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 1.0, nh / (nh - 1.0))
    contrib = ss * scale[:, None]
    if lonely.any():
        own = np.zeros_like(s1)
        np.add.at(own, h, weight[:, None] * z * z)
        contrib[lonely] = own[lonely] if strata.lonely_psu == "adjust" else 0.0
    most = np.full(H, -np.inf)
    np.maximum.at(most, h, g_unit)
    certain = most < 1e-7
    contrib[certain] = 0.0
    var: np.ndarray = contrib.sum(axis=0)
    if lonely.any() and strata.lonely_psu == "average":
        var = var * H / np.sum(~(lonely & ~certain))
    return var


def _sum_to_one(values: np.ndarray, pi: np.ndarray, group: np.ndarray) -> np.ndarray:
    """For each unit ``i``, the sum of ``values[j]`` over the other units ``j`` of its group
    with ``pi_i + pi_j == 1`` exactly (R's Hartley-Rao Dcheck sets those pairs to 0)."""
    n = len(pi)
    if n == 0:
        return np.zeros(0)
    order = np.lexsort((pi, group))
    g_s, p_s = group[order], pi[order]
    new = np.concatenate(([True], (g_s[1:] != g_s[:-1]) | (p_s[1:] != p_s[:-1])))
    cell_of_sorted = np.cumsum(new) - 1
    cell = np.empty(n, dtype=np.int64)
    cell[order] = cell_of_sorted
    starts = np.flatnonzero(new)
    cell_g, cell_p = g_s[starts], p_s[starts]
    total = np.bincount(cell, weights=values, minlength=len(starts))
    # Cells sorted by (group, pi): the partner of pi = p is near 1 - p in the same group
    # (found on a monotone key, then checked exactly).
    key = cell_g.astype(np.float64) * 2.0 + cell_p
    near = np.searchsorted(key, cell_g * 2.0 + (1.0 - cell_p))
    matched = np.zeros(len(starts))
    for shift in (-2, -1, 0, 1, 2):
        j = near + shift
        ok = (j >= 0) & (j < len(starts))
        jj = np.where(ok, j, 0)
        ok &= (cell_g[jj] == cell_g) & (cell_p + cell_p[jj] == 1.0)
        matched += np.where(ok, total[jj], 0.0)
    # A unit is not its own partner (p = 0.5).
    self_pair = (cell_p + cell_p == 1.0)[cell]
    return matched[cell] - np.where(self_pair, values, 0.0)


def ht_segment(z: np.ndarray, pi: np.ndarray, seg_of: np.ndarray, n_h: np.ndarray, a: float,
               b: np.ndarray) -> np.ndarray:
    """Per segment, ``sum_ij Dcheck_ij z_i z_j`` over the units present (``seg_of`` gives
    each unit's segment; ``n_h`` and ``b`` are per segment)."""
    K = len(n_h)
    S = np.bincount(seg_of, weights=z, minlength=K)
    Q = np.bincount(seg_of, weights=z * z, minlength=K)
    T = np.bincount(seg_of, weights=pi * z, minlength=K)
    U = np.bincount(seg_of, weights=pi * z * z, minlength=K)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(n_h > 1, (2 * a * (S * T - U) - b * (S * S - Q)) / (n_h - 1.0), 0.0)
        if a == 1.0:  # Hartley-Rao: pairs with pi_i + pi_j == 1 have Dcheck 0 in R
            c = a * 1.0 - b  # their Dcheck, times n - 1
            m = np.bincount(seg_of, weights=z * _sum_to_one(z, pi, seg_of), minlength=K)
            cross = cross - np.where(n_h > 1, c * m / (n_h - 1.0), 0.0)
    return (Q - U) + cross


def _yg_colsums(pi: np.ndarray, h: np.ndarray, n_psu: np.ndarray, a: float,
                b_h: np.ndarray) -> np.ndarray:
    """Yates-Grundy's correction needs ``sum_i Dcheck_ij`` of every unit ``j`` (over all the
    sampled units of its stratum)."""
    P = np.bincount(h, weights=pi, minlength=len(n_psu))[h]
    n = n_psu.astype(np.float64)[h]
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(n > 1, (a * (P - pi + (n - 1) * pi) - b_h[h] * (n - 1)) / (n - 1), 0.0)
        if a == 1.0:  # Hartley-Rao: pairs with pi_i + pi_j == 1 have Dcheck 0 in R
            count = _sum_to_one(np.ones(len(pi)), pi, h)
            off = off - np.where(n > 1, (1.0 - b_h[h]) * count / (n - 1), 0.0)
    return (1 - pi) + off


def _ab(method: str, p2: np.ndarray) -> tuple[float, np.ndarray]:
    if method == "overton":
        return 0.5, np.ones_like(p2)
    return 1.0, 1.0 + p2


def ht_variance(z: np.ndarray, pairs: PairIndex, strata: StrataInfo, pi_unit: np.ndarray,
                method: str, p2: np.ndarray, yg: bool) -> np.ndarray:
    """Overton's or Hartley-Rao's variance of the domain totals (Horvitz-Thompson form, or
    Yates-Grundy's with ``yg``), from the pairs' totals ``z``; ``p2`` per stratum."""
    a, b = _ab(method, p2)
    pi = pi_unit[pairs.pair_psu]
    seg_of = np.repeat(np.arange(len(pairs.starts)), pairs.seg_len)
    n_seg = strata.n_psu[pairs.seg_h]
    v = ht_segment(z, pi, seg_of, n_seg, a, b[pairs.seg_h])
    if yg:
        col = _yg_colsums(pi_unit, strata.psu_stratum, strata.n_psu, a, b)[pairs.pair_psu]
        v = v - np.bincount(seg_of, weights=col * z * z, minlength=len(n_seg))
    D = pairs.n_domains
    return np.bincount(pairs.seg_dom, weights=v, minlength=D + 1)[:D]


def ht_dense(z: np.ndarray, strata: StrataInfo, pi_unit: np.ndarray, method: str, p2: np.ndarray,
             yg: bool) -> np.ndarray:
    """:func:`ht_variance` for unit totals ``z`` (units x domains)."""
    a, b = _ab(method, p2)
    h = strata.psu_stratum
    out = np.zeros(z.shape[1])
    col = _yg_colsums(pi_unit, h, strata.n_psu, a, b) if yg else None
    for k in range(z.shape[1]):
        v = ht_segment(z[:, k], pi_unit, h, strata.n_psu, a, b)
        out[k] = v.sum() - (float(np.sum(col * z[:, k] ** 2)) if col is not None else 0.0)
    return out
