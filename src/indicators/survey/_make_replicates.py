"""Replicate weights made from a Taylor design, as R's ``as.svrepdesign``.

JK1 (unstratified), JKn, BRR with a Hadamard matrix, Fay's BRR, bootstrap (Canty and
Davison, R's ``bootstrap``) and the Rao-Wu rescaled bootstrap (R's ``subbootstrap``),
with a seed. The result is a factor per first-stage PSU and replicate (the replicate
weight of a row is its weight times its PSU's factor), with R's scale factors.

Private to :mod:`indicators.survey`; :meth:`SurveyDesign.as_replicate` uses it.

>>> sylvester(4).tolist()
[[1, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 1]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

MakeType = Literal["JK1", "JKn", "BRR", "Fay", "bootstrap", "subbootstrap"]
MAKE_TYPES: tuple[str, ...] = get_args(MakeType)

__all__ = ["MAKE_TYPES", "BRRLarge", "BRRSmall", "BRRStrataError", "MakeType", "Replicates", "brr_halves",
           "make_replicates", "sylvester"]


@dataclass
class Replicates:
    """Factors (PSUs x replicates) and the scales R's ``as.svrepdesign`` gives them."""

    factors: np.ndarray
    type: str
    scale: float
    rscales: np.ndarray
    rho: float | None = None


def sylvester(n: int) -> np.ndarray:
    """A 0/1 Hadamard matrix of order ``n`` (a power of two), Sylvester's construction
    (1 stands for +1, 0 for -1), first row and column all ones."""
    h = np.ones((1, 1), dtype=np.int64)
    while h.shape[0] < n:
        h = np.block([[h, h], [h, 1 - h]])
    return h


def _strata_sizes(psu_stratum: np.ndarray) -> np.ndarray:
    return np.bincount(psu_stratum)


def _counts(draws: np.ndarray, n: int) -> np.ndarray:
    """How often each of ``n`` units was drawn in each replicate (a row of ``draws`` each)."""
    R = draws.shape[0]
    flat = (np.arange(R)[:, None] * n + draws).ravel()
    return np.bincount(flat, minlength=R * n).reshape(R, n).astype(np.float64)


BRRSmall = Literal["fail", "split", "merge"]
BRRLarge = Literal["split", "merge", "fail"]


class BRRStrataError(ValueError):
    """Strata that BRR cannot pair with the chosen ``small``/``large`` rule."""

    def __init__(self, code: str, strata: list[int]) -> None:
        super().__init__(code)
        self.code, self.strata = code, strata


