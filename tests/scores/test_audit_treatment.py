"""Statistical audit and outlier treatment, against independent computations.

Sources of truth: e1071's skewness and kurtosis of type 2 (the formulas COINr copies in
R/treat.R ``skew``/``kurt``) written out here with numpy; numpy's ``corrcoef`` and scipy's
``spearmanr`` on the normalised scores; Cronbach's alpha by its textbook formula; the first
principal component's share from numpy's SVD of the standardised data; the box-plot rule by
numpy percentiles; COINr's ``Treat`` defaults (winsorise up to 5 points while |skew| >= 2 and
kurtosis >= 3.5, else ``log_CT`` of the original values) followed step by step by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import indicators as ind
from indicators.errors import OptionError
from indicators.scores import IndexSpec, IndicatorSpec, Level
from indicators.scores._audit import audit
from indicators.scores._moments import kurt, skew
from indicators.scores._treat import Treatment, treat_vector

RNG = np.random.default_rng(3)
COUNTRIES = [f"C{k:02d}" for k in range(20)]
A = RNG.normal(50, 10, 20)
B = 0.9 * A + RNG.normal(0, 3, 20)
C = 100 - A + RNG.normal(0, 8, 20)
D = np.r_[RNG.lognormal(2, 0.3, 19), 400.0]


def _e1071(x: np.ndarray) -> tuple[float, float]:
    n = x.size
    d = x - x.mean()
    g1 = np.sqrt(n) * np.sum(d ** 3) / np.sum(d ** 2) ** 1.5
    r = n * np.sum(d ** 4) / np.sum(d ** 2) ** 2
    return float(g1 * np.sqrt(n * (n - 1)) / (n - 2)), float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _values() -> pd.DataFrame:
    rows = [(c, 2022, name, float(v)) for name, col in (("A", A), ("B", B), ("C", C), ("D", D))
            for c, v in zip(COUNTRIES, col)]
    return pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])


def _spec(**extra: object) -> IndexSpec:
    inds = tuple(IndicatorSpec(i, parent="p", method="minmax", direction="higher_is_better") for i in "ABC")
    inds += (IndicatorSpec("D", parent="q", method="minmax", direction="higher_is_better"),)
    return IndexSpec(id="ix", scale=1.0, levels=(Level("indicator"), Level("pillar"), Level("index")),
                     indicators=inds, aggregates=(ind.scores.Aggregate("p", level="pillar"),
                                                  ind.scores.Aggregate("q", level="pillar")), **extra)  # type: ignore[arg-type]


def test_moments_match_e1071_type_2() -> None:
    for x in (A, D, np.array([1.0, 2, 2, 3, 9])):
        sk, kt = _e1071(x)
        assert skew(x) == pytest.approx(sk) and kurt(x) == pytest.approx(kt)


def test_audit_indicators_table() -> None:
    result = audit(_values(), _spec())
    table = result.indicators.set_index("indicator")
    sk, kt = _e1071(D)
    assert table.loc["D", "skewness"] == pytest.approx(sk) and table.loc["D", "kurtosis"] == pytest.approx(kt)
    q1, q3 = np.percentile(D, [25, 75])
    outside = int(((D < q1 - 1.5 * (q3 - q1)) | (D > q3 + 1.5 * (q3 - q1))).sum())
    assert table.loc["D", "outliers"] == outside and "C19" in table.loc["D", "outlier_countries"]
    assert bool(table.loc["D", "flag_skew_kurt"]) and not bool(table.loc["A", "flag_skew_kurt"])
    assert (table["coverage"] == 1.0).all() and (table["n"] == 20).all()


def test_audit_correlations_flags_alpha_and_pca() -> None:
    result = audit(_values(), _spec())
    norm = {k: (v - v.min()) / (v.max() - v.min()) for k, v in (("A", A), ("B", B), ("C", C))}
    corr = result.correlations.set_index(["unit", "with"])
    assert corr.loc[("A", "B"), "pearson"] == pytest.approx(np.corrcoef(norm["A"], norm["B"])[0, 1])
    assert corr.loc[("A", "C"), "spearman"] == pytest.approx(stats.spearmanr(A, C)[0])
    pillar = (norm["A"] + norm["B"] + norm["C"]) / 3
    assert corr.loc[("C", "p"), "pearson"] == pytest.approx(np.corrcoef(norm["C"], pillar)[0, 1])
    assert corr.loc[("A", "C"), "flag"] == "negative"
    assert corr.loc[("A", "B"), "flag"] == ("collinear" if np.corrcoef(A, B)[0, 1] > 0.9 else None)
    data = np.column_stack([norm["A"], norm["B"], norm["C"]])
    k = 3
    alpha = k / (k - 1) * (1 - data.var(axis=0, ddof=1).sum() / data.sum(axis=1).var(ddof=1))
    z = (data - data.mean(axis=0)) / data.std(axis=0, ddof=1)
    sv = np.linalg.svd(z, compute_uv=False)
    agg = result.aggregates.set_index("aggregate")
    assert agg.loc["p", "cronbach_alpha"] == pytest.approx(alpha)
    assert agg.loc["p", "pc1_share"] == pytest.approx(sv[0] ** 2 / np.sum(sv ** 2))
    assert np.isnan(agg.loc["q", "cronbach_alpha"])            # one child


def test_audit_correlations_use_pairwise_complete_countries_with_scipy_p_values() -> None:
    # scipy.stats.pearsonr / spearmanr on the countries that have both values (R's cor.test gives
    # the same p-value: a t test with n - 2 degrees of freedom)
    values = _values()
    gone = (values["indicator"] == "B") & values["country"].isin(COUNTRIES[:4])
    gone |= (values["indicator"] == "C") & values["country"].isin(COUNTRIES[10:13])
    result = audit(values.loc[~gone], _spec())
    corr = result.correlations.set_index(["unit", "with"])
    norm = {k: (v - v.min()) / (v.max() - v.min()) for k, v in (("A", A), ("B", B), ("C", C))}
    keep = np.ones(20, bool)
    keep[:4] = keep[10:13] = False
    b_scores = (B - B[4:].min()) / (B[4:].max() - B[4:].min())
    c_seen = np.delete(C, [10, 11, 12])
    c_scores = (C - c_seen.min()) / (c_seen.max() - c_seen.min())
    r, p = stats.pearsonr(b_scores[keep], c_scores[keep])
    assert corr.loc[("B", "C"), "n"] == keep.sum() == 13
    assert corr.loc[("B", "C"), "pearson"] == pytest.approx(r) and corr.loc[("B", "C"), "p_value"] == pytest.approx(p)
    assert corr.loc[("B", "C"), "spearman"] == pytest.approx(stats.spearmanr(B[keep], C[keep])[0])
    r, p = stats.pearsonr(norm["A"][4:], b_scores[4:])
    assert corr.loc[("A", "B"), "n"] == 16 and corr.loc[("A", "B"), "p_value"] == pytest.approx(p)


def test_cronbach_alpha_needs_three_complete_countries() -> None:
    values = _values()
    values = values.loc[~((values["indicator"] == "A") & ~values["country"].isin(COUNTRIES[:2]))]
    agg = audit(values, _spec()).aggregates.set_index("aggregate")
    assert agg.loc["p", "complete_countries"] == 2 and np.isnan(agg.loc["p", "cronbach_alpha"])


def test_audit_protocol_and_options(tmp_path: Path) -> None:
    result = audit(_values(), _spec(), lang="es")
    assert "Auditoría" in result.to_html() and "<table" in result._repr_html_()
    written = result.save(tmp_path / "out")
    assert {p.name for p in written.values()} == {"audit.html", "audit.xlsx", "audit.csv", "audit.json"}
    assert {"indicators", "correlations", "aggregates"} <= set(pd.read_excel(written["xlsx"], sheet_name=None))
    frame = result.to_frame()
    frame.loc[0, "n"] = -1
    assert result.indicators.loc[0, "n"] == 20                 # a copy
    table = result.correlations
    table["pearson"] = 9.0
    assert (result.correlations["pearson"] != 9.0).all()
    with pytest.raises(OptionError):
        audit(_values(), _spec(), collinear=2.0)


def test_treatment_follows_coinr_step_by_step() -> None:
    x = np.array([1.0, 2, 2, 3, 3, 3, 4, 4, 5, 40, 41])
    y, how = treat_vector(x, Treatment())
    # by hand: skew >= 2 and kurtosis >= 3.5 -> replace the maximum by the next highest until passing
    z = x.copy()
    steps = 0
    while abs(_e1071(z)[0]) >= 2 and _e1071(z)[1] >= 3.5 and steps < 5:
        top = z == z.max()
        z[top] = z[~top].max()
        steps += top.sum()
    assert np.array_equal(y, z)
    assert [h for h in how if h] == ["winsorised_high"] * int((x != z).sum())


def test_treatment_transforms_when_winsorising_is_not_enough() -> None:
    x = np.r_[np.ones(12), 2.0, 50, 60, 70, 80, 90, 1000, 5000]
    y, how = treat_vector(x, Treatment(winmax=1))
    assert np.allclose(y, np.log(x - x.min() + 0.01 * (x.max() - x.min())))     # COINr log_CT
    assert set(how) == {"log"}
    bc, _ = treat_vector(x, Treatment(winmax=1, transform="boxcox"))
    assert np.allclose(bc, stats.boxcox(x - x.min() + 0.01 * (x.max() - x.min()))[0])
    kept, how = treat_vector(x, Treatment(winmax=1), transform_allowed=False)
    assert set(how) <= {"", "winsorised_high"} and kept.max() < x.max()


def test_treatment_in_scores_is_off_by_default_and_recorded() -> None:
    plain = ind.score(_values(), _spec())
    assert plain.treated is None
    treated = ind.score(_values(), _spec(treatment=Treatment()))
    rec = treated.treated
    assert rec is not None and set(rec["indicator"]) == {"D"}
    assert rec.loc[rec["country"] == "C19", "original"].item() == 400.0
    rec["treated"] = 0.0
    assert (treated.treated["treated"] != 0.0).any()
    assert "treated" in treated._sheets()
    assert IndexSpec.from_dict(_spec(treatment=Treatment(transform="boxcox")).to_dict()).treatment == \
        Treatment(transform="boxcox")


def test_compare_scores_puts_two_methods_side_by_side() -> None:
    from indicators.scores import compare_scores

    spec = _spec()
    a = ind.score(_values(), spec)
    b = ind.score(_values(), spec.replace(levels=(Level("indicator"), Level("pillar"),
                                                  Level("index", aggregation="geometric"))))
    table = compare_scores(a, b)
    assert set(table["unit"]) == {"ix"} and len(table) == 20
    fa, fb = a.to_frame(), b.to_frame()
    one = table.iloc[0]
    ra = fa.loc[(fa["unit"] == "ix") & (fa["country"] == one["country"]), "rank"].item()
    rb = fb.loc[(fb["unit"] == "ix") & (fb["country"] == one["country"]), "rank"].item()
    assert (one["rank_a"], one["rank_b"], one["rank_change"]) == (ra, rb, rb - ra)
    assert table["abs_rank_change"].is_monotonic_decreasing
    assert compare_scores(a, a, unit="p")["rank_change"].eq(0).all()
    with pytest.raises(OptionError):
        compare_scores(a, b, unit="nope")
    with pytest.raises(OptionError):
        compare_scores(a, "b")
