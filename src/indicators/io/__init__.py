"""Reading the files ministries and statistics offices really have: :func:`read`.

Delimited text, workbooks, SPSS, Stata and Parquet, each read into a frame whose index
holds the user's row numbers and whose ``attrs["provenance"]`` records every decision.

>>> from indicators.io import FORMATS
>>> ".csv" in FORMATS["csv"]
True
"""

from __future__ import annotations

from ._read import DEFAULT_MISSING, FORMATS, BadLines, MissingMode, Provenance, Totals, read

__all__ = ["DEFAULT_MISSING", "FORMATS", "BadLines", "MissingMode", "Provenance", "Totals", "read"]
