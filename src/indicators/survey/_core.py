"""The vectorised core of survey estimation: domain codes, per-(PSU, domain) sums, variances.

Private. Everything here works on numpy arrays already extracted from the design.
Once per ``by``, the rows are mapped to the (PSU, domain) pairs that occur, ordered by
(stratum, domain, PSU), and a sparse pairs x rows matrix holding the weights is built;
then each variable costs one sparse matrix-vector product (its weighted sums per pair)
and the variance algebra runs on those few sums, segment by (stratum, domain)
segment, with :func:`numpy.add.reduceat`. There is no Python loop over rows, PSUs,
strata or domains anywhere in this module.

The formulas are those of R's ``survey`` package (``svyrecvar``/``onestage``/
``onestrat`` for with-replacement first-stage sampling, "ultimate cluster"):

``v_d = sum_h scale_h * sum_{c in h} (z_cd - zbar_hd)^2``, with
``scale_h = (1 - f_h) * n_h / (n_h - 1)`` and ``z_cd`` the PSU total of the
linearised variable of domain ``d``. Strata with a single PSU follow ``lonely_psu``.

>>> import numpy as np
>>> codes, uniques = domain_codes([np.array(["b", "a", "b"])])
>>> codes.tolist(), [u.tolist() for u in uniques]
([1, 0, 1], [['a', 'b']])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special, stats

__all__ = [
    "PairIndex",
    "StrataInfo",
    "beta_ci",
    "combine_cells",
    "combine_codes",
    "dense_variance",
    "domain_codes",
    "domain_degf",
    "domain_values",
    "factorize",
    "glm_logit",
    "glm_logit_start",
    "glm_wald_factors",
    "logit_ci",
    "psu_codes",
    "ratio_variance",
    "stratified_variance",
    "t_or_normal",
    "wald_ci",
    "weighted_quantile",
]

#: Presence tables (one byte, plus a 4-byte running count, per possible key) are used
#: to compact keys when there are at most this many possible keys per row ...
_DENSE_PER_ROW = 4
#: ... or at most this many in all; beyond both, keys are hashed.
_DENSE_MIN = 1 << 20


def _is_arrow_string(dtype: Any) -> bool:
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def factorize(values: Any) -> tuple[np.ndarray, pd.Index]:
    """Sorted factorisation of one column; missing values get code -1.

    The same codes and uniques as ``pandas.factorize(values, sort=True)``, without
    hashing for integer columns of moderate range (a presence table) and with one
    Arrow dictionary encoding for pyarrow strings.

    >>> codes, uniques = factorize(np.array([30, 10, 30, 20]))
    >>> codes.tolist(), uniques.tolist()
    ([2, 0, 2, 1], [10, 20, 30])
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, copy=False)
    dtype = series.dtype
    n = len(series)
    if n and isinstance(dtype, np.dtype) and dtype.kind in "iu":
        x = series.to_numpy()
        lo, hi = int(x.min()), int(x.max())
        span = hi - lo + 1
        if span <= max(2 * n, 1 << 16) and -(1 << 62) < lo and hi < (1 << 62):
            if 0 <= lo and hi < max(2 * n, 1 << 16):  # index by the values themselves
                shifted, span, lo = x, hi + 1, 0
            else:
                shifted = x.astype(np.int64, copy=False) - lo
            present = np.zeros(span, dtype=bool)
            present[shifted] = True
            seen = np.flatnonzero(present)
            remap = np.empty(span, dtype=_code_type(n))
            remap[seen] = np.arange(len(seen))
            uniques = pd.Index((seen + lo).astype(dtype), dtype=dtype)
            return remap[shifted], uniques
    if n and _is_arrow_string(dtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(series.array)
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        encoded = pc.dictionary_encode(arr)
        words = encoded.dictionary.to_numpy(zero_copy_only=False).astype(object)
        order = np.argsort(words, kind="stable")
        rank = np.empty(len(words) + 1, dtype=_code_type(n))
        rank[order] = np.arange(len(words))
        rank[-1] = -1  # missing (filled with -1 below) stays -1
        idx = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        return rank[idx], pd.Index(pd.array(words[order], dtype=dtype), dtype=dtype)
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), pd.Index(uniques)


def _code_type(n: int) -> type[np.signedinteger[Any]]:
    """int32 codes (half the memory) whenever they fit."""
    return np.int32 if n < 2**31 - 1 else np.int64


