"""Designs as statistics offices build them, against R.

Source of truth: ``tests/data/survey/r_designs_expected.csv``, printed by R's ``survey``
4.1.1 running ``tests/data/survey/r_designs.R`` on ``designs_data.csv`` (made by the same
script from ``cases_data.csv``), ``cases_factors.csv`` and ``designs_population.csv``, all
kept beside it so no R is needed here. Every figure is compared at a relative 1e-9:
estimate, se, ci_low, ci_high, and deff and degrees of freedom where R printed them.

Cases: ``repdf_<type>_mse<bool>`` (replicate designs: logit intervals refitted on every
replicate, beta intervals and medians on each domain's degrees of freedom, the rank of
its replicate weights); ``ms_*`` (two-stage designs with a finite population correction
at each stage, as sizes and as fractions, and weights taken from the fpc); ``pps_*``
(PPS without replacement on ``designs_pps.csv``: Brewer's approximation, single- and
two-stage and calibrated, Overton's and Hartley-Rao's in the Horvitz-Thompson and
Yates-Grundy forms); ``ms_average`` (lonely_psu="average" at the second stage, averaged
within each PSU as R does); ``mk_BRR_*``/``mk_Fay_merge`` (BRR with strata of one and of
three PSUs, split or merged as R's brrweights). On the Taylor designs with domain cases
(``ms_pop``, ``cal_taylor_post``, ``cal_taylor_linear``, ``pps_brewer``) also
``svyciprop(method = "likelihood")`` and the median's ``score`` interval by state.
"""

from __future__ import annotations

import math
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from indicators import ReplicateDesign, SurveyDesign

DATA = Path(__file__).parents[1] / "data" / "survey"
RTOL = 1e-9
EXPECTED = pd.read_csv(DATA / "r_designs_expected.csv", dtype={"domain": "string", "by": "string"})


@cache
def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name)


def _replicate(kind: str, mse: bool) -> ReplicateDesign:
    data = _data("designs_data.csv")
    factors = _data("cases_factors.csv")
    table = factors[factors["type"] == kind].pivot(index="unit", columns="replicate", values="factor")
    per_row = table.loc[data["unit"]].to_numpy()
    cols = [f"repw{j + 1}" for j in range(per_row.shape[1])]
    frame = pd.concat([data, pd.DataFrame(data["weight"].to_numpy()[:, None] * per_row, columns=cols)],
                      axis=1)
    extra: dict[str, Any] = {}
    if kind == "JKn":
        extra["rscales"] = 0.5
    if kind == "Fay":
        extra["rho"] = 0.5
    return ReplicateDesign(frame, weights="weight", replicate_weights=cols, type=kind,  # type: ignore[arg-type]
                           mse=mse, **extra)


