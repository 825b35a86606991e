"""The whole pipeline on the shipped sample data: ``indicators demo``.

catalog → read (a Spanish-locale survey export and a values table) → validate →
estimate the outcome indicators from the microdata with design-based standard
errors → score → follow-up of the sample recommendations → country and hemispheric reports. Everything is written inside
the folder the user names.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from .i18n import check_lang, check_option, message

__all__ = ["run_demo", "sample_data", "sample_files"]


def _sample_folder() -> Path:
    packaged = Path(str(resources.files("indicators"))) / "sample_data"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "sample_data"


def sample_files() -> tuple[str, ...]:
    """The names of the shipped sample files (data, designs, overlays, recommendations)."""
    return tuple(sorted(p.name for p in _sample_folder().iterdir()
                        if p.is_file() and p.suffix in (".csv", ".yaml", ".yml", ".sav", ".dta", ".xlsx", ".parquet")))


def sample_data(name: str | None = None) -> Path:
    """The path of a shipped sample file, or of their folder when ``name`` is ``None``.

    Among them: ``values_sample.csv`` (a values table of several States, synthetic),
    ``encuesta_mujeres.csv`` (survey microdata exported from Excel in a Spanish locale),
    ``diseno.yaml`` (its sampling design: two stages with a finite population correction at
    each, weights raked to the population projections of ``proyecciones.csv``),
    ``mesecvi_mex.yaml`` (a national overlay: Mexico's federal entities as sub-national
    units); :func:`sample_files` lists them all.

    >>> import indicators as ind
    >>> ind.sample_data("values_sample.csv").name
    'values_sample.csv'
    >>> ind.sample_data("datos.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    indicators.errors.OptionError: The 'name' parameter of sample_data must be one of ... Got 'datos.csv' instead.
    """
    folder = _sample_folder()
    if name is None:
        return folder
    check_option("sample_data", "name", name, sample_files())
    return folder / name


def run_demo(out: str | Path, *, lang: str = "en", country: str = "PER", year: int = 2020,
             echo: Callable[[str], None] = print) -> dict[str, Path]:
    """Run the pipeline on the sample data, write its outputs in ``out``; return them by name.

    The survey sample is treated as the national violence survey of ``country`` for
    ``year``: its estimates replace that country-year's outcome rows of the sample table.
    On a terminal a bar shows the steps (none with ``indicators --quiet`` or in a pipe).
    """
    import pandas as pd

    from ._export import safe_path, write_csv
    from ._progress import Steps
    from .catalog import load_catalog
    from .io import read
    from .report import country_report, hemispheric_report
    from .scores import score
    from .survey import estimate, read_design
    from .validation import validate
    from .values import resolve_country

    lang = check_lang(lang, "demo")
    country = resolve_country(country) or country
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    with Steps(8, "demo", echo) as steps:
        steps.doing("catalog")
        cat = load_catalog("mesecvi")
        steps.done(message("demo.catalog", lang, label=cat.label, n=len(cat), signs=len(cat.signs)))

        steps.doing("read")
        micro = read(sample_data("encuesta_mujeres.csv"), lang=lang)
        prov = micro.attrs["provenance"]
        steps.done(message("demo.read", lang, file="encuesta_mujeres.csv", rows=len(micro), cols=micro.shape[1],
                           encoding=prov.encoding, delimiter=prov.delimiter, decimal=prov.decimal))

        steps.doing("estimate")
        design = read_design(sample_data("diseno.yaml"), micro, lang=lang)
        # by age group: the rows of each group and the national total (age_group_broad "_T")
        estimates = estimate(cat, micro, design, by="age_group_broad", country=country, year=year, lang=lang)
        national = estimates[estimates["age_group_broad"] == "_T"]
        written["estimates"] = safe_path(folder, "estimates.csv")
        write_csv(estimates, written["estimates"])
        steps.done(message("demo.estimate", lang, n=len(national), rows=len(estimates), country=country, year=year))

        steps.doing("validate")
        table = read(sample_data("values_sample.csv"), lang=lang)
        values = _with_estimates(table, estimates, national, country, year)
        written["values"] = safe_path(folder, "values.csv")
        write_csv(values, written["values"])
        report = validate(values, cat, lang=lang)
        written["validation"] = safe_path(folder, "validation.html")
        report.to_html(written["validation"])
        counts = report.issues["severity"].value_counts() if len(report.issues) else pd.Series(dtype=int)
        steps.done(message("demo.validate", lang, rows=len(values), errors=int(counts.get("error", 0)),
                           warnings=int(counts.get("warning", 0)), accepted=len(report.accepted)))

        steps.doing("score")
        scores = score(report.accepted, "mesecvi", cat, draws=200)
        written["scores"] = safe_path(folder, "scores.csv")
        write_csv(scores.to_frame(), written["scores"])
        overall = scores.to_frame().query("level == 'overall'").dropna(subset=["score"])
        steps.done(message("demo.score", lang, n=len(overall), countries=overall["country"].nunique()))

        # the follow-up of the (synthetic) sample recommendations, its evidence from the same values and scores
        steps.doing("follow-up")
        from .followup import follow_up

        followed = follow_up("sample", "sample", report.accepted, catalog=cat, scores=scores, lang=lang)
        written.update(_save_follow_up(followed, folder, country))
        counts = followed.to_frame()
        steps.done(message("demo.follow_up", lang, n=len(followed.recommendations), states=len(followed.countries),
                           records=len(followed.history), disagreements=int(counts["disagreement"].notna().sum())))

        steps.doing("country report")
        country_folder = safe_path(folder, f"country_{country}")
        written.update({f"country_{k}": v for k, v in country_report(
            report.accepted, cat, country=country, lang=lang, scores=scores, validation=report, follow_up=followed
        ).save(country_folder).items()})
        steps.done(message("demo.country_report", lang, country=country, folder=str(country_folder)))

        steps.doing("hemispheric report")
        hemi_folder = safe_path(folder, "hemispheric")
        written.update({f"hemispheric_{k}": v for k, v in hemispheric_report(
            report.accepted, cat, lang=lang, scores=scores).save(hemi_folder).items()})
        steps.done(message("demo.done", lang, folder=str(folder)))
    return written


def _with_estimates(table: Any, estimates: Any, national: Any, country: str, year: int) -> Any:
    """The sample values table with the country-year's outcome rows replaced by the survey's estimates."""
    import pandas as pd

    replaced = (table["country"] == country) & (table["year"] == year) & \
        table["indicator"].isin(national["indicator"])
    return pd.concat([table[~replaced].reset_index(drop=True),
                      estimates[[c for c in estimates.columns if c in table.columns or c == "age_group_broad"]]],
                     ignore_index=True)


def _save_follow_up(followed: Any, folder: Path, country: str) -> dict[str, Path]:
    """The follow-up reports (every State's in Spanish and English, each State's own) and the compliance table."""
    from ._export import safe_path

    written: dict[str, Path] = {}
    for out_lang in ("es", "en"):
        base = safe_path(folder, f"follow_up/{out_lang}")
        result = followed.report(lang=out_lang)
        written.update({f"follow_up_{out_lang}_{k}": v for k, v in result.save(base, ("html", "xlsx")).items()})
        for state in followed.countries:
            formats = ("html", "xlsx", "docx") if state == country else ("html", "xlsx")
            written.update({f"follow_up_{out_lang}_{state}_{k}": v for k, v in followed.report(
                state, lang=out_lang).save(safe_path(base, state), formats).items()})
    written["compliance"] = safe_path(folder, "follow_up/compliance.csv")
    followed.compliance().to_csv(written["compliance"], index=False)
    return written
