"""The follow-up of recommendations: the checks of both files, the counted status, the indicators'
evidence (a hand computation of the difference of independent survey estimates), properties of the
tables (hypothesis) and a snapshot of the per-State report."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import indicators as ind
from indicators.followup import load_followup_codelist

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data" / "recomendaciones_muestra.yaml"
SNAPSHOT = ROOT / "tests" / "data" / "followup" / "expected_PER_es.html"


@pytest.fixture(scope="module")
def recs() -> ind.Recommendations:
    return ind.load_recommendations("sample")


def _doc(**changes: object) -> dict:
    doc = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    doc["recommendations"] = doc["recommendations"][:2]
    doc.update(changes)
    return doc


def _write(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / "recs.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def codes(report: ind.ValidationReport) -> set[str]:
    return set(report.issues["code"])


# -- recommendations -----------------------------------------------------------------------------

def test_sample_is_clean_synthetic_and_linked(recs: ind.Recommendations) -> None:
    assert recs.validation.ok and recs.validation.n_warnings == 0
    assert recs.synthetic and len(recs) == 38 and {r.id for r in recs.rounds} == {"S1", "S2"}
    cat = ind.load_catalog("mesecvi")
    for r in recs:
        assert r.indicators and all(i in cat for i in r.indicators)
        assert r.text("es").startswith("[Ejemplo sintético")  # never presented as the Committee's
    assert len(recs.for_country("PER")) == 5 + 3  # its own and the three to every State


REC_CASES = {
    "followup.rec_schema": {"area": None},
    "followup.unknown_round": {"round": "S9"},
    "followup.unknown_country": {"country": "XXX"},
    "followup.unknown_area": {"area": "cooking"},
    "followup.unknown_theme": {"themes": ["femicide", "astrology"]},
    "followup.unknown_indicator": {"indicators": ["MESECVI-AJ-R2"]},
}


@pytest.mark.parametrize("code", sorted(REC_CASES))
def test_recommendation_rules(tmp_path: Path, code: str) -> None:
    doc = _doc()
    doc["recommendations"][1].update(REC_CASES[code])
    got = ind.load_recommendations(_write(tmp_path, doc), lang="es")
    report = got.validation
    assert code in codes(report), report.issues
    assert report.issues.loc[report.issues["code"] == code, "severity"].iloc[0] == "error"
    # every recommendation is accepted or reported; the bad one is left out
    assert len(report.accepted) + len(report.rejected) == 2 and len(got) == 1
    assert report.issues["message"].str.match("Línea|Fila").all()
    with pytest.raises(ind.DataError):
        ind.load_recommendations(_write(tmp_path, doc), lazy=False)


def test_duplicate_ids_are_reported(tmp_path: Path) -> None:
    doc = _doc()
    doc["recommendations"][1]["id"] = doc["recommendations"][0]["id"]
    report = ind.load_recommendations(_write(tmp_path, doc)).validation
    assert "followup.duplicate_id" in codes(report)


def test_a_file_that_is_not_a_recommendations_file_is_a_definition_error(tmp_path: Path) -> None:
    with pytest.raises(ind.DefinitionError, match="kind"):
        ind.load_recommendations(_write(tmp_path, _doc(kind="indicators")))
    bad_round = _doc()
    bad_round["rounds"][0]["follow_up_until"] = "2014-01-01"
    with pytest.raises(ind.DefinitionError) as err:
        ind.load_recommendations(_write(tmp_path, bad_round))
    assert err.value.problems.loc[0, "code"] == "followup.round_order"
    (tmp_path / "x.yaml").write_text("a: [1,\n", encoding="utf-8")
    with pytest.raises(ind.DefinitionError, match="line"):
        ind.load_recommendations(tmp_path / "x.yaml")


# -- records -------------------------------------------------------------------------------------

def rec_table(**changes: list) -> pd.DataFrame:
    frame = pd.DataFrame({
        "recommendation": ["S1-PER-01", "S1-PER-01", "S1-ALL-STAT"],
        "country": ["PER", "PER", "PER"],
        "date": ["2016-03-10", "2017-05-02", "2016-08-01"],
        "reporter": ["state", "committee", "civil_society"],
        "status": ["partial", "total", "pending"],
        "evidence": ["a law", "assessed", "a shadow report"],
    })
    for k, v in changes.items():
        frame[k] = v
    return frame


RECORD_CASES = {
    "followup.unknown_recommendation": {"recommendation": ["S1-PER-01", "S1-PER-99", "S1-ALL-STAT"]},
    "followup.unknown_status": {"status": ["partial", "maybe", "pending"]},
    "followup.unknown_reporter": {"reporter": ["state", "press", "civil_society"]},
    "followup.not_a_date": {"date": ["2016-03-10", "spring 2017", "2016-08-01"]},
    "followup.date_outside_round": {"date": ["2016-03-10", "2014-01-01", "2016-08-01"]},
    "followup.country_mismatch": {"country": ["PER", "MEX", "PER"]},
    "followup.country_needed": {"country": ["PER", "PER", None]},
    "followup.unknown_country": {"country": ["PER", "Atlantis", "PER"]},
    "followup.missing_value": {"status": ["partial", None, "pending"]},
    "followup.duplicate_record": {"date": ["2016-03-10", "2016-03-10", "2016-08-01"],
                                  "reporter": ["state", "state", "civil_society"]},
    "followup.evidence_missing": {"evidence": ["a law", None, "a shadow report"]},
}


@pytest.mark.parametrize("code", sorted(RECORD_CASES))
def test_record_rules(recs: ind.Recommendations, code: str) -> None:
    good = ind.read_follow_up(rec_table(), recs)
    assert good.validation.ok and good.validation.n_warnings == 0, good.validation.issues
    bad = ind.read_follow_up(rec_table(**RECORD_CASES[code]), recs, lang="es")
    report = bad.validation
    assert code in codes(report), report.issues
    hit = report.issues.loc[report.issues["code"] == code].iloc[0]
    assert hit["row"] == 3 or code == "followup.country_needed"
    assert len(report.accepted) + len(report.rejected) == 3
    assert len(bad) == len(report.accepted)
    assert not hit["message"].startswith("validation.")  # a real message, in Spanish
    assert hit["message"] != ind.read_follow_up(rec_table(**RECORD_CASES[code]), recs).validation.issues.loc[
        lambda d: d["code"] == code, "message"].iloc[0]


def test_missing_columns_and_later_record_contradicting_a_closed_one(recs: ind.Recommendations) -> None:
    report = ind.read_follow_up(rec_table().drop(columns="status"), recs).validation
    assert "followup.missing_column" in codes(report) and len(report.accepted) == 0
    table = rec_table(reporter=["committee", "committee", "civil_society"], status=["total", "partial", "pending"])
    report = ind.read_follow_up(table, recs).validation
    warn = report.issues.loc[report.issues["code"] == "followup.contradicts_closed"]
    assert len(warn) == 1 and warn["row"].iloc[0] == 3 and warn["severity"].iloc[0] == "warning"
    assert report.ok and len(report.accepted) == 3


def test_spanish_headers_codes_and_dates(recs: ind.Recommendations) -> None:
    table = pd.DataFrame({"Recomendación": ["s1-per-01"], "País": ["Perú"], "Fecha": ["02/05/2017"],
                          "Informante": ["Comité de Expertas"], "Estado": ["Cumplimiento parcial sustancial"],
                          "Evidencia": ["x"]})
    got = ind.read_follow_up(table, recs).to_frame().iloc[0]
    assert (got["recommendation"], got["country"], got["date"], got["reporter"], got["status"]) == (
        "S1-PER-01", "PER", dt.date(2017, 5, 2), "committee", "substantial_partial")


# -- counting and evidence -----------------------------------------------------------------------

def test_the_committee_is_counted_and_every_voice_kept(recs: ind.Recommendations) -> None:
    fu = ind.follow_up(recs, rec_table(), countries=["PER"])
    row = fu.to_frame().set_index("recommendation").loc["S1-PER-01"]
    assert (row["status"], row["counted_from"], row["state"], row["committee"]) == (
        "total", "committee", "partial", "total")
    assert row["contested"]
    only = ind.follow_up(recs, rec_table(), countries=["PER"], count="committee_only").to_frame()
    assert only.set_index("recommendation").loc["S1-ALL-STAT", "status"] == "no_information"
    first = ind.follow_up(recs, rec_table(), countries=["PER"]).to_frame()
    assert first.set_index("recommendation").loc["S1-ALL-STAT", "status"] == "pending"  # civil society alone
    with pytest.raises(ind.OptionError):
        ind.follow_up(recs, rec_table(), count="state")  # type: ignore[arg-type]


def test_design_based_change_is_the_difference_of_independent_estimates(recs: ind.Recommendations) -> None:
    """Hand computation: d = 30.2 - 34.0 = -3.8, se = sqrt(0.9² + 1.2²) = 1.5, 95 %: ±1.959964·1.5."""
    doc_rec = next(r for r in recs if r.id == "S1-PER-01")
    assert doc_rec.indicators
    values = pd.DataFrame({"country": ["PER", "PER"], "year": [2014, 2017],
                           "indicator": ["MESECVI-INF-R01", "MESECVI-INF-R01"], "value": [34.0, 30.2],
                           "se": [0.9, 1.2]})
    from indicators.followup._evidence import indicator_changes

    units = pd.DataFrame({"round": ["S1"], "recommendation": ["X"], "country": ["PER"],
                          "indicators": [("MESECVI-INF-R01",)]})
    ev = indicator_changes(units, {r.id: r for r in recs.rounds}, ind.load_catalog("mesecvi"), values, None)
    row = ev.iloc[0]
    half = 1.959963984540054 * 1.5
    assert row["method"] == "design" and row["change"] == pytest.approx(-3.8)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(-3.8 - half), pytest.approx(-3.8 + half))
    assert row["signal"] == "improved"  # lower is better, and the interval excludes 0
    values.loc[1, "value"] = 33.0
    assert indicator_changes(units, {r.id: r for r in recs.rounds}, ind.load_catalog("mesecvi"), values,
                             None).iloc[0]["signal"] == "no_change"


def test_score_signals_and_disagreements_on_the_sample() -> None:
    values = ind.read(ROOT / "sample_data" / "values_sample.csv")
    fu = ind.follow_up("sample", "sample", values)
    ev = fu.evidence
    scored = ev.loc[ev["method"] == "score"]
    assert len(scored) > 0
    up = scored["change"] > 0
    assert (scored.loc[up & (scored["ci_low"] > 0), "signal"] == "improved").all()
    dis = fu.disagreements()
    ahead = dis.loc[dis["disagreement"] == "status_ahead"]
    assert ahead["status"].isin(["total", "substantial_partial"]).all()
    assert ahead["signal"].isin(["worsened", "no_change"]).all()


# -- properties ----------------------------------------------------------------------------------

STATUS = list(load_followup_codelist("status"))
REPORTERS = list(load_followup_codelist("reporters"))


@functools.lru_cache(maxsize=1)
def sample_recs() -> ind.Recommendations:
    return ind.load_recommendations("sample")


@st.composite
def record_tables(draw: st.DrawFn) -> pd.DataFrame:
    recs = sample_recs()
    ids = [r.id for r in recs if r.country in ("PER", "MEX", "all")]
    n = draw(st.integers(0, 25))
    rows = []
    for _ in range(n):
        rid = draw(st.sampled_from(ids + ["S1-XXX-01"]))
        rows.append({
            "recommendation": rid,
            "country": draw(st.sampled_from(["PER", "MEX"])),
            "date": (dt.date(2015, 1, 1) + dt.timedelta(days=draw(st.integers(0, 2900)))).isoformat(),
            "reporter": draw(st.sampled_from(REPORTERS)),
            "status": draw(st.sampled_from(STATUS + ["bogus"])),
            "evidence": draw(st.sampled_from(["text", None])),
        })
    return pd.DataFrame(rows, columns=["recommendation", "country", "date", "reporter", "status", "evidence"])


@settings(max_examples=12)  # each example reads, checks and follows up twice
@given(record_tables())
def test_no_record_lost_history_in_order_counts_add_up(table: pd.DataFrame) -> None:
    recs = sample_recs()
    checked = ind.read_follow_up(table, recs)
    report = checked.validation
    # every row accepted or reported, nothing lost
    assert len(report.accepted) + len(report.rejected) == len(table)
    assert set(report.rejected.index) <= set(report.issues["row"].dropna().astype(int))
    fu = ind.follow_up(recs, checked, countries=["PER", "MEX"])
    assert len(fu.history) == len(checked)
    for _, grp in fu.history.groupby(["recommendation", "country"]):
        assert list(grp["date"]) == sorted(grp["date"])
    comp = fu.compliance(("country",))
    for c in ("PER", "MEX"):
        row = comp.set_index("country").loc[c]
        assert row["n"] == len(recs.for_country(c)) == row[list(fu.statuses)].sum()
    # the order of the rows does not change the result
    again = ind.follow_up(recs, table.iloc[::-1].reset_index(drop=True), countries=["PER", "MEX"])
    cols = ["recommendation", "country", "status", "counted_from", "signal"]
    pd.testing.assert_frame_equal(fu.to_frame()[cols], again.to_frame()[cols])


# -- reports -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def followed() -> ind.FollowUp:
    values = ind.read(ROOT / "sample_data" / "values_sample.csv")
    scores = ind.score(values, "mesecvi", draws=50)
    return ind.follow_up("sample", "sample", values, scores=scores, lang="es")


def _normalise(html: str) -> str:
    return re.sub(r"belem-indicators \d[\w.+-]*", "belem-indicators VERSION", html)


def test_report_snapshot(followed: ind.FollowUp) -> None:
    got = _normalise(followed.report("PER").to_html())
    if os.environ.get("REPORT_SNAPSHOT_UPDATE") == "1":
        SNAPSHOT.write_text(got, encoding="utf-8", newline="\n")
    assert SNAPSHOT.exists(), "no snapshot: run with REPORT_SNAPSHOT_UPDATE=1 once, then review the file"
    assert got == SNAPSHOT.read_text(encoding="utf-8"), "the HTML changed: review, then refresh the snapshot"


def test_reports_in_both_languages_and_every_format(followed: ind.FollowUp, tmp_path: Path) -> None:
    hemi = followed.report(lang="en")
    assert hemi.title == "Follow-up of recommendations: every State"
    comp = hemi.tables["compliance_states_S1"]
    assert (comp["n"] == comp[list(followed.statuses)].sum(axis=1)).all()
    written = followed.report("PER", lang="en").save(tmp_path / "per")
    assert all(p.stat().st_size > 0 for p in written.values())
    html = followed.to_html()
    assert "Muestra sintética" in html or "muestra sintética" in html
    with pytest.raises(ind.DataError):
        followed.report("BRA")


def test_country_report_gets_a_follow_up_section(followed: ind.FollowUp) -> None:
    values = ind.read(ROOT / "sample_data" / "values_sample.csv")
    values = values.loc[(values["country"] == "PER") & (values["year"] == 2020)]
    rep = ind.country_report(values, "mesecvi", country="PER", lang="es",
                             scores=pd.DataFrame(columns=["country", "year", "level", "unit", "score", "ci_low",
                                                          "ci_high", "rank", "rank_low", "rank_high",
                                                          "coverage"]), validation=None, follow_up=followed)
    assert "followup" in [s.id for s in rep.sections]
    assert len(rep.tables["followup"]) == len(followed.recommendations.for_country("PER"))


def test_command_line(tmp_path: Path) -> None:
    from indicators.cli import main

    out = tmp_path / "fu"
    assert main(["follow-up", "sample", "sample", "--country", "PER", "--lang", "es", "--format", "html",
                 "--out", str(out)]) == 0
    assert (out / "report.html").read_text(encoding="utf-8").count("S1-PER-01") >= 1
    assert main(["follow-up", "sample", "sample", "--country", "Narnia", "--out", str(out)]) == 2


def test_result_protocol_copies_escaping_and_files(recs: ind.Recommendations, tmp_path: Path) -> None:
    table = rec_table(evidence=["<script>alert(1)</script>", "=HYPERLINK(\"x\")", "ok"])
    fu = ind.follow_up(recs, table, countries=["PER"], lang="es")
    frame = fu.to_frame()
    frame.loc[0, "status"] = "changed"
    assert fu.to_frame().loc[0, "status"] != "changed"
    assert "<script>alert" not in fu._repr_html_() and "<script>alert" not in fu.report("PER").to_html()
    assert "&lt;script&gt;" in fu.report("PER").to_html()
    with pytest.raises(ind.OptionError):
        fu.to_html("../escape.html", folder=tmp_path)
    book = pd.read_excel(fu.to_excel(tmp_path / "fu.xlsx"), sheet_name=None)
    history = next(v for k, v in book.items() if k.startswith("followup_history"))
    assert "'=HYPERLINK(\"x\")" in set(history["evidence"])
    written = fu.save(tmp_path / "out", ["html"])
    assert {"hemispheric_html", "PER_html", "tables_xlsx", "tables_csv"} <= set(written)
    assert all(p.resolve().is_relative_to((tmp_path / "out").resolve()) for p in written.values())
    assert recs.to_frame("en")["text"].str.startswith("[Synthetic example").all()


@pytest.mark.parametrize("lang, title", [("pt", "Acompanhamento das recomendações: Peru"),
                                         ("fr", "Suivi des recommandations : Pérou")])
def test_reports_and_messages_in_portuguese_and_french(recs: ind.Recommendations, lang: str, title: str) -> None:
    fu = ind.follow_up(recs, rec_table(), countries=["PER"], lang=lang)
    assert fu.report("PER").title == title
    bad = ind.read_follow_up(rec_table(status=["partial", "maybe", "pending"]), recs, lang=lang).validation
    message = bad.issues.loc[bad.issues["code"] == "followup.unknown_status", "message"].iloc[0]
    assert message.startswith({"pt": "Linha 3", "fr": "Ligne 3"}[lang])


def test_without_records_every_recommendation_has_no_information(recs: ind.Recommendations) -> None:
    fu = ind.follow_up(recs)
    assert fu.records.validation.ok and len(fu.history) == 0
    assert set(fu.to_frame()["status"]) == {"no_information"}
    assert len(fu.to_frame()) == sum(len(recs.for_country(c)) for c in recs.countries)
