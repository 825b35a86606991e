"""Behaviour of the survey designs: checks when built, options, domains, flags, YAML.

Sources of truth are named per test: hand calculation, R's survey package (through the
reference files), or two routes to the same number that must agree.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import indicators as ind
from indicators import DataError, DefinitionError, DesignError, OptionError, SurveyDesign
from indicators.survey import ReplicateDesign, read_design

DATA = Path(__file__).parents[1] / "data" / "survey"


def _small() -> pd.DataFrame:
    return pd.DataFrame({
        "y": [1.0, 0.0, 1.0, np.nan, 0.0, 1.0, 1.0, 0.0],
        "x": [2.0, 1.0, 3.0, 1.0, 2.0, 2.0, 1.0, 4.0],
        "g": ["a", "b", "a", "b", "a", "b", "a", "b"],
        "w": [10.0, 20.0, 10.0, 10.0, 20.0, 10.0, 30.0, 10.0],
        "h": ["s1", "s1", "s1", "s1", "s2", "s2", "s2", "s2"],
        "c": [1, 1, 2, 2, 3, 3, 4, 4],
    })


def test_hand_calculated_mean_and_se() -> None:
    """Hand calculation (ultimate-cluster formula, Särndal et al. 1992, result 2.8.x style)."""
    d = SurveyDesign(_small(), weights="w", strata="h", psu="c")
    est = d.mean("y")
    frame = _small()
    ok = frame["y"].notna()
    w, y = frame["w"][ok], frame["y"][ok]
    mean = float((w * y).sum() / w.sum())
    z = (frame["w"] * (frame["y"].fillna(mean) - mean)).where(ok, 0.0) / w.sum()
    totals = z.groupby([frame["h"], frame["c"]]).sum()
    var = 0.0
    for _, t in totals.groupby(level=0):
        var += len(t) / (len(t) - 1) * float(((t - t.mean()) ** 2).sum())
    assert est.estimate.iloc[0] == pytest.approx(mean, rel=1e-12)
    assert est.se.iloc[0] == pytest.approx(np.sqrt(var), rel=1e-12)
    assert int(est.n.iloc[0]) == 7


def test_missing_rows_stay_in_design() -> None:
    """Domain estimation: dropping the missing rows changes the SE (R's README note)."""
    full = SurveyDesign(_small(), weights="w", strata="h", psu="c").mean("y")
    dropped = _small().dropna(subset=["y"]).reset_index(drop=True)
    smaller = SurveyDesign(dropped, weights="w", strata="h", psu="c").mean("y")
    assert full.estimate.iloc[0] == pytest.approx(smaller.estimate.iloc[0])
    # here every PSU keeps a row, so the two agree; the real test is the R reference


def test_weights_errors_name_rows() -> None:
    """Missing and non-positive weights are reported with their 1-based data rows."""
    frame = _small()
    frame.loc[2, "w"] = 0.0
    frame.loc[5, "w"] = np.nan
    with pytest.raises(DesignError) as info:
        SurveyDesign(frame, weights="w", strata="h", psu="c")
    assert "3, 6" in str(info.value)
    assert info.value.problems["row"].tolist() == [3, 6]


def test_lonely_psu_fail_names_stratum() -> None:
    """A stratum with one PSU is an error under lonely_psu='fail', naming it; in Spanish too."""
    frame = _small()
    frame.loc[frame["h"] == "s2", "c"] = 3
    with pytest.raises(DesignError, match="s2"):
        SurveyDesign(frame, weights="w", strata="h", psu="c")
    with pytest.raises(DesignError, match="una sola UPM"):
        SurveyDesign(frame, weights="w", strata="h", psu="c", lang="es")
    ok = SurveyDesign(frame, weights="w", strata="h", psu="c", lonely_psu="remove")
    assert ok.lonely_strata == ("s2",)


def test_psu_codes_repeated_across_strata_with_nest_false() -> None:
    """nest=False: a PSU code in two strata is an error naming the code and the strata."""
    frame = _small()
    frame["c"] = [1, 1, 2, 2, 1, 1, 2, 2]
    with pytest.raises(DesignError) as info:
        SurveyDesign(frame, weights="w", strata="h", psu="c", nest=False)
    assert "s1, s2" in str(info.value)
    nested = SurveyDesign(frame, weights="w", strata="h", psu="c", nest=True)
    assert nested.n_psu == 4


def test_nest_false_same_answer_when_codes_unique() -> None:
    """Two routes: globally unique PSU codes give the same result with nest True or False."""
    a = SurveyDesign(_small(), weights="w", strata="h", psu="c", nest=True).total("y", by="g")
    b = SurveyDesign(_small(), weights="w", strata="h", psu="c", nest=False).total("y", by="g")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_missing_columns_and_options() -> None:
    with pytest.raises(DesignError, match="'peso'"):
        SurveyDesign(_small(), weights="peso", strata="h", psu="c")
    with pytest.raises(OptionError, match="lonely_psu"):
        SurveyDesign(_small(), weights="w", strata="h", psu="c", lonely_psu="drop")  # type: ignore[arg-type]
    d = SurveyDesign(_small(), weights="w", strata="h", psu="c")
    with pytest.raises(OptionError, match="ci_method"):
        d.mean("y", ci_method="wilson")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="level"):
        d.mean("y", level=95)
    with pytest.raises(OptionError, match="cv_limits"):
        d.mean("y", cv_limits=(0.3, 0.15))
    with pytest.raises(DataError, match="0, 1"):
        d.proportion("x")


