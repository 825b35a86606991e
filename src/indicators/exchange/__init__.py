"""Exchange formats: a values table as a Frictionless Data Package (and back), as Open SDG files and
as SDMX data (SDMX-CSV 2.0, SDMX-ML 2.1) against a structure generated from the catalog or the SDG one.

>>> from indicators.exchange import table_schema
>>> table_schema("mesecvi", ["country", "year", "indicator", "value"])["primaryKey"]
['country', 'year', 'indicator']
"""

from ._common import canonical_values
from ._datapackage import read_datapackage, table_schema, to_datapackage
from ._open_sdg import open_sdg_id, to_open_sdg
from ._sdmx import read_sdmx, to_sdmx
from ._sdmx_structure import sdmx_structure

__all__ = ["canonical_values", "open_sdg_id", "read_datapackage", "read_sdmx", "sdmx_structure", "table_schema",
           "to_datapackage", "to_open_sdg", "to_sdmx"]
