"""The indicator systems as data: catalogs, codelists and the safe expressions they hold.

A catalog is one indicator system (MESECVI or SISDEHM) or a national adaptation of one
(an overlay), read from the versioned definitions and checked against their schema.

>>> from indicators.catalog import load_catalog
>>> load_catalog("sisdehm").id
'sisdehm'
"""

from __future__ import annotations

from ._expressions import Expression, ExpressionError
from ._loading import codelist_ids, load_catalog, load_codelist
from ._model import Area, Catalog, Codelist, Indicator, SignOfProgress, System

__all__ = [
    "Area",
    "Catalog",
    "Codelist",
    "Expression",
    "ExpressionError",
    "Indicator",
    "SignOfProgress",
    "System",
    "codelist_ids",
    "load_catalog",
    "load_codelist",
]