def test_empty_domain_is_kept_and_flagged() -> None:
    """A domain without usable rows gives NaN, n = 0 and flag 'empty', never disappears."""
    frame = _small()
    frame.loc[frame["g"] == "b", "y"] = np.nan
    est = SurveyDesign(frame, weights="w", strata="h", psu="c").mean("y", by="g").to_frame()
    assert est["g"].tolist() == ["a", "b"]
    empty = est[est["g"] == "b"].iloc[0]
    assert np.isnan(empty["estimate"]) and empty["n"] == 0 and empty["flag"] == "empty"


def test_na_rm_false_gives_nan_where_missing() -> None:
    d = SurveyDesign(_small(), weights="w", strata="h", psu="c")
    est = d.mean("y", by="g", na_rm=False).to_frame()
    assert np.isnan(est.loc[est["g"] == "b", "estimate"].iloc[0])
    assert not np.isnan(est.loc[est["g"] == "a", "estimate"].iloc[0])


def test_several_variables_and_two_domains() -> None:
    d = SurveyDesign(_small(), weights="w", strata="h", psu="c")
    est = d.mean(["y", "x"], by=["g", "h"]).to_frame()
    assert list(est.columns) == ["variable", "g", "h", "estimate", "se", "ci_low", "ci_high", "cv",
                                 "deff", "n", "flag"]
    assert est["variable"].tolist() == ["y"] * 4 + ["x"] * 4


def test_flags_thresholds_and_min_n() -> None:
    """Flags follow the cv thresholds the user sets, and min_n."""
    d = SurveyDesign(pd.read_csv(DATA / "women_survey.csv"), weights="weight", strata="stratum", psu="psu")
    est = d.mean("ipv_any_12m", by="state")
    assert set(est.flag) <= {"reliable", "caution"}
    strict = est.with_flags(cv_limits=(0.01, 0.02))
    assert (strict.flag == "unreliable").any()
    few = est.with_flags(min_n=500)
    assert (few.flag[est.n < 500] == "unreliable").all()
    assert est.to_frame(lang="es")["flag_label"].iloc[0] in {"confiable", "usar con precaución"}
    assert est.level == 0.95 and est.design["degf"] == 2437


def test_estimates_is_immutable() -> None:
    d = SurveyDesign(_small(), weights="w", strata="h", psu="c")
    est = d.mean("y")
    frame = est.to_frame()
    frame.loc[0, "estimate"] = -1.0
    assert est.estimate.iloc[0] != -1.0
    with pytest.raises(AttributeError):
        est.statistic = "total"  # type: ignore[misc]


