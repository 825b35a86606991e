"""Designs on Polars, DuckDB (and PySpark) frames give the pandas figures.

Source of truth: the pandas path of the same design on the same rows (itself checked
against R ``survey`` 4.1.1 in ``test_survey_r_cases.py`` on these files:
``tests/data/survey/cases_data.csv``, ``cases_lonely.csv``, ``cases_factors.csv``, made by
``r_cases.R``). Two routes to the same number agree to a relative 1e-9.
"""

from __future__ import annotations

import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from indicators import ReplicateDesign, SurveyDesign
from indicators.errors import DataError, DesignError

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

DATA = Path(__file__).parent.parent / "data" / "survey"
COLUMNS = ["estimate", "se", "ci_low", "ci_high", "deff", "n"]


@cache
def _read(name: str) -> pd.DataFrame:
    frame = pd.read_csv(DATA / name)
    if name == "cases_data.csv":
        # More missing values: a domain variable missing on some rows (they leave every
        # domain), a ratio denominator missing where the numerator is not.
        frame = frame.copy()
        frame.loc[frame.index % 37 == 5, "age_group"] = None
        frame.loc[frame.index % 53 == 7, "income"] = np.nan
    return frame


def _with_replicates(kind: str) -> tuple[pd.DataFrame, list[str]]:
    data = _read("cases_data.csv")
    factors = pd.read_csv(DATA / "cases_factors.csv")
    table = factors[factors["type"] == kind].pivot(index="unit", columns="replicate", values="factor")
    per_row = table.loc[data["unit"]].to_numpy()
    cols = [f"repw{j + 1}" for j in range(per_row.shape[1])]
    reps = pd.DataFrame(data["weight"].to_numpy()[:, None] * per_row, columns=cols)
    return pd.concat([data, reps], axis=1), cols


def _engines() -> dict[str, Any]:
    return {
        "polars": lambda df: pl.from_pandas(df),
        "polars-lazy": lambda df: pl.from_pandas(df).lazy(),
        "duckdb": lambda df: duckdb.connect().from_df(df),
    }


ENGINES = _engines()

TAYLOR = {
    "plain": ("cases_data.csv", {}),
    "fpc_pop": ("cases_data.csv", {"fpc": "fpc_pop"}),
    "fpc_frac": ("cases_data.csv", {"fpc": "fpc_frac"}),
    "lonely_adjust": ("cases_lonely.csv", {"lonely_psu": "adjust"}),
    "lonely_average": ("cases_lonely.csv", {"lonely_psu": "average"}),
    "lonely_remove": ("cases_lonely.csv", {"lonely_psu": "remove"}),
}
REPLICATE = {
    "JK1": {}, "JKn": {"rscales": 0.5}, "BRR": {}, "Fay": {"rho": 0.5},
    "bootstrap": {"mse": True},
}
CALLS = [
    ("mean", ("income",), {}),
    ("mean", ("schooling_years",), {"by": "age_group", "ci_method": "wald_t"}),
    ("proportion", ("sought_help",), {"by": ["area", "age_group"]}),
    ("proportion", ("reported",), {"by": "state", "ci_method": "beta"}),
    ("total", ("ipv_any_12m",), {"by": "area", "na_rm": False}),
    ("ratio", ("income", "schooling_years"), {"by": "state"}),
    ("mean", (["violence_lifetime", "ipv_any_12m"],), {"by": "stratum"}),
]


def _taylor(case: str, frame: Any) -> SurveyDesign:
    _, extra = TAYLOR[case]
    return SurveyDesign(frame, weights="weight", strata="stratum", psu="psu", **extra)


def _replicate(kind: str, frame: Any, cols: list[str]) -> ReplicateDesign:
    return ReplicateDesign(frame, weights="weight", replicate_weights=cols, type=kind,  # type: ignore[arg-type]
                           **REPLICATE[kind])


def _run(design: Any, statistic: str, args: tuple[str, ...], kwargs: dict[str, Any]
         ) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = getattr(design, statistic)(*args, **kwargs).to_frame()
    return table, [str(w.message) for w in caught]


def _same(left: tuple[pd.DataFrame, list[str]], right: tuple[pd.DataFrame, list[str]],
          what: str) -> None:
    (a, warned_a), (b, warned_b) = left, right
    assert warned_a == warned_b, what
    assert len(a) == len(b), what
    for col in [c for c in a.columns if c not in COLUMNS and c not in ("cv", "flag")]:
        assert a[col].astype(str).tolist() == b[col].astype(str).tolist(), (what, col)
    for col in COLUMNS:
        x, y = a[col].to_numpy(dtype=float), b[col].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), (what, col, x, y)
        ok = ~np.isnan(x)
        np.testing.assert_allclose(y[ok], x[ok], rtol=1e-9, atol=1e-300, err_msg=f"{what} {col}")
    assert a["flag"].tolist() == b["flag"].tolist(), what


