"""Property: a table wrapped in title rows, blank rows and footnotes reads back the same.

The table is what an office tabulates: a label column and number columns (decimal
comma or point, some cells empty); around it, the title block and the notes an
office adds. Whatever the wrapping, ``read`` returns the same frame as for the bare
table, with row numbers shifted by the lines above it, and keeps every note.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators import read

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                         HealthCheck.too_slow])

PLACES = ["Norte", "Sur", "Centro", "Oriente", "Ñuble", "Biobío", "Peñalolén", "Los Ríos"]
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéíóúñ ", min_size=3, max_size=30)
NOTE_STARTS = ["Fuente: ", "Nota: ", "(1) ", "* ", "Source: ", "Elaboración: "]


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], pd.DataFrame, str, str]:
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 12))
    decimal = draw(st.sampled_from([",", "."]))
    delimiter = ";" if decimal == "," else ","
    names = ["región"] + [f"v{j}_{draw(st.sampled_from(['casos', 'tasa', '%']))}" for j in range(1, k)]
    rows, records = [], []
    for i in range(n):
        label = f"{PLACES[i % len(PLACES)]} {i}"
        cells, values = [label], [label]
        for _ in range(1, k):
            value = draw(st.one_of(st.none(), st.integers(0, 9999),
                                   st.integers(0, 99999).map(lambda x: x / 100)))
            values.append(value)
            if value is None:
                cells.append("")
            elif isinstance(value, int):
                cells.append(str(value))
            else:
                cells.append(f"{value:.2f}".replace(".", decimal))
        rows.append(cells)
        records.append(values)
    expected = pd.DataFrame(records, columns=names)
    return names, rows, expected, decimal, delimiter


@SETTINGS
@given(table=tables(), titles=st.lists(WORDS, max_size=3), blanks=st.integers(0, 2),
       notes=st.lists(st.tuples(st.sampled_from(NOTE_STARTS), WORDS), max_size=3),
       gap=st.booleans(), pad=st.booleans(), crlf=st.booleans())
def test_wrapped_table_reads_back_the_same(tmp_path: Path, table: tuple, titles: list[str],
                                          blanks: int, notes: list[tuple[str, str]], gap: bool,
                                          pad: bool, crlf: bool) -> None:
    names, rows, expected, _decimal, delimiter = table
    k = len(names)

    def line(cells: list[str]) -> str:
        return delimiter.join(cells + ([""] * (k - len(cells)) if pad else []))

    above = [line(["Cuadro " + t.strip() if t.strip() else "Cuadro"]) for t in titles]
    above += [line([]) if pad else "" for _ in range(blanks if titles else 0)]
    below = ([""] if gap and notes else []) + [line([s + t]) for s, t in notes]
    body = [line(names)] + [line(r) for r in rows]
    ending = "\r\n" if crlf else "\n"
    bare = tmp_path / "bare.csv"
    bare.write_text(ending.join(body) + ending, encoding="utf-8", newline="")
    wrapped = tmp_path / "wrapped.csv"
    wrapped.write_text(ending.join(above + body + below) + ending, encoding="utf-8", newline="")

    plain = read(bare)
    got = read(wrapped)

    shift = len(above)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), plain.reset_index(drop=True))
    assert got.index.tolist() == [i + shift for i in plain.index]
    check = plain.reset_index(drop=True)
    for name in names[1:]:
        want = pd.to_numeric(expected[name], errors="coerce")
        assert check[name].astype(float).tolist() == pytest_approx(want.tolist())
    p = got.attrs["provenance"]
    assert p.header_row == shift + 1
    assert len(p.notes) == len(notes)
    assert [x.strip() for x in p.notes] == [(s + t).strip() for s, t in notes]
    assert p.title_rows == tuple(i + 1 for i, t in enumerate(above) if t.strip(delimiter + " "))


def pytest_approx(values: list[float]) -> object:
    import pytest

    return pytest.approx(values, nan_ok=True)
