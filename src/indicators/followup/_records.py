"""Follow-up records: what each voice said of a recommendation, and when.

A records table (CSV, Excel, … read with :func:`indicators.read`, or a DataFrame) has one row
per report on a recommendation: ``recommendation``, ``country`` (needed for a recommendation to
every State), ``date``, ``reporter`` (``state``, ``civil_society``, ``committee``),
``organisation``, ``status`` (the status codelist), ``evidence``, ``source``, ``note``. Column
names and codes may be written in Spanish, Portuguese or French. Every row is accepted or reported.

>>> import indicators as ind, pandas as pd
>>> recs = ind.load_recommendations("sample")
>>> table = pd.DataFrame({"recomendación": ["S1-PER-01", "S1-PER-09"], "fecha": ["10/03/2016", "2016-03-10"],
...                       "informante": ["Estado", "Estado"], "estado": ["parcial", "parcial"],
...                       "evidencia": ["Ley aprobada", "Ley aprobada"]})
>>> rec = ind.read_follow_up(table, recs, lang="es")
>>> rec.validation.issues[["row", "code"]].values.tolist()
[[3, 'followup.unknown_recommendation']]
>>> rec.to_frame()[["recommendation", "country", "date", "status"]].values.tolist()
[['S1-PER-01', 'PER', datetime.date(2016, 3, 10), 'partial']]
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import _codes
from .._options import validate_options
from .._results import Result, Summary, protect_fields
from ..errors import DataError
from ..i18n import Lang, check_lang, message
from ._files import followup_codelist, load_followup_codelist
from ._issues import Issues
from ._recommendations import Recommendations

if TYPE_CHECKING:
    from ..catalog import Codelist
    from ..validation import ValidationReport

__all__ = ["RECORD_COLUMNS", "FollowUpRecords", "read_follow_up"]

#: The columns of a records table, in order, after reading.
RECORD_COLUMNS: tuple[str, ...] = ("row", "recommendation", "round", "country", "date", "reporter", "organisation",
                                   "status", "evidence", "source", "note")
_REQUIRED: tuple[str, ...] = ("recommendation", "date", "reporter", "status")
_ALIASES: dict[str, tuple[str, ...]] = {
    "recommendation": ("recommendation", "recomendacion", "recomendacao", "recommandation", "rec",
                       "recommendation_id", "id_recomendacion"),
    "country": ("country", "pais", "pays", "state_party", "estado_parte", "iso3"),
    "date": ("date", "fecha", "data", "fecha_informe", "report_date"),
    "reporter": ("reporter", "informante", "reported_by", "reportado_por", "quien_informa", "auteur", "actor",
                 "informa"),
    "organisation": ("organisation", "organization", "organizacion", "organizacao", "organisme"),
    "status": ("status", "estado", "estado_de_cumplimiento", "situacion", "situacao", "statut", "cumplimiento",
               "compliance"),
    "evidence": ("evidence", "evidencia", "evidencias", "evidencia_presentada", "preuve", "preuves", "informacion"),
    "source": ("source", "fuente", "fonte", "documento", "document"),
    "note": ("note", "nota", "notas", "observaciones", "observacoes", "remarque", "comment", "comentario"),
}
_INDEX = {alias: canon for canon, aliases in _ALIASES.items() for alias in aliases}
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def _fold(name: str) -> str:
    norm = unicodedata.normalize("NFKD", str(name).strip().casefold())
    text = "".join(ch for ch in norm if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", text)


def _blank(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value)) or (isinstance(value, str)
                                                                               and not value.strip())


def parse_date(value: Any) -> dt.date | None:
    """A date from ``YYYY-MM-DD``, ``DD/MM/YYYY`` (day first, as written in Latin America) or a date object.

    >>> parse_date("10/03/2016"), parse_date("2016-03-10"), parse_date("marzo")
    (datetime.date(2016, 3, 10), datetime.date(2016, 3, 10), None)
    """
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        return None
    text = str(value).strip()
    try:
        if len(text) >= 10 and text[4] == "-":
            return dt.date.fromisoformat(text[:10]) if len(text) == 10 or text[10] in " T" else None
        m = _DMY.match(text)
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None
    return None


@validate_options
@protect_fields(copies=("frame",))
@dataclass(frozen=True, eq=False)
class FollowUpRecords(Result):
    """The records that passed the checks (``to_frame()``), with the check's report and the codelists used."""

    frame: pd.DataFrame = field(repr=False)
    validation: ValidationReport = field(repr=False)
    statuses: Codelist = field(repr=False)
    reporters: Codelist = field(repr=False)
    file: str | None = None
    sha256: str = ""
    lang: Lang = "en"

    _stem = "follow_up_records"

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return (f"<FollowUpRecords {self.file or 'table'}: {len(self.frame)} accepted, "
                f"{len(self.validation.rejected)} rejected>")

    def to_frame(self) -> pd.DataFrame:
        """The accepted records: :data:`RECORD_COLUMNS`, codes resolved, dates as ``datetime.date``."""
        return self.frame

    def in_lang(self, lang: Lang) -> FollowUpRecords:
        """The same records with their summaries and check messages in ``lang``."""
        lang = check_lang(lang, "FollowUpRecords.in_lang")
        return FollowUpRecords(self.frame, self.validation.in_lang(lang), self.statuses, self.reporters,
                               self.file, self.sha256, lang)

    def _summary(self) -> Summary:
        lang = self.lang
        figures = ((message("report.followup.fig.file", lang), self.file or ""),
                   (message("report.followup.fig.accepted", lang), str(len(self.frame))),
                   (message("report.followup.fig.rejected", lang), str(len(self.validation.rejected))),
                   (message("report.followup.fig.checks", lang),
                    f"{self.validation.n_errors} / {self.validation.n_warnings}"))
        return Summary(title=message("report.followup.fig.records_title", lang), figures=figures,
                       table=self.frame.head(5), lang=lang, total=len(self.frame))

    def _about(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "statuses": f"{self.statuses.id}@{self.statuses.version}",
                "reporters": f"{self.reporters.id}@{self.reporters.version}"}


