"""indicators.read on tables as offices publish them.

Each fixture is built here the way an office makes it: a Spanish-locale CSV with a
title block and footnotes (cp1252, ``;``, decimal comma), an Excel sheet with a title
block, merged header cells and notes (openpyxl), number forms and missing markers.
The expected values are read off the fixture text by eye.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import ReadError, read
from indicators.errors import OptionError


def write(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def codes(df: pd.DataFrame) -> list[str]:
    return df.attrs["provenance"].problems["code"].tolist()


# ------------------------------------------------------------------ where the table is

SPANISH_TABLE = (
    "Ministerio de la Mujer y Equidad de Género;;;;\n"
    "Cuadro 3. Denuncias por violencia, según región;;;;\n"
    ";;;;\n"
    "Región;2019;;2020;\n"
    ";casos;tasa;casos;tasa\n"
    "Norte;1.204;10,5;1.310;11,2\n"
    "Centro;..;n.d.;2.001;9,8\n"
    "Sur;310;2,25;-;-\n"
    "Total país;3.514;8,1;3.311;9,0\n"
    ";;;;\n"
    "Fuente: Ministerio Público, registros administrativos.;;;;\n"
    "Nota: (..) dato no disponible; (-) no aplica.;;;;\n"
)


def test_spanish_publication_csv(tmp_path: Path) -> None:
    f = write(tmp_path / "cuadro3.csv", SPANISH_TABLE, "cp1252", "\r\n")
    df = read(f)
    p = df.attrs["provenance"]
    assert list(df.columns) == ["Región", "2019 · casos", "2019 · tasa", "2020 · casos",
                                "2020 · tasa", "is_total"]
    assert list(df.index) == [6, 7, 8, 9]
    assert df["2019 · casos"].tolist()[:1] == [1204] and df.loc[9, "2020 · casos"] == 3311
    assert df.loc[6, "2019 · tasa"] == 10.5 and np.isnan(df.loc[7, "2019 · tasa"])
    assert df["is_total"].tolist() == [False, False, False, True]
    assert (p.header_row, p.header_rows, p.title_rows) == (4, (4, 5), (1, 2))
    assert p.footer_rows == (11, 12) and p.notes[0].startswith("Fuente: Ministerio Público")
    assert p.total_rows == (9,)
    assert p.missing_markers == {"2019 · casos": {"..": 1}, "2019 · tasa": {"n.d.": 1},
                                 "2020 · casos": {"-": 1}, "2020 · tasa": {"-": 1}}
    assert p.decimal == "," and p.thousands == "." and p.encoding == "cp1252"
    assert p.n_lines == 12
    # every line is accounted for: header, rows, or a problem row
    lines = set(p.header_rows) | set(df.index) | set(p.problems["row"].dropna().astype(int))
    assert lines == set(range(1, 13))


def test_totals_can_be_dropped_or_left_alone(tmp_path: Path) -> None:
    f = write(tmp_path / "cuadro3.csv", SPANISH_TABLE, "cp1252")
    dropped = read(f, totals="drop")
    assert list(dropped.index) == [6, 7, 8] and "is_total" not in dropped.columns
    assert "io.total_row_dropped" in codes(dropped)
    kept = read(f, totals="keep")
    assert list(kept.index) == [6, 7, 8, 9] and "is_total" not in kept.columns
    assert kept.attrs["provenance"].total_rows == (9,)
    with pytest.raises(OptionError):
        read(f, totals="maybe")  # type: ignore[arg-type]


def test_every_layout_decision_can_be_overridden(tmp_path: Path) -> None:
    f = write(tmp_path / "cuadro3.csv", SPANISH_TABLE, "cp1252")
    one = read(f, header_row=5, header_rows=1, on_bad_lines="report", totals="keep")
    assert list(one.columns)[:3] == ["Unnamed: 0", "casos", "tasa"]
    assert one.attrs["provenance"].columns_original["casos.1"] == "casos"
    rows = read(f, header_rows=2, footer=2)
    assert list(rows.columns)[1] == "2019 · casos"
    notes_as_rows = read(f, footer=0, on_bad_lines="report", totals="keep")
    assert 11 in notes_as_rows.index  # the "Fuente" line is a row now
    with pytest.raises(OptionError):
        read(f, footer=-1)
    with pytest.raises(ReadError, match="footer=50"):
        read(f, footer=50)


def test_one_cell_title_above_a_two_column_table(tmp_path: Path) -> None:
    f = write(tmp_path / "t.csv", "Cuadro 1\nregion,valor\nNorte,1\nSur,2\n")
    df = read(f)
    assert list(df.columns) == ["region", "valor"] and list(df.index) == [3, 4]
    assert codes(df) == ["io.title_line"]


def test_wide_title_row_and_repeated_names(tmp_path: Path) -> None:
    text = ("Casos y porcentajes por año, según región;;;;\n"
            "región;#;%;#;%\n"
            "Norte;10;1,5;12;2,5\n"
            "Sur;20;2,5;22;3,5\n")
    df = read(write(tmp_path / "t.csv", text))
    assert list(df.columns) == ["región", "#", "%", "#.1", "%.1"]
    p = df.attrs["provenance"]
    assert p.header_row == 2 and p.columns_original == {"#.1": "#", "%.1": "%"}
    assert df["%.1"].tolist() == [2.5, 3.5]


def test_years_as_column_names_are_a_header(tmp_path: Path) -> None:
    df = read(write(tmp_path / "t.csv", "pais;2019;2020\nPER;1;2\nMEX;3;4\n"))
    assert list(df.columns) == ["pais", "2019", "2020"] and list(df.index) == [2, 3]


def test_footnotes_never_fail_a_file(tmp_path: Path) -> None:
    text = ("region,casos\nNorte,12\nSur,7\n"
            "Source: national register, 2023\n"
            "(1) Provisional figures, to be revised in the next edition\n")
    df = read(write(tmp_path / "t.csv", text))
    assert list(df.index) == [2, 3] and df["casos"].tolist() == [12, 7]
    assert df.attrs["provenance"].footer_rows == (4, 5)
    assert codes(df) == ["io.footnote", "io.footnote"]


def test_footnotes_at_the_end_of_a_large_file(tmp_path: Path) -> None:
    body = "".join(f"r{i};{i}\n" for i in range(60_000))  # beyond the first 512 KiB
    text = "region;casos\n" + body + "\nFuente: INE.\n"
    df = read(write(tmp_path / "big.csv", text))
    p = df.attrs["provenance"]
    assert len(df) == 60_000 and df.index[-1] == 60_001
    assert p.footer_rows == (60_003,) and p.notes == ("Fuente: INE.",)


# ------------------------------------------------------------------ numbers as written

def test_number_forms_decimal_comma(tmp_path: Path) -> None:
    text = ("pct;exp;lead;pad;space;paren\n"
            "12,5%;5,33E-06;,5;0 ;1 234,5;(12)\n"
            "3 %;1E3;,25; 7;1\u00a0234\u00a0567,25;5\n")
    df = read(write(tmp_path / "n.csv", text))
    assert df["pct"].tolist() == [12.5, 3.0]
    assert df["exp"].tolist() == [5.33e-06, 1000.0]
    assert df["lead"].tolist() == [0.5, 0.25]
    assert df["pad"].tolist() == [0, 7]
    assert df["space"].tolist() == [1234.5, 1234567.25]
    assert df["paren"].tolist() == [-12, 5]
    p = df.attrs["provenance"]
    assert p.units == {"pct": "%"} and p.decimal == ","


def test_number_forms_decimal_point(tmp_path: Path) -> None:
    text = "pct,exp,lead,pad\n12.5%,5.33E-06,.003465,0 \n7%,2e-1,.5,1\n"
    df = read(write(tmp_path / "n.csv", text))
    assert df["pct"].tolist() == [12.5, 7.0] and df["exp"].tolist() == [5.33e-06, 0.2]
    assert df["lead"].tolist() == [0.003465, 0.5] and df["pad"].tolist() == [0, 1]


def test_parentheses_stay_text_where_the_column_disagrees(tmp_path: Path) -> None:
    df = read(write(tmp_path / "n.csv", "nota;n\n(1) ver anexo;1\n(2);2\n"))
    assert df["nota"].tolist() == ["(1) ver anexo", "(2)"]


def test_ambiguity_is_still_reported(tmp_path: Path) -> None:
    df = read(write(tmp_path / "n.csv", "region;poblacion\nNorte;1.200\nSur;2.500 \n"))
    assert df["poblacion"].tolist() == [1200, 2500]
    assert "io.ambiguous_numbers" in codes(df)


# ------------------------------------------------------------------ missing markers

@pytest.mark.parametrize("marker", ["..", "...", "-", "–", "—", "n.d.", "s/d", "s.d.", "N/D", "x"])
def test_default_missing_markers(tmp_path: Path, marker: str) -> None:
    df = read(write(tmp_path / "m.csv", f"pais;valor\nPER;1,5\nMEX;{marker}\nNA;2,5\n"))
    assert df["pais"].tolist() == ["PER", "MEX", "NA"]  # Namibia stays
    assert df["valor"].tolist()[::2] == [1.5, 2.5] and np.isnan(df.loc[3, "valor"])
    assert df.attrs["provenance"].missing_markers == {"valor": {marker: 1}}
    kept = read(tmp_path / "m.csv", keep_default_na=False)
    assert kept["valor"].tolist()[1] == marker


def test_markers_in_a_text_column_stay_text(tmp_path: Path) -> None:
    df = read(write(tmp_path / "m.csv", "sexo;n\nx;1\nmujer;2\nhombre;3\n"))
    assert df["sexo"].tolist() == ["x", "mujer", "hombre"]


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_na_values_and_markers_in_workbooks(tmp_path: Path) -> None:
    f = _workbook(tmp_path / "m.xlsx", [["pais", "valor", "nota"], ["PER", 1.5, "ok"],
                                        ["MEX", "..", "sin dato"], ["NA", 2.5, "ok"]])
    df = read(f)
    assert df["pais"].tolist() == ["PER", "MEX", "NA"]
    assert df["valor"].tolist()[::2] == [1.5, 2.5] and np.isnan(df.loc[3, "valor"])
    assert df.attrs["provenance"].missing_markers == {"valor": {"..": 1}}
    df = read(f, na_values=["sin dato"])
    assert pd.isna(df.loc[3, "nota"])
    kept = read(f, keep_default_na=False)
    assert kept.loc[3, "valor"] == ".."


# ------------------------------------------------------------------ one strictness

def test_stray_quote_inside_a_field_is_text(tmp_path: Path) -> None:
    df = read(write(tmp_path / "q.csv", 'a;b;c\n1;ab"c;2\n3;x;5\n'))
    assert df.loc[2, "b"] == 'ab"c' and list(df.index) == [2, 3]
    header_only = read(write(tmp_path / "q1.csv", '1;ab"c;2\n'))
    assert list(header_only.columns) == ["1", 'ab"c', "2"] and len(header_only) == 0


def test_lines_swallowed_by_a_quote_are_reported(tmp_path: Path) -> None:
    df = read(write(tmp_path / "s.csv", 'a;b;c\n1;"ab;2\n3;4;5\n6;c";7\n8;9;10\n'))
    assert list(df.index) == [2, 5]
    p = df.attrs["provenance"]
    swallowed = p.problems[p.problems["code"] == "io.swallowed_lines"]
    assert swallowed["row"].tolist() == [2] and "up to line 4" in swallowed["message"].iloc[0]
    with pytest.raises(ReadError, match="line 2"):
        read(tmp_path / "s.csv", strict=True)


def test_lone_carriage_returns(tmp_path: Path) -> None:
    df = read(write(tmp_path / "cr.csv", "a,b\n1,2\r3,4\n"))
    assert df["a"].tolist() == [1, 3] and list(df.index) == [2, 3]
    assert df.attrs["provenance"].n_lines == 3
    df = read(write(tmp_path / "crq.csv", 'a,b\n1,"x\ry"\n3,4\n'))
    assert df.loc[2, "b"] == "x\ry" and list(df.index) == [2, 4]
    assert max(df.index) <= df.attrs["provenance"].n_lines


def test_no_delimiter_is_an_error_with_a_hint(tmp_path: Path) -> None:
    f = write(tmp_path / "sp.txt", "region casos tasa\nNorte 12 1.5\nSur 300 22.0\n")
    with pytest.raises(ReadError, match="fixed_width=True"):
        read(f)
    with pytest.raises(ReadError) as info:
        read(f, lang="es")
    assert "no se encontró delimitador" in str(info.value)


def test_aligned_columns_are_read_by_position(tmp_path: Path) -> None:
    text = ("Cuadro 2\n"
            "region        casos    tasa\n"
            "Norte            12     1.5\n"
            "Sur Grande      300    22.0\n")
    f = write(tmp_path / "fw.txt", text)
    df = read(f)
    assert list(df.columns) == ["region", "casos", "tasa"] and list(df.index) == [3, 4]
    assert df["region"].tolist() == ["Norte", "Sur Grande"] and df["casos"].tolist() == [12, 300]
    p = df.attrs["provenance"]
    assert p.fixed_width == (0, 14, 23) and p.delimiter is None
    with pytest.raises(ReadError, match="fixed_width"):
        read(f, fixed_width=False)


def test_one_column_of_names_is_not_an_error(tmp_path: Path) -> None:
    df = read(write(tmp_path / "c.txt", "comuna\nCiudad de México\nSan José\nLima\n"))
    assert df["comuna"].tolist() == ["Ciudad de México", "San José", "Lima"]


# ------------------------------------------------------------------ encodings

SPANISH_LINES = "región;nombre;valor\n" + "".join(
    f"Ñuble;Peñalolén Ávila número {i};{i},5\n" for i in range(50))


@pytest.mark.parametrize("codec", ["cp850", "mac_roman"])
def test_other_code_pages_are_detected(tmp_path: Path, codec: str) -> None:
    df = read(write(tmp_path / "e.csv", SPANISH_LINES, codec))
    assert df.loc[2, "nombre"] == "Peñalolén Ávila número 0" and df.loc[2, "región"] == "Ñuble"
    assert "io.encoding_detected" in codes(df)


def test_odd_signs_in_windows_1252_stay_windows_1252(tmp_path: Path) -> None:
    # found by a property test: odd signs typed in a cp1252 file ("aÁ¡", "a–A") read as
    # Mac Icelandic or were refused, though every byte is a Windows-1252 character
    text = "comuna;n\nPeñalolén;1\naÁ¡;2\na–A;3\na¡¡¡;4\naÁÁ–;5\naÁ€aÁ¡¡;6\n"
    df = read(write(tmp_path / "e.csv", text, "cp1252"))
    assert df["comuna"].tolist()[-1] == "aÁ€aÁ¡¡" and df.attrs["provenance"].encoding == "cp1252"
    assert codes(df) == []


@pytest.mark.parametrize("rows", [3, 30_000])   # a bad byte inside the first block, or far after it
def test_a_stray_byte_in_a_utf8_file_is_reported_not_read_as_cp1252(tmp_path: Path, rows: int) -> None:
    # a UTF-8 file with one invalid byte was read whole as cp1252: every accent came out wrong
    body = "".join(f"Perú {i};{i}\n" for i in range(rows))
    path = tmp_path / "u.csv"
    path.write_bytes(("país;valor\n" + body).encode() + b"Bad\xff\xfe;7\n")
    df = read(path)
    assert df.columns[0] == "país" and df["país"].iloc[0] == "Perú 0" and df["país"].iloc[-1] == "Bad??"
    p = df.attrs["provenance"]
    assert p.encoding == "utf-8" and codes(df) == ["io.invalid_utf8"]
    assert p.problems.loc[0, "row"] == rows + 2 and p.problems.loc[0, "value"] == "ff fe"
    assert len(df) == rows + 1                                  # no row lost


def test_cp1252_after_an_ascii_start_stays_cp1252(tmp_path: Path) -> None:
    text = "".join(f"fila {i};{i}\n" for i in range(20_000)) + "Peñalolén;1\nMéxico;2\n"
    df = read(write(tmp_path / "c.csv", "nombre;n\n" + text, "cp1252"))
    assert df["nombre"].iloc[-2:].tolist() == ["Peñalolén", "México"] and df.attrs["provenance"].encoding == "cp1252"


def test_cyrillic_code_page(tmp_path: Path) -> None:
    text = "город;имя;n\n" + "".join(f"Москва;Привет мир;{i}\n" for i in range(40))
    df = read(write(tmp_path / "e.csv", text, "cp1251"))
    assert df.loc[2, "город"] == "Москва" and df.attrs["provenance"].encoding == "cp1251"


def test_undecodable_bytes_are_reported(tmp_path: Path) -> None:
    f = tmp_path / "bin.csv"
    rng = np.random.default_rng(5)
    noise = bytes(rng.integers(0x80, 0x100, 3000, dtype=np.uint8))
    f.write_bytes(b"a;b\n" + noise.replace(b"\n", b" ") + b";1\n")
    try:
        df = read(f, on_bad_lines="report")
    except ReadError as exc:
        assert exc.problems["code"].iloc[0] in {"io.undecodable", "io.cell_count", "io.decode_file"}
    else:  # read as some code page: then it is said
        assert "io.encoding_detected" in codes(df)


def test_a_column_of_marker_like_codes_stays_text(tmp_path: Path) -> None:
    df = read(write(tmp_path / "m.csv", "indicator,value\nX,1.5\nX,2\n-,3\n"))
    assert df["indicator"].tolist() == ["X", "X", "-"]
    assert df.attrs["provenance"].missing_markers == {}


def test_excel_title_block_merged_header_notes_and_total(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["A1"] = "Instituto Nacional de Estadística"
    ws.merge_cells("A1:E1")  # a title merged across the width
    ws["A2"] = "Cuadro 5. Femicidios por región, 2019-2020"
    ws.merge_cells("A2:E2")
    ws["A4"] = "Región"
    ws.merge_cells("A4:A5")  # merged down over the two header rows
    ws["B4"], ws["D4"] = 2019, 2020
    ws.merge_cells("B4:C4")
    ws.merge_cells("D4:E4")
    for j, name in enumerate(["casos", "tasa", "casos", "tasa"], start=2):
        ws.cell(row=5, column=j, value=name)
    rows = [["Norte", 12, 1.5, 10, ".."], ["Sur", 7, "n.d.", 9, 1.1], ["Total país", 19, 1.2, 19, 1.3]]
    for i, row in enumerate(rows, start=6):
        for j, value in enumerate(row, start=1):
            ws.cell(row=i, column=j, value=value)
    ws["A10"] = "Fuente: Ministerio Público."
    ws["A11"] = "Nota: .. dato no disponible."
    wb.save(tmp_path / "cuadro5.xlsx")
    df = read(tmp_path / "cuadro5.xlsx")
    p = df.attrs["provenance"]
    assert list(df.columns) == ["Región", "2019 · casos", "2019 · tasa", "2020 · casos",
                                "2020 · tasa", "is_total"]
    assert list(df.index) == [6, 7, 8] and df["2019 · casos"].tolist() == [12, 7, 19]
    assert np.isnan(df.loc[6, "2020 · tasa"]) and df.loc[7, "2020 · tasa"] == 1.1
    assert (p.header_rows, p.title_rows, p.footer_rows, p.total_rows) == ((4, 5), (1, 2), (10, 11), (8,))
    assert p.notes == ("Fuente: Ministerio Público.", "Nota: .. dato no disponible.")
    assert p.missing_markers == {"2019 · tasa": {"n.d.": 1}, "2020 · tasa": {"..": 1}}
