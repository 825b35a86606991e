"""Sensitivity over the new choices and leave-one-indicator-out ranks.

Sources of truth: the leave-one-out ranks recomputed by hand (pandas ``rank`` of the mean of the
other indicators: COINr ``remove_elements``); the normalisation factor checked against scoring
the index once with each alternative (the draws must take exactly those values); Saltelli shares
in [0, 1] with a factor that moves nothing getting none.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.errors import OptionError
from indicators.scores import IndexSpec, IndicatorSpec, Level, Uncertainty
from indicators.scores._leave_one_out import leave_one_out

RNG = np.random.default_rng(5)
COUNTRIES = [f"C{k}" for k in range(7)]
DATA = {k: RNG.uniform(0, 100, 7) for k in "ABC"}


def _values() -> pd.DataFrame:
    rows = [(c, 2020, k, float(v)) for k, col in DATA.items() for c, v in zip(COUNTRIES, col)]
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])


def _spec() -> IndexSpec:
    return IndexSpec(id="ix", levels=(Level("indicator"), Level("index")),
                     indicators=tuple(IndicatorSpec(k, goalposts=(0, 100), direction="higher_is_better")
                                      for k in "ABC"))


def test_leave_one_out_ranks_by_hand() -> None:
    result = leave_one_out(_values(), _spec())
    full = pd.Series(sum(DATA.values()) / 3, index=COUNTRIES).rank(ascending=False, method="min")
    for removed in "ABC":
        others = [DATA[k] for k in "ABC" if k != removed]
        rank = pd.Series(sum(others) / 2, index=COUNTRIES).rank(ascending=False, method="min")
        got = result.ranks.loc[result.ranks["removed"] == removed].set_index("country")
        assert got["rank"].astype(int).to_dict() == rank.astype(int).to_dict()
        assert got["shift"].astype(int).to_dict() == (rank - full).astype(int).to_dict()
        summary = result.shifts.set_index("removed").loc[removed]
        assert summary["mean_abs_shift"] == pytest.approx((rank - full).abs().mean())


def test_normalisation_draws_take_the_alternatives_values() -> None:
    spec = _spec()
    alt = spec.replace(indicators=tuple(IndicatorSpec(k, method="percentile", direction="higher_is_better")
                                        for k in "ABC"))
    central = ind.score(_values(), spec).to_frame().set_index(["country", "unit"])["score"]
    other = ind.score(_values(), alt).to_frame().set_index(["country", "unit"])["score"]
    drawn = ind.score(_values(), spec, draws=80, method_uncertainty=Uncertainty(normalisation=("percentile",)))
    frame = drawn.to_frame().set_index(["country", "unit"])
    low = np.minimum(central, other)
    high = np.maximum(central, other)
    # the draws are stored as float32 deviations: equal to 1e-5 on the 0-100 scale
    assert np.allclose(frame["ci_low"], low.reindex(frame.index), atol=1e-5)
    assert np.allclose(frame["ci_high"], high.reindex(frame.index), atol=1e-5)
    sens = drawn.sensitivity
    assert set(sens["choice"]) == {"normalisation"}
    assert drawn.method["uncertainty"]["normalisation"] == ["percentile"]


def test_shares_for_every_varied_choice() -> None:
    unc = Uncertainty(weights=0.4, normalisation=("minmax",), aggregation={"index": ("arithmetic", "geometric")})
    result = ind.score(_values(), _spec(), draws=120, method_uncertainty=unc)
    sens = result.sensitivity.query("unit == 'ix'").set_index("choice")
    assert set(sens.index) == {"weights", "aggregation", "normalisation"}
    assert ((sens["first_order"] > -0.1) & (sens["total_effect"] < 1.2)).all()
    assert (sens["total_effect"] >= sens["first_order"] - 0.1).all()
    with pytest.raises(OptionError):
        Uncertainty(normalisation=("categories",))
    assert Uncertainty.from_dict(unc.to_dict(), ["index"]) == unc
