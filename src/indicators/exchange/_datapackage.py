"""A country's submission as a Frictionless Data Package: the values table, its Table Schema
(generated from the catalog) and its provenance, validated with ``frictionless``.

>>> import tempfile, pandas as pd
>>> values = pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": ["MESECVI-LEG-S01"],
...                        "value": ["constitutional"], "status": ["observed"]})
>>> folder = tempfile.mkdtemp()
>>> path = to_datapackage(values, folder)                                  # doctest: +SKIP
>>> read_datapackage(path).loc[0, "value"]                                 # doctest: +SKIP
'constitutional'
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pandas as pd

from .._codes import PACKAGE_CHECKS, error, problem
from .._export import escape_cell, safe_path
from .._options import validate_options
from .._version import __version__
from ..catalog import Catalog
from ..errors import DataError, OptionError, ReadError
from ..i18n import Lang, check_lang, message
from ..values import DISAGGREGATIONS, STATUSES, VALUE_COLUMNS
from ._common import (
    ESCAPED_COLUMNS,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    canonical_values,
    catalog_of,
    codes_of,
    unescape_text,
)

__all__ = ["read_datapackage", "table_schema", "to_datapackage"]

_DESCRIPTIONS: dict[str, str] = {
    "country": "ISO 3166-1 alpha-3 code of the State Party",
    "year": "Reference year",
    "indicator": "Indicator id in the catalog",
    "value": "The value: a number, or a category code for categorical and yes/no indicators",
    "currency": "ISO 4217 code of an amount",
    "se": "Standard error", "ci_low": "Lower bound of the confidence interval",
    "ci_high": "Upper bound of the confidence interval", "cv": "Coefficient of variation",
    "n": "Unweighted sample size", "status": "Status of the value",
    "source": "Source of the value", "note": "Note, or the text of a qualitative sign of progress",
}


def _frictionless(lang: Lang) -> Any:
    try:
        import frictionless
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise error("exchange.missing_extra", lang, value="frictionless", package="frictionless", extra="exchange",
                    expected="pip install 'belem-indicators[exchange]'") from exc
    return frictionless


@validate_options
def table_schema(catalog: Catalog | str = "mesecvi", columns: list[str] | None = None) -> dict[str, Any]:
    """The Table Schema of a values table, generated from the catalog and the code lists.

    >>> schema = table_schema("mesecvi", ["country", "year", "indicator", "sex", "value"])
    >>> schema["primaryKey"], schema["fields"][1]["type"]
    (['country', 'year', 'indicator', 'sex'], 'integer')
    >>> "MESECVI-LEG-S01" in schema["fields"][2]["constraints"]["enum"]
    True
    """
    cat = catalog_of(catalog)
    cols = [c for c in VALUE_COLUMNS if c in (columns if columns is not None else VALUE_COLUMNS)]
    fields: list[dict[str, Any]] = []
    for col in cols:
        field: dict[str, Any] = {"name": col, "description": _DESCRIPTIONS.get(col, col)}
        if col in INT_COLUMNS:
            field["type"] = "integer"
        elif col in FLOAT_COLUMNS:
            field["type"] = "number"
        else:
            field["type"] = "string"
        constraints: dict[str, Any] = {}
        if col == "country":
            constraints["enum"] = codes_of("country")
        elif col == "indicator":
            constraints["enum"] = sorted({*cat.ids, *(s.id for s in cat.signs)})
        elif col == "status":
            constraints["enum"] = list(STATUSES)
        elif col in DISAGGREGATIONS:
            constraints["enum"] = codes_of(col)
        elif col in ("se", "n"):
            constraints["minimum"] = 0
        elif col == "currency":
            constraints["pattern"] = "[A-Z]{3}"
        if col in ("country", "year", "indicator") or col in DISAGGREGATIONS:
            constraints["required"] = True
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    keys = [c for c in ("country", "year", "indicator", *DISAGGREGATIONS) if c in cols]
    return {"fields": fields, "primaryKey": keys, "missingValues": [""]}


def _csv_bytes(table: pd.DataFrame) -> bytes:
    out = table.copy()
    for col in ESCAPED_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype(object).map(escape_cell, na_action="ignore")
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


@validate_options
def to_datapackage(
    values: pd.DataFrame,
    folder: str | Path,
    *,
    catalog: Catalog | str = "mesecvi",
    name: str = "submission",
    lang: Lang = "en",
) -> Path:
    """Write ``values`` as a validated Frictionless Data Package in ``folder``; return the path of
    its ``datapackage.json``.

    The package holds ``values.csv`` (the canonical values table, free-text cells a
    spreadsheet would run as formulas escaped with an apostrophe) and ``datapackage.json``:
    the Table Schema generated from the catalog (types, the catalog's indicator ids, the
    countries and disaggregation codes, the primary key) and the provenance (library version,
    catalog label and fingerprint, SHA-256 of the input file when it was read by
    :func:`indicators.read` and of the written table). The same input always gives the same
    bytes. A table that breaks the schema raises :class:`~indicators.errors.DataError` with
    one problem per cell, and nothing is left behind.
    """
    lang = check_lang(lang, "to_datapackage")
    frictionless = _frictionless(lang)
    cat = catalog_of(catalog, lang)
    table = canonical_values(values, lang)
    if not name or not all(ch.isalnum() or ch in "-_." for ch in name) or name != name.lower():
        raise error("exchange.bad_name", lang, field="name", value=name,
                    expected="lower-case letters, digits, '-', '_' or '.'")
    data = _csv_bytes(table)
    input_sha = None
    prov = values.attrs.get("provenance") if hasattr(values, "attrs") else None
    if prov is not None and getattr(prov, "sha256", None):
        input_sha = str(prov.sha256)
    schema = table_schema(cat, list(table.columns))
    descriptor: dict[str, Any] = {
        "name": name,
        "profile": "tabular-data-package",
        "title": f"{cat.name('en')} — values table",
        "created_with": {"library": "belem-indicators", "version": __version__},
        "catalog": {"id": cat.id, "label": cat.label, "fingerprint": cat.fingerprint},
        "input": {"sha256": input_sha} if input_sha else {},
        "resources": [{
            "name": "values",
            "path": "values.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "dialect": {"delimiter": ",", "doubleQuote": True, "header": True},
            "schema": schema,
        }],
    }
    out_folder = Path(folder)
    out_folder.mkdir(parents=True, exist_ok=True)
    csv_path = safe_path(out_folder, "values.csv")
    json_path = safe_path(out_folder, "datapackage.json")
    text = json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n"
    csv_path.write_bytes(data)
    json_path.write_text(text, encoding="utf-8", newline="\n")
    problems = _check(frictionless, json_path, lang)
    if problems:
        csv_path.unlink(missing_ok=True)
        json_path.unlink(missing_ok=True)
        raise DataError(message("exchange.package_invalid", lang, file="values", n=len(problems)),
                        problems=problems)
    return json_path


def _check(frictionless: Any, json_path: Path, lang: str = "en") -> list[dict[str, Any]]:
    report = frictionless.validate(str(json_path))
    if report.valid:
        return []
    problems: list[dict[str, Any]] = []
    for task in report.tasks:
        for err in task.errors:
            row = getattr(err, "row_number", None)
            problems.append(problem(
                _check_code(err), lang, message=getattr(err, "message", None),
                file=str(Path(json_path).parent / str(getattr(task, "place", "") or "values.csv")),
                row=row, column=getattr(err, "field_name", None),
                value=getattr(err, "cell", None), expected=_short(getattr(err, "note", None)),
                detail=getattr(err, "message", None)))
    for err in getattr(report, "errors", []):
        problems.append(problem(_check_code(err), lang, message=getattr(err, "message", None),
                                file=str(json_path), expected=getattr(err, "note", None),
                                detail=getattr(err, "message", None)))
    return problems


def _check_code(err: Any) -> str:
    """The problem code of a frictionless error: ``exchange.package.<its type>``."""
    check = str(getattr(err, "type", "error"))
    return f"exchange.package.{check if check in PACKAGE_CHECKS else 'error'}"


def _short(text: Any, limit: int = 200) -> Any:
    if isinstance(text, str) and len(text) > limit:
        return text[:limit] + "…"
    return text


@validate_options
def read_datapackage(path: str | Path, *, lang: Lang = "en") -> pd.DataFrame:
    """Validate a Data Package written by :func:`to_datapackage` and return its values table.

    ``path`` is the ``datapackage.json`` file or its folder. The package is checked by
    ``frictionless`` against its own schema (and the table's hash); any failure raises
    :class:`~indicators.errors.ReadError` with one problem per cell. The table comes back in
    canonical form, formula escapes removed, exactly as it was given to the writer.
    """
    lang = check_lang(lang, "read_datapackage")
    frictionless = _frictionless(lang)
    p = Path(path)
    json_path = p / "datapackage.json" if p.is_dir() else p
    if not json_path.is_file():
        raise error("exchange.no_package", lang, file=str(json_path), expected="a datapackage.json file")
    try:
        descriptor = json.loads(json_path.read_text(encoding="utf-8"))
        resource = next(r for r in descriptor["resources"] if r.get("name") == "values")
        rel = str(resource["path"])
        csv_path = safe_path(json_path.parent, rel)
        fields = [f["name"] for f in resource["schema"]["fields"]]
    except (ValueError, KeyError, TypeError, StopIteration, OptionError) as exc:
        raise error("exchange.bad_descriptor", lang, file=str(json_path), value=str(exc), detail=str(exc),
                    expected="a Data Package with a 'values' resource inside its folder") from exc
    problems = _check(frictionless, json_path, lang)
    if problems:
        raise ReadError(message("exchange.package_invalid", lang, file=str(json_path), n=len(problems)),
                        problems=problems)
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    unknown = [c for c in raw.columns if c not in VALUE_COLUMNS or c not in fields]
    if unknown:
        raise ReadError(message("exchange.bad_descriptor", lang, file=str(csv_path), detail=", ".join(unknown)),
                        problems=[problem("exchange.unknown_column", lang, file=str(csv_path), column=c,
                                          expected="a values-table column") for c in unknown])
    for col in ESCAPED_COLUMNS:
        if col in raw.columns:
            raw[col] = raw[col].map(unescape_text, na_action="ignore")
    return canonical_values(raw, lang)
