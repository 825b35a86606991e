"""Index specifications: what a composite score is made of, as data.

An :class:`IndexSpec` holds the hierarchy (indicator → … → index), the weights, the
normalisation of each indicator, the aggregation and minimum coverage of each level,
the imputation rule and the alternatives sampled in the sensitivity analysis. It is
read from YAML (``kind: index``, validated against ``$defs/index`` of the definitions'
JSON Schema) or built as Python objects; :func:`indicators.score` runs it.

Two ways to state the hierarchy:

* **from a catalog**: levels above the indicator carry ``group_by`` (an indicator
  attribute such as ``area`` or ``type``); the nodes are the groups found in the
  catalog. MESECVI's spec (``definitions/mesecvi/index.yaml``) works this way.
* **explicitly**: each indicator names its ``parent`` and ``aggregates`` lists the
  nodes above, each with its ``level`` and ``parent`` (``docs/examples/hdi2014.yaml``).

>>> from indicators.scores import IndexSpec, Level, IndicatorSpec
>>> spec = IndexSpec(
...     id="demo", levels=(Level("indicator"), Level("index", aggregation="geometric")),
...     indicators=(IndicatorSpec("a", goalposts=(0, 10), direction="higher_is_better"),
...                 IndicatorSpec("b", goalposts=(0, 5), direction="lower_is_better")),
...     scale=1.0)
>>> spec.explicit, spec.levels[-1].aggregation
(True, 'geometric')
>>> IndexSpec.from_dict(spec.to_dict()) == spec
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from .._codes import not_found
from .._options import validate_options
from ..catalog._files import check_kind, definition_error, definitions_root, read_definition
from ..i18n import Lang, check_option
from ._spec_groups import Combine, Groups
from ._treat import Treatment

__all__ = [
    "BUILTIN_SPECS",
    "Aggregate",
    "Aggregation",
    "Direction",
    "Imputation",
    "IndexSpec",
    "IndicatorSpec",
    "Level",
    "Method",
    "Uncertainty",
    "load_index_spec",
]

Aggregation = Literal["arithmetic", "geometric", "harmonic", "power", "copeland"]
Method = Literal["goalposts", "minmax", "target", "binary", "categories", "raw", "zscore", "rank", "percentile",
                 "borda", "distance_best", "distance_reference"]
Direction = Literal["higher_is_better", "lower_is_better"]
WithoutGoalposts = Literal["exclude", "minmax"]
AGGREGATIONS: tuple[str, ...] = get_args(Aggregation)
#: The normalisations the sensitivity analysis can swap in for continuous indicators.
SWAPPABLE_METHODS: tuple[str, ...] = ("goalposts", "minmax", "zscore", "rank", "percentile", "borda",
                                      "distance_best")
#: The means the sensitivity analysis can swap in (they need no parameter).
SWAPPABLE: tuple[str, ...] = ("arithmetic", "geometric", "harmonic")
METHODS: tuple[str, ...] = get_args(Method)
DIRECTIONS: tuple[str, ...] = get_args(Direction)
#: Index specifications shipped with the definitions (``definitions/<name>/index.yaml``).
BUILTIN_SPECS: tuple[str, ...] = ("mesecvi", "sisdehm")


def _text(value: Any) -> dict[str, str] | None:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else None


@validate_options
@dataclass(frozen=True)
class Level:
    """One level of the hierarchy, bottom (``indicator``) first.

    ``group_by`` names the indicator attribute whose values are this level's nodes
    (catalog-built hierarchies); the top level has none and holds one node, the index.
    ``aggregation`` and ``min_coverage`` apply to the nodes of this level (not to the
    bottom level, whose nodes are indicators).
    """

    id: str
    group_by: str | None = None
    aggregation: Aggregation = "arithmetic"
    min_coverage: float = 0.5
    names: Mapping[str, str] | None = None
    power: float | None = None
    method: Method | None = None

    def __post_init__(self) -> None:
        check_option("Level", "aggregation", self.aggregation, AGGREGATIONS)
        _check_power("Level", self.aggregation, self.power)
        if self.method is not None:
            check_option("Level", "method", self.method, METHODS)
        if not 0 <= float(self.min_coverage) <= 1:
            check_option("Level", "min_coverage", self.min_coverage, ["a number from 0 to 1"])


@validate_options
@dataclass(frozen=True)
class IndicatorSpec:
    """How one indicator enters the index.

    Fields left ``None`` are taken from the catalog's definition (unit, direction and
    its ``scoring`` block: goalposts, log, target, exclude). ``goalposts`` are given
    as ``(low, high)`` in the indicator's own unit, whatever its direction.
    """

    id: str
    parent: str | None = None
    weight: float = 1.0
    method: Method | None = None
    direction: Direction | None = None
    goalposts: tuple[float, float] | None = None
    cap: bool = True
    log: bool | None = None
    target: float | None = None
    across_years: bool = True
    points: Mapping[str, float] | None = None
    exclude: bool = False
    names: Mapping[str, str] | None = None
    multiplier: float = 1.0
    limits: tuple[float | None, float | None] | None = None
    reciprocal: bool = False
    reference: str | None = None
    by_group: Mapping[str, str | float] | None = None
    group_goalposts: Mapping[str, tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        where = f"IndicatorSpec({self.id!r})"
        if self.limits is not None:
            lo, hi = self.limits
            if lo is not None and hi is not None and not float(lo) < float(hi):
                check_option(where, "limits", list(self.limits), ["[floor, cap] with floor < cap"])
            object.__setattr__(self, "limits", (None if lo is None else float(lo), None if hi is None else float(hi)))
        if float(self.multiplier) == 0:
            check_option(where, "multiplier", self.multiplier, ["a number other than 0"])
        if self.method == "distance_reference" and not self.reference:
            check_option(where, "reference", self.reference, ["the country code the distance is measured to"])
        if self.group_goalposts:
            gps = {}
            for group, (low, high) in self.group_goalposts.items():
                if not float(low) < float(high):
                    check_option(where, f"group_goalposts[{group}]", [low, high], ["[low, high] with low < high"])
                gps[str(group)] = (float(low), float(high))
            object.__setattr__(self, "group_goalposts", gps)
        if self.method is not None:
            check_option(f"IndicatorSpec({self.id!r})", "method", self.method, METHODS)
        if self.direction is not None:
            check_option(f"IndicatorSpec({self.id!r})", "direction", self.direction, DIRECTIONS)
        if self.goalposts is not None:
            low, high = (float(v) for v in self.goalposts)
            if not low < high:
                check_option(f"IndicatorSpec({self.id!r})", "goalposts", list(self.goalposts),
                             ["[low, high] with low < high"])
            object.__setattr__(self, "goalposts", (low, high))
        if float(self.weight) < 0:
            check_option(f"IndicatorSpec({self.id!r})", "weight", self.weight, ["a number >= 0"])


@validate_options
@dataclass(frozen=True)
class Aggregate:
    """A node above the indicators in an explicit hierarchy."""

    id: str
    level: str
    parent: str | None = None
    weight: float = 1.0
    aggregation: Aggregation | None = None
    min_coverage: float | None = None
    names: Mapping[str, str] | None = None
    power: float | None = None
    method: Method | None = None

    def __post_init__(self) -> None:
        if self.method is not None:
            check_option(f"Aggregate({self.id!r})", "method", self.method, METHODS)
        if self.aggregation is not None:
            check_option(f"Aggregate({self.id!r})", "aggregation", self.aggregation, AGGREGATIONS)
            _check_power(f"Aggregate({self.id!r})", self.aggregation, self.power)


def _check_power(where: str, aggregation: str, power: float | None) -> None:
    if aggregation == "power" and (power is None or np.isnan(float(power))):
        allowed = "a number: the exponent of the power mean (1 arithmetic, 0 geometric, -1 harmonic)"
        check_option(where, "power", power, [allowed])


@validate_options
@dataclass(frozen=True)
class Imputation:
    """Imputation of missing indicator values: ``none`` (default) or one or more methods in order.

    ``locf`` carries a country's last observed value forward (at most ``max_years``
    years; ``None``: no limit); ``interpolate`` fills gaps between two observed rounds;
    ``mean`` and ``median`` use the other countries' values of the year, within the
    country's ``group`` (a column of the country codelist, e.g. ``subregion``) when given;
    ``regression`` draws ``imputations`` data sets by chained equations (statsmodels'
    MICE). Every imputed value is reported in :attr:`Scores.imputed`.

    >>> Imputation(method=("interpolate", "locf")).steps
    ('interpolate', 'locf')
    """

    method: str | tuple[str, ...] = "none"
    max_years: int | None = None
    group: str | None = None
    imputations: int = 5

    def __post_init__(self) -> None:
        from ._impute import IMPUTATION_METHODS

        if not isinstance(self.method, str):
            object.__setattr__(self, "method", tuple(str(m) for m in self.method))
        for step in self.steps:
            check_option("Imputation", "method", step, IMPUTATION_METHODS)
        if isinstance(self.imputations, bool) or int(self.imputations) < 1:
            check_option("Imputation", "imputations", self.imputations, ["an integer >= 1"])

    @property
    def steps(self) -> tuple[str, ...]:
        """The methods, in the order they run."""
        return (self.method,) if isinstance(self.method, str) else tuple(self.method)


@validate_options
@dataclass(frozen=True)
class Uncertainty:
    """The method's choices sampled in the sensitivity analysis (as COINr's ``get_sensitivity``).

    * ``weights``: every weight is multiplied by a uniform draw in ``[1 - w, 1 + w]``;
    * ``goalposts``: each fixed goalpost moves by a uniform draw in ``[-g, +g]`` times
      its range (in the transformed scale when ``log``);
    * ``aggregation``: for each named level, one of the listed means is drawn.
    """

    weights: float = 0.0
    goalposts: float = 0.0
    aggregation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    imputation: tuple[tuple[str, ...], ...] = ()
    normalisation: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        from ._impute import IMPUTATION_METHODS

        object.__setattr__(self, "normalisation", tuple(self.normalisation))
        for m in self.normalisation:
            check_option("Uncertainty.normalisation", "method", m, SWAPPABLE_METHODS)
        alternatives = tuple((a,) if isinstance(a, str) else tuple(a) for a in self.imputation)
        for alt in alternatives:
            for step in alt:
                check_option("Uncertainty.imputation", "method", step, IMPUTATION_METHODS)
        object.__setattr__(self, "imputation", alternatives)
        if not 0 <= self.weights < 1:
            check_option("Uncertainty", "weights", self.weights, ["a number in [0, 1)"])
        if not 0 <= self.goalposts < 0.5:
            check_option("Uncertainty", "goalposts", self.goalposts, ["a number in [0, 0.5)"])
        for level, options in self.aggregation.items():
            for opt in options:
                check_option(f"Uncertainty.aggregation[{level!r}]", "aggregation", opt, SWAPPABLE)
        object.__setattr__(self, "aggregation", {str(k): tuple(v) for k, v in self.aggregation.items()})

    @property
    def choices(self) -> tuple[str, ...]:
        """The active choices, in a fixed order."""
        out = []
        if self.weights > 0:
            out.append("weights")
        if self.goalposts > 0:
            out.append("goalposts")
        if any(len(v) > 1 for v in self.aggregation.values()):
            out.append("aggregation")
        if self.imputation:
            out.append("imputation")
        if self.normalisation:
            out.append("normalisation")
        return tuple(out)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, in the YAML format."""
        out: dict[str, Any] = {}
        if self.weights:
            out["weights"] = self.weights
        if self.goalposts:
            out["goalposts"] = self.goalposts
        if self.aggregation:
            out["aggregation"] = {k: list(v) for k, v in self.aggregation.items()}
        if self.imputation:
            out["imputation"] = [list(a) for a in self.imputation]
        if self.normalisation:
            out["normalisation"] = list(self.normalisation)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], levels: Sequence[str] = ()) -> Uncertainty:
        """Build from the YAML form; ``aggregation`` may be a list (all aggregate levels)."""
        given = data.get("aggregation") or {}
        agg: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        if isinstance(given, Sequence) and not isinstance(given, str):
            agg = {lvl: tuple(given) for lvl in levels}
        return cls(weights=float(data.get("weights", 0.0)), goalposts=float(data.get("goalposts", 0.0)),
                   aggregation={str(k): tuple(v) for k, v in agg.items()},
                   imputation=tuple((a,) if isinstance(a, str) else tuple(a) for a in data.get("imputation", ())),
                   normalisation=tuple(data.get("normalisation", ())))


