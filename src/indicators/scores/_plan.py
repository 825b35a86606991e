"""Scoring step 1: resolve an index spec against a catalog into a plan.

The plan is the index structure as COINr keeps it (one row per node: level, unit,
parent, weight, aggregation, minimum coverage) plus each indicator's normalisation,
and the indicators left out of the index with the reason (never silently zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..catalog import Catalog, Indicator
from ..catalog._files import definition_error
from ._spec import AGGREGATIONS, IndexSpec, IndicatorSpec

__all__ = ["GROUPABLE", "IndicatorPlan", "Plan", "build_plan"]

#: Indicator attributes a catalog hierarchy can group by.
GROUPABLE: tuple[str, ...] = ("area", "type", "category")
CONTINUOUS_METHODS = ("goalposts", "minmax", "target")


@dataclass(frozen=True)
class IndicatorPlan:
    """One scored indicator: its resolved normalisation."""

    id: str
    method: str                 # goalposts, minmax, target, binary, categories
    direction: str              # higher_is_better, lower_is_better
    goalposts: tuple[float, float] | None
    log: bool
    cap: bool
    target: float | None
    across_years: bool
    points: Mapping[str, float] | None   # code -> 0-1 (categories)
    unit: str | None

    def record(self) -> dict[str, Any]:
        """The normalisation as one row of :attr:`Scores.normalisation`."""
        return {"indicator": self.id, "method": self.method, "direction": self.direction,
                "low": self.goalposts[0] if self.goalposts else np.nan,
                "high": self.goalposts[1] if self.goalposts else np.nan,
                "log": self.log, "cap": self.cap, "target": np.nan if self.target is None else self.target,
                "across_years": self.across_years if self.method == "minmax" else pd.NA,
                "unit": self.unit}


@dataclass(frozen=True)
class Plan:
    """A resolved index: nodes (indicators first, then each level bottom-up) and normalisations."""

    spec: IndexSpec
    indicators: tuple[IndicatorPlan, ...]
    node_ids: tuple[str, ...]
    node_levels: tuple[int, ...]        # index into spec.levels
    node_parents: tuple[int, ...]       # node index, -1 for the top
    node_weights: tuple[float, ...]
    node_aggregation: tuple[str, ...]   # "" for indicators
    node_min_coverage: tuple[float, ...]
    excluded: pd.DataFrame

    @property
    def n_indicators(self) -> int:
        """Number of scored indicators (the first nodes)."""
        return len(self.indicators)

    def structure(self) -> pd.DataFrame:
        """The index structure, one row per node: level, unit, parent, weight, aggregation, min_coverage."""
        levels = self.spec.level_ids
        return pd.DataFrame({
            "level": [levels[i] for i in self.node_levels],
            "unit": list(self.node_ids),
            "parent": [self.node_ids[p] if p >= 0 else None for p in self.node_parents],
            "weight": list(self.node_weights),
            "aggregation": [a or None for a in self.node_aggregation],
            "min_coverage": [m if a else np.nan for m, a in zip(self.node_min_coverage, self.node_aggregation)],
        }).astype({"level": "string", "unit": "string", "parent": "string", "aggregation": "string"})


def _resolve_indicator(item: IndicatorSpec, ind: Indicator | None, spec: IndexSpec,
                       where: str) -> tuple[IndicatorPlan | None, str | None]:
    """The indicator's plan, or ``None`` and the reason it is excluded."""
    scoring: Mapping[str, Any] = (ind.scoring or {}) if ind is not None else {}
    if item.exclude or item.id in spec.exclude:
        return None, "excluded_by_spec"
    if scoring.get("exclude"):
        return None, "excluded_by_definition"
    unit = ind.unit if ind is not None else None
    method = item.method
    if method is None:
        if unit == "yes_no":
            method = "binary"
        elif unit == "category":
            method = "categories"
        elif unit == "text":
            return None, "text_unit"
        elif item.target is not None or (item.goalposts is None and scoring.get("target") is not None):
            method = "target"
        elif item.goalposts is not None or scoring.get("goalposts") is not None:
            method = "goalposts"
        elif spec.without_goalposts == "minmax":
            method = "minmax"
        elif ind is not None:
            return None, "no_goalposts"
        else:
            raise definition_error(where, None, f"indicators[{item.id}]", "no method and no goalposts: give "
                                   "goalposts, a target, or method: minmax", value=item.id,
                                   code="definition.index_normalisation")
    direction = item.direction or (ind.direction if ind is not None else None)
    if method != "categories" and direction not in ("higher_is_better", "lower_is_better"):
        if ind is not None and item.direction is None:
            return None, "no_direction"
        raise definition_error(where, None, f"indicators[{item.id}].direction",
                               "a scored indicator needs direction higher_is_better or lower_is_better",
                               value=direction, code="definition.index_normalisation")
    goalposts = item.goalposts
    if goalposts is None and scoring.get("goalposts") is not None:
        gp = scoring["goalposts"]
        goalposts = (float(gp[0]), float(gp[1]))
        if not goalposts[0] < goalposts[1]:
            return None, "invalid_goalposts"
    target = item.target if item.target is not None else scoring.get("target")
    log = item.log if item.log is not None else bool(scoring.get("log", False))
    points = None
    if method == "categories":
        if item.points:
            points = {str(k): float(v) / 100.0 for k, v in item.points.items()}
        elif ind is not None and ind.categories:
            if any(c.get("points") is None for c in ind.categories):
                return None, "no_points"
            points = {str(c["code"]): float(c["points"]) / 100.0 for c in ind.categories}
        else:
            raise definition_error(where, None, f"indicators[{item.id}].points", "method categories needs "
                                   "points for each category (0-100)", code="definition.index_normalisation")
    if method == "goalposts" and goalposts is None:
        if ind is not None and item.method is None:
            return None, "no_goalposts"
        raise definition_error(where, None, f"indicators[{item.id}].goalposts", "method goalposts needs "
                               "goalposts: [low, high]", code="definition.index_normalisation")
    if method == "target" and target is None:
        raise definition_error(where, None, f"indicators[{item.id}].target", "method target needs a target",
                               code="definition.index_normalisation")
    if log and goalposts is not None and goalposts[0] <= 0:
        raise definition_error(where, None, f"indicators[{item.id}].goalposts", "a log transform needs "
                               f"positive goalposts, got {list(goalposts)}", value=list(goalposts),
                               code="definition.index_normalisation")
    if method in ("binary", "categories"):
        log = False
    return IndicatorPlan(id=item.id, method=method, direction=direction or "higher_is_better",
                         goalposts=goalposts, log=log, cap=item.cap or method == "target",
                         target=None if target is None else float(target), across_years=item.across_years,
                         points=points, unit=unit), None


