"""Domains, variables and per-domain sums: the pieces every estimator is built from.

Private to :mod:`indicators.survey`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast, get_args

import numpy as np
import pandas as pd

from .._codes import CODES, error, problem
from ..errors import DataError, DesignError
from ..i18n import message
from ._core import (
    PairIndex,
)

LonelyPSU = Literal["fail", "remove", "adjust", "certainty", "average"]
CIMethod = Literal["wald", "wald_t", "logit", "beta", "mean", "asin", "xlogit", "likelihood"]
ReplicateType = Literal["JK1", "JKn", "BRR", "Fay", "bootstrap", "successive-difference", "other"]
LONELY_PSU: tuple[str, ...] = get_args(LonelyPSU)
CI_METHODS: tuple[str, ...] = get_args(CIMethod)
REPLICATE_TYPES: tuple[str, ...] = get_args(ReplicateType)
_MAX_LISTED = 10
#: Stands for "a column of ones" (the denominator of a mean: ones where usable).
_ONES = np.ones(0)
#: ``by`` groupings, column codes and variable facts kept on a design (least recently used
#: dropped first).
_CACHE_SIZE = 4
_COLUMN_CACHE_SIZE = 8
_VARIABLE_CACHE_SIZE = 64
_NO_ROWS = np.zeros(0, dtype=np.int64)


def _rows_text(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:_MAX_LISTED])
    more = len(rows) - _MAX_LISTED
    return shown + (f" (+{more})" if more > 0 else "")


def _design_error(code: str, lang: str, problems: list[dict[str, Any]] | None = None,
                  **values: Any) -> DesignError:
    text = message(CODES[code].key, lang, **values)
    fields = [{}] if problems is None else problems
    rows = [problem(code, lang, message=text, **{**values, **p}) for p in fields]
    return cast(DesignError, error(code, lang, rows=rows, message=text))


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    """Column names as a list: one name, or several (a name that is not text is shown as text)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, bytes | bytearray) or not isinstance(value, Iterable):
        return [str(value)]
    return [str(v) for v in value]


def _numeric(data: pd.DataFrame, column: str, lang: str, func: str) -> np.ndarray:
    """A column as float64 with NaN for missing; DataError if it is not numeric."""
    series = data[column]
    if series.dtype == np.float64:
        return series.to_numpy()
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(series.dtype):
        converted = pd.to_numeric(series, errors="coerce")
        bad = np.flatnonzero(converted.isna().to_numpy() & series.notna().to_numpy())
        if len(bad):
            text = message("survey.data.not_numeric", lang, column=column, func=func,
                           rows=_rows_text(bad + 1), value=repr(series.iloc[bad[0]]))
            raise DataError(text, problems=[problem("survey.data.not_numeric", lang, message=text, row=int(r) + 1,
                                                    column=column, value=repr(series.iloc[r]),
                                                    expected="a number") for r in bad[:1000]])
        series = converted
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


