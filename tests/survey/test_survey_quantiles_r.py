"""Quantiles against R's survey 4.1.1 (``tests/data/survey/r_quantiles.R``): the score
interval (``svyquantile(interval.type = "score")``, R's ``ffullerCI`` found by ``uniroot``),
the Shah-Vaish rule (``qrule = "shahvaish"``), and quantiles on replicate designs (JK1, JKn,
BRR, Fay, bootstrap, and bootstrap with ``mse``) with Woodruff's intervals and the
replicate-quantile interval (``interval.type = "quantile"``), overall and by state, for income
(many zeros) and years of schooling (integers, missing values), at 0.1, 0.25, 0.5 and 0.9.
The script and its output are in ``tests/data/survey``; R is not needed here.

The score interval's roots are found by a port of R's ``zeroin`` (iterate for iterate), so
they land on the same side of each jump of the (step-function) score test as R's, and the
bounds, which are values of the variable, agree to rounding.
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest
from test_survey_analysis_r import DATA
from test_survey_analysis_r import design as taylor_design
from test_survey_r_cases import _replicate

from indicators.errors import OptionError

RTOL = 1e-9
EXPECTED = pd.read_csv(DATA / "r_quantiles_expected.csv", dtype={"domain": str})
PROBS = ["0.1", "0.25", "0.5", "0.9"]
REPLICATE = ["rep_JK1_mseFALSE", "rep_JKn_mseFALSE", "rep_BRR_mseFALSE", "rep_Fay_mseFALSE",
             "rep_bootstrap_mseFALSE", "rep_bootstrap_mseTRUE"]
# R's svyquantile on a replicate design passes no method to woodruffCI, so its beta, xlogit
# and asin intervals there equal its mean ones; those three are checked against woodruffCI
# called with the method named (the script's "woodruff_<method>" figures).
REPLICATE_COMBOS = [("math", "mean"), ("math", "woodruff_beta"), ("math", "woodruff_xlogit"),
                    ("math", "woodruff_asin"), ("hf7", "woodruff_beta"), ("math", "quantile"),
                    ("hf7", "mean"), ("hf7", "quantile"), ("school", "quantile"), ("shahvaish", "mean"),
                    ("shahvaish", "quantile")]
TAYLOR_COMBOS = [("math", "score"), ("hf7", "score"), ("shahvaish", "score"), ("shahvaish", "mean"),
                 ("shahvaish", "beta"), ("shahvaish", "xlogit"), ("shahvaish", "asin")]


@cache
def _design(case: str) -> object:
    if case.startswith("rep_"):
        kind, mse = case.removeprefix("rep_").split("_mse")
        return _replicate(kind, mse == "TRUE")
    return taylor_design(case)


def _want(case: str, variable: str, qrule: str, interval: str) -> dict[tuple[str, str, str], float]:
    out = {}
    for p in PROBS:
        part = EXPECTED[(EXPECTED["case"] == case)
                        & (EXPECTED["analysis"] == f"quantile_{variable}_{qrule}_{interval}_{p}")]
        assert len(part) == 5 * 4, (case, variable, qrule, interval, p)
        out.update({(p, d, k): v for d, k, v in zip(part["domain"], part["key"], part["value"], strict=True)})
    return out


def _check(case: str, variable: str, qrule: str, interval: str) -> tuple[int, int]:
    """Compare every figure (R's NaN with NaN); return the finite figures compared and the
    domains and quantiles where R stops."""
    d = _design(case)
    want = _want(case, variable, qrule, interval)
    interval = interval.removeprefix("woodruff_")
    checked = stops = nans = 0
    for by in (None, "state"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = d.quantile(variable, [float(p) for p in PROBS], by=by, qrule=qrule,  # type: ignore[attr-defined]
                               interval_type=interval).to_frame()
        warned = [w for w in caught if "score" in str(w.message)]
        domains_stopped = 0
        for row in frame.to_dict("records"):
            p = row["variable"].split("@")[1]
            domain = "all" if by is None else str(row[by])
            stopped = want[(p, domain, "stop")] == 1
            domains_stopped += stopped
            for key in ("estimate", "ci_low", "ci_high", "se"):
                expected = want[(p, domain, key)]
                if np.isnan(expected):  # R's NaN (a share of 1 has no beta, xlogit or asin interval)
                    assert np.isnan(row[key]), (row, key)
                    nans += 1
                else:
                    assert row[key] == pytest.approx(expected, rel=RTOL, abs=1e-13), (row, key, expected)
                    checked += 1
        stops += domains_stopped
        # where R stops, the library warns (once per quantile with a failure)
        assert bool(warned) == bool(domains_stopped)
    return checked, stops


@pytest.mark.parametrize("case", ["plain", "fpc_pop"])
@pytest.mark.parametrize("variable", ["income", "schooling_years"])
@pytest.mark.parametrize(("qrule", "interval"), TAYLOR_COMBOS)
def test_taylor_quantiles_are_svyquantile(case: str, variable: str, qrule: str, interval: str) -> None:
    checked, stops = _check(case, variable, qrule, interval)
    assert checked >= 4 * 4 * 4 - 3 * stops - 8 and checked >= 20  # a few of R's figures are NaN
    if interval != "score":
        assert stops == 0


@pytest.mark.parametrize("case", REPLICATE)
@pytest.mark.parametrize("variable", ["income", "schooling_years"])
@pytest.mark.parametrize(("qrule", "interval"), REPLICATE_COMBOS)
def test_replicate_quantiles_are_svyquantile(case: str, variable: str, qrule: str, interval: str) -> None:
    checked, stops = _check(case, variable, qrule, interval)
    assert stops == 0 and checked >= 4 * 4 * 4 - 12


def test_score_intervals_mostly_found() -> None:
    # The score test needs a sign change within the variable's range: R found it in 69 of
    # the 96 Taylor cases per design, so most of the figures above are real intervals.
    part = EXPECTED[(EXPECTED["key"] == "stop") & EXPECTED["analysis"].str.contains("_score_")]
    assert (part["value"] == 0).sum() == 2 * 69


@pytest.mark.parametrize(("case", "interval", "allowed"),
                         [("plain", "quantile", "score"), ("rep_JK1_mseFALSE", "score", "quantile")])
def test_interval_types_are_per_design(case: str, interval: str, allowed: str) -> None:
    with pytest.raises(OptionError, match=allowed) as info:
        _design(case).quantile("income", 0.5, interval_type=interval)  # type: ignore[attr-defined]
    assert info.value.problems.iloc[0]["code"] == "survey.option.interval_design"


def test_shahvaish_by_hand() -> None:
    # Hand computation: values 1, 2, 3, 4 with weights 1, 1, 1, 1: wbar = 1, S = 1, 2, 3, 4,
    # positions (S + 0.5 - 0.5) / 5 = 0.2, 0.4, 0.6, 0.8; approx(constant, f = 0, rule = 2):
    # p = 0.5 -> 2 (the last position at or below), p = 0.1 -> 1, p = 0.8 -> 4, p = 0.95 -> 4.
    from indicators import SurveyDesign

    d = SurveyDesign(pd.DataFrame({"y": [4.0, 1, 3, 2], "w": [1.0] * 4, "c": [1, 2, 3, 4]}),
                     weights="w", psu="c")
    got = d.quantile("y", [0.1, 0.5, 0.8, 0.95], qrule="shahvaish").to_frame()["estimate"].tolist()
    assert got == [1.0, 2.0, 4.0, 4.0]