def brr_halves(psu_stratum: np.ndarray, first_row: np.ndarray, names: Sequence[str],
               small: str = "fail", large: str = "split") -> tuple[np.ndarray, np.ndarray, int]:
    """The half-samples of R's ``brrweights(small=, large=)`` for strata of any size.

    Returns, per PSU, its weight in the first half (0, 0.5 or 1; the second half is
    ``1 - w``), its pseudo-stratum (1-based: the Hadamard row it follows) and the number of
    pseudo-strata. As R: strata in the order of their names as text, PSUs within a stratum
    in order of first appearance; ``small``: a stratum with one PSU fails, is ``split``
    (the PSU in both halves, weight 1 in every replicate) or ``merge``d with the other
    small strata (the first with the (k/2 + 1)-th, and so on); ``large``: a stratum with
    more than two PSUs is ``split`` into consecutive pairs (an even number of PSUs
    needed), ``merge``d (its first half of PSUs against the second) or fails.
    """
    C = len(psu_stratum)
    n_h = np.bincount(psu_stratum)
    text_rank = np.empty(len(n_h), dtype=np.int64)
    text_rank[np.argsort(np.asarray([str(x) for x in names], dtype=object), kind="stable")] = np.arange(len(n_h))
    oo = np.lexsort((first_row, text_rank[psu_stratum]))  # R's order(sunq, match)
    w1 = np.zeros(C)
    ps = np.zeros(C, dtype=np.int64)
    upto = 0
    smalls = [h for h in np.argsort(text_rank) if n_h[h] == 1]
    larges = [h for h in np.argsort(text_rank) if n_h[h] > 2]
    goods = [h for h in np.argsort(text_rank) if n_h[h] == 2]
    if smalls and small == "fail":
        raise BRRStrataError("small", smalls)
    if larges and large == "fail":
        raise BRRStrataError("large", larges)
    if smalls:
        if small == "split":
            mask = np.isin(psu_stratum, smalls)  # in PSU order (R: sunq %in% smallstrata)
            w1[mask] = 0.5
            ps[mask] = np.arange(1, int(mask.sum()) + 1)
            upto = int(mask.sum())
        else:
            k = len(smalls)
            if k < 2:
                raise BRRStrataError("merge_one", smalls)
            members = oo[np.isin(psu_stratum[oo], smalls)]
            w1[members] = np.resize([0.0, 1.0], k)
            pair_of = np.arange(1, k // 2 + 1)
            ps[members] = np.tile(pair_of, 2) if k % 2 == 0 else np.concatenate(([1], np.tile(pair_of, 2)))
            upto = k // 2
    if larges:
        if large == "split":
            odd = [h for h in larges if n_h[h] % 2 == 1]
            if odd:
                raise BRRStrataError("split_odd", odd)
            for h in larges:
                members = oo[psu_stratum[oo] == h]
                w1[members] = np.resize([0.0, 1.0], len(members))
                pairs = len(members) // 2
                ps[members] = upto + np.repeat(np.arange(1, pairs + 1), 2)
                upto += pairs
        else:
            for j, h in enumerate(larges):
                members = oo[psu_stratum[oo] == h]
                half = len(members) // 2
                w1[members] = np.concatenate((np.zeros(half), np.ones(len(members) - half)))
                ps[members] = upto + j + 1
            upto += len(larges)
    for j, h in enumerate(goods):
        members = oo[psu_stratum[oo] == h]
        w1[members] = [0.0, 1.0]
        ps[members] = upto + j + 1
    upto += len(goods)
    return w1, ps, upto


def make_replicates(kind: str, psu_stratum: np.ndarray, f: np.ndarray, *, replicates: int = 50,
                    seed: int | None = None, rho: float = 0.0, hadamard: np.ndarray | None = None,
                    use_fpc: bool = True, first_row: np.ndarray | None = None,
                    names: Sequence[str] | None = None, small: str = "fail",
                    large: str = "split") -> Replicates:
    """Replicate factors for the PSUs of a design (``psu_stratum``: stratum code of each
    PSU, in PSU code order; ``f``: 1 - sampling fraction per stratum, 1 without fpc)."""
    C = len(psu_stratum)
    n_h = _strata_sizes(psu_stratum)
    H = len(n_h)
    if kind == "JK1":
        n = C
        factors = np.full((C, C), n / (n - 1))
        np.fill_diagonal(factors, 0.0)
        fpc = float(f[0]) if use_fpc else 1.0
        return Replicates(factors, "JK1", fpc * (n - 1) / n, np.ones(C))
    if kind == "JKn":
        # One replicate per PSU, in PSU order: that PSU deleted, the others of its stratum
        # times n_h / (n_h - 1); rscale (1 - f_h) (n_h - 1) / n_h of the stratum.
        nh = n_h[psu_stratum].astype(np.float64)
        same = psu_stratum[:, None] == psu_stratum[None, :]
        factors = np.where(same, (nh / (nh - 1))[:, None], 1.0)
        np.fill_diagonal(factors, 0.0)
        fh = f[psu_stratum] if use_fpc else np.ones(C)
        keep = ~(fh == 0)  # fully sampled strata need no replicate
        rscales = (fh * (nh - 1) / nh)[keep]
        return Replicates(factors[:, keep], "JKn", 1.0, rscales)
    if kind in ("BRR", "Fay"):
        # Half-samples as R's brrweights (only.weights=TRUE): in replicate r, a PSU of
        # pseudo-stratum k has weight w1 in the first half when the Hadamard entry
        # H[k, r] is 0 and in the second when it is 1 (its other weight, 1 - w1, in the
        # other half); factor (2 - rho) in the half it belongs to, rho in the other.
        rows_first = first_row if first_row is not None else np.arange(C)
        w1, ps, upto = brr_halves(psu_stratum, rows_first,
                                  names if names is not None else [f"{h:09d}" for h in range(H)],
                                  small, large)
        if hadamard is None:
            size = 1
            while size < upto + 1:
                size *= 2
            mat = sylvester(size)
        else:
            mat = np.asarray(hadamard)
            values = np.unique(mat)
            mat = (mat == values.max()).astype(np.int64) if len(values) == 2 else mat
        entry = mat[ps, :]  # (C, R)
        wa = np.where(entry == 0, w1[:, None], 1.0 - w1[:, None])
        factors = wa * (2.0 - rho) + (1.0 - wa) * rho
        R = mat.shape[1]
        return Replicates(factors.astype(np.float64), "Fay" if rho else "BRR",
                          1.0 / (R * (1.0 - rho) ** 2), np.ones(R), rho if rho else None)
    rng = np.random.default_rng(seed)
    factors = np.zeros((C, replicates))
    starts = np.concatenate(([0], np.cumsum(n_h)[:-1]))
    order = np.argsort(psu_stratum, kind="stable")  # PSUs of each stratum together
    if kind == "subbootstrap":
        for h in range(H):
            members = order[starts[h]:starts[h] + n_h[h]]
            n = len(members)
            draws = rng.integers(0, n, size=(replicates, n - 1))
            counts = _counts(draws, n)
            factors[members, :] = (counts * n / (n - 1)).T
        return Replicates(factors, "bootstrap", 1.0 / (replicates - 1), np.ones(replicates))
    for h in range(H):  # bootstrap (Canty-Davison): n_h draws, with the fpc without replacement
        members = order[starts[h]:starts[h] + n_h[h]]
        n = len(members)
        pop = n / (1 - f[h]) if (use_fpc and f[h] < 1) else None
        counts = np.zeros((replicates, n))
        if pop is None or not np.isfinite(pop):
            counts = _counts(rng.integers(0, n, size=(replicates, n)), n)
        else:
            units = np.resize(np.arange(n), round(pop))
            for r in range(replicates):
                picked = rng.choice(units, size=n, replace=False)
                counts[r] = np.bincount(picked, minlength=n)
        factors[members, :] = counts.T
    harmonic = 1.0 / np.mean(1.0 / n_h)
    return Replicates(factors, "bootstrap", harmonic / ((harmonic - 1) * (replicates - 1)),
                      np.ones(replicates))
