"""The vectorised survey core against slow, obviously correct implementations.

Sources of truth, named per test:

* the ultimate-cluster variance written out with pandas ``groupby`` and the textbook
  formula, stratum by stratum (Särndal, Swensson and Wretman 1992, result 4.3.x; R's
  ``survey`` ``svyrecvar`` with ``lonely.psu="fail"``): domain means, totals and ratios
  with their standard errors, ``n`` and design effects;
* ``pandas.factorize(sort=True)`` for the column codes;
* the one-key pair index (``psu * (D + 1) + domain``) for the column-by-column one.

It also checks what the speed work must not break: codes kept on a design never leak
into another design or into a derived one, crossed domains built from a cached ``by``
equal those built from scratch, and a PSU whose rows are all missing weighs exactly 0.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import SurveyDesign
from indicators.survey._core import PairIndex, combine_cells, factorize

RTOL = 1e-9


# -- the slow reference -------------------------------------------------------------------
def _reference(frame: pd.DataFrame, y: str, by: list[str], statistic: str,
               x: str | None = None) -> pd.DataFrame:
    """Domain estimates by explicit loops over domains and strata (slow, plain)."""
    rows = []
    inside = frame[by].notna().all(axis=1) if by else pd.Series(True, index=frame.index)
    keys = frame.loc[inside, by].drop_duplicates().sort_values(by).itertuples(index=False) \
        if by else [()]
    for key in keys:
        in_dom = inside.copy()
        for col, value in zip(by, key):
            in_dom &= frame[col] == value
        usable = in_dom & frame[y].notna()
        if x is not None:
            usable &= frame[x].notna()
        if usable.sum() < 2:  # empty or a single row: compared elsewhere (test_survey.py)
            rows.append({**dict(zip(by, key)), "estimate": np.nan, "se": np.nan,
                         "n": int(usable.sum()), "deff": np.nan})
            continue
        w = frame["w"].where(usable, 0.0)
        yv = frame[y].where(usable, 0.0)
        xv = (frame[x].where(usable, 0.0) if x is not None else usable.astype(float))
        total_y = float((w * yv).sum())
        total_x = float((w * xv).sum())
        if statistic == "total":
            est = total_y
            z = w * yv
        else:
            est = total_y / total_x
            z = w * (yv - est * xv) / total_x
        psu_totals = z.groupby([frame["h"], frame["c"]]).sum()
        var = 0.0
        for _, t in psu_totals.groupby(level=0):
            n_h = len(t)
            var += n_h / (n_h - 1) * float(((t - t.mean()) ** 2).sum())
        n = int(usable.sum())
        # deff against simple random sampling without replacement of the same size
        wsum = float(w.sum())
        if statistic == "ratio":
            resid = (yv - est * xv) / total_x
            ss = float((w * resid * resid).sum())
        else:
            mean = total_y / wsum
            ss = float((w * (yv - mean) ** 2)[usable].sum())
            if frame.loc[usable, y].nunique() == 1:  # constant: no spread (R: 0 / 0 for means)
                ss = 0.0
        with np.errstate(divide="ignore", invalid="ignore"):  # a constant variable: no deff
            s2 = np.float64(n) / (n - 1) * ss / wsum
            vsrs = s2 * (wsum - n) / (wsum * n)
            if statistic in ("total", "ratio"):
                vsrs *= wsum * wsum
            deff = np.float64(var) / vsrs
            if ss == 0 and statistic == "mean":
                deff = np.nan
        rows.append({**dict(zip(by, key)), "estimate": est, "se": np.sqrt(var), "n": n,
                     "deff": deff})
    return pd.DataFrame(rows)


@st.composite
def _surveys(draw: st.DrawFn) -> pd.DataFrame:
    """Small stratified cluster samples: 2-4 strata of 2-4 PSUs, 1-6 rows per PSU."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    strata = draw(st.integers(2, 4))
    parts = []
    for h in range(strata):
        for c in range(int(rng.integers(2, 5))):
            size = int(rng.integers(1, 7))
            parts.append(pd.DataFrame({"h": h, "c": 10 * h + c}, index=range(size)))
    frame = pd.concat(parts, ignore_index=True)
    n = len(frame)
    frame["w"] = np.round(rng.uniform(1, 9, n), 3)
    frame["y"] = np.round(rng.normal(2, 1.5, n), 3)
    frame["b"] = (rng.random(n) < 0.4).astype(float)
    frame["x"] = np.round(rng.uniform(0.5, 2, n), 3)
    frame["g"] = pd.array(rng.choice(["norte", "sur", "este"], n), dtype="str")
    frame["k"] = rng.integers(1, 4, n)
    frame["a"] = rng.choice([15, 30, 45], n)
    for col, share in (("y", 0.15), ("b", 0.1), ("x", 0.05)):
        frame.loc[rng.random(n) < share, col] = np.nan
    if draw(st.booleans()):
        frame.loc[rng.random(n) < 0.1, "g"] = None
    order = rng.permutation(n) if draw(st.booleans()) else np.arange(n)
    return frame.iloc[order].reset_index(drop=True)


