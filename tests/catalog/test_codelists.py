"""The shipped codelists: content checked against their published sources.

Sources of truth: OAS list of member states and the OAS treaty record A-61 (Belém do Pará
Convention: 32 States Parties; not signed by Canada, Cuba, the United States); ISO 3166-1 and
UN M49 for the country codes; SDMX CL_SEX / CL_URBANISATION / CL_OBS_STATUS conventions.
"""

from __future__ import annotations

import itertools
import json
import unicodedata
from pathlib import Path

import jsonschema
import pytest
import yaml

import indicators as ind
from indicators.catalog import codelist_ids
from indicators.values import DISAGGREGATIONS, STATUSES, TOTAL

EXPECTED_IDS = {
    "country", "sex", "age_group", "age_group_broad", "area", "ethnicity", "disability",
    "migration_status", "pregnancy", "income_quintile", "status",
}

# The 35 OAS member states (ISO 3166-1 alpha-3 -> alpha-2, M49), written out independently of the YAML.
OAS = {
    "ATG": ("AG", "028"), "ARG": ("AR", "032"), "BHS": ("BS", "044"), "BRB": ("BB", "052"),
    "BLZ": ("BZ", "084"), "BOL": ("BO", "068"), "BRA": ("BR", "076"), "CAN": ("CA", "124"),
    "CHL": ("CL", "152"), "COL": ("CO", "170"), "CRI": ("CR", "188"), "CUB": ("CU", "192"),
    "DMA": ("DM", "212"), "DOM": ("DO", "214"), "ECU": ("EC", "218"), "SLV": ("SV", "222"),
    "GRD": ("GD", "308"), "GTM": ("GT", "320"), "GUY": ("GY", "328"), "HTI": ("HT", "332"),
    "HND": ("HN", "340"), "JAM": ("JM", "388"), "MEX": ("MX", "484"), "NIC": ("NI", "558"),
    "PAN": ("PA", "591"), "PRY": ("PY", "600"), "PER": ("PE", "604"), "KNA": ("KN", "659"),
    "LCA": ("LC", "662"), "VCT": ("VC", "670"), "SUR": ("SR", "740"), "TTO": ("TT", "780"),
    "USA": ("US", "840"), "URY": ("UY", "858"), "VEN": ("VE", "862"),
}
NOT_PARTIES = {"USA", "CAN", "CUB"}

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "definitions" / "schema" / "definitions.schema.json"


def _fold(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in norm if not unicodedata.combining(ch))


@pytest.fixture(scope="module")
def country() -> ind.Codelist:
    return ind.load_codelist("country")


def test_every_expected_codelist_is_shipped() -> None:
    # subdivision: ISO 3166-2 names are the countries' own, in one language (tests/validation/test_codes.py)
    assert set(codelist_ids()) == EXPECTED_IDS | {"subdivision"}


def test_disaggregation_columns_and_statuses_have_codelists() -> None:
    """The values table's disaggregation columns and status codes are backed by these codelists."""
    assert set(DISAGGREGATIONS) <= set(codelist_ids())
    assert tuple(ind.load_codelist("status")) == STATUSES


@pytest.mark.parametrize("codelist_id", sorted(EXPECTED_IDS))
def test_codelist_loads_and_is_well_formed(codelist_id: str) -> None:
    cl = ind.load_codelist(codelist_id)
    assert cl.id == codelist_id
    assert cl.name("en") != cl.name("es")
    codes = [str(c["code"]) for c in cl.codes]
    assert len(codes) == len(set(codes)) >= 3
    for c in cl.codes:
        for lang in ("en", "es", "pt", "fr"):
            assert c["name"].get(lang, "").strip(), f"{codelist_id}:{c['code']} has no {lang} name"
        aliases = [str(a) for a in c.get("aliases", [])]
        folded = [_fold(a) for a in aliases]
        assert len(folded) == len(set(folded)), f"{codelist_id}:{c['code']} repeats an alias"
        # every alias and every name resolves to its own code: no alias shadows another code
        for text in [*aliases, *c["name"].values(), str(c["code"])]:
            assert cl.resolve(text) == c["code"], f"{codelist_id}: {text!r} resolves to {cl.resolve(text)!r}"
    if codelist_id in ("status", "country"):  # no total: a status or a region is not an aggregate code here
        assert cl.total_code is None and TOTAL not in cl
    else:
        assert cl.total_code == TOTAL and TOTAL in cl, f"{codelist_id} lacks the total code"
        assert codes[-1] == TOTAL


