"""Country and hemispheric reports: tables, charts, HTML, workbook, Word document, CLI.

Fixtures in tests/data/report/ (made by make_values.py, committed): a frozen subset of the
MESECVI catalog, synthetic values for five countries × three rounds, their scores, and a small
validation issues table. Expected figures are recomputed here from those inputs by independent
code (pandas medians, shares, CVs), never copied from the report's own output.
"""

from __future__ import annotations

import io
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("babel")

import indicators as ind  # noqa: E402
from indicators.errors import DataError, OptionError  # noqa: E402
from indicators.report import Report, country_report, hemispheric_report  # noqa: E402
from indicators.report.charts import render  # noqa: E402
from indicators.report.formatting import Formatter  # noqa: E402
from indicators.report.tables import (  # noqa: E402
    prepare_values,
    quality_flag,
    trend_change,
    trend_code,
)

DATA = Path(__file__).parents[1] / "data" / "report"
SNAPSHOT = DATA / "expected_country_PER_es_AR.html"


@pytest.fixture(scope="module")
def cat() -> ind.Catalog:
    return ind.load_catalog(DATA / "catalog")


@pytest.fixture(scope="module")
def values() -> pd.DataFrame:
    return pd.read_csv(DATA / "values.csv")


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return pd.read_csv(DATA / "scores.csv")


@pytest.fixture(scope="module")
def validation(values: pd.DataFrame) -> SimpleNamespace:
    issues = pd.read_csv(DATA / "issues.csv")
    return SimpleNamespace(
        ok=False, issues=issues, accepted=values.drop(index=[12]), rejected=values.loc[[12]]
    )


@pytest.fixture(scope="module")
def per(
    values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame, validation: SimpleNamespace
) -> Report:
    return country_report(
        values, cat, country="PER", lang="es", locale="es_AR", scores=scores, validation=validation
    )


@pytest.fixture(scope="module")
def hemi(values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame) -> Report:
    return hemispheric_report(values, cat, lang="en", scores=scores)


# -- formatting -----------------------------------------------------------------------------


def test_locales_write_numbers_differently() -> None:
    mx, ar = Formatter.of("es", "es_MX"), Formatter.of("es", "es_AR")
    assert mx.number(1234.5, 1) == "1,234.5"
    assert ar.number(1234.5, 1) == "1.234,5"
    assert mx.number(1234567, 0) == "1,234,567" and ar.number(1234567, 0) == "1.234.567"
    assert ar.year(2020) == "2020" and mx.year(2020) == "2020"  # years are never grouped
    assert ar.interval(12.25, 30) == "12,3–30,0"  # half away from zero, as statistical tables round
    assert ar.number(-2.25, 1) == "-2,3"
    assert ar.percent(12.5) == "12,5%" and mx.percent(12.5) == "12.5%"  # CLDR: no space in either
    assert Formatter.of("fr", "fr_CA").percent(12.5) == "12,5\xa0%"
    assert Formatter.of("en").number(-0.04, 1) == "0.0"  # no negative zero


def test_values_are_written_for_their_unit(cat: ind.Catalog) -> None:
    es, en = Formatter.of("es"), Formatter.of("en")
    assert es.value(1.0, "yes_no") == "Sí" and en.value(0.0, "yes_no") == "No"
    category = next(i for i in cat if i.unit == "category")
    code = category.categories[0]
    assert (
        es.value(None, "category", categories=category.categories, text=str(code["code"]))
        == code["label"]["es"]
    )
    assert en.value(float("nan"), "percent") == "—"
    assert en.value(3.0, "rate") == "3.0"


def test_bad_locale_is_an_option_error() -> None:
    with pytest.raises(OptionError, match="es_MX"):
        Formatter.of("es", "xx_NOPE_1")


# -- table helpers ----------------------------------------------------------------------------


def test_trend_uses_direction_and_standard_errors() -> None:
    assert trend_code([(2014, 40.0, None), (2020, 55.0, None)], "higher_is_better") == "improving"
    assert trend_code([(2014, 40.0, None), (2020, 55.0, None)], "lower_is_better") == "worsening"
    assert trend_code([(2014, 40.0, None), (2020, 55.0, None)], "neutral") == "up"
    assert trend_code([(2014, 1.0, None), (2020, 1.0, None)], "higher_is_better") == "stable"
    assert trend_code([(2020, 1.0, None)], "higher_is_better") == "single"
    assert trend_code([], "higher_is_better") == "none"
    # 2 points apart, combined SE sqrt(1+1) = 1.41: z = 1.41 < 1.96, not significant; SE 0.5 each: z = 2.83
    assert (
        trend_code([(2014, 20.0, 1.0), (2020, 22.0, 1.0)], "higher_is_better") == "not_significant"
    )
    assert trend_code([(2014, 20.0, 0.5), (2020, 22.0, 0.5)], "higher_is_better") == "improving"
    # only the last two rounds count
    assert (
        trend_code([(2011, 90.0, None), (2014, 20.0, None), (2020, 10.0, None)], "higher_is_better")
        == "worsening"
    )


