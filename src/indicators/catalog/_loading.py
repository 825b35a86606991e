"""Loading catalogs and codelists: the shipped systems, folders of definitions, overlays.

A built-in system is read from the definitions shipped with the package; a national
adaptation is an overlay YAML that names its base system and adds, replaces or removes
indicators. Every file is checked against the definitions schema on load.

>>> from indicators.catalog import load_catalog
>>> load_catalog("mesecvi").id
'mesecvi'
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from .._codes import error, not_found
from .._limits import Limits, resolve_limits
from .._options import validate_options
from ..i18n import Lang
from ._expressions import Expression, ExpressionError
from ._files import LineDict, check_kind, definition_error, definitions_root, read_definition
from ._model import (
    BUILTIN_SYSTEMS,
    Area,
    Catalog,
    Codelist,
    Indicator,
    SignOfProgress,
    System,
    _plain,
)

__all__ = ["codelist_ids", "load_catalog", "load_codelist"]


@cache
def codelist_ids() -> tuple[str, ...]:
    """The ids of the shipped codelists."""
    folder = definitions_root() / "codelists"
    return tuple(sorted(p.stem for p in folder.glob("*.yaml"))) if folder.is_dir() else ()


@validate_options
def load_codelist(codelist_id: str, *, lang: Lang = "en") -> Codelist:
    """Load a shipped codelist by id (``country``, ``sex``, ``age_group``, …).

    An unknown id raises :class:`~indicators.errors.NotFoundError` in ``lang``, with the
    closest ids.

    >>> from indicators import load_codelist
    >>> load_codelist("country").label("PER", "es")
    'Perú'
    """
    if codelist_id not in codelist_ids():
        raise not_found("catalog.unknown_codelist", codelist_id, codelist_ids(), lang)
    return _load_codelist(codelist_id)


@cache
def _load_codelist(codelist_id: str) -> Codelist:
    """Load a shipped codelist by id (``country``, ``sex``, ``age_group``, …).

    """
    path = definitions_root() / "codelists" / f"{codelist_id}.yaml"
    data = read_definition(path)
    check_kind(data, str(path), ("codelist",))
    seen: set[str] = set()
    for pos, c in enumerate(data["codes"]):
        code = str(c["code"])
        if code in seen:
            raise definition_error(str(path), data["codes"].item_lines[pos], f"codes[{pos}].code",
                                   f"duplicate code {code!r}", value=code, code="definition.duplicate_code")
        seen.add(code)
    return Codelist(id=data["id"], version=data["version"], names=_plain(data["name"]),
                    codes=tuple(_plain(c) for c in data["codes"]), total_code=data.get("total_code"))


# -- loading -------------------------------------------------------------------------

def _system_from(data: LineDict) -> System:
    return System(
        id=data["id"], version=str(data["version"]), names=_plain(data["name"]),
        reference=data["reference"],
        areas=tuple(sorted((Area(a["id"], a["code"], a["order"], _plain(a["name"])) for a in data["areas"]),
                           key=lambda a: a.order)),
        types={t["id"]: _plain(t["name"]) for t in data["types"]},
        categories={c["id"]: _plain(c["name"]) for c in data["categories"]},
    )


def _check_indicator(ind: Mapping[str, Any], system: System, file: str, line: int | None,
                     where: str, national: tuple[str, ...] = ()) -> None:
    """Checks the schema cannot express: area known, expressions parse, codelists known."""
    areas = [a.id for a in system.areas]
    if ind["area"] not in areas:
        raise definition_error(file, line, f"{where}.area", f"unknown area {ind['area']!r}; the areas of "
                               f"{system.id} are {', '.join(areas)}", value=ind["area"],
                               expected=", ".join(areas), code="definition.unknown_area")
    bounds = ind.get("bounds")
    if bounds is not None and None not in bounds and not bounds[0] < bounds[1]:
        raise definition_error(file, line, f"{where}.bounds", f"bounds [{bounds[0]}, {bounds[1]}]: the lower end "
                               "must be below the upper end", value=str(list(bounds)), expected="[lo, hi] with lo < hi",
                               code="definition.bounds")
    known_lists = (*codelist_ids(), *national)
    for d in ind.get("disaggregations", ()):
        if known_lists and d not in known_lists:
            raise definition_error(file, line, f"{where}.disaggregations", f"unknown disaggregation {d!r}; "
                                   f"known: {', '.join(known_lists)}", value=d,
                                   expected=", ".join(known_lists), code="definition.unknown_codelist")
    formula = ind.get("formula")
    try:
        if formula:
            inputs = {i["name"] for i in formula["inputs"]}
            for part in ("numerator", "denominator"):
                if part in formula:
                    unknown = Expression(formula[part]).names - inputs
                    if unknown:
                        raise ExpressionError(f"{part} uses {', '.join(sorted(unknown))}, not among the "
                                              f"formula's inputs ({', '.join(sorted(inputs))})")
        est = ind.get("estimation")
        if est:
            for part in ("expression", "universe", "denominator"):
                if part in est:
                    Expression(est[part])
    except ExpressionError as exc:
        raise definition_error(file, line, f"{where}.formula" if formula else f"{where}.estimation",
                               str(exc), code="definition.expression") from None


@cache
def _load_system(folder: str) -> Catalog:
    root = Path(folder)
    sys_path = root / "system.yaml"
    data = read_definition(sys_path)
    check_kind(data, str(sys_path), ("system",))
    system = _system_from(data)
    translations = _read_translations(root, data, system)
    if translations:
        system = replace(system, translations={
            lang: {"language": lang, "translated_by": tr["translated_by"], "official": False, "note": tr["note"],
                   "file": str(path.relative_to(root))} for lang, (tr, path) in translations.items()})
    used: dict[str, set[str]] = {lang: set() for lang in translations}
    pending: list[tuple[str, LineDict]] = []
    indicators: list[Indicator] = []
    signs: list[SignOfProgress] = []
    where_defined: dict[str, str] = {}
    for rel in data["files"]:
        path = root / rel
        part = read_definition(path)
        kind = check_kind(part, str(path), ("indicators", "signs_of_progress"))
        if part["system"] != system.id:
            raise definition_error(str(path), part.key_lines.get("system"), "system",
                                   f"file belongs to system {part['system']!r}, not {system.id!r}",
                                   value=part["system"], expected=system.id, code="definition.system")
        items = part["indicators"] if kind == "indicators" else part["signs"]
        for pos, item in enumerate(items):
            line = items.item_lines[pos]
            where = f"{'indicators' if kind == 'indicators' else 'signs'}[{pos}]"
            if item["id"] in where_defined:
                raise definition_error(str(path), line, f"{where}.id",
                                       f"duplicate id {item['id']!r} (already defined in {where_defined[item['id']]})",
                                       value=item["id"], code="definition.duplicate_id")
            where_defined[item["id"]] = f"{path.name}, line {line}"
            if kind == "indicators":
                if part.get("area") and item["area"] != part["area"]:
                    raise definition_error(str(path), line, f"{where}.area",
                                           f"indicator in area {item['area']!r} in the file of area {part['area']!r}",
                                           value=item["area"], expected=part["area"], code="definition.area_file")
                _check_indicator(item, system, str(path), line, where)
                pending.append(("indicators", item))
            else:
                if item["area"] not in [a.id for a in system.areas]:
                    raise definition_error(str(path), line, f"{where}.area", f"unknown area {item['area']!r}",
                                           value=item["area"], code="definition.unknown_area")
                pending.append(("signs", item))
    for kind_of, item in pending:  # every file read and checked: now add the translations
        found = _translated(item, kind_of, translations, used)
        if kind_of == "indicators":
            indicators.append(Indicator.from_dict(found, system.id))
        else:
            signs.append(SignOfProgress(
                id=found["id"], system=system.id, area=found["area"], titles=found["title"],
                provenance=found["provenance"], reference=found["reference"],
                descriptions=found["description"] if found.get("description") else None,
                tags=tuple(found.get("tags", ()))))
    for lang, (tr, tr_path) in translations.items():
        for section in ("indicators", "signs"):
            for item_id in tr.get(section, {}):
                if f"{section}:{item_id}" not in used[lang]:
                    raise definition_error(str(tr_path), tr[section].key_lines.get(item_id), f"{section}.{item_id}",
                                           f"{item_id!r} is not one of the {section} of {system.id}",
                                           value=item_id, code="definition.unknown_id")
    order = {a.id: a.order for a in system.areas}
    indicators.sort(key=lambda i: order[i.area])  # stable: file order within an area
    return Catalog(system=system, indicators=tuple(indicators), signs=tuple(signs),
                   sources=(str(sys_path),))


def _read_translations(root: Path, data: LineDict, system: System) -> dict[str, tuple[LineDict, Path]]:
    """The system's translation files, by language (each checked against the schema)."""
    out: dict[str, tuple[LineDict, Path]] = {}
    for pos, rel in enumerate(data.get("translations", [])):
        path = root / rel
        tr = read_definition(path)
        check_kind(tr, str(path), ("translation",))
        if tr["system"] != system.id:
            raise definition_error(str(path), tr.key_lines.get("system"), "system",
                                   f"file translates system {tr['system']!r}, not {system.id!r}",
                                   value=tr["system"], expected=system.id, code="definition.system")
        if tr["language"] in out:
            raise definition_error(str(root / "system.yaml"), data["translations"].item_lines[pos],
                                   f"translations[{pos}]", f"a second translation into {tr['language']!r}",
                                   value=rel, code="definition.duplicate_id")
        out[str(tr["language"])] = (tr, path)
    return out


