"""Helpers shared by the country and hemispheric builders: inputs, labels, display frames."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._codes import error
from .._options import option_error
from .._version import __version__
from ..i18n import Lang, message
from .formatting import MISSING, Formatter, label
from .model import Column, Table
from .tables import prepare_scores

if TYPE_CHECKING:
    from ..catalog import Catalog
    from .report import Report


def load(catalog: Any, func: str = "report", lang: str = "en") -> Catalog:
    """A :class:`Catalog` from a catalog or a name/path (anything else: an ``OptionError``)."""
    from ..catalog import Catalog, load_catalog

    if isinstance(catalog, Catalog):
        return catalog
    if not isinstance(catalog, (str, os.PathLike)):
        raise option_error(func, "catalog", catalog, lang=lang, expected="option.expected.catalog")
    return load_catalog(catalog if isinstance(catalog, str) else Path(catalog))


def check_type(value: Any, kind: type | tuple[type, ...], func: str, name: str, lang: str) -> None:
    """An ``OptionError`` naming ``name`` unless ``value`` is None or a ``kind``."""
    if value is not None and not isinstance(value, kind):
        raise option_error(func, name, value, lang=lang, expected=f"option.expected.{name}")


def check_countries(countries: Any, func: str, lang: str) -> list[Any] | None:
    """``countries`` as a list: one code or name alone is a list of one; a non-list is an ``OptionError``."""
    if countries is None:
        return None
    if isinstance(countries, str):
        return [countries]
    if isinstance(countries, (bytes, Mapping)) or not isinstance(countries, Iterable):
        raise option_error(func, "countries", countries, lang=lang, expected="option.expected.countries")
    chosen = list(countries)
    if any(not isinstance(c, str) for c in chosen):
        raise option_error(func, "countries", countries, lang=lang, expected="option.expected.countries")
    return chosen


def check_validation(validation: Any, func: str, lang: str) -> None:
    """``validation`` must be None or a ValidationReport (or an object with its ``issues`` table)."""
    if validation is None or isinstance(getattr(validation, "issues", None), pd.DataFrame):
        return
    raise option_error(func, "validation", validation, lang=lang, expected="option.expected.validation")


def check_year(year: Any, lang: Lang) -> int | None:
    """``year`` as an int (or ``None``), or an ``OptionError`` naming the parameter."""
    if year is None:
        return None
    try:
        value = int(year)
        if value != float(year):
            raise ValueError
    except (TypeError, ValueError):
        text = message("report.bad_year", lang, value=year)
        raise error("report.bad_year", lang, message=text, field="year", value=str(year),
                    expected="a year such as 2020") from None
    return value


def country_name(code: str, lang: Lang) -> str:
    """The country's name in ``lang`` (its code when the codelist does not know it)."""
    from ..catalog import load_codelist

    try:
        countries = load_codelist("country")
        return countries.label(code, lang) if code in countries else code
    except Exception:  # noqa: BLE001 - a missing codelist only costs the name
        return code


def region_name(code: str, catalog: Catalog, lang: Lang) -> str:
    """The name of a sub-national unit (the national codelist first, then ISO 3166-2); its code if unknown."""
    from ..values import REGION, REGION_CODELIST, column_codelist

    for list_id in (column_codelist(REGION, catalog), REGION_CODELIST):
        try:
            codes = catalog.codelist(list_id or REGION_CODELIST)
        except Exception:  # noqa: BLE001 - a missing codelist only costs the name
            continue
        if code in codes:
            return codes.label(code, lang)
    return code


def resolve_country(code: str, available: Sequence[str], lang: Lang) -> str:
    """The ISO3 code for ``code`` (a code, a name or an alias), present in the values."""
    from ..values import resolve_country as country_code

    text = str(code).strip()
    resolved = country_code(text) or text.upper()
    if resolved not in available:
        msg = message(
            "report.unknown_country",
            lang,
            value=code,
            available=", ".join(sorted(available)) or MISSING,
        )
        raise error("report.unknown_country", lang, message=msg, column="country", value=str(code),
                    expected=", ".join(sorted(available)))
    return resolved


