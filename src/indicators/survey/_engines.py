"""Survey estimation on Polars, DuckDB and PySpark frames, through Narwhals.

Private. A design built on a frame of another engine keeps the frame where it is: the
one pass over the rows (weighted sums and counts per (stratum, PSU, domain) cell, and
per replicate for replicate designs) runs in the engine, and only that small table
comes back to numpy, where the variance algebra of :mod:`._core` and
:mod:`._replicate` (the one that matches R) runs unchanged. Means, proportions,
totals and ratios by domain are supported; what needs every row in memory (quantiles,
calibration, replicate weights made from the design, multistage variances, the
analysis functions) raises a :class:`DesignError` naming the engine.

>>> engine_of([1, 2])
"""

from __future__ import annotations

import ast
import operator
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._codes import error, problem
from .._options import validate_options
from ..errors import DataError, DefinitionError, DesignError
from ..i18n import Lang, check_lang, check_option, message
from . import _replicate as _rep
from ._core import (
    PairIndex,
    StrataInfo,
    beta_ci,
    combine_cells,
    domain_degf,
    domain_values,
    factorize,
    glm_logit_start,
    glm_wald_factors,
    ratio_variance,
    stratified_variance,
    wald_ci,
)
from ._designs import ReplicateDesign, SurveyDesign, _one_minus_fraction
from ._domains import (
    _MAX_LISTED,
    LonelyPSU,
    ReplicateType,
    _as_list,
    _design_error,
    _Domains,
    _Row,
    _rows_text,
)
from ._estimates import Estimates
from ._estimators import _share_interval

__all__ = ["ENGINES", "EngineExpressions", "EngineReplicateDesign", "EngineSurveyDesign",
           "distinct_values", "engine_class", "engine_of", "memory_budget", "open_large", "open_microdata",
           "parse_size",
           "unsupported"]

#: Engines by the top-level module of their frames: (name shown to users, extra to install).
ENGINES: dict[str, tuple[str, str]] = {
    "polars": ("Polars", "polars"),
    "duckdb": ("DuckDB", "duckdb"),
    "pyspark": ("PySpark", "spark"),
}
_P = "__ind_"  # prefix of the columns made in the engine


def engine_of(data: Any) -> str | None:
    """The engine of a frame (``polars``, ``duckdb``, ``pyspark``), or None."""
    root = type(data).__module__.split(".", 1)[0]
    return root if root in ENGINES else None


def engine_class(cls: type, data: Any) -> type | None:
    """The engine subclass of a design class for ``data``, or None (pandas or unknown)."""
    if engine_of(data) is None:
        return None
    if issubclass(cls, EngineSurveyDesign) or issubclass(cls, EngineReplicateDesign):
        return cls
    if issubclass(cls, ReplicateDesign):
        return EngineReplicateDesign
    if issubclass(cls, SurveyDesign):
        return EngineSurveyDesign
    return None


def _narwhals(kind: str, lang: str) -> Any:
    try:
        import narwhals as nw
    except ImportError:  # pragma: no cover - narwhals comes with every engine extra
        name, extra = ENGINES[kind]
        raise _design_error("survey.engine.extra", lang, engine=name, extra=extra) from None
    return nw


def unsupported(kind: str, what: str, lang: str) -> DesignError:
    """The error for what a design on an engine frame cannot do."""
    return _design_error("survey.engine.unsupported", lang, engine=ENGINES[kind][0], what=what)


class _Engine:
    """A frame of another engine seen through Narwhals: its columns, passes and rows."""

    def __init__(self, data: Any, lang: str) -> None:
        self.kind = engine_of(data)
        assert self.kind is not None
        self.name = ENGINES[self.kind][0]
        self.lang = lang
        nw = self.nw = _narwhals(self.kind, lang)
        frame = nw.from_native(data)
        if isinstance(frame, nw.DataFrame):
            frame = frame.lazy()
        self.frame = frame
        self.schema = dict(frame.collect_schema().items())
        self.columns = [str(c) for c in self.schema]

    def numeric(self, column: str, func: str) -> Any:
        """The column as a Float64 expression; DataError if it is neither numeric nor boolean."""
        dtype = self.schema[column]
        nw = self.nw
        if not (dtype.is_numeric() or dtype == nw.Boolean):
            raise error("survey.engine.not_numeric", self.lang, column=column, func=func,
                        engine=self.name, dtype=str(dtype), value=str(dtype),
                        expected="a numeric column")
        return nw.col(column).cast(nw.Float64)

    def usable(self, expr: Any) -> Any:
        """True where a Float64 expression holds a number (not null, not NaN)."""
        return self.nw.when(expr.is_null()).then(self.nw.lit(False)).otherwise(~expr.is_nan())

    def flag(self, condition: Any) -> Any:
        """1.0 where ``condition`` is true, else 0.0 (null counts as false)."""
        nw = self.nw
        return nw.when(condition).then(nw.lit(1.0)).otherwise(nw.lit(0.0))

    def aggregate(self, keys: Sequence[str], columns: dict[str, Any],
                  stages: Sequence[dict[str, Any]] = ()) -> pd.DataFrame:
        """One pass: each expression of ``columns`` summed per group of ``keys`` (plus the
        rows, ``__ind_n``), after the columns of ``stages`` are made in turn; the small
        table comes back as pandas."""
        nw = self.nw
        keys = list(dict.fromkeys(keys))
        frame = self.frame
        for stage in stages:
            frame = frame.with_columns(**stage)
        frame = frame.with_columns(**columns) if columns else frame
        aggs = [nw.len().alias(_P + "n"), *(nw.col(name).sum().alias(name) for name in columns)]
        if keys:
            out = frame.group_by(*keys, drop_null_keys=False).agg(*aggs)
        else:
            out = frame.select(*aggs)
        table = out.collect().to_pandas()
        return table.reset_index(drop=True)

    def rows_where(self, condition: Any, limit: int = 1000, column: str | None = None) -> Any:
        """Data row numbers (1 = first) where ``condition`` holds, at most ``limit`` of them,
        in the frame's order (the order of the file for a scan)."""
        nw = self.nw
        native = self.frame.to_native()
        name = _P + "row"
        if self.kind == "polars":
            numbered = nw.from_native(native.with_row_index(name, offset=1))
        elif self.kind == "duckdb":
            numbered = nw.from_native(native.project(f"*, row_number() OVER () AS {name}"))
        else:
            from pyspark.sql import Window
            from pyspark.sql import functions as F

            order = Window.orderBy(F.monotonically_increasing_id())
            numbered = nw.from_native(native.withColumn(name, F.row_number().over(order)))
        picked = [name] if column is None else [name, column]
        found = numbered.filter(condition).select(*picked).sort(name).head(limit).collect().to_pandas()
        rows = np.asarray(found[name].to_numpy(), dtype=np.int64)
        return rows if column is None else (rows, found[column].tolist())


