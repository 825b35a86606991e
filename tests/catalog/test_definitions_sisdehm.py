"""The SISDEHM definitions: seven areas, bilingual, adapted from named public standards.

Source of truth for the areas: the CIM strategic plan 2016-2021 (economic rights; right to work and
social security; education; health; sexual rights; reproductive rights; political rights). The
indicator texts of SISDEHM are not public, so no indicator may claim ``provenance: official``.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

import indicators as ind
from indicators.catalog import Expression, codelist_ids

AREAS = {
    "economic_rights": "ECO", "work_social_security": "WSS", "education": "EDU", "health": "HEA",
    "sexual_rights": "SEX", "reproductive_rights": "REP", "political_rights": "POL",
}
TYPE_LETTER = {"structural": "S", "process": "P", "outcome": "R"}
ID_PATTERN = re.compile(r"^SISDEHM-(?P<area>[A-Z]{3})-(?P<type>[SPR])(?P<num>\d{2})$")
# A reference must name a public standard this library can point to.
KNOWN_SOURCES = ("SDG", "ILO", "CEPAL", "WHO", "PAHO", "UNFPA", "UNESCO", "UNDP", "UN ", "MESECVI",
                 "Montevideo", "Buenos Aires", "CEDAW", "Center for Reproductive Rights", "International IDEA",
                 "OECD", "Education 2030", "Belém do Pará", "FAO", "UNAIDS")


@pytest.fixture(scope="module")
def cat() -> ind.Catalog:
    return ind.load_catalog("sisdehm")


def test_seven_areas_in_order(cat: ind.Catalog) -> None:
    assert [a.id for a in cat.areas] == list(AREAS)
    assert [a.code for a in cat.areas] == list(AREAS.values())


def test_counts(cat: ind.Catalog) -> None:
    assert len(cat) >= 49
    per_area = Counter(i.area for i in cat)
    assert set(per_area) == set(AREAS)
    assert min(per_area.values()) >= 7, per_area


def test_each_area_mixes_types_and_categories(cat: ind.Catalog) -> None:
    for area in AREAS:
        sub = cat.filter(area=area)
        assert {i.type for i in sub} == {"structural", "process", "outcome"}, area
        assert {i.category for i in sub} == {"incorporation_of_the_right", "financial_context",
                                              "state_capacities"}, area


def test_ids_unique_and_follow_the_pattern(cat: ind.Catalog) -> None:
    assert len(set(cat.ids)) == len(cat.ids)
    for i in cat:
        m = ID_PATTERN.match(i.id)
        assert m, i.id
        assert m["area"] == AREAS[i.area], i.id
        assert m["type"] == TYPE_LETTER[i.type], i.id


def test_ids_numbered_without_gaps(cat: ind.Catalog) -> None:
    groups: dict[tuple[str, str], list[int]] = {}
    for i in cat:
        m = ID_PATTERN.match(i.id)
        assert m
        groups.setdefault((m["area"], m["type"]), []).append(int(m["num"]))
    for key, nums in groups.items():
        assert nums == list(range(1, len(nums) + 1)), key


def test_texts_bilingual_and_distinct(cat: ind.Catalog) -> None:
    for i in cat:
        for lang in ("en", "es"):
            assert i.titles.get(lang, "").strip(), (i.id, lang)
            assert i.definitions.get(lang, "").strip(), (i.id, lang)
        assert i.title("en") != i.title("es"), i.id
        assert i.definition("en") != i.definition("es"), i.id
        assert len(i.definition("es")) >= len(i.title("es")), i.id


def test_titles_unique(cat: ind.Catalog) -> None:
    for lang in ("en", "es"):
        titles = [i.title(lang).casefold() for i in cat]
        dupes = [t for t, n in Counter(titles).items() if n > 1]
        assert not dupes, (lang, dupes)


def test_spanish_texts_are_spanish(cat: ind.Catalog) -> None:
    """A crude but real check against copy-paste: Spanish definitions use Spanish function words."""
    markers = re.compile(r"\b(de|del|las|los|como|por|en|que|y)\b")
    english = re.compile(r"\b(the|of|and|which|who)\b")
    for i in cat:
        es = i.definition("es")
        assert len(markers.findall(es)) >= 3, i.id
        assert len(english.findall(es)) == 0, (i.id, english.findall(es))


def test_provenance_and_reference(cat: ind.Catalog) -> None:
    for i in cat:
        assert i.provenance in ("adapted", "proposed"), i.id
        assert i.reference.strip(), i.id
        assert any(s in i.reference for s in KNOWN_SOURCES), (i.id, i.reference)
        if i.provenance == "proposed":
            assert "basis" in i.reference or "Proposed" in i.reference, i.id


def test_sdg_tags_match_references(cat: ind.Catalog) -> None:
    """An ``sdg:<code>`` tag names an SDG code that the reference also cites."""
    for i in cat:
        for tag in i.tags:
            if tag.startswith("sdg:"):
                code = tag.split(":", 1)[1]
                assert f"SDG {code}" in i.reference or f"SDG target {code}" in i.reference, (i.id, tag)


def test_disaggregations_are_known_codelists(cat: ind.Catalog) -> None:
    known = set(codelist_ids())
    assert known, "no codelists shipped"
    for i in cat:
        assert set(i.disaggregations) <= known, (i.id, set(i.disaggregations) - known)
        assert "country" not in i.disaggregations and "status" not in i.disaggregations


def test_diversity_tag_marks_article_9_disaggregations(cat: ind.Catalog) -> None:
    article9 = {"ethnicity", "disability", "migration_status", "pregnancy"}
    for i in cat:
        assert ("diversity" in i.tags) == bool(article9 & set(i.disaggregations)), i.id


def test_units(cat: ind.Catalog) -> None:
    for i in cat:
        if i.unit == "rate":
            assert i.unit_base in (1000, 100000), i.id
            assert i.unit_labels and i.unit_label("es") != i.unit_label("en"), i.id
            assert i.formula is not None and i.formula["multiplier"] == i.unit_base, i.id
        if i.unit == "category":
            codes = [c["code"] for c in i.categories]
            assert len(codes) == len(set(codes)) >= 3, i.id
            points = [c["points"] for c in i.categories]
            assert max(points) == 100 and min(points) == 0, i.id
            assert i.scoring is None, i.id  # categories carry their own points


def test_scoring(cat: ind.Catalog) -> None:
    for i in cat:
        if i.unit == "category":
            continue
        assert i.scoring is not None, i.id
        if i.scoring.get("exclude"):
            assert i.unit in ("count", "currency"), i.id
            continue
        lo, hi = i.scoring["goalposts"]
        assert lo < hi, i.id
        assert i.direction in ("higher_is_better", "lower_is_better"), i.id
        if i.unit == "yes_no":
            assert (lo, hi) == (0, 1), i.id
        if i.unit == "percent":
            assert 0 <= lo and hi <= 100, i.id
        if i.scoring.get("log"):
            assert lo > 0, i.id


def test_formulas_parse_and_use_their_inputs(cat: ind.Catalog) -> None:
    with_formula = 0
    for i in cat:
        if i.formula is None:
            continue
        with_formula += 1
        inputs = {inp["name"] for inp in i.formula["inputs"]}
        used = Expression(i.formula["numerator"]).names
        if "denominator" in i.formula:
            used |= Expression(i.formula["denominator"]).names
        assert used == inputs, (i.id, inputs - used)
        for inp in i.formula["inputs"]:
            assert inp["label"]["en"] != inp["label"]["es"], (i.id, inp["name"])
        if i.unit == "percent" and "denominator" in i.formula:
            assert i.formula.get("multiplier") == 100, i.id
    assert with_formula >= 40


def test_formula_values() -> None:
    """Worked examples: the femininity index of poverty (CEPAL) and the MMR computed from their formulas."""
    cat = ind.load_catalog("sisdehm")

    def compute(ind_id: str, values: dict[str, float]) -> float:
        f = cat[ind_id].formula
        assert f is not None
        num = Expression(f["numerator"]).evaluate(values)
        den = Expression(f["denominator"]).evaluate(values)
        return float(f["multiplier"] * num / den)

    # 120 poor women per 100 poor men where women and men are equally numerous: index 120
    assert compute("SISDEHM-ECO-R03", {"poor_women": 120, "poor_men": 100, "women": 500, "men": 500}) == 120
    assert compute("SISDEHM-REP-R01", {"maternal_deaths": 70, "live_births": 100_000}) == 70
    assert compute("SISDEHM-POL-P03", {"complaints_resolved": 30, "complaints_received": 40,
                                       "complaints_pending": 20}) == 50


def test_estimation_specs_parse(cat: ind.Catalog) -> None:
    for i in cat:
        if i.estimation is None:
            continue
        assert i.type == "outcome", i.id
        names: set[str] = set()
        for part in ("expression", "universe", "denominator"):
            if part in i.estimation:
                names |= Expression(i.estimation[part]).names
        if "variable" in i.estimation:
            names.add(i.estimation["variable"])
        assert names <= set(i.estimation.get("variables", {})), (i.id, names)


def test_mean_schooling_on_a_small_frame() -> None:
    """The estimation spec of mean years of schooling selects the right universe (unweighted check)."""
    import pandas as pd

    spec = ind.load_catalog("sisdehm")["SISDEHM-EDU-R03"].estimation
    assert spec is not None
    micro = pd.DataFrame({"age": [18, 25, 40, 70], "schooling_years": [11.0, 12.0, 6.0, 3.0]})
    keep = Expression(spec["universe"]).evaluate(micro)
    assert micro.loc[keep, spec["variable"]].mean() == pytest.approx(7.0)


def test_key_sources_are_present(cat: ind.Catalog) -> None:
    """The standards the brief names are all used somewhere."""
    refs = " | ".join(i.reference for i in cat)
    for code in ("SDG 5.5.1", "SDG 8.5.2", "SDG 5.6.1", "SDG 3.1.1", "SDG 4.1.2", "SDG 5.4.1", "C100", "C183",
                 "C189", "CEPAL Gender Equality Observatory", "WHO", "Montevideo Consensus"):
        assert code in refs, code


def test_to_frame_spanish(cat: ind.Catalog) -> None:
    frame = cat.to_frame("es")
    assert len(frame) == len(cat)
    row = frame.set_index("id").loc["SISDEHM-POL-R01"]
    assert row["title"] == "Proporción de escaños ocupados por mujeres en el parlamento nacional"


def test_by_sex_indicators_say_which_value_is_scored(cat: ind.Catalog) -> None:
    """Indicators disaggregated by sex are scored on the women's value, and say so in both languages."""
    by_sex = [i for i in cat if "sex" in i.disaggregations]
    assert len(by_sex) >= 5
    for i in by_sex:
        assert i.notes is not None, i.id
        assert "(sex F)" in i.notes["en"] and "(sexo F)" in i.notes["es"], i.id
