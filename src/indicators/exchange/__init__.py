"""Exchange formats: a values table as a Frictionless Data Package (and back) and as Open SDG files.

>>> from indicators.exchange import table_schema
>>> table_schema("mesecvi", ["country", "year", "indicator", "value"])["primaryKey"]
['country', 'year', 'indicator']
"""

from ._common import canonical_values
from ._datapackage import read_datapackage, table_schema, to_datapackage
from ._open_sdg import open_sdg_id, to_open_sdg

__all__ = ["canonical_values", "open_sdg_id", "read_datapackage", "table_schema", "to_datapackage", "to_open_sdg"]
