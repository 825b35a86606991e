"""Damaged text files and workbooks: a clear ReadError naming the file (and the line, the
part or the limit), never a raw exception, a hang or a traceback on the terminal.

Each test is built from a case found by fuzzing read() (tests/fuzz/test_fuzz_read_text.py).
"""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indicators as ind
from indicators import ReadError, read

DATA = Path(__file__).resolve().parents[1] / "data" / "io"

CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Datos">{rows}</table:table>'
    "</office:spreadsheet></office:body></office:document-content>")


def _cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p></table:table-cell>'


def _row(cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


def _ods(path: Path, content: str) -> Path:
    seed = zipfile.ZipFile(DATA / "simple.ods")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in seed.namelist():
            z.writestr(name, content.encode("utf-8") if name == "content.xml" else seed.read(name))
    path.write_bytes(out.getvalue())
    return path


# -- text files ---------------------------------------------------------------------------------

@pytest.mark.parametrize("blank,encoding", [(50, "utf-8"), (60, "utf-8"), (60, "cp1252"), (700, "utf-8")])
def test_blank_lines_before_the_header(tmp_path: Path, blank: int, encoding: str) -> None:
    # 50 blank lines before the header were refused with "line None"; a cp1252 header after them
    # raised UnicodeDecodeError
    path = tmp_path / "datos.csv"
    path.write_bytes(b"\n" * blank + "país,año\nPerú,2020\n".encode(encoding))
    df = read(path)
    assert list(df.columns) == ["país", "año"] and df["país"].tolist() == ["Perú"]
    assert list(df.index) == [blank + 2]
    problems = df.attrs["provenance"].problems
    assert problems["row"].tolist() == list(range(1, blank + 1))
    assert set(problems["code"]) == {"io.blank_line"}


def test_a_file_of_blank_lines_is_empty_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "vacio.csv"
    path.write_bytes(b"\n" * 50)
    with pytest.raises(ReadError) as err:
        read(path)
    assert "None" not in str(err.value) and "vacio.csv" in str(err.value) and "empty" in str(err.value)


@pytest.mark.parametrize("data,rows,values", [
    (b"a,b\n1,2\r3,4\n", [2, 3], [1, 3]),          # a lone CR inside the file
    (b"a,b\r1,2\r3,4\r", [2, 3], [1, 3]),          # lone CR line ends throughout (old Mac)
    (b'a,b\n"x\ry",2\n3,4\n', [2, 4], ["x\ry", "3"]),  # a CR inside a quoted cell, as pandas writes it
])
def test_lone_carriage_returns(tmp_path: Path, data: bytes, rows: list[int], values: list[object]) -> None:
    path = tmp_path / "cr.csv"
    path.write_bytes(data)
    df = read(path)
    assert list(df.index) == rows
    assert df["a"].astype(str).tolist() == [str(v) for v in values]
    assert int(df.index.max()) <= df.attrs["provenance"].n_lines


def test_non_utf8_bad_rows_print_nothing_on_the_terminal(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    # "Exception ignored ... UnicodeDecodeError" was printed by the CSV parser's row handler
    path = tmp_path / "cp1252.csv"
    path.write_bytes("país;año\nPerú;2020\nMéxico;2021;x;y\nChile;2022\n".encode("cp1252"))
    df = read(path, on_bad_lines="report")
    out, err = capfd.readouterr()
    assert err == "" and out == ""
    assert df["país"].tolist() == ["Perú", "Chile"]
    problems = df.attrs["provenance"].problems
    assert problems.loc[problems["code"] == "io.cell_count", "row"].tolist() == [3]


def test_bad_row_with_non_utf8_bytes_in_a_file_said_to_be_utf8(tmp_path: Path,
                                                               capfd: pytest.CaptureFixture[str]) -> None:
    # the parser's row handler printed "Exception ignored ... UnicodeDecodeError" and the message
    # blamed the wrong line
    path = tmp_path / "u8.csv"
    path.write_bytes(b"a,b\n1,2\n3,4,\x87x\n5,6\n")
    with pytest.raises(ReadError, match=r"u8\.csv, line 3: the bytes 87 78 are not valid utf-8"):
        read(path, encoding="utf-8", on_bad_lines="report")
    df = read(path, on_bad_lines="report")
    assert list(df.index) == [2, 4]
    assert df.attrs["provenance"].problems["row"].tolist() == [3]
    out, err = capfd.readouterr()
    assert err == "" and out == ""


def test_xlsx_member_that_does_not_decompress(tmp_path: Path) -> None:
    # the declared-size check read a member whose deflate stream was damaged: zlib.error
    seed = zipfile.ZipFile(DATA / "title_block.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in seed.namelist():
            z.writestr(name, seed.read(name))
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 2, start + 40):
        data[k] ^= 0x5A
    path = tmp_path / "zip.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match=r"zip\.xlsx"):
        read(path)


# -- workbooks ------------------------------------------------------------------------------------

@pytest.mark.parametrize("damage", [
    lambda c: c.replace("</table:table>", "</table:table"),
    lambda c: c.replace("</table:table>", "/table:table>"),
    lambda c: c.replace("</table:table>", "<table:table>"),
    lambda c: c.replace("</table:table-row>", "", 1),
])
def test_ods_with_a_damaged_closing_tag_is_refused_not_hung(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    # the workbook reader looped for ever on a damaged </table:table>
    content = CONTENT.format(rows=_row(_cell("región") + _cell("valor")) + _row(_cell("Ñuble") + _cell("1")))
    path = _ods(tmp_path / "danado.ods", damage(content))
    start = time.monotonic()
    with pytest.raises(ReadError, match=r"danado\.ods.*ODS.*content\.xml, line 1, column \d+"):
        read(path)
    assert time.monotonic() - start < 60  # a bound on a hang, not a speed claim


def test_ods_declaring_a_billion_cells_is_refused_before_reading(tmp_path: Path) -> None:
    rows = _row(_cell("a") + _cell("b")) + _row(_cell("x", 200) , 10_000_000)
    path = _ods(tmp_path / "bomba.ods", CONTENT.format(rows=rows))
    with pytest.raises(ReadError, match="max_cells") as err:
        read(path)
    assert "bomba.ods" in str(err.value) and "Datos" in str(err.value)


def test_ods_declaring_too_many_columns_is_refused(tmp_path: Path) -> None:
    path = _ods(tmp_path / "ancho.ods", CONTENT.format(rows=_row(_cell("a", 30_000))))
    with pytest.raises(ReadError, match="max_columns"):
        read(path)
    path = _ods(tmp_path / "ancho.ods", CONTENT.format(rows=_row(_cell("a", 150)) + _row(_cell("1", 150))))
    with pytest.raises(ReadError, match="max_columns"):
        read(path, limits=ind.Limits(max_columns=100))
    assert read(path, limits=ind.Limits(max_columns=200)).shape == (1, 150)


def test_ods_with_empty_repeated_rows_and_cells_is_read(tmp_path: Path) -> None:
    # LibreOffice writes the rest of the sheet as repeated empty rows: an honest file
    empty = '<table:table-cell table:number-columns-repeated="1024"/>'
    rows = (_row(_cell("región") + _cell("valor") + empty) + _row(_cell("Ñuble") + _cell("1") + empty)
            + _row(empty, 1_048_574))
    df = read(_ods(tmp_path / "libreoffice.ods", CONTENT.format(rows=rows)))
    assert list(df.columns) == ["región", "valor"] and list(df.index) == [2]


def test_ods_with_a_document_type_is_refused(tmp_path: Path) -> None:
    content = CONTENT.replace('<?xml version="1.0" encoding="UTF-8"?>',
                              '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>')
    path = _ods(tmp_path / "dtd.ods", content.format(rows=_row(_cell("&a;"))))
    with pytest.raises(ReadError, match="dtd.ods"):
        read(path)


@pytest.mark.parametrize("part", ["docProps/core.xml", "[Content_Types].xml",
                                  "xl/worksheets/sheet2.xml"])
def test_xlsx_part_openpyxl_cannot_read_is_a_warning(tmp_path: Path, part: str) -> None:
    # the zero-padded-codes check re-opened the file with openpyxl and let its exceptions through
    # (lxml XMLSyntaxError, KeyError...) on parts calamine never reads
    seed = zipfile.ZipFile(DATA / "title_block.xlsx")
    path = tmp_path / "dañado.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name in seed.namelist():
            z.writestr(name, b"<broken" if name == part else seed.read(name))
    df = read(path)
    problems = df.attrs["provenance"].problems
    warning = problems[problems["code"] == "io.formats_unread"]
    assert len(warning) == 1 and "dañado.xlsx" in warning["message"].iloc[0]
    assert "Resumen" in warning["message"].iloc[0]
    assert df["región"].tolist() == ["Ñuble", "Peñalolén", "Biobío"]


def test_xlsx_damaged_worksheet_xml_is_a_read_error(tmp_path: Path) -> None:
    seed = zipfile.ZipFile(DATA / "title_block.xlsx")
    path = tmp_path / "hoja.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        for name in seed.namelist():
            z.writestr(name, b"<broken" if name == "xl/worksheets/sheet1.xml" else seed.read(name))
    with pytest.raises(ReadError, match="hoja.xlsx"):
        read(path)


# The size check of an .ods has a fast pass (a bound from the bytes of each row) and an exact
# pass (element by element); the fast pass may only let through what the exact pass accepts.
_TRICKS = [
    "",
    '<table:table-cell table:style-name="a&gt;b" table:number-columns-repeated="{n}"/>',
    '<table:table-cell table:style-name="x>y" table:number-columns-repeated="{n}"/>',
    '<table:table-cell table:number-columns-repeated=" +{n}" office:value-type="float" office:value="1"/>',
    "<table:table-cell><text:p>&lt;table:table-row table:number-rows-repeated='1'&gt;</text:p></table:table-cell>",
    "<!-- <table:table-row> --><table:table-cell/>",
    '<table:covered-table-cell table:number-columns-repeated="{n}"/>',
    '<table:table-cell table:number-columns-repeated="{n}"><text:p/></table:table-cell>',
]


@st.composite
def _sheet(draw: st.DrawFn) -> str:
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        cells = "".join(
            draw(st.sampled_from(_TRICKS)).format(n=draw(st.sampled_from([1, 2, 7, 300, 40_000])))
            or _cell("x", draw(st.sampled_from([1, 3, 500])))
            for _ in range(draw(st.integers(0, 4))))
        repeat = draw(st.sampled_from([1, 2, 900, 1_000_000]))
        start = draw(st.sampled_from([
            '<table:table-row table:number-rows-repeated="{r}">',
            '<table:table-row table:style-name="r>o" table:number-rows-repeated="{r}">',
            "<table:table-row table:number-rows-repeated='{r}'>",
        ])).format(r=repeat)
        rows.append(start + cells + "</table:table-row>" if cells else start[:-1] + "/>")
    return "".join(rows)


@given(rows=_sheet(), cells=st.sampled_from([10_000, 1_000_000, 200_000_000]),
       columns=st.sampled_from([100, 20_000]))
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_fast_ods_size_check_lets_through_only_what_the_exact_one_accepts(
        tmp_path: Path, rows: str, cells: int, columns: int) -> None:
    from indicators.io._sheet_limits import _check_ods_elements, check_sheet_limits

    path = _ods(tmp_path / "hoja.ods", CONTENT.format(rows=rows))
    with ind.Limits(max_cells=cells, max_columns=columns).applied():
        try:
            _check_ods_elements(path, "hoja.ods", "en")
            exact = None
        except ReadError as err:
            exact = err.problems.loc[0, "code"]
        try:
            check_sheet_limits(path, "hoja.ods", "en")
            both = None
        except ReadError as err:
            both = err.problems.loc[0, "code"]
    assert both == exact


def test_an_ods_under_another_prefix_is_measured_exactly(tmp_path: Path) -> None:
    # the table namespace bound to "t": the fast pass cannot count its tags and leaves it to the exact pass
    content = (CONTENT.replace("xmlns:table=", "xmlns:t=").replace("<table:", "<t:").replace("</table:", "</t:")
               .replace(" table:", " t:"))
    rows = '<t:table-row t:number-rows-repeated="10000000"><t:table-cell office:value-type="string" ' \
           't:number-columns-repeated="200"><text:p>x</text:p></t:table-cell></t:table-row>'
    path = _ods(tmp_path / "prefijo.ods", content.format(rows=rows))
    with pytest.raises(ReadError, match="max_cells"):
        read(path)


def test_ods_declaring_an_unknown_encoding_is_a_read_error(tmp_path: Path) -> None:
    # found by the long fuzz run: expat raised LookupError for <?xml ... encoding="UTV-8"?>
    content = CONTENT.replace('encoding="UTF-8"', 'encoding="UTV-8"').format(rows=_row(_cell("a")))
    with pytest.raises(ReadError, match=r"codificacion\.ods.*UTV-8"):
        read(_ods(tmp_path / "codificacion.ods", content))
