"""Security and determinism of every writer: no formula or script from data, no escape from the
folder, the same bytes from the same inputs.

Built from the robustness review: ``indicators catalog export --format csv`` wrote
``=HYPERLINK(...)``, ``+1+1`` and ``@SUM(A1)`` as they were; the demo's report.xlsx and
report.docx differed between two runs (times in docProps/core.xml and in the zip).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import indicators as ind
from indicators._export import escape_cell, make_reproducible, safe_path, write_csv
from indicators.cli import main
from indicators.errors import OptionError

ATTACKS = ['=HYPERLINK("http://x.invalid","click")', "+1+1", "-2+3", "@SUM(A1)", "\tTAB", "\r=1"]
HTML_ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'

OVERLAY = """kind: overlay
format_version: 1
id: hostile
version: "1"
extends: mesecvi@2013
name: {{en: "{name}", es: "{name}"}}
change:
  - id: MESECVI-LEG-S01
    title: {{en: '{a0}', es: '{a2}'}}
    definition: {{en: '{a3}', es: '{a1}'}}
    sources:
      - {{en: '{a3}', es: '{a1}'}}
"""


@pytest.fixture
def hostile_overlay(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.yaml"
    path.write_text(OVERLAY.format(name="Hostile", a0=ATTACKS[0].replace('"', '\\"').replace("'", "''"),
                                   a1=ATTACKS[1], a2=ATTACKS[3], a3=ATTACKS[2]), encoding="utf-8")
    return path


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _no_formula(cells: list[str]) -> None:
    bad = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not bad, bad


def test_catalog_export_csv_escapes_formulas(hostile_overlay: Path, tmp_path: Path) -> None:
    out = tmp_path / "catalog.csv"
    assert main(["catalog", "export", "--system", str(hostile_overlay), "--format", "csv", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in text and "'-2+3" in text
    _no_formula(_cells(text))
    assert main(["catalog", "export", "--system", str(hostile_overlay), "--lang", "es", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "'@SUM(A1)" in text and "'+1+1" in text
    _no_formula(_cells(text))


def test_catalog_export_to_the_terminal_escapes_formulas(hostile_overlay: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "export", "--system", str(hostile_overlay), "--format", "csv"]) == 0
    _no_formula(_cells(capsys.readouterr().out))


def test_catalog_export_xlsx_escapes_formulas(hostile_overlay: Path, tmp_path: Path) -> None:
    import openpyxl

    out = tmp_path / "catalog.xlsx"
    assert main(["catalog", "export", "--system", str(hostile_overlay), "--format", "xlsx", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    _no_formula(cells)
    kinds = {c.data_type for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "f" not in kinds  # no cell is stored as a formula


def test_write_csv_escapes_every_text_cell_and_header() -> None:
    frame = pd.DataFrame({"=cmd": ATTACKS, "n": range(len(ATTACKS))})
    cells = _cells(write_csv(frame))
    _no_formula(cells)
    assert cells[0] == "'=cmd"
    assert write_csv(pd.DataFrame({"x": [-1.5, 2.0]})) == "x\n-1.5\n2.0\n"  # numbers stay numbers


def test_validation_report_excel_and_json_escape_formulas(tmp_path: Path) -> None:
    import openpyxl

    table = pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": [ATTACKS[0]], "value": [ATTACKS[3]],
                          "note": [ATTACKS[1]]})
    report = ind.validate(table, "mesecvi")
    path = report.to_excel(tmp_path / "v.xlsx")
    book = openpyxl.load_workbook(path)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    _no_formula(cells)


def _html_has_no_script_from_data(html: str, allowed: int = 0) -> None:
    assert html.count("<script") == allowed
    assert "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;" in html or "&lt;script" in html


def test_validation_html_escapes_script_text() -> None:
    table = pd.DataFrame({"country": [HTML_ATTACK], "year": [2020], "indicator": [HTML_ATTACK], "value": [1],
                          "note": [HTML_ATTACK]})
    report = ind.validate(table, "mesecvi")
    _html_has_no_script_from_data(report.to_html(), allowed=1)  # the page's own script


def test_report_html_escapes_titles_notes_and_sources(hostile_overlay: Path, tmp_path: Path) -> None:
    path = tmp_path / "html.yaml"
    path.write_text(OVERLAY.format(name="H", a0=HTML_ATTACK.replace("'", "''"), a1=HTML_ATTACK, a2=HTML_ATTACK,
                                   a3=HTML_ATTACK).replace('"H"', "'H'"), encoding="utf-8")
    cat = ind.load_catalog(path)
    values = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2021], "indicator": ["MESECVI-LEG-S01"] * 2,
                           "value": ["legal", "constitutional"], "source": [HTML_ATTACK] * 2,
                           "note": [HTML_ATTACK] * 2})
    html = ind.country_report(values, cat, country="PER").to_html()
    _html_has_no_script_from_data(html)
    html = ind.hemispheric_report(values, cat).to_html()
    assert html.count("<script") == 0


@pytest.mark.parametrize("name", ["../outside.csv", "../../etc/x", "/tmp/absolute.csv", "a/../../b.csv"])
def test_safe_path_refuses_names_that_leave_the_folder(tmp_path: Path, name: str) -> None:
    with pytest.raises(OptionError, match="outside the folder"):
        safe_path(tmp_path / "out", name)


def test_safe_path_refuses_a_symlink_that_leaves_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", folder / "link")
    with pytest.raises(OptionError):
        safe_path(folder, "link/report.html")
    os.symlink(tmp_path / "elsewhere" / "file.csv", folder / "file.csv")
    with pytest.raises(OptionError):
        safe_path(folder, "file.csv")
    assert safe_path(folder, "sub/ok.csv") == (folder / "sub" / "ok.csv").resolve()


def test_validation_writers_refuse_to_leave_their_folder(tmp_path: Path) -> None:
    report = ind.validate(pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": ["MESECVI-LEG-S02"],
                                        "value": [1]}), "mesecvi")
    for write in (report.to_html, report.to_json, report.to_excel):
        with pytest.raises(OptionError):
            write("../escape.out", folder=tmp_path)


def test_escape_cell_leaves_plain_text_and_numbers() -> None:
    assert escape_cell("ok") == "ok" and escape_cell(-3) == -3 and escape_cell("=1") == "'=1"


# -- determinism ------------------------------------------------------------------------------

def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_make_reproducible_fixes_office_times(tmp_path: Path) -> None:
    import time

    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "a.xlsx", index=False)
    time.sleep(2.1)  # zip times have a two-second resolution
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "b.xlsx", index=False)
    make_reproducible(tmp_path / "a.xlsx")
    make_reproducible(tmp_path / "b.xlsx")
    assert _digest(tmp_path / "a.xlsx") == _digest(tmp_path / "b.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core
    assert pd.read_excel(tmp_path / "a.xlsx")["a"].tolist() == [1]


def test_demo_twice_gives_byte_identical_files(tmp_path: Path) -> None:
    from indicators._demo import run_demo

    first = run_demo(tmp_path / "one", echo=lambda *a, **k: None)
    second = run_demo(tmp_path / "two", echo=lambda *a, **k: None)
    assert set(first) == set(second)
    kinds = {Path(p).suffix for p in first.values()}
    assert {".csv", ".html", ".xlsx", ".docx"} <= kinds
    different = [k for k in first if _digest(Path(first[k])) != _digest(Path(second[k]))]
    assert not different, different