@validate_options
@dataclass(frozen=True)
class IndexSpec:
    """A composite index: hierarchy, weights, normalisation, aggregation, coverage, imputation.

    ``scale`` is the top of the score range (100 by default: scores are 0-100; 1 for
    indices published on 0-1 such as the HDI). ``catalog`` names the indicator system
    the indicators come from (``mesecvi``, ``sisdehm``, a path to an overlay) or is
    ``None`` for a self-contained spec. With a catalog and no explicit ``indicators``
    list, every catalog indicator enters, minus ``exclude``. ``lower_is_better`` names
    the aggregates and combined results whose lowest score ranks first (an inequality
    index such as the GII); every other node ranks its highest score first.
    """

    id: str
    levels: tuple[Level, ...]
    indicators: tuple[IndicatorSpec, ...] = ()
    aggregates: tuple[Aggregate, ...] = ()
    catalog: str | None = None
    version: str = "1"
    names: Mapping[str, str] | None = None
    scale: float = 100.0
    weights: Mapping[str, float] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    without_goalposts: WithoutGoalposts = "exclude"
    imputation: Imputation = field(default_factory=Imputation)
    uncertainty: Uncertainty | None = None
    disaggregation: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] | None = None
    groups: Groups | None = None
    combine: tuple[Combine, ...] = ()
    treatment: Treatment | None = None
    lower_is_better: tuple[str, ...] = ()
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lower_is_better", tuple(self.lower_is_better))
        object.__setattr__(self, "levels", tuple(self.levels))
        object.__setattr__(self, "combine", tuple(self.combine))
        object.__setattr__(self, "indicators", tuple(self.indicators))
        object.__setattr__(self, "aggregates", tuple(self.aggregates))
        object.__setattr__(self, "exclude", tuple(self.exclude))
        where = self.source or f"IndexSpec({self.id!r})"
        if len(self.levels) < 2:
            raise definition_error(where, None, "levels", "an index needs at least two levels "
                                   "(the indicators and the index)", code="definition.index_levels")
        names = [lvl.id for lvl in self.levels]
        if len(set(names)) != len(names):
            raise definition_error(where, None, "levels", f"duplicate level ids in {names}",
                                   code="definition.index_levels")
        if self.levels[0].group_by or self.levels[-1].group_by:
            raise definition_error(where, None, "levels", "the bottom level (indicators) and the top level "
                                   "(the index) take no group_by", code="definition.index_levels")
        if not float(self.scale) > 0:
            raise definition_error(where, None, "scale", f"scale must be positive, got {self.scale!r}",
                                   code="definition.index_scale")
        check_option("IndexSpec", "without_goalposts", self.without_goalposts, get_args(WithoutGoalposts))
        grouped = [lvl.group_by is not None for lvl in self.levels[1:-1]]
        if any(grouped) and not all(grouped):
            raise definition_error(where, None, "levels", "either every middle level has group_by "
                                   "(catalog hierarchy) or none has (explicit hierarchy)",
                                   code="definition.index_levels")
        if self.explicit:
            if not self.indicators and self.catalog is None:
                raise definition_error(where, None, "indicators", "an explicit hierarchy lists its indicators",
                                       code="definition.index_indicators")
        elif self.aggregates or any(i.parent for i in self.indicators):
            raise definition_error(where, None, "aggregates", "a catalog hierarchy (levels with group_by) "
                                   "takes no 'aggregates' and no indicator 'parent'", code="definition.index_levels")
        if (self.groups is not None or self.combine) and not self.explicit:
            raise definition_error(where, None, "groups", "groups and combine steps need an explicit hierarchy "
                                   "(indicators with parents, aggregates)", code="definition.index_levels")
        for step in self.combine:
            if step.level is not None and step.level not in names[1:]:
                raise definition_error(where, None, f"combine[{step.id}].level", f"unknown level {step.level!r}",
                                       value=step.level, code="definition.index_levels")
            if (step.across or step.gap) and self.groups is None:
                raise definition_error(where, None, f"combine[{step.id}]", "'across' and 'gap' need 'groups'",
                                       code="definition.index_groups")
            if step.group is not None and self.groups is not None and step.group not in self.groups.codes:
                raise definition_error(where, None, f"combine[{step.id}].group", f"{step.group!r} is not one of "
                                       f"the groups {list(self.groups.codes)}", value=step.group,
                                       code="definition.index_groups")
        if self.uncertainty is not None:
            for lvl in self.uncertainty.aggregation:
                if lvl not in names[1:]:
                    raise definition_error(where, None, "uncertainty.aggregation",
                                           f"unknown level {lvl!r}; aggregate levels: {', '.join(names[1:])}",
                                           value=lvl, code="definition.index_levels")

    @property
    def explicit(self) -> bool:
        """True if the hierarchy is written out (parents), False if grouped from a catalog."""
        return not any(lvl.group_by for lvl in self.levels)

    @property
    def level_ids(self) -> tuple[str, ...]:
        """Level ids, bottom first."""
        return tuple(lvl.id for lvl in self.levels)

    def name(self, lang: Lang = "en") -> str:
        """The index's name in ``lang`` (its id if it has none)."""
        if not self.names:
            return self.id
        return self.names.get(lang) or self.names.get("en") or self.id

    # -- (de)serialisation -----------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data in the YAML format (``kind: index``)."""
        out: dict[str, Any] = {"kind": "index", "format_version": 1, "id": self.id, "version": self.version}
        if self.names:
            out["name"] = dict(self.names)
        if self.description:
            out["description"] = dict(self.description)
        if self.catalog:
            out["catalog"] = self.catalog
        out["scale"] = self.scale
        out["levels"] = [_drop_defaults(lvl, {"names": "name"}) for lvl in self.levels]
        if self.indicators:
            out["indicators"] = [_drop_defaults(i, {"names": "name"}) for i in self.indicators]
        if self.aggregates:
            out["aggregates"] = [_drop_defaults(a, {"names": "name"}) for a in self.aggregates]
        if self.weights:
            out["weights"] = dict(self.weights)
        if self.exclude:
            out["exclude"] = list(self.exclude)
        if self.without_goalposts != "exclude":
            out["without_goalposts"] = self.without_goalposts
        if self.imputation != Imputation():
            out["imputation"] = _drop_defaults(self.imputation, {})
        if self.uncertainty is not None:
            out["uncertainty"] = self.uncertainty.to_dict()
        if self.disaggregation:
            out["disaggregation"] = dict(self.disaggregation)
        if self.groups is not None:
            out["groups"] = self.groups.to_dict()
        if self.combine:
            out["combine"] = [c.to_dict() for c in self.combine]
        if self.treatment is not None:
            out["treatment"] = self.treatment.to_dict()
        if self.lower_is_better:
            out["lower_is_better"] = list(self.lower_is_better)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str | None = None) -> IndexSpec:
        """Build a spec from its YAML form (already schema-valid, or checked here by the dataclasses)."""
        levels = tuple(Level(id=lv["id"], group_by=lv.get("group_by"),
                             aggregation=lv.get("aggregation", "arithmetic"),
                             min_coverage=float(lv.get("min_coverage", 0.5)), names=_text(lv.get("name")),
                             power=lv.get("power"), method=lv.get("method"))
                       for lv in data["levels"])
        inds = []
        for item in data.get("indicators", ()):
            gp = item.get("goalposts")
            points = item.get("points")
            inds.append(IndicatorSpec(
                id=str(item["id"]), parent=item.get("parent"), weight=float(item.get("weight", 1.0)),
                method=item.get("method"), direction=item.get("direction"),
                goalposts=(float(gp[0]), float(gp[1])) if gp is not None else None,
                cap=bool(item.get("cap", True)), log=item.get("log"), target=item.get("target"),
                across_years=bool(item.get("across_years", True)),
                points={str(k): float(v) for k, v in points.items()} if points else None,
                exclude=bool(item.get("exclude", False)), names=_text(item.get("name")),
                multiplier=float(item.get("multiplier", 1.0)),
                limits=tuple(item["limits"]) if item.get("limits") is not None else None,  # type: ignore[arg-type]
                reciprocal=bool(item.get("reciprocal", False)), reference=item.get("reference"),
                by_group={str(k): v for k, v in item["by_group"].items()} if item.get("by_group") else None,
                group_goalposts={str(k): (float(v[0]), float(v[1])) for k, v in item["group_goalposts"].items()}
                if item.get("group_goalposts") else None))
        aggs = tuple(Aggregate(id=str(a["id"]), level=a["level"], parent=a.get("parent"),
                               weight=float(a.get("weight", 1.0)), aggregation=a.get("aggregation"),
                               min_coverage=a.get("min_coverage"), names=_text(a.get("name")), power=a.get("power"),
                               method=a.get("method"))
                     for a in data.get("aggregates", ()))
        imp = data.get("imputation") or {}
        unc = data.get("uncertainty")
        return cls(
            id=str(data["id"]), levels=levels, indicators=tuple(inds), aggregates=aggs,
            catalog=data.get("catalog"), version=str(data.get("version", "1")), names=_text(data.get("name")),
            scale=float(data.get("scale", 100.0)),
            weights={str(k): float(v) for k, v in (data.get("weights") or {}).items()},
            exclude=tuple(data.get("exclude", ())), without_goalposts=data.get("without_goalposts", "exclude"),
            imputation=Imputation(method=imp.get("method", "none") if isinstance(imp.get("method", "none"), str)
                                  else tuple(imp["method"]), max_years=imp.get("max_years"),
                                  group=imp.get("group"), imputations=int(imp.get("imputations", 5))),
            uncertainty=Uncertainty.from_dict(unc, [lv.id for lv in levels[1:]]) if unc else None,
            disaggregation={str(k): str(v) for k, v in (data.get("disaggregation") or {}).items()},
            description=_text(data.get("description")),
            groups=Groups(by=str(data["groups"]["by"]), codes=tuple(data["groups"]["codes"]))
            if data.get("groups") else None,
            combine=tuple(Combine.from_dict(c) for c in data.get("combine", ())),
            treatment=_treatment(data.get("treatment")),
            lower_is_better=tuple(str(u) for u in data.get("lower_is_better", ())), source=source,
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> IndexSpec:
        """Read and validate a ``kind: index`` YAML file.

        A schema problem raises :class:`~indicators.errors.DefinitionError` naming the
        file, the line and the field.
        """
        data = read_definition(path)
        check_kind(data, str(path), ("index",))
        return cls.from_dict(data, source=str(path))

    def replace(self, **changes: Any) -> IndexSpec:
        """A copy with some fields changed (the spec itself is immutable)."""
        return replace(self, **changes)


def _treatment(data: Mapping[str, Any] | None) -> Treatment | None:
    if data is None:
        return None
    return Treatment(winmax=int(data.get("winmax", 5)), skew=float(data.get("skew", 2.0)),
                     kurtosis=float(data.get("kurtosis", 3.5)), transform=data.get("transform", "log"),
                     indicators=tuple(data.get("indicators", ())))


def _drop_defaults(obj: Any, rename: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value == f.default or value is None:
            continue
        if isinstance(value, tuple):
            value = list(value)
        elif isinstance(value, Mapping):
            value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
        out[rename.get(f.name, f.name)] = value
    return out


@validate_options
def load_index_spec(spec: IndexSpec | str | Path, *, lang: Lang = "en") -> IndexSpec:
    """An :class:`IndexSpec` from itself, a built-in name (``mesecvi``, ``sisdehm``) or a YAML path.

    >>> load_index_spec("mesecvi").levels[-1].id
    'overall'
    """
    if isinstance(spec, IndexSpec):
        return spec
    text = str(spec)
    if isinstance(spec, str) and text in BUILTIN_SPECS:
        return IndexSpec.from_yaml(definitions_root() / text / "index.yaml")
    path = Path(text)
    if not path.suffix and not path.exists():
        raise not_found("scores.unknown_spec", text, BUILTIN_SPECS, lang)
    return IndexSpec.from_yaml(path)
