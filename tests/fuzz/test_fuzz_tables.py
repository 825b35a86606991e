"""Fuzzing the stages after reading: validate(), survey estimators, score() and reports.

Tables are drawn with cells of every kind a DataFrame can hold (text, numbers, NaN,
infinities, None, Decimal, bytes, lists, dicts, sets, dates), with repeated and odd
column names. On every input the call returns or raises the library's own error; and
validate() keeps every row: accepted + rejected = input, each issue's row is a row of
the input (or the table as a whole).
"""

from __future__ import annotations

import datetime
import decimal
import math
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import indicators as ind

from ._harness import attempt, budget, invariant

CATALOG = ind.load_catalog("mesecvi")
INDICATORS = [i.id for i in CATALOG][:40]
COUNTRIES = ["PER", "ARG", "MEX", "CHL", "XXX", "per", "Perú", ""]

cell = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["sí", "no", "yes", "1", "0", "10,5", "1.234,5", "=SUM(A1)", "<script>", "NA", "", " ", "-"]),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.just(decimal.Decimal("12.5")),
    st.just(decimal.Decimal("NaN")),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
    st.frozensets(st.integers(), max_size=2).map(set),
    st.just(datetime.date(2020, 1, 1)),
    st.booleans(),
)


@st.composite
def values_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 8))
    base = {
        "country": draw(st.lists(st.one_of(st.sampled_from(COUNTRIES), cell), min_size=n, max_size=n)),
        "year": draw(st.lists(st.one_of(st.integers(1990, 2030), cell), min_size=n, max_size=n)),
        "indicator": draw(st.lists(st.one_of(st.sampled_from(INDICATORS), cell), min_size=n, max_size=n)),
        "value": draw(st.lists(st.one_of(st.floats(0, 100), cell), min_size=n, max_size=n)),
    }
    extra = draw(st.lists(st.sampled_from(["se", "n", "status", "sex", "age_group", "cv", "note", "país",
                                           "value", "year", "junk", "", "ci_low"]), max_size=3))
    columns = list(base)
    data = [list(base[c]) for c in columns]
    for name in extra:
        columns.append(name)
        data.append(draw(st.lists(cell, min_size=n, max_size=n)))
    drop = draw(st.sets(st.integers(0, len(columns) - 1), max_size=1))
    keep = [j for j in range(len(columns)) if j not in drop]
    frame = pd.DataFrame({j: pd.Series(data[j], dtype=object) for j in keep})
    frame.columns = [columns[j] for j in keep]
    return frame


def _describe(frame: pd.DataFrame) -> str:
    return repr(frame.to_dict(orient="list"))[:600]


@settings()
@given(table=values_tables(), lang=st.sampled_from(["en", "es"]),
       year_range=st.sampled_from([None] * 6 + [(1994, 2030), (1,), (2030, 1994), "ab", (1990.5, 2000)]))
def test_fuzz_validate(table: pd.DataFrame, lang: str, year_range: object) -> None:
    describe = lambda: f"year_range={year_range!r} table={_describe(table)}"
    report = attempt("validate", lambda: ind.validate(table, CATALOG, lang=lang, year_range=year_range),  # type: ignore[arg-type]
                     describe)
    if report is None:
        return
    invariant("validate", len(report.accepted) + len(report.rejected) == len(table),
              "accepted + rejected != input rows", describe)
    rows = set(range(2, len(table) + 2))
    issue_rows = set(report.issues["row"].dropna().astype(int))
    invariant("validate", issue_rows <= rows, "an issue on a row that is not in the input", describe)
    html = attempt("validate: html", lambda: report.to_html(), describe)
    if html is not None:
        invariant("validate", html.count("<script") == 1, "script text from the data in the HTML", describe)
    attempt("validate: json", lambda: report.to_json(), describe)


