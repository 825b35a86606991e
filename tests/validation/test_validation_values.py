"""Values tables as States and the library write them: signs of progress, indicator bounds, the
currency column, mixed value columns read from CSV, and the estimate -> validate round trip.

Sources of truth: the shipped MESECVI catalog (signs MESECVI-*-Qnn, MESECVI-BUD-R01 a real change
that may be negative), R's survey 4.1 reference (tests/data/survey/expected_r_survey.csv) for the
coefficient of variation written by ``estimate``, and hand-computed expectations below.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from test_validation import CAT, table

import indicators as ind
from indicators.errors import DefinitionError
from indicators.validation._schemas import indicator_bounds, values_schema
from indicators.values import VALUE_COLUMNS, canonical_column

SURVEY = Path(__file__).parents[1] / "data" / "survey"


@pytest.fixture(scope="module")
def mesecvi() -> ind.Catalog:
    return ind.load_catalog("mesecvi")


def issues(report: ind.ValidationReport) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in report.issues[["row", "code", "column"]].itertuples(index=False)]


# -- qualitative signs of progress ----------------------------------------------------------------

def test_signs_of_progress_rows_validate_clean(mesecvi: ind.Catalog) -> None:
    frame = pd.DataFrame({
        "país": ["PER", "PER", "PER", "PER"], "año": [2020, 2020, 2021, 2021],
        "indicador": ["MESECVI-INF-Q01", "mesecvi-leg-q02", "MESECVI-LEG-S02", "MESECVI-NP-Q01"],
        "valor": [None, None, 1, None],
        "estatus": ["observado", "observado", "observado", "no disponible"],
        "fuente": ["Informe nacional al MESECVI", "Informe nacional", "Ley 30364", None],
        "nota": ["Boletín estadístico anual en lectura fácil.", "Doce audiencias públicas.", None, None],
    })
    report = ind.validate(frame, mesecvi, lang="es")
    assert report.issues.empty, report.issues[["row", "code", "message"]]
    assert len(report.accepted) == 4


def test_sign_without_note_is_an_error_with_its_own_code(mesecvi: ind.Catalog) -> None:
    frame = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2021],
                          "indicator": ["MESECVI-INF-Q01", "MESECVI-INF-Q01"],
                          "value": ["Boletín publicado", None], "note": ["  ", None]})
    report = ind.validate(frame, mesecvi)
    # a text value does not replace the note; neither row is an unknown indicator or a missing value
    assert issues(report) == [(2, "values.sign_note_missing", "note"), (3, "values.sign_note_missing", "note")]
    assert report.rejected.index.tolist() == [0, 1]
    assert "MESECVI-INF-Q01" in report.issues["message"].iloc[0]
    es = report.in_lang("es").issues
    assert es["message"].iloc[0] == "Fila 2: la señal cualitativa de progreso MESECVI-INF-Q01 no tiene texto en 'note'."
    # no note column at all: named as the column to add
    bare = ind.validate(frame.drop(columns="note"), mesecvi)
    assert set(bare.issues["code"]) == {"values.sign_note_missing"} and set(bare.issues["column"]) == {"note"}


def test_numeric_value_on_a_sign_is_a_warning(mesecvi: ind.Catalog) -> None:
    frame = pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": ["MESECVI-LEG-Q02"],
                          "value": ["12"], "note": ["Doce audiencias públicas sobre la reforma."]})
    report = ind.validate(frame, mesecvi)
    assert issues(report) == [(2, "values.sign_numeric_value", "value")]
    assert report.ok and len(report.accepted) == 1  # kept: the text is there, the number is not used
    assert "never scored" in report.issues["message"].iloc[0]


def test_unknown_id_near_a_sign_suggests_it(mesecvi: ind.Catalog) -> None:
    frame = pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": ["MESECVI-INF-Q1"],
                          "note": ["texto"], "value": [None]})
    report = ind.validate(frame, mesecvi)
    assert report.issues["code"].tolist()[0] == "values.unknown_indicator"
    assert "MESECVI-INF-Q01" in report.issues["hint"].iloc[0]


def test_bare_schema_knows_signs(mesecvi: ind.Catalog) -> None:
    import pandera.errors as pae

    schema = values_schema(mesecvi, year_range=(1994, 2030))
    good = pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": ["MESECVI-INF-Q01"],
                         "value": [float("nan")], "note": ["Boletín"]})
    schema.validate(good, lazy=True)
    with pytest.raises(pae.SchemaErrors) as err:
        schema.validate(good.assign(note=[""]), lazy=True)
    assert set(err.value.failure_cases["check"]) == {"values.sign_note_missing:note"}


# -- bounds -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("indicator", "value", "en", "expected_es"), [
    ("T-CHG", -120, "Row 2: -120 is below -100, the lowest valid value of indicator T-CHG.",
     "un número igual o mayor que -100"),
    ("T-GAP", 150, "Row 2: 150 is outside the valid range of indicator T-GAP, -100 to 100.",
     "un número entre -100 y 100"),
    ("T-CAP", 10.5, "Row 2: 10.5 is above 10, the highest valid value of indicator T-CAP.",
     "un número igual o menor que 10"),
])
def test_bounds_messages_name_the_bounds(indicator: str, value: float, en: str, expected_es: str) -> None:
    report = ind.validate(table({"indicator": indicator, "value": value}), CAT)
    assert report.issues["code"].tolist() == ["values.out_of_bounds"]
    assert report.issues["message"].iloc[0] == en
    assert report.in_lang("es").issues["expected"].iloc[0] == expected_es


def test_bounds_replace_the_unit_default_range() -> None:
    # a percentage change below 0 or above 100, an index below 0 with an open lower end: all valid
    ok = ind.validate(table({"indicator": "T-CHG", "value": -35.5}, {"indicator": "T-CHG", "value": 180, "year": 2021},
                            {"indicator": "T-GAP", "value": -20, "year": 2022},
                            {"indicator": "T-CAP", "value": -4, "year": 2023}), CAT)
    assert ok.issues.empty, ok.issues[["row", "code", "message"]]
    # without bounds the unit's range still holds
    assert set(ind.validate(table({"value": -1}), CAT).issues["code"]) == {"values.percent_range"}


def test_shipped_changes_accept_negative_values(mesecvi: ind.Catalog) -> None:
    frame = pd.DataFrame({"country": ["ARG", "BOL"], "year": [2020, 2020],
                          "indicator": ["MESECVI-BUD-R01", "MESECVI-BUD-R01"], "value": [-1.4, -130]})
    report = ind.validate(frame, mesecvi)
    assert issues(report) == [(3, "values.out_of_bounds", "value")]  # a cut of more than 100 % is impossible
    assert indicator_bounds(ind.load_catalog("sisdehm"))["SISDEHM-WSS-R02"] == (0.0, float("inf"))


@pytest.mark.parametrize("system", ["mesecvi", "sisdehm"])
def test_shipped_goalposts_lie_within_bounds(system: str) -> None:
    for i in ind.load_catalog(system):
        goal = (i.scoring or {}).get("goalposts")
        if i.bounds is not None and goal:
            lo, hi = indicator_bounds(ind.load_catalog(system))[i.id]
            assert lo <= goal[0] < goal[1] <= hi, i.id


def test_bounds_in_definitions_are_checked(tmp_path: Path) -> None:
    base = ind.load_catalog("mesecvi")["MESECVI-LEG-S01"].to_dict()
    new = {**copy.deepcopy(base), "id": "PER-BUD-R01", "area": "budgets", "unit": "percent", "direction": "neutral"}
    new.pop("categories", None)

    def overlay(bounds: Any) -> Path:
        path = tmp_path / "overlay.yaml"
        path.write_text(yaml.safe_dump({"kind": "overlay", "format_version": 1, "id": "mesecvi_test",
                                        "version": "1", "extends": "mesecvi@2013",
                                        "name": {"en": "Test", "es": "Prueba"},
                                        "add": [{**new, "bounds": bounds}]}, allow_unicode=True),
                        encoding="utf-8")
        return path

    cat = ind.load_catalog(overlay([-50, None]))
    assert cat["PER-BUD-R01"].bounds == (-50, None)
    assert ind.Indicator.from_dict(cat["PER-BUD-R01"].to_dict(), "mesecvi") == cat["PER-BUD-R01"]
    for bad in ([10, 5], [1], ["a", 2]):
        with pytest.raises(DefinitionError):
            ind.load_catalog(overlay(bad))


# -- currency -----------------------------------------------------------------------------------------

def test_currency_is_a_values_table_column() -> None:
    assert VALUE_COLUMNS[VALUE_COLUMNS.index("value") + 1] == "currency"
    assert {canonical_column(c) for c in ("currency", "Moneda", "divisa", "moeda", "devise")} == {"currency"}


def test_currency_column_is_read_and_checked() -> None:
    frame = table({"indicator": "T-LCU", "value": 1200, "moneda": "ars"},
                  {"indicator": "T-USD", "value": 3, "moneda": "USD", "year": 2021},
                  {"indicator": "T-USD", "value": 4, "moneda": "EUR", "year": 2022},
                  {"indicator": "T-LCU", "value": 5, "moneda": None, "year": 2023})
    report = ind.validate(frame, CAT)
    assert issues(report) == [(4, "values.currency_mismatch", "moneda"), (5, "values.currency_missing", "value")]


# -- reader notes on a mixed value column -------------------------------------------------------------

def test_mixed_value_column_from_csv_validates_without_warnings(tmp_path: Path) -> None:
    rows = [("ARG", 2014 + k, "T-PCT", f"{10 + k}.5") for k in range(10)]
    rows += [("ARG", 2020, "T-CAT", "constitutional"), ("ARG", 2020, "T-YN", "sí")]
    path = tmp_path / "valores.csv"
    text = "país;año;indicador;valor;n\n" + "".join(f"{c};{y};{i};{v};\n" for c, y, i, v in rows)
    path.write_text(text, encoding="utf-8")
    notes = ind.read(path).attrs["provenance"].problems
    assert (notes["code"] == "io.text_in_numbers").sum() == 2  # the reader does note them
    report = ind.validate(path, CAT)
    assert report.issues.empty, report.issues[["row", "code", "message"]]
    # a mixed column other than value keeps its reader note (and its own check)
    text = "país;año;indicador;valor;n\n" + "".join(
        f"{c};{y};{i};{v};{'ver nota' if k == 0 else 100 + k}\n" for k, (c, y, i, v) in enumerate(rows))
    path.write_text(text, encoding="utf-8")
    report = ind.validate(path, CAT)
    assert sorted(issues(report)) == [(2, "read.problem", "n"), (2, "values.not_a_number", "n")]


# -- estimate -> validate -----------------------------------------------------------------------------

def test_estimates_validate_clean_and_cv_is_percent(mesecvi: ind.Catalog) -> None:
    """R survey 4.1: svyciprop(logit) of ipv_any_12m, se 0.004999 on 0.342667 -> cv 1.4588 %."""
    micro = pd.read_csv(SURVEY / "women_survey.csv")
    micro["age_group_broad"] = micro["age_group"]
    design = ind.SurveyDesign(micro, weights="weight", strata="stratum", psu="psu")
    values = ind.estimate(mesecvi, micro, design, by=["area", "age_group_broad"], country="MEX", year=2021)
    report = ind.validate(values, mesecvi)
    assert report.issues.empty, report.issues[["row", "code", "message"]]
    ref = pd.read_csv(SURVEY / "expected_r_survey.csv")
    r = ref[(ref["case"] == "ciprop_logit") & (ref["variable"] == "ipv_any_12m")].iloc[0]
    total = values[(values["indicator"] == "MESECVI-INF-R01") & (values["area"] == "_T")
                   & (values["age_group_broad"] == "_T")].iloc[0]
    assert total["cv"] == pytest.approx(100 * r["se"] / r["estimate"], rel=1e-9)
    assert values["n"].dtype == "Int64"
    # written to CSV and read back, n stays whole and the table stays valid
    assert ind.validate(pd.read_csv(pd.io.common.StringIO(values.to_csv(index=False))), mesecvi).ok
    # a cv written as a fraction is caught
    wrong = values.assign(cv=values["cv"] / 100)
    assert set(ind.validate(wrong, mesecvi).issues["code"]) == {"values.cv_inconsistent"}
