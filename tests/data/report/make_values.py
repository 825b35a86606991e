"""Generate the report tests' fixtures (run from the repository root; outputs are committed).

- ``catalog/``: a frozen subset of the MESECVI catalog (two structural, two process and up to
  two outcome indicators per area, two signs of progress per area), so that the report tests
  do not change each time a shipped definition is edited;
- ``values.csv``: five countries × three rounds of synthetic values for it, from
  ``sample_data/make_sample_values.py`` with its own seed, plus three rows that test escaping:
  a source that a spreadsheet would run as a formula, a note holding HTML, a sign of progress
  with ``&`` and quotes;
- ``scores.csv``: ``indicators.score`` of those values (200 draws, method uncertainty), kept so
  that the snapshot does not move when the scoring code does;
- ``issues.csv``: a small, fixed validation issues table for the validation summary.

Regenerate on purpose only, then refresh the HTML snapshot::

    python tests/data/report/make_values.py
    REPORT_SNAPSHOT_UPDATE=1 python -m pytest tests/test_report.py -k snapshot
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import yaml

import indicators as ind

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
COUNTRIES = ("ARG", "GTM", "JAM", "MEX", "PER")
ROUNDS = (2014, 2017, 2020)
SEED = 8


def _sample_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "make_sample_values", ROOT / "sample_data" / "make_sample_values.py"
    )
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def subset(cat: ind.Catalog) -> tuple[list[ind.Indicator], list[ind.SignOfProgress]]:
    """Two structural, two process, up to two outcome indicators and two signs per area."""
    chosen: list[ind.Indicator] = []
    for area in cat.areas:
        for kind in ("structural", "process", "outcome"):
            chosen += [i for i in cat if i.area == area.id and i.type == kind][:2]
    signs = [s for area in cat.areas for s in [s for s in cat.signs if s.area == area.id][:2]]
    return chosen, signs


def write_catalog(
    cat: ind.Catalog, chosen: list[ind.Indicator], signs: list[ind.SignOfProgress]
) -> None:
    folder = HERE / "catalog"
    (folder / "indicators").mkdir(parents=True, exist_ok=True)
    system = yaml.safe_load(
        (ROOT / "definitions" / "mesecvi" / "system.yaml").read_text(encoding="utf-8")
    )
    system["version"] = "2013-test"
    system["files"] = [f"indicators/{a.id}.yaml" for a in cat.areas] + ["signs_of_progress.yaml"]
    dump = {"allow_unicode": True, "sort_keys": False, "width": 110}
    (folder / "system.yaml").write_text(yaml.safe_dump(system, **dump), encoding="utf-8")
    for area in cat.areas:
        part = {
            "kind": "indicators",
            "format_version": 1,
            "system": cat.system.id,
            "area": area.id,
            "indicators": [i.to_dict() for i in chosen if i.area == area.id],
        }
        (folder / "indicators" / f"{area.id}.yaml").write_text(
            yaml.safe_dump(part, **dump), encoding="utf-8"
        )
    items = []
    for s in signs:
        item = {
            "id": s.id,
            "area": s.area,
            "title": dict(s.titles),
            "provenance": s.provenance,
            "reference": s.reference,
        }
        if s.descriptions:
            item["description"] = dict(s.descriptions)
        items.append(item)
    part = {
        "kind": "signs_of_progress",
        "format_version": 1,
        "system": cat.system.id,
        "signs": items,
    }
    (folder / "signs_of_progress.yaml").write_text(yaml.safe_dump(part, **dump), encoding="utf-8")


def main() -> None:
    shipped = ind.load_catalog("mesecvi")
    chosen, signs = subset(shipped)
    write_catalog(shipped, chosen, signs)
    cat = ind.load_catalog(HERE / "catalog")
    sample = _sample_module()
    values = sample.make_values(COUNTRIES, ROUNDS, [i.id for i in chosen], seed=SEED, signs=False)
    sign_rows = []
    for k, s in enumerate(signs):
        country = COUNTRIES[k % len(COUNTRIES)]
        sign_rows.append(
            {
                "country": country,
                "year": ROUNDS[1 + k % 2],
                "indicator": s.id,
                "age_group_broad": "_T",
                "status": "observed",
                "source": "Informe nacional al MESECVI (datos sintéticos)",
                "note": sample.SIGN_TEXTS.get(s.id, "Avance registrado.").format(n=3 + k),
            }
        )
    sign_rows.append(
        {
            "country": "PER",
            "year": 2020,
            "indicator": signs[0].id,
            "age_group_broad": "_T",
            "status": "observed",
            "source": 'Defensoría & "Observatorio" (datos sintéticos)',
            "note": 'Ley 30364 & reglamento: "segunda generación" <vigente>.',
        }
    )
    values = pd.concat([values, pd.DataFrame(sign_rows)], ignore_index=True)
    first = cat.ids[0]
    mask = (
        (values["country"] == "PER")
        & (values["indicator"] == first)
        & (
            values["year"]
            == values.loc[
                (values["country"] == "PER") & (values["indicator"] == first), "year"
            ].max()
        )
    )
    values.loc[mask, "source"] = '=HYPERLINK("http://example.invalid","fuente")'
    gap = cat.ids[3]
    values = values.loc[~((values["country"] == "PER") & (values["indicator"] == gap))]
    values = pd.concat(
        [
            values,
            pd.DataFrame(
                [
                    {
                        "country": "PER",
                        "year": 2020,
                        "indicator": gap,
                        "age_group_broad": "_T",
                        "status": "not_available",
                        "note": "<b>Sin registro</b> administrativo en el período.",
                    }
                ]
            ),
        ],
        ignore_index=True,
    )
    values = values.sort_values(["country", "year", "indicator", "age_group_broad"], kind="stable")
    values.to_csv(HERE / "values.csv", index=False, lineterminator="\n")
    scores = ind.score(
        pd.read_csv(HERE / "values.csv"), "mesecvi", cat, draws=200, method_uncertainty=True
    )
    scores.to_frame().to_csv(
        HERE / "scores.csv", index=False, lineterminator="\n", float_format="%.6f"
    )
    issues = pd.DataFrame(
        [
            {
                "severity": "error",
                "code": "values.not_a_number",
                "file": "values.csv",
                "sheet": None,
                "row": 14,
                "column": "value",
                "value": "n/d",
                "expected": "a number",
                "message": "Fila 14, columna 'value': 'n/d' no es un número.",
                "hint": "Deje la celda vacía y use status = not_available.",
            },
            {
                "severity": "warning",
                "code": "values.outside_goalposts",
                "file": "values.csv",
                "sheet": None,
                "row": 31,
                "column": "value",
                "value": "104.2",
                "expected": "0-100",
                "message": "Fila 31: 104,2 está fuera de 0-100.",
                "hint": "Revise el valor.",
            },
            {
                "severity": "warning",
                "code": "values.outside_goalposts",
                "file": "values.csv",
                "sheet": None,
                "row": 40,
                "column": "value",
                "value": "=1+1",
                "expected": "0-100",
                "message": "Fila 40: '=1+1' no es un valor.",
                "hint": "Revise el valor.",
            },
        ]
    )
    issues.to_csv(HERE / "issues.csv", index=False, lineterminator="\n")
    print(
        f"wrote {HERE / 'values.csv'} ({len(values)} rows), scores.csv, issues.csv, catalog/ "
        f"({len(cat)} indicators, {len(cat.signs)} signs)"
    )


if __name__ == "__main__":
    main()