def _translated(item: LineDict, part: str, translations: Mapping[str, tuple[LineDict, Path]],
                used: dict[str, set[str]]) -> dict[str, Any]:
    """An indicator or sign as plain data, with the texts of each translation added under its language."""
    out: dict[str, Any] = _plain(item)
    for lang, (tr, path) in translations.items():
        texts = tr.get(part, {}).get(out["id"])
        if texts is None:
            continue
        used[lang].add(f"{part}:{out['id']}")
        line = tr[part].key_lines.get(out["id"])

        def fail(key: str, why: str, tr_path: Path = path, tr_line: int | None = line) -> None:
            raise definition_error(str(tr_path), tr_line, f"{part}.{out['id']}.{key}", why,
                                   code="definition.translation")

        for key, target in (("title", "title"), ("definition", "definition"), ("description", "description"),
                            ("unit_label", "unit_label"), ("notes", "notes")):
            if key in texts:
                if not isinstance(out.get(target), dict):
                    fail(key, f"{out['id']} has no {target} to translate")
                out[target][lang] = str(texts[key])
        if "categories" in texts:
            codes = {str(c["code"]): c for c in out.get("categories", [])}
            for code, text in texts["categories"].items():
                if str(code) not in codes:
                    fail("categories", f"{code!r} is not a category of {out['id']} ({', '.join(codes)})")
                codes[str(code)]["label"][lang] = str(text)
        if "sources" in texts:
            sources = out.get("sources", [])
            if len(texts["sources"]) != len(sources):
                fail("sources", f"{len(texts['sources'])} source(s) for the {len(sources)} of {out['id']}")
            out["sources"] = [{**s, lang: str(t)} if isinstance(s, dict) else s
                              for s, t in zip(sources, texts["sources"], strict=True)]
    return out