def test_trend_change_is_the_test_of_two_independent_estimates() -> None:
    # Hand computation: change 2, SE sqrt(0.5^2 + 0.5^2) = 0.7071, z = 2.828, p = 2 (1 - Phi(z)) = 0.004678
    t = trend_change([(2014, 20.0, 0.5), (2020, 22.0, 0.5)])
    assert t is not None and t["significant"] is True
    assert t["change"] == pytest.approx(2.0) and t["se"] == pytest.approx(math.sqrt(0.5))
    assert t["statistic"] == pytest.approx(2 / math.sqrt(0.5))
    assert t["p_value"] == pytest.approx(0.0046777349810472645, rel=1e-9)
    one = trend_change([(2014, 20.0, 1.0), (2020, 22.0, 1.0)])
    assert one is not None and one["significant"] is False
    # no SE in one round: the change is there, the test is not
    untested = trend_change([(2014, 20.0, None), (2020, 22.0, 0.5)])
    assert untested is not None and untested["significant"] is None and untested["change"] == 2.0
    assert trend_change([(2020, 1.0, 0.1)]) is None


def test_report_marks_significant_changes_and_explains_the_mark(
    per: Report, values: pd.DataFrame, cat: ind.Catalog
) -> None:
    own = _own(values, "PER")
    marked = unmarked = 0
    for area in cat.areas:
        for row in per.tables[f"indicators_{area.id}"].to_dict("records"):
            rows = own.loc[(own["indicator"] == row["indicator"]) & own["value"].notna()]
            rows = rows.sort_values("year")
            numbers = pd.to_numeric(rows["value"], errors="coerce")
            if len(rows) < 2 or numbers.isna().any():
                continue
            (v0, s0), (v1, s1) = zip(numbers.iloc[-2:], rows["se"].iloc[-2:], strict=True)
            text = str(row["trend"])
            if pd.isna(s0) or pd.isna(s1) or v0 == v1:
                assert not text.endswith(" *"), row
                continue
            z = abs(v1 - v0) / math.hypot(s0, s1)
            assert text.endswith(" *") == (z > 1.959963984540054), (row, z)
            marked += z > 1.959963984540054
            unmarked += z <= 1.959963984540054
    assert marked > 0 and unmarked > 0
    about = next(s for s in per.sections if s.id == "about")
    assert any("* marca un cambio estadísticamente significativo" in p for p in about.paragraphs)
    words = [p for p in about.paragraphs if "√(EE₁² + EE₂²)" in p]
    assert words, about.paragraphs


def test_quality_flags_follow_cv_thresholds() -> None:
    assert [quality_flag(c) for c in (14.99, 15.0, 30.0, 30.01, None, float("nan"))] == [
        "reliable",
        "caution",
        "caution",
        "unreliable",
        "unknown",
        "unknown",
    ]
    assert quality_flag(20.0, (25.0, 40.0)) == "reliable"


def test_prepare_values_keeps_totals_and_reads_words() -> None:
    raw = pd.DataFrame(
        {
            "país": ["per", "PER", "PER"],
            "año": [2020, 2020, 2020],
            "indicador": ["A", "A", "B"],
            "valor": ["sí", "12", "no"],
            "grupo_edad_amplio": ["_T", "15-19", None],
        }
    )
    out = prepare_values(raw)
    assert out[["country", "indicator", "value"]].values.tolist() == [
        ["PER", "A", 1.0],
        ["PER", "B", 0.0],
    ]


def test_values_without_required_columns_raise(cat: ind.Catalog) -> None:
    with pytest.raises(DataError, match="indicator"):
        country_report(
            pd.DataFrame({"country": ["PER"], "year": [2020]}),
            cat,
            country="PER",
            scores=pd.read_csv(DATA / "scores.csv"),
        )


def test_unknown_country_names_the_countries_present(
    values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame
) -> None:
    with pytest.raises(DataError) as err:
        country_report(values, cat, country="CHL", lang="es", scores=scores)
    assert (
        "CHL" in str(err.value) and "PER" in str(err.value) and "Países presentes" in str(err.value)
    )


