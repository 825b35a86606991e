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