@cache
def design(case: str) -> Any:
    data = _data("designs_data.csv")
    if case.startswith("repdf_"):
        kind, mse = case.removeprefix("repdf_").split("_mse")
        return _replicate(kind, mse == "TRUE")
    if case == "ms_pop":
        return SurveyDesign(data, weights="weight", strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"])
    if case == "ms_frac":
        return SurveyDesign(data, weights="weight", strata="stratum", psu=["psu", "ssu"], fpc=["f1", "f2"])
    if case == "ms_average":
        second = data.assign(s2=np.where(data["ssu"] == 3, "b", "a"))
        return SurveyDesign(second, weights="weight", strata=["stratum", "s2"], psu=["psu", "ssu"],
                            fpc=["N1", "N2"], lonely_psu="average")
    if case == "ms_noweights":
        return SurveyDesign(data, weights=None, strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"])
    if case.startswith("mk_"):
        return _made(case.removeprefix("mk_"))
    if case.startswith(("pps_", "cal_pps_")):
        return _pps(case)
    if case.startswith("cal_ms_"):
        return design("ms_pop").calibrate(MARGINS, _population())
    if case.startswith("cal_"):
        _, kind, how = case.split("_", 2)
        base = design("base") if kind == "taylor" else _replicate(kind, False)
        return _calibrated(base, how)
    if case == "base":
        return SurveyDesign(data, weights="weight", strata="stratum", psu="psu")
    if case == "trim_taylor":
        return design("base").trim_weights(150, 900)
    if case == "trim_taylor_strict":
        return design("base").trim_weights(150, 900, strict=True)
    if case == "trim_cal_raking":
        return design("base").calibrate(MARGINS, _population(), calfun="raking").trim_weights(150, 900)
    raise AssertionError(case)


MARGINS = ["state", "area", "age_group"]


def _pps(case: str) -> Any:
    """PPS designs without replacement (R's svydesign(pps=...)) on designs_pps.csv."""
    data = _data("designs_pps.csv")
    if case == "pps_brewer":
        return SurveyDesign(data, weights="weight", strata="stratum", psu="psu", fpc="pi1", pps="brewer")
    if case == "pps_brewer_ms":
        return SurveyDesign(data, weights=None, strata="stratum", psu=["psu", "ssu"], fpc=["pi1", "pi2"],
                            pps="brewer")
    if case == "cal_pps_brewer_linear":
        return _pps("pps_brewer").calibrate(MARGINS, _population())
    if case == "pps_overton":
        return SurveyDesign(data, weights=None, strata="h", fpc="pi_e", pps="overton")
    if case == "pps_overton_yg":
        return SurveyDesign(data, weights=None, strata="h", fpc="pi_e", pps="overton", pps_variance="YG")
    if case == "pps_hr":
        return SurveyDesign(data, weights=None, strata="h", fpc="pi_e", pps="hartley-rao")
    if case == "pps_hr_psum":
        return SurveyDesign(data, weights=None, fpc="pi_e", pps="hartley-rao", pps_psum=0.35)
    raise AssertionError(case)


def _made(name: str) -> Any:
    """Replicate designs made from a design (R's as.svrepdesign)."""
    data = _data("designs_data.csv")
    if name == "JK1":
        return SurveyDesign(data, weights="weight", psu="psu", fpc="N_all").as_replicate("JK1")
    if name == "JK1_nofpc":
        return SurveyDesign(data, weights="weight", psu="psu").as_replicate("JK1")
    if name == "JKn":
        return SurveyDesign(data, weights="weight", strata="stratum", psu="psu", fpc="N1").as_replicate("JKn")
    if name == "JKn_nofpc":
        return design("base").as_replicate("JKn")
    if name == "JKn_mse":
        return design("base").as_replicate("JKn", mse=True)
    if name == "JKn_rake":
        return design("base").as_replicate("JKn").rake(MARGINS, _population())
    if name in ("BRR_merge", "BRR_split", "Fay_merge"):
        moved = data.assign(bstr=data["stratum"].mask(data["unit"] == "01U-2", "02U")
                            .mask(data["unit"] == "03U-2", "03R"))
        uneven = SurveyDesign(moved, weights="weight", strata="bstr", psu="unit", lonely_psu="certainty")
        if name == "BRR_merge":
            return uneven.as_replicate("BRR", small="merge", large="merge")
        if name == "BRR_split":
            return uneven.as_replicate("BRR", small="split", large="merge")
        return uneven.as_replicate("Fay", rho=0.3, small="merge", large="merge")
    if name == "BRR_area":  # three pairs of units per area (R's default large="split")
        return SurveyDesign(data, weights="weight", strata="area", psu="unit").as_replicate("BRR")
    hadamard = _data("designs_hadamard.csv").to_numpy()
    pairs = SurveyDesign(data, weights="weight", strata="stratum", psu="unit")
    if name == "BRR":
        return pairs.as_replicate("BRR", hadamard=hadamard)
    if name == "Fay":
        return pairs.as_replicate("Fay", rho=0.3, hadamard=hadamard)
    raise AssertionError(name)


@cache
def _population() -> pd.DataFrame:
    return pd.read_csv(DATA / "designs_population.csv", dtype={"category": "string"})


def _calibrated(base: Any, how: str) -> Any:
    pop = _population()
    if how == "post":
        return base.post_stratify(["area", "age_group"], pop)
    if how == "rake":
        return base.rake(MARGINS, pop)
    if how == "linear":
        return base.calibrate(MARGINS, pop)
    if how == "linear_bounded":
        return base.calibrate(MARGINS, pop, calfun="linear", bounds=(0.8, 1.3))
    if how == "raking":
        return base.calibrate(MARGINS, pop, calfun="raking")
    if how == "logit":
        return base.calibrate(MARGINS, pop, calfun="logit", bounds=(0.6, 1.6))
    if how == "numeric":
        return base.calibrate(["area", "income"], pop)
    raise AssertionError(how)


@cache
def _frame(case: str, statistic: str, variable: str, by: str | None) -> pd.DataFrame:
    d = design(case)
    if statistic == "mean":
        return d.mean(variable, by=by).to_frame()
    if statistic == "total":
        return d.total(variable, by=by).to_frame()
    if statistic == "ratio":
        num, den = variable.split("/")
        return d.ratio(num, den, by=by).to_frame()
    if statistic == "median":
        return d.quantile(variable, 0.5, by=by).to_frame()
    if statistic == "median_score":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # R stops where the score test keeps its sign: NaN here
            return d.quantile(variable, 0.5, by=by, interval_type="score").to_frame()
    if statistic.startswith("proportion_"):
        method = statistic.removeprefix("proportion_")
        return d.proportion(variable, by=by, ci_method=method).to_frame()
    raise AssertionError(statistic)


def _ids() -> list[str]:
    return [f"{r.case}-{r.statistic}-{r.variable}-{r.by if isinstance(r.by, str) else ''}-{r.domain}"
            for r in EXPECTED.itertuples()]


@pytest.mark.parametrize("row", [r for _, r in EXPECTED.iterrows()], ids=_ids())
def test_matches_r(row: pd.Series) -> None:
    """One row of r_designs_expected.csv (R survey 4.1.1) at a relative 1e-9."""
    if row["statistic"] == "degf":
        assert design(row["case"]).degf() == row["estimate"]
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
    if pd.notna(row["se"]) and abs(row["se"]) < 1e-9 * abs(row["estimate"]):
        # A calibrated variable: R's standard error is rounding noise around 0, and so is ours.
        assert abs(got["se"]) < 1e-9 * abs(row["estimate"])
        assert _close(got["estimate"], row["estimate"])
        return
    for col in ("estimate", "se", "ci_low", "ci_high", "deff"):
        if pd.notna(row[col]) or col in ("se", "ci_low", "ci_high"):  # R's NA: undefined here too
            assert _close(got[col], row[col]), (col, got[col], row[col])
            compared += 1
    assert compared >= 4


def test_domain_degf_is_the_rank_of_the_domain() -> None:
    """A state's rows span 4 of the 12 jackknife units: 3 degrees of freedom, not 11."""
    d = design("repdf_JK1_mseFALSE")
    assert d.degf() == 11
    rows = EXPECTED[(EXPECTED["case"] == "repdf_JK1_mseFALSE") & (EXPECTED["statistic"] == "median")]
    assert set(rows["df"]) == {3.0}


def _close(got: Any, want: Any) -> bool:
    """Equal at a relative 1e-9; R's NA (an interval that does not exist) is NaN here."""
    if pd.isna(want):
        return bool(pd.isna(got))
    return math.isclose(float(got), float(want), rel_tol=RTOL)
