"""Catalog-driven estimation of outcome indicators into the values table.

Source of truth: R's survey package through ``tests/data/survey/expected_r_survey.csv``
(the catalog's indicators MESECVI-INF-R01 and MESECVI-AJ-R03 are R's ``ipv_any_12m``
and ``reported`` proportions: their universes only select rows where the variable is
asked), and two routes that must agree (``estimate`` vs ``SurveyDesign`` directly).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators import DataError
from indicators.survey import estimable, parse_by
from indicators.values import VALUE_COLUMNS

DATA = Path(__file__).parents[1] / "data" / "survey"


@pytest.fixture(scope="module")
def micro() -> pd.DataFrame:
    frame = pd.read_csv(DATA / "women_survey.csv")
    frame["age_group_broad"] = frame["age_group"]
    return frame


@pytest.fixture(scope="module")
def design(micro: pd.DataFrame) -> ind.SurveyDesign:
    return ind.SurveyDesign(micro, weights="weight", strata="stratum", psu="psu")


@pytest.fixture(scope="module")
def catalog() -> ind.Catalog:
    return ind.load_catalog("mesecvi")


def test_matches_r_reference(micro: pd.DataFrame, design: ind.SurveyDesign, catalog: ind.Catalog) -> None:
    """R's svyciprop logit interval and svymean SE, times 100 (expected_r_survey.csv)."""
    ref = pd.read_csv(DATA / "expected_r_survey.csv")
    table = ind.estimate(catalog, micro, design, country="MEX", year=2021,
                         indicators=["MESECVI-INF-R01", "MESECVI-AJ-R03"])
    for ind_id, variable in (("MESECVI-INF-R01", "ipv_any_12m"), ("MESECVI-AJ-R03", "reported")):
        r = ref[(ref["case"] == "ciprop_logit") & (ref["variable"] == variable)].iloc[0]
        got = table[table["indicator"] == ind_id].iloc[0]
        assert got["value"] == pytest.approx(100 * r["estimate"], rel=1e-9)
        assert got["se"] == pytest.approx(100 * r["se"], rel=1e-9)
        assert got["ci_low"] == pytest.approx(100 * r["ci_low"], rel=1e-9)
        assert got["ci_high"] == pytest.approx(100 * r["ci_high"], rel=1e-9)
        assert got["n"] == r["n"]
        assert got["status"] == "estimated"


MEX_OVERLAY = Path(__file__).parents[2] / "sample_data" / "mesecvi_mex.yaml"


def test_values_table_layout(micro: pd.DataFrame, design: ind.SurveyDesign) -> None:
    """The sample's ``state`` holds INEGI codes 1-32: Mexico's overlay makes it the sub-national unit."""
    catalog = ind.load_catalog(MEX_OVERLAY)
    table = ind.estimate(catalog, micro, design, by=["area", "state"], country="México", year=2021)
    assert list(table.columns) == list(VALUE_COLUMNS)
    ids = {i.id for i in estimable(catalog)}
    assert set(table["indicator"]) == ids
    per = table.groupby("indicator").size()
    assert (per == 1 + 2 + 32).all()
    assert set(table["area"]) == {"_T", "U", "R"}
    assert table.loc[table["area"] != "_T", "region"].isna().all()
    assert set(table["region"].dropna()) == {f"{k:02d}" for k in range(1, 33)}
    assert table["year"].dtype == "Int64" and (table["country"] == "MEX").all()
    assert (table["cv"] > 0).all() and (table["ci_low"] < table["value"]).all()


def test_universe_is_a_domain_not_a_subset(micro: pd.DataFrame, design: ind.SurveyDesign,
                                           catalog: ind.Catalog) -> None:
    """Two routes: the universe filter equals estimating on a NaN-masked variable."""
    table = ind.estimate(catalog, micro, design, indicators=["MESECVI-INF-R05"], by="area")
    masked = micro.assign(v=micro["violence_lifetime"].where(micro["age"] >= 15))
    direct = ind.SurveyDesign(masked, weights="weight", strata="stratum", psu="psu").proportion(
        "v", by="area").to_frame()
    got = table[table["area"] != "_T"].sort_values("area")
    assert np.allclose(got["value"].to_numpy(), 100 * direct.sort_values("area")["estimate"].to_numpy(),
                       rtol=1e-12)


