"""Leave-one-indicator-out: how much each indicator moves the ranking (COINr ``remove_elements``).

The index is scored again without each indicator in turn (its aggregates renormalise their
weights over the others, and the minimum coverage still applies); each country's rank of the
index is compared with its rank with every indicator.

>>> import pandas as pd
>>> from indicators.scores import IndexSpec, Level, IndicatorSpec
>>> spec = IndexSpec(id="ix", levels=(Level("indicator"), Level("index")), indicators=tuple(
...     IndicatorSpec(i, goalposts=(0, 10), direction="higher_is_better") for i in "AB"))
>>> v = pd.DataFrame({"country": list("PQR") * 2, "year": 2020, "indicator": ["A"] * 3 + ["B"] * 3,
...                   "value": [1, 2, 3, 9, 5, 1]})
>>> leave_one_out(v, spec).shifts[["removed", "mean_abs_shift"]].to_dict("records")
[{'removed': 'A', 'mean_abs_shift': 0.0}, {'removed': 'B', 'mean_abs_shift': 1.3333333333333333}]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from .._results import Result, protect_fields
from ..catalog import Catalog, load_catalog
from ..i18n import Lang, check_lang, message
from ._scores import score
from ._spec import IndexSpec, load_index_spec
from ._tables import TableResult

__all__ = ["LeaveOneOut", "leave_one_out"]


@protect_fields(copies=("ranks", "shifts"))
@dataclass(frozen=True, eq=False)
class LeaveOneOut(TableResult, Result):
    """``ranks`` (country, year, removed, score, rank, rank_all, shift) and ``shifts`` per removed indicator."""

    ranks: pd.DataFrame
    shifts: pd.DataFrame
    spec_id: str
    unit: str
    _lang: str = "en"
    _stem: ClassVar[str] = "leave_one_out"

    def _parts(self) -> dict[str, pd.DataFrame]:
        return {"shifts": self.shifts.copy(), "ranks": self.ranks.copy()}

    def _heading(self) -> str:
        return f"{self.spec_id} ({self.unit}): {message('scores.table.ranks', self._lang)}"

    def to_frame(self) -> pd.DataFrame:
        """The rank shifts per removed indicator (a copy)."""
        return self.shifts.copy()

    def _settings(self) -> dict[str, str]:
        return {"index": self.spec_id, "unit": self.unit}



def leave_one_out(values: pd.DataFrame, spec: IndexSpec | str | Path = "mesecvi",
                  catalog: Catalog | str | Path | None = None, *, unit: str | None = None,
                  lang: Lang = "en") -> LeaveOneOut:
    """Rank shifts of ``unit`` (the index by default) when each indicator is left out in turn."""
    check_lang(lang, "leave_one_out")
    spec = load_index_spec(spec)
    if catalog is None and spec.catalog is not None:
        catalog = load_catalog(spec.catalog)
    elif catalog is not None and not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    full = score(values, spec, catalog, lang=lang)
    target = unit or (spec.id if spec.id in set(full.structure["unit"]) else str(full.structure["unit"].iloc[-1]))
    keys = ["country", "year"]
    base = full.to_frame().query("unit == @target")[[*keys, "score", "rank"]].rename(
        columns={"score": "score_all", "rank": "rank_all"})
    sources = list(dict.fromkeys(str(s) for s in full.normalisation["source"]))
    parts = []
    for removed in sources:
        try:
            result = score(values, spec.replace(exclude=(*spec.exclude, removed)), catalog, lang=lang)
        except Exception as exc:   # the index cannot be built without it (e.g. its only indicator)
            from ..errors import IndicatorsError
            if not isinstance(exc, IndicatorsError):
                raise
            continue
        t = result.to_frame().query("unit == @target")[[*keys, "score", "rank"]]
        merged = base.merge(t, on=keys, how="left")
        merged.insert(2, "removed", removed)
        parts.append(merged)
    ranks = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=[*keys, "removed", "score_all", "rank_all", "score", "rank"])
    ranks["shift"] = (ranks["rank"].astype("Float64") - ranks["rank_all"].astype("Float64"))
    shift = ranks["shift"].astype(float).abs()
    summary = (ranks.assign(abs_shift=shift).groupby("removed", sort=False)["abs_shift"]
               .agg(mean_abs_shift="mean", max_abs_shift="max").reset_index())
    summary["mean_abs_shift"] = summary["mean_abs_shift"].astype(float)
    summary["max_abs_shift"] = summary["max_abs_shift"].astype(float).where(summary["max_abs_shift"].notna(), np.nan)
    return LeaveOneOut(ranks=ranks.astype({"removed": "string"}), shifts=summary.astype({"removed": "string"}),
                       spec_id=spec.id, unit=target, _lang=lang)
