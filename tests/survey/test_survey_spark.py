"""Designs on PySpark frames (local mode) give the pandas figures.

Source of truth: the pandas path of the same design on the same rows (checked against R
``survey`` 4.1.1 in ``test_survey_r_cases.py`` on ``tests/data/survey/cases_lonely.csv``).
Runs when pyspark and Java are installed; one Spark session for the module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from indicators import SurveyDesign

pyspark = pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark

DATA = Path(__file__).parent.parent / "data" / "survey"



def test_taylor_estimates_on_spark_agree_with_pandas(spark: Any) -> None:
    frame = pd.read_csv(DATA / "cases_lonely.csv")
    options: dict[str, Any] = {"weights": "weight", "strata": "stratum", "psu": "psu", "lonely_psu": "adjust"}
    base = SurveyDesign(frame, **options)
    other = SurveyDesign(spark.createDataFrame(frame), **options)
    assert type(other).__name__ == "EngineSurveyDesign" and other.degf() == base.degf()
    for statistic, args, kwargs in [("mean", ("income",), {"by": "area"}),
                                    ("proportion", ("sought_help",), {"by": "age_group"}),
                                    ("total", ("reported",), {"by": "state"}),
                                    ("ratio", ("income", "schooling_years"), {})]:
        a = getattr(base, statistic)(*args, **kwargs).to_frame()
        b = getattr(other, statistic)(*args, **kwargs).to_frame()
        for col in ("estimate", "se", "ci_low", "ci_high", "deff", "n"):
            np.testing.assert_allclose(b[col].to_numpy(dtype=float), a[col].to_numpy(dtype=float),
                                       rtol=1e-9, err_msg=f"{statistic} {col}")
