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
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._options import validate_options
from ..errors import DataError, DesignError
from ..i18n import Lang, check_option
from . import _replicate as _rep
from ._calibration import Calibration, _Calibrating, reweighted_replicate, reweighted_taylor
from ._core import (
    PairIndex,
    StrataInfo,
    combine_codes,
    dense_variance,
    domain_degf,
    domain_values,
    glm_logit,
    glm_logit_start,
    glm_wald_factors,
    psu_codes,
    ratio_variance,
    stratified_variance,
)
from ._domains import (
    _MAX_LISTED,
    _ONES,
    LonelyPSU,
    ReplicateType,
    _as_list,
    _design_error,
    _Domains,
    _numeric,
    _option_error,
    _rows_text,
    _Sums,
    _Var,
)
from ._estimators import _Design, _qrule, _QuantileCase
from ._intervals import likelihood_interval
from ._make_replicates import (
    MAKE_TYPES,
    BRRLarge,
    BRRSmall,
    BRRStrataError,
    MakeType,
    brr_halves,
    make_replicates,
)
from ._pps import PPS_METHODS, PPSMethod, PPSVariance, brewer_dense, brewer_variance, ht_dense, ht_variance

__all__ = ["ReplicateDesign", "SurveyDesign"]


def _one_minus_fraction(pop: np.ndarray, n: np.ndarray) -> np.ndarray:
    """``(N - n) / N`` per stratum (1 where the population is infinite: no fpc)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(pop), 1.0, (pop - n) / pop)


@validate_options
class SurveyDesign(_Calibrating, _Design):
    """A stratified cluster design, with-replacement first stage, Taylor linearisation.

    Parameters
    ----------
    data:
        The microdata, one row per respondent.
    weights:
        Column of sampling weights (positive; a missing or non-positive weight is an error).
        ``None`` when an fpc is given for every stage: the weights are then the product
        of ``N / n`` over the stages, as R does.
    strata:
        Column of strata (``None``: one stratum), or one per stage (``["region",
        "zone"]``; strata of a later stage are taken within each unit of the stage above).
    psu:
        Column of primary sampling units (``None``: each row is its own PSU), or one per
        stage for a multistage design (``["area", "dwelling"]``: R's ``ids = ~area +
        dwelling``); units of a later stage are always nested in the unit above.
    fpc:
        Column of the finite population correction, constant within strata: either the
        number of PSUs in the stratum's population (all values > 1) or the first-stage
        sampling fraction (all values <= 1), as R's ``svydesign(fpc=)``. A multistage
        design gives one per stage (``["N1", "N2"]``) and gets R's multistage variance:
        each later stage adds the spread of its units within the unit above, with its own
        fpc, times the sampling fractions of the stages above. Without an fpc only the
        first stage enters the variance (with-replacement "ultimate cluster").
    lonely_psu:
        Strata with a single PSU, as R's ``survey.lonely.psu``: ``fail`` (an error naming
        them), ``remove`` and ``certainty`` (no contribution to the variance),
        ``adjust`` (the PSU total is squared, not centred), ``average`` (the average
        variance contribution of the other strata).
    nest:
        PSU codes are only unique within strata (R's ``nest=TRUE``). With ``False``, a
        PSU code found in two strata is an error.
    pps:
        PSUs drawn with probability proportional to size, without replacement, as R's
        ``svydesign(pps=)``; ``fpc`` then gives each PSU's inclusion probability (a
        fraction, constant within the PSU, free to vary within the stratum). ``brewer``:
        Brewer's approximation (each PSU's squared deviation weighted by ``1 - pi``; for
        every stage of a multistage design, each stage's ``fpc`` the probability of its
        unit); ``overton``: Overton's approximation of the joint probabilities and
        ``hartley-rao``: Hartley and Rao's, both single-stage, in the Horvitz-Thompson form
        (or Yates-Grundy's with ``pps_variance="YG"``). Without weights, the weights are
        ``1 / pi`` (the product over the stages).
    pps_variance:
        ``HT`` (Horvitz-Thompson) or ``YG`` (Yates-Grundy), for ``overton`` and
        ``hartley-rao``.
    pps_psum:
        For ``hartley-rao``: the population sum of squared inclusion probabilities over
        the sample size (R's ``HR(psum)``), one number, or a mapping from stratum to
        number; by default each stratum's mean inclusion probability in the sample.
    lang:
        Language of the messages (``en``, ``es``).

    >>> import pandas as pd
    >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "h": [1, 1, 2, 2], "c": [1, 2, 1, 2],
    ...                       "y": [1.0, 2, 3, 4]})
    >>> SurveyDesign(micro, weights="w", strata="h", psu="c").degf()
    2
    """

    _kind = "taylor"

    def __init__(self, data: pd.DataFrame, weights: str | None,
                 strata: str | Sequence[str] | None = None,
                 psu: str | Sequence[str] | None = None, fpc: str | Sequence[str] | None = None,
                 lonely_psu: LonelyPSU = "fail", nest: bool = True, *, pps: PPSMethod | None = None,
                 pps_variance: PPSVariance = "HT", pps_psum: float | Mapping[Any, float] | None = None,
                 lang: Lang = "en") -> None:
        super().__init__(data, weights, lang)
        self.strata, self.psu, self.fpc = strata, psu, fpc
        self.pps: str | None = pps
        self.pps_variance: str = pps_variance
        if pps is not None:
            check_option("SurveyDesign", "pps", pps, PPS_METHODS, self.lang)
            if fpc is None:
                raise _design_error("survey.design.pps_fpc", self.lang, method=pps)
            if pps != "brewer" and len(_as_list(psu)) > 1:
                raise _design_error("survey.design.pps_stages", self.lang, method=pps)
        self.lonely_psu: str = lonely_psu
        self.nest = bool(nest)
        stages = self._stage_columns(strata, psu, fpc, weights)
        n = self.n_rows
        strata1, psu1, fpc1 = stages[0]
        self._stage_strata = strata1
        if strata1 is not None:
            h, h_values = self._codes(strata1, "stratum")
        else:
            h, h_values = np.zeros(n, dtype=np.int64), pd.Index(["(all)"])
        if psu1 is not None:
            c_raw, psu_values = self._codes(psu1, "PSU")
            if not self.nest and strata1 is not None:
                self._check_not_nested(c_raw, h, psu1, psu_values, h_values)
            c = psu_codes(h, len(h_values), c_raw, len(psu_values))
        else:
            c = psu_codes(h, len(h_values), None, n)  # each row its own PSU
        C = int(c.max()) + 1
        psu_stratum = np.zeros(C, dtype=np.int64)
        psu_stratum[c] = h
        H = len(h_values)
        n_psu = np.bincount(psu_stratum, minlength=H)
        pi_psu: np.ndarray | None = None
        if pps is not None:
            assert fpc1 is not None
            pi_psu = self._pps_probs(fpc1, c, C, psu1)
            pop = self._pps_pop(pi_psu, psu_stratum, H, n_psu)
        else:
            pop = self._fpc(fpc1, h, n_psu, h_values) if fpc1 is not None else np.full(H, np.inf)
        f = _one_minus_fraction(pop, n_psu)
        self._c = c
        self._h_values = h_values
        self._strata = StrataInfo(n_psu=n_psu, f=f, psu_stratum=psu_stratum, lonely_psu=lonely_psu)
        lonely = np.flatnonzero((n_psu == 1) & ~(f < 1e-7))
        if pps in ("overton", "hartley-rao"):
            lonely = lonely[:0]  # the Horvitz-Thompson form needs no second PSU
        self.lonely_strata: tuple[Any, ...] = tuple(h_values[i] for i in lonely)
        if len(lonely) and lonely_psu == "fail":
            raise self._lonely_error(strata1)
        # Later stages (R's multistage variance, used when every stage has an fpc): units
        # nested in the unit above, strata within it, each weighted by the sampling
        # fractions of the stages above.
        self._stages: list[tuple[np.ndarray, StrataInfo]] = []
        self._stage_groups: list[tuple[np.ndarray, np.ndarray]] = []  # each group's parent, certainty
        weight = np.where(np.isinf(pop), 1.0, pop / n_psu)[h] if weights is None else None
        parent, parent_fraction = c, (n_psu / pop)[psu_stratum]
        # PPS: each unit's 1 - pi and the product of the inclusion probabilities above it.
        self._pps_units: list[tuple[np.ndarray, np.ndarray]] = []
        self._pps_pi = pi_psu
        if pi_psu is not None:
            self._pps_units.append((1.0 - pi_psu, np.ones(C)))
            self._pps_p2 = self._pps_sum_squares(pi_psu, psu_stratum, H, h_values, pps_psum)
            if weights is None:
                weight = (1.0 / pi_psu)[c]
            parent_fraction = pi_psu
        parent_names = self._unit_names(c, [strata1, psu1]) if len(stages) > 1 else None
        for stage, columns in enumerate(stages[1:], start=2):
            assert parent_names is not None
            parent, parent_fraction, weight = self._add_stage(stage, columns, parent, parent_fraction,
                                                              parent_names, weight)
            parent_names = self._unit_names(parent, [strata1, *[st[1] for st in stages[:stage]]])
        if weight is not None:
            self._w = np.ascontiguousarray(weight, dtype=np.float64)

    def _lonely_error(self, column: str | None) -> DesignError:
        """The error of a design with first-stage strata of one PSU and ``lonely_psu="fail"``."""
        names = ", ".join(str(s) for s in self.lonely_strata[:_MAX_LISTED])
        more = len(self.lonely_strata) - _MAX_LISTED
        return _design_error(
            "survey.design.lonely_psu", self.lang,
            problems=[{"column": column, "value": str(s), "expected": "two or more PSUs"}
                      for s in self.lonely_strata],
            count=len(self.lonely_strata), strata=names + (f" (+{more})" if more > 0 else ""), column=column)

    def _add_stage(self, stage: int, columns: tuple[str | None, str | None, str | None], parent: np.ndarray,
                   parent_fraction: np.ndarray, parent_names: np.ndarray,
                   weight: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Add a later stage (its units nested in the ``parent`` units, strata within them), weighted by
        the sampling fractions above; return its units, their fractions and the weights so far."""
        strata_s, psu_s, fpc_s = columns
        assert psu_s is not None and fpc_s is not None
        n, pps, lonely_psu = self.n_rows, self.pps, self.lonely_psu
        labels, _ = self._codes(psu_s, "PSU")
        unit, _ = combine_codes([(parent, np.arange(int(parent.max()) + 1)),
                                 (labels, np.arange(int(labels.max()) + 1))])
        if strata_s is not None:
            sub, _ = self._codes(strata_s, "stratum")
        else:
            sub = np.zeros(n, dtype=np.int64)
        group, group_keys = combine_codes([(parent, np.arange(int(parent.max()) + 1)),
                                           (sub, np.arange(int(sub.max()) + 1))])
        U = int(unit.max()) + 1
        unit_group = np.zeros(U, dtype=np.int64)
        unit_group[unit] = group
        G = int(group.max()) + 1
        n_unit = np.bincount(unit_group, minlength=G)
        group_parent = np.zeros(G, dtype=np.int64)
        group_parent[group] = parent
        names = pd.Index(parent_names[np.asarray(group_keys[0])])
        if strata_s is not None:
            names = pd.Index([f"{a} / {b}" for a, b in zip(names, group_keys[1])])
        if pps is not None:
            pi_unit = self._pps_probs(fpc_s, unit, U, psu_s)
            pop_s = self._pps_pop(pi_unit, unit_group, G, n_unit)
        else:
            pop_s = self._fpc(fpc_s, group, n_unit, names)
        f_s = _one_minus_fraction(pop_s, n_unit)
        lonely_s = np.flatnonzero((n_unit == 1) & ~(f_s < 1e-7))
        if len(lonely_s) and lonely_psu == "fail":
            shown = ", ".join(str(names[g]) for g in lonely_s[:_MAX_LISTED])
            raise _design_error(
                "survey.design.lonely_unit", self.lang,
                problems=[{"column": psu_s, "value": str(names[g]),
                           "expected": "two or more sampled units"} for g in lonely_s],
                count=len(lonely_s), stage=stage, column=psu_s, units=shown)
        scale = parent_fraction[group_parent]
        info = StrataInfo(n_psu=n_unit, f=scale * f_s, psu_stratum=unit_group,
                          lonely_psu=lonely_psu)
        self._stages.append((unit, info))
        self._stage_groups.append((group_parent, f_s < 1e-7))
        if pps is not None:
            self._pps_units.append((1.0 - pi_unit, scale[unit_group]))
            if weight is not None:
                weight = weight / pi_unit[unit]
            return unit, scale[unit_group] * pi_unit, weight
        if weight is not None:
            weight = weight * np.where(np.isinf(pop_s), 1.0, pop_s / n_unit)[group]
        return unit, (scale * n_unit / pop_s)[unit_group], weight

    def as_replicate(self, type: MakeType = "JKn", *, replicates: int = 50, seed: int | None = None,
                     rho: float = 0.5, hadamard: Any = None, mse: bool = False,
                     fpc: bool = True, small: BRRSmall = "fail", large: BRRLarge = "split") -> ReplicateDesign:
        """Replicate weights made from this design, as R's ``as.svrepdesign``.

        ``type``: ``JK1`` (unstratified designs), ``JKn`` (one replicate per PSU, its
        stratum's other PSUs reweighted), ``BRR`` (two PSUs per stratum, half-samples
        from a Hadamard matrix: Sylvester's of the next power of two above the number of
        strata, or ``hadamard``, a 0/1 or -1/+1 matrix with a row per stratum plus one),
        ``Fay`` (BRR with factors ``2 - rho`` and ``rho``; strata without exactly two PSUs
        as R's ``brrweights``: ``small`` strata of one PSU ``fail``, are ``split`` (the PSU in
        both halves) or ``merge``d with each other; ``large`` strata are ``split`` into
        consecutive pairs (an even number of PSUs), ``merge``d (first half of their PSUs
        against the second) or ``fail``), ``bootstrap`` (R's Canty-Davison
        bootstrap: ``n_h`` PSUs drawn with replacement, without replacement from the
        population when there is an fpc) and ``subbootstrap`` (Rao-Wu: ``n_h - 1`` draws,
        rescaled), ``replicates`` of them from ``seed``. Replicates are made from the
        first-stage PSUs, with the first-stage fpc for JK1, JKn and the bootstrap
        (``fpc=False`` ignores it). The weights are kept compressed (a factor per PSU);
        :meth:`ReplicateDesign.weights_frame` writes them out.

        >>> import pandas as pd
        >>> micro = pd.DataFrame({"w": [1.0, 1, 1, 1], "h": [1, 1, 2, 2], "c": [1, 2, 3, 4],
        ...                       "y": [1.0, 2, 3, 5]})
        >>> SurveyDesign(micro, weights="w", strata="h", psu="c").as_replicate("BRR").n_replicates
        4
        """
        check_option("as_replicate", "type", type, MAKE_TYPES, self.lang)
        check_option("as_replicate", "mse", mse, [True, False], self.lang)
        check_option("as_replicate", "fpc", fpc, [True, False], self.lang)
        if self._calibration is not None:
            raise _design_error("survey.replicate.calibrated", self.lang)
        if self.pps is not None and fpc:
            raise _design_error("survey.replicate.pps", self.lang, method=self.pps)
        if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) or replicates < 2:
            raise _design_error("survey.replicate.count", self.lang, got=repr(replicates))
        stratified = self._stage_strata is not None
        if type == "JK1" and stratified:
            raise _design_error("survey.replicate.jk1_strata", self.lang)
        if type in ("JKn", "BRR", "Fay") and not stratified:
            raise _design_error("survey.replicate.needs_strata", self.lang, type=type)
        n_h = self._strata.n_psu
        if type in ("JKn",) and (n_h == 1).any():
            lonely = [str(self._h_values[i]) for i in np.flatnonzero(n_h == 1)]
            raise _design_error("survey.replicate.lonely", self.lang, strata=", ".join(lonely[:_MAX_LISTED]))
        first_row = np.full(self.n_psu, self.n_rows, dtype=np.int64)
        np.minimum.at(first_row, self._c, np.arange(self.n_rows))
        n_halves = self.n_strata
        if type in ("BRR", "Fay"):
            check_option("as_replicate", "small", small, ["fail", "split", "merge"], self.lang)
            check_option("as_replicate", "large", large, ["split", "merge", "fail"], self.lang)
            names = [str(v) for v in self._h_values]
            try:
                n_halves = brr_halves(self._strata.psu_stratum, first_row, names, small, large)[2]
            except BRRStrataError as exc:
                shown = ", ".join(f"{names[h]} ({n_h[h]})" for h in exc.strata[:_MAX_LISTED])
                raise _design_error(f"survey.replicate.brr_{exc.code}", self.lang, strata=shown,
                                    count=len(exc.strata)) from None
        if type == "Fay" and not 0 < rho < 1:
            raise _design_error("survey.design.fay_rho", self.lang, got=repr(rho))
        matrix = None
        if hadamard is not None and type in ("BRR", "Fay"):
            matrix = np.asarray(hadamard)
            ok = matrix.ndim == 2 and matrix.shape[0] >= n_halves + 1 and len(np.unique(matrix)) == 2
            if ok:
                b = (matrix == matrix.max()).astype(np.int64) * 2 - 1
                ok = bool(np.array_equal(b.T @ b, matrix.shape[0] * np.eye(matrix.shape[1], dtype=np.int64)))
            if not ok:
                raise _design_error("survey.replicate.hadamard", self.lang, strata=n_halves)
        made = make_replicates(type, self._strata.psu_stratum, self._strata.f, replicates=int(replicates),
                               seed=seed, rho=rho if type == "Fay" else 0.0, hadamard=matrix,
                               use_fpc=fpc, first_row=first_row, names=[str(v) for v in self._h_values],
                               small=small, large=large)
        return ReplicateDesign._from_factors(self, np.asarray(self._c, dtype=np.int64), made.factors,
                                             made.type, made.scale, made.rscales, made.rho, mse)

    def _unit_names(self, unit: np.ndarray, columns: Sequence[str | None]) -> np.ndarray:
        """A readable name for each unit code: its stratum and cluster labels."""
        first = np.zeros(int(unit.max()) + 1, dtype=np.int64)
        first[unit[::-1]] = np.arange(len(unit))[::-1]
        parts = [self.data[col].iloc[first].astype(str).to_numpy() for col in columns if col is not None]
        return np.array([" / ".join(row) for row in zip(*parts)], dtype=object)

    _calibration: Calibration | None = None
    _dense: dict[Any, Any] = {}  # noqa: RUF012 - replaced per design by _reset_caches

    def _reweighted(self, fn: Any) -> SurveyDesign:
        return reweighted_taylor(self, fn)  # type: ignore[no-any-return]

    def _subset_rows(self, n: np.ndarray) -> np.ndarray:
        # R's subsets of a calibrated or PPS design keep every row (with weight 0).
        return np.full_like(n, self.n_rows) if self._keeps_all_rows() else n

    def _keeps_all_rows(self) -> bool:
        return self._calibration is not None or self.pps is not None

    def _weights(self, column: str | None) -> np.ndarray:
        if column is None:  # taken from the fpc once the stages are known
            return np.ones(self.n_rows)
        return super()._weights(column)

    def _stage_columns(self, strata: str | Sequence[str] | None, psu: str | Sequence[str] | None,
                       fpc: str | Sequence[str] | None, weights: str | None
                       ) -> list[tuple[str | None, str | None, str | None]]:
        """(strata, cluster, fpc) column of each stage, as R's ``svydesign(ids = ~a + b,
        strata = ~s1 + s2, fpc = ~N1 + N2)``; later stages need an fpc each."""
        psus, stratas, fpcs = _as_list(psu), _as_list(strata), _as_list(fpc)
        n_stages = max(len(psus), 1)
        for name, given in (("strata", stratas), ("fpc", fpcs)):
            if len(given) > n_stages:
                raise _design_error("survey.design.stage_columns", self.lang, option=name,
                                    given=len(given), stages=n_stages)
        if n_stages > 1 and fpcs and len(fpcs) != n_stages:
            raise _design_error("survey.design.fpc_stages", self.lang, stages=n_stages,
                                given=len(fpcs), columns=", ".join(psus))
        if weights is None and not fpcs:
            raise _design_error("survey.design.no_weights", self.lang)
        self._require([*psus, *stratas, *fpcs], "SurveyDesign")
        if not fpcs:  # without an fpc only the first stage counts (ultimate cluster)
            psus = psus[:1]
            n_stages = 1
        out: list[tuple[str | None, str | None, str | None]] = []
        for i in range(n_stages):
            s = stratas[min(i, len(stratas) - 1)] if stratas and (i == 0 or len(stratas) > i) else None
            out.append((s, psus[i] if psus else None, fpcs[i] if fpcs else None))
        return out

    def _pps_probs(self, column: str, unit: np.ndarray, n_units: int, unit_column: str | None
                   ) -> np.ndarray:
        """Each unit's inclusion probability from a PPS design's fpc column: a fraction in
        (0, 1], the same on every row of the unit."""
        self._require([column], "SurveyDesign")
        try:
            v = _numeric(self.data, column, self.lang, "SurveyDesign")
        except DataError as exc:
            raise DesignError(exc.message, problems=exc.problems) from None
        bad = np.flatnonzero(~np.isfinite(v) | (v <= 0) | (v > 1))
        if len(bad):
            raise _design_error(
                "survey.design.pps_probability", self.lang,
                problems=[{"row": int(r) + 1, "column": column, "value": repr(v[r]),
                           "expected": "an inclusion probability in (0, 1]"} for r in bad[:1000]],
                column=column, count=len(bad), rows=_rows_text(bad + 1))
        lo = np.full(n_units, np.inf)
        hi = np.full(n_units, -np.inf)
        np.minimum.at(lo, unit, v)
        np.maximum.at(hi, unit, v)
        varying = np.flatnonzero(lo != hi)
        if len(varying):
            first = np.zeros(n_units, dtype=np.int64)
            first[unit[::-1]] = np.arange(len(unit))[::-1]
            rows = first[varying] + 1
            raise _design_error(
                "survey.design.pps_varies", self.lang,
                problems=[{"row": int(r), "column": column, "field": unit_column,
                           "expected": "one inclusion probability per unit"} for r in rows[:1000]],
                column=column, unit=unit_column or "(row)", count=len(varying), rows=_rows_text(rows))
        return lo

    @staticmethod
    def _pps_pop(pi: np.ndarray, group: np.ndarray, n_groups: int, n_units: np.ndarray) -> np.ndarray:
        """Per stratum (or group of units): infinite (the fpc is carried per unit), or the
        number of sampled units when every unit was certain to be drawn (R's certainty)."""
        most = np.full(n_groups, -np.inf)
        np.maximum.at(most, group, 1.0 - pi)
        return np.where(most < 1e-7, n_units.astype(np.float64), np.inf)

    def _pps_sum_squares(self, pi: np.ndarray, psu_stratum: np.ndarray, n_strata: int, h_values: Any,
                         given: float | Mapping[Any, float] | None) -> np.ndarray:
        """Hartley-Rao's population sum of squared probabilities over n, per stratum."""
        counts = np.bincount(psu_stratum, minlength=n_strata)
        if given is None:
            return np.bincount(psu_stratum, weights=pi, minlength=n_strata) / np.maximum(counts, 1)
        if isinstance(given, Mapping):
            lookup = {str(k): v for k, v in given.items()}
            missing = [str(s) for s in h_values if str(s) not in lookup]
            if missing:
                raise _design_error("survey.design.pps_psum", self.lang,
                                    strata=", ".join(missing[:_MAX_LISTED]))
            values = np.array([lookup[str(s)] for s in h_values], dtype=np.float64)
        else:
            values = np.full(n_strata, given, dtype=np.float64)
        if not np.all(np.isfinite(values) & (values >= 0)):
            raise _design_error("survey.design.pps_psum", self.lang, strata=repr(given))
        return values

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
        return np.asarray(pop, dtype=np.float64)

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
        if self.pps is not None:
            return f"taylor linearisation, PPS without replacement ({self.pps}, {self.pps_variance})"
        return "taylor linearisation, with-replacement first stage (ultimate cluster)"

    def summary(self) -> dict[str, Any]:
        return {"kind": "taylor", "rows": self.n_rows, "weights": self.weights,
                "strata": self.strata, "psu": self.psu, "fpc": self.fpc,
                "lonely_psu": self.lonely_psu, "nest": self.nest, "pps": self.pps,
                "n_strata": self.n_strata,
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
        ctx.stage_pairs = [PairIndex.build(unit, None, info.n_psus, 1, psu_stratum=info.psu_stratum,
                                           weights=self._w, steps=steps, indptr=self._indptr)
                           for unit, info in self._stages]
        return ctx

    def _later_stages(self, ctx: _Domains, v: _Var, ratio: np.ndarray | None,
                      den: np.ndarray | None) -> np.ndarray:
        """The variance from the stages below the first (R's ``multistage``): within each
        unit of the stage above, the spread of its sampled units' totals of the
        linearised variable, with that stage's fpc, times the sampling fractions above."""
        out = np.zeros(ctx.n_domains)
        for pairs, (_, info), (parents, certain) in zip(ctx.stage_pairs, self._stages, self._stage_groups):
            if self.lonely_psu == "average" and (info.n_psu == 1).any():
                n_pair = pairs.sums(None)
                if len(v.missing):
                    n_pair = n_pair - np.bincount(pairs.pair[v.missing], minlength=pairs.n_pairs)
                z = self._pps_z(pairs, v, ratio, den)
                out += _average_within_parents(z, pairs, info, parents, certain, n_pair > 0)
                continue
            sy = pairs.weighted_sums(v.y0)
            if v.x0 is None:
                out += stratified_variance(sy, pairs, info)
                continue
            assert ratio is not None and den is not None
            if v.x0 is _ONES:
                sx = pairs.sums(self._w)
                if len(v.missing):
                    w_missing = v.w_missing if v.w_missing is not None else self._w[v.missing]
                    sx = sx - np.bincount(pairs.pair[v.missing], weights=w_missing,
                                          minlength=pairs.n_pairs)
            else:
                sx = pairs.weighted_sums(v.x0)
            out += ratio_variance(sy, sx, pairs.segment_sums(sy), pairs.segment_sums(sx), ratio,
                                  den, pairs, info)
        return out

    def _lost(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        """Unusable rows per pair."""
        assert ctx.pairs is not None
        return np.bincount(ctx.pairs.pair[missing], minlength=ctx.pairs.n_pairs)

    def _unit_parts(self, stage: int) -> tuple[Any, list[np.ndarray]]:
        """The units x rows indicator of a stage and each calibration basis summed by unit."""
        key = ("units", stage)
        if key not in self._dense:
            unit = self._c if stage == 0 else self._stages[stage - 1][0]
            U = int(unit.max()) + 1
            ind = sp.csr_matrix((np.ones(self.n_rows), (unit, np.arange(self.n_rows))),
                                shape=(U, self.n_rows))
            assert self._calibration is not None
            bases = []
            for step in self._calibration.steps:
                b = ind @ step.basis
                bases.append(np.asarray(b.todense()) if sp.issparse(b) else np.asarray(b))
            self._dense[key] = (ind, bases)
        return self._dense[key]  # type: ignore[no-any-return]

    def _calibrated_var(self, ctx: _Domains, v: _Var, ratio: np.ndarray | None,
                        den: np.ndarray | None) -> np.ndarray:
        """The variance of a calibrated design (R's ``svyrecvar`` with post-strata): the
        linearised variable of every domain, projected on the calibration model's
        residuals over all rows, summed by unit of each stage."""
        assert self._calibration is not None
        D = ctx.n_domains
        d = v.d_ext(ctx)
        ok = d < D
        if v.x0 is None:
            u = v.y0
        else:
            assert ratio is not None and den is not None
            x = v.x_array(self.n_rows)
            assert x is not None
            with np.errstate(invalid="ignore", divide="ignore"):
                u = (v.y0 - np.append(ratio, 0.0)[d] * x) / np.append(den, 1.0)[d]
        vals = np.where(ok, self._w * u, 0.0)
        rows = np.flatnonzero(np.isfinite(vals) & (vals != 0))
        x0 = sp.csc_matrix((vals[rows], (rows, d[rows])), shape=(self.n_rows, D))
        coefs = self._calibration.coefficients(x0)
        var = np.zeros(D)
        infos = [self._strata] + [info for _, info in self._stages]
        for stage, info in enumerate(infos):
            ind, bases = self._unit_parts(stage)
            z = np.asarray((ind @ x0).todense())
            for b, c in zip(bases, coefs):
                z += b @ c
            if self.pps == "brewer":
                var += brewer_dense(z, info, *self._pps_units[stage])
            elif self.pps is not None:
                assert self._pps_pi is not None
                var += ht_dense(z, info, self._pps_pi, self.pps, self._pps_p2, self.pps_variance == "YG")
            else:
                var += dense_variance(z, info)
        return var

    def _pps_z(self, pairs: PairIndex, v: _Var, ratio: np.ndarray | None,
               den: np.ndarray | None) -> np.ndarray:
        """The pairs' totals of the linearised variable (``y``, or ``(y - R x) / X``)."""
        sy = pairs.weighted_sums(v.y0)
        if ratio is None:
            return np.asarray(sy)
        assert den is not None
        if v.x0 is _ONES:
            sx = pairs.sums(self._w)
            if len(v.missing):
                w_missing = v.w_missing if v.w_missing is not None else self._w[v.missing]
                sx = sx - np.bincount(pairs.pair[v.missing], weights=w_missing, minlength=pairs.n_pairs)
        else:
            assert v.x0 is not None
            sx = pairs.weighted_sums(v.x0)
        ok = (den != 0) & np.isfinite(ratio)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.append(np.where(ok, ratio, 0.0), 0.0)[pairs.pair_dom]
            inv = np.append(np.where(ok, 1.0 / np.where(ok, den, 1.0), 0.0), 0.0)[pairs.pair_dom]
        return np.asarray((sy - r * sx) * inv)

    def _pps_var(self, ctx: _Domains, v: _Var, ratio: np.ndarray | None, den: np.ndarray | None,
                 present: np.ndarray | None) -> np.ndarray:
        """The variance of a PPS design, stage by stage (:mod:`._pps`)."""
        assert ctx.pairs is not None and self._pps_pi is not None
        z = self._pps_z(ctx.pairs, v, ratio, den)
        if self.pps != "brewer":
            return ht_variance(z, ctx.pairs, self._strata, self._pps_pi, str(self.pps), self._pps_p2,
                               self.pps_variance == "YG")
        g, scale = self._pps_units[0]
        var = brewer_variance(z, ctx.pairs, self._strata, g, scale, present)
        for pairs, (_, info), (g, scale) in zip(ctx.stage_pairs, self._stages, self._pps_units[1:]):
            var = var + brewer_variance(self._pps_z(pairs, v, ratio, den), pairs, info, g, scale)
        return var

    def _estimate_var(self, ctx: _Domains, v: _Var) -> _Sums:
        if self._calibration is not None:
            return self._estimate_calibrated(ctx, v)
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
        if self.pps is not None and present is None:
            present = ctx.n_pair > (np.bincount(pairs.pair[missing], minlength=pairs.n_pairs)
                                    if len(missing) else 0)
        if v.x0 is None:
            if self.pps is not None:
                return _Sums(Y, self._pps_var(ctx, v, None, None, present), Y, Y, lost_dom, lost_w_dom)
            var = stratified_variance(sy, pairs, self._strata, present)
            if self._stages:
                var = var + self._later_stages(ctx, v, None, None)
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
        if self.pps is not None:
            var = self._pps_var(ctx, v, R, X, present)
            return _Sums(R, np.where(X > 0, var, np.nan), X, Y, lost_dom, lost_w_dom)
        var = ratio_variance(sy, sx, a, b, R, X, pairs, self._strata, present)
        if self._stages:
            var = var + self._later_stages(ctx, v, R, X)
        return _Sums(R, np.where(X > 0, var, np.nan), X, Y, lost_dom, lost_w_dom)

    def _estimate_calibrated(self, ctx: _Domains, v: _Var) -> _Sums:
        D = ctx.n_domains
        d = v.d_ext(ctx)
        w = self._w
        Y = np.bincount(d, weights=w * v.y0, minlength=D + 1)[:D]
        lost = ctx.outside(v.missing)
        lost_w = ctx.outside(v.missing, w)
        if v.x0 is None:
            return _Sums(Y, self._calibrated_var(ctx, v, None, None), Y, Y, lost, lost_w)
        x = v.x_array(self.n_rows)
        X = np.bincount(d, weights=w * x, minlength=D + 1)[:D]
        with np.errstate(invalid="ignore", divide="ignore"):
            R = Y / X
        var = self._calibrated_var(ctx, v, R, X)
        return _Sums(R, np.where(X > 0, var, np.nan), X, Y, lost, lost_w)

    def _logit(self, ctx: _Domains, est: np.ndarray, se: np.ndarray, v: _Var, level: float,
               df: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``svyciprop(method="logit")``: the ``svyglm`` fit, its sandwich variance,
        Wald on the logit scale with t on ``df``, back-transformed."""
        coef, se_coef, _, _ = self._logit_parts(ctx, v)
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.exp(coef) / (1 + np.exp(coef))
            f_lo, f_hi = glm_wald_factors(level, df)
            lo_eta, hi_eta = coef + f_lo * se_coef, coef + f_hi * se_coef
            lo = np.exp(lo_eta) / (1 + np.exp(lo_eta))
            hi = np.exp(hi_eta) / (1 + np.exp(hi_eta))
        return mu, lo, hi

    def _logit_parts(self, ctx: _Domains, v: _Var, all_rows: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The intercept-only quasibinomial ``svyglm`` of each domain: its coefficient, the
        coefficient's design-based standard error (the sandwich), the information
        ``sum(working weights)`` and the prior weights of the rows (the sampling weights
        over their mean in the domain; with ``all_rows``, over all the design's rows, as
        R's subset of a calibrated or PPS design keeps them with weight 0)."""
        D = ctx.n_domains
        d = v.d_ext(ctx)
        usable = d < D
        y0 = v.y0
        w = self._w
        count = np.full(D + 1, float(self.n_rows)) if all_rows else np.bincount(d, minlength=D + 1)
        mean_w = np.bincount(d, weights=w, minlength=D + 1) / np.maximum(count, 1)
        mean_w[D] = 1.0
        wn = w / mean_w[d]
        coef, factor, info = glm_logit(y0, wn, d, D)
        with np.errstate(over="ignore", invalid="ignore"):
            mu = np.exp(coef) / (1 + np.exp(coef))
            z = np.where(usable, (y0 - np.append(mu, 0.0)[d]) * factor / mean_w[d], 0.0)
            se_coef = np.sqrt(self._estimate_var(ctx, _Var(z, None, v.missing, v.w_missing)).var) / info
        return coef, se_coef, info, wn

    def _likelihood(self, ctx: _Domains, v: _Var, level: float, df: np.ndarray | None,
                    n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``svyciprop(method="likelihood")``: the profile of the ``svyglm`` fit's
        deviance, scaled by the dispersion (``svyvar`` of survey's Pearson residuals,
        ``(y - mu) / sqrt(mu (1 - mu))``) and by
        the ratio of the design-based to the model-based variance (see
        :func:`._intervals.likelihood_interval`)."""
        D = ctx.n_domains
        d = v.d_ext(ctx)
        # The prior weights' scale enters R's model-based variance (and the deviance): over
        # the rows R's subset keeps.
        coef, se_coef, info, wn = self._logit_parts(ctx, v, all_rows=self._keeps_all_rows())
        y0 = v.y0
        w = self._w
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            mu = np.append(np.exp(coef) / (1 + np.exp(coef)), 0.5)[d]
            # survey's Pearson residuals of a svyglm: the prior weights cancel out.
            r = np.where(d < D, (y0 - mu) / np.sqrt(mu * (1 - mu)), 0.0)
            sw = np.bincount(d, weights=w, minlength=D + 1)[:D]
            rbar = np.bincount(d, weights=w * r, minlength=D + 1)[:D] / sw
            dev = r - np.append(rbar, 0.0)[d]
            m = n.astype(np.float64)
            m_row = np.append(m, 1.0)[d]
            dispersion = np.bincount(d, weights=w * (dev * dev * m_row / (m_row - 1)),
                                     minlength=D + 1)[:D] / sw
        s1 = np.bincount(d, weights=wn * y0, minlength=D + 1)[:D]
        s0 = np.bincount(d, weights=wn * (1 - y0), minlength=D + 1)[:D]
        # The fit's rows: the domain's usable rows, or all rows where R's subset keeps them.
        fit_rows = self._subset_rows(n)
        lo, hi = likelihood_interval(coef, se_coef, info, s1, s0, dispersion, fit_rows, level, df)
        with np.errstate(over="ignore", invalid="ignore"):
            est = np.exp(coef) / (1 + np.exp(coef))
        return est, lo, hi

    def _degf(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        pairs = ctx.pairs
        assert pairs is not None and ctx.n_pair is not None
        present = ctx.n_pair > (self._lost(ctx, missing) if len(missing) else 0)
        return domain_degf(pairs, self._strata, present)


def _average_within_parents(z: np.ndarray, pairs: PairIndex, info: StrataInfo, parents: np.ndarray,
                            certain: np.ndarray, present: np.ndarray) -> np.ndarray:
    """A later stage's variance with ``lonely_psu="average"`` as R's ``multistage`` computes
    it: within each unit of the stage above, a group (stratum) with a single sampled unit
    gets the average contribution of the unit's other groups present in the domain (R's
    ``onestage``: the sum times groups present over groups not lonely); a unit whose
    present groups are all lonely makes the variance NaN, as in R."""
    D = pairs.n_domains
    s1 = pairs.segment_sums(z)
    n_h = info.n_psu.astype(np.float64)[pairs.seg_h]
    zbar = s1 / n_h
    dev = z - pairs.spread(zbar)
    ss = pairs.segment_sums(dev * dev) + (n_h - pairs.seg_len) * zbar * zbar
    lonely = (info.n_psu == 1)[pairs.seg_h]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, 0.0, info.f[pairs.seg_h] * n_h / (n_h - 1.0))
    cert = certain[pairs.seg_h]
    contrib = np.where(cert, 0.0, ss * scale)
    here = pairs.segment_sums(present.astype(np.float64)) > 0
    ok = here & ~(lonely & ~cert)
    key = parents[pairs.seg_h].astype(np.int64) * (D + 1) + pairs.seg_dom
    keys, inverse = np.unique(key, return_inverse=True)
    K = len(keys)
    total = np.bincount(inverse, weights=contrib, minlength=K)
    n_here = np.bincount(inverse, weights=here, minlength=K)
    n_ok = np.bincount(inverse, weights=ok, minlength=K)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_key = np.where(n_here > 0, total * n_here / n_ok, 0.0)
    return np.bincount(keys % (D + 1), weights=per_key, minlength=D + 1)[:D]


@validate_options
class ReplicateDesign(_Calibrating, _Design):
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
                 mse: bool = False, combined_weights: bool = True, lang: Lang = "en") -> None:
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
        self._degf_value: int | None = _rep.replicate_degf(self._repw)
        self._keys: np.ndarray | None = None
        self._unit: np.ndarray | None = None  # with factors: each row's unit (compressed weights)
        self._factors: np.ndarray | None = None

    @classmethod
    def _from_factors(cls, source: _Design, unit: np.ndarray, factors: np.ndarray, type: str,
                      scale: float, rscales: np.ndarray, rho: float | None, mse: bool) -> ReplicateDesign:
        """A replicate design whose replicate weight of a row is its weight times its
        unit's factor (kept compressed: units x replicates)."""
        from collections import OrderedDict

        out = cls.__new__(cls)
        out.lang, out.data, out.n_rows = source.lang, source.data, source.n_rows
        out.weights, out._w = source.weights, source._w
        out._cache, out._column_codes, out._variable_facts = OrderedDict(), OrderedDict(), OrderedDict()
        out._indptr = None
        out.scale, out.rscales, out.type, out.rho = float(scale), np.asarray(rscales, dtype=np.float64), type, rho
        out.mse, out.combined_weights = bool(mse), True
        out.replicate_weights = tuple(f"repw_{j + 1}" for j in range(factors.shape[1]))
        out._repw = None  # type: ignore[assignment]
        out._unit, out._factors = unit, np.ascontiguousarray(factors, dtype=np.float64)
        out._keys = unit.astype(np.int64)
        out._degf_value = None  # worked out when first asked for
        return out

    def _rep_matrix(self) -> np.ndarray:
        """The replicate weights, rows x replicates (made from the factors if compressed)."""
        if self._repw is None:
            assert self._factors is not None and self._unit is not None
            return self._w[:, None] * self._factors[self._unit]
        return self._repw

    def _rep_rows(self, rows: np.ndarray) -> np.ndarray:
        if self._repw is None:
            assert self._factors is not None and self._unit is not None
            return self._w[rows, None] * self._factors[self._unit[rows]]
        return self._repw[rows]

    def _rep_sums(self, values: np.ndarray, dom: np.ndarray, n_domains: int) -> np.ndarray:
        """``sum_i repw[i, r] * values[i]`` per domain (domains x replicates)."""
        if self._repw is not None:
            return _rep.replicate_sums(self._repw, values, dom, n_domains)
        assert self._factors is not None and self._unit is not None
        keep = np.flatnonzero((dom >= 0) & (values != 0))
        m = sp.csr_matrix((self._w[keep] * values[keep], (dom[keep], self._unit[keep])),
                          shape=(n_domains, self._factors.shape[0]))
        return np.asarray(m @ self._factors)

    def weights_frame(self) -> pd.DataFrame:
        """The full-sample and replicate weights, one row per microdata row, to be written
        out with the data so that a partner can reproduce every figure without the
        design variables.

        >>> import pandas as pd
        >>> micro = pd.DataFrame({"w": [1.0, 2], "r1": [0.0, 4], "r2": [2.0, 0]})
        >>> ReplicateDesign(micro, "w", ["r1", "r2"]).weights_frame().columns.tolist()
        ['w', 'r1', 'r2']
        """
        rep = self._rep_matrix()
        name = self.weights if self.weights is not None else "weight"
        frame = pd.DataFrame(rep, columns=list(self.replicate_weights), index=self.data.index)
        frame.insert(0, name, self._w)
        return frame

    def _reweighted(self, fn: Any) -> ReplicateDesign:
        return reweighted_replicate(self, fn)  # type: ignore[no-any-return]

    def degf(self) -> int:
        """Rank of the replicate weights minus one (R's ``degf`` for replicate designs)."""
        if self._degf_value is None:
            self._degf_value = _rep.replicate_degf(self._factors if self._repw is None else self._repw)
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
        Yr = self._rep_sums(y0, dom, D)
        x0 = v.x_array(self.n_rows)
        lost, lost_w = ctx.outside(v.missing), ctx.outside(v.missing, w)
        if x0 is None:
            var = _rep.replicate_variance(Yr, self.scale, self.rscales, self.mse, Y)
            return _Sums(Y, var, Y, Y, lost, lost_w)
        X = np.bincount(d, weights=w * x0, minlength=D + 1)[:D]
        Xr = self._rep_sums(x0, dom, D)
        with np.errstate(invalid="ignore", divide="ignore"):
            R = Y / X
            thetas = Yr / Xr
        var = _rep.replicate_variance(thetas, self.scale, self.rscales, self.mse, R)
        return _Sums(R, var, X, Y, lost, lost_w)

    def _degf(self, ctx: _Domains, missing: np.ndarray) -> np.ndarray:
        """R's ``degf`` of each domain's subset: the rank of the replicate weights of the
        domain's usable rows, minus one (a domain's rows can span fewer replicates)."""
        D = ctx.n_domains
        d = _Var(np.zeros(0), None, missing).d_ext(ctx)
        if D == 1 and ctx.all_in and not len(missing):
            return np.full(1, float(self.degf()))
        return _rep.domain_degf(self._rep_rows, self._row_keys(), d, D)

    def _row_keys(self) -> np.ndarray:
        """A key per row that is equal for rows whose replicate weights are proportional
        (rows of one variance unit): rows sharing it add nothing to a rank."""
        if self._keys is None:
            self._keys = _rep.pattern_keys(self._rep_matrix(), self._w)
        return self._keys

    def _check_interval_type(self, interval_type: str) -> None:
        """R's ``svyquantile`` on replicate designs has no ``score`` interval."""
        if interval_type == "score":
            raise _option_error("survey.option.interval_design", self.lang, "interval_type", interval_type,
                                design=type(self).__name__, allowed="mean, beta, xlogit, asin, quantile")

    def _replicate_quantile_ci(self, case: _QuantileCase, p: float, qhat: np.ndarray, crit: np.ndarray
                               ) -> tuple[np.ndarray, np.ndarray]:
        """R's ``repCI`` (``interval.type = "quantile"``): the quantile under each
        replicate's weights (rows of weight 0 left out, as R's rules do), their variance
        (``svrVar`` around their mean, or the estimate with ``mse``), and the estimate
        -/+ t times its square root."""
        D = case.ctx.n_domains
        reps = np.full((D, self.n_replicates), np.nan)
        for k in range(D):
            rows = np.flatnonzero(case.dom_u == k)
            if not len(rows):
                continue
            order = rows[np.argsort(case.y0[rows], kind="stable")]
            ys = case.y0[order]
            repw = self._rep_rows(order)
            for r in range(repw.shape[1]):
                keep = repw[:, r] != 0
                reps[k, r] = _qrule(case.qrule, ys[keep], repw[keep, r], p)
        var = _rep.replicate_variance(reps, self.scale, self.rscales, self.mse, qhat)
        with np.errstate(invalid="ignore"):
            half = np.sqrt(var) * crit
        return qhat - half, qhat + half

    def _logit(self, ctx: _Domains, est: np.ndarray, se: np.ndarray, v: _Var, level: float,
               df: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """R's ``svyciprop(method="logit")`` on replicate weights: the ``svyglm`` fit on
        the full-sample weights, refitted (``glm.fit`` from the full-sample coefficient)
        on each replicate; the variance of the replicate coefficients (``svrVar``), Wald
        on the logit scale with t on ``df``, back-transformed."""
        D = ctx.n_domains
        d = v.d_ext(ctx)
        w = self._w
        y0 = v.y0
        mean_w = (np.bincount(d, weights=w, minlength=D + 1)
                  / np.maximum(np.bincount(d, minlength=D + 1), 1))
        mean_w[D] = 1.0
        coef, _, _ = glm_logit(y0, w / mean_w[d], d, D)
        dom = np.where(d < D, d, -1)
        usable = (d < D).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            p_rep = self._rep_sums(y0, dom, D) / self._rep_sums(usable, dom, D)
        betas = glm_logit_start(p_rep, coef)
        var = _rep.replicate_variance(betas, self.scale, self.rscales, self.mse, coef)
        with np.errstate(over="ignore", invalid="ignore"):
            se_coef = np.sqrt(var)
            f_lo, f_hi = glm_wald_factors(level, df)
            lo_eta, hi_eta = coef + f_lo * se_coef, coef + f_hi * se_coef
            mu = np.exp(coef) / (1 + np.exp(coef))
            lo = np.exp(lo_eta) / (1 + np.exp(lo_eta))
            hi = np.exp(hi_eta) / (1 + np.exp(hi_eta))
        return mu, lo, hi
