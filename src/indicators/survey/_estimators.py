"""The estimators every design shares: mean, proportion, total, ratio, quantile.

:class:`_Design` holds the data, weights and caches and runs the estimators; a design
(:mod:`._designs`) supplies its variance (Taylor or replicate) and degrees of freedom.
Private to :mod:`indicators.survey`.
"""

from __future__ import annotations

import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import special, stats

from .._codes import error, problem
from .._options import CVLimits, validate_options
from ..errors import DataError, DesignError
from ..i18n import Lang, check_lang, check_option, message
from ._core import (
    beta_ci,
    combine_cells,
    factorize,
    logit_ci,
    t_or_normal,
    wald_ci,
    weighted_quantile,
)
from ._domains import (
    _CACHE_SIZE,
    _COLUMN_CACHE_SIZE,
    _ONES,
    _VARIABLE_CACHE_SIZE,
    CIMethod,
    _as_list,
    _design_error,
    _Domains,
    _numeric,
    _option_error,
    _Row,
    _rows_text,
    _Sums,
    _Var,
    _zero_at,
)
from ._estimates import Estimates, _check_limits, quality_flags
from ._intervals import score_bounds
from ._rmath import approx

#: R's ``svyquantile`` rules (survey 4.x ``qrule``): ``math`` = ``hf1``, ``school`` = ``hf2``,
#: ``shahvaish`` (Shah and Vaish).
QRule = Literal["math", "school", "shahvaish", "hf1", "hf2", "hf3", "hf4", "hf5", "hf6", "hf7",
                "hf8", "hf9"]
#: R's ``svyquantile`` interval types: Woodruff's, with the share below the quantile's
#: interval computed as ``svyciprop``'s ``mean``, ``beta``, ``xlogit`` or ``asin``;
#: ``score`` (Taylor designs: the inverted score test of the share, R's ``ffullerCI``);
#: ``quantile`` (replicate designs: the variance of the replicates' quantiles).
QuantileInterval = Literal["mean", "beta", "xlogit", "asin", "score", "quantile"]
#: R's ``deff``: True against simple random sampling without replacement, ``"replace"`` with.
Deff = bool | Literal["replace"]


