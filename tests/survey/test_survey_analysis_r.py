"""Survey analysis against R's survey 4.1.1 (``tests/data/survey/r_analysis.R``).

Differences, ratios and contrasts of domains (``svyby(covmat = TRUE)`` + ``svycontrast``),
``svyttest``, ``svychisq`` (F, Chisq, Wald, adjWald), tables (``svymean``/``svytotal`` of
``interaction``, ``svyby`` row proportions), ``svyvar`` and ``svyglm`` (linear and
quasibinomial), on a stratified cluster design, the same with an fpc, and JK1 and bootstrap
replicate designs. The script and its output are in ``tests/data/survey``; R is not needed here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import ReplicateDesign, SurveyDesign
from indicators.survey import chisq_test, contrast, crosstab, difference, glm, ttest, variance

DATA = Path(__file__).parents[1] / "data" / "survey"
RTOL = 1e-9
EXPECTED = pd.read_csv(DATA / "r_analysis_expected.csv")
CASES = ["plain", "fpc_pop", "rep_JK1", "rep_bootstrap"]


def expected(case: str, analysis: str) -> dict[str, float]:
    part = EXPECTED[(EXPECTED["case"] == case) & (EXPECTED["analysis"] == analysis)]
    assert len(part), (case, analysis)
    return dict(zip(part["key"], part["value"], strict=True))


@cache
def design(case: str) -> SurveyDesign | ReplicateDesign:
    data = pd.read_csv(DATA / "cases_data.csv")
    if case == "plain":
        return SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    if case == "fpc_pop":
        return SurveyDesign(data, weights="weight", strata="stratum", psu="psu", fpc="fpc_pop")
    kind = case.removeprefix("rep_")
    factors = pd.read_csv(DATA / "cases_factors.csv")
    table = factors[factors["type"] == kind].pivot(index="unit", columns="replicate", values="factor")
    per_row = table.loc[data["unit"]].to_numpy()
    cols = [f"repw{j + 1}" for j in range(per_row.shape[1])]
    frame = pd.concat([data, pd.DataFrame(data["weight"].to_numpy()[:, None] * per_row, columns=cols)], axis=1)
    return ReplicateDesign(frame, weights="weight", replicate_weights=cols, type=kind, mse=False)  # type: ignore[arg-type]


def close(got: float, want: float, rtol: float = RTOL) -> None:
    assert got == pytest.approx(want, rel=rtol, abs=1e-13), (got, want)


@pytest.mark.parametrize("case", CASES)
def test_difference_and_ratio_of_two_domains(case: str) -> None:
    res = difference(design(case), "ipv_any_12m", "area", ("U", "R"), ratio=True).to_frame()
    want = expected(case, "diff_area_mean")
    close(res["estimate"][0], want["estimate"])
    close(res["se"][0], want["se"])
    want = expected(case, "ratio_area_mean")
    close(res["estimate"][1], want["estimate"])
    close(res["se"][1], want["se"])


@pytest.mark.parametrize("case", CASES)
def test_contrast_of_three_domains_and_difference_of_totals(case: str) -> None:
    res = contrast(design(case), "income", "state", {1: 1, 2: -0.5, 3: -0.5}).to_frame()
    want = expected(case, "contrast_state_income")
    close(res["estimate"][0], want["estimate"])
    close(res["se"][0], want["se"])
    res = difference(design(case), "violence_lifetime", "area", ("R", "U"), statistic="total").to_frame()
    want = expected(case, "diff_area_total")
    close(res["estimate"][0], want["estimate"])
    close(res["se"][0], want["se"])


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("variable", ["income", "ipv_any_12m"])
def test_ttest(case: str, variable: str) -> None:
    res = ttest(design(case), variable, "area")
    want = expected(case, f"ttest_{variable}")
    close(res.estimate, want["estimate"])  # type: ignore[arg-type]
    close(res.statistic, want["statistic"])
    close(res.parameters["df"], want["df"])
    close(res.p_value, want["p_value"])


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("statistic", ["F", "Chisq", "Wald", "adjWald"])
def test_chisq(case: str, statistic: str) -> None:
    res = chisq_test(design(case), "area", "age_group", statistic=statistic)  # type: ignore[arg-type]
    want = expected(case, f"chisq_{statistic}")
    close(res.statistic, want["statistic"])
    for key, value in res.parameters.items():
        close(value, want[key])
    close(res.p_value, want["p_value"])


@pytest.mark.parametrize("case", CASES)
def test_tables(case: str) -> None:
    d = design(case)
    for stat, analysis, margin in (("proportion", "table_prop", "cell"), ("total", "table_total", "cell"),
                                   ("proportion", "table_rowprop", "row")):
        res = crosstab(d, "area", "age_group", statistic=stat, margin=margin).to_frame()  # type: ignore[arg-type]
        want = expected(case, analysis)
        for r in res.itertuples():
            key = f"{r.area}.{r.age_group}"
            close(r.estimate, want[f"estimate_{key}"])
            close(r.se, want[f"se_{key}"])


@pytest.mark.parametrize("case", CASES)
def test_variance(case: str) -> None:
    res = variance(design(case), "income").to_frame()
    want = expected(case, "var_income")
    close(res["estimate"][0], want["estimate"])
    close(res["se"][0], want["se"])


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("family", ["gaussian", "quasibinomial"])
def test_glm(case: str, family: str) -> None:
    outcome = "income" if family == "gaussian" else "ipv_any_12m"
    res = glm(design(case), outcome, ["area", "age_group"], family=family)  # type: ignore[arg-type]
    want = expected(case, "glm_linear" if family == "gaussian" else "glm_logit")
    frame = res.to_frame()
    for r in frame.itertuples():
        close(r.estimate, want[f"coef_{r.variable}"])
        close(r.se, want[f"se_{r.variable}"])
    close(res.options["df_residual"], want["df_residual"])


def test_compare_rounds_is_the_difference_of_independent_estimates() -> None:
    # Hand computation: independent samples, var(after - before) = se_a^2 + se_b^2.
    from indicators.survey import compare_rounds

    d = design("plain")
    before = d.mean("income", by="area")
    after = design("fpc_pop").mean("income", by="area")
    res = compare_rounds(before, after).to_frame()
    b, a = before.to_frame(), after.to_frame()
    np.testing.assert_allclose(res["estimate"], a["estimate"] - b["estimate"], rtol=1e-12)
    np.testing.assert_allclose(res["se"], np.hypot(a["se"], b["se"]), rtol=1e-12)
    assert (res["p_value"] <= 1).all()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("statistic", ["mean", "total"])
def test_difference_within_each_state_is_the_difference_on_each_state_alone(case: str, statistic: str) -> None:
    # Two routes to the same numbers: the one-pass `within` form, and the two-domain difference on
    # a design whose `by` crosses state and area (its covariance from the full machinery).
    d = design(case)
    res = difference(d, "income", "area", ("U", "R"), statistic=statistic, ratio=True,  # type: ignore[arg-type]
                     within="state").to_frame()
    crossed = d._derive({"cell": (d.data["state"].astype(str) + ":" + d.data["area"]).to_numpy()})
    for state in (1, 2, 3):
        one = difference(crossed, "income", "cell", (f"{state}:U", f"{state}:R"), statistic=statistic,  # type: ignore[arg-type]
                         ratio=True).to_frame()
        got = res[res["state"] == state].reset_index(drop=True)
        np.testing.assert_allclose(got["estimate"], one["estimate"], rtol=1e-12)
        np.testing.assert_allclose(got["se"], one["se"], rtol=1e-9)
