"""The one result type of every survey estimator: :class:`Estimates`.

Private module; the public names are re-exported by :mod:`indicators.survey._designs`.

>>> import pandas as pd
>>> from indicators.survey import quality_flags
>>> quality_flags(pd.Series([0.05, 0.2, 0.4]).to_numpy(), pd.Series([100, 100, 100]).to_numpy()).tolist()
['reliable', 'caution', 'unreliable']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._options import CVLimits, validate_options
from .._results import Result, Summary, protect_fields
from ..i18n import Lang, check_lang, message

__all__ = ["FLAGS", "RESULT_COLUMNS", "Estimates", "Flag", "flag_label", "quality_flags"]

Flag = Literal["reliable", "caution", "unreliable", "empty"]
#: Quality flag codes (kept in English in data; labels translated by :func:`flag_label`).
FLAGS: tuple[str, ...] = ("reliable", "caution", "unreliable", "empty")
#: Columns after the variable and domain columns.
RESULT_COLUMNS: tuple[str, ...] = ("estimate", "se", "ci_low", "ci_high", "cv", "deff", "n", "flag")


@validate_options
def quality_flags(cv: np.ndarray, n: np.ndarray, cv_limits: CVLimits = (0.15, 0.30),
                  min_n: int = 0) -> np.ndarray:
    """Quality flag of each estimate from its coefficient of variation and unweighted n.

    ``reliable`` when cv < ``cv_limits[0]``, ``caution`` up to ``cv_limits[1]``,
    ``unreliable`` above it, when the cv cannot be computed, or when n < ``min_n``;
    ``empty`` when the domain has no usable row (n = 0).
    """
    cv = np.asarray(cv, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    low, high = cv_limits
    with np.errstate(invalid="ignore"):
        out = np.where(cv < low, "reliable", np.where(cv <= high, "caution", "unreliable")).astype(object)
    out[~np.isfinite(cv)] = "unreliable"
    out[n < min_n] = "unreliable"
    out[n == 0] = "empty"
    return out


@validate_options
def flag_label(code: str, lang: Lang = "en") -> str:
    """The label of a quality flag in ``lang``.

    >>> flag_label("caution", "es")
    'usar con precaución'
    """
    return message(f"survey.flag.{code}", check_lang(lang))


@validate_options
@protect_fields(copies=("table",), mappings=("design", "options"))
@dataclass(frozen=True, eq=False)
class Estimates(Result):
    """Survey estimates with their precision, one row per variable and domain.

    Immutable: :attr:`table` and :meth:`to_frame` hand out copies, :meth:`with_flags` a new
    object. ``statistic`` is mean, proportion, total, ratio or quantile; ``method`` says how
    the variance was computed; ``design`` summarises the design; ``options`` holds the
    other parameters of the call (na_rm, ci_method, cv_limits, min_n, ...); ``lang`` is the
    language of its summaries (the design's). It shares the result protocol:
    :meth:`to_frame`, ``_repr_html_`` (notebooks), :meth:`to_html`, :meth:`to_excel`,
    :meth:`save`.

    >>> import pandas as pd
    >>> from indicators import SurveyDesign
    >>> d = SurveyDesign(pd.DataFrame({"y": [1.0, 0.0, 1.0, 1.0], "w": [1.0, 2.0, 1.0, 1.0],
    ...                                "h": [1, 1, 2, 2], "c": [1, 2, 3, 4]}),
    ...                  weights="w", strata="h", psu="c")
    >>> est = d.mean("y")
    >>> round(float(est.estimate.iloc[0]), 3), list(est.to_frame().columns)[:3]
    (0.6, ['variable', 'estimate', 'se'])
    >>> "0.6" in est.to_html() and "Survey estimates: mean" in est._repr_html_()
    True
    """

    table: pd.DataFrame
    statistic: str
    by: tuple[str, ...] = ()
    level: float = 0.95
    method: str = ""
    design: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    lang: Lang = "en"

    _stem = "estimates"
    _table: pd.DataFrame = field(init=False, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self._table)

    def __repr__(self) -> str:
        by = f" by {', '.join(self.by)}" if self.by else ""
        return f"<Estimates {self.statistic}{by}: {len(self)} rows, {self.method}>\n{self._table!r}"

    def _series(self, column: str) -> pd.Series:
        t = self._table
        index = pd.MultiIndex.from_frame(t[["variable", *self.by]]) if self.by \
            else pd.Index(t["variable"], name="variable")
        return pd.Series(t[column].to_numpy(copy=True), index=index, name=column)

    @property
    def estimate(self) -> pd.Series:
        """The estimates, indexed by variable (and domain)."""
        return self._series("estimate")

    @property
    def se(self) -> pd.Series:
        """Standard errors."""
        return self._series("se")

    @property
    def cv(self) -> pd.Series:
        """Coefficients of variation (se / |estimate|)."""
        return self._series("cv")

    @property
    def deff(self) -> pd.Series:
        """Design effects (NaN where not computed)."""
        return self._series("deff")

    @property
    def n(self) -> pd.Series:
        """Unweighted number of usable rows in each domain."""
        return self._series("n")

    @property
    def flag(self) -> pd.Series:
        """Quality flags (reliable, caution, unreliable, empty)."""
        return self._series("flag")

    def confint(self) -> pd.DataFrame:
        """The confidence intervals (``ci_low``, ``ci_high``) at :attr:`level`."""
        return pd.DataFrame({"ci_low": self._series("ci_low"), "ci_high": self._series("ci_high")})

    def to_frame(self, lang: Lang | None = None) -> pd.DataFrame:
        """A copy of the results table; with ``lang``, a translated ``flag_label`` column too."""
        out = self._table.copy()
        if lang is not None:
            check_lang(lang, "Estimates.to_frame")
            out["flag_label"] = [flag_label(f, lang) for f in out["flag"]]
        return out

    def with_flags(self, cv_limits: CVLimits = (0.15, 0.30), min_n: int = 0) -> Estimates:
        """A new :class:`Estimates` flagged with other thresholds."""
        limits = _check_limits(cv_limits, min_n)
        table = self._table.copy()
        table["flag"] = quality_flags(table["cv"].to_numpy(dtype=np.float64),
                                      table["n"].to_numpy(dtype=np.float64), limits, min_n)
        options = {**self.options, "cv_limits": limits, "min_n": min_n}
        return replace(self, table=table, options=options)

    def in_lang(self, lang: Lang) -> Estimates:
        """The same estimates, with summaries and labels in ``lang``."""
        return replace(self, lang=check_lang(lang, "Estimates.in_lang"))

    # -- the result protocol --------------------------------------------------------------------
    def _summary(self) -> Summary:
        lang = self.lang
        stat = message(f"results.estimates.statistic.{self.statistic}", lang)
        if stat.startswith("results."):
            stat = self.statistic
        title = (message("results.estimates.title_by", lang, statistic=stat, by=", ".join(self.by)) if self.by
                 else message("results.estimates.title", lang, statistic=stat))
        t = self._table
        flags = t["flag"].value_counts()
        figures = [
            (message("results.estimates.variables", lang), ", ".join(dict.fromkeys(t["variable"].astype(str)))),
            (message("results.rows", lang), str(len(t))),
            (message("results.estimates.method", lang), self.method),
            (message("results.estimates.level", lang), f"{self.level:.0%}"),
        ]
        design = self.design
        if design.get("kind") == "taylor":
            figures.append((message("results.estimates.design", lang),
                            message("results.estimates.design_taylor", lang, rows=design.get("rows"),
                                    strata=design.get("n_strata"), psu=design.get("n_psu"))))
        elif design.get("kind") == "replicate":
            figures.append((message("results.estimates.design", lang),
                            message("results.estimates.design_replicate", lang, rows=design.get("rows"),
                                    replicates=design.get("replicates"), type=design.get("type"))))
        if len(flags):
            figures.append((message("results.estimates.flags", lang),
                            "; ".join(f"{flag_label(str(f), lang)}: {int(flags[f])}" for f in FLAGS if f in flags)))
        return Summary(title=title, figures=tuple(figures), table=self.to_frame(lang=lang), lang=lang)

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return {"estimates": self.to_frame(lang=self.lang)}

    def _about(self) -> dict[str, Any]:
        return {"statistic": self.statistic, "by": list(self.by), "level": self.level, "method": self.method,
                "design": self.design, "options": self.options, "lang": self.lang}


def _check_limits(cv_limits: Sequence[float], min_n: int) -> tuple[float, float]:
    from .._codes import error
    from .._options import CVLimitsConstraint, option_error

    if not CVLimitsConstraint().accepts(cv_limits):
        raise option_error("quality_flags", "cv_limits", cv_limits, expected=CVLimitsConstraint.expected)
    if isinstance(min_n, bool) or not isinstance(min_n, (int, np.integer)) or min_n < 0:
        raise error("survey.option.min_n", "en", field="min_n", value=repr(min_n), got=repr(min_n))
    low, high = (float(v) for v in cv_limits)
    return (low, high)