@st.composite
def microdata(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    number = st.one_of(st.floats(-5, 5), st.just(math.nan), st.integers(-3, 3), st.sampled_from([math.inf, 0.0]))
    weight = number if draw(st.integers(0, 3)) == 0 else st.floats(0.1, 10)
    return pd.DataFrame({
        "w": draw(st.lists(weight, min_size=n, max_size=n)),
        "s": draw(st.lists(st.integers(1, 3), min_size=n, max_size=n)),
        "p": draw(st.lists(st.integers(1, 6), min_size=n, max_size=n)),
        "y": draw(st.lists(number, min_size=n, max_size=n)),
        "b": draw(st.lists(st.sampled_from([0, 1, 1.0, math.nan]), min_size=n, max_size=n)),
        "g": draw(st.lists(st.sampled_from(["a", "b", None]), min_size=n, max_size=n)),
        "t": draw(st.lists(st.one_of(st.text(max_size=2), st.integers(0, 2)), min_size=n, max_size=n)),
    })


names = st.one_of(st.sampled_from(["y", "b", "t", "missing", "w", "g"]), st.integers(-2, 5),
                  st.lists(st.sampled_from(["y", "b", "x"]), max_size=2), st.none())


@settings()
@given(data=microdata(), statistic=st.sampled_from(["mean", "total", "proportion", "ratio", "quantile"]),
       variables=names, by=st.one_of(st.none(), names), lonely=st.sampled_from(["fail", "remove", "adjust",
                                                                                "certainty", "average"]),
       strata=st.sampled_from(["s", None]))
def test_fuzz_survey(data: pd.DataFrame, statistic: str, variables: object, by: object, lonely: str,
                     strata: str | None) -> None:
    describe = lambda: f"{statistic}({variables!r}, by={by!r}) lonely={lonely} data={_describe(data)}"
    design = attempt("survey: design", lambda: ind.SurveyDesign(data, weights="w", strata=strata, psu="p",
                                                               lonely_psu=lonely), describe)
    if design is None:
        return

    def run():  # type: ignore[no-untyped-def]
        if statistic == "ratio":
            return design.ratio(variables, "b", by=by)  # type: ignore[arg-type]
        if statistic == "quantile":
            return design.quantile(variables, 0.5, by=by)  # type: ignore[arg-type]
        return getattr(design, statistic)(variables, by=by)

    result = attempt("survey: estimators", run, describe)
    if result is not None:
        attempt("survey: estimators", lambda: result.to_frame(), describe)


SAMPLE = pd.read_csv(Path(__file__).resolve().parents[2] / "sample_data" / "values_sample.csv", dtype=object,
                     keep_default_na=False).replace("", None)


@st.composite
def score_tables(draw: st.DrawFn) -> pd.DataFrame:
    """Rows of the shipped sample values (a few countries), some cells replaced by odd ones."""
    countries = draw(st.sets(st.sampled_from(sorted(SAMPLE["country"].unique())), min_size=1, max_size=3))
    rows = SAMPLE[SAMPLE["country"].isin(countries)].reset_index(drop=True).astype(object)
    rows["value"] = [_number(v) for v in rows["value"]]
    odd = st.one_of(st.floats(-10, 200), st.just(math.nan), st.just(math.inf), st.just(decimal.Decimal("3.5")),
                    st.binary(max_size=2), st.sampled_from(["sí", "no", "x", "1", "<script>x</script>"]),
                    st.integers(0, 1), st.none())
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(rows) - 1))
        column = draw(st.sampled_from(["value", "value", "value", "se", "year", "note", "source", "status"]))
        rows.at[at, column] = draw(odd)
    return rows


def _number(text: object) -> object:
    try:
        return float(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return text


@budget(100)  # a score or a report takes seconds
@given(values=score_tables(), what=st.sampled_from(["score", "country", "hemispheric"]),
       cv=st.sampled_from([None, (15.0, 30.0), "x", (1,), (30, 15)]))
def test_fuzz_score_and_reports(values: pd.DataFrame, what: str, cv: object) -> None:
    describe = lambda: f"{what} cv={cv!r} values={_describe(values)}"
    if what == "score":
        result = attempt("score", lambda: ind.score(values, "mesecvi", CATALOG), describe)
        if result is not None:
            frame = result.to_frame()
            finite = frame["score"].dropna()
            invariant("score", bool(((finite >= 0) & (finite <= 100)).all()), "a score outside 0-100", describe)
        return
    kwargs = {} if cv is None or what != "country" else {"cv_thresholds": cv}
    make = ind.country_report if what == "country" else ind.hemispheric_report
    extra = {"country": "PER"} if what == "country" else {}
    report = attempt(f"report: {what}", lambda: make(values, CATALOG, **extra, **kwargs), describe)  # type: ignore[operator]
    if report is not None:
        html = attempt(f"report: {what}", lambda: report.to_html(), describe)
        if html is not None:
            invariant(f"report: {what}", "<script" not in html, "script text from the data in the HTML",
                      describe)


@settings()
@given(data=microdata(), kind=st.sampled_from(["JK1", "JKn", "BRR", "Fay", "bootstrap", "x"]),
       statistic=st.sampled_from(["mean", "total", "proportion", "quantile"]), variables=names,
       by=st.one_of(st.none(), names), rho=st.one_of(st.none(), st.floats(-1, 2)))
def test_fuzz_replicate_design(data: pd.DataFrame, kind: str, statistic: str, variables: object, by: object,
                               rho: float | None) -> None:
    data = data.assign(r1=data["w"] * 2, r2=data["w"].where(data.index % 2 == 0, 0.0), r3=data["w"] * 0.5)
    describe = lambda: f"{kind} rho={rho} {statistic}({variables!r}, by={by!r}) data={_describe(data)}"
    design = attempt("survey: replicate design", lambda: ind.ReplicateDesign(
        data, weights="w", replicate_weights=["r1", "r2", "r3"], type=kind, rho=rho), describe)  # type: ignore[arg-type]
    if design is None:
        return
    call = (lambda: design.quantile(variables, 0.5, by=by)) if statistic == "quantile" else (  # type: ignore[arg-type]
        lambda: getattr(design, statistic)(variables, by=by))
    result = attempt("survey: replicate estimators", call, describe)
    if result is not None:
        attempt("survey: replicate estimators", lambda: result.to_frame(), describe)


@settings()
@given(data=microdata(), labels=st.one_of(st.none(), st.just({"b": {0: "no", 1: "sí"}}), st.just({"y": "x"})),
       design=st.sampled_from([{"weights": "w", "strata": "s", "psu": "p"}, {"weights": "w"}, {"weights": "zz"},
                               {"weights": "w", "psu": "g"}, {}, {"weights": 5}]))
def test_fuzz_validate_microdata(data: pd.DataFrame, labels: object, design: dict) -> None:  # type: ignore[type-arg]
    describe = lambda: f"design={design} labels={labels} data={_describe(data)}"
    report = attempt("validate: microdata", lambda: ind.validate(data, None, kind="microdata", design=design,
                                                                 value_labels=labels), describe)  # type: ignore[arg-type]
    if report is not None:
        invariant("validate: microdata", len(report.accepted) + len(report.rejected) == len(data),
                  "accepted + rejected != input rows", describe)
