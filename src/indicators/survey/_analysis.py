"""Survey analysis beyond single estimates: differences, contrasts, tests, tables, models.

Every function here takes a design (:class:`~indicators.SurveyDesign` or
:class:`~indicators.ReplicateDesign`) and reproduces R's ``survey``:

* :func:`contrast` and :func:`difference`: linear contrasts, differences and ratios of domain
  estimates with the covariance of the domains (``svyby(..., covmat = TRUE)`` then
  ``svycontrast``); :func:`compare_rounds`: the difference between two independent surveys;
* :func:`ttest` (``svyttest``) and :func:`chisq_test` (``svychisq``: Rao-Scott first- and
  second-order corrections, Wald and adjusted Wald);
* :func:`crosstab`: weighted one- and two-way tables (cell, row or column proportions, or
  totals), each cell with its SE and interval (``svymean(~interaction(...))``, ``svyby``);
* :func:`variance` (``svyvar``) and :func:`glm` (``svyglm``: linear and logistic regression).

How variances are computed. For a Taylor design, each statistic's influence values are
formed row by row and the design's own variance of their totals gives the covariance matrix
(polarisation: ``cov(a, b) = (var(a + b) - var(a) - var(b)) / 2``), so every design feature
(strata, fpc, later stages, lonely PSUs) enters exactly as in the design's estimators. For a
replicate design the statistic is recomputed with every replicate's weights (R's ``svrVar``).

>>> import pandas as pd
>>> from indicators import SurveyDesign
>>> micro = pd.DataFrame({"y": [1.0, 0, 1, 1, 0, 1, 0, 0], "g": list("abababab"),
...                       "w": [1.0, 2, 1, 1, 2, 1, 1, 2], "h": [1, 1, 1, 1, 2, 2, 2, 2],
...                       "c": [1, 1, 2, 2, 3, 3, 4, 4]})
>>> d = SurveyDesign(micro, weights="w", strata="h", psu="c")
>>> round(float(difference(d, "y", "g", ("a", "b")).estimate.iloc[0]), 4)  # 2/5 - 2/6
0.0667
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .. import _codes
from .._options import validate_options
from .._results import Result, Summary, protect_fields
from ..errors import DataError, OptionError
from ..i18n import Lang, check_option, message
from ._designs import ReplicateDesign
from ._estimates import Estimates, quality_flags

__all__ = [
    "TestResult",
    "change_test",
    "chisq_test",
    "compare_rounds",
    "contrast",
    "crosstab",
    "difference",
    "glm",
    "predicted_means",
    "ttest",
    "variance",
]

Statistic = Literal["mean", "proportion", "total"]
ChisqStatistic = Literal["F", "Chisq", "Wald", "adjWald"]
Margin = Literal["cell", "row", "column"]
Family = Literal["gaussian", "quasibinomial"]
#: Columns added to :class:`Estimates` tables by comparisons.
TEST_COLUMNS: tuple[str, ...] = ("statistic", "df", "p_value")
#: Derived columns handed to the design's variance per call (memory stays bounded).
_BATCH = 48


# -- the variance machinery ------------------------------------------------------------------------

def _derived(design: Any, columns: Mapping[str, np.ndarray]) -> Any:
    """The design with extra columns (pandas' warning about many inserted columns silenced)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        return design._derive(columns)


def _taylor_vcov(design: Any, influence: np.ndarray, full: bool = True) -> np.ndarray:
    """Covariance of the totals of the columns of ``influence`` (rows x K) under ``design``.

    ``influence`` holds weighted values (their column sums are the linearised errors); the
    design's total of ``influence / w`` has the same variance, computed by the design itself.
    """
    w = design._w
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(w[:, None] > 0, influence / w[:, None], 0.0)
    k = values.shape[1]
    columns: list[tuple[str, np.ndarray]] = [(f"\x00z{j}", values[:, j]) for j in range(k)]
    if full:
        columns += [(f"\x00s{a}.{b}", values[:, a] + values[:, b]) for a in range(k) for b in range(a + 1, k)]
    var: dict[str, float] = {}
    for start in range(0, len(columns), _BATCH):
        part = dict(columns[start:start + _BATCH])
        est = _derived(design, part).total(list(part), deff=False)
        var.update(zip(part, np.asarray(est.se, dtype=np.float64) ** 2, strict=True))
    out = np.full((k, k), np.nan)
    for j in range(k):
        out[j, j] = var[f"\x00z{j}"]
    for a in range(k if full else 0):
        for b in range(a + 1, k):
            out[a, b] = out[b, a] = (var[f"\x00s{a}.{b}"] - out[a, a] - out[b, b]) / 2.0
    return out


def _replicate_vcov(design: ReplicateDesign, theta: Callable[[np.ndarray], np.ndarray],
                    full: np.ndarray) -> np.ndarray:
    """R's ``svrVar``: the statistic recomputed with each replicate's weights."""
    repw = design._repw
    thetas = np.column_stack([theta(repw[:, r]) for r in range(repw.shape[1])])  # K x R
    rscales = np.asarray(design.rscales, dtype=np.float64)
    center = full if design.mse else thetas.mean(axis=1)
    dev = thetas - center[:, None]
    return float(design.scale) * (dev * rscales[None, :]) @ dev.T


def _vcov(design: Any, theta: Callable[[np.ndarray], np.ndarray],
          influence: Callable[[np.ndarray, np.ndarray], np.ndarray],
          covariances: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The statistic and its covariance matrix under ``design`` (only the variances, on the
    diagonal, with ``covariances=False``: NaN elsewhere for Taylor designs)."""
    full = theta(design._w)
    if isinstance(design, ReplicateDesign):
        return full, _replicate_vcov(design, theta, full)
    return full, _taylor_vcov(design, influence(design._w, full), covariances)


def _ratios(a: np.ndarray, b: np.ndarray | None) -> tuple[Callable[[np.ndarray], np.ndarray],
                                                           Callable[[np.ndarray, np.ndarray], np.ndarray]]:
    """Ratios of weighted totals ``sum(w a) / sum(w b)`` per column (totals when ``b`` is None)."""
    def theta(w: np.ndarray) -> np.ndarray:
        num = w @ a
        if b is None:
            return np.asarray(num, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(num / (w @ b), dtype=np.float64)

    def influence(w: np.ndarray, est: np.ndarray) -> np.ndarray:
        if b is None:
            return w[:, None] * a
        return w[:, None] * (a - b * est[None, :]) / (w @ b)[None, :]

    return theta, influence


# -- inputs ----------------------------------------------------------------------------------------

def _column(design: Any, name: str, func: str) -> pd.Series:
    if not isinstance(name, str) or name not in design.data.columns:
        text = message("survey.design.missing_column", design.lang, func=func, columns=repr(name),
                       available=", ".join(map(str, design.data.columns[:20])))
        raise DataError(text, problems=[_codes.problem("survey.design.missing_column", design.lang, column=str(name),
                                                       message=text)])
    return design.data[name]


def _numeric(design: Any, name: str, func: str) -> np.ndarray:
    col = _column(design, name, func)
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = col.notna().to_numpy() & np.isnan(values)
    if bad.any():
        rows = np.flatnonzero(bad)[:10] + 1
        text = message("survey.data.not_numeric", design.lang, func=func, column=name,
                       rows=", ".join(map(str, rows)), value=repr(col[bad].iloc[0]))
        raise DataError(text, problems=[_codes.problem("survey.data.not_numeric", design.lang, column=name,
                                                       row=int(rows[0]), message=text)])
    return values


def _groups(design: Any, name: str, func: str) -> tuple[np.ndarray, list[Any]]:
    """Codes of ``name`` (-1 where missing) and the sorted levels."""
    codes, levels = pd.factorize(_column(design, name, func), sort=True)
    return np.asarray(codes), list(levels)


def _level_index(design: Any, levels: list[Any], wanted: Any, by: str, func: str) -> int:
    for i, level in enumerate(levels):
        if level == wanted or str(level) == str(wanted):
            return i
    text = message("analysis.unknown_group", design.lang, func=func, group=repr(wanted), by=by,
                   levels=", ".join(map(str, levels)))
    raise OptionError(text, problems=[_codes.problem("analysis.unknown_group", design.lang, field=by,
                                                     value=repr(wanted), expected=", ".join(map(str, levels)),
                                                     message=text)])


def _domain_parts(design: Any, variable: str, by: str, statistic: str, func: str
                  ) -> tuple[np.ndarray, np.ndarray | None, list[Any], np.ndarray]:
    """Numerators, denominators (None for totals), levels and row counts of domain estimates."""
    check_option(func, "statistic", statistic, ("mean", "proportion", "total"), design.lang)
    y = _numeric(design, variable, func)
    codes, levels = _groups(design, by, func)
    ok = ~np.isnan(y) & (codes >= 0)
    member = (codes[:, None] == np.arange(len(levels))[None, :]) & ok[:, None]
    a = np.where(member, np.nan_to_num(y)[:, None], 0.0)
    n = member.sum(axis=0)
    return a, (None if statistic == "total" else member.astype(np.float64)), levels, n


# -- results ---------------------------------------------------------------------------------------

def _t_or_normal(df: float | None) -> Any:
    from scipy import stats

    return stats.norm if df is None or not np.isfinite(df) else stats.t(df)


def _table(rows: list[dict[str, Any]], level: float, df: float | None) -> pd.DataFrame:
    dist = _t_or_normal(df)
    table = pd.DataFrame(rows)
    est = table["estimate"].to_numpy(dtype=np.float64)
    se = table["se"].to_numpy(dtype=np.float64)
    from scipy import stats

    q = float(stats.norm.ppf(0.5 + level / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        stat = est / se
        cv = se / np.abs(est)
    table["ci_low"], table["ci_high"] = est - q * se, est + q * se
    table["cv"], table["deff"] = cv, np.nan
    table["statistic"] = stat
    table["df"] = np.nan if df is None else float(df)
    table["p_value"] = 2.0 * dist.sf(np.abs(stat))
    if "n" not in table:
        table["n"] = 0
    table["n"] = table["n"].astype(np.int64)
    table["flag"] = pd.array(quality_flags(cv, table["n"].to_numpy(dtype=np.float64), (0.15, 0.30), 0),
                             dtype="string")
    first = [c for c in table.columns if c not in ("estimate", "se", "ci_low", "ci_high", "cv", "deff", "n",
                                                   "flag", *TEST_COLUMNS)]
    return table[[*first, "estimate", "se", "ci_low", "ci_high", "cv", "deff", "n", "flag", *TEST_COLUMNS]]


def _estimates(design: Any, table: pd.DataFrame, statistic: str, by: tuple[str, ...], level: float,
               options: Mapping[str, Any]) -> Estimates:
    return Estimates(table=table, statistic=statistic, by=by, level=float(level), method=design.method,
                     design=design.summary(), options=dict(options), lang=design.lang)


def _check_level(design: Any, level: float, func: str) -> float:
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        text = message("survey.option.level", design.lang, func=func, got=repr(level))
        raise OptionError(text, problems=[_codes.problem("survey.option.level", design.lang, field="level",
                                                         value=repr(level), message=text)])
    return float(level)


# -- contrasts and differences ---------------------------------------------------------------------

@validate_options
def contrast(design: Any, variable: str, by: str, coefficients: Mapping[Any, float], *,
             statistic: Statistic = "mean", level: float = 0.95, label: str | None = None) -> Estimates:
    """A linear contrast ``sum(c_d * estimate_d)`` of domain estimates, with its SE and test.

    ``coefficients`` maps domains of ``by`` to their coefficients (R's ``svycontrast`` on
    ``svyby(..., covmat = TRUE)``). The test statistic is the contrast over its SE, with a
    p-value from Student's t on the design's degrees of freedom.

    >>> import pandas as pd
    >>> from indicators import SurveyDesign
    >>> micro = pd.DataFrame({"y": [2.0, 4, 6, 8], "g": ["a", "b", "a", "b"], "w": [1.0, 1, 1, 1],
    ...                       "c": [1, 2, 3, 4]})
    >>> contrast(SurveyDesign(micro, weights="w", psu="c"), "y", "g", {"b": 1, "a": -1}).estimate.iloc[0]
    np.float64(2.0)
    """
    level = _check_level(design, level, "contrast")
    a, b, levels, n = _domain_parts(design, variable, by, statistic, "contrast")
    c = np.zeros(len(levels))
    for key, value in coefficients.items():
        c[_level_index(design, levels, key, by, "contrast")] = float(value)
    theta, infl = _ratios(a, b)
    est, vcov = _vcov(design, theta, infl)
    shown = label or " ".join(f"{'+' if v >= 0 else '-'} {abs(v):g}*{levels[i]}" for i, v in enumerate(c)
                              if v != 0).lstrip("+ ")
    row = {"variable": variable, "contrast": shown, "estimate": float(c @ est),
           "se": float(np.sqrt(max(c @ vcov @ c, 0.0))), "n": int(n[c != 0].sum())}
    table = _table([row], level, float(design.degf()))
    return _estimates(design, table, "contrast", (), level,
                      {"by": by, "statistic": statistic, "coefficients": {str(levels[i]): float(v)
                                                                          for i, v in enumerate(c) if v}})


@validate_options
def difference(design: Any, variable: str, by: str, groups: tuple[Any, Any], *,
               statistic: Statistic = "mean", ratio: bool = False, within: str | None = None,
               level: float = 0.95) -> Estimates:
    """The difference (and, with ``ratio=True``, the ratio) between two domains of one survey.

    ``groups = (a, b)`` gives ``estimate_a - estimate_b`` (and ``estimate_a / estimate_b``,
    its SE by the delta method as R's ``svycontrast(b, quote(a / b))``). Both use the
    covariance of the two domain estimates; the p-value tests a difference of 0 (a ratio of 1).
    With ``within`` (a column such as the state), one difference (and ratio) per value of
    ``within``: the gap between the two groups inside each state, in one pass.

    >>> import pandas as pd
    >>> from indicators import SurveyDesign
    >>> micro = pd.DataFrame({"y": [1.0, 0, 1, 1], "g": ["u", "r", "u", "r"], "w": [1.0, 1, 1, 1],
    ...                       "c": [1, 2, 3, 4]})
    >>> difference(SurveyDesign(micro, weights="w", psu="c"), "y", "g", ("u", "r")).estimate.iloc[0]
    np.float64(0.5)
    """
    level = _check_level(design, level, "difference")
    if not isinstance(groups, (tuple, list)) or len(groups) != 2:
        text = message("analysis.two_groups", design.lang, got=repr(groups))
        raise OptionError(text, problems=[_codes.problem("analysis.two_groups", design.lang, field="groups",
                                                         value=repr(groups), message=text)])
    if within is not None:
        return _difference_within(design, variable, by, groups, statistic, ratio, within, level)
    a, b, levels, n = _domain_parts(design, variable, by, statistic, "difference")
    i = _level_index(design, levels, groups[0], by, "difference")
    j = _level_index(design, levels, groups[1], by, "difference")
    theta, infl = _ratios(a[:, [i, j]], None if b is None else b[:, [i, j]])
    est, vcov = _vcov(design, theta, infl)
    label = f"{levels[i]} - {levels[j]}"
    grad = np.array([1.0, -1.0])
    rows = [{"variable": variable, "contrast": label, "estimate": float(est[0] - est[1]),
             "se": float(np.sqrt(max(grad @ vcov @ grad, 0.0))), "n": int(n[i] + n[j])}]
    df = float(design.degf())
    table = _table(rows, level, df)
    if ratio:
        r = est[0] / est[1]
        g = np.array([1.0 / est[1], -est[0] / est[1] ** 2])
        se = float(np.sqrt(max(g @ vcov @ g, 0.0)))
        extra = _table([{"variable": variable, "contrast": f"{levels[i]} / {levels[j]}", "estimate": r,
                         "se": se, "n": int(n[i] + n[j])}], level, df)
        dist = _t_or_normal(df)
        extra["statistic"] = (r - 1.0) / se
        extra["p_value"] = 2.0 * dist.sf(np.abs(extra["statistic"].to_numpy(dtype=np.float64)))
        table = pd.concat([table, extra], ignore_index=True)
    return _estimates(design, table, "difference", (), level,
                      {"by": by, "statistic": statistic, "groups": [str(g) for g in groups], "ratio": ratio})


def _difference_within(design: Any, variable: str, by: str, groups: Sequence[Any], statistic: str,
                       ratio: bool, within: str, level: float) -> Estimates:
    """Differences (and ratios) of two groups inside each value of ``within``, vectorised.

    Each row belongs to one value of ``within``, so the influence values of all the
    differences fit in one column, and the design's variance of its domain totals by
    ``within`` gives every difference's variance at once (replicate designs: the cell
    estimates of every replicate in one sparse product).
    """
    from . import _replicate as rep

    check_option("difference", "statistic", statistic, ("mean", "proportion", "total"), design.lang)
    y = _numeric(design, variable, "difference")
    gc, glev = _groups(design, by, "difference")
    sc, slev = _groups(design, within, "difference")
    i = _level_index(design, glev, groups[0], by, "difference")
    j = _level_index(design, glev, groups[1], by, "difference")
    side = np.where(gc == i, 0, np.where(gc == j, 1, -1))
    ok = ~np.isnan(y) & (side >= 0) & (sc >= 0)
    cells = len(slev) * 2
    cell = np.where(ok, sc * 2 + side, -1)
    yv = np.where(ok, y, 0.0)
    w = design._w
    use = cell >= 0

    def cell_sums(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.bincount(cell[use], weights=(weights * values)[use], minlength=cells)

    num = cell_sums(w, yv)
    den = cell_sums(w, np.ones_like(yv)) if statistic != "total" else None
    with np.errstate(invalid="ignore", divide="ignore"):
        est = num / den if den is not None else num
    ea, eb = est[0::2], est[1::2]
    diff = ea - eb
    with np.errstate(invalid="ignore", divide="ignore"):
        rat = ea / eb
    counts = np.bincount(cell[use], minlength=cells)
    if isinstance(design, ReplicateDesign):
        dom = np.where(use, cell, -1)
        nr = rep.replicate_sums(design._repw, yv, dom, cells)
        with np.errstate(invalid="ignore", divide="ignore"):
            er = nr / rep.replicate_sums(design._repw, np.ones_like(yv), dom, cells) if den is not None else nr
        rscales = np.asarray(design.rscales, dtype=np.float64)
        ta, tb = er[0::2], er[1::2]
        da = ta - (ea[:, None] if design.mse else ta.mean(axis=1, keepdims=True))
        db = tb - (eb[:, None] if design.mse else tb.mean(axis=1, keepdims=True))
        scale = float(design.scale)
        vaa, vbb, vab = ((scale * (p * q * rscales[None, :]).sum(axis=1)) for p, q in ((da, da), (db, db), (da, db)))
        ga, gb = 1.0 / eb, -ea / eb ** 2  # the ratio by the delta method, as R's svycontrast
        var = [vaa + vbb - 2 * vab, ga * ga * vaa + gb * gb * vbb + 2 * ga * gb * vab]
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            part = np.where(use, yv - (est[np.maximum(cell, 0)] if den is not None else 0.0), 0.0)
            if den is not None:
                part = np.where(use, part / den[np.maximum(cell, 0)], 0.0)
            sign = np.where(side == 0, 1.0, -1.0)
            s_of_row = np.maximum(sc, 0)
            g_ratio = np.where(side == 0, 1.0 / eb[s_of_row], -ea[s_of_row] / eb[s_of_row] ** 2)
        columns = {"\x00diff": np.where(use, sign * part, 0.0), "\x00ratio": np.where(use, g_ratio * part, 0.0)}
        res = _derived(design, columns).total(list(columns), by=within, deff=False).to_frame()
        var = []
        for name in columns:
            got = res[res["variable"] == name]
            got = got.set_index(got[within].astype(str))["se"].reindex([str(v) for v in slev])
            var.append(got.to_numpy(dtype=np.float64) ** 2)
    rows: list[dict[str, Any]] = []
    df = float(design.degf())
    for k, value in enumerate(slev):
        n = int(counts[2 * k] + counts[2 * k + 1])
        rows.append({within: value, "variable": variable, "contrast": f"{glev[i]} - {glev[j]}",
                     "estimate": float(diff[k]), "se": float(np.sqrt(var[0][k])), "n": n})
    table = _table(rows, level, df)
    if ratio:
        extra = _table([{within: value, "variable": variable, "contrast": f"{glev[i]} / {glev[j]}",
                         "estimate": float(rat[k]), "se": float(np.sqrt(var[1][k])),
                         "n": int(counts[2 * k] + counts[2 * k + 1])} for k, value in enumerate(slev)],
                       level, df)
        with np.errstate(invalid="ignore", divide="ignore"):
            extra["statistic"] = (extra["estimate"] - 1.0) / extra["se"]
        extra["p_value"] = 2.0 * _t_or_normal(df).sf(np.abs(extra["statistic"].to_numpy(dtype=np.float64)))
        table = pd.concat([table, extra], ignore_index=True)
    return _estimates(design, table, "difference", (within,), level,
                      {"by": by, "statistic": statistic, "groups": [str(g) for g in groups], "ratio": ratio,
                       "within": within})


@validate_options
def change_test(before: Any, se_before: Any, after: Any, se_after: Any, *,
                level: float = 0.95) -> pd.DataFrame:
    """The change ``after - before`` between estimates of two independent samples, tested.

    The SE of the change is ``sqrt(se_before**2 + se_after**2)`` (the rounds' samples are
    independent, so they have no covariance); the test of no change is ``z = change / se``
    against the normal distribution. One row per pair: ``change``, ``se``, ``ci_low``,
    ``ci_high``, ``statistic``, ``p_value`` and ``significant`` (``p_value < 1 - level``; ``<NA>``
    where an SE is missing or the SE of the change is 0). :func:`compare_rounds` uses it
    for :class:`Estimates`, the country report for the trend of an indicator.

    >>> t = change_test([20.0, 20.0], [1.0, 0.5], [22.0, 22.0], [1.0, 0.5])
    >>> t["significant"].tolist()
    [False, True]
    >>> round(float(t["p_value"].iloc[0]), 4)  # z = 2 / sqrt(2)
    0.1573
    """
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < float(level) < 1:
        raise _codes.error("survey.option.level", "en", field="level", value=repr(level), func="change_test",
                           got=repr(level))
    from scipy import stats

    def floats(x: Any) -> np.ndarray:
        return np.atleast_1d(pd.to_numeric(pd.Series(np.atleast_1d(np.asarray(x, dtype=object))),
                                           errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))

    b, sb, a, sa = (floats(x) for x in (before, se_before, after, se_after))
    change = a - b
    se = np.hypot(sb, sa)
    q = float(stats.norm.ppf(0.5 + float(level) / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se > 0, change / se, np.nan)
    p = 2.0 * stats.norm.sf(np.abs(z))
    known = np.isfinite(p)
    return pd.DataFrame({
        "change": change, "se": se, "ci_low": change - q * se, "ci_high": change + q * se,
        "statistic": z, "p_value": p,
        "significant": pd.array(np.where(known, p < 1 - float(level), None), dtype="boolean")})


def compare_rounds(before: Estimates, after: Estimates, *, level: float = 0.95) -> Estimates:
    """Differences ``after - before`` between two independent surveys, row by row.

    The two samples are independent, so the SE of each difference is
    ``sqrt(se_before**2 + se_after**2)``; the p-value is from the normal distribution. Rows are
    matched on the variable and the domain columns both results share.

    >>> import pandas as pd
    >>> from indicators import SurveyDesign
    >>> m = pd.DataFrame({"y": [1.0, 0, 1, 1], "w": [1.0, 1, 1, 1], "c": [1, 2, 3, 4]})
    >>> a = SurveyDesign(m, weights="w", psu="c").mean("y")
    >>> b = SurveyDesign(m.assign(y=[1.0, 1, 1, 1]), weights="w", psu="c").mean("y")
    >>> float(compare_rounds(a, b).estimate.iloc[0])
    0.25
    """
    if not isinstance(before, Estimates) or not isinstance(after, Estimates):
        raise OptionError(message("analysis.rounds_type", "en", got=type(before).__name__),
                          problems=[_codes.problem("analysis.rounds_type", "en", field="before",
                                                   value=type(before).__name__)])
    keys = ["variable", *[c for c in before.by if c in after.by]]
    left = before.to_frame()[[*keys, "estimate", "se", "n"]]
    right = after.to_frame()[[*keys, "estimate", "se", "n"]]
    both = left.merge(right, on=keys, suffixes=("_before", "_after"), how="inner")
    change = change_test(both["estimate_before"], both["se_before"], both["estimate_after"],
                         both["se_after"], level=_check_level(after, level, "compare_rounds"))
    rows = [{**{k: r[k] for k in keys}, "estimate_before": r["estimate_before"],
             "estimate_after": r["estimate_after"], "estimate": c["change"], "se": c["se"],
             "n": int(r["n_before"] + r["n_after"])}
            for r, c in zip(both.to_dict("records"), change.to_dict("records"), strict=True)]
    table = _table(rows, _check_level(after, level, "compare_rounds"), None) if rows else pd.DataFrame(
        columns=[*keys, "estimate", "se", "ci_low", "ci_high", "cv", "deff", "n", "flag", *TEST_COLUMNS])
    return Estimates(table=table, statistic="change", by=tuple(keys[1:]), level=float(level),
                     method="independent samples", design={"before": before.design, "after": after.design},
                     options={"before": before.statistic, "after": after.statistic}, lang=after.lang)


# -- tests -----------------------------------------------------------------------------------------

@protect_fields(mappings=("parameters", "details"))
@validate_options
@dataclass(frozen=True)
class TestResult(Result):
    """The result of a design-based test: statistic, degrees of freedom, p-value.

    ``parameters`` holds the degrees of freedom as R names them (``df``, or ``ndf`` and
    ``ddf``); ``estimate`` what the test is about (a difference of means), if any.
    """

    __test__ = False  # not a pytest test class

    test: str
    method: str
    statistic: float
    parameters: Mapping[str, float]
    p_value: float
    estimate: float | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    lang: Lang = "en"

    _stem = "test"

    def to_frame(self) -> pd.DataFrame:
        """One row: test, method, statistic, each degree of freedom, p-value, estimate."""
        row: dict[str, Any] = {"test": self.test, "method": self.method, "statistic": self.statistic}
        row.update({k: float(v) for k, v in self.parameters.items()})
        row.update({"p_value": self.p_value, "estimate": self.estimate})
        return pd.DataFrame([row])

    def _summary(self) -> Summary:
        title = message("analysis.test.title", self.lang, method=html.escape(self.method))
        figures = [(message("analysis.test.statistic", self.lang), f"{self.statistic:.6g}")]
        figures += [(k, f"{v:.6g}") for k, v in self.parameters.items()]
        figures.append((message("analysis.test.p_value", self.lang), f"{self.p_value:.4g}"))
        return Summary(title=title, figures=tuple(figures), table=self.to_frame(), lang=self.lang)

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return {"test": self.to_frame()}

    def _about(self) -> dict[str, Any]:
        return {"test": self.test, "method": self.method, "lang": self.lang}


@validate_options
def ttest(design: Any, variable: str, group: str, *, level: float = 0.95) -> TestResult:
    """Design-based t test of a difference of means between the two groups of ``group`` (R's ``svyttest``).

    The estimate is the mean of the second level minus the mean of the first (levels sorted),
    its t statistic has the design's degrees of freedom minus one.
    """
    level = _check_level(design, level, "ttest")
    a, b, levels, _ = _domain_parts(design, variable, group, "mean", "ttest")
    if len(levels) != 2:
        text = message("analysis.not_binary_group", design.lang, column=group, n=len(levels))
        raise DataError(text, problems=[_codes.problem("analysis.not_binary_group", design.lang, column=group,
                                                       message=text)])
    theta, infl = _ratios(a, b)
    est, vcov = _vcov(design, theta, infl)
    diff = float(est[1] - est[0])
    se = float(np.sqrt(vcov[0, 0] + vcov[1, 1] - 2 * vcov[0, 1]))
    df = float(design.degf()) - 1.0
    from scipy import stats

    t = diff / se
    q = float(stats.t.ppf(0.5 + level / 2, df))
    return TestResult(test="ttest", method="Design-based t-test", statistic=t, parameters={"df": df},
                      p_value=float(2 * stats.t.sf(abs(t), df)), estimate=diff,
                      details={"groups": [str(v) for v in levels], "se": se,
                               "ci": (diff - q * se, diff + q * se)}, lang=design.lang)


def _indicators(codes: np.ndarray, k: int) -> np.ndarray:
    return (codes[:, None] == np.arange(k)[None, :]).astype(np.float64)


@validate_options
def chisq_test(design: Any, row: str, column: str, *, statistic: ChisqStatistic = "F") -> TestResult:
    """Test of association in a two-way table (R's ``svychisq``).

    ``F`` (default): Pearson's X² with the Rao-Scott second-order correction, as an F
    statistic; ``Chisq``: the first-order correction (the p-value of X² divided by the mean
    generalised design effect); ``Wald`` and ``adjWald``: the design-based Wald test of
    independence and its adjusted F form.
    """
    from scipy import stats

    check_option("chisq_test", "statistic", statistic, ("F", "Chisq", "Wald", "adjWald"), design.lang)
    rc, rlev = _groups(design, row, "chisq_test")
    cc, clev = _groups(design, column, "chisq_test")
    nr, nc = len(rlev), len(clev)
    ok = (rc >= 0) & (cc >= 0)
    cell = np.where(ok, rc + nr * cc, -1)  # rows vary fastest, as R's interaction()
    mm = _indicators(cell, nr * nc)
    n_all = len(cell)
    nu = float(design.degf())
    # Pearson's X^2 of the weighted table scaled to the number of rows (R's svytable(Ntotal = N))
    w = design._w
    counts = (w @ mm).reshape(nc, nr).T
    table = counts * n_all / counts.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        pearson = float(np.nansum((table - expected) ** 2 / expected))
    if statistic in ("Wald", "adjWald"):
        return _wald_chisq(design, mm, rc, cc, nr, nc, nu, statistic)
    ones = ok.astype(np.float64)[:, None]
    theta, infl = _ratios(mm, np.repeat(ones, nr * nc, axis=1))
    p, vcov = _vcov(design, theta, infl)
    rows_grid = np.tile(np.arange(nr), nc)
    cols_grid = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack([np.ones(nr * nc), *(rows_grid == i for i in range(1, nr)),
                          *(cols_grid == j for j in range(1, nc))]).astype(np.float64)
    x12 = np.column_stack([x1, *((rows_grid == i) & (cols_grid == j) for j in range(1, nc)
                                 for i in range(1, nr))]).astype(np.float64)
    inter = x12[:, nr + nc - 1:]
    q, _ = np.linalg.qr(x1)
    cmat = inter - q @ (q.T @ inter)
    with np.errstate(divide="ignore"):
        inv = np.where(p == 0, 0.0, 1.0 / p)
    idm = np.diag(inv)
    denom = cmat.T @ (idm / n_all) @ cmat
    numr = cmat.T @ idm @ vcov @ idm @ cmat
    delta = np.linalg.solve(denom, numr)
    trace = float(np.trace(delta))
    d0 = trace ** 2 / float(np.trace(delta @ delta))
    if statistic == "F":
        f = pearson / trace
        return TestResult(test="chisq", method="Pearson's X^2: Rao & Scott adjustment", statistic=f,
                          parameters={"ndf": d0, "ddf": d0 * nu},
                          p_value=float(stats.f.sf(f, d0, d0 * nu)), details={"pearson": pearson},
                          lang=design.lang)
    k = delta.shape[1]
    return TestResult(test="chisq", method="Pearson's X^2: Rao & Scott adjustment", statistic=pearson,
                      parameters={"df": float(k)}, p_value=float(stats.chi2.sf(pearson / (trace / k), k)),
                      details={"mean_deff": trace / k}, lang=design.lang)


def _wald_chisq(design: Any, mm: np.ndarray, rc: np.ndarray, cc: np.ndarray, nr: int, nc: int, nu: float,
                statistic: str) -> TestResult:
    from scipy import stats

    mr, mc = _indicators(rc, nr), _indicators(cc, nc)
    one = np.ones((len(rc), 1))
    a = np.hstack([mm, mr, mc, one])
    theta, infl = _ratios(a, None)
    cells, vcov = _vcov(design, theta, infl)
    k = nr * nc
    rows_grid = np.tile(np.arange(nr), nc)
    cols_grid = np.repeat(np.arange(nc), nr)
    tot_r, tot_c, total = cells[k:k + nr], cells[k + nr:k + nr + nc], cells[-1]
    jcb = np.hstack([
        np.eye(k),
        -(rows_grid[:, None] == np.arange(nr)[None, :]).astype(np.float64) * np.repeat(tot_c / total, nr)[:, None],
        -(cols_grid[:, None] == np.arange(nc)[None, :]).astype(np.float64) * np.tile(tot_r / total, nc)[:, None],
        (np.outer(tot_r, tot_c).T.reshape(-1) / total ** 2)[:, None],
    ])
    y = cells[:k] - np.outer(tot_r, tot_c).T.reshape(-1) / total
    v = jcb @ vcov @ jcb.T
    use = np.arange(k).reshape(nc, nr).T[1:, 1:].T.reshape(-1)
    use = np.sort(use)
    wald = float(y[use] @ np.linalg.solve(v[np.ix_(use, use)], y[use]))
    numdf = float((nc - 1) * (nr - 1))
    if statistic == "Wald":
        stat, ddf = wald / numdf, nu
    else:
        ddf = nu - numdf + 1
        stat = wald * ddf / (numdf * nu)
    return TestResult(test="chisq", method="Design-based Wald test of association", statistic=stat,
                      parameters={"ndf": numdf, "ddf": ddf}, p_value=float(stats.f.sf(stat, numdf, ddf)),
                      lang=design.lang)


# -- tables ----------------------------------------------------------------------------------------

#: Indicator columns of a table estimated together (memory: this many columns of the data).
_CELLS_AT_ONCE = 16


def _cell_columns(spec: Sequence[tuple[str, np.ndarray, int, tuple[np.ndarray, int] | None]],
                  ok: np.ndarray) -> Any:
    """Cell indicator columns, made one at a time: for ``(name, codes, code, other)`` the column
    ``codes == code`` (and ``other[0] == other[1]``), NaN outside ``ok``."""
    for name, codes, code, other in spec:
        hit = codes == code
        if other is not None:
            hit &= other[0] == other[1]
        yield name, np.where(ok, hit.astype(np.float64), np.nan)


@validate_options
def crosstab(design: Any, row: str, column: str | None = None, *, statistic: Literal["proportion", "total"]
             = "proportion", margin: Margin = "cell", level: float = 0.95) -> Estimates:
    """A weighted one- or two-way table, each cell with its SE and interval.

    ``statistic="total"`` gives weighted counts (R's ``svytotal(~interaction(row, column))``);
    ``"proportion"`` gives proportions of the whole table (``margin="cell"``, R's
    ``svymean(~interaction(...))``), within each row (``"row"``) or within each column
    (``"column"``, R's ``svyby(~column, ~row, svymean)`` and the reverse). Rows with a missing
    value in a classifying variable are in no cell.
    """
    level = _check_level(design, level, "crosstab")
    check_option("crosstab", "statistic", statistic, ("proportion", "total"), design.lang)
    check_option("crosstab", "margin", margin, ("cell", "row", "column"), design.lang)
    rc, rlev = _groups(design, row, "crosstab")
    if column is None:
        cc, clev = np.zeros_like(rc), [None]
    else:
        cc, clev = _groups(design, column, "crosstab")
    nr, nc = len(rlev), len(clev)
    ok = (rc >= 0) & (cc >= 0)
    # Each cell is an indicator column estimated by the design's own estimators (one vectorised
    # pass per column; replicate designs recompute each ratio per replicate, as R does).
    by: str | None = None
    spec: list[tuple[str, np.ndarray, int, tuple[np.ndarray, int] | None]]
    if statistic == "proportion" and margin == "row" and column is not None:
        spec = [(f"\x00c{j}", cc, j, None) for j in range(nc)]
        by, keys = row, [(i, j) for i in range(nr) for j in range(nc)]
    elif statistic == "proportion" and margin == "column" and column is not None:
        spec = [(f"\x00c{i}", rc, i, None) for i in range(nr)]
        by, keys = column, [(i, j) for i in range(nr) for j in range(nc)]
    else:
        spec = [(f"\x00c{i}.{j}", rc, i, (cc, j)) for i in range(nr) for j in range(nc)]
        keys = [(i, j) for i in range(nr) for j in range(nc)]
    # The indicator columns go to the design a few at a time: each is estimated on its own, so
    # the result is the same, and memory holds _CELLS_AT_ONCE columns instead of one per cell.
    parts = []
    stream = _cell_columns(spec, ok)
    while chunk := dict(itertools.islice(stream, _CELLS_AT_ONCE)):
        derived = _derived(design, chunk)
        func = derived.total if statistic == "total" else derived.mean
        parts.append(func(list(chunk), by=by, level=level).to_frame())
        del derived, chunk
    res = pd.concat(parts, ignore_index=True)
    cell_n = np.bincount(np.where(ok, rc * nc + cc, nr * nc), minlength=nr * nc + 1)[:nr * nc]
    lookup: dict[tuple[int, int], Any] = {}
    for r in res.to_dict("records"):
        code = str(r["variable"])[2:]
        if by is None:
            i, j = (int(x) for x in code.split("."))
        elif by == row:
            j, i = int(code), _level_index(design, rlev, r[row], row, "crosstab")
        else:
            i, j = int(code), _level_index(design, clev, r[column], str(column), "crosstab")
        lookup[(i, j)] = r
    rows_out = []
    for i, j in keys:
        r = lookup.get((i, j))
        entry: dict[str, Any] = {row: rlev[i]}
        if column is not None:
            entry[column] = clev[j]
        entry.update({k: (r[k] if r is not None else np.nan) for k in ("estimate", "se", "ci_low", "ci_high",
                                                                        "cv", "deff")})
        entry["n"] = int(cell_n[i * nc + j])
        rows_out.append(entry)
    table = pd.DataFrame(rows_out)
    table["flag"] = pd.array(quality_flags(table["cv"].to_numpy(dtype=np.float64),
                                           table["n"].to_numpy(dtype=np.float64), (0.15, 0.30), 0), dtype="string")
    table.insert(0, "variable", pd.array([f"{row} x {column}" if column else row] * len(table), dtype="string"))
    dims = (row,) if column is None else (row, column)
    return _estimates(design, table, "total" if statistic == "total" else "proportion", dims, level,
                      {"margin": margin})


# -- variance and models ---------------------------------------------------------------------------

@validate_options
def variance(design: Any, variable: str, *, level: float = 0.95) -> Estimates:
    """The population variance of ``variable`` with its SE (R's ``svyvar``; missing values left out)."""
    level = _check_level(design, level, "variance")
    y = _numeric(design, variable, "variance")
    ok = ~np.isnan(y)
    x = np.nan_to_num(y)
    n = int(ok.sum())
    okf = ok.astype(np.float64)

    def theta(w: np.ndarray) -> np.ndarray:
        wo = w * okf
        mean = (wo @ x) / wo.sum()
        return np.array([(wo @ ((x - mean) ** 2)) / wo.sum() * n / (n - 1)])

    def influence(w: np.ndarray, est: np.ndarray) -> np.ndarray:
        wo = w * okf
        mean = (wo @ x) / wo.sum()
        u = (x - mean) ** 2 * n / (n - 1)
        return (wo * (u - est[0]) / wo.sum())[:, None]

    est, vcov = _vcov(design, theta, influence)
    table = _table([{"variable": variable, "estimate": float(est[0]), "se": float(np.sqrt(vcov[0, 0])),
                     "n": n}], level, None).drop(columns=list(TEST_COLUMNS))
    return _estimates(design, table, "variance", (), level, {})


@dataclass(frozen=True)
class _Model:
    x: np.ndarray
    y: np.ndarray
    names: list[str]
    rows: np.ndarray


def _model_matrix(design: Any, outcome: str, covariates: Sequence[str], func: str) -> _Model:
    y = _numeric(design, outcome, func)
    parts: list[np.ndarray] = [np.ones(design.n_rows)]
    names = ["(Intercept)"]
    keep = ~np.isnan(y)
    for cov in covariates:
        col = _column(design, cov, func)
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col) and col.nunique() > 2 \
                or pd.api.types.is_float_dtype(col):
            values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            keep &= ~np.isnan(values)
            parts.append(np.nan_to_num(values))
            names.append(cov)
        else:
            codes, levels = pd.factorize(col, sort=True)
            keep &= codes >= 0
            for i, level in enumerate(levels[1:], start=1):
                parts.append((codes == i).astype(np.float64))
                names.append(f"{cov}{level}")
    x = np.column_stack(parts)
    return _Model(x=x, y=np.nan_to_num(y), names=names, rows=keep)


def _logit_deviance(y: np.ndarray, mu: np.ndarray, prior: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(mu), 0.0) + np.where(y < 1, (1 - y) * np.log(1 - mu), 0.0)
    return float(-2.0 * np.sum(prior * terms))


def _fit(x: np.ndarray, y: np.ndarray, prior: np.ndarray, family: str, start: np.ndarray | None = None
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares, or logistic IRLS step for step as R's ``glm.fit``.

    Returns the coefficients, the fitted means and the working weights of the last
    iteration (R keeps the weights of the step that converged, computed before its update;
    ``svyglm``'s variance uses them, so they are kept here too). The logistic fit starts from
    R's ``mustart`` (or ``start``) and stops on R's rule ``|dev - dev_old| / (|dev| + 0.1) < 1e-8``.
    """
    if family == "gaussian":
        sw = np.sqrt(prior)
        beta = np.linalg.lstsq(x * sw[:, None], y * sw, rcond=None)[0]
        return beta, x @ beta, prior
    if start is None:
        mu = (prior * y + 0.5) / (prior + 1.0)
        eta = np.log(mu / (1 - mu))
    else:
        eta = x @ start
        mu = 1.0 / (1.0 + np.exp(-eta))
    dev_old = _logit_deviance(y, mu, prior)
    beta = np.zeros(x.shape[1]) if start is None else start.copy()
    ww = prior * mu * (1 - mu)
    for _ in range(25):
        var = mu * (1 - mu)
        good = (prior > 0) & (var > 0)
        z = eta + (y - mu) / np.where(good, var, 1.0)
        ww = np.where(good, prior * var, 0.0)
        sw = np.sqrt(ww)
        beta = np.linalg.lstsq(x * sw[:, None], z * sw, rcond=None)[0]
        eta = x @ beta
        mu = 1.0 / (1.0 + np.exp(-eta))
        dev = _logit_deviance(y, mu, prior)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
            break
        dev_old = dev
    return beta, mu, ww


@validate_options
def glm(design: Any, outcome: str, covariates: Sequence[str], *, family: Family = "gaussian",
        level: float = 0.95) -> Estimates:
    """A design-based regression (R's ``svyglm``): linear (``gaussian``) or logistic (``quasibinomial``).

    Categorical covariates (text, or numbers with two values or fewer) enter as indicators of
    each level but the first. Coefficients are fitted with the design's weights; their
    covariance is the design variance of the estimating functions (Taylor designs) or of the
    coefficients refitted with each replicate's weights (replicate designs), as R does. Rows
    with a missing outcome or covariate are left out (a domain: every PSU stays).
    """
    level = _check_level(design, level, "glm")
    check_option("glm", "family", family, ("gaussian", "quasibinomial"), design.lang)
    if isinstance(covariates, str):
        covariates = [covariates]
    m = _model_matrix(design, outcome, covariates, "glm")
    keep = m.rows.astype(np.float64)

    full_start: list[np.ndarray] = []

    def prior(w: np.ndarray) -> np.ndarray:
        # R normalises the weights (svyglm: w / mean(w); a replicate refit: w / sum(w)); the
        # scale changes nothing but the logistic fit's starting point, which R's stopping
        # rule can see.
        wk = w * keep
        return wk / (wk.sum() / keep.sum() if not full_start else wk.sum())

    def theta(w: np.ndarray) -> np.ndarray:
        beta = _fit(m.x, m.y, prior(w), family, start=full_start[0] if full_start else None)[0]
        if not full_start:
            full_start.append(beta)
        return beta

    def influence(w: np.ndarray, beta: np.ndarray) -> np.ndarray:
        pw = (w * keep) / ((w * keep).sum() / keep.sum())
        _, mu, ww = _fit(m.x, m.y, pw, family)
        ainv = np.linalg.inv(m.x.T @ (m.x * ww[:, None]))
        with np.errstate(invalid="ignore", divide="ignore"):
            working = (m.y - mu) / (mu * (1 - mu)) if family == "quasibinomial" else m.y - mu
        est = m.x * np.where(keep > 0, working * ww, 0.0)[:, None]
        return est @ ainv

    beta, vcov = _vcov(design, theta, influence)
    df = float(design.degf()) + 1.0 - len(beta)
    rows = [{"variable": name, "estimate": float(b), "se": float(np.sqrt(vcov[i, i])), "n": int(m.rows.sum())}
            for i, (name, b) in enumerate(zip(m.names, beta, strict=True))]
    table = _table(rows, level, df)
    from scipy import stats

    q = float(stats.t.ppf(0.5 + level / 2, df))
    table["ci_low"] = table["estimate"] - q * table["se"]
    table["ci_high"] = table["estimate"] + q * table["se"]
    return _estimates(design, table, f"glm ({family})", (), level,
                      {"outcome": outcome, "covariates": list(covariates), "family": family,
                       "df_residual": df, "vcov": vcov.tolist()})


@validate_options
def predicted_means(design: Any, outcome: str, covariates: Sequence[str], group: str, *,
                    family: Family = "gaussian", level: float = 0.95) -> Estimates:
    """Predicted margins of ``group`` adjusted for ``covariates`` (R's ``svypredmeans``).

    Fits ``outcome ~ covariates + group`` (:func:`glm`), then for each level of ``group``
    predicts every woman's outcome as if she were in that level and averages the
    predictions with the design's weights. The variance adds the design variance of that
    average and the part from the fitted coefficients (``G' V G``, ``G`` the mean
    derivative of the predictions), as R does. The table has one row per level and one
    per difference from the first level (``contrast``: ``b - a``): the gap adjusted for the
    covariates, with its SE, test statistic and p-value (normal, as R's ``svycontrast``).
    Rows with a missing outcome, covariate or group are left out (a domain).

    >>> import pandas as pd
    >>> from indicators import SurveyDesign
    >>> m = pd.DataFrame({"y": [1.0, 2, 3, 4, 2, 3], "g": list("ababab"), "x": [1.0, 2, 3, 1, 2, 3],
    ...                   "w": [1.0] * 6, "c": [1, 2, 3, 4, 5, 6]})
    >>> t = predicted_means(SurveyDesign(m, weights="w", psu="c"), "y", ["x"], "g").to_frame()
    >>> t["contrast"].tolist()
    ['a', 'b', 'b - a']
    """
    level = _check_level(design, level, "predicted_means")
    check_option("predicted_means", "family", family, ("gaussian", "quasibinomial"), design.lang)
    if isinstance(covariates, str):
        covariates = [covariates]
    covariates = [c for c in covariates if c != group]
    fit = glm(design, outcome, [*covariates, group], family=family, level=level)
    beta = fit.to_frame()["estimate"].to_numpy(dtype=np.float64)
    vbeta = np.asarray(fit.options["vcov"], dtype=np.float64)
    m = _model_matrix(design, outcome, [*covariates, group], "predicted_means")
    codes, levels = pd.factorize(_column(design, group, "predicted_means"), sort=True)
    group_cols = [m.names.index(f"{group}{lev}") for lev in levels[1:]]
    keep = m.rows
    w = design._w
    wk = np.where(keep, w, 0.0)
    fits = np.empty((design.n_rows, len(levels)))
    grads = np.empty((len(beta), len(levels)))
    for k in range(len(levels)):
        x = m.x.copy()
        x[:, group_cols] = 0.0
        if k > 0:
            x[:, group_cols[k - 1]] = 1.0
        eta = x @ beta
        if family == "quasibinomial":
            mu = 1.0 / (1.0 + np.exp(-eta))
            deriv = np.maximum(np.exp(eta) / (1.0 + np.exp(eta)) ** 2, np.finfo(np.float64).eps)
        else:
            mu, deriv = eta, np.ones_like(eta)
        fits[:, k] = np.where(keep, mu, 0.0)
        grads[:, k] = (wk * deriv) @ x / wk.sum()
    theta, infl = _ratios(fits, np.repeat(keep.astype(np.float64)[:, None], len(levels), axis=1))
    means, vmean = _vcov(design, theta, infl)
    vv = grads.T @ vbeta @ grads + vmean
    n = int(keep.sum())
    rows = [{"variable": outcome, "contrast": str(lev), "estimate": float(means[k]),
             "se": float(np.sqrt(max(vv[k, k], 0.0))), "n": int((keep & (codes == k)).sum())}
            for k, lev in enumerate(levels)]
    for k in range(1, len(levels)):
        g = np.zeros(len(levels))
        g[k], g[0] = 1.0, -1.0
        rows.append({"variable": outcome, "contrast": f"{levels[k]} - {levels[0]}",
                     "estimate": float(means[k] - means[0]), "se": float(np.sqrt(max(g @ vv @ g, 0.0))),
                     "n": n})
    table = _table(rows, level, None)
    return _estimates(design, table, "predicted mean", (), level,
                      {"outcome": outcome, "covariates": list(covariates), "group": group, "family": family,
                       "vcov": vv.tolist()})
