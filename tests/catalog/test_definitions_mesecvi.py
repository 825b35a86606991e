"""The MESECVI System of Progress Indicators as shipped data.

Sources of truth: ``reference/indicator-sources.md`` (the indicator texts known to be official),
the definitions' JSON Schema (validated by the loader), and the header of the reference survey
microdata ``women_survey.csv`` (copied to ``tests/data/definitions/women_survey_columns.txt``).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest

import indicators as ind
from indicators.catalog import Catalog, Expression, Indicator

DATA = Path(__file__).parents[1] / "data" / "definitions"
AREAS = {
    "legislation": "LEG",
    "national_plans": "NP",
    "access_to_justice": "AJ",
    "specialized_services": "SS",
    "budgets": "BUD",
    "information_statistics": "INF",
}
TYPE_LETTER = {"structural": "S", "process": "P", "outcome": "R"}
CATEGORIES = {"incorporation_of_the_right", "financial_context", "state_capacities"}
#: Codelists agreed for disaggregations (DESIGN.md section 3).
CODELISTS = {"country", "sex", "age_group", "age_group_broad", "area", "ethnicity", "disability",
             "migration_status", "pregnancy", "income_quintile", "status"}
#: Indicators whose texts are public (indicator-sources.md): they must stay official.
KNOWN_OFFICIAL = {
    "MESECVI-LEG-S01": "incorporation of the belém do pará convention",
    "MESECVI-LEG-S02": "budgetary allocations",
    "MESECVI-LEG-S03": "ethnic diversity",
    "MESECVI-NP-S01": "national plan",
    "MESECVI-NP-S07": "public spending",
    "MESECVI-LEG-S14": "budgetary allocations",
    "MESECVI-LEG-S15": "femicide",
    "MESECVI-AJ-S01": "protective measures",
    "MESECVI-AJ-S02": "free legal representation",
    "MESECVI-INF-S01": "regular surveys",
    "MESECVI-INF-S02": "producing information",
    "MESECVI-BUD-P01": "gdp",
    "MESECVI-BUD-P02": "national budget",
    "MESECVI-BUD-P03": "women's police stations",
}
COMPARABLE_UNITS = {"percent", "rate", "ratio"}
SURVEY_DISAGGREGATIONS = ["age_group_broad", "area", "ethnicity", "disability"]


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return ind.load_catalog("mesecvi")


@pytest.fixture(scope="module")
def survey_columns() -> set[str]:
    header = (DATA / "women_survey_columns.txt").read_text(encoding="utf-8").strip()
    return set(header.split(","))


def _ids(items: list[Indicator]) -> str:
    return ", ".join(i.id for i in items)


# -- shape of the catalog ---------------------------------------------------------------

def test_size(cat: Catalog) -> None:
    assert len(cat) >= 60
    for area in AREAS:
        assert len(cat.filter(area=area)) >= 8, area


def test_every_area_has_every_type_and_category(cat: Catalog) -> None:
    frame = cat.to_frame("en")
    assert set(frame["area"]) == set(AREAS)
    for area, rows in frame.groupby("area"):
        assert set(rows["type"]) == set(TYPE_LETTER), f"{area}: types {sorted(set(rows['type']))}"
        assert set(rows["category"]) == CATEGORIES, f"{area}: categories {sorted(set(rows['category']))}"


def test_ids_unique_and_follow_the_pattern(cat: Catalog) -> None:
    assert len(set(cat.ids)) == len(cat.ids)
    for i in cat:
        m = re.fullmatch(r"MESECVI-([A-Z]+)-([SPR])(\d{2})", i.id)
        assert m, i.id
        assert m.group(1) == AREAS[i.area], f"{i.id}: area code for {i.area} is {AREAS[i.area]}"
        assert m.group(2) == TYPE_LETTER[i.type], f"{i.id}: type {i.type}"


def test_to_frame_spanish_columns(cat: Catalog) -> None:
    frame = cat.to_frame("es")
    for column in ["id", "system", "area", "type", "category", "title", "unit", "direction", "provenance"]:
        assert column in frame.columns
    assert len(frame) == len(cat)
    assert (frame["system"] == "mesecvi").all()
    assert frame.loc[frame["id"] == "MESECVI-NP-S01", "area_name"].item() == "Planes nacionales"
    assert frame["title"].str.len().gt(0).all()


# -- texts --------------------------------------------------------------------------------

def test_titles_and_definitions_bilingual_and_distinct(cat: Catalog) -> None:
    for i in cat:
        for texts in (i.titles, i.definitions):
            assert texts.get("en", "").strip() and texts.get("es", "").strip(), i.id
            assert texts["en"].strip() != texts["es"].strip(), f"{i.id}: en and es identical"
        if i.notes:
            assert i.notes.get("en") and i.notes.get("es") and i.notes["en"] != i.notes["es"], i.id
    titles_es = [i.title("es") for i in cat]
    assert len(set(titles_es)) == len(titles_es), "two indicators share a Spanish title"


def test_spanish_vocabulary(cat: Catalog) -> None:
    """Spanish as a Latin American ministry of women writes it."""
    text = " ".join(i.title("es") + " " + i.definition("es") for i in cat).casefold()
    for term in ("femicidio/feminicidio", "víctimas/sobrevivientes", "operadores de justicia",
                 "casas de acogida/refugios"):
        assert term in text, term


# -- provenance ---------------------------------------------------------------------------

def test_provenance_and_references(cat: Catalog) -> None:
    for i in cat:
        assert i.provenance in {"official", "adapted", "proposed"}, i.id
        assert i.reference.strip(), i.id
        if i.provenance == "official":
            assert "MESECVI" in i.reference, f"{i.id}: official reference must name MESECVI"
        if i.provenance == "proposed":
            assert i.reference.startswith("proposed by belem-indicators; based on"), i.id


def test_known_official_texts_are_official(cat: Catalog) -> None:
    for ind_id, phrase in KNOWN_OFFICIAL.items():
        i = cat[ind_id]
        assert i.provenance == "official", ind_id
        assert phrase in (i.title("en") + " " + i.definition("en")).casefold(), ind_id
    official = {i.id for i in cat.filter(provenance="official")}
    assert official >= set(KNOWN_OFFICIAL)


def test_ethnic_diversity_law_is_legislation_tagged_diversity(cat: Catalog) -> None:
    i = cat["MESECVI-LEG-S03"]
    assert i.area == "legislation" and i.unit == "yes_no" and "diversity" in i.tags


def test_sdg_links(cat: Catalog) -> None:
    sdg521 = cat.filter(tag="sdg:5.2.1", estimable=True)
    assert len(sdg521) == 4  # all forms, physical, sexual, psychological
    assert all(i.reference.startswith("SDG 5.2.1") and i.provenance == "adapted" for i in sdg521)
    assert {i.estimation["variable"] for i in sdg521 if i.estimation} == {
        "ipv_any_12m", "ipv_physical_12m", "ipv_sexual_12m", "ipv_psych_12m"}
    assert len(cat.filter(tag="sdg")) >= 6


# -- units, scoring and formulas -------------------------------------------------------------

def test_units_carry_what_they_need(cat: Catalog) -> None:
    for i in cat:
        if i.unit == "rate":
            assert i.unit_base == 100000, i.id
            assert i.unit_label("en") == "per 100,000 women", i.id
            assert i.unit_label("es") == "por cada 100.000 mujeres", i.id
        if i.unit == "currency":
            assert i.currency in {"LCU", "USD"}, i.id
        if i.unit == "category":
            assert all("points" in c for c in i.categories), i.id
            assert len({c["code"] for c in i.categories}) == len(i.categories), i.id


def test_scoring_declared(cat: Catalog) -> None:
    missing = [i for i in cat if i.unit in COMPARABLE_UNITS and not (i.scoring or {}).get("goalposts")
               and not (i.scoring or {}).get("exclude")]
    assert not missing, f"no goalposts or exclusion: {_ids(missing)}"
    for i in cat:
        scoring = i.scoring or {}
        if i.unit in {"count", "currency"}:
            assert scoring.get("exclude") is True, f"{i.id}: raw {i.unit} must be excluded"
            assert i.notes, f"{i.id}: say why it is not scored"
        if "goalposts" in scoring:
            lo, hi = scoring["goalposts"]
            assert lo < hi, i.id
        if i.direction == "neutral":
            assert scoring.get("exclude") is True, f"{i.id}: a neutral indicator cannot be scored"
        if scoring.get("exclude"):
            assert "goalposts" not in scoring, i.id


def test_percent_goalposts_within_range(cat: Catalog) -> None:
    changes = {"MESECVI-BUD-R01"}  # a percentage change: may be negative
    for i in cat:
        if i.unit == "percent" and i.scoring and "goalposts" in i.scoring and i.id not in changes:
            lo, hi = i.scoring["goalposts"]
            assert 0 <= lo < hi <= 100, i.id
    lo, hi = cat["MESECVI-BUD-R01"].scoring["goalposts"]  # type: ignore[index]
    assert lo < 0 < hi


def test_formulas_compute(cat: Catalog) -> None:
    with_formula = [i for i in cat if i.formula]
    assert len(with_formula) >= 25
    for i in with_formula:
        f = i.formula
        assert f is not None
        names = {x["name"] for x in f["inputs"]}
        for x in f["inputs"]:
            assert x["label"]["en"] != x["label"]["es"], f"{i.id}: input {x['name']}"
        values = {n: 4.0 for n in names}
        num = Expression(f["numerator"]).evaluate(values)
        den = Expression(f["denominator"]).evaluate(values) if "denominator" in f else 1.0
        value = f.get("multiplier", 1) * num / den
        assert math.isfinite(float(value)), i.id


def test_femicide_rate_formula(cat: Catalog) -> None:
    """1,000 femicides among 20 million women is 5 per 100,000 women."""
    f = cat["MESECVI-LEG-R01"].formula
    assert f is not None
    values = {"femicides": 1000, "women_population": 20_000_000}
    rate = f["multiplier"] * Expression(f["numerator"]).evaluate(values) / Expression(
        f["denominator"]).evaluate(values)
    assert rate == pytest.approx(5.0)


def test_disaggregations_use_agreed_codelists(cat: Catalog) -> None:
    for i in cat:
        assert set(i.disaggregations) <= CODELISTS, i.id


# -- survey estimation --------------------------------------------------------------------------

def test_estimable_indicators(cat: Catalog, survey_columns: set[str]) -> None:
    estimable = list(cat.filter(estimable=True))
    assert len(estimable) >= 6
    variables = {i.estimation["variable"] for i in estimable if i.estimation}
    assert variables >= {"ipv_any_12m", "ipv_physical_12m", "ipv_sexual_12m", "ipv_psych_12m",
                         "violence_lifetime", "sought_help", "reported"}
    for i in estimable:
        est = i.estimation
        assert est is not None
        assert i.type == "outcome" and i.unit == "percent", i.id
        assert est["statistic"] == "proportion" and est["scale"] == 100, i.id
        described = set(est["variables"])
        used = {est["variable"]} | Expression(est["universe"]).names
        assert used <= described, f"{i.id}: undescribed {sorted(used - described)}"
        assert described <= survey_columns, f"{i.id}: not in the microdata {sorted(described - survey_columns)}"
        for name, text in est["variables"].items():
            assert text["en"] and text["es"] and text["en"] != text["es"], f"{i.id}: {name}"
        assert list(i.disaggregations) == SURVEY_DISAGGREGATIONS, i.id
        assert "survey" in i.tags and i.periodicity == "survey", i.id


def test_universes_select_the_right_women(cat: Catalog, survey_columns: set[str]) -> None:
    women = pd.DataFrame({
        "age": [14, 15, 40, 70],
        "partnered": [1, 1, 0, 1],
        "violence_lifetime": [1, 0, 1, 1],
    })
    expected = {
        "MESECVI-INF-R01": [False, True, False, True],
        "MESECVI-INF-R05": [False, True, True, True],
        "MESECVI-SS-R01": [False, False, True, True],
        "MESECVI-AJ-R03": [False, False, True, True],
    }
    for ind_id, mask in expected.items():
        est = cat[ind_id].estimation
        assert est is not None
        assert Expression(est["universe"]).evaluate(women).tolist() == mask, ind_id


# -- signs of progress ------------------------------------------------------------------------

def test_signs_of_progress(cat: Catalog) -> None:
    frame = cat.signs_frame("es")
    assert len(frame) >= 12
    assert frame.groupby("area").size().reindex(list(AREAS)).ge(2).all()
    for s in cat.signs:
        m = re.fullmatch(r"MESECVI-([A-Z]+)-Q(\d{2})", s.id)
        assert m and m.group(1) == AREAS[s.area], s.id
        assert s.title("en") != s.title("es"), s.id
        if s.provenance == "official":
            assert "MESECVI" in s.reference, s.id
        if s.descriptions:
            assert s.description("en") != s.description("es"), s.id
    worked = next(s for s in cat.signs if s.id == "MESECVI-LEG-Q01")
    assert worked.provenance == "official" and worked.area == "legislation"
    assert worked.title("es") == ("Evolución de la ley de violencia intrafamiliar a leyes de violencia "
                                  "integral o de segunda generación")