def _apply_overlay(data: LineDict, path: str) -> Catalog:
    base_name, _, base_version = data["extends"].partition("@")
    if base_name not in BUILTIN_SYSTEMS:
        raise definition_error(path, data.key_lines.get("extends"), "extends",
                               f"unknown base system {base_name!r}; known: {', '.join(BUILTIN_SYSTEMS)}",
                               value=data["extends"], expected=", ".join(f"{s}@<version>" for s in BUILTIN_SYSTEMS),
                               code="definition.unknown_base")
    base = load_catalog(base_name)
    if base_version and base_version != base.version:
        raise definition_error(path, data.key_lines.get("extends"), "extends",
                               f"base {data['extends']!r} not available; this library ships {base.label}",
                               value=data["extends"], expected=base.label, code="definition.unknown_base")
    codelists, national = _national(data, path)
    indicators = {i.id: i.to_dict() for i in base}
    order = list(indicators)
    for pos, ind_id in enumerate(data.get("drop", [])):
        if ind_id not in indicators:
            raise definition_error(path, data["drop"].item_lines[pos], f"drop[{pos}]",
                                   f"cannot drop {ind_id!r}: not in {base.label}", value=ind_id,
                                   code="definition.unknown_id")
        del indicators[ind_id]
        order.remove(ind_id)
    for pos, change in enumerate(data.get("change", [])):
        line = data["change"].item_lines[pos]
        ind_id = change["id"]
        if ind_id not in indicators:
            raise definition_error(path, line, f"change[{pos}].id", f"cannot change {ind_id!r}: not in the catalog",
                                   value=ind_id, code="definition.unknown_id")
        merged = copy.deepcopy(indicators[ind_id])
        for key, value in _plain(change).items():
            if key == "id":
                continue
            if isinstance(value, dict) and isinstance(merged.get(key), dict) and key in (
                    "title", "definition", "unit_label", "notes", "scoring", "estimation"):
                merged[key] = {**merged[key], **value}
            elif value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        _validate_indicator(merged, path, line, f"change[{pos}]")
        indicators[ind_id] = merged
    for pos, new in enumerate(data.get("add", [])):
        line = data["add"].item_lines[pos]
        if new["id"] in indicators or new["id"] in base:
            raise definition_error(path, line, f"add[{pos}].id", f"duplicate id {new['id']!r}: already in the catalog",
                                   value=new["id"], code="definition.duplicate_id")
        indicators[new["id"]] = _plain(new)
        order.append(new["id"])
    items = []
    for ind_id in order:
        item = indicators[ind_id]
        _check_indicator(item, base.system, path, data.line, ind_id, tuple(c for c, _l, _a in national))
        items.append(Indicator.from_dict(item, base.system.id))
    area_order = {a.id: a.order for a in base.areas}
    items.sort(key=lambda i: area_order[i.area])
    signs = {s.id: s for s in base.signs}
    for pos, sid in enumerate(data.get("drop_signs", [])):
        if sid not in signs:
            raise definition_error(path, data["drop_signs"].item_lines[pos], f"drop_signs[{pos}]",
                                   f"cannot drop sign {sid!r}: not in {base.label}", value=sid,
                                   code="definition.unknown_id")
        del signs[sid]
    for pos, s in enumerate(data.get("add_signs", [])):
        if s["id"] in signs:
            raise definition_error(path, data["add_signs"].item_lines[pos], f"add_signs[{pos}].id",
                                   f"duplicate sign id {s['id']!r}", value=s["id"], code="definition.duplicate_id")
        signs[s["id"]] = SignOfProgress(
            id=s["id"], system=base.system.id, area=s["area"], titles=_plain(s["title"]),
            provenance=s["provenance"], reference=s["reference"],
            descriptions=_plain(s["description"]) if s.get("description") else None,
            tags=tuple(s.get("tags", ())))
    return Catalog(system=base.system, indicators=tuple(items), signs=tuple(signs.values()),
                   id=data["id"], version=str(data["version"]), base=base.label,
                   sources=(*base.sources, path), codelists=codelists, national_columns=national)


