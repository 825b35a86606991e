"""SDMX data structure definitions: one generated from a catalog, and the global SDG one.

The catalog's structure (``OAS:DSD_MESECVI(1.0)`` for MESECVI) has the dimensions ``REF_AREA``
(ISO 3166-1 alpha-3), ``INDICATOR`` (the catalog's ids), one dimension per disaggregation the
catalog uses (its code list, ``_T`` for the total) and ``TIME_PERIOD``; the observation
attributes carry the unit, currency, status, precision, source and note. The SDG structure
follows the global SDG data structure through the mapping ``definitions/sdmx/sdg.yaml``.

>>> s = sdmx_layout("mesecvi")
>>> s.dimensions
('REF_AREA', 'INDICATOR', 'AGE_GROUP_BROAD', 'AREA', 'ETHNICITY', 'DISABILITY', 'TIME_PERIOD')
>>> s.structure_id
'OAS:DF_MESECVI(1.0)'
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from .._codes import error
from .._export import FIXED_TIME, safe_path
from .._options import validate_options
from ..catalog import Catalog, load_codelist
from ..i18n import Lang, check_lang
from ..values import DISAGGREGATIONS
from ._common import catalog_of

__all__ = ["SDG_AGENCY", "Layout", "sdg_mapping", "sdmx_layout", "sdmx_structure", "sdmx_module", "structure_objects"]

SDG_AGENCY = "IAEG-SDGs"
_AGENCY = "OAS"
_VERSION = "1.0"

#: Observation attributes of a catalog structure: (attribute id, values-table column or None for the unit).
CATALOG_ATTRIBUTES: tuple[tuple[str, str | None], ...] = (
    ("UNIT_MEASURE", None), ("CURRENCY", "currency"), ("OBS_STATUS", "status"), ("STANDARD_ERROR", "se"),
    ("LOWER_BOUND", "ci_low"), ("UPPER_BOUND", "ci_high"), ("COEF_VARIATION", "cv"), ("SAMPLE_SIZE", "n"),
    ("SOURCE_DETAIL", "source"), ("COMMENT_OBS", "note"),
)
#: Observation attributes written in the SDG form (the values-table columns it has room for).
SDG_ATTRIBUTES: tuple[tuple[str, str | None], ...] = (
    ("UNIT_MEASURE", None), ("LOWER_BOUND", "ci_low"), ("UPPER_BOUND", "ci_high"),
    ("SOURCE_DETAIL", "source"), ("COMMENT_OBS", "note"),
)
#: Attributes whose values are text a spreadsheet could run as a formula.
TEXT_ATTRIBUTES: tuple[str, ...] = ("CURRENCY", "SOURCE_DETAIL", "COMMENT_OBS")

Form = Literal["catalog", "sdg"]


def sdmx_module(lang: Lang = "en") -> Any:
    """The ``sdmx`` package (``sdmx1``), or an :class:`OptionError` naming the extra to install."""
    try:
        import sdmx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise error("exchange.missing_extra", lang, value="sdmx1", package="sdmx1", extra="sdmx",
                    expected="pip install 'belem-indicators[sdmx]'") from exc
    return sdmx


def _sdmx_id(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "_@$-" else "_" for ch in text.upper())


@cache
def sdg_mapping() -> dict[str, Any]:
    """The mapping of catalog indicators and columns to the global SDG data structure (read once).

    >>> sdg_mapping()["indicators"]["MESECVI-LEG-R02"]["series"]
    'SP_DYN_MRBF18'
    """
    from ..catalog._files import check_kind, definition_error, definitions_root, read_definition

    path = definitions_root() / "sdmx" / "sdg.yaml"
    data = read_definition(path)
    check_kind(data, str(path), ("sdmx_mapping",))
    dims = [str(d) for d in data["dimensions"]]
    for col, spec in data["columns"].items():
        if col not in DISAGGREGATIONS or spec.get("dimension") not in dims:
            raise definition_error(str(path), None, f"columns.{col}", "not a disaggregation mapped to a dimension",
                                   value=col, expected="a disaggregation column and an SDG dimension")
    for ind_id, spec in data["indicators"].items():
        if not isinstance(spec, dict) or "series" not in spec or any(d not in dims for d in spec.get("fixed", {})):
            raise definition_error(str(path), None, f"indicators.{ind_id}", "needs a series and known dimensions",
                                   value=ind_id, expected="{series: CODE, fixed: {DIMENSION: CODE}}")
    return {
        "structure": {k: str(v) for k, v in data["structure"].items()},
        "dimensions": tuple(dims),
        "defaults": {str(k): str(v) for k, v in data["defaults"].items()},
        "columns": {str(c): {"dimension": str(s["dimension"]), "codes": {str(a): str(b) for a, b in s["codes"].items()}}
                    for c, s in data["columns"].items()},
        "units": {str(k): str(v) for k, v in data["units"].items()},
        "indicators": {str(i): {"series": str(s["series"]),
                                "fixed": {str(k): str(v) for k, v in s.get("fixed", {}).items()}}
                       for i, s in data["indicators"].items()},
    }


@dataclass(frozen=True)
class Layout:
    """What a structure holds: its ids, dimensions, attributes and the codes each coded one allows."""

    form: Form
    agency: str
    dataflow: str
    dsd: str
    version: str
    dimensions: tuple[str, ...]
    attributes: tuple[tuple[str, str | None], ...]
    #: dimension -> values-table column (catalog form: every dimension but the SDG-only ones)
    columns: dict[str, str] = field(default_factory=dict)
    #: coded component -> {code: names by language}
    codes: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)

    @property
    def structure_id(self) -> str:
        """The dataflow's short URN, as SDMX-CSV writes it in ``STRUCTURE_ID``."""
        return f"{self.agency}:{self.dataflow}({self.version})"


