"""The ``indicators`` command: the library's main jobs from a terminal.

Each subcommand is a pair of functions, ``_add_<name>(subparsers)`` that declares
its arguments and ``_run_<name>(args) -> int`` that runs it, listed in
:data:`COMMANDS`. Exit codes: 0 success, 1 the job found problems (for example an
invalid file), 2 unusable input or arguments. Every subcommand takes ``--quiet`` (no
progress bars; they are drawn only on a terminal anyway); output piped into a command
that stops reading early (``| head``) ends quietly.

>>> main(["--version"])  # doctest: +ELLIPSIS
indicators ...
0
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from ._version import __version__
from .errors import IndicatorsError
from .i18n import LANGS, Lang, message

__all__ = ["main", "COMMANDS"]


def _write_table(frame, out: str | None, fmt: str, sheet: str = "catalog") -> None:  # type: ignore[no-untyped-def]
    """Write ``frame`` as csv/xlsx/json to ``out`` (or CSV/JSON to stdout)."""
    from ._export import escape_formulas, make_reproducible, write_csv

    if fmt == "xlsx":
        if not out:
            raise SystemExit("--format xlsx needs --out FILE")
        escape_formulas(frame).to_excel(out, sheet_name=sheet, index=False)
        make_reproducible(out)
        return
    if fmt == "json":
        text = json.dumps(json.loads(frame.to_json(orient="records", force_ascii=False)),
                          ensure_ascii=False, indent=2)
    else:
        text = write_csv(frame)
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- catalog --------------------------------------------------------------------------

def _add_catalog(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("catalog", help="browse and export indicator systems")
    p.add_argument("action", choices=["list", "show", "export", "signs"], help="what to do")
    p.add_argument("id", nargs="?", help="indicator id (for 'show')")
    p.add_argument("--system", default="mesecvi", help="mesecvi, sisdehm, or a path to an overlay YAML")
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--format", default="csv", choices=["csv", "xlsx", "json"])
    p.add_argument("--out", help="output file (default: the terminal)")
    p.add_argument("--area", help="only this area")
    p.add_argument("--type", help="only this type (structural, process, outcome)")
    p.add_argument("--tag", help="only indicators with this tag")


def _run_catalog(args: argparse.Namespace) -> int:
    from .catalog import load_catalog

    cat = load_catalog(args.system)
    if args.area or args.type or args.tag:
        cat = cat.filter(area=args.area, type=args.type, tag=args.tag)
    if args.action == "show":
        if not args.id:
            print(message("cli.show_needs_id", args.lang, example=next(iter(cat)).id if len(cat) else "ID"),
                  file=sys.stderr)
            return 2
        ind = cat.get(args.id)
        if ind is None:
            import difflib

            close = difflib.get_close_matches(str(args.id), [i.id for i in cat], n=3)
            hint = message("cli.did_you_mean", args.lang, close=", ".join(close)) if close else ""
            print(message("cli.unknown_indicator", args.lang, value=args.id, catalog=cat.label, suggestion=hint),
                  file=sys.stderr)
            return 2
        data = ind.to_dict()
        if args.format == "json":
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            import yaml

            lang = args.lang
            print(f"{ind.id}  [{cat.area(ind.area).name(lang)} · {cat.type_name(ind.type, lang)} · "
                  f"{cat.category_name(ind.category, lang)}]")
            print(ind.title(lang))
            print()
            print(ind.definition(lang))
            print()
            print(yaml.safe_dump({k: v for k, v in data.items() if k not in ("title", "definition")},
                                 allow_unicode=True, sort_keys=False, width=100).rstrip())
        return 0
    if args.action == "list":
        frame = cat.to_frame(args.lang)[["id", "area", "type", "category", "unit", "provenance", "title"]]
        if args.out or args.format != "csv":
            _write_table(frame, args.out, args.format)
        else:
            for row in frame.itertuples(index=False):
                print(f"{row.id:<18} {row.type:<10} {row.unit:<9} {row.title}")
            print(f"\n{cat!r}")
        return 0
    if args.action == "signs":
        _write_table(cat.signs_frame(args.lang), args.out, args.format, sheet="signs")
        return 0
    _write_table(cat.to_frame(args.lang), args.out, args.format)
    return 0


# -- score ----------------------------------------------------------------------------

def _add_score(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("score", help="comparable 0-100 scores with coverage, intervals and ranks")
    p.add_argument("values", nargs="+", help="values table(s): csv, xlsx, parquet, … (one row per observation)")
    p.add_argument("--spec", default="mesecvi", help="index: mesecvi, sisdehm, or a path to an index YAML")
    p.add_argument("--catalog", help="catalog or overlay YAML (default: the one the spec names)")
    p.add_argument("--draws", type=int, default=0, help="Monte Carlo draws for intervals (e.g. 1000)")
    p.add_argument("--seed", type=int, help="seed of the draws (default: the library's fixed seed)")
    p.add_argument("--method-uncertainty", action="store_true",
                   help="also sample the spec's alternative weights, goalposts and means")
    p.add_argument("--years", type=int, nargs="+", help="only these years")
    p.add_argument("--interval", type=float, default=0.90, help="probability of the intervals (default 0.90)")
    p.add_argument("--trends", type=int, nargs=2, metavar=("FROM", "TO"), help="also write changes FROM → TO")
    p.add_argument("--trends-out", help="file for --trends (default: <out>_trends.<ext>)")
    p.add_argument("--record", help="JSON file recording the method, seed, exclusions and imputations")
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--format", default="csv", choices=["csv", "xlsx", "json"])
    p.add_argument("--out", help="output file (default: the terminal)")


def _read_values(paths: list[str], lang: Lang):  # type: ignore[no-untyped-def]
    import pandas as pd

    from .io import read

    frames = [read(path, lang=lang) for path in paths]
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, keys=[Path(p).name for p in paths], names=["file", "row"])


def _run_score(args: argparse.Namespace) -> int:
    from .i18n import message
    from .scores import DEFAULT_SEED, score

    values = _read_values(args.values, args.lang)
    result = score(values, args.spec, args.catalog, draws=args.draws,
                   seed=DEFAULT_SEED if args.seed is None else args.seed,
                   method_uncertainty=True if args.method_uncertainty else None, years=args.years,
                   interval=args.interval, lang=args.lang)
    frame = result.to_frame()
    _write_table(frame, args.out, args.format, sheet="scores")
    if args.trends:
        trends = result.trends(*args.trends)
        target = args.trends_out
        if target is None and args.out:
            out = Path(args.out)
            target = str(out.with_name(f"{out.stem}_trends{out.suffix}"))
        _write_table(trends, target, args.format, sheet="trends")
    if args.record:
        record = {**result.method, "excluded": result.excluded.astype(object).where(result.excluded.notna(), None)
                  .to_dict("records"), "unused_indicators": list(result.unused),
                  "imputed": len(result.imputed)}
        Path(args.record).write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str) + "\n",
                                     encoding="utf-8")
    if args.out:
        print(message("scores.cli_written", args.lang, path=args.out, rows=len(frame),
                      excluded=len(result.excluded)), file=sys.stderr)
    return 0


# -- validate ---------------------------------------------------------------------------

def _add_validate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("validate", help="check values tables or survey microdata; report every problem")
    p.add_argument("files", nargs="+", metavar="FILE", help="csv, xlsx, ods, sav, dta, parquet (several: one report)")
    p.add_argument("--system", default="mesecvi", help="mesecvi, sisdehm, or a path to an overlay YAML")
    p.add_argument("--kind", default="values", choices=["values", "microdata"])
    p.add_argument("--weights", help="microdata: the weights column")
    p.add_argument("--strata", help="microdata: the strata column")
    p.add_argument("--psu", help="microdata: the primary sampling unit column")
    p.add_argument("--nest", action="store_true", help="microdata: PSU codes restart in each stratum")
    _add_missing(p)
    p.add_argument("--years", type=int, nargs=2, metavar=("FROM", "TO"), help="accepted years (default 1994-now)")
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--report", help="write the full report: a .html, .xlsx or .json file")
    p.add_argument("--max-issues", type=int, default=10, help="issues shown in the terminal (default 10)")


def _run_validate(args: argparse.Namespace) -> int:
    from .i18n import message
    from .validation import validate

    suffix = Path(args.report).suffix.lower() if args.report else ""
    if args.report and suffix not in (".html", ".htm", ".xlsx", ".json"):
        print(message("validation.ui.bad_report", args.lang, path=args.report), file=sys.stderr)
        return 2
    design = None
    if args.kind == "microdata":
        design = {"weights": args.weights, "strata": args.strata, "psu": args.psu, "nest": args.nest}
    data = [_read(f, args) for f in args.files] if args.missing != "codes" else list(args.files)
    report = validate(data if len(data) > 1 else data[0], args.system if args.kind == "values" else None,
                      kind=args.kind, design=design,
                      lang=args.lang, year_range=tuple(args.years) if args.years else None)
    print(report.summary(max_issues=args.max_issues))
    if args.report:
        if suffix == ".xlsx":
            report.to_excel(args.report)
        elif suffix == ".json":
            report.to_json(args.report)
        else:
            report.to_html(args.report)
        print(message("validation.ui.written", args.lang, path=args.report), file=sys.stderr)
    return 0 if report.ok else 1


# -- report -----------------------------------------------------------------------------

def _add_report(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="a country profile or the hemispheric comparison: HTML, Excel, Word")
    p.add_argument("values", nargs="+", help="values table(s): csv, xlsx, parquet, …")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--country", nargs="+", metavar="STATE",
                     help="the State(s): ISO 3166 code or name in any language (Perú, PER, PE); several, or 'all', "
                          "write one folder each")
    who.add_argument("--hemispheric", action="store_true", help="every country side by side")
    p.add_argument("--catalog", "--system", default="mesecvi", help="mesecvi, sisdehm, or a path to an overlay YAML")
    p.add_argument("--scores", help="precomputed scores (a file written by 'indicators score')")
    p.add_argument("--year", type=int, help="data up to this year (default: the latest)")
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--locale", help="number format, e.g. es_MX or es_AR (default: from --lang)")
    p.add_argument("--format", nargs="+", default=["html", "xlsx", "docx"], choices=["html", "xlsx", "docx"],
                   help="files to write (default: all three)")
    p.add_argument("--charts", choices=["svg", "png"], help="also write each chart to charts/ in this format")
    p.add_argument("--out", default="report", help="folder to write into (created if needed)")


def _run_report(args: argparse.Namespace) -> int:
    from .report import country_report, hemispheric_report

    values = _read_values(args.values, args.lang)
    scores = _read_values([args.scores], args.lang) if args.scores else None
    if args.hemispheric:
        rep = hemispheric_report(values, args.catalog, lang=args.lang, locale=args.locale, scores=scores,
                                 year=args.year)
        for path in rep.save(args.out, formats=args.format, charts=args.charts).values():
            print(path)
        return 0
    countries = _countries(args.country, values, args.catalog)
    if len(countries) == 1:
        rep = country_report(values, args.catalog, country=countries[0], lang=args.lang, locale=args.locale,
                             scores=scores, year=args.year)
        for path in rep.save(args.out, formats=args.format, charts=args.charts).values():
            print(path)
        return 0
    from ._export import safe_path
    from ._progress import progress
    from .catalog import load_catalog
    from .report._common import compute_scores

    cat = load_catalog(args.catalog)
    if scores is None:  # once for every country, as each report would compute them
        scores = compute_scores(values, cat, None, args.lang)
    for code in progress(countries, desc="reports", unit="country"):
        rep = country_report(values, cat, country=code, lang=args.lang, locale=args.locale, scores=scores,
                             year=args.year)
        for path in rep.save(safe_path(args.out, code), formats=args.format, charts=args.charts).values():
            print(path)
    return 0


def _countries(given: list[str], values, catalog: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The ISO 3166-1 alpha-3 codes of ``--country`` (any accepted form; ``all``: every country in the values)."""
    from .values import resolve_country, to_codes

    if [g.casefold() for g in given] in (["all"], ["todos"], ["todas"], ["tous"]):
        coded, _mapped = to_codes(values)
        present = coded["country"].dropna().astype(str).str.strip() if "country" in coded.columns else []
        return sorted({c for c in present if resolve_country(c) == c})
    return [resolve_country(g) or g for g in given]


