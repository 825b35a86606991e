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

import pandas as pd

from .i18n import check_lang, message

__all__ = ["sample_data", "run_demo"]


def sample_data(name: str) -> Path:
    """Path of a shipped sample file (``values_sample.csv``, ``encuesta_mujeres.csv``, ``diseno.yaml``)."""
    packaged = Path(str(resources.files("indicators"))) / "sample_data" / name
    if packaged.exists():
        return packaged
    return Path(__file__).resolve().parents[2] / "sample_data" / name


def run_demo(out: str | Path, *, lang: str = "en", country: str = "PER", year: int = 2020,
             echo: Callable[[str], None] = print) -> dict[str, Path]:
    """Run the pipeline on the sample data, write its outputs in ``out``; return them by name.

    The survey sample is treated as the national violence survey of ``country`` for
    ``year``: its estimates replace that country-year's outcome rows of the sample table.
    """
    from ._export import safe_path, write_csv
    from .catalog import load_catalog
    from .io import read
    from .report import country_report, hemispheric_report
    from .scores import score
    from .survey import estimate, read_design
    from .validation import validate

    lang = check_lang(lang, "demo")
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    cat = load_catalog("mesecvi")
    echo(message("demo.catalog", lang, label=cat.label, n=len(cat), signs=len(cat.signs)))

    micro = read(sample_data("encuesta_mujeres.csv"), lang=lang)
    prov = micro.attrs["provenance"]
    echo(message("demo.read", lang, file="encuesta_mujeres.csv", rows=len(micro), cols=micro.shape[1],
                 encoding=prov.encoding, delimiter=prov.delimiter, decimal=prov.decimal))
    design = read_design(sample_data("diseno.yaml"), micro, lang=lang)
    # by age group: the rows of each group and the national total (age_group_broad "_T")
    estimates = estimate(cat, micro, design, by="age_group_broad", country=country, year=year, lang=lang)
    national = estimates[estimates["age_group_broad"] == "_T"]
    written["estimates"] = safe_path(folder, "estimates.csv")
    write_csv(estimates, written["estimates"])
    echo(message("demo.estimate", lang, n=len(national), rows=len(estimates), country=country, year=year))

    table = read(sample_data("values_sample.csv"), lang=lang)
    replaced = (table["country"] == country) & (table["year"] == year) & table["indicator"].isin(national["indicator"])
    values = pd.concat([table[~replaced].reset_index(drop=True),
                        estimates[[c for c in estimates.columns if c in table.columns or c == "age_group_broad"]]],
                       ignore_index=True)
    written["values"] = safe_path(folder, "values.csv")
    write_csv(values, written["values"])

    report = validate(values, cat, lang=lang)
    written["validation"] = safe_path(folder, "validation.html")
    report.to_html(written["validation"])
    counts = report.issues["severity"].value_counts() if len(report.issues) else pd.Series(dtype=int)
    echo(message("demo.validate", lang, rows=len(values), errors=int(counts.get("error", 0)),
                 warnings=int(counts.get("warning", 0)), accepted=len(report.accepted)))

    scores = score(report.accepted, "mesecvi", cat, draws=200)
    written["scores"] = safe_path(folder, "scores.csv")
    write_csv(scores.to_frame(), written["scores"])
    overall = scores.to_frame().query("level == 'overall'").dropna(subset=["score"])
    echo(message("demo.score", lang, n=len(overall), countries=overall["country"].nunique()))

    # the follow-up of the (synthetic) sample recommendations, its evidence from the same values and scores
    from .followup import follow_up

    followed = follow_up("sample", "sample", report.accepted, catalog=cat, scores=scores, lang=lang)
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
    counts = followed.to_frame()
    echo(message("demo.follow_up", lang, n=len(followed.recommendations), states=len(followed.countries),
                 records=len(followed.history), disagreements=int(counts["disagreement"].notna().sum())))

    country_folder = safe_path(folder, f"country_{country}")
    written.update({f"country_{k}": v for k, v in country_report(
        report.accepted, cat, country=country, lang=lang, scores=scores, validation=report, follow_up=followed
    ).save(country_folder).items()})
    hemi_folder = safe_path(folder, "hemispheric")
    written.update({f"hemispheric_{k}": v for k, v in hemispheric_report(
        report.accepted, cat, lang=lang, scores=scores).save(hemi_folder).items()})
    echo(message("demo.done", lang, folder=str(folder)))
    return written