def _headers(raw: pd.DataFrame, issues: Issues) -> dict[str, str]:
    out: dict[str, str] = {}
    for col in raw.columns:
        canon = _INDEX.get(_fold(str(col)))
        if canon is None or canon in out:
            if not (str(col).startswith("Unnamed:") and raw[col].isna().all()):
                issues.add("followup.unknown_column", None, str(col), str(col))
            continue
        out[canon] = str(col)
    return out


@validate_options
def read_follow_up(
    data: pd.DataFrame | str | Path,
    recommendations: Recommendations,
    *,
    statuses: str | Path | None = None,
    reporters: str | Path | None = None,
    lang: Lang = "en",
    lazy: bool = True,
) -> FollowUpRecords:
    """Read and check follow-up records against ``recommendations``.

    ``data`` is a DataFrame or a file for :func:`indicators.read`. ``statuses``/``reporters``
    replace the shipped codelists (YAML codelists of the same shape). Rows with errors are
    left out and reported in ``.validation`` (a :class:`~indicators.ValidationReport`); with
    ``lazy=False`` any error raises :class:`~indicators.DataError`.
    """
    from .._version import __version__
    from ..catalog import load_codelist

    lang = check_lang(lang, "read_follow_up")
    status_list = followup_codelist(statuses, lang) if statuses is not None else load_followup_codelist("status")
    reporter_list = followup_codelist(reporters, lang) if reporters is not None else \
        load_followup_codelist("reporters")
    if isinstance(data, str | Path):
        from ..io import read

        raw = read(data, lang=lang)
    elif isinstance(data, pd.DataFrame):
        raw = data
    else:
        text = message("followup.bad_input", lang, got=type(data).__name__)
        raise DataError(text, problems=[_codes.problem("followup.bad_input", lang, value=type(data).__name__,
                                                       message=text)])
    prov = raw.attrs.get("provenance")
    file = getattr(prov, "file", None) or (str(data) if isinstance(data, str | Path) else None)
    name = Path(file).name if file else None
    rows = ([int(r) for r in raw.index] if raw.index.name == "row" else list(range(2, len(raw) + 2)))
    issues = Issues(name, getattr(prov, "sheet", None))
    headers = _headers(raw, issues)
    for c in _REQUIRED:
        if c not in headers:
            issues.add("followup.missing_column", None, c)
    if len(raw) == 0:
        issues.add("followup.empty_table", None)
    countries = load_codelist("country")
    known = {r.id: r for r in recommendations}
    folded = {r.casefold(): r for r in known}
    records: list[dict[str, Any]] = []
    columns = {canon: raw[header].tolist() for canon, header in headers.items()}
    for pos, row_no in enumerate(rows):
        def cell(canon: str, pos: int = pos) -> Any:
            return columns[canon][pos] if canon in columns else None

        rec_text, rid = cell("recommendation"), None
        for canon in _REQUIRED:
            if canon in headers and _blank(cell(canon)):
                issues.add("followup.missing_value", row_no, headers[canon])
        rec = None
        if not _blank(rec_text):
            rid = folded.get(str(rec_text).strip().casefold())
            if rid is None:
                close = difflib.get_close_matches(str(rec_text).strip(), list(known), n=1, cutoff=0.6)
                issues.add("followup.unknown_recommendation", row_no, headers["recommendation"], rec_text,
                           detail=close[0] if close else None)
            else:
                rec = known[rid]
        status = None
        if not _blank(cell("status")):
            status = status_list.resolve(str(cell("status")))
            if status is None:
                issues.add("followup.unknown_status", row_no, headers["status"], cell("status"), recommendation=rid,
                           detail=", ".join(status_list))
        reporter = None
        if not _blank(cell("reporter")):
            reporter = reporter_list.resolve(str(cell("reporter")))
            if reporter is None:
                issues.add("followup.unknown_reporter", row_no, headers["reporter"], cell("reporter"),
                           recommendation=rid, detail=", ".join(reporter_list))
        when = None
        if not _blank(cell("date")):
            when = parse_date(cell("date"))
            if when is None:
                issues.add("followup.not_a_date", row_no, headers["date"], cell("date"), recommendation=rid)
        country = None
        if not _blank(cell("country")):
            country = countries.resolve(str(cell("country")))
            if country is None:
                issues.add("followup.unknown_country", row_no, headers["country"], cell("country"),
                           recommendation=rid)
        if rec is not None:
            if rec.hemispheric and country is None and _blank(cell("country")):
                issues.add("followup.country_needed", row_no, headers.get("country", "country"), None,
                           recommendation=rid)
            elif not rec.hemispheric:
                if country is not None and country != rec.country:
                    issues.add("followup.country_mismatch", row_no, headers["country"], cell("country"),
                               recommendation=rid, detail=rec.country)
                country = rec.country if country is None and _blank(cell("country")) else country
            if when is not None:
                rnd = recommendations.round(rec.round)
                hi = min(d for d in (rnd.follow_up_until, dt.date.today()) if d is not None)
                if when < rnd.adopted or when > hi:
                    issues.add("followup.date_outside_round", row_no, headers["date"], when.isoformat(),
                               recommendation=rid, lo=rnd.adopted.isoformat(), hi=hi.isoformat(), detail=rnd.id)
            if status not in (None, "no_information") and _blank(cell("evidence")):
                issues.add("followup.evidence_missing", row_no, headers.get("evidence", "evidence"), None,
                           recommendation=rid)

        def text_of(canon: str, pos: int = pos) -> str | None:
            v = cell(canon, pos)
            return None if _blank(v) else str(v).strip()

        records.append({"row": row_no, "recommendation": rid, "round": rec.round if rec else None,
                        "country": country, "date": when, "reporter": reporter,
                        "organisation": text_of("organisation"), "status": status, "evidence": text_of("evidence"),
                        "source": text_of("source"), "note": text_of("note")})
    frame = pd.DataFrame(records, columns=list(RECORD_COLUMNS))
    _across_rows(frame, issues, status_list, headers)
    errors = issues.error_rows()
    table_error = issues.has_table_error()
    keep = pd.Series([not table_error and int(r) not in errors for r in frame["row"]], index=frame.index,
                     dtype=bool)
    kept = frame.loc[keep]
    kept = kept.sort_values(["recommendation", "country", "date", "reporter", "row"], kind="stable")
    sha = getattr(prov, "sha256", None) or hashlib.sha256(
        pd.util.hash_pandas_object(raw.astype("string"), index=False).to_numpy().tobytes()).hexdigest()
    provenance = {"library": "belem-indicators", "version": __version__, "kind": "follow_up_records",
                  "recommendations": f"{recommendations.id}@{recommendations.version}",
                  "statuses": f"{status_list.id}@{status_list.version}",
                  "files": [{"file": file, "sheet": getattr(prov, "sheet", None), "sha256": sha, "rows": len(raw)}]}
    shown = raw.copy()
    shown.index = pd.Index(rows, name="row")
    report = issues.report(shown, "follow_up_records", lang=lang, provenance=provenance)
    if not lazy and not report.ok:
        raise DataError(message("followup.invalid", lang, file=name or "table", errors=report.n_errors),
                        problems=report.issues)
    return FollowUpRecords(kept.reset_index(drop=True), report, status_list, reporter_list, file, sha, lang)


