"""Design-based estimation from survey microdata, as R's ``survey`` package computes it.

Designs (:class:`SurveyDesign` with Taylor linearisation, :class:`ReplicateDesign` with
replicate weights), their estimators, the :class:`Estimates` result, design files
(:func:`read_design`) and the catalog-driven :func:`estimate` that writes values-table rows.

>>> from indicators.survey import LONELY_PSU
>>> "adjust" in LONELY_PSU
True
"""

from __future__ import annotations

from ._analysis import (
    TestResult,
    change_test,
    chisq_test,
    compare_rounds,
    contrast,
    crosstab,
    difference,
    glm,
    predicted_means,
    ttest,
    variance,
)
from ._calibration import CALFUNS, CalFun
from ._designs import ReplicateDesign, SurveyDesign
from ._domains import CI_METHODS, LONELY_PSU, REPLICATE_TYPES, CIMethod, LonelyPSU, ReplicateType
from ._estimate import estimable, estimate, parse_by
from ._estimates import FLAGS, Estimates, flag_label, quality_flags
from ._files import read_design
from ._make_replicates import MAKE_TYPES, MakeType

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
    "CALFUNS",
    "CI_METHODS",
    "FLAGS",
    "LONELY_PSU",
    "MAKE_TYPES",
    "REPLICATE_TYPES",
    "CIMethod",
    "CalFun",
    "Estimates",
    "LonelyPSU",
    "MakeType",
    "ReplicateDesign",
    "ReplicateType",
    "SurveyDesign",
    "estimable",
    "estimate",
    "flag_label",
    "parse_by",
    "quality_flags",
    "read_design",
]