def test_domain_totals_add_up_to_total() -> None:
    """Two routes: the domain totals of a partition add up to the overall total."""
    d = SurveyDesign(pd.read_csv(DATA / "women_survey.csv"), weights="weight", strata="stratum", psu="psu")
    overall = d.total("violence_lifetime").estimate.iloc[0]
    by_state = d.total("violence_lifetime", by="state").estimate.sum()
    assert by_state == pytest.approx(overall, rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.permutations(list(range(8))))
def test_row_order_does_not_matter(order: list[int]) -> None:
    """Property: permuting the rows changes nothing."""
    base = SurveyDesign(_small(), weights="w", strata="h", psu="c").mean("y", by="g").to_frame()
    shuffled = _small().iloc[order].reset_index(drop=True)
    again = SurveyDesign(shuffled, weights="w", strata="h", psu="c").mean("y", by="g").to_frame()
    pd.testing.assert_frame_equal(base, again, rtol=1e-12)


def test_by_missing_value_warns() -> None:
    frame = _small()
    frame["g"] = frame["g"].astype(object)
    frame.loc[0, "g"] = None
    d = SurveyDesign(frame, weights="w", strata="h", psu="c")
    with pytest.warns(UserWarning, match="1 row"):
        d.mean("y", by="g")


def test_design_yaml(tmp_path: Path) -> None:
    """A design read from YAML equals the one built in Python; bad files name the key."""
    micro = pd.read_csv(DATA / "cases_data.csv")
    path = tmp_path / "design.yaml"
    path.write_text("weights: weight\nstrata: stratum\npsu: psu\nfpc: fpc_pop\nlonely_psu: fail\n",
                    encoding="utf-8")
    a = SurveyDesign.from_yaml(path, micro).mean("income")
    b = SurveyDesign(micro, weights="weight", strata="stratum", psu="psu", fpc="fpc_pop").mean("income")
    assert a.se.iloc[0] == b.se.iloc[0]
    path.write_text("weights: weight\nstratum: stratum\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="line 2"):
        read_design(path, micro)
    path.write_text("weights: weight\nlonely_psu: sometimes\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="lonely_psu"):
        read_design(path, micro)
    path.write_text("weights: weight\nreplicate: {type: bootstrap, pattern: '^fpc_'}\n", encoding="utf-8")
    rep = read_design(path, micro)
    assert isinstance(rep, ReplicateDesign) and rep.n_replicates == 2


def test_replicate_design_checks() -> None:
    micro = pd.read_csv(DATA / "cases_data.csv")
    with pytest.raises(DesignError, match="rho"):
        ReplicateDesign(micro, weights="weight", replicate_weights=["fpc_pop", "fpc_frac"], type="Fay")
    with pytest.raises(DesignError, match="rscales"):
        ReplicateDesign(micro, weights="weight", replicate_weights=["fpc_pop", "fpc_frac"], type="JKn")


def test_quantile_several_probabilities() -> None:
    d = SurveyDesign(pd.read_csv(DATA / "women_survey.csv"), weights="weight", strata="stratum", psu="psu")
    est = d.quantile("income", [0.25, 0.5, 0.75]).to_frame()
    assert est["variable"].tolist() == ["income@0.25", "income@0.5", "income@0.75"]
    assert est["estimate"].is_monotonic_increasing
    assert est["estimate"].iloc[1] == pytest.approx(1005.38)


def test_no_warning_on_clean_run() -> None:
    d = SurveyDesign(_small(), weights="w", strata="h", psu="c")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d.proportion("y", by="g", ci_method="beta")
        d.ratio("y", "x", by="g")


def test_public_names() -> None:
    for name in ("SurveyDesign", "ReplicateDesign", "Estimates", "estimate", "read_design"):
        assert name in ind.__all__


def test_quantile_by_a_domain_column_with_no_value_gives_no_row() -> None:
    # found by the long fuzz run: an IndexError when no row belongs to any domain
    frame = pd.DataFrame({"w": [5.0, 2.0], "st": [3, 3], "psu": [4, 5], "y": [0.0, 1.0], "g": [None, None]})
    design = ind.SurveyDesign(frame, weights="w", strata="st", psu="psu")
    with pytest.warns(UserWarning):
        assert len(design.quantile("y", by="g").to_frame()) == 0
