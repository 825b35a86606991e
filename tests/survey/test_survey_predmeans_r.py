"""Predicted margins against R's survey 4.1.1 ``svypredmeans`` (``tests/data/survey/r_predmeans.R``).

Linear (income) and quasibinomial (ipv_any_12m) models, margins of area adjusted for age group
and of age group adjusted for area, each level and each difference from the first level
(``svycontrast`` of the margins), on a stratified cluster design and the same with an fpc:
112 figures at a relative 1e-9. R is not needed here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_survey_analysis_r import DATA, design

from indicators.errors import DataError
from indicators.survey import predicted_means

EXPECTED = pd.read_csv(DATA / "r_predmeans_expected.csv")
MODELS = {"income_area": ("income", "age_group", "area", "gaussian"),
          "income_age": ("income", "area", "age_group", "gaussian"),
          "ipv_area": ("ipv_any_12m", "age_group", "area", "quasibinomial"),
          "ipv_age": ("ipv_any_12m", "area", "age_group", "quasibinomial")}


@pytest.mark.parametrize("case", ["plain", "fpc_pop"])
@pytest.mark.parametrize("model", list(MODELS))
def test_predicted_means_are_svypredmeans(case: str, model: str) -> None:
    outcome, covariate, group, family = MODELS[model]
    part = EXPECTED[(EXPECTED["case"] == case) & (EXPECTED["analysis"] == model)]
    want = dict(zip(part["key"], part["value"], strict=True))
    frame = predicted_means(design(case), outcome, [covariate], group, family=family).to_frame()  # type: ignore[arg-type]
    for row in frame.to_dict("records"):
        assert row["estimate"] == pytest.approx(want[f"estimate_{row['contrast']}"], rel=1e-9)
        assert row["se"] == pytest.approx(want[f"se_{row['contrast']}"], rel=1e-9)
    assert 2 * len(frame) == len(want)


def test_predicted_means_on_replicate_designs_use_the_replicates() -> None:
    # Two routes: without covariates the margins are the group means, whose replicate SEs the
    # design's own estimator gives (the coefficients' part and the averaging part add up to it).
    d = design("rep_JK1")
    got = predicted_means(d, "income", [], "area").to_frame()
    direct = d.mean("income", by="area").to_frame()
    for level in ("R", "U"):
        row = got[got["contrast"] == level].iloc[0]
        ref = direct[direct["area"] == level].iloc[0]
        assert row["estimate"] == pytest.approx(ref["estimate"], rel=1e-9)
        assert row["se"] == pytest.approx(ref["se"], rel=1e-6)


def test_predicted_means_name_a_missing_column() -> None:
    with pytest.raises(DataError, match="nope"):
        predicted_means(design("plain"), "income", ["age_group"], "nope")
