"""A values table as SDMX data (SDMX-CSV 2.0, SDMX-ML 2.1 structure-specific) and back.

Data are written against a data structure definition the user names: the one generated from
the catalog (``dsd="catalog"``, see :func:`sdmx_structure`) or the global SDG structure
(``dsd="sdg"``, for the indicators the mapping in ``definitions/sdmx/sdg.yaml`` covers).

>>> import tempfile, pandas as pd
>>> values = pd.DataFrame({"country": ["PER", "PER"], "year": [2020, 2020], "indicator": ["MESECVI-INF-R01"] * 2,
...                        "area": ["_T", "U"], "value": [12.5, 11.0], "status": ["estimated"] * 2})
>>> path = to_sdmx(values, tempfile.mkdtemp() + "/values.csv")
>>> print(path.read_text(encoding="utf-8").splitlines()[1])
dataflow,OAS:DF_MESECVI(1.0),I,PER,MESECVI-INF-R01,_T,_T,_T,_T,2020,12.5,percent,,estimated,,,,,,,
>>> read_sdmx(path)[["country", "area", "value"]].values.tolist()
[['PER', '_T', '12.5'], ['PER', 'U', '11']]
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._codes import error
from .._codes import problem as registry_problem
from .._export import escape_cell, safe_path
from .._options import validate_options
from ..catalog import Catalog, load_codelist
from ..errors import DataError, ReadError
from ..i18n import Lang, check_lang, message
from ..values import DISAGGREGATIONS, REGION, TOTAL
from ._common import canonical_values, catalog_of, unescape_text
from ._sdmx_structure import (
    SDG_AGENCY,
    TEXT_ATTRIBUTES,
    Form,
    Layout,
    header,
    sdg_mapping,
    sdmx_layout,
    sdmx_module,
    structure_objects,
)

__all__ = ["read_sdmx", "to_sdmx"]

SdmxFormat = Literal["csv", "xml"]
_FIXED_COLUMNS = ("STRUCTURE", "STRUCTURE_ID", "ACTION")
# characters XML 1.0 cannot hold
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str | None:
    """A cell as SDMX text: numbers the shortest exact way, missing as ``None``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float | np.floating):
        f = float(value)
        return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)
    if isinstance(value, int | np.integer):
        return str(int(value))
    return str(value)


