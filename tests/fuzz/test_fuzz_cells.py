"""Fuzzing the small parsers every stage relies on: YAML text, numbers in any locale, yes/no words.

These are cheap, so the long run gives them many inputs: the YAML loader must give data or a
DefinitionError (never a Python object, a hang or another exception); the cell parsers must
never raise, and every cell is either parsed or flagged.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.catalog._files import read_definition
from indicators.validation._cells import parse_numbers, parse_yes_no

from ._harness import attempt, invariant

YAML_ALPHABET = "abc:-[]{},&*!<>|'\"#%@`?~ \n\t0123456789.eE+_\\/"


@settings()
@given(text=st.one_of(st.text(alphabet=YAML_ALPHABET, max_size=120), st.text(max_size=60)),
       prefix=st.sampled_from(["", "kind: overlay\n", "a: &a [1]\nb: [*a, *a]\n", "!!python/object:os.system\n",
                               "x: !!binary aGk=\n", "%YAML 1.1\n---\n"]))
def test_fuzz_yaml_text(text: str, prefix: str) -> None:
    source = prefix + text
    describe = lambda: repr(source)[:600]
    data = attempt("yaml: text", lambda: read_definition("fuzz.yaml", text=source), describe)
    if data is not None:
        invariant("yaml: text", isinstance(data, dict), "a definition that is not a mapping", describe)
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.keys())
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            else:
                invariant("yaml: text", item is None or isinstance(item, (str, int, float, bool, bytes))
                          or type(item).__module__ == "datetime", f"a {type(item).__name__} built from YAML",
                          describe)


number_text = st.one_of(
    st.text(alphabet="0123456789.,-+ eE%$€\u00a0\u202f'", max_size=16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(),
    st.none(),
    st.sampled_from(["1.234,5", "1,234.5", "10,5", "1 234", "USD 12", "12 EUR", "sí", "NA", "", "nan", "inf"]),
)


@settings()
@given(cells=st.lists(number_text, max_size=20), comma=st.sampled_from([None, True, False]))
def test_fuzz_parse_numbers(cells: list[object], comma: bool | None) -> None:
    series = pd.Series(cells, dtype=object)
    describe = lambda: f"decimal_comma={comma} cells={cells!r}"
    out = attempt("cells: numbers", lambda: parse_numbers(series, decimal_comma=comma), describe)
    if out is not None:
        numbers, bad = out
        invariant("cells: numbers", len(numbers) == len(series) == len(bad), "cells lost", describe)
        blank = series.map(lambda v: v is None or (isinstance(v, str) and not v.strip())
                           or (isinstance(v, float) and math.isnan(v)))
        invariant("cells: numbers", bool((numbers.notna() | bad | blank).all()),
                  "a non-blank cell neither parsed nor flagged", describe)
    yes_no = attempt("cells: yes/no", lambda: parse_yes_no(series), describe)
    if yes_no is not None:
        invariant("cells: yes/no", len(yes_no[0]) == len(series), "cells lost", describe)
