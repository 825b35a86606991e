"""Properties of scores that hold for any data (hypothesis).

- improving an indicator in its good direction never lowers its area's score (any mean);
- the order of the rows changes nothing;
- identical countries get identical scores and ranks;
- a one-indicator index returns the indicator's normalised value;
- coverage is the weighted share of children with data, and below the minimum the score is missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.scores import Aggregate, IndexSpec, IndicatorSpec, Level, score

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
IDS = ["a1", "a2", "a3", "b1", "b2"]
DIRECTIONS = {"a1": "higher_is_better", "a2": "lower_is_better", "a3": "higher_is_better",
              "b1": "lower_is_better", "b2": "higher_is_better"}
GOALPOSTS = {"a1": (0, 100), "a2": (0, 50), "a3": (1, 1000), "b1": (0, 10), "b2": (-5, 5)}


def _spec(aggregation: str = "arithmetic", min_coverage: float = 0.5) -> IndexSpec:
    return IndexSpec(
        id="ix",
        levels=(Level("indicator"), Level("area", aggregation=aggregation, min_coverage=min_coverage),  # type: ignore[arg-type]
                Level("index", aggregation=aggregation, min_coverage=min_coverage)),  # type: ignore[arg-type]
        indicators=tuple(IndicatorSpec(i, parent="A" if i.startswith("a") else "B", goalposts=GOALPOSTS[i],
                                       direction=DIRECTIONS[i], log=i == "a3", weight=1.0 + k % 2)  # type: ignore[arg-type]
                         for k, i in enumerate(IDS)),
        aggregates=(Aggregate("A", "area"), Aggregate("B", "area", weight=2.0)),
    )


value = st.floats(min_value=-20, max_value=1200, allow_nan=False)
maybe = st.one_of(st.none(), value)


@st.composite
def tables(draw: st.DrawFn, countries: int = 4) -> pd.DataFrame:
    rows = []
    for c in range(countries):
        for year in (2020, 2021):
            for ind in IDS:
                v = draw(maybe)
                if v is None:
                    continue
                if ind == "a3":
                    v = abs(v) + 1.0
                rows.append((f"C{c:02d}", year, ind, v))
    if not rows:
        rows.append(("C00", 2020, "a1", 50.0))
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])


@SETTINGS
@given(tables(), st.sampled_from(IDS), st.floats(min_value=0.01, max_value=500),
       st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_improving_an_indicator_never_lowers_its_area(table: pd.DataFrame, ind: str, step: float,
                                                       aggregation: str) -> None:
    spec = _spec(aggregation)
    rows = table.index[table["indicator"] == ind]
    if rows.empty:
        return
    row = rows[0]
    better = table.copy()
    sign = 1 if DIRECTIONS[ind] == "higher_is_better" else -1
    new = better.loc[row, "value"] + sign * step
    if ind == "a3" and new <= 0:
        return
    better.loc[row, "value"] = new
    country, year = table.loc[row, "country"], table.loc[row, "year"]
    area = "A" if ind.startswith("a") else "B"
    before = score(table, spec).to_frame().set_index(["country", "year", "unit"])["score"]
    after = score(better, spec).to_frame().set_index(["country", "year", "unit"])["score"]
    for unit in (ind, area, "ix"):
        b, a = before[(country, year, unit)], after[(country, year, unit)]
        if np.isnan(b):
            assert np.isnan(a)
        else:
            assert a >= b - 1e-9, (unit, b, a)


@SETTINGS
@given(tables(), st.randoms(use_true_random=False))
def test_row_order_changes_nothing(table: pd.DataFrame, rnd) -> None:  # type: ignore[no-untyped-def]
    spec = _spec()
    order = list(table.index)
    rnd.shuffle(order)
    shuffled = table.loc[order]
    a = score(table, spec).to_frame()
    b = score(shuffled, spec).to_frame()
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(tables(countries=3))
def test_identical_countries_get_identical_scores(table: pd.DataFrame) -> None:
    twin = table[table["country"] == "C00"].assign(country="C99")
    frame = score(pd.concat([table, twin], ignore_index=True), _spec("geometric")).to_frame()
    a = frame[frame["country"] == "C00"].drop(columns="country").reset_index(drop=True)
    b = frame[frame["country"] == "C99"].drop(columns="country").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(st.lists(st.floats(min_value=-50, max_value=150, allow_nan=False), min_size=1, max_size=8),
       st.sampled_from(["higher_is_better", "lower_is_better"]), st.booleans(),
       st.sampled_from(["arithmetic", "geometric", "harmonic"]))
def test_one_indicator_index_is_its_normalised_value(values: list[float], direction: str, cap: bool,
                                                     aggregation: str) -> None:
    spec = IndexSpec(id="one", levels=(Level("indicator"), Level("index", aggregation=aggregation)),  # type: ignore[arg-type]
                     indicators=(IndicatorSpec("x", goalposts=(0, 100), direction=direction, cap=cap),))  # type: ignore[arg-type]
    table = pd.DataFrame({"country": [f"C{k}" for k in range(len(values))], "year": 2020, "indicator": "x",
                          "value": values})
    frame = score(table, spec).to_frame()
    z = np.asarray(values) if direction == "higher_is_better" else 100 - np.asarray(values)
    if cap:
        z = np.clip(z, 0, 100)
    got_ind = frame[frame["level"] == "indicator"].set_index("country")["score"]
    got_top = frame[frame["level"] == "index"].set_index("country")["score"]
    expected = pd.Series(z, index=[f"C{k}" for k in range(len(values))])
    np.testing.assert_allclose(got_ind[expected.index], expected, atol=1e-9)
    if aggregation == "arithmetic" or cap:     # a mean of one positive value is the value
        np.testing.assert_allclose(got_top[expected.index], expected, atol=1e-9)


@SETTINGS
@given(tables(), st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]))
def test_coverage_rule(table: pd.DataFrame, min_coverage: float) -> None:
    frame = score(table, _spec(min_coverage=min_coverage)).to_frame()
    present = set(zip(table["country"], table["year"], table["indicator"]))
    weights = {i: 1.0 + k % 2 for k, i in enumerate(IDS)}
    for (country, year), group in frame.groupby(["country", "year"]):
        for area, members in (("A", ["a1", "a2", "a3"]), ("B", ["b1", "b2"])):
            row = group[group["unit"] == area].iloc[0]
            share = sum(weights[i] for i in members if (country, year, i) in present) / sum(weights[i] for i in members)
            assert row["coverage"] == pytest.approx(share)
            assert np.isnan(row["score"]) == (share < min_coverage - 1e-12 or share == 0)
