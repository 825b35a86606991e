"""The catalog API, the definitions format and its errors (issue: foundation).

Source of truth: the definitions' JSON Schema (definitions/schema/definitions.schema.json)
and the format described in docs/definitions.md.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

import indicators as ind
from indicators.catalog._files import definitions_root
from indicators.errors import DefinitionError

ROOT = Path(__file__).resolve().parents[2]
OVERLAY = ROOT / "docs" / "examples" / "overlay_peru.yaml"


def _all_definition_files() -> list[Path]:
    return sorted(p for p in definitions_root().rglob("*.yaml"))


@pytest.mark.parametrize("path", _all_definition_files(), ids=lambda p: p.relative_to(definitions_root()).as_posix())
def test_every_definition_file_validates_against_the_json_schema(path: Path) -> None:
    schema = json.loads((definitions_root() / "schema" / "definitions.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sub = {"$defs": schema["$defs"], "$ref": f"#/$defs/{data['kind']}"}
    jsonschema.Draft202012Validator(sub).validate(data)


def test_overlay_example_validates_against_the_json_schema() -> None:
    test_every_definition_file_validates_against_the_json_schema(OVERLAY)


@pytest.mark.parametrize("name", ["mesecvi", "sisdehm"])
def test_builtin_catalogs_load_with_their_structure(name: str) -> None:
    cat = ind.load_catalog(name)
    assert cat.id == name and cat.version
    assert len(cat) == len(set(cat.ids))
    frame = cat.to_frame("es")
    for col in ["id", "system", "area", "type", "category", "title", "unit", "direction", "provenance"]:
        assert col in frame.columns
    assert set(frame["area"]) == {a.id for a in cat.areas}
    assert frame["provenance"].notna().all()
    # catalog order follows the areas' order
    order = {a.id: a.order for a in cat.areas}
    assert frame["area"].map(order).is_monotonic_increasing


def test_mesecvi_has_six_areas_each_with_the_three_types() -> None:
    cat = ind.load_catalog("mesecvi")
    assert [a.id for a in cat.areas] == ["legislation", "national_plans", "access_to_justice",
                                         "specialized_services", "budgets", "information_statistics"]
    frame = cat.to_frame("en")
    types = frame.groupby("area")["type"].agg(set)
    assert all(t == {"structural", "process", "outcome"} for t in types), types
    assert len(cat) >= 60


def test_sisdehm_has_seven_areas_and_42_indicators() -> None:
    cat = ind.load_catalog("sisdehm")
    assert len(cat.areas) == 7 and len(cat) >= 42
    assert set(cat.to_frame()["area"]) == {a.id for a in cat.areas}


def test_titles_are_bilingual_and_not_identical() -> None:
    for name in ("mesecvi", "sisdehm"):
        for i in ind.load_catalog(name):
            assert i.title("en").strip() and i.title("es").strip()
            assert i.title("en") != i.title("es"), i.id


def test_getitem_filter_and_labels() -> None:
    cat = ind.load_catalog("mesecvi")
    first = cat["MESECVI-LEG-S01"]
    assert first.area == "legislation" and first.provenance == "official"
    assert "Belém do Pará" in first.title("es")
    assert first.title("pt").startswith("Incorporação")  # this project's translation, marked as such
    assert cat.translation("pt")["official"] is False  # type: ignore[index]
    with pytest.raises(KeyError, match="Did you mean"):
        cat["MESECVI-LEG-S1"]
    structural = cat.filter(area="legislation", type="structural")
    assert all(i.area == "legislation" and i.type == "structural" for i in structural)
    assert len(cat.filter(type=["process", "outcome"])) + len(cat.filter(type="structural")) == len(cat)
    assert cat.type_name("process", "es") == "De proceso"
    assert cat.category_name("incorporation_of_the_right", "es") == "Recepción del derecho"
    with pytest.raises(ind.OptionError, match="'area' parameter of Catalog.filter"):
        cat.filter(area="nowhere")
    with pytest.raises(ind.OptionError, match="lang"):
        cat.to_frame("de")


def test_filter_by_tag_matches_prefix_and_estimable() -> None:
    cat = ind.load_catalog("mesecvi")
    sdg = cat.filter(tag="sdg")
    assert all(any(t.split(":")[0] == "sdg" for t in i.tags) for i in sdg)
    est = cat.filter(estimable=True)
    assert all(i.estimation is not None for i in est)


def test_indicator_round_trips_through_dict() -> None:
    for i in ind.load_catalog("mesecvi"):
        assert ind.Indicator.from_dict(i.to_dict(), i.system) == i


def test_fingerprint_is_stable_and_sensitive() -> None:
    a = ind.load_catalog("mesecvi")
    assert a.fingerprint == ind.load_catalog("mesecvi").fingerprint
    assert a.fingerprint != a.filter(type="structural").fingerprint


# -- overlays -----------------------------------------------------------------------------

def test_overlay_example_changes_the_catalog_as_documented() -> None:
    base = ind.load_catalog("mesecvi")
    per = ind.load_catalog(OVERLAY)
    assert per.id == "mesecvi_per" and per.version == "2024.1" and per.base == "mesecvi@2013"
    assert "MESECVI-LEG-S02" in base and "MESECVI-LEG-S02" not in per
    assert "PER-LEG-S01" in per and per["PER-LEG-S01"].provenance == "proposed"
    changed = per["MESECVI-LEG-S01"]
    assert changed.title("es").endswith("ordenamiento jurídico peruano")
    assert changed.title("en") == base["MESECVI-LEG-S01"].title("en")  # texts merge by language
    assert len(per) == len(base)  # one dropped, one added
    assert per.fingerprint != base.fingerprint
    # the base is untouched
    assert base["MESECVI-LEG-S01"].title("es") != changed.title("es")


def _overlay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(text, encoding="utf-8")
    return path


HEADER = """kind: overlay
format_version: 1
id: test_overlay
version: "1"
name: {en: Test, es: Prueba}
"""


def test_overlay_with_unknown_base_names_file_line_and_field(tmp_path: Path) -> None:
    path = _overlay(tmp_path, HEADER + "extends: belem@2013\n")
    with pytest.raises(DefinitionError) as err:
        ind.load_catalog(path)
    msg = str(err.value)
    assert "overlay.yaml" in msg and "line 6" in msg and "'extends'" in msg and "belem" in msg
    assert err.value.problems.loc[0, "field"] == "extends"


def test_overlay_with_unknown_base_version(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="mesecvi@1999"):
        ind.load_catalog(_overlay(tmp_path, HEADER + "extends: mesecvi@1999\n"))


def test_overlay_adding_a_duplicate_id_fails(tmp_path: Path) -> None:
    base = ind.load_catalog("mesecvi")["MESECVI-LEG-S01"].to_dict()
    text = HEADER + "extends: mesecvi@2013\n" + yaml.safe_dump({"add": [base]}, allow_unicode=True)
    with pytest.raises(DefinitionError, match="duplicate id 'MESECVI-LEG-S01'") as err:
        ind.load_catalog(_overlay(tmp_path, text))
    assert "add[0].id" in str(err.value)


def test_overlay_change_to_an_unknown_unit_fails(tmp_path: Path) -> None:
    text = HEADER + "extends: mesecvi\nchange:\n  - id: MESECVI-LEG-S02\n    unit: furlongs\n"
    with pytest.raises(DefinitionError, match=r"change\[0\]\.unit.*furlongs"):
        ind.load_catalog(_overlay(tmp_path, text))


def test_overlay_dropping_an_unknown_id_fails(tmp_path: Path) -> None:
    text = HEADER + "extends: mesecvi\ndrop: [MESECVI-XXX-S99]\n"
    with pytest.raises(DefinitionError, match=r"line 7.*drop\[0\].*MESECVI-XXX-S99"):
        ind.load_catalog(_overlay(tmp_path, text))


# -- broken copies of the shipped definitions ----------------------------------------------

@pytest.fixture()
def mesecvi_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "mesecvi"
    shutil.copytree(definitions_root() / "mesecvi", dest)
    return dest


def _edit_first_indicator(folder: Path, edit) -> Path:  # type: ignore[no-untyped-def]
    path = folder / "indicators" / "legislation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data["indicators"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_missing_spanish_title_names_file_line_and_field(mesecvi_copy: Path) -> None:
    _edit_first_indicator(mesecvi_copy, lambda i: i["title"].pop("es"))
    with pytest.raises(DefinitionError) as err:
        ind.load_catalog(mesecvi_copy)
    msg = str(err.value)
    assert "legislation.yaml" in msg and "indicators[0].title.es" in msg and "line " in msg
    assert "'es' is a required property" in msg
    row = err.value.problems.iloc[0]
    assert row["file"].endswith("legislation.yaml") and row["row"] > 0


def test_unknown_unit_names_the_field(mesecvi_copy: Path) -> None:
    _edit_first_indicator(mesecvi_copy, lambda i: i.update(unit="furlongs"))
    with pytest.raises(DefinitionError, match=r"legislation\.yaml, line \d+, field 'indicators\[0\]\.unit'"):
        ind.load_catalog(mesecvi_copy)


def test_unknown_area_names_the_field(mesecvi_copy: Path) -> None:
    path = mesecvi_copy / "indicators" / "legislation.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("area")
    data["indicators"][0]["area"] = "astrology"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"indicators\[0\]\.area.*unknown area 'astrology'"):
        ind.load_catalog(mesecvi_copy)


def test_duplicate_id_across_files_names_both_places(mesecvi_copy: Path) -> None:
    other = yaml.safe_load((mesecvi_copy / "indicators" / "budgets.yaml").read_text(encoding="utf-8"))
    _edit_first_indicator(mesecvi_copy, lambda i: i.update(id=other["indicators"][0]["id"]))
    with pytest.raises(DefinitionError, match=r"duplicate id .* \(already defined in"):
        ind.load_catalog(mesecvi_copy)


def test_unsafe_or_broken_yaml_is_refused(mesecvi_copy: Path) -> None:
    path = mesecvi_copy / "indicators" / "legislation.yaml"
    path.write_text("kind: indicators\nformat_version: 1\nsystem: !!python/object/apply:os.system ['echo hi']\n",
                    encoding="utf-8")
    with pytest.raises(DefinitionError, match="legislation.yaml, line 3.*not valid YAML"):
        ind.load_catalog(mesecvi_copy)


def test_a_formula_that_is_not_an_expression_is_refused(mesecvi_copy: Path) -> None:
    def edit(i: dict) -> None:  # type: ignore[type-arg]
        i["formula"] = {"numerator": "__import__('os').system('x')",
                        "inputs": [{"name": "a", "label": {"en": "A", "es": "A"}}]}
    _edit_first_indicator(mesecvi_copy, edit)
    with pytest.raises(DefinitionError, match=r"indicators\[0\]\.formula.*only these functions"):
        ind.load_catalog(mesecvi_copy)


def test_unknown_system_name_is_an_option_error() -> None:
    with pytest.raises(ind.OptionError, match="Unknown indicator system 'belem': use one of mesecvi, sisdehm") as info:
        ind.load_catalog("belem")
    assert "name_or_path" not in str(info.value)


def test_signs_of_progress_are_text_records() -> None:
    cat = ind.load_catalog("mesecvi")
    signs = cat.signs_frame("es")
    assert len(signs) >= 6 and set(signs["area"]) <= {a.id for a in cat.areas}
    assert not set(signs["id"]) & set(cat.ids)
    assert isinstance(signs, pd.DataFrame)
