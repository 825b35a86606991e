"""What every exchange format shares: the canonical values table and the catalog's code lists.

>>> import pandas as pd
>>> t = canonical_values(pd.DataFrame({"country": ["PER"], "year": ["2020"], "indicator": ["X"],
...                                    "value": [12.5], "n": [40.0]}))
>>> list(t.columns), str(t["year"].dtype), str(t["n"].dtype), t.loc[0, "value"]
(['country', 'year', 'indicator', 'value', 'n'], 'Int64', 'Int64', '12.5')
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._codes import error, problem
from .._export import FORMULA_PREFIXES
from .._options import validate_options
from ..catalog import Catalog, load_catalog, load_codelist
from ..errors import DataError
from ..i18n import Lang, message
from ..values import KEY_COLUMNS, TEXT_COLUMNS, VALUE_COLUMNS

__all__ = ["ESCAPED_COLUMNS", "FLOAT_COLUMNS", "INT_COLUMNS", "canonical_values", "catalog_of", "codes_of",
           "unescape_text"]

#: Numeric columns written as numbers.
FLOAT_COLUMNS: tuple[str, ...] = ("se", "ci_low", "ci_high", "cv")
#: Whole-number columns.
INT_COLUMNS: tuple[str, ...] = ("year", "n")


def catalog_of(catalog: Catalog | str, lang: Lang = "en") -> Catalog:
    """The catalog object for ``catalog`` (a :class:`~indicators.Catalog` or a system name)."""
    if isinstance(catalog, Catalog):
        return catalog
    if not isinstance(catalog, str):
        raise error("exchange.bad_catalog", lang, field="catalog", value=repr(catalog),
                    expected="a Catalog or a system name such as 'mesecvi'")
    return load_catalog(catalog)


def codes_of(codelist_id: str) -> list[str]:
    """The codes of a shipped code list, in the list's order."""
    return [str(c["code"]) for c in load_codelist(codelist_id).codes]


def _number_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, bool | np.bool_):
        return str(value).lower()
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    text = str(value)
    return text if text.strip() else pd.NA


@validate_options
def canonical_values(values: pd.DataFrame, lang: Lang = "en") -> pd.DataFrame:
    """The values table in the form every exchange format writes and reads back.

    The known columns in their standard order (unknown ones dropped), a fresh 0-based index,
    ``year`` and ``n`` as nullable integers, the precision columns as floats, and ``value``
    as text (a number written the shortest exact way, or a category code), so that numbers
    and category codes travel together without loss.
    """
    if not isinstance(values, pd.DataFrame):
        raise error("exchange.not_a_table", lang, field="values", value=type(values).__name__,
                    type=type(values).__name__, expected="a pandas DataFrame")
    missing = [c for c in KEY_COLUMNS if c not in values.columns]
    if missing:
        raise DataError(message("exchange.missing_columns", lang, columns=", ".join(missing)),
                        problems=[problem("exchange.missing_column", lang, column=c, expected="a column " + c)
                                  for c in missing])
    cols = [c for c in VALUE_COLUMNS if c in values.columns]
    out = values[cols].reset_index(drop=True).copy()
    problems: list[dict[str, Any]] = []
    for col in cols:
        s = out[col]
        if col in INT_COLUMNS:
            num = pd.to_numeric(s, errors="coerce")
            bad = (num.isna() & s.notna()) | (num.notna() & (num % 1 != 0))
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(problem("exchange.not_whole_number", lang, row=int(i) + 1, column=col,
                                        value=str(s.iloc[i]), expected="a whole number"))
            out[col] = num.where(~bad).round().astype("Int64")
        elif col in FLOAT_COLUMNS:
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna()
            for i in np.flatnonzero(bad.to_numpy()):
                problems.append(problem("exchange.not_a_number", lang, row=int(i) + 1, column=col,
                                        value=str(s.iloc[i]), expected="a number"))
            out[col] = num.astype("float64")
        elif col == "value":
            out[col] = pd.Series([_number_text(v) for v in s], dtype="string")
        else:
            out[col] = pd.Series([pd.NA if pd.isna(v) or not str(v).strip() else str(v) for v in s],
                                 dtype="string")
    if problems:
        raise DataError(message("exchange.bad_cells", lang, n=len(problems)), problems=problems)
    return out


def unescape_text(value: Any) -> Any:
    """Undo the apostrophe a writer put before text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


#: Columns whose cells are free text (formula-escaped on export).
ESCAPED_COLUMNS: tuple[str, ...] = TEXT_COLUMNS
