"""The values table: the one long table every part of the library reads or writes.

This module is the one place that knows its columns (see ``docs/values.md``). One row
per observation: a country, a year, an indicator, the value (with its ISO 4217
``currency`` code for amounts), optionally the sub-national unit (``region``: an ISO
3166-2 code, or a national code from the codelist a national overlay adds), optional
disaggregations (the shipped ones and those a national overlay declares), its
precision, its status, its source and note (the text of a qualitative sign of progress).

Every codelist column accepts any form of a code a person may type (the code, a name in
en/es/pt/fr with or without accents and case, an alias): :func:`resolve_country`,
:func:`resolve_region` and :func:`resolve_code` map them to the code, and
:func:`to_codes` does it for a whole table, listing what it mapped.

>>> from indicators.values import VALUE_COLUMNS, canonical_column, resolve_country
>>> VALUE_COLUMNS[:4]
('country', 'year', 'indicator', 'value')
>>> canonical_column("País"), canonical_column("año"), canonical_column("indicador")
('country', 'year', 'indicator')
>>> resolve_country("Haïti"), resolve_country("perú"), resolve_country("BR"), resolve_country("Estado")
('HTI', 'PER', 'BRA', None)
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from .catalog import Catalog, Codelist

__all__ = [
    "KEY_COLUMNS", "DISAGGREGATIONS", "PRECISION_COLUMNS", "TEXT_COLUMNS", "VALUE_COLUMNS",
    "STATUSES", "TOTAL", "COLUMN_ALIASES", "CURRENCY", "canonical_column", "rename_columns", "empty_values",
    "key_columns", "REGION", "REGION_CODELIST", "disaggregation_columns", "codelist_columns", "column_codelist",
    "resolve_country", "resolve_region", "resolve_code", "to_codes", "MAPPED_COLUMNS",
]

#: Columns that identify an observation (with the disaggregations present).
KEY_COLUMNS: tuple[str, ...] = ("country", "year", "indicator")
#: Disaggregation columns, each backed by a codelist of the same id (``area`` is urban/rural).
DISAGGREGATIONS: tuple[str, ...] = (
    "sex", "age_group", "age_group_broad", "area", "ethnicity", "disability",
    "migration_status", "pregnancy", "income_quintile",
)
#: The sub-national unit (state, department, province): an ISO 3166-2 code, or a national code from
#: the codelist a national overlay declares (``regions:``); empty means the whole country.
REGION = "region"
#: The shipped codelist of sub-national units (ISO 3166-2 subdivisions of the OAS member states).
REGION_CODELIST = "subdivision"
#: Precision of an estimated value.
PRECISION_COLUMNS: tuple[str, ...] = ("se", "ci_low", "ci_high", "cv", "n")
#: The ISO 4217 code of an amount (indicators of unit ``currency``); empty for other units.
CURRENCY = "currency"
#: Free text.
TEXT_COLUMNS: tuple[str, ...] = ("source", "note")
#: Every known column, in the order tables are written.
VALUE_COLUMNS: tuple[str, ...] = (
    "country", "year", "indicator", "value", CURRENCY, REGION, *DISAGGREGATIONS, *PRECISION_COLUMNS, "status",
    *TEXT_COLUMNS,
)
#: Allowed status codes (codelist ``status``).
STATUSES: tuple[str, ...] = ("observed", "estimated", "imputed", "provisional", "not_available", "not_applicable")
#: The code meaning "total" (no disaggregation) in every disaggregation column.
TOTAL = "_T"

#: Accepted column names in en, es, pt, fr, folded (lower case, no accents, ``_`` for spaces). A word
#: that means something else in one of the four languages is never an alias: ``estado`` (a State, a
#: federated state, a status), ``state``, ``etat``, ``entidad``; a national overlay may give it a meaning.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "country": ("country", "pais", "iso3", "country_code", "codigo_pais", "cod_pais", "pays", "state_party",
                "estado_parte", "etat_partie", "iso_3166_1", "code_pays", "codigo_do_pais"),
    "year": ("year", "ano", "anio", "anno", "annee", "periodo", "period", "reference_year", "ano_de_referencia"),
    "indicator": ("indicator", "indicador", "indicateur", "indicator_id", "id_indicador", "codigo_indicador"),
    "value": ("value", "valor", "valeur", "dato"),
    "currency": ("currency", "moneda", "divisa", "moeda", "devise", "currency_code", "codigo_moneda"),
    "region": ("region", "subnational_unit", "unidad_subnacional", "unidade_subnacional", "subdivision",
               "iso_3166_2", "departamento", "provincia", "province", "departement", "unidade_federativa",
               "entidad_federativa", "region_code", "codigo_region"),
    "sex": ("sex", "sexo", "sexe"),
    "age_group": ("age_group", "grupo_de_edad", "grupo_edad", "faixa_etaria", "groupe_d_age", "groupe_age",
                  "edad_quinquenal"),
    "age_group_broad": ("age_group_broad", "grupo_de_edad_amplio", "grupo_edad_amplio", "edad_decenal"),
    "area": ("area", "zona", "area_de_residencia", "urbano_rural", "milieu"),
    "ethnicity": ("ethnicity", "etnia", "pertenencia_etnica", "autoidentificacion_etnica", "etnia_raca", "raca_cor",
                  "ethnicite"),
    "disability": ("disability", "discapacidad", "deficiencia", "handicap"),
    "migration_status": ("migration_status", "condicion_migratoria", "situacion_migratoria", "situacao_migratoria",
                         "statut_migratoire"),
    "pregnancy": ("pregnancy", "embarazo", "gravidez", "grossesse"),
    "income_quintile": ("income_quintile", "quintil", "quintil_de_ingreso", "quintil_ingreso", "quintile"),
    "se": ("se", "standard_error", "error_estandar", "ee", "erro_padrao", "erreur_type"),
    "ci_low": ("ci_low", "li", "lim_inf", "limite_inferior", "ic_inf", "ci_lower", "lower"),
    "ci_high": ("ci_high", "ls", "lim_sup", "limite_superior", "ic_sup", "ci_upper", "upper"),
    "cv": ("cv", "coef_var", "coeficiente_de_variacion", "coefficient_of_variation"),
    "n": ("n", "n_muestra", "casos", "tamano_muestral", "sample_size", "unweighted_n"),
    "status": ("status", "estado_del_dato", "estatus", "situacion", "condicion", "statut"),
    "source": ("source", "fuente", "fonte"),
    "note": ("note", "nota", "notas", "notes", "observaciones", "observacion", "comentario"),
}


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name).strip().casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    out = "".join(ch if ch.isalnum() else "_" for ch in text)
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


_ALIAS_INDEX: dict[str, str] = {alias: canon for canon, aliases in COLUMN_ALIASES.items() for alias in aliases}


def _national(catalog: Catalog | None) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(getattr(catalog, "national_columns", ()) or ())


def disaggregation_columns(catalog: Catalog | None = None) -> tuple[str, ...]:
    """The disaggregation columns: the shipped ones, then those a national overlay declares.

    >>> disaggregation_columns()[:3]
    ('sex', 'age_group', 'age_group_broad')
    """
    return (*DISAGGREGATIONS, *(c for c, _l, _a in _national(catalog) if c != REGION))


def column_codelist(column: str, catalog: Catalog | None = None) -> str | None:
    """The id of the codelist behind a values-table column (``None`` for a column without one).

    >>> column_codelist("country"), column_codelist("region"), column_codelist("value")
    ('country', 'subdivision', None)
    """
    for c, list_id, _a in _national(catalog):
        if c == column:
            return list_id
    if column == REGION:
        return REGION_CODELIST
    if column in ("country", "status") or column in DISAGGREGATIONS:
        return column
    return None


def codelist_columns(catalog: Catalog | None = None) -> tuple[str, ...]:
    """Every column whose cells are codes of a codelist (country, region, the disaggregations, status)."""
    return ("country", REGION, *disaggregation_columns(catalog), "status")


#: The columns :func:`to_codes` maps (with a national overlay's disaggregations).
MAPPED_COLUMNS: tuple[str, ...] = codelist_columns()


def canonical_column(name: str, catalog: Catalog | None = None) -> str | None:
    """The canonical values-table column for a header (any accepted alias), or ``None``.

    A national overlay's columns and aliases count when its ``catalog`` is given.

    >>> canonical_column("Departamento"), canonical_column("estado"), canonical_column("Sexo")
    ('region', None, 'sex')
    """
    key = _fold(name)
    for column, _list, aliases in _national(catalog):
        if key == column or key in {_fold(a) for a in aliases}:
            return column
    return _ALIAS_INDEX.get(key)


def rename_columns(columns: Iterable[str], catalog: Catalog | None = None) -> dict[str, str]:
    """Map each recognised header to its canonical name (first one wins if two map to the same)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        canon = canonical_column(col, catalog)
        if canon is not None and canon not in taken:
            out[col] = canon
            taken.add(canon)
    return out