class _Domains:
    """Domains of one ``by``: their values, each row's domain, and (for linearisation)
    the pair index. Each row's domain is computed when first needed."""

    def __init__(self, by: tuple[str, ...], values: list[Any], n_domains: int, *,
                 dom: np.ndarray | None = None, dom_fn: Any = None, all_in: bool = True,
                 outside_rows: int = 0) -> None:
        self.by = by
        self.values = values
        self.n_domains = n_domains
        self.all_in = all_in
        self.outside_rows = outside_rows
        self._dom = dom
        self._dom_fn = dom_fn
        self._ext: np.ndarray | None = None
        self.pairs: PairIndex | None = None
        self.stage_pairs: list[PairIndex] = []  # units of the later stages (multistage designs)
        self._counts: np.ndarray | None = None
        self._wsums: np.ndarray | None = None
        self.sw_pair: np.ndarray | None = None
        self.n_pair: np.ndarray | None = None

    @property
    def dom(self) -> np.ndarray:
        """Each row's domain (-1 outside every domain)."""
        if self._dom is None:
            self._dom = self._dom_fn()
        return self._dom

    @property
    def ext(self) -> np.ndarray:
        """Each row's domain, ``n_domains`` outside every domain."""
        if self._ext is None:
            dom = self.dom
            self._ext = dom if self.all_in else np.where(dom >= 0, dom, self.n_domains)
        return self._ext

    @property
    def inside(self) -> np.ndarray:
        """Rows inside some domain."""
        return self.dom >= 0

    def set_counts(self, counts: np.ndarray) -> None:
        """Rows per domain, when known otherwise."""
        self._counts = counts

    def set_weight_sums(self, sums: np.ndarray) -> None:
        """Sum of weights per domain, when known otherwise."""
        self._wsums = sums

    def counts(self) -> np.ndarray:
        """Rows per domain."""
        if self._counts is None:
            self._counts = np.bincount(self.ext, minlength=self.n_domains + 1)[: self.n_domains]
        return self._counts

    def weight_sums(self, w: np.ndarray) -> np.ndarray:
        """Sum of weights per domain."""
        if self._wsums is None:
            self._wsums = np.bincount(self.ext, weights=w, minlength=self.n_domains + 1)[: self.n_domains]
        return self._wsums

    def outside(self, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Count (or sum ``weights`` over) ``rows`` by domain."""
        if not len(rows):
            return np.zeros(self.n_domains)
        return np.bincount(self.ext[rows], weights=None if weights is None else weights[rows],
                           minlength=self.n_domains + 1)[: self.n_domains]


class _Var:
    """One variable of an estimator call, ready for the sums.

    ``y0`` is the variable with 0 where unusable; ``x0`` the denominator (None for a
    total, ``_ONES`` for a mean: one on every usable row); ``missing`` the sorted rows
    that are unusable (the variable, or the denominator, is missing), ``w_missing``
    their weights when known.
    """

    __slots__ = ("missing", "w_missing", "x0", "y0")

    def __init__(self, y0: np.ndarray, x0: np.ndarray | None, missing: np.ndarray,
                 w_missing: np.ndarray | None = None) -> None:
        self.y0, self.x0, self.missing, self.w_missing = y0, x0, missing, w_missing

    def d_ext(self, ctx: _Domains) -> np.ndarray:
        """Each row's domain, ``n_domains`` for rows outside or unusable."""
        if not len(self.missing):
            return ctx.ext
        d = ctx.ext.copy()
        d[self.missing] = ctx.n_domains
        return d

    def usable(self, ctx: _Domains) -> np.ndarray:
        """Rows inside a domain with a usable value."""
        ok = ctx.dom >= 0
        if len(self.missing):
            ok = ok.copy()
            ok[self.missing] = False
        return ok

    def x_array(self, n: int) -> np.ndarray | None:
        """The denominator as an array (ones on usable rows for a mean)."""
        if self.x0 is not _ONES:
            return self.x0
        x = np.ones(n)
        x[self.missing] = 0.0
        return x


def _zero_at(values: np.ndarray, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``values`` with zeros at ``rows`` (a copy, into ``out`` if given, when there is any)."""
    if not len(rows):
        return values
    if out is None:
        out = values.copy()
    else:
        np.copyto(out, values)
    out[rows] = 0.0
    return out


#: One variable's results: label, estimate, se, ci_low, ci_high, deff, n (one per domain).
_Row = tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class _Sums:
    """What an estimator needs per domain: the estimate, its variance, the denominator
    ``X`` (``Y`` for a total), the numerator total ``Y``, and the unusable rows taken
    off each domain (their number and their weights)."""

    __slots__ = ("den", "est", "lost", "lost_w", "total", "var")

    def __init__(self, est: np.ndarray, var: np.ndarray, den: np.ndarray, total: np.ndarray,
                 lost: np.ndarray, lost_w: np.ndarray) -> None:
        self.est, self.var, self.den, self.total = est, var, den, total
        self.lost, self.lost_w = lost, lost_w


def _option_error(code: str, lang: str, name: str, value: Any, **values: Any) -> Exception:
    """The OptionError of ``code`` about parameter ``name``."""
    return error(code, lang, field=name, value=repr(value), **values)