def test_bad_year_is_an_option_error(
    values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame
) -> None:
    with pytest.raises(OptionError, match="year"):
        country_report(values, cat, country="PER", scores=scores, year="veinte")


# -- the country report ---------------------------------------------------------------------


def _own(values: pd.DataFrame, country: str) -> pd.DataFrame:
    v = values.loc[
        (values["country"] == country) & (values["age_group_broad"].fillna("_T") == "_T")
    ]
    return v.loc[v["value"].notna()]


def test_indicator_tables_follow_catalog_order(
    per: Report, cat: ind.Catalog, values: pd.DataFrame
) -> None:
    own = _own(values, "PER")
    for area in cat.areas:
        table = per.tables[f"indicators_{area.id}"]
        assert table["indicator"].tolist() == [i.id for i in cat if i.area == area.id]
        for row in table.to_dict("records"):
            rows = own.loc[own["indicator"] == row["indicator"]]
            if rows.empty:
                assert pd.isna(row["year"])
                continue
            last = rows.loc[rows["year"].idxmax()]
            assert int(row["year"]) == int(last["year"])
            number = pd.to_numeric(pd.Series([last["value"]]), errors="coerce").iloc[0]
            if pd.notna(number):
                assert row["value"] == pytest.approx(float(number))


def test_area_scores_sit_beside_the_regional_median(
    per: Report, scores: pd.DataFrame, cat: ind.Catalog
) -> None:
    table = per.tables["area_scores"]
    year = int(scores.loc[(scores["country"] == "PER") & scores["score"].notna(), "year"].max())
    areas = scores.loc[(scores["level"] == "area") & (scores["year"] == year)]
    assert table["area"].tolist() == [a.id for a in cat.areas]
    for row in table.to_dict("records"):
        mine = areas.loc[(areas["country"] == "PER") & (areas["unit"] == row["area"])].iloc[0]
        assert row["score"] == pytest.approx(mine["score"])
        assert row["ci_low"] == pytest.approx(mine["ci_low"]) and row["ci_high"] == pytest.approx(
            mine["ci_high"]
        )
        assert row["coverage"] == pytest.approx(mine["coverage"])
        assert row["median"] == pytest.approx(
            np.median(areas.loc[areas["unit"] == row["area"], "score"].dropna())
        )


def test_outcomes_carry_intervals_and_quality(
    per: Report, values: pd.DataFrame, cat: ind.Catalog
) -> None:
    table = per.tables["outcomes"]
    outcome_ids = {i.id for i in cat if i.type == "outcome"}
    assert set(table["indicator"]) <= outcome_ids and len(table) > 0
    own = _own(values, "PER")
    estimated = 0
    for row in table.to_dict("records"):
        src = own.loc[(own["indicator"] == row["indicator"]) & (own["year"] == row["year"])].iloc[0]
        if pd.notna(src["se"]):
            estimated += 1
            cv = 100 * float(src["se"]) / abs(float(src["value"]))
            assert row["cv"] == pytest.approx(cv)
            assert row["ci_low"] == pytest.approx(src["ci_low"]) and row[
                "ci_high"
            ] == pytest.approx(src["ci_high"])
            expected = (
                "confiable" if cv < 15 else "usar con precaución" if cv <= 30 else "poco confiable"
            )
            assert row["quality"] == expected
        elif src["status"] == "estimated":
            assert row["quality"] == "precisión desconocida"
        else:  # an administrative record has no sampling error
            assert row["quality"] == "registro: sin error muestral"
    assert estimated > 0


def test_gaps_are_the_indicators_without_value(
    per: Report, values: pd.DataFrame, cat: ind.Catalog
) -> None:
    have = set(_own(values, "PER")["indicator"])
    expected = [i.id for i in cat if i.id not in have]
    assert per.tables["gaps"]["indicator"].tolist() == expected
    declared = per.tables["gaps"].set_index("indicator").loc[cat.ids[3]]
    assert declared["status"] == "No disponible" or "disponible" in declared["status"].casefold()


def test_signs_of_progress_are_text(per: Report, values: pd.DataFrame, cat: ind.Catalog) -> None:
    sign_ids = {s.id for s in cat.signs}
    own = values.loc[(values["country"] == "PER") & values["indicator"].isin(sign_ids)]
    assert len(per.tables["signs"]) == len(own) > 0
    assert set(per.tables["signs"]["text"]) == set(own["note"])
    html = per.to_html()
    assert "Ley 30364 &amp; reglamento: &quot;segunda generación&quot; &lt;vigente&gt;." in html


