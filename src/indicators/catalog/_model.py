"""Indicator systems as data: :class:`System`, :class:`Indicator`, :class:`Catalog`.

A catalog is one indicator system (MESECVI or SISDEHM) or a national adaptation of
one (an overlay). It is immutable: filters return new catalogs.

>>> import indicators as ind
>>> cat = ind.load_catalog("mesecvi")
>>> [a.id for a in cat.areas][:2]
['legislation', 'national_plans']
>>> cat["MESECVI-LEG-S01"].title("es")
'Incorporación de la Convención de Belém do Pará en el ordenamiento jurídico nacional'
>>> len(cat.filter(area="legislation", type="structural")) >= 1
True
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from .._codes import not_found
from .._options import validate_options
from ..i18n import FALLBACK, Lang, check_lang, check_option

__all__ = ["Area", "System", "Indicator", "SignOfProgress", "Catalog", "Codelist"]

IndicatorType = Literal["structural", "process", "outcome"]
Category = Literal["incorporation_of_the_right", "financial_context", "state_capacities"]
Direction = Literal["higher_is_better", "lower_is_better", "neutral"]
Provenance = Literal["official", "adapted", "proposed"]
BUILTIN_SYSTEMS: tuple[str, ...] = ("mesecvi", "sisdehm")


def _text(texts: Mapping[str, str], lang: str) -> str:
    check_lang(lang)
    return texts.get(lang) or texts.get(FALLBACK) or next(iter(texts.values()), "")


@validate_options
@dataclass(frozen=True)
class Area:
    """A focus area (MESECVI) or rights area (SISDEHM)."""

    id: str
    code: str
    order: int
    names: Mapping[str, str]

    def name(self, lang: Lang = "en") -> str:
        """The area's name in ``lang`` (English if that language is missing)."""
        return _text(self.names, lang)


@validate_options
@dataclass(frozen=True)
class System:
    """An indicator system's header: id, version, names, areas, types and categories."""

    id: str
    version: str
    names: Mapping[str, str]
    reference: str
    areas: tuple[Area, ...]
    types: Mapping[str, Mapping[str, str]]
    categories: Mapping[str, Mapping[str, str]]
    #: Texts in further languages that are not official, by language: who translated them, the note
    #: shown to readers (in that language) and the file (see :meth:`Catalog.translation`).
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, compare=False)

    def name(self, lang: Lang = "en") -> str:
        """The system's name in ``lang``."""
        return _text(self.names, lang)


