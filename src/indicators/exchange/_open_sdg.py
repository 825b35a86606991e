"""Open SDG: one data CSV and one metadata file per indicator, as an Open SDG national platform reads them.

Each indicator a country chooses gets ``data/indicator_<id>.csv`` (``Year`` first, ``Value``
last, one column per disaggregation in between, named and labelled in the chosen language, blank
for the total) and ``meta/<id>.md`` (the indicator's metadata as YAML front matter), where
``<id>`` is the catalog id in lower case (``mesecvi-ss-r01``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .._codes import error, problem
from .._export import escape_cell, safe_path
from .._options import validate_options
from ..catalog import Catalog, load_codelist
from ..errors import DataError
from ..i18n import Lang, check_lang, message
from ..values import DISAGGREGATIONS, TOTAL
from ._common import canonical_values, catalog_of

__all__ = ["open_sdg_id", "to_open_sdg"]

#: Units whose values are codes, not numbers: Open SDG charts numbers only.
_CODED_UNITS = ("category", "yes_no")


@validate_options
def open_sdg_id(indicator_id: str) -> str:
    """The Open SDG id of a catalog indicator: lower case, only letters, digits and ``-``.

    >>> open_sdg_id("MESECVI-SS-R01")
    'mesecvi-ss-r01'
    """
    return "".join(ch if ch.isalnum() else "-" for ch in indicator_id.lower())


def _csv_text(frame: pd.DataFrame) -> str:
    out = frame.copy()
    for col in out.columns:
        if col not in ("Year", "Value"):
            out[col] = out[col].astype(object).map(escape_cell, na_action="ignore")
    out.columns = [escape_cell(c) for c in out.columns]
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


def _metadata(ind: Any, cat: Catalog, country: str, lang: Lang) -> dict[str, Any]:
    sources = ind.source_texts(lang)
    meta: dict[str, Any] = {
        "indicator_number": open_sdg_id(ind.id),
        "indicator_name": ind.title(lang),
        "indicator_definition": ind.definition(lang),
        "computation_units": ind.unit_label(lang),
        "graph_title": ind.title(lang),
        "graph_type": "line",
        "data_non_statistical": False,
        "reporting_status": "complete",
        "published": True,
        "national_indicator_available": ind.title(lang),
        "un_designated_tier": None,
        "goal_meta_link": None,
        "source_active_1": bool(sources),
        "source_organisation_1": "; ".join(sources) if sources else None,
        "country": country,
        "catalog": cat.label,
        "catalog_indicator": ind.id,
        "reference": ind.reference,
    }
    return {k: v for k, v in meta.items() if v is not None}


@validate_options
def to_open_sdg(
    values: pd.DataFrame,
    folder: str | Path,
    *,
    country: str,
    indicators: Sequence[str] | None = None,
    catalog: Catalog | str = "mesecvi",
    lang: Lang = "en",
) -> list[Path]:
    """Write the data and metadata files of ``country``'s indicators for an Open SDG platform.

    ``indicators`` chooses the indicators (catalog ids; by default every numeric indicator the
    country has a value for). Rows without a value (``not_available``) are left out, as Open SDG
    charts only numbers; an indicator whose values are codes (categorical, yes/no) cannot be
    charted and is refused with :class:`~indicators.errors.DataError`, as is an id the values
    table does not hold for the country. Returns the paths written, data then metadata, in the
    order of the indicators; the same input always gives the same bytes.

    >>> import tempfile, pandas as pd
    >>> values = pd.DataFrame({"country": ["PER"] * 3, "year": [2019, 2020, 2020],
    ...                        "indicator": ["MESECVI-SS-R01"] * 3, "area": ["_T", "_T", "U"],
    ...                        "value": [31.2, 30.5, 28.1]})
    >>> paths = to_open_sdg(values, tempfile.mkdtemp(), country="PER")
    >>> print(paths[0].read_text(encoding="utf-8"), end="")
    Year,Area of residence,Value
    2019,,31.2
    2020,,30.5
    2020,Urban,28.1
    """
    lang = check_lang(lang, "to_open_sdg")
    cat = catalog_of(catalog, lang)
    table = canonical_values(values, lang)
    table = table[table["country"] == country]
    if table.empty:
        raise error("exchange.no_country_rows", lang, column="country", value=country, country=country,
                    expected="a country present in the values table")
    present = list(dict.fromkeys(table["indicator"].tolist()))
    chosen: list[str]
    problems: list[dict[str, Any]] = []
    if indicators is None:
        chosen = [i for i in present if i in cat and cat[i].unit not in _CODED_UNITS]
    else:
        if isinstance(indicators, str):
            raise error("exchange.indicators_list", lang, field="indicators", value=indicators,
                        expected="a list of indicator ids")
        chosen = list(dict.fromkeys(indicators))
        for ind_id in chosen:
            if ind_id not in cat:
                problems.append(problem("exchange.unknown_indicator", lang, column="indicator", value=ind_id,
                                        expected="an indicator of " + cat.label))
            elif cat[ind_id].unit in _CODED_UNITS:
                problems.append(problem("exchange.coded_indicator", lang, column="indicator", value=ind_id,
                                        expected="an indicator with numeric values"))
            elif ind_id not in present:
                problems.append(problem("exchange.indicator_absent", lang, column="indicator", value=ind_id,
                                        expected=f"rows of {country} for this indicator", country=country))
    numeric = pd.to_numeric(table["value"], errors="coerce")
    checked = {i for i in chosen if i in cat and cat[i].unit not in _CODED_UNITS}
    for i in range(len(table)):
        if table["indicator"].iloc[i] in checked and pd.isna(numeric.iloc[i]) and pd.notna(table["value"].iloc[i]):
            problems.append(problem("exchange.not_a_number", lang, row=int(table.index[i]) + 1, column="value",
                                    value=str(table["value"].iloc[i]), expected="a number"))
    if problems:
        raise DataError(message("exchange.open_sdg_refused", lang, n=len(problems)), problems=problems)
    out_folder = Path(folder)
    data_paths: list[Path] = []
    meta_paths: list[Path] = []
    pending: list[tuple[Path, str]] = []
    for ind_id in chosen:
        ind = cat[ind_id]
        rows = table[(table["indicator"] == ind_id) & numeric.notna()]
        disaggs = [d for d in DISAGGREGATIONS if d in rows.columns and (rows[d].fillna(TOTAL) != TOTAL).any()]
        frame = pd.DataFrame({"Year": rows["year"].astype("Int64")})
        sort_keys: list[str] = ["Year"]
        for d in disaggs:
            codelist = load_codelist(d)
            codes = rows[d].fillna(TOTAL)
            order = {str(c["code"]): k for k, c in enumerate(codelist.codes)}
            header = codelist.name(lang)
            frame[header] = [None if c == TOTAL else codelist.label(c, lang) for c in codes]
            frame["_o_" + d] = [-1 if c == TOTAL else order.get(c, len(order)) for c in codes]
            sort_keys.append("_o_" + d)
        if "currency" in rows.columns and rows["currency"].notna().any():
            frame["Units"] = rows["currency"].tolist()
        frame["Value"] = numeric[rows.index].astype("float64").tolist()
        frame = frame.sort_values(sort_keys, kind="stable").drop(columns=[c for c in frame if c.startswith("_o_")])
        stem = open_sdg_id(ind_id)
        data_path = safe_path(out_folder, f"data/indicator_{stem}.csv")
        meta_path = safe_path(out_folder, f"meta/{stem}.md")
        front = yaml.safe_dump(_metadata(ind, cat, country, lang), allow_unicode=True, sort_keys=False, width=100)
        pending.append((data_path, _csv_text(frame)))
        pending.append((meta_path, "---\n" + front + "---\n"))
        data_paths.append(data_path)
        meta_paths.append(meta_path)
    for path, text in pending:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    return data_paths + meta_paths
