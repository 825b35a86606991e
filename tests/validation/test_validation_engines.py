"""Microdata validation on Polars, DuckDB and Spark frames reports what the pandas path reports.

Source of truth: the pandas path of :func:`indicators.validate` (``kind="microdata"``) on the
same rows; the issues tables (codes, rows, columns, values, messages) must be identical and
the accepted and rejected rows the same.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.validation._engine_checks import validate_on_engine

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

LABELS = {"sex": {1: "Female", 2: "Male"}, "area": {"u": "Urban", "r": "Rural"}}


def microdata(n: int = 300, seed: int = 7) -> pd.DataFrame:
    """Microdata with every kind of problem the design checks find."""
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 30, n)
    frame = pd.DataFrame({
        "w": rng.uniform(1, 10, n), "s": (psu % 6).astype(float), "p": psu,
        "sex": rng.choice([1, 2, 3], n, p=[0.45, 0.45, 0.1]),
        "area": rng.choice(["u", " r", "x", ""], n, p=[0.5, 0.3, 0.1, 0.1]),
        "w_text": rng.choice(["1,5", "2", "-1", "abc", "", " 0 ", "3,25", "1.000,5"], n),
        "s_text": rng.choice(["A", " B", "C ", ""], n, p=[0.4, 0.3, 0.29, 0.01]),
        "p_text": [f"u{k}" for k in rng.integers(0, 12, n)],
    })
    frame.loc[[3, 50], "w"] = np.nan
    frame.loc[7, "w"] = 0.0
    frame.loc[9, "w"] = -2.0
    frame.loc[11, "s"] = np.nan
    frame.loc[[13, 14], "p"] = 99  # a PSU in two strata
    frame.loc[13, "s"], frame.loc[14, "s"] = 1.0, 2.0
    frame.loc[20, "p"], frame.loc[20, "s"] = 500, 100.0  # a stratum with one PSU
    frame.loc[21, "p_text"], frame.loc[21, "s_text"] = "solo", "Z"
    return frame


DESIGNS: list[dict[str, Any]] = [
    {"weights": "w", "strata": "s", "psu": "p"},
    {"weights": "w_text", "strata": "s_text", "psu": "p_text"},
    {"weights": "w_text", "strata": "s", "psu": "p", "nest": True},
    {"weights": "w", "strata": "absent", "psu": "p"},
    {"weights": "w"},
]


def _polars(frame: pd.DataFrame) -> Any:
    return pl.from_pandas(frame)


def _lazy(frame: pd.DataFrame) -> Any:
    return pl.from_pandas(frame).lazy()


def _duckdb(frame: pd.DataFrame) -> Any:
    return duckdb.from_df(frame)


ENGINES: dict[str, Callable[[pd.DataFrame], Any]] = {"polars": _polars, "polars-lazy": _lazy, "duckdb": _duckdb}


def _rows(native: Any) -> int:
    import narwhals as nw

    frame = nw.from_native(native)
    return int(frame.lazy().select(nw.len()).collect().item())


def assert_same(frame: pd.DataFrame, native: Any, design: dict[str, Any], **kwargs: Any) -> ind.ValidationReport:
    base = ind.validate(frame, None, kind="microdata", design=design, value_labels=LABELS, **kwargs)
    other = ind.validate(native, None, kind="microdata", design=design, value_labels=LABELS, **kwargs)
    pd.testing.assert_frame_equal(other.issues, base.issues)
    assert (other.n_rows, other.n_accepted, other.n_rejected) == (len(frame), len(base.accepted),
                                                                  len(base.rejected))
    assert _rows(other.accepted) == len(base.accepted) and _rows(other.rejected) == len(base.rejected)
    assert other.ok == base.ok and other.counts.equals(base.counts)
    return other


@pytest.mark.parametrize("engine", list(ENGINES))
@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: "-".join(f"{k}={v}" for k, v in d.items()))
def test_engine_issues_are_the_pandas_issues(engine: str, design: dict[str, Any]) -> None:
    frame = microdata()
    report = assert_same(frame, ENGINES[engine](frame), design)
    assert not report.ok and report.provenance["engine"]["rows"] == len(frame)


@pytest.mark.parametrize("engine", list(ENGINES))
def test_engine_issues_in_spanish_and_accepted_rows(engine: str) -> None:
    frame = microdata(120, seed=3)
    report = assert_same(frame, ENGINES[engine](frame), DESIGNS[0], lang="es")
    base = ind.validate(frame, None, kind="microdata", design=DESIGNS[0], value_labels=LABELS)
    import narwhals as nw

    accepted = nw.from_native(report.accepted).lazy().collect().to_pandas()
    np.testing.assert_allclose(np.sort(accepted["w"].to_numpy()), np.sort(base.accepted["w"].to_numpy()))


@pytest.mark.parametrize("engine", list(ENGINES))
def test_engine_clean_and_empty_microdata(engine: str) -> None:
    frame = pd.DataFrame({"w": [1.0, 2.0, 3.0, 4.0], "s": [1, 1, 2, 2], "p": [1, 2, 3, 4]})
    report = assert_same(frame, ENGINES[engine](frame), DESIGNS[0])
    assert report.ok and report.n_accepted == 4
    empty = frame.iloc[:0]
    report = assert_same(empty, ENGINES[engine](empty), DESIGNS[0])
    assert report.issues["code"].tolist() == ["micro.empty_table"]


def test_engine_returns_the_first_rows_of_each_rule_and_counts_them_all() -> None:
    frame = microdata(500, seed=11)
    frame.loc[::5, "w"] = -1.0
    full = ind.validate(frame, None, kind="microdata", design=DESIGNS[0], value_labels=LABELS)
    part = validate_on_engine(_lazy(frame), DESIGNS[0], LABELS, "en", True, limit=5)
    engine = part.provenance["engine"]
    assert engine["limit"] == 5 and engine["rejected"] == len(full.rejected)
    for code, count in full.issues.groupby("code").size().items():
        assert engine["issues"][code] == count
        mine = part.issues[part.issues["code"] == code]
        first = full.issues[full.issues["code"] == code].groupby("column").head(5)
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), first.reset_index(drop=True))


def test_engine_strict_raises_data_error() -> None:
    frame = microdata(60)
    with pytest.raises(ind.DataError):
        ind.validate(_lazy(frame), None, kind="microdata", design=DESIGNS[0], lazy=False)



@pytest.mark.spark
def test_spark_issues_are_the_pandas_issues(spark: Any) -> None:
    frame = microdata(200)
    assert_same(frame, spark.createDataFrame(frame), DESIGNS[1])


def test_engine_report_is_written_like_any_report(tmp_path: Any) -> None:
    frame = microdata(80)
    report = ind.validate(_lazy(frame), None, kind="microdata", design=DESIGNS[0], value_labels=LABELS)
    base = ind.validate(frame, None, kind="microdata", design=DESIGNS[0], value_labels=LABELS)
    written = report.save(tmp_path)
    assert {"html", "xlsx", "csv", "json"} <= set(written)
    mine, theirs = report.to_dict(), base.to_dict()
    for key in ("ok", "rows", "accepted", "rejected", "errors", "warnings", "counts", "issues"):
        assert mine[key] == theirs[key], key
    assert report.in_lang("es").issues.equals(base.in_lang("es").issues)


try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    given = None


if given is not None:
    _random_rows = st.lists(st.tuples(st.sampled_from([np.nan, -1.0, 0.0, 0.5, 2.0, 7.25]),
                               st.sampled_from([np.nan, 1.0, 2.0, 3.0]),
                               st.integers(0, 6), st.sampled_from([1, 2, 3, 9])),
                     min_size=1, max_size=40)

    @settings(max_examples=10, deadline=None)
    @given(rows=_random_rows, nest=st.booleans())
    def test_engine_issues_match_pandas_on_random_microdata(rows: list[tuple[float, float, int, int]],
                                                            nest: bool) -> None:
        """Property: on any small microdata, Polars (lazy) and DuckDB report the pandas issues."""
        frame = pd.DataFrame(rows, columns=["w", "s", "p", "sex"])
        design = {"weights": "w", "strata": "s", "psu": "p", "nest": nest}
        for make in (_lazy, _duckdb):
            assert_same(frame, make(frame), design)
