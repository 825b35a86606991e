"""belem-indicators: the women's-rights indicator systems of the OAS, as a library.

Define (MESECVI, SISDEHM), read, validate, estimate from survey microdata, score
and report women's-rights indicators.

>>> import indicators as ind
>>> cat = ind.load_catalog("mesecvi")
>>> cat.id
'mesecvi'
"""

from __future__ import annotations

from ._version import __version__
from .catalog import Catalog, Indicator, SignOfProgress, System, load_catalog, load_codelist
from .errors import DataError, DefinitionError, DesignError, IndicatorsError, OptionError, ReadError
from .io import Provenance, read
from .report import Report, country_report, hemispheric_report
from .scores import IndexSpec, Scores, load_index_spec, score
from .survey import Estimates, ReplicateDesign, SurveyDesign, estimate, read_design
from .validation import ValidationReport, validate

__all__ = [
    "__version__",
    "Catalog",
    "Indicator",
    "SignOfProgress",
    "System",
    "load_catalog",
    "load_codelist",
    "IndicatorsError",
    "DefinitionError",
    "DataError",
    "ReadError",
    "DesignError",
    "OptionError",
    "read",
    "Provenance",
    "SurveyDesign",
    "ReplicateDesign",
    "Estimates",
    "read_design",
    "estimate",
    "validate",
    "ValidationReport",
    "score",
    "Scores",
    "IndexSpec",
    "load_index_spec",
    "country_report",
    "hemispheric_report",
    "Report",
]
