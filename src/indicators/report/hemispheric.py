"""The hemispheric report: every State side by side.

A country × focus-area heat map of scores, rankings with their rank intervals, every
indicator across countries (area by area), each country's data coverage and the
statistical audit of the index.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._options import validate_options
from ..catalog import Catalog
from ..errors import DataError, OptionError
from ..i18n import Lang, check_lang, message
from ._audit_section import audit_section
from ._common import (
    check_countries,
    check_year,
    compute_scores,
    country_name,
    dated,
    load,
    make_table,
    metadata,
    resolve_country,
    translation_note,
    unit_name,
)
from .charts import ChartBook
from .country import _currency
from .formatting import MISSING, Formatter, label
from .model import ChartSpec, Column, Section, Table
from .report import Report
from .tables import coverage_by_area, latest_values, prepare_values

__all__ = ["hemispheric_report"]


@validate_options
def hemispheric_report(
    values: pd.DataFrame,
    catalog: Catalog | str = "mesecvi",
    *,
    lang: Lang = "en",
    locale: str | None = None,
    scores: Any = None,
    year: int | None = None,
    countries: Sequence[str] | None = None,
    date: datetime.date | None = None,
    audit: Any = None,
) -> Report:
    """Every country side by side: score heat map, rankings, indicators, coverage, audit.

    ``scores`` is a ``Scores`` object or its DataFrame (computed with
    :func:`indicators.score` when absent and available). ``year`` is the year
    compared (default: the latest year with scores, else with data); indicator values
    are the latest up to that year. ``countries`` limits the report to some States.
    ``audit`` adds the statistical audit of the index (:func:`indicators.audit`): an
    ``Audit``, ``True`` to compute it with the catalog's index, ``False`` to leave it out;
    by default it is computed when the report computes the scores itself.

    >>> import indicators as ind, pandas as pd
    >>> cat = ind.load_catalog("mesecvi")
    >>> first = cat.ids[0]
    >>> values = pd.DataFrame({"country": ["PER", "ARG"], "year": [2020, 2020],
    ...                        "indicator": [first, first], "value": ["legal", "constitutional"]})
    >>> rep = hemispheric_report(values, cat, lang="en", scores=pd.DataFrame(
    ...     columns=["country", "year", "level", "unit", "score", "ci_low", "ci_high", "rank",
    ...              "rank_low", "rank_high", "coverage"]))
    >>> rep.tables["indicators_legislation"].iloc[0].loc[["ARG", "PER"]].tolist()
    ['Constitutional level', 'Legal level']
    """
    lang = check_lang(lang, "hemispheric_report")
    fmt = Formatter.of(lang, locale)
    cat = load(catalog, "hemispheric_report", lang)
    year = check_year(year, lang)
    countries = check_countries(countries, "hemispheric_report", lang)
    vals = prepare_values(values, lang, cat)
    present = sorted(vals["country"].dropna().unique())
    chosen = (
        present if countries is None else [resolve_country(c, present, lang) for c in countries]
    )
    sc = compute_scores(values, cat, scores, lang)
    checked = _audit(values, cat, lang, audit, scores is None)
    report = _Builder(
        cat, vals.loc[vals["country"].isin(chosen)], chosen, fmt, sc, year, values, checked
    ).build()
    return dated(report, date, fmt)


def _audit(values: pd.DataFrame, cat: Catalog, lang: Lang, audit: Any, computed: bool) -> Any:
    """The audit to show: the one given, or computed with the catalog's index (``None``: none)."""
    if audit is False or (audit is None and not computed):
        return None
    if audit is not None and audit is not True:
        if not hasattr(audit, "aggregates") or not hasattr(audit, "correlations"):
            raise OptionError(message("option.invalid", lang, name="audit", func="hemispheric_report",
                                      allowed="an Audit, True, False or None", got=type(audit).__name__))
        return audit
    from ..scores import audit as run_audit

    try:
        return run_audit(values, cat.system.id, cat, lang=lang)
    except DataError:
        return None  # values the index cannot score have no audit either (the scores say why)