class _EngineMixin:
    """What the engine designs share: the checks and the estimators on cell sums."""

    _engine: _Engine
    lang: Lang
    weights: str | None
    n_rows: int

    # -- construction -----------------------------------------------------------------------------
    def _require(self, columns: Sequence[str | None], func: str) -> None:
        have = set(self._engine.columns)
        missing = [c for c in columns if c is not None and c not in have]
        if missing:
            raise _design_error(
                "survey.design.missing_column", self.lang,
                problems=[{"column": c, "expected": "a column of the microdata"} for c in missing],
                columns=", ".join(repr(c) for c in missing), func=func,
                available=", ".join(self._engine.columns[:30]))

    def _good_weight(self, column: str, func: str) -> Any:
        """Expression: the weight is a positive finite number."""
        try:
            w = self._engine.numeric(column, func)
        except DataError as exc:
            raise DesignError(exc.message, problems=exc.problems) from None
        nw = self._engine.nw
        return nw.when(w.is_null()).then(nw.lit(False)).otherwise(w.is_finite() & (w > 0))

    def _bad_weights(self, column: str, count: int, good: Any) -> DesignError:
        rows = self._engine.rows_where(~good)
        return _design_error(
            "survey.design.bad_weights", self.lang,
            problems=[{"row": int(r), "column": column, "expected": "a positive number"}
                      for r in rows],
            column=column, count=count, rows=_rows_text(rows))

    def _missing_codes(self, column: str, role: str, count: int) -> DesignError:
        rows = self._engine.rows_where(self._engine.nw.col(column).is_null())
        return _design_error(
            "survey.design.missing_code", self.lang,
            problems=[{"row": int(r), "column": column, "value": "NA",
                       "expected": f"a {role} code"} for r in rows],
            column=column, role=role, count=count, rows=_rows_text(rows))

    def _w_expr(self) -> Any:
        assert self.weights is not None
        return self._engine.nw.col(self.weights).cast(self._engine.nw.Float64)

    # -- what is not done on an engine --------------------------------------------------------
    @property
    def _w(self) -> np.ndarray:
        raise unsupported(self._engine.kind or "", message("survey.engine.what.rows", self.lang),
                          self.lang)

    def quantile(self, *args: Any, **kwargs: Any) -> Estimates:
        """Not on engine frames (quantiles need the rows sorted in memory)."""
        raise unsupported(self._engine.kind or "", "quantile()", self.lang)

    def post_stratify(self, *args: Any, **kwargs: Any) -> Any:
        """Not on engine frames (calibration changes every row's weight)."""
        raise unsupported(self._engine.kind or "", "post_stratify()", self.lang)

    def rake(self, *args: Any, **kwargs: Any) -> Any:
        """Not on engine frames (calibration changes every row's weight)."""
        raise unsupported(self._engine.kind or "", "rake()", self.lang)

    def calibrate(self, *args: Any, **kwargs: Any) -> Any:
        """Not on engine frames (calibration changes every row's weight)."""
        raise unsupported(self._engine.kind or "", "calibrate()", self.lang)

    def trim_weights(self, *args: Any, **kwargs: Any) -> Any:
        """Not on engine frames (trimming changes every row's weight)."""
        raise unsupported(self._engine.kind or "", "trim_weights()", self.lang)

    def _derive(self, columns: Mapping[str, Any]) -> Any:
        """The same design with extra columns, given as Narwhals expressions."""
        import copy

        clone = copy.copy(self)
        engine = copy.copy(self._engine)
        engine.frame = engine.frame.with_columns(**columns)
        engine.schema = dict(engine.frame.collect_schema().items())
        engine.columns = [str(c) for c in engine.schema]
        clone._engine = engine
        return clone

    # -- the estimators -------------------------------------------------------------------------
    def _cell_keys(self) -> list[str]:
        raise NotImplementedError

    def _replicate_exprs(self) -> list[Any]:
        return []

    def _linear(self, statistic: str, names: list[str], dens: list[str] | None,
                by: str | Sequence[str] | None, na_rm: bool, level: float, ci_method: str,
                deff: bool, cv_limits: tuple[float, float], min_n: int) -> Estimates:
        design: Any = self
        limits = design._check_common(statistic, level, cv_limits, min_n, na_rm)
        check_option(statistic, "deff", deff, [True, False], self.lang)
        by_names = tuple(_as_list(by))
        if by_names:
            self._require(list(by_names), "by")
        eng = self._engine
        nw = eng.nw
        if ci_method == "likelihood":
            raise unsupported(eng.kind or "", message("survey.engine.what.likelihood", self.lang), self.lang)
        binary = statistic == "proportion" or ci_method in ("logit", "beta", "asin", "xlogit")
        want_df = ci_method in ("wald_t", "logit", "beta", "mean", "asin", "xlogit")
        w = self._w_expr()
        reps = self._replicate_exprs()
        cols: dict[str, Any] = {_P + "sw": w}
        for i, name in enumerate(names):
            y = eng.numeric(name, statistic)
            ok = eng.usable(y)
            x = None
            if dens is not None:
                x = eng.numeric(dens[i], statistic)
                ok = ok & eng.usable(x)
            okf = eng.flag(ok)
            y0 = nw.when(ok).then(y).otherwise(nw.lit(0.0))
            p = f"{_P}{i}_"
            cols[p + "n"] = okf
            cols[p + "sw"] = w * okf
            cols[p + "sy"] = w * y0
            cols[p + "syy"] = w * y0 * y0
            if binary:
                cols[p + "bad"] = eng.flag(ok & (y != 0) & (y != 1))
            x0 = None
            if x is not None:
                x0 = nw.when(ok).then(x).otherwise(nw.lit(0.0))
                cols[p + "sx"] = w * x0
                cols[p + "sxx"] = w * x0 * x0
                cols[p + "sxy"] = w * x0 * y0
            for r, rw in enumerate(reps):
                cols[f"{p}ry{r}"] = rw * y0
                if statistic != "total":
                    cols[f"{p}rx{r}"] = rw * (x0 if x0 is not None else okf)
        if want_df and reps:
            for r in range(len(reps)):
                for s in range(r, len(reps)):
                    for i in range(len(names)):
                        cols[f"{_P}{i}_g{r}_{s}"] = reps[r] * reps[s] * cols[f"{_P}{i}_n"]
        cells = eng.aggregate([*self._cell_keys(), *by_names], cols)
        if binary:
            for i, name in enumerate(names):
                bad = int(cells[f"{_P}{i}_bad"].sum())
                if bad:
                    y = eng.numeric(name, statistic)
                    found, values = eng.rows_where(eng.usable(y) & (y != 0) & (y != 1), column=name)
                    text = message("survey.data.not_binary", self.lang, column=name, func=statistic,
                                   rows=_rows_text(found), value=repr(values[0]) if values else "?")
                    raise DataError(text, problems=[
                        problem("survey.data.not_binary", self.lang, message=text, row=int(r),
                                column=name, value=repr(x), expected="0, 1 or missing")
                        for r, x in zip(found, values)])
        frame = _CellFrame(self, cells, by_names)
        if frame.outside_rows:
            import warnings

            warnings.warn(message("survey.by.missing", self.lang, count=frame.outside_rows,
                                  columns=", ".join(by_names)), stacklevel=4)
        D = frame.n_domains
        rows: list[_Row] = []
        for i, name in enumerate(names):
            p = f"{_P}{i}_"
            v = _CellVar(cells, p, statistic, dens is not None, len(reps))
            est, var, den, total, lost, lost_w = self._sums(frame, v)
            n = frame.counts - lost
            with np.errstate(invalid="ignore", divide="ignore"):
                se = np.sqrt(var)
            df = self._domain_degf(frame, v) if want_df else None
            if ci_method == "logit":
                est, lo, hi = self._engine_logit(frame, v, name, est, level, df)
            elif ci_method == "beta":
                assert df is not None
                lo, hi = beta_ci(est, se, level, df, n)
            elif ci_method in ("mean", "asin", "xlogit"):
                lo, hi = _share_interval(est, se, level, df, ci_method, n)
            else:
                lo, hi = wald_ci(est, se, level, df)
            if deff:
                d_eff = _deff(frame, statistic, v, n, est, var, den, lost_w)
            else:
                d_eff = np.full(D, np.nan)
            if not na_rm:
                bad_dom = lost > 0
                est, se, lo, hi, d_eff = (np.where(bad_dom, np.nan, a) for a in (est, se, lo, hi, d_eff))
            label = name if dens is None else f"{name}/{dens[i]}"
            rows.append((label, est, se, lo, hi, d_eff, n))
        ctx = _Domains(by_names, frame.values, D)
        return design._result(statistic, ctx, rows, level, ci_method, na_rm, limits, min_n,  # type: ignore[no-any-return]
                              extra={"deff": deff, "engine": eng.name})

    def _sums(self, frame: _CellFrame, v: _CellVar) -> tuple[np.ndarray, ...]:
        raise NotImplementedError

    def _domain_degf(self, frame: _CellFrame, v: _CellVar) -> np.ndarray:
        raise NotImplementedError

    def _engine_logit(self, frame: _CellFrame, v: _CellVar, name: str, est: np.ndarray,
                      level: float, df: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``svyciprop(method="logit")`` from the engine: see :func:`_logit_fit`."""
        sw_ok = frame.by_domain(v.col("sw"))
        n_ok = frame.by_domain(v.col("n"))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_w = sw_ok / np.maximum(n_ok, 1)
        first = self._first_step(frame, v, name, mean_w)
        first_dom = _first_by_domain(frame, first, self._cell_keys())
        S1 = frame.by_domain(v.col("sy")) / np.where(mean_w > 0, mean_w, 1.0)
        S0 = np.where(n_ok > 0, sw_ok / np.where(mean_w > 0, mean_w, 1.0), 0.0)
        coef, factor, info, one_step = _logit_fit(S1, S0, first_dom)
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.exp(coef) / (1 + np.exp(coef))
        se_coef = self._logit_se(frame, v, coef, mu, factor, mean_w, one_step, first, info)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            f_lo, f_hi = glm_wald_factors(level, df)
            lo_eta, hi_eta = coef + f_lo * se_coef, coef + f_hi * se_coef
            lo = np.exp(lo_eta) / (1 + np.exp(lo_eta))
            hi = np.exp(hi_eta) / (1 + np.exp(hi_eta))
        return mu, lo, hi

    def _first_step(self, frame: _CellFrame, v: _CellVar, name: str,
                    mean_w: np.ndarray) -> pd.DataFrame:
        """The first IRLS step of R's ``glm.fit`` (started from the rows' own ``mustart``),
        summed per cell in a second pass: it depends on each row's weight over its domain's
        mean weight, which only the first pass gives."""
        eng = self._engine
        nw = eng.nw
        y = eng.numeric(name, "proportion")
        ok = eng.usable(y)
        by = frame.by
        m: Any = nw.lit(1.0)
        if by and frame.n_domains:
            chain: Any = None
            for d in range(frame.n_domains):
                cond: Any = None
                for col, values in zip(by, frame.values):
                    value = values[d]
                    c = nw.col(col) == nw.lit(value.item() if hasattr(value, "item") else value)
                    cond = c if cond is None else cond & c
                mw = float(mean_w[d]) if np.isfinite(mean_w[d]) and mean_w[d] > 0 else 1.0
                chain = nw.when(cond).then(nw.lit(mw)) if chain is None else chain.when(cond).then(nw.lit(mw))
            m = chain.otherwise(nw.lit(1.0))
        elif frame.n_domains:
            m = nw.lit(float(mean_w[0]) if np.isfinite(mean_w[0]) and mean_w[0] > 0 else 1.0)
        # Staged columns keep each expression small (a column, not a repeated sub-tree).
        c = {k: nw.col(_P + k) for k in ("ok", "y0", "wn", "eta", "e", "mu", "mev", "g")}
        stages = [
            {_P + "ok": eng.flag(ok), _P + "y0": nw.when(ok).then(y).otherwise(nw.lit(0.0)),
             _P + "wn": self._w_expr() / m},
            {_P + "eta": ((c["wn"] * c["y0"] + 0.5) / (c["wn"] * (1 - c["y0"]) + 0.5)).log()},
            {_P + "e": c["eta"].exp()},
            {_P + "mu": c["e"] / (1 + c["e"]), _P + "mev": c["e"] / ((1 + c["e"]) * (1 + c["e"]))},
            {_P + "g": c["mev"] * c["mev"] / (c["mu"] * (1 - c["mu"]))},
        ]
        w = self._w_expr()
        cols = {
            "num": c["ok"] * c["wn"] * c["g"] * (c["eta"] + (c["y0"] - c["mu"]) / c["mev"]),
            "den": c["ok"] * c["wn"] * c["g"],
            "dev": c["ok"] * 2 * c["wn"] * nw.when(c["y0"] == 1).then(-c["mu"].log())
                                             .otherwise(-(1 - c["mu"]).log()),
            "wyg": c["ok"] * w * c["y0"] * c["g"],
            "wg": c["ok"] * w * c["g"],
        }
        return eng.aggregate([*self._cell_keys(), *by], {_P + k: v_ for k, v_ in cols.items()},
                             stages=stages)

    def _logit_se(self, frame: _CellFrame, v: _CellVar, coef: np.ndarray, mu: np.ndarray,
                  factor: np.ndarray, mean_w: np.ndarray, one_step: np.ndarray,
                  first: pd.DataFrame, info: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _logit_fit(S1: np.ndarray, S0: np.ndarray, first: pd.DataFrame
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """R's intercept-only quasibinomial ``glm.fit`` per domain, as :func:`._core.glm_logit`:
    the first step from the engine's sums (``first`` holds them by domain: ``num``,
    ``den``, ``dev``), the later ones from the domain's sums of the normalised weights of
    its ones (``S1``) and of all its usable rows (``S0``), the linear predictor being
    then the same on every row. Returns the coefficients, the sandwich factor per
    domain (valid where the fit took more than one step), the information, and where
    the fit stopped after its first step."""
    D = len(S1)
    eps = np.finfo(np.float64).eps
    num, den, devold = (first[k].to_numpy(dtype=np.float64) for k in ("num", "den", "dev"))

    def expit(eta: np.ndarray) -> np.ndarray:
        e = np.where(eta < -30, eps, np.where(eta > 30, 1 / eps, np.exp(np.clip(eta, -30, 30))))
        return e / (1 + e)

    def mu_eta(eta: np.ndarray) -> np.ndarray:
        e = np.exp(np.clip(eta, -30, 30))
        return np.where((eta > 30) | (eta < -30), eps, e / ((1 + e) * (1 + e)))

    def deviance(mu: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(S1 > 0, -S1 * np.log(mu), 0.0)
            b = np.where(S0 - S1 > 0, -(S0 - S1) * np.log(1 - mu), 0.0)
        return 2 * (a + b)

    with np.errstate(divide="ignore", invalid="ignore"):
        coef = num / np.where(den > 0, den, 1.0)
    active = S0 > 0
    coef = np.where(active, coef, np.nan)
    info = np.where(active, den, np.nan)
    mu = expit(coef)
    dev = deviance(mu)
    done = np.abs(dev - devold) / (np.abs(dev) + 0.1) < 1e-8
    one_step = active & done
    active &= ~done
    devold = np.where(active, dev, devold)
    factor = np.ones(D)
    for _ in range(24):
        if not active.any():
            break
        eta = coef
        mev = mu_eta(eta)
        var = mu * (1 - mu)
        g = mev * mev / var
        with np.errstate(divide="ignore", invalid="ignore"):
            n_ = g * (eta * S0 + (S1 - mu * S0) / mev)
            d_ = g * S0
            new = np.where(active, n_ / np.where(d_ > 0, d_, 1.0), coef)
        factor = np.where(active, g / mu_eta(new), factor)
        info = np.where(active, d_, info)
        coef = new
        mu = expit(coef)
        dev = deviance(mu)
        done = np.abs(dev - devold) / (np.abs(dev) + 0.1) < 1e-8
        active &= ~done
        devold = np.where(active, dev, devold)
    return coef, factor, info, one_step


class _CellVar:
    """The cell sums of one variable (columns ``<prefix>n``, ``sw``, ``sy``, ...)."""

    def __init__(self, cells: pd.DataFrame, prefix: str, statistic: str, is_ratio: bool,
                 n_reps: int) -> None:
        self.cells, self.prefix, self.statistic = cells, prefix, statistic
        self.is_ratio, self.n_reps = is_ratio, n_reps

    def col(self, key: str) -> np.ndarray:
        return self.cells[self.prefix + key].to_numpy(dtype=np.float64)

    def reps(self, key: str) -> np.ndarray:
        """Cells x replicates."""
        return np.column_stack([self.col(f"{key}{r}") for r in range(self.n_reps)])


class _CellFrame:
    """The cells of one pass mapped to domains (and, for Taylor designs, to PSU pairs)."""

    def __init__(self, design: Any, cells: pd.DataFrame, by: tuple[str, ...]) -> None:
        self.cells = cells
        self.by = by
        self.n = cells[_P + "n"].to_numpy(dtype=np.float64)
        self.sw = cells[_P + "sw"].to_numpy(dtype=np.float64)
        parts = [factorize(cells[name]) for name in by]
        flags = [bool((codes < 0).any()) for codes, _ in parts]
        self.pairs: PairIndex | None = None
        if isinstance(design, EngineSurveyDesign):
            psu = design._cell_psu(cells)
            steps = [(codes, max(len(u), 1), flag) for (codes, u), flag in zip(parts, flags)]
            pairs = PairIndex.build(psu, None, design._strata.n_psus, 1,
                                    psu_stratum=design._strata.psu_stratum, steps=steps)
            self.pairs = pairs
            self.n_domains = pairs.n_domains
            self.values = (domain_values([u for _, u in parts], pairs.cells)
                           if parts and pairs.cells is not None else [])
            self.n_pair = pairs.weighted_sums(self.n)
            self.sw_pair = pairs.weighted_sums(self.sw)
            self.counts = pairs.by_domain(self.n_pair)
            self.wsums = pairs.by_domain(self.sw_pair)
            self.outside_rows = int(self.n_pair[pairs.pair_dom == self.n_domains].sum())
            self.dom = pairs.pair_dom[pairs.pair]  # each cell's domain (n_domains: outside)
        else:
            if parts:
                dom, values, _ = combine_cells(parts, flags)
                self.values = values
                self.n_domains = len(values[0])
            else:
                dom, self.values, self.n_domains = np.zeros(len(cells), dtype=np.int64), [], 1
            self.dom = np.where(dom < 0, self.n_domains, dom)
            self.counts = self.by_domain(self.n)
            self.wsums = self.by_domain(self.sw)
            self.outside_rows = int(self.n[self.dom == self.n_domains].sum())

    def by_domain(self, cell_values: np.ndarray) -> np.ndarray:
        """Add cell values up to domains (0..D-1)."""
        D = self.n_domains
        if cell_values.ndim == 2:
            out = np.zeros((D + 1, cell_values.shape[1]))
            np.add.at(out, self.dom, cell_values)
            return out[:D]
        return np.bincount(self.dom, weights=cell_values, minlength=D + 1)[:D]


def _deff(frame: _CellFrame, statistic: str, v: _CellVar, n: np.ndarray, est: np.ndarray,
          var: np.ndarray, den: np.ndarray, lost_w: np.ndarray) -> np.ndarray:
    """R's ``deff=TRUE`` from the domain sums (as :meth:`_Design._deff`)."""
    syy = frame.by_domain(v.col("syy"))
    with np.errstate(invalid="ignore", divide="ignore"):
        if statistic == "ratio":
            wsum = frame.wsums - lost_w
            sxx, sxy = frame.by_domain(v.col("sxx")), frame.by_domain(v.col("sxy"))
            ss = (syy - 2 * est * sxy + est * est * sxx) / (den * den)
        else:
            if statistic == "total":
                wsum = frame.wsums - lost_w
                ybar = est / wsum
            else:
                wsum, ybar = den, est
            ss = syy - ybar * ybar * wsum
            ss = np.where(np.abs(ss) <= 1e-13 * np.abs(syy), 0.0, ss)
        s2 = n / (n - 1) * ss / wsum
        vsrs = s2 * (wsum - n) / (wsum * n)
        if statistic in ("total", "ratio"):
            vsrs = vsrs * wsum * wsum
        d_eff = var / vsrs
    if statistic in ("mean", "proportion"):
        d_eff = np.where(ss == 0, np.nan, d_eff)
    return np.asarray(d_eff, dtype=np.float64)


