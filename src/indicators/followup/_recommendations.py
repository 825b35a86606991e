"""Recommendations as data: evaluation rounds and the recommendations made in each.

A recommendations file (YAML, ``kind: recommendations``) holds its rounds (adoption date,
end of the follow-up phase, the data years the evaluation and the follow-up look at) and its
recommendations (id, round, State or ``all``, focus area, themes, linked indicators, text per
language, source document). :func:`load_recommendations` checks the file against its schema,
the catalog and the themes codelist; every recommendation is accepted or reported.

>>> import indicators as ind
>>> recs = ind.load_recommendations("sample")
>>> recs.synthetic, len(recs), recs.validation.ok
(True, 38, True)
>>> recs["S1-PER-01"].area
'access_to_justice'
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._options import validate_options
from .._results import Result, Summary, protect_fields
from ..i18n import Lang, check_lang, message
from ._files import _error, check_against, followup_codelist, load_followup_codelist, read_yaml
from ._issues import Issues

if TYPE_CHECKING:
    from ..catalog import Catalog, Codelist
    from ..validation import ValidationReport

__all__ = ["ALL_STATES", "Recommendation", "Recommendations", "Round", "load_recommendations"]

#: The ``country`` of a recommendation made to every State Party.
ALL_STATES = "all"
_SAMPLE = "recomendaciones_muestra.yaml"


def _pick(texts: Mapping[str, str], lang: str) -> str:
    for key in (lang, "en", "es", "pt", "fr"):
        if texts.get(key):
            return str(texts[key])
    return next(iter(texts.values()), "")


@validate_options
@dataclass(frozen=True)
class Round:
    """An evaluation round: when its recommendations were adopted and what its follow-up looks at."""

    id: str
    names: Mapping[str, str]
    adopted: dt.date
    baseline_year: int
    follow_up_until: dt.date | None = None
    follow_up_year: int | None = None
    reference: str = ""

    def name(self, lang: Lang = "en") -> str:
        """The round's name in ``lang`` (or the first language it has)."""
        return _pick(self.names, lang)


@validate_options
@dataclass(frozen=True)
class Recommendation:
    """One recommendation: to a State (ISO3) or to every State (``country == "all"``)."""

    id: str
    round: str
    country: str
    area: str
    themes: tuple[str, ...]
    indicators: tuple[str, ...]
    texts: Mapping[str, str]
    source: str
    paragraph: str | None = None
    line: int | None = None

    def text(self, lang: Lang = "en") -> str:
        """The text in ``lang``, else in the first language the file gives."""
        return _pick(self.texts, lang)

    @property
    def hemispheric(self) -> bool:
        """True for a recommendation made to every State Party."""
        return self.country == ALL_STATES


