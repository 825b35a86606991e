"""Generate ``values_sample.csv``: a synthetic MESECVI values table (no real country's data).

Seven OAS member states × three rounds (2014, 2017, 2020) × every indicator of the
MESECVI catalog, shaped like the tables States send: yes/no answers as 1/0,
categories as their codes, percentages and rates within each indicator's goalposts,
survey-based outcome indicators with standard errors, confidence intervals, CVs and
sample sizes (and an age breakdown for the main prevalence indicator), values that
are missing or declared not available, and qualitative signs of progress as text.

Each country has a latent level of implementation that improves from round to round;
laws, once passed, stay in force. The numbers are plausible, not real: never quote
them as any country's figures.

Run from the repository root (the output is committed; rerun only on purpose)::

    python sample_data/make_sample_values.py
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

import indicators as ind

COUNTRIES: tuple[str, ...] = ("ARG", "BOL", "COL", "GTM", "JAM", "MEX", "PER")
ROUNDS: tuple[int, ...] = (2014, 2017, 2020)
SEED = 20130521  # the day the Committee of Experts approved the indicators
COLUMNS = [
    "country",
    "year",
    "indicator",
    "age_group_broad",
    "value",
    "currency",
    "se",
    "ci_low",
    "ci_high",
    "cv",
    "n",
    "status",
    "source",
    "note",
]
#: ISO 4217 code of each country's currency, for amounts in national currency.
CURRENCIES = {
    "ARG": "ARS",
    "BOL": "BOB",
    "COL": "COP",
    "GTM": "GTQ",
    "JAM": "JMD",
    "MEX": "MXN",
    "PER": "PEN",
}
SURVEY_OUTCOMES = {
    "MESECVI-INF-R01",
    "MESECVI-INF-R02",
    "MESECVI-INF-R03",
    "MESECVI-INF-R04",
    "MESECVI-INF-R05",
    "MESECVI-INF-R06",
    "MESECVI-NP-R01",
    "MESECVI-AJ-R03",
    "MESECVI-SS-R01",
    "MESECVI-LEG-R02",
}
#: Plausible ranges for indicators without goalposts (unit, direction aside).
RANGES = {
    "MESECVI-SS-P03": (2_000, 60_000),
    "MESECVI-INF-R07": (20, 900),
    "MESECVI-AJ-P02": (40, 900),
    "MESECVI-AJ-S02": (5e6, 4e8),
    "MESECVI-BUD-P03": (2e6, 2e8),
    "MESECVI-INF-P03": (1e5, 2e7),
    "MESECVI-BUD-R02": (0.2, 12.0),
}
SIGN_TEXTS = {
    "MESECVI-LEG-Q01": "La ley de violencia familiar fue reemplazada por una ley integral que cubre los ámbitos "
    "público y privado.",
    "MESECVI-LEG-Q02": "Organizaciones de mujeres participaron en {n} audiencias públicas sobre la reforma de la "
    "ley integral.",
    "MESECVI-LEG-Q03": "La corte suprema citó la Convención de Belém do Pará en {n} sentencias del período.",
    "MESECVI-NP-Q01": "El comité de seguimiento del plan nacional incluye {n} organizaciones de la sociedad civil.",
    "MESECVI-NP-Q02": "Campaña nacional de prevención difundida en radio comunitaria y en {n} lenguas indígenas.",
    "MESECVI-AJ-Q01": "Encuesta de satisfacción a usuarias de fiscalías especializadas: {n} % califica la "
    "atención como buena.",
    "MESECVI-AJ-Q02": "{n} sentencias ordenaron reparación integral, incluida atención psicológica.",
    "MESECVI-SS-Q01": "Protocolo de atención intercultural elaborado con organizaciones de mujeres indígenas.",
    "MESECVI-SS-Q02": "Las sobrevivientes evaluaron los centros de atención en {n} grupos focales.",
    "MESECVI-BUD-Q01": "Portal de transparencia publica el gasto en violencia contra las mujeres por programa.",
    "MESECVI-BUD-Q02": "{n} municipios destinaron presupuesto participativo a refugios y prevención.",
    "MESECVI-INF-Q01": "Boletín estadístico anual publicado en formato accesible y en lectura fácil.",
    "MESECVI-INF-Q02": "Mesa técnica con academia y organizaciones para el diseño de la encuesta nacional.",
}
AGE_SHARES = {"15-19": 0.9, "20-29": 1.15, "30-39": 1.1, "40-49": 0.95, "50-59": 0.85, "60+": 0.7}


def _source(indicator: ind.Indicator, year: int) -> str:
    texts = indicator.source_texts("es")
    base = texts[0] if texts else "Registro administrativo"
    if indicator.id in SURVEY_OUTCOMES:
        base = "Encuesta nacional sobre violencia contra las mujeres"
    return f"{base} {year} (datos sintéticos)"


def _level(
    rng: np.random.Generator, base: float, r: int, step: float, noise: float = 0.06
) -> float:
    return float(np.clip(base + r * step + rng.normal(0.0, noise), 0.02, 0.98))


def make_values(
    countries: Sequence[str] = COUNTRIES,
    rounds: Sequence[int] = ROUNDS,
    indicator_ids: Sequence[str] | None = None,
    seed: int = SEED,
    missing: float = 0.12,
    not_available: float = 0.04,
    signs: bool = True,
) -> pd.DataFrame:
    """A synthetic values table; same arguments, same table."""
    cat = ind.load_catalog("mesecvi")
    chosen = [i for i in cat if indicator_ids is None or i.id in set(indicator_ids)]
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    for country in countries:
        base = float(rng.uniform(0.3, 0.75))
        step = float(rng.uniform(0.02, 0.07))
        surveyed = set(
            rng.choice(list(rounds), size=max(1, len(rounds) - 1), replace=False).tolist()
        )
        for indicator in chosen:
            threshold = float(rng.uniform(0.0, 1.0))  # when a yes/no reform comes
            jitter = float(rng.normal(0.0, 0.1))
            for r, year in enumerate(rounds):
                level = float(np.clip(base + jitter + r * step, 0.02, 0.98))
                row: dict[str, object] = {
                    "country": country,
                    "year": year,
                    "indicator": indicator.id,
                    "age_group_broad": "_T",
                    "status": "observed",
                    "source": _source(indicator, year),
                }
                u = rng.uniform()
                if u < missing:
                    continue
                if u < missing + not_available:
                    row.update(
                        value=None,
                        status="not_available",
                        source=None,
                        note="No se cuenta con información para este período.",
                    )
                    rows.append(row)
                    continue
                if indicator.id in SURVEY_OUTCOMES and year not in surveyed:
                    continue
                rows.extend(_observe(indicator, row, level, threshold, rng))
        if signs:
            for sign in cat.signs:
                if indicator_ids is not None and sign.area not in {i.area for i in chosen}:
                    continue
                for year in rounds:
                    if rng.uniform() < 0.3 + 0.15 * base:
                        text = SIGN_TEXTS.get(
                            sign.id, "Avance registrado por el mecanismo nacional."
                        )
                        rows.append(
                            {
                                "country": country,
                                "year": year,
                                "indicator": sign.id,
                                "age_group_broad": "_T",
                                "value": None,
                                "status": "observed",
                                "source": "Informe nacional al MESECVI (datos sintéticos)",
                                "note": text.format(n=int(rng.integers(2, 40))),
                            }
                        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["n"] = frame["n"].astype("Int64")  # a sample size is written whole (4877, not 4877.0)
    return frame.sort_values(
        ["country", "year", "indicator", "age_group_broad"], kind="stable"
    ).reset_index(drop=True)


def _observe(
    indicator: ind.Indicator,
    row: dict[str, object],
    level: float,
    threshold: float,
    rng: np.random.Generator,
) -> list[dict[str, object]]:
    unit = indicator.unit
    goal = (indicator.scoring or {}).get("goalposts")
    better = 1.0 if indicator.direction != "lower_is_better" else -1.0
    if unit == "yes_no":
        return [{**row, "value": 1 if level > threshold * 0.9 + 0.05 else 0}]
    if unit == "category":
        codes = [c["code"] for c in indicator.categories]  # best first in the definitions
        pos = min(len(codes) - 1, int((1.0 - level) * len(codes)))
        return [{**row, "value": codes[max(0, pos)]}]
    if indicator.id in RANGES:
        lo, hi = RANGES[indicator.id]
        value = math.exp(
            math.log(lo) + (math.log(hi) - math.log(lo)) * float(rng.uniform(0.2, 0.8))
        )
        if indicator.direction == "lower_is_better":
            value *= 1.1 - 0.2 * level
        if unit == "count":
            return [{**row, "value": int(round(value))}]
        if unit == "currency":
            code = (
                indicator.currency
                if indicator.currency != "LCU"
                else CURRENCIES.get(str(row["country"]))
            )
            return [
                {
                    **row,
                    "value": int(round(value)) if value > 100 else round(value, 2),
                    "currency": code,
                }
            ]
        return [{**row, "value": round(value, 2)}]
    lo, hi = goal if goal else (0.0, 100.0)
    share = level if better > 0 else 1.0 - level
    value = lo + (hi - lo) * float(np.clip(share + rng.normal(0.0, 0.05), 0.01, 0.99))
    value = float(np.clip(value, *_valid_range(indicator)))
    if unit == "percent" and indicator.id in SURVEY_OUTCOMES:
        return _survey(row, value, rng)
    decimals = 0 if unit == "years" else 1 if unit in ("percent", "rate") and hi > 5 else 2
    return [{**row, "value": round(value, decimals)}]


def _valid_range(indicator: ind.Indicator) -> tuple[float, float]:
    """The range validation accepts: the indicator's ``bounds``, else its unit's default."""
    if indicator.bounds is not None:
        lo, hi = indicator.bounds
        return (-math.inf if lo is None else float(lo), math.inf if hi is None else float(hi))
    if indicator.unit == "percent":
        return (0.0, 100.0)
    if indicator.unit in ("count", "rate", "currency", "ratio", "years"):
        return (0.0, math.inf)
    return (-math.inf, math.inf)


def _survey(
    row: dict[str, object], value: float, rng: np.random.Generator
) -> list[dict[str, object]]:
    n = int(rng.integers(2_500, 18_000))
    deff = float(rng.uniform(1.4, 2.6))
    out = [_estimate(row, value, n, deff)]
    for group, factor in AGE_SHARES.items():
        if row["indicator"] != "MESECVI-INF-R01":
            break
        size = max(60, int(n * float(rng.uniform(0.08, 0.25))))
        out.append(_estimate({**row, "age_group_broad": group}, value * factor, size, deff))
    return out


def _estimate(row: dict[str, object], value: float, n: int, deff: float) -> dict[str, object]:
    p = min(max(value / 100.0, 0.005), 0.995)
    se = 100.0 * math.sqrt(deff * p * (1.0 - p) / n)
    pct = 100.0 * p
    return {
        **row,
        "value": round(pct, 2),
        "se": round(se, 3),
        "ci_low": round(max(0.0, pct - 1.959964 * se), 2),
        "ci_high": round(min(100.0, pct + 1.959964 * se), 2),
        "cv": round(100.0 * se / pct, 2),
        "n": n,
        "status": "estimated",
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write the sample table (``--out``, default beside this script)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).with_name("values_sample.csv")))
    args = parser.parse_args(argv)
    make_values().to_csv(args.out, index=False, lineterminator="\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