@validate_options
@dataclass(frozen=True)
class Indicator:
    """One indicator definition. Texts are read with :meth:`title` and :meth:`definition`."""

    id: str
    system: str
    area: str
    type: IndicatorType
    category: Category
    titles: Mapping[str, str]
    definitions: Mapping[str, str]
    unit: str
    direction: Direction
    provenance: Provenance
    reference: str
    unit_base: float | None = None
    unit_labels: Mapping[str, str] | None = None
    currency: str | None = None
    categories: tuple[Mapping[str, Any], ...] = ()
    bounds: tuple[float | None, float | None] | None = None
    formula: Mapping[str, Any] | None = None
    disaggregations: tuple[str, ...] = ()
    sources: tuple[Any, ...] = ()
    periodicity: str | None = None
    estimation: Mapping[str, Any] | None = None
    scoring: Mapping[str, Any] | None = None
    tags: tuple[str, ...] = ()
    notes: Mapping[str, str] | None = None

    def title(self, lang: Lang = "en") -> str:
        """The indicator's title in ``lang`` (``en``, ``es``; ``pt``, ``fr`` fall back to English)."""
        return _text(self.titles, lang)

    def definition(self, lang: Lang = "en") -> str:
        """The indicator's definition in ``lang``."""
        return _text(self.definitions, lang)

    def unit_label(self, lang: Lang = "en") -> str:
        """A short unit label, e.g. 'per 100,000 women' for a rate."""
        if self.unit_labels:
            return _text(self.unit_labels, lang)
        return self.unit if self.currency is None else f"{self.unit} ({self.currency})"

    def source_texts(self, lang: Lang = "en") -> list[str]:
        """Suggested sources as text in ``lang``."""
        return [s if isinstance(s, str) else _text(s, lang) for s in self.sources]

    def to_dict(self) -> dict[str, Any]:
        """The definition as plain data, in the YAML format."""
        out: dict[str, Any] = {
            "id": self.id, "area": self.area, "type": self.type, "category": self.category,
            "title": dict(self.titles), "definition": dict(self.definitions), "unit": self.unit,
        }
        if self.unit_base is not None:
            out["unit_base"] = self.unit_base
        if self.unit_labels:
            out["unit_label"] = dict(self.unit_labels)
        if self.currency:
            out["currency"] = self.currency
        if self.categories:
            out["categories"] = [_plain(c) for c in self.categories]
        if self.bounds is not None:
            out["bounds"] = list(self.bounds)
        out["direction"] = self.direction
        for key in ("formula", "estimation", "scoring"):
            if getattr(self, key) is not None:
                out[key] = _plain(getattr(self, key))
        if self.disaggregations:
            out["disaggregations"] = list(self.disaggregations)
        if self.sources:
            out["sources"] = [_plain(s) for s in self.sources]
        out["provenance"] = self.provenance
        out["reference"] = self.reference
        if self.periodicity:
            out["periodicity"] = self.periodicity
        if self.tags:
            out["tags"] = list(self.tags)
        if self.notes:
            out["notes"] = dict(self.notes)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], system: str) -> Indicator:
        """Build an indicator from a (schema-valid) mapping."""
        return cls(
            id=data["id"], system=system, area=data["area"], type=data["type"],
            category=data["category"], titles=_plain(data["title"]),
            definitions=_plain(data["definition"]), unit=data["unit"],
            direction=data["direction"], provenance=data["provenance"],
            reference=data["reference"], unit_base=data.get("unit_base"),
            unit_labels=_plain(data["unit_label"]) if data.get("unit_label") else None,
            currency=data.get("currency"),
            categories=tuple(_plain(c) for c in data.get("categories", ())),
            bounds=(data["bounds"][0], data["bounds"][1]) if data.get("bounds") is not None else None,
            formula=_plain(data["formula"]) if data.get("formula") else None,
            disaggregations=tuple(data.get("disaggregations", ())),
            sources=tuple(_plain(s) for s in data.get("sources", ())),
            periodicity=data.get("periodicity"),
            estimation=_plain(data["estimation"]) if data.get("estimation") else None,
            scoring=_plain(data["scoring"]) if data.get("scoring") else None,
            tags=tuple(data.get("tags", ())),
            notes=_plain(data["notes"]) if data.get("notes") else None,
        )


@validate_options
@dataclass(frozen=True)
class SignOfProgress:
    """A qualitative sign of progress: recorded as text with a date and source, never scored."""

    id: str
    system: str
    area: str
    titles: Mapping[str, str]
    provenance: Provenance
    reference: str
    descriptions: Mapping[str, str] | None = None
    tags: tuple[str, ...] = ()

    def title(self, lang: Lang = "en") -> str:
        """The sign's title in ``lang``."""
        return _text(self.titles, lang)

    def description(self, lang: Lang = "en") -> str:
        """The sign's description in ``lang`` (empty if none)."""
        return _text(self.descriptions, lang) if self.descriptions else ""


