"""Imputation methods, each against an independent computation.

Sources of truth: numpy's ``interp`` (linear interpolation between rounds), ``nanmean``/``nanmedian``
of the other countries computed here, the country codelist's M49 subregions, and statsmodels'
``MICEData`` run directly on the same wide table with the same seed (regression imputation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.errors import OptionError
from indicators.scores import Imputation, IndexSpec, IndicatorSpec, Level

ITEMS = (IndicatorSpec("X", goalposts=(0, 100), direction="higher_is_better"),
         IndicatorSpec("Y", goalposts=(0, 100), direction="higher_is_better"))


def _spec(imputation: Imputation, **extra: object) -> IndexSpec:
    return IndexSpec(id="ix", levels=(Level("indicator"), Level("index", min_coverage=1.0)), indicators=ITEMS,
                     imputation=imputation, **extra)  # type: ignore[arg-type]


def _table(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])


def _value(result: ind.Scores, country: str, year: int, unit: str) -> float:
    f = result.to_frame()
    return float(f.loc[(f["country"] == country) & (f["year"] == year) & (f["unit"] == unit), "score"].iloc[0])


def test_interpolation_between_rounds_matches_numpy() -> None:
    rows = [("ARG", 2014, "X", 20.0), ("ARG", 2020, "X", 50.0), ("ARG", 2017, "Y", 5.0),
            ("ARG", 2014, "Y", 1.0), ("ARG", 2020, "Y", 9.0), ("ARG", 2023, "Y", 10.0)]
    result = ind.score(_table(rows), _spec(Imputation("interpolate")))
    assert _value(result, "ARG", 2017, "X") == pytest.approx(np.interp(2017, [2014, 2020], [20.0, 50.0]))
    assert np.isnan(_value(result, "ARG", 2023, "X"))          # never beyond the last round
    rec = result.imputed
    assert rec[["year", "indicator", "method"]].to_dict("records") == [
        {"year": 2017, "indicator": "X", "method": "interpolate"}]


def test_mean_and_median_overall_and_within_subregion() -> None:
    # ARG, CHL, PER: south_america; GTM, HND: central_america (M49, country codelist)
    x = {"ARG": 10.0, "CHL": 30.0, "PER": 80.0, "GTM": 40.0, "HND": 60.0}
    rows = [(c, 2022, "X", v) for c, v in x.items()] + [(c, 2022, "Y", 50.0) for c in [*x, "BOL", "SLV"]]
    overall = ind.score(_table(rows), _spec(Imputation("mean")))
    assert _value(overall, "BOL", 2022, "X") == pytest.approx(np.mean(list(x.values())))
    median = ind.score(_table(rows), _spec(Imputation("median")))
    assert _value(median, "SLV", 2022, "X") == pytest.approx(np.median(list(x.values())))
    within = ind.score(_table(rows), _spec(Imputation("median", group="subregion")))
    assert _value(within, "BOL", 2022, "X") == pytest.approx(np.median([10.0, 30.0, 80.0]))
    assert _value(within, "SLV", 2022, "X") == pytest.approx(np.median([40.0, 60.0]))
    assert set(within.imputed["method"]) == {"median"} and len(within.imputed) == 2
    with pytest.raises(OptionError):
        ind.score(_table(rows), _spec(Imputation("mean", group="income_group_nowhere")))


def test_methods_run_in_order_and_never_invent_a_round() -> None:
    rows = [("ARG", 2018, "X", 40.0), ("ARG", 2018, "Y", 60.0), ("ARG", 2022, "Y", 80.0),
            ("CHL", 2022, "X", 10.0), ("CHL", 2022, "Y", 10.0), ("CHL", 2018, "Y", 30.0)]
    result = ind.score(_table(rows), _spec(Imputation(("locf", "mean"))))
    rec = result.imputed.set_index(["country", "year", "indicator"])
    assert rec.loc[("ARG", 2022, "X"), "method"] == "locf" and rec.loc[("ARG", 2022, "X"), "from_year"] == 2018
    assert rec.loc[("CHL", 2018, "X"), "method"] == "mean" and rec.loc[("CHL", 2018, "X"), "value"] == 40.0
    only_mean = ind.score(_table(rows[:3]), _spec(Imputation("mean")))
    assert only_mean.imputed.empty                              # one country: nothing to average


def test_regression_imputation_matches_statsmodels_mice_and_widens_intervals() -> None:
    from statsmodels.imputation.mice import MICEData

    rng = np.random.default_rng(7)
    countries = [f"C{k:02d}" for k in range(30)]
    x = rng.uniform(10, 90, size=30)
    y = np.clip(0.8 * x + rng.normal(0, 5, size=30), 0, 100)
    rows = [(c, 2022, "X", float(v)) for c, v in zip(countries, x)]
    rows += [(c, 2022, "Y", float(v)) for k, (c, v) in enumerate(zip(countries, y)) if k % 5]
    spec = _spec(Imputation("regression", imputations=4))
    result = ind.score(_table(rows), spec, seed=11)
    # statsmodels directly: same wide table (columns in index order), same seed, same updates
    wide = pd.DataFrame({"x0": x, "x1": np.where(np.arange(30) % 5 == 0, np.nan, y)})
    data = MICEData(wide, rng=np.random.default_rng(11))
    sets = []
    for k in range(4):
        data.update_all(10 if k == 0 else 5)
        sets.append(data.data["x1"].to_numpy().copy())
    expected = np.mean(sets, axis=0)
    rec = result.imputed.set_index("country")
    assert set(rec["method"]) == {"regression"} and len(rec) == 6
    for k in range(0, 30, 5):
        assert rec.loc[countries[k], "value"] == pytest.approx(expected[k])
    drawn = ind.score(_table(rows), spec, seed=11, draws=40, method_uncertainty={"weights": 0.0})
    f = drawn.to_frame()
    row = f.loc[(f["country"] == "C00") & (f["unit"] == "Y")].iloc[0]
    assert row["ci_high"] > row["ci_low"]                       # the imputations differ
    assert "imputation" in drawn.method["factors"]


def test_alternative_imputations_are_a_method_choice() -> None:
    rows = [("ARG", 2022, "X", 10.0), ("CHL", 2022, "X", 20.0), ("PER", 2022, "X", 90.0),
            ("ARG", 2022, "Y", 50.0), ("CHL", 2022, "Y", 50.0), ("PER", 2022, "Y", 50.0), ("BOL", 2022, "Y", 50.0)]
    result = ind.score(_table(rows), _spec(Imputation("mean")), draws=60,
                       method_uncertainty={"imputation": ["median"]})
    f = result.to_frame()
    bol = f.loc[(f["country"] == "BOL") & (f["unit"] == "X")].iloc[0]
    assert bol["score"] == pytest.approx(40.0)                  # the spec's mean
    assert bol["ci_low"] == pytest.approx(20.0) and bol["ci_high"] == pytest.approx(40.0)   # median or mean
    assert result.sensitivity.query("unit == 'X'")["choice"].tolist() == ["imputation"]
