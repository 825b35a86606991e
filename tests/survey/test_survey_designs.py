"""Multistage designs, calibration and replicate weights made from a design: checks
without R (errors, invariances). The agreement with R is in test_survey_designs_r.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators import DesignError, SurveyDesign

DATA = Path(__file__).parents[1] / "data" / "survey"


@pytest.fixture(scope="module")
def micro() -> pd.DataFrame:
    return pd.read_csv(DATA / "designs_data.csv")


def test_multistage_needs_an_fpc_for_every_stage(micro: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="fpc column for every stage") as info:
        SurveyDesign(micro, weights="weight", strata="stratum", psu=["psu", "ssu"], fpc=["N1"])
    assert len(info.value.problems) == 1


def test_multistage_without_fpc_is_the_first_stage(micro: pd.DataFrame) -> None:
    """Without fpc the later stages do not enter the variance (R's ultimate cluster)."""
    two = SurveyDesign(micro, weights="weight", strata="stratum", psu=["psu", "ssu"])
    one = SurveyDesign(micro, weights="weight", strata="stratum", psu="psu")
    assert two.mean("income").se.iloc[0] == pytest.approx(one.mean("income").se.iloc[0], rel=1e-12)


def test_second_stage_adds_variance(micro: pd.DataFrame) -> None:
    ms = SurveyDesign(micro, weights="weight", strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"])
    first = SurveyDesign(micro, weights="weight", strata="stratum", psu="psu", fpc="N1")
    assert ms.mean("income").se.iloc[0] > first.mean("income").se.iloc[0]
    assert ms.degf() == first.degf()


def test_no_weights_and_no_fpc(micro: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="needs weights"):
        SurveyDesign(micro, weights=None, strata="stratum", psu="psu")
    with pytest.raises(DesignError, match="necesita pesos"):
        SurveyDesign(micro, weights=None, strata="stratum", psu="psu", lang="es")


def test_lonely_unit_at_the_second_stage(micro: pd.DataFrame) -> None:
    """A PSU with one sampled dwelling (and more in the population) is named."""
    one = micro[~((micro["psu"] == micro["psu"].min()) & (micro["ssu"] > 1))]
    with pytest.raises(DesignError, match="stage 2") as info:
        SurveyDesign(one, weights="weight", strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"])
    assert info.value.problems["column"].iloc[0] == "ssu"
    ok = SurveyDesign(one, weights="weight", strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"],
                      lonely_psu="remove")
    assert np.isfinite(ok.mean("income").se.iloc[0])


def test_too_many_strata_columns(micro: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="at most one per stage"):
        SurveyDesign(micro, weights="weight", strata=["stratum", "area"], psu="psu")


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return pd.read_csv(DATA / "designs_population.csv", dtype={"category": "string"})


@pytest.fixture(scope="module")
def base(micro: pd.DataFrame) -> SurveyDesign:
    return SurveyDesign(micro, weights="weight", strata="stratum", psu="psu")


@pytest.mark.parametrize("how", ["linear", "raking", "logit"])
def test_calibrated_weights_meet_every_total(base: SurveyDesign, population: pd.DataFrame, how: str) -> None:
    bounds = (0.5, 2.0) if how == "logit" else (-np.inf, np.inf)
    cal = base.calibrate(["state", "area", "age_group"], population, calfun=how, bounds=bounds)
    for var in ("state", "area", "age_group"):
        got = cal.total("violence_lifetime", by=var).to_frame()  # any variable: use weight sums
        sums = pd.Series(cal._w).groupby(base.data[var].astype(str).to_numpy()).sum()
        want = population[population["variable"] == var].set_index("category")["total"]
        assert np.allclose(sums.sort_index().to_numpy(), want.sort_index().to_numpy(), rtol=1e-6)
        assert len(got) == len(want)


def test_unreachable_totals_are_all_named(base: SurveyDesign, population: pd.DataFrame) -> None:
    extra = pd.concat([population, pd.DataFrame({"variable": ["area", "area"], "category": ["X", "Y"],
                                                 "total": [10.0, 20.0]})], ignore_index=True)
    with pytest.raises(DesignError, match="X, Y") as info:
        base.rake(["area", "state"], extra)
    assert set(info.value.problems["value"]) == {"X", "Y"}
    with pytest.raises(DesignError, match="no tienen filas en la muestra"):
        SurveyDesign(base.data, weights="weight", strata="stratum", psu="psu", lang="es").calibrate(
            ["area"], extra)


def test_sample_category_without_total(base: SurveyDesign, population: pd.DataFrame) -> None:
    short = population[~((population["variable"] == "age_group") & (population["category"] == "60+"))]
    with pytest.raises(DesignError, match="60\\+"):
        base.calibrate(["age_group"], short)


def test_logit_needs_finite_bounds(base: SurveyDesign, population: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="finite bounds"):
        base.calibrate(["area"], population, calfun="logit")


def test_population_from_a_file_and_in_wide_form(base: SurveyDesign, population: pd.DataFrame,
                                                 tmp_path: Path) -> None:
    """The same totals as a CSV file (read with ind.read) and as a wide table give the same design."""
    path = tmp_path / "totals.csv"
    population.to_csv(path, index=False)
    from_file = base.rake(["state", "area"], path)
    wide = pd.DataFrame({"state": [1, 2, 3, None, None], "area": [None, None, None, "R", "U"],
                         "total": population[population["variable"].isin(["state", "area"])]["total"].to_numpy()})
    from_wide = base.rake(["state", "area"], wide)
    a = from_file.mean("income", by="state").to_frame()
    b = from_wide.mean("income", by="state").to_frame()
    assert np.allclose(a["estimate"], b["estimate"], rtol=1e-12)
    assert np.allclose(a["se"], b["se"], rtol=1e-12)


def test_calibration_does_not_change_the_original(base: SurveyDesign, population: pd.DataFrame) -> None:
    before = base.mean("income").to_frame()
    base.calibrate(["area"], population)
    after = base.mean("income").to_frame()
    assert before["se"].iloc[0] == after["se"].iloc[0]


def test_rake_not_converging_warns(base: SurveyDesign, population: pd.DataFrame) -> None:
    with pytest.warns(UserWarning, match="did not converge"):
        base.rake(["state", "area", "age_group"], population, max_iter=1, epsilon=1e-6)


def test_trim_limits(base: SurveyDesign) -> None:
    trimmed = base.trim_weights(150, 900)
    assert trimmed._w.sum() == pytest.approx(base._w.sum(), rel=1e-12)
    with pytest.raises(DesignError, match="lower < upper"):
        base.trim_weights(900, 150)


@pytest.mark.parametrize("kind", ["bootstrap", "subbootstrap"])
def test_bootstrap_is_reproducible_and_draws_within_strata(base: SurveyDesign, kind: str) -> None:
    a = base.as_replicate(kind, replicates=20, seed=7)  # type: ignore[arg-type]
    b = base.as_replicate(kind, replicates=20, seed=7)  # type: ignore[arg-type]
    c = base.as_replicate(kind, replicates=20, seed=8)  # type: ignore[arg-type]
    assert a.mean("income").se.iloc[0] == b.mean("income").se.iloc[0]
    assert a.mean("income").se.iloc[0] != c.mean("income").se.iloc[0]
    assert a.n_replicates == 20
    factors = a._factors
    assert factors is not None
    # Each replicate draws n_h PSUs (bootstrap) or n_h - 1 rescaled by n_h / (n_h - 1) in each stratum.
    n_h = base._strata.n_psu
    per_stratum = np.zeros((len(n_h), 20))
    np.add.at(per_stratum, base._strata.psu_stratum, factors)
    assert np.allclose(per_stratum, n_h[:, None])
    if kind == "subbootstrap":
        assert a.scale == pytest.approx(1 / 19)
    else:
        harmonic = 1 / np.mean(1 / n_h)
        assert a.scale == pytest.approx(harmonic / ((harmonic - 1) * 19))


def test_replicate_weights_written_out_reproduce_the_design(base: SurveyDesign) -> None:
    """A partner gets the weights only, and the same figures."""
    from indicators import ReplicateDesign

    made = base.as_replicate("JKn")
    frame = made.weights_frame()
    assert frame.shape == (base.n_rows, 1 + made.n_replicates)
    data = pd.concat([base.data[["income", "state"]], frame], axis=1)
    again = ReplicateDesign(data, weights="weight", replicate_weights=list(made.replicate_weights),
                            type="JKn", rscales=made.rscales)
    a, b = made.mean("income", by="state").to_frame(), again.mean("income", by="state").to_frame()
    assert np.allclose(a["se"], b["se"], rtol=1e-12)


def test_as_replicate_errors(micro: pd.DataFrame, base: SurveyDesign, population: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="even number"):
        base.as_replicate("BRR")  # R's default large="split" needs pairs
    with pytest.raises(DesignError, match="more than two PSUs"):
        base.as_replicate("BRR", large="fail")
    moved = micro.assign(bstr=micro["stratum"].mask(micro["unit"] == "01U-2", "02U"))
    one_small = SurveyDesign(moved, weights="weight", strata="bstr", psu="unit", lonely_psu="certainty")
    with pytest.raises(DesignError, match="single PSU"):
        one_small.as_replicate("BRR", large="merge")
    with pytest.raises(DesignError, match="only one has: 01U"):
        one_small.as_replicate("BRR", small="merge", large="merge")
    split = one_small.as_replicate("BRR", small="split", large="merge")
    assert split.n_replicates == 8
    # The split PSU is in both half-samples: its factor is 1 in every replicate.
    frame = split.weights_frame()
    rows = (moved["unit"] == "01U-1").to_numpy()
    assert np.allclose(frame.loc[rows, list(split.replicate_weights)].to_numpy(),
                       moved.loc[rows, "weight"].to_numpy()[:, None])
    with pytest.raises(DesignError, match="unstratified"):
        base.as_replicate("JK1")
    with pytest.raises(DesignError, match="need a stratified design"):
        SurveyDesign(micro, weights="weight", psu="psu").as_replicate("JKn")
    with pytest.raises(DesignError, match="before calibration"):
        base.calibrate(["area"], population).as_replicate("JKn")
    with pytest.raises(DesignError, match="Hadamard"):
        SurveyDesign(micro, weights="weight", strata="stratum", psu="unit").as_replicate(
            "BRR", hadamard=np.ones((8, 8)))


def test_design_file_with_stages_calibration_and_replicates(micro: pd.DataFrame, tmp_path: Path) -> None:
    """A statistics office describes its survey once: stages, fpc, replicates, calibration."""
    from indicators import read_design

    pd.read_csv(DATA / "designs_population.csv").to_csv(tmp_path / "totals.csv", index=False)
    (tmp_path / "design.yaml").write_text(
        "strata: stratum\npsu: [psu, ssu]\nfpc: [N1, N2]\n"
        "replicates: {type: JKn}\n"
        "calibration:\n"
        "  - {method: rake, margins: [state, area, age_group], population: totals.csv}\n"
        "  - {method: trim, lower: 100, upper: 3000}\n")
    design = read_design(tmp_path / "design.yaml", micro)
    taylor = SurveyDesign(micro, weights=None, strata="stratum", psu=["psu", "ssu"], fpc=["N1", "N2"])
    pop = pd.read_csv(DATA / "designs_population.csv")
    direct = taylor.as_replicate("JKn").rake(["state", "area", "age_group"], pop).trim_weights(100, 3000)
    a, b = design.mean("income", by="state").to_frame(), direct.mean("income", by="state").to_frame()
    assert np.allclose(a["se"], b["se"], rtol=1e-12)
    assert np.allclose(a["estimate"], b["estimate"], rtol=1e-12)


def test_design_file_errors_name_the_key(micro: pd.DataFrame, tmp_path: Path) -> None:
    from indicators import DefinitionError, read_design

    (tmp_path / "bad.yaml").write_text("weights: weight\npsu: psu\ncalibration:\n  - {method: shrink}\n")
    with pytest.raises(DefinitionError, match="calibration"):
        read_design(tmp_path / "bad.yaml", micro)
    (tmp_path / "bad2.yaml").write_text("weights: weight\npsu: psu\nreplicates: {type: jackknife}\n")
    with pytest.raises(DefinitionError, match="replicates"):
        read_design(tmp_path / "bad2.yaml", micro)


@pytest.fixture(scope="module")
def pps_data() -> pd.DataFrame:
    return pd.read_csv(DATA / "designs_pps.csv")


def test_pps_needs_probabilities(pps_data: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="needs fpc"):
        SurveyDesign(pps_data, weights="weight", psu="psu", pps="brewer")
    bad = pps_data.assign(pi1=pps_data["pi1"].where(pps_data.index != 4, 1.5))
    with pytest.raises(DesignError, match="row") as info:
        SurveyDesign(bad, weights="weight", strata="stratum", psu="psu", fpc="pi1", pps="brewer")
    assert info.value.problems.iloc[0]["row"] == 5
    varying = pps_data.assign(pi1=pps_data["pi1"].where(pps_data.index != 0, 0.01))
    with pytest.raises(DesignError, match="same on every row") as info:
        SurveyDesign(varying, weights="weight", strata="stratum", psu="psu", fpc="pi1", pps="brewer")
    assert info.value.problems.iloc[0]["row"] == 1
    with pytest.raises(DesignError, match="single-stage"):
        SurveyDesign(pps_data, weights=None, psu=["psu", "ssu"], fpc=["pi1", "pi2"], pps="overton")
    with pytest.raises(DesignError, match="pps_psum"):
        SurveyDesign(pps_data, weights=None, strata="h", fpc="pi_e", pps="hartley-rao", pps_psum={1: 0.3})
    with pytest.raises(DesignError, match="fpc=False"):
        SurveyDesign(pps_data, weights="weight", strata="stratum", psu="psu", fpc="pi1",
                     pps="brewer").as_replicate("JKn")
    with pytest.raises(DesignError, match="necesita fpc"):
        SurveyDesign(pps_data, weights="weight", psu="psu", pps="overton", lang="es")


def test_brewer_with_equal_probabilities_is_the_ultimate_cluster(pps_data: pd.DataFrame) -> None:
    """With the same probability for every PSU of a stratum, Brewer's variance is the
    ultimate cluster variance with that sampling fraction as the fpc (R's formula)."""
    frac = pps_data.assign(p=pps_data["f1"])
    brewer = SurveyDesign(frac, weights="weight", strata="stratum", psu="psu", fpc="p", pps="brewer")
    plain = SurveyDesign(frac, weights="weight", strata="stratum", psu="psu", fpc="f1")
    a, b = brewer.mean("income", by="state").to_frame(), plain.mean("income", by="state").to_frame()
    assert np.allclose(a["se"], b["se"], rtol=1e-12)


def test_overton_and_hartley_rao_do_not_depend_on_row_order(pps_data: pd.DataFrame) -> None:
    shuffled = pps_data.sample(frac=1.0, random_state=3).reset_index(drop=True)
    for method in ("overton", "hartley-rao"):
        a = SurveyDesign(pps_data, weights=None, strata="h", fpc="pi_e", pps=method)
        b = SurveyDesign(shuffled, weights=None, strata="h", fpc="pi_e", pps=method)
        fa, fb = a.total("reported", by="area").to_frame(), b.total("reported", by="area").to_frame()
        assert np.allclose(fa["se"], fb["se"], rtol=1e-12)


def test_overton_matches_the_full_matrix(pps_data: pd.DataFrame) -> None:
    """The sums that replace the n x n matrix agree with it (hand computation, one stratum)."""
    one = pps_data[pps_data["h"] == 1].reset_index(drop=True)
    design = SurveyDesign(one, weights=None, fpc="pi_e", pps="overton")
    pi = one["pi_e"].to_numpy()
    z = one["income"].to_numpy() / pi
    n = len(pi)
    dcheck = ((pi[:, None] + pi[None, :]) / 2 - 1) / (n - 1)
    np.fill_diagonal(dcheck, 1 - pi)
    assert design.total("income").se.iloc[0] == pytest.approx(float(np.sqrt(z @ dcheck @ z)), rel=1e-10)


def test_design_file_with_pps(pps_data: pd.DataFrame) -> None:
    from indicators import DefinitionError, read_design

    spec = {"strata": "stratum", "psu": ["psu", "ssu"], "fpc": ["pi1", "pi2"], "pps": "brewer"}
    a = read_design(spec, pps_data).mean("income").to_frame()
    b = SurveyDesign(pps_data, weights=None, strata="stratum", psu=["psu", "ssu"], fpc=["pi1", "pi2"],
                     pps="brewer").mean("income").to_frame()
    assert a["se"].iloc[0] == b["se"].iloc[0]
    with pytest.raises(DefinitionError, match="pps"):
        read_design({**spec, "pps": "sampford"}, pps_data)