@pytest.mark.parametrize("codelist_id", sorted(EXPECTED_IDS))
def test_codelist_file_validates_against_schema(codelist_id: str) -> None:
    """Independent check of each file against $defs/codelist (the loader does the same)."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    path = SCHEMA_PATH.parents[1] / "codelists" / f"{codelist_id}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sub = {**schema, "$ref": "#/$defs/codelist"}
    jsonschema.Draft202012Validator(sub).validate(data)
    assert data["id"] == path.stem


def test_thirty_five_oas_member_states(country: ind.Codelist) -> None:
    assert len(country) == 35
    assert set(country) == set(OAS)
    for c in country.codes:
        assert (c["iso2"], c["m49"]) == OAS[c["code"]], c["code"]
        assert isinstance(c["m49"], str) and len(c["m49"]) == 3
        assert c["subregion"] in {"caribbean", "central_america", "south_america", "northern_america"}


def test_thirty_two_states_parties(country: ind.Codelist) -> None:
    frame = country.to_frame()
    assert frame["belem_do_para_party"].map(type).eq(bool).all()
    parties = set(frame.loc[frame["belem_do_para_party"], "code"])
    assert len(parties) == 32
    assert set(OAS) - parties == NOT_PARTIES


@pytest.mark.parametrize(("text", "code"), [
    ("perú", "PER"), ("PERU", "PER"), ("Pérou", "PER"),
    ("Estado Plurinacional de Bolivia", "BOL"), ("Bolivia (Plurinational State of)", "BOL"),
    ("República Bolivariana de Venezuela", "VEN"), ("venezuela", "VEN"),
    ("EE.UU.", "USA"), ("USA", "USA"), ("Estados Unidos de América", "USA"), ("estados unidos", "USA"),
    ("Brasil", "BRA"), ("Brazil", "BRA"), ("Brésil", "BRA"),
    ("México", "MEX"), ("mexico", "MEX"), ("Haiti", "HTI"), ("Haïti", "HTI"),
    ("San Vicente y las Granadinas", "VCT"), ("St. Vincent and the Grenadines", "VCT"),
    ("Santa Lucía", "LCA"), ("Saint Kitts y Nevis", "KNA"), ("San Cristóbal y Nieves", "KNA"),
    ("Trinidad y Tabago", "TTO"), ("República Dominicana", "DOM"), ("Dominica", "DMA"),
    ("Granada", "GRD"), ("Belice", "BLZ"), ("Guiana", "GUY"), ("Canadá", "CAN"), ("pe", "PER"),
    ("  Panamá ", "PAN"),
])
def test_country_resolves_names_and_aliases(country: ind.Codelist, text: str, code: str) -> None:
    assert country.resolve(text) == code


def test_country_does_not_resolve_non_members(country: ind.Codelist) -> None:
    for text in ("España", "Spain", "Puerto Rico", "Guayana Francesa", "French Guiana", "XXX", ""):
        assert country.resolve(text) is None


def test_country_spanish_names(country: ind.Codelist) -> None:
    assert country.label("PER", "es") == "Perú"
    assert country.label("USA", "es") == "Estados Unidos de América"
    assert country.label("VCT", "es") == "San Vicente y las Granadinas"
    assert country.label("BRA", "pt") == "Brasil"
    assert country.label("HTI", "fr") == "Haïti"


@pytest.mark.parametrize(("codelist_id", "text", "code"), [
    ("sex", "Mujer", "F"), ("sex", "femenino", "F"), ("sex", "female", "F"), ("sex", "Hombres", "M"),
    ("sex", "masculino", "M"), ("sex", "varón", "M"), ("sex", "Total", "_T"), ("sex", "ambos sexos", "_T"),
    ("area", "urbano", "U"), ("area", "Urbana", "U"), ("area", "rural", "R"), ("area", "urban", "U"),
    ("ethnicity", "indígena", "IND"), ("ethnicity", "Afrodescendiente", "AFD"), ("ethnicity", "afrodescendente", "AFD"),
    ("ethnicity", "no declarado", "_U"),
    ("disability", "con discapacidad", "D"), ("disability", "sin discapacidad", "ND"), ("disability", "1", "D"),
    ("migration_status", "refugiada", "REF"), ("migration_status", "desplazada interna", "IDP"),
    ("migration_status", "solicitante de asilo", "ASY"), ("migration_status", "retornada", "RET"),
    ("migration_status", "migrante", "MIG"),
    ("pregnancy", "embarazada", "P"), ("pregnancy", "no embarazada", "NP"),
    ("income_quintile", "quintil I", "Q1"), ("income_quintile", "Quintil 5 (más rico)", "Q5"),
    ("status", "observado", "observed"), ("status", "Estimado", "estimated"), ("status", "imputado", "imputed"),
    ("status", "provisional", "provisional"), ("status", "No disponible", "not_available"),
    ("status", "no aplica", "not_applicable"), ("status", "E", "estimated"),
    ("age_group", "15 a 19 años", "15-19"), ("age_group", "85 y más", "85+"),
    ("age_group_broad", "60 años y más", "60+"), ("age_group_broad", "20-29", "20-29"),
])
def test_resolve_spanish_and_aliases(codelist_id: str, text: str, code: str) -> None:
    assert ind.load_codelist(codelist_id).resolve(text) == code


@pytest.mark.parametrize("codelist_id", ["age_group", "age_group_broad"])
def test_age_groups_are_disjoint_and_contiguous(codelist_id: str) -> None:
    rows = [c for c in ind.load_codelist(codelist_id).codes if c["code"] != TOTAL]
    assert rows[0]["age_min"] == 0
    for prev, nxt in itertools.pairwise(rows):
        assert nxt["age_min"] == prev["age_max"] + 1, (prev["code"], nxt["code"])
    assert rows[-1]["age_max"] is None and rows[-1]["code"].endswith("+")
    for c in rows[:-1]:
        assert c["code"] == f"{c['age_min']}-{c['age_max']}"


def test_five_year_groups() -> None:
    codes = list(ind.load_codelist("age_group"))
    assert codes == [f"{lo}-{lo + 4}" for lo in range(0, 85, 5)] + ["85+", TOTAL]


def test_broad_age_groups_match_reference_survey() -> None:
    """The groups of the reference survey (shared/reference/survey/women_survey.csv, summarised in
    tests/data/codelists/survey_age_groups.csv: group, youngest and oldest age observed) are codes,
    and their observed ages fall inside the code's bounds."""
    import pandas as pd

    path = Path(__file__).parents[1] / "data" / "codelists" / "survey_age_groups.csv"
    observed = pd.read_csv(path, dtype={"age_group": "string"})
    cl = ind.load_codelist("age_group_broad")
    rows = {c["code"]: c for c in cl.codes}
    assert set(observed["age_group"]) <= set(cl)
    for rec in observed.itertuples():
        lo, hi = rows[rec.age_group]["age_min"], rows[rec.age_group]["age_max"]
        assert rec.age_min >= lo and (hi is None or rec.age_max <= hi), rec.age_group


def test_income_quintile_ranks() -> None:
    cl = ind.load_codelist("income_quintile")
    assert [c.get("rank") for c in cl.codes] == [1, 2, 3, 4, 5, None]