def test_validation_summary(per: Report) -> None:
    summary = per.tables["validation"]
    assert summary[["severity", "code", "count"]].values.tolist() == [
        ["error", "values.not_a_number", 1],
        ["warning", "values.outside_goalposts", 2],
    ]
    section = next(s for s in per.sections if s.id == "validation")
    assert any(
        "Filas aceptadas: 523; filas rechazadas: 1; errores: 1; advertencias: 2" in p
        for p in section.paragraphs
    )


def test_report_is_immutable(per: Report) -> None:
    with pytest.raises(AttributeError):
        per.title = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        per.svgs["x"] = "y"  # type: ignore[index]
    copy = per.tables["gaps"]
    copy.loc[0, "indicator"] = "changed"
    assert per.tables["gaps"].loc[0, "indicator"] != "changed"


def test_charts_per_area_and_together(per: Report, cat: ind.Catalog) -> None:
    assert {"areas", *(f"area_{a.id}" for a in cat.areas)} <= set(per.charts)
    for svg in per.charts.values():
        assert svg.startswith("<svg") and "<?xml" not in svg and 'role="img"' in svg


def test_report_without_scores_or_validation_still_reads(
    values: pd.DataFrame, cat: ind.Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    import indicators.report._common as common

    monkeypatch.setattr(common, "compute_scores", lambda *a, **k: None)
    monkeypatch.setattr(common, "run_validation", lambda *a, **k: None)
    import indicators.report.country as country

    monkeypatch.setattr(country, "compute_scores", lambda *a, **k: None)
    monkeypatch.setattr(country, "run_validation", lambda *a, **k: None)
    rep = country_report(values, cat, country="GTM", lang="en")
    assert "area_legislation" not in rep.charts
    assert "Scores were not computed" in rep.to_html()
    assert len(rep.tables["indicators_legislation"]) == len(
        [i for i in cat if i.area == "legislation"]
    )


# -- HTML -----------------------------------------------------------------------------------


def test_html_is_self_contained(per: Report, hemi: Report) -> None:
    for rep in (per, hemi):
        html = rep.to_html()
        lower = html.lower()
        for tag in (
            "<script",
            "<link",
            "<img",
            "<iframe",
            "<object",
            "<embed",
            "<base",
            "<video",
            "<audio",
        ):
            assert tag not in lower, tag
        assert re.search(r"\s(src|srcset|action|formaction|background|poster)=", lower) is None
        assert [h for h in re.findall(r'href="([^"]*)"', html) if not h.startswith("#")] == []
        assert [u for u in re.findall(r"url\(([^)]*)\)", html) if not u.startswith("#")] == []
        assert "@import" not in lower
        # the only absolute URLs are XML namespaces of the inline SVG
        namespaces = set(re.findall(r'xmlns(?::\w+)?="([^"]+)"', html))
        assert namespaces <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, (
            namespaces
        )
        assert "<metadata>" not in html
        assert "default-src 'none'" in html
        assert html.count("<svg") == len(rep.charts)


def test_html_escapes_user_text(per: Report) -> None:
    html = per.to_html()
    assert "<b>Sin registro</b>" not in html
    assert "&lt;b&gt;Sin registro&lt;/b&gt; administrativo" in html


def test_html_is_deterministic(
    values: pd.DataFrame,
    cat: ind.Catalog,
    scores: pd.DataFrame,
    validation: SimpleNamespace,
    per: Report,
) -> None:
    again = country_report(
        values, cat, country="PER", lang="es", locale="es_AR", scores=scores, validation=validation
    )
    assert again.to_html().encode("utf-8") == per.to_html().encode("utf-8")


def test_svg_is_byte_identical_in_a_fresh_process(per: Report, tmp_path: Path) -> None:
    script = (
        "import sys, pandas as pd, indicators as ind\n"
        "from indicators.report import country_report\n"
        f"d = {str(DATA)!r}\n"
        "cat = ind.load_catalog(d + '/catalog')\n"
        "rep = country_report(pd.read_csv(d + '/values.csv'), cat, country='PER', lang='es', locale='es_AR',\n"
        "                     scores=pd.read_csv(d + '/scores.csv'), validation=None)\n"
        "sys.stdout.buffer.write(rep.charts['areas'].encode('utf-8'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, timeout=300
    )
    assert out.stdout.decode("utf-8") == per.charts["areas"]


def _normalise(html: str) -> str:
    """The page with each chart's SVG body and the library version replaced (matplotlib's SVG
    writer changes between versions; the charts have their own determinism tests)."""
    html = re.sub(r"<svg\b[^>]*>.*?</svg>", "<svg><!-- chart --></svg>", html, flags=re.S)
    return re.sub(r"belem-indicators \d[\w.+-]*", "belem-indicators VERSION", html)


def test_html_snapshot(per: Report) -> None:
    got = _normalise(per.to_html())
    if os.environ.get("REPORT_SNAPSHOT_UPDATE") == "1":
        SNAPSHOT.write_text(got, encoding="utf-8", newline="\n")
    assert SNAPSHOT.exists(), (
        "no snapshot: run with REPORT_SNAPSHOT_UPDATE=1 once, then review the file"
    )
    expected = SNAPSHOT.read_text(encoding="utf-8")
    assert got == expected, (
        "the HTML changed: review it, then refresh with REPORT_SNAPSHOT_UPDATE=1"
    )


# -- files ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saved(per: Report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return per.save(tmp_path_factory.mktemp("informe"), charts="svg")


def test_save_writes_inside_the_folder(saved: dict[str, Path]) -> None:
    folder = saved["html"].parent
    assert {p.name for p in folder.iterdir()} == {
        "report.html",
        "report.xlsx",
        "report.docx",
        "charts",
    }
    assert all(folder in p.parents for p in saved.values())
    svg = saved["chart:areas"].read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "<svg" in svg


def test_save_checks_its_options(per: Report, tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="formats"):
        per.save(tmp_path, formats=("pdf",))
    with pytest.raises(OptionError, match="charts"):
        per.save(tmp_path, formats=("html",), charts="gif")  # type: ignore[arg-type]
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OptionError, match="carpeta"):
        per.save(tmp_path / "afile", formats=("html",))


