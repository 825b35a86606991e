"""Validation of values tables and survey microdata: every problem, in one pass.

:func:`validate` reads (or takes) values tables or microdata, runs the schema generated from
the catalog, and returns a :class:`ValidationReport` with the accepted and rejected rows.

>>> from indicators.validation import ISSUE_COLUMNS
>>> ISSUE_COLUMNS[:2]
('severity', 'code')
"""

from __future__ import annotations

from ._validate import ISSUE_COLUMNS, Kind, ReportKind, ValidationReport, validate

__all__ = ["ISSUE_COLUMNS", "Kind", "ReportKind", "ValidationReport", "validate"]