def _compact(key: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Map non-negative integer keys (< ``cells``) to 1..U in key order.

    Returns the codes (1-based; int32 when they fit) and the sorted distinct keys.
    """
    n = len(key)
    if cells <= max(_DENSE_PER_ROW * n, _DENSE_MIN):
        present = np.zeros(cells, dtype=bool)
        present[key] = True
        distinct = np.flatnonzero(present)
        # Ranks written only where a key occurs (faster than a running count of the table).
        remap = np.empty(cells, dtype=np.int32 if len(distinct) < 2**31 - 1 else np.int64)
        remap[distinct] = np.arange(1, len(distinct) + 1, dtype=remap.dtype)
        return remap[key], distinct
    first, distinct = pd.factorize(key, sort=False)
    distinct = np.asarray(distinct, dtype=np.int64)
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(len(order), dtype=np.int32 if len(order) < 2**31 - 1 else np.int64)
    rank[order] = np.arange(1, len(order) + 1)
    return rank[np.asarray(first)], distinct[order]


def combine_codes(parts: Sequence[tuple[np.ndarray, Any]]) -> tuple[np.ndarray, list[Any]]:
    """Combine per-column ``(codes, uniques)`` into domain codes 0..D-1 sorted by value.

    Rows missing any value get -1. Returns the codes and, for each column, the values
    of every domain (aligned, one entry per domain, in order).
    """
    codes, values, _ = combine_cells(parts)
    return codes, values


def combine_cells(parts: Sequence[tuple[np.ndarray, Any]],
                  has_missing: Sequence[bool] | None = None
                  ) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """:func:`combine_codes`, and the domains' cells: for each domain, the mixed-radix
    key ``((c_0 * s_1 + c_1) * s_2 + ...)`` of its column codes (``s_j`` the number of
    values of column ``j``, at least 1), increasing. ``has_missing`` says, when known,
    which columns have a missing value (code -1), saving a look at the others."""
    if not parts:
        raise ValueError("no domain column")
    if len(parts) == 1:
        codes, uniques = parts[0]
        return codes, [uniques], np.arange(len(uniques))
    sizes = [max(len(u), 1) for _, u in parts]
    total = 1
    for size in sizes:
        total *= size
    missing: np.ndarray | None = None
    for j, (codes, _) in enumerate(parts):
        if has_missing is not None and not has_missing[j]:
            continue
        lost = codes < 0
        if has_missing is None and not lost.any():
            continue
        missing = lost if missing is None else (missing | lost)
    key = parts[0][0] * np.int64(sizes[1])
    key += parts[1][0]
    for (codes, _), size in zip(parts[2:], sizes[2:]):
        key *= size
        key += codes
    if missing is not None:
        key[missing] = total  # one extra cell for rows outside every domain
    codes1, cells = _compact(key, total + 1)
    out = np.subtract(codes1, 1, dtype=np.int64)
    if len(cells) and cells[-1] == total:
        out[missing] = -1
        cells = cells[:-1]
    return out, domain_values([u for _, u in parts], cells), cells


def domain_values(uniques: Sequence[Any], cells: np.ndarray) -> list[Any]:
    """For each column, its value in every domain, from the domains' mixed-radix keys."""
    values: list[Any] = []
    rest = np.asarray(cells, dtype=np.int64).copy()
    for u in reversed(uniques):
        size = max(len(u), 1)
        values.append(u.take(rest % size) if len(u) else u)
        rest //= size
    values.reverse()
    return values


def domain_codes(columns: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """Combine one or several domain columns into codes 0..D-1 sorted by domain values.

    Rows missing any domain value get -1. Returns the codes and, for each column, the
    values of every domain (aligned, one entry per domain, in order).
    """
    if not columns:
        raise ValueError("no domain column")
    return combine_codes([factorize(col) for col in columns])


def _stable_order(key: np.ndarray, bound: int) -> np.ndarray:
    """``argsort(key, kind="stable")``; a radix sort when the keys fit in 16 bits."""
    if bound <= 1 << 16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    return np.argsort(key, kind="stable")


def psu_codes(stratum: np.ndarray, n_strata: int, psu: np.ndarray | None,
              n_labels: int) -> np.ndarray:
    """PSU codes 0..C-1 sorted by (stratum, PSU label), PSU labels nested in strata.

    ``psu`` holds the label codes (0..n_labels-1), or None when each row is its own PSU.
    """
    n = len(stratum)
    if psu is None:  # each row its own PSU, in stratum then row order
        order = _stable_order(stratum, n_strata)
        codes = np.empty(n, dtype=_code_type(n))
        codes[order] = np.arange(n)
        return codes
    owner = np.full(n_labels, -1, dtype=stratum.dtype if stratum.dtype.kind == "i" else np.int64)
    owner[psu] = stratum
    if np.array_equal(owner[psu], stratum):
        # Every label belongs to one stratum: order the labels by (stratum, label).
        order = _stable_order(owner, n_strata)
        rank = np.empty(n_labels, dtype=_code_type(n))
        rank[order] = np.arange(n_labels)
        return rank[psu]
    out, _ = combine_codes([(stratum, np.arange(n_strata)), (psu, np.arange(n_labels))])
    return out


@dataclass(frozen=True)
class StrataInfo:
    """Per-stratum facts of a design (arrays indexed by stratum code)."""

    n_psu: np.ndarray          # PSUs per stratum in the full design
    f: np.ndarray              # 1 - sampling fraction (1 without fpc)
    psu_stratum: np.ndarray    # stratum code of each PSU
    lonely_psu: str            # fail, remove, adjust, certainty, average

    @property
    def n_strata(self) -> int:
        return len(self.n_psu)

    @property
    def n_psus(self) -> int:
        return len(self.psu_stratum)


def _pair_domains(cols: list[np.ndarray], sizes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The domains from the pairs' column codes (missing coded as the column's number of
    values ``sizes[j]``): each pair's domain (``D`` if a code is missing) and the
    domains' mixed-radix keys (increasing, see :func:`combine_cells`)."""
    n_pairs = len(cols[0])
    key = np.zeros(n_pairs, dtype=np.int64)
    missing = np.zeros(n_pairs, dtype=bool)
    total = 1
    for c, k in zip(cols, sizes):
        missing |= c == k
        key *= k
        key += c
        total *= k
    key[missing] = 0
    ok = ~missing
    if total <= max(_DENSE_PER_ROW * n_pairs, _DENSE_MIN):
        present = np.zeros(total, dtype=bool)
        present[key[ok]] = True
        cells = np.flatnonzero(present)
        table = np.empty(total, dtype=np.int64)
        table[cells] = np.arange(len(cells))
        out = table[key]
    else:
        cells, inverse = np.unique(key[ok], return_inverse=True)
        out = np.zeros(n_pairs, dtype=np.int64)
        out[ok] = inverse
    out[missing] = len(cells)
    return out, cells


def _constant_within(code: np.ndarray, values: np.ndarray, size: int, base: int) -> np.ndarray | None:
    """The value of each code (``base`` .. ``size + base - 1``, all present) when ``values``
    is the same on every row of the code, else None (a sample of the rows is looked at first)."""
    owner = np.full(size + base, -1, dtype=values.dtype if values.dtype.kind == "i" else np.int64)
    head = min(len(code), 1 << 16)
    owner[code[:head]] = values[:head]
    if not np.array_equal(owner[code[:head]], values[:head]):
        return None
    owner[code] = values
    held = owner[base:]
    if not np.array_equal(owner[code], values) or (size and int(held.min()) < 0):
        return None
    return held


@dataclass(frozen=True, eq=False)
class PairIndex:
    """Rows mapped to the (PSU, domain) pairs that occur; built once per ``by``.

    Pairs are ordered by (stratum, domain, PSU), so that the pairs of one stratum and
    domain form a contiguous *segment*. ``pair`` gives each row its pair (rows outside
    every domain go to pairs of the extra domain ``n_domains``, ignored in results);
    ``matrix`` is the pairs x rows sparse matrix of the weights, so that
    ``matrix @ y`` is the weighted sum of ``y`` in every pair. :meth:`pair_cols` gives,
    when built column by column, each pair's code in every ``by`` column (the number
    of values of the column for a missing value).
    """

    pair: np.ndarray
    pair_psu: np.ndarray
    pair_dom: np.ndarray
    n_domains: int
    starts: np.ndarray       # first pair of each segment
    seg_h: np.ndarray        # stratum of each segment
    seg_dom: np.ndarray      # domain of each segment (n_domains: outside)
    seg_len: np.ndarray      # pairs in each segment
    matrix: Any              # scipy.sparse csc_array (pairs x rows)
    raw_cols: tuple[np.ndarray, ...] = ()   # the pairs' column codes, before ``order``
    order: np.ndarray | None = None
    cells: np.ndarray | None = None  # the domains' mixed-radix keys (column by column)

    @classmethod
    def build(cls, psu: np.ndarray, dom: np.ndarray | None, n_psus: int, n_domains: int, *,
              psu_stratum: np.ndarray | None = None, weights: np.ndarray | None = None,
              steps: Sequence[tuple[np.ndarray, int, bool]] | None = None,
              start: PairIndex | None = None, indptr: np.ndarray | None = None) -> PairIndex:
        """Compact the (PSU, domain) pair of every row into pair codes 0..P-1.

        ``dom`` is each row's domain (-1 outside every domain). By default the key is
        ``psu * (n_domains + 1) + domain``. With ``steps`` (the codes and numbers of
        values of the ``by`` columns, -1 for missing) the key is built column by column
        instead (each with whether it has a missing value), each step keyed by (pairs
        so far, next column), which keeps the key space small for crossed domains; the
        domains are then found from the pairs' column codes (``dom`` and ``n_domains``
        are not needed: the domains are those of :func:`combine_cells`), and ``start``
        is the pair index of a ``by`` made of the first columns, to continue from.
        """
        n = len(psu)
        D = n_domains
        cols: list[np.ndarray] = []
        cells = None
        if steps is None:
            assert dom is not None
            ext = np.where(dom < 0, D, dom) if (dom < 0).any() else dom
            code, distinct = _compact(psu.astype(np.int64) * (D + 1) + ext, n_psus * (D + 1))
            base = 1
            pair_psu, pair_dom = distinct // (D + 1), distinct % (D + 1)
        else:
            if start is not None:
                code, base = start.pair, 0
                pair_psu, cols = start.pair_psu, list(start.pair_cols())
            else:
                code, base = psu, 0
                pair_psu = np.arange(n_psus)
            size = len(pair_psu)
            for col, k, has_missing in steps[len(cols):]:
                col_ext = np.where(col < 0, k, col) if has_missing else col
                held = _constant_within(code, col_ext, size, base)
                if held is not None:  # one value per pair so far (a region, a state): the pairs stay
                    code = code + 1 if base == 0 else code
                    base = 1
                    cols = [*cols, held.astype(np.int64)]
                    continue
                key = code * np.int64(k + 1)
                key += col_ext
                code, distinct = _compact(key, (size + base) * (k + 1))
                prev = distinct // (k + 1) - base
                base = 1
                pair_psu = pair_psu[prev]
                cols = [c[prev] for c in cols] + [distinct % (k + 1)]
                size = len(distinct)
            if cols:
                pair_dom, cells = _pair_domains(cols, [step[1] for step in steps])
                D = len(cells)
            else:  # no domain column: one domain
                pair_dom, D = np.zeros(size, dtype=np.int64), 1
        size = len(pair_psu)
        h = psu_stratum[pair_psu] if psu_stratum is not None else np.zeros(size, dtype=np.int64)
        n_strata = int(h.max()) + 1 if size else 1
        hd = h * (D + 1) + pair_dom
        order = _stable_order(hd, n_strata * (D + 1))
        index_type = np.int32 if max(size, n + 1) < 2**31 - 1 else np.int64
        inverse = np.empty(size + base, dtype=index_type)
        inverse[order + base] = np.arange(size, dtype=index_type)
        pair = inverse[code]
        pair_psu, pair_dom, hd = pair_psu[order], pair_dom[order], hd[order]
        starts = np.flatnonzero(np.concatenate(([True], hd[1:] != hd[:-1])))
        seg_hd = hd[starts]
        seg_len = np.diff(np.append(starts, size))
        w = np.ones(n) if weights is None else weights
        ptr = indptr if indptr is not None else np.arange(n + 1, dtype=index_type)
        matrix = sp.csc_array((w, pair, ptr.astype(index_type, copy=False)), shape=(size, n))
        return cls(pair=pair, pair_psu=pair_psu, pair_dom=pair_dom, n_domains=D, starts=starts,
                   seg_h=seg_hd // (D + 1), seg_dom=seg_hd % (D + 1), seg_len=seg_len,
                   matrix=matrix, raw_cols=tuple(cols), order=order, cells=cells)

    def pair_cols(self) -> tuple[np.ndarray, ...]:
        """Each pair's code in every ``by`` column (when built column by column)."""
        if self.order is None:
            return self.raw_cols
        return tuple(c[self.order] for c in self.raw_cols)

    @property
    def n_pairs(self) -> int:
        return len(self.pair_psu)

    def sums(self, weights: np.ndarray | None) -> np.ndarray:
        """Sum ``weights`` (or count rows) by pair."""
        return np.bincount(self.pair, weights=weights, minlength=self.n_pairs)

    def weighted_sums(self, values: np.ndarray) -> np.ndarray:
        """``sum(w * values)`` by pair: one sparse matrix-vector product."""
        return self.matrix @ values

    def segment_sums(self, pair_values: np.ndarray) -> np.ndarray:
        """Add pair values up to (stratum, domain) segments."""
        return np.add.reduceat(pair_values, self.starts)

    def by_domain(self, pair_values: np.ndarray) -> np.ndarray:
        """Add pair values up to domains (0..D-1)."""
        return np.bincount(self.seg_dom, weights=self.segment_sums(pair_values),
                           minlength=self.n_domains + 1)[: self.n_domains]

    def spread(self, segment_values: np.ndarray) -> np.ndarray:
        """One value per segment, repeated for every pair of the segment."""
        return np.repeat(segment_values, self.seg_len)


def _combine_strata(ss: np.ndarray, s1: np.ndarray, pairs: PairIndex, strata: StrataInfo,
                    present: np.ndarray | None) -> np.ndarray:
    """Variance per domain from each segment's centred sum of squares ``ss`` (over all the
    stratum's PSUs) and total ``s1``, with R's scale factors and lonely-PSU rules."""
    D = pairs.n_domains
    h = pairs.seg_h
    nh = strata.n_psu.astype(np.float64)
    lonely = strata.n_psu == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, strata.f, strata.f * nh / (nh - 1.0))
    contrib = ss * scale[h]
    certain = strata.f < 1e-7
    if lonely.any():
        seg_lonely = lonely[h]
        if strata.lonely_psu == "adjust":
            # R centres nothing for a lonely PSU: its own total, squared, times f.
            contrib = np.where(seg_lonely, strata.f[h] * s1 * s1, contrib)
        else:  # remove, certainty: the centred single PSU contributes 0; average: NA
            contrib = np.where(seg_lonely, 0.0, contrib)
    if certain.any():
        contrib = np.where(certain[h], 0.0, contrib)
    var: np.ndarray = np.bincount(pairs.seg_dom, weights=contrib, minlength=D + 1)[:D]
    if lonely.any() and strata.lonely_psu == "average":
        flag = present if present is not None else np.ones(pairs.n_pairs, dtype=bool)
        here = pairs.segment_sums(flag.astype(np.float64)) > 0
        nstrat = np.bincount(pairs.seg_dom, weights=here, minlength=D + 1)[:D]
        ok = here & ~(lonely & ~certain)[h]
        nok = np.bincount(pairs.seg_dom, weights=ok, minlength=D + 1)[:D]
        with np.errstate(divide="ignore", invalid="ignore"):
            var = var * nstrat / nok
    return var


def stratified_variance(z: np.ndarray, pairs: PairIndex, strata: StrataInfo,
                        present: np.ndarray | None = None) -> np.ndarray:
    """Variance of the domain totals of a linearised variable, one per domain.

    ``z`` holds the PSU totals of the linearised variable, one per pair (zeros where a
    PSU has no row of the domain). ``present`` (per pair, bool) says which pairs have at
    least one usable row; it is only needed for ``lonely_psu="average"``, where R counts
    the strata present in the domain. PSUs of the stratum without a pair of the domain
    have ``z = 0``: they add ``zbar^2`` each to the centred sum of squares.
    """
    s1 = pairs.segment_sums(z)
    n_h = strata.n_psu.astype(np.float64)[pairs.seg_h]
    zbar = s1 / n_h
    dev = z - pairs.spread(zbar)
    dev *= dev
    ss = pairs.segment_sums(dev) + (n_h - pairs.seg_len) * zbar * zbar
    return _combine_strata(ss, s1, pairs, strata, present)


def ratio_variance(sy: np.ndarray, sx: np.ndarray, a: np.ndarray, b: np.ndarray,
                   ratio: np.ndarray, x: np.ndarray, pairs: PairIndex, strata: StrataInfo,
                   present: np.ndarray | None = None) -> np.ndarray:
    """Variance of the domain ratios ``Y_d / X_d`` (means are ratios with x = 1).

    ``sy``, ``sx``: weighted sums per pair; ``a``, ``b``: their segment sums; ``ratio``
    and ``x``: ``Y_d / X_d`` and ``X_d``. The linearised PSU totals are
    ``z = (sy - R sx) / X``; centred in their segment they are
    ``(sy - R sx - c) / X`` with ``c = (a - R b) / n_h``, so the segment's squares are
    summed before dividing by ``X^2`` (one pass fewer, same centring). A domain with
    ``X_d = 0`` gets variance 0 here (its estimate is undefined).
    """
    d = pairs.seg_dom
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.append((x != 0) & np.isfinite(ratio), False)[d]
        seg_r = np.where(ok, np.append(ratio, 0.0)[d], 0.0)
        inv_x = np.where(ok, 1.0 / np.append(x, 1.0)[d], 0.0)
    n_h = strata.n_psu.astype(np.float64)[pairs.seg_h]
    total = a - seg_r * b        # segment total of sy - R sx
    c = total / n_h
    t = pairs.spread(seg_r)
    t *= sx
    np.subtract(sy, t, out=t)
    t -= pairs.spread(c)
    t *= t
    ss = pairs.segment_sums(t) * inv_x * inv_x + (n_h - pairs.seg_len) * (c * inv_x) ** 2
    s1 = total * inv_x
    return _combine_strata(ss, s1, pairs, strata, present)


def dense_variance(z: np.ndarray, strata: StrataInfo) -> np.ndarray:
    """Variance per domain from unit totals of the linearised variable, ``z`` (units x
    domains, every unit present), with R's scale factors and lonely-PSU rules (as
    :func:`stratified_variance`, where a calibrated design keeps every unit in every
    domain, as R's subsets of calibrated designs do)."""
    h = strata.psu_stratum
    order = np.argsort(h, kind="stable")
    zs, hs = z[order], h[order]
    starts = np.flatnonzero(np.concatenate(([True], hs[1:] != hs[:-1])))
    seg_h = hs[starts]
    counts = np.diff(np.append(starts, len(hs)))
    s1 = np.add.reduceat(zs, starts, axis=0)
    nh = strata.n_psu.astype(np.float64)[seg_h]
    zbar = s1 / nh[:, None]
    dev = zs - np.repeat(zbar, counts, axis=0)
    ss = np.add.reduceat(dev * dev, starts, axis=0)
    lonely = (strata.n_psu == 1)[seg_h]
    f = strata.f[seg_h]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, f, f * nh / (nh - 1.0))
    contrib = ss * scale[:, None]
    certain = f < 1e-7
    if lonely.any():
        if strata.lonely_psu == "adjust":
            contrib[lonely] = (f[:, None] * s1 * s1)[lonely]
        else:
            contrib[lonely] = 0.0
    contrib[certain] = 0.0
    var: np.ndarray = contrib.sum(axis=0)
    if lonely.any() and strata.lonely_psu == "average":
        var = var * len(seg_h) / np.sum(~(lonely & ~certain))
    return var


