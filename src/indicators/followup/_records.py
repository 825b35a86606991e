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
    lang = check_lang(lang, "read_follow_up")
    status_list = followup_codelist(statuses, lang) if statuses is not None else load_followup_codelist("status")
    reporter_list = followup_codelist(reporters, lang) if reporters is not None else \
        load_followup_codelist("reporters")
    raw = _raw_records(data, lang)
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
    ctx = _Context(recommendations, status_list, reporter_list, headers, issues)
    columns = {canon: raw[header].tolist() for canon, header in headers.items()}
    records = [_record(ctx, {canon: values[pos] for canon, values in columns.items()}, row_no)
               for pos, row_no in enumerate(rows)]
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
    report = _validation(raw, rows, issues, ctx, file=file, sheet=getattr(prov, "sheet", None), sha=sha, lang=lang)
    if not lazy and not report.ok:
        raise DataError(message("followup.invalid", lang, file=name or "table", errors=report.n_errors),
                        problems=report.issues)
    return FollowUpRecords(kept.reset_index(drop=True), report, status_list, reporter_list, file, sha, lang)


def _raw_records(data: Any, lang: Lang) -> pd.DataFrame:
    """The records as a table: ``data`` itself, or the file it names read with :func:`indicators.read`."""
    if isinstance(data, str | Path):
        from ..io import read

        return read(data, lang=lang)
    if isinstance(data, pd.DataFrame):
        return data
    text = message("followup.bad_input", lang, got=type(data).__name__)
    raise DataError(text, problems=[_codes.problem("followup.bad_input", lang, value=type(data).__name__,
                                                   message=text)])


class _Context:
    """What every record is checked against: the recommendations, the codelists, the headers."""

    def __init__(self, recommendations: Recommendations, statuses: Codelist, reporters: Codelist,
                 headers: dict[str, str], issues: Issues) -> None:
        from ..catalog import load_codelist

        self.recommendations = recommendations
        self.statuses, self.reporters = statuses, reporters
        self.countries = load_codelist("country")
        self.headers, self.issues = headers, issues
        self.known = {r.id: r for r in recommendations}
        self.folded = {r.casefold(): r for r in self.known}


def _record(ctx: _Context, cells: dict[str, Any], row_no: int) -> dict[str, Any]:
    """One row as a record, each cell checked and read as a code; its problems go to ``ctx.issues``."""
    def cell(canon: str) -> Any:
        return cells.get(canon)

    def text_of(canon: str) -> str | None:
        v = cell(canon)
        return None if _blank(v) else str(v).strip()

    issues, headers = ctx.issues, ctx.headers
    for canon in _REQUIRED:
        if canon in headers and _blank(cell(canon)):
            issues.add("followup.missing_value", row_no, headers[canon])
    rid, rec = _recommendation_of(ctx, cell("recommendation"), row_no)
    status = _coded(ctx, ctx.statuses, "status", cell("status"), row_no, rid, detail=", ".join(ctx.statuses))
    reporter = _coded(ctx, ctx.reporters, "reporter", cell("reporter"), row_no, rid, detail=", ".join(ctx.reporters))
    when = None
    if not _blank(cell("date")):
        when = parse_date(cell("date"))
        if when is None:
            issues.add("followup.not_a_date", row_no, headers["date"], cell("date"), recommendation=rid)
    country = _coded(ctx, ctx.countries, "country", cell("country"), row_no, rid)
    if rec is not None:
        country = _against_recommendation(ctx, rec, row_no, cells, country=country, status=status, when=when)
    return {"row": row_no, "recommendation": rid, "round": rec.round if rec else None,
            "country": country, "date": when, "reporter": reporter,
            "organisation": text_of("organisation"), "status": status, "evidence": text_of("evidence"),
            "source": text_of("source"), "note": text_of("note")}


def _recommendation_of(ctx: _Context, text: Any, row_no: int) -> tuple[str | None, Any]:
    """The id and the recommendation a record names (``None`` when blank or unknown)."""
    if _blank(text):
        return None, None
    rid = ctx.folded.get(str(text).strip().casefold())
    if rid is None:
        close = difflib.get_close_matches(str(text).strip(), list(ctx.known), n=1, cutoff=0.6)
        ctx.issues.add("followup.unknown_recommendation", row_no, ctx.headers["recommendation"], text,
                       detail=close[0] if close else None)
        return None, None
    return rid, ctx.known[rid]


def _coded(ctx: _Context, codelist: Codelist, canon: str, value: Any, row_no: int, rid: str | None,
           **detail: Any) -> str | None:
    """The code of ``value`` in ``codelist``; an unknown one reported as ``followup.unknown_<canon>``."""
    if _blank(value):
        return None
    code = codelist.resolve(str(value))
    if code is None:
        ctx.issues.add(f"followup.unknown_{canon}", row_no, ctx.headers[canon], value, recommendation=rid, **detail)
    return code


def _against_recommendation(ctx: _Context, rec: Any, row_no: int, cells: dict[str, Any], *, country: str | None,
                            status: str | None, when: dt.date | None) -> str | None:
    """Check a record against its recommendation (State, round dates, evidence); the record's State."""
    issues, headers, rid = ctx.issues, ctx.headers, rec.id
    if rec.hemispheric and country is None and _blank(cells.get("country")):
        issues.add("followup.country_needed", row_no, headers.get("country", "country"), None,
                   recommendation=rid)
    elif not rec.hemispheric:
        if country is not None and country != rec.country:
            issues.add("followup.country_mismatch", row_no, headers["country"], cells.get("country"),
                       recommendation=rid, detail=rec.country)
        country = rec.country if country is None and _blank(cells.get("country")) else country
    if when is not None:
        rnd = ctx.recommendations.round(rec.round)
        hi = min(d for d in (rnd.follow_up_until, dt.date.today()) if d is not None)
        if when < rnd.adopted or when > hi:
            issues.add("followup.date_outside_round", row_no, headers["date"], when.isoformat(),
                       recommendation=rid, lo=rnd.adopted.isoformat(), hi=hi.isoformat(), detail=rnd.id)
    if status not in (None, "no_information") and _blank(cells.get("evidence")):
        issues.add("followup.evidence_missing", row_no, headers.get("evidence", "evidence"), None,
                   recommendation=rid)
    return country


def _validation(raw: pd.DataFrame, rows: list[int], issues: Issues, ctx: _Context, *, file: str | None,
                sheet: str | None, sha: str, lang: Lang) -> ValidationReport:
    """The validation report of the records, with the provenance of the file and codelists."""
    from .._version import __version__

    provenance = {"library": "belem-indicators", "version": __version__, "kind": "follow_up_records",
                  "recommendations": f"{ctx.recommendations.id}@{ctx.recommendations.version}",
                  "statuses": f"{ctx.statuses.id}@{ctx.statuses.version}",
                  "files": [{"file": file, "sheet": sheet, "sha256": sha, "rows": len(raw)}]}
    shown = raw.copy()
    shown.index = pd.Index(rows, name="row")
    return issues.report(shown, "follow_up_records", lang=lang, provenance=provenance)


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
