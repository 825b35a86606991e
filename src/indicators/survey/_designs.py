"""Design-based estimation from survey microdata, as R's ``survey`` package computes it.

Two designs share the same estimators and the same result type:

* :class:`SurveyDesign`: stratified cluster designs, with-replacement first stage
  ("ultimate cluster"), Taylor linearisation, optional finite population correction,
  lonely-PSU options with R's meaning (``fail``, ``remove``, ``adjust``,
  ``certainty``, ``average``).
* :class:`ReplicateDesign`: replicate-weight columns (JK1, JKn, BRR, Fay, bootstrap,
  successive difference), with R's scale factors and ``mse`` option.

Estimators: :meth:`~SurveyDesign.mean`, :meth:`~SurveyDesign.proportion`,
:meth:`~SurveyDesign.total`, :meth:`~SurveyDesign.ratio`,
:meth:`~SurveyDesign.quantile`, each for one or several variables, by one or several
domain variables, returning :class:`Estimates`. A missing value makes its row leave
the domain, never the design: every PSU stays in the variance (R's ``na.rm=TRUE`` and
``subset()``).

>>> import pandas as pd
>>> from indicators import SurveyDesign
>>> micro = pd.DataFrame({"y": [1, 0, 1, 1, 0, 1], "g": ["a", "a", "b", "b", "a", "b"],
...                       "w": [10.0, 20, 10, 10, 20, 10], "h": [1, 1, 1, 2, 2, 2],
...                       "c": [1, 1, 2, 3, 4, 4]})
>>> design = SurveyDesign(micro, weights="w", strata="h", psu="c")
>>> design.proportion("y", by="g").to_frame()[["variable", "g", "estimate", "n"]]
  variable  g  estimate  n
0        y  a       0.2  3
1        y  b       1.0  3
"""

from __future__ import annotations

import re
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from . import _replicate as _rep
from ._estimates import FLAGS, Estimates, _check_limits, flag_label, quality_flags
from ._core import (
    PairIndex,
    StrataInfo,
    beta_ci,
    combine_cells,
    domain_degf,
    domain_values,
    factorize,
    glm_logit,
    logit_ci,
    psu_codes,
    ratio_variance,
    stratified_variance,
    t_or_normal,
    wald_ci,
    weighted_quantile,
)
from ..errors import DataError, DefinitionError, DesignError
from ..i18n import check_lang, check_option, message

__all__ = [
    "FLAGS",
    "CIMethod",
    "Estimates",
    "LonelyPSU",
    "ReplicateDesign",
    "ReplicateType",
    "SurveyDesign",
    "flag_label",
    "quality_flags",
    "read_design",
]

LonelyPSU = Literal["fail", "remove", "adjust", "certainty", "average"]
CIMethod = Literal["wald", "wald_t", "logit", "beta"]
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
    text = message(code, lang, **values)
    probs = problems if problems is not None else [{"code": code, "message": text}]
    for p in probs:
        p.setdefault("code", code)
        p.setdefault("message", text)
    return DesignError(text, problems=probs)


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
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
            raise DataError(text, problems=[{"code": "survey.data.not_numeric", "row": int(r) + 1,
                                             "column": column, "value": repr(series.iloc[r]),
                                             "expected": "a number", "message": text}
                                            for r in bad[:1000]])
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