def test_png_charts(per: Report, tmp_path: Path) -> None:
    written = per.save(tmp_path, formats=("html",), charts="png")
    png = written["chart:areas"].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_workbook_reopened(saved: dict[str, Path], per: Report, cat: ind.Catalog) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(saved["xlsx"])
    assert book.sheetnames[0] == "Puntajes por área" and book.sheetnames[-1] == "Acerca de"
    assert "LEG · Legislación" in book.sheetnames
    sheet = book["LEG · Legislación"]
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in sheet[2]][:4] == ["Código", "Indicador", "Tipo", "Último valor"]
    assert sheet["A1"].font.bold and sheet["A2"].font.bold
    ids = [
        sheet.cell(row=r, column=1).value
        for r in range(3, 3 + len(per.tables["indicators_legislation"]))
    ]
    assert ids == [i.id for i in cat if i.area == "legislation"]
    # formula injection: the source "=HYPERLINK(...)" is stored as text with a leading apostrophe
    sources = [sheet.cell(row=r, column=9).value for r in range(3, 3 + len(ids))]
    assert '\'=HYPERLINK("http://example.invalid","fuente")' in sources
    assert not any(
        isinstance(s, str) and s.startswith("=")
        for row in sheet.iter_rows(values_only=True)
        for s in row
    )
    scores_sheet = book["Puntajes por área"]
    table = per.tables["area_scores"]
    assert scores_sheet["A3"].value == "legislation" and scores_sheet["B3"].value == "Legislación"
    assert scores_sheet["C3"].value == pytest.approx(table.loc[0, "score"])
    assert scores_sheet["C3"].number_format == "#,##0.0"
    issues = book["Problemas de validación"]
    assert "'=1+1" in [c.value for c in issues["G"]]


