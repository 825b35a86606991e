"""Exact quantiles of Monte Carlo draws without keeping the draws.

The score and rank intervals need a few order statistics of each output over the
draws, not the draws themselves. :class:`Tails` keeps, per output, only the lowest
and highest values an interval needs (a share ``1 - interval`` of the draws, a few
megabytes where the draws would take gigabytes); :class:`RankCounts` keeps how often
each output took each rank (ranks are whole numbers), whatever the number of draws.
Both give the same numbers as :func:`numpy.quantile` over all the draws
(``linear``, ``lower`` and ``higher`` methods), NaN where a draw is NaN.

Outputs that no draw has moved yet (a deviation of exactly zero in every draw, as for a
score no uncertain input reaches) cost nothing: :class:`Tails` keeps values only for the
outputs a draw has moved, and :class:`RankCounts` counts a rank that every draw of a chunk
shares once for the whole chunk.

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


class _Extremes:
    """The ``k`` lowest (or highest) values of each column seen so far, in a preallocated buffer.

    Rows are written in place; when the buffer is full it is partitioned and cut back to
    ``k`` rows, so each value is copied a bounded number of times however many draws come.
    """

    def __init__(self, k: int, lowest: bool, capacity: int, dtype: np.dtype) -> None:
        self.k, self.lowest = k, lowest
        self.capacity = max(capacity, 2 * k + 1)
        self.buffer = np.empty((self.capacity, 0), dtype=dtype)
        self.filled = 0

    def widen(self, columns: int) -> None:
        """Add ``columns`` columns whose every value so far was 0 (they keep ``filled`` zeros)."""
        extra = np.zeros((self.capacity, columns), dtype=self.buffer.dtype)
        self.buffer = np.concatenate([self.buffer, extra], axis=1)

    def _cut(self, values: np.ndarray) -> np.ndarray:
        if len(values) <= self.k:
            return values
        if self.lowest:
            return np.partition(values, self.k - 1, axis=0)[: self.k]
        return np.partition(values, len(values) - self.k, axis=0)[len(values) - self.k:]

    def _keep(self, values: np.ndarray) -> None:
        kept = self._cut(values)
        self.buffer[: len(kept)] = kept
        self.filled = len(kept)

    def add(self, rows: np.ndarray) -> None:
        n = len(rows)
        if self.filled + n > self.capacity:
            self._keep(self.buffer[: self.filled])
        if self.filled + n > self.capacity:   # a chunk larger than the room left
            self._keep(np.concatenate([self.buffer[: self.filled], rows.astype(self.buffer.dtype)]))
            return
        self.buffer[self.filled: self.filled + n] = rows
        self.filled += n

    def values(self) -> np.ndarray:
        """The kept values: at least ``min(k, seen)`` rows, those ``k`` among them."""
        return self.buffer[: self.filled]


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
        self.size = int(np.prod(shape))
        self.active = np.zeros(0, dtype=np.intp)   # the outputs whose values are kept, in the buffers' order
        self._is_active = np.zeros(self.size, dtype=bool)
        self.low: _Extremes | None = None
        self.high: _Extremes | None = None
        self.nan = np.zeros(shape, dtype=bool)
        self.seen = 0

    def add(self, chunk: np.ndarray, moved: np.ndarray | None = None) -> None:
        """Take the next draws (``(n, *shape)``); ``moved`` (``shape``, optional) marks the outputs
        whose draws in this chunk are not all exactly 0 (the others need not be kept)."""
        n = len(chunk)
        flat = chunk.reshape(n, self.size)
        self.nan |= np.isnan(chunk).any(axis=0)
        if self.seen == 0:   # the buffers take the draws' type: float32 draws stay float32
            room = max(self.n_low, self.n_high) + max(n, 1)
            self.low = _Extremes(self.n_low, True, room, chunk.dtype) if self.n_low else None
            self.high = _Extremes(self.n_high, False, room, chunk.dtype) if self.n_high else None
        self.seen += n
        wanted = np.ones(self.size, dtype=bool) if moved is None else np.asarray(moved).reshape(self.size)
        new = np.flatnonzero(wanted & ~self._is_active)
        if new.size:
            self.active = np.concatenate([self.active, new])
            self._is_active[new] = True
            for part in (self.low, self.high):
                if part is not None:
                    part.widen(new.size)
        if not self.active.size:
            return
        rows = flat if self.active.size == self.size and _is_identity(self.active) else flat[:, self.active]
        for part in (self.low, self.high):
            if part is not None:
                part.add(rows)

    def _order(self, i: int) -> np.ndarray:
        """The ``i``-th smallest draw (0-based) of every output (0 for the outputs no draw moved)."""
        kept = self.low if self.low is not None else self.high
        out = np.zeros(self.size, dtype=np.float32 if kept is None else kept.buffer.dtype)
        if not self.active.size:
            return out.reshape(self.shape)
        if i < self.n_low:
            assert self.low is not None
            out[self.active] = np.partition(self.low.values(), i, axis=0)[i]
            return out.reshape(self.shape)
        assert self.high is not None
        j = i - (self.draws - self.n_high)
        high = self.high.values()
        if len(high) != self.n_high:
            high = np.partition(high, len(high) - self.n_high, axis=0)[len(high) - self.n_high:]
        out[self.active] = np.partition(high, j, axis=0)[j]
        return out.reshape(self.shape)

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


def _is_identity(index: np.ndarray) -> bool:
    return bool(index[0] == 0 and np.all(np.diff(index) == 1))


class RankCounts:
    """How often each output took each rank (1 to ``top``) over the draws."""

    def __init__(self, shape: tuple[int, ...], top: int, draws: int) -> None:
        self.shape, self.top, self.draws = shape, int(top), int(draws)
        self.size = int(np.prod(shape))
        dtype = np.uint16 if draws < 2**16 else np.uint32
        self.counts = np.zeros((self.size, self.top + 1), dtype=dtype)
        self.nan = np.zeros(self.size, dtype=bool)
        self.seen = 0
        # ranks of the same outputs wait here until they are as many as their counts: one count pass for many chunks
        self._waiting: list[np.ndarray] = []
        self._waiting_outputs: np.ndarray | None = None
        self._waiting_size = 0
        self._cum: np.ndarray | None = None

    def add(self, ranks: np.ndarray, outputs: np.ndarray | None = None,
            shared: tuple[np.ndarray, np.ndarray] | None = None) -> None:
        """Take the ranks of the next draws: ``(n, *shape)``, whole numbers or NaN; or, with
        ``outputs`` (flat output indices), ``(n, len(outputs))`` for those outputs only, the
        others given by ``shared``: (outputs, ranks) that every one of the ``n`` draws took."""
        n = len(ranks)
        self.seen += n
        flat = ranks.reshape(n, -1)
        if outputs is None:
            outputs = np.arange(self.size, dtype=np.intp)
        missing = np.isnan(flat)
        self.nan[outputs] |= missing.any(axis=0)
        if shared is not None and len(shared[0]):
            where, fixed = shared
            gone = np.isnan(fixed)
            self.nan[where] |= gone
            self.counts[where, np.where(gone, 0, fixed).astype(np.intp)] += self.counts.dtype.type(n)
        if not flat.shape[1]:
            return
        if self._waiting_outputs is not None and not np.array_equal(self._waiting_outputs, outputs):
            self._count()
        self._waiting_outputs = outputs
        # a missing rank counts as rank 0: its output is NaN whatever its counts
        self._waiting.append(np.where(missing, 0, flat).astype(np.uint16 if self.top < 2**16 else np.uint32))
        self._waiting_size += flat.size
        self._cum = None
        if self._waiting_size >= len(outputs) * (self.top + 1) // 4:
            self._count()

    def _count(self) -> None:
        if not self._waiting:
            return
        ranks = np.concatenate(self._waiting)
        outputs = self._waiting_outputs
        assert outputs is not None
        self._waiting, self._waiting_size, self._waiting_outputs = [], 0, None
        width = self.top + 1
        block = max(1, 2**20 // width)     # outputs counted at once: a few MiB of counts at a time
        for start in range(0, len(outputs), block):
            part = ranks[:, start:start + block]
            index = part + np.arange(part.shape[1], dtype=np.intp) * width
            counted = np.bincount(index.ravel(), minlength=part.shape[1] * width).reshape(-1, width)
            self.counts[outputs[start:start + block]] += counted.astype(self.counts.dtype)

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
