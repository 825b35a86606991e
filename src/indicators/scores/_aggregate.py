"""Scoring step 4: aggregate normalised values up the hierarchy, level by level.

Each level is one matrix product over the whole (draw, year, country) array: the
children's weighted values times the 0/1 child-to-parent matrix. Missing children
are left out and the weights of the others renormalised; a parent whose covered
weight share is below its level's minimum coverage is missing. Means: weighted
arithmetic, geometric (0 if a child is 0), harmonic (0 if a child is 0), the
generalised (power) mean ``(sum w x^p / sum w)^(1/p)`` (COINr ``a_genmean``; missing if
a child is 0 or less and ``p < 0``) and the Copeland method (COINr ``a_copeland``): a
country scores ``+1`` against each country it outranks (the weight of the children
where it is higher, plus half where equal, above half the weight of the children both
have), ``-1`` against each that outranks it, ``0`` for a tie or no child in common; the
sum is put on 0-1 as ``(score + n - 1) / (2 (n - 1))`` among the ``n`` countries with a
value that year. Without missing values this is COINr's result; with them, each pair is
compared on the children both countries have, whereas COINr's ``outrankMatrix`` gives
the weight of a missing comparison to the country listed later (its result then
depends on the order of the rows).

Combine steps (indices across groups, ratios, gaps) run after the hierarchy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._plan import CombineStep, Plan

__all__ = ["AGG_CODES", "Structure", "aggregate", "combine", "structure_of"]

AGG_CODES: dict[str, int] = {"arithmetic": 0, "geometric": 1, "harmonic": 2, "power": 3, "copeland": 4}


@dataclass(frozen=True)
class Structure:
    """The plan as arrays: per level, the parent and child node indices and the membership matrix."""

    steps: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]   # (parents, children, G)
    weights: np.ndarray        # (N,)
    min_coverage: np.ndarray   # (N,)
    agg_codes: np.ndarray      # (N,) int, -1 for indicators
    level_of: np.ndarray       # (N,) int
    descendants: np.ndarray    # (I, N) bool: indicator i lies under node n (or is n)
    power: np.ndarray | None = None            # (N,) exponent of power means
    combine: tuple[CombineStep, ...] = ()


def structure_of(plan: Plan) -> Structure:
    """Arrays for :func:`aggregate` from a :class:`Plan`."""
    n = len(plan.node_ids)
    parents = np.asarray(plan.node_parents)
    level_of = np.asarray(plan.node_levels)
    steps = []
    for lvl in range(1, len(plan.spec.levels)):
        par = np.flatnonzero((level_of == lvl) & np.array([a != "" for a in plan.node_aggregation]))
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
    for step in plan.combine:
        desc[:, step.node] = desc[:, list(step.inputs)].any(axis=1)
    codes = np.array([AGG_CODES[a] if a else -1 for a in plan.node_aggregation])
    return Structure(steps=tuple(steps), weights=np.asarray(plan.node_weights, dtype=float),
                     min_coverage=np.asarray(plan.node_min_coverage, dtype=float), agg_codes=codes,
                     level_of=level_of, descendants=desc,
                     power=np.asarray(plan.node_power, dtype=float) if plan.node_power else None,
                     combine=plan.combine)


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
        complete = bool(mask.all())     # no child missing: the masks below change nothing
        wm = np.broadcast_to(w, v.shape) if complete else np.where(mask, w, 0.0)
        den = _product(wm, g, v.shape)
        # coverage uses the declared weights, so that perturbed weights never change which
        # aggregates exist (the sensitivity analysis varies values, not coverage)
        base = struct.weights[children]
        covered = den if weights is None else _product(
            np.broadcast_to(base, v.shape) if complete else np.where(mask, base, 0.0), g, v.shape)
        total = base @ g
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            share = np.where(total > 0, covered / total, 0.0)
            codes = codes_all[:, par][:, None, None, :]
            present = np.unique(codes)
            if present.size == 1 and present[0] == 0:   # every parent an arithmetic mean
                result = _product((v if complete else np.where(mask, v, 0.0)) * wm, g, v.shape) / den
            else:
                result = np.full(den.shape, np.nan)
            if 0 in present and present.size > 1:
                arith = _product((v if complete else np.where(mask, v, 0.0)) * wm, g, v.shape) / den
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
            if 3 in present:
                assert struct.power is not None
                result = np.where(codes == 3, _power_mean(v, mask, wm, g, den, struct.power[par]), result)
            if 4 in present:
                result = np.where(codes == 4, _copeland(v, mask, wm, g), result)
        ok = (share >= struct.min_coverage[par] - 1e-12) & (den > 0)
        values[..., par] = np.where(ok, result, np.nan)
        if coverage is not None:
            coverage[..., par] = share
    return values, coverage


def _product(x: np.ndarray, g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``x @ g`` over the last axis of ``x`` broadcast to ``shape`` (a stack of small products,
    each single-threaded: the sums do not depend on how a threaded product splits them)."""
    return np.broadcast_to(x, shape).copy() @ g if x.shape != shape else x @ g