def domain_degf(pairs: PairIndex, strata: StrataInfo, present: np.ndarray) -> np.ndarray:
    """Degrees of freedom per domain as R's ``degf`` of the domain subset.

    PSUs with at least one usable row in the domain, minus strata with at least one.
    """
    D = pairs.n_domains
    flag = present.astype(np.float64)
    psus = np.bincount(pairs.pair_dom, weights=flag, minlength=D + 1)[:D]
    here = pairs.segment_sums(flag) > 0
    nstrat = np.bincount(pairs.seg_dom, weights=here, minlength=D + 1)[:D]
    return psus - nstrat


def weighted_quantile(y: np.ndarray, w: np.ndarray, dom: np.ndarray, n_domains: int,
                      probs: np.ndarray) -> np.ndarray:
    """R's ``qrule_math`` quantile in every domain at once (``probs`` one per domain).

    The smallest value whose weighted distribution function reaches ``p``: with rows
    sorted by value, ``pos`` is the last row whose cumulative weight is at most
    ``p * W`` (the first row when none is); the answer is ``y[pos]`` when the
    cumulative weight there equals ``p * W`` (to a relative 1e-12) and the next value
    otherwise. Rows with ``dom < 0`` are ignored; a domain without rows or with a
    ``probs`` outside [0, 1] gets NaN.
    """
    keep = dom >= 0
    if not keep.any():  # no usable row anywhere (an all-missing variable): every domain is NaN
        return np.full(n_domains, np.nan)
    yk, wk, dk = y[keep], w[keep], dom[keep]
    order = np.lexsort((yk, dk))
    ys, ws, ds = yk[order], wk[order], dk[order]
    counts = np.bincount(ds, minlength=n_domains)
    ends = np.cumsum(counts)
    starts = ends - counts
    cum = np.cumsum(ws)
    base = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    total = np.bincount(ds, weights=ws, minlength=n_domains)
    out = np.full(n_domains, np.nan)
    ok = (counts > 0) & np.isfinite(probs) & (probs >= 0) & (probs <= 1)
    if not ok.any():
        return out
    p = probs[ok]
    thr = base[ok] + p * total[ok]
    st, en = starts[ok], ends[ok]
    tol = 1e-12 * total[ok]
    pos = np.searchsorted(cum, thr + tol, side="right") - 1
    pos = np.clip(pos, st, en - 1)
    local = cum[pos] - base[ok]
    exact = np.abs(p * total[ok] - local) <= tol
    nxt = np.minimum(pos + 1, en - 1)
    out[ok] = np.where(exact, ys[pos], ys[nxt])
    return out