def no_records(recommendations: Recommendations, lang: Lang = "en") -> FollowUpRecords:
    """Follow-up records of a set of recommendations on which nothing was reported yet."""
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in RECORD_COLUMNS})
    rows = pd.DataFrame(index=pd.Index([], name="row", dtype="int64"))
    report = Issues(None).report(rows, "follow_up_records", lang=lang,
                                 provenance={"kind": "follow_up_records", "files": []})
    return FollowUpRecords(frame, report, load_followup_codelist("status"), load_followup_codelist("reporters"),
                           None, "", lang)


def _across_rows(frame: pd.DataFrame, issues: Issues, statuses: Codelist, headers: dict[str, str]) -> None:
    """Duplicate records, and later records contradicting a closed status of the same reporter."""
    closed = {str(c["code"]) for c in statuses.codes if c.get("closed")}
    need = ("recommendation", "country", "date", "reporter", "status")
    rows = [r for r in frame.to_dict("records") if all(r[k] is not None and not _blank(r[k]) for k in need)]
    seen: set[tuple[Any, ...]] = set()
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in rows:
        who = (r["recommendation"], r["country"], r["reporter"], r["organisation"] or "")
        key = (*who, r["date"])
        if key in seen:
            issues.add("followup.duplicate_record", int(r["row"]), headers.get("date", "date"),
                       r["date"].isoformat(), recommendation=r["recommendation"])
        seen.add(key)
        groups.setdefault(who, []).append(r)
    for grp in groups.values():
        closing = None
        for r in sorted(grp, key=lambda x: (x["date"], x["row"])):
            if closing is not None and r["date"] > closing["date"] and r["status"] != closing["status"]:
                issues.add("followup.contradicts_closed", int(r["row"]), headers.get("status", "status"),
                           r["status"], recommendation=r["recommendation"], detail=closing["status"],
                           lo=closing["date"].isoformat(), hi=str(closing["row"]))
            if r["status"] in closed and closing is None:
                closing = r
