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
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, DesignError
from ..i18n import check_option
from . import _replicate as _rep
from ._core import (
    PairIndex,
    StrataInfo,
    domain_degf,
    domain_values,
    glm_logit,
    psu_codes,
    ratio_variance,
    stratified_variance,
    t_or_normal,
)
from ._domains import (
    _MAX_LISTED,
    _ONES,
    LONELY_PSU,
    REPLICATE_TYPES,
    LonelyPSU,
    ReplicateType,
    _design_error,
    _Domains,
    _numeric,
    _rows_text,
    _Sums,
    _Var,
)
from ._estimators import _Design

__all__ = ["ReplicateDesign", "SurveyDesign"]


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
