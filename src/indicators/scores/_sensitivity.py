"""Scoring step 5: uncertainty and sensitivity by Monte Carlo, as COINr's ``get_sensitivity``.

Each uncertain input is a *factor*: ``sampling`` (every estimated value drawn from a
normal distribution with its standard error), and the method's ``weights``,
``goalposts`` and ``aggregation`` (see :class:`~indicators.scores.Uncertainty`).
One draw samples every factor and runs the whole index, vectorised over draws,
years, countries and nodes. The draws give the score and rank intervals.

With two or more factors, the share of the variance each explains is estimated with
Saltelli's scheme (matrices A, B and A_B^i; first-order index by Saltelli et al. 2010,
total effect by Jansen 1999), which costs ``draws * (k + 2)`` runs of the index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._aggregate import AGG_CODES, Structure, aggregate, combine
from ._normalise import Linear, normalise
from ._spec import Uncertainty
from ._streaming import RankCounts, Tails

__all__ = ["CHUNK", "KEEP_VALUES", "DrawSummary", "Engine", "rank_desc"]

#: Draws evaluated at once; fixed, so that results do not depend on memory.
CHUNK: int = 50


def rank_desc(scores: np.ndarray, axis: int) -> np.ndarray:
    """Ranks along ``axis``, 1 for the highest score, ties sharing the lowest rank; NaN stays NaN.

    >>> rank_desc(np.array([0.5, np.nan, 0.9, 0.5]), axis=0).tolist()
    [2.0, nan, 1.0, 2.0]
    """
    a = np.moveaxis(scores, axis, -1)
    width = a.shape[-1] if a.ndim else 1
    key = np.where(np.isnan(a), np.inf, -a).reshape(-1, width)
    order = np.argsort(key, axis=-1)   # ties get the first position of their run, whatever their order
    flat = order + (np.arange(key.shape[0]) * width)[:, None]   # positions in the flattened rows
    ordered = key.reshape(-1)[flat]
    new = np.ones(ordered.shape, dtype=bool)
    new[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    first = np.where(new, np.arange(width), 0)
    np.maximum.accumulate(first, axis=-1, out=first)
    out = np.empty(key.size, dtype=float)
    out[flat.reshape(-1)] = first.reshape(-1) + 1.0
    ranks = out.reshape(a.shape)
    ranks[np.isnan(a)] = np.nan
    return np.moveaxis(ranks, -1, axis)


@dataclass
class Engine:
    """Runs the index on (draw, year, country, node) arrays."""

    raw: np.ndarray            # (Y, C, I)
    se: np.ndarray             # (Y, C, I)
    lin: Linear
    struct: Structure
    n_nodes: int
    uncertainty: Uncertainty | None
    level_nodes: dict[str, np.ndarray]   # level id -> node indices
    raw_sets: np.ndarray | None = None   # (K, Y, C, I): alternative imputations drawn by the "imputation" factor
    lins: tuple[Linear, ...] = ()        # alternative normalisations drawn by the "normalisation" factor

    @property
    def factors(self) -> tuple[str, ...]:
        """The active uncertain inputs, in a fixed order."""
        out = ["sampling"] if (self.se > 0).any() else []
        if self.uncertainty is not None:
            out.extend(c for c in self.uncertainty.choices if c != "imputation")
            if self.raw_sets is not None and len(self.raw_sets) > 1:
                out.append("imputation")
            if "normalisation" in out:
                out.remove("normalisation")
                out.append("normalisation")
            if len(self.lins) < 2 and "normalisation" in out:
                out.remove("normalisation")
        return tuple(out)

    def central(self) -> tuple[np.ndarray, np.ndarray]:
        """Values and coverage of every node with no factor perturbed: (Y, C, N) each."""
        values, coverage = self.run({}, 1, with_coverage=True)
        assert coverage is not None
        return values[0], coverage[0]

    def sample(self, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
        """One independent sample of every active factor, for ``n`` draws."""
        out: dict[str, np.ndarray] = {}
        for factor in self.factors:
            if factor == "sampling":   # only the values that have a standard error
                out[factor] = rng.standard_normal((n, int(np.count_nonzero(self.se > 0))))
            elif factor == "weights":
                assert self.uncertainty is not None
                w = self.uncertainty.weights
                out[factor] = rng.uniform(1 - w, 1 + w, size=(n, self.n_nodes))
            elif factor == "goalposts":
                assert self.uncertainty is not None
                g = self.uncertainty.goalposts
                out[factor] = rng.uniform(-g, g, size=(n, 2, self.raw.shape[2]))
            elif factor == "normalisation":
                out[factor] = rng.integers(0, len(self.lins), size=n)
            elif factor == "imputation":
                assert self.raw_sets is not None
                out[factor] = rng.integers(0, len(self.raw_sets), size=n)
            elif factor == "aggregation":
                assert self.uncertainty is not None
                codes = np.broadcast_to(self.struct.agg_codes, (n, self.n_nodes)).copy()
                for level, options in self.uncertainty.aggregation.items():
                    if len(options) < 1:
                        continue
                    pick = rng.integers(0, len(options), size=n)
                    alt = np.array([AGG_CODES[o] for o in options])[pick]
                    nodes = self.level_nodes[level]
                    codes[:, nodes] = alt[:, None]
                out[factor] = codes
        return out

    def run(self, factors: dict[str, np.ndarray], n: int, with_coverage: bool = False
            ) -> tuple[np.ndarray, np.ndarray | None]:
        """Every node's value for ``n`` draws of the given factors (the others at their central value)."""
        raw = self.raw[None]
        if "imputation" in factors:
            assert self.raw_sets is not None
            raw = self.raw_sets[factors["imputation"]]
        if "sampling" in factors:
            where = np.flatnonzero(self.se > 0)
            drawn = np.broadcast_to(raw, (n, *self.raw.shape)).reshape(n, -1).copy()
            drawn[:, where] += factors["sampling"] * self.se.reshape(-1)[where]
            raw = drawn.reshape(n, *self.raw.shape)
        shift = factors.get("goalposts")
        if "normalisation" in factors:
            picks = factors["normalisation"]
            full = np.broadcast_to(raw, (n, *self.raw.shape))
            norm: np.ndarray = np.empty(full.shape)
            for k in np.unique(picks):
                rows = picks == k
                norm[rows] = normalise(full[rows], self.lins[k], None if shift is None else shift[rows])
        else:
            norm = np.asarray(normalise(raw, self.lin, shift))
        if norm.shape[0] != n:
            norm = np.broadcast_to(norm, (n, *norm.shape[1:]))
        values = np.full((*norm.shape[:3], self.n_nodes), np.nan)
        values[..., : norm.shape[3]] = norm
        weights = None
        if "weights" in factors:
            weights = self.struct.weights[None, :] * factors["weights"]
        values, coverage = aggregate(values, self.struct, weights, factors.get("aggregation"), with_coverage)
        combine(values, self.struct, coverage)
        return values, coverage

    def simulate(self, draws: int, seed: int, saltelli: bool, center: np.ndarray,
                 sink: Callable[[int, np.ndarray], None]
                 ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] | None:
        """Hand ``sink(start, chunk)`` the draws of every score, a chunk at a time, as
        float32 deviations from ``center`` (the point scores, Y, C, N): (n, Y, C, N) from
        draw ``start``; return, if ``saltelli``, each factor's (first-order numerator,
        total-effect numerator, variance) per output.

        Deviations keep a score that no factor moves exactly at its point value, and
        centred outputs make the Saltelli sums far less noisy (the estimators are
        unbiased either way). The draws are the same for a seed whatever the sink: a
        second pass (for a change between years) sees the draws of the first.
        """
        shift = np.nan_to_num(center)
        factors = self.factors
        acc: dict[str, list[np.ndarray]] = {}
        total_sum = np.zeros((*self.raw.shape[:2], self.n_nodes))
        total_sq = np.zeros_like(total_sum)
        from .._progress import progress

        starts = range(0, draws, CHUNK)
        for start in progress(starts, total=len(starts), desc="Monte Carlo draws", unit="chunk"):
            n = min(CHUNK, draws - start)
            chunk = start // CHUNK
            a = self.sample(np.random.default_rng([seed, chunk, 0]), n)
            f_a, _ = self.run(a, n)
            f_a = f_a - shift
            sink(start, f_a.astype(np.float32))
            if not saltelli:
                continue
            b = self.sample(np.random.default_rng([seed, chunk, 1]), n)
            f_b, _ = self.run(b, n)
            f_b = f_b - shift
            total_sum += np.nansum(f_a, axis=0) + np.nansum(f_b, axis=0)
            total_sq += np.nansum(f_a ** 2, axis=0) + np.nansum(f_b ** 2, axis=0)
            for factor in factors:
                mixed = dict(a)
                mixed[factor] = b[factor]
                f_ab, _ = self.run(mixed, n)
                f_ab = f_ab - shift
                first = np.nansum(f_b * (f_ab - f_a), axis=0)
                total = np.nansum((f_a - f_ab) ** 2, axis=0)
                if factor in acc:
                    acc[factor][0] += first
                    acc[factor][1] += total
                else:
                    acc[factor] = [first, total]
        if not saltelli:
            return None
        mean = total_sum / (2 * draws)
        var = total_sq / (2 * draws) - mean ** 2
        return {f: (v[0] / draws, v[1] / (2 * draws), var) for f, v in acc.items()}