def test_workbook_cells_are_the_same_each_time(per: Report, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    a, b = per.to_xlsx(tmp_path / "a.xlsx"), per.to_xlsx(tmp_path / "b.xlsx")

    def cells(path: Path) -> list[tuple[str, list[tuple[object, ...]]]]:
        book = openpyxl.load_workbook(path)
        return [(ws.title, list(ws.iter_rows(values_only=True))) for ws in book.worksheets]

    assert cells(a) == cells(b)


def test_word_document_reopened(saved: dict[str, Path], per: Report, cat: ind.Catalog) -> None:
    docx = pytest.importorskip("docx")
    document = docx.Document(str(saved["docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert [a.name("es") for a in cat.areas] == [
        h for h in headings if h in {a.name("es") for a in cat.areas}
    ][:6]
    assert len(document.inline_shapes) == len(per.charts)
    assert len(document.tables) == sum(len(s.tables) for s in per.sections)
    first = document.tables[0]
    assert first.rows[0].cells[0].text == "Área"


# -- hemispheric ----------------------------------------------------------------------------


def test_heatmap_matches_scores(hemi: Report, scores: pd.DataFrame, cat: ind.Catalog) -> None:
    year = int(scores.loc[scores["score"].notna(), "year"].max())
    table = hemi.tables["heatmap"].set_index("country")
    area = scores.loc[(scores["level"] == "area") & (scores["year"] == year)]
    for row in area.to_dict("records"):
        got = table.loc[row["country"], row["unit"]]
        assert (pd.isna(got) and pd.isna(row["score"])) or got == pytest.approx(row["score"])
    assert "heatmap" in hemi.charts and "rankings" in hemi.charts and "coverage" in hemi.charts


def test_rankings_with_rank_intervals(hemi: Report, scores: pd.DataFrame) -> None:
    table = hemi.tables["rankings"]
    ranks = table["rank"].dropna().tolist()
    assert ranks == sorted(ranks)
    assert (table["rank_low"] <= table["rank"]).all() and (
        table["rank"] <= table["rank_high"]
    ).all()
    assert len(hemi.tables["area_rankings"]) == 6 * 5


def test_every_indicator_across_countries(
    hemi: Report, cat: ind.Catalog, values: pd.DataFrame
) -> None:
    countries = ["ARG", "GTM", "JAM", "MEX", "PER"]
    for area in cat.areas:
        table = hemi.tables[f"indicators_{area.id}"]
        assert table["indicator"].tolist() == [i.id for i in cat if i.area == area.id]
        assert set(countries) <= set(table.columns)
    html = hemi.to_html()
    assert html.count('<table id="table-indicators_') == 6


def test_coverage_per_country(hemi: Report, cat: ind.Catalog, values: pd.DataFrame) -> None:
    table = hemi.tables["coverage"].set_index("country")
    for country in ["ARG", "GTM", "JAM", "MEX", "PER"]:
        have = set(_own(values, country)["indicator"]) & set(cat.ids)
        assert table.loc[country, "overall"] == pytest.approx(len(have) / len(cat))
        assert table.loc[country, "indicators_with_value"] == len(have)


def test_hemispheric_in_spanish_argentina(
    values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame
) -> None:
    rep = hemispheric_report(
        values, cat, lang="es", locale="es_AR", scores=scores, countries=["PER", "Argentina"]
    )
    assert list(rep.tables["heatmap"]["country"]) == ["ARG", "PER"]
    html = rep.to_html()
    value = rep.tables["heatmap"].loc[0, "legislation"]
    assert Formatter.of("es", "es_AR").number(value, 1) in html and "," in Formatter.of(
        "es", "es_AR"
    ).number(value, 1)


# -- command line and extras --------------------------------------------------------------


def test_cli_country_and_hemispheric(tmp_path: Path) -> None:
    from indicators.cli import main

    common = [
        "--catalog",
        str(DATA / "catalog"),
        "--scores",
        str(DATA / "scores.csv"),
        "--format",
        "html",
    ]
    assert (
        main(
            [
                "report",
                str(DATA / "values.csv"),
                "--country",
                "PER",
                "--lang",
                "es",
                "--out",
                str(tmp_path / "informe"),
                *common,
            ]
        )
        == 0
    )
    html = (tmp_path / "informe" / "report.html").read_text(encoding="utf-8")
    assert "Perfil de país: Perú" in html
    assert (
        main(
            [
                "report",
                str(DATA / "values.csv"),
                "--hemispheric",
                "--out",
                str(tmp_path / "hemi"),
                *common,
            ]
        )
        == 0
    )
    assert "Hemispheric report" in (tmp_path / "hemi" / "report.html").read_text(encoding="utf-8")
    assert main(["report", str(DATA / "values.csv"), "--out", str(tmp_path / "x")]) == 2


def test_missing_matplotlib_names_the_extra(per: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=re.escape('pip install "belem-indicators[report]"')):
        render(per.chart_specs["areas"], Formatter.of("en"))


def test_svg_has_text_as_text_and_no_date(per: Report) -> None:
    svg = per.charts["areas"]
    assert "<text" in svg and "<dc:date>" not in svg
    area_name = "Acceso a la justicia"
    assert area_name in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("areas-") for i in ids)


def test_png_render_is_an_image(per: Report) -> None:
    png = per.chart_png("area_legislation", dpi=60)
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png))
    assert pixels.shape[0] > 100 and pixels.shape[1] > 300


