"""One pipeline on real-shaped data: a table of country names with Spanish headers goes through
validate, score and report; survey estimates by state validate with no error; long steps show
progress on a terminal only; messages carry no internal names; a closed pipe ends quietly.

Sources of truth: the shipped sample files (sample_data/), ISO 3166 codes, INEGI's federal-entity
codes (sample_data/mesecvi_mex.yaml); the same table written with codes is the reference for the
one written with names (two routes that must agree).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from contextlib import redirect_stderr
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators import _progress
from indicators.cli import main

ROOT = Path(__file__).parents[1]
NAMES = {"PER": "Perú", "BRA": "Brasil", "MEX": "México", "HTI": "Haïti"}
HEADERS = {"country": "País", "year": "Año", "indicator": "Indicador", "value": "Valor", "currency": "Moneda",
           "age_group_broad": "Grupo de edad amplio", "se": "Error estándar", "ci_low": "Límite inferior",
           "ci_high": "Límite superior", "cv": "CV", "n": "Casos", "status": "Estado del dato",
           "source": "Fuente", "note": "Nota"}


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample's Peru and Mexico rows, copied for Brazil and Haiti; once with codes, once with names
    and Spanish headers in a Spanish-locale CSV (';', decimal comma)."""
    folder = tmp_path_factory.mktemp("pipeline")
    sample = pd.read_csv(ind.sample_data("values_sample.csv"), keep_default_na=False, dtype=str)
    parts = [sample[sample["country"] == "PER"], sample[sample["country"] == "MEX"],
             sample[sample["country"] == "PER"].assign(country="BRA"),
             sample[sample["country"] == "MEX"].assign(country="HTI")]
    codes = pd.concat(parts, ignore_index=True)
    codes = codes[~codes["currency"].ne("")]  # amounts in national currency stay with their own State
    by_code = folder / "codigos.csv"
    codes.to_csv(by_code, index=False)
    named = codes.assign(country=codes["country"].map(NAMES)).rename(columns=HEADERS)
    for col in ("Valor", "Error estándar", "Límite inferior", "Límite superior", "CV"):
        named[col] = named[col].str.replace(".", ",", regex=False)
    by_name = folder / "nombres.csv"
    named.to_csv(by_name, index=False, sep=";", encoding="utf-8")
    return by_code, by_name


