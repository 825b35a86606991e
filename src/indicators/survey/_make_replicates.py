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

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

MakeType = Literal["JK1", "JKn", "BRR", "Fay", "bootstrap", "subbootstrap"]
MAKE_TYPES: tuple[str, ...] = get_args(MakeType)

__all__ = ["MAKE_TYPES", "MakeType", "Replicates", "make_replicates", "sylvester"]


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


def make_replicates(kind: str, psu_stratum: np.ndarray, f: np.ndarray, *, replicates: int = 50,
                    seed: int | None = None, rho: float = 0.0, hadamard: np.ndarray | None = None,
                    use_fpc: bool = True, first_row: np.ndarray | None = None) -> Replicates:
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
        # Two PSUs per stratum: the first (in PSU order) is in half-sample 1 when the
        # Hadamard entry of its stratum is 1 (R's brrweights with only.weights=TRUE).
        order = np.lexsort((np.arange(C) if first_row is None else first_row, psu_stratum))
        second = np.zeros(C, dtype=bool)
        first_of = np.concatenate(([True], psu_stratum[order][1:] != psu_stratum[order][:-1]))
        second[order[~first_of]] = True
        if hadamard is None:
            size = 1
            while size < H + 1:
                size *= 2
            mat = sylvester(size)
        else:
            mat = np.asarray(hadamard)
            values = np.unique(mat)
            mat = (mat == values.max()).astype(np.int64) if len(values) == 2 else mat
        rows = mat[1 + psu_stratum, :]  # (C, R): the Hadamard row of each PSU's stratum
        col_first = rows + 1  # R: column of weights used, 1 or 2
        in_half = np.where(second[:, None], col_first == 1, col_first == 2)
        factors = np.where(in_half, 2.0 - rho, rho)
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