class _Design:
    """What both designs share: data, weights, domains and the estimators."""

    _kind: str = ""

    def __init__(self, data: pd.DataFrame, weights: str, lang: str) -> None:
        self.lang = check_lang(lang, type(self).__name__)
        if not isinstance(data, pd.DataFrame):
            raise _design_error("survey.design.not_frame", self.lang, got=type(data).__name__)
        self.data = data.copy(deep=False)
        self.n_rows = len(data)
        if self.n_rows == 0:
            raise _design_error("survey.design.empty", self.lang)
        self.weights = weights
        self._w = self._weights(weights)
        # Read once, kept on the design: domain codes per ``by``, codes per column, and
        # per variable its missing rows and whether it is 0/1. The design's data are its
        # own (a copy-on-write view), so they cannot change under these caches.
        self._cache: OrderedDict[tuple[str, ...], _Domains] = OrderedDict()
        self._column_codes: OrderedDict[str, tuple[np.ndarray, Any, bool]] = OrderedDict()
        self._variable_facts: OrderedDict[str, tuple[np.ndarray, np.ndarray, bool | None]] = OrderedDict()
        self._indptr: np.ndarray | None = None

    @classmethod
    def from_yaml(cls, path: str | Path, data: pd.DataFrame, *, lang: str = "en") -> Any:
        """Build the design from a YAML file (see :func:`read_design`)."""
        design = read_design(path, data, lang=lang)
        if cls is not _Design and not isinstance(design, cls):
            raise DefinitionError(message("survey.yaml.kind", lang, file=str(path),
                                          expected=cls.__name__))
        return design

    def _derive(self, columns: Mapping[str, np.ndarray]) -> Any:
        """The same design over the same rows with extra (derived) columns.

        Shares the checked design and the domain codes already computed; used to
        estimate expressions and universes without rebuilding the design.
        """
        import copy

        clone = copy.copy(self)
        clone.data = self.data.assign(**{k: np.asarray(v) for k, v in columns.items()})
        # The clone gets caches of its own, without anything read from a replaced column.
        new = set(columns)
        clone._cache = OrderedDict((k, v) for k, v in self._cache.items() if not new & set(k))
        clone._column_codes = OrderedDict((k, v) for k, v in self._column_codes.items()
                                          if k not in new)
        clone._variable_facts = OrderedDict((k, v) for k, v in self._variable_facts.items()
                                            if k not in new)
        return clone

    # -- construction helpers -------------------------------------------------------------
    def _require(self, columns: Sequence[str | None], func: str) -> None:
        missing = [c for c in columns if c is not None and c not in self.data.columns]
        if missing:
            raise _design_error(
                "survey.design.missing_column", self.lang,
                problems=[{"column": c, "expected": "a column of the microdata"} for c in missing],
                columns=", ".join(repr(c) for c in missing), func=func,
                available=", ".join(map(str, list(self.data.columns)[:30])))

    def _weights(self, column: str) -> np.ndarray:
        self._require([column], type(self).__name__)
        try:
            w = _numeric(self.data, column, self.lang, type(self).__name__)
        except DataError as exc:
            raise DesignError(exc.message, problems=exc.problems) from None
        ok = bool(w.min() > 0) and bool(np.isfinite(w.max()))  # a NaN fails the first
        bad = np.zeros(0, dtype=np.int64) if ok else np.flatnonzero(~(w > 0) | ~np.isfinite(w))
        if len(bad):
            raise _design_error(
                "survey.design.bad_weights", self.lang,
                problems=[{"row": int(r) + 1, "column": column, "value": repr(w[r]),
                           "expected": "a positive number"} for r in bad[:1000]],
                column=column, count=len(bad), rows=_rows_text(bad + 1))
        return np.array(w, dtype=np.float64)  # the design's own contiguous copy

    def _codes(self, column: str, role: str) -> tuple[np.ndarray, Any]:
        self._require([column], type(self).__name__)
        series = self.data[column]
        codes, values = factorize(series)
        if not (isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub"):
            missing = np.flatnonzero(codes < 0)  # numpy integers cannot be missing
            if len(missing):
                raise _design_error(
                    "survey.design.missing_code", self.lang,
                    problems=[{"row": int(r) + 1, "column": column, "value": "NA",
                               "expected": f"a {role} code"} for r in missing[:1000]],
                    column=column, role=role, count=len(missing), rows=_rows_text(missing + 1))
        return codes, values

    # -- domains ------------------------------------------------------------------------------
    def _column(self, name: str) -> tuple[np.ndarray, Any, bool]:
        """Sorted codes (-1 for missing) and values of one ``by`` column, and whether a
        value is missing; kept on the design."""
        if name in self._column_codes:
            self._column_codes.move_to_end(name)
            return self._column_codes[name]
        series = self.data[name]
        codes, values = factorize(series)
        if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iub":
            has_missing = False
        else:
            has_missing = bool((codes < 0).any())
        self._column_codes[name] = (codes, values, has_missing)
        while len(self._column_codes) > _COLUMN_CACHE_SIZE:
            self._column_codes.popitem(last=False)
        return self._column_codes[name]

    def _domains(self, by: str | Sequence[str] | None) -> _Domains:
        names = tuple(_as_list(by))
        if names in self._cache:
            self._cache.move_to_end(names)
            return self._cache[names]
        columns = []
        if names:
            self._require(list(names), "by")
            columns = [self._column(c) for c in names]
        ctx = self._make_domains(names, columns)
        if ctx.outside_rows:
            warnings.warn(message("survey.by.missing", self.lang, count=ctx.outside_rows,
                                  columns=", ".join(names)), stacklevel=4)
        self._cache[names] = ctx
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return ctx

    def _make_domains(self, names: tuple[str, ...],
                      columns: list[tuple[np.ndarray, Any, bool]]) -> _Domains:
        """The domains of one ``by`` (``columns``: codes, values and missing flag of its
        columns), with whatever the design needs once per ``by``."""
        if not columns:
            return _Domains(names, [], 1, dom=np.zeros(self.n_rows, dtype=np.int64))
        flags = [flag for _, _, flag in columns]
        dom, values, _ = combine_cells([(codes, v) for codes, v, _ in columns], flags)
        outside = int((dom < 0).sum()) if any(flags) else 0
        return _Domains(names, values, len(values[0]), dom=dom, all_in=outside == 0,
                        outside_rows=outside)

    def _missing(self, name: str, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows where ``name`` is missing (sorted) and their weights, kept on the design."""
        facts = self._variable_facts.get(name)
        if facts is None:
            missing = np.flatnonzero(np.isnan(y))
            facts = (missing, self._w[missing], None)
            self._remember(name, facts)
        else:
            self._variable_facts.move_to_end(name)
        return facts[0], facts[1]

    def _is_binary(self, name: str, y0: np.ndarray) -> bool:
        """Whether every usable value of ``name`` is 0 or 1 (``y0``: 0 where missing)."""
        facts = self._variable_facts.get(name)
        if facts is not None and facts[2] is not None:
            return facts[2]
        binary = np.count_nonzero(y0 == 0.0) + np.count_nonzero(y0 == 1.0) == len(y0)
        if facts is not None:
            self._remember(name, (facts[0], facts[1], binary))
        return binary

    def _remember(self, name: str, facts: tuple[np.ndarray, np.ndarray, bool | None]) -> None:
        self._variable_facts[name] = facts
        self._variable_facts.move_to_end(name)
        while len(self._variable_facts) > _VARIABLE_CACHE_SIZE:
            self._variable_facts.popitem(last=False)

    # -- hooks ----------------------------------------------------------------------------------
    def _estimate_var(self, ctx: _Domains, v: _Var) -> _Sums:
        """Estimate, variance and the sums behind them, per domain."""
        raise NotImplementedError

    def _degf(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        """Degrees of freedom per domain, ``missing`` the rows left out."""
        raise NotImplementedError

    def _logit(self, ctx: _Domains, est: np.ndarray, se: np.ndarray, v: _Var, level: float,
               df: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Logit interval by the delta method: Wald on logit(p), t with ``df``."""
        lo, hi = logit_ci(est, se, level, df)
        return est, lo, hi

    def degf(self) -> float:
        """The design's degrees of freedom (R's ``degf``)."""
        raise NotImplementedError

    def summary(self) -> dict[str, Any]:
        """A short description of the design, recorded in every result."""
        raise NotImplementedError

    @property
    def method(self) -> str:
        raise NotImplementedError

    # -- the estimators ------------------------------------------------------------------------
    def _check_common(self, func: str, level: float, cv_limits: tuple[float, float], min_n: int,
                      na_rm: bool) -> tuple[float, float]:
        if not isinstance(level, (int, float)) or isinstance(level, bool) or not 0 < level < 1:
            text = message("survey.option.level", self.lang, func=func, got=repr(level))
            raise _option_error(text, "level", level)
        check_option(func, "na_rm", na_rm, [True, False], self.lang)
        return _check_limits(cv_limits, min_n)

    def _variables(self, variables: str | Sequence[str], func: str) -> list[str]:
        names = _as_list(variables)
        if not names:
            text = message("survey.option.no_variables", self.lang, func=func)
            raise _option_error(text, "variables", variables)
        self._require(names, func)
        return names

    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
             na_rm: bool = True, level: float = 0.95, ci_method: CIMethod = "wald",
             deff: bool = True, cv_limits: tuple[float, float] = (0.15, 0.30),
             min_n: int = 0) -> Estimates:
        """Weighted means of ``variables`` (R's ``svymean``/``svyby(..., svymean)``).

        ``ci_method``: ``wald`` (normal, as R's ``confint``), ``wald_t`` (t on the
        domain's degrees of freedom), or for 0/1 variables ``logit`` and ``beta``.
        """
        check_option("mean", "ci_method", ci_method, CI_METHODS, self.lang)
        return self._linear("mean", self._variables(variables, "mean"), None, by, na_rm, level,
                            ci_method, deff, cv_limits, min_n)

    def proportion(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                   na_rm: bool = True, level: float = 0.95, ci_method: CIMethod = "logit",
                   deff: bool = True, cv_limits: tuple[float, float] = (0.15, 0.30),
                   min_n: int = 0) -> Estimates:
        """Proportions of 0/1 (or boolean) ``variables``, with R's ``svyciprop`` intervals.

        ``ci_method``: ``logit`` (default; t with the domain's degrees of freedom),
        ``beta`` (Korn-Graubard), ``wald`` or ``wald_t``.
        """
        check_option("proportion", "ci_method", ci_method, CI_METHODS, self.lang)
        return self._linear("proportion", self._variables(variables, "proportion"), None, by,
                            na_rm, level, ci_method, deff, cv_limits, min_n)

    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
              na_rm: bool = True, level: float = 0.95, ci_method: Literal["wald", "wald_t"] = "wald",
              deff: bool = True, cv_limits: tuple[float, float] = (0.15, 0.30),
              min_n: int = 0) -> Estimates:
        """Weighted totals of ``variables`` (R's ``svytotal``)."""
        check_option("total", "ci_method", ci_method, ("wald", "wald_t"), self.lang)
        return self._linear("total", self._variables(variables, "total"), None, by, na_rm, level,
                            ci_method, deff, cv_limits, min_n)

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, na_rm: bool = True, level: float = 0.95,
              ci_method: Literal["wald", "wald_t"] = "wald", deff: bool = True,
              cv_limits: tuple[float, float] = (0.15, 0.30), min_n: int = 0) -> Estimates:
        """Ratios of weighted totals, ``sum(w * num) / sum(w * den)`` (R's ``svyratio``).

        Several numerators and denominators pair up one to one (or one denominator for
        all). A row missing either leaves the domain. The variable is named ``num/den``.
        """
        check_option("ratio", "ci_method", ci_method, ("wald", "wald_t"), self.lang)
        nums = self._variables(numerator, "ratio")
        dens = self._variables(denominator, "ratio")
        if len(dens) == 1:
            dens = dens * len(nums)
        if len(dens) != len(nums):
            text = message("survey.option.ratio_pairs", self.lang, n=len(nums), d=len(dens))
            raise _option_error(text, "denominator", denominator)
        return self._linear("ratio", nums, dens, by, na_rm, level, ci_method, deff, cv_limits, min_n)

    def quantile(self, variables: str | Sequence[str], q: float | Sequence[float] = 0.5,
                 by: str | Sequence[str] | None = None, *, na_rm: bool = True, level: float = 0.95,
                 cv_limits: tuple[float, float] = (0.15, 0.30), min_n: int = 0) -> Estimates:
        """Weighted quantiles with Woodruff intervals (R's ``svyquantile`` defaults).

        The quantile is R's ``qrule="math"`` (the smallest value whose weighted
        distribution function reaches ``q``); the interval inverts the Wald interval
        (t on the domain's degrees of freedom) of the share below the estimated
        quantile, R's ``interval.type="mean"``; ``se`` is its width over ``2 t``.
        """
        limits = self._check_common("quantile", level, cv_limits, min_n, na_rm)
        names = self._variables(variables, "quantile")
        probs = [q] if isinstance(q, (int, float)) else list(q)
        for p in probs:
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
                text = message("survey.option.q", self.lang, got=repr(q))
                raise _option_error(text, "q", q)
        ctx = self._domains(by)
        D = ctx.n_domains
        w = self._w
        rows: list[_Row] = []
        for name in names:
            y = _numeric(self.data, name, self.lang, "quantile")
            missing, w_missing = self._missing(name, y)
            lost = ctx.outside(missing)
            n = ctx.counts() - lost
            bad = lost > 0 if not na_rm else np.zeros(D, dtype=bool)
            df = self._degf(ctx, missing)
            crit = t_or_normal(level, df)
            y0 = _zero_at(y, missing)
            usable = _Var(y0, _ONES, missing).usable(ctx)
            dom_u = np.where(usable, ctx.dom, -1)
            for p in probs:
                qhat = weighted_quantile(y0, w, dom_u, D, np.full(D, float(p)))
                below = (usable & (y0 <= qhat[np.maximum(dom_u, 0)])).astype(np.float64)
                part = self._estimate_var(ctx, _Var(below, _ONES, missing, w_missing))
                pest, pse = part.est, np.sqrt(part.var)
                lo_p, hi_p = pest - crit * pse, pest + crit * pse
                lo = weighted_quantile(y0, w, dom_u, D, np.where(lo_p < 0, np.nan, lo_p))
                hi = weighted_quantile(y0, w, dom_u, D, np.where(hi_p > 1, np.nan, hi_p))
                se = (hi - lo) / (2 * crit)
                label = name if len(probs) == 1 else f"{name}@{p:g}"
                rows.append((label, *(np.where(bad, np.nan, a) for a in (qhat, se, lo, hi)),
                             np.full(D, np.nan), n))
        return self._result("quantile", ctx, rows, level, "woodruff", na_rm, limits, min_n,
                            extra={"q": probs, "qrule": "math", "interval": "woodruff (R interval.type='mean')"})

    # -- shared machinery -------------------------------------------------------------------------
    def _linear(self, statistic: str, names: list[str], dens: list[str] | None,
                by: str | Sequence[str] | None, na_rm: bool, level: float, ci_method: str,
                deff: bool, cv_limits: tuple[float, float], min_n: int) -> Estimates:
        limits = self._check_common(statistic, level, cv_limits, min_n, na_rm)
        check_option(statistic, "deff", deff, [True, False], self.lang)
        ctx = self._domains(by)
        D = ctx.n_domains
        rows: list[_Row] = []
        buffers: dict[str, np.ndarray] = {}  # reused from one variable to the next

        def buffer(key: str) -> np.ndarray:
            if key not in buffers:
                buffers[key] = np.empty(self.n_rows)
            return buffers[key]

        for i, name in enumerate(names):
            y = _numeric(self.data, name, self.lang, statistic)
            missing, known_w = self._missing(name, y)
            w_missing: np.ndarray | None = known_w
            x = None
            if dens is not None:
                x = _numeric(self.data, dens[i], self.lang, statistic)
                missing = np.union1d(missing, self._missing(dens[i], x)[0])
                w_missing = None
            y0 = _zero_at(y, missing, buffer("y") if len(missing) else None)
            binary = statistic == "proportion" or ci_method in ("logit", "beta")
            if binary:
                self._check_binary(name, y, y0, statistic)
            x0: np.ndarray | None
            if statistic == "total":
                x0 = None
            elif x is None:
                x0 = _ONES
            else:
                x0 = _zero_at(x, missing, buffer("x") if len(missing) else None)
            v = _Var(y0, x0, missing, w_missing)
            sums = self._estimate_var(ctx, v)
            est, var = sums.est, sums.var
            n = ctx.counts() - sums.lost
            with np.errstate(invalid="ignore", divide="ignore"):
                se = np.sqrt(var)
            df = self._degf(ctx, missing) if ci_method in ("wald_t", "logit", "beta") else None
            if ci_method == "logit":
                est, lo, hi = self._logit(ctx, est, se, v, level, df)
            elif ci_method == "beta":
                lo, hi = beta_ci(est, se, level, df, n)  # type: ignore[arg-type]
            else:
                lo, hi = wald_ci(est, se, level, df)
            if deff:
                binary = statistic == "proportion" or (
                    statistic != "ratio" and self._is_binary(name, y0))
                d_eff = self._deff(ctx, statistic, v, n, sums, est, binary)
            else:
                d_eff = np.full(D, np.nan)
            if not na_rm and len(missing):
                bad = sums.lost > 0
                est, se, lo, hi, d_eff = (np.where(bad, np.nan, a) for a in (est, se, lo, hi, d_eff))
            label = name if dens is None else f"{name}/{dens[i]}"
            rows.append((label, est, se, lo, hi, d_eff, n))
        return self._result(statistic, ctx, rows, level, ci_method, na_rm, limits, min_n,
                            extra={"deff": deff})

    def _check_binary(self, name: str, y: np.ndarray, y0: np.ndarray, func: str) -> None:
        if self._is_binary(name, y0):
            return
        bad = np.flatnonzero(~np.isnan(y) & (y != 0) & (y != 1))
        text = message("survey.data.not_binary", self.lang, column=name, func=func,
                       rows=_rows_text(bad + 1), value=repr(y[bad[0]]))
        raise DataError(text, problems=[{"code": "survey.data.not_binary", "row": int(r) + 1,
                                         "column": name, "value": repr(y[r]),
                                         "expected": "0, 1 or missing", "message": text}
                                        for r in bad[:1000]])

    def _deff(self, ctx: _Domains, statistic: str, v: _Var, n: np.ndarray, sums: _Sums,
              est: np.ndarray, binary: bool) -> np.ndarray:
        """R's ``deff=TRUE``: the variance over that of a simple random sample without
        replacement of the same size, ``s2 * (N - n) / (N n)`` (times ``N^2`` for totals),
        with ``s2 = n / (n - 1) * sum(w (y - ybar)^2) / N`` over the domain's usable rows.

        ``est`` is the reported estimate (with a logit interval, the fit's, as before).
        Unusable rows hold 0 in ``v.y0`` and ``v.x0``, so sums over each row's domain
        need no other mask; the weights of the unusable rows are taken off the domain's.
        """
        D = len(n)
        w = self._w
        var, den, lost_w = sums.var, sums.den, sums.lost_w
        if statistic == "ratio":
            ext = ctx.ext
            x0 = v.x0
            assert x0 is not None
            wsum = ctx.weight_sums(w) - lost_w
            with np.errstate(invalid="ignore", divide="ignore"):
                resid = (v.y0 - np.append(est, 0.0)[ext] * x0) / np.append(den, 1.0)[ext]
            ss = np.bincount(ext, weights=w * resid * resid, minlength=D + 1)[:D]
        else:
            syy = sums.total if binary else np.bincount(ctx.ext, weights=w * v.y0 * v.y0,
                                                   minlength=D + 1)[:D]
            if statistic == "total":
                wsum = ctx.weight_sums(w) - lost_w
                with np.errstate(invalid="ignore", divide="ignore"):
                    ybar = est / wsum
            else:
                wsum, ybar = den, est
            ss = syy - ybar * ybar * wsum
            # A variable constant in the domain leaves only rounding here: its spread is 0.
            ss = np.where(np.abs(ss) <= 1e-13 * np.abs(syy), 0.0, ss)
        with np.errstate(invalid="ignore", divide="ignore"):
            s2 = n / (n - 1) * ss / wsum
            vsrs = s2 * (wsum - n) / (wsum * n)
            if statistic in ("total", "ratio"):
                vsrs = vsrs * wsum * wsum
            d_eff = var / vsrs
        if statistic in ("mean", "proportion"):
            # Constant variable: the estimate has no variance either; R's 0 / 0.
            d_eff = np.where(ss == 0, np.nan, d_eff)
        return d_eff

    def _result(self, statistic: str, ctx: _Domains, rows: list[_Row],
                level: float, ci_method: str, na_rm: bool, limits: tuple[float, float], min_n: int,
                extra: Mapping[str, Any]) -> Estimates:
        """One table for all variables: ``rows`` holds (label, estimate, se, ci_low,
        ci_high, deff, n) per variable, each array one value per domain."""
        D = ctx.n_domains
        est, se, lo, hi, d_eff, n = (np.concatenate([r[i] for r in rows]) for i in range(1, 7))
        with np.errstate(invalid="ignore", divide="ignore"):
            cv = se / np.abs(est)
        empty = n == 0
        est, se, lo, hi, cv, d_eff = (np.where(empty, np.nan, a) for a in (est, se, lo, hi, cv, d_eff))
        labels = np.array([r[0] for r in rows], dtype=object)
        cols: dict[str, Any] = {"variable": pd.array(np.repeat(labels, D), dtype="string")}
        where = np.tile(np.arange(D), len(rows))
        for name, values in zip(ctx.by, ctx.values):
            cols[name] = pd.Series(values.take(where) if len(values) else values)
        cols.update({"estimate": est, "se": se, "ci_low": lo, "ci_high": hi, "cv": cv,
                     "deff": d_eff, "n": n.astype(np.int64),
                     "flag": pd.array(quality_flags(cv, n, limits, min_n), dtype="string")})
        table = pd.DataFrame(cols)
        options = {"na_rm": na_rm, "ci_method": ci_method, "cv_limits": limits, "min_n": min_n,
                   **extra}
        return Estimates(table=table, statistic=statistic, by=ctx.by, level=float(level),
                         method=self.method, design=self.summary(), options=options)