@lru_cache(maxsize=16)
def _normal_quantile(p: float) -> float:
    return float(stats.norm.ppf(p))


def t_or_normal(level: float, df: np.ndarray | float | None) -> np.ndarray:
    """The two-sided critical value: normal when ``df`` is None or infinite, else t."""
    alpha = 1.0 - level
    if df is None:
        return np.asarray(_normal_quantile(1 - alpha / 2))
    dfa = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        crit = np.where(np.isinf(dfa), stats.norm.ppf(1 - alpha / 2),
                        stats.t.ppf(1 - alpha / 2, np.where(dfa > 0, dfa, np.nan)))
    return crit


def glm_wald_factors(level: float, df: np.ndarray | float | None) -> tuple[np.ndarray, np.ndarray]:
    """The factors of R's ``confint.svyglm(method="Wald", ddf=df)``: it turns the t level
    into a normal one, ``1 - 2 pnorm(qt(alpha/2, df))``, and takes normal quantiles of
    that (so with 1 degree of freedom the level rounds to 1 and the interval is
    infinite, as in R); NaN for ``df <= 0``.

    >>> [round(float(f), 6) for f in glm_wald_factors(0.95, 10.0)]
    [-2.228139, 2.228139]
    """
    a = (1.0 - level) / 2
    if df is None:
        return np.asarray(stats.norm.ppf(a)), np.asarray(stats.norm.ppf(1 - a))
    dfa = np.asarray(df, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        t = np.where(np.isinf(dfa), stats.norm.ppf(a), stats.t.ppf(a, np.where(dfa > 0, dfa, np.nan)))
        tlevel = 1 - 2 * stats.norm.cdf(t)
        b = (1 - tlevel) / 2
        return stats.norm.ppf(b), stats.norm.ppf(1 - b)


def wald_ci(est: np.ndarray, se: np.ndarray, level: float,
            df: np.ndarray | float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``est -/+ crit * se`` (R's ``confint`` on a ``svystat``)."""
    crit = t_or_normal(level, df)
    return est - crit * se, est + crit * se


def logit_ci(p: np.ndarray, se: np.ndarray, level: float,
             df: np.ndarray | float | None) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="logit")``: Wald on the logit scale, t with ``df``."""
    crit = t_or_normal(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = special.logit(p)
        se_eta = se / (p * (1 - p))
        lo = special.expit(eta - crit * se_eta)
        hi = special.expit(eta + crit * se_eta)
    return lo, hi


def beta_ci(p: np.ndarray, se: np.ndarray, level: float, df: np.ndarray | float,
            n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """R's ``svyciprop(method="beta")``: Korn-Graubard / Clopper-Pearson on the effective n.

    ``n_eff = p (1 - p) / var * (qt(alpha/2, n - 1) / qt(alpha/2, df))^2``.
    """
    alpha = 1.0 - level
    dfa = np.asarray(df, dtype=np.float64)
    na = np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = p * (1 - p) / (se * se)
        num = stats.t.ppf(alpha / 2, np.where(na > 1, na - 1, np.nan))
        den = np.where(np.isinf(dfa), stats.norm.ppf(alpha / 2),
                       stats.t.ppf(alpha / 2, np.where(dfa > 0, dfa, np.nan)))
        n_eff = n_eff * (num / den) ** 2
        lo = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
        hi = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
    lo = np.where(p == 0, 0.0, lo)
    hi = np.where(p == 1, 1.0, hi)
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


def _expit(eta: np.ndarray) -> np.ndarray:
    """R's binomial ``linkinv``: exp(eta) / (1 + exp(eta)), clamped at |eta| > 30."""
    eps = np.finfo(np.float64).eps
    e = np.where(eta < -30, eps, np.where(eta > 30, 1 / eps, np.exp(np.clip(eta, -30, 30))))
    return e / (1 + e)


def _mu_eta(eta: np.ndarray) -> np.ndarray:
    eps = np.finfo(np.float64).eps
    e = np.exp(np.clip(eta, -30, 30))
    return np.where((eta > 30) | (eta < -30), eps, e / ((1 + e) * (1 + e)))


def _binomial_deviance(y: np.ndarray, mu: np.ndarray, wt: np.ndarray, dom: np.ndarray,
                       n_domains: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y != 0, y * np.log(y / mu), 0.0)
        b = np.where(1 - y != 0, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
    return np.bincount(dom, weights=2 * wt * (a + b), minlength=n_domains + 1)[:n_domains]


def glm_logit(y: np.ndarray, wn: np.ndarray, dom: np.ndarray, n_domains: int,
              epsilon: float = 1e-8, maxit: int = 25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An intercept-only quasibinomial fit per domain, step for step as R's ``glm.fit``.

    R's ``svyciprop(method="logit")`` reports ``expit`` of this fit's coefficient, which
    stops when the relative change of the deviance is below ``epsilon`` and so differs
    from the weighted mean by up to about 1e-8. ``y`` is 0/1, ``wn`` the prior weights
    (sampling weights over their mean in the domain), ``dom`` the domain of each row
    (``n_domains`` for rows outside). Returns the coefficients; per row, the factor
    ``working weight * working residual / (wn * (y - mu))`` that R's sandwich uses; and
    per domain the information ``sum(working weights)`` (its inverse is ``cov.unscaled``).
    """
    D = n_domains
    mustart = (wn * y + 0.5) / (wn + 1)
    eta = np.log(mustart / (1 - mustart))
    mu = _expit(eta)
    devold = _binomial_deviance(y, mu, wn, dom, D)
    coef = np.full(D, np.nan)
    active = np.ones(D + 1, dtype=bool)
    active[D] = False
    ratio = np.ones(len(y))
    info = np.full(D, np.nan)
    for _ in range(maxit):  # IRLS iterations (a handful), each vectorised over rows and domains
        rows = active[dom]
        mev = _mu_eta(eta)
        var = mu * (1 - mu)
        z = eta + (y - mu) / mev
        w2 = wn * mev * mev / var
        num = np.bincount(dom, weights=np.where(rows, w2 * z, 0.0), minlength=D + 1)[:D]
        den = np.bincount(dom, weights=np.where(rows, w2, 0.0), minlength=D + 1)[:D]
        new = np.where(active[:D], num / np.where(den > 0, den, 1.0), coef)
        coef = new
        eta_new = np.where(rows, np.append(coef, 0.0)[dom], eta)
        mu_new = _expit(eta_new)
        # R's sandwich mixes the working weights of this iteration with the new residuals.
        ratio = np.where(rows, (mev * mev / var) / _mu_eta(eta_new), ratio)
        info = np.where(active[:D], den, info)
        eta, mu = eta_new, mu_new
        dev = _binomial_deviance(y, mu, wn, dom, D)
        done = np.abs(dev - devold) / (np.abs(dev) + 0.1) < epsilon
        active[:D] &= ~done
        devold = np.where(active[:D], dev, devold)
        if not active.any():
            break
    return coef, ratio, info


def glm_logit_start(p: np.ndarray, start: np.ndarray, epsilon: float = 1e-8,
                    maxit: int = 25) -> np.ndarray:
    """Intercept-only logistic fits started at ``start``, step for step as R's ``glm.fit``
    with ``start=`` and weights summing to one (the replicate refits of ``svyglm``).

    ``p`` (domains x replicates) is each fit's weighted share of ones; ``start`` (one per
    domain) the full-sample coefficient. With one coefficient and a common linear
    predictor, each IRLS step is ``eta + (p - mu) / mu.eta(eta)``; the fit stops when
    the relative change of the deviance ``-2 (p log mu + (1 - p) log(1 - mu))`` is
    below ``epsilon``. Returns the coefficients (domains x replicates).

    >>> glm_logit_start(np.array([[0.25, 0.5]]), np.array([0.0])).round(6).tolist()
    [[-1.098612, 0.0]]
    """
    def deviance(mu: np.ndarray) -> np.ndarray:
        # The rows are 0/1: sum(wt * (y log(y / mu) + ...)) is -(p log mu + (1 - p) log(1 - mu)).
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(p != 0, p * np.log(mu), 0.0)
            b = np.where(1 - p != 0, (1 - p) * np.log(1 - mu), 0.0)
        return -2 * (a + b)

    eta = np.broadcast_to(np.asarray(start, dtype=np.float64)[:, None], p.shape).copy()
    mu = _expit(eta)
    devold = deviance(mu)
    active = np.isfinite(p) & np.isfinite(eta)
    for _ in range(maxit):
        if not active.any():
            break
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            step = eta + (p - mu) / _mu_eta(eta)
        eta = np.where(active, step, eta)
        mu = _expit(eta)
        dev = deviance(mu)
        with np.errstate(invalid="ignore"):
            done = np.abs(dev - devold) / (np.abs(dev) + 0.1) < epsilon
        active &= ~done
        devold = np.where(active, dev, devold)
    return np.where(np.isfinite(p), eta, np.nan)