def key_columns(frame: pd.DataFrame, catalog: Catalog | None = None) -> list[str]:
    """The identifying columns of ``frame``: country, year, indicator, the sub-national unit and the
    disaggregations present (with a national overlay's own)."""
    extra = [REGION] if REGION in frame.columns else []
    return [*KEY_COLUMNS, *extra, *(d for d in disaggregation_columns(catalog) if d in frame.columns)]


def empty_values() -> pd.DataFrame:
    """An empty values table with the standard columns and dtypes."""
    dtypes = {c: "string" for c in VALUE_COLUMNS}
    dtypes.update({"year": "Int64", "value": "float64", "se": "float64", "ci_low": "float64",
                   "ci_high": "float64", "cv": "float64", "n": "Int64"})
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in VALUE_COLUMNS})


# -- codes: any accepted form -> the code ----------------------------------------------------------

def _key(text: Any) -> str:
    """A loose key: folded, punctuation as spaces, ``st``/``ste`` read as saint(e), no article."""
    words = _fold(str(text)).split("_")
    words = [{"st": "saint", "ste": "sainte", "sta": "santa", "sto": "santo"}.get(w, w) for w in words if w]
    if words and words[0] in ("the", "la", "las", "le", "les", "a", "o", "el"):
        words = words[1:]
    return " ".join(w for w in words if w not in ("and", "y", "e", "et", "&"))