def test_names_and_spanish_headers_validate_with_what_was_mapped(tables: tuple[Path, Path],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _, by_name = tables
    assert main(["validate", str(by_name), "--lang", "es"]) == 0
    out = capsys.readouterr().out
    assert "Válido: no hay errores." in out and "Leído como códigos" in out
    for code, name in NAMES.items():
        assert f"País: '{name}' → {code}" in out
    report = ind.validate(str(by_name), "mesecvi", lang="es")
    assert set(report.accepted["country"]) == set(NAMES)
    assert all(f.get("file") for f in report.provenance["files"]) and "null" not in report.to_json()


def test_scores_of_names_equal_scores_of_codes(tables: tuple[Path, Path], tmp_path: Path) -> None:
    by_code, by_name = tables
    for path, out in ((by_code, "a.csv"), (by_name, "b.csv")):
        assert main(["score", str(path), "--draws", "20", "--out", str(tmp_path / out)]) == 0
    a, b = (pd.read_csv(tmp_path / out) for out in ("a.csv", "b.csv"))
    assert set(b["country"]) == set(NAMES)
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_report_country_by_name(tables: tuple[Path, Path], tmp_path: Path, lang: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    _, by_name = tables
    code = main(["report", str(by_name), "--country", "Perú", "--lang", lang, "--format", "html",
                 "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    title = "Perfil de país: Perú" if lang == "es" else "Country profile: Peru"
    assert title in page
    # the intervals say what they carry; the two coverage figures are named apart
    carry = "reflejan a la vez el error de muestreo" if lang == "es" else "carry both the sampling error"
    assert carry in page
    assert ("Cobertura de datos:" if lang == "es" else "Data coverage:") in page


def test_report_several_countries_one_folder_each(tables: tuple[Path, Path], tmp_path: Path) -> None:
    _, by_name = tables
    assert main(["report", str(by_name), "--country", "ht", "Brésil", "--format", "html", "--out",
                 str(tmp_path)]) == 0
    assert (tmp_path / "HTI" / "report.html").exists() and (tmp_path / "BRA" / "report.html").exists()
    assert main(["report", str(by_name), "--country", "Narnia", "--format", "html", "--out", str(tmp_path)]) == 2


def test_estimate_by_state_then_validate_has_no_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = str(ind.sample_data("mesecvi_mex.yaml"))
    out = tmp_path / "estimaciones.csv"
    assert main(["estimate", str(ind.sample_data("encuesta_mujeres.csv")), "--design",
                 str(ind.sample_data("diseno.yaml")), "--system", overlay, "--by", "state,area",
                 "--indicators", "MESECVI-INF-R01", "--country", "México", "--year", "2021",
                 "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert set(table["country"]) == {"MEX"} and table["region"].ne("").sum() == 32
    capsys.readouterr()
    assert main(["validate", str(out), "--system", overlay]) == 0
    assert "0 error(s)" in capsys.readouterr().out
    # the country report shows the latest value by state, with its interval
    rep = ind.country_report(out_frame := ind.read(out), ind.load_catalog(overlay), country="MX")
    regions = rep.tables["regions"]
    assert len(regions) == 32 and regions["ci_low"].notna().all()
    assert set(regions["region_name"]) >= {"Ciudad de México", "Jalisco"}
    assert out_frame is not None
    # without the overlay the state column is neither a disaggregation nor a unit: refused, with the way out
    assert main(["estimate", str(ind.sample_data("encuesta_mujeres.csv")), "--design",
                 str(ind.sample_data("diseno.yaml")), "--by", "state", "--indicators", "MESECVI-INF-R01"]) == 2
    err = capsys.readouterr().err
    assert "--region state" in err and "overlay" in err and "__y" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_not_quiet() -> None:
    pytest.importorskip("tqdm")
    terminal = _Terminal()
    with redirect_stderr(terminal):
        assert _progress.enabled()
        assert list(_progress.progress(range(5), desc="draws")) == [0, 1, 2, 3, 4]
        with _progress.quiet():
            assert not _progress.enabled()
    assert "draws" in terminal.getvalue() and "/5" in terminal.getvalue()
    pipe = io.StringIO()
    with redirect_stderr(pipe):
        assert not _progress.enabled()
        assert list(_progress.progress(range(3))) == [0, 1, 2]
    assert pipe.getvalue() == ""


def test_closed_pipe_ends_quietly() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "indicators.cli", "catalog", "export", "--format", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"})
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_messages_show_values_as_people_read_them() -> None:
    from indicators.i18n import message

    for value in (np.float64(9.0), repr(np.float64(9.0)), np.int64(9)):
        text = message("scores.bad_year", "en", row=3, value=value, expected="a year")
        assert "np." not in text and re.search(r"\b9(\.0)?\b", text)
    with pytest.raises(ind.OptionError) as info:
        ind.load_catalog("mesecv")
    assert "name_or_path" not in str(info.value) and "mesecvi" in str(info.value)


def test_user_missing_codes_as_missing_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    sav = str(ROOT / "tests" / "data" / "io" / "encuesta.sav")
    assert main(["validate", sav, "--kind", "microdata", "--weights", "ingreso"]) == 0
    kept = capsys.readouterr().out
    assert "kept as codes" in kept
    assert main(["validate", sav, "--kind", "microdata", "--weights", "ingreso", "--missing", "nan"]) == 1
    treated = capsys.readouterr().out
    # the codes are now empty cells: the weights they leave empty are reported as such
    assert "were set to missing" in treated and "kept as codes" not in treated


def test_readme_quickstart_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's English quickstart, as written, on the shipped sample files."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Quickstart (English)", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102 - the project's own README
    assert (tmp_path / "peru-report" / "report.html").exists()
    estimates = namespace["estimates"]
    assert isinstance(estimates, pd.DataFrame) and estimates["region"].notna().any()