#: Monte Carlo draws used when a report computes its own scores (sampling error and method choices).
SCORE_DRAWS = 200


def compute_scores(
    values: pd.DataFrame, catalog: Catalog, scores: Any, lang: Lang
) -> pd.DataFrame | None:
    """``scores`` as a frame; computed with :func:`indicators.score` when not given and available.

    The frame's ``attrs["interval_source"]`` says what its intervals carry (:func:`interval_source`).
    """
    if scores is not None:
        frame = prepare_scores(scores, lang)
        if frame is not None:
            frame.attrs["interval_source"] = interval_source(scores)
        return frame
    try:
        from .. import scores as scores_module
    except ImportError:
        return None
    score = getattr(scores_module, "score", None)
    if score is None:
        return None
    # The scores module's fixed default seed: the same inputs give the same intervals, so the same report.
    result = score(values, catalog.system.id, catalog, draws=SCORE_DRAWS, method_uncertainty=True)
    frame = prepare_scores(result, lang)
    if frame is not None:
        frame.attrs["interval_source"] = interval_source(result)
    return frame


def interval_source(scores: Any) -> str:
    """Which uncertainty score and rank intervals carry: ``sampling`` (the values' standard errors),
    ``method`` (the index's choices: weights, goalposts, aggregation), ``both``, ``none`` (no
    draws) or ``given`` (a table of scores whose making is not recorded)."""
    method = getattr(scores, "method", None)
    if isinstance(method, Mapping):
        if not method.get("draws"):
            return "none"
        factors = set(method.get("factors") or ())
        sampling, other = "sampling" in factors, bool(factors - {"sampling"})
        return "both" if sampling and other else "sampling" if sampling else "method" if other else "none"
    frame = scores if isinstance(scores, pd.DataFrame) else None
    if frame is not None and {"ci_low", "ci_high"} <= set(frame.columns) and \
            pd.to_numeric(frame["ci_low"], errors="coerce").isna().all():
        return "none"
    return "given"


def run_validation(values: pd.DataFrame, catalog: Catalog, validation: Any, lang: Lang) -> Any:
    """The validation report given, or one computed with :func:`indicators.validate` if available."""
    if validation is not None:
        return validation
    try:
        from ..validation import validate
    except ImportError:
        return None
    return validate(values, catalog, lang=lang)


def values_hash(values: pd.DataFrame) -> str:
    """SHA-256 of the values table as CSV: names the exact input a report was built from."""
    text = values.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def translation_note(catalog: Catalog, lang: Lang) -> tuple[str, ...]:
    """The note that the indicator texts in ``lang`` are a translation, not official (none if official)."""
    translation = catalog.translation(lang)
    return (str(translation["note"]),) if translation else ()


def metadata(
    catalog: Catalog, values: pd.DataFrame, lang: Lang, locale: str, **more: Any
) -> dict[str, str]:
    """How the report was made: library version, catalog, input hash, options."""
    out = {
        "library": f"belem-indicators {__version__}",
        "catalog": catalog.label,
        "catalog_fingerprint": catalog.fingerprint,
        "values_sha256": values_hash(values),
        "lang": lang,
        "locale": locale,
    }
    translation = catalog.translation(lang)
    if translation:  # the indicator texts are not official in this language: say whose they are
        out["texts"] = message("report.meta.texts_translated", lang, translator=translation["translated_by"])
    out.update({k: "" if v is None else str(v) for k, v in more.items()})
    return out


