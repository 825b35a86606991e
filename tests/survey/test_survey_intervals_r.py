"""Proportion intervals, design effects with replacement, quantile rules and quantile
intervals against R's survey 4.1.1 (``tests/data/survey/r_intervals.R``).

``svyciprop`` (``mean``, ``asin``, ``xlogit``, ``beta``, ``logit``) overall and by state on a
stratified cluster design, the same with an fpc, and JK1 and bootstrap replicate designs;
``svymean``/``svytotal`` with ``deff = "replace"`` (overall and ``svyby`` by state);
``svyquantile`` with every ``qrule`` from ``hf1`` to ``hf9`` plus ``math`` and ``school``
(``interval.type = "mean"``), and ``beta``, ``xlogit``, ``asin`` intervals (``math``,
``hf7``), at 0.1, 0.25, 0.5 and 0.9, for income (many zeros) and years of schooling (integers,
missing values), on the Taylor designs. The script and its output are in
``tests/data/survey``; R is not needed here.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_survey_analysis_r import DATA, design

from indicators.errors import OptionError

RTOL = 1e-9
EXPECTED = pd.read_csv(DATA / "r_intervals_expected.csv", dtype={"domain": str})
CASES = ["plain", "fpc_pop", "rep_JK1", "rep_bootstrap"]
RULES = ["math", "school", *(f"hf{i}" for i in range(1, 10))]


def _want(case: str, analysis: str) -> dict[tuple[str, str], float]:
    part = EXPECTED[(EXPECTED["case"] == case) & (EXPECTED["analysis"] == analysis)]
    assert len(part), (case, analysis)
    return {(d, k): v for d, k, v in zip(part["domain"], part["key"], part["value"], strict=True)}


def _compare(frame: pd.DataFrame, want: dict[tuple[str, str], float], keys: list[str], by: str | None,
             analysis: Any = None) -> int:
    checked = 0
    for row in frame.to_dict("records"):
        domain = "all" if by is None else str(row[by])
        table = want if analysis is None else analysis(row)
        for key in keys:
            expected = table[(domain, key)]
            assert row[key] == pytest.approx(expected, rel=RTOL, abs=1e-13), (row, key, expected)
            checked += 1
    return checked


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("method", ["mean", "asin", "xlogit", "beta", "logit"])
def test_proportion_intervals_are_svyciprop(case: str, method: str) -> None:
    d = design(case)
    want = _want(case, f"ciprop_{method}")
    checked = 0
    for by in (None, "state"):
        frame = d.proportion("ipv_any_12m", by=by, ci_method=method).to_frame()  # type: ignore[arg-type]
        checked += _compare(frame, want, ["estimate", "ci_low", "ci_high"], by)
    assert checked == len(want) == 12


@pytest.mark.parametrize("case", ["plain", "fpc_pop"])
def test_likelihood_interval_is_svyciprop_likelihood(case: str) -> None:
    # R's profile (its grid of deviances, the FMM spline through it and the linear
    # inversion) is reproduced step for step: the figures agree to rounding.
    d = design(case)
    checked = 0
    for analysis, variable, level, bys in (("ciprop_likelihood", "ipv_any_12m", 0.95, [None, "state"]),
                                           ("ciprop_likelihood_sought_help_90", "sought_help", 0.9,
                                            [None, "state", "area"])):
        want = _want(case, analysis)
        for by in bys:
            frame = d.proportion(variable, by=by, ci_method="likelihood", level=level).to_frame()
            checked += _compare(frame, want, ["estimate", "ci_low", "ci_high"], by)
        assert checked and all(np.isfinite(v) for v in want.values())
    assert checked == 12 + 18


@pytest.mark.parametrize("case", ["rep_JK1", "rep_bootstrap"])
def test_likelihood_interval_on_replicate_designs_is_refused(case: str) -> None:
    # R gives NA there (summary.svrepglm's dispersion is n times too large, so the profile
    # never reaches its cutoff): the library says so instead of returning NaN.
    want = _want(case, "ciprop_likelihood")
    assert all(np.isnan(v) for (_, key), v in want.items() if key != "estimate")
    for lang, words in (("en", "available for Taylor"), ("es", "solo está disponible")):
        d = copy.copy(design(case))
        d.lang = lang
        with pytest.raises(OptionError, match=words) as info:
            d.proportion("ipv_any_12m", ci_method="likelihood")
        assert info.value.problems.iloc[0]["code"] == "survey.option.likelihood_design"


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(("statistic", "variable"),
                         [("mean", "ipv_any_12m"), ("mean", "income"), ("total", "violence_lifetime")])
def test_deff_replace_is_svymean_deff_replace(case: str, statistic: str, variable: str) -> None:
    d = design(case)
    want = _want(case, f"deff_replace_{statistic}_{variable}")
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for by in (None, "state"):
            frame = getattr(d, statistic)(variable, by=by, deff="replace").to_frame()
            checked += _compare(frame, want, ["deff"], by)
            # the reference variance without replacement is smaller by (1 - n/N): its deff is larger
            plain = getattr(d, statistic)(variable, by=by).to_frame()
            assert (plain["deff"] > frame["deff"]).all()
    assert checked == len(want) == 4


@pytest.mark.parametrize("case", ["plain", "fpc_pop"])
@pytest.mark.parametrize("variable", ["income", "schooling_years"])
@pytest.mark.parametrize(("qrule", "interval"), [*((r, "mean") for r in RULES),
                                                  *((r, i) for r in ("math", "hf7")
                                                    for i in ("beta", "xlogit", "asin"))])
def test_quantiles_are_svyquantile(case: str, variable: str, qrule: str, interval: str) -> None:
    d = design(case)
    probs = ["0.1", "0.25", "0.5", "0.9"]
    wants = {p: _want(case, f"quantile_{variable}_{qrule}_{interval}_{p}") for p in probs}
    checked = 0
    for by in (None, "state"):
        frame = d.quantile(variable, [float(p) for p in probs], by=by, qrule=qrule,  # type: ignore[arg-type]
                           interval_type=interval).to_frame()  # type: ignore[arg-type]
        checked += _compare(frame, {}, ["estimate", "ci_low", "ci_high", "se"], by,
                            analysis=lambda row: wants[row["variable"].split("@")[1]])
    assert checked == 4 * 4 * 4


def test_quantile_rules_differ_where_they_should() -> None:
    # Hand computation on four equally weighted values 1, 2, 3, 4 at p = 0.5: the weighted
    # distribution function reaches 0.5 exactly at 2, so math (hf1) gives 2, school (hf2)
    # the midpoint 2.5; hf7 interpolates (0, 1/3, 2/3, 1) -> 2.5; hf6 (0.2, 0.4, 0.6, 0.8) -> 2.5.
    from indicators import SurveyDesign

    d = SurveyDesign(pd.DataFrame({"y": [4.0, 1, 3, 2], "w": [1.0] * 4, "c": [1, 2, 3, 4]}),
                     weights="w", psu="c")
    got = {r: float(d.quantile("y", 0.5, qrule=r).estimate.iloc[0])  # type: ignore[arg-type]
           for r in ("math", "hf1", "school", "hf2", "hf6", "hf7")}
    assert got == {"math": 2.0, "hf1": 2.0, "school": 2.5, "hf2": 2.5, "hf6": 2.5, "hf7": 2.5}
    # hf7 at 0.25 on (1, 2, 3, 4): position 0.25 * 3 = 0.75 -> 1.75 (numpy's default linear rule)
    assert float(d.quantile("y", 0.25, qrule="hf7").estimate.iloc[0]) == pytest.approx(1.75)


@pytest.mark.parametrize(("option", "value"), [("qrule", "hf10"), ("interval_type", "fuller"),
                                              ("qrule", "type7")])
def test_unknown_quantile_options_name_the_choices(option: str, value: str) -> None:
    d = design("plain")
    with pytest.raises(OptionError, match=option):
        d.quantile("income", 0.5, **{option: value})


def test_deff_option_is_checked() -> None:
    with pytest.raises(OptionError, match="deff"):
        design("plain").mean("income", deff="with")  # type: ignore[arg-type]