# Every case on Polars; a few on each other engine (each pass costs a query).
TAYLOR_RUNS = [("polars", case) for case in TAYLOR] + [
    (engine, case) for engine in ("polars-lazy", "duckdb")
    for case in ("plain", "fpc_pop", "lonely_average")]
REPLICATE_RUNS = [("polars", kind) for kind in REPLICATE] + [
    (engine, kind) for engine in ("polars-lazy", "duckdb") for kind in ("JK1", "Fay")]


@pytest.mark.parametrize(("engine", "case"), TAYLOR_RUNS)
def test_taylor_designs_agree_with_pandas(engine: str, case: str) -> None:
    frame = _read(TAYLOR[case][0])
    base = _taylor(case, frame)
    other = _taylor(case, ENGINES[engine](frame))
    assert other.degf() == base.degf() and other.n_rows == base.n_rows
    assert other.lonely_strata == base.lonely_strata
    for statistic, args, kwargs in CALLS:
        _same(_run(base, statistic, args, kwargs), _run(other, statistic, args, kwargs),
              f"{engine} {case} {statistic} {args} {kwargs}")


@pytest.mark.parametrize(("engine", "kind"), REPLICATE_RUNS)
def test_replicate_designs_agree_with_pandas(engine: str, kind: str) -> None:
    frame, cols = _with_replicates(kind)
    base = _replicate(kind, frame, cols)
    other = _replicate(kind, ENGINES[engine](frame), cols)
    assert other.degf() == base.degf()
    assert (other.scale, list(other.rscales)) == (base.scale, list(base.rscales))
    for statistic, args, kwargs in CALLS:
        _same(_run(base, statistic, args, kwargs), _run(other, statistic, args, kwargs),
              f"{engine} {kind} {statistic} {args} {kwargs}")


SHARE_INTERVALS = [
    ("proportion", ("ipv_any_12m",), {"by": "area", "ci_method": "xlogit"}),
    ("proportion", ("sought_help",), {"by": "state", "ci_method": "asin"}),
    ("mean", ("reported",), {"ci_method": "mean"}),
    ("mean", ("income",), {"by": "area", "ci_method": "mean"}),
]


@pytest.mark.parametrize("engine", ["polars", "duckdb"])
@pytest.mark.parametrize("kind", ["taylor", "JK1"])
def test_share_intervals_agree_with_pandas(engine: str, kind: str) -> None:
    # svyciprop's mean, xlogit and asin intervals: from the engine's estimate, SE and degrees of freedom
    if kind == "taylor":
        frame = _read("cases_data.csv")
        base, other = _taylor("plain", frame), _taylor("plain", ENGINES[engine](frame))
    else:
        frame, cols = _with_replicates(kind)
        base, other = _replicate(kind, frame, cols), _replicate(kind, ENGINES[engine](frame), cols)
    for statistic, args, kwargs in SHARE_INTERVALS:
        _same(_run(base, statistic, args, kwargs), _run(other, statistic, args, kwargs),
              f"{engine} {kind} {statistic} {args} {kwargs}")
    with pytest.raises(DesignError, match="likelihood") as info:
        other.proportion("ipv_any_12m", ci_method="likelihood")
    assert info.value.problems.loc[0, "code"] == "survey.engine.unsupported"


def test_what_needs_the_rows_in_memory_is_refused_naming_the_engine() -> None:
    frame = pl.from_pandas(_read("cases_data.csv"))
    design = SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
    for call in (lambda: design.quantile("income"), lambda: design.as_replicate("JKn"),
                 lambda: design.post_stratify("area", pd.DataFrame({"area": ["U"], "total": [1]}))):
        with pytest.raises(DesignError, match="Polars"):
            call()
    with pytest.raises(DesignError, match="DuckDB"):
        SurveyDesign(duckdb.connect().from_df(_read("cases_data.csv")), weights="weight")
    with pytest.raises(DesignError, match="Polars"):
        SurveyDesign(frame, weights="weight", strata="stratum", psu=["psu", "id"], fpc=["fpc_pop", "fpc_pop"])


def test_bad_input_is_reported_with_its_rows_in_the_users_language() -> None:
    frame = _read("cases_data.csv").copy()
    frame.loc[[3, 10], "weight"] = [0.0, np.nan]
    with pytest.raises(DesignError) as caught:
        SurveyDesign(pl.from_pandas(frame, nan_to_null=False), weights="weight", strata="stratum",
                     psu="psu", lang="es")
    assert sorted(caught.value.problems["row"].tolist()) == [4, 11]
    assert "factores de expansión" in str(caught.value)
    good = _read("cases_data.csv")
    design = SurveyDesign(duckdb.connect().from_df(good), weights="weight", strata="stratum", psu="psu")
    with pytest.raises(DataError) as bad:
        design.proportion("income")
    assert bad.value.problems["row"].iloc[0] == 1
    with pytest.raises(DataError, match="area"):
        design.mean("area")
    with pytest.raises(DesignError, match="nope"):
        design.mean("nope")


