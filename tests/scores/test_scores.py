"""Scores: reference values (UNDP's HDI), coverage rules, normalisations, errors, records.

Sources of truth: the HDI test agrees with the published values of UNDP's Human
Development Report 2015, Table 1 (tests/data/scores/hdi2014_sample.csv, copied from
shared/reference/scores); the other expected numbers are computed by hand in each test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import load_catalog
from indicators.errors import DataError, DefinitionError, OptionError
from indicators.scores import SCORE_COLUMNS, TREND_COLUMNS, score
from indicators.scores._spec import (
    Aggregate,
    Imputation,
    IndexSpec,
    IndicatorSpec,
    Level,
    Uncertainty,
    load_index_spec,
)

HERE = Path(__file__).parents[1]
DATA = HERE / "data" / "scores"
ROOT = HERE.parent
HDI_SPEC = ROOT / "docs" / "examples" / "hdi2014.yaml"
MINI_INDEX = DATA / "minicat_index.yaml"


@pytest.fixture(scope="module")
def minicat():  # type: ignore[no-untyped-def]
    return load_catalog(DATA / "minicat")


def _values(rows: list[tuple]) -> pd.DataFrame:  # type: ignore[type-arg]
    frame = pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])
    frame["value"] = frame["value"].astype(object)
    return frame


def _flat_spec(*items: IndicatorSpec, aggregation: str = "arithmetic", min_coverage: float = 0.5,
               **kw) -> IndexSpec:  # type: ignore[no-untyped-def]
    return IndexSpec(id="ix", levels=(Level("indicator"), Level("index", aggregation=aggregation,  # type: ignore[arg-type]
                                                                  min_coverage=min_coverage)),
                     indicators=items, **kw)


def _mini_values() -> pd.DataFrame:
    rows = []
    data = {"ARG": (1, "legal", 40.0, 2.5, 20.0), "BRA": (0, "constitutional", 80.0, None, 30.0),
            "CHL": (1, "none", None, None, None)}
    ids = ["T-LAW-S01", "T-LAW-S02", "T-LAW-P01", "T-SRV-P01", "T-SRV-R01"]
    for country, vals in data.items():
        for year in (2020, 2022):
            for ind, v in zip(ids, vals):
                if v is not None:
                    rows.append((country, year, ind, v))
    return _values(rows)


def _at(frame: pd.DataFrame, country: str, unit: str, year: int | None = None) -> pd.Series:
    sel = (frame["country"] == country) & (frame["unit"] == unit)
    if year is not None:
        sel &= frame["year"] == year
    out = frame.loc[sel]
    assert len(out) == 1, (country, unit, year, len(out))
    return out.iloc[0]


# -- the HDI --------------------------------------------------------------------------

def test_hdi_2014_matches_published_values() -> None:
    """UNDP HDR 2015 Table 1: Norway 0.944, Australia 0.935, Switzerland 0.930, Denmark 0.923, Netherlands 0.922."""
    ref = pd.read_csv(DATA / "hdi2014_sample.csv")
    long = ref.melt(id_vars="country", value_vars=["life_expectancy", "expected_schooling", "mean_schooling",
                                                   "gni_pc_ppp2011"], var_name="indicator")
    long["indicator"] = long["indicator"].replace({"gni_pc_ppp2011": "gni_pc"})
    long["year"] = 2014
    result = score(long, HDI_SPEC)
    hdi = result.to_frame().query("level == 'index'").merge(ref, on="country")
    assert len(hdi) == 5
    assert np.abs(hdi["score"] - hdi["hdi_published"]).max() <= 0.001
    assert hdi.set_index("country")["rank"].to_dict() == {
        "Norway": 1, "Australia": 2, "Switzerland": 3, "Denmark": 4, "Netherlands": 5}
    # the education cap: Australia's 20.2 expected years count as 18
    assert _at(result.to_frame(), "Australia", "expected_schooling")["score"] == pytest.approx(1.0)
    assert result.spec.scale == 1.0


# -- the table --------------------------------------------------------------------------

def test_columns_and_record(minicat) -> None:  # type: ignore[no-untyped-def]
    result = score(_mini_values(), MINI_INDEX, minicat)
    frame = result.to_frame()
    assert tuple(frame.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    assert set(frame["level"]) == {"indicator", "type", "area", "overall"}
    assert {"laws/structural", "services/outcome", "laws", "services", "mini"} <= set(frame["unit"])
    assert result.catalog_version == "minicat@1"
    assert result.seed >= 0 and result.draws == 0
    assert result.method["catalog_fingerprint"] == minicat.fingerprint
    # excluded, never silently zero: no goalposts, and excluded by its definition
    assert dict(zip(result.excluded["indicator"], result.excluded["reason"])) == {
        "T-SRV-R02": "no_goalposts", "T-SRV-R03": "excluded_by_definition"}
    assert "T-SRV-R02" not in set(frame["unit"])
    # result is immutable
    with pytest.raises(AttributeError):
        result.seed = 1  # type: ignore[misc]
    frame.loc[0, "score"] = -1
    assert result.to_frame().loc[0, "score"] != -1


def test_hand_computed_hierarchy(minicat) -> None:  # type: ignore[no-untyped-def]
    frame = score(_mini_values(), MINI_INDEX, minicat).to_frame()
    # ARG: yes (100), legal (50) -> structural 75; process 40 -> laws 57.5
    assert _at(frame, "ARG", "laws/structural", 2020)["score"] == pytest.approx(75.0)
    assert _at(frame, "ARG", "laws", 2020)["score"] == pytest.approx(57.5)
    # services: shelters 2.5 of 0-5 -> 50; violence 20 % of 0-50, lower is better -> 60
    assert _at(frame, "ARG", "services", 2020)["score"] == pytest.approx(55.0)
    assert _at(frame, "ARG", "mini", 2020)["score"] == pytest.approx(56.25)
    # BRA: no shelters value -> services/process missing; services has 1 of 2 types (0.5 >= 0.5)
    brs = _at(frame, "BRA", "services", 2020)
    assert np.isnan(_at(frame, "BRA", "services/process", 2020)["score"])
    assert brs["coverage"] == pytest.approx(0.5) and brs["score"] == pytest.approx(40.0)
    assert brs["indicators_used"] == 1 and brs["indicators_total"] == 2


def test_min_coverage_makes_aggregate_missing(minicat) -> None:  # type: ignore[no-untyped-def]
    frame = score(_mini_values(), MINI_INDEX, minicat).to_frame()
    chl = _at(frame, "CHL", "services", 2020)
    assert np.isnan(chl["score"]) and chl["coverage"] == 0 and pd.isna(chl["rank"])
    strict = load_index_spec(MINI_INDEX)
    strict = strict.replace(levels=tuple(lv if lv.id != "area" else Level("area", group_by="area", min_coverage=0.75)
                                         for lv in strict.levels))
    frame2 = score(_mini_values(), strict, minicat).to_frame()
    assert np.isnan(_at(frame2, "BRA", "services", 2020)["score"])     # 0.5 < 0.75
    assert _at(frame2, "ARG", "services", 2020)["score"] == pytest.approx(55.0)


def test_not_available_is_missing_not_zero() -> None:
    spec = _flat_spec(IndicatorSpec("A", goalposts=(0, 10), direction="higher_is_better"),
                      IndicatorSpec("B", goalposts=(0, 10), direction="higher_is_better"))
    values = _values([("PER", 2020, "A", 8.0), ("PER", 2020, "B", 0.0)])
    values["status"] = ["observed", "not_available"]
    row = _at(score(values, spec).to_frame(), "PER", "ix")
    assert row["score"] == pytest.approx(80.0) and row["coverage"] == pytest.approx(0.5)


def test_disaggregated_rows_are_not_totals() -> None:
    spec = _flat_spec(IndicatorSpec("A", goalposts=(0, 10), direction="higher_is_better"))
    values = _values([("PER", 2020, "A", 5.0), ("PER", 2020, "A", 1.0), ("PER", 2020, "A", 9.0)])
    values["age_group"] = ["_T", "Y15T29", None]
    with pytest.raises(DataError) as err:   # "_T" and empty are both totals: a duplicate
        score(values, spec)
    assert err.value.problems.loc[0, "code"] == "scores.duplicate"
    values["age_group"] = ["_T", "Y15T29", "Y30T44"]
    result = score(values, spec)
    assert _at(result.to_frame(), "PER", "ix")["score"] == pytest.approx(50.0)
    assert result.method["rows_other_disaggregations"] == 2
    young = score(values, spec.replace(disaggregation={"age_group": "Y15T29"}))
    assert _at(young.to_frame(), "PER", "ix")["score"] == pytest.approx(10.0)


# -- normalisation ---------------------------------------------------------------------

def test_minmax_across_years_and_per_year() -> None:
    values = _values([("A", 2020, "X", 10.0), ("B", 2020, "X", 20.0), ("A", 2021, "X", 30.0), ("B", 2021, "X", 20.0)])
    across = score(values, _flat_spec(IndicatorSpec("X", method="minmax", direction="higher_is_better"))).to_frame()
    assert _at(across, "B", "X", 2020)["score"] == pytest.approx(50.0)       # (20-10)/(30-10)
    assert _at(across, "A", "X", 2021)["score"] == pytest.approx(100.0)
    per_year = score(values, _flat_spec(IndicatorSpec("X", method="minmax", direction="higher_is_better",
                                                      across_years=False)))
    assert _at(per_year.to_frame(), "B", "X", 2020)["score"] == pytest.approx(100.0)
    with pytest.raises(DataError):
        per_year.trends(2020, 2021)


def test_target_log_and_lower_is_better() -> None:
    values = _values([("A", 2020, "T", 5.0), ("B", 2020, "T", 20.0), ("A", 2020, "L", 100.0),
                      ("B", 2020, "L", 1000.0)])
    spec = _flat_spec(IndicatorSpec("T", method="target", target=10, goalposts=(0, 40), direction="lower_is_better"),
                      IndicatorSpec("L", goalposts=(10, 10000), log=True, direction="higher_is_better"))
    frame = score(values, spec).to_frame()
    assert _at(frame, "A", "T")["score"] == pytest.approx(100.0)            # better than the target: capped
    assert _at(frame, "B", "T")["score"] == pytest.approx(100 * (40 - 20) / (40 - 10))
    assert _at(frame, "A", "L")["score"] == pytest.approx(100 / 3)          # log10 scale: 1 of 3 decades
    assert _at(frame, "B", "L")["score"] == pytest.approx(200 / 3)


def test_geometric_and_harmonic_means() -> None:
    values = _values([("A", 2020, "P", 25.0), ("A", 2020, "Q", 100.0)])
    items = (IndicatorSpec("P", goalposts=(0, 100), direction="higher_is_better"),
             IndicatorSpec("Q", goalposts=(0, 100), direction="higher_is_better"))
    geo = _at(score(values, _flat_spec(*items, aggregation="geometric")).to_frame(), "A", "ix")["score"]
    harm = _at(score(values, _flat_spec(*items, aggregation="harmonic")).to_frame(), "A", "ix")["score"]
    assert geo == pytest.approx(50.0)
    assert harm == pytest.approx(40.0)
    zero = _values([("A", 2020, "P", 0.0), ("A", 2020, "Q", 100.0)])
    assert _at(score(zero, _flat_spec(*items, aggregation="geometric")).to_frame(), "A", "ix")["score"] == 0
    weighted = _flat_spec(*items, weights={"P": 3.0})
    assert _at(score(values, weighted).to_frame(), "A", "ix")["score"] == pytest.approx(43.75)


def test_locf_imputation_is_reported() -> None:
    values = _values([("A", 2018, "X", 40.0), ("A", 2018, "Y", 60.0), ("A", 2022, "Y", 80.0),
                      ("B", 2022, "X", 10.0), ("B", 2022, "Y", 10.0)])
    items = (IndicatorSpec("X", goalposts=(0, 100), direction="higher_is_better"),
             IndicatorSpec("Y", goalposts=(0, 100), direction="higher_is_better"))
    plain = score(values, _flat_spec(*items, min_coverage=1.0))
    assert np.isnan(_at(plain.to_frame(), "A", "ix", 2022)["score"])
    assert plain.imputed.empty
    locf = score(values, _flat_spec(*items, min_coverage=1.0, imputation=Imputation("locf")))
    row = _at(locf.to_frame(), "A", "ix", 2022)
    assert row["score"] == pytest.approx(60.0) and row["imputed"] == 1
    assert locf.imputed.to_dict("records") == [{"country": "A", "year": 2022, "indicator": "X", "from_year": 2018,
                                                "method": "locf", "value": 40.0}]
    short = score(values, _flat_spec(*items, min_coverage=1.0, imputation=Imputation("locf", max_years=3)))
    assert np.isnan(_at(short.to_frame(), "A", "ix", 2022)["score"])


def test_years_select_output_only() -> None:
    values = _values([("A", 2020, "X", 10.0), ("B", 2020, "X", 20.0), ("A", 2021, "X", 30.0)])
    spec = _flat_spec(IndicatorSpec("X", method="minmax", direction="higher_is_better"))
    full = score(values, spec).to_frame()
    only = score(values, spec, years=[2020]).to_frame()
    assert set(only["year"]) == {2020}
    pd.testing.assert_frame_equal(full[full["year"] == 2020].reset_index(drop=True), only.reset_index(drop=True))
    with pytest.raises(OptionError):
        score(values, spec, years=[1999])


# -- uncertainty -------------------------------------------------------------------------

def test_draws_give_intervals_and_are_reproducible(minicat) -> None:  # type: ignore[no-untyped-def]
    values = _mini_values()
    values["se"] = np.where(values["indicator"] == "T-SRV-R01", 3.0, np.nan)
    a = score(values, MINI_INDEX, minicat, draws=200, seed=7)
    b = score(values, MINI_INDEX, minicat, draws=200, seed=7)
    c = score(values, MINI_INDEX, minicat, draws=200, seed=8)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert not a.to_frame()["ci_low"].equals(c.to_frame()["ci_low"])
    frame = a.to_frame().dropna(subset=["score"])
    assert (frame["ci_low"] <= frame["score"] + 1e-9).all() and (frame["score"] <= frame["ci_high"] + 1e-9).all()
    vio = _at(frame, "ARG", "T-SRV-R01", 2020)
    # normal draws with se 3 on 0-50 (lower is better): 90 % interval ~ +-1.645*3/50*100 points
    assert vio["ci_high"] - vio["ci_low"] == pytest.approx(2 * 1.645 * 6, rel=0.2)
    fixed = _at(frame, "ARG", "T-LAW-S01", 2020)     # yes/no: no sampling error
    assert fixed["ci_low"] == fixed["ci_high"] == 100
    assert (frame["rank_low"] <= frame["rank_high"]).all()
    assert a.sensitivity["choice"].unique().tolist() == ["sampling"]


def test_method_uncertainty_and_variance_shares(minicat) -> None:  # type: ignore[no-untyped-def]
    values = _mini_values()
    values["se"] = np.where(values["indicator"] == "T-SRV-R01", 3.0, np.nan)
    result = score(values, MINI_INDEX, minicat, draws=300, method_uncertainty=True)
    sens = result.sensitivity
    assert set(sens["choice"]) == {"sampling", "weights", "goalposts", "aggregation"}
    top = sens[sens["unit"] == "mini"].set_index("choice")
    assert top["total_effect"].between(-0.2, 1.5).all()
    # indicator T-LAW-S01 (yes/no) depends on no choice
    assert (sens.loc[sens["unit"] == "T-LAW-S01", "outputs"] == 0).all()
    # goalposts move only continuous indicators: the violence indicator's variance is sampling + goalposts
    vio = sens[(sens["unit"] == "T-SRV-R01")].set_index("choice")
    assert vio.loc["weights", "total_effect"] == pytest.approx(0, abs=1e-9)
    with pytest.raises(OptionError):
        score(values, MINI_INDEX, minicat, method_uncertainty=True)             # needs draws
    with pytest.raises(OptionError):
        score(values, MINI_INDEX, minicat, draws=10, method_uncertainty={"aggregation": {"nope": ["geometric"]}})


def test_trends_with_interval() -> None:
    values = _values([("A", 2020, "X", 40.0), ("A", 2022, "X", 50.0), ("B", 2020, "X", 40.0), ("B", 2022, "X", 40.5)])
    values["se"] = 1.0
    spec = _flat_spec(IndicatorSpec("X", goalposts=(0, 100), direction="higher_is_better"))
    result = score(values, spec, draws=2000)
    t = result.trends(2020, 2022)
    assert tuple(t.columns) == TREND_COLUMNS
    a = t[(t["country"] == "A") & (t["unit"] == "ix")].iloc[0]
    b = t[(t["country"] == "B") & (t["unit"] == "ix")].iloc[0]
    assert a["change"] == pytest.approx(10.0) and bool(a["significant"])
    # difference of two independent normals, sd sqrt(2): 90 % half-width 1.645*1.414
    assert (b["ci_high"] - b["ci_low"]) / 2 == pytest.approx(1.645 * np.sqrt(2), rel=0.1)
    assert not bool(b["significant"])
    with pytest.raises(OptionError):
        result.trends(2020, 2021)
    assert score(values, spec).trends(2020, 2022)["significant"].isna().all()


# -- errors -------------------------------------------------------------------------------

def test_data_errors_name_row_column_value(minicat) -> None:  # type: ignore[no-untyped-def]
    values = _mini_values()
    values.loc[0, "value"] = "maybe"
    values.loc[1, "value"] = "federal"
    with pytest.raises(DataError) as err:
        score(values, MINI_INDEX, minicat)
    problems = err.value.problems
    assert set(problems["code"]) == {"scores.not_binary", "scores.unknown_category"}
    assert problems.loc[0, "row"] == 0 and problems.loc[0, "column"] == "value"
    assert "maybe" in str(err.value) and "more problem" in str(err.value)
    with pytest.raises(DataError) as err_es:
        score(values, MINI_INDEX, minicat, lang="es")
    assert "Fila 0" in str(err_es.value)
    with pytest.raises(DataError, match="value"):
        score(values.drop(columns="value"), MINI_INDEX, minicat)


def test_log_of_nonpositive_is_an_error() -> None:
    spec = _flat_spec(IndicatorSpec("L", goalposts=(1, 100), log=True, direction="higher_is_better"))
    with pytest.raises(DataError) as err:
        score(_values([("A", 2020, "L", 0.0)]), spec)
    assert err.value.problems.loc[0, "code"] == "scores.log_nonpositive"


def test_spec_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: index\nformat_version: 1\nid: x\nlevels:\n  - id: indicator\n  - id: index\n"
                   "    aggregation: median\n", encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        IndexSpec.from_yaml(bad)
    assert "line 7" in str(err.value) and "aggregation" in str(err.value)
    with pytest.raises(DefinitionError):
        IndexSpec(id="x", levels=(Level("indicator"),), indicators=(IndicatorSpec("a"),))
    orphan = IndexSpec(id="x", levels=(Level("indicator"), Level("dim"), Level("index")),
                       indicators=(IndicatorSpec("a", parent="nowhere", goalposts=(0, 1),
                                                 direction="higher_is_better"),),
                       aggregates=(Aggregate("d", "dim"),))
    with pytest.raises(DefinitionError, match="nowhere"):
        score(_values([("A", 2020, "a", 1.0)]), orphan)
    with pytest.raises(OptionError):
        IndicatorSpec("a", goalposts=(5, 1))
    with pytest.raises(OptionError):
        score(_values([("A", 2020, "a", 1.0)]), "no-such-index")


def test_spec_round_trip_and_builtin_specs() -> None:
    hdi = IndexSpec.from_yaml(HDI_SPEC)
    assert IndexSpec.from_dict(hdi.to_dict()) == hdi
    for name in ("mesecvi", "sisdehm"):
        spec = load_index_spec(name)
        assert spec.level_ids == ("indicator", "type", "area", "overall")
        assert spec.catalog == name and not spec.explicit
        assert spec.uncertainty == Uncertainty(weights=0.25, goalposts=0.1,
                                               aggregation={"overall": ("arithmetic", "geometric")})


def test_cli_score_writes_table_trends_and_record(tmp_path: Path) -> None:
    from indicators.cli import main

    values = _values([("A", 2020, "X", 40.0), ("A", 2022, "X", 50.0), ("B", 2020, "X", 30.0), ("B", 2022, "X", 35.0)])
    src = tmp_path / "values.csv"
    values.to_csv(src, index=False)
    spec = tmp_path / "ix.yaml"
    spec.write_text("kind: index\nformat_version: 1\nid: ix\nlevels:\n  - id: indicator\n  - id: index\n"
                    "indicators:\n  - {id: X, goalposts: [0, 100], direction: higher_is_better}\n", encoding="utf-8")
    out = tmp_path / "scores.csv"
    code = main(["score", str(src), "--spec", str(spec), "--out", str(out), "--trends", "2020", "2022",
                 "--record", str(tmp_path / "record.json"), "--draws", "20"])
    assert code == 0
    frame = pd.read_csv(out)
    assert tuple(frame.columns[: len(SCORE_COLUMNS)]) == SCORE_COLUMNS
    where = (frame["country"] == "A") & (frame["year"] == 2022) & (frame["unit"] == "ix")
    assert frame.loc[where, "score"].item() == 50
    trends = pd.read_csv(tmp_path / "scores_trends.csv")
    assert trends.loc[trends["country"] == "B", "change"].tolist() == [5.0, 5.0]
    assert '"seed": 20130521' in (tmp_path / "record.json").read_text(encoding="utf-8")
    assert main(["score", str(src), "--spec", str(tmp_path / "missing.yaml")]) == 2


@pytest.mark.parametrize("system", ["mesecvi", "sisdehm"])
def test_shipped_specs_score_their_catalogs(system: str) -> None:
    """Every catalog indicator is either in the index structure or listed as excluded, never dropped."""
    from indicators.scores._plan import build_plan

    cat = load_catalog(system)
    spec = load_index_spec(system)
    plan = build_plan(spec, cat)
    rng = np.random.default_rng(3)
    rows = []
    for p in plan.indicators:
        for country in ("ARG", "PER"):
            if p.method == "binary":
                v: object = int(rng.integers(0, 2))
            elif p.method == "categories":
                assert p.points is not None
                v = next(iter(p.points))
            else:
                assert p.goalposts is not None
                v = float(np.mean(p.goalposts))
            rows.append((country, 2020, p.id, v))
    result = score(_values(rows), system)
    frame = result.to_frame()
    scored = set(frame.loc[frame["level"] == "indicator", "unit"])
    assert scored | set(result.excluded["indicator"]) == set(cat.ids)
    assert set(frame.loc[frame["level"] == "area", "unit"]) == {a.id for a in cat.areas
                                                                if any(cat[p.id].area == a.id for p in plan.indicators)}
    overall = frame[frame["level"] == "overall"]
    assert overall["coverage"].eq(1).all() and overall["score"].between(0, 100).all()
    assert result.catalog_version == cat.label