@validate_options
class EngineSurveyDesign(_EngineMixin, SurveyDesign):  # type: ignore[override,misc]
    """A :class:`SurveyDesign` on a Polars, DuckDB or PySpark frame (built by
    ``SurveyDesign(frame, ...)``): the sums run in the engine."""

    def __init__(self, data: Any, weights: str | None,
                 strata: str | Sequence[str] | None = None,
                 psu: str | Sequence[str] | None = None, fpc: str | Sequence[str] | None = None,
                 lonely_psu: LonelyPSU = "fail", nest: bool = True, *, pps: Any = None,
                 pps_variance: Any = "HT", pps_psum: Any = None, lang: Lang = "en") -> None:
        self.lang = check_lang(lang, "SurveyDesign")
        self._engine = eng = _Engine(data, self.lang)
        self.pps, self.pps_variance = None, pps_variance
        if pps is not None:
            raise unsupported(eng.kind or "", f"pps={pps!r}", self.lang)
        self.data = data
        self.weights = weights
        self.strata, self.psu, self.fpc = strata, psu, fpc
        self.lonely_psu = lonely_psu
        self.nest = bool(nest)
        self._cache, self._column_codes, self._variable_facts = OrderedDict(), OrderedDict(), OrderedDict()
        self._indptr = None
        stages = self._stage_columns(strata, psu, fpc, weights)
        if len(stages) > 1:
            raise unsupported(eng.kind or "", message("survey.engine.what.multistage", self.lang), self.lang)
        s, c, f = stages[0]
        if c is None:
            raise unsupported(eng.kind or "", message("survey.engine.what.no_psu", self.lang), self.lang)
        if weights is None:
            raise unsupported(eng.kind or "", message("survey.engine.what.fpc_weights", self.lang), self.lang)
        self._stage_strata = s
        nw = eng.nw
        good = self._good_weight(weights, "SurveyDesign")
        cols: dict[str, Any] = {_P + "bad": eng.flag(~good)}
        if f is not None:
            try:
                fv = eng.numeric(f, "SurveyDesign")
            except DataError as exc:
                raise DesignError(exc.message, problems=exc.problems) from None
            cols[_P + "fbad"] = eng.flag(~(eng.usable(fv) & fv.is_finite() & (fv >= 0)))
            cols[_P + "fsum"] = nw.when(eng.usable(fv)).then(fv).otherwise(nw.lit(0.0))
        keys = [k for k in (s, c) if k is not None]
        table = eng.aggregate(keys, cols)
        self.n_rows = int(table[_P + "n"].sum())
        if self.n_rows == 0:
            raise _design_error("survey.design.empty", self.lang)
        bad = int(table[_P + "bad"].sum())
        if bad:
            raise self._bad_weights(weights, bad, good)
        for col, role in ((s, "stratum"), (c, "PSU")):
            if col is not None:
                nulls = table[col].isna()
                if nulls.any():
                    raise self._missing_codes(col, role, int(table.loc[nulls, _P + "n"].sum()))
        if s is not None:
            h, h_values = factorize(table[s])
        else:
            h, h_values = np.zeros(len(table), dtype=np.int64), pd.Index(["(all)"])
        labels, label_values = factorize(table[c])
        if not self.nest and s is not None:
            per_label = np.bincount(labels, minlength=len(label_values))
            repeated = np.flatnonzero(per_label > 1)
            if len(repeated):
                problems = [{"column": c, "value": str(label_values[r]),
                             "expected": "a PSU code used in one stratum only",
                             "field": ", ".join(str(h_values[k]) for k in h[labels == r])}
                            for r in repeated[:_MAX_LISTED]]
                listed = "; ".join(f"{p['value']} ({p['field']})" for p in problems)
                raise _design_error("survey.design.psu_not_nested", self.lang, problems=problems,
                                    count=len(repeated), column=c, psus=listed)
        order = np.lexsort((labels, h))
        code = np.empty(len(table), dtype=np.int64)
        code[order] = np.arange(len(table))
        self._psu_table = table[keys].assign(**{_P + "code": code})
        psu_stratum = np.empty(len(table), dtype=np.int64)
        psu_stratum[code] = h
        H = len(h_values)
        n_psu = np.bincount(psu_stratum, minlength=H)
        if f is not None:
            pop = self._engine_fpc(table, f, h, n_psu, h_values)
        else:
            pop = np.full(H, np.inf)
        f_ = _one_minus_fraction(pop, n_psu)
        self._h_values = h_values
        self._strata = StrataInfo(n_psu=n_psu, f=f_, psu_stratum=psu_stratum, lonely_psu=lonely_psu)
        lonely = np.flatnonzero((n_psu == 1) & ~(f_ < 1e-7))
        self.lonely_strata = tuple(h_values[i] for i in lonely)
        if len(lonely) and lonely_psu == "fail":
            names = ", ".join(str(x) for x in self.lonely_strata[:_MAX_LISTED])
            more = len(lonely) - _MAX_LISTED
            raise _design_error(
                "survey.design.lonely_psu", self.lang,
                problems=[{"column": s, "value": str(x), "expected": "two or more PSUs"}
                          for x in self.lonely_strata],
                count=len(lonely), strata=names + (f" (+{more})" if more > 0 else ""), column=s)
        self._stages = []

    def _engine_fpc(self, table: pd.DataFrame, column: str, h: np.ndarray, n_psu: np.ndarray,
                    h_values: Any) -> np.ndarray:
        """The population PSUs per stratum from the fpc column (as :meth:`SurveyDesign._fpc`)."""
        bad = int(table[_P + "fbad"].sum())
        if bad:
            eng = self._engine
            fv = eng.numeric(column, "SurveyDesign")
            rows = eng.rows_where(~(eng.usable(fv) & fv.is_finite() & (fv >= 0)))
            raise _design_error(
                "survey.design.bad_fpc", self.lang,
                problems=[{"row": int(r), "column": column} for r in rows],
                column=column, count=bad, rows=_rows_text(rows))
        # Rows of one PSU share the fpc when it is constant in the stratum: its mean is it.
        per_psu = table[_P + "fsum"].to_numpy(dtype=np.float64) / table[_P + "n"].to_numpy(dtype=np.float64)
        H = len(n_psu)
        lo = np.full(H, np.inf)
        hi = np.full(H, -np.inf)
        np.minimum.at(lo, h, per_psu)
        np.maximum.at(hi, h, per_psu)
        varying = np.flatnonzero(~np.isclose(lo, hi, rtol=1e-12, atol=0))
        if len(varying):
            raise _design_error(
                "survey.design.fpc_varies", self.lang,
                problems=[{"column": column, "value": str(h_values[k]),
                           "expected": "one fpc value per stratum"} for k in varying],
                column=column, strata=", ".join(str(h_values[k]) for k in varying[:_MAX_LISTED]))
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
                problems=[{"column": column, "value": str(h_values[k]),
                           "expected": f">= {int(n_psu[k])} PSUs"} for k in small],
                column=column, strata=", ".join(str(h_values[k]) for k in small[:_MAX_LISTED]))
        return np.asarray(pop, dtype=np.float64)

    def _cell_keys(self) -> list[str]:
        return [k for k in (self._stage_strata, _as_list(self.psu)[0]) if k is not None]

    def _cell_psu(self, cells: pd.DataFrame) -> np.ndarray:
        """Each cell's PSU code."""
        keys = self._cell_keys()
        merged = cells[keys].merge(self._psu_table, on=keys, how="left", sort=False)
        return merged[_P + "code"].to_numpy(dtype=np.int64)

    def as_replicate(self, *args: Any, **kwargs: Any) -> ReplicateDesign:
        """Not on engine frames (replicate weights are made row by row)."""
        raise unsupported(self._engine.kind or "", "as_replicate()", self.lang)

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "engine": self._engine.name}

    def _present(self, frame: _CellFrame, n_ok_pair: np.ndarray) -> np.ndarray | None:
        if self.lonely_psu == "average" and len(self.lonely_strata):
            return n_ok_pair > 0
        return None

    def _sums(self, frame: _CellFrame, v: _CellVar) -> tuple[np.ndarray, ...]:
        pairs = frame.pairs
        assert pairs is not None
        D = frame.n_domains
        sy = pairs.weighted_sums(v.col("sy"))
        a = pairs.segment_sums(sy)
        Y = np.bincount(pairs.seg_dom, weights=a, minlength=D + 1)[:D]
        n_ok = pairs.weighted_sums(v.col("n"))
        sw_ok = pairs.weighted_sums(v.col("sw"))
        lost = pairs.by_domain(frame.n_pair - n_ok)
        lost_w = pairs.by_domain(frame.sw_pair - sw_ok)
        present = self._present(frame, n_ok)
        if v.statistic == "total":
            var = stratified_variance(sy, pairs, self._strata, present)
            return Y, var, Y, Y, lost, lost_w
        sx = pairs.weighted_sums(v.col("sx")) if v.is_ratio else sw_ok
        b = pairs.segment_sums(sx)
        X = np.bincount(pairs.seg_dom, weights=b, minlength=D + 1)[:D]
        with np.errstate(invalid="ignore", divide="ignore"):
            R = Y / X
        var = ratio_variance(sy, sx, a, b, R, X, pairs, self._strata, present)
        return R, np.where(X > 0, var, np.nan), X, Y, lost, lost_w

    def _domain_degf(self, frame: _CellFrame, v: _CellVar) -> np.ndarray:
        assert frame.pairs is not None
        return domain_degf(frame.pairs, self._strata, frame.pairs.weighted_sums(v.col("n")) > 0)

    def _logit_se(self, frame: _CellFrame, v: _CellVar, coef: np.ndarray, mu: np.ndarray,
                  factor: np.ndarray, mean_w: np.ndarray, one_step: np.ndarray,
                  first: pd.DataFrame, info: np.ndarray) -> np.ndarray:
        """The Taylor variance of the total of the fit's working residuals (R's sandwich)."""
        pairs = frame.pairs
        assert pairs is not None
        D = frame.n_domains
        dom = pairs.pair_dom
        mu_p = np.append(mu, 0.0)[dom]
        scale_p = np.append(factor / mean_w, 0.0)[dom]
        sy = pairs.weighted_sums(v.col("sy"))
        sw = pairs.weighted_sums(v.col("sw"))
        z = np.where(dom < D, (sy - mu_p * sw) * scale_p, 0.0)
        if one_step.any():  # the factor varies by row: its cell sums from the first step
            order = _align(first, frame.cells, self._cell_keys() + list(frame.by))
            wyg = pairs.weighted_sums(first[_P + "wyg"].to_numpy(dtype=np.float64)[order])
            wg = pairs.weighted_sums(first[_P + "wg"].to_numpy(dtype=np.float64)[order])
            eps = np.finfo(np.float64).eps
            e = np.exp(np.clip(coef, -30, 30))
            me = np.where((coef > 30) | (coef < -30), eps, e / ((1 + e) * (1 + e)))
            inv = np.append(1.0 / (me * mean_w), 0.0)[dom]
            alt = (wyg - mu_p * wg) * inv
            z = np.where(np.append(one_step, False)[dom], alt, z)
        present = self._present(frame, pairs.weighted_sums(v.col("n")))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(stratified_variance(z, pairs, self._strata, present)) / info


