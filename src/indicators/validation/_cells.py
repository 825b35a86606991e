"""Cell parsing for validation: numbers in any locale, yes/no words, codes by name.

Each function works on a whole column (vectorised, or on its distinct values) and never
raises on a bad cell: it returns what parsed and a mask of what did not, so that the
caller reports every unparsable cell and still checks the others.

>>> import pandas as pd
>>> num, bad = parse_numbers(pd.Series(["10,5", "3", "", "n/d"]))
>>> num.tolist()[:2], bad.tolist()
([10.5, 3.0], [False, False, False, True])
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "NO_WORDS",
    "YES_WORDS",
    "as_text",
    "blank",
    "display",
    "fold",
    "parse_numbers",
    "parse_yes_no",
    "resolve_unique",
    "split_currency",
]

#: Words read as yes (1) and no (0), folded (lower case, no accents), in en, es, pt, fr.
YES_WORDS: frozenset[str] = frozenset({"1", "si", "yes", "y", "s", "true", "verdadero", "sim", "oui", "vrai", "x"})
NO_WORDS: frozenset[str] = frozenset({"0", "no", "n", "false", "falso", "nao", "non", "faux"})

_COMMA_DECIMAL = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+"
_GROUP_SPACE = r"(?<=\d)[ \u00a0\u202f](?=\d{3})"
_THOUSANDS_DOT = r"[+-]?\d{1,3}(?:\.\d{3})+"
_CURRENCY = re.compile(r"^\s*(?:([A-Za-z]{3})\s*([^A-Za-z]+?)|([^A-Za-z]+?)\s*([A-Za-z]{3}))\s*$")


def fold(text: str) -> str:
    """Lower case without accents or surrounding spaces.

    >>> fold("  Sí ")
    'si'
    """
    norm = unicodedata.normalize("NFKD", str(text).strip().casefold())
    return "".join(ch for ch in norm if not unicodedata.combining(ch))


def display(values: pd.Series) -> pd.Series:
    """Cells as the user typed them, as text (whole floats without ``.0``; empty for missing).

    >>> display(pd.Series([3.0, 2.5, None])).tolist()
    ['3', '2.5', '']
    """
    if _is_text(values):  # text already: only the missing cells change
        return pd.Series(values.to_numpy(dtype=object, na_value=""), index=values.index, dtype="object")

    def one(v: Any) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return ""
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        return str(v)

    return pd.Series([one(v) for v in values], index=values.index, dtype="object")


def _is_text(values: pd.Series) -> bool:
    """True for a column of a string dtype (not object, which may hold anything)."""
    return pd.api.types.is_string_dtype(values.dtype) and not pd.api.types.is_object_dtype(values.dtype)


def as_text(values: pd.Series) -> pd.Series:
    """A column as stripped text (``string`` dtype); blank cells become missing.

    >>> as_text(pd.Series([" a ", "", 2.0])).tolist()
    ['a', <NA>, '2']
    """
    text = values.astype("string") if _is_text(values) else display(values).astype("string")
    text = text.str.strip()
    return text.mask(text.eq("").fillna(False))


def blank(values: pd.Series) -> pd.Series:
    """True where a cell is missing or only spaces."""
    return as_text(values).isna()


def _to_float(text: pd.Series) -> pd.Series:
    out = pd.to_numeric(text, errors="coerce")
    return pd.Series(np.asarray(out.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)),
                     index=text.index)


#: Numbers written plainly (sign, up to 15 integer digits, a decimal point): Arrow parses them to the
#: same correctly rounded doubles as ``pd.to_numeric``, many times faster; the others go through pandas.
_PLAIN_NUMBER = r"^[+-]?(?:\d{1,15}(?:\.\d*)?|\.\d+)$"


def _plain_numbers(text: pd.Series, rows: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(floats, mask) of the cells of ``rows`` written as plain numbers; NaN and False elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    nan = np.full(len(text), np.nan)
    if not isinstance(text.array, pd.arrays.ArrowStringArray):
        return nan, np.zeros(len(text), dtype=bool)
    arr = pa.array(text.array)
    plain = pc.and_kleene(pc.match_substring_regex(arr, _PLAIN_NUMBER), pa.array(rows.to_numpy(dtype=bool)))
    mask = plain.to_numpy(zero_copy_only=False)
    mask = np.asarray(pd.array(mask, dtype="boolean").to_numpy(dtype=bool, na_value=False))
    if not mask.any():
        return nan, mask
    numbers = pc.cast(pc.if_else(plain, arr, pa.scalar(None, arr.type)), pa.float64())
    return numbers.to_numpy(zero_copy_only=False), mask


def _comma_decimal(text: pd.Series) -> bool:
    """True when a cell is written with a decimal comma (``10,5``, ``1.234,5``) and none with a decimal point."""
    has_comma = text.str.contains(",", regex=False).fillna(False)
    if not has_comma.any():
        return False
    spaced = text[has_comma].str.replace(_GROUP_SPACE, "", regex=True)
    if not spaced.str.fullmatch(_COMMA_DECIMAL).fillna(False).any():
        return False
    dot = text.str.fullmatch(r"[+-]?\d*\.\d+") & ~text.str.fullmatch(_THOUSANDS_DOT)
    return not bool(dot.fillna(False).any())


def parse_numbers(values: pd.Series, *, decimal_comma: bool | None = None,
                  rows: pd.Series | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a column of numbers; return (floats, mask of non-blank cells that are not numbers).

    Accepts numbers already numeric, plain text numbers, digit groups separated by spaces, and
    a decimal comma (``10,5``, ``1.234,5``) when the column uses it throughout: a column that
    mixes ``10,5`` and ``10.5`` has its comma cells reported as not numbers (``decimal_comma``
    forces the choice). ``rows`` (a mask) limits the parsing to those cells (the others come
    back as NaN and not bad); the decimal mark is still chosen from the whole column.

    >>> parse_numbers(pd.Series(["1.234,5", "2,0"]))[0].tolist()
    [1234.5, 2.0]
    >>> parse_numbers(pd.Series(["1.5", "2,5"]))[1].tolist()
    [False, True]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64"), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = pd.Series(pd.array(values, dtype="Float64").to_numpy(dtype="float64", na_value=np.nan),
                        index=values.index)
        if rows is not None:
            num = num.where(rows.to_numpy(dtype=bool))
        return num, pd.Series(False, index=values.index)
    text = as_text(values)
    want = text.notna().to_numpy(dtype=bool)
    if rows is not None:
        want = want & rows.to_numpy(dtype=bool)
    floats, plain = _plain_numbers(text, pd.Series(want, index=text.index))
    num = pd.Series(floats, index=text.index)
    rest = want & ~plain
    if rest.any():
        num.loc[rest] = _to_float(text[rest]).to_numpy()
    todo = want & num.isna().to_numpy()
    if decimal_comma is None:
        decimal_comma = _comma_decimal(text)
    if decimal_comma:
        todo = todo | (want & text.str.fullmatch(_THOUSANDS_DOT).fillna(False).to_numpy(dtype=bool))
    if todo.any():
        fixed = text[todo].str.replace(_GROUP_SPACE, "", regex=True)
        if decimal_comma:
            comma = (fixed.str.fullmatch(_COMMA_DECIMAL) | fixed.str.fullmatch(_THOUSANDS_DOT)).fillna(False)
            fixed = fixed.where(~comma, fixed.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        else:
            grouped = fixed.str.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?").fillna(False)
            fixed = fixed.where(~grouped, fixed.str.replace(",", "", regex=False))
        num.loc[todo] = _to_float(fixed).to_numpy()
    bad = pd.Series(want & num.isna().to_numpy(), index=text.index)
    return num, bad


def split_currency(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split ``"USD 1200"`` or ``"1.200,50 ARS"`` into (number text, upper-case code or missing).

    >>> t, c = split_currency(pd.Series(["USD 1200", "35", "1.200,50 ars"]))
    >>> t.tolist(), c.tolist()
    (['1200', '35', '1.200,50'], ['USD', <NA>, 'ARS'])
    """
    text = as_text(values)
    parts = text.str.extract(_CURRENCY)
    code = parts[0].fillna(parts[3]).str.upper().astype("string")
    number = parts[1].fillna(parts[2]).str.strip().astype("string")
    has = code.notna()
    return text.where(~has, number), code


