"""Calibration of survey weights to population totals, as R's ``survey`` does it.

Post-stratification (``postStratify``), raking on margins (``rake``), linear (GREG),
raking-ratio and logit calibration with bounds (``calibrate(calfun=, bounds=)``) and
weight trimming (``trimWeights``), for Taylor designs (the variance then uses the
residuals of the calibration, as R's ``svyrecvar``) and replicate designs (every
replicate calibrated again). Population totals come as a tidy table, one row per
category with its ``total``:

* long: columns ``variable``, ``category``, ``total`` (a numeric variable's total has an
  empty ``category``);
* wide: one column per variable and ``total``; the columns filled in a row say which
  margin it belongs to (``area`` and ``age_group`` both filled: a crossed margin).

Private to :mod:`indicators.survey`; the methods are those of the designs.

>>> import pandas as pd
>>> pop = pd.DataFrame({"variable": ["area", "area"], "category": ["R", "U"], "total": [40.0, 60.0]})
>>> [(m.columns, m.totals) for m in read_population(pop, ["area"], "en")]
[(('area',), {('R',): 40.0, ('U',): 60.0})]
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..i18n import Lang, check_option, message
from ._domains import _MAX_LISTED, _as_list, _design_error, _numeric

CalFun = Literal["linear", "raking", "logit"]
CALFUNS: tuple[str, ...] = get_args(CalFun)

__all__ = ["CALFUNS", "CalFun", "Calibration", "Margin", "read_population", "reweighted_replicate",
           "reweighted_taylor"]


@dataclass
class Margin:
    """One margin of the population totals: its columns and a total per category
    (category: the tuple of values, as text); a numeric variable has ``numeric=True``
    and one total under ``()``."""

    columns: tuple[str, ...]
    totals: dict[tuple[str, ...], float] = field(default_factory=dict)
    numeric: bool = False


def _text(value: Any) -> str:
    """A category as text, so that 1, 1.0 and "1" match."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value).strip()


def read_population(population: Any, wanted: Sequence[str] | None, lang: Lang) -> list[Margin]:
    """The margins of a tidy population table (a frame, or a file read with
    :func:`indicators.read`), in the order they first appear."""
    source = "population"
    if isinstance(population, (str, Path)):
        from ..io import read

        source = str(population)
        population = read(population, lang=lang)
    if not isinstance(population, pd.DataFrame):
        raise _design_error("survey.calibration.population_type", lang, got=type(population).__name__)
    table = population
    cols = {str(c).strip().lower(): c for c in table.columns}
    if "total" not in cols:
        raise _design_error("survey.calibration.population_columns", lang, source=source,
                            columns=", ".join(map(str, table.columns)))
    totals = pd.to_numeric(table[cols["total"]], errors="coerce").to_numpy(dtype=np.float64)
    rows = [int(r) if isinstance(r, (int, np.integer)) else i + 1 for i, r in enumerate(table.index)]
    bad = [i for i, t in enumerate(totals) if not np.isfinite(t) or t < 0]
    if bad:
        raise _design_error(
            "survey.calibration.bad_total", lang,
            problems=[{"row": rows[i], "column": "total", "value": repr(table[cols["total"]].iloc[i]),
                       "expected": "a number >= 0"} for i in bad[:1000]],
            source=source, rows=", ".join(str(rows[i]) for i in bad[:_MAX_LISTED]))
    margins: OrderedDict[tuple[str, ...], Margin] = OrderedDict()
    if "variable" in cols and "category" in cols:
        for i in range(len(table)):
            var = _text(table[cols["variable"]].iloc[i])
            cat = table[cols["category"]].iloc[i]
            names = tuple(v.strip() for v in var.split("*"))
            if pd.isna(cat) or _text(cat) == "":
                m = margins.setdefault(names, Margin(names, numeric=True))
                m.totals[()] = m.totals.get((), 0.0) + float(totals[i])
            else:
                parts = tuple(p.strip() for p in _text(cat).split("*")) if len(names) > 1 else (_text(cat),)
                margins.setdefault(names, Margin(names)).totals[parts] = float(totals[i])
    else:
        variables = [c for c in table.columns if c != cols["total"]]
        for i in range(len(table)):
            filled = [c for c in variables if not pd.isna(table[c].iloc[i]) and _text(table[c].iloc[i]) != ""]
            if not filled:
                raise _design_error("survey.calibration.empty_row", lang, source=source, row=rows[i],
                                    problems=[{"row": rows[i], "expected": "a category"}])
            names = tuple(str(c) for c in filled)
            key = tuple(_text(table[c].iloc[i]) for c in filled)
            margins.setdefault(names, Margin(names)).totals[key] = float(totals[i])
    if wanted is not None:
        order = [tuple(w.split("*")) if isinstance(w, str) else tuple(w) for w in wanted]
        missing = [o for o in order if o not in margins]
        if missing:
            raise _design_error("survey.calibration.no_margin", lang, source=source,
                                margins=", ".join("*".join(m) for m in missing),
                                found=", ".join("*".join(m) for m in margins))
        return [margins[o] for o in order]
    return list(margins.values())