#: Draws kept whole (for changes between years) up to this many values; above it they are streamed.
KEEP_VALUES: int = 2**25


class DrawSummary:
    """What the score table needs from the draws, gathered a chunk at a time.

    Score intervals (:class:`Tails`), rank intervals and median ranks
    (:class:`RankCounts`), and which scores any draw moves; the draws themselves only
    while they take fewer than :data:`KEEP_VALUES` values. The numbers are those of
    ``np.quantile`` over all the draws.
    """

    def __init__(self, center: np.ndarray, sign: np.ndarray, draws: int, interval: float) -> None:
        q = (1 - interval) / 2
        self.q, self.center, self.sign = q, center, sign
        self.tails = Tails(center.shape, draws, (q, 1 - q))
        self.ranks = RankCounts(center.shape, center.shape[1], draws)
        self.moves = np.zeros(center.shape, dtype=bool)
        self.kept = (np.empty((draws, *center.shape), dtype=np.float32)
                     if draws * center.size <= KEEP_VALUES else None)
        # the ranks every draw that moves nothing in a (year, node) takes: the point scores' ranks
        self.point_ranks = rank_desc(center * sign, axis=1)
        n_years, n_c, n_nodes = center.shape
        self._outputs = (np.arange(n_years)[:, None, None] * n_c * n_nodes + np.arange(n_c)[None, :, None] * n_nodes
                         + np.arange(n_nodes)[None, None, :])        # flat output index of (year, country, node)

    def __call__(self, start: int, chunk: np.ndarray) -> None:
        moved = chunk != 0          # NaN counts as moved
        moved_any = moved.any(axis=0)
        self.moves |= moved_any
        self.tails.add(chunk, moved_any)
        # ranks run over the countries of a (year, node): only the pairs where a draw moved a score
        # are ranked draw by draw, the others keep their point ranks in every draw of the chunk
        pairs = moved_any.any(axis=1)                                   # (Y, N)
        years, nodes = np.nonzero(pairs)
        still = ~pairs[:, None, :].repeat(self.center.shape[1], axis=1)  # (Y, C, N)
        shared = (self._outputs[still], self.point_ranks[still])
        if years.size:
            moving = chunk.transpose(0, 1, 3, 2)[:, years, nodes, :].astype(float)   # (n, pairs, C)
            values = (self.center[years, :, nodes] + moving) * self.sign[nodes, None]
            ranks = rank_desc(values, axis=2)                           # (n, pairs, C)
            outputs = self._outputs[years, :, nodes]                    # (pairs, C)
            self.ranks.add(ranks.reshape(len(chunk), -1), outputs.reshape(-1), shared)
        else:
            self.ranks.add(np.empty((len(chunk), 0)), np.empty(0, dtype=np.intp), shared)
        if self.kept is not None:
            self.kept[start:start + len(chunk)] = chunk

    def intervals(self) -> tuple[np.ndarray, ...]:
        """Score interval, rank interval and median rank: five (Y, C, N) arrays."""
        ci_low, ci_high = self.tails.quantiles(self.center)
        r_low = self.ranks.quantile(self.q, "lower")
        r_high = self.ranks.quantile(1 - self.q, "higher")
        return ci_low, ci_high, r_low, r_high, self.ranks.quantile(0.5)
