"""Properties of indicators.read (hypothesis).

- Round trip: a frame with random Spanish-shaped text (accents, signs, ``;``, quotes, newlines),
  decimal-comma numbers with thousands dots, integers and codes with leading zeros,
  written as an Excel-Spanish CSV (cp1252, ``;``, CRLF), reads back equal.
- Nothing is lost: every line of a file is the header, a row of the result (whose
  index is that line) or a reported problem.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import read

SETTINGS = settings(max_examples=50, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Every character a Spanish file may hold (for the transcoding property).
SPANISH = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZáéíóúüñÁÉÍÓÚÜÑ¿¡€“”–… 0123456789.,;\"'\n"
# Spanish-shaped text: words of syllables with at most one accent each, signs where Spanish
# puts them, and the characters that trouble CSV writers (";", quotes, line breaks).
SYLLABLE = st.sampled_from(["a", "ba", "ca", "de", "el", "fe", "gu", "la", "lo", "ma", "na", "pe", "que", "ra",
                            "re", "sa", "ta", "to", "va", "za", "qu", "ch", "ll", "rr", "x", "1", "20"])
ACCENTED = st.sampled_from(["á", "é", "í", "ó", "ú", "ü", "ñ", "ña", "ción", "ñe", "ía", "ú"])


@st.composite
def spanish_word(draw: st.DrawFn) -> str:
    parts = draw(st.lists(SYLLABLE, min_size=1, max_size=4))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(ACCENTED))
    word = "".join(parts)
    return word.capitalize() if draw(st.booleans()) else word


PHRASE = st.lists(spanish_word(), min_size=1, max_size=4).map(" ".join)
text_cell = st.one_of(
    PHRASE,
    PHRASE.map(lambda p: f"¿{p}?"), PHRASE.map(lambda p: f"¡{p}!"), PHRASE.map(lambda p: f"“{p}”"),
    st.tuples(PHRASE, PHRASE).map(" – ".join), PHRASE.map(lambda p: p + "…"),
    PHRASE.map(lambda p: f"{p} 5,50 €"), st.tuples(PHRASE, PHRASE).map(";".join),
    st.tuples(PHRASE, PHRASE).map('"'.join), st.tuples(PHRASE, PHRASE).map("'".join),
    st.tuples(PHRASE, PHRASE).map("\n".join),
)
number = st.one_of(st.none(), st.decimals(min_value=-10**7, max_value=10**7, places=2,
                                          allow_nan=False, allow_infinity=False))
integer = st.integers(min_value=-(10**9), max_value=10**9)
code = st.text(alphabet="0123456789", min_size=1, max_size=6).map(lambda s: "0" + s)


def spanish_number(value: object) -> str:
    """1234567.5 -> '1.234.567,50' (Excel, Spanish locale)."""
    if value is None:
        return ""
    text = f"{float(value):,.2f}"  # type: ignore[arg-type]
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(min_value=1, max_value=25))
    rows = draw(st.lists(st.tuples(text_cell, number, integer, code), min_size=n, max_size=n))
    # A real Spanish file: its first row has an accent followed by ASCII (invalid UTF-8).
    rows = [("Peñalolén", None, 0, "01")] + rows
    return pd.DataFrame(rows, columns=["comuna", "tasa", "casos", "codigo"])


@SETTINGS
@given(frame=frames(), with_thousands=st.booleans())
def test_spanish_csv_round_trip(tmp_path: Path, frame: pd.DataFrame, with_thousands: bool) -> None:
    out = frame.copy()
    out["tasa"] = [spanish_number(v) for v in frame["tasa"]]
    if with_thousands:
        out["casos"] = [spanish_number(v)[:-3] for v in frame["casos"]]  # "1.234" (no decimals)
    path = tmp_path / "ronda.csv"
    out.to_csv(path, sep=";", index=False, encoding="cp1252", lineterminator="\r\n")

    df = read(path)

    p = df.attrs["provenance"]
    assert p.encoding == "cp1252" and p.delimiter == ";"
    assert df["comuna"].tolist() == frame["comuna"].tolist()
    assert df["codigo"].tolist() == frame["codigo"].tolist()
    assert df["casos"].tolist() == frame["casos"].tolist()
    expected = [math.nan if v is None else float(v) for v in frame["tasa"]]
    assert np.allclose(df["tasa"].to_numpy(dtype=float), expected, equal_nan=True, rtol=0, atol=0)
    # row numbers: header on line 1, each record on the line where it starts
    starts = 2 + np.concatenate([[0], np.cumsum([1 + s.count("\n") for s in frame["comuna"]])[:-1]])
    assert df.index.tolist() == starts.tolist()
    if frame["tasa"].notna().any():  # "1.234,50" proves the convention
        assert len(p.problems) == 0
    else:  # only "1.234"-like numbers: read the Spanish way, and the assumption is reported
        assert set(p.problems["code"]) <= {"io.ambiguous_numbers"}


cell = st.text(alphabet="abcxyzñé0123456789", min_size=0, max_size=4)


@st.composite
def messy_files(draw: st.DrawFn) -> tuple[str, int, list[str]]:
    k = draw(st.integers(min_value=1, max_value=5))
    kinds = draw(st.lists(st.sampled_from(["good", "good", "good", "short", "long", "blank"]),
                          min_size=0, max_size=30))
    lines = [";".join(f"col{i}" for i in range(k))]
    for kind in kinds:
        if kind == "blank":
            lines.append("")
            continue
        width = {"good": k, "short": draw(st.integers(1, k)) if k > 1 else None,
                 "long": k + draw(st.integers(1, 3))}[kind]
        if width is None or (kind == "short" and width >= k):
            kind, width = "good", k
        cells = draw(st.lists(cell, min_size=width, max_size=width))
        if kind == "good" and not any(cells) and k == 1:
            cells = ["x"]  # a one-column row with an empty cell would be a blank line
        lines.append(";".join(cells))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    # a blank last line exists only when a line ending follows it
    final = draw(st.booleans()) or lines[-1] == ""
    return ending.join(lines) + (ending if final else ""), k, lines


@SETTINGS
@given(data=messy_files(), encoding=st.sampled_from(["utf-8", "cp1252"]))
def test_every_line_is_a_row_or_a_reported_problem(tmp_path: Path, data: tuple[str, int, list[str]],
                                                  encoding: str) -> None:
    content, k, lines = data
    path = tmp_path / "messy.csv"
    path.write_bytes(content.encode(encoding))

    df = read(path, on_bad_lines="report", delimiter=";", header_row=1, keep_leading_zeros=True,
              dtype={f"col{i}": str for i in range(k)})

    problems = df.attrs["provenance"].problems
    reported = problems["row"].dropna().astype(int).tolist()
    n_lines = len(lines)
    assert df.attrs["provenance"].n_lines == n_lines
    # lines = header + rows read + lines reported, and each line is counted once
    assert 1 + len(df) + len(reported) == n_lines
    assert sorted([1] + df.index.tolist() + reported) == list(range(1, n_lines + 1))
    # a line of delimiters only (";;") is a blank separator row, reported like a blank line
    good = [i for i, line in enumerate(lines[1:], start=2)
            if line.replace(";", "") != "" and line.count(";") == k - 1]
    assert df.index.tolist() == good
    for line_no in df.index:
        cells = lines[line_no - 1].split(";")
        got = ["" if pd.isna(v) else v for v in df.loc[line_no].tolist()]
        assert got == cells


number_like = st.one_of(st.none(), st.text(alphabet="0123456789.,+-a", max_size=14),
                        st.decimals(min_value=-10**9, max_value=10**9, places=3,
                                    allow_nan=False, allow_infinity=False).map(
                            lambda d: spanish_number(d)))


@SETTINGS
@given(values=st.lists(number_like, max_size=40), split=st.integers(0, 40),
       convention=st.sampled_from([(",", "."), (".", ","), (",", None), (".", None)]))
def test_numpy_number_check_agrees_with_the_regular_expression(values: list[str | None], split: int,
                                                               convention: tuple[str, str | None]) -> None:
    """Two routes to the same answer: the numpy byte check and the RE2 pattern."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from indicators.io._buffers import check_numbers, normalise_numbers
    from indicators.io._numbers import Convention

    decimal, thousands = convention
    arr = pa.chunked_array([pa.array(values[:split], pa.string()), pa.array(values[split:], pa.string())])
    fast = check_numbers(arr, decimal, thousands).to_pylist()
    regex = pc.fill_null(pc.match_substring_regex(arr, Convention(decimal, thousands).pattern()), True)
    assert fast == regex.to_pylist()
    expected = [None if v is None else (v.replace(thousands, "") if thousands else v).replace(decimal, ".")
                for v in values]
    assert normalise_numbers(arr, decimal, thousands).to_pylist() == expected


@SETTINGS
@given(values=st.lists(st.one_of(st.none(), st.text(alphabet=SPANISH, max_size=10)), max_size=30),
       codec=st.sampled_from(["cp1252", "latin-1"]))
def test_column_transcoding_agrees_with_python(values: list[str | None], codec: str) -> None:
    import pyarrow as pa

    from indicators.io._buffers import transcode

    encodable = [v for v in values if v is None or all(_encodable(c, codec) for c in v)]
    raw = pa.array([None if v is None else v.encode(codec) for v in encodable], pa.binary())
    # the parse reads code-page bytes unchecked into string columns: the same as a view
    new, bad = transcode(pa.chunked_array([raw.view(pa.string())]), codec)
    assert bad is None
    assert new.to_pylist() == encodable


def _encodable(char: str, codec: str) -> bool:
    try:
        char.encode(codec)
    except UnicodeEncodeError:
        return False
    return True