def _order_key(catalog: Catalog | None, attribute: str) -> dict[str, int]:
    if catalog is None:
        return {}
    if attribute == "area":
        return {a.id: a.order for a in catalog.areas}
    if attribute == "type":
        return {t: n for n, t in enumerate(catalog.system.types)}
    if attribute == "category":
        return {c: n for n, c in enumerate(catalog.system.categories)}
    return {}


def build_plan(spec: IndexSpec, catalog: Catalog | None) -> Plan:
    """Resolve ``spec`` (with ``catalog`` if it names one) into a :class:`Plan`."""
    where = spec.source or f"IndexSpec({spec.id!r})"
    levels = spec.levels
    top = len(levels) - 1
    overrides = {i.id: i for i in spec.indicators}
    if catalog is None and not spec.explicit:
        raise definition_error(where, None, "catalog", "a hierarchy grouped by catalog attributes needs a "
                               "catalog", code="definition.index_catalog")
    # indicator list
    if spec.indicators and (spec.explicit or catalog is None):
        items = list(spec.indicators)
    elif catalog is not None:
        items = [overrides.get(i.id, IndicatorSpec(i.id)) for i in catalog]
        unknown = [i for i in overrides if i not in catalog]
        if unknown:
            raise definition_error(where, None, "indicators", f"not in catalog {catalog.label}: "
                                   f"{', '.join(unknown)}", value=unknown[0], code="definition.unknown_id")
    else:
        items = list(spec.indicators)
    excluded: list[dict[str, Any]] = []
    plans: list[IndicatorPlan] = []
    kept: list[IndicatorSpec] = []
    for item in items:
        ind = catalog.get(item.id) if catalog is not None else None
        plan, reason = _resolve_indicator(item, ind, spec, where)
        if plan is None:
            excluded.append({"indicator": item.id, "reason": reason, "year": pd.NA})
        else:
            plans.append(plan)
            kept.append(item)
    if not plans:
        raise definition_error(where, None, "indicators", "no indicator of the index can be scored (all "
                               "excluded: " + ", ".join(f"{e['indicator']} ({e['reason']})" for e in excluded[:5])
                               + ")", code="definition.index_empty")
    ids = [p.id for p in plans]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise definition_error(where, None, "indicators", f"duplicate indicator ids: {', '.join(dup)}",
                               value=dup[0], code="definition.duplicate_id")

    node_ids: list[str] = list(ids)
    node_levels: list[int] = [0] * len(ids)
    weights: list[float] = [spec.weights.get(i.id, i.weight) for i in kept]
    aggregation: list[str] = [""] * len(ids)
    min_cov: list[float] = [1.0] * len(ids)
    parent_names: list[str | None] = []

    if spec.explicit:
        agg_by_id = {a.id: a for a in spec.aggregates}
        level_pos = {lvl.id: n for n, lvl in enumerate(levels)}
        if spec.id in agg_by_id and level_pos.get(agg_by_id[spec.id].level) != top:
            raise definition_error(where, None, "aggregates", f"the index node {spec.id!r} must be at the top "
                                   f"level {levels[-1].id!r}", code="definition.index_levels")
        for item in kept:
            parent_names.append(item.parent or spec.id)
        order: list[tuple[int, int, str]] = []
        for pos, agg in enumerate(spec.aggregates):
            if agg.level not in level_pos or level_pos[agg.level] == 0:
                raise definition_error(where, None, f"aggregates[{pos}].level", f"unknown aggregate level "
                                       f"{agg.level!r}; levels: {', '.join(l.id for l in levels[1:])}",
                                       value=agg.level, code="definition.index_levels")
            if agg.id in ids:
                raise definition_error(where, None, f"aggregates[{pos}].id", f"{agg.id!r} is also an indicator",
                                       value=agg.id, code="definition.duplicate_id")
            order.append((level_pos[agg.level], pos, agg.id))
        if spec.id not in agg_by_id:
            order.append((top, len(order), spec.id))
        for lvl, _pos, node in sorted(order):
            agg = agg_by_id.get(node)
            if lvl == top and node != spec.id:
                raise definition_error(where, None, "aggregates", f"only the index {spec.id!r} sits at the top "
                                       f"level; {node!r} does too", value=node, code="definition.index_levels")
            node_ids.append(node)
            node_levels.append(lvl)
            weights.append(spec.weights.get(node, agg.weight if agg else 1.0))
            aggregation.append(agg.aggregation if agg and agg.aggregation else levels[lvl].aggregation)
            min_cov.append(float(agg.min_coverage) if agg and agg.min_coverage is not None
                           else levels[lvl].min_coverage)
            parent_names.append(None if lvl == top else (agg.parent if agg and agg.parent else spec.id))
    else:
        assert catalog is not None
        middle = list(range(top - 1, 0, -1))   # top-most grouping first
        paths: list[list[str]] = []
        for item in kept:
            ind = catalog[item.id]
            path = []
            for lvl in middle:
                attr = str(levels[lvl].group_by)
                if attr not in GROUPABLE:
                    raise definition_error(where, None, f"levels[{lvl}].group_by", f"cannot group by {attr!r}; "
                                           f"allowed: {', '.join(GROUPABLE)}", value=attr,
                                           code="definition.index_levels")
                path.append(str(getattr(ind, attr)))
            paths.append(path)
        for item, path in zip(kept, paths):
            parent_names.append("/".join(path) if path else spec.id)
        for lvl in range(1, top):
            depth = middle.index(lvl)
            keys = [tuple(p[: depth + 1]) for p in paths]
            ranks = [_order_key(catalog, str(levels[middle[d]].group_by)) for d in range(depth + 1)]
            first_seen = {k: n for n, k in reversed(list(enumerate(keys)))}
            unique = sorted(set(keys), key=lambda k: (tuple(r.get(v, 10**6) for r, v in zip(ranks, k)),
                                                      first_seen[k]))
            for key in unique:
                node = "/".join(key)
                node_ids.append(node)
                node_levels.append(lvl)
                weights.append(spec.weights.get(node, 1.0))
                aggregation.append(levels[lvl].aggregation)
                min_cov.append(levels[lvl].min_coverage)
                parent_names.append("/".join(key[:-1]) if len(key) > 1 else spec.id)
        node_ids.append(spec.id)
        node_levels.append(top)
        weights.append(1.0)
        aggregation.append(levels[top].aggregation)
        min_cov.append(levels[top].min_coverage)
        parent_names.append(None)

    index_of = {n: k for k, n in enumerate(node_ids)}
    if len(index_of) != len(node_ids):
        seen: set[str] = set()
        dup = [n for n in node_ids if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
        raise definition_error(where, None, "aggregates", f"duplicate node ids: {', '.join(dup)}",
                               value=dup[0], code="definition.duplicate_id")
    parents: list[int] = []
    for k, name in enumerate(parent_names):
        if name is None:
            parents.append(-1)
            continue
        if name not in index_of:
            raise definition_error(where, None, f"parent of {node_ids[k]}", f"unknown parent {name!r}",
                                   value=name, code="definition.index_parent")
        p = index_of[name]
        if node_levels[p] <= node_levels[k]:
            raise definition_error(where, None, f"parent of {node_ids[k]}", f"{name!r} (level "
                                   f"{levels[node_levels[p]].id}) is not above {node_ids[k]!r} (level "
                                   f"{levels[node_levels[k]].id})", value=name, code="definition.index_parent")
        parents.append(p)
    has_child = set(parents)
    empty = [node_ids[k] for k in range(len(ids), len(node_ids)) if k not in has_child]
    if empty:
        raise definition_error(where, None, "aggregates", f"aggregates without any scored indicator or "
                               f"aggregate below them: {', '.join(empty)}", value=empty[0],
                               code="definition.index_empty")
    for a in aggregation:
        if a and a not in AGGREGATIONS:
            raise definition_error(where, None, "aggregation", f"unknown aggregation {a!r}", value=a,
                                   code="definition.index_aggregation")
    frame = pd.DataFrame(excluded, columns=["indicator", "reason", "year"])
    return Plan(spec=spec, indicators=tuple(plans), node_ids=tuple(node_ids), node_levels=tuple(node_levels),
                node_parents=tuple(parents), node_weights=tuple(float(w) for w in weights),
                node_aggregation=tuple(aggregation), node_min_coverage=tuple(float(m) for m in min_cov),
                excluded=frame.astype({"indicator": "string", "reason": "string", "year": "Int64"}))
