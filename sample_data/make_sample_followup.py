"""Generate the synthetic follow-up sample: ``recomendaciones_muestra.yaml`` and ``seguimiento_muestra.csv``.

Two made-up evaluation rounds (S1: data of 2014, S2: data of 2017) for the seven countries of
``values_sample.csv``, each recommendation linked to MESECVI indicators that the sample values
cover, and follow-up records by the State, civil society and the Committee. The texts are written
for this sample and say so: none of them is the Committee of Experts' wording, none of the statuses
is any country's real situation.

Run from the repository root (the output is committed; rerun only on purpose)::

    python sample_data/make_sample_followup.py
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

COUNTRIES: tuple[str, ...] = ("ARG", "BOL", "COL", "GTM", "JAM", "MEX", "PER")
SEED = 20240625
HERE = Path(__file__).resolve().parent
MARK_EN = "[Synthetic example, not a Committee text] "
MARK_ES = "[Ejemplo sintético, no es un texto del Comité] "

#: (key, area, themes, indicators, English text, Spanish text)
TEMPLATES: list[tuple[str, str, list[str], list[str], str, str]] = [
    ("FEM", "access_to_justice", ["femicide", "access_to_justice"], ["MESECVI-AJ-R02", "MESECVI-AJ-S04"],
     ("Adopt and apply a protocol for investigating femicide with a gender perspective, and raise the share "
     "of femicide cases that end in a conviction."),
     ("Adoptar y aplicar un protocolo de investigación del femicidio con perspectiva de género y aumentar la "
     "proporción de casos de femicidio que terminan en condena.")),
    ("SHE", "specialized_services", ["specialized_services"], ["MESECVI-SS-P01", "MESECVI-SS-R02"],
     ("Increase the number of shelter places for women victims of violence and their children throughout "
     "the territory."),
     ("Aumentar el número de plazas en casas de acogida para mujeres víctimas de violencia y sus hijas e "
     "hijos en todo el territorio.")),
    ("BUD", "budgets", ["budgets"], ["MESECVI-BUD-P02", "MESECVI-BUD-P05"],
     ("Earmark a budget for preventing, punishing and eradicating violence against women and execute it "
     "in full."),
     ("Asignar un presupuesto específico para prevenir, sancionar y erradicar la violencia contra las "
     "mujeres y ejecutarlo en su totalidad.")),
    ("SUR", "information_statistics", ["information_statistics", "partner_violence"],
     ["MESECVI-INF-P01", "MESECVI-INF-R01"],
     "Carry out a national survey on violence against women at regular intervals and publish its results.",
     ("Realizar una encuesta nacional sobre violencia contra las mujeres a intervalos regulares y publicar "
     "sus resultados.")),
    ("CHM", "legislation", ["child_marriage", "legislation"], ["MESECVI-LEG-S13", "MESECVI-LEG-R02"],
     "Set the minimum age of marriage and union at 18 years without exceptions.",
     "Fijar la edad mínima para el matrimonio y la unión en 18 años sin excepciones."),
    ("TRA", "national_plans", ["training", "national_plans"], ["MESECVI-NP-P02", "MESECVI-AJ-P04"],
     ("Train public officials and justice operators on violence against women and the Convention, with "
     "regular, evaluated programmes."),
     ("Capacitar a funcionarias, funcionarios y operadores de justicia sobre la violencia contra las "
     "mujeres y la Convención, con programas regulares y evaluados.")),
]
#: Hemispheric recommendations (to every State Party): (key, round, area, themes, indicators, en, es).
HEMISPHERIC: list[tuple[str, str, str, list[str], list[str], str, str]] = [
    ("STAT", "S1", "information_statistics", ["information_statistics", "diversity"], ["MESECVI-INF-P04"],
     ("Disaggregate official statistics on violence against women by the characteristics that Article 9 "
     "of the Convention names."),
     ("Desagregar las estadísticas oficiales sobre violencia contra las mujeres según las características "
     "que nombra el artículo 9 de la Convención.")),
    ("PROT", "S1", "access_to_justice", ["protection_measures", "access_to_justice"], ["MESECVI-AJ-P01"],
     "Grant the protective measures that women request promptly and follow up on their enforcement.",
     ("Otorgar con prontitud las medidas de protección que solicitan las mujeres y dar seguimiento a su "
     "cumplimiento.")),
    ("HELP", "S2", "specialized_services", ["specialized_services"], ["MESECVI-SS-P05", "MESECVI-SS-S04"],
     "Keep a free national helpline open 24 hours a day and answer every call.",
     "Mantener una línea telefónica nacional gratuita abierta las 24 horas y atender todas las llamadas."),
]
ROUNDS = [
    {"id": "S1", "name": {"en": "Sample round 1 (synthetic)", "es": "Ronda de muestra 1 (sintética)"},
     "adopted": "2015-06-15", "follow_up_until": "2018-06-30", "baseline_year": 2014, "follow_up_year": 2017},
    {"id": "S2", "name": {"en": "Sample round 2 (synthetic)", "es": "Ronda de muestra 2 (sintética)"},
     "adopted": "2018-09-14", "follow_up_until": "2021-09-30", "baseline_year": 2017, "follow_up_year": 2020},
]
STATUSES = ["not_complied", "pending", "partial", "substantial_partial", "total"]
SOURCE = "Synthetic sample shipped with belem-indicators (not a MESECVI document)"


def recommendations() -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for r, rnd in enumerate(("S1", "S2")):
        for c, country in enumerate(COUNTRIES):
            count = 3 if rnd == "S1" else 2
            for k in range(count):
                key, area, themes, inds, en, es = TEMPLATES[(c + 2 * k + 3 * r) % len(TEMPLATES)]
                out.append({"id": f"{rnd}-{country}-{k + 1:02d}", "round": rnd, "country": country, "area": area,
                            "themes": list(themes), "indicators": list(inds),
                            "text": {"en": MARK_EN + en, "es": MARK_ES + es}, "source": {"document": SOURCE, "paragraph": f"{key}-{k + 1}"}})
    for key, rnd, area, themes, inds, en, es in HEMISPHERIC:
        out.append({"id": f"{rnd}-ALL-{key}", "round": rnd, "country": "all", "area": area, "themes": list(themes),
                    "indicators": list(inds), "text": {"en": MARK_EN + en, "es": MARK_ES + es},
                    "source": {"document": SOURCE, "paragraph": key}})
    return out


def records(recs: list[dict[str, object]]) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    rounds = {r["id"]: r for r in ROUNDS}
    rows = []
    for rec in recs:
        rnd = rounds[str(rec["round"])]
        adopted = dt.date.fromisoformat(str(rnd["adopted"]))
        until = dt.date.fromisoformat(str(rnd["follow_up_until"]))
        span = (until - adopted).days
        countries = COUNTRIES if rec["country"] == "all" else (str(rec["country"]),)
        for country in countries:
            if rng.random() < 0.12:
                continue  # nothing reported: the recommendation stays without information
            level = int(rng.integers(1, 5))
            first = adopted + dt.timedelta(days=int(rng.integers(120, span // 2)))
            rows.append((rec["id"], country, first, "state", "", STATUSES[max(level - 1, 1)],
                         "Ejemplo sintético: el Estado informa medidas iniciales.",
                         "Informe de seguimiento del Estado (ejemplo sintético)"))
            second = first + dt.timedelta(days=int(rng.integers(90, span // 2)))
            rows.append((rec["id"], country, min(second, until), "state", "", STATUSES[level],
                         "Ejemplo sintético: el Estado informa nuevas medidas y datos de ejecución.",
                         "Informe de seguimiento del Estado (ejemplo sintético)"))
            if rng.random() < 0.4:
                rows.append((rec["id"], country, min(second + dt.timedelta(days=30), until), "civil_society",
                             "Organización de ejemplo (sintética)", STATUSES[max(level - 2, 0)],
                             "Ejemplo sintético: la organización señala que las medidas no llegan a todo el territorio.",
                             "Informe alternativo (ejemplo sintético)"))
            if rng.random() < 0.6:
                assessed = STATUSES[max(level - int(rng.integers(0, 2)), 0)]
                rows.append((rec["id"], country, until, "committee", "", assessed,
                             "Ejemplo sintético: evaluación del Comité a partir de los informes y de los indicadores.",
                             "Informe de seguimiento (ejemplo sintético)"))
    frame = pd.DataFrame(rows, columns=["recomendacion", "pais", "fecha", "informante", "organizacion",
                                        "estado", "evidencia", "fuente"])
    frame["fecha"] = frame["fecha"].map(lambda d: d.isoformat())
    return frame


def main() -> None:
    recs = recommendations()
    doc = {
        "kind": "recommendations", "format_version": 1, "id": "sample", "version": "1",
        "name": {"en": "Synthetic sample of recommendations (not the Committee's)",
                 "es": "Muestra sintética de recomendaciones (no son del Comité)"},
        "synthetic": True,
        "reference": ("Made up for the demo and the tests of belem-indicators. The rounds, texts and links "
                      "are invented to show the format; no text is the Committee of Experts' wording."),
        "system": "mesecvi",
        "rounds": ROUNDS,
        "recommendations": recs,
    }
    header = "# Synthetic sample: made up to show the format. No text here is the MESECVI Committee of Experts'.\n"
    text = header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=110)
    (HERE / "recomendaciones_muestra.yaml").write_text(text, encoding="utf-8")
    records(recs).to_csv(HERE / "seguimiento_muestra.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