def _power_mean(v: np.ndarray, mask: np.ndarray, wm: np.ndarray, g: np.ndarray, den: np.ndarray,
                p: np.ndarray) -> np.ndarray:
    """Weighted power means of the children, one exponent per parent (0: geometric)."""
    out = np.full(den.shape, np.nan)
    for k, power in enumerate(p):
        col = g[:, k] > 0
        x, w, m = v[..., col], wm[..., col], mask[..., col]
        if power == 0:
            bad = (m & (x <= 0)).any(axis=-1)
            val = np.exp(np.sum(np.where(m & (x > 0), np.log(np.where(x > 0, x, 1.0)), 0.0) * w, axis=-1)
                         / den[..., k])
        else:
            bad = (m & (x <= 0)).any(axis=-1) if power < 0 else (m & (x < 0)).any(axis=-1)
            safe = np.where(m & (x > 0), x, 1.0)
            val = (np.sum(np.where(m, safe ** power, 0.0) * w, axis=-1) / den[..., k]) ** (1.0 / power)
        out[..., k] = np.where(bad, np.nan, val)
    return out


def _copeland(v: np.ndarray, mask: np.ndarray, wm: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Copeland scores on 0-1 among the countries (axis -2), per parent, from the weighted outranking matrix."""
    out = np.full((*v.shape[:-1], g.shape[1]), np.nan)
    for k in range(g.shape[1]):
        col = g[:, k] > 0
        x, m = v[..., col], mask[..., col]
        w = wm[..., col]
        w = w / np.maximum(w.sum(axis=-1, keepdims=True), 1e-300)
        xi, xj = x[..., :, None, :], x[..., None, :, :]
        both = m[..., :, None, :] & m[..., None, :, :]
        wi = w[..., :, None, :]
        orm = np.sum(np.where(both & (xi > xj), wi, 0.0), axis=-1) + np.sum(np.where(both & (xi == xj), wi, 0.0),
                                                                           axis=-1) / 2
        # i outranks j when its share of the weight they share is above one half: orm_ij > orm_ji
        sign = np.sign(np.round(orm - np.swapaxes(orm, -1, -2), 12))
        has: np.ndarray = np.asarray(m.any(axis=-1))
        n = has.sum(axis=-1, keepdims=True)
        pair = has[..., :, None] & has[..., None, :]
        eye = np.eye(x.shape[-2], dtype=bool)
        score = np.sum(np.where(pair & ~eye, sign, 0.0), axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[..., k] = np.where(has, (score + n - 1) / (2 * (n - 1)), np.nan)
    return out


def combine(values: np.ndarray, struct: Structure, coverage: np.ndarray | None = None) -> None:
    """Run the combine steps on ``values`` (..., node) in place (and their coverage: the least of the inputs)."""
    for cs in struct.combine:
        step = cs.step
        x = values[..., list(cs.inputs)]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if step.kind in ("across", "of"):
                out = _mean(x, np.asarray(cs.weights, dtype=float), step.aggregation, step.power)
            elif step.kind == "ratio":
                out = x[..., 0] / x[..., 1]
            elif step.kind == "difference":
                out = x[..., 0] - x[..., 1]
            else:   # gap: 1 - |x_g / mean - 1|
                out = 1.0 - np.abs(x[..., cs.group_pos] / np.mean(x, axis=-1) - 1.0)
            if step.complement:
                out = 1.0 - out
            if step.reciprocal:
                out = 1.0 / out
            if step.limits is not None:
                lo, hi = step.limits
                out = np.clip(out, -np.inf if lo is None else lo, np.inf if hi is None else hi)
        values[..., cs.node] = np.where(np.isfinite(out), out, np.nan)
        if coverage is not None:
            coverage[..., cs.node] = np.min(coverage[..., list(cs.inputs)], axis=-1)


def _mean(x: np.ndarray, w: np.ndarray, aggregation: str, power: float | None) -> np.ndarray:
    """A weighted mean of the last axis; missing if any input is missing."""
    w = w / w.sum()
    if aggregation == "arithmetic" or (aggregation == "power" and power == 1):
        return np.sum(x * w, axis=-1)
    if aggregation == "geometric" or (aggregation == "power" and power == 0):
        return np.where((x < 0).any(axis=-1), np.nan, np.exp(np.sum(np.log(x) * w, axis=-1)))
    if aggregation == "harmonic":
        return np.where((x <= 0).any(axis=-1), np.where((x == 0).any(axis=-1), 0.0, np.nan),
                        1.0 / np.sum(w / x, axis=-1))
    if aggregation == "power":
        assert power is not None
        return np.sum(w * x ** power, axis=-1) ** (1.0 / power)
    raise ValueError(f"combine: aggregation {aggregation!r} is not a mean of nodes")
