"""Comparable 0-100 scores: index specifications and the scoring pipeline.

An :class:`IndexSpec` declares what a composite score is made of; :func:`score` resolves
it against a catalog, normalises, aggregates, counts coverage and draws uncertainty, and
returns :class:`Scores`.

>>> from indicators.scores import SCORE_COLUMNS
>>> SCORE_COLUMNS[:3]
('country', 'year', 'level')
"""

from __future__ import annotations

from ._audit import Audit, audit
from ._compare import compare_scores
from ._leave_one_out import LeaveOneOut, leave_one_out
from ._scores import DEFAULT_SEED, SCORE_COLUMNS, TREND_COLUMNS, Scores, score
from ._spec import (
    BUILTIN_SPECS,
    Aggregate,
    Aggregation,
    Direction,
    Imputation,
    IndexSpec,
    IndicatorSpec,
    Level,
    Method,
    Uncertainty,
    load_index_spec,
)
from ._spec_groups import Combine, Groups
from ._treat import Treatment
from ._weights import Weights, derive_weights

__all__ = [
    "BUILTIN_SPECS",
    "DEFAULT_SEED",
    "SCORE_COLUMNS",
    "TREND_COLUMNS",
    "Aggregate",
    "Aggregation",
    "Audit",
    "Combine",
    "Direction",
    "Groups",
    "Imputation",
    "IndexSpec",
    "IndicatorSpec",
    "LeaveOneOut",
    "Level",
    "Method",
    "Scores",
    "Treatment",
    "Uncertainty",
    "Weights",
    "audit",
    "compare_scores",
    "derive_weights",
    "leave_one_out",
    "load_index_spec",
    "score",
]
