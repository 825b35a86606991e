"""The statistical audit of the index in the hemispheric report (tables and a section).

The audit (:func:`indicators.audit`) is read at the report's year: each aggregate's
consistency (Cronbach's alpha, the first principal component's share), the flagged
correlations within aggregates, and the indicators with outliers or a skewed
distribution.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..catalog import Catalog
from ..i18n import Lang
from ._common import make_table
from .formatting import MISSING, Formatter, label
from .model import Column, Section, Table

__all__ = ["audit_section"]


def aggregate_name(unit: str, cat: Catalog, lang: Lang) -> str:
    """A readable name for a score unit: ``legislation/structural`` → ``Legislation · Structural``."""
    areas = {a.id: a.name(lang) for a in cat.areas}
    area, _, kind = str(unit).partition("/")
    if area in areas:
        return f"{areas[area]} · {cat.type_name(kind, lang)}" if kind else areas[area]
    if unit in ("overall", cat.system.id):
        return label("col.overall", lang)
    return str(unit)


def _two(frame: pd.DataFrame, columns: tuple[str, ...], fmt: Formatter) -> pd.DataFrame:
    """Text copies of ``columns`` with two decimals (``<column>_text``)."""
    return frame.assign(**{f"{c}_text": [fmt.number(v, 2) for v in frame[c]] for c in columns})


def _number(key: str, heading: str) -> Column:
    return Column(f"{key}_text", heading, "display", raw=key)


def audit_section(audit: Any, cat: Catalog, fmt: Formatter, year: int | None,
                  names: dict[str, str]) -> tuple[Section, dict[str, Table]] | None:
    """The audit's section and its three tables at ``year`` (``None`` when it has nothing that year)."""
    lang = fmt.lang

    def L(key: str, **values: Any) -> str:
        return label(key, lang, **values)

    def at_year(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[frame["year"] == year] if year is not None else frame.iloc[0:0]

    inds, corr, aggs = at_year(audit.indicators), at_year(audit.correlations), at_year(audit.aggregates)
    if not len(inds) and not len(aggs):
        return None
    shown_year = fmt.year(year) if year is not None else MISSING
    th = dict(audit.thresholds)
    tables: dict[str, Table] = {}

    aggs = _two(aggs.assign(name=[aggregate_name(u, cat, lang) for u in aggs["aggregate"]]),
                ("cronbach_alpha", "pc1_share"), fmt)
    tables["audit_aggregates"] = make_table(
        "audit_aggregates", L("table.audit_aggregates", year=shown_year),
        [Column("name", L("col.aggregate")), Column("children", L("col.parts"), "integer"),
         Column("complete_countries", L("col.complete_countries"), "integer"),
         _number("cronbach_alpha", L("col.alpha")), _number("pc1_share", L("col.pc1_share")),
         Column("aggregate", L("col.code"), screen=False)],
        aggs, fmt, note=L("note.audit_aggregates"), sheet_name=L("sheet.audit_aggregates"))

    flagged = corr.loc[corr["flag"].notna()]
    flagged = _two(flagged.assign(
        name=[aggregate_name(u, cat, lang) for u in flagged["aggregate"]],
        with_name=[aggregate_name(u, cat, lang) if k == "with_aggregate" else u
                   for u, k in zip(flagged["with"], flagged["kind"], strict=True)],
        flag_text=[L(f"flag.{f}") for f in flagged["flag"]],
    ), ("pearson", "spearman", "p_value"), fmt)
    tables["audit_correlations"] = make_table(
        "audit_correlations", L("table.audit_correlations", year=shown_year),
        [Column("name", L("col.aggregate")), Column("unit", L("col.indicator")),
         Column("with_name", L("col.with")), _number("pearson", "Pearson"), _number("spearman", "Spearman"),
         Column("n", L("col.countries"), "integer"), _number("p_value", "p"),
         Column("flag_text", L("col.flag"))],
        flagged, fmt, note=L("note.audit_correlations"), sheet_name=L("sheet.audit_correlations"))

    odd = inds.loc[(inds["outliers"] > 0) | inds["flag_skew_kurt"]]
    odd = _two(odd.assign(countries=[", ".join(names.get(c.strip(), c.strip()) for c in str(t).split(",") if c.strip())
                                     for t in odd["outlier_countries"].fillna("")]),
               ("skewness", "kurtosis"), fmt)
    tables["audit_indicators"] = make_table(
        "audit_indicators", L("table.audit_indicators", year=shown_year),
        [Column("indicator", L("col.indicator")), Column("n", L("col.countries"), "integer"),
         _number("skewness", L("col.skewness")), _number("kurtosis", L("col.kurtosis")),
         Column("outliers", L("col.outliers"), "integer"), Column("countries", L("col.outlier_countries"))],
        odd, fmt, note=L("note.audit_indicators"), sheet_name=L("sheet.audit_indicators"))

    summary = L(
        "hemi.audit_summary",
        skewed=fmt.integer(int(inds["flag_skew_kurt"].sum())), n=fmt.integer(len(inds)),
        outliers=fmt.integer(int((inds["outliers"] > 0).sum())),
        t_skew=fmt.number(th.get("t_skew", 2.0), 1), t_kurt=fmt.number(th.get("t_kurt", 3.5), 1),
        negative=fmt.integer(int((corr["flag"] == "negative").sum())),
        collinear=fmt.integer(int((corr["flag"] == "collinear").sum())),
        negative_r=fmt.number(th.get("negative", -0.4), 1), collinear_r=fmt.number(th.get("collinear", 0.9), 1),
    )
    section = Section("audit", L("section.audit"), 2, (L("hemi.audit_intro", year=shown_year), summary), (),
                      tuple(tables))
    return section, tables