# -- estimate ---------------------------------------------------------------------------

def _add_estimate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("estimate", help="outcome indicators from survey microdata, with SE, CI and CV")
    p.add_argument("microdata", help="survey microdata: csv, xlsx, sav, dta, parquet, …")
    p.add_argument("--design", required=True, help="design YAML (weights, strata, psu, fpc, lonely_psu, …)")
    p.add_argument("--system", default="mesecvi", help="mesecvi, sisdehm, or a catalog/overlay YAML")
    p.add_argument("--by", default="", help="disaggregations, comma-separated; cross variables with '*' "
                                            "(e.g. area,state*age_group)")
    p.add_argument("--indicators", nargs="+", help="only these indicator ids")
    p.add_argument("--region", help="the microdata variable holding the sub-national unit (state, department, "
                                    "province): written in the 'region' column as ISO 3166-2 or national codes")
    p.add_argument("--country", help="the State (code or name) written in the 'country' column")
    p.add_argument("--year", type=int, help="reference year written in the 'year' column")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--large-file", help="a Parquet or CSV file larger than this (e.g. 2GB; 0: always) runs on "
                                        "DuckDB without being read into memory (default: larger than the free memory)")
    p.add_argument("--memory-limit", help="DuckDB's memory limit for a large file (e.g. 1GB; default: half the "
                                          "free memory)")
    _add_missing(p)
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--format", default="csv", choices=["csv", "xlsx", "json"])
    p.add_argument("--out", help="output file (default: the terminal)")