def parse_yes_no(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read yes/no words and 1/0 as 1.0/0.0; return (floats, mask of non-blank cells not understood).

    >>> parse_yes_no(pd.Series(["Sí", "no", "TRUE", "0", "tal vez"]))[0].tolist()[:4]
    [1.0, 0.0, 1.0, 0.0]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("float64"), pd.Series(False, index=values.index)
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = parse_numbers(values)[0]
        return num, pd.Series(False, index=values.index)
    text = as_text(values)

    def word(t: str) -> float:
        f = fold(t)
        if f in YES_WORDS:
            return 1.0
        if f in NO_WORDS:
            return 0.0
        try:
            return float(f.replace(",", "."))
        except ValueError:
            return np.nan

    num = resolve_unique(text, word).astype("float64")
    return num, num.isna() & text.notna()


def resolve_unique(values: pd.Series, fn: Callable[[Any], Hashable | None]) -> pd.Series:
    """Apply ``fn`` once per distinct non-missing value and map the results back (missing stays missing).

    Results that are all text (or ``None``) come back as a ``string`` column.

    >>> resolve_unique(pd.Series(["a", "b", "a", None]), str.upper).tolist()
    ['A', 'B', 'A', <NA>]
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [fn(u) for u in uniques]
    if all(m is None or isinstance(m, str) for m in mapped):
        import pyarrow as pa

        taken = pa.array(mapped, type=pa.large_string()).take(pa.array(codes, mask=codes < 0))
        return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index)
    out = np.empty(len(mapped) + 1, dtype=object)
    out[:-1] = mapped
    out[-1] = np.nan
    return pd.Series(out[codes], index=values.index)
