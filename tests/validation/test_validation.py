"""indicators.validate: every rule with a failing and a passing case, one pass, no double reports.

The catalog is a small fixture (tests/data/validation/catalog.yaml, one indicator per unit) so that
the tests do not depend on the shipped systems; the codelists are the shipped ones (ARG, PER, MEX,
sex F/M/_T are certain to be there).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import indicators as ind
from indicators.catalog import Area, Catalog, Indicator, SignOfProgress, System
from indicators.errors import DataError, OptionError
from indicators.validation._rules import RULES

DATA = Path(__file__).parents[1] / "data" / "validation"
BASE = {"country": "ARG", "year": 2020, "indicator": "T-PCT", "value": 50}


def make_catalog() -> Catalog:
    spec = yaml.safe_load((DATA / "catalog.yaml").read_text(encoding="utf-8"))
    s = spec["system"]
    system = System(id=s["id"], version=s["version"], names=s["names"], reference="test fixture",
                    areas=tuple(Area(**a) for a in s["areas"]), types=s["types"], categories=s["categories"])
    common = {"area": "legislation", "type": "structural", "category": "incorporation_of_the_right",
              "title": {"en": "test"}, "definition": {"en": "test"}, "direction": "higher_is_better",
              "provenance": "proposed", "reference": "test fixture"}
    signs = tuple(SignOfProgress(id=g["id"], system=s["id"], area=g["area"], titles=g["title"], provenance="proposed",
                                 reference="test fixture") for g in spec["signs"])
    return Catalog(system, tuple(Indicator.from_dict({**common, **i}, system=s["id"]) for i in spec["indicators"]),
                   signs=signs)


CAT = make_catalog()


def table(*rows: dict[str, Any], drop: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame([{**BASE, **r} for r in rows])
    return frame.drop(columns=list(drop))


def codes(report: ind.ValidationReport) -> set[str]:
    return set(report.issues["code"])


# code -> (failing table, passing table); each failing table triggers the code, each passing one does not
CASES: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {
    "values.missing_column": (table({}, drop=("value",)), table({})),
    "values.unknown_column": (table({"colour": "red"}), table({"fuente": "INE"})),
    "values.duplicate_column": (table({"país": "ARG"}), table({})),
    "values.empty_table": (table({}).iloc[0:0], table({})),
    "values.missing_value": (table({"country": None}), table({})),
    "values.unknown_country": (table({"country": "Narnia"}), table({"country": "Argentina"})),
    "values.not_a_year": (table({"year": "2020b"}), table({"year": "2020"})),
    "values.year_range": (table({"year": 1990}), table({"year": 1994})),
    "values.unknown_indicator": (table({"indicator": "T-PTC"}), table({"indicator": "t-pct"})),
    "values.not_a_number": (table({"value": "n/d"}), table({"value": "10,5"})),
    "values.value_missing": (table({"value": None}), table({"value": None, "status": "no disponible"})),
    "values.status_value_conflict": (table({"status": "not_available"}), table({"status": "observado"})),
    "values.yes_no_invalid": (table({"indicator": "T-YN", "value": "tal vez"}),
                              table({"indicator": "T-YN", "value": "Sí"}, {"indicator": "T-YN", "value": "false",
                                                                           "country": "PER"})),
    "values.percent_range": (table({"value": 100.5}), table({"value": 100})),
    "values.negative": (table({"indicator": "T-RATE", "value": -1}), table({"indicator": "T-RATE", "value": 0})),
    "values.out_of_bounds": (table({"indicator": "T-CHG", "value": -120}),
                             table({"indicator": "T-CHG", "value": -12.5}, {"indicator": "T-CHG", "value": 250,
                                                                            "country": "PER"})),
    "values.count_not_whole": (table({"indicator": "T-CNT", "value": 2.5}), table({"indicator": "T-CNT", "value": 2})),
    "values.category_invalid": (table({"indicator": "T-CAT", "value": "supreme"}),
                                table({"indicator": "T-CAT", "value": "Nivel legal"})),
    "values.currency_missing": (table({"indicator": "T-LCU", "value": 1200}),
                                table({"indicator": "T-LCU", "value": "ARS 1200"})),
    "values.currency_mismatch": (table({"indicator": "T-USD", "value": "EUR 3"}),
                                 table({"indicator": "T-USD", "value": "3 usd"})),
    "values.unknown_code": (table({"sex": "X"}), table({"sex": "mujeres"})),
    "values.unknown_status": (table({"status": "maybe"}), table({"status": "E"})),
    "values.unknown_region": (table({"region": "PE-LIM"}), table({"departamento": "Córdoba"})),
    "values.se_negative": (table({"se": -0.1}), table({"se": 0})),
    "values.cv_negative": (table({"cv": -1}), table({"cv": 5})),
    "values.n_invalid": (table({"n": 10.5}), table({"n": 10})),
    "values.cv_inconsistent": (table({"se": 2, "cv": 0.04}), table({"se": 2, "cv": 4})),
    "values.sign_note_missing": (table({"indicator": "T-Q01", "value": None}),
                                 table({"indicator": "t-q01", "value": None, "nota": "Boletín publicado"})),
    "values.sign_numeric_value": (table({"indicator": "T-Q01", "value": 3, "note": "3 audiencias"}),
                                  table({"indicator": "T-Q01", "value": None, "note": "3 audiencias"})),
    "values.ci_order": (table({"ci_low": 55, "ci_high": 60}), table({"ci_low": 45, "ci_high": 50})),
    "values.duplicate_key": (table({}, {}), table({}, {"sex": "F"})),
    "values.parts_above_total": (
        table({"indicator": "T-CNT", "sex": "F", "value": 6}, {"indicator": "T-CNT", "sex": "M", "value": 5},
              {"indicator": "T-CNT", "sex": "_T", "value": 10}),
        table({"indicator": "T-CNT", "sex": "F", "value": 5}, {"indicator": "T-CNT", "sex": "M", "value": 5},
              {"indicator": "T-CNT", "sex": "_T", "value": 10})),
}

DESIGN = {"weights": "w", "strata": "s", "psu": "p"}


def micro(**changes: list[Any]) -> pd.DataFrame:
    frame = pd.DataFrame({"w": [1.5, 2.0, 1.0, 3.0], "s": [1, 1, 2, 2], "p": [1, 2, 3, 4], "q": [1, 2, 1, 2]})
    for k, v in changes.items():
        frame[k] = v
    return frame


MICRO_CASES: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {
    "micro.missing_column": (micro().drop(columns="s"), micro()),
    "micro.empty_table": (micro().iloc[0:0], micro()),
    "micro.duplicate_column": (pd.concat([micro(), micro()[["w"]]], axis=1), micro()),
    "micro.weight_missing": (micro(w=[1.5, None, 1.0, 3.0]), micro()),
    "micro.weight_not_number": (micro(w=["1,5", "dos", "1", "3"]), micro(w=["1,5", "2", "1", "3"])),
    "micro.weight_nonpositive": (micro(w=[1.5, 0.0, 1.0, 3.0]), micro()),
    "micro.strata_missing": (micro(s=[1, None, 2, 2]), micro()),
    "micro.psu_missing": (micro(p=["a", " ", "c", "d"]), micro(p=["a", "b", "c", "d"])),
    "micro.psu_not_nested": (micro(p=[1, 2, 1, 4]), micro(p=[1, 2, 3, 4])),
    "micro.single_psu_stratum": (micro(p=[1, 1, 3, 4]), micro()),
    "micro.unlabelled_value": (micro(q=[1, 2, 9, 2]), micro(q=[1, 2, 1, 2])),
}
LABELS = {"q": {1: "Sí", 2: "No"}}

UNTESTED_HERE = {"read.problem", "validation.schema_failure"}


def test_every_rule_has_cases() -> None:
    followup = {c for c in RULES if c.startswith("followup.")}  # tested in tests/followup
    assert set(CASES) | set(MICRO_CASES) | UNTESTED_HERE | followup == set(RULES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_values_rule(code: str) -> None:
    failing, passing = CASES[code]
    bad = ind.validate(failing, CAT)
    assert code in codes(bad), bad.issues[["code", "row", "column", "value"]]
    assert RULES[code].severity == bad.issues.loc[bad.issues["code"] == code, "severity"].iloc[0]
    good = ind.validate(passing, CAT)
    assert code not in codes(good), good.issues[["code", "row", "column", "value"]]
    assert good.ok, good.issues[["code", "row", "column", "value"]]


@pytest.mark.parametrize("code", sorted(MICRO_CASES))
def test_microdata_rule(code: str) -> None:
    failing, passing = MICRO_CASES[code]
    bad = ind.validate(failing, None, kind="microdata", design=DESIGN, value_labels=LABELS)
    assert code in codes(bad), bad.issues[["code", "row", "column", "value"]]
    good = ind.validate(passing, None, kind="microdata", design=DESIGN, value_labels=LABELS)
    assert codes(good) == set(), good.issues[["code", "row", "column", "value"]]


def test_location_as_the_user_sees_it() -> None:
    frame = pd.DataFrame({"País": ["ARG", "PER", "MEX"], "Año": [2020, 2020, 2020],
                          "Indicador": ["T-PCT", "T-PCT", "T-PCT"], "Valor": ["10", "200", "x"]})
    issues = ind.validate(frame, CAT).issues
    assert issues[["row", "column", "value", "code"]].values.tolist() == [
        [3, "Valor", "200", "values.percent_range"], [4, "Valor", "x", "values.not_a_number"]]
    # a frame read from a file carries the user's row numbers in an index named "row"
    frame.index = pd.Index([10, 12, 15], name="row")
    assert ind.validate(frame, CAT).issues["row"].tolist() == [12, 15]


def test_one_pass_and_no_double_report() -> None:
    # a bad year does not hide a bad percentage on the same row; an unparsable cell is not also "missing"
    frame = table({"year": "dos mil", "value": 150}, {"value": "abc", "country": "PER"},
                  {"value": None, "status": "zzz", "country": "MEX"})
    issues = ind.validate(frame, CAT).issues
    got = sorted(zip(issues["row"], issues["code"]))
    assert got == [(2, "values.not_a_year"), (2, "values.percent_range"), (3, "values.not_a_number"),
                   (4, "values.unknown_status"), (4, "values.value_missing")]
    assert not issues.duplicated(["row", "column", "code"]).any()


def test_decimal_comma_whole_column_and_mixed() -> None:
    ok = ind.validate(table({"value": "10,5"}, {"value": "1.234,5", "indicator": "T-RATE"}), CAT)
    assert ok.ok
    mixed = ind.validate(table({"value": "10,5"}, {"value": "10.5", "country": "PER"}), CAT)
    assert mixed.issues[["row", "code"]].values.tolist() == [[2, "values.not_a_number"]]


def test_yes_no_words() -> None:
    words = ["sí", "si", "SI", "yes", "true", "1", "no", "No", "false", "0", 1, 0]
    frame = pd.DataFrame({"country": "ARG", "year": range(2000, 2000 + len(words)), "indicator": "T-YN",
                          "value": pd.Series(words, dtype=object)})
    assert ind.validate(frame, CAT).ok
    assert not ind.validate(table({"indicator": "T-YN", "value": 2}), CAT).ok


def test_duplicate_key_names_all_rows_and_uses_codes() -> None:
    frame = table({"country": "Argentina"}, {"country": "PER"}, {"country": "ARG"})
    issues = ind.validate(frame, CAT).issues
    assert issues["row"].tolist() == [2, 4]
    assert set(issues["code"]) == {"values.duplicate_key"}
    assert "2, 4" in issues["message"].iloc[0]


def test_accepted_and_rejected_partition_the_input() -> None:
    frame = table({}, {"value": 300, "country": "PER"}, {"colour": "x", "country": "MEX"})
    report = ind.validate(frame, CAT)
    assert report.rejected.index.tolist() == [1]
    assert report.accepted.index.tolist() == [0, 2]  # a warning does not reject
    # accepted rows are a values table (canonical columns, codes; an unknown column is left out),
    # rejected rows are shown as typed
    assert report.accepted.columns.tolist() == ["country", "year", "indicator", "value"]
    assert report.rejected.columns.tolist() == frame.columns.tolist()
    # a missing required column rejects every row
    report = ind.validate(table({}, {"country": "PER"}, drop=("year",)), CAT)
    assert len(report.rejected) == 2 and report.accepted.empty


def test_counts_and_provenance() -> None:
    report = ind.validate(table({"value": 300}, {"value": -5, "country": "PER"}), CAT)
    assert report.counts_by_code.to_dict() == {"values.percent_range": 2}
    assert report.counts_by_column.to_dict() == {"value": 2}
    assert report.counts[["code", "column", "count"]].values.tolist() == [["values.percent_range", "value", 2]]
    prov = report.provenance
    assert prov["catalog"] == CAT.label and prov["catalog_fingerprint"] == CAT.fingerprint
    assert prov["version"] == ind.__version__ and len(prov["files"][0]["sha256"]) == 64


def test_several_tables_in_one_report() -> None:
    a = table({"value": 300})
    b = table({"value": 30}, {"value": 40, "country": "PER"})
    report = ind.validate([a, b], CAT)
    assert report.issues["file"].tolist() == ["table_1"]
    assert len(report.accepted) + len(report.rejected) == 3
    assert report.rejected.index.tolist() == [("table_1", 0)]


def test_report_in_both_languages() -> None:
    report = ind.validate(table({"value": 300}), CAT, lang="es")
    assert report.issues["message"].iloc[0] == "Fila 2: el porcentaje 300 está fuera de 0-100 (indicador T-PCT)."
    assert report.issues["expected"].iloc[0] == "un número entre 0 y 100"
    en = report.in_lang("en")
    assert en.issues["message"].iloc[0] == "Row 2: the percentage 300 is outside 0-100 (indicator T-PCT)."
    assert en.issues["hint"].iloc[0].startswith("Write percentages")


def test_lazy_false_raises_with_problems() -> None:
    with pytest.raises(DataError) as err:
        ind.validate(table({"value": 300}), CAT, lazy=False)
    assert err.value.problems["code"].tolist() == ["values.percent_range"]
    assert ind.validate(table({}), CAT, lazy=False).ok


def test_bad_options() -> None:
    with pytest.raises(OptionError):
        ind.validate(table({}), CAT, kind="spreadsheet")  # type: ignore[arg-type]
    with pytest.raises(OptionError):
        ind.validate(table({}), CAT, lang="de")
    with pytest.raises(OptionError):
        ind.validate(micro(), None, kind="microdata")
    with pytest.raises(DataError):
        ind.validate(42, CAT)  # type: ignore[arg-type]


def test_design_object_and_nest() -> None:
    class Design:
        weights, strata, psu, nest = "w", "s", "p", True

    frame = micro(p=[1, 2, 1, 2])  # PSU codes restart in each stratum
    assert ind.validate(frame, None, kind="microdata", design=Design()).ok
    report = ind.validate(frame, None, kind="microdata", design=DESIGN)
    assert set(report.issues["code"]) == {"micro.psu_not_nested"}
    assert len(report.rejected) == 4  # every row of a PSU that is not nested
    assert "nest=True" in report.issues["hint"].iloc[0]


def test_read_problems_become_warnings() -> None:
    class Prov:
        file, sheet, sha256 = "datos.xlsx", "Hoja1", "0" * 64
        problems = pd.DataFrame([{"code": "io.merged_cells", "row": 3, "column": "valor", "value": "x",
                                  "message": "merged cells were split"}])

    frame = table({}, {"country": "PER"})
    frame.index = pd.Index([2, 3], name="row")
    frame.attrs["provenance"] = Prov()
    report = ind.validate(frame, CAT)
    assert report.issues[["file", "sheet", "row", "code", "severity"]].values.tolist() == [
        ["datos.xlsx", "Hoja1", 3, "read.problem", "warning"]]
    assert report.ok


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_rule_has_message_hint_and_expectation(lang: str) -> None:
    from indicators.i18n import _catalog

    texts = _catalog(lang)
    for code in RULES:
        for suffix in ("", ".hint", ".expected"):
            assert f"validation.{code}{suffix}" in texts, f"{lang}: validation.{code}{suffix}"


def test_spanish_differs_from_english() -> None:
    from indicators.i18n import _catalog

    en, es = _catalog("en"), _catalog("es")
    same = [k for k in en if k.startswith("validation.") and en[k] == es.get(k) and len(en[k]) > 20]
    assert not same