def _format_of(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    return "xml" if path.suffix.lower() == ".xml" else "csv"


@dataclass
class _Writing:
    """What every row of a values table needs to become an SDMX observation, and the problems found."""

    layout: Layout
    cat: Catalog
    lang: Lang
    cols: dict[str, list[Any]]
    extra: list[str]
    mapping: dict[str, Any]
    m49: dict[str, str]
    units: dict[str, str]
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def sdg(self) -> bool:
        return self.layout.form == "sdg"

    def problem(self, code: str, row: int, column: str, value: Any, expected: str) -> None:
        self.problems.append(registry_problem(code, self.lang, row=row + 1, column=column, value=value,
                                              expected=expected))


def _observations(table: pd.DataFrame, layout: Layout, cat: Catalog, lang: Lang) -> list[dict[str, str | None]]:
    """One mapping (component id -> text) per row, or a :class:`DataError` listing every row that does not fit."""
    dim_of_col = {col: dim for dim, col in layout.columns.items()}
    w = _Writing(layout, cat, lang, cols={c: table[c].tolist() for c in table.columns},
                 extra=[c for c in (*DISAGGREGATIONS, REGION) if c in table.columns and c not in dim_of_col],
                 mapping=sdg_mapping() if layout.form == "sdg" else {},
                 m49={str(c["code"]): str(int(c["m49"])) for c in load_codelist("country").codes if c.get("m49")},
                 units={i.id: i.unit for i in cat})
    rows: list[dict[str, str | None]] = []
    seen: dict[tuple[str | None, ...], int] = {}
    for i in range(len(table)):
        before = len(w.problems)
        obs = _observation(w, i)
        if obs is None:
            continue
        key = tuple(obs.get(d) for d in layout.dimensions)
        if key in seen and len(w.problems) == before:
            w.problem("exchange.sdmx_duplicate", i, "indicator", w.cols["indicator"][i],
                      f"one row per key; row {seen[key] + 1} has the same key")
        seen.setdefault(key, i)
        rows.append(obs)
    if w.problems:
        raise DataError(message("exchange.sdmx_refused", lang, structure=layout.structure_id, n=len(w.problems)),
                        problems=w.problems)
    return rows


def _observation(w: _Writing, i: int) -> dict[str, str | None] | None:
    """Row ``i`` as an observation (its problems noted), or None for an indicator the SDG mapping lacks."""
    ind_id, country, year = w.cols["indicator"][i], w.cols["country"][i], w.cols["year"][i]
    if pd.isna(year):
        w.problem("exchange.sdmx_no_year", i, "year", None, "a year")
    for extra_col in w.extra:
        v = w.cols[extra_col][i]
        if pd.notna(v) and v != TOTAL:
            w.problem("exchange.sdmx_no_dimension", i, extra_col, v,
                      f"a total ({TOTAL}): {w.layout.structure_id} has no dimension for {extra_col}")
    spec: dict[str, Any] = {}
    area: str | None
    if w.sdg:
        found = w.mapping["indicators"].get(ind_id) if ind_id in w.cat else None
        if found is None:
            w.problem("exchange.sdmx_not_mapped", i, "indicator", ind_id,
                      "an indicator the SDG mapping covers: " + ", ".join(sorted(
                          k for k in w.mapping["indicators"] if k in w.cat)))
            return None
        spec = found
        area = w.m49.get(country)
        if area is None:
            w.problem("exchange.sdmx_bad_code", i, "country", country, "an OAS member state's ISO3 code")
    else:
        area = country
        if country not in w.layout.codes["REF_AREA"]:
            w.problem("exchange.sdmx_bad_code", i, "country", country, "an OAS member state's ISO3 code")
        if ind_id not in w.layout.codes["INDICATOR"]:
            w.problem("exchange.sdmx_bad_code", i, "indicator", ind_id, "an indicator of " + w.cat.label)
    fixed = {"REF_AREA": area, "TIME_PERIOD": _text(year), "INDICATOR": ind_id, "SERIES": spec.get("series")}
    obs: dict[str, str | None] = {dim: fixed[dim] if dim in fixed else _dimension_code(w, i, dim, spec)
                                  for dim in w.layout.dimensions}
    obs["OBS_VALUE"] = _text(w.cols["value"][i])
    for attr, attr_col in w.layout.attributes:
        if attr_col is None:
            unit = w.units.get(ind_id)
            obs[attr] = unit if not w.sdg else w.mapping["units"].get(unit or "")
        else:
            obs[attr] = _text(w.cols[attr_col][i]) if attr_col in w.cols else None
    return obs


def _dimension_code(w: _Writing, i: int, dim: str, spec: dict[str, Any]) -> str | None:
    """The code of a disaggregation dimension for row ``i`` (the total when the column is absent or empty)."""
    col = w.layout.columns.get(dim)
    cell = w.cols[col][i] if col is not None and col in w.cols else None
    code: str = TOTAL if cell is None or pd.isna(cell) else str(cell)
    if not w.sdg:
        if code not in w.layout.codes[dim]:
            w.problem("exchange.sdmx_bad_code", i, str(col), code, "one of " + ", ".join(w.layout.codes[dim]))
        return code
    fixed = spec["fixed"].get(dim)
    if code == TOTAL or col is None:
        return fixed or w.mapping["defaults"].get(dim, TOTAL)
    if fixed is not None:
        w.problem("exchange.sdmx_fixed_dimension", i, str(col), code,
                  f"{TOTAL}: the series {spec['series']} is fixed at {dim}={fixed}")
    elif code not in w.mapping["columns"][col]["codes"]:
        w.problem("exchange.sdmx_bad_code", i, col, code, "one of " + ", ".join(w.mapping["columns"][col]["codes"]))
    else:
        return str(w.mapping["columns"][col]["codes"][code])
    return None


def _csv_bytes(rows: list[dict[str, str | None]], layout: Layout) -> bytes:
    header = [*_FIXED_COLUMNS, *layout.dimensions, "OBS_VALUE", *(a for a, _c in layout.attributes)]
    frame = pd.DataFrame([["dataflow", layout.structure_id, "I",
                           *(escape_cell(r.get(c)) if c in TEXT_ATTRIBUTES or c == "OBS_VALUE" else r.get(c)
                             for c in header[3:])] for r in rows], columns=header, dtype=object)
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue().encode("utf-8")


def _xml_bytes(rows: list[dict[str, str | None]], layout: Layout, prepared: datetime.date | None,
               lang: Lang) -> bytes:
    sdmx = sdmx_module(lang)
    from sdmx import message as sdmx_message
    from sdmx.model import common, v21

    dsd, flow, _ = structure_objects(layout, lang)
    attrs = {a: dsd.attributes.get(a) for a, _c in layout.attributes}
    measure = dsd.measures[0]
    observations = []
    for r in rows:
        key = dsd.make_key(common.Key, {d: r[d] for d in layout.dimensions})
        attached = {a: common.AttributeValue(value=str(r[a]), value_for=attrs[a])
                    for a in attrs if r.get(a) is not None}
        value = r["OBS_VALUE"]
        observations.append(v21.Observation(dimension=key, value="NaN" if value is None else value,
                                            attached_attribute=attached, value_for=measure))
    ds = v21.StructureSpecificDataSet(structured_by=dsd, described_by=flow)
    ds.add_obs(observations)
    msg = sdmx_message.DataMessage(data=[ds], dataflow=flow, header=header(layout, prepared, lang))
    return bytes(sdmx.to_xml(msg, pretty_print=True, xml_declaration=True, encoding="utf-8"))


@validate_options
def to_sdmx(
    values: pd.DataFrame,
    path: str | Path,
    *,
    format: SdmxFormat | None = None,
    dsd: Form = "catalog",
    catalog: Catalog | str = "mesecvi",
    prepared: datetime.date | None = None,
    lang: Lang = "en",
) -> Path:
    """Write ``values`` as SDMX data at ``path``: SDMX-CSV 2.0 (``format="csv"``) or SDMX-ML 2.1
    structure-specific data (``"xml"``; by default the file's suffix decides). Returns the path.

    ``dsd`` names the data structure: ``"catalog"``, the one generated from ``catalog`` (write
    it with :func:`sdmx_structure`), or ``"sdg"``, the global SDG structure, for the indicators
    the SDG mapping covers (their rows get the SDG series and M49 area codes). A row that does
    not fit the structure (an unknown code, a disaggregation the structure has no dimension for,
    a key given twice) raises :class:`~indicators.errors.DataError` listing every such row, and
    nothing is written. Rows keep their order; text cells a spreadsheet would run as a formula
    are escaped in the CSV; the same input always gives the same bytes (the message's
    ``prepared`` date is fixed unless given).
    """
    lang = check_lang(lang, "to_sdmx")
    cat = catalog_of(catalog, lang)
    table = canonical_values(values, lang)
    target = Path(path)
    target = safe_path(target.parent, target.name)
    fmt = _format_of(target, format)
    layout = sdmx_layout(cat, dsd)
    rows = _observations(table, layout, cat, lang)
    if fmt == "xml":
        bad = [registry_problem("exchange.sdmx_bad_text", lang, row=i + 1, column=col, value=repr(v),
                                expected="text without control characters")
               for col in table.columns if col in ("source", "note", "value", "currency")
               for i, v in enumerate(table[col].tolist()) if isinstance(v, str) and _NOT_XML.search(v)]
        if bad:
            raise DataError(message("exchange.sdmx_refused", lang, structure=layout.structure_id, n=len(bad)),
                            problems=bad)
        data = _xml_bytes(rows, layout, prepared, lang)
    else:
        data = _csv_bytes(rows, layout)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


# -- reading ----------------------------------------------------------------------------------

def _read_error(lang: Lang, file: Path, problems: list[dict[str, Any]]) -> ReadError:
    return ReadError(message("exchange.sdmx_unreadable", lang, file=str(file), n=len(problems)), problems=problems)


def _problem(code: str, lang: Lang, file: Path, **fields: Any) -> dict[str, Any]:
    """A problems row of a file being read (the file, then the row, column, value, expected)."""
    fields.setdefault("row", None)
    fields.setdefault("column", None)
    fields.setdefault("value", None)
    return registry_problem(code, lang, file=str(file), **fields)


def _sniff(path: Path, fmt: str) -> Form:
    head = path.open("rb").read(4096).decode("utf-8", errors="replace")
    if fmt == "csv":
        first = head.split("\n", 2)[1] if head.count("\n") >= 1 else ""
        return "sdg" if f",{SDG_AGENCY}:" in first else "catalog"
    return "sdg" if f'agencyID="{SDG_AGENCY}"' in head else "catalog"


_NUMERIC = ("se", "ci_low", "ci_high", "cv", "n")


def _is_number(text: str, whole: bool) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return bool(np.isfinite(number)) and (not whole or number.is_integer())


def _records_csv(path: Path, layout: Layout, lang: Lang) -> list[dict[str, str | None]]:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise _read_error(lang, path, [_problem("exchange.sdmx_not_csv", lang, path, value=str(exc)[:200],
                                                expected="an SDMX-CSV 2.0 file (UTF-8)")]) from exc
    known = {*_FIXED_COLUMNS, *layout.dimensions, "OBS_VALUE", *(a for a, _c in layout.attributes)}
    problems: list[dict[str, Any]] = [
        _problem("exchange.sdmx_unknown_column", lang, path, column=c, expected="a component of " + layout.structure_id)
        for c in raw.columns if c not in known]
    problems += [_problem("exchange.sdmx_missing_column", lang, path, column=c, expected="a column " + c)
                 for c in (*_FIXED_COLUMNS, *layout.dimensions, "OBS_VALUE") if c not in raw.columns]
    if problems:
        raise _read_error(lang, path, problems)
    for i, (sid, action) in enumerate(zip(raw["STRUCTURE_ID"], raw["ACTION"], strict=True)):
        if sid != layout.structure_id or action not in ("I", "A", "R"):
            problems.append(_problem("exchange.sdmx_other_structure", lang, path, row=i + 2, column="STRUCTURE_ID",
                                     value=f"{sid} {action}", expected=f"{layout.structure_id} with action I"))
    if problems:
        raise _read_error(lang, path, problems)
    records = []
    for rec in raw.drop(columns=list(_FIXED_COLUMNS)).to_dict("records"):
        records.append({k: (unescape_text(v) if v != "" else None) for k, v in rec.items()})
    return records


def _records_xml(path: Path, layout: Layout, lang: Lang) -> list[dict[str, str | None]]:
    sdmx = sdmx_module(lang)
    dsd, _flow, _ = structure_objects(layout, lang)
    try:
        msg = sdmx.read_sdmx(path, structure=dsd)
    except Exception as exc:  # sdmx1 raises many kinds on a file it cannot read
        raise _read_error(lang, path, [_problem("exchange.sdmx_not_xml", lang, path, value=str(exc)[:200],
                                                expected="an SDMX-ML 2.1 structure-specific data message")]) from exc
    records: list[dict[str, str | None]] = []
    for ds in getattr(msg, "data", []):
        for obs in ds.obs:
            rec: dict[str, str | None] = {k: str(v.value) for k, v in obs.key.values.items()}
            value = obs.value
            rec["OBS_VALUE"] = None if value is None or str(value) in ("", "NaN") else str(value)
            for a, av in obs.attached_attribute.items():
                rec[a] = None if av.value in (None, "") else str(av.value)
            records.append(rec)
    return records


@dataclass
class _Reading:
    """What every SDMX observation needs to become a values-table row, and the problems found."""

    layout: Layout
    cat: Catalog
    lang: Lang
    path: Path
    mapping: dict[str, Any] | None
    iso3: dict[str, str]
    by_series: dict[str, list[str]]
    problems: list[dict[str, Any]] = field(default_factory=list)

    def problem(self, code: str, row: int, column: str, value: Any, expected: str) -> None:
        self.problems.append(_problem(code, self.lang, self.path, row=row, column=column, value=value,
                                      expected=expected))


def _to_values(records: list[dict[str, str | None]], layout: Layout, cat: Catalog, path: Path,
               lang: Lang, first_row: int) -> pd.DataFrame:
    mapping = sdg_mapping() if layout.form == "sdg" else None
    by_series: dict[str, list[str]] = {}
    for ind_id, spec in (mapping or {}).get("indicators", {}).items():
        if ind_id in cat:
            by_series.setdefault(spec["series"], []).append(ind_id)
    r = _Reading(layout, cat, lang, path, mapping, by_series=by_series,
                 iso3={str(int(c["m49"])): str(c["code"]) for c in load_codelist("country").codes if c.get("m49")})
    out = [row for i, rec in enumerate(records) if (row := _value_row(r, i + first_row, rec)) is not None]
    if r.problems:
        raise _read_error(lang, path, r.problems)
    columns = ["country", "year", "indicator", "value",
               *(c for c in layout.columns.values() if c not in ("country", "year", "indicator")),
               *(c for _a, c in layout.attributes if c is not None)]
    frame = pd.DataFrame(out, columns=columns)
    keep = [c for c in frame.columns if c in ("country", "year", "indicator", "value")
            or (c in DISAGGREGATIONS and (frame[c] != TOTAL).any()) or (c not in DISAGGREGATIONS
                                                                       and frame[c].notna().any())]
    return canonical_values(frame[keep], lang)


def _value_row(r: _Reading, line: int, rec: dict[str, str | None]) -> dict[str, Any] | None:
    """The values-table row of one observation (its problems noted), or None for a series the SDG
    mapping does not give."""
    layout, mapping = r.layout, r.mapping
    row: dict[str, Any] = {}
    area = rec.get("REF_AREA")
    fixed: dict[str, str] = {}
    if mapping is not None:
        row["country"] = r.iso3.get(area or "")
        candidates = r.by_series.get(rec.get("SERIES") or "", [])
        ind_id = next((c for c in candidates if all(
            rec.get(d) == v or (rec.get(d) != mapping["defaults"].get(d) and d in layout.columns)
            for d, v in mapping["indicators"][c]["fixed"].items())), None)
        if ind_id is None:
            r.problem("exchange.sdmx_read_not_mapped", line, "SERIES", rec.get("SERIES"),
                      "a series the SDG mapping gives " + r.cat.label + ": " + ", ".join(sorted(r.by_series)))
            return None
        row["indicator"] = ind_id
        fixed = mapping["indicators"][ind_id]["fixed"]
    else:
        row["country"] = area
        row["indicator"] = rec.get("INDICATOR")
    if row["country"] is None or (mapping is None and area not in layout.codes["REF_AREA"]):
        r.problem("exchange.sdmx_read_bad_code", line, "REF_AREA", area, "a code of " + layout.structure_id)
    row["year"] = rec.get("TIME_PERIOD")
    if not (row["year"] or "").isdigit():
        r.problem("exchange.sdmx_bad_period", line, "TIME_PERIOD", row["year"], "a year (YYYY)")
    for dim, col in layout.columns.items():
        if col not in ("country", "year", "indicator"):
            row[col] = _column_code(r, line, dim, col, rec.get(dim), fixed)
    if mapping is None and row["indicator"] not in layout.codes["INDICATOR"]:
        r.problem("exchange.sdmx_read_bad_code", line, "INDICATOR", row["indicator"], "an indicator of " + r.cat.label)
    row["value"] = rec.get("OBS_VALUE")
    for attr, attr_col in layout.attributes:
        if attr_col is not None:
            cell = row[attr_col] = rec.get(attr)
            if attr_col in _NUMERIC and cell is not None and not _is_number(cell, whole=attr_col == "n"):
                r.problem("exchange.sdmx_bad_number", line, attr, cell,
                          "a whole number" if attr_col == "n" else "a number")
    if mapping is not None:
        # rows outside the dimensions the mapping knows cannot be told apart in the values table
        for dim in layout.dimensions:
            if dim not in ("REF_AREA", "SERIES", "TIME_PERIOD") and dim not in layout.columns and \
                    rec.get(dim) not in (None, fixed.get(dim, mapping["defaults"].get(dim))):
                r.problem("exchange.sdmx_read_bad_code", line, dim, rec.get(dim),
                          fixed.get(dim, mapping["defaults"].get(dim, TOTAL)))
    return row


def _column_code(r: _Reading, line: int, dim: str, col: str, code: str | None, fixed: dict[str, str]) -> str | None:
    """The values-table code of a disaggregation dimension's SDMX code (the total when it is absent)."""
    if r.mapping is None:
        if code is not None and code not in r.layout.codes[dim]:
            r.problem("exchange.sdmx_read_bad_code", line, dim, code, "one of " + ", ".join(r.layout.codes[dim]))
        return TOTAL if code is None else code
    back = {v: k for k, v in r.mapping["columns"][col]["codes"].items()}
    total = fixed.get(dim, r.mapping["defaults"].get(dim, TOTAL))
    if code in (None, total, TOTAL):
        return TOTAL
    if code in back:
        return str(back[code])
    r.problem("exchange.sdmx_read_bad_code", line, dim, code, "one of " + ", ".join([total, *back]))
    return None


@validate_options
def read_sdmx(
    path: str | Path,
    *,
    format: SdmxFormat | None = None,
    dsd: Form | None = None,
    catalog: Catalog | str = "mesecvi",
    lang: Lang = "en",
) -> pd.DataFrame:
    """Read SDMX data written against the catalog's structure or the SDG one back into a values table.

    ``format`` is ``"csv"`` (SDMX-CSV 2.0) or ``"xml"`` (SDMX-ML 2.1 structure-specific); by
    default the suffix decides. ``dsd`` is found in the file when not given. Every code is
    checked against the structure; a cell that does not fit raises
    :class:`~indicators.errors.ReadError` naming the file, row and column. Disaggregation
    columns that hold only totals, and attribute columns that are empty, are left out; the
    rest is the table :func:`to_sdmx` was given, in canonical form (see
    :func:`~indicators.exchange.canonical_values`).
    """
    lang = check_lang(lang, "read_sdmx")
    cat = catalog_of(catalog, lang)
    p = Path(path)
    if not p.is_file():
        raise error("exchange.sdmx_no_file", lang, file=str(p), expected="an SDMX file")
    fmt = _format_of(p, format)
    form = dsd if dsd is not None else _sniff(p, fmt)
    layout = sdmx_layout(cat, form)
    if fmt == "csv":
        records = _records_csv(p, layout, lang)
        first_row = 2
    else:
        records = _records_xml(p, layout, lang)
        first_row = 1
    return _to_values(records, layout, cat, p, lang, first_row)

