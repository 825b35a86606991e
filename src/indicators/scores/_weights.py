"""Weights from the data and effective weights, as COINr's ``get_PCA``, ``get_opt_weights`` and
``get_eff_weights`` compute them.

* ``equal``: every child of an aggregate weighs the same;
* ``declared``: the spec's weights;
* ``pca``: the loadings of the first principal component of the aggregate's children
  (standardised, countries with every child; COINr ``get_PCA``), turned so that they sum to a
  positive number; a negative loading becomes 0 (a weight cannot be negative) and is reported;
* ``optimised``: weights such that the children's Pearson correlations with their aggregate,
  as shares of their sum, meet a target (equal by default: every child "counts" the same;
  COINr ``get_opt_weights(optype = "balance")``), found by Nelder-Mead.

The *effective weight* of a node is the product of its normalised weight and those of every
aggregate above it (COINr ``get_eff_weights``): the share of the index it stands for. Beside
it, ``correlation_share`` is each indicator's squared correlation with the index as a share of
their sum: the contribution it really makes to the ranking.

>>> import pandas as pd
>>> from indicators.scores import IndexSpec, Level, IndicatorSpec
>>> spec = IndexSpec(id="ix", levels=(Level("indicator"), Level("index")), indicators=(
...     IndicatorSpec("A", goalposts=(0, 10), direction="higher_is_better", weight=3),
...     IndicatorSpec("B", goalposts=(0, 10), direction="higher_is_better")))
>>> v = pd.DataFrame({"country": list("PQRS") * 2, "year": 2020, "indicator": ["A"] * 4 + ["B"] * 4,
...                   "value": [1, 2, 3, 4, 2, 4, 5, 9]})
>>> w = derive_weights(v, spec, "declared")
>>> w.table.set_index("unit").loc["A", "effective_weight"]
np.float64(0.75)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._codes import error
from .._results import Result, protect_fields
from ..catalog import Catalog, load_catalog
from ..i18n import Lang, check_lang, check_option, message
from ._aggregate import _mean
from ._scores import score
from ._spec import IndexSpec, load_index_spec
from ._tables import TableResult

__all__ = ["WEIGHT_METHODS", "Weights", "derive_weights", "effective_weights"]

WeightMethod = Literal["equal", "declared", "pca", "optimised"]
WEIGHT_METHODS: tuple[str, ...] = ("equal", "declared", "pca", "optimised")


def effective_weights(structure: pd.DataFrame, weight: str = "weight") -> pd.Series:
    """Each node's share of the index: its normalised weight times those of its ancestors."""
    parent = structure.set_index("unit")["parent"]
    w = structure.set_index("unit")[weight].astype(float)
    share = w / w.groupby(parent.fillna("")).transform("sum")
    out = {}
    for unit in structure["unit"]:
        value, node = 1.0, unit
        while node is not None and not pd.isna(parent.get(node)):
            value *= float(share[node])
            node = parent[node]
        out[unit] = value
    return pd.Series(out, name="effective_weight")


def _pca_weights(data: np.ndarray) -> tuple[np.ndarray, str]:
    data = data[np.isfinite(data).all(axis=1)]
    if data.shape[0] < 3 or (data.std(axis=0) == 0).any():
        return np.full(data.shape[1], np.nan), "too few complete countries"
    z = (data - data.mean(axis=0)) / data.std(axis=0, ddof=1)
    _, vec = np.linalg.eigh(np.corrcoef(z, rowvar=False))
    load = vec[:, -1]
    if load.sum() < 0:
        load = -load
    note = "negative loadings set to 0" if (load < 0).any() else ""
    load = np.clip(load, 0, None)
    return load / load.sum(), note


def _optimised(data: np.ndarray, aggregation: str, power: float | None, target: np.ndarray
               ) -> tuple[np.ndarray, str]:
    from scipy.optimize import minimize

    data = data[np.isfinite(data).all(axis=1)]
    k = data.shape[1]
    if data.shape[0] < 3 or (data.std(axis=0) == 0).any():
        return np.full(k, np.nan), "too few complete countries"

    def shares(w: np.ndarray) -> np.ndarray:
        agg = _mean(data, w, aggregation, power)
        crs = np.array([np.corrcoef(data[:, i], agg)[0, 1] for i in range(k)])
        return crs / crs.sum()

    def objective(u: np.ndarray) -> float:
        return float(np.sum((shares(np.exp(u)) - target) ** 2))

    best = minimize(objective, np.zeros(k), method="Nelder-Mead",
                    options={"xatol": 1e-8, "fatol": 1e-12, "maxiter": 4000 * k})
    w = np.exp(best.x)
    return w / w.sum(), "" if best.success else "did not converge"


@protect_fields(copies=("table",))
@dataclass(frozen=True, eq=False)
class Weights(TableResult, Result):
    """Derived weights: ``table`` (one row per node) and the spec to score with them (:meth:`to_spec`)."""

    table: pd.DataFrame
    spec: IndexSpec
    method: str
    year: int
    _lang: str = "en"
    _stem: ClassVar[str] = "weights"

    def _parts(self) -> dict[str, pd.DataFrame]:
        return {"weights": self.table.copy()}

    def _heading(self) -> str:
        return f"{self.spec.id}: {message('scores.table.weights', self._lang)} ({self.method}, {self.year})"

    def to_frame(self) -> pd.DataFrame:
        """The weights table (a copy)."""
        return self.table.copy()

    def _settings(self) -> dict[str, Any]:
        return {"index": self.spec.id, "method": self.method, "year": self.year}

    def to_spec(self) -> IndexSpec:
        """The spec with the derived weights (nodes without one keep theirs)."""
        derived = self.table.dropna(subset=["derived"])
        weights = {**dict(self.spec.weights), **{str(u): float(w) for u, w in zip(derived["unit"], derived["derived"])}}
        return self.spec.replace(weights=weights)