def _cells(design: Any, columns: tuple[str, ...]) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Each row's category of a (crossed) margin, as codes, and the categories as text."""
    design._require(list(columns), "calibration")
    texts = []
    for col in columns:
        series = design.data[col]
        if series.isna().any():
            bad = np.flatnonzero(series.isna().to_numpy())
            raise _design_error(
                "survey.calibration.missing_category", design.lang,
                problems=[{"row": int(r) + 1, "column": col, "value": "NA",
                           "expected": "a category of the margin"} for r in bad[:1000]],
                column=col, count=len(bad), rows=", ".join(str(int(r) + 1) for r in bad[:_MAX_LISTED]))
        codes, uniques = pd.factorize(series, sort=True)
        texts.append((np.asarray(codes), [_text(u) for u in uniques]))
    if len(texts) == 1:
        codes, labels = texts[0]
        return codes.astype(np.int64), [(lab,) for lab in labels]
    key = np.zeros(design.n_rows, dtype=np.int64)
    for codes, labels in texts:
        key = key * len(labels) + codes
    cells, inverse = np.unique(key, return_inverse=True)
    out = []
    for cell in cells:
        parts = []
        rest = int(cell)
        for _, labels in reversed(texts):
            parts.append(labels[rest % len(labels)])
            rest //= len(labels)
        out.append(tuple(reversed(parts)))
    return inverse.reshape(-1).astype(np.int64), out


def _match(design: Any, margin: Margin, labels: list[tuple[str, ...]], partial: bool = False
           ) -> np.ndarray:
    """Population total of each sample category; every total the sample cannot reach, and
    every sample category without a total, is named in the error."""
    name = "*".join(margin.columns)
    pop = np.array([margin.totals.get(lab, np.nan) for lab in labels])
    no_total = [lab for lab, t in zip(labels, pop) if np.isnan(t)]
    seen = set(labels)
    unreachable = [lab for lab, t in margin.totals.items() if lab not in seen and t != 0]
    if unreachable and not partial:
        raise _design_error(
            "survey.calibration.unreachable", design.lang,
            problems=[{"column": name, "value": "*".join(lab), "expected": "a category found in the sample"}
                      for lab in unreachable],
            margin=name, count=len(unreachable),
            categories=", ".join("*".join(lab) for lab in unreachable[:_MAX_LISTED]))
    if no_total:
        raise _design_error(
            "survey.calibration.no_total", design.lang,
            problems=[{"column": name, "value": "*".join(lab), "expected": "a population total"}
                      for lab in no_total],
            margin=name, count=len(no_total),
            categories=", ".join("*".join(lab) for lab in no_total[:_MAX_LISTED]))
    return pop


