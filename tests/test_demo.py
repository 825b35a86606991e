"""`indicators demo`: the whole pipeline on the shipped sample data, end to end."""

from __future__ import annotations

import io
from contextlib import redirect_stderr
from pathlib import Path

import pandas as pd
import pytest

from indicators.cli import main


class _Terminal(io.StringIO):
    """Standard error as a terminal: the demo draws its progress bar there."""

    def isatty(self) -> bool:
        return True


BAR: dict[str, str] = {}


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    terminal = _Terminal()
    with redirect_stderr(terminal):
        assert main(["demo", "--out", str(out), "--lang", "es"]) == 0
    BAR["text"] = terminal.getvalue()
    return out


def test_demo_shows_its_progress_on_a_terminal(demo_folder: Path) -> None:
    pytest.importorskip("tqdm")
    bar = BAR["text"]
    assert "demo" in bar and "8/8" in bar and "hemispheric report" in bar


def test_demo_is_silent_when_quiet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from indicators import _progress

    terminal = _Terminal()
    with redirect_stderr(terminal), _progress.quiet():
        assert not _progress.enabled()
        with _progress.Steps(2, "demo") as steps:
            steps.done("1. uno")
    assert terminal.getvalue() == "" and "1. uno" in capsys.readouterr().out


def test_demo_writes_every_output_inside_its_folder(demo_folder: Path) -> None:
    for name in ["estimates.csv", "values.csv", "validation.html", "scores.csv",
                 "country_PER/report.html", "country_PER/report.xlsx", "country_PER/report.docx",
                 "hemispheric/report.html", "hemispheric/report.xlsx"]:
        assert (demo_folder / name).stat().st_size > 0, name


def test_demo_estimates_are_the_survey_reference_numbers(demo_folder: Path) -> None:
    """Source of truth: R survey 4.1.1 on the same microdata and design (two stages with fpc,
    raked to the projections), svyciprop logit: tests/data/survey/r_demo.R and its output."""
    want = pd.read_csv(Path(__file__).parent / "data" / "survey" / "r_demo_expected.csv").iloc[0]
    est = pd.read_csv(demo_folder / "estimates.csv")
    row = est[(est["indicator"] == "MESECVI-INF-R01") & (est["age_group_broad"] == "_T")].iloc[0]
    assert row["value"] == pytest.approx(100 * want["estimate"], rel=1e-9)
    assert row["se"] == pytest.approx(100 * want["se"], rel=1e-9)
    assert row["n"] == 20056 and row["status"] == "estimated"


def test_demo_scores_cover_every_sample_country(demo_folder: Path) -> None:
    scores = pd.read_csv(demo_folder / "scores.csv")
    overall = scores[scores["level"] == "overall"]
    assert set(overall["country"]) == set(pd.read_csv(demo_folder / "values.csv")["country"])
    assert overall["score"].between(0, 100).all()


def test_demo_values_validate_clean(demo_folder: Path) -> None:
    """The sample table (units, bounds, currencies, signs of progress) plus the estimates: no error."""
    import indicators as ind

    html = (demo_folder / "validation.html").read_text(encoding="utf-8")
    assert "Válido: no hay errores." in html and " 0 error(es), 0 advertencia(s)." in html
    values = pd.read_csv(demo_folder / "values.csv")
    report = ind.validate(values, "mesecvi")
    assert report.ok and report.issues.empty, report.issues[["row", "code", "message"]].head(10)
    signs = {s.id for s in ind.load_catalog("mesecvi").signs}
    assert values["indicator"].isin(signs).sum() > 0  # the signs of progress are there, and accepted