_INDEXES: dict[int, tuple[Codelist, dict[str, str]]] = {}


def _index(codelist: Codelist) -> dict[str, str]:
    cached = _INDEXES.get(id(codelist))
    if cached is not None and cached[0] is codelist:
        return cached[1]
    out: dict[str, str] = {}
    for c in codelist.codes:
        code = str(c["code"])
        for alias in (code, *c["name"].values(), *c.get("aliases", ())):
            out.setdefault(_key(alias), code)
    _INDEXES[id(codelist)] = (codelist, out)
    return out


def _lookup(codelist: Codelist, text: Any) -> str | None:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    found = codelist.resolve(str(text))
    return found if found is not None else _index(codelist).get(_key(text))


def _shipped(codelist_id: str) -> Codelist:
    from .catalog import load_codelist

    return load_codelist(codelist_id)


def resolve_country(text: Any) -> str | None:
    """The ISO 3166-1 alpha-3 code of an OAS member state from any accepted form, or ``None``.

    Accepted: alpha-3 and alpha-2 codes, names in en/es/pt/fr (any case, with or without
    accents), common variants (``St. Lucia``, ``EE.UU.``) and official long names.

    >>> resolve_country("República Federativa do Brasil"), resolve_country("st lucia")
    ('BRA', 'LCA')
    """
    return _lookup(_shipped("country"), text)


