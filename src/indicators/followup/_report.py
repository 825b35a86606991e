"""The follow-up reports: per State (every recommendation with its history, evidence and signal) and
per round for every State (compliance by State and focus area, time to each status, disagreements).

Both are :class:`indicators.Report` objects, written to HTML, Excel and Word by the report writers.

>>> import indicators as ind
>>> rep = ind.follow_up("sample", "sample", lang="es").report("PER")
>>> rep.title
'Seguimiento de las recomendaciones: Perú'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import _codes
from ..i18n import Lang, check_lang, message
from ..report import Report
from ..report.formatting import MISSING, Formatter
from ..report.model import Column, Section, Table

if TYPE_CHECKING:
    from ._follow_up import FollowUp

__all__ = ["build_report", "country_section"]


def L(key: str, lang: Lang, **values: Any) -> str:
    """A follow-up label (``report.followup.<key>``) in ``lang``."""
    return message(f"report.followup.{key}", lang, **values)


def _blank(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v)) or v == ""


def _table(name: str, title: str, columns: Sequence[Column], frame: pd.DataFrame, fmt: Formatter,
           note: str = "", sheet: str = "") -> Table:
    frame = frame.reset_index(drop=True)
    for c in columns:
        if c.key not in frame.columns:
            frame[c.key] = None
    frame = frame[[c.key for c in columns]]
    shown = {}
    for c in columns:
        if not c.screen:
            continue
        s = frame[c.key]
        if c.kind == "integer":
            shown[c.key] = [fmt.integer(v) if not _blank(v) else MISSING for v in s]
        elif c.kind in ("number", "score"):
            shown[c.key] = [fmt.number(v, 1) if not _blank(v) else MISSING for v in s]
        elif c.kind == "year":
            shown[c.key] = [fmt.year(v) if not _blank(v) else MISSING for v in s]
        else:
            shown[c.key] = [MISSING if _blank(v) else str(v) for v in s]
    display = pd.DataFrame(shown, columns=[c.key for c in columns if c.screen], dtype=object)
    return Table(name, title, tuple(columns), frame, display, note, (sheet or title)[:31])


class _Names:
    """Codes as the reader says them."""

    def __init__(self, fu: FollowUp, lang: Lang) -> None:
        from ..catalog import load_codelist
        from ._files import load_followup_codelist

        self.fu, self.lang = fu, lang
        self.status_list = fu.records.statuses
        self.reporter_list = fu.records.reporters
        self.themes = fu.recommendations.themes or load_followup_codelist("themes")
        self.countries = load_codelist("country")
        self.areas = {a.id: a.name(lang) for a in fu.catalog.areas}

    def status(self, code: Any) -> str | None:
        return None if _blank(code) else (self.status_list.label(code, self.lang) if code in self.status_list
                                          else str(code))

    def reporter(self, code: Any) -> str | None:
        return None if _blank(code) else (self.reporter_list.label(code, self.lang) if code in self.reporter_list
                                          else str(code))

    def country(self, code: str) -> str:
        return self.countries.label(code, self.lang) if code in self.countries else code

    def area(self, code: str) -> str:
        return self.areas.get(code, code)

    def theme_list(self, codes: str) -> str:
        parts = [t for t in str(codes or "").split("; ") if t]
        return ", ".join(self.themes.label(t, self.lang) if t in self.themes else t for t in parts)

    def signal(self, code: Any) -> str | None:
        return None if _blank(code) else L(f"signal.{code}", self.lang)

    def disagreement(self, code: Any) -> str | None:
        return None if _blank(code) else L(f"disagreement.{code}", self.lang)


def _date(fmt: Formatter, d: Any) -> str | None:
    return None if _blank(d) else fmt.date(d)


def _interval(fmt: Formatter, low: float, high: float) -> str | None:
    if _blank(low) or _blank(high) or not (math.isfinite(low) and math.isfinite(high)) or low == high:
        return None
    return fmt.interval(low, high)


def _status_rows(fu: FollowUp, n: _Names, fmt: Formatter, frame: pd.DataFrame) -> pd.DataFrame:
    recs = fu.recommendations
    rows = []
    for r in frame.itertuples():
        rec = recs[r.recommendation]
        rows.append({
            "recommendation": r.recommendation, "country": n.country(r.country), "area": n.area(r.area),
            "themes": n.theme_list(r.themes), "text": rec.text(n.lang), "indicators": r.indicators,
            "status": n.status(r.status), "counted_from": n.reporter(r.counted_from),
            "status_date": _date(fmt, r.status_date), "days": r.days_to_status,
            "committee": n.status(r.committee), "state": n.status(r.state), "civil_society": n.status(r.civil_society),
            "signal": n.signal(r.signal), "disagreement": n.disagreement(r.disagreement),
            "status_code": r.status, "signal_code": r.signal, "source": rec.source + (f" ¶ {rec.paragraph}"
                                                                                     if rec.paragraph else ""),
        })
    return pd.DataFrame(rows)


def _status_columns(lang: Lang, with_country: bool) -> list[Column]:
    cols = [Column("recommendation", L("col.recommendation", lang))]
    if with_country:
        cols.append(Column("country", L("col.country", lang)))
    cols += [
        Column("area", L("col.area", lang)),
        Column("themes", L("col.themes", lang), doc=False),
        Column("text", L("col.text", lang)),
        Column("indicators", L("col.indicators", lang), doc=False),
        Column("status", L("col.status", lang)),
        Column("counted_from", L("col.counted_from", lang), doc=False),
        Column("status_date", L("col.status_date", lang), doc=False),
        Column("days", L("col.days", lang), "integer", screen=False),
        Column("committee", L("col.committee", lang), doc=False),
        Column("state", L("col.state", lang), doc=False),
        Column("civil_society", L("col.civil_society", lang), doc=False),
        Column("signal", L("col.signal", lang)),
        Column("disagreement", L("col.disagreement", lang), doc=False),
        Column("status_code", L("col.status_code", lang), screen=False),
        Column("signal_code", L("col.signal_code", lang), screen=False),
        Column("source", L("col.source", lang), screen=False),
    ]
    return cols


def _history_table(fu: FollowUp, n: _Names, fmt: Formatter, hist: pd.DataFrame, name: str, title: str,
                   sheet: str) -> Table:
    rows = [{"recommendation": h.recommendation, "date": _date(fmt, h.date), "date_iso": h.date.isoformat(),
             "reporter": n.reporter(h.reporter), "organisation": h.organisation, "status": n.status(h.status),
             "evidence": h.evidence, "source": h.source, "days": h.days} for h in hist.itertuples()]
    cols = [Column("recommendation", L("col.recommendation", n.lang)),
            Column("date", L("col.date", n.lang), sheet=False),
            Column("date_iso", L("col.date", n.lang), screen=False),
            Column("reporter", L("col.reporter", n.lang)), Column("organisation", L("col.organisation", n.lang),
                                                                  doc=False),
            Column("status", L("col.status", n.lang)), Column("evidence", L("col.evidence", n.lang)),
            Column("source", L("col.source", n.lang), doc=False),
            Column("days", L("col.days", n.lang), "integer", doc=False)]
    return _table(name, title, cols, pd.DataFrame(rows), fmt, sheet=sheet)


def _evidence_table(fu: FollowUp, n: _Names, fmt: Formatter, ev: pd.DataFrame, name: str, title: str,
                    sheet: str) -> Table:
    rows = []
    for e in ev.itertuples():
        ind = fu.catalog.get(e.indicator)
        rows.append({"recommendation": e.recommendation, "indicator": e.indicator,
                     "title": ind.title(n.lang) if ind is not None else e.indicator,
                     "method": None if _blank(e.method) else L(f"method.{e.method}", n.lang),
                     "years": None if _blank(e.from_year) else f"{fmt.year(e.from_year)}–{fmt.year(e.to_year)}",
                     "value_from": e.value_from, "value_to": e.value_to, "change": e.change,
                     "interval": _interval(fmt, e.ci_low, e.ci_high), "ci_low": e.ci_low, "ci_high": e.ci_high,
                     "signal": n.signal(e.signal)})
    cols = [Column("recommendation", L("col.recommendation", n.lang)), Column("indicator", L("col.indicator", n.lang)),
            Column("title", L("col.indicator_title", n.lang), doc=False),
            Column("method", L("col.method", n.lang)), Column("years", L("col.years", n.lang)),
            Column("value_from", L("col.value_from", n.lang), "number"),
            Column("value_to", L("col.value_to", n.lang), "number"),
            Column("change", L("col.change", n.lang), "number"),
            Column("interval", L("col.interval", n.lang), "interval", sheet=False),
            Column("ci_low", L("col.ci_low", n.lang), "number", screen=False),
            Column("ci_high", L("col.ci_high", n.lang), "number", screen=False),
            Column("signal", L("col.signal", n.lang))]
    return _table(name, title, cols, pd.DataFrame(rows), fmt, note=L("note.evidence", n.lang), sheet=sheet)


def _about(fu: FollowUp, lang: Lang) -> Section:
    v1, v2 = fu.recommendations.validation, fu.records.validation
    paras = [L(f"about.count.{fu.count}", lang), L("about.signals", lang), L("about.disagreement", lang),
             L("about.validation", lang, recs=v1.n_errors + v1.n_warnings, rejected_recs=len(v1.rejected),
               records=v2.n_errors + v2.n_warnings, rejected_records=len(v2.rejected)),
             L("about.source", lang, name=fu.recommendations.name(lang), version=fu.recommendations.version,
               catalog=fu.catalog.label)]
    if fu.as_of is not None:
        paras.append(L("about.as_of", lang, date=fu.as_of.isoformat()))
    return Section("about", L("section.about", lang), 2, tuple(paras))


def _metadata(fu: FollowUp, lang: Lang, locale: str, **more: Any) -> dict[str, str]:
    from .._version import __version__

    out = {"library": f"belem-indicators {__version__}", "catalog": fu.catalog.label,
           "catalog_fingerprint": fu.catalog.fingerprint,
           "recommendations": f"{fu.recommendations.id}@{fu.recommendations.version}",
           "recommendations_sha256": fu.recommendations.sha256, "records_sha256": fu.records.sha256,
           "count": fu.count, "lang": lang, "locale": locale}
    out.update({k: "" if v is None else str(v) for k, v in more.items()})
    return out


def build_report(fu: FollowUp, *, country: str | None, lang: Lang, locale: str | None,
                 round_id: str | None = None) -> Report:
    """The per-State report (``country``) or the per-round report of every State."""
    from ..errors import DataError

    lang = check_lang(lang, "FollowUp.report")
    fmt = Formatter.of(lang, locale)
    n = _Names(fu, lang)
    rounds = [r for r in fu.recommendations.rounds if round_id is None or r.id == round_id]
    if round_id is not None and not rounds:
        text = message("followup.unknown_round", lang, value=round_id,
                       available=", ".join(r.id for r in fu.recommendations.rounds))
        raise DataError(text, problems=[_codes.problem("followup.unknown_round", lang, field="round", value=round_id,
                                                       message=text)])
    code = None
    if country is not None:
        code = n.countries.resolve(str(country))
        if code not in fu.countries:
            text = message("followup.unknown_country", lang, value=country, available=", ".join(fu.countries))
            raise DataError(text, problems=[_codes.problem("followup.unknown_country", lang, field="country",
                                                           value=str(country), message=text)])
    status = fu.to_frame()
    status = status.loc[status["round"].isin([r.id for r in rounds])]
    if code is not None:
        status = status.loc[status["country"] == code]
    tables: dict[str, Table] = {}
    sections: list[Section] = []
    intro = [L("intro.state" if code else "intro.all", lang, n=fmt.integer(len(status)),
               states=fmt.integer(status["country"].nunique()), rounds=fmt.integer(len(rounds)),
               country=n.country(code) if code else "")]
    if fu.recommendations.synthetic:
        intro.append(L("synthetic", lang))
    counts = status["status"].value_counts()
    count_rows = [{"status": n.status(s), "n": int(counts.get(s, 0)), "code": s} for s in fu.statuses]
    tables["status_counts"] = _table("status_counts", L("table.status_counts", lang), [
        Column("status", L("col.status", lang)), Column("n", L("col.n", lang), "integer"),
        Column("code", L("col.status_code", lang), screen=False)], pd.DataFrame(count_rows), fmt,
        sheet=L("sheet.status_counts", lang))
    disagree = status.loc[status["disagreement"].notna()]
    intro.append(L("intro.disagreements", lang, n=fmt.integer(len(disagree))))
    sections.append(Section("summary", L("section.summary", lang), 2, tuple(intro), (), ("status_counts",)))
    for rnd in rounds:
        part = status.loc[status["round"] == rnd.id]
        paras = [L("round.dates", lang, adopted=fmt.date(rnd.adopted),
                   until=fmt.date(rnd.follow_up_until) if rnd.follow_up_until else MISSING,
                   baseline=fmt.year(rnd.baseline_year),
                   follow=fmt.year(rnd.follow_up_year) if rnd.follow_up_year else MISSING)]
        parts = (_state_tables(fu, n, fmt, rnd, part, code) if code is not None
                 else _all_states_tables(fu, n, fmt, rnd))
        tables.update(parts)
        names = list(parts)
        dis = part.loc[part["disagreement"].notna()]
        t4 = f"disagreements_{rnd.id}"
        tables[t4] = _table(t4, L("table.disagreements", lang, round=rnd.name(lang)),
                            _status_columns(lang, code is None), _status_rows(fu, n, fmt, dis), fmt,
                            note=L("note.disagreement", lang), sheet=f"{rnd.id} {L('sheet.disagreements', lang)}")
        names.append(t4)
        paras.append(L("round.disagreements", lang, n=fmt.integer(len(dis))))
        sections.append(Section(f"round-{rnd.id}", rnd.name(lang), 2, tuple(paras), (), tuple(names)))
    sections.append(_about(fu, lang))
    title = L("title.state", lang, country=n.country(code)) if code else L("title.all", lang)
    subtitle = L("subtitle", lang, name=fu.recommendations.name(lang),
                 rounds=", ".join(r.name(lang) for r in rounds))
    return Report(kind="followup", title=title, subtitle=subtitle, lang=lang, locale=fmt.locale,
                  sections=tuple(sections), table_objects=tables, chart_specs={}, svgs={},
                  metadata=_metadata(fu, lang, fmt.locale, country=code, round=round_id))


def _state_tables(fu: FollowUp, n: _Names, fmt: Formatter, rnd: Any, part: pd.DataFrame,
                  code: str) -> dict[str, Table]:
    """A round's tables in a State's report: its recommendations, their history and evidence."""
    lang = fmt.lang
    hist, ev = fu.history, fu.evidence
    t = f"recommendations_{rnd.id}"
    tables = {t: _table(t, L("table.recommendations", lang, round=rnd.name(lang)),
                        _status_columns(lang, False), _status_rows(fu, n, fmt, part), fmt,
                        note=L("note.status", lang), sheet=f"{rnd.id} {L('sheet.recommendations', lang)}")}
    h = hist.loc[(hist["round"] == rnd.id) & (hist["country"] == code)]
    t2 = f"history_{rnd.id}"
    tables[t2] = _history_table(fu, n, fmt, h, t2, L("table.history", lang, round=rnd.name(lang)),
                                f"{rnd.id} {L('sheet.history', lang)}")
    e = ev.loc[(ev["round"] == rnd.id) & (ev["country"] == code)]
    t3 = f"evidence_{rnd.id}"
    tables[t3] = _evidence_table(fu, n, fmt, e, t3, L("table.evidence", lang, round=rnd.name(lang)),
                                 f"{rnd.id} {L('sheet.evidence', lang)}")
    return tables


def _all_states_tables(fu: FollowUp, n: _Names, fmt: Formatter, rnd: Any) -> dict[str, Table]:
    """A round's tables in the report of every State: compliance by State and by area, timing."""
    lang = fmt.lang
    comp = fu.compliance(("round", "country"))
    comp = comp.loc[comp["round"] == rnd.id].assign(country_name=lambda d: d["country"].map(n.country))
    cols = [Column("country_name", L("col.country", lang)), Column("country", L("col.code", lang),
                                                                   screen=False)]
    cols += [Column(s, n.status(s) or s, "integer") for s in fu.statuses]
    cols += [Column("n", L("col.n", lang), "integer"), Column("assessed", L("col.assessed", lang), "integer")]
    t = f"compliance_states_{rnd.id}"
    tables = {t: _table(t, L("table.compliance_states", lang, round=rnd.name(lang)), cols, comp, fmt,
                        note=L("note.compliance", lang), sheet=f"{rnd.id} {L('sheet.by_state', lang)}")}
    comp_a = fu.compliance(("round", "area"))
    comp_a = comp_a.loc[comp_a["round"] == rnd.id].assign(area_name=lambda d: d["area"].map(n.area))
    cols_a = [Column("area_name", L("col.area", lang)), Column("area", L("col.code", lang), screen=False)]
    cols_a += cols[2:]
    t2 = f"compliance_areas_{rnd.id}"
    tables[t2] = _table(t2, L("table.compliance_areas", lang, round=rnd.name(lang)), cols_a, comp_a, fmt,
                        sheet=f"{rnd.id} {L('sheet.by_area', lang)}")
    tim = fu.timing()
    tim = tim.loc[tim["round"] == rnd.id].assign(status_name=lambda d: d["status"].map(n.status),
                                                reporter_name=lambda d: d["reporter"].map(n.reporter))
    t3 = f"timing_{rnd.id}"
    tables[t3] = _table(t3, L("table.timing", lang, round=rnd.name(lang)), [
        Column("status_name", L("col.status", lang)), Column("reporter_name", L("col.reporter", lang)),
        Column("n", L("col.n", lang), "integer"), Column("median_days", L("col.median_days", lang), "number"),
        Column("min_days", L("col.min_days", lang), "integer"),
        Column("max_days", L("col.max_days", lang), "integer"),
        Column("status", L("col.status_code", lang), screen=False),
        Column("reporter", L("col.reporter_code", lang), screen=False)], tim, fmt,
        note=L("note.timing", lang), sheet=f"{rnd.id} {L('sheet.timing', lang)}")
    return tables


def country_section(fu: FollowUp, country: str, fmt: Formatter) -> tuple[list[Section], dict[str, Table]]:
    """The country report's follow-up section: every recommendation to ``country``, status and signal."""
    lang = fmt.lang
    n = _Names(fu, lang)
    status = fu.to_frame()
    status = status.loc[status["country"] == country]
    if status.empty:
        return [Section("followup", L("section.followup", lang), 2, (L("country.none", lang),))], {}
    paras = [L("country.intro", lang, n=fmt.integer(len(status)),
               disagreements=fmt.integer(int(status["disagreement"].notna().sum())))]
    if fu.recommendations.synthetic:
        paras.append(L("synthetic", lang))
    table = _table("followup", L("table.country", lang), _status_columns(lang, False),
                   _status_rows(fu, n, fmt, status), fmt, note=L("note.status", lang),
                   sheet=L("sheet.followup", lang))
    return [Section("followup", L("section.followup", lang), 2, tuple(paras), (), ("followup",))], {"followup": table}