def _align(table: pd.DataFrame, cells: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """For each row of ``cells``, its row in ``table`` (the same groups of ``keys``)."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return np.zeros(len(cells), dtype=np.int64)
    left = cells[keys].reset_index(drop=True)
    right = table[keys].reset_index(drop=True).assign(**{_P + "at": np.arange(len(table))})
    merged = left.merge(right, on=keys, how="left", sort=False)
    return merged[_P + "at"].to_numpy(dtype=np.int64)


@validate_options
class EngineReplicateDesign(_EngineMixin, ReplicateDesign):  # type: ignore[override,misc]
    """A :class:`ReplicateDesign` on a Polars, DuckDB or PySpark frame (built by
    ``ReplicateDesign(frame, ...)``): the replicate sums run in the engine."""

    def __init__(self, data: Any, weights: str, replicate_weights: str | Sequence[str],
                 type: ReplicateType = "JK1", *, scale: float | None = None,
                 rscales: float | Sequence[float] | None = None, rho: float | None = None,
                 mse: bool = False, combined_weights: bool = True, lang: Lang = "en") -> None:
        self.lang = check_lang(lang, "ReplicateDesign")
        self._engine = eng = _Engine(data, self.lang)
        self.data = data
        self.weights = weights
        self._cache, self._column_codes, self._variable_facts = OrderedDict(), OrderedDict(), OrderedDict()
        self._indptr = None
        if weights is None:
            raise _design_error("survey.design.no_weights", self.lang)
        self._require([weights], "ReplicateDesign")
        if isinstance(replicate_weights, str):
            pattern = re.compile(replicate_weights)
            cols = [c for c in eng.columns if pattern.search(c)]
            if not cols:
                raise _design_error("survey.design.no_replicates", self.lang, pattern=replicate_weights)
        else:
            cols = [str(c) for c in replicate_weights]
            self._require(cols, "ReplicateDesign")
        if len(cols) < 2:
            raise _design_error("survey.design.no_replicates", self.lang, pattern=repr(cols))
        if type == "Fay" and (rho is None or not 0 <= rho < 1):
            raise _design_error("survey.design.fay_rho", self.lang, got=repr(rho))
        nw = eng.nw
        good = self._good_weight(weights, "ReplicateDesign")
        exprs = []
        for col in cols:
            try:
                exprs.append(eng.numeric(col, "ReplicateDesign"))
            except DataError as exc:
                raise DesignError(exc.message, problems=exc.problems) from None
        rep_ok: Any = None
        for e in exprs:
            c = eng.usable(e) & e.is_finite() & (e >= 0)
            rep_ok = c if rep_ok is None else rep_ok & c
        checks: dict[str, Any] = {_P + "bad": eng.flag(~good), _P + "rbad": eng.flag(~rep_ok)}
        table = eng.aggregate([], checks)
        self.n_rows = int(table[_P + "n"].sum())
        if self.n_rows == 0:
            raise _design_error("survey.design.empty", self.lang)
        if int(table[_P + "bad"].sum()):
            raise self._bad_weights(weights, int(table[_P + "bad"].sum()), good)
        if int(table[_P + "rbad"].sum()):
            rows = eng.rows_where(~rep_ok)
            raise _design_error(
                "survey.design.bad_replicates", self.lang,
                problems=[{"row": int(r), "expected": "non-negative numbers"} for r in rows],
                count=int(table[_P + "rbad"].sum()), rows=_rows_text(rows))
        rs = None if rscales is None else np.asarray(rscales, dtype=np.float64)
        if rs is not None and rs.size not in (1, len(cols)):
            raise _design_error("survey.design.rscales_length", self.lang, got=rs.size, n=len(cols))
        if type == "JKn" and rs is None and combined_weights:
            raise _design_error("survey.design.jkn_rscales", self.lang)
        self.combined_weights = bool(combined_weights)
        w = self._w_expr()
        self._reps = [e if combined_weights else e * w for e in exprs]
        maxima = None
        if not combined_weights:  # the scales of uncombined weights need each column's maximum
            out = eng.frame.select(*(e.max().alias(f"{_P}m{j}") for j, e in enumerate(exprs)))
            maxima = out.collect().to_pandas().to_numpy(dtype=np.float64).reshape(1, -1)
        self.scale, self.rscales = _rep.default_scales(type, len(cols), scale, rs, rho,
                                                       combined_weights, maxima)
        self.type = type
        self.rho = rho
        self.mse = bool(mse)
        self.replicate_weights = tuple(cols)
        self._repw = None  # type: ignore[assignment]
        self._keys = None
        self._unit = None
        self._factors = None
        self._degf_value = None
        del nw

    def _cell_keys(self) -> list[str]:
        return []

    def _replicate_exprs(self) -> list[Any]:
        return self._reps

    def _grams(self, gram_cells: np.ndarray) -> np.ndarray:
        """The Gram matrices of the replicate weights (one per row of ``gram_cells``, which
        holds their upper triangles row by row)."""
        R = len(self._reps)
        upper = np.triu_indices(R)
        grams = np.zeros((len(gram_cells), R, R))
        grams[:, upper[0], upper[1]] = gram_cells
        grams[:, upper[1], upper[0]] = gram_cells
        return grams

    def _gram_degf(self, gram_cells: np.ndarray) -> float:
        """Rank of the replicate weights minus one, from their Gram matrix (as
        :func:`._replicate.replicate_degf`)."""
        return float(_rep.gram_ranks(self._grams(gram_cells[None, :]))[0] - 1)

    def degf(self) -> int:
        """Rank of the replicate weights minus one (R's ``degf``), from the engine."""
        if self._degf_value is None:
            reps = self._reps
            cols = {f"{_P}g{r}_{s}": reps[r] * reps[s] for r in range(len(reps))
                    for s in range(r, len(reps))}
            table = self._engine.aggregate([], cols)
            self._degf_value = int(self._gram_degf(table[list(cols)].to_numpy(dtype=np.float64)[0]))
        return self._degf_value

    def weights_frame(self) -> pd.DataFrame:
        """Not on engine frames (the weights stay in the engine)."""
        raise unsupported(self._engine.kind or "", "weights_frame()", self.lang)

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "engine": self._engine.name}

    def _sums(self, frame: _CellFrame, v: _CellVar) -> tuple[np.ndarray, ...]:
        Y = frame.by_domain(v.col("sy"))
        Yr = frame.by_domain(v.reps("ry"))
        lost = frame.counts - frame.by_domain(v.col("n"))
        lost_w = frame.wsums - frame.by_domain(v.col("sw"))
        if v.statistic == "total":
            var = _rep.replicate_variance(Yr, self.scale, self.rscales, self.mse, Y)
            return Y, var, Y, Y, lost, lost_w
        X = frame.by_domain(v.col("sx") if v.is_ratio else v.col("sw"))
        Xr = frame.by_domain(v.reps("rx"))
        with np.errstate(invalid="ignore", divide="ignore"):
            R = Y / X
            thetas = Yr / Xr
        var = _rep.replicate_variance(thetas, self.scale, self.rscales, self.mse, R)
        return R, var, X, Y, lost, lost_w

    def _domain_degf(self, frame: _CellFrame, v: _CellVar) -> np.ndarray:
        D = frame.n_domains
        n_ok = frame.by_domain(v.col("n"))
        if D == 1 and frame.outside_rows == 0 and n_ok[0] == frame.counts[0]:
            return np.full(1, float(self.degf()))
        R = len(self._reps)
        names = [f"g{r}_{s}" for r in range(R) for s in range(r, R)]
        cells = np.column_stack([frame.by_domain(v.col(k)) for k in names])
        out = np.full(D, np.nan)
        some = np.flatnonzero(n_ok > 0)
        if len(some):
            out[some] = _rep.gram_ranks(self._grams(cells[some])) - 1.0
        return out

    def _logit_se(self, frame: _CellFrame, v: _CellVar, coef: np.ndarray, mu: np.ndarray,
                  factor: np.ndarray, mean_w: np.ndarray, one_step: np.ndarray,
                  first: pd.DataFrame, info: np.ndarray) -> np.ndarray:
        """The variance of the replicate refits (``svrVar``), as ``ReplicateDesign._logit``."""
        with np.errstate(invalid="ignore", divide="ignore"):
            p_rep = frame.by_domain(v.reps("ry")) / frame.by_domain(v.reps("rx"))
        betas = glm_logit_start(p_rep, coef)
        with np.errstate(invalid="ignore"):
            return np.sqrt(_rep.replicate_variance(betas, self.scale, self.rscales, self.mse, coef))


def _first_by_domain(frame: _CellFrame, first: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The first IRLS step's sums (``num``, ``den``, ``dev``) by domain."""
    order = _align(first, frame.cells, [*keys, *frame.by])
    return pd.DataFrame({key: frame.by_domain(first[_P + key].to_numpy(dtype=np.float64)[order])
                         for key in ("num", "den", "dev")})


class EngineExpressions:
    """Definition expressions (:class:`indicators.catalog.Expression`) as Narwhals
    expressions, with the pandas evaluation's meaning: the result is a number (a
    boolean counts as 0/1), missing where any variable it names is missing, and a
    division by zero is missing."""

    def __init__(self, engine: _Engine, lang: str) -> None:
        self.engine, self.lang, self.nw = engine, lang, engine.nw

    def missing(self, name: str) -> Any:
        col = self.nw.col(name)
        dtype = self.engine.schema[name]
        return (col.is_null() | col.is_nan()) if dtype.is_float() else col.is_null()

    def evaluate(self, text: str, indicator: str, field: str) -> Any:
        """The expression ``text`` of ``indicator``'s ``field`` as a Float64 expression."""
        from ..catalog import Expression, ExpressionError

        nw = self.nw
        try:
            expr = Expression(text)
        except ExpressionError as exc:
            raise DefinitionError(f"{indicator}, estimation.{field}: {exc}", problems=exc.problems) from None
        missing = sorted(n for n in expr.names if n not in self.engine.schema)
        if missing:
            text_ = message("survey.estimate.missing_variable", self.lang, indicator=indicator, field=field,
                            variables=", ".join(missing), expression=text)
            raise DataError(text_, problems=[
                problem("survey.estimate.missing_variable", self.lang, message=text_, column=m,
                        field=f"{indicator}: estimation.{field}", expected="a column of the microdata")
                for m in missing])
        value = self._visit(expr.tree.body)
        if not isinstance(value, nw.Expr):
            value = nw.lit(float(value))
        gone: Any = None
        for name in sorted(expr.names):
            m = self.missing(name)
            gone = m if gone is None else gone | m
        value = value.cast(nw.Float64)
        if gone is None:
            return value
        return nw.when(gone).then(nw.lit(None, dtype=nw.Float64)).otherwise(value)

    def _visit(self, n: ast.AST) -> Any:
        nw = self.nw
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            return nw.col(n.id)
        if isinstance(n, ast.BinOp):
            a, b = self._visit(n.left), self._visit(n.right)
            if isinstance(n.op, (ast.Div, ast.Mod)):
                b_expr = b if isinstance(b, nw.Expr) else nw.lit(b)
                out = a / b if isinstance(n.op, ast.Div) else a % b
                if not isinstance(out, nw.Expr):
                    out = nw.lit(out)
                return nw.when(b_expr == 0).then(nw.lit(None, dtype=nw.Float64)).otherwise(out)
            ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
                   ast.Pow: operator.pow}
            return ops[type(n.op)](a, b)
        if isinstance(n, ast.UnaryOp):
            v = self._visit(n.operand)
            if isinstance(n.op, ast.Not):
                return ~v if isinstance(v, nw.Expr) else (not v)
            return -v if isinstance(n.op, ast.USub) else v
        if isinstance(n, ast.BoolOp):
            vals = [self._visit(v) for v in n.values]
            out = vals[0]
            for v in vals[1:]:
                out = (out & v) if isinstance(n.op, ast.And) else (out | v)
            return out
        if isinstance(n, ast.Compare):
            left = self._visit(n.left)
            result: Any = None
            cmp = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
                   ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
            for op, comp in zip(n.ops, n.comparators):
                right = self._visit(comp)
                if isinstance(op, (ast.In, ast.NotIn)):
                    vals = list(right) if isinstance(right, (list, tuple)) else [right]
                    r = left.is_in(vals)
                    if isinstance(op, ast.NotIn):
                        r = ~r
                else:
                    r = cmp[type(op)](left, right)
                result = r if result is None else (result & r)
                left = right
            return result
        if isinstance(n, (ast.List, ast.Tuple)):
            return [self._visit(e) for e in n.elts]
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name)
            args = [self._visit(a) for a in n.args]
            name = n.func.id
            if name in ("isna", "notna"):
                arg = n.args[0]
                m = self.missing(arg.id) if isinstance(arg, ast.Name) else args[0].is_null()
                return m if name == "isna" else ~m
            if name == "where":
                return nw.when(args[0]).then(args[1]).otherwise(args[2])
            if name in ("min", "max"):
                exprs = [a if isinstance(a, nw.Expr) else nw.lit(a) for a in args]
                return nw.min_horizontal(*exprs) if name == "min" else nw.max_horizontal(*exprs)
            x = args[0] if isinstance(args[0], nw.Expr) else nw.lit(float(args[0]))
            if name == "abs":
                return x.abs()
            if name == "sqrt":
                return x.sqrt()
            if name == "exp":
                return x.exp()
            if name == "log":
                return x.log()
            if name == "log10":
                return x.log(10)
        raise DefinitionError(f"cannot evaluate {ast.dump(n)[:80]}")