def test_missing_variable_names_indicator(micro: pd.DataFrame, design: ind.SurveyDesign,
                                          catalog: ind.Catalog) -> None:
    broken = micro.drop(columns=["partnered"])
    d = ind.SurveyDesign(broken, weights="weight", strata="stratum", psu="psu")
    with pytest.raises(DataError, match="MESECVI-INF-R01.*partnered"):
        ind.estimate(catalog, broken, d, indicators=["MESECVI-INF-R01"])


def test_design_from_yaml_path(tmp_path: Path, micro: pd.DataFrame, catalog: ind.Catalog) -> None:
    path = tmp_path / "design.yaml"
    path.write_text("weights: weight\nstrata: stratum\npsu: psu\n", encoding="utf-8")
    table = ind.estimate(catalog, micro, path, indicators=["MESECVI-INF-R01"])
    assert len(table) == 1 and table["se"].iloc[0] > 0


def test_parse_by() -> None:
    assert parse_by("state, state*age_group") == ["state", ("state", "age_group")]
    assert parse_by("") == []


def test_cli_estimate(tmp_path: Path) -> None:
    """`indicators estimate MICRODATA --design design.yaml --by ... --out values.csv` writes the table."""
    from indicators.cli import main

    design = tmp_path / "design.yaml"
    design.write_text("weights: weight\nstrata: stratum\npsu: psu\n", encoding="utf-8")
    out = tmp_path / "values.csv"
    code = main(["estimate", str(DATA / "women_survey.csv"), "--design", str(design), "--system", str(MEX_OVERLAY),
                 "--by", "area,state*age_group", "--indicators", "MESECVI-SS-R01", "--country", "MEX",
                 "--year", "2021", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False, dtype=str)
    assert {"region", "area", "se", "cv", "n"} <= set(table.columns)
    assert (table["status"] == "estimated").all()
    assert len(table) == 1 + 2 + table[table["region"] != ""].shape[0]
    assert main(["estimate", str(DATA / "cases_data.csv"), "--design", str(tmp_path / "none.yaml")]) == 2


def test_by_undeclared_variable_is_refused_with_how_to_declare(micro: pd.DataFrame, design: ind.SurveyDesign,
                                                                catalog: ind.Catalog) -> None:
    with pytest.raises(DataError, match="region=.*state.*overlay") as info:
        ind.estimate(catalog, micro, design, by="state", country="MEX", indicators=["MESECVI-INF-R01"])
    assert info.value.problems.loc[0, "code"] == "survey.estimate.undeclared_by"
    with pytest.raises(DataError, match="no es una desagregación"):
        ind.estimate(catalog, micro, design, by="state", indicators=["MESECVI-INF-R01"], lang="es")


def test_region_by_name_without_overlay_writes_iso_codes(micro: pd.DataFrame, catalog: ind.Catalog) -> None:
    """Units named as people write them (any case, without accents) become ISO 3166-2 codes."""
    names = {1: "Aguascalientes", 9: "ciudad de mexico", 15: "MX-MEX", 30: "Veracruz"}
    sub = micro[micro["state"].isin(list(names))].assign(entidad=lambda d: d["state"].map(names))
    d = ind.SurveyDesign(sub, weights="weight", strata="stratum", psu="psu")
    table = ind.estimate(catalog, sub, d, by="entidad", region="entidad", country="MEX", year=2021,
                         indicators=["MESECVI-INF-R01"])
    assert set(table["region"].dropna()) == {"MX-AGU", "MX-CMX", "MX-MEX", "MX-VER"}
    assert ind.validate(table, catalog).n_errors == 0
    # INEGI numbers are not ISO codes: refused, naming the values and the way out
    with pytest.raises(DataError, match="overlay") as info:
        ind.estimate(catalog, micro, design_of(micro), by="state", region="state", country="MEX",
                     indicators=["MESECVI-INF-R01"])
    assert "np." not in str(info.value) and "1, 10, 11" in str(info.value)


def design_of(frame: pd.DataFrame) -> ind.SurveyDesign:
    return ind.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")


def test_estimate_by_state_then_validate_has_no_errors(micro: pd.DataFrame, design: ind.SurveyDesign) -> None:
    catalog = ind.load_catalog(MEX_OVERLAY)
    table = ind.estimate(catalog, micro, design, by=["state", ("state", "area")], country="MEX", year=2021)
    report = ind.validate(table, catalog)
    assert report.n_errors == 0, report.issues.head().to_dict("records")
    assert len(report.accepted) == len(table) and report.accepted["region"].notna().any()


# -- gaps and ratios between two groups (estimation.compare) ----------------------------------

def _gap_catalog(tmp_path: Path, compare: dict[str, object], statistic: str = "proportion") -> ind.Catalog:
    import yaml

    base = ind.load_catalog("mesecvi")["MESECVI-INF-R01"].to_dict()
    # a gap in percentage points can be negative: not a percentage (0-100) but an index
    unit = "ratio" if compare.get("as") == "ratio" else "index"
    gap = {**base, "id": "MESECVI-INF-R91", "unit": unit, "disaggregations": ["age_group_broad", "area"],
           "estimation": {**base["estimation"], "statistic": statistic, "compare": compare}}
    text = ("kind: overlay\nformat_version: 1\nid: gap_test\nversion: \"1\"\nname: {en: Gap, es: Brecha}\n"
            "extends: mesecvi\n" + yaml.safe_dump({"add": [gap]}, allow_unicode=True))
    path = tmp_path / "gap.yaml"
    path.write_text(text, encoding="utf-8")
    return ind.load_catalog(path)


def test_gap_and_ratio_between_two_groups_end_to_end(tmp_path: Path, micro: pd.DataFrame,
                                                     design: ind.SurveyDesign) -> None:
    # Two routes: estimate() on a definition whose outcome is the rural-urban gap (and the
    # rural-to-urban ratio), against difference() on the same design with the universe as a
    # domain (difference() agrees with R's svyby(covmat = TRUE) + svycontrast, test_survey_analysis_r).
    from indicators.survey import difference

    y = micro["ipv_any_12m"].where((micro["partnered"] == 1) & (micro["age"] >= 15))
    direct = design._derive({"y": y.to_numpy(dtype=float)})
    want = difference(direct, "y", "area", ("R", "U"), statistic="proportion", ratio=True).to_frame()
    within = difference(direct, "y", "area", ("R", "U"), statistic="proportion", ratio=True,
                        within="age_group").to_frame()
    for kind, row in (("difference", 0), ("ratio", 1)):
        cat = _gap_catalog(tmp_path, {"by": "area", "groups": ["R", "U"], "as": kind})
        table = ind.estimate(cat, micro, design, by="age_group_broad", country="MEX", year=2021,
                             indicators=["MESECVI-INF-R91"])
        total = table[table["age_group_broad"] == "_T"].iloc[0]
        assert total["value"] == pytest.approx(100 * want["estimate"][row], rel=1e-12)
        assert total["se"] == pytest.approx(100 * want["se"][row], rel=1e-12)
        assert total["ci_low"] == pytest.approx(100 * want["ci_low"][row], rel=1e-12)
        assert total["area"] == "_T" and total["status"] == "estimated"
        assert f"{kind} area: R {'/' if kind == 'ratio' else '-'} U" in total["note"]
        parts = table[table["age_group_broad"] != "_T"]
        mine = within[within["contrast"].str.contains("/" if kind == "ratio" else " - ", regex=False)]
        assert len(parts) == len(mine) == micro["age_group"].nunique()
        ref = mine.set_index(mine["age_group"].astype(str))
        for got in parts.to_dict("records"):  # the codelist's codes are the microdata's age groups here
            assert got["value"] == pytest.approx(100 * ref.loc[got["age_group_broad"], "estimate"], rel=1e-12)
            assert got["se"] == pytest.approx(100 * ref.loc[got["age_group_broad"], "se"], rel=1e-12)
            assert got["n"] == ref.loc[got["age_group_broad"], "n"]
        assert ind.validate(table, catalog=cat).ok


def test_gap_definitions_are_checked(tmp_path: Path, micro: pd.DataFrame, design: ind.SurveyDesign) -> None:
    with pytest.raises(ind.DefinitionError, match="statistic"):
        _gap_catalog(tmp_path, {"by": "area", "groups": ["R", "U"]}, statistic="quantile")
    with pytest.raises(ind.DefinitionError, match="groups"):
        _gap_catalog(tmp_path, {"by": "area", "groups": ["R"]})
    cat = _gap_catalog(tmp_path, {"by": "area", "groups": ["R", "X"]})
    with pytest.raises(DataError, match="X") as err:
        ind.estimate(cat, micro, design, indicators=["MESECVI-INF-R91"], lang="es")
    assert "no es un valor de area" in str(err.value)
    assert err.value.problems.loc[0, "code"] == "survey.estimate.compare_group"
    cat = _gap_catalog(tmp_path, {"by": "area", "groups": ["R", "U"]})
    with pytest.raises(DataError, match="cannot be disaggregated by area"):
        ind.estimate(cat, micro, design, by="area", indicators=["MESECVI-INF-R91"])
