"""Reports: a country profile for each State and a hemispheric comparison.

:func:`country_report` and :func:`hemispheric_report` build a :class:`Report` (its
tables, its charts as SVG, its sections) from a values table, a catalog and,
optionally, precomputed scores and a validation report; :meth:`Report.save` writes
one self-contained HTML page, an Excel workbook and a Word document.

Modules, one per part: :mod:`.tables` (raw tables), :mod:`.charts` (matplotlib),
:mod:`.formatting` (Babel), :mod:`.model` (the pieces), :mod:`.country` and
:mod:`.hemispheric` (the builders), :mod:`.html`, :mod:`.xlsx`, :mod:`.docx` (the
writers).

>>> from indicators.report import Report, country_report, hemispheric_report
>>> callable(country_report) and callable(hemispheric_report)
True
"""

from __future__ import annotations

from .country import country_report
from .hemispheric import hemispheric_report
from .report import CHART_FORMATS, FORMATS, Report, ReportFormat

__all__ = ["CHART_FORMATS", "FORMATS", "Report", "ReportFormat", "country_report", "hemispheric_report"]
