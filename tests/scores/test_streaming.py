"""Streamed quantiles of the Monte Carlo draws equal numpy's over all the draws (the reference:
``numpy.quantile``, methods linear, lower and higher), and scores are the same streamed or kept."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.scores import _sensitivity
from indicators.scores._streaming import RankCounts, Tails


@settings(deadline=None)
@given(draws=st.integers(1, 400), chunk=st.integers(1, 60), seed=st.integers(0, 2**16),
       interval=st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]), with_nan=st.booleans(), ties=st.booleans())
def test_tails_equal_numpy_quantile(draws: int, chunk: int, seed: int, interval: float, with_nan: bool,
                                    ties: bool) -> None:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(draws, 3, 4)).astype(np.float32)
    if ties:
        values = np.round(values)
    if with_nan:
        values[rng.integers(0, draws), 1, 2] = np.nan
    center = rng.normal(size=(3, 4))
    q = (1 - interval) / 2
    tails = Tails((3, 4), draws, (q, 1 - q))
    for start in range(0, draws, chunk):
        tails.add(values[start:start + chunk])
    low, high = tails.quantiles(center)
    want_low, want_high = np.quantile(center + values.astype(float), [q, 1 - q], axis=0)
    np.testing.assert_array_equal(low, want_low)
    np.testing.assert_array_equal(high, want_high)


@settings(deadline=None)
@given(draws=st.integers(1, 300), chunk=st.integers(1, 50), seed=st.integers(0, 2**16),
       q=st.sampled_from([0.025, 0.05, 0.1, 0.5]), with_nan=st.booleans())
def test_rank_counts_equal_numpy_quantile(draws: int, chunk: int, seed: int, q: float, with_nan: bool) -> None:
    rng = np.random.default_rng(seed)
    ranks = rng.integers(1, 8, size=(draws, 2, 5)).astype(float)
    if with_nan:
        ranks[rng.integers(0, draws), 0, 3] = np.nan
    counts = RankCounts((2, 5), 7, draws)
    for start in range(0, draws, chunk):
        counts.add(ranks[start:start + chunk])
    for p, method in ((q, "lower"), (1 - q, "higher"), (0.5, "linear"), (q, "linear")):
        np.testing.assert_array_equal(counts.quantile(p, method), np.quantile(ranks, p, axis=0, method=method))


def test_too_few_draws_is_refused() -> None:
    tails = Tails((2,), 10, (0.1, 0.9))
    tails.add(np.zeros((5, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="5 draws seen"):
        tails.quantiles(np.zeros(2))


def test_streamed_scores_equal_kept_scores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draws too many to keep give the same table, sensitivity and trends as draws kept."""
    import pandas as pd

    import indicators as ind

    values = ind.read(ind.sample_data("values_sample.csv"))
    kept = ind.score(values, "mesecvi", draws=120, seed=3, method_uncertainty=True)
    monkeypatch.setattr(_sensitivity, "KEEP_VALUES", 0)
    streamed = ind.score(values, "mesecvi", draws=120, seed=3, method_uncertainty=True)
    assert kept._draws is not None and streamed._draws is None
    pd.testing.assert_frame_equal(kept.to_frame(), streamed.to_frame(), check_exact=True)
    pd.testing.assert_frame_equal(kept.sensitivity, streamed.sensitivity, check_exact=True)
    assert kept.to_frame()["ci_low"].notna().any() and kept.to_frame()["rank_low"].notna().any()
    first, last = kept.years[0], kept.years[-1]
    pd.testing.assert_frame_equal(kept.trends(first, last), streamed.trends(first, last), check_exact=True)


@settings(deadline=None)
@given(draws=st.integers(1, 300), chunk=st.integers(1, 60), seed=st.integers(0, 2**16),
       interval=st.sampled_from([0.5, 0.9, 0.95]), late=st.integers(0, 300))
def test_tails_of_outputs_that_move_late_equal_numpy_quantile(draws: int, chunk: int, seed: int, interval: float,
                                                              late: int) -> None:
    """Outputs whose draws are all exactly 0 until draw ``late`` (then move) or always 0 are kept only from
    the chunk where they move; the quantiles are numpy's over all the draws all the same."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(draws, 2, 5)).astype(np.float32)
    values[:, 0, :2] = 0.0                  # never move
    values[:late, 1, 3:] = 0.0              # move from draw ``late`` on
    center = rng.normal(size=(2, 5))
    q = (1 - interval) / 2
    tails = Tails((2, 5), draws, (q, 1 - q))
    for start in range(0, draws, chunk):
        part = values[start:start + chunk]
        tails.add(part, (part != 0).any(axis=0))
    low, high = tails.quantiles(center)
    want_low, want_high = np.quantile(center + values.astype(float), [q, 1 - q], axis=0)
    np.testing.assert_array_equal(low, want_low)
    np.testing.assert_array_equal(high, want_high)


@settings(deadline=None)
@given(draws=st.integers(1, 200), chunk=st.integers(1, 40), seed=st.integers(0, 2**16),
       still=st.sets(st.integers(0, 3), max_size=4), with_nan=st.booleans())
def test_draw_summary_with_unmoved_nodes_equals_numpy(draws: int, chunk: int, seed: int, still: set[int],
                                                      with_nan: bool) -> None:
    """Nodes no draw moves keep their point ranks without being ranked draw by draw: the score and
    rank intervals are numpy's quantiles of the draws and of their ranks all the same."""
    rng = np.random.default_rng(seed)
    center = np.round(rng.uniform(0, 1, size=(2, 6, 4)), 1)          # ties among countries
    if with_nan:
        center[1, 2, 0] = np.nan
    devs = np.round(rng.normal(0, 0.1, size=(draws, 2, 6, 4)), 1).astype(np.float32)
    devs[..., sorted(still)] = 0.0
    devs[np.isnan(np.broadcast_to(center, devs.shape))] = np.nan
    sign = np.array([1.0, -1.0, 1.0, 1.0])
    summary = _sensitivity.DrawSummary(center, sign, draws, 0.9)
    for start in range(0, draws, chunk):
        summary(start, devs[start:start + chunk])
    ci_low, ci_high, r_low, r_high, r_med = summary.intervals()
    full = center + devs.astype(float)
    ranks = _sensitivity.rank_desc(full * sign, axis=2)
    # scores: numpy's up to the last bit of an interpolation between near-cancelling values
    np.testing.assert_allclose(ci_low, np.quantile(full, 0.05, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ci_high, np.quantile(full, 0.95, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(r_low, np.quantile(ranks, 0.05, axis=0, method="lower"))
    np.testing.assert_array_equal(r_high, np.quantile(ranks, 0.95, axis=0, method="higher"))
    np.testing.assert_array_equal(r_med, np.quantile(ranks, 0.5, axis=0))


def test_rank_desc_equals_counting_higher_scores() -> None:
    """A rank is one plus the number of strictly higher scores (ties share the lowest rank; NaN stays NaN)."""
    rng = np.random.default_rng(5)
    x = np.round(rng.normal(size=(4, 7, 3)), 0)
    x[rng.random(x.shape) < 0.2] = np.nan
    for axis in range(3):
        a = np.moveaxis(x, axis, -1)
        want = 1 + (a[..., None, :] > a[..., :, None]).sum(axis=-1).astype(float)
        want[np.isnan(a)] = np.nan
        np.testing.assert_array_equal(_sensitivity.rank_desc(x, axis), np.moveaxis(want, -1, axis))
