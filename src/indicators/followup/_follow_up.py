"""Putting it together: each recommendation's status history, counted status, evidence and signal.

A unit of follow-up is a recommendation and a State: a recommendation to every State gives one
unit per State in scope. For each unit, the latest status of each reporter is kept side by side;
the status counted is the Committee's latest assessment when there is one, otherwise (``count=
"committee_first"``) the State's latest report, then civil society's; with ``count="committee_only"``
a unit the Committee has not assessed counts as ``no_information``.

>>> import indicators as ind
>>> fu = ind.follow_up("sample", "sample")
>>> table = fu.compliance()
>>> bool((table["n"] == table[list(fu.statuses)].sum(axis=1)).all())
True
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from .. import _codes
from .._options import validate_options
from .._results import Result, Summary, write_text
from ..i18n import Lang, check_lang, check_option, message
from ..report import ReportFormat
from ._evidence import EVIDENCE_COLUMNS, combine, indicator_changes
from ._recommendations import Recommendations, load_recommendations
from ._records import FollowUpRecords, no_records, read_follow_up

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..report import Report

__all__ = ["COUNT_RULES", "CountRule", "FollowUp", "follow_up"]

CountRule = Literal["committee_first", "committee_only"]
COUNT_RULES: tuple[str, ...] = ("committee_first", "committee_only")
NO_INFORMATION = "no_information"
#: Columns of :meth:`FollowUp.to_frame` (one row per recommendation and State).
STATUS_COLUMNS: tuple[str, ...] = ("round", "recommendation", "country", "area", "themes", "indicators", "status",
                                   "counted_from", "status_date", "days_to_status", "committee", "state",
                                   "civil_society", "contested", "signal", "disagreement")


@validate_options
@dataclass(frozen=True, eq=False)
class FollowUp(Result):
    """The follow-up of a set of recommendations: statuses, history, evidence and the tables built from them.

    Tables (copies): :meth:`to_frame` (one row per recommendation and State), :attr:`history`
    (every accepted record, in date order), :attr:`evidence` (one row per linked indicator),
    :meth:`compliance`, :meth:`timing`, :meth:`disagreements`. Reports: :meth:`report`.
    """

    recommendations: Recommendations
    records: FollowUpRecords
    catalog: Catalog = field(repr=False)
    countries: tuple[str, ...]
    count: str
    as_of: dt.date | None
    lang: Lang
    _status: pd.DataFrame = field(repr=False)
    _history: pd.DataFrame = field(repr=False)
    _evidence: pd.DataFrame = field(repr=False)

    _stem = "follow_up"

    def __repr__(self) -> str:
        return (f"<FollowUp {self.recommendations.id}: {len(self._status)} recommendation-State pairs, "
                f"{len(self._history)} records, {len(self.countries)} States, count={self.count}>")

    def in_lang(self, lang: Lang) -> FollowUp:
        """The same follow-up with its reports, summaries and check messages in ``lang``."""
        import dataclasses

        lang = check_lang(lang, "FollowUp.in_lang")
        return dataclasses.replace(self, recommendations=self.recommendations.in_lang(lang),
                                   records=self.records.in_lang(lang), lang=lang)

    @property
    def statuses(self) -> tuple[str, ...]:
        """The status codes, in the codelist's order."""
        return tuple(self.records.statuses)

    def to_frame(self) -> pd.DataFrame:
        """One row per recommendation and State: :data:`STATUS_COLUMNS`."""
        return self._status.copy()

    @property
    def history(self) -> pd.DataFrame:
        """Every accepted record, with its round, level and days since adoption, in date order."""
        return self._history.copy()

    @property
    def evidence(self) -> pd.DataFrame:
        """The linked indicators' changes between rounds and their signals."""
        return self._evidence.copy()

    def compliance(self, by: Sequence[str] = ("round", "country", "area")) -> pd.DataFrame:
        """Counted statuses: one row per group, a column per status, ``n`` their sum, ``assessed`` the
        units with a Committee assessment."""
        for b in by:
            check_option("FollowUp.compliance", "by", b, ("round", "country", "area"), self.lang)
        keys = list(by)
        s = self._status
        counts = pd.crosstab([s[k] for k in keys], s["status"]) if len(s) else pd.DataFrame()
        counts = counts.reindex(columns=list(self.statuses), fill_value=0)
        if len(s):
            counts = counts.reset_index()
        else:
            counts = pd.DataFrame(columns=[*keys, *self.statuses])
        counts[list(self.statuses)] = counts[list(self.statuses)].astype("int64")
        counts["n"] = counts[list(self.statuses)].sum(axis=1).astype("int64")
        assessed = s.assign(a=s["committee"].notna()).groupby(keys, sort=True)["a"].sum() if len(s) else None
        counts["assessed"] = (counts.set_index(keys).index.map(assessed).astype("int64") if assessed is not None
                              else pd.Series(dtype="int64"))
        return counts.sort_values(keys, kind="stable").reset_index(drop=True)

    def timing(self) -> pd.DataFrame:
        """Days from the adoption of the recommendations to the first record of each status, per round,
        status and reporter: ``n`` units, median, min and max days."""
        h = self._history
        if h.empty:
            return pd.DataFrame(columns=["round", "status", "reporter", "n", "median_days", "min_days", "max_days"])
        first = h.groupby(["round", "recommendation", "country", "reporter", "status"], sort=True)["days"].min()
        out = first.reset_index().groupby(["round", "status", "reporter"], sort=True)["days"].agg(
            n="size", median_days="median", min_days="min", max_days="max").reset_index()
        order = {s: k for k, s in enumerate(self.statuses)}
        out = out.sort_values(["round", "status", "reporter"], key=lambda c: c.map(order) if c.name == "status" else c,
                              kind="stable")
        return out.reset_index(drop=True)

    def disagreements(self) -> pd.DataFrame:
        """Units whose counted status and indicator signal disagree (``disagreement`` says how)."""
        s = self._status
        return s.loc[s["disagreement"].notna()].reset_index(drop=True)

    # -- output ---------------------------------------------------------------------------------
    def report(self, country: str | None = None, *, lang: Lang | None = None, locale: str | None = None,
               round: str | None = None) -> Report:
        """The follow-up report: of one State (``country``) or of every State per round (hemispheric)."""
        from ._report import build_report

        return build_report(self, country=country, lang=lang or self.lang, locale=locale, round_id=round)

    def _summary(self) -> Summary:
        from ._report import L

        lang = self.lang
        s = self._status
        figures = (
            (L("fig.recommendations", lang), f"{self.recommendations.name(lang)} ({len(self.recommendations)})"),
            (L("fig.units", lang), str(len(s))),
            (L("fig.states", lang), ", ".join(self.countries)),
            (L("fig.records", lang), str(len(self._history))),
            (L("fig.assessed", lang), str(int(s["committee"].notna().sum()) if len(s) else 0)),
            (L("fig.disagreements", lang), str(int(s["disagreement"].notna().sum()) if len(s) else 0)),
            (L("fig.count", lang), L(f"about.count.{self.count}", lang)),
        )
        return Summary(title=L("title.all", lang), figures=figures, table=s.head(5), lang=lang,
                       total=len(s))

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return {"followup_status": self.to_frame(), "followup_compliance": self.compliance(),
                "followup_timing": self.timing(), "followup_disagreements": self.disagreements(),
                "followup_history": self.history, "followup_evidence": self.evidence}

    def _about(self) -> dict[str, Any]:
        return {"recommendations": f"{self.recommendations.id}@{self.recommendations.version}",
                "recommendations_file": self.recommendations.file,
                "recommendations_sha256": self.recommendations.sha256,
                "records_file": self.records.file, "records_sha256": self.records.sha256,
                "catalog": self.catalog.label, "catalog_fingerprint": self.catalog.fingerprint,
                "count": self.count, "as_of": None if self.as_of is None else self.as_of.isoformat(),
                "countries": list(self.countries), "synthetic": self.recommendations.synthetic}

    def to_html(self, path: str | Path | None = None, *, folder: str | Path | None = None) -> str:
        """The follow-up report of every State (per round) as one self-contained HTML page;
        written to ``path`` (inside ``folder`` if given) too."""
        text = self.report().to_html()
        if path is not None:
            write_text(text, path, folder, self.lang)
        return text

    def save(self, folder: str | Path,  # type: ignore[override]  # a report's formats, not a table's
             formats: ReportFormat | Iterable[ReportFormat] = ("html", "xlsx", "docx")) -> dict[str, Path]:
        """Inside ``folder``: the report of every State (``report.*``), one per State in
        ``<ISO3>/``, and the tables of the result (``follow_up.xlsx``, ``follow_up.csv``)."""
        from .._export import escape_formulas, safe_path

        formats = (formats,) if isinstance(formats, str) else tuple(formats)
        written = {f"hemispheric_{k}": v for k, v in self.report().save(folder, formats).items()}
        for c in self.countries:
            written.update({f"{c}_{k}": v for k, v in self.report(c).save(safe_path(folder, c), formats).items()})
        written["tables_xlsx"] = self.to_excel("follow_up.xlsx", folder=folder)
        text = escape_formulas(self.to_frame()).to_csv(index=False, lineterminator="\n")
        written["tables_csv"] = write_text(text, "follow_up.csv", folder, self.lang)
        return written

    def country_part(self, country: str, fmt: Any) -> tuple[list[Any], dict[str, Any]]:
        """Sections and tables for the country report's follow-up section (empty when the State has none)."""
        from ._report import country_section

        return country_section(self, country, fmt)