class _Builder:
    def __init__(
        self,
        cat: Catalog,
        values: pd.DataFrame,
        countries: list[str],
        fmt: Formatter,
        scores: pd.DataFrame | None,
        year: int | None,
        original: pd.DataFrame,
        audit: Any = None,
    ) -> None:
        self.cat, self.values, self.fmt, self.lang = cat, values, fmt, fmt.lang
        self.original = original
        self.audit = audit
        names = {c: country_name(c, self.lang) for c in countries}
        self.countries = sorted(countries, key=lambda c: (names[c].casefold(), c))
        self.names = names
        self.scores = None if scores is None else scores.loc[scores["country"].isin(countries)]
        self.year = self._year(year)
        self.tables: dict[str, Table] = {}
        self.charts: dict[str, ChartSpec] = {}
        self.sections: list[Section] = []

    def L(self, key: str, **values: Any) -> str:
        return label(key, self.lang, **values)

    @property
    def _source(self) -> str:
        """What the score and rank intervals carry: sampling, method, both, none or given."""
        if self.scores is None:
            return "none"
        return str(self.scores.attrs.get("interval_source", "given"))

    def _year(self, year: int | None) -> int | None:
        if year is not None:
            return year
        if self.scores is not None and self.scores["score"].notna().any():
            return int(self.scores.loc[self.scores["score"].notna(), "year"].max())
        years = self.values["year"].dropna()
        return int(years.max()) if len(years) else None

    def _level(self, level: str) -> pd.DataFrame:
        if self.scores is None:
            return pd.DataFrame(
                columns=[
                    "country",
                    "year",
                    "level",
                    "unit",
                    "score",
                    "ci_low",
                    "ci_high",
                    "rank",
                    "rank_low",
                    "rank_high",
                    "coverage",
                ]
            )
        s = self.scores
        return s.loc[(s["level"] == level) & (s["year"] == self.year)]

    def build(self) -> Report:
        self._heatmap()
        self._rankings()
        for area in self.cat.areas:
            self._indicators(area)
        self._coverage()
        if self.audit is not None:
            found = audit_section(self.audit, self.cat, self.fmt, self.year, self.names)
            if found is not None:
                self.sections.append(found[0])
                self.tables.update(found[1])
        self._about()
        svgs = ChartBook(self.charts, self.fmt)  # each chart drawn when first written
        title = self.L("hemi.title", system=self.cat.name(self.lang))
        subtitle = self.L(
            "hemi.subtitle",
            n=self.fmt.integer(len(self.countries)),
            year=self.fmt.year(self.year) if self.year else MISSING,
        )
        meta = metadata(
            self.cat,
            self.original,
            self.lang,
            self.fmt.locale,
            year=self.year,
            countries=", ".join(self.countries),
        )
        return Report(
            kind="hemispheric",
            title=title,
            subtitle=subtitle,
            lang=self.lang,
            locale=self.fmt.locale,
            sections=tuple(self.sections),
            table_objects=self.tables,
            chart_specs=self.charts,
            svgs=svgs,
            metadata=meta,
        )

    def _area_heatmap(self, name: str, frame: pd.DataFrame, year: Any, share: bool = False) -> ChartSpec:
        """A country × area (and overall) heat map of ``frame``'s area columns."""
        columns = [a.id for a in self.cat.areas] + ["overall"]
        options: dict[str, Any] = {
            "columns": columns,
            "column_labels": [a.name(self.lang) for a in self.cat.areas] + [self.L("col.overall")],
        }
        if share:
            options["share"] = True
        return ChartSpec(
            name,
            "heatmap",
            self.L(f"chart.{name}", year=year),
            frame.rename(columns={"country_name": "label"})[["label", *columns]],
            options,
            alt=self.L(f"alt.{name}", year=year),
        )

    def _latest_scores(self) -> pd.DataFrame:
        """Area and overall scores of each country's latest year with a score, up to the compared year.

        A country whose latest round is older than the compared year keeps its latest scores (and
        their year) rather than an empty cell beside a full data-coverage cell.
        """
        if self.scores is None:
            return self._level("area")
        s = self.scores.loc[self.scores["level"].isin(["area", "overall"]) & self.scores["score"].notna()]
        if self.year is not None:
            s = s.loc[s["year"] <= self.year]
        if s.empty:
            return s
        last = s.groupby("country")["year"].transform("max")
        return s.loc[s["year"] == last]

    def _heatmap(self) -> None:
        latest = self._latest_scores()
        rows = []
        for c in self.countries:
            row: dict[str, Any] = {"country": c, "country_name": self.names[c]}
            own = latest.loc[latest["country"] == c]
            for area in self.cat.areas:
                hit = own.loc[(own["level"] == "area") & (own["unit"] == area.id), "score"]
                row[area.id] = float(hit.iloc[0]) if len(hit) else np.nan
            hit = own.loc[own["level"] == "overall", "score"]
            row["overall"] = float(hit.iloc[0]) if len(hit) else np.nan
            row["score_year"] = int(own["year"].max()) if len(own) else pd.NA
            rows.append(row)
        frame = pd.DataFrame(
            rows,
            columns=["country", "country_name", *(a.id for a in self.cat.areas), "overall", "score_year"],
        )
        frame["score_year"] = frame["score_year"].astype("Int64")
        cols = [
            Column("country", self.L("col.code")),
            Column("country_name", self.L("col.country")),
        ]
        cols += [Column(a.id, a.name(self.lang), "score") for a in self.cat.areas]
        cols.append(Column("overall", self.L("col.overall"), "score"))
        cols.append(Column("score_year", self.L("col.score_year"), "year"))
        year = self.fmt.year(self.year) if self.year else MISSING
        self.tables["heatmap"] = make_table(
            "heatmap",
            self.L("table.heatmap", year=year),
            cols,
            frame,
            self.fmt,
            sheet_name=self.L("sheet.heatmap"),
        )
        paras = [
            self.L(
                "hemi.intro",
                system=self.cat.name(self.lang),
                label=self.cat.label,
                n=self.fmt.integer(len(self.countries)),
                year=year,
            )
        ]
        charts: tuple[str, ...] = ()
        if self.scores is None:
            paras.append(self.L("country.no_scores"))
        elif frame[[a.id for a in self.cat.areas]].notna().any().any():
            order = frame.sort_values(
                ["overall", "country_name"],
                ascending=[False, True],
                na_position="last",
                kind="stable",
            )
            self.charts["heatmap"] = self._area_heatmap("heatmap", order, year)
            charts = ("heatmap",)
            paras.append(self.L("hemi.heatmap_note"))
            older = frame["score_year"].notna() & (frame["score_year"] != self.year)
            if older.any():
                paras.append(self.L("hemi.older_scores", year=year, countries=", ".join(
                    f"{n} ({self.fmt.year(int(y))})" for n, y in zip(frame.loc[older, "country_name"],
                                                                    frame.loc[older, "score_year"], strict=True))))
        self.sections.append(
            Section("summary", self.L("section.heatmap"), 2, tuple(paras), charts, ("heatmap",))
        )

    def _rankings(self) -> None:
        year = self.fmt.year(self.year) if self.year else MISSING
        frame, cols = self._overall_ranking(year)
        self._area_rankings(cols, year)
        charts = self._ranking_chart(frame, year)
        paras = (self.L("hemi.rankings_intro"), self.L(f"interval.{self._source}"))
        self.sections.append(
            Section(
                "rankings",
                self.L("section.rankings"),
                2,
                paras,
                charts,
                ("rankings", "area_rankings"),
            )
        )

    def _overall_ranking(self, year: str) -> tuple[pd.DataFrame, list[Column]]:
        """The overall ranking table (every country, ranked first); its rows and columns."""
        overall = self._level("overall")
        rows = []
        for c in self.countries:
            hit = overall.loc[overall["country"] == c]
            r = hit.iloc[0] if len(hit) else None
            rows.append(
                {
                    "country": c,
                    "country_name": self.names[c],
                    **{
                        k: (np.nan if r is None else r[k])
                        for k in (
                            "score",
                            "ci_low",
                            "ci_high",
                            "rank",
                            "rank_low",
                            "rank_high",
                            "coverage",
                        )
                    },
                }
            )
        frame = pd.DataFrame(rows)
        frame = frame.sort_values(["rank", "country_name"], na_position="last", kind="stable")
        frame["interval"] = [
            self.fmt.interval(lo, hi)
            for lo, hi in zip(frame["ci_low"], frame["ci_high"], strict=True)
        ]
        frame["ranks"] = [
            self.fmt.rank_interval(lo, hi)
            for lo, hi in zip(frame["rank_low"], frame["rank_high"], strict=True)
        ]
        cols = [
            Column("rank", self.L("col.rank"), "integer"),
            Column("country_name", self.L("col.country")),
            Column("score", self.L("col.score"), "score"),
            Column("interval", self.L(f"col.interval_{self._source}"), "interval", sheet=False),
            Column("ci_low", self.L("col.ci_low"), "score", screen=False),
            Column("ci_high", self.L("col.ci_high"), "score", screen=False),
            Column("ranks", self.L("col.rank_interval"), "interval", sheet=False),
            Column("rank_low", self.L("col.rank_low"), "integer", screen=False),
            Column("rank_high", self.L("col.rank_high"), "integer", screen=False),
            Column("coverage", self.L("col.score_coverage"), "share"),
            Column("country", self.L("col.code"), screen=False),
        ]
        self.tables["rankings"] = make_table(
            "rankings",
            self.L("table.rankings", year=year),
            cols,
            frame,
            self.fmt,
            note=self.L("note.rankings"),
            sheet_name=self.L("sheet.rankings"),
        )
        return frame, cols

    def _area_rankings(self, cols: list[Column], year: str) -> None:
        """Every area's ranking, in one long table."""
        areas = self._level("area")
        order = {a.id: a.order for a in self.cat.areas}
        long = areas.assign(
            area_order=areas["unit"].map(order), country_name=areas["country"].map(self.names)
        )
        long = long.loc[long["area_order"].notna()].sort_values(
            ["area_order", "rank", "country_name"], na_position="last", kind="stable"
        )
        names = {a.id: a.name(self.lang) for a in self.cat.areas}
        long = long.assign(
            area=long["unit"].map(names),
            interval=[
                self.fmt.interval(lo, hi)
                for lo, hi in zip(long["ci_low"], long["ci_high"], strict=True)
            ],
            ranks=[
                self.fmt.rank_interval(lo, hi)
                for lo, hi in zip(long["rank_low"], long["rank_high"], strict=True)
            ],
        )
        acols = [Column("area", self.L("col.area")), *cols[:-1]]
        self.tables["area_rankings"] = make_table(
            "area_rankings",
            self.L("table.area_rankings", year=year),
            acols,
            long,
            self.fmt,
            sheet_name=self.L("sheet.area_rankings"),
        )

    def _ranking_chart(self, frame: pd.DataFrame, year: str) -> tuple[str, ...]:
        """The chart of the overall ranks and their intervals, if any country is ranked."""
        charts: tuple[str, ...] = ()
        ranked = frame.loc[frame["rank"].notna()]
        if len(ranked):
            self.charts["rankings"] = ChartSpec(
                "rankings",
                "ranks",
                self.L("chart.rankings", year=year),
                ranked.rename(columns={"country_name": "label"})[
                    ["label", "rank", "rank_low", "rank_high"]
                ],
                {
                    "rank_label": self.L("chart.rank"),
                    "interval_label": self.L("chart.rank_interval"),
                    "xlabel": self.L("chart.rank_axis"),
                },
                alt=self.L("alt.rankings", year=year),
            )
            charts = ("rankings",)
        return charts

    def _indicators(self, area: Any) -> None:
        inds = [i for i in self.cat if i.area == area.id]
        latest = latest_values(self.values, [i.id for i in inds], self.year)
        by = {(r["country"], r["indicator"]): r for r in latest.to_dict("records")}
        rows = []
        for ind in inds:
            row: dict[str, Any] = {
                "indicator": ind.id,
                "title": ind.title(self.lang),
                "type": self.cat.type_name(ind.type, self.lang),
                "unit": unit_name(ind, self.lang),
            }
            for c in self.countries:
                r = by.get((c, ind.id))
                if r is None:
                    row[c], row[f"{c}__raw"] = None, np.nan
                    continue
                text = r["value_text"] if isinstance(r["value_text"], str) else None
                shown = self.fmt.value(
                    r["value"],
                    ind.unit,
                    categories=ind.categories,
                    currency=_currency(ind, r),
                    text=text,
                )
                if self.year is not None and int(r["year"]) != self.year:
                    shown = f"{shown} ({self.fmt.year(r['year'])})"
                row[c], row[f"{c}__raw"] = shown, r["value"]
            rows.append(row)
        frame = pd.DataFrame(rows)
        cols = [
            Column("indicator", self.L("col.code")),
            Column("title", self.L("col.indicator")),
            Column("type", self.L("col.type"), doc=False),
            Column("unit", self.L("col.unit")),
        ]
        cols += [Column(c, self.names[c], "display", raw=f"{c}__raw") for c in self.countries]
        name = f"indicators_{area.id}"
        year = self.fmt.year(self.year) if self.year else MISSING
        self.tables[name] = make_table(
            name,
            self.L("table.indicators", area=area.name(self.lang)),
            cols,
            frame,
            self.fmt,
            note=self.L("note.hemi_indicators", year=year),
            sheet_name=f"{area.code} · {area.name(self.lang)}",
        )
        self.sections.append(Section(f"area-{area.id}", area.name(self.lang), 2, (), (), (name,)))

    def _coverage(self) -> None:
        cov = coverage_by_area(self.values, self.cat, self.countries, self.year)
        cov.insert(1, "country_name", cov["country"].map(self.names))
        cols = [
            Column("country", self.L("col.code")),
            Column("country_name", self.L("col.country")),
        ]
        cols += [Column(a.id, a.name(self.lang), "share") for a in self.cat.areas]
        cols += [
            Column("overall", self.L("col.overall"), "share"),
            Column("indicators_with_value", self.L("col.indicators_with_value"), "integer"),
            Column("indicators", self.L("col.indicators"), "integer"),
        ]
        year = self.fmt.year(self.year) if self.year else MISSING
        self.tables["coverage"] = make_table(
            "coverage",
            self.L("table.coverage", year=year),
            cols,
            cov,
            self.fmt,
            note=self.L("note.coverage"),
            sheet_name=self.L("sheet.coverage"),
        )
        self.charts["coverage"] = self._area_heatmap("coverage", cov, year, share=True)
        self.sections.append(
            Section(
                "coverage",
                self.L("section.coverage"),
                2,
                (self.L("note.coverage"),),
                ("coverage",),
                ("coverage",),
            )
        )

    def _about(self) -> None:
        paras = (
            self.L(
                "about.catalog",
                system=self.cat.name(self.lang),
                label=self.cat.label,
                fingerprint=self.cat.fingerprint[:12],
            ),
            *translation_note(self.cat, self.lang),
            self.L("about.scores") if self.scores is not None else self.L("country.no_scores"),
            *((self.L(f"interval.{self._source}"),) if self.scores is not None else ()),
            self.L("note.rankings"),
        )
        self.sections.append(Section("about", self.L("section.about"), 2, paras))