def _compare(ours: pd.DataFrame, ref: pd.DataFrame, by: list[str]) -> None:
    ours = ours[ours["n"] > 1].reset_index(drop=True)
    ref = ref[ref["n"] > 1].reset_index(drop=True)
    assert len(ours) == len(ref)
    for col in by:
        assert ours[col].astype(str).tolist() == ref[col].astype(str).tolist()
    assert ours["n"].tolist() == ref["n"].tolist()
    for col in ("estimate", "se", "deff"):
        np.testing.assert_allclose(ours[col].to_numpy(dtype=float), ref[col].to_numpy(dtype=float),
                                   rtol=RTOL, atol=1e-12)


_BYS = st.sampled_from([[], ["g"], ["k"], ["g", "k"], ["k", "g"], ["g", "k", "a"]])


@settings(max_examples=40, deadline=None)
@given(frame=_surveys(), by=_BYS)
def test_means_totals_ratios_match_the_plain_formula(frame: pd.DataFrame, by: list[str]) -> None:
    """Domain means, totals and ratios, SEs, n and deff equal the groupby formula."""
    design = SurveyDesign(frame, weights="w", strata="h", psu="c")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for variable in ("y", "b"):
            mean = design.mean(variable, by=by or None).to_frame()
            _compare(mean, _reference(frame, variable, by, "mean"), by)
            total = design.total(variable, by=by or None).to_frame()
            _compare(total, _reference(frame, variable, by, "total"), by)
        ratio = design.ratio("y", "x", by=by or None).to_frame()
        _compare(ratio, _reference(frame, "y", by, "ratio", x="x"), by)