@validate_options
@protect_fields(mappings=("names",))
@dataclass(frozen=True, eq=False)
class Recommendations(Result):
    """The recommendations of a file that passed the checks, its rounds and the check's report.

    ``validation`` is a :class:`~indicators.ValidationReport` (one row per recommendation, the
    row being the line where it starts); recommendations with errors are not in the collection.
    """

    id: str
    version: str
    names: Mapping[str, str]
    rounds: tuple[Round, ...]
    items: tuple[Recommendation, ...]
    validation: ValidationReport = field(repr=False)
    synthetic: bool = False
    system: str = "mesecvi"
    reference: str = ""
    file: str | None = None
    sha256: str = ""
    themes: Codelist | None = field(default=None, repr=False)
    lang: Lang = "en"

    _stem = "recommendations"

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Recommendation]:
        return iter(self.items)

    def __contains__(self, key: object) -> bool:
        return any(r.id == key for r in self.items)

    def __getitem__(self, key: str) -> Recommendation:
        for r in self.items:
            if r.id == key:
                return r
        raise KeyError(key)

    def __repr__(self) -> str:
        return (f"<Recommendations {self.id}@{self.version}: {len(self)} recommendations, "
                f"{len(self.rounds)} rounds{', synthetic' if self.synthetic else ''}>")

    def name(self, lang: Lang = "en") -> str:
        """The file's name in ``lang``."""
        return _pick(self._names, lang)  # type: ignore[attr-defined]

    def in_lang(self, lang: Lang) -> Recommendations:
        """The same recommendations with texts, summaries and check messages in ``lang``."""
        lang = check_lang(lang, "Recommendations.in_lang")
        return dataclasses.replace(self, names=self._names, validation=self.validation.in_lang(lang),  # type: ignore[attr-defined]
                                   lang=lang)

    @property
    def ids(self) -> list[str]:
        """The recommendation ids, in file order."""
        return [r.id for r in self.items]

    def round(self, round_id: str) -> Round:
        """The round ``round_id``."""
        for r in self.rounds:
            if r.id == round_id:
                return r
        raise KeyError(round_id)

    @property
    def countries(self) -> list[str]:
        """The States named by country-specific recommendations, sorted."""
        return sorted({r.country for r in self.items if not r.hemispheric})

    def for_country(self, country: str) -> list[Recommendation]:
        """The recommendations addressed to ``country``: its own and those to every State."""
        return [r for r in self.items if r.country in (country, ALL_STATES)]

    def to_frame(self, lang: Lang | None = None) -> pd.DataFrame:
        """One row per recommendation: id, round, country, area, themes, indicators, text (in ``lang``,
        default the language it was loaded in), source, paragraph, line."""
        lang = lang or self.lang
        rows = [{"id": r.id, "round": r.round, "country": r.country, "area": r.area,
                 "themes": "; ".join(r.themes), "indicators": "; ".join(r.indicators), "text": r.text(lang),
                 "source": r.source, "paragraph": r.paragraph, "line": r.line} for r in self.items]
        return pd.DataFrame(rows, columns=["id", "round", "country", "area", "themes", "indicators", "text",
                                           "source", "paragraph", "line"])

    def _summary(self) -> Summary:
        lang = self.lang

        def lab(key: str) -> str:
            return message(f"report.followup.fig.{key}", lang)

        figures: tuple[tuple[str, str], ...] = ((lab("version"), self.version),
                                                (lab("rounds"), ", ".join(r.name(lang) for r in self.rounds)),
                   (lab("recommendations"), str(len(self))),
                   (lab("checks"), f"{self.validation.n_errors} / {self.validation.n_warnings}"))
        if self.synthetic:
            figures = ((lab("synthetic"), message("report.followup.synthetic", lang)), *figures)
        frame = self.to_frame()
        return Summary(title=self.name(lang), figures=figures, table=frame.head(5), lang=lang, total=len(frame))

    def _about(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "file": self.file, "sha256": self.sha256,
                "synthetic": self.synthetic, "system": self.system,
                "rounds": [{"id": r.id, "adopted": r.adopted.isoformat(), "baseline_year": r.baseline_year,
                            "follow_up_until": None if r.follow_up_until is None else r.follow_up_until.isoformat(),
                            "follow_up_year": r.follow_up_year} for r in self.rounds]}


# -- loading ---------------------------------------------------------------------------------------

def _date(text: Any) -> dt.date:
    return dt.date.fromisoformat(str(text))


