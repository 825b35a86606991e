"""R's numerical routines behind the likelihood and score intervals, against base R 4.2
(``tests/data/survey/r_rmath.R``, figures printed with 17 significant digits): ``seq.int``,
``spline`` (FMM), ``approx`` (linear, and constant on unsorted and tied ``x``) and
``uniroot`` (every point it evaluates). They are compared bit for bit (the same operations
in the same order), which is what lets the profile-likelihood and score intervals agree
with R's to rounding. R is not needed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_survey_analysis_r import DATA

from indicators.survey._rmath import approx, seq_length, spline, zeroin

EXPECTED = pd.read_csv(DATA / "r_rmath_expected.csv", dtype={"value": str})


def _r(case: str) -> np.ndarray:
    part = EXPECTED[EXPECTED["case"] == case]
    assert len(part), case
    return np.array([float(v) for v in part.sort_values("i")["value"]])


def _same(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape
    assert np.all((np.isnan(got) & np.isnan(want)) | (got == want)), (got, want)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_spline_and_approx_are_r(k: int) -> None:
    xs, ys = spline(_r(f"spline_in_x_{k}"), _r(f"spline_in_y_{k}"))
    _same(xs, _r(f"spline_x_{k}"))
    _same(ys, _r(f"spline_y_{k}"))
    _same(approx(ys, xs, _r(f"approx_out_{k}")), _r(f"approx_{k}"))


def test_seq_is_r() -> None:
    _same(seq_length(-1.2345, 3.3, 57), _r("seq_1"))
    _same(seq_length(0.1, 0.7, 60), _r("seq_2"))


def test_constant_approx_sorts_and_averages_ties_as_r() -> None:
    got = approx(_r("const_x"), _r("const_y"), _r("const_out"), method="constant", f=0.0, rule=2)
    _same(got, _r("const"))


@pytest.mark.parametrize("k", [1, 2])
def test_uniroot_evaluates_the_same_points_as_r(k: int) -> None:
    def f(t: float) -> float:
        if k == 1:
            return float(np.exp(t) - 3)
        return float(np.sign(t - 0.3) * abs(t - 0.3) ** 0.3 + 0.01 * (t > 0.5) - 0.2 * (t > 0.31))

    trace: list[float] = []

    def traced(t: float) -> float:
        trace.append(t)
        return f(t)

    tol = (1e-10, 0.001)[k - 1]
    lower, upper = -1.0, 2.0
    root, _ = zeroin(traced, lower, upper, traced(lower), traced(upper), tol)
    traced(root)  # R's uniroot evaluates the root once more (f.root)
    _same(np.array(trace), _r(f"uniroot_trace_{k}"))
    _same(np.array([root]), _r(f"uniroot_root_{k}"))