def _units(recs: Recommendations, countries: Sequence[str]) -> pd.DataFrame:
    rows = []
    for r in recs:
        for c in (countries if r.hemispheric else [r.country]):
            if r.hemispheric or c in countries:
                rows.append({"round": r.round, "recommendation": r.id, "country": c, "area": r.area,
                             "themes": r.themes, "indicators": r.indicators})
    return pd.DataFrame(rows, columns=["round", "recommendation", "country", "area", "themes", "indicators"])


@validate_options
def follow_up(
    recommendations: Recommendations | str | Path,
    records: FollowUpRecords | pd.DataFrame | str | Path | None = None,
    values: pd.DataFrame | None = None,
    *,
    catalog: Catalog | str | Path | None = None,
    scores: Any = None,
    countries: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    count: CountRule = "committee_first",
    level: float = 0.95,
    lang: Lang = "en",
) -> FollowUp:
    """The follow-up of ``recommendations`` from ``records``, with the evidence of the indicators in ``values``.

    ``recommendations`` is a :class:`Recommendations` or a file (``"sample"`` for the shipped sample);
    ``records`` a :class:`FollowUpRecords`, a table or a file (``"sample"``). ``values`` (a values
    table) and ``scores`` (a :class:`~indicators.Scores`, computed from ``values`` when absent) give
    the indicator signals. ``countries`` limits the States (default: those with recommendations or
    records). ``as_of`` ignores records after that date. ``count`` says which status is counted.
    """
    from ..catalog import Catalog as _Catalog
    from ..catalog import load_catalog, load_codelist

    lang = check_lang(lang, "follow_up")
    check_option("follow_up", "count", count, COUNT_RULES, lang)
    recs = recommendations if isinstance(recommendations, Recommendations) else \
        load_recommendations(recommendations, catalog=catalog, lang=lang)
    cat = catalog if isinstance(catalog, _Catalog) else load_catalog(catalog or recs.system)
    if records is None:
        records = no_records(recs, lang)
    if isinstance(records, str) and records == "sample":
        from .._demo import sample_data

        records = sample_data("seguimiento_muestra.csv")
    recs_checked = records if isinstance(records, FollowUpRecords) else read_follow_up(records, recs, lang=lang)
    frame = recs_checked.to_frame()
    if as_of is not None:
        frame = frame.loc[frame["date"] <= as_of]
    if countries is None:
        scope = sorted(set(recs.countries) | set(frame["country"].dropna()))
    else:
        codes = load_codelist("country")
        scope = []
        for c in countries:
            code = codes.resolve(str(c))
            if code is None:
                from ..errors import OptionError

                text = message("followup.unknown_country", lang, value=c, available=", ".join(recs.countries))
                raise OptionError(text, problems=[_codes.problem("followup.unknown_country", lang, field="countries",
                                                                 value=str(c), message=text)])
            scope.append(code)
        scope = sorted(set(scope))
    units = _units(recs, scope)
    rounds = {r.id: r for r in recs.rounds}
    statuses = recs_checked.statuses
    levels = {str(c["code"]): c.get("level") for c in statuses.codes}
    order = {str(c["code"]): int(c.get("counted_order", 9)) for c in recs_checked.reporters.codes}
    history = frame.loc[frame["recommendation"].isin(set(units["recommendation"])) & frame["country"].isin(scope)]
    history = history.assign(
        level=history["status"].map(levels).astype("Float64"),
        days=[(d - rounds[r].adopted).days for d, r in zip(history["date"], history["round"], strict=True)],
    ).astype({"days": "int64"})
    history = history.sort_values(["recommendation", "country", "date", "reporter", "row"],
                                  key=lambda c: c.map(order) if c.name == "reporter" else c, kind="stable")
    history = history.reset_index(drop=True)
    if values is not None and scores is None:
        scores = _scores(values, cat)
    evidence = indicator_changes(units, rounds, cat, values, scores, level) if len(units) else \
        pd.DataFrame(columns=list(EVIDENCE_COLUMNS))
    status = _status(units, history, evidence, rounds, levels, order, count)
    return FollowUp(recs, recs_checked, cat, tuple(scope), count, as_of, lang, status, history, evidence)