def display(frame: pd.DataFrame, columns: Sequence[Column], fmt: Formatter) -> pd.DataFrame:
    """The rows of ``frame`` written as text, column by column, for the screen."""
    out = {}
    for col in columns:
        series = frame[col.key] if col.key in frame.columns else pd.Series([None] * len(frame))
        if col.kind in ("score", "number"):
            out[col.key] = [fmt.number(v, 1) for v in series]
        elif col.kind == "integer":
            out[col.key] = [fmt.integer(v) for v in series]
        elif col.kind == "year":
            out[col.key] = [fmt.year(v) for v in series]
        elif col.kind == "share":
            out[col.key] = [fmt.share(v) for v in series]
        else:
            out[col.key] = [
                MISSING
                if v is None or (not isinstance(v, str) and pd.isna(v)) or v == ""
                else str(v)
                for v in series
            ]
    return pd.DataFrame(out, columns=[c.key for c in columns], dtype=object)


def make_table(
    name: str,
    title: str,
    columns: Sequence[Column],
    frame: pd.DataFrame,
    fmt: Formatter,
    note: str = "",
    sheet_name: str = "",
) -> Table:
    """A :class:`Table` with its display copy; ``frame`` keeps only the declared columns."""
    frame = frame.reset_index(drop=True)
    for col in columns:
        if col.key not in frame.columns:
            frame[col.key] = None
        if col.raw and col.raw not in frame.columns:
            frame[col.raw] = None
    keep = list(dict.fromkeys([*(c.key for c in columns), *(c.raw for c in columns if c.raw)]))
    frame = frame[keep]
    return Table(
        name=name,
        title=title,
        columns=tuple(columns),
        frame=frame,
        display=display(frame, [c for c in columns if c.screen], fmt),
        note=note,
        sheet_name=sheet_name or title,
    )


def status_label(status: Any, lang: Lang) -> str | None:
    """The status code's name in ``lang`` (``observed`` → ``Observado``)."""
    if status is None or (not isinstance(status, str) and pd.isna(status)) or str(status) == "":
        return None
    from ..catalog import load_codelist

    try:
        statuses = load_codelist("status")
        code = statuses.resolve(str(status)) or str(status)
        return statuses.label(code, lang) if code in statuses else str(status)
    except Exception:  # noqa: BLE001
        return str(status)


#: The mark after a trend whose change was tested and is significant (explained in the legend).
SIGNIFICANT_MARK = "*"


def trend_text(code: str, diff_sign: int, lang: Lang, significant: bool | None = None) -> str:
    """A trend code as the reader sees it: an arrow for the value's movement and a word,
    followed by :data:`SIGNIFICANT_MARK` when the change was tested and is significant."""
    arrow = {1: "↑", -1: "↓", 0: "→"}[diff_sign]
    if code in ("none",):
        return MISSING
    if code == "single":
        return label("trend.single", lang)
    if code == "stable":
        return "→ " + label("trend.stable", lang)
    mark = f" {SIGNIFICANT_MARK}" if significant and code != "not_significant" else ""
    return f"{arrow} " + label(f"trend.{code}", lang) + mark


def unit_name(indicator: Any, lang: Lang) -> str:
    """The indicator's unit as a reader says it: its own label, else the unit's name in ``lang``."""
    if indicator.unit_labels:
        return str(indicator.unit_label(lang))
    name = label(f"unit.{indicator.unit}", lang)
    if indicator.unit == "currency" and indicator.currency:
        return name if indicator.currency == "LCU" else str(indicator.currency)
    return name


def dated(report: Report, when: date | None, fmt: Formatter) -> Report:
    """``report`` with its date written in the subtitle (long form, in the locale) and the metadata;
    unchanged without a date, so that the same inputs keep giving the same bytes."""
    if when is None:
        return report
    if not isinstance(when, date):
        text = message("report.bad_date", fmt.lang, value=when)
        raise error("report.bad_date", fmt.lang, message=text, field="date", value=str(when),
                    expected="a datetime.date")
    day = when.date() if isinstance(when, datetime) else when
    subtitle = f"{report.subtitle} · {label('dated', fmt.lang, date=fmt.date(day))}"
    return replace(report, subtitle=subtitle, metadata={**report.metadata, "date": day.isoformat()})