def _names(texts: Any) -> dict[str, str]:
    if isinstance(texts, dict):
        return {str(k): str(v) for k, v in texts.items() if v}
    return {"en": str(texts)}


def _codelist_codes(list_id: str) -> dict[str, dict[str, str]]:
    codelist = load_codelist(list_id)
    out = {str(c["code"]): _names(c.get("name", c["code"])) for c in codelist.codes}
    if codelist.total_code and codelist.total_code not in out:
        out[codelist.total_code] = {"en": "Total", "es": "Total"}
    return out


_LAYOUTS: dict[str, Layout] = {}


def _catalog_layout(cat: Catalog) -> Layout:
    key = cat.fingerprint
    if key not in _LAYOUTS:
        _LAYOUTS[key] = _build_catalog_layout(cat)
    return _LAYOUTS[key]


def _build_catalog_layout(cat: Catalog) -> Layout:
    used = {d for i in cat for d in i.disaggregations}
    disaggs = [d for d in DISAGGREGATIONS if d in used]
    columns = {"REF_AREA": "country", "INDICATOR": "indicator", **{d.upper(): d for d in disaggs},
               "TIME_PERIOD": "year"}
    codes: dict[str, dict[str, dict[str, str]]] = {"REF_AREA": _codelist_codes("country")}
    indicators = {i.id: dict(i.titles) for i in cat}
    indicators.update({s.id: {lang: s.title(lang) for lang in ("en", "es")} for s in cat.signs})
    codes["INDICATOR"] = dict(sorted(indicators.items()))
    for d in disaggs:
        codes[d.upper()] = _codelist_codes(d)
    codes["OBS_STATUS"] = _codelist_codes("status")
    codes["UNIT_MEASURE"] = {u: {"en": u} for u in sorted({i.unit for i in cat})}
    ident = _sdmx_id(cat.id or "catalog")
    return Layout(form="catalog", agency=_AGENCY, dataflow="DF_" + ident, dsd="DSD_" + ident, version=_VERSION,
                  dimensions=tuple(columns), attributes=CATALOG_ATTRIBUTES, columns=columns, codes=codes,
                  name={"en": f"{cat.name('en')}: indicator values", "es": f"{cat.name('es')}: valores"})


@cache
def _sdg_layout() -> Layout:
    mapping = sdg_mapping()
    codes: dict[str, dict[str, dict[str, str]]] = {}
    countries = load_codelist("country").codes
    codes["REF_AREA"] = {str(int(c["m49"])): _names(c["name"]) for c in countries if c.get("m49")}
    codes["SERIES"] = {s["series"]: {"en": s["series"]} for s in mapping["indicators"].values()}
    for dim in mapping["dimensions"]:
        if dim in ("REF_AREA", "SERIES", "TIME_PERIOD"):
            continue
        values = {mapping["defaults"][dim]} if dim in mapping["defaults"] else set()
        for spec in mapping["columns"].values():
            if spec["dimension"] == dim:
                values.update(spec["codes"].values())
        for spec in mapping["indicators"].values():
            if dim in spec["fixed"]:
                values.add(spec["fixed"][dim])
        codes[dim] = {v: {"en": v} for v in sorted(values)}
    codes["UNIT_MEASURE"] = {u: {"en": u} for u in sorted(set(mapping["units"].values()))}
    columns = {"REF_AREA": "country", "TIME_PERIOD": "year",
               **{spec["dimension"]: col for col, spec in mapping["columns"].items()}}
    s = mapping["structure"]
    return Layout(form="sdg", agency=s["agency"], dataflow=s["dataflow"], dsd=s["dsd"], version=s["version"],
                  dimensions=mapping["dimensions"], attributes=SDG_ATTRIBUTES, columns=columns, codes=codes,
                  name={"en": "SDG global data structure (codes mapped from the catalog)"})