def _scores(values: pd.DataFrame, cat: Catalog) -> Any:
    from ..errors import IndicatorsError
    from ..scores import score

    try:
        return score(values, cat.system.id, cat, draws=200)
    except IndicatorsError:
        return None


def _status(units: pd.DataFrame, history: pd.DataFrame, evidence: pd.DataFrame, rounds: dict[str, Any],
            levels: dict[str, Any], order: dict[str, int], count: str) -> pd.DataFrame:
    latest = history.groupby(["recommendation", "country", "reporter"], sort=False).tail(1)
    by_unit: dict[tuple[str, str], dict[str, Any]] = {}
    for r in latest.itertuples():
        by_unit.setdefault((r.recommendation, r.country), {})[r.reporter] = r
    signals = evidence.groupby(["recommendation", "country"], sort=False)["signal"].agg(list).to_dict() \
        if len(evidence) else {}
    rows = []
    for u in units.itertuples():
        voices = by_unit.get((u.recommendation, u.country), {})
        ranked = sorted(voices, key=lambda k: order.get(k, 9))
        if count == "committee_only":
            ranked = [k for k in ranked if k == "committee"]
        chosen = voices[ranked[0]] if ranked else None
        status = chosen.status if chosen is not None else NO_INFORMATION
        signal = combine(signals.get((u.recommendation, u.country), []))
        lvl = levels.get(status)
        disagreement = None
        if lvl is not None and lvl >= 3 and signal in ("worsened", "no_change"):
            disagreement = "status_ahead"
        elif lvl is not None and lvl <= 1 and signal == "improved":
            disagreement = "evidence_ahead"
        said = {k: voices[k].status for k in voices}
        rows.append({
            "round": u.round, "recommendation": u.recommendation, "country": u.country, "area": u.area,
            "themes": "; ".join(u.themes), "indicators": "; ".join(u.indicators), "status": status,
            "counted_from": None if chosen is None else chosen.reporter,
            "status_date": None if chosen is None else chosen.date,
            "days_to_status": None if chosen is None else (chosen.date - rounds[u.round].adopted).days,
            "committee": said.get("committee"), "state": said.get("state"), "civil_society": said.get("civil_society"),
            "contested": len(set(said.values())) > 1, "signal": signal, "disagreement": disagreement,
        })
    out = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    out["days_to_status"] = out["days_to_status"].astype("Int64")
    return out