def test_estimate_from_the_catalog_runs_its_expressions_in_the_engine(tmp_path: Path) -> None:
    # The indicators' expressions, universes and denominators (catalog definitions) become
    # engine expressions; the values table is the pandas one (source: the pandas path).
    import indicators as ind
    from indicators.survey import estimate

    catalog = ind.load_catalog("mesecvi")
    frame = pd.read_csv(DATA / "women_survey.csv")
    design = tmp_path / "design.yaml"
    design.write_text("weights: weight\nstrata: stratum\npsu: psu\n")
    expected = estimate(catalog, frame, design, by=["area"])
    assert len(expected) > 5
    for native in (pl.from_pandas(frame), duckdb.connect().from_df(frame)):
        got = estimate(catalog, native, design, by=["area"])
        assert got["indicator"].tolist() == expected["indicator"].tolist()
        assert got["area"].tolist() == expected["area"].tolist()
        for col in ("value", "se", "ci_low", "ci_high", "n"):
            np.testing.assert_allclose(got[col].to_numpy(dtype=float), expected[col].to_numpy(dtype=float),
                                       rtol=1e-9, err_msg=col)


def test_a_file_given_by_path_runs_on_duckdb_past_the_threshold(tmp_path: Path) -> None:
    from indicators import read_design

    frame = _read("cases_data.csv")
    path = tmp_path / "cases.parquet"
    frame.to_parquet(path)
    design = tmp_path / "design.yaml"
    design.write_text("weights: weight\nstrata: stratum\npsu: psu\n")
    small = read_design(design, path)
    assert type(small).__name__ == "SurveyDesign"
    with pytest.warns(UserWarning, match="DuckDB"):
        large = read_design(design, path, large_file="0")
    assert type(large).__name__ == "EngineSurveyDesign"
    _same(_run(small, "mean", ("income",), {"by": "area"}), _run(large, "mean", ("income",), {"by": "area"}),
          "file")


def test_domain_ranks_in_blocks_are_the_ranks_one_domain_at_a_time() -> None:
    """The stacked, padded rank computation of per-domain degrees of freedom gives, block by
    block, the rank of each domain's replicate weights computed alone (the R x R Gram matrix
    and its eigenvalues above 1e-10 of the largest, as R's ``degf`` rank)."""
    from indicators.survey import _replicate as rep

    rng = np.random.default_rng(5)
    n_rep = 40
    counts = np.array([1, 2, 3, 39, 40, 41, 120, 7, 7, 0 + 1])
    mats = []
    for k in counts:
        base = rng.standard_normal((k, min(k, 25)))  # rank at most 25
        mats.append(np.abs(base @ rng.standard_normal((base.shape[1], n_rep))) + (k % 2))
    mat = np.vstack(mats)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    got = rep.block_ranks(lambda rows: mat[rows], np.arange(len(mat)), start, counts, n_rep)

    def alone(a: np.ndarray) -> int:
        eig = np.linalg.eigvalsh(a.T @ a)
        return int(np.sum(eig > 1e-10 * eig.max()))

    assert got.tolist() == [alone(m) for m in mats]
    assert rep.replicate_degf(mat) == alone(mat) - 1


@pytest.mark.parametrize("by", ["state", ["state", "area"], ["area", "state"]])
def test_domains_constant_within_psus_give_the_general_pairs(by: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A domain column with one value per PSU keeps the PSUs as the (PSU, domain) pairs; the
    estimates are those of the general pair building (which looks at every (PSU, value) key)."""
    from indicators.survey import _core

    rng = np.random.default_rng(3)
    psu = rng.integers(0, 300, 5000)
    frame = pd.DataFrame({"w": rng.uniform(1, 9, 5000), "stratum": psu % 20, "psu": psu,
                          "state": (psu % 20) // 4, "area": rng.integers(0, 3, 5000),
                          "y": np.where(rng.random(5000) < 0.1, np.nan, rng.random(5000))})
    options: dict[str, Any] = {"weights": "w", "strata": "stratum", "psu": "psu"}
    fast = SurveyDesign(frame, **options).mean("y", by=by, deff=True).to_frame()
    monkeypatch.setattr(_core, "_constant_within", lambda *args: None)
    slow = SurveyDesign(frame, **options).mean("y", by=by, deff=True).to_frame()
    pd.testing.assert_frame_equal(fast, slow, rtol=1e-12)
