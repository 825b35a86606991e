"""Finite population correction, lonely PSUs, domain intervals and replicate weights vs R.

Source of truth: ``tests/data/survey/r_cases_expected.csv``, printed by R's ``survey``
4.1.1 running ``tests/data/survey/r_cases.R`` on ``cases_data.csv``,
``cases_lonely.csv`` and ``cases_factors.csv`` (all kept beside it, so no R is needed
here). Every row is compared at a relative 1e-9: estimate, se, ci_low, ci_high, and
deff and degrees of freedom where R printed them.

Cases: ``fpc_pop``/``fpc_frac`` (svydesign ``fpc=`` as population sizes and as
fractions); ``lonely_<option>`` for remove, adjust, certainty and average
(``options(survey.lonely.psu=)``) on a design with two singleton strata, including
domain estimates (for "average", R counts the strata present in each domain);
``quantile_by``, ``logit_by``, ``beta_by`` (``svyquantile`` and ``svyciprop`` on each
state's subset, t on that subset's degrees of freedom); ``rep_<type>_mse<bool>`` for
JK1, JKn, BRR, Fay (rho 0.5) and bootstrap replicate weights, with ``mse`` FALSE/TRUE.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import ReplicateDesign, SurveyDesign
from indicators.survey._estimators import _Design

DATA = Path(__file__).parents[1] / "data" / "survey"
RTOL = 1e-9
EXPECTED = pd.read_csv(DATA / "r_cases_expected.csv", dtype={"domain": "string", "by": "string"})


@cache
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


@cache
def _design(case: str) -> _Design:
    if case == "fpc_pop":
        return SurveyDesign(_data("cases_data.csv"), weights="weight", strata="stratum", psu="psu",
                            fpc="fpc_pop")
    if case == "fpc_frac":
        return SurveyDesign(_data("cases_data.csv"), weights="weight", strata="stratum", psu="psu",
                            fpc="fpc_frac")
    if case.startswith("lonely_"):
        return SurveyDesign(_data("cases_lonely.csv"), weights="weight", strata="stratum", psu="psu",
                            lonely_psu=case.removeprefix("lonely_"))  # type: ignore[arg-type]
    if case.startswith("rep_"):
        kind, mse = case.removeprefix("rep_").split("_mse")
        return _replicate(kind, mse == "TRUE")
    return SurveyDesign(_data("cases_data.csv"), weights="weight", strata="stratum", psu="psu")


def _replicate(kind: str, mse: bool) -> ReplicateDesign:
    data = _data("cases_data.csv")
    factors = _data("cases_factors.csv")
    table = factors[factors["type"] == kind].pivot(index="unit", columns="replicate", values="factor")
    per_row = table.loc[data["unit"]].to_numpy()
    cols = [f"repw{j + 1}" for j in range(per_row.shape[1])]
    frame = pd.concat([data, pd.DataFrame(data["weight"].to_numpy()[:, None] * per_row, columns=cols)],
                      axis=1)
    extra: dict[str, object] = {}
    if kind == "JKn":
        extra["rscales"] = 0.5
    if kind == "Fay":
        extra["rho"] = 0.5
    return ReplicateDesign(frame, weights="weight", replicate_weights=cols, type=kind,  # type: ignore[arg-type]
                           mse=mse, **extra)  # type: ignore[arg-type]


@cache
def _frame(case: str, statistic: str, variable: str, by: str | None) -> pd.DataFrame:
    d = _design(case)
    if statistic == "mean":
        return d.mean(variable, by=by).to_frame()
    if statistic == "total":
        return d.total(variable, by=by).to_frame()
    if statistic == "ratio":
        num, den = variable.split("/")
        return d.ratio(num, den, by=by).to_frame()
    if statistic == "median":
        return d.quantile(variable, 0.5, by=by).to_frame()
    if statistic == "proportion":
        method = "logit" if case.startswith("logit") else "beta"
        return d.proportion(variable, by=by, ci_method=method).to_frame()  # type: ignore[arg-type]
    raise AssertionError(statistic)


def _ids() -> list[str]:
    return [f"{r.case}-{r.statistic}-{r.variable}-{r.by if isinstance(r.by, str) else ''}-{r.domain}"
            for r in EXPECTED.itertuples()]


@pytest.mark.parametrize("row", [r for _, r in EXPECTED.iterrows()], ids=_ids())
def test_matches_r_case(row: pd.Series) -> None:
    """One row of r_cases_expected.csv (R survey 4.1.1) at a relative 1e-9."""
    if row["statistic"] == "degf":
        assert _design(row["case"]).degf() == row["estimate"]
        return
    by = row["by"] if isinstance(row["by"], str) and row["by"] else None
    frame = _frame(row["case"], row["statistic"], row["variable"], by)
    if by:
        got = frame[frame[by].astype(str) == str(row["domain"])]
        assert len(got) == 1
        got = got.iloc[0]
    else:
        assert len(frame) == 1
        got = frame.iloc[0]
    compared = 0
    for col in ("estimate", "se", "ci_low", "ci_high", "deff"):
        if pd.notna(row[col]):
            assert math.isclose(float(got[col]), float(row[col]), rel_tol=RTOL), (col, got[col], row[col])
            compared += 1
    assert compared >= 4
    if pd.notna(row["df"]) and row["design"] == "replicate":
        assert _design(row["case"]).degf() == row["df"]


def test_cases_cover_every_option() -> None:
    """The R cases exercise each lonely-PSU option, both fpc forms and each replicate type."""
    cases = set(EXPECTED["case"])
    for opt in ("remove", "adjust", "certainty", "average"):
        assert f"lonely_{opt}" in cases
    for kind in ("JK1", "JKn", "BRR", "Fay", "bootstrap"):
        assert {f"rep_{kind}_mseFALSE", f"rep_{kind}_mseTRUE"} <= cases
    assert {"fpc_pop", "fpc_frac", "quantile_by", "logit_by", "beta_by"} <= cases


def test_lonely_options_differ() -> None:
    """The options really change the standard error (so the cases can tell them apart)."""
    ses = {case: float(_frame(case, "mean", "ipv_any_12m", None)["se"].iloc[0])
           for case in ("lonely_remove", "lonely_adjust", "lonely_average")}
    assert len({round(v, 12) for v in ses.values()}) == 3
    assert np.isclose(float(_frame("lonely_certainty", "mean", "ipv_any_12m", None)["se"].iloc[0]),
                      ses["lonely_remove"])