@lru_cache(maxsize=1)
def _subdivisions() -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Per country (alpha-3): ISO 3166-2 subdivisions by loose key, and by name for prefix matches."""
    lists: dict[str, tuple[dict[str, str], dict[str, str]]] = {}
    for c in _shipped(REGION_CODELIST).codes:
        code, country = str(c["code"]), str(c.get("country", ""))
        exact, names = lists.setdefault(country, ({}, {}))
        suffix = code.split("-", 1)[1]
        for alias in (code, suffix, *c["name"].values(), *c.get("aliases", ())):
            exact.setdefault(_key(alias), code)
        for name in c["name"].values():
            names.setdefault(_key(name), code)
    return lists


def resolve_region(text: Any, country: str | None = None, catalog: Catalog | None = None) -> str | None:
    """The code of a sub-national unit from any accepted form, or ``None``.

    A national overlay's codelist (``regions:`` in ``catalog``) comes first: its codes, names
    and aliases. Then ISO 3166-2: a code (``PE-LIM``), or within ``country`` a code without its
    prefix (``LIM``), a name (``Lima``) or the unique start of a name (``Coahuila`` for
    ``Coahuila de Zaragoza``).

    >>> resolve_region("Cusco", "PER"), resolve_region("mx-cmx"), resolve_region("Veracruz", "MEX")
    ('PE-CUS', 'MX-CMX', 'MX-VER')
    """
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return None
    for column, list_id, _aliases in _national(catalog):
        if column == REGION:
            found = _lookup(catalog.codelist(list_id), text)  # type: ignore[union-attr]
            if found is not None:
                return found
    iso = _shipped(REGION_CODELIST)
    upper = str(text).strip().upper()
    if upper in iso:
        return upper
    if country is None:
        return None
    exact, names = _subdivisions().get(str(country), ({}, {}))
    key = _key(text)
    if key in exact:
        return exact[key]
    starts = {code for name, code in names.items() if key and name.startswith(key + " ")}
    return starts.pop() if len(starts) == 1 else None


def resolve_code(column: str, text: Any, catalog: Catalog | None = None, country: str | None = None) -> str | None:
    """The code of ``text`` in the codelist of a values-table column, or ``None``.

    >>> resolve_code("sex", "Mujeres"), resolve_code("area", "zona rural"), resolve_code("status", "estimado")
    ('F', 'R', 'estimated')
    """
    if column == "country":
        return resolve_country(text)
    if column == REGION:
        return resolve_region(text, country, catalog)
    list_id = column_codelist(column, catalog)
    if list_id is None:
        return None
    codelist = catalog.codelist(list_id) if catalog is not None else _shipped(list_id)
    return _lookup(codelist, text)


def to_codes(frame: pd.DataFrame, catalog: Catalog | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A values table with canonical column names and codes in every codelist column.

    Numbers written with a decimal comma (``9,1``) in ``value`` and the precision columns are read
    as numbers. Returns the table (original index kept; a cell that does not resolve is left as
    typed, for validation to report) and what was mapped: one row per distinct change, columns
    ``column, value, code, rows``.

    >>> t = pd.DataFrame({"País": ["Perú", "Haïti", "PER"], "Año": [2020] * 3, "Sexo": ["Mujeres"] * 3})
    >>> coded, mapped = to_codes(t)
    >>> coded["country"].tolist(), coded.columns.tolist()
    (['PER', 'HTI', 'PER'], ['country', 'year', 'sex'])
    >>> mapped.values.tolist()
    [['country', 'Haïti', 'HTI', 1], ['country', 'Perú', 'PER', 1], ['sex', 'Mujeres', 'F', 3]]
    """
    out = frame.rename(columns=rename_columns(frame.columns, catalog))
    out = out.loc[:, ~out.columns.duplicated()]
    records: list[dict[str, Any]] = []
    countries = out["country"] if "country" in out.columns else None
    for column in codelist_columns(catalog):
        if column not in out.columns:
            continue
        cells = out[column]
        text = cells.astype("string").str.strip()
        text = text.mask(text.eq("").fillna(False))
        if column == REGION and countries is not None:
            pairs = pd.DataFrame({"t": text, "c": _country_codes(countries)})
            uniq = pairs.dropna(subset=["t"]).drop_duplicates()
            lookup = {(t, c): resolve_region(t, None if pd.isna(c) else c, catalog)
                      for t, c in uniq.itertuples(index=False)}
            coded = pd.Series([lookup.get((t, c)) if not pd.isna(t) else None
                               for t, c in pairs.itertuples(index=False)], index=out.index, dtype="string")
        else:
            lookup1 = {t: resolve_code(column, t, catalog) for t in pd.unique(text.dropna())}
            coded = text.map(lookup1).astype("string")
        new = coded.fillna(text)
        changed = text.notna() & coded.notna() & text.ne(coded).fillna(False)
        if changed.any():
            counts = pd.DataFrame({"value": text[changed], "code": coded[changed]}).value_counts(sort=False)
            for (value, code), n in sorted(counts.items()):
                records.append({"column": column, "value": str(value), "code": str(code), "rows": int(n)})
        out[column] = new
    for column in ("value", *PRECISION_COLUMNS):
        if column in out.columns and not pd.api.types.is_numeric_dtype(out[column].dtype):
            out[column] = _decimal_commas(out[column])
    mapped = pd.DataFrame(records, columns=["column", "value", "code", "rows"])
    return out, mapped


_COMMA_NUMBER = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+"


def _decimal_commas(cells: pd.Series) -> pd.Series:
    """Numbers written with a decimal comma (``9,1``, ``1.234,5``) as numbers; other cells unchanged."""
    text = cells.astype("string").str.strip()
    comma = text.str.fullmatch(_COMMA_NUMBER).fillna(False).astype(bool)
    if not comma.any():
        return cells
    numbers = pd.to_numeric(text[comma].str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    out = cells.astype(object).copy()
    out[comma] = numbers.astype(float)
    return out


def _country_codes(cells: pd.Series) -> pd.Series:
    text = cells.astype("string").str.strip()
    lookup = {t: resolve_country(t) for t in pd.unique(text.dropna())}
    return text.map(lookup).astype("string")