def _run_estimate(args: argparse.Namespace) -> int:
    from .catalog import load_catalog
    from .survey import estimate, parse_by
    from .survey._engines import open_microdata

    micro = open_microdata(args.microdata, lang=args.lang, large_file=args.large_file,
                           memory_limit=args.memory_limit, missing=args.missing)
    table = estimate(load_catalog(args.system), micro, args.design, by=parse_by(args.by),
                     country=args.country, year=args.year, indicators=args.indicators,
                     level=args.level, lang=args.lang, region=args.region)
    _write_table(table, args.out, args.format, sheet="values")
    return 0


def _add_missing(p: argparse.ArgumentParser) -> None:
    p.add_argument("--missing", default="codes", choices=["codes", "nan", "labels"],
                   help="SPSS/Stata user-missing codes: keep them as codes (default), treat them as missing "
                        "(nan), or replace every labelled code by its label")


def _read(path: str, args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from .io import read

    return read(path, lang=args.lang, missing=args.missing)


# -- follow-up ----------------------------------------------------------------------------

def _add_follow_up(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("follow-up", help="follow-up of the Committee's recommendations: statuses, indicator "
                                         "signals, per-State and per-round reports")
    p.add_argument("recommendations", help="recommendations YAML ('sample' for the shipped synthetic sample)")
    p.add_argument("records", nargs="?", help="follow-up records: csv, xlsx, … ('sample' for the shipped sample)")
    p.add_argument("--values", nargs="+", help="values table(s): the indicators whose change is the evidence")
    p.add_argument("--catalog", help="catalog or overlay YAML (default: the system the recommendations name)")
    p.add_argument("--country", help="only this State's report (ISO3 code or name)")
    p.add_argument("--round", help="only this round")
    p.add_argument("--count", default="committee_first", choices=["committee_first", "committee_only"],
                   help="which status is counted when the Committee has not assessed")
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--locale", help="number and date format, e.g. es_MX (default: from --lang)")
    p.add_argument("--format", nargs="+", default=["html", "xlsx", "docx"], choices=["html", "xlsx", "docx"],
                   help="files to write (default: all three)")
    p.add_argument("--out", default="follow-up", help="folder to write into (created if needed)")


def _run_follow_up(args: argparse.Namespace) -> int:
    from .followup import follow_up

    values = _read_values(args.values, args.lang) if args.values else None
    result = follow_up(args.recommendations, args.records, values, catalog=args.catalog, count=args.count,
                       lang=args.lang)
    for report in (result.recommendations.validation, result.records.validation):
        if not report.ok or report.n_warnings:
            print(report.summary(), file=sys.stderr)
    if args.country:
        written = result.report(args.country, locale=args.locale, round=args.round).save(args.out, args.format)
    elif args.round:
        written = result.report(locale=args.locale, round=args.round).save(args.out, args.format)
    else:
        written = result.save(args.out, args.format)
    from ._export import safe_path

    for name, check in (("checks_recommendations.html", result.recommendations.validation),
                        ("checks_records.html", result.records.validation)):
        written[name] = safe_path(args.out, name)
        check.to_html(written[name])
    for path in written.values():
        print(path)
    ok = result.recommendations.validation.ok and result.records.validation.ok
    return 0 if ok else 1


# -- export -----------------------------------------------------------------------------

def _add_export(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("export", help="a values table as a Frictionless Data Package, Open SDG files or SDMX")
    p.add_argument("values", help="values table: csv, xlsx, parquet, …")
    p.add_argument("--format", required=True, choices=["datapackage", "open-sdg", "sdmx-csv", "sdmx-ml"], dest="fmt")
    p.add_argument("--out", required=True, metavar="FOLDER", help="folder to write into")
    p.add_argument("--system", default="mesecvi", help="mesecvi, sisdehm, or a path to an overlay YAML")
    p.add_argument("--country", help="open-sdg: ISO3 code of the country whose indicators are written")
    p.add_argument("--indicators", nargs="+", metavar="ID", help="open-sdg: the indicators (default: all numeric)")
    p.add_argument("--dsd", default="catalog", choices=["catalog", "sdg"],
                   help="sdmx: the data structure (generated from the catalog, or the global SDG one)")
    p.add_argument("--lang", default="en", choices=LANGS)


def _run_export(args: argparse.Namespace) -> int:
    from .exchange import sdmx_structure, to_datapackage, to_open_sdg, to_sdmx
    from .i18n import message
    from .io import read

    values = read(args.values, lang=args.lang)
    if args.fmt == "datapackage":
        package = to_datapackage(values, args.out, catalog=args.system, lang=args.lang)
        paths = [package.parent / "values.csv", package]
    elif args.fmt in ("sdmx-csv", "sdmx-ml"):
        suffix: Literal["csv", "xml"] = "csv" if args.fmt == "sdmx-csv" else "xml"
        data = to_sdmx(values, Path(args.out) / f"values.{suffix}", format=suffix, dsd=args.dsd,
                       catalog=args.system, lang=args.lang)
        paths = [data, sdmx_structure(args.out, catalog=args.system, dsd=args.dsd, lang=args.lang)]
    else:
        if not args.country:
            print(message("exchange.ui.needs_country", args.lang), file=sys.stderr)
            return 2
        paths = to_open_sdg(values, args.out, country=args.country, indicators=args.indicators,
                            catalog=args.system, lang=args.lang)
    print(message("exchange.ui.written", args.lang, n=len(paths), folder=args.out))
    return 0


# -- demo -------------------------------------------------------------------------------------

def _add_demo(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run the whole pipeline on the shipped sample data")
    p.add_argument("--out", default="demo-output", help="folder for every output (created if needed)")
    p.add_argument("--lang", default="en", choices=LANGS)
    p.add_argument("--country", default="PER", help="the country whose survey the sample microdata stands for")


def _run_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    run_demo(args.out, lang=args.lang, country=args.country)
    return 0


#: The subcommands: (name, declare arguments, run).
COMMANDS: list[tuple[str, Callable[[argparse._SubParsersAction], None], Callable[[argparse.Namespace], int]]] = [  # type: ignore[type-arg]
    ("catalog", _add_catalog, _run_catalog),
    ("score", _add_score, _run_score),
    ("validate", _add_validate, _run_validate),
    ("report", _add_report, _run_report),
    ("estimate", _add_estimate, _run_estimate),
    ("follow-up", _add_follow_up, _run_follow_up),
    ("demo", _add_demo, _run_demo),
    ("export", _add_export, _run_export),
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="indicators",
        description="Women's-rights indicators of the OAS (MESECVI, SISDEHM): define, read, validate, "
                    "estimate, score and report.",
    )
    parser.add_argument("--version", action="version", version=f"indicators {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for _name, add, _run in COMMANDS:
        add(sub)
    for command in sub.choices.values():
        command.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                             help="no progress bars (they are drawn only on a terminal)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, bad arguments
        return int(exc.code or 0)
    if not args.command:
        parser.print_help()
        return 2
    run = {name: run for name, _add, run in COMMANDS}[args.command]
    from ._progress import quiet

    try:
        with quiet(bool(getattr(args, "quiet", False))):
            return run(args)
    except BrokenPipeError:  # `indicators … | head`: the reader has all it wants
        _silence_stdout()
        return 0
    except IndicatorsError as exc:
        print(f"indicators {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"indicators {args.command}: {exc}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Point standard output at the null device, so that the interpreter's last flush cannot fail."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (captured in tests)
        pass


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
