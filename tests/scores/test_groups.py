"""Indices across groups: UNDP's GII and GDI, gap scores, ratios and differences of index results.

Sources of truth: Table 4 of UNDP's Human Development Report 2015 (published GII of three regions,
``tests/data/scores/gii2014_sample.csv``; Norway's GDI, ``gdi2014_norway.csv``), the method of its
technical note 3 recomputed here with numpy, and hand-worked gap scores (EIGE's ``1 - |x_F / x̄ - 1|``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.errors import DataError, DefinitionError, OptionError
from indicators.scores import IndexSpec, IndicatorSpec, Level
from indicators.scores._spec_groups import Combine, Groups

ROOT = Path(__file__).parents[2]
DATA = ROOT / "tests" / "data" / "scores"
GII = ROOT / "docs" / "examples" / "gii2014.yaml"
GDI = ROOT / "docs" / "examples" / "gdi2014.yaml"


def _gii_by_hand(rows: pd.DataFrame) -> float:
    """UNDP technical note 3, written out with numpy from the long table."""
    v = {(r.indicator, r.sex): float(r.value) for r in rows.itertuples()}
    mmr = min(max(v[("GII-MMR", "_T")], 10.0), 1000.0)
    health_f = np.sqrt((10.0 / mmr) * (1.0 / v[("GII-ABR", "F")]))
    emp = {s: np.sqrt(v[("GII-PR", s)] / 100 * v[("GII-SE", s)] / 100) for s in "FM"}
    lab = {s: v[("GII-LFPR", s)] / 100 for s in "FM"}
    g_f = (health_f * emp["F"] * lab["F"]) ** (1 / 3)
    g_m = (1.0 * emp["M"] * lab["M"]) ** (1 / 3)
    harm = 2.0 / (1.0 / g_f + 1.0 / g_m)
    g_fm = ((health_f + 1) / 2 * (emp["F"] + emp["M"]) / 2 * (lab["F"] + lab["M"]) / 2) ** (1 / 3)
    return float(1.0 - harm / g_fm)


def test_gii_reproduces_published_regional_values() -> None:
    table = pd.read_csv(DATA / "gii2014_sample.csv")
    result = ind.score(table.drop(columns="gii_published"), GII).to_frame()
    gii = result.loc[result["unit"] == "gii"].set_index("country")["score"]
    published = table.groupby("country")["gii_published"].first()
    assert set(gii.index) == set(published.index)
    for country, value in published.items():
        assert abs(gii[country] - value) <= 0.001, country           # HDR 2015 table 4
        by_hand = _gii_by_hand(table.loc[table["country"] == country])
        assert gii[country] == pytest.approx(by_hand, rel=1e-12)     # technical note 3


def test_gii_ranks_the_least_unequal_first() -> None:
    table = pd.read_csv(DATA / "gii2014_sample.csv")
    frame = ind.score(table.drop(columns="gii_published"), GII).to_frame()
    gii = frame.loc[frame["unit"] == "gii"].set_index("country")
    published = table.groupby("country")["gii_published"].first()
    assert gii["rank"].to_dict() == published.rank(method="min").astype(int).to_dict()   # lowest GII is 1
    harm = frame.loc[frame["unit"] == "harm"].set_index("country")
    assert harm.loc[harm["score"].idxmax(), "rank"] == 1                                    # other nodes: highest first
    spec = IndexSpec.from_yaml(GII).replace(lower_is_better=("nope",))
    with pytest.raises(DefinitionError, match="lower_is_better"):
        ind.score(table.drop(columns="gii_published"), spec)
    assert IndexSpec.from_yaml(GII).to_dict()["lower_is_better"] == ["gii"]


def test_gii_group_nodes_and_constants() -> None:
    table = pd.read_csv(DATA / "gii2014_sample.csv").drop(columns="gii_published")
    result = ind.score(table, GII)
    frame = result.to_frame()
    lac = frame.loc[frame["country"] == "Latin America and the Caribbean"].set_index("unit")
    assert lac.loc["health@M", "score"] == 1.0 and lac.loc["health@M", "group"] == "M"
    assert lac.loc["GII-PR@F", "score"] == pytest.approx(0.342)
    assert lac.loc["health@F", "score"] == pytest.approx(np.sqrt(10 / 85 / 51.4))
    assert pd.isna(lac.loc["gii", "group"])
    assert result.method["rows_used"] == len(table) - 0  # every row feeds a node
    assert set(result.normalisation["source"]) == {"GII-MMR", "GII-ABR", "GII-PR", "GII-SE", "GII-LFPR"}


def test_gii_without_the_sex_column_is_a_data_error() -> None:
    table = pd.read_csv(DATA / "gii2014_sample.csv").drop(columns=["gii_published", "sex"])
    with pytest.raises(DataError) as err:
        ind.score(table, GII)
    assert err.value.problems.loc[0, "column"] == "sex"


def test_gdi_reproduces_norway() -> None:
    table = pd.read_csv(DATA / "gdi2014_norway.csv")
    frame = ind.score(table, GDI).to_frame().set_index("unit")
    assert abs(frame.loc["hdi@F", "score"] - 0.940) <= 0.001      # HDR 2015 table 4
    assert abs(frame.loc["hdi@M", "score"] - 0.944) <= 0.001
    assert abs(frame.loc["gdi", "score"] - 0.996) <= 0.001
    # technical note 3 by hand: female life-expectancy goalposts 22.5-87.5, male 17.5-82.5
    f = ((83.6 - 22.5) / 65 * (1 + 12.7 / 15) / 2 * np.log(57140 / 100) / np.log(750)) ** (1 / 3)
    m = ((79.5 - 17.5) / 65 * (16.9 / 18 + 12.5 / 15) / 2 * np.log(72825 / 100) / np.log(750)) ** (1 / 3)
    assert frame.loc["gdi", "score"] == pytest.approx(f / m, rel=1e-12)


def _two_group_spec(*steps: Combine) -> IndexSpec:
    return IndexSpec(
        id="g", scale=1.0, groups=Groups("sex", ("F", "M")), combine=steps,
        levels=(Level("indicator"), Level("sub"), Level("index")),
        indicators=(IndicatorSpec("A", parent="s", goalposts=(0, 100), direction="higher_is_better"),
                    IndicatorSpec("B", parent="s", goalposts=(0, 100), direction="higher_is_better")),
        aggregates=(ind.scores.Aggregate("s", level="sub"),))


def _two_group_values() -> pd.DataFrame:
    return pd.DataFrame({"country": ["PER"] * 4 + ["CHL"] * 4, "year": 2020,
                         "indicator": ["A", "A", "B", "B"] * 2, "sex": ["F", "M"] * 4,
                         "value": [40.0, 60.0, 20.0, 40.0, 50.0, 50.0, 90.0, 30.0]})


def test_gap_ratio_difference_and_power_mean_by_hand() -> None:
    spec = _two_group_spec(
        Combine("gap", gap="s", group="F"), Combine("ratio", ratio=("s@F", "s@M")),
        Combine("diff", difference=("s@F", "s@M")),
        Combine("p2", across="s", aggregation="power", power=2.0),
        Combine("inv", of=("ratio",), reciprocal=True, limits=(None, 1.5)))
    frame = ind.score(_two_group_values(), spec).to_frame()
    per = frame.loc[frame["country"] == "PER"].set_index("unit")["score"]
    chl = frame.loc[frame["country"] == "CHL"].set_index("unit")["score"]
    # PER: s@F = (0.4 + 0.2) / 2 = 0.3, s@M = 0.5; CHL: s@F = 0.7, s@M = 0.4
    assert per["gap"] == pytest.approx(1 - abs(0.3 / 0.4 - 1))        # 0.75
    assert chl["gap"] == pytest.approx(1 - abs(0.7 / 0.55 - 1))
    assert per["ratio"] == pytest.approx(0.6) and per["diff"] == pytest.approx(-0.2)
    assert per["p2"] == pytest.approx(np.sqrt((0.3 ** 2 + 0.5 ** 2) / 2))
    assert per["inv"] == pytest.approx(1.5) and chl["inv"] == pytest.approx(0.4 / 0.7)


def test_group_specs_round_trip_and_errors(tmp_path: Path) -> None:
    spec = IndexSpec.from_yaml(GII)
    assert IndexSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(DefinitionError, match="unknown nodes"):
        ind.score(_two_group_values(), _two_group_spec(Combine("x", ratio=("s@F", "nowhere"))))
    with pytest.raises(OptionError):
        Combine("x", ratio=("a", "b"), difference=("a", "b"))
    with pytest.raises(OptionError):
        Combine("x", gap="s")                     # which group's gap?
    with pytest.raises(DefinitionError, match="groups"):
        IndexSpec(id="g", levels=(Level("indicator"), Level("index")), combine=(Combine("x", across="a"),),
                  indicators=(IndicatorSpec("a", goalposts=(0, 1), direction="higher_is_better"),))
