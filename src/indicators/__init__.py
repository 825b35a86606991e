"""belem-indicators: the women's-rights indicator systems of the OAS, as a library.

Define (MESECVI, SISDEHM), read, validate, estimate from survey microdata, score
and report women's-rights indicators.

>>> import indicators as ind
>>> cat = ind.load_catalog("mesecvi")
>>> cat.id
'mesecvi'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._limits import Limits
from ._version import __version__
from .errors import (
    DataError,
    DefinitionError,
    DesignError,
    IndicatorsError,
    NotFoundError,
    OptionError,
    ReadError,
)

if TYPE_CHECKING:  # the names below are imported on first use (see __getattr__)
    from ._demo import sample_data
    from .catalog import Catalog, Indicator, SignOfProgress, System, load_catalog, load_codelist
    from .exchange import read_datapackage, read_sdmx, sdmx_structure, to_datapackage, to_open_sdg, to_sdmx
    from .followup import (
        FollowUp,
        FollowUpRecords,
        Recommendations,
        follow_up,
        load_recommendations,
        read_follow_up,
    )
    from .io import Provenance, read
    from .report import Report, country_report, hemispheric_report
    from .scores import Audit, IndexSpec, Scores, audit, load_index_spec, score
    from .survey import Estimates, ReplicateDesign, SurveyDesign, estimate, read_design
    from .validation import ValidationReport, validate

#: Where each public name lives. ``import indicators`` loads none of the stages: a name is
#: imported from its stage on first use, so scripts and the command line pay only for what
#: they use (the heavy optional libraries are imported later still, inside the functions).
_LAZY: dict[str, str] = {
    "Catalog": "catalog", "Indicator": "catalog", "SignOfProgress": "catalog", "System": "catalog",
    "load_catalog": "catalog", "load_codelist": "catalog",
    "Provenance": "io", "read": "io",
    "SurveyDesign": "survey", "ReplicateDesign": "survey", "Estimates": "survey",
    "read_design": "survey", "estimate": "survey",
    "ValidationReport": "validation", "validate": "validation",
    "IndexSpec": "scores", "Scores": "scores", "load_index_spec": "scores", "score": "scores",
    "audit": "scores", "Audit": "scores",
    "Report": "report", "country_report": "report", "hemispheric_report": "report",
    "load_recommendations": "followup", "Recommendations": "followup", "read_follow_up": "followup",
    "FollowUpRecords": "followup", "follow_up": "followup", "FollowUp": "followup",
    "sample_data": "_demo",
    "to_datapackage": "exchange", "read_datapackage": "exchange", "to_open_sdg": "exchange",
    "to_sdmx": "exchange", "read_sdmx": "exchange", "sdmx_structure": "exchange",
}
_STAGES = ("catalog", "io", "validation", "survey", "scores", "report", "followup", "exchange")


def __getattr__(name: str) -> Any:
    stage = _LAZY.get(name)
    if stage is not None:
        value = getattr(importlib.import_module(f".{stage}", __name__), name)
        globals()[name] = value
        return value
    if name in _STAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_STAGES))


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
    "NotFoundError",
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
    "audit",
    "Audit",
    "country_report",
    "hemispheric_report",
    "Report",
    "load_recommendations",
    "Recommendations",
    "read_follow_up",
    "FollowUpRecords",
    "follow_up",
    "FollowUp",
    "Limits",
    "sample_data",
    "to_datapackage",
    "read_datapackage",
    "to_open_sdg",
    "to_sdmx",
    "read_sdmx",
    "sdmx_structure",
]
