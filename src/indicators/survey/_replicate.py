"""Replicate-weight variance (JK1, JKn, BRR, Fay, bootstrap, successive difference).

Private. Matches R's ``svrepdesign`` (scale factors) and ``svrVar`` (the variance of
replicate estimates around their mean, or around the full-sample estimate with
``mse=True``).

>>> import numpy as np
>>> default_scales("JK1", 4, None, None, None, True)[0]
0.75
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["block_ranks", "default_scales", "domain_degf", "gram_ranks", "pattern_keys", "replicate_degf",
           "replicate_sums", "replicate_variance"]


def default_scales(kind: str, n_rep: int, scale: float | None, rscales: np.ndarray | None,
                   rho: float | None, combined_weights: bool,
                   repweights: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """``(scale, rscales)`` as ``svrepdesign`` sets them for each replicate type."""
    if kind == "BRR":
        scale = 1.0 / n_rep
    elif kind == "Fay":
        assert rho is not None
        scale = 1.0 / (n_rep * (1.0 - rho) ** 2)
    elif kind == "bootstrap":
        if scale is None:
            scale = 1.0 / (n_rep - 1)
    elif kind == "JK1":
        if scale is None:
            if combined_weights or repweights is None:
                scale = (n_rep - 1) / n_rep
            else:
                scale = 1.0 / float(np.max(repweights[:, 0]))
    elif kind == "JKn":
        if rscales is None:
            assert repweights is not None and not combined_weights
            rscales = 1.0 / np.max(repweights, axis=0)
    elif kind == "successive-difference":
        scale, rscales = 4.0 / n_rep, np.ones(n_rep)
    if scale is None:
        scale = 1.0
    if rscales is None:
        rscales = np.ones(n_rep)
    rscales = np.broadcast_to(np.asarray(rscales, dtype=np.float64), (n_rep,)).copy()
    return float(scale), rscales


def replicate_sums(repw: np.ndarray, values: np.ndarray, dom: np.ndarray, n_domains: int) -> np.ndarray:
    """``sum_i repw[i, r] * values[i]`` for each domain: an array (domains, replicates).

    One sparse-dense product over all replicates and domains at once; rows with
    ``dom < 0`` or a zero value are left out.
    """
    keep = (dom >= 0) & (values != 0)
    rows = np.flatnonzero(keep)
    indicator = sp.csr_matrix((values[rows], (dom[rows], rows)), shape=(n_domains, repw.shape[0]))
    return np.asarray(indicator @ repw)


def replicate_variance(thetas: np.ndarray, scale: float, rscales: np.ndarray, mse: bool,
                       coef: np.ndarray) -> np.ndarray:
    """R's ``svrVar`` for each domain: ``thetas`` is (domains, replicates).

    Replicates giving NaN for a domain are dropped for that domain, as R's ``na.omit``
    does when a domain is estimated on its own.
    """
    ok = np.isfinite(thetas)
    use = ok & (rscales > 0)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(use, thetas, 0.0).sum(axis=1) / use.sum(axis=1)
    center = coef if mse else mean
    dev = np.where(ok, thetas - center[:, None], 0.0)
    var = scale * (dev * dev * rscales[None, :]).sum(axis=1)
    var[~ok.any(axis=1)] = np.nan
    return var


def replicate_degf(repw: np.ndarray) -> int:
    """Rank of the replicate weights minus one (R's ``degf`` for replicate designs)."""
    return int(gram_ranks((repw.T @ repw)[None])[0]) - 1


#: Elements of the padded blocks of rows (and of their Gram matrices) handled at once.
_BLOCK = 4_000_000


def _gram(blocks: np.ndarray) -> np.ndarray:
    """The Gram matrices of a stack of (rows x replicates) blocks, on their smaller side
    (the non-zero eigenvalues, hence the rank, are the same on both sides)."""
    if blocks.shape[1] < blocks.shape[2]:
        return np.matmul(blocks, blocks.transpose(0, 2, 1))
    return np.matmul(blocks.transpose(0, 2, 1), blocks)


def gram_ranks(grams: np.ndarray) -> np.ndarray:
    """Numerical rank of each symmetric matrix of a stack (eigenvalues above ``1e-10`` times
    the largest; 0 for a zero matrix), all in one LAPACK call.

    >>> gram_ranks(np.stack([np.eye(3), np.diag([1.0, 1.0, 0.0]), np.zeros((3, 3))])).tolist()
    [3, 2, 0]
    """
    if grams.shape[-1] == 0:
        return np.zeros(grams.shape[0], dtype=np.int64)
    eig = np.linalg.eigvalsh(grams)
    top = eig.max(axis=1)
    ranks = (eig > (1e-5) ** 2 * top[:, None]).sum(axis=1)
    return np.where(top > 0, ranks, 0).astype(np.int64)


def block_ranks(rows_of: Any, rows: np.ndarray, start: np.ndarray, counts: np.ndarray, n_rep: int) -> np.ndarray:
    """Rank of the replicate weights of each block of ``rows`` (block ``j``: ``counts[j]``
    rows from ``start[j]``; ``rows_of(rows)`` gives their replicate weights): blocks of
    similar size are stacked (zero-padded) and decomposed together, a few million elements
    at a time."""
    out = np.zeros(len(start), dtype=np.int64)
    order = np.argsort(counts, kind="stable")
    i = 0
    while i < len(order):
        j = i + 1  # the largest block of a batch sets its padding: take as many as fit
        while j < len(order):
            kmax = int(counts[order[j]])
            if (j + 1 - i) * max(kmax * n_rep, min(kmax, n_rep) ** 2) > _BLOCK:
                break
            j += 1
        batch = order[i:j]
        lens = counts[batch]
        total = int(lens.sum())
        local = np.arange(total) - np.repeat(np.cumsum(lens) - lens, lens)
        blocks = np.zeros((len(batch), int(lens.max()), n_rep))
        blocks[np.repeat(np.arange(len(batch)), lens), local] = rows_of(rows[np.repeat(start[batch], lens) + local])
        out[batch] = gram_ranks(_gram(blocks))
        i = j
    return out


def pattern_keys(repw: np.ndarray, w: np.ndarray) -> np.ndarray:
    """A number per row, equal for rows whose replicate weights are the same multiple of
    their full-sample weight (the rows of one variance unit, in practice).

    Two random projections of ``repw / w``, rounded to 12 significant digits, combined
    into one integer code.
    """
    rng = np.random.default_rng(20240611)
    proj = (repw / w[:, None]) @ rng.standard_normal((repw.shape[1], 2))
    scale = np.maximum(np.abs(proj).max(axis=0), 1e-300)
    rounded = np.round(proj / scale, 12)
    _, codes = np.unique(rounded, axis=0, return_inverse=True)
    return codes.reshape(-1).astype(np.int64)


def domain_degf(rows_of: Any, keys: np.ndarray, dom: np.ndarray, n_domains: int) -> np.ndarray:
    """R's ``degf`` of each domain's subset: the rank of the replicate weights of its
    rows minus one (``rows_of(rows)`` gives their replicate weights). ``dom`` is each row's domain
    (``n_domains``: outside every domain);
    rows with the same ``keys`` are proportional, so one of them is enough."""
    D = n_domains
    inside = np.flatnonzero(dom < D)
    out = np.full(D, np.nan)
    if not len(inside):
        return out
    pair = dom[inside].astype(np.int64) * (int(keys.max()) + 1) + keys[inside]
    _, first = np.unique(pair, return_index=True)  # sorted by domain, then key
    rows = inside[first]
    doms = dom[rows]
    present, start, counts = np.unique(doms, return_index=True, return_counts=True)
    n_rep = rows_of(rows[:1]).shape[1]
    out[present] = block_ranks(rows_of, rows, start, counts, n_rep) - 1
    return out
