"""Fuzzing the stages on random but well-formed inputs, with invariants on the results.

- survey: a design drawn from a random frame (random weights, strata, PSUs and finite population
  corrections, any of them missing, negative, zero or absent); every estimate returned obeys what
  an estimate must: a mean within the range of the values it averages, a proportion within 0-1, a
  total of non-negative values non-negative, standard errors non-negative, a confidence interval
  around its estimate;
- score: random values for random indicators of the MESECVI index; every score within 0-100, and
  the same scores whatever the order of the rows;
- reports: a country and the hemispheric report made from random values and their scores; the
  HTML names the country and carries no script from the data.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import indicators as ind

from ._harness import attempt, budget, invariant

CATALOG = ind.load_catalog("mesecvi")
SAMPLE = pd.read_csv(__import__("pathlib").Path(__file__).resolve().parents[2] / "sample_data" / "values_sample.csv",
                     dtype=object, keep_default_na=False)
SCORED = sorted(set(SAMPLE["indicator"]))

number = st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(math.nan), st.integers(-5, 5),
                   st.sampled_from([0.0, 1.0, math.inf, -math.inf, 1e-300, 1e300]))


@st.composite
def survey_frames(draw: st.DrawFn) -> tuple[pd.DataFrame, dict[str, object]]:
    n = draw(st.integers(1, 30))
    strata_n = draw(st.integers(1, 4))
    columns = {
        "w": draw(st.lists(st.one_of(st.floats(0.01, 1000), number) if draw(st.booleans()) else st.floats(0.01, 1000),
                           min_size=n, max_size=n)),
        "st": draw(st.lists(st.integers(1, strata_n), min_size=n, max_size=n)),
        "psu": draw(st.lists(st.integers(1, draw(st.integers(1, 10))), min_size=n, max_size=n)),
        "fpc": draw(st.lists(st.one_of(st.integers(1, 500), st.floats(0, 1), number), min_size=n, max_size=n)),
        "y": draw(st.lists(number, min_size=n, max_size=n)),
        "z": draw(st.lists(st.floats(0, 100), min_size=n, max_size=n)),
        "b": draw(st.lists(st.sampled_from([0, 1, 1, math.nan]), min_size=n, max_size=n)),
        "g": draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n)),
    }
    frame = pd.DataFrame(columns)
    options = {
        "weights": draw(st.sampled_from(["w", "w", "w", None, "nope"])),
        "strata": draw(st.sampled_from(["st", None, ["st", "g"]])),
        "psu": draw(st.sampled_from(["psu", None])),
        "fpc": draw(st.sampled_from([None, None, "fpc"])),
        "lonely_psu": draw(st.sampled_from(["fail", "remove", "adjust", "certainty", "average"])),
    }
    return frame, options


def _check_estimates(target: str, frame: pd.DataFrame, statistic: str, variable: str, table: pd.DataFrame,
                     describe) -> None:  # type: ignore[no-untyped-def]
    for _, row in table.iterrows():
        est, se = row.get("estimate"), row.get("se")
        if pd.notna(se):
            invariant(target, float(se) >= 0 or math.isnan(float(se)), "a negative standard error", describe)
        low, high = row.get("ci_low"), row.get("ci_high")
        if pd.notna(est) and pd.notna(low) and pd.notna(high) and math.isfinite(float(est)):
            span = 1e-9 * max(1.0, abs(float(est)))
            invariant(target, float(low) - span <= float(est) <= float(high) + span,
                      "an estimate outside its confidence interval", describe)
        if not pd.notna(est) or not math.isfinite(float(est)):
            continue
        est = float(est)
        if statistic == "proportion":
            invariant(target, -1e-9 <= est <= 1 + 1e-9, "a proportion outside 0-1", describe)
        elif statistic == "mean":
            values = pd.to_numeric(frame[variable], errors="coerce")
            values = values[np.isfinite(values)]
            if len(values):
                span = 1e-6 * max(1.0, float(values.abs().max()))
                invariant(target, float(values.min()) - span <= est <= float(values.max()) + span,
                          "a mean outside the range of its values", describe)
        elif statistic == "total" and variable == "z":
            invariant(target, est >= -1e-9, "a negative total of non-negative values", describe)


@settings()
@given(drawn=survey_frames(), statistic=st.sampled_from(["mean", "total", "proportion", "quantile"]),
       variable=st.sampled_from(["y", "z", "b", "g"]), by=st.sampled_from([None, None, "g", "st"]))
def test_fuzz_survey_design_from_random_frames(drawn: tuple[pd.DataFrame, dict[str, object]], statistic: str,
                                               variable: str, by: str | None) -> None:
    frame, options = drawn
    describe = lambda: f"{options} {statistic}({variable!r}, by={by!r}) data={frame.to_dict(orient='list')}"[:600]
    design = attempt("survey: random design", lambda: ind.SurveyDesign(frame, **options), describe)  # type: ignore[arg-type]
    if design is None:
        return
    if statistic == "quantile":
        result = attempt("survey: random design estimates", lambda: design.quantile(variable, 0.5, by=by), describe)
    else:
        result = attempt("survey: random design estimates", lambda: getattr(design, statistic)(variable, by=by),
                         describe)
    if result is None:
        return
    table = attempt("survey: random design estimates", lambda: result.to_frame(), describe)
    if table is not None:
        _check_estimates("survey: random design estimates", frame, statistic, variable, table, describe)


@st.composite
def random_values(draw: st.DrawFn) -> pd.DataFrame:
    countries = draw(st.lists(st.sampled_from(["ARG", "PER", "MEX", "BRA", "JAM", "CHL"]), min_size=1, max_size=3,
                              unique=True))
    years = draw(st.lists(st.sampled_from([2014, 2017, 2020, 2023]), min_size=1, max_size=2, unique=True))
    indicators = draw(st.lists(st.sampled_from(SCORED), min_size=1, max_size=25, unique=True))
    rows = []
    for c in countries:
        for y in years:
            for i in indicators:
                if draw(st.integers(0, 4)) == 0:
                    continue
                rows.append({"country": c, "year": y, "indicator": i,
                             "value": draw(st.one_of(st.floats(-50, 500), number, st.sampled_from([0.0, 100.0]))),
                             "status": draw(st.sampled_from(["observed", "observed", "estimated", "provisional"]))})
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value", "status"])


def _scores_frame(scores: ind.Scores) -> pd.DataFrame:
    frame = scores.to_frame()
    keys = [c for c in ("country", "year", "level", "unit") if c in frame.columns]
    return frame.sort_values(keys).reset_index(drop=True)[[*keys, "score"]]


@budget(20)  # each input scores the index twice
@given(values=random_values(), seed=st.integers(0, 2**16))
def test_fuzz_score_from_random_values(values: pd.DataFrame, seed: int) -> None:
    describe = lambda: f"values={values.to_dict(orient='list')}"[:600]
    scores = attempt("score: random values", lambda: ind.score(values, "mesecvi", CATALOG), describe)
    if scores is None:
        return
    frame = _scores_frame(scores)
    finite = frame["score"].dropna()
    invariant("score: random values", bool(((finite >= -1e-9) & (finite <= 100 + 1e-9)).all()),
              "a score outside 0-100", describe)
    shuffled = values.sample(frac=1.0, random_state=random.Random(seed).randrange(2**31)).reset_index(drop=True)
    again = attempt("score: random values", lambda: ind.score(shuffled, "mesecvi", CATALOG), describe)
    if again is not None:
        other = _scores_frame(again)
        same = len(other) == len(frame) and np.allclose(frame["score"].to_numpy(float), other["score"].to_numpy(float),
                                                        equal_nan=True, rtol=1e-9, atol=1e-9)
        invariant("score: random values", bool(same), "scores depend on the order of the rows", describe)


@budget(50)  # each input scores the index and writes a report
@given(values=random_values(), which=st.sampled_from(["country", "hemispheric"]), lang=st.sampled_from(["en", "es"]))
def test_fuzz_reports_on_random_scores(values: pd.DataFrame, which: str, lang: str) -> None:
    values = values.assign(source=["<script>alert(1)</script>"] * len(values))
    describe = lambda: f"{which} values={values.to_dict(orient='list')}"[:600]
    scores = attempt("score: random values", lambda: ind.score(values, "mesecvi", CATALOG), describe)
    if scores is None:
        return
    country = str(values["country"].iloc[0])
    if which == "country":
        report = attempt("report: on random scores", lambda: ind.country_report(
            values, CATALOG, country=country, scores=scores, lang=lang), describe)  # type: ignore[arg-type]
    else:
        report = attempt("report: on random scores", lambda: ind.hemispheric_report(
            values, CATALOG, scores=scores, lang=lang), describe)  # type: ignore[arg-type]
    if report is None:
        return
    html = attempt("report: on random scores", lambda: report.to_html(), describe)
    if html is not None:
        invariant("report: on random scores", "<script>alert" not in html, "script text from the data in the HTML",
                  describe)