def test_png_from_the_svg_matches_matplotlibs_own(per: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    """The Word document's PNG, rasterised from the chart's SVG by resvg, is the picture matplotlib's
    Agg draws of the same figure (reference: Agg): same size, nearly every pixel the same."""
    pytest.importorskip("resvg_py")
    from matplotlib import image

    from indicators.report import charts

    spec = per.chart_specs["area_legislation"]
    from_svg = charts.Drawing(spec, per.formatter).png(100)
    drawing = charts.Drawing(spec, per.formatter)
    drawing.svg()   # laid out as for the page, then drawn by Agg
    monkeypatch.setattr(charts, "_RASTERISER", [None])
    from_agg = drawing.png(100)
    a = image.imread(io.BytesIO(from_svg))[..., :3]
    b = image.imread(io.BytesIO(from_agg))[..., :3]
    assert a.shape == b.shape
    rows, cols = a.shape[0] // 8 * 8, a.shape[1] // 8 * 8

    def blocks(x: np.ndarray) -> np.ndarray:   # 8 x 8 pixel averages: what the eye sees at print size
        return x[:rows, :cols].mean(axis=-1).reshape(rows // 8, 8, cols // 8, 8).mean(axis=(1, 3))

    diff = np.abs(blocks(a) - blocks(b))
    assert float(diff.mean()) < 0.01          # anti-aliasing and glyph hinting differ, the picture does not
    assert float((diff > 0.15).mean()) < 0.01


# -- options ----------------------------------------------------------------------------------


def test_year_caps_the_data(values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame) -> None:
    rep = country_report(
        values, cat, country="PER", lang="en", scores=scores, validation=None, year=2017
    )
    own = _own(values, "PER")
    own = own.loc[own["year"] <= 2017]
    for area in cat.areas:
        table = rep.tables[f"indicators_{area.id}"]
        assert table["year"].dropna().max() <= 2017
        have = set(own.loc[own["indicator"].isin(table["indicator"]), "indicator"])
        assert set(table.loc[table["year"].notna(), "indicator"]) == have
    assert rep.table_objects["area_scores"].title.endswith("2017")
    assert rep.metadata["score_year"] == "2017" and rep.metadata["year"] == "2017"


def test_a_date_is_written_in_the_locale(
    values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame
) -> None:
    import datetime

    rep = country_report(
        values,
        cat,
        country="PER",
        lang="es",
        locale="es_AR",
        scores=scores,
        validation=None,
        date=datetime.date(2024, 3, 15),
    )
    assert rep.subtitle.endswith("informe del 15 de marzo de 2024")
    assert rep.metadata["date"] == "2024-03-15"
    with pytest.raises(OptionError, match="date"):
        country_report(
            values, cat, country="PER", scores=scores, validation=None, date="2024-03-15"
        )  # type: ignore[arg-type]


def test_scores_and_validation_are_computed_when_absent(
    values: pd.DataFrame, cat: ind.Catalog
) -> None:
    rep = country_report(values, cat, country="MEX", lang="en")
    expected = ind.score(values, "mesecvi", cat, draws=200, method_uncertainty=True).to_frame()
    year = int(
        expected.loc[(expected["country"] == "MEX") & expected["score"].notna(), "year"].max()
    )
    areas = expected.loc[
        (expected["level"] == "area") & (expected["year"] == year) & (expected["country"] == "MEX")
    ]
    got = rep.tables["area_scores"].set_index("area")["score"]
    for row in areas.to_dict("records"):
        assert got[row["unit"]] == pytest.approx(row["score"], nan_ok=True)
    checked = ind.validate(values, cat, lang="en")
    summary = rep.tables["validation"]
    assert int(summary["count"].sum()) == len(checked.issues)


def test_hemispheric_files(hemi: Report, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    docx = pytest.importorskip("docx")
    written = hemi.save(tmp_path)
    book = openpyxl.load_workbook(written["xlsx"])
    assert book.sheetnames[:3] == ["Scores", "Ranking", "Ranking by area"]
    sheet = book["Scores"]
    assert [c.value for c in sheet[2]][:3] == ["Code", "Country", "Legislation"]
    table = hemi.tables["heatmap"]
    for r, row in enumerate(table.to_dict("records"), start=3):
        assert sheet.cell(row=r, column=1).value == row["country"]
        got = sheet.cell(row=r, column=3).value
        assert (got is None and pd.isna(row["legislation"])) or got == pytest.approx(
            row["legislation"]
        )
    document = docx.Document(str(written["docx"]))
    assert len(document.inline_shapes) == len(hemi.charts) == 3


def test_hemispheric_year(values: pd.DataFrame, cat: ind.Catalog, scores: pd.DataFrame) -> None:
    rep = hemispheric_report(values, cat, lang="en", scores=scores, year=2017)
    area = scores.loc[(scores["level"] == "area") & (scores["year"] == 2017)]
    table = rep.tables["heatmap"].set_index("country")
    for row in area.to_dict("records"):
        got = table.loc[row["country"], row["unit"]]
        assert (pd.isna(got) and pd.isna(row["score"])) or got == pytest.approx(row["score"])
    shown = rep.tables["indicators_legislation"]
    assert (
        rep.table_objects["indicators_legislation"]
        .display.iloc[:, 4:]
        .apply(lambda col: col.str.contains(r"\(2020\)", regex=True))
        .sum()
        .sum()
        == 0
    )
    assert len(shown) == len([i for i in cat if i.area == "legislation"])


def test_html_tags_are_balanced(per: Report, hemi: Report) -> None:
    from html.parser import HTMLParser

    void = {"meta", "br", "hr", "img", "input", "link", "col", "wbr", "source"}

    class Balance(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in void:
                self.stack.append(tag)

        def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            pass

        def handle_endtag(self, tag: str) -> None:
            if not self.stack or self.stack[-1] != tag:
                self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            else:
                self.stack.pop()

    for rep in (per, hemi):
        parser = Balance()
        parser.feed(rep.to_html())
        assert parser.errors == [] and parser.stack == []


# -- statistical audit ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return ind.read(ind.sample_data("values_sample.csv"))


def test_hemispheric_audit_section_reads_the_audit_at_the_report_year(sample: pd.DataFrame) -> None:
    rep = hemispheric_report(sample, "mesecvi", lang="es")  # scores computed here: the audit too
    checked = ind.audit(sample, "mesecvi", lang="es")
    ids = [s.id for s in rep.sections]
    assert ids.index("audit") == ids.index("coverage") + 1
    year = int(checked.aggregates["year"].max())  # the report compares the latest year with scores
    aggs = checked.aggregates.loc[checked.aggregates["year"] == year].reset_index(drop=True)
    table = rep.tables["audit_aggregates"]
    assert table["aggregate"].tolist() == aggs["aggregate"].tolist()
    np.testing.assert_allclose(table["cronbach_alpha"].astype(float), aggs["cronbach_alpha"].astype(float))
    assert table.loc[table["aggregate"] == "legislation/process", "name"].item() == "Legislación · De proceso"
    corr = checked.correlations
    flagged = corr.loc[(corr["year"] == year) & corr["flag"].notna()]
    assert len(rep.tables["audit_correlations"]) == len(flagged) > 0
    assert set(rep.tables["audit_correlations"]["flag_text"]) <= {"negativa", "casi colineal"}
    odd = checked.indicators.loc[checked.indicators["year"] == year]
    assert len(rep.tables["audit_indicators"]) == int(((odd["outliers"] > 0) | odd["flag_skew_kurt"]).sum())
    html = rep.to_html()
    assert "Auditoría estadística del índice" in html and "Alfa de Cronbach" in html


def test_hemispheric_audit_is_asked_for_when_scores_are_given(sample: pd.DataFrame, tmp_path: Path) -> None:
    given = ind.score(sample, "mesecvi")
    assert "audit" not in {s.id for s in hemispheric_report(sample, "mesecvi", scores=given).sections}
    checked = ind.audit(sample, "mesecvi")
    rep = hemispheric_report(sample, "mesecvi", scores=given, audit=checked)
    assert "audit" in {s.id for s in rep.sections}
    book = pd.read_excel(rep.to_excel(tmp_path / "h.xlsx"), sheet_name=None, engine="openpyxl")
    assert {"Audit - aggregates", "Audit - correlations", "Audit - indicators"} <= set(book)
    assert "audit" not in {s.id for s in hemispheric_report(sample, "mesecvi", scores=given, audit=False).sections}
    with pytest.raises(OptionError):
        hemispheric_report(sample, "mesecvi", scores=given, audit="yes")


def test_a_huge_value_is_written_not_a_decimal_error() -> None:
    # found by the long fuzz run: 1e300 overflowed the Decimal context used for rounding
    assert Formatter.of("en").number(1e300, 1).startswith("1") and Formatter.of("es").number(-1e300, 2)
    # and as a percentage (a percent indicator of 1e300 in a country report), in every language
    for lang in ("en", "es", "pt", "fr"):
        text = Formatter.of(lang).percent(1e300, 1)
        assert text.startswith("1") and text.endswith("%") and len(text) > 300, (lang, text[:20])
        assert Formatter.of(lang).percent(-1e300, 0).startswith("-1")