def derive_weights(values: pd.DataFrame, spec: IndexSpec | str | Path = "mesecvi",
                   method: WeightMethod = "pca", catalog: Catalog | str | Path | None = None, *,
                   year: int | None = None, target: dict[str, float] | None = None, lang: Lang = "en") -> Weights:
    """Weights of every aggregate's children from the data of ``year`` (the latest by default).

    The table has, per node: ``declared`` weight, ``derived`` weight (normalised within its
    aggregate), ``effective_weight`` (declared) and ``effective_derived``, the Pearson
    correlation with its aggregate under each, and ``correlation_share`` of the indicators.
    """
    check_lang(lang, "derive_weights")
    check_option("derive_weights", "method", method, WEIGHT_METHODS, lang)
    spec = load_index_spec(spec)
    if catalog is None and spec.catalog is not None:
        catalog = load_catalog(spec.catalog)
    elif catalog is not None and not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    result = score(values, spec, catalog, lang=lang)
    years = result.years
    if year is None:
        year = years[-1]
    if year not in years:
        raise error("scores.unknown_years", lang, field="year", value=repr(year), years=str(year),
                    available=", ".join(map(str, years)))
    frame = result.to_frame()
    wide = frame.loc[frame["year"] == year].pivot(index="country", columns="unit", values="score")
    structure = result.structure.copy()
    rows: dict[str, dict[str, Any]] = {}
    for parent, kids in structure.dropna(subset=["parent"]).groupby("parent", sort=False):
        units = [u for u in kids["unit"] if u in wide.columns]
        declared = kids.set_index("unit")["weight"].reindex(units).to_numpy(dtype=float)
        data = wide[units].to_numpy(dtype=float)
        row = structure.loc[structure["unit"] == parent].iloc[0]
        note = ""
        if method == "equal":
            derived = np.full(len(units), 1.0 / len(units))
        elif method == "declared":
            derived = declared / declared.sum()
        elif method == "pca":
            derived, note = _pca_weights(data) if len(units) > 1 else (np.ones(1), "")
        else:
            if str(row["aggregation"]) == "copeland":
                raise error("option.invalid", lang, field="method", value="'optimised'", name="method",
                                    func="derive_weights",
                                    allowed="a mean (the Copeland method has no correlation to balance)",
                                    got="optimised")
            tgt = np.array([(target or {}).get(u, 1.0) for u in units], dtype=float)
            derived, note = (_optimised(data, str(row["aggregation"]), None if pd.isna(row.get("power", np.nan))
                                        else float(row["power"]), tgt / tgt.sum()) if len(units) > 1
                             else (np.ones(1), ""))
        agg_now = wide[parent].to_numpy(dtype=float) if parent in wide.columns else np.full(len(wide), np.nan)
        for n, unit in enumerate(units):
            x = data[:, n]
            ok = np.isfinite(x) & np.isfinite(agg_now)
            r = float(np.corrcoef(x[ok], agg_now[ok])[0, 1]) if ok.sum() > 2 and np.ptp(x[ok]) > 0 else np.nan
            rows[unit] = {"parent": parent, "declared": declared[n], "derived": derived[n],
                          "correlation_declared": r, "note": note}
    table = structure[["level", "unit", "parent"]].copy()
    table["declared"] = [rows.get(u, {}).get("declared", np.nan) for u in table["unit"]]
    table["derived"] = [rows.get(u, {}).get("derived", np.nan) for u in table["unit"]]
    table["effective_weight"] = effective_weights(structure.assign(weight=structure["weight"].astype(float))
                                                  ).reindex(table["unit"]).to_numpy()
    derived_struct = structure.assign(weight=[rows.get(u, {}).get("derived", w) for u, w in
                                              zip(structure["unit"], structure["weight"])])
    table["effective_derived"] = effective_weights(derived_struct.fillna({"weight": 0.0})).reindex(
        table["unit"]).to_numpy()
    table["correlation_declared"] = [rows.get(u, {}).get("correlation_declared", np.nan) for u in table["unit"]]
    top = structure.loc[structure["parent"].isna() & (structure["aggregation"].notna()), "unit"]
    index_values = wide[top.iloc[0]].to_numpy(dtype=float) if len(top) and top.iloc[0] in wide.columns else None
    share = np.full(len(table), np.nan)
    if index_values is not None:
        inds = table["level"] == spec.level_ids[0]
        r2 = []
        for unit in table.loc[inds, "unit"]:
            x = wide[unit].to_numpy(dtype=float) if unit in wide.columns else np.full(len(wide), np.nan)
            ok = np.isfinite(x) & np.isfinite(index_values)
            r2.append(np.corrcoef(x[ok], index_values[ok])[0, 1] ** 2 if ok.sum() > 2 and np.ptp(x[ok]) > 0
                      else np.nan)
        r2a = np.array(r2, dtype=float)
        share[inds.to_numpy()] = r2a / np.nansum(r2a)
    table["correlation_share"] = share
    table["note"] = pd.array([rows.get(u, {}).get("note", "") or None for u in table["unit"]], dtype="string")
    return Weights(table=table.reset_index(drop=True), spec=spec, method=method, year=int(year), _lang=lang)
