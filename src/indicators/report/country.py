"""The country report: one State's profile, focus area by focus area.

For each area: the indicator table (in the catalog's order), the area score with its
interval and coverage beside the regional median, and a chart; then the six areas
together, the outcome indicators with their precision, the data gaps, the signs of
progress and the validation summary.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
import pandas as pd

from .._options import CVLimits, cv_limits_from_percent, validate_options
from ..catalog import Catalog, Indicator
from ..i18n import Lang, check_lang
from ._common import (
    SIGNIFICANT_MARK,
    check_type,
    check_validation,
    check_year,
    compute_scores,
    country_name,
    dated,
    load,
    make_table,
    metadata,
    region_name,
    resolve_country,
    run_validation,
    status_label,
    translation_note,
    trend_text,
    unit_name,
)
from .charts import ChartBook
from .formatting import MISSING, Formatter, label
from .model import ChartSpec, Column, Section, Table
from .report import Report
from .tables import (
    SCORE_COLUMNS,
    gap_rows,
    latest_values,
    precision,
    prepare_values,
    quality_flag,
    sign_rows,
    to_points,
    trend_change,
    trend_code,
)

__all__ = ["country_report"]


@validate_options
def country_report(
    values: pd.DataFrame,
    catalog: Catalog | str = "mesecvi",
    *,
    country: str,
    lang: Lang = "en",
    locale: str | None = None,
    scores: Any = None,
    validation: Any = None,
    year: int | None = None,
    cv_limits: CVLimits = (0.15, 0.30),
    date: datetime.date | None = None,
    follow_up: Any = None,
    cv_thresholds: tuple[float, float] | None = None,
) -> Report:
    """The profile of one State: indicators, scores, charts, precision, gaps, signs of progress.

    ``scores`` is a ``Scores`` object or its DataFrame (computed with
    :func:`indicators.score` when absent and available); ``validation`` a
    ``ValidationReport`` (computed when absent and available). ``year`` caps the data
    used (default: the latest). ``locale`` (``es_MX``, ``es_AR``, …) sets how numbers
    are written; the default follows ``lang``. ``cv_limits`` are the coefficients of
    variation (fractions) from which an estimate is flagged "use with caution" and
    "unreliable" (``cv_thresholds``, the same in percent, is deprecated). ``follow_up``
    (a ``FollowUp``) adds a section on the follow-up of the Committee's recommendations to the State.

    >>> import indicators as ind, pandas as pd
    >>> cat = ind.load_catalog("mesecvi")
    >>> first = cat.ids[0]
    >>> values = pd.DataFrame({"country": ["PER", "PER"], "year": [2014, 2020],
    ...                        "indicator": [first, first], "value": [None, None]})
    >>> rep = country_report(values, cat, country="PER", lang="es", scores=pd.DataFrame(
    ...     columns=["country", "year", "level", "unit", "score", "ci_low", "ci_high", "rank",
    ...              "rank_low", "rank_high", "coverage"]), validation=None)
    >>> rep.title
    'Perfil de país: Perú'
    """
    lang = check_lang(lang, "country_report")
    if cv_thresholds is not None:  # deprecated: percent
        cv_limits = cv_limits_from_percent(cv_thresholds, "country_report", lang)
    fmt = Formatter.of(lang, locale)
    cat = load(catalog, "country_report", lang)
    year = check_year(year, lang)
    check_validation(validation, "country_report", lang)
    if follow_up is not None:
        from ..followup import FollowUp

        check_type(follow_up, FollowUp, "country_report", "follow_up", lang)
    vals = prepare_values(values, lang, cat)
    code = resolve_country(country, sorted(vals["country"].dropna().unique()), lang)
    sc = compute_scores(values, cat, scores, lang)
    checked = run_validation(values, cat, validation, lang)
    percent = (100 * cv_limits[0], 100 * cv_limits[1])  # the values table holds cv in percent
    builder = _Builder(cat, vals, code, fmt, sc, checked, year, percent, values)
    builder.follow_up = follow_up
    report = builder.build()
    return dated(report, date, fmt)


#: The columns of the detailed validation issues in a country report.
_ISSUE_COLUMNS = ("severity", "code", "file", "sheet", "row", "column", "value", "expected", "message", "hint")

#: The columns of an area's indicator table and of the outcome table (the keys of their rows).
_INDICATOR_COLUMNS = ("indicator", "title", "type", "value", "value_display", "unit", "year", "trend", "rounds",
                      "source", "status", "score", "median")
_OUTCOME_COLUMNS = ("indicator", "title", "year", "value", "value_display", "unit", "ci_low", "ci_high", "interval",
                    "se", "cv", "n", "quality", "source")


class _Builder:
    def __init__(
        self,
        cat: Catalog,
        values: pd.DataFrame,
        country: str,
        fmt: Formatter,
        scores: pd.DataFrame | None,
        validation: Any,
        year: int | None,
        cv_thresholds: tuple[float, float],
        original: pd.DataFrame,
    ) -> None:
        self.cat, self.values, self.country, self.fmt = cat, values, country, fmt
        self.lang = fmt.lang
        self.scores, self.validation, self.year = scores, validation, year
        self.cv_thresholds = cv_thresholds
        self.original = original
        self.own = values.loc[values["country"] == country]
        if year is not None:
            self.own = self.own.loc[self.own["year"] <= year]
        self.name = country_name(country, self.lang)
        self.tables: dict[str, Table] = {}
        self.charts: dict[str, ChartSpec] = {}
        self.sections: list[Section] = []
        self.follow_up: Any = None
        self.score_year = self._score_year()
        self._at: dict[str, pd.DataFrame] = {}
        self._by_unit: dict[tuple[str, str], dict[Any, Any]] = {}
        self._own_rows = {k: g for k, g in self.own.groupby("indicator", sort=False)}

    # -- helpers ------------------------------------------------------------------------
    def L(self, key: str, **values: Any) -> str:
        return label(key, self.lang, **values)

    @property
    def _source(self) -> str:
        """What the score and rank intervals carry: sampling, method, both, none or given."""
        if self.scores is None:
            return "none"
        return str(self.scores.attrs.get("interval_source", "given"))

    def _score_year(self) -> int | None:
        if self.scores is None:
            return None
        own = self.scores.loc[
            (self.scores["country"] == self.country) & self.scores["score"].notna()
        ]
        if self.year is not None:
            own = own.loc[own["year"] <= self.year]
        return None if own.empty else int(own["year"].max())

    def _scores_at(self, level: str) -> pd.DataFrame:
        """Scores of ``level`` in the score year, every country (selected once per level)."""
        if level not in self._at:
            if self.scores is None or self.score_year is None:
                self._at[level] = pd.DataFrame(columns=list(SCORE_COLUMNS))
            else:
                s = self.scores
                self._at[level] = s.loc[(s["level"] == level) & (s["year"] == self.score_year)]
        return self._at[level]

    def _own_score(self, level: str, unit: str) -> pd.Series | None:
        key = ("own", level)
        if key not in self._by_unit:
            s = self._scores_at(level)
            own = s.loc[s["country"] == self.country]
            self._by_unit[key] = {u: own.iloc[i] for i, u in reversed(list(enumerate(own["unit"])))}
        return self._by_unit[key].get(unit)

    def _median(self, level: str, unit: str) -> float:
        key = ("median", level)
        if key not in self._by_unit:
            s = self._scores_at(level)
            self._by_unit[key] = s.dropna(subset=["score"]).groupby("unit")["score"].median().to_dict()
        return float(self._by_unit[key].get(unit, float("nan")))

    # -- parts --------------------------------------------------------------------------
    def build(self) -> Report:
        latest = latest_values(self.own, self.cat.ids, self.year)
        self.latest = {r["indicator"]: r for r in latest.to_dict("records")}
        self._summary()
        for area in self.cat.areas:
            self._area(area)
        self._outcomes()
        self._regions()
        self._gaps()
        self._signs()
        if self.follow_up is not None:  # the follow-up of the recommendations
            sections, tables = self.follow_up.country_part(self.country, self.fmt)
            self.sections.extend(sections)
            self.tables.update(tables)
        self._validation()
        self._about()
        svgs = ChartBook(self.charts, self.fmt)  # each chart drawn when first written
        title = self.L("country.title", country=self.name)
        years = sorted({int(y) for y in self.own["year"].dropna()})
        subtitle = self.L(
            "country.subtitle",
            system=self.cat.name(self.lang),
            years=", ".join(self.fmt.year(y) for y in years) or MISSING,
        )
        meta = metadata(
            self.cat,
            self.original,
            self.lang,
            self.fmt.locale,
            country=self.country,
            year=self.year,
            score_year=self.score_year,
        )
        return Report(
            kind="country",
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

    def _summary(self) -> None:
        paras = self._summary_paragraphs()
        frame = pd.DataFrame(self._area_score_rows())
        cols = [
            Column("area", self.L("col.code"), screen=False),
            Column("area_name", self.L("col.area")),
            Column("score", self.L("col.score"), "score"),
            Column("interval", self.L(f"col.interval_{self._source}"), "interval", sheet=False),
            Column("ci_low", self.L("col.ci_low"), "score", screen=False),
            Column("ci_high", self.L("col.ci_high"), "score", screen=False),
            Column("coverage", self.L("col.score_coverage"), "share"),
            Column("data_coverage", self.L("col.data_coverage"), "share"),
            Column("median", self.L("col.regional_median"), "score"),
            Column("rank", self.L("col.rank"), "integer"),
            Column("ranks", self.L("col.rank_interval"), "interval", sheet=False),
            Column("rank_low", self.L("col.rank_low"), "integer", screen=False),
            Column("rank_high", self.L("col.rank_high"), "integer", screen=False),
        ]
        year_text = self.fmt.year(self.score_year) if self.score_year else MISSING
        self.tables["area_scores"] = make_table(
            "area_scores",
            self.L("table.area_scores", year=year_text),
            cols,
            frame,
            self.fmt,
            note=self.L("note.area_scores") + (" " + self.L(f"interval.{self._source}") if self.scores is not None
                                                else ""),
            sheet_name=self.L("sheet.area_scores"),
        )
        charts: tuple[str, ...] = ()
        if self.score_year is not None:
            self.charts["areas"] = ChartSpec(
                "areas",
                "areas",
                self.L("chart.areas", country=self.name, year=year_text),
                frame.rename(columns={"area_name": "label"})[
                    ["label", "score", "ci_low", "ci_high", "median"]
                ],
                {
                    "country_label": self.name,
                    "median_label": self.L("chart.regional_median"),
                    "interval_label": self.L("chart.interval"),
                    "xlabel": self.L("chart.score_axis"),
                },
                alt=self.L("alt.areas", country=self.name),
            )
            charts = ("areas",)
        self.sections.append(
            Section("summary", self.L("section.summary"), 2, tuple(paras), charts, ("area_scores",))
        )

    def _summary_paragraphs(self) -> list[str]:
        """The opening paragraphs: the system, the indicators with a value, the overall score and rank."""
        n = len(self.cat)
        have = len(self.latest)
        paras = [
            self.L(
                "country.intro",
                country=self.name,
                system=self.cat.name(self.lang),
                label=self.cat.label,
            )
        ]
        paras.append(
            self.L(
                "country.counts",
                have=self.fmt.integer(have),
                total=self.fmt.integer(n),
                share=self.fmt.share(have / n if n else float("nan")),
            )
        )
        if self.scores is None:
            paras.append(self.L("country.no_scores"))
        elif self.score_year is None:
            paras.append(self.L("country.no_country_scores", country=self.name))
        else:
            overall_units = self._scores_at("overall")
            own = overall_units.loc[overall_units["country"] == self.country]
            if not own.empty:
                overall = own.iloc[0]
                paras.append(
                    self.L(
                        "country.overall",
                        year=self.fmt.year(self.score_year),
                        score=self.fmt.number(overall["score"], 1),
                        interval=self.fmt.interval(overall["ci_low"], overall["ci_high"]),
                        median=self.fmt.number(self._median("overall", str(overall["unit"])), 1),
                        rank=self.fmt.integer(overall["rank"]),
                        ranks=self.fmt.rank_interval(overall["rank_low"], overall["rank_high"]),
                        n=self.fmt.integer(overall_units["score"].notna().sum()),
                    )
                )
                paras.append(self.L(f"interval.{self._source}"))
        return paras

    def _area_score_rows(self) -> list[dict[str, Any]]:
        """A row per focus area: its score, interval, coverage, regional median and rank."""
        rows = []
        for area in self.cat.areas:
            ids = [i.id for i in self.cat if i.area == area.id]
            own = self._own_score("area", area.id)
            rows.append(
                {
                    "area": area.id,
                    "area_name": area.name(self.lang),
                    "score": np.nan if own is None else own["score"],
                    "ci_low": np.nan if own is None else own["ci_low"],
                    "ci_high": np.nan if own is None else own["ci_high"],
                    "interval": None
                    if own is None
                    else self.fmt.interval(own["ci_low"], own["ci_high"]),
                    "coverage": np.nan if own is None else own["coverage"],
                    "data_coverage": (sum(i in self.latest for i in ids) / len(ids))
                    if ids
                    else np.nan,
                    "median": self._median("area", area.id),
                    "rank": np.nan if own is None else own["rank"],
                    "rank_low": np.nan if own is None else own["rank_low"],
                    "rank_high": np.nan if own is None else own["rank_high"],
                    "ranks": None
                    if own is None
                    else self.fmt.rank_interval(own["rank_low"], own["rank_high"]),
                }
            )
        return rows

    def _indicator_row(self, ind: Indicator) -> dict[str, Any]:
        rows = self._own_rows.get(ind.id, self.own.iloc[:0]).sort_values("year")
        have = rows.loc[rows["value"].notna() | rows["value_text"].fillna("").str.len().gt(0)]
        records = have.to_dict("records")
        last = self.latest.get(ind.id)
        series = [
            (
                int(r["year"]),
                to_points(ind, r["value"], r["value_text"]),
                None if pd.isna(r["se"]) else float(r["se"]),
            )
            for r in records
        ]
        code = trend_code(series, ind.direction)
        tested = trend_change(series)
        pts = [v for _, v, _ in series if math.isfinite(v)]
        sign = 0 if len(pts) < 2 else int(np.sign(pts[-1] - pts[-2]))
        rounds = " · ".join(
            f"{self.fmt.year(r['year'])}: {self._value(ind, r)}" for r in records
        )
        score = self._own_score("indicator", ind.id)
        said = rows.iloc[-1] if len(rows) else None
        status = (
            last["status"] if last is not None else (said["status"] if said is not None else None)
        )
        return {
            "indicator": ind.id,
            "title": ind.title(self.lang),
            "type": self.cat.type_name(ind.type, self.lang),
            "value": np.nan if last is None else last["value"],
            "value_display": MISSING if last is None else self._value(ind, last),
            "unit": unit_name(ind, self.lang),
            "year": None if last is None else int(last["year"]),
            "trend": trend_text(code, sign, self.lang,
                                None if tested is None else tested["significant"]),
            "rounds": rounds or None,
            "source": None if last is None or pd.isna(last["source"]) else str(last["source"]),
            "status": status_label(status, self.lang),
            "score": np.nan if score is None else score["score"],
            "median": self._median("indicator", ind.id),
        }

    def _value(self, ind: Indicator, row: Any) -> str:
        text = row["value_text"] if isinstance(row["value_text"], str) else None
        if ind.unit == "text":
            text = text or (row["note"] if isinstance(row["note"], str) else None)
        return self.fmt.value(
            row["value"],
            ind.unit,
            categories=ind.categories,
            currency=_currency(ind, row),
            text=text,
        )

    def _indicator_columns(self) -> list[Column]:
        cols = [
            Column("indicator", self.L("col.code")),
            Column("title", self.L("col.indicator")),
            Column("type", self.L("col.type")),
            Column("value_display", self.L("col.latest_value"), "display", raw="value"),
            Column("unit", self.L("col.unit")),
            Column("year", self.L("col.year"), "year"),
            Column("trend", self.L("col.trend")),
            Column("rounds", self.L("col.rounds"), doc=False),
            Column("source", self.L("col.source"), doc=False),
            Column("status", self.L("col.status")),
        ]
        if self.scores is not None:
            cols.append(Column("score", self.L("col.indicator_score"), "score"))
        return cols

    def _area(self, area: Any) -> None:
        inds = [i for i in self.cat if i.area == area.id]
        frame = pd.DataFrame([self._indicator_row(i) for i in inds], columns=list(_INDICATOR_COLUMNS))
        name = f"indicators_{area.id}"
        self.tables[name] = make_table(
            name,
            self.L("table.indicators", area=area.name(self.lang)),
            self._indicator_columns(),
            frame,
            self.fmt,
            sheet_name=f"{area.code} · {area.name(self.lang)}",
        )
        paras = []
        own = self._own_score("area", area.id)
        with_value = int(frame["value_display"].ne(MISSING).sum())
        paras.append(
            self.L(
                "area.counts", have=self.fmt.integer(with_value), total=self.fmt.integer(len(inds))
            )
        )
        if own is not None and pd.notna(own["score"]):
            paras.append(
                self.L(
                    "area.score",
                    year=self.fmt.year(self.score_year),
                    score=self.fmt.number(own["score"], 1),
                    interval=self.fmt.interval(own["ci_low"], own["ci_high"]),
                    coverage=self.fmt.share(own["coverage"]),
                    median=self.fmt.number(self._median("area", area.id), 1),
                )
            )
        elif self.scores is not None:
            paras.append(self.L("area.no_score"))
        words = frame["trend"].fillna("").str.removesuffix(f" {SIGNIFICANT_MARK}")
        improving = words.str.endswith(self.L("trend.improving")).sum()
        worsening = words.str.endswith(self.L("trend.worsening")).sum()
        if improving or worsening:
            paras.append(
                self.L(
                    "area.trends",
                    improving=self.fmt.integer(improving),
                    worsening=self.fmt.integer(worsening),
                )
            )
        charts: tuple[str, ...] = ()
        if self.scores is not None and self.score_year is not None:
            chart = f"area_{area.id}"
            data = pd.DataFrame(
                {
                    "label": [f"{r['indicator']} {r['title']}" for r in frame.to_dict("records")],
                    "score": frame["score"].astype("float64"),
                    "median": frame["median"].astype("float64"),
                    "has_value": frame["value_display"].ne(MISSING),
                }
            )
            self.charts[chart] = ChartSpec(
                chart,
                "bars",
                self.L(
                    "chart.area", area=area.name(self.lang), year=self.fmt.year(self.score_year)
                ),
                data,
                {
                    "country_label": self.name,
                    "median_label": self.L("chart.regional_median"),
                    "xlabel": self.L("chart.indicator_score_axis"),
                },
                alt=self.L("alt.area", area=area.name(self.lang), country=self.name),
            )
            charts = (chart,)
        self.sections.append(
            Section(f"area-{area.id}", area.name(self.lang), 2, tuple(paras), charts, (name,))
        )

    def _outcomes(self) -> None:
        rows, trend_rows = self._outcome_rows()
        frame = pd.DataFrame(rows, columns=list(_OUTCOME_COLUMNS))
        cols = [
            Column("indicator", self.L("col.code")),
            Column("title", self.L("col.indicator")),
            Column("year", self.L("col.year"), "year"),
            Column("value_display", self.L("col.value"), "display", raw="value"),
            Column("unit", self.L("col.unit")),
            Column("interval", self.L("col.ci95"), "interval", sheet=False),
            Column("ci_low", self.L("col.ci_low"), "number", screen=False),
            Column("ci_high", self.L("col.ci_high"), "number", screen=False),
            Column("se", self.L("col.se"), "number"),
            Column("cv", self.L("col.cv"), "number"),
            Column("n", self.L("col.n"), "integer"),
            Column("quality", self.L("col.quality")),
            Column("source", self.L("col.source"), doc=False),
        ]
        low, high = self.cv_thresholds
        note = self.L("note.quality", low=self.fmt.number(low, 0), high=self.fmt.number(high, 0))
        self.tables["outcomes"] = make_table(
            "outcomes",
            self.L("table.outcomes"),
            cols,
            frame,
            self.fmt,
            note=note,
            sheet_name=self.L("sheet.outcomes"),
        )
        paras = [self.L("outcomes.intro"), note] if rows else [self.L("outcomes.none")]
        charts: tuple[str, ...] = ()
        if trend_rows:
            self.charts["outcomes_trend"] = ChartSpec(
                "outcomes_trend",
                "trend",
                self.L("chart.outcomes", country=self.name),
                pd.DataFrame(trend_rows),
                {},
                alt=self.L("alt.outcomes", country=self.name),
            )
            charts = ("outcomes_trend",)
        self.sections.append(
            Section(
                "outcomes",
                self.L("section.outcomes"),
                2,
                tuple(paras),
                charts,
                ("outcomes",) if rows else (),
            )
        )

    def _outcome_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """A row per outcome indicator with a value (its latest value, interval and quality), and the
        rounds of those with two years or more, for the trend chart."""
        rows = []
        trend_rows = []
        for ind in self.cat:
            if ind.type != "outcome":
                continue
            last = self.latest.get(ind.id)
            if last is None:
                continue
            cv = precision(last)
            rows.append(
                {
                    "indicator": ind.id,
                    "title": ind.title(self.lang),
                    "year": int(last["year"]),
                    "value": last["value"],
                    "value_display": self._value(ind, last),
                    "unit": unit_name(ind, self.lang),
                    "ci_low": last["ci_low"],
                    "ci_high": last["ci_high"],
                    "interval": self.fmt.interval(
                        last["ci_low"], last["ci_high"], self.fmt.decimals_for(ind.unit)
                    ),
                    "se": last["se"],
                    "cv": cv,
                    "n": last["n"],
                    "quality": self.L(f"quality.{_quality(cv, last, self.cv_thresholds)}"),
                    "source": None if pd.isna(last["source"]) else str(last["source"]),
                }
            )
            hist = self.own.loc[(self.own["indicator"] == ind.id) & self.own["value"].notna()]
            if ind.unit not in ("yes_no", "category", "text") and hist["year"].nunique() >= 2:
                for r in hist.to_dict("records"):
                    trend_rows.append(
                        {
                            "label": f"{ind.id} {ind.title(self.lang)}",
                            "year": int(r["year"]),
                            "value": r["value"],
                            "ci_low": r["ci_low"],
                            "ci_high": r["ci_high"],
                            "unit": unit_name(ind, self.lang),
                        }
                    )
        return rows, trend_rows

    def _regions(self) -> None:
        """The latest value of each indicator by sub-national unit, with its interval."""
        from ..values import REGION

        regional = prepare_values(self.original, self.lang, self.cat, regions=True)
        regional = regional.loc[regional["country"] == self.country]
        if self.year is not None:
            regional = regional.loc[regional["year"] <= self.year]
        has = regional["value"].notna() | regional["value_text"].fillna("").str.len().gt(0)
        regional = regional.loc[has & regional["indicator"].isin(self.cat.ids)]
        if regional.empty:
            return
        latest = (regional.sort_values(["indicator", REGION, "year"], kind="stable")
                  .groupby(["indicator", REGION], sort=False).tail(1))
        order = {i: k for k, i in enumerate(self.cat.ids)}
        rows = []
        for r in latest.to_dict("records"):
            ind = self.cat[r["indicator"]]
            cv = precision(r)
            rows.append({
                "indicator": ind.id, "title": ind.title(self.lang), "region": str(r[REGION]),
                "region_name": region_name(str(r[REGION]), self.cat, self.lang), "year": int(r["year"]),
                "value": r["value"], "value_display": self._value(ind, r), "unit": unit_name(ind, self.lang),
                "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                "interval": self.fmt.interval(r["ci_low"], r["ci_high"], self.fmt.decimals_for(ind.unit)),
                "cv": cv, "quality": self.L(f"quality.{_quality(cv, r, self.cv_thresholds)}"),
                "order": order[ind.id],
            })
        frame = pd.DataFrame(rows).sort_values(["order", "region"], kind="stable").drop(columns="order")
        frame = frame.reset_index(drop=True)
        cols = [
            Column("indicator", self.L("col.code")),
            Column("title", self.L("col.indicator")),
            Column("region", self.L("col.region_code")),
            Column("region_name", self.L("col.region")),
            Column("year", self.L("col.year"), "year"),
            Column("value_display", self.L("col.value"), "display", raw="value"),
            Column("unit", self.L("col.unit")),
            Column("interval", self.L("col.ci95"), "interval", sheet=False),
            Column("ci_low", self.L("col.ci_low"), "number", screen=False),
            Column("ci_high", self.L("col.ci_high"), "number", screen=False),
            Column("cv", self.L("col.cv"), "number"),
            Column("quality", self.L("col.quality")),
        ]
        self.tables["regions"] = make_table("regions", self.L("table.regions"), cols, frame, self.fmt,
                                            sheet_name=self.L("sheet.regions"))
        n_units, n_ind = frame["region"].nunique(), frame["indicator"].nunique()
        self.sections.append(Section("regions", self.L("section.regions"), 2,
                                     (self.L("regions.intro", units=n_units, indicators=n_ind),),
                                     (), ("regions",)))

    def _gaps(self) -> None:
        rows = []
        for gap in gap_rows(self.values, self.cat, self.country, self.year):
            ind = self.cat[gap["indicator"]]
            rows.append(
                {
                    "indicator": ind.id,
                    "title": ind.title(self.lang),
                    "area": self.cat.area(ind.area).name(self.lang),
                    "type": self.cat.type_name(ind.type, self.lang),
                    "status": status_label(gap["status"], self.lang) or self.L("gap.not_reported"),
                    "note": gap["note"],
                }
            )
        frame = pd.DataFrame(rows, columns=["indicator", "title", "area", "type", "status", "note"])
        cols = [
            Column("indicator", self.L("col.code")),
            Column("title", self.L("col.indicator")),
            Column("area", self.L("col.area")),
            Column("type", self.L("col.type")),
            Column("status", self.L("col.status")),
            Column("note", self.L("col.note")),
        ]
        self.tables["gaps"] = make_table(
            "gaps", self.L("table.gaps"), cols, frame, self.fmt, sheet_name=self.L("sheet.gaps")
        )
        para = (
            self.L(
                "gaps.intro", n=self.fmt.integer(len(rows)), total=self.fmt.integer(len(self.cat))
            )
            if rows
            else self.L("gaps.none")
        )
        self.sections.append(
            Section("gaps", self.L("section.gaps"), 2, (para,), (), ("gaps",) if rows else ())
        )

    def _signs(self) -> None:
        rows = sign_rows(self.values, self.cat, self.country, self.year)
        signs = {s.id: s for s in self.cat.signs}
        table_rows = []
        self.sections.append(
            Section(
                "signs",
                self.L("section.signs"),
                2,
                (self.L("signs.intro") if len(rows) else self.L("signs.none"),),
            )
        )
        for area in self.cat.areas:
            part = (
                rows.loc[rows["indicator"].map(lambda s: signs[s].area) == area.id]
                if len(rows)
                else rows
            )
            if part.empty:
                continue
            items = []
            for r in part.to_dict("records"):
                sign = signs[r["indicator"]]
                source = (
                    "" if pd.isna(r["source"]) else f" ({self.L('signs.source')}: {r['source']})"
                )
                items.append(
                    f"{sign.title(self.lang)} — {self.fmt.year(r['year'])}: {r['text']}{source}"
                )
                table_rows.append(
                    {
                        "area": area.name(self.lang),
                        "sign": sign.id,
                        "title": sign.title(self.lang),
                        "year": int(r["year"]),
                        "text": r["text"],
                        "source": None if pd.isna(r["source"]) else str(r["source"]),
                    }
                )
            self.sections.append(
                Section(f"signs-{area.id}", area.name(self.lang), 3, (), (), (), tuple(items))
            )
        frame = pd.DataFrame(
            table_rows, columns=["area", "sign", "title", "year", "text", "source"]
        )
        cols = [
            Column("area", self.L("col.area")),
            Column("sign", self.L("col.code")),
            Column("title", self.L("col.sign")),
            Column("year", self.L("col.year"), "year"),
            Column("text", self.L("col.text")),
            Column("source", self.L("col.source")),
        ]
        self.tables["signs"] = make_table(
            "signs", self.L("table.signs"), cols, frame, self.fmt, sheet_name=self.L("sheet.signs")
        )

    def _validation(self) -> None:
        v = self.validation
        if v is None:
            self.sections.append(
                Section("validation", self.L("section.validation"), 2, (self.L("validation.none"),))
            )
            return
        issues = getattr(v, "issues", None)
        issues = (
            issues
            if isinstance(issues, pd.DataFrame)
            else pd.DataFrame(columns=["severity", "code", "row", "column", "value", "message"])
        )
        sev = (
            issues["severity"].astype("string").fillna("")
            if "severity" in issues
            else pd.Series(dtype="string")
        )
        paras = self._validation_counts(v, sev)
        summary = (
            issues.assign(severity=sev, code=issues["code"].astype("string"))
            .groupby(["severity", "code"], sort=True, dropna=False)
            .agg(count=("code", "size"), example=("message", "first"))
            .reset_index()
            if len(issues)
            else pd.DataFrame(columns=["severity", "code", "count", "example"])
        )
        cols = [
            Column("severity", self.L("col.severity")),
            Column("code", self.L("col.issue_code")),
            Column("count", self.L("col.count"), "integer"),
            Column("example", self.L("col.example")),
        ]
        self.tables["validation"] = make_table(
            "validation",
            self.L("table.validation"),
            cols,
            summary,
            self.fmt,
            sheet_name=self.L("sheet.validation"),
        )
        detail = issues.copy()
        for c in _ISSUE_COLUMNS:
            if c not in detail:
                detail[c] = None
        dcols = [Column(c, self.L(f"col.issue_{c}"), "integer" if c == "row" else "text", screen=False)
                 for c in _ISSUE_COLUMNS]
        self.tables["validation_issues"] = make_table(
            "validation_issues",
            self.L("table.validation_issues"),
            dcols,
            detail.astype({c: "object" for c in detail.columns if c != "row"}),
            self.fmt,
            sheet_name=self.L("sheet.validation_issues"),
        )
        self.sections.append(
            Section(
                "validation",
                self.L("section.validation"),
                2,
                tuple(paras),
                (),
                ("validation",) if len(summary) else (),
            )
        )

    def _validation_counts(self, v: Any, sev: pd.Series) -> list[str]:
        """Whether the values passed, and the counts of accepted and rejected rows, errors and warnings."""
        accepted = getattr(v, "accepted", None)
        rejected = getattr(v, "rejected", None)
        n_acc = len(accepted) if accepted is not None and hasattr(accepted, "__len__") else None
        n_rej = len(rejected) if rejected is not None and hasattr(rejected, "__len__") else None
        n_err = int(sev.str.casefold().isin(["error", "fatal"]).sum())
        n_warn = int(sev.str.casefold().eq("warning").sum())
        return [
            self.L("validation.ok" if getattr(v, "ok", n_err == 0) else "validation.not_ok"),
            self.L(
                "validation.counts",
                accepted=self.fmt.integer(n_acc),
                rejected=self.fmt.integer(n_rej),
                errors=self.fmt.integer(n_err),
                warnings=self.fmt.integer(n_warn),
            ),
        ]

    def _about(self) -> None:
        low, high = self.cv_thresholds
        paras = (
            self.L(
                "about.catalog",
                system=self.cat.name(self.lang),
                label=self.cat.label,
                fingerprint=self.cat.fingerprint[:12],
            ),
            *translation_note(self.cat, self.lang),
            self.L("about.trend"),
            self.L("about.scores") if self.scores is not None else self.L("country.no_scores"),
            *((self.L(f"interval.{self._source}"),) if self.scores is not None else ()),
            self.L("about.quality", low=self.fmt.number(low, 0), high=self.fmt.number(high, 0)),
        )
        self.sections.append(Section("about", self.L("section.about"), 2, paras))


def _currency(ind: Indicator, row: Any) -> str | None:
    """The ISO 4217 code of an amount: the row's own code for national currency, else the definition's."""
    given = row.get("currency") if hasattr(row, "get") else None
    if ind.currency == "LCU" and isinstance(given, str) and len(given.strip()) == 3:
        return given.strip().upper()
    return ind.currency


def _quality(cv: float, row: Any, thresholds: tuple[float, float]) -> str:
    """The CV's quality flag; a value without precision is a record (no sampling error) unless it
    was estimated, then its precision is unknown."""
    flag = quality_flag(cv, thresholds)
    if flag == "unknown" and str(row.get("status") or "").strip().casefold() not in ("estimated", "imputed"):
        return "no_sampling_error"
    return flag
