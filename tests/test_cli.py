"""The `indicators` command: version and catalog."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import indicators
from indicators.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert indicators.__version__ in capsys.readouterr().out


def test_console_script_is_installed() -> None:
    out = subprocess.run([sys.executable, "-m", "indicators.cli", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and indicators.__version__ in out.stdout


def test_catalog_list_and_show_in_spanish(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "list", "--system", "mesecvi", "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "MESECVI-LEG-S01" in out and "Incorporación" in out
    assert main(["catalog", "show", "MESECVI-LEG-S01", "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "Recepción del derecho" in out and "provenance: official" in out


def test_catalog_show_unknown_id_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "show", "MESECVI-LEG-S1"]) == 2
    assert "Did you mean" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_catalog_export(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"catalog.{fmt}"
    assert main(["catalog", "export", "--system", "sisdehm", "--lang", "es", "--format", fmt, "--out", str(out)]) == 0
    n = len(indicators.load_catalog("sisdehm"))
    if fmt == "csv":
        frame = pd.read_csv(out)
        assert len(frame) == n and "title" in frame.columns
    elif fmt == "json":
        assert len(json.loads(out.read_text(encoding="utf-8"))) == n
    else:
        sheet = openpyxl.load_workbook(out).active
        assert sheet.max_row == n + 1


def test_catalog_with_overlay(capsys: pytest.CaptureFixture[str]) -> None:
    overlay = Path(__file__).resolve().parents[1] / "docs" / "examples" / "overlay_peru.yaml"
    assert main(["catalog", "list", "--system", str(overlay)]) == 0
    assert "PER-LEG-S01" in capsys.readouterr().out


def test_bad_overlay_exits_2_with_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: overlay\nformat_version: 1\n", encoding="utf-8")
    assert main(["catalog", "list", "--system", str(bad)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_validate_reads_a_path_in_the_users_language(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "datos.csv"
    bad.write_bytes(b"\x00\x01binary")
    assert main(["validate", str(bad), "--lang", "es"]) == 2
    err = capsys.readouterr().err
    assert "datos.csv" in err and "contenido binario" in err
    with pytest.raises(indicators.ReadError, match="contenido binario"):
        indicators.validate(bad, "mesecvi", lang="es")