def _rounds(data: Mapping[str, Any], located: Any, file: str, lang: str) -> tuple[Round, ...]:
    out = []
    seen: set[str] = set()
    for i, r in enumerate(data["rounds"]):
        line = located.line("rounds", i)
        try:
            adopted = _date(r["adopted"])
            until = _date(r["follow_up_until"]) if r.get("follow_up_until") else None
        except ValueError as exc:
            raise _error(file, line, f"rounds[{i}]", message("followup.round_bad_date", lang, reason=exc),
                         "followup.round_bad_date") from None
        if str(r["id"]) in seen:
            raise _error(file, line, f"rounds[{i}].id", message("followup.round_duplicate", lang, id=r["id"]),
                         "followup.round_duplicate", value=r["id"])
        seen.add(str(r["id"]))
        base, follow = int(r["baseline_year"]), r.get("follow_up_year")
        if until is not None and until < adopted:
            raise _error(file, line, f"rounds[{i}].follow_up_until",
                         message("followup.round_order", lang, id=r["id"]), "followup.round_order",
                         value=until.isoformat())
        if follow is not None and int(follow) <= base:
            raise _error(file, line, f"rounds[{i}].follow_up_year",
                         message("followup.round_years", lang, id=r["id"]), "followup.round_years", value=follow)
        out.append(Round(str(r["id"]), dict(r["name"]), adopted, base, until,
                         None if follow is None else int(follow), str(r.get("reference") or "")))
    return tuple(out)


def _source_text(source: Any) -> tuple[str, str | None]:
    if isinstance(source, Mapping):
        para = source.get("paragraph")
        return str(source["document"]), None if para is None else str(para)
    return str(source), None


@validate_options
def load_recommendations(
    source: str | Path = "sample",
    *,
    catalog: Catalog | str | Path | None = None,
    themes: str | Path | None = None,
    lang: Lang = "en",
    lazy: bool = True,
) -> Recommendations:
    """Read and check a recommendations file (YAML); ``"sample"`` is the shipped synthetic sample.

    ``catalog`` (default: the system the file names) gives the focus areas and indicator ids;
    ``themes`` a replacement themes codelist. Recommendations with errors are left out and
    reported in ``.validation``; with ``lazy=False`` any error raises :class:`~indicators.DataError`.
    A file that cannot be a recommendations file at all (not YAML, wrong kind, bad rounds)
    raises :class:`~indicators.DefinitionError`.

    >>> recs = load_recommendations("sample", lang="es")
    >>> recs.round("S1").name("es"), recs.round("S1").baseline_year
    ('Ronda de muestra 1 (sintética)', 2014)
    """
    from .._version import __version__
    from ..catalog import Catalog as _Catalog
    from ..catalog import load_catalog
    from ..errors import DataError

    lang = check_lang(lang, "load_recommendations")
    path = _sample_path() if str(source) == "sample" else Path(source)
    file = str(path)
    located = read_yaml(path, lang)
    data = located.data
    top = {k: v for k, v in data.items() if k != "recommendations"}
    top["recommendations"] = [] if isinstance(data.get("recommendations"), list) else data.get("recommendations")
    problems = check_against(top, "recommendations.schema.json")
    if problems:
        p, text, value = problems[0]
        more = f" (+{len(problems) - 1})" if len(problems) > 1 else ""
        raise _error(file, located.line(*p), ".".join(map(str, p)), text + more, "followup.file_schema",
                     value=None if value is None else repr(value)[:120])
    rounds = _rounds(data, located, file, lang)
    system = str(data.get("system") or "mesecvi")
    cat = catalog if isinstance(catalog, _Catalog) else load_catalog(catalog if catalog is not None else system)
    theme_list = followup_codelist(themes, lang) if themes is not None else load_followup_codelist("themes")
    look = _Lookups(cat, theme_list, {r.id for r in rounds}, Issues(path.name))
    items: list[Recommendation] = []
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for k, rec in enumerate(data["recommendations"]):
        line = located.line("recommendations", k) or k + 1
        rows.append({"row": line, **({"id": rec.get("id"), "round": rec.get("round"), "country": rec.get("country"),
                                      "area": rec.get("area")} if isinstance(rec, Mapping) else {"id": None})})
        item = _recommendation(look, rec, line, seen)
        if item is not None:
            items.append(item)
    frame = pd.DataFrame(rows, columns=["row", "id", "round", "country", "area"]).set_index("row")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    provenance = {"library": "belem-indicators", "version": __version__, "kind": "recommendations",
                  "catalog": cat.label, "catalog_fingerprint": cat.fingerprint,
                  "files": [{"file": file, "sheet": None, "sha256": sha, "rows": len(frame)}]}
    report = look.issues.report(frame, "recommendations", lang=lang, provenance=provenance)
    errors = look.issues.error_rows()
    kept = tuple(r for r in items if r.line not in errors)
    if not lazy and not report.ok:
        raise DataError(message("followup.invalid", lang, file=path.name, errors=report.n_errors),
                        problems=report.issues)
    return Recommendations(str(data["id"]), str(data["version"]), dict(data["name"]), rounds, kept, report,
                           bool(data.get("synthetic", False)), system, str(data.get("reference") or ""), file, sha,
                           theme_list, lang)


