"""Fuzzing read() on text files and workbooks: mutated seeds and files built from random cells.

The same guarantees and invariants as tests/fuzz/test_fuzz_read.py. The cases this fuzzing found
(a lone carriage return, blank lines before the header, a bad row of non-UTF-8 bytes, damaged
workbook XML and zip members, declared sheet sizes) each have a regression test in
tests/security/test_damaged_inputs.py.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ._harness import attempt, budget, mutate, mutate_zip
from .test_fuzz_read import BINARY_SEEDS, ENCODINGS, TEXT_SEEDS, _bytes, _read, check_frame

text_options = st.fixed_dictionaries({}, optional={
    "encoding": st.sampled_from(ENCODINGS),
    "delimiter": st.sampled_from([None, ",", ";", "\t", "|"]),
    "decimal": st.sampled_from([None, ",", "."]),
    "header_row": st.one_of(st.none(), st.integers(1, 60)),
    "on_bad_lines": st.sampled_from(["report", "report", "error"]),
    "keep_leading_zeros": st.booleans(),
    "strict": st.booleans(),
})


@settings()
@given(seed=st.sampled_from(TEXT_SEEDS), rng=st.randoms(use_true_random=False), options=text_options,
       blank_lines=st.sampled_from([0, 0, 0, 1, 50]))
def test_fuzz_read_text(seed: Path, rng: random.Random, options: dict, blank_lines: int) -> None:  # type: ignore[type-arg]
    data = mutate(_bytes(seed), rng)
    if blank_lines:
        data = b"\n" * blank_lines + data
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("fuzz" + seed.suffix)
        path.write_bytes(data)
        describe = lambda: f"seed={seed.name} options={options} bytes={data[:400]!r}"
        df = attempt("read: text", _read(path, **options), describe)
        check_frame("read: text", df, data, True, describe)


@settings()
@given(cells=st.lists(st.lists(st.text(alphabet="ab1,;\"\r\n\t =+-@é\x00", max_size=6), min_size=1, max_size=4),
                      min_size=1, max_size=12),
       sep=st.sampled_from([",", ";"]), end=st.sampled_from(["\n", "\r\n", "\r"]),
       encoding=st.sampled_from(["utf-8", "cp1252", "utf-16"]))
def test_fuzz_read_text_from_cells(cells: list[list[str]], sep: str, end: str, encoding: str) -> None:
    text = end.join(sep.join(row) for row in cells) + end
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cells.csv"
        path.write_bytes(data)
        describe = lambda: f"bytes={data[:400]!r}"
        df = attempt("read: text", _read(path, on_bad_lines="report"), describe)
        check_frame("read: text", df, data, True, describe)


@budget(4)  # each input is a zip to rebuild
@given(suffix=st.sampled_from([".xlsx", ".xlsm", ".ods"]), rng=st.randoms(use_true_random=False),
       header_row=st.one_of(st.none(), st.integers(1, 10)), sheet=st.sampled_from([None, 0, 1, "x"]))
def test_fuzz_read_workbook(suffix: str, rng: random.Random, header_row: int | None, sheet: object) -> None:
    seed = BINARY_SEEDS[suffix][0]
    data = mutate_zip(_bytes(seed), rng)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("fuzz" + suffix)
        path.write_bytes(data)
        describe = lambda: f"seed={seed.name} header_row={header_row} sheet={sheet!r}"
        df = attempt(f"read: {suffix}", _read(path, header_row=header_row, sheet=sheet, on_bad_lines="report"),
                     describe)
        check_frame(f"read: {suffix}", df, data, False, describe)