def _plain(value: Any) -> Any:
    """Turn loader containers into plain dicts and lists (deep)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@validate_options
@dataclass(frozen=True)
class Catalog:
    """An immutable set of indicator definitions of one system, in catalog order.

    Iterate over it for :class:`Indicator` objects; ``cat[id]`` for one.
    """

    system: System
    indicators: tuple[Indicator, ...]
    signs: tuple[SignOfProgress, ...] = ()
    id: str = ""
    version: str = ""
    base: str | None = None
    sources: tuple[str, ...] = field(default=(), compare=False)
    #: National codelists an overlay adds, by id.
    codelists: Mapping[str, Codelist] = field(default_factory=dict, compare=False, repr=False)
    #: National columns an overlay declares: ``(column, codelist id, aliases)``; ``region`` for the
    #: sub-national unit, any other column a national disaggregation.
    national_columns: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    #: The language of this catalog's messages (an unknown id, …); set by ``load_catalog(lang=)``.
    lang: Lang = field(default="en", compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", self.system.id)
        if not self.version:
            object.__setattr__(self, "version", self.system.version)
        object.__setattr__(self, "_by_id", {i.id: i for i in self.indicators})

    # -- mapping-like access -------------------------------------------------
    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, key: object) -> bool:
        return key in self._by_id  # type: ignore[attr-defined]

    def __getitem__(self, key: str) -> Indicator:
        try:
            return self._by_id[key]  # type: ignore[attr-defined, no-any-return]
        except (KeyError, TypeError):
            raise not_found("catalog.unknown_indicator", key, self._by_id, self.lang,  # type: ignore[attr-defined]
                            catalog=self.label) from None

    def get(self, key: str, default: Indicator | None = None) -> Indicator | None:
        """The indicator ``key``, or ``default`` if the catalog has none."""
        return self._by_id.get(key, default)  # type: ignore[attr-defined, no-any-return]

    def codelist(self, codelist_id: str) -> Codelist:
        """A codelist by id: the overlay's national ones first, then the shipped ones.

        >>> from indicators import load_catalog
        >>> load_catalog("mesecvi").codelist("sex").label("F", "es")
        'Mujeres'
        """
        if codelist_id in self.codelists:
            return self.codelists[codelist_id]
        from ._loading import load_codelist

        return load_codelist(codelist_id)

    @property
    def ids(self) -> list[str]:
        """Indicator ids in catalog order."""
        return [i.id for i in self.indicators]

    @property
    def label(self) -> str:
        """``id@version``, as overlays name their base."""
        return f"{self.id}@{self.version}"

    def translation(self, lang: Lang) -> Mapping[str, Any] | None:
        """How the texts in ``lang`` were made: ``None`` for the official languages (English,
        Spanish), else who translated them and the note readers are shown, in ``lang``.

        >>> from indicators import load_catalog
        >>> cat = load_catalog("mesecvi")
        >>> cat.translation("es") is None, cat.translation("pt")["official"]
        (True, False)
        """
        check_lang(lang)
        found = self.system.translations.get(lang)
        return dict(found) if found else None

    @property
    def areas(self) -> tuple[Area, ...]:
        """The system's areas, in order."""
        return self.system.areas

    def area(self, area_id: str) -> Area:
        """One area by id."""
        for a in self.system.areas:
            if a.id == area_id:
                return a
        raise not_found("catalog.unknown_area", area_id, [a.id for a in self.areas], self.lang, catalog=self.label)

    def name(self, lang: Lang = "en") -> str:
        """The system's name in ``lang``."""
        return self.system.name(lang)

    def type_name(self, type_id: str, lang: Lang = "en") -> str:
        """Label of an indicator type (structural, process, outcome) in ``lang``."""
        return _text(self.system.types[type_id], lang)

    def category_name(self, category_id: str, lang: Lang = "en") -> str:
        """Label of a category in ``lang``."""
        return _text(self.system.categories[category_id], lang)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the catalog's definitions: two catalogs with the same fingerprint are equal."""
        payload = json.dumps(
            {"id": self.id, "version": self.version, "indicators": [i.to_dict() for i in self.indicators]},
            sort_keys=True, ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    # -- queries ---------------------------------------------------------------
    def filter(
        self,
        *,
        area: str | Sequence[str] | None = None,
        type: str | Sequence[str] | None = None,  # noqa: A002 - the definitions' own word
        category: str | Sequence[str] | None = None,
        tag: str | Sequence[str] | None = None,
        provenance: Provenance | Sequence[Provenance] | None = None,
        estimable: bool | None = None,
    ) -> Catalog:
        """A new catalog with the indicators that match every criterion given.

        A criterion may be one value or several (any of them matches). A tag
        matches exactly (``sdg:5.2.1``) or by its prefix before ``:`` (``sdg``).
        """
        def as_set(v: str | Sequence[str] | None, name: str, allowed: Sequence[str] | None) -> set[str] | None:
            if v is None:
                return None
            values = {v} if isinstance(v, str) else set(v)
            if allowed is not None:
                for item in values:
                    check_option("Catalog.filter", name, item, allowed)
            return values

        areas = as_set(area, "area", [a.id for a in self.areas])
        types = as_set(type, "type", list(self.system.types))
        cats = as_set(category, "category", list(self.system.categories))
        tags = as_set(tag, "tag", None)
        provs = as_set(provenance, "provenance", ["official", "adapted", "proposed"])

        def keep(i: Indicator) -> bool:
            if areas is not None and i.area not in areas:
                return False
            if types is not None and i.type not in types:
                return False
            if cats is not None and i.category not in cats:
                return False
            if provs is not None and i.provenance not in provs:
                return False
            if estimable is not None and (i.estimation is not None) != estimable:
                return False
            if tags is not None and not any(t in tags or t.split(":")[0] in tags for t in i.tags):
                return False
            return True

        return replace(self, indicators=tuple(i for i in self.indicators if keep(i)),
                       signs=tuple(s for s in self.signs if areas is None or s.area in areas))

    def to_frame(self, lang: Lang = "en") -> pd.DataFrame:
        """One row per indicator, with labels in ``lang``.

        Columns: ``id, system, area, area_name, type, type_name, category, category_name,
        title, definition, unit, unit_label, direction, provenance, reference,
        disaggregations, tags, estimable``.
        """
        check_lang(lang)
        area_names = {a.id: a.name(lang) for a in self.areas}
        rows = [{
            "id": i.id, "system": self.id, "area": i.area, "area_name": area_names[i.area],
            "type": i.type, "type_name": self.type_name(i.type, lang),
            "category": i.category, "category_name": self.category_name(i.category, lang),
            "title": i.title(lang), "definition": i.definition(lang), "unit": i.unit,
            "unit_label": i.unit_label(lang), "direction": i.direction, "provenance": i.provenance,
            "reference": i.reference, "disaggregations": ", ".join(i.disaggregations),
            "tags": ", ".join(i.tags), "estimable": i.estimation is not None,
        } for i in self.indicators]
        columns = ["id", "system", "area", "area_name", "type", "type_name", "category",
                   "category_name", "title", "definition", "unit", "unit_label", "direction",
                   "provenance", "reference", "disaggregations", "tags", "estimable"]
        return pd.DataFrame(rows, columns=columns)

    def signs_frame(self, lang: Lang = "en") -> pd.DataFrame:
        """One row per qualitative sign of progress, with labels in ``lang``."""
        check_lang(lang)
        area_names = {a.id: a.name(lang) for a in self.areas}
        return pd.DataFrame(
            [{"id": s.id, "system": self.id, "area": s.area, "area_name": area_names[s.area],
              "title": s.title(lang), "description": s.description(lang),
              "provenance": s.provenance, "reference": s.reference} for s in self.signs],
            columns=["id", "system", "area", "area_name", "title", "description", "provenance", "reference"],
        )

    def __repr__(self) -> str:
        return f"<Catalog {self.label}: {len(self)} indicators, {len(self.signs)} signs of progress>"


# -- codelists -------------------------------------------------------------------

@validate_options
@dataclass(frozen=True)
class Codelist:
    """A list of codes (countries, age groups, …) with names in several languages."""

    id: str
    version: str
    names: Mapping[str, str]
    codes: tuple[Mapping[str, Any], ...]
    total_code: str | None = None

    def __contains__(self, code: object) -> bool:
        return code in self._index  # type: ignore[attr-defined]

    def __post_init__(self) -> None:
        index: dict[str, Mapping[str, Any]] = {}
        for c in self.codes:
            index[str(c["code"])] = c
        object.__setattr__(self, "_index", index)
        aliases: dict[str, str] = {}
        for c in self.codes:
            for alias in [*c.get("aliases", ()), *c["name"].values()]:
                aliases.setdefault(_fold(alias), str(c["code"]))
            aliases.setdefault(_fold(str(c["code"])), str(c["code"]))
        object.__setattr__(self, "_aliases", aliases)

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)  # type: ignore[attr-defined]

    def name(self, lang: Lang = "en") -> str:
        """The codelist's own name."""
        return _text(self.names, lang)

    def label(self, code: str, lang: Lang = "en") -> str:
        """The name of ``code`` in ``lang``."""
        try:
            entry = self._index[code]  # type: ignore[attr-defined]
        except (KeyError, TypeError):
            raise not_found("catalog.unknown_code", code, self._index, lang, codelist=self.id) from None  # type: ignore[attr-defined]
        return _text(entry["name"], lang)

    def resolve(self, text: str) -> str | None:
        """The code for a code, a name in any language or an alias (case- and accent-blind)."""
        return self._aliases.get(_fold(str(text)))  # type: ignore[attr-defined, no-any-return]

    def to_frame(self, lang: Lang = "en") -> pd.DataFrame:
        """One row per code: ``code, name`` and any other attributes."""
        rows = []
        for c in self.codes:
            row = {"code": str(c["code"]), "name": _text(c["name"], lang)}
            row.update({k: v for k, v in c.items() if k not in ("code", "name", "aliases")})
            rows.append(row)
        return pd.DataFrame(rows)


def _fold(text: str) -> str:
    import unicodedata

    norm = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in norm if not unicodedata.combining(ch))
