"""Damaged statistical and Parquet files: a ReadError, never a crash, a hang or a raw exception.

Each test is built from a case of the robustness review (fuzzing of read()).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest

import indicators as ind
from indicators import ReadError, read
from indicators.io import _statistical

DATA = Path(__file__).resolve().parents[1] / "data" / "io"


def test_por_files_are_read(tmp_path: Path) -> None:
    # every .por file failed with TypeError: read_por() takes no user_missing
    path = tmp_path / "encuesta.por"
    pyreadstat.write_por(pd.DataFrame({"P1": [1.0, 2.0, 1.0], "REGION": ["Maule", "Biobio", "Nuble"]}), str(path))
    df = read(path)
    assert df["P1"].tolist() == [1.0, 2.0, 1.0] and df["REGION"].tolist() == ["Maule", "Biobio", "Nuble"]
    assert list(df.index) == [1, 2, 3] and df.attrs["provenance"].format == "spss"


def test_dta_with_extended_missing_can_be_written_to_parquet(tmp_path: Path) -> None:
    df = read(DATA / "encuesta.dta")
    assert df.loc[3, "p1"] == "a" and df.loc[1, "p1"] == "1"
    codes = df.attrs["provenance"].problems
    assert "io.stata_codes_as_text" in set(codes["code"])
    df.to_parquet(tmp_path / "encuesta.parquet")
    back = read(tmp_path / "encuesta.parquet")
    assert back["p1"].tolist() == df["p1"].tolist() and list(back.index) == list(df.index)
    numbers = read(DATA / "encuesta.dta", missing="nan")
    numbers.to_parquet(tmp_path / "numbers.parquet")
    assert read(tmp_path / "numbers.parquet")["p1"].tolist()[:2] == [1, 2]


@pytest.mark.parametrize("name,data", [("x.sav", b"not spss at all" * 10), ("x.zsav", b"\x00" * 200),
                                       ("x.dta", b"<html>" + b"x" * 300), ("x.dta", b"\xff\x02" + b"\x00" * 64)])
def test_wrong_signature_is_refused_before_the_c_reader(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ReadError, match="SPSS|Stata"):
        read(path)


def test_dta_declaring_a_billion_rows_is_refused(tmp_path: Path) -> None:
    # a 2.7 KB .dta whose header declares 10**9 rows asked for 11 GiB
    data = (DATA / "encuesta.dta").read_bytes()
    at = data.index(b"<N>") + 3
    path = tmp_path / "big.dta"
    path.write_bytes(data[:at] + (10**9).to_bytes(8, "little") + data[at + 8:])
    with pytest.raises(ReadError, match="Stata"):
        read(path)


def _segfault(path: str, **kwargs: object) -> None:
    import ctypes

    ctypes.string_at(0)  # reads address 0: SIGSEGV, as a damaged file does inside ReadStat


def _hang(path: str, **kwargs: object) -> None:
    import time

    time.sleep(3600)


def test_a_crash_inside_the_c_reader_is_a_read_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyreadstat, "read_sav", _segfault)
    with pytest.raises(ReadError) as err:
        read(DATA / "encuesta.sav")
    assert "SIGSEGV" in str(err.value)
    assert os.getpid()  # still here


def test_a_hang_inside_the_c_reader_is_a_read_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pyreadstat, "read_dta", _hang)
    monkeypatch.setattr(_statistical, "_CHILD_SECONDS", (1.0, 0.0))
    with pytest.raises(ReadError, match="did not finish"):
        read(DATA / "encuesta.dta")


def test_large_files_have_their_header_checked_in_a_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_statistical, "_CHILD_MAX_BYTES", 10)
    df = read(DATA / "encuesta.sav")
    assert len(df) == 6
    monkeypatch.setattr(pyreadstat, "read_sav", _segfault)
    with pytest.raises(ReadError, match="SIGSEGV"):
        read(DATA / "encuesta.sav")


def test_columns_over_the_limit(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="max_columns") as err:
        read(DATA / "encuesta.sav", limits=ind.Limits(max_columns=2))
    assert err.value.problems.loc[0, "code"] == "limits.max_columns"
    assert len(read(DATA / "encuesta.sav", limits={"max_columns": 3}).columns) == 3


def _parquet_with_metadata(path: Path, raw: bytes) -> Path:
    table = pa.Table.from_pandas(pd.DataFrame({"a": [1, 2]}))
    pq.write_table(table.replace_schema_metadata({b"pandas": raw}), path)
    return path


@pytest.mark.parametrize("raw", [
    json.dumps({"index_columns": ["nope"], "columns": [], "column_indexes": []}).encode(),
    json.dumps({"index_columns": [{"kind": "range"}], "columns": [{"name": "a"}]}).encode(),
    b"{not json",
])
def test_parquet_with_damaged_pandas_metadata_is_read_with_a_warning(tmp_path: Path, raw: bytes) -> None:
    df = read(_parquet_with_metadata(tmp_path / "x.parquet", raw))
    assert df["a"].tolist() == [1, 2] and list(df.index) == [1, 2]
    assert df.attrs["provenance"].problems["code"].tolist() == ["io.parquet_metadata"]


def test_truncated_parquet_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"a": range(100)}).to_parquet(path)
    path.write_bytes(path.read_bytes()[:-30])
    with pytest.raises(ReadError, match="Parquet"):
        read(path)


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "x.parquet"
    pd.DataFrame({"a": range(1000)}).to_parquet(path)
    with pytest.raises(ReadError, match="max_file_bytes"):
        read(path, limits=ind.Limits(max_file_bytes=100))


def test_sav_that_crashed_the_c_reader_is_a_read_error(tmp_path: Path) -> None:
    # found by fuzzing: encuesta.sav with five bytes of its dictionary changed made ReadStat
    # read out of bounds (SIGSEGV) and took the whole Python process down
    data = bytearray((DATA / "encuesta.sav").read_bytes())
    for offset, value in [(129, 105), (145, 16), (182, 153), (798, 161), (840, 105)]:
        data[offset] = value
    path = tmp_path / "damaged.sav"
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError, match="SPSS"):
        read(path)


@pytest.mark.parametrize("encoding", ["base64", "rot13", "hex", "zlib", "bz2", "uu", "idna", "punycode", "nonsense"])
def test_non_text_encodings_are_refused_as_read_errors(tmp_path: Path, encoding: str) -> None:
    # encoding="base64" or "rot13" raised LookupError from deep inside the reader
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(ReadError, match=encoding) as err:
        read(path, encoding=encoding)
    assert err.value.problems.loc[0, "code"] == "io.unknown_encoding"


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252", "latin-1", "utf-16", "utf-8-sig", "cp850"])
def test_text_encodings_are_accepted(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes("país,valor\nPerú,2\n".encode(encoding))
    assert read(path, encoding=encoding)["valor"].tolist() == [2]


def test_labels_mode_with_unlabelled_codes_can_be_written_to_parquet(tmp_path: Path) -> None:
    # found by fuzzing: a .sav whose labelled column also held an unlabelled code gave a column of
    # labels and floats that pyarrow cannot write
    path = tmp_path / "mixed.sav"
    frame = pd.DataFrame({"p1": [1.0, 2.0, 7.0, None]})
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"p1": {1.0: "Sí", 2.0: "No"}})
    df = read(path, missing="labels")
    assert df["p1"].tolist()[:3] == ["Sí", "No", "7"] and pd.isna(df["p1"].iloc[3])
    df.to_parquet(tmp_path / "mixed.parquet")
    assert read(tmp_path / "mixed.parquet")["p1"].tolist()[:3] == ["Sí", "No", "7"]


def test_a_million_columns_are_refused_quickly(tmp_path: Path) -> None:
    # a 12 MiB CSV of one million columns ran for minutes at gigabytes
    path = tmp_path / "wide.csv"
    path.write_bytes(b",".join(b"c%d" % i for i in range(1_000_000)) + b"\n1\n")
    with pytest.raises(ReadError, match="max_columns") as err:
        read(path)
    assert err.value.problems.loc[0, "code"] == "limits.max_columns"


def test_a_line_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_bytes(b"a,b\n" + b"x" * 5000 + b",1\n")
    with pytest.raises(ReadError, match="max_line_bytes"):
        read(path, limits={"max_line_bytes": 1000})
    assert len(read(path)) == 1


def test_workbook_declaring_absurd_dimensions_is_refused_before_reading(tmp_path: Path) -> None:
    # a 6 KB xlsx with one cell at XFD1048576 aborted the process
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "a"
    book.active["XFD1048576"] = 1
    book.save(tmp_path / "huge.xlsx")
    with pytest.raises(ReadError, match="max_c") as err:
        read(tmp_path / "huge.xlsx")
    assert err.value.problems.loc[0, "code"] in ("limits.max_cells", "limits.max_columns")


def _xls(path: Path, rows: int = 20) -> Path:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("Datos")
    sheet.write(0, 0, "región")
    sheet.write(0, 1, "valor")
    for i in range(1, rows):
        sheet.write(i, 0, f"R{i}")
        sheet.write(i, 1, i * 1.5)
    book.save(str(path))
    return path


def test_xls_workbook_is_read_with_the_row_numbers_excel_shows(tmp_path: Path) -> None:
    df = read(_xls(tmp_path / "cuadro.xls"))
    assert list(df.columns) == ["región", "valor"] and len(df) == 19
    assert df.index[0] == 2 and df.loc[20, "valor"] == 28.5


def test_xls_declaring_absurd_dimensions_is_refused_before_reading(tmp_path: Path) -> None:
    import struct

    path = _xls(tmp_path / "bomba.xls")
    raw = path.read_bytes()
    honest = struct.pack("<HHIIHHH", 0x0200, 14, 0, 20, 0, 2, 0)  # rows 0-19, columns 0-1
    assert raw.count(honest) == 1
    path.write_bytes(raw.replace(honest, struct.pack("<HHIIHHH", 0x0200, 14, 0, 65536, 0, 256, 0)))
    assert len(read(path)) == 19  # 65,536 x 256 is within the default limits, and the cells are few
    with pytest.raises(ReadError, match=r"bomba\.xls, sheet 'Datos'.*16,777,216.*max_cells") as err:
        read(path, limits={"max_cells": 1_000_000})
    assert err.value.problems.loc[0, "code"] == "limits.max_cells"
    with pytest.raises(ReadError, match="max_columns"):
        read(path, limits={"max_columns": 100})
    assert len(read(_xls(tmp_path / "honesto.xls"), limits={"max_cells": 40, "max_columns": 2})) == 19


def test_damaged_xls_is_a_read_error(tmp_path: Path) -> None:
    raw = _xls(tmp_path / "cuadro.xls").read_bytes()
    for cut in (8, 512, 1100, len(raw) // 2):
        (tmp_path / "roto.xls").write_bytes(raw[:cut])
        with pytest.raises(ReadError, match=r"roto\.xls"):
            read(tmp_path / "roto.xls")
