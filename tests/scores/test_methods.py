"""Normalisation and aggregation methods beside goalposts and the three means.

Sources of truth: scipy (``stats.zscore`` with ``ddof=1``, ``stats.rankdata(method="min")``,
``stats.pmean``) computed independently here, and COINr's definitions written out by hand
(``n_prank``, ``n_borda``, ``n_fracmax``, ``n_dist2ref``, ``a_genmean``, ``a_copeland`` with its
``outrankMatrix``: R/normalise.R and R/aggregate.R of COINr 1.x).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import indicators as ind
from indicators.errors import OptionError
from indicators.scores import IndexSpec, IndicatorSpec, Level

COUNTRIES = ["ARG", "BOL", "CHL", "COL", "PER", "URY"]
X = np.array([12.0, 30.0, 18.0, 18.0, 7.0, 25.0])
Y = np.array([3.0, 1.0, 4.0, 2.0, 5.0, 2.5])


def _values(*columns: np.ndarray) -> pd.DataFrame:
    rows = [(c, 2022, f"I{k}", float(col[n])) for k, col in enumerate(columns) for n, c in enumerate(COUNTRIES)]
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])


def _scores(method: str, direction: str = "higher_is_better", scale: float = 1.0, **extra: object) -> pd.Series:
    spec = IndexSpec(id="m", scale=scale, levels=(Level("indicator"), Level("index")),
                     indicators=(IndicatorSpec("I0", method=method, direction=direction, **extra),))  # type: ignore[arg-type]
    frame = ind.score(_values(X), spec).to_frame()
    return frame.loc[frame["unit"] == "I0"].set_index("country")["score"].reindex(COUNTRIES)


def test_zscore_matches_scipy() -> None:
    assert np.allclose(_scores("zscore"), stats.zscore(X, ddof=1))
    assert np.allclose(_scores("zscore", "lower_is_better"), -stats.zscore(X, ddof=1))


def test_rank_percentile_and_borda_match_scipy_ranks() -> None:
    r = stats.rankdata(X, method="min")                 # COINr n_rank: ties at the lowest rank
    assert np.array_equal(_scores("rank"), r)
    assert np.allclose(_scores("percentile"), (r - 1) / (len(X) - 1))      # n_prank
    assert np.array_equal(_scores("borda"), r - 1)                       # n_borda
    low = stats.rankdata(-X, method="min")
    assert np.array_equal(_scores("rank", "lower_is_better"), low)


def test_distance_to_the_best_and_to_a_reference() -> None:
    assert np.allclose(_scores("distance_best"), X / X.max())                  # n_fracmax
    assert np.allclose(_scores("distance_best", "lower_is_better"), X.min() / X)
    ref = COUNTRIES.index("CHL")
    expected = 1 - (X[ref] - X) / (X[ref] - X.min())                         # n_dist2ref
    assert np.allclose(_scores("distance_reference", reference="CHL", cap=False), expected)
    assert np.allclose(_scores("distance_reference", reference="CHL"), np.minimum(expected, 1))


def test_raw_with_limits_multiplier_and_reciprocal() -> None:
    got = _scores("raw", limits=(10, 20), multiplier=0.5, reciprocal=True)
    assert np.allclose(got, 1 / (0.5 * np.clip(X, 10, 20)))
    with pytest.raises(OptionError):
        IndicatorSpec("a", limits=(5, 1))
    with pytest.raises(OptionError):
        IndicatorSpec("a", method="distance_reference")        # which country?


def _index(aggregation: str, power: float | None = None, weights: tuple[float, float] = (1.0, 1.0)) -> pd.Series:
    spec = IndexSpec(id="m", scale=1.0, levels=(Level("indicator"), Level("index", aggregation=aggregation,  # type: ignore[arg-type]
                                                                           power=power)),
                     indicators=(IndicatorSpec("I0", goalposts=(0, 40), direction="higher_is_better",
                                               weight=weights[0]),
                                 IndicatorSpec("I1", goalposts=(0, 5), direction="higher_is_better",
                                               weight=weights[1])))
    frame = ind.score(_values(X, Y), spec).to_frame()
    return frame.loc[frame["unit"] == "m"].set_index("country")["score"].reindex(COUNTRIES)


def test_power_mean_matches_scipy_pmean() -> None:
    a, b = X / 40, Y / 5
    data = np.column_stack([a, b])
    for p in (2.0, 0.5, -1.0, -3.0):
        w = np.array([2.0, 1.0])
        expected = stats.pmean(data, p, axis=1, weights=w)
        assert np.allclose(_index("power", p, (2.0, 1.0)), expected), p
    assert np.allclose(_index("power", 1.0), data.mean(axis=1))
    with pytest.raises(OptionError):
        Level("index", aggregation="power")        # no exponent


def test_copeland_matches_the_outranking_matrix_by_hand() -> None:
    data = np.column_stack([X / 40, Y / 5])
    w = np.array([2.0, 1.0]) / 3
    n = len(COUNTRIES)
    score = np.zeros(n)
    for i in range(n):                            # COINr outrankMatrix, then a_copeland
        for j in range(n):
            if i == j:
                continue
            orm = w[data[i] > data[j]].sum() + w[data[i] == data[j]].sum() / 2
            score[i] += 1 if orm > 0.5 else -1 if orm < 0.5 else 0
    got = _index("copeland", weights=(2.0, 1.0))
    assert np.allclose(got, (score + n - 1) / (2 * (n - 1)))


def test_copeland_with_missing_values_compares_each_pair_on_what_both_have() -> None:
    # by hand: a pair is compared on the children both countries have (weights over those);
    # the result does not depend on the order of the rows (COINr's outrankMatrix does)
    a, b = X / 40, Y / 5
    a, b = a.copy(), b.copy()
    a[1] = b[4] = np.nan        # BOL lacks the heavier child, PER the lighter one
    w = np.array([2.0, 1.0])
    data = np.column_stack([a, b])
    n = len(COUNTRIES)
    score = np.zeros(n)
    for i in range(n):
        for j in range(n):
            both = ~np.isnan(data[i]) & ~np.isnan(data[j])
            if i == j or not both.any():
                continue
            wi = w[both] / w[both].sum()
            orm = wi[data[i][both] > data[j][both]].sum() + wi[data[i][both] == data[j][both]].sum() / 2
            score[i] += 1 if orm > 0.5 else -1 if orm < 0.5 else 0
    spec = IndexSpec(id="m", scale=1.0, levels=(Level("indicator"), Level("index", aggregation="copeland",
                                                                           min_coverage=0.0)),
                     indicators=(IndicatorSpec("I0", goalposts=(0, 40), direction="higher_is_better", weight=2.0),
                                 IndicatorSpec("I1", goalposts=(0, 5), direction="higher_is_better")))
    values = _values(X, Y)
    values = values.loc[~(((values["indicator"] == "I0") & (values["country"] == "BOL"))
                          | ((values["indicator"] == "I1") & (values["country"] == "PER")))]
    frame = ind.score(values, spec).to_frame()
    got = frame.loc[frame["unit"] == "m"].set_index("country")["score"].reindex(COUNTRIES)
    assert np.allclose(got, (score + n - 1) / (2 * (n - 1)))
    shuffled = ind.score(values.sample(frac=1, random_state=4), spec).to_frame()
    again = shuffled.loc[shuffled["unit"] == "m"].set_index("country")["score"].reindex(COUNTRIES)
    assert np.allclose(got, again)


def test_normalisation_declared_per_aggregate_or_level() -> None:
    spec = IndexSpec(id="m", scale=1.0, levels=(Level("indicator"), Level("pillar"), Level("index")),
                     indicators=(IndicatorSpec("I0", parent="p", direction="higher_is_better"),
                                 IndicatorSpec("I1", parent="q", direction="higher_is_better"),
                                 IndicatorSpec("I2", parent="q", goalposts=(0, 10), direction="higher_is_better")),
                     aggregates=(ind.scores.Aggregate("p", level="pillar", method="percentile"),
                                 ind.scores.Aggregate("q", level="pillar")))
    spec = spec.replace(levels=(Level("indicator"), Level("pillar", method="zscore"), Level("index")))
    result = ind.score(_values(X, Y, Y), spec)
    methods = result.normalisation.set_index("indicator")["method"].to_dict()
    assert methods == {"I0": "percentile", "I1": "zscore", "I2": "goalposts"}
    frame = result.to_frame().set_index(["unit", "country"])["score"]
    assert np.allclose(frame.loc["I0"].reindex(COUNTRIES), (stats.rankdata(X, method="min") - 1) / 5)
    assert np.allclose(frame.loc["I1"].reindex(COUNTRIES), stats.zscore(Y, ddof=1))
