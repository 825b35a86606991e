"""Cell parsing for validation: the plain-number fast path and parsing on some rows only.

Source of truth: Python's ``float`` (correctly rounded), which ``pd.to_numeric`` also matches.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from indicators.validation._cells import parse_numbers, resolve_unique

_PLAIN = re.compile(r"[+-]?(?:\d{1,15}(?:\.\d*)?|\.\d+)")

cells = st.one_of(
    st.integers(-10**15, 10**15).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.sampled_from(["", " 12.5 ", "-0", ".5", "+3.", "1e3", "inf", "nan", "n/d", "1,5", "1 234"]),
    st.text(max_size=4),
)


@given(st.lists(cells, max_size=25))
def test_plain_numbers_parse_to_the_correctly_rounded_double(values: list[str]) -> None:
    num, bad = parse_numbers(pd.Series(values, dtype="str"), decimal_comma=False)
    for text, got, is_bad in zip(values, num.tolist(), bad.tolist()):
        stripped = text.strip()
        if _PLAIN.fullmatch(stripped):
            assert got == float(stripped) and not is_bad
        elif stripped == "":
            assert math.isnan(got) and not is_bad


def test_parsing_some_rows_decides_the_decimal_mark_from_the_whole_column() -> None:
    rows = pd.Series([True, False, True, False])
    num, bad = parse_numbers(pd.Series(["1,5", "sí", "2,25", "x"]), rows=rows)
    assert num[0] == 1.5 and num[2] == 2.25 and np.isnan(num[1]) and np.isnan(num[3])
    assert bad.tolist() == [False, False, False, False]  # rows not parsed are never bad
    # a decimal point on a row that is not parsed still rules out the decimal comma
    num, bad = parse_numbers(pd.Series(["1,5", "2.5"]), rows=pd.Series([True, False]))
    assert bad.tolist() == [True, False] and np.isnan(num[1])


def test_resolve_unique_keeps_text_as_text_and_missing_as_missing() -> None:
    out = resolve_unique(pd.Series(["a", None, "b", "a"], dtype="str"), str.upper)
    assert out.dtype == "string" and out.tolist() == ["A", pd.NA, "B", "A"]
    floats = resolve_unique(pd.Series(["1", None]), float)
    assert floats.iloc[0] == 1.0 and pd.isna(floats.iloc[1])
