"""Give the sample survey the design it is described with: two stages, fpc, calibration.

``encuesta_mujeres.csv`` is a synthetic survey of women (no real person's answers): areas
(``psu``) drawn within strata (state x urban/rural), segments of dwellings within each area,
one woman per household. This script adds the second stage and the population sizes
(all synthetic) and writes the population projections the weights are raked to:

* ``ssu``: the segment of each woman, groups of four women in ``id`` order within her area;
* ``psu_total``: areas in the stratum's population (the sampled areas times 3 to 6);
* ``ssu_total``: segments in the area's population (the sampled segments times 4 to 8);
* ``proyecciones.csv``: population projections by state, area (urban/rural) and age group,
  one row per category (``variable, category, total``): the sample's weighted counts times
  a factor per category between 0.92 and 1.08, the three margins adding up to one total.

The new columns are appended to each line as they are, so the rest of the file (Spanish
locale: ``;`` between cells, decimal comma, CRLF) is unchanged. Run from the repository
root (the output is committed; rerun only on purpose)::

    python sample_data/make_sample_design.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

FOLDER = Path(__file__).parent
SURVEY = FOLDER / "encuesta_mujeres.csv"
PROJECTIONS = FOLDER / "proyecciones.csv"
NEW = ["ssu", "psu_total", "ssu_total"]
MARGINS = ["state", "area", "age_group_broad"]


def _factor(n: int, shift: int) -> np.ndarray:
    return 0.92 + 0.04 * ((np.arange(1, n + 1) + shift) % 5)


def main() -> None:
    text = SURVEY.read_bytes().decode("ascii")
    lines = text.split("\r\n")
    if lines[-1] == "":
        lines = lines[:-1]
    header = lines[0].split(";")
    if any(col in header for col in NEW):
        raise SystemExit("encuesta_mujeres.csv already has the design columns")
    data = pd.read_csv(SURVEY, sep=";", decimal=",")
    rank = data.groupby("psu")["id"].rank(method="first").to_numpy()
    ssu = np.ceil(rank / 4).astype(int)
    n_ssu = pd.Series(ssu).groupby(data["psu"].to_numpy()).transform("max").to_numpy()
    n_psu = data.groupby("stratum")["psu"].transform("nunique").to_numpy()
    codes = pd.factorize(data["stratum"], sort=True)[0]
    psu_total = n_psu * (3 + codes % 4)
    ssu_total = n_ssu * (4 + data["psu"].to_numpy() % 5)
    extra = [f"{a};{b};{c}" for a, b, c in zip(ssu, psu_total, ssu_total)]
    out = [lines[0] + ";" + ";".join(NEW)] + [line + ";" + e for line, e in zip(lines[1:], extra)]
    SURVEY.write_bytes(("\r\n".join(out) + "\r\n").encode("ascii"))

    rows = []
    grand = None
    for k, var in enumerate(MARGINS):
        sums = data.groupby(var)["weight"].sum()
        totals = sums.to_numpy() * _factor(len(sums), k)
        if grand is None:
            grand = totals.sum()
        totals = np.round(totals * grand / totals.sum())
        totals[0] += round(grand) - totals.sum()  # the margins agree on the total
        rows += [{"variable": var, "category": str(c), "total": int(t)} for c, t in zip(sums.index, totals)]
    pd.DataFrame(rows).to_csv(PROJECTIONS, index=False)


if __name__ == "__main__":
    main()