def _national(data: LineDict, path: str) -> tuple[dict[str, Codelist], tuple[tuple[str, str, tuple[str, ...]], ...]]:
    """An overlay's national codelists and columns (the sub-national unit, national disaggregations)."""
    from ..values import REGION, VALUE_COLUMNS

    codelists: dict[str, Codelist] = {}
    for pos, item in enumerate(data.get("codelists", [])):
        line = data["codelists"].item_lines[pos]
        if item["id"] in codelists:
            raise definition_error(path, line, f"codelists[{pos}].id", f"duplicate codelist {item['id']!r}",
                                   value=item["id"], code="definition.duplicate_id")
        seen: set[str] = set()
        for c in item["codes"]:
            if str(c["code"]) in seen:
                raise definition_error(path, line, f"codelists[{pos}].codes", f"duplicate code {c['code']!r}",
                                       value=str(c["code"]), code="definition.duplicate_code")
            seen.add(str(c["code"]))
        codelists[item["id"]] = Codelist(id=item["id"], version=str(item["version"]), names=_plain(item["name"]),
                                         codes=tuple(_plain(c) for c in item["codes"]),
                                         total_code=item.get("total_code"))
    known = (*codelists, *codelist_ids())
    columns: list[tuple[str, str, tuple[str, ...]]] = []

    def check_list(key: str, list_id: str) -> None:
        if list_id not in known:
            raise definition_error(path, data.key_lines.get(key), key, f"unknown codelist {list_id!r}; "
                                   f"known: {', '.join(known)}", value=list_id, expected=", ".join(known),
                                   code="definition.unknown_codelist")

    if "regions" in data:
        regions = data["regions"]
        check_list("regions", regions["codelist"])
        columns.append((REGION, regions["codelist"], tuple(str(a) for a in regions.get("aliases", ()))))
    for pos, item in enumerate(data.get("disaggregations", [])):
        column = item["id"]
        if column in VALUE_COLUMNS or column in [c for c, _l, _a in columns]:
            raise definition_error(path, data["disaggregations"].item_lines[pos], f"disaggregations[{pos}].id",
                                   f"{column!r} is already a column of the values table", value=column,
                                   code="definition.duplicate_id")
        list_id = item.get("codelist", column)
        check_list("disaggregations", list_id)
        columns.append((column, list_id, tuple(str(a) for a in item.get("aliases", ()))))
    return codelists, tuple(columns)


