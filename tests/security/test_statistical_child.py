"""SPSS and Stata files are parsed in a child process that hands back plain data only.

The frame comes back as Arrow IPC bytes and the dictionary as JSON: the parent never
unpickles bytes that a child built from a (possibly hostile) file. The frame and the
dictionary that come back are those the reader gave, value for value and type for type.
"""

from __future__ import annotations

import datetime
import pickle
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat
import pytest

from indicators import ReadError, read
from indicators.io import _statistical

DATA = Path(__file__).resolve().parents[1] / "data" / "io"


def _files(tmp_path: Path) -> list[Path]:
    frame = pd.DataFrame({
        "P1": [1.0, 2.0, 9.0], "REGION": ["Maule", "Biobío", ""],
        "D": [datetime.date(2020, 1, 1), None, datetime.date(2021, 3, 4)],
        "T": [datetime.datetime(2020, 1, 1, 3, 4), datetime.datetime(2020, 1, 2), None], "I": [1, 2, 3]})
    pyreadstat.write_por(frame[["P1"]].assign(REGION=["Maule", "Biobio", ""]), str(tmp_path / "a.por"))
    pyreadstat.write_sav(frame, str(tmp_path / "b.sav"), missing_ranges={"P1": [9]},
                         variable_value_labels={"P1": {1.0: "Sí", 2.0: "No"}},
                         column_labels={"P1": "¿Sufrió violencia?"})
    pyreadstat.write_dta(frame, str(tmp_path / "c.dta"))
    return [DATA / "encuesta.sav", DATA / "encuesta.dta", tmp_path / "a.por", tmp_path / "b.sav",
            tmp_path / "c.dta"]


def _reader(path: Path) -> tuple[Any, dict[str, Any]]:
    reader = {".sav": pyreadstat.read_sav, ".por": pyreadstat.read_por, ".dta": pyreadstat.read_dta}[path.suffix]
    return reader, ({} if path.suffix == ".por" else {"user_missing": True})


def test_child_answer_is_the_readers_frame_and_dictionary(tmp_path: Path) -> None:
    for path in _files(tmp_path):
        reader, kwargs = _reader(path)
        expected, meta = reader(str(path), **kwargs)
        status, (frame, back) = _statistical._child_read(reader, str(path), kwargs, path.stat().st_size)
        assert status == "ok"
        pd.testing.assert_frame_equal(frame, expected, check_exact=True)
        for column in expected.columns:  # Stata's 1 and "a" in one column: an int stays an int
            for got, want in zip(frame[column], expected[column], strict=True):
                assert type(got) is type(want) or (pd.isna(got) and pd.isna(want)), (path.name, column, got)
        for field in _statistical._META_FIELDS:
            assert getattr(back, field) == getattr(meta, field, None), (path.name, field)


def test_the_parent_never_unpickles_what_the_child_sends(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle.loads called on the child's answer")

    monkeypatch.setattr(pickle, "loads", refuse)
    df = read(DATA / "encuesta.sav", missing="labels")
    assert len(df) and df.attrs["provenance"].variable_labels
    assert read(DATA / "encuesta.dta")["p1"].tolist()[:3] == ["1", "2", "a"]


def test_a_malformed_answer_from_the_child_is_a_read_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def garbage(frame: pd.DataFrame) -> tuple[bytes, dict[str, Any]]:
        return b"\x80\x04not arrow at all", {"columns": [{"name": "x", "object": False, "mixed": False}], "rows": 1}

    monkeypatch.setattr(_statistical, "_frame_to_arrow", garbage)
    with pytest.raises(ReadError, match="SPSS"):
        read(DATA / "encuesta.sav")
