"""Index specifications across groups: sub-indices per group and the steps that combine them.

A spec with ``groups`` builds its explicit hierarchy once per group of a disaggregation
(``sex``: ``F`` and ``M``): indicator ``X`` becomes the nodes ``X@F`` and ``X@M``, read from
the rows whose ``sex`` cell is ``F`` or ``M``; aggregate ``A`` becomes ``A@F`` and ``A@M``.
``combine`` steps then compute nodes from those, in order:

* ``across``: a mean of one node over the groups (``aggregation``, optional ``power``);
* ``of``: a weighted mean of listed nodes;
* ``ratio`` / ``difference``: ``a / b`` or ``a - b`` of two nodes;
* ``gap``: ``1 - |x_g / x̄ - 1|`` for one group ``g`` of a node, ``x̄`` its mean over the groups
  (EIGE's gap score);

each optionally followed by ``complement`` (``1 - x``), ``reciprocal`` (``1 / x``) and
``limits`` (a floor and a cap), none of which rescales.

>>> Combine(id="harm", across="g", aggregation="harmonic").kind
'across'
>>> Combine(id="gii", ratio=("harm", "ref"), complement=True).inputs(("F", "M"))
('harm', 'ref')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..i18n import check_option

if TYPE_CHECKING:
    from ._spec import Aggregation

__all__ = ["Combine", "Groups", "group_node"]

COMBINE_KINDS: tuple[str, ...] = ("across", "of", "ratio", "difference", "gap")


def group_node(node: str, group: str) -> str:
    """The id of ``node`` in group ``group``.

    >>> group_node("health", "F")
    'health@F'
    """
    return f"{node}@{group}"


@dataclass(frozen=True)
class Groups:
    """Build the hierarchy once per code of the disaggregation column ``by``."""

    by: str
    codes: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(str(c) for c in self.codes))
        if len(self.codes) < 2 or len(set(self.codes)) != len(self.codes):
            check_option("Groups", "codes", list(self.codes), ["two or more distinct codes"])

    def to_dict(self) -> dict[str, Any]:
        """Plain data, in the YAML format."""
        return {"by": self.by, "codes": list(self.codes)}


@dataclass(frozen=True)
class Combine:
    """One step computing a node from others (see the module docstring)."""

    id: str
    level: str | None = None
    across: str | None = None
    of: tuple[str, ...] = ()
    ratio: tuple[str, str] | None = None
    difference: tuple[str, str] | None = None
    gap: str | None = None
    group: str | None = None
    aggregation: Aggregation = "arithmetic"
    power: float | None = None
    weights: Mapping[str, float] = field(default_factory=dict)
    complement: bool = False
    reciprocal: bool = False
    limits: tuple[float | None, float | None] | None = None
    names: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        from ._spec import AGGREGATIONS

        object.__setattr__(self, "of", tuple(self.of))
        for name in ("ratio", "difference", "limits"):
            value = getattr(self, name)
            if value is not None:
                if len(value) != 2:
                    check_option(f"Combine({self.id!r})", name, list(value), ["a pair [a, b]"])
                object.__setattr__(self, name, tuple(value))
        given = [k for k in COMBINE_KINDS if getattr(self, k)]
        if len(given) != 1:
            check_option(f"Combine({self.id!r})", "kind", given, ["exactly one of " + ", ".join(COMBINE_KINDS)])
        check_option(f"Combine({self.id!r})", "aggregation", self.aggregation, AGGREGATIONS)
        if self.aggregation == "power" and self.power is None:
            check_option(f"Combine({self.id!r})", "power", None, ["a number (the power mean's exponent)"])
        if self.gap and not self.group:
            check_option(f"Combine({self.id!r})", "group", None, ["the group whose gap is scored"])

    @property
    def kind(self) -> str:
        """Which of ``across``, ``of``, ``ratio``, ``difference``, ``gap`` this step is."""
        return next(k for k in COMBINE_KINDS if getattr(self, k))

    def inputs(self, codes: Sequence[str]) -> tuple[str, ...]:
        """The node ids this step reads, given the group codes."""
        if self.across:
            return tuple(group_node(self.across, g) for g in codes)
        if self.gap:
            return tuple(group_node(self.gap, g) for g in codes)
        if self.ratio:
            return self.ratio
        if self.difference:
            return self.difference
        return self.of

    def to_dict(self) -> dict[str, Any]:
        """Plain data, in the YAML format."""
        out: dict[str, Any] = {"id": self.id}
        for name in ("level", "across", "gap", "group", "power"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        for name in ("of", "ratio", "difference", "limits"):
            if getattr(self, name):
                out[name] = list(getattr(self, name))
        if self.aggregation != "arithmetic":
            out["aggregation"] = self.aggregation
        if self.weights:
            out["weights"] = dict(self.weights)
        if self.complement:
            out["complement"] = True
        if self.reciprocal:
            out["reciprocal"] = True
        if self.names:
            out["name"] = dict(self.names)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Combine:
        """Build from the YAML form."""
        def pair(key: str) -> Any:
            value = data.get(key)
            return tuple(value) if value is not None else None
        names = data.get("name")
        return cls(id=str(data["id"]), level=data.get("level"), across=data.get("across"),
                   of=tuple(data.get("of", ())), ratio=pair("ratio"), difference=pair("difference"),
                   gap=data.get("gap"), group=data.get("group"),
                   aggregation=data.get("aggregation", "arithmetic"), power=data.get("power"),
                   weights={str(k): float(v) for k, v in (data.get("weights") or {}).items()},
                   complement=bool(data.get("complement", False)), reciprocal=bool(data.get("reciprocal", False)),
                   limits=pair("limits"),
                   names={str(k): str(v) for k, v in names.items()} if isinstance(names, Mapping) else None)
