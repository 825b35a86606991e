"""Properties of the shared result machinery (indicators._results), for any text and numbers.

- the workbook round trip loses nothing: every cell read back with openpyxl equals the table
  written, except that text a spreadsheet would run as a formula comes back with its leading
  apostrophe (and empty text as an empty cell);
- the notebook summary and the HTML page never carry user text unescaped;
- a handed-out table never changes the stored one, whatever is written into it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators._export import FORMULA_PREFIXES
from indicators._results import (
    Summary,
    copied,
    page_html,
    protect_fields,
    protected,
    summary_html,
    write_sheets,
)

openpyxl = pytest.importorskip("openpyxl")

# text as people type it: letters and digits in any script, punctuation, symbols, spaces and tabs,
# with the characters that start a formula over-represented
# (control characters other than tab are left out: a workbook stores them as _xHHHH_ escapes that
# spreadsheet programs decode and openpyxl's reader does not)
TYPED = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), whitelist_characters="\t"),
                max_size=30)
TEXT = st.one_of(
    TYPED,
    st.builds(lambda p, t: p + t, st.sampled_from(["=", "+", "-", "@", "\t", "<script>", "&", "'"]), TYPED),
)
NUMBER = st.one_of(st.floats(allow_nan=True, allow_infinity=False, width=64), st.integers(-10**12, 10**12))


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    text = draw(st.lists(TEXT, min_size=n, max_size=n))
    numbers = draw(st.lists(NUMBER, min_size=n, max_size=n))
    name = draw(TEXT.filter(lambda t: t.strip() != "" and t not in ("number",)))
    return pd.DataFrame({name: pd.array(text, dtype="string"), "number": [float(x) for x in numbers]})


def _expected_text(value: str) -> str | None:
    # a formula-like text gets an apostrophe, except a plain signed number ("+0", "-1,5e3"), which a
    # spreadsheet reads as a number; surrounding XML whitespace is kept by xlsxwriter
    if value == "":
        return None
    number = re.fullmatch(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?", value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) and not number else value


@settings(max_examples=15)  # each example writes and reads a workbook
@given(frame=tables())
def test_workbook_round_trip_keeps_every_cell(frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = write_sheets({"t": frame}, "t.xlsx", tmp_path_factory.mktemp("x"), about={"note": "=1+1"})
    book = openpyxl.load_workbook(path, read_only=True)
    rows = [list(r) for r in book["t"].iter_rows(values_only=True)]
    assert rows[0] == [_expected_text(str(c)) for c in frame.columns]
    assert len(rows) == len(frame) + 1
    for got, (text, number) in zip(rows[1:], frame.itertuples(index=False)):
        assert got[0] == _expected_text(text)
        if math.isnan(number):
            assert got[1] is None
        else:
            assert got[1] == pytest.approx(number, rel=1e-15, abs=0)
    about = [list(r) for r in book["about"].iter_rows(values_only=True)]
    assert about[1] == ["note", "'=1+1"]


#: The elements the summary and the page are made of; user text must add none.
OWN_TAGS = {"div", "p", "table", "thead", "tbody", "tr", "th", "td", "h1", "h2", "pre", "html", "head",
            "meta", "title", "style", "body"}


class _Parsed(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _words(text: str) -> str:
    return " ".join(text.split())


@given(title=TEXT, figure=TEXT, cells=st.lists(TEXT, min_size=1, max_size=8))
def test_summary_and_page_escape_every_text(title: str, figure: str, cells: list[str]) -> None:
    frame = pd.DataFrame({"c": cells})
    summary = Summary(title=title, figures=((figure, figure),), table=frame, lang="en")
    for page in (summary_html(summary), page_html(summary, [("t", frame)], {"k": title})):
        parsed = _Parsed()
        parsed.feed(page)
        assert parsed.tags <= OWN_TAGS, parsed.tags - OWN_TAGS
        text = _words("".join(parsed.text))
        for value in (title, figure, *cells[:5]):
            assert _words(value) in text


@dataclass(frozen=True)
class _Holder:
    small: pd.DataFrame
    large: pd.DataFrame


_Protected = protect_fields(copies=("small",), views=("large",))(_Holder)


@given(values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=20),
       new=st.floats(allow_nan=False, allow_infinity=False), where=st.integers(0, 19))
def test_handed_out_tables_never_write_back(values: list[float], new: float, where: int) -> None:
    frame = pd.DataFrame({"x": values, "t": pd.array([str(v) for v in values], dtype="string")})
    holder = _Protected(frame, frame)
    i = where % len(values)
    for get in (lambda: holder.small, lambda: holder.large):
        out = get()
        try:
            out["x"].to_numpy()[i] = new + 1.0
        except ValueError:
            pass  # read-only: the data is shared with the stored table
        out.iloc[i, 0] = new
        out.loc[out.index[i], "t"] = "changed"
        out["x"] = out["x"] * 2
        pd.testing.assert_frame_equal(get(), frame)
    small = holder.small
    small["x"].array[i] = new  # the extension array of a deep copy: the copy's own
    pd.testing.assert_frame_equal(holder.small, frame)


def test_copied_and_protected_on_other_values() -> None:
    arr = np.arange(3.0)
    out = copied(arr)
    out[0] = 9.0
    assert arr[0] == 0.0
    nested = {"a": [1, {"b": 2}]}
    copy_ = copied(nested)
    copy_["a"][1]["b"] = 3  # type: ignore[index]
    assert nested == {"a": [1, {"b": 2}]}
    assert protected("text") == "text"
    assert Path("x") == copied(Path("x"))