@settings(max_examples=25, deadline=None)
@given(frame=_surveys())
def test_crossed_domains_from_a_cached_by_equal_those_from_scratch(frame: pd.DataFrame) -> None:
    """Pairs continued from the cached ``by=g`` give the same answers as a fresh build."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warm = SurveyDesign(frame, weights="w", strata="h", psu="c")
        warm.mean("y", by="g")
        warm.mean("y", by=["g", "k"])  # continues from ("g",)
        warm_three = warm.mean(["y", "b"], by=["g", "k", "a"]).to_frame()
        warm_two = warm.proportion("b", by=["g", "k"], ci_method="wald_t").to_frame()
        cold = SurveyDesign(frame, weights="w", strata="h", psu="c")
        pd.testing.assert_frame_equal(warm_three, cold.mean(["y", "b"], by=["g", "k", "a"]).to_frame(),
                                      rtol=1e-13)
        cold = SurveyDesign(frame, weights="w", strata="h", psu="c")
        pd.testing.assert_frame_equal(
            warm_two, cold.proportion("b", by=["g", "k"], ci_method="wald_t").to_frame(), rtol=1e-13)


@settings(max_examples=25, deadline=None)
@given(frame=_surveys())
def test_pairs_column_by_column_equal_the_one_key_pairs(frame: pd.DataFrame) -> None:
    """Two routes to the (PSU, domain) pairs: one key, or built column by column."""
    design = SurveyDesign(frame, weights="w", strata="h", psu="c")
    cols = [factorize(frame[c]) for c in ("g", "k")]
    dom, _, _ = combine_cells(cols)
    steps = [(codes, max(len(u), 1), bool((codes < 0).any())) for codes, u in cols]
    strata = design._strata
    one = PairIndex.build(design._c, dom, strata.n_psus, int(dom.max()) + 1,
                          psu_stratum=strata.psu_stratum)
    stepwise = PairIndex.build(design._c, None, strata.n_psus, 1,
                               psu_stratum=strata.psu_stratum, steps=steps)
    D = one.n_domains
    assert stepwise.n_domains == D
    # Rows outside every domain (a missing ``g``) may be grouped differently (one pair per
    # PSU, or per missing pattern): they are never used. Everything inside must agree.
    inside = dom >= 0
    for index in (one, stepwise):
        assert np.array_equal(index.pair_dom[index.pair] < D, inside)
    assert np.array_equal(one.pair_psu[one.pair][inside], stepwise.pair_psu[stepwise.pair][inside])
    assert np.array_equal(one.pair_dom[one.pair][inside], stepwise.pair_dom[stepwise.pair][inside])
    keep_one, keep_step = one.pair_dom < D, stepwise.pair_dom < D
    assert np.array_equal(one.pair_psu[keep_one], stepwise.pair_psu[keep_step])
    seg_one, seg_step = one.seg_dom < D, stepwise.seg_dom < D
    for name in ("seg_h", "seg_dom", "seg_len"):
        assert np.array_equal(getattr(one, name)[seg_one], getattr(stepwise, name)[seg_step]), name


@settings(max_examples=60, deadline=None)
@given(values=st.one_of(
    st.lists(st.integers(-5, 5), min_size=1, max_size=30),
    st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=10),
    st.lists(st.one_of(st.none(), st.text(max_size=3)), min_size=1, max_size=30),
))
def test_factorize_equals_pandas(values: list) -> None:
    """Codes and uniques as ``pandas.factorize(sort=True)``, for ints and strings with NA."""
    if all(v is None or isinstance(v, int) for v in values) and None not in values:
        series = pd.Series(values, dtype="int64")
    else:
        series = pd.Series(values, dtype="str")
    codes, uniques = factorize(series)
    expected_codes, expected_uniques = pd.factorize(series, sort=True)
    assert codes.tolist() == list(expected_codes)
    assert list(uniques) == list(expected_uniques)
    assert uniques.dtype == series.dtype


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "uint64", "int32"])
def test_factorize_small_integer_types(dtype: str) -> None:
    """Narrow and unsigned integer columns keep their dtype and order."""
    series = pd.Series([3, 1, 3, 0, 2], dtype=dtype)
    codes, uniques = factorize(series)
    assert codes.tolist() == [3, 1, 3, 0, 2]
    assert uniques.tolist() == [0, 1, 2, 3] and uniques.dtype == series.dtype
    negative = pd.Series([-100, 100, -100], dtype="int8")
    codes, uniques = factorize(negative)
    assert codes.tolist() == [0, 1, 0] and uniques.tolist() == [-100, 100]


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "y": [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0],
        "g": ["a", "b", "a", "b", "a", "b", "a", "b"],
        "w": [1.0, 2.0, 1.0, 3.0, 2.0, 1.0, 1.0, 2.0],
        "h": [1, 1, 1, 1, 2, 2, 2, 2],
        "c": [1, 1, 2, 2, 3, 3, 4, 4],
    })


def test_kept_codes_do_not_leak_between_designs() -> None:
    """Same column names, other values: each design uses its own data."""
    first = _frame()
    second = _frame()
    second["g"] = ["b", "b", "a", "a", "c", "c", "a", "b"]
    d1 = SurveyDesign(first, weights="w", strata="h", psu="c")
    d2 = SurveyDesign(second, weights="w", strata="h", psu="c")
    one = d1.mean("y", by="g").to_frame()
    two = d2.mean("y", by="g").to_frame()
    fresh = SurveyDesign(second, weights="w", strata="h", psu="c").mean("y", by="g").to_frame()
    pd.testing.assert_frame_equal(two, fresh)
    assert one["g"].tolist() == ["a", "b"] and two["g"].tolist() == ["a", "b", "c"]


def test_data_changed_after_the_design_do_not_reach_it() -> None:
    """The design keeps its own (copy-on-write) view: later edits of the frame are not seen."""
    frame = _frame()
    design = SurveyDesign(frame, weights="w", strata="h", psu="c")
    before = design.mean("y", by="g").to_frame()
    frame.loc[0, "g"] = "z"
    frame.loc[1, "y"] = np.nan
    pd.testing.assert_frame_equal(design.mean("y", by="g").to_frame(), before)


def test_derived_design_does_not_reuse_codes_of_a_replaced_column() -> None:
    """A derived design that replaces a column reads it again; the parent is untouched."""
    design = SurveyDesign(_frame(), weights="w", strata="h", psu="c")
    parent = design.mean("y", by="g").to_frame()
    clone = design._derive({"g": np.array(["x", "x", "x", "x", "y", "y", "y", "y"]),
                            "y": np.array([1.0, 1, 1, 1, 0, 0, 0, 0])})
    derived = clone.mean("y", by="g").to_frame()
    assert derived["g"].tolist() == ["x", "y"]
    assert derived["estimate"].tolist() == [1.0, 0.0]
    pd.testing.assert_frame_equal(design.mean("y", by="g").to_frame(), parent)


@settings(max_examples=30, deadline=None)
@given(frame=_surveys())
def test_psu_whose_rows_are_all_missing_weighs_exactly_zero(frame: pd.DataFrame) -> None:
    """``sum(w) - sum(w of missing rows)`` is exactly 0 for a pair with no usable row:
    both sums add the same weights in row order."""
    frame.loc[frame["c"] == frame["c"].iloc[0], "y"] = np.nan
    design = SurveyDesign(frame, weights="w", strata="h", psu="c")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx = design._domains(["g"])
    pairs = ctx.pairs
    missing = np.flatnonzero(frame["y"].isna().to_numpy())
    where = pairs.pair[missing]
    lost = np.bincount(where, minlength=pairs.n_pairs)
    lost_w = np.bincount(where, weights=design._w[missing], minlength=pairs.n_pairs)
    emptied = lost == ctx.n_pair
    assert emptied.any()
    assert np.all((ctx.sw_pair - lost_w)[emptied] == 0.0)
