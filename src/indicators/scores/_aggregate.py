"""Scoring step 4: aggregate normalised values up the hierarchy, level by level.

Each level is one matrix product over the whole (draw, year, country) array: the
children's weighted values times the 0/1 child-to-parent matrix. Missing children
are left out and the weights of the others renormalised; a parent whose covered
weight share is below its level's minimum coverage is missing. Means: weighted
arithmetic, geometric (0 if a child is 0) and harmonic (0 if a child is 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._plan import Plan

__all__ = ["AGG_CODES", "Structure", "aggregate", "structure_of"]

AGG_CODES: dict[str, int] = {"arithmetic": 0, "geometric": 1, "harmonic": 2}


@dataclass(frozen=True)
class Structure:
    """The plan as arrays: per level, the parent and child node indices and the membership matrix."""

    steps: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]   # (parents, children, G)
    weights: np.ndarray        # (N,)
    min_coverage: np.ndarray   # (N,)
    agg_codes: np.ndarray      # (N,) int, -1 for indicators
    level_of: np.ndarray       # (N,) int
    descendants: np.ndarray    # (I, N) bool: indicator i lies under node n (or is n)


def structure_of(plan: Plan) -> Structure:
    """Arrays for :func:`aggregate` from a :class:`Plan`."""
    n = len(plan.node_ids)
    parents = np.asarray(plan.node_parents)
    level_of = np.asarray(plan.node_levels)
    steps = []
    for lvl in range(1, len(plan.spec.levels)):
        par = np.flatnonzero(level_of == lvl)
        if not par.size:
            continue
        children = np.flatnonzero(np.isin(parents, par))
        pos = {p: k for k, p in enumerate(par)}
        g = np.zeros((children.size, par.size))
        g[np.arange(children.size), [pos[parents[c]] for c in children]] = 1.0
        steps.append((par, children, g))
    desc = np.zeros((plan.n_indicators, n), dtype=bool)
    for i in range(plan.n_indicators):
        node = i
        while node >= 0:
            desc[i, node] = True
            node = parents[node]
    codes = np.array([AGG_CODES[a] if a else -1 for a in plan.node_aggregation])
    return Structure(steps=tuple(steps), weights=np.asarray(plan.node_weights, dtype=float),
                     min_coverage=np.asarray(plan.node_min_coverage, dtype=float), agg_codes=codes,
                     level_of=level_of, descendants=desc)


def aggregate(values: np.ndarray, struct: Structure, weights: np.ndarray | None = None,
              agg_codes: np.ndarray | None = None, with_coverage: bool = False
              ) -> tuple[np.ndarray, np.ndarray | None]:
    """Fill the aggregate nodes of ``values`` (draw, year, country, node) in place, bottom-up.

    ``weights`` (draw or 1, node) and ``agg_codes`` (draw or 1, node) override the
    structure's (the sensitivity analysis draws them); coverage always uses the declared
    weights. Returns the values and, if
    asked, the coverage of every node (1/0 for indicators).
    """
    w_all = struct.weights[None, :] if weights is None else weights
    codes_all = struct.agg_codes[None, :] if agg_codes is None else agg_codes
    coverage = np.where(np.isnan(values), 0.0, 1.0) if with_coverage else None
    for par, children, g in struct.steps:
        v = values[..., children]
        w = w_all[:, children][:, None, None, :]
        mask = ~np.isnan(v)
        wm = np.where(mask, w, 0.0)
        den = wm @ g
        # coverage uses the declared weights, so that perturbed weights never change which
        # aggregates exist (the sensitivity analysis varies values, not coverage)
        base = struct.weights[children]
        covered = np.where(mask, base, 0.0) @ g
        total = base @ g
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            share = np.where(total > 0, covered / total, 0.0)
            codes = codes_all[:, par][:, None, None, :]
            result = np.full(den.shape, np.nan)
            present = np.unique(codes)
            if 0 in present:
                arith = (np.where(mask, v, 0.0) * wm) @ g / den
                result = np.where(codes == 0, arith, result)
            if 1 in present or 2 in present:
                used = mask & (wm > 0)
                zero = (np.where(used & (v == 0), 1.0, 0.0) @ g) > 0
                negative = (np.where(used & (v < 0), 1.0, 0.0) @ g) > 0
                safe = np.where(used & (v > 0), v, 1.0)
                if 1 in present:
                    geo = np.exp((np.log(safe) * np.where(used, wm, 0.0)) @ g / den)
                    geo = np.where(zero, 0.0, geo)
                    result = np.where(codes == 1, np.where(negative, np.nan, geo), result)
                if 2 in present:
                    harm = den / ((np.where(used, wm, 0.0) / safe) @ g)
                    harm = np.where(zero, 0.0, harm)
                    result = np.where(codes == 2, np.where(negative, np.nan, harm), result)
        ok = (share >= struct.min_coverage[par] - 1e-12) & (den > 0)
        values[..., par] = np.where(ok, result, np.nan)
        if coverage is not None:
            coverage[..., par] = share
    return values, coverage
