"""Exact quantiles of Monte Carlo draws without keeping the draws.

The score and rank intervals need a few order statistics of each output over the
draws, not the draws themselves. :class:`Tails` keeps, per output, only the lowest
and highest values an interval needs (a share ``1 - interval`` of the draws, a few
megabytes where the draws would take gigabytes); :class:`RankCounts` keeps how often
each output took each rank (ranks are whole numbers), whatever the number of draws.
Both give the same numbers as :func:`numpy.quantile` over all the draws
(``linear``, ``lower`` and ``higher`` methods), NaN where a draw is NaN.

>>> rng = np.random.default_rng(1)
>>> draws = rng.normal(size=(1000, 3)).astype(np.float32)
>>> tails = Tails((3,), 1000, (0.025, 0.975))
>>> for start in range(0, 1000, 50):
...     tails.add(draws[start:start + 50])
>>> low, high = tails.quantiles(np.zeros(3))
>>> bool(np.array_equal(low, np.quantile(draws.astype(float), 0.025, axis=0)))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["RankCounts", "Tails", "lerp"]


def lerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """``a + t (b - a)`` computed as :func:`numpy.quantile` does (from ``b`` when ``t >= 0.5``)."""
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


def _virtual(n: int, q: float) -> float:
    return float((n - 1) * np.float64(q))


class Tails:
    """The lowest and highest draws of each output, enough for quantiles ``probs`` of ``draws`` draws.

    ``add`` takes draws as they come (``(n, *shape)``); ``quantiles`` gives one array per
    probability, computed on ``center + draw`` in float64 like ``np.quantile(center + draws)``.
    """

    def __init__(self, shape: tuple[int, ...], draws: int, probs: Sequence[float]) -> None:
        self.shape, self.draws, self.probs = shape, int(draws), tuple(float(p) for p in probs)
        low = [math.floor(_virtual(draws, p)) + 2 for p in self.probs if p < 0.5]
        high = [draws - math.floor(_virtual(draws, p)) for p in self.probs if p >= 0.5]
        self.n_low = min(max(low, default=0), self.draws)
        self.n_high = min(max(high, default=0), self.draws)
        self.low: np.ndarray | None = None
        self.high: np.ndarray | None = None
        self.nan = np.zeros(shape, dtype=bool)
        self.seen = 0

    def add(self, chunk: np.ndarray) -> None:
        """Take the next draws (``(n, *shape)``)."""
        self.seen += len(chunk)
        self.nan |= np.isnan(chunk).any(axis=0)
        self.low = self._keep(self.low, chunk, self.n_low, lowest=True)
        self.high = self._keep(self.high, chunk, self.n_high, lowest=False)

    @staticmethod
    def _keep(kept: np.ndarray | None, chunk: np.ndarray, k: int, lowest: bool) -> np.ndarray | None:
        if k == 0:
            return None
        both = chunk if kept is None else np.concatenate([kept, chunk])
        # partition only once the buffer is well past k: a few partitions for the whole run
        if len(both) < 2 * k + 1:
            return both
        if lowest:
            return np.partition(both, k - 1, axis=0)[:k]
        return np.partition(both, len(both) - k, axis=0)[len(both) - k:]

    def _order(self, i: int) -> np.ndarray:
        """The ``i``-th smallest draw (0-based) of every output."""
        if i < self.n_low:
            assert self.low is not None
            return np.partition(self.low, i, axis=0)[i]
        assert self.high is not None
        j = i - (self.draws - self.n_high)
        high = self.high if len(self.high) == self.n_high else \
            np.partition(self.high, len(self.high) - self.n_high, axis=0)[len(self.high) - self.n_high:]
        return np.partition(high, j, axis=0)[j]

    def quantiles(self, center: np.ndarray) -> list[np.ndarray]:
        """The quantile of ``center + draws`` at each probability (float64)."""
        if self.seen != self.draws:
            raise ValueError(f"{self.seen} draws seen, {self.draws} expected")
        out = []
        for p in self.probs:
            v = _virtual(self.draws, p)
            lo = math.floor(v)
            if v >= self.draws - 1:
                value = center + self._order(self.draws - 1).astype(float)
            else:
                a = center + self._order(lo).astype(float)
                b = center + self._order(lo + 1).astype(float)
                value = lerp(a, b, v - lo)
            out.append(np.where(self.nan, np.nan, value))
        return out


class RankCounts:
    """How often each output took each rank (1 to ``top``) over the draws."""

    def __init__(self, shape: tuple[int, ...], top: int, draws: int) -> None:
        self.shape, self.top, self.draws = shape, int(top), int(draws)
        self.size = int(np.prod(shape))
        dtype = np.uint16 if draws < 2**16 else np.uint32
        self.counts = np.zeros((self.size, self.top + 1), dtype=dtype)
        self.nan = np.zeros(self.size, dtype=bool)
        self.seen = 0
        # ranks wait here until they are as many as the counts: one count pass for many chunks
        self._waiting: list[np.ndarray] = []
        self._waiting_size = 0
        self._cum: np.ndarray | None = None

    def add(self, ranks: np.ndarray) -> None:
        """Take the ranks of the next draws (``(n, *shape)``, whole numbers or NaN)."""
        self.seen += len(ranks)
        flat = ranks.reshape(len(ranks), self.size)
        missing = np.isnan(flat)
        self.nan |= missing.any(axis=0)
        # a missing rank counts as rank 0: its output is NaN whatever its counts
        self._waiting.append(np.where(missing, 0, flat).astype(np.uint16 if self.top < 2**16 else np.uint32))
        self._waiting_size += flat.size
        self._cum = None
        if self._waiting_size >= self.counts.size // 4:
            self._count()

    def _count(self) -> None:
        if not self._waiting:
            return
        ranks = np.concatenate(self._waiting)
        self._waiting, self._waiting_size = [], 0
        width = self.top + 1
        block = max(1, 2**20 // width)     # outputs counted at once: a few MiB of counts at a time
        for start in range(0, self.size, block):
            part = ranks[:, start:start + block]
            index = part + np.arange(part.shape[1], dtype=np.intp) * width
            self.counts[start:start + block] += np.bincount(
                index.ravel(), minlength=part.shape[1] * width).reshape(-1, width).astype(self.counts.dtype)

    def _order(self, i: int, cum: np.ndarray) -> np.ndarray:
        """The ``i``-th smallest rank (0-based) of every output."""
        return (cum <= i).sum(axis=1).astype(float)

    def quantile(self, q: float, method: str = "linear") -> np.ndarray:
        """The quantile at ``q`` as ``np.quantile(ranks, q, method=method)`` (linear, lower, higher)."""
        if self.seen != self.draws:
            raise ValueError(f"{self.seen} draws seen, {self.draws} expected")
        self._count()
        if self._cum is None:
            self._cum = np.cumsum(self.counts, axis=1, dtype=np.int64)
        cum = self._cum
        v = _virtual(self.draws, q)
        if method == "lower":
            value = self._order(math.floor(v), cum)
        elif method == "higher":
            value = self._order(math.ceil(v), cum)
        elif v >= self.draws - 1:
            value = self._order(self.draws - 1, cum)
        else:
            lo = math.floor(v)
            value = lerp(self._order(lo, cum), self._order(lo + 1, cum), v - lo)
        return np.where(self.nan, np.nan, value).reshape(self.shape)
