"""Weights: equal, declared, principal components, optimised; effective weights.

Sources of truth: COINr's definitions (``get_eff_weights``: product of normalised weights down the
tree; ``get_PCA``: first-component loadings of the standardised data; ``get_opt_weights`` with
``optype = "balance"``: correlations with the aggregate as shares equal to the target), recomputed
here by hand and with numpy's SVD and ``corrcoef``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.errors import OptionError
from indicators.scores import Aggregate, IndexSpec, IndicatorSpec, Level
from indicators.scores._weights import derive_weights, effective_weights

RNG = np.random.default_rng(11)
COUNTRIES = [f"C{k:02d}" for k in range(25)]
BASE = RNG.uniform(20, 80, 25)
COLS = {"A": BASE + RNG.normal(0, 5, 25), "B": BASE + RNG.normal(0, 15, 25), "C": RNG.uniform(0, 100, 25),
        "D": BASE + RNG.normal(0, 10, 25)}


def _values() -> pd.DataFrame:
    rows = [(c, 2021, k, float(v)) for k, col in COLS.items() for c, v in zip(COUNTRIES, col)]
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])


def _spec() -> IndexSpec:
    return IndexSpec(id="ix", scale=1.0, levels=(Level("indicator"), Level("pillar"), Level("index")),
                     indicators=(IndicatorSpec("A", parent="p", goalposts=(0, 100), direction="higher_is_better",
                                               weight=2.0),
                                 IndicatorSpec("B", parent="p", goalposts=(0, 100), direction="higher_is_better"),
                                 IndicatorSpec("C", parent="p", goalposts=(0, 100), direction="higher_is_better"),
                                 IndicatorSpec("D", parent="q", goalposts=(0, 100), direction="higher_is_better")),
                     aggregates=(Aggregate("p", level="pillar", weight=3.0), Aggregate("q", level="pillar")))


def test_effective_weights_by_hand() -> None:
    w = derive_weights(_values(), _spec(), "declared").table.set_index("unit")
    # p weighs 3 of 4, A weighs 2 of 4 inside p
    assert w.loc["A", "effective_weight"] == pytest.approx(0.75 * 0.5)
    assert w.loc["C", "effective_weight"] == pytest.approx(0.75 * 0.25)
    assert w.loc["D", "effective_weight"] == pytest.approx(0.25)
    assert w.loc["p", "effective_weight"] == pytest.approx(0.75)
    assert w.loc[["A", "B", "C", "D"], "effective_weight"].sum() == pytest.approx(1.0)
    eq = derive_weights(_values(), _spec(), "equal").table.set_index("unit")
    assert eq.loc["A", "derived"] == pytest.approx(1 / 3) and eq.loc["A", "effective_derived"] == pytest.approx(1 / 6)
    structure = pd.DataFrame({"unit": ["x", "y", "t"], "parent": ["t", "t", None], "weight": [1.0, 4.0, 1.0]})
    assert effective_weights(structure).to_dict() == {"x": 0.2, "y": 0.8, "t": 1.0}


def test_pca_weights_are_first_component_loadings() -> None:
    w = derive_weights(_values(), _spec(), "pca").table.set_index("unit")
    data = np.column_stack([COLS[k] / 100 for k in "ABC"])
    z = (data - data.mean(axis=0)) / data.std(axis=0, ddof=1)
    v = np.linalg.svd(z, full_matrices=False)[2][0]
    v = v if v.sum() > 0 else -v
    v = np.clip(v, 0, None)
    assert np.allclose(w.loc[["A", "B", "C"], "derived"], v / v.sum(), atol=1e-10)


def test_optimised_weights_balance_the_correlations() -> None:
    result = derive_weights(_values(), _spec(), "optimised")
    w = result.table.set_index("unit")
    data = np.column_stack([COLS[k] / 100 for k in "ABC"])
    weights = w.loc[["A", "B", "C"], "derived"].to_numpy(dtype=float)
    pillar = data @ weights / weights.sum()
    crs = np.array([np.corrcoef(data[:, i], pillar)[0, 1] for i in range(3)])
    assert np.allclose(crs / crs.sum(), 1 / 3, atol=1e-4)
    # C (noise) needs more weight than A to count as much
    assert weights[2] > weights[0]
    rescored = ind.score(_values(), result.to_spec())
    assert rescored.structure.set_index("unit").loc["C", "weight"] == pytest.approx(weights[2])
    target = derive_weights(_values(), _spec(), "optimised", target={"A": 1.0, "B": 1.0, "C": 1.25}).table
    tw = target.set_index("unit").loc[["A", "B", "C"], "derived"].to_numpy(dtype=float)
    pillar = data @ tw
    crs = np.array([np.corrcoef(data[:, i], pillar)[0, 1] for i in range(3)])
    assert np.allclose(crs / crs.sum(), np.array([1.0, 1.0, 1.25]) / 3.25, atol=1e-3)


def test_correlation_share_and_errors() -> None:
    w = derive_weights(_values(), _spec(), "declared").table.set_index("unit")
    index = derive_weights(_values(), _spec(), "declared")
    assert w.loc[["A", "B", "C", "D"], "correlation_share"].sum() == pytest.approx(1.0)
    assert index.year == 2021
    with pytest.raises(OptionError):
        derive_weights(_values(), _spec(), "entropy")  # type: ignore[arg-type]
    with pytest.raises(OptionError):
        derive_weights(_values(), _spec(), "pca", year=1999)