def _validate_indicator(item: Mapping[str, Any], file: str, line: int | None, where: str) -> None:
    from ._files import _validator

    errors = list(_validator("indicator").iter_errors(item))
    if errors:
        err = errors[0]
        field_name = ".".join(str(p) for p in err.absolute_path)
        raise definition_error(file, line, f"{where}.{field_name}" if field_name else where, err.message,
                               code="definition.schema")


@validate_options
def load_catalog(name_or_path: str | Path = "mesecvi", *, lang: Lang = "en",
                 limits: Limits | Mapping[str, Any] | None = None) -> Catalog:
    """Load an indicator system by name (``"mesecvi"``, ``"sisdehm"``, optionally
    ``"mesecvi@2013"``), a folder holding a ``system.yaml``, or an overlay YAML file.

    Every file is validated against the definitions' JSON Schema; a problem raises
    :class:`~indicators.errors.DefinitionError` naming the file, the line and the field.

    ``lang`` is the language of the catalog's own messages (``cat["NO-SUCH-ID"]``);
    ``limits`` bounds what a file may ask for (YAML alias expansion, expression depth
    and exponents, file size): see :class:`indicators.Limits`.

    >>> load_catalog("sisdehm").id
    'sisdehm'
    """
    with resolve_limits(limits, "load_catalog").applied():
        cat = _load_catalog(name_or_path)
    return cat if lang == cat.lang else replace(cat, lang=lang)


def _load_catalog(name_or_path: str | Path) -> Catalog:
    if isinstance(name_or_path, str) and not name_or_path.endswith((".yaml", ".yml")) and "/" not in name_or_path \
            and "\\" not in name_or_path:
        name, _, version = name_or_path.partition("@")
        if name in BUILTIN_SYSTEMS:
            cat = _load_system(str(definitions_root() / name))
            if version and version != cat.version:
                raise error("definition.unknown_version", "en", field="catalog", value=name_or_path,
                            expected=cat.label,
                            detail=f"{name}@{version}; available: {cat.label}")
            return cat
        if not Path(name_or_path).exists():
            raise error("catalog.unknown_system", "en", field="catalog", value=str(name_or_path),
                        systems=", ".join(BUILTIN_SYSTEMS),
                        expected=", ".join(BUILTIN_SYSTEMS) + " or the path of a YAML file")
    path = Path(name_or_path)
    if path.is_dir():
        return _load_system(str(path.resolve()))
    data = read_definition(path)
    kind = check_kind(data, str(path), ("overlay", "system"))
    if kind == "system":
        return _load_system(str(path.resolve().parent))
    return _apply_overlay(data, str(path))