@validate_options
def sdmx_layout(catalog: Catalog | str = "mesecvi", dsd: Form = "catalog") -> Layout:
    """The :class:`Layout` of the catalog's generated structure (``dsd="catalog"``) or of the SDG one."""
    return _catalog_layout(catalog_of(catalog)) if dsd == "catalog" else _sdg_layout()


_OBJECTS: list[tuple[Layout, tuple[Any, Any, list[Any]]]] = []


def structure_objects(layout: Layout, lang: Lang = "en") -> tuple[Any, Any, list[Any]]:
    """The ``sdmx1`` objects of a layout: (data structure definition, dataflow, all maintainable artefacts).

    Built once per layout (the objects are only read afterwards)."""
    for known, objects in _OBJECTS:
        if known is layout:
            return objects
    objects = _build_objects(layout, lang)
    _OBJECTS.append((layout, objects))
    return objects


def _build_objects(layout: Layout, lang: Lang) -> tuple[Any, Any, list[Any]]:
    sdmx = sdmx_module(lang)
    from sdmx.model import common, v21

    agency = common.Agency(id=layout.agency)
    kw: dict[str, Any] = {"maintainer": agency, "version": layout.version, "is_final": True}

    def text(names: dict[str, str]) -> Any:
        return common.InternationalString(names)

    concepts = common.ConceptScheme(id="CS_" + layout.dsd, name=text(layout.name), **kw)
    codelists: dict[str, Any] = {}
    for comp, codes in layout.codes.items():
        cl = common.Codelist(id=f"CL_{layout.dsd}_{comp}", name=text({"en": comp}), **kw)
        for code, names in codes.items():
            cl.append(common.Code(id=code, name=text(names or {"en": code})))
        codelists[comp] = cl

    def concept(cid: str) -> Any:
        if cid not in concepts:
            concepts.append(common.Concept(id=cid, name=text({"en": cid})))
        return concepts.get(cid)

    def representation(cid: str) -> Any:
        return common.Representation(enumerated=codelists[cid]) if cid in codelists else None

    dsd = v21.DataStructureDefinition(id=layout.dsd, name=text(layout.name), **kw)
    for order, dim in enumerate(layout.dimensions):
        cls = common.TimeDimension if dim == "TIME_PERIOD" else common.Dimension
        dsd.dimensions.append(cls(id=dim, order=order, concept_identity=concept(dim),
                                  local_representation=representation(dim)))
    dsd.measures.append(v21.PrimaryMeasure(id="OBS_VALUE", concept_identity=concept("OBS_VALUE")))
    for attr, _col in layout.attributes:
        dsd.attributes.append(v21.DataAttribute(
            id=attr, concept_identity=concept(attr), local_representation=representation(attr),
            related_to=v21.PrimaryMeasureRelationship(), usage_status=v21.UsageStatus.conditional))
    flow = v21.DataflowDefinition(id=layout.dataflow, name=text(layout.name), structure=dsd, **kw)
    del sdmx
    return dsd, flow, [*codelists.values(), concepts, dsd, flow]


def header(layout: Layout, prepared: datetime.date | None, lang: Lang = "en") -> Any:
    """A message header that holds no time of writing unless the user gives one (same input, same bytes)."""
    sdmx_module(lang)
    from sdmx import message as sdmx_message
    from sdmx.model import common

    when = FIXED_TIME if prepared is None else datetime.datetime(prepared.year, prepared.month, prepared.day)
    return sdmx_message.Header(id=f"{layout.dataflow}_{when:%Y%m%d}", prepared=when,
                               sender=common.Agency(id=_AGENCY), test=False)


@validate_options
def sdmx_structure(
    folder: str | Path,
    *,
    catalog: Catalog | str = "mesecvi",
    dsd: Form = "catalog",
    name: str = "structure.xml",
    prepared: datetime.date | None = None,
    lang: Lang = "en",
) -> Path:
    """Write the data structure definition (with its code lists, concepts and dataflow) as an SDMX-ML 2.1
    structure message in ``folder``; return the path of the file.

    The structure is the one :func:`to_sdmx` writes data against: generated from ``catalog``
    (``dsd="catalog"``) or the global SDG structure with the codes the mapping uses
    (``dsd="sdg"``). The same input gives the same bytes.

    >>> import tempfile
    >>> path = sdmx_structure(tempfile.mkdtemp(), catalog="mesecvi")
    >>> b'id="DSD_MESECVI"' in path.read_bytes()
    True
    """
    lang = check_lang(lang, "sdmx_structure")
    sdmx = sdmx_module(lang)
    from sdmx import message as sdmx_message

    layout = sdmx_layout(catalog, dsd)
    _dsd, _flow, artefacts = structure_objects(layout, lang)
    msg = sdmx_message.StructureMessage(header=header(layout, prepared, lang))
    for obj in artefacts:
        msg.add(obj)
    target = safe_path(folder, name)
    data = sdmx.to_xml(msg, pretty_print=True, xml_declaration=True, encoding="utf-8")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target