def distinct_values(engine: _Engine, names: Sequence[str]) -> pd.DataFrame:
    """The distinct non-missing values of each column (one query per column), as a frame
    whose columns are padded with missing values."""
    out = {}
    for name in names:
        if name not in engine.schema:
            continue
        found = engine.frame.select(name).unique().collect().to_pandas()[name]
        out[name] = found.dropna().reset_index(drop=True)
    return pd.DataFrame(out)


#: File types read through DuckDB when large.
_LARGE_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv",
                   ".txt": "csv", ".gz": "csv"}
#: How many times its size a file takes once read into pandas (a rough, cautious guess).
_EXPANSION = {"parquet": 8, "csv": 2}
_CONNECTIONS: list[Any] = []  # the DuckDB connection of the large files (one per process)


def duckdb_connection() -> Any:
    """The process's DuckDB connection for large files (made once: a DuckDB instance maps
    a fixed amount of address space, its thread pool and catalog, when it starts)."""
    import duckdb

    if not _CONNECTIONS:
        _CONNECTIONS.append(duckdb.connect())
    return _CONNECTIONS[0]


def _mapped_bytes() -> int:
    """Address space the process already uses (Linux ``VmSize``; 0 elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def memory_budget() -> int:
    """Bytes this process may still use: the free physical memory, or less when an
    address-space limit (``ulimit -v``, ``resource.RLIMIT_AS``) is set."""
    import os

    try:
        budget = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not POSIX
        budget = 8 << 30
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY and soft > 0:
            budget = min(budget, max(soft - _mapped_bytes(), 0))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    return int(budget)


def _size_text(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"  # pragma: no cover


def parse_size(text: str | int | None) -> int | None:
    """``"500MB"``, ``"2G"``, ``1000000`` as bytes (None stays None).

    >>> parse_size("1.5GB"), parse_size("200mb"), parse_size(0)
    (1610612736, 209715200, 0)
    """
    if text is None or isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]?)i?b?\s*", str(text).lower())
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 500MB, 2GB)")
    scale = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}[match.group(2)]
    return int(float(match.group(1)) * scale)


def open_large(path: str | Path, *, lang: str = "en", large_file: int | None = None,
               memory_limit: int | None = None) -> Any:
    """A DuckDB relation over a Parquet or CSV file that is too large for pandas, or None.

    A file is large when its size times its expansion in memory (2 for CSV, 8 for
    compressed Parquet) is more than :func:`memory_budget`, or more than ``large_file``
    bytes when given (0: every Parquet or CSV file). DuckDB gets ``memory_limit`` bytes
    (default: half the budget, at least 64 MB) and spills to the temporary folder.
    """
    p = Path(path)
    kind = _LARGE_SUFFIXES.get(p.suffix.lower())
    if kind is None or not p.is_file():
        return None
    size = p.stat().st_size
    budget = memory_budget()
    if large_file is not None:
        if size <= large_file:
            return None
    elif size * _EXPANSION[kind] <= budget:
        return None
    try:
        import duckdb  # noqa: F401 - the error names the extra when it is missing
    except ImportError:
        raise _design_error("survey.engine.extra", lang, engine="DuckDB", extra="duckdb") from None
    import os
    import tempfile
    import warnings

    limit = memory_limit if memory_limit is not None else max(budget // 2, 64 << 20)
    config: dict[str, str | bool | int | float | list[str]] = {
              "memory_limit": f"{max(limit >> 20, 16)}MB",
              "temp_directory": str(Path(tempfile.gettempdir()) / "indicators-duckdb"),
              "preserve_insertion_order": True,
              "threads": 1 if limit < (512 << 20) else max(1, min(os.cpu_count() or 1, 8))}
    con = duckdb_connection()
    for key, value in config.items():
        con.execute(f"SET {key} = '{value}'" if isinstance(value, str) else f"SET {key} = {value}")
    quoted = str(p).replace("'", "''")
    if kind == "parquet":
        rel = con.sql(f"SELECT * FROM read_parquet('{quoted}')")
    else:  # CSV buffers sized to the memory limit (DuckDB's default is 32 MB per buffer)
        rel = con.sql(f"SELECT * FROM read_csv('{quoted}', buffer_size={max(limit // 8, 1 << 20)})")
    warnings.warn(message("survey.engine.large_file", lang, file=p.name, size=_size_text(size),
                          threshold=_size_text(large_file if large_file is not None else budget),
                          memory=config["memory_limit"]), stacklevel=3)
    return rel


def open_microdata(path: str | Path, *, lang: Lang = "en", large_file: int | str | None = None,
                   memory_limit: int | str | None = None, **read_options: Any) -> Any:
    """A microdata file: a DuckDB relation when it is a large Parquet or CSV file (see
    :func:`open_large`), else a pandas frame read by :func:`indicators.read`."""
    rel = open_large(path, lang=lang, large_file=parse_size(large_file),
                     memory_limit=parse_size(memory_limit))
    if rel is not None:
        return rel
    from ..io import read

    return read(path, lang=lang, **read_options)