# -- the calibration functions (R's cal.linear, cal.raking, cal.logit) --------------------------
def _fm1(kind: str, u: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if kind == "linear":
        return np.minimum(np.maximum(u + 1, lo), hi) - 1
    if kind == "raking":
        with np.errstate(over="ignore"):
            return np.minimum(np.maximum(np.exp(u), lo), hi) - 1
    a = (hi - lo) / ((hi - 1) * (1 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        return (lo * (hi - 1) + hi * (1 - lo) * e) / (hi - 1 + (1 - lo) * e) - 1


def _df(kind: str, u: np.ndarray, lo: float, hi: float) -> np.ndarray:
    inside = (u < hi - 1) & (u > lo - 1)
    if kind == "linear":
        return inside.astype(np.float64)
    if kind == "raking":
        with np.errstate(over="ignore"):
            return np.where(inside, np.exp(u), 0.0)
    a = (hi - lo) / ((hi - 1) * (1 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        den = hi - 1 + (1 - lo) * e
        return hi * (1 - lo) * e * a / den - ((lo * (hi - 1) + hi * (1 - lo) * e) * ((1 - lo) * e * a)) / den**2


def grake(mm: np.ndarray, ww: np.ndarray, kind: str, lo: float, hi: float, population: np.ndarray,
          epsilon: float, maxit: int) -> tuple[np.ndarray, float | None]:
    """R's ``grake``: Newton steps on the calibration equations (generalised inverse,
    step halving on non-finite values, R's pre-scaling when the weights are far below
    the totals). Returns the g factors and, when it did not converge, the misfit."""
    sample_total = mm.T @ ww
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    g = 1 + _fm1(kind, xeta, lo, hi)
    deriv = _df(kind, xeta, lo, hi)
    it = 1
    scale = None
    with np.errstate(divide="ignore"):
        scales = population / sample_total
    if scales.min() > 20:
        scale = float(scales.mean())
        ww = ww * scale
        sample_total = sample_total * scale
    failed = None
    while True:
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = population - sample_total - mm.T @ (ww * _fm1(kind, xeta, lo, hi))
        deta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = mm @ eta
        g = 1 + _fm1(kind, xeta, lo, hi)
        deriv = _df(kind, xeta, lo, hi)
        while it < maxit and not (np.isfinite(g).all() and np.isfinite(deriv).all()):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta
            g = 1 + _fm1(kind, xeta, lo, hi)
            deriv = _df(kind, xeta, lo, hi)
        misfit = population - sample_total - mm.T @ (ww * _fm1(kind, xeta, lo, hi))
        achieved = np.abs(misfit) / (1 + np.abs(population))
        if (achieved < epsilon).all():
            break
        it += 1
        if it > maxit:
            failed = float(achieved.max())
            break
    if scale is not None:
        g = g * scale
    return g, failed


def linear_g(mm: np.ndarray, ww: np.ndarray, population: np.ndarray) -> np.ndarray:
    """R's ``regcalibrate`` (unbounded linear calibration): ``g = 1 + X (X'WX)^-1 (T - X'w)``."""
    tmat = (mm * ww[:, None]).T @ mm
    return 1 + mm @ np.linalg.solve(tmat, population - mm.T @ ww)


# -- the steps a Taylor design keeps to compute its variance ------------------------------------
@dataclass
class _Step:
    """One projection of the linearised variable, ``x <- x - B M^-1 T'x``, as R's
    ``svyrecvar`` applies the post-strata (``test`` T, ``basis`` B: rows x K sparse or
    dense; ``solve`` M^-1: K x K)."""

    test: Any
    basis: Any
    solve: np.ndarray


@dataclass
class Calibration:
    """The projections of a calibrated Taylor design, in the order R applies them, and the
    schedule (raking repeats its margins ten times, as ``svyrecvar``)."""

    steps: list[_Step] = field(default_factory=list)
    schedule: list[int] = field(default_factory=list)
    _cross: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)

    def add(self, steps: list[_Step], repeat: int = 1) -> Calibration:
        out = Calibration(list(self.steps), list(self.schedule))
        first = len(out.steps)
        out.steps.extend(steps)
        out.schedule.extend(list(range(first, first + len(steps))) * repeat)
        return out

    def cross(self, j: int, k: int) -> np.ndarray:
        if (j, k) not in self._cross:
            prod = self.steps[j].test.T @ self.steps[k].basis
            self._cross[(j, k)] = np.asarray(prod.todense() if sp.issparse(prod) else prod)
        return self._cross[(j, k)]

    def coefficients(self, x0: Any) -> list[np.ndarray]:
        """The coefficients ``c_j`` (K_j x D) such that the projected variable is
        ``x0 + sum_j B_j c_j``; ``x0`` is rows x D (sparse)."""
        first = []
        for step in self.steps:
            t = step.test.T @ x0
            first.append(np.asarray(t.todense() if sp.issparse(t) else t))
        coefs = [np.zeros_like(f) for f in first]
        for j in self.schedule:
            s = first[j].copy()
            for k, c in enumerate(coefs):
                if c.any():
                    s += self.cross(j, k) @ c
            coefs[j] -= self.steps[j].solve @ s
        return coefs


def _indicator(codes: np.ndarray, values: np.ndarray, k: int) -> Any:
    n = len(codes)
    return sp.csr_matrix((values, (np.arange(n), codes)), shape=(n, k))


def _options(lang: str, func: str, calfun: str, bounds: tuple[float, float], max_iter: int,
             epsilon: float) -> tuple[float, float]:
    check_option(func, "calfun", calfun, CALFUNS, lang)
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise _design_error("survey.calibration.bounds", lang, got=repr(bounds)) from None
    if not lo < 1 < hi:
        raise _design_error("survey.calibration.bounds", lang, got=repr(bounds))
    if calfun == "logit" and not (np.isfinite(lo) and np.isfinite(hi)):
        raise _design_error("survey.calibration.logit_bounds", lang, got=repr(bounds))
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise _design_error("survey.calibration.max_iter", lang, got=repr(max_iter))
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
        raise _design_error("survey.calibration.epsilon", lang, got=repr(epsilon))
    return lo, hi


class _Calibrating:
    """The calibration methods both designs share; each design supplies ``_reweighted``."""

    lang: Lang
    n_rows: int
    data: pd.DataFrame
    _w: np.ndarray

    if TYPE_CHECKING:
        def _require(self, columns: Sequence[str | None], func: str) -> None: ...

    def _reweighted(self, fn: Any) -> Any:
        """A copy of the design with the weights ``fn`` makes."""
        raise NotImplementedError

    def _reset_caches(self) -> None:
        """Forget what was read with the old weights."""
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._variable_facts: OrderedDict[Any, Any] = OrderedDict()
        self._dense: dict[Any, Any] = {}

    def _model(self, variables: Sequence[str], margins: list[Margin]) -> tuple[np.ndarray, np.ndarray]:
        """R's model matrix for ``~a + b + x`` (intercept and treatment dummies of each
        categorical margin, numeric variables as they are) and its population totals."""
        cols: list[np.ndarray] = []
        totals: list[float] = []
        intercept = None
        for margin in margins:
            if margin.numeric:
                (name,) = margin.columns
                self._require([name], "calibrate")
                x = _numeric(self.data, name, self.lang, "calibrate")
                if np.isnan(x).any():
                    bad = np.flatnonzero(np.isnan(x))
                    raise _design_error(
                        "survey.calibration.missing_category", self.lang,
                        problems=[{"row": int(r) + 1, "column": name, "value": "NA",
                                   "expected": "a number"} for r in bad[:1000]],
                        column=name, count=len(bad), rows=", ".join(str(int(r) + 1) for r in bad[:_MAX_LISTED]))
                cols.append(x)
                totals.append(margin.totals[()])
                continue
            codes, labels = _cells(self, margin.columns)
            pop = _match(self, margin, labels)
            if intercept is None:
                intercept = float(pop.sum())
            for k in range(1, len(labels)):
                cols.append((codes == k).astype(np.float64))
                totals.append(float(pop[k]))
        if intercept is not None:
            cols.insert(0, np.ones(self.n_rows))
            totals.insert(0, intercept)
        return np.column_stack(cols), np.asarray(totals)

    # -- the public methods ------------------------------------------------------------------
    def post_stratify(self, by: str | Sequence[str], population: Any, *, partial: bool = False) -> Any:
        """Post-stratify the weights to population counts of the cells of ``by`` (one or
        several crossed columns), as R's ``postStratify``.

        ``population`` is a tidy table (or a file for :func:`indicators.read`) with one
        row per cell and its ``total``. A cell with a population total but no sample
        row is an error naming it (``partial=True`` leaves such cells out, as R).

        >>> import pandas as pd
        >>> from indicators import SurveyDesign
        >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "area": ["U", "U", "R", "R"], "y": [1.0, 0, 1, 1]})
        >>> pop = pd.DataFrame({"area": ["U", "R"], "total": [30, 10]})
        >>> SurveyDesign(micro, weights="w").post_stratify("area", pop).total("y").estimate.iloc[0]
        np.float64(25.0)
        """
        check_option("post_stratify", "partial", partial, [True, False], self.lang)
        columns = tuple(_as_list(by))
        margin = read_population(population, ["*".join(columns)], self.lang)[0]
        codes, labels = _cells(self, columns)
        pop = _match(self, margin, labels, partial=partial)
        return self._reweighted(_PostStratify(codes, pop))

    def rake(self, margins: Sequence[str | Sequence[str]], population: Any, *, max_iter: int = 10,
             epsilon: float = 1.0) -> Any:
        """Rake the weights to the population totals of several margins (iterative
        post-stratification), as R's ``rake``: at most ``max_iter`` sweeps, stopping
        when no cell of the crossed table of all margin variables moves by ``epsilon``
        or more (below 1: a fraction of the total weight). Each margin is a column or
        several crossed columns; ``population`` a tidy table of totals.
        """
        names = [tuple(_as_list(m)) for m in margins]
        if not names:
            raise _design_error("survey.calibration.no_margins", self.lang)
        if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
            raise _design_error("survey.calibration.max_iter", self.lang, got=repr(max_iter))
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or not epsilon > 0:
            raise _design_error("survey.calibration.epsilon", self.lang, got=repr(epsilon))
        found = read_population(population, ["*".join(n) for n in names], self.lang)
        parts = []
        for margin in found:
            codes, labels = _cells(self, margin.columns)
            parts.append((codes, _match(self, margin, labels)))
        all_columns = tuple(dict.fromkeys(c for n in names for c in n))
        table_codes, _ = _cells(self, all_columns)
        return self._reweighted(_Rake(parts, table_codes, int(max_iter), float(epsilon)))

    def calibrate(self, variables: Sequence[str | Sequence[str]], population: Any, *,
                  calfun: CalFun = "linear", bounds: tuple[float, float] = (-np.inf, np.inf),
                  max_iter: int = 50, epsilon: float = 1e-7, force: bool = False) -> Any:
        """Calibrate the weights to population totals, as R's ``calibrate``: ``calfun``
        ``linear`` (GREG), ``raking`` (raking ratio) or ``logit``, with ``bounds`` on the
        g factors (the logit needs finite ones), Newton steps until every total is met to
        ``epsilon`` (relative) within ``max_iter`` iterations. ``variables`` are the
        categorical margins (a column, or several crossed) and numeric variables whose
        totals ``population`` gives; the model is R's ``~ a + b + x``. A calibration that
        does not converge is an error unless ``force=True``.
        """
        lo, hi = _options(self.lang, "calibrate", calfun, bounds, max_iter, epsilon)
        check_option("calibrate", "force", force, [True, False], self.lang)
        names = ["*".join(_as_list(v)) for v in variables]
        if not names:
            raise _design_error("survey.calibration.no_margins", self.lang)
        margins = read_population(population, names, self.lang)
        mm, totals = self._model([], margins)
        fn = _Calibrate(mm, totals, calfun, lo, hi, int(max_iter), float(epsilon), force, self.lang)
        return self._reweighted(fn)

    def trim_weights(self, lower: float = -np.inf, upper: float = np.inf, *, strict: bool = False) -> Any:
        """Trim weights to ``[lower, upper]``, sharing what is cut off equally among the
        weights that were not trimmed (R's ``trimWeights``); ``strict`` repeats until no
        weight is outside the limits."""
        check_option("trim_weights", "strict", strict, [True, False], self.lang)
        if not float(lower) < float(upper):
            raise _design_error("survey.calibration.trim_limits", self.lang, lower=lower, upper=upper)
        return self._reweighted(_Trim(float(lower), float(upper), bool(strict)))


# -- the reweighting functions: each maps a weight vector to new weights (and Taylor steps) -----
class _PostStratify:
    def __init__(self, codes: np.ndarray, pop: np.ndarray) -> None:
        self.codes, self.pop = codes, pop

    def __call__(self, w: np.ndarray) -> np.ndarray:
        freq = np.bincount(self.codes, weights=w, minlength=len(self.pop))
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(freq > 0, self.pop / freq, 0.0)
        return w * factor[self.codes]

    def steps(self, old: np.ndarray, new: np.ndarray) -> tuple[list[_Step], int]:
        k = len(self.pop)
        sums = np.bincount(self.codes, weights=old, minlength=k)
        with np.errstate(divide="ignore"):
            solve = np.diag(np.where(sums > 0, 1.0 / sums, 0.0))
        return [_Step(_indicator(self.codes, old / new, k), _indicator(self.codes, new, k), solve)], 1


class _Rake:
    def __init__(self, parts: list[tuple[np.ndarray, np.ndarray]], table: np.ndarray, max_iter: int,
                 epsilon: float) -> None:
        self.parts, self.table, self.max_iter, self.epsilon = parts, table, max_iter, epsilon
        self.last: list[np.ndarray] = []
        self.sweeps: int | None = None

    def full(self, w: np.ndarray) -> np.ndarray:
        """Rake the full-sample weights; remembers the number of sweeps for the replicates
        and the weights after each margin of the last sweep (for the variance)."""
        eps = self.epsilon * w.sum() if self.epsilon < 1 else self.epsilon
        cells = int(self.table.max()) + 1
        old = np.bincount(self.table, weights=w, minlength=cells)
        sweeps = 0
        converged = False
        while sweeps < self.max_iter:
            self.last = []
            for codes, pop in self.parts:
                w = _PostStratify(codes, pop)(w)
                self.last.append(w)
            new = np.bincount(self.table, weights=w, minlength=cells)
            sweeps += 1
            if np.abs(old - new).max() < eps:
                converged = True
                break
            old = new
        self.sweeps = sweeps
        self.converged = converged
        return w

    def __call__(self, w: np.ndarray) -> np.ndarray:
        if self.sweeps is None:
            return self.full(w)
        for _ in range(self.sweeps):
            for codes, pop in self.parts:
                w = _PostStratify(codes, pop)(w)
        return w

    def steps(self, old: np.ndarray, new: np.ndarray) -> tuple[list[_Step], int]:
        out = []
        for (codes, pop), psw in zip(self.parts, self.last):
            k = len(pop)
            count = np.bincount(codes, minlength=k)
            out.append(_Step(_indicator(codes, 1.0 / psw, k), _indicator(codes, psw, k),
                             np.diag(1.0 / np.maximum(count, 1))))
        return out, 10  # svyrecvar iterates the raking projections ten times


class _Calibrate:
    def __init__(self, mm: np.ndarray, totals: np.ndarray, calfun: str, lo: float, hi: float,
                 max_iter: int, epsilon: float, force: bool, lang: str) -> None:
        self.mm, self.totals, self.calfun = mm, totals, calfun
        self.lo, self.hi, self.max_iter, self.epsilon, self.force = lo, hi, max_iter, epsilon, force
        self.lang = lang
        self.g: np.ndarray | None = None

    def __call__(self, w: np.ndarray) -> np.ndarray:
        if self.calfun == "linear" and np.isinf(self.lo) and np.isinf(self.hi):
            try:
                g = linear_g(self.mm, w, self.totals)
            except np.linalg.LinAlgError:
                raise _design_error("survey.calibration.singular", self.lang) from None
        else:
            g, failed = grake(self.mm, w, self.calfun, self.lo, self.hi, self.totals, self.epsilon,
                              self.max_iter)
            # R checks the full-sample weights only; a replicate keeps what it reached.
            if failed is not None and not self.force and self.g is None:
                raise _design_error("survey.calibration.no_convergence", self.lang,
                                    achieved=f"{failed:.3g}", iterations=self.max_iter,
                                    calfun=self.calfun)
        if self.g is None:
            self.g = g
        return w * g

    def steps(self, old: np.ndarray, new: np.ndarray) -> tuple[list[_Step], int]:
        assert self.g is not None
        a = (self.mm * old[:, None]).T @ self.mm
        solve = np.linalg.pinv(a)
        return [_Step(self.mm / self.g[:, None], self.mm * new[:, None], solve)], 1


class _Trim:
    def __init__(self, lower: float, upper: float, strict: bool) -> None:
        self.lower, self.upper, self.strict = lower, upper, strict

    def __call__(self, w: np.ndarray) -> np.ndarray:
        while True:
            outside = (w < self.lower) | (w > self.upper)
            if not outside.any():
                return w
            new = np.clip(w, self.lower, self.upper)
            cut = w - new
            new[~outside] += cut.sum() / (~outside).sum()
            w = new
            if not self.strict:
                return w

    def steps(self, old: np.ndarray, new: np.ndarray) -> tuple[list[_Step], int]:
        return [], 0


def reweighted_taylor(design: Any, fn: Any) -> Any:
    """A copy of a Taylor design with the weights ``fn`` gives and the projections its
    variance needs."""
    old = design._w
    new = fn.full(old) if isinstance(fn, _Rake) else fn(old)
    if isinstance(fn, _Rake) and not fn.converged:
        import warnings

        warnings.warn(message("survey.calibration.rake_not_converged", design.lang, sweeps=fn.sweeps),
                      stacklevel=3)
    steps, repeat = fn.steps(old, new)
    out = copy.copy(design)
    out._w = np.ascontiguousarray(new, dtype=np.float64)
    if steps:
        base = design._calibration if design._calibration is not None else Calibration()
        out._calibration = base.add(steps, repeat)
    out._reset_caches()
    return out


def reweighted_replicate(design: Any, fn: Any) -> Any:
    """A copy of a replicate design with the full-sample weights and every replicate
    column reweighted the same way (R's calibrate/rake/postStratify on ``svyrep.design``)."""
    old = design._w
    new = fn.full(old) if isinstance(fn, _Rake) else fn(old)
    if isinstance(fn, _Rake) and not fn.converged:
        import warnings

        warnings.warn(message("survey.calibration.rake_not_converged", design.lang, sweeps=fn.sweeps),
                      stacklevel=3)
    source = design._rep_matrix()
    repw = np.empty_like(source)
    for j in range(repw.shape[1]):
        repw[:, j] = fn(source[:, j])
    out = copy.copy(design)
    out._w = np.ascontiguousarray(new, dtype=np.float64)
    out._repw = np.ascontiguousarray(repw)
    out._reset_caches()
    out._degf_value = None  # worked out when first asked for
    out._keys = None
    out._unit = out._factors = None
    return out