def _share_interval(p: np.ndarray, se: np.ndarray, level: float, df: np.ndarray | None, method: str,
                    rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval of a share as R's ``svyciprop`` (and ``woodruffCI``) computes it.

    ``mean``: Wald, t on ``df``; ``xlogit``: Wald on ``log(p / (1 - p))`` (delta method),
    back-transformed; ``asin``: Wald on ``asin(sqrt(p))``, back by ``sin(.)^2``; ``beta``:
    Korn-Graubard on the effective sample size (``rows``: the domain's rows, R's
    ``nrow(design)``).
    """
    if method == "beta":
        return beta_ci(p, se, level, df if df is not None else np.inf, rows)
    crit = t_or_normal(level, df)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "xlogit":
            eta = np.log(p / (1 - p))
            half = crit * se / (p * (1 - p))
            return 1 / (1 + np.exp(-(eta - half))), 1 / (1 + np.exp(-(eta + half)))
        if method == "asin":
            theta = np.arcsin(np.sqrt(p))
            half = crit * se * 0.5 / np.sqrt(p) / np.sqrt(1 - p)
            return np.sin(theta - half) ** 2, np.sin(theta + half) ** 2
    return p - crit * se, p + crit * se


def _qrule(rule: str, ys: np.ndarray, ws: np.ndarray, p: float) -> float:
    """R's ``qrule_<rule>(x, w, p)`` on one domain's values ``ys`` (sorted, ties in row
    order) and their weights ``ws`` (positive); NaN for a missing ``p`` or no rows.

    Cumulative weights are summed in extended precision and rounded, as R's ``cumsum``
    and ``sum`` do, and compared exactly as R compares them: a value that R's arithmetic
    puts a hair below a tie (``14.999999999999998``) is found here too.
    """
    n = len(ys)
    if n == 0 or not np.isfinite(p):
        return float("nan")
    if rule == "shahvaish":
        return _shahvaish(ys, ws, p)
    if rule == "hf3":  # the weights of tied values summed first (R's rowsum)
        ys, start = np.unique(ys, return_index=True)
        ws = np.add.reduceat(ws, start)
        n = len(ys)
    cumw = np.cumsum(ws, dtype=np.longdouble).astype(np.float64)
    if rule in ("math", "hf1", "school", "hf2", "hf3", "hf4"):
        total = cumw[-1]
        below = np.flatnonzero(cumw <= p * total)
        pos = int(below[-1]) if len(below) else 0  # R's survey:::last: the first when none
        nxt = min(pos + 1, n - 1)
        wlow = p - cumw[pos] / total
        wup = cumw[nxt] / total - p
        if rule in ("math", "hf1"):
            return float(ys[pos] if wlow == 0 else ys[nxt])
        if rule in ("school", "hf2"):
            return float((ys[pos] + ys[nxt]) / 2 if wlow == 0 else ys[nxt])
        if rule == "hf3":
            return float(ys[pos] if wlow == 0 and (pos + 1) % 2 == 0 else ys[nxt])
        with np.errstate(invalid="ignore", divide="ignore"):
            gamma = wlow / (wup + wlow)
        return float(ys[pos] * (1 - gamma) + ys[nxt] * gamma)
    prev = np.concatenate(([0.0], cumw[:-1]))
    if rule == "hf5":
        pk = (cumw - ws / 2) / cumw[-1]
    elif rule == "hf6":
        pk = cumw / (cumw[-1] + ws[-1])
    elif rule == "hf7":
        if n == 1:
            return float(ys[0])
        pk = prev / cumw[-2]
    elif rule == "hf8":
        pk = (prev * (1 / 3) + cumw * (2 / 3)) / (cumw[-1] + ws[-1] / 3)
    else:  # hf9
        pk = (prev * (3 / 8) + cumw * (5 / 8)) / (cumw[-1] + ws[-1] / 4)
    return float(np.interp(p, pk, ys))  # R's approx(pk, x, p, rule = 2)


def _r_mean(x: np.ndarray) -> float:
    """R's ``mean`` of doubles: the sum in extended precision, over ``n``, corrected by a
    second pass."""
    s = np.sum(x, dtype=np.longdouble) / len(x)
    if np.isfinite(s):
        s = s + np.sum(x.astype(np.longdouble) - s) / len(x)
    return float(s)


def _shahvaish(ys: np.ndarray, ws: np.ndarray, p: float) -> float:
    """R's ``qrule_shahvaish``: the value whose position ``(S_k + 1/2 - w_k / 2) / (n + 1)``
    (``S``: cumulative weights scaled to mean one; ``w_k`` the raw weight, as R writes it)
    is the last at or below ``p``, by R's ``approx(..., method = "constant", rule = 2)``."""
    n = len(ys)
    wbar = ws / _r_mean(ws)
    cum = np.cumsum(wbar, dtype=np.longdouble).astype(np.float64)
    pk = (cum + 0.5 - ws / 2) / (n + 1)
    return float(approx(pk, ys, np.array([p]), method="constant", f=0.0, rule=2)[0])


def _rule_of(qrule: str, y0: np.ndarray, w: np.ndarray, dom: np.ndarray, D: int
             ) -> Any:
    """The quantile function of every domain under ``qrule``: probabilities (one per
    domain, NaN for none) to quantiles. ``math`` runs vectorised; the other rules sort
    each domain's rows once (ties in row order, as R's ``order``)."""
    if qrule in ("math", "hf1"):
        return lambda probs: weighted_quantile(y0, w, dom, D, probs)
    parts = []
    for d in range(D):
        rows = np.flatnonzero(dom == d)
        order = rows[np.argsort(y0[rows], kind="stable")]
        parts.append((y0[order], w[order]))

    def rule(probs: np.ndarray) -> np.ndarray:
        return np.array([_qrule(qrule, ys, ws, float(p)) for (ys, ws), p in zip(parts, probs, strict=True)])

    return rule


def _r_iqr(x: np.ndarray) -> float:
    """R's ``IQR(x)`` (unweighted, ``quantile`` type 7)."""
    xs = np.sort(x)
    n = len(xs)
    out = []
    for prob in (0.25, 0.75):
        index = 1 + (n - 1) * prob
        lo = int(np.floor(index))
        hi = int(np.ceil(index))
        q = xs[lo - 1]
        if index > lo and xs[hi - 1] != q:
            h = index - lo
            q = (1 - h) * q + h * xs[hi - 1]
        out.append(q)
    return float(out[1] - out[0])


def _share_at_or_below(x: np.ndarray, theta: float) -> float:
    """R's ``mean(x <= theta)``: the count over ``n`` in extended precision."""
    if np.isnan(theta):
        return float("nan")
    return float(np.longdouble(np.count_nonzero(x <= theta)) / np.longdouble(len(x)))


@dataclass(frozen=True)
class _QuantileCase:
    """One variable of :meth:`_Design.quantile`: its domains, values (0 where missing),
    each row's domain among its usable rows (-1 for none), the variable for the variance,
    usable rows and degrees of freedom per domain, and the quantile rule."""

    ctx: _Domains
    y0: np.ndarray
    dom_u: np.ndarray
    var: _Var
    n: np.ndarray
    df: np.ndarray | None
    level: float
    qrule: str
    rule: Any


@validate_options
class _Design:
    """What both designs share: data, weights, domains and the estimators."""

    _kind: str = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        # A Polars, DuckDB or PySpark frame gets the design that runs its sums in the engine.
        data = args[0] if args else kwargs.get("data")
        if data is not None and not isinstance(data, pd.DataFrame):
            from ._engines import engine_class

            target = engine_class(cls, data)
            if target is not None:
                return super().__new__(target)
        return super().__new__(cls)

    def __init__(self, data: pd.DataFrame, weights: str | None, lang: Lang) -> None:
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
    def from_yaml(cls, path: str | Path, data: pd.DataFrame, *, lang: Lang = "en") -> Any:
        """Build the design from a YAML file (see :func:`read_design`)."""
        from ._files import read_design

        design = read_design(path, data, lang=lang)
        if cls is not _Design and not isinstance(design, cls):
            raise error("survey.yaml.kind", lang, file=str(path), expected=cls.__name__)
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

    def _weights(self, column: str | None) -> np.ndarray:
        if column is None:
            raise _design_error("survey.design.no_weights", self.lang)
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

    def _likelihood(self, ctx: _Domains, v: _Var, level: float, df: np.ndarray | None,
                    n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``svyciprop(method="likelihood")``: estimate and interval per domain."""
        raise _option_error("survey.option.likelihood_design", self.lang, "ci_method", "likelihood",
                            design=type(self).__name__)

    def _subset_rows(self, n: np.ndarray) -> np.ndarray:
        """Rows of each domain's subset as R counts them (``nrow(design)``)."""
        return n

    def _keeps_all_rows(self) -> bool:
        """Whether R's subset of this design keeps every row (with weight 0)."""
        return False

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
            raise _option_error("survey.option.level", self.lang, "level", level, func=func, got=repr(level))
        check_option(func, "na_rm", na_rm, [True, False], self.lang)
        return _check_limits(cv_limits, min_n)

    def _variables(self, variables: str | Sequence[str], func: str) -> list[str]:
        names = _as_list(variables)
        if not names:
            raise _option_error("survey.option.no_variables", self.lang, "variables", variables, func=func)
        self._require(names, func)
        return names

    def mean(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
             na_rm: bool = True, level: float = 0.95, ci_method: CIMethod = "wald",
             deff: Deff = True, cv_limits: CVLimits = (0.15, 0.30),
             min_n: int = 0) -> Estimates:
        """Weighted means of ``variables`` (R's ``svymean``/``svyby(..., svymean)``).

        ``ci_method``: ``wald`` (normal, as R's ``confint``), ``wald_t`` or ``mean`` (t on
        the domain's degrees of freedom), or for 0/1 variables R's ``svyciprop`` methods
        ``logit``, ``beta``, ``xlogit`` and ``asin``. ``deff``: True for the design effect
        against simple random sampling without replacement, ``"replace"`` with replacement
        (R's ``deff = "replace"``), False for none.
        """
        return self._linear("mean", self._variables(variables, "mean"), None, by, na_rm, level,
                            ci_method, deff, cv_limits, min_n)

    def proportion(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
                   na_rm: bool = True, level: float = 0.95, ci_method: CIMethod = "logit",
                   deff: Deff = True, cv_limits: CVLimits = (0.15, 0.30),
                   min_n: int = 0) -> Estimates:
        """Proportions of 0/1 (or boolean) ``variables``, with R's ``svyciprop`` intervals.

        ``ci_method``: R's ``svyciprop`` methods ``logit`` (default; t with the domain's
        degrees of freedom), ``beta`` (Korn-Graubard), ``xlogit`` (Wald on the logit of
        the mean), ``asin`` (Wald on ``asin(sqrt(p))``) and ``mean`` (Wald, t), or ``wald``
        (normal). ``deff`` as for :meth:`mean`.
        """
        return self._linear("proportion", self._variables(variables, "proportion"), None, by,
                            na_rm, level, ci_method, deff, cv_limits, min_n)

    def total(self, variables: str | Sequence[str], by: str | Sequence[str] | None = None, *,
              na_rm: bool = True, level: float = 0.95, ci_method: Literal["wald", "wald_t"] = "wald",
              deff: Deff = True, cv_limits: CVLimits = (0.15, 0.30),
              min_n: int = 0) -> Estimates:
        """Weighted totals of ``variables`` (R's ``svytotal``)."""
        return self._linear("total", self._variables(variables, "total"), None, by, na_rm, level,
                            ci_method, deff, cv_limits, min_n)

    def ratio(self, numerator: str | Sequence[str], denominator: str | Sequence[str],
              by: str | Sequence[str] | None = None, *, na_rm: bool = True, level: float = 0.95,
              ci_method: Literal["wald", "wald_t"] = "wald", deff: Deff = True,
              cv_limits: CVLimits = (0.15, 0.30), min_n: int = 0) -> Estimates:
        """Ratios of weighted totals, ``sum(w * num) / sum(w * den)`` (R's ``svyratio``).

        Several numerators and denominators pair up one to one (or one denominator for
        all). A row missing either leaves the domain. The variable is named ``num/den``.
        """
        nums = self._variables(numerator, "ratio")
        dens = self._variables(denominator, "ratio")
        if len(dens) == 1:
            dens = dens * len(nums)
        if len(dens) != len(nums):
            raise _option_error("survey.option.ratio_pairs", self.lang, "denominator", denominator,
                                n=len(nums), d=len(dens))
        return self._linear("ratio", nums, dens, by, na_rm, level, ci_method, deff, cv_limits, min_n)

    def quantile(self, variables: str | Sequence[str], q: float | Sequence[float] = 0.5,
                 by: str | Sequence[str] | None = None, *, na_rm: bool = True, level: float = 0.95,
                 qrule: QRule = "math", interval_type: QuantileInterval = "mean",
                 cv_limits: CVLimits = (0.15, 0.30), min_n: int = 0) -> Estimates:
        """Weighted quantiles with their intervals (R's ``svyquantile``, survey 4.x).

        ``qrule`` is R's rule: ``math`` (default, ``hf1``: the smallest value whose
        weighted distribution function reaches ``q``), ``school`` (``hf2``), ``hf3`` to
        ``hf9`` (the weighted forms of Hyndman and Fan's definitions), ``shahvaish``
        (Shah and Vaish's weighted positions).
        ``interval_type`` is R's ``interval.type``: ``mean`` (default), ``beta``,
        ``xlogit`` or ``asin`` invert that interval of the share below the estimated
        quantile (Woodruff); ``score`` (Taylor designs) inverts the score test of the share
        (R's ``ffullerCI``, found by R's ``uniroot``); ``quantile`` (replicate designs)
        is the estimate -/+ t times the standard deviation of the replicates' quantiles.
        ``se`` is the interval's width over ``2 t``.
        """
        limits = self._check_common("quantile", level, cv_limits, min_n, na_rm)
        check_option("quantile", "qrule", qrule, get_args(QRule), self.lang)
        check_option("quantile", "interval_type", interval_type, get_args(QuantileInterval), self.lang)
        self._check_interval_type(interval_type)
        names = self._variables(variables, "quantile")
        probs = [q] if isinstance(q, (int, float)) else list(q)
        for p in probs:
            if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
                raise _option_error("survey.option.q", self.lang, "q", q, got=repr(q))
        ctx = self._domains(by)
        D = ctx.n_domains
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
            rule = _rule_of(qrule, y0, self._w, dom_u, D)
            case = _QuantileCase(ctx, y0, dom_u, _Var(y0, _ONES, missing, w_missing), n, df, level, qrule,
                                 rule)
            for p in probs:
                qhat = rule(np.full(D, float(p)))
                if interval_type == "score":
                    lo, hi = self._score_ci(case, float(p), name)
                elif interval_type == "quantile":
                    lo, hi = self._replicate_quantile_ci(case, float(p), qhat, crit)
                else:
                    lo, hi = self._woodruff_ci(case, qhat, interval_type)
                se = (hi - lo) / (2 * crit)
                label = name if len(probs) == 1 else f"{name}@{p:g}"
                rows.append((label, *(np.where(bad, np.nan, a) for a in (qhat, se, lo, hi)),
                             np.full(D, np.nan), n))
        method = {"score": "score", "quantile": "replicate quantiles"}.get(interval_type, "woodruff")
        return self._result("quantile", ctx, rows, level, method, na_rm, limits, min_n,
                            extra={"q": probs, "qrule": qrule,
                                   "interval": f"{method} (R interval.type='{interval_type}')"})

    def _check_interval_type(self, interval_type: str) -> None:
        """``score`` is for Taylor designs, ``quantile`` for replicate designs (as in R)."""
        if interval_type == "quantile":
            raise _option_error("survey.option.interval_design", self.lang, "interval_type", interval_type,
                                design=type(self).__name__, allowed="mean, beta, xlogit, asin, score")

    def _woodruff_ci(self, case: _QuantileCase, qhat: np.ndarray, interval_type: str
                     ) -> tuple[np.ndarray, np.ndarray]:
        """R's ``woodruffCI``: the quantiles at the ends of the share's interval."""
        v = case.var
        usable = case.dom_u >= 0
        at_row = qhat[np.maximum(case.dom_u, 0)] if len(qhat) else np.full(len(case.y0), np.nan)
        below = (usable & (case.y0 <= at_row)).astype(np.float64)
        part = self._estimate_var(case.ctx, _Var(below, _ONES, v.missing, v.w_missing))
        # Every usable row at or below the quantile: R's share is exactly 1 with variance 0
        # (the other methods' intervals are then 0/0, NaN, in R).
        D = case.ctx.n_domains
        dom = np.maximum(case.dom_u, 0)
        full = (np.bincount(dom, weights=below * usable, minlength=D)[:D]
                == np.bincount(dom, weights=usable.astype(np.float64), minlength=D)[:D])
        pest = np.where(full, 1.0, part.est)
        pse = np.where(full, 0.0, np.sqrt(part.var))
        lo_p, hi_p = _share_interval(pest, pse, case.level, case.df, interval_type, self._subset_rows(case.n))
        if interval_type != "mean":
            lo_p, hi_p = np.where(full, np.nan, lo_p), np.where(full, np.nan, hi_p)
        return (case.rule(np.where(~(lo_p >= 0), np.nan, lo_p)),
                case.rule(np.where(~(hi_p <= 1), np.nan, hi_p)))

    def _score_ci(self, case: _QuantileCase, p: float, name: str) -> tuple[np.ndarray, np.ndarray]:
        """R's ``ffullerCI`` in each domain: the values where the score test of the share
        above ``theta`` (``svymean(x > theta) - (1 - p)`` over its SE) crosses -/+ t,
        found by R's ``uniroot`` between ``min + IQR/100`` and ``max - IQR/100`` with
        ``tol = 1 / (100 sqrt(rows))``; the interval is the quantiles at the unweighted
        shares of values at or below those roots. NaN (with a warning) where the test
        does not change sign (R stops there)."""
        D = case.ctx.n_domains
        alpha = 1.0 - case.level
        p_lo, p_hi = np.full(D, np.nan), np.full(D, np.nan)
        rows = self._subset_rows(case.n)
        failed = []
        for k in range(D):
            x = case.y0[case.dom_u == k]
            if len(x) < 2:
                continue
            if self._keeps_all_rows():  # R's x: every row of the subset (0 where missing)
                x = case.y0
            df = float(case.df[k]) if case.df is not None else np.inf
            t_hi = float(special.ndtri(1 - alpha / 2)) if np.isinf(df) else float(stats.t.isf(alpha / 2, df))
            t_lo = float(special.ndtri(alpha / 2)) if np.isinf(df) else float(stats.t.ppf(alpha / 2, df))
            iqr = _r_iqr(x)

            def scoretest(theta: float, limit: float, k: int = k) -> float:
                u = np.where(case.dom_u == k, (case.y0 > theta) - (1 - p), 0.0)
                part = self._estimate_var(case.ctx, _Var(u, _ONES, case.var.missing, case.var.w_missing))
                with np.errstate(invalid="ignore", divide="ignore"):
                    return float(part.est[k] / np.sqrt(part.var[k]) - limit)

            q_lo, q_hi = score_bounds(scoretest, float(x.min() + iqr / 100), float(x.max() - iqr / 100),
                                      (t_hi, t_lo), 1 / (100 * np.sqrt(float(rows[k]))))
            if np.isnan(q_lo) or np.isnan(q_hi):  # R stops: no interval at all
                failed.append(k)
                continue
            p_lo[k], p_hi[k] = _share_at_or_below(x, q_lo), _share_at_or_below(x, q_hi)
        if failed:
            warnings.warn(message("survey.quantile.score_no_root", self.lang, variable=name, q=f"{p:g}",
                                  count=len(failed)), stacklevel=4)
        return case.rule(p_lo), case.rule(p_hi)

    def _replicate_quantile_ci(self, case: _QuantileCase, p: float, qhat: np.ndarray, crit: np.ndarray
                               ) -> tuple[np.ndarray, np.ndarray]:
        """R's ``repCI`` (``interval.type = "quantile"``); replicate designs only."""
        raise NotImplementedError

    # -- shared machinery -------------------------------------------------------------------------
    def _linear(self, statistic: str, names: list[str], dens: list[str] | None,
                by: str | Sequence[str] | None, na_rm: bool, level: float, ci_method: str,
                deff: Deff, cv_limits: tuple[float, float], min_n: int) -> Estimates:
        limits = self._check_common(statistic, level, cv_limits, min_n, na_rm)
        check_option(statistic, "deff", deff, [True, False, "replace"], self.lang)
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
            binary = statistic == "proportion" or ci_method in ("logit", "beta", "asin", "xlogit", "likelihood")
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
            df = (self._degf(ctx, missing)
                  if ci_method in ("wald_t", "logit", "beta", "mean", "asin", "xlogit", "likelihood")
                  else None)
            if ci_method == "logit":
                est, lo, hi = self._logit(ctx, est, se, v, level, df)
            elif ci_method == "likelihood":
                est, lo, hi = self._likelihood(ctx, v, level, df, n)
            elif ci_method in ("beta", "asin", "xlogit"):
                lo, hi = _share_interval(est, se, level, df, ci_method, self._subset_rows(n))
            else:
                lo, hi = wald_ci(est, se, level, df)
            if deff:
                binary = statistic == "proportion" or (
                    statistic != "ratio" and self._is_binary(name, y0))
                d_eff = self._deff(ctx, statistic, v, n, sums, est, binary, deff == "replace")
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
        raise DataError(text, problems=[problem("survey.data.not_binary", self.lang, message=text, row=int(r) + 1,
                                                column=name, value=repr(y[r]), expected="0, 1 or missing")
                                        for r in bad[:1000]])

    def _deff(self, ctx: _Domains, statistic: str, v: _Var, n: np.ndarray, sums: _Sums,
              est: np.ndarray, binary: bool, replace: bool = False) -> np.ndarray:
        """R's ``deff=TRUE``: the variance over that of a simple random sample without
        replacement of the same size, ``s2 * (N - n) / (N n)`` (times ``N^2`` for totals;
        ``s2 / n`` with ``replace``, R's ``deff="replace"``),
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
            vsrs = s2 / n if replace else s2 * (wsum - n) / (wsum * n)
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
                         method=self.method, design=self.summary(), options=options,
                         lang=self.lang)
