"""Definition texts checked against the public sources.

Source of truth: ``reference/indicator-texts-found.md`` (the OAS indicators page, the MESECVI
portal, the questionnaire items, the IACHR category names, CEPAL's published femicide rates) and the
SDG global indicator framework (A/RES/71/313) for the wording of indicator 5.c.1.
"""

from __future__ import annotations

import pytest

import indicators as ind
from indicators.catalog import Catalog


@pytest.fixture(scope="module")
def mesecvi() -> Catalog:
    return ind.load_catalog("mesecvi")


@pytest.fixture(scope="module")
def sisdehm() -> Catalog:
    return ind.load_catalog("sisdehm")


def test_public_spending_on_plans_is_structural(mesecvi: Catalog) -> None:
    # OAS page: listed among the structural examples (national plans, financial context)
    i = mesecvi["MESECVI-NP-S07"]
    assert (i.type, i.category, i.provenance) == ("structural", "financial_context", "official")
    assert "oas.org/en/mesecvi/indicators.asp" in i.reference
    assert "MESECVI-NP-P01" not in mesecvi.ids


def test_budget_items_cite_the_questionnaire_not_a_missing_chapter(mesecvi: Catalog) -> None:
    for ind_id in ("MESECVI-BUD-P01", "MESECVI-BUD-P02", "MESECVI-BUD-P03"):
        ref = mesecvi[ind_id].reference
        assert ref.startswith("MESECVI follow-up questionnaire"), ind_id
        assert "no budgets chapter" in ref, ind_id


def test_yes_no_question_in_four_classes_is_adapted(mesecvi: Catalog) -> None:
    i = mesecvi["MESECVI-BUD-S01"]
    assert i.provenance == "adapted" and i.reference.startswith("Adapted from the MESECVI follow-up questionnaire")


@pytest.mark.parametrize("system", ["mesecvi", "sisdehm"])
def test_financial_category_is_basic(system: str) -> None:
    cat = ind.load_catalog(system)
    names = cat.system.categories["financial_context"]
    assert names["en"] == "Basic financial context and budgetary commitments"
    assert names["es"] == "Contexto financiero básico y compromisos presupuestarios"


def test_spanish_area_names_as_the_portal_writes_them(mesecvi: Catalog) -> None:
    frame = mesecvi.to_frame("es").drop_duplicates("area").set_index("area")["area_name"]
    assert frame["information_statistics"] == "Información y estadística"
    assert frame["budgets"] == "Presupuesto"


def test_shelter_goalpost_is_the_council_of_europe_standard(mesecvi: Catalog) -> None:
    # one place per 10,000 inhabitants = 10 per 100,000 people; women 15+ about 40 % of them -> 25
    i = mesecvi["MESECVI-SS-P01"]
    assert i.scoring is not None and i.scoring["goalposts"] == [0, 25]
    assert abs(10 / 0.40 - 25) < 1e-9 and "10,000 inhabitants" in i.reference


def test_femicide_goalpost_above_published_rates(mesecvi: Catalog) -> None:
    # CEPAL: Honduras 13.3 (2014), El Salvador 10.2 (2017) per 100,000 women
    i = mesecvi["MESECVI-LEG-R01"]
    assert i.scoring is not None and i.scoring["goalposts"][1] > 13.3
    assert "13.3" in i.reference


def test_sdg_5c1_titles_agree_with_the_official_wording(mesecvi: Catalog, sisdehm: Catalog) -> None:
    official_es = ("Sistema para el seguimiento de la igualdad de género y el empoderamiento de las mujeres "
                   "y la asignación de fondos públicos para ese fin")
    for i in (mesecvi["MESECVI-BUD-S02"], sisdehm["SISDEHM-ECO-S02"]):
        assert i.title("es") == official_es, i.id
        assert i.title("en") == ("System to track and make public allocations for gender equality and women's "
                                 "empowerment")
        assert "A/RES/71/313" in i.reference


def test_missing_official_items_are_encoded(mesecvi: Catalog) -> None:
    diversity = mesecvi["MESECVI-LEG-S14"]
    assert (diversity.type, diversity.category, diversity.provenance) == ("structural", "financial_context", "official")
    assert "diversity" in diversity.tags and "oas.org/en/mesecvi/indicators.asp" in diversity.reference
    femicide = mesecvi["MESECVI-LEG-S15"]
    assert femicide.unit == "yes_no" and femicide.provenance == "official"
    assert "política penal con objetivos a alcanzar" in femicide.reference
