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
