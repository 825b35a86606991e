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

__all__ = ["default_scales", "domain_degf", "pattern_keys", "replicate_degf", "replicate_sums",
           "replicate_variance"]


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
    gram = repw.T @ repw
    eig = np.linalg.eigvalsh(gram)
    top = float(eig.max()) if eig.size else 0.0
    rank = int(np.sum(eig > (1e-5) ** 2 * top)) if top > 0 else 0
    return rank - 1


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
    _, first = np.unique(pair, return_index=True)
    rows = inside[first]
    doms = dom[rows]
    order = np.argsort(doms, kind="stable")
    rows, doms = rows[order], doms[order]
    bounds = np.flatnonzero(np.diff(doms)) + 1
    for chunk in np.split(np.arange(len(rows)), bounds):
        out[doms[chunk[0]]] = replicate_degf(rows_of(rows[chunk]))
    return out
