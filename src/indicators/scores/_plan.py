"""Scoring step 1: resolve an index spec against a catalog into a plan.

The plan is the index structure as COINr keeps it (one row per node: level, unit,
parent, weight, aggregation, minimum coverage) plus each indicator's normalisation,
and the indicators left out of the index with the reason (never silently zero).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..catalog import Catalog, Indicator
from ..catalog._files import definition_error
from ._spec import AGGREGATIONS, Aggregate, IndexSpec, IndicatorSpec, Method
from ._spec_groups import Combine, group_node

__all__ = ["GROUPABLE", "CombineStep", "IndicatorPlan", "Plan", "build_plan"]

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
    source: str = ""                    # the indicator id read from the values table
    read_code: str | None = None        # groups: the code of the group column read
    group: str | None = None
    constant: float | None = None       # groups: a fixed normalised value instead of data
    multiplier: float = 1.0
    limits: tuple[float | None, float | None] | None = None
    reciprocal: bool = False
    reference: str | None = None

    def record(self) -> dict[str, Any]:
        """The normalisation as one row of :attr:`Scores.normalisation`."""
        return {"indicator": self.id, "method": self.method, "direction": self.direction,
                "low": self.goalposts[0] if self.goalposts else np.nan,
                "high": self.goalposts[1] if self.goalposts else np.nan,
                "log": self.log, "cap": self.cap, "target": np.nan if self.target is None else self.target,
                "across_years": self.across_years if self.method == "minmax" else pd.NA,
                "unit": self.unit, "source": self.source or self.id, "group": self.group,
                "multiplier": self.multiplier, "reciprocal": self.reciprocal,
                "floor": np.nan if not self.limits or self.limits[0] is None else self.limits[0],
                "ceiling": np.nan if not self.limits or self.limits[1] is None else self.limits[1],
                "constant": np.nan if self.constant is None else self.constant, "reference": self.reference}


@dataclass(frozen=True)
class CombineStep:
    """A resolved :class:`Combine` step: node indices instead of ids."""

    node: int
    step: Combine
    inputs: tuple[int, ...]
    group_pos: int = -1                 # gap: which input is the scored group
    weights: tuple[float, ...] = ()     # across / of: the inputs' weights


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
    node_power: tuple[float, ...] = ()
    node_group: tuple[str | None, ...] = ()
    combine: tuple[CombineStep, ...] = ()

    @property
    def n_indicators(self) -> int:
        """Number of scored indicators (the first nodes)."""
        return len(self.indicators)

    def _effective(self) -> list[float]:
        return _effective_weights(self.node_parents, self.node_weights)

    def structure(self) -> pd.DataFrame:
        """The index structure, one row per node: level, unit, parent, weight, aggregation, min_coverage,
        group, and the effective weight (the node's share of the top of its tree)."""
        levels = self.spec.level_ids
        return pd.DataFrame({
            "level": [levels[i] for i in self.node_levels],
            "unit": list(self.node_ids),
            "parent": [self.node_ids[p] if p >= 0 else None for p in self.node_parents],
            "weight": list(self.node_weights),
            "aggregation": [a or None for a in self.node_aggregation],
            "min_coverage": [m if a else np.nan for m, a in zip(self.node_min_coverage, self.node_aggregation)],
            "group": list(self.node_group) if self.node_group else [None] * len(self.node_ids),
            "effective_weight": self._effective(),
        }).astype({"level": "string", "unit": "string", "parent": "string", "aggregation": "string",
                   "group": "string"})


def _effective_weights(parents: tuple[int, ...], weights: tuple[float, ...]) -> list[float]:
    """Each node's normalised weight times those of its ancestors (COINr ``get_eff_weights``)."""
    totals: dict[int, float] = {}
    for k, p in enumerate(parents):
        totals[p] = totals.get(p, 0.0) + weights[k]
    out = []
    for k in range(len(parents)):
        value, node = 1.0, k
        while parents[node] >= 0:
            total = totals[parents[node]]
            value *= weights[node] / total if total > 0 else np.nan
            node = parents[node]
        out.append(value if parents[k] >= 0 else np.nan)
    return out


def _resolve_indicator(item: IndicatorSpec, ind: Indicator | None, spec: IndexSpec,
                       where: str) -> tuple[IndicatorPlan | None, str | None]:
    """The indicator's plan, or ``None`` and the reason it is excluded."""
    scoring: Mapping[str, Any] = (ind.scoring or {}) if ind is not None else {}
    if item.exclude or item.id in spec.exclude or item.id.partition("@")[0] in spec.exclude:
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
        elif item.reciprocal or item.limits is not None or item.multiplier != 1.0:
            method = "raw"
        elif spec.without_goalposts == "minmax":
            method = "minmax"
        elif ind is not None:
            return None, "no_goalposts"
        else:
            raise definition_error(where, None, f"indicators[{item.id}]", "no method and no goalposts: give "
                                   "goalposts, a target, or method: minmax", value=item.id,
                                   code="definition.index_normalisation")
    direction = item.direction or (ind.direction if ind is not None else None)
    if method not in ("categories", "raw") and direction not in ("higher_is_better", "lower_is_better"):
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
    if method == "raw" and item.direction is not None and item.direction != "higher_is_better":
        raise definition_error(where, None, f"indicators[{item.id}].direction", "method raw keeps the value as it "
                               "is; turn it round with reciprocal or a combine step's complement",
                               value=item.direction, code="definition.index_normalisation")
    return IndicatorPlan(id=item.id, method=method, direction=direction or "higher_is_better",
                         goalposts=goalposts, log=log, cap=item.cap or method == "target",
                         target=None if target is None else float(target), across_years=item.across_years,
                         points=points, unit=unit, multiplier=float(item.multiplier), limits=item.limits,
                         reciprocal=item.reciprocal, reference=item.reference), None


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


@dataclass
class _Nodes:
    """The node table while it is built: one entry per node, indicators first."""

    ids: list[str]
    levels: list[int]
    weights: list[float]
    aggregation: list[str]
    power: list[float]
    min_cov: list[float]
    parents: list[str | None]
    group: list[str | None]

    def add(self, node: str, level: int, weight: float, aggregation: str, power: float | None,
            min_cov: float, parent: str | None, group: str | None = None) -> None:
        self.ids.append(node)
        self.levels.append(level)
        self.weights.append(float(weight))
        self.aggregation.append(aggregation)
        self.power.append(np.nan if power is None else float(power))
        self.min_cov.append(float(min_cov))
        self.parents.append(parent)
        self.group.append(group)


def _items(spec: IndexSpec, catalog: Catalog | None, where: str) -> list[IndicatorSpec]:
    """Phase 1: the indicators the spec scores (before resolution)."""
    if catalog is None and not spec.explicit:
        raise definition_error(where, None, "catalog", "a hierarchy grouped by catalog attributes needs a "
                               "catalog", code="definition.index_catalog")
    if spec.indicators and (spec.explicit or catalog is None):
        return list(spec.indicators)
    if catalog is not None:
        overrides = {i.id: i for i in spec.indicators}
        unknown = [i for i in overrides if i not in catalog]
        if unknown:
            raise definition_error(where, None, "indicators", f"not in catalog {catalog.label}: "
                                   f"{', '.join(unknown)}", value=unknown[0], code="definition.unknown_id")
        return [overrides.get(i.id, IndicatorSpec(i.id)) for i in catalog]
    return list(spec.indicators)


def _resolve_all(items: list[IndicatorSpec], spec: IndexSpec, catalog: Catalog | None, where: str
                 ) -> tuple[list[IndicatorPlan], list[IndicatorSpec], pd.DataFrame]:
    """Phase 2: each indicator's normalisation (per group when the spec has groups), or its exclusion."""
    excluded: list[dict[str, Any]] = []
    plans: list[IndicatorPlan] = []
    kept: list[IndicatorSpec] = []
    codes: tuple[str | None, ...] = spec.groups.codes if spec.groups is not None else (None,)
    for item in items:
        ind = catalog.get(item.id) if catalog is not None else None
        inherited = _inherited_method(item, spec, ind)
        if inherited is not None:
            item = replace(item, method=inherited)
        for code in codes:
            one = item
            if code is not None:
                if item.parent is None:
                    raise definition_error(where, None, f"indicators[{item.id}].parent", "with groups, every "
                                           "indicator names its parent", code="definition.index_parent")
                gp = (item.group_goalposts or {}).get(code, item.goalposts)
                one = replace(item, id=group_node(item.id, code), parent=group_node(item.parent, code), goalposts=gp)
            plan, reason = _resolve_indicator(one, ind, spec, where)
            if plan is None:
                excluded.append({"indicator": one.id, "reason": reason, "year": pd.NA})
                continue
            read = (item.by_group or {}).get(code, code) if code is not None else None
            constant = None if read is None or isinstance(read, str) else float(read)
            plans.append(replace(plan, source=item.id, group=code, constant=constant,
                                 read_code=read if isinstance(read, str) else None))
            kept.append(one)
    if not plans:
        raise definition_error(where, None, "indicators", "no indicator of the index can be scored (all "
                               "excluded: " + ", ".join(f"{e['indicator']} ({e['reason']})" for e in excluded[:5])
                               + ")", code="definition.index_empty")
    ids = [p.id for p in plans]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise definition_error(where, None, "indicators", f"duplicate indicator ids: {', '.join(dup)}",
                               value=dup[0], code="definition.duplicate_id")
    frame = pd.DataFrame(excluded, columns=["indicator", "reason", "year"])
    return plans, kept, frame.astype({"indicator": "string", "reason": "string", "year": "Int64"})


def _inherited_method(item: IndicatorSpec, spec: IndexSpec, ind: Indicator | None) -> Method | None:
    """The normalisation an indicator without its own (no method, goalposts or target) takes from its
    nearest aggregate, or the lowest level, that declares one (continuous indicators only)."""
    scoring = (ind.scoring or {}) if ind is not None else {}
    own = item.goalposts is not None or item.target is not None or "goalposts" in scoring or "target" in scoring
    if item.method is not None or own or (ind is not None and ind.unit in ("yes_no", "category", "text")):
        return None
    by_id = {a.id: a for a in spec.aggregates}
    node, seen = item.parent, set()
    while node is not None and node in by_id and node not in seen:
        seen.add(node)
        if by_id[node].method:
            return by_id[node].method
        node = by_id[node].parent
    return next((lvl.method for lvl in spec.levels[1:] if lvl.method), None)


def _explicit_nodes(spec: IndexSpec, kept: list[IndicatorSpec], nodes: _Nodes, where: str) -> None:
    """Phase 3a: the aggregates of an explicit hierarchy (per group when the spec has groups)."""
    levels, top, ids = spec.levels, len(spec.levels) - 1, set(nodes.ids)
    grouped = spec.groups is not None
    aggregates: list[Aggregate] = list(spec.aggregates)
    if grouped:
        assert spec.groups is not None
        aggregates = [replace(a, id=group_node(a.id, g), parent=group_node(a.parent, g) if a.parent else None)
                      for a in spec.aggregates for g in spec.groups.codes]
    agg_by_id = {a.id: a for a in aggregates}
    level_pos = {lvl.id: n for n, lvl in enumerate(levels)}
    if spec.id in agg_by_id and level_pos.get(agg_by_id[spec.id].level) != top:
        raise definition_error(where, None, "aggregates", f"the index node {spec.id!r} must be at the top "
                               f"level {levels[-1].id!r}", code="definition.index_levels")
    for item in kept:
        nodes.parents[nodes.ids.index(item.id)] = item.parent or spec.id
    order: list[tuple[int, int, str]] = []
    for pos, one in enumerate(aggregates):
        if one.level not in level_pos or level_pos[one.level] == 0:
            raise definition_error(where, None, f"aggregates[{pos}].level", f"unknown aggregate level "
                                   f"{one.level!r}; levels: {', '.join(lv.id for lv in levels[1:])}",
                                   value=one.level, code="definition.index_levels")
        if one.id in ids:
            raise definition_error(where, None, f"aggregates[{pos}].id", f"{one.id!r} is also an indicator",
                                   value=one.id, code="definition.duplicate_id")
        order.append((level_pos[one.level], pos, one.id))
    if spec.id not in agg_by_id and not grouped:
        order.append((top, len(order), spec.id))
    for lvl, _pos, node in sorted(order):
        agg = agg_by_id.get(node)
        if lvl == top and node != spec.id and not grouped:
            raise definition_error(where, None, "aggregates", f"only the index {spec.id!r} sits at the top "
                                   f"level; {node!r} does too", value=node, code="definition.index_levels")
        parent = agg.parent if agg and agg.parent else (None if grouped else spec.id)
        nodes.add(node, lvl, spec.weights.get(node, agg.weight if agg else 1.0),
                  agg.aggregation if agg and agg.aggregation else levels[lvl].aggregation,
                  agg.power if agg and agg.power is not None else levels[lvl].power,
                  float(agg.min_coverage) if agg and agg.min_coverage is not None else levels[lvl].min_coverage,
                  None if lvl == top else parent, node.rpartition("@")[2] if grouped else None)


def _catalog_nodes(spec: IndexSpec, catalog: Catalog, kept: list[IndicatorSpec], nodes: _Nodes,
                   where: str) -> None:
    """Phase 3b: the aggregates of a hierarchy grouped by catalog attributes (area, type, ...)."""
    levels, top = spec.levels, len(spec.levels) - 1
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
    for k, path in enumerate(paths):
        nodes.parents[k] = "/".join(path) if path else spec.id
    for lvl in range(1, top):
        depth = middle.index(lvl)
        keys = [tuple(p[: depth + 1]) for p in paths]
        ranks = [_order_key(catalog, str(levels[middle[d]].group_by)) for d in range(depth + 1)]
        first_seen = {k: n for n, k in reversed(list(enumerate(keys)))}
        unique = sorted(set(keys), key=lambda k: (tuple(r.get(v, 10**6) for r, v in zip(ranks, k)),
                                                  first_seen[k]))
        for key in unique:
            node = "/".join(key)
            nodes.add(node, lvl, spec.weights.get(node, 1.0), levels[lvl].aggregation, levels[lvl].power,
                      levels[lvl].min_coverage, "/".join(key[:-1]) if len(key) > 1 else spec.id)
    nodes.add(spec.id, top, 1.0, levels[top].aggregation, levels[top].power, levels[top].min_coverage, None)


def _combine_nodes(spec: IndexSpec, nodes: _Nodes, where: str) -> tuple[CombineStep, ...]:
    """Phase 4: nodes computed by combine steps, after the hierarchy's own aggregates."""
    steps: list[CombineStep] = []
    codes = spec.groups.codes if spec.groups is not None else ()
    level_pos = {lvl.id: n for n, lvl in enumerate(spec.levels)}
    for step in spec.combine:
        if step.id in nodes.ids:
            raise definition_error(where, None, f"combine[{step.id}]", f"{step.id!r} is already a node",
                                   value=step.id, code="definition.duplicate_id")
        missing = [n for n in step.inputs(codes) if n not in nodes.ids]
        if missing:
            raise definition_error(where, None, f"combine[{step.id}]", f"unknown nodes {', '.join(missing)}; "
                                   "combine steps read nodes defined before them", value=missing[0],
                                   code="definition.index_parent")
        inputs = tuple(nodes.ids.index(n) for n in step.inputs(codes))
        group_pos = codes.index(step.group) if step.gap and step.group in codes else -1
        keys = codes if step.across else step.of
        weights = tuple(float(step.weights.get(k, 1.0)) for k in keys) if step.kind in ("across", "of") else ()
        steps.append(CombineStep(node=len(nodes.ids), step=step, inputs=inputs, group_pos=group_pos,
                                 weights=weights))
        level = level_pos[step.level] if step.level else len(spec.levels) - 1
        nodes.add(step.id, level, spec.weights.get(step.id, 1.0), "", None, 0.0, None)
    return tuple(steps)


def _link(spec: IndexSpec, nodes: _Nodes, n_ind: int, n_combined: int, where: str) -> list[int]:
    """Phase 5: parent indices, checked: known, above their child, every aggregate with a child."""
    levels = spec.levels
    index_of = {n: k for k, n in enumerate(nodes.ids)}
    if len(index_of) != len(nodes.ids):
        seen: set[str] = set()
        dup = [n for n in nodes.ids if n in seen or seen.add(n)]  # type: ignore[func-returns-value]
        raise definition_error(where, None, "aggregates", f"duplicate node ids: {', '.join(dup)}",
                               value=dup[0], code="definition.duplicate_id")
    parents: list[int] = []
    for k, name in enumerate(nodes.parents):
        if name is None:
            parents.append(-1)
            continue
        if name not in index_of:
            raise definition_error(where, None, f"parent of {nodes.ids[k]}", f"unknown parent {name!r}",
                                   value=name, code="definition.index_parent")
        p = index_of[name]
        if nodes.levels[p] <= nodes.levels[k] or nodes.aggregation[p] == "":
            raise definition_error(where, None, f"parent of {nodes.ids[k]}", f"{name!r} (level "
                                   f"{levels[nodes.levels[p]].id}) is not above {nodes.ids[k]!r} (level "
                                   f"{levels[nodes.levels[k]].id})", value=name, code="definition.index_parent")
        parents.append(p)
    has_child = set(parents)
    empty = [nodes.ids[k] for k in range(n_ind, len(nodes.ids) - n_combined) if k not in has_child]
    if empty:
        raise definition_error(where, None, "aggregates", f"aggregates without any scored indicator or "
                               f"aggregate below them: {', '.join(empty)}", value=empty[0],
                               code="definition.index_empty")
    for a in nodes.aggregation:
        if a and a not in AGGREGATIONS:
            raise definition_error(where, None, "aggregation", f"unknown aggregation {a!r}", value=a,
                                   code="definition.index_aggregation")
    return parents


def build_plan(spec: IndexSpec, catalog: Catalog | None) -> Plan:
    """Resolve ``spec`` (with ``catalog`` if it names one) into a :class:`Plan`.

    >>> from indicators.scores import IndexSpec, Level, IndicatorSpec
    >>> spec = IndexSpec(id="i", levels=(Level("indicator"), Level("index")),
    ...                  indicators=(IndicatorSpec("a", goalposts=(0, 1), direction="higher_is_better"),))
    >>> build_plan(spec, None).node_ids
    ('a', 'i')
    """
    where = spec.source or f"IndexSpec({spec.id!r})"
    plans, kept, excluded = _resolve_all(_items(spec, catalog, where), spec, catalog, where)
    n = len(plans)
    nodes = _Nodes(ids=[p.id for p in plans], levels=[0] * n,
                   weights=[float(spec.weights.get(i.id, i.weight)) for i in kept], aggregation=[""] * n,
                   power=[np.nan] * n, min_cov=[1.0] * n, parents=[None] * n, group=[p.group for p in plans])
    if spec.explicit:
        _explicit_nodes(spec, kept, nodes, where)
    else:
        assert catalog is not None
        _catalog_nodes(spec, catalog, kept, nodes, where)
    combine = _combine_nodes(spec, nodes, where)
    parents = _link(spec, nodes, n, len(combine), where)
    unknown = [u for u in spec.lower_is_better if u not in nodes.ids[n:]]
    if unknown:
        raise definition_error(where, None, "lower_is_better", f"{', '.join(map(repr, unknown))} is not an "
                               f"aggregate or combined result of the index ({', '.join(nodes.ids[n:])})",
                               value=unknown[0], code="definition.index_levels")
    return Plan(spec=spec, indicators=tuple(plans), node_ids=tuple(nodes.ids), node_levels=tuple(nodes.levels),
                node_parents=tuple(parents), node_weights=tuple(nodes.weights),
                node_aggregation=tuple(nodes.aggregation), node_min_coverage=tuple(nodes.min_cov),
                excluded=excluded, node_power=tuple(nodes.power), node_group=tuple(nodes.group),
                combine=combine)
