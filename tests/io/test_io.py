"""indicators.read: every format, detection, row numbers, provenance and errors.

Source of truth for each expected value: the fixture bytes written by
tests/data/io/make_fixtures.py (or inline here), read by eye.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators import Provenance, ReadError, read
from indicators.errors import PROBLEM_COLUMNS, DataError, OptionError

DATA = Path(__file__).parents[1] / "data" / "io"


def prov(df: pd.DataFrame) -> Provenance:
    p = df.attrs["provenance"]
    assert isinstance(p, Provenance)
    return p


# --------------------------------------------------------------------------- CSV family

def test_spanish_cp1252_semicolon_decimal_comma() -> None:
    df = read(DATA / "es_cp1252.csv")
    p = prov(df)
    assert (p.format, p.encoding, p.delimiter, p.decimal, p.thousands) == ("csv", "cp1252", ";", ",", ".")
    assert df.index.name == "row" and list(df.index) == [2, 3, 4]
    assert list(df.columns) == ["región", "comuna", "población", "tasa", "nota"]
    assert df.loc[2, "región"] == "Ñuble" and df.loc[3, "comuna"] == "Peñalolén"
    assert df["población"].tolist() == [1200, 241599, 1234567]  # "1.200" is 1200
    assert df["tasa"].tolist() == [10.5, 0.25, 3.75]  # "10,5" is 10.5
    assert df.loc[3, "nota"] == 'dice "hola"; adiós'  # quoted delimiter, doubled quotes
    assert df.loc[4, "nota"] == "costó 5 €"  # 0x80 is the euro sign in cp1252
    assert p.sha256 == hashlib.sha256((DATA / "es_cp1252.csv").read_bytes()).hexdigest()
    assert p.header_row == 1 and p.n_lines == 4 and p.n_rows == 3
    assert len(p.problems) == 0


def test_crlf_line_endings_leave_no_carriage_returns() -> None:
    raw = (DATA / "es_cp1252.csv").read_bytes()
    assert b"\r\n" in raw
    df = read(DATA / "es_cp1252.csv")
    assert not df["nota"].str.contains("\r").any()
    assert not any("\r" in c for c in df.columns)


def test_utf8_bom() -> None:
    df = read(DATA / "utf8_bom.csv")
    p = prov(df)
    assert p.encoding == "utf-8-sig" and p.delimiter == "," and p.decimal == "."
    assert list(df.columns) == ["país", "año", "valor"]  # no BOM glued to the first name
    assert df["país"].tolist() == ["Perú", "México"]
    assert df["valor"].tolist() == [12.5, 7.25]


def test_tsv_with_decimal_comma() -> None:
    df = read(DATA / "tabs.tsv")
    assert prov(df).delimiter == "\t" and prov(df).decimal == ","
    assert df["valor"].tolist() == [12.5, 7.25]


def test_pipe_with_thousands_comma() -> None:
    df = read(DATA / "pipe.txt")
    p = prov(df)
    assert (p.delimiter, p.decimal, p.thousands) == ("|", ".", ",")
    assert df["valor"].tolist() == [1234.5, 7.25]


def test_utf16_unicode_text_export() -> None:
    df = read(DATA / "unicode_text.txt")
    p = prov(df)
    assert p.encoding == "utf-16" and p.delimiter == "\t"
    assert df["región"].tolist() == ["Ñuble", "Peñalolén"]
    assert df["valor"].tolist() == [10.5, 3.25]
    assert list(df.index) == [2, 3]


def test_cp1252_is_never_decoded_as_another_code_page(tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_bytes("comuna;nota\nPeñalolén;“cita” – fin…\nÑuble;ok\n".encode("cp1252"))
    df = read(f)
    assert prov(df).encoding == "cp1252"
    assert df["comuna"].tolist() == ["Peñalolén", "Ñuble"]
    assert df.loc[2, "nota"] == "“cita” – fin…"


def test_latin1_when_a_byte_is_undefined_in_cp1252(tmp_path: Path) -> None:
    f = tmp_path / "l.csv"
    f.write_bytes(b"a;b\nPe\xf1a\x81;1\n")
    df = read(f)
    assert prov(df).encoding == "latin-1"
    assert df.loc[2, "a"] == "Peña\x81"


def test_ambiguous_numbers_are_reported_not_guessed_silently() -> None:
    df = read(DATA / "ambiguous.csv")
    p = prov(df)
    probs = p.problems
    assert probs["code"].tolist() == ["io.ambiguous_numbers"]
    row = probs.iloc[0]
    assert (row["row"], row["column"], row["value"], row["severity"]) == (2, "poblacion", "1.200", "warning")
    assert "'.'" in row["message"] and "decimal" in row["message"]
    # with ';' the Spanish convention is the documented assumption
    assert (p.decimal, p.thousands) == (",", ".")
    assert df["poblacion"].tolist() == [1200, 2500]


def test_ambiguous_numbers_raise_in_strict_mode() -> None:
    with pytest.raises(ReadError) as info:
        read(DATA / "ambiguous.csv", strict=True)
    assert "1.200" in str(info.value)


def test_ambiguity_is_resolved_by_any_proof_elsewhere(tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("a;b\n1.200;3\n2.500;0,5\n", encoding="utf-8")
    df = read(f)
    assert df["a"].tolist() == [1200, 2500] and df["b"].tolist() == [3.0, 0.5]
    assert len(prov(df).problems) == 0


def test_proof_found_beyond_the_first_rows(tmp_path: Path) -> None:
    f = tmp_path / "late.csv"
    rows = ["1.200" for _ in range(25_000)] + ["10.5"]
    f.write_text("v\n" + "\n".join(rows) + "\n", encoding="utf-8")
    df = read(f)
    assert prov(df).decimal == "."
    assert df["v"].iloc[0] == 1.2 and df["v"].iloc[-1] == 10.5
    assert len(prov(df).problems) == 0


def test_options_override_detection() -> None:
    df = read(DATA / "ambiguous.csv", decimal=".", thousands="")
    assert df["poblacion"].tolist() == [1.2, 2.5]
    assert len(prov(df).problems) == 0
    df = read(DATA / "es_cp1252.csv", encoding="latin-1", delimiter=";", dtype={"población": str})
    assert prov(df).encoding == "latin-1"
    assert df["población"].tolist() == ["1.200", "241.599", "1.234.567"]


def test_inconsistent_decimal_mark_raises_with_line_column_value() -> None:
    with pytest.raises(ReadError) as info:
        read(DATA / "inconsistent_decimal.csv")
    err = info.value
    assert isinstance(err, DataError)
    msg = str(err)
    assert "inconsistent_decimal.csv" in msg and "line 3" in msg and "'tasa'" in msg and "'10.5'" in msg
    assert "1.234,5" in msg  # what was expected
    row = err.problems.iloc[0]
    assert (row["row"], row["column"], row["value"]) == (3, "tasa", "10.5")


def test_inconsistent_decimal_mark_reported() -> None:
    df = read(DATA / "inconsistent_decimal.csv", on_bad_lines="report")
    assert df["tasa"].tolist()[0] == 10.5 and np.isnan(df.loc[3, "tasa"]) and df.loc[4, "tasa"] == 3.25
    probs = prov(df).problems
    assert probs["code"].tolist() == ["io.number_format"] and probs["row"].tolist() == [3]


def test_missing_marker_in_a_number_column_is_missing_and_counted() -> None:
    df = read(DATA / "text_in_numbers.csv")
    assert df["valor"].tolist()[::2] == [10.5, 3.25] and pd.isna(df.loc[3, "valor"])
    p = prov(df)
    assert p.missing_markers == {"valor": {"s/d": 1}}
    assert p.problems["code"].tolist() == ["io.missing_markers"]


def test_text_in_a_number_column_keeps_the_column_as_text() -> None:
    df = read(DATA / "text_in_numbers.csv", keep_default_na=False)
    assert df["valor"].tolist() == ["10,5", "s/d", "3,25", "4,5"]
    probs = prov(df).problems
    assert probs["code"].tolist() == ["io.text_in_numbers"]
    assert (probs.loc[0, "row"], probs.loc[0, "value"]) == (3, "s/d")


def test_codes_with_leading_zeros() -> None:
    df = read(DATA / "codes.csv")
    assert df["codigo"].tolist() == ["01", "02", "10"]
    assert df["ubigeo"].tolist() == ["010101", "150101", "220901"]
    assert df["valor"].tolist() == [5, 7, 9]
    df = read(DATA / "codes.csv", keep_leading_zeros=False)
    assert df["codigo"].tolist() == [1, 2, 10] and df["ubigeo"].tolist() == [10101, 150101, 220901]


def test_title_block_above_the_header() -> None:
    df = read(DATA / "title_block.csv")
    p = prov(df)
    assert p.header_row == 4 and list(df.index) == [5, 6]
    assert df["casos"].tolist() == [1200, 300] and df["tasa"].tolist() == [10.5, 2.25]
    assert p.problems["code"].tolist() == ["io.title_line", "io.title_line", "io.blank_line"]
    assert p.problems["row"].tolist() == [1, 2, 3]


def test_header_row_option() -> None:
    df = read(DATA / "title_block.csv", header_row=4)
    assert list(df.columns) == ["region", "casos", "tasa"]
    with pytest.raises(ReadError, match="header_row=99"):
        read(DATA / "title_block.csv", header_row=99)


def test_blank_lines_are_reported_and_rows_keep_their_lines() -> None:
    df = read(DATA / "blank_lines.csv")
    assert list(df.index) == [2, 4]
    assert prov(df).problems["row"].tolist() == [3, 5]


def test_multiline_quoted_fields_keep_editor_line_numbers() -> None:
    df = read(DATA / "multiline.csv")
    assert list(df.index) == [2, 4, 5]
    assert df.loc[2, "texto"] == "línea uno\nlínea dos"
    assert df.loc[5, "texto"] == "otra\n\nmás"


def test_na_values_and_na_is_not_missing_by_default(tmp_path: Path) -> None:
    f = tmp_path / "na.csv"
    f.write_text("pais;valor\nNA;1\nPER;\nMEX;-\n", encoding="utf-8")
    df = read(f)
    assert df.loc[2, "pais"] == "NA"  # Namibia
    assert df["valor"].tolist()[:2] == ["1", None] or pd.isna(df.loc[3, "valor"])
    df = read(f, na_values=["-"])
    assert df["valor"].iloc[0] == 1 and df["valor"].isna().sum() == 2


def test_cp1252_found_after_a_long_ascii_start(tmp_path: Path) -> None:
    f = tmp_path / "late.csv"
    body = "".join(f"fila {i};{i}\n" for i in range(60_000))  # ~700 KB of ASCII first
    f.write_bytes(("nombre;n\n" + body + "Peñalolén;1\n").encode("cp1252"))
    df = read(f)
    assert prov(df).encoding == "cp1252"
    assert df["nombre"].iloc[-1] == "Peñalolén" and df.index[-1] == 60_002


def test_identifiers_longer_than_64_bits_stay_text(tmp_path: Path) -> None:
    f = tmp_path / "ids.csv"
    f.write_text("id;n\n12345678901234567890123;1\n98765432109876543210987;2\n", encoding="utf-8")
    df = read(f)
    assert df["id"].tolist() == ["12345678901234567890123", "98765432109876543210987"]


def test_single_column_file(tmp_path: Path) -> None:
    f = tmp_path / "one.csv"
    f.write_text("comuna\nLima, Perú\nÑuble\n", encoding="utf-8")
    df = read(f)
    assert df["comuna"].tolist() == ["Lima, Perú", "Ñuble"] and prov(df).delimiter is None


def test_header_only_file_gives_an_empty_frame(tmp_path: Path) -> None:
    f = tmp_path / "h.csv"
    f.write_text("a;b;c\n", encoding="utf-8")
    df = read(f)
    assert list(df.columns) == ["a", "b", "c"] and len(df) == 0 and df.index.name == "row"


def test_duplicate_column_names_are_renamed_and_noted(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("a;a;b\n1;2;3\n", encoding="utf-8")
    df = read(f)
    assert list(df.columns) == ["a", "a.1", "b"]
    assert prov(df).problems["code"].tolist() == ["io.duplicate_column"]
    assert prov(df).columns_original == {"a.1": "a"}


# --------------------------------------------------------------------------- bad input

BAD = [
    ("missing.csv", "io.file_missing", None),
    ("empty.csv", "io.empty", None),
    ("binary.csv", "io.binary", 3),
    ("workbook_named.csv", "io.binary", 1),
    ("data.xyz", "io.unsupported_extension", None),
    ("bad_cells.csv", "io.cell_count", 3),
    ("inconsistent_decimal.csv", "io.number_format", 3),
    ("unclosed_quote.csv", "io.unclosed_quote", 2),
]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("name", "code", "line"), BAD)
def test_bad_input_raises_read_error_naming_file_and_line(name: str, code: str, line: int | None,
                                                         lang: str) -> None:
    with pytest.raises(ReadError) as info:
        read(DATA / name, lang=lang)
    err = info.value
    msg = str(err)
    assert name in msg
    assert err.problems.loc[0, "code"] == code
    assert list(err.problems.columns[: len(PROBLEM_COLUMNS)]) == list(PROBLEM_COLUMNS)
    if line is not None:
        word = "line" if lang == "en" else "línea"
        assert f"{word} {line}" in msg
        assert err.problems.loc[0, "row"] == line
    if lang == "es":
        assert "Expected" not in msg and ("esperaba" in msg or "Revise" in msg or "no existe" in msg)
    assert "Traceback" not in msg and "pyarrow" not in msg.lower()


def test_cell_count_errors_name_the_column_and_list_every_line() -> None:
    with pytest.raises(ReadError) as info:
        read(DATA / "bad_cells.csv", lang="es")
    err = info.value
    assert err.problems["row"].tolist() == [3, 4]
    assert err.problems["column"].tolist() == ["c", "#4"]
    assert "línea 3" in str(err) and "columna 'c'" in str(err) and "3" in err.problems.loc[0, "expected"]


def test_bad_lines_reported_keep_every_other_row() -> None:
    df = read(DATA / "bad_cells.csv", on_bad_lines="report")
    assert list(df.index) == [2, 5]
    assert df["a"].tolist() == [1, 10]
    probs = prov(df).problems
    assert probs["row"].tolist() == [3, 4] and set(probs["severity"]) == {"error"}
    assert probs["value"].tolist() == ["4;5", "6;7;8;9"]


def test_bad_lines_in_a_cp1252_file_are_reported_in_their_encoding(tmp_path: Path) -> None:
    f = tmp_path / "malas.csv"
    f.write_bytes("comuna;n\nPeñalolén;1\nMuñoz;2;3\nÑuble;4\n".encode("cp1252"))
    with pytest.raises(ReadError, match="line 3"):
        read(f)
    df = read(f, on_bad_lines="report")
    p = prov(df)
    assert p.encoding == "cp1252" and df["comuna"].tolist() == ["Peñalolén", "Ñuble"]
    assert p.problems[["code", "row", "value"]].values.tolist() == [["io.cell_count", 3, "Muñoz;2;3"]]


def test_unclosed_quote_in_a_cp1252_file(tmp_path: Path) -> None:
    f = tmp_path / "q.csv"
    f.write_bytes('a;b\nPeña;1\n2;"Muñoz\n'.encode("cp1252"))
    df = read(f, on_bad_lines="report")
    assert df["a"].tolist() == ["Peña"]
    assert prov(df).problems[["code", "row", "value"]].values.tolist() == [["io.unclosed_quote", 3, "2;Muñoz\n"]]


def test_byte_undefined_in_the_code_page_given(tmp_path: Path) -> None:
    f = tmp_path / "u.csv"
    f.write_bytes(b"a;b\nPe\xf1a;1\nx\x81;2\n")
    with pytest.raises(ReadError, match="línea 3") as info:
        read(f, encoding="cp1252", lang="es")
    assert "cp1252" in str(info.value) and info.value.problems.loc[0, "column"] == "a"


def test_wrong_encoding_given_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError) as info:
        read(DATA / "es_cp1252.csv", encoding="utf-8")
    assert "line 1" in str(info.value) and "utf-8" in str(info.value)  # "región" in the header
    with pytest.raises(ReadError):
        read(DATA / "es_cp1252.csv", encoding="no-such-codec")


def test_options_are_checked() -> None:
    with pytest.raises(OptionError, match="missing"):
        read(DATA / "es_cp1252.csv", missing="drop")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="on_bad_lines"):
        read(DATA / "es_cp1252.csv", on_bad_lines="skip")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="delimiter"):
        read(DATA / "es_cp1252.csv", delimiter=":")
    with pytest.raises(OptionError):
        read(DATA / "es_cp1252.csv", decimal=",", thousands=",")


def test_a_folder_is_not_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "x.csv"
    folder.mkdir()
    with pytest.raises(ReadError, match="folder"):
        read(folder)


# --------------------------------------------------------------------------- workbooks

@pytest.mark.parametrize("name", ["title_block.xlsx", "macro.xlsm"])
def test_excel_title_block_codes_and_numbers_stored_as_text(name: str) -> None:
    df = read(DATA / name)
    p = prov(df)
    assert (p.format, p.sheet, p.header_row) == ("excel", "Resumen", 4)
    assert list(df.index) == [5, 6, 7]  # the rows Excel shows
    assert df["codigo"].tolist() == ["01", "02", "10"]
    assert df["casos"].tolist() == [1200, 1300, 45]  # 1200 a number, "1.300" text
    assert df["tasa"].tolist() == [10.5, 3.25, 0.5]
    assert df["región"].tolist() == ["Ñuble", "Peñalolén", "Biobío"]
    assert str(df["fecha"].dtype).startswith("datetime64")
    assert df["ubigeo"].tolist() == ["010101", "150101", "220901"]  # numbers shown as 000000
    assert p.problems["code"].tolist() == ["io.title_line", "io.title_line", "io.blank_line"]


def test_excel_sheet_by_name_and_index() -> None:
    a = read(DATA / "title_block.xlsx", sheet="Otra")
    b = read(DATA / "title_block.xlsx", sheet=1)
    pd.testing.assert_frame_equal(a, b)
    assert prov(a).sheet == "Otra" and a.loc[2, "y"] == 2.5
    with pytest.raises(ReadError, match="Resumen") as info:
        read(DATA / "title_block.xlsx", sheet="Nope", lang="es")
    assert "no existe la hoja" in str(info.value)


def test_excel_header_row_option_and_codes_as_numbers() -> None:
    df = read(DATA / "title_block.xlsx", header_row=4, keep_leading_zeros=False)
    assert df["codigo"].tolist() == [1, 2, 10]
    assert df["ubigeo"].tolist() == [10101, 150101, 220901]


def test_ods() -> None:
    df = read(DATA / "simple.ods")
    assert prov(df).sheet == "Datos" and list(df.index) == [2, 3]
    assert df["región"].tolist() == ["Ñuble", "Biobío"]
    assert df["valor"].tolist() == [10.5, 3.0] and df["codigo"].tolist() == ["01", "02"]


def test_corrupt_workbook(tmp_path: Path) -> None:
    f = tmp_path / "broken.xlsx"
    f.write_bytes(b"this is not a workbook")
    with pytest.raises(ReadError, match="broken.xlsx"):
        read(f)


# --------------------------------------------------------------------------- SPSS, Stata, Parquet

def test_sav_codes_mode_keeps_user_missing_codes_distinguishable() -> None:
    df = read(DATA / "encuesta.sav")
    p = prov(df)
    assert p.format == "spss" and p.missing == "codes"
    assert df["p1"].tolist()[:4] == [1.0, 2.0, 8.0, 9.0] and np.isnan(df["p1"].iloc[5])
    assert p.missing_codes == {"p1": (8, 9), "ingreso": ((99998, 99999),)}
    assert p.value_labels["p1"] == {1: "Sí", 2: "No", 8: "No sabe", 9: "No responde"}
    assert p.variable_labels["p1"] == "¿Sufrió violencia en los últimos 12 meses?"
    assert df["comuna"].iloc[0] == "Peñalolén"
    notes = p.problems
    assert set(notes["code"]) == {"io.user_missing_kept"}
    assert list(df.index) == [1, 2, 3, 4, 5, 6]


def test_sav_nan_mode() -> None:
    df = read(DATA / "encuesta.sav", missing="nan")
    assert df["p1"].isna().tolist() == [False, False, True, True, False, True]
    assert df["ingreso"].isna().tolist() == [False, False, True, False, True, False]
    assert prov(df).missing_codes["p1"] == (8, 9)  # still known


def test_sav_labels_mode() -> None:
    df = read(DATA / "encuesta.sav", missing="labels")
    assert df["p1"].tolist()[:5] == ["Sí", "No", "No sabe", "No responde", "Sí"]
    assert pd.isna(df["p1"].iloc[5])
    assert df["ingreso"].iloc[2] == 99999.0  # no value labels: codes stay


def test_dta_labels_and_extended_missing() -> None:
    df = read(DATA / "encuesta.dta")
    p = prov(df)
    assert p.format == "stata"
    assert p.variable_labels == {"p1": "Violencia de pareja", "edad": "Edad en años", "region": "Región"}
    assert p.value_labels["p1"] == {1: "Sí", 2: "No"}
    assert df.loc[3, "p1"] == "a" and "a" in p.missing_codes["p1"]
    assert read(DATA / "encuesta.dta", missing="nan")["p1"].tolist()[:2] == [1, 2]
    assert pd.isna(read(DATA / "encuesta.dta", missing="nan").loc[3, "p1"])
    assert read(DATA / "encuesta.dta", missing="labels")["p1"].tolist()[:2] == ["Sí", "No"]
    assert df["region"].tolist()[3] == "Los Ríos"


def test_parquet() -> None:
    df = read(DATA / "valores.parquet")
    assert prov(df).format == "parquet" and list(df.index) == [1, 2]
    assert df["valor"].tolist() == [12.5, 7.25]


def test_corrupt_sav(tmp_path: Path) -> None:
    f = tmp_path / "x.sav"
    f.write_bytes(b"not spss at all")
    with pytest.raises(ReadError, match="SPSS"):
        read(f, lang="en")


# --------------------------------------------------------------------------- provenance

def test_provenance_is_small_immutable_and_survives_pandas_operations() -> None:
    df = read(DATA / "es_cp1252.csv", on_bad_lines="report")
    p = prov(df)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.file = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.options["strict"] = True  # type: ignore[index]
    assert copy.deepcopy(p) is p
    assert pickle.loads(pickle.dumps(p)) == p
    sub = df[df["tasa"] > 1]
    assert sub.attrs["provenance"] is p
    both = pd.concat([df, df])
    assert both.attrs["provenance"] == p
    assert hash(p) == hash(pickle.loads(pickle.dumps(p)))


def test_frames_with_provenance_can_be_written_to_parquet(tmp_path: Path) -> None:
    df = read(DATA / "encuesta.sav")
    df.to_parquet(tmp_path / "e.parquet")  # pandas writes attrs as JSON
    again = read(tmp_path / "e.parquet")
    assert list(again.index) == list(df.index)  # the "row" index is kept
    assert prov(again).format == "parquet"
    assert json.loads(json.dumps(dict(prov(df))))["missing_codes"]["p1"] == [8, 9]


def test_read_is_exported() -> None:
    assert ind.read is read and "read" in ind.__all__ and "Provenance" in ind.__all__