class _Lookups:
    """What each recommendation is checked against: rounds, States, areas, themes, indicators."""

    def __init__(self, cat: Catalog, themes: Codelist, round_ids: set[str], issues: Issues) -> None:
        from ..catalog import load_codelist

        self.cat, self.themes, self.round_ids, self.issues = cat, themes, round_ids, issues
        self.countries = load_codelist("country")
        self.areas = {a.id: a.id for a in cat.areas}
        for a in cat.areas:
            self.areas.setdefault(a.code.casefold(), a.id)
            for n in a.names.values():
                self.areas.setdefault(n.casefold(), a.id)
        self.ind_ids = {i.casefold(): i for i in cat.ids}


def _recommendation(look: _Lookups, rec: Any, line: int, seen: dict[str, int]) -> Recommendation | None:
    """One recommendation checked (its problems go to ``look.issues``); ``None`` if it breaks the format."""
    issues = look.issues
    bad = check_against(rec, "recommendations.schema.json", "recommendation")
    if bad:
        for p, text, value in bad:
            issues.add("followup.rec_schema", line, ".".join(map(str, p)) or "recommendation",
                       None if value is None else repr(value)[:80], detail=text,
                       recommendation=rec.get("id") if isinstance(rec, Mapping) else None)
        return None
    rid = str(rec["id"])
    if rid in seen:
        issues.add("followup.duplicate_id", line, "id", rid, recommendation=rid, detail=seen[rid])
    else:
        seen[rid] = line
    if rec["round"] not in look.round_ids:
        issues.add("followup.unknown_round", line, "round", rec["round"],
                   recommendation=rid, detail=", ".join(sorted(look.round_ids)))
    country = str(rec["country"]).strip()
    code = ALL_STATES if country.casefold() in (ALL_STATES, "todos", "todos los estados", "all states") \
        else look.countries.resolve(country)
    if code is None:
        issues.add("followup.unknown_country", line, "country",
                   country, recommendation=rid)
    area = look.areas.get(str(rec["area"]).strip().casefold())
    if area is None:
        issues.add("followup.unknown_area", line, "area", rec["area"],
                   recommendation=rid, detail=", ".join(a.id for a in look.cat.areas))
    theme_codes = []
    for t in rec.get("themes", []):
        c = look.themes.resolve(t)
        if c is None:
            issues.add("followup.unknown_theme", line, "themes", t,
                       recommendation=rid)
        else:
            theme_codes.append(c)
    inds = []
    for i in rec.get("indicators", []):
        found = look.ind_ids.get(str(i).strip().casefold())
        if found is None:
            close = difflib.get_close_matches(str(i).upper(), look.cat.ids, n=1, cutoff=0.6)
            issues.add("followup.unknown_indicator", line,
                       "indicators", i, recommendation=rid, detail=close[0] if close else None)
        else:
            inds.append(found)
    doc, para = _source_text(rec["source"])
    return Recommendation(rid, str(rec["round"]), code or country, area or str(rec["area"]),
                          tuple(dict.fromkeys(theme_codes)), tuple(dict.fromkeys(inds)),
                          dict(rec["text"]), doc, para, line)


def _sample_path() -> Path:
    from .._demo import sample_data

    return sample_data(_SAMPLE)