def _option_error(text: str, name: str, value: Any) -> Exception:
    from ..errors import OptionError

    return OptionError(text, problems=[{"code": "survey.option", "field": name,
                                        "value": repr(value), "message": text}])


class SurveyDesign(_Design):
    """A stratified cluster design, with-replacement first stage, Taylor linearisation.

    Parameters
    ----------
    data:
        The microdata, one row per respondent.
    weights:
        Column of sampling weights (positive; a missing or non-positive weight is an error).
    strata:
        Column of strata (``None``: one stratum).
    psu:
        Column of primary sampling units (``None``: each row is its own PSU).
    fpc:
        Column of the finite population correction, constant within strata: either the
        number of PSUs in the stratum's population (all values > 1) or the first-stage
        sampling fraction (all values <= 1), as R's ``svydesign(fpc=)``.
    lonely_psu:
        Strata with a single PSU, as R's ``survey.lonely.psu``: ``fail`` (an error naming
        them), ``remove`` and ``certainty`` (no contribution to the variance),
        ``adjust`` (the PSU total is squared, not centred), ``average`` (the average
        variance contribution of the other strata).
    nest:
        PSU codes are only unique within strata (R's ``nest=TRUE``). With ``False``, a
        PSU code found in two strata is an error.
    lang:
        Language of the messages (``en``, ``es``).

    >>> import pandas as pd
    >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "h": [1, 1, 2, 2], "c": [1, 2, 1, 2],
    ...                       "y": [1.0, 2, 3, 4]})
    >>> SurveyDesign(micro, weights="w", strata="h", psu="c").degf()
    2
    """

    _kind = "taylor"

    def __init__(self, data: pd.DataFrame, weights: str, strata: str | None = None,
                 psu: str | None = None, fpc: str | None = None, lonely_psu: LonelyPSU = "fail",
                 nest: bool = True, *, lang: str = "en") -> None:
        check_option("SurveyDesign", "lonely_psu", lonely_psu, LONELY_PSU, lang if lang in ("en", "es") else "en")
        check_option("SurveyDesign", "nest", nest, [True, False])
        super().__init__(data, weights, lang)
        self.strata, self.psu, self.fpc = strata, psu, fpc
        self.lonely_psu: str = lonely_psu
        self.nest = bool(nest)
        n = self.n_rows
        if strata is not None:
            h, h_values = self._codes(strata, "stratum")
        else:
            h, h_values = np.zeros(n, dtype=np.int64), pd.Index(["(all)"])
        if psu is not None:
            c_raw, psu_values = self._codes(psu, "PSU")
            if not self.nest and strata is not None:
                self._check_not_nested(c_raw, h, psu, psu_values, h_values)
            c = psu_codes(h, len(h_values), c_raw, len(psu_values))
        else:
            c = psu_codes(h, len(h_values), None, n)  # each row its own PSU
        C = int(c.max()) + 1
        psu_stratum = np.zeros(C, dtype=np.int64)
        psu_stratum[c] = h
        H = len(h_values)
        n_psu = np.bincount(psu_stratum, minlength=H)
        f = self._fpc(fpc, h, n_psu, h_values) if fpc is not None else np.ones(H)
        self._c = c
        self._h_values = h_values
        self._strata = StrataInfo(n_psu=n_psu, f=f, psu_stratum=psu_stratum, lonely_psu=lonely_psu)
        lonely = np.flatnonzero((n_psu == 1) & ~(f < 1e-7))
        self.lonely_strata: tuple[Any, ...] = tuple(h_values[i] for i in lonely)
        if len(lonely) and lonely_psu == "fail":
            names = ", ".join(str(s) for s in self.lonely_strata[:_MAX_LISTED])
            more = len(lonely) - _MAX_LISTED
            raise _design_error(
                "survey.design.lonely_psu", self.lang,
                problems=[{"column": strata, "value": str(s), "expected": "two or more PSUs"}
                          for s in self.lonely_strata],
                count=len(lonely), strata=names + (f" (+{more})" if more > 0 else ""),
                column=strata)

    def _check_not_nested(self, c_raw: np.ndarray, h: np.ndarray, psu: str, psu_values: Any,
                           h_values: Any) -> None:
        """With ``nest=False`` a PSU code must belong to one stratum only."""
        owner = np.full(len(psu_values), -1, dtype=np.int64)
        owner[c_raw] = h
        if np.array_equal(owner[c_raw], h):
            return
        pairs = np.unique(np.stack([c_raw, h], axis=1), axis=0)
        per_psu = np.bincount(pairs[:, 0])
        repeated = np.flatnonzero(per_psu > 1)
        if not len(repeated):
            return
        problems = []
        for r in repeated[:_MAX_LISTED]:  # only the first few PSUs are spelled out
            strata_of = pairs[pairs[:, 0] == r, 1]
            problems.append({"column": psu, "value": str(psu_values[r]),
                             "expected": "a PSU code used in one stratum only",
                             "field": ", ".join(str(h_values[s]) for s in strata_of)})
        listed = "; ".join(f"{p['value']} ({p['field']})" for p in problems)
        raise _design_error("survey.design.psu_not_nested", self.lang, problems=problems,
                            count=len(repeated), column=psu, psus=listed)

    def _fpc(self, column: str, h: np.ndarray, n_psu: np.ndarray, h_values: Any) -> np.ndarray:
        self._require([column], "SurveyDesign")
        try:
            v = _numeric(self.data, column, self.lang, "SurveyDesign")
        except DataError as exc:
            raise DesignError(exc.message, problems=exc.problems) from None
        bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
        if len(bad):
            raise _design_error(
                "survey.design.bad_fpc", self.lang,
                problems=[{"row": int(r) + 1, "column": column, "value": repr(v[r])} for r in bad[:1000]],
                column=column, count=len(bad), rows=_rows_text(bad + 1))
        H = len(n_psu)
        lo = np.full(H, np.inf)
        hi = np.full(H, -np.inf)
        np.minimum.at(lo, h, v)
        np.maximum.at(hi, h, v)
        varying = np.flatnonzero(lo != hi)
        if len(varying):
            raise _design_error(
                "survey.design.fpc_varies", self.lang,
                problems=[{"column": column, "value": str(h_values[s]),
                           "expected": "one fpc value per stratum"} for s in varying],
                column=column, strata=", ".join(str(h_values[s]) for s in varying[:_MAX_LISTED]))
        is_pop = bool((lo > 1).any())
        if is_pop and (lo < 1).any():
            raise _design_error("survey.design.fpc_mixed", self.lang, column=column)
        if is_pop:
            pop = lo
        else:
            with np.errstate(divide="ignore"):
                pop = np.where(lo > 0, n_psu / lo, np.inf)
        small = np.flatnonzero(pop < n_psu)
        if len(small):
            raise _design_error(
                "survey.design.fpc_small", self.lang,
                problems=[{"column": column, "value": str(h_values[s]),
                           "expected": f">= {int(n_psu[s])} PSUs"} for s in small],
                column=column, strata=", ".join(str(h_values[s]) for s in small[:_MAX_LISTED]))
        with np.errstate(invalid="ignore"):
            return np.where(np.isinf(pop), 1.0, (pop - n_psu) / pop)

    # -- facts --------------------------------------------------------------------------------
    @property
    def n_strata(self) -> int:
        """Number of strata."""
        return self._strata.n_strata

    @property
    def n_psu(self) -> int:
        """Number of PSUs."""
        return self._strata.n_psus

    def degf(self) -> int:
        """Degrees of freedom: number of PSUs minus number of strata (R's ``degf``)."""
        return self.n_psu - self.n_strata

    @property
    def method(self) -> str:
        return "taylor linearisation, with-replacement first stage (ultimate cluster)"

    def summary(self) -> dict[str, Any]:
        return {"kind": "taylor", "rows": self.n_rows, "weights": self.weights,
                "strata": self.strata, "psu": self.psu, "fpc": self.fpc,
                "lonely_psu": self.lonely_psu, "nest": self.nest, "n_strata": self.n_strata,
                "n_psu": self.n_psu, "degf": self.degf(),
                "lonely_strata": [str(s) for s in self.lonely_strata]}

    def __repr__(self) -> str:
        return (f"SurveyDesign({self.n_rows} rows, {self.n_strata} strata, {self.n_psu} PSUs, "
                f"weights={self.weights!r}, lonely_psu={self.lonely_psu!r}, degf={self.degf()})")

    # -- hooks ------------------------------------------------------------------------------------
    def _make_domains(self, names: tuple[str, ...],
                      columns: list[tuple[np.ndarray, Any, bool]]) -> _Domains:
        """The (PSU, domain) pairs of this ``by``, built column by column, and the domains
        found from them; each row's domain is only worked out if asked for.

        A cached ``by`` made of all but the last column gives the pairs to start from.
        """
        steps = [(codes, max(len(values), 1), flag) for codes, values, flag in columns]
        prefix = self._cache.get(names[:-1]) if len(names) > 1 else None
        start = prefix.pairs if prefix is not None else None
        if self._indptr is None:
            self._indptr = np.arange(self.n_rows + 1, dtype=np.int32 if self.n_rows < 2**31 - 1
                                     else np.int64)
        pairs = PairIndex.build(self._c, None, self._strata.n_psus, 1,
                                psu_stratum=self._strata.psu_stratum, weights=self._w,
                                steps=steps, start=start, indptr=self._indptr)
        D = pairs.n_domains
        n_pair = pairs.sums(None)
        values: list[Any] = []
        outside = 0
        if columns:
            assert pairs.cells is not None
            values = domain_values([v for _, v, _ in columns], pairs.cells)
            if any(flag for _, _, flag in columns):
                outside = int(n_pair[pairs.pair_dom == D].sum())

        def row_domains() -> np.ndarray:
            dom = pairs.pair_dom[pairs.pair]
            return dom if outside == 0 else np.where(dom < D, dom, -1)

        ctx = _Domains(names, values, D, dom_fn=row_domains, all_in=outside == 0,
                       outside_rows=outside)
        ctx.pairs = pairs
        ctx.sw_pair = pairs.sums(self._w)
        ctx.n_pair = n_pair
        ctx.set_counts(pairs.by_domain(n_pair))
        ctx.set_weight_sums(pairs.by_domain(ctx.sw_pair))
        return ctx

    def _lost(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        """Unusable rows per pair."""
        assert ctx.pairs is not None
        return np.bincount(ctx.pairs.pair[missing], minlength=ctx.pairs.n_pairs)

    def _estimate_var(self, ctx: _Domains, v: _Var) -> _Sums:
        pairs = ctx.pairs
        assert pairs is not None and ctx.sw_pair is not None and ctx.n_pair is not None
        D = ctx.n_domains
        missing = v.missing
        sy = pairs.weighted_sums(v.y0)
        a = pairs.segment_sums(sy)
        Y = np.bincount(pairs.seg_dom, weights=a, minlength=D + 1)[:D]
        lost_w = None
        present = None
        if len(missing):
            where = pairs.pair[missing]
            w_missing = v.w_missing if v.w_missing is not None else self._w[missing]
            # Both this and ctx.sw_pair add the weights in row order, so a pair whose rows
            # are all missing gets sw_pair - lost_w == 0 exactly.
            lost_w = np.bincount(where, weights=w_missing, minlength=pairs.n_pairs)
            dom_missing = pairs.pair_dom[where]
            lost_dom: np.ndarray = np.bincount(dom_missing, minlength=D + 1)[:D].astype(np.float64)
            lost_w_dom: np.ndarray = np.bincount(dom_missing, weights=w_missing, minlength=D + 1)[:D]
            if self.lonely_psu == "average" and len(self.lonely_strata):
                present = ctx.n_pair > np.bincount(where, minlength=pairs.n_pairs)
        else:
            lost_dom = lost_w_dom = np.zeros(D)
            if self.lonely_psu == "average" and len(self.lonely_strata):
                present = ctx.n_pair > 0
        if v.x0 is None:
            var = stratified_variance(sy, pairs, self._strata, present)
            return _Sums(Y, var, Y, Y, lost_dom, lost_w_dom)
        if v.x0 is _ONES:
            sx = ctx.sw_pair
            if lost_w is not None:
                sx = np.subtract(sx, lost_w, out=lost_w)
        else:
            sx = pairs.weighted_sums(v.x0)
        b = pairs.segment_sums(sx)
        X = np.bincount(pairs.seg_dom, weights=b, minlength=D + 1)[:D]
        with np.errstate(invalid="ignore", divide="ignore"):
            R = Y / X
        var = ratio_variance(sy, sx, a, b, R, X, pairs, self._strata, present)
        return _Sums(R, np.where(X > 0, var, np.nan), X, Y, lost_dom, lost_w_dom)

    def _logit(self, ctx: _Domains, est: np.ndarray, se: np.ndarray, v: _Var, level: float,
               df: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``svyciprop(method="logit")``: the ``svyglm`` fit, its sandwich variance,
        Wald on the logit scale with t on ``df``, back-transformed."""
        D = ctx.n_domains
        d = v.d_ext(ctx)
        usable = d < D
        y0 = v.y0
        w = self._w
        mean_w = (np.bincount(d, weights=w, minlength=D + 1)
                  / np.maximum(np.bincount(d, minlength=D + 1), 1))
        mean_w[D] = 1.0
        wn = w / mean_w[d]
        coef, factor, info = glm_logit(y0, wn, d, D)
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.exp(coef) / (1 + np.exp(coef))
            z = np.where(usable, (y0 - np.append(mu, 0.0)[d]) * factor / mean_w[d], 0.0)
            se_coef = np.sqrt(self._estimate_var(ctx, _Var(z, None, v.missing, v.w_missing)).var) / info
            crit = t_or_normal(level, df)
            lo_eta, hi_eta = coef - crit * se_coef, coef + crit * se_coef
            lo = np.exp(lo_eta) / (1 + np.exp(lo_eta))
            hi = np.exp(hi_eta) / (1 + np.exp(hi_eta))
        return mu, lo, hi

    def _degf(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        pairs = ctx.pairs
        assert pairs is not None and ctx.n_pair is not None
        present = ctx.n_pair > (self._lost(ctx, missing) if len(missing) else 0)
        return domain_degf(pairs, self._strata, present)


class ReplicateDesign(_Design):
    """A design given by replicate-weight columns, as R's ``svrepdesign``.

    Parameters
    ----------
    data, weights:
        Microdata and the full-sample weight column.
    replicate_weights:
        The replicate-weight columns: a list of names, or one regular expression that
        matches them (R's ``repweights="..."``), in data order.
    type:
        ``JK1``, ``JKn``, ``BRR``, ``Fay``, ``bootstrap``, ``successive-difference`` or
        ``other``; it sets the scale factors as R does: JK1 ``(R-1)/R``, BRR ``1/R``,
        Fay ``1/(R (1-rho)^2)``, bootstrap ``1/(R-1)``, successive difference ``4/R``.
    scale, rscales:
        Override the overall and per-replicate factors (``JKn`` needs ``rscales``,
        usually ``(n_h - 1)/n_h`` of each replicate's stratum, when the weights are
        combined).
    rho:
        Fay's coefficient (required for ``Fay``).
    mse:
        Centre the replicates at the full-sample estimate instead of their mean.
    combined_weights:
        The replicate columns already include the sampling weights (R's default).

    >>> import pandas as pd
    >>> micro = pd.DataFrame({"y": [1.0, 2, 3, 4], "w": [1.0, 1, 1, 1], "r1": [0.0, 4/3, 4/3, 4/3],
    ...                       "r2": [4/3, 0, 4/3, 4/3], "r3": [4/3, 4/3, 0, 4/3], "r4": [4/3, 4/3, 4/3, 0]})
    >>> d = ReplicateDesign(micro, weights="w", replicate_weights="^r[0-9]", type="JK1")
    >>> round(float(d.mean("y").se.iloc[0]), 6)
    0.645497
    """

    _kind = "replicate"

    def __init__(self, data: pd.DataFrame, weights: str, replicate_weights: str | Sequence[str],
                 type: ReplicateType = "JK1", *, scale: float | None = None,
                 rscales: float | Sequence[float] | None = None, rho: float | None = None,
                 mse: bool = False, combined_weights: bool = True, lang: str = "en") -> None:
        check_option("ReplicateDesign", "type", type, REPLICATE_TYPES, lang if lang in ("en", "es") else "en")
        check_option("ReplicateDesign", "mse", mse, [True, False])
        check_option("ReplicateDesign", "combined_weights", combined_weights, [True, False])
        super().__init__(data, weights, lang)
        if isinstance(replicate_weights, str):
            pattern = re.compile(replicate_weights)
            cols = [str(c) for c in self.data.columns if pattern.search(str(c))]
            if not cols:
                raise _design_error("survey.design.no_replicates", self.lang, pattern=replicate_weights)
        else:
            cols = [str(c) for c in replicate_weights]
            self._require(cols, "ReplicateDesign")
        if len(cols) < 2:
            raise _design_error("survey.design.no_replicates", self.lang, pattern=repr(cols))
        if type == "Fay" and (rho is None or not 0 <= rho < 1):
            raise _design_error("survey.design.fay_rho", self.lang, got=repr(rho))
        mat = np.empty((self.n_rows, len(cols)), dtype=np.float64, order="F")
        for j, col in enumerate(cols):
            try:
                mat[:, j] = _numeric(self.data, col, self.lang, "ReplicateDesign")
            except DataError as exc:
                raise DesignError(exc.message, problems=exc.problems) from None
        bad = np.flatnonzero(~np.isfinite(mat).all(axis=1) | (mat < 0).any(axis=1))
        if len(bad):
            raise _design_error(
                "survey.design.bad_replicates", self.lang,
                problems=[{"row": int(r) + 1, "expected": "non-negative numbers"} for r in bad[:1000]],
                count=len(bad), rows=_rows_text(bad + 1))
        rs = None if rscales is None else np.asarray(rscales, dtype=np.float64)
        if rs is not None and rs.size not in (1, len(cols)):
            raise _design_error("survey.design.rscales_length", self.lang, got=rs.size, n=len(cols))
        if type == "JKn" and rs is None and combined_weights:
            raise _design_error("survey.design.jkn_rscales", self.lang)
        self.scale, self.rscales = _rep.default_scales(type, len(cols), scale, rs, rho,
                                                       combined_weights, mat)
        self.type: str = type
        self.rho = rho
        self.mse = bool(mse)
        self.combined_weights = bool(combined_weights)
        self.replicate_weights = tuple(cols)
        self._repw = np.ascontiguousarray(mat if combined_weights else mat * self._w[:, None])
        self._degf_value = _rep.replicate_degf(self._repw)

    def degf(self) -> int:
        """Rank of the replicate weights minus one (R's ``degf`` for replicate designs)."""
        return self._degf_value

    @property
    def n_replicates(self) -> int:
        """Number of replicate-weight columns."""
        return len(self.replicate_weights)

    @property
    def method(self) -> str:
        centre = "full-sample estimate (mse)" if self.mse else "replicate mean"
        return f"replicate weights {self.type}, scale {self.scale:.6g}, centred at the {centre}"

    def summary(self) -> dict[str, Any]:
        return {"kind": "replicate", "rows": self.n_rows, "weights": self.weights,
                "type": self.type, "replicates": self.n_replicates, "scale": self.scale,
                "rscales_constant": bool(np.all(self.rscales == self.rscales[0])), "rho": self.rho,
                "mse": self.mse, "combined_weights": self.combined_weights, "degf": self.degf()}

    def __repr__(self) -> str:
        return (f"ReplicateDesign({self.n_rows} rows, {self.n_replicates} {self.type} replicates, "
                f"scale={self.scale:.6g}, mse={self.mse})")

    def _estimate_var(self, ctx: _Domains, v: _Var) -> _Sums:
        D = ctx.n_domains
        d = v.d_ext(ctx)
        dom = np.where(d < D, d, -1)
        w = self._w
        y0 = v.y0
        Y = np.bincount(d, weights=w * y0, minlength=D + 1)[:D]
        Yr = _rep.replicate_sums(self._repw, y0, dom, D)
        x0 = v.x_array(self.n_rows)
        lost, lost_w = ctx.outside(v.missing), ctx.outside(v.missing, w)
        if x0 is None:
            var = _rep.replicate_variance(Yr, self.scale, self.rscales, self.mse, Y)
            return _Sums(Y, var, Y, Y, lost, lost_w)
        X = np.bincount(d, weights=w * x0, minlength=D + 1)[:D]
        Xr = _rep.replicate_sums(self._repw, x0, dom, D)
        with np.errstate(invalid="ignore", divide="ignore"):
            R = Y / X
            thetas = Yr / Xr
        var = _rep.replicate_variance(thetas, self.scale, self.rscales, self.mse, R)
        return _Sums(R, var, X, Y, lost, lost_w)

    def _degf(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        return np.full(ctx.n_domains, float(self._degf_value))


# -- designs from YAML ------------------------------------------------------------------------------
_DESIGN_KEYS = {"weights", "strata", "psu", "fpc", "lonely_psu", "nest", "replicate", "kind",
                "format_version", "description", "lang"}
_REPLICATE_KEYS = {"type", "weights", "columns", "pattern", "scale", "rscales", "rho", "mse",
                   "combined_weights"}


def read_design(path: str | Path, data: pd.DataFrame, *, lang: str = "en") -> SurveyDesign | ReplicateDesign:
    """Build a design for ``data`` from a small YAML file.

    Keys: ``weights`` (required), ``strata``, ``psu``, ``fpc``, ``lonely_psu``,
    ``nest``; or, for replicate weights, ``replicate: {type, columns | pattern, scale,
    rscales, rho, mse, combined_weights}``. Loaded with a safe loader; a bad file is a
    :class:`DefinitionError` naming the file and key.

    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "design.yaml").write_text("weights: w\\nstrata: h\\npsu: c\\n")
    >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "h": [1, 1, 2, 2], "c": [1, 2, 1, 2]})
    >>> read_design(folder / "design.yaml", micro).n_psu
    4
    """
    from ..catalog._files import definition_error, read_definition

    lang = check_lang(lang, "read_design")
    spec = read_definition(path)
    file = str(path)

    def fail(key: str, text_code: str, value: Any = None, **values: Any) -> DefinitionError:
        line = getattr(spec, "key_lines", {}).get(key, getattr(spec, "line", None))
        return definition_error(file, line, key, message(text_code, lang, key=key, **values),
                                value=value, code=text_code)

    unknown = sorted(set(map(str, spec)) - _DESIGN_KEYS)
    if unknown:
        raise fail(unknown[0], "survey.yaml.unknown_key", unknown[0],
                   allowed=", ".join(sorted(_DESIGN_KEYS - {"kind", "format_version", "description", "lang"})))
    if "weights" not in spec or not isinstance(spec["weights"], str):
        raise fail("weights", "survey.yaml.weights", spec.get("weights"))
    for key in ("strata", "psu", "fpc"):
        if spec.get(key) is not None and not isinstance(spec[key], (str, int)):
            raise fail(key, "survey.yaml.column", spec[key])
    if "replicate" in spec:
        rep = spec["replicate"]
        if not isinstance(rep, Mapping):
            raise fail("replicate", "survey.yaml.replicate", rep)
        bad = sorted(set(map(str, rep)) - _REPLICATE_KEYS)
        if bad:
            raise fail("replicate", "survey.yaml.unknown_key", bad[0], allowed=", ".join(sorted(_REPLICATE_KEYS)))
        columns = rep.get("columns", rep.get("weights"))
        pattern = rep.get("pattern")
        if (columns is None) == (pattern is None):
            raise fail("replicate", "survey.yaml.replicate", dict(rep))
        if rep.get("type", "JK1") not in REPLICATE_TYPES:
            raise fail("replicate", "survey.yaml.value", rep.get("type"),
                       allowed=", ".join(REPLICATE_TYPES))
        return ReplicateDesign(data, weights=spec["weights"],
                               replicate_weights=pattern if pattern is not None else list(columns),
                               type=rep.get("type", "JK1"), scale=rep.get("scale"),
                               rscales=rep.get("rscales"), rho=rep.get("rho"),
                               mse=bool(rep.get("mse", False)),
                               combined_weights=bool(rep.get("combined_weights", True)), lang=lang)
    lonely = spec.get("lonely_psu", "fail")
    if lonely not in LONELY_PSU:
        raise fail("lonely_psu", "survey.yaml.value", lonely, allowed=", ".join(LONELY_PSU))
    nest = spec.get("nest", True)
    if not isinstance(nest, bool):
        raise fail("nest", "survey.yaml.value", nest, allowed="true, false")
    return SurveyDesign(data, weights=spec["weights"], strata=spec.get("strata"), psu=spec.get("psu"),
                        fpc=spec.get("fpc"), lonely_psu=lonely, nest=nest, lang=lang)
