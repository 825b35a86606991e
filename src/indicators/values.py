"""The values table: the one long table every part of the library reads or writes.

This module is the one place that knows its columns (see ``docs/values.md``). One row
per observation: a country, a year, an indicator, the value (with its ISO 4217
``currency`` code for amounts), optional disaggregations, its precision, its status,
its source and note (the text of a qualitative sign of progress).

>>> from indicators.values import VALUE_COLUMNS, canonical_column
>>> VALUE_COLUMNS[:4]
('country', 'year', 'indicator', 'value')
>>> canonical_column("País"), canonical_column("año"), canonical_column("indicador")
('country', 'year', 'indicator')
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import pandas as pd

__all__ = [
    "KEY_COLUMNS", "DISAGGREGATIONS", "PRECISION_COLUMNS", "TEXT_COLUMNS", "VALUE_COLUMNS",
    "STATUSES", "TOTAL", "COLUMN_ALIASES", "CURRENCY", "canonical_column", "rename_columns", "empty_values",
    "key_columns",
]

#: Columns that identify an observation (with the disaggregations present).
KEY_COLUMNS: tuple[str, ...] = ("country", "year", "indicator")
#: Disaggregation columns, each backed by a codelist of the same id (``area`` is urban/rural).
DISAGGREGATIONS: tuple[str, ...] = (
    "sex", "age_group", "age_group_broad", "area", "ethnicity", "disability",
    "migration_status", "pregnancy", "income_quintile",
)
#: Precision of an estimated value.
PRECISION_COLUMNS: tuple[str, ...] = ("se", "ci_low", "ci_high", "cv", "n")
#: The ISO 4217 code of an amount (indicators of unit ``currency``); empty for other units.
CURRENCY = "currency"
#: Free text.
TEXT_COLUMNS: tuple[str, ...] = ("source", "note")
#: Every known column, in the order tables are written.
VALUE_COLUMNS: tuple[str, ...] = (
    "country", "year", "indicator", "value", CURRENCY, *DISAGGREGATIONS, *PRECISION_COLUMNS, "status", *TEXT_COLUMNS,
)
#: Allowed status codes (codelist ``status``).
STATUSES: tuple[str, ...] = ("observed", "estimated", "imputed", "provisional", "not_available", "not_applicable")
#: The code meaning "total" (no disaggregation) in every disaggregation column.
TOTAL = "_T"

#: Accepted column names in en, es, pt, fr, folded (lower case, no accents, ``_`` for spaces).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "country": ("country", "pais", "iso3", "country_code", "codigo_pais", "cod_pais", "pays", "estado", "state_party"),
    "year": ("year", "ano", "anio", "anno", "annee", "periodo", "period", "reference_year", "ano_de_referencia"),
    "indicator": ("indicator", "indicador", "indicateur", "indicator_id", "id_indicador", "codigo_indicador"),
    "value": ("value", "valor", "valeur", "dato"),
    "currency": ("currency", "moneda", "divisa", "moeda", "devise", "currency_code", "codigo_moneda"),
    "sex": ("sex", "sexo", "sexe"),
    "age_group": ("age_group", "grupo_de_edad", "grupo_edad", "faixa_etaria", "groupe_d_age", "groupe_age", "edad_quinquenal"),
    "age_group_broad": ("age_group_broad", "grupo_de_edad_amplio", "grupo_edad_amplio", "edad_decenal"),
    "area": ("area", "zona", "area_de_residencia", "urbano_rural", "milieu"),
    "ethnicity": ("ethnicity", "etnia", "pertenencia_etnica", "autoidentificacion_etnica", "etnia_raca", "raca_cor", "ethnicite"),
    "disability": ("disability", "discapacidad", "deficiencia", "handicap"),
    "migration_status": ("migration_status", "condicion_migratoria", "situacion_migratoria", "situacao_migratoria", "statut_migratoire"),
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


def canonical_column(name: str) -> str | None:
    """The canonical values-table column for a header (any accepted alias), or ``None``."""
    return _ALIAS_INDEX.get(_fold(name))


def rename_columns(columns: Iterable[str]) -> dict[str, str]:
    """Map each recognised header to its canonical name (first one wins if two map to the same)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        canon = canonical_column(col)
        if canon is not None and canon not in taken:
            out[col] = canon
            taken.add(canon)
    return out


def key_columns(frame: pd.DataFrame) -> list[str]:
    """The identifying columns of ``frame``: country, year, indicator and the disaggregations present."""
    return [*KEY_COLUMNS, *(d for d in DISAGGREGATIONS if d in frame.columns)]


def empty_values() -> pd.DataFrame:
    """An empty values table with the standard columns and dtypes."""
    dtypes = {c: "string" for c in VALUE_COLUMNS}
    dtypes.update({"year": "Int64", "value": "float64", "se": "float64", "ci_low": "float64",
                   "ci_high": "float64", "cv": "float64", "n": "Int64"})
    return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in VALUE_COLUMNS})
