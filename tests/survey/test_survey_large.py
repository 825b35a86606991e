"""Larger than memory: a Parquet or CSV file goes through DuckDB with bounded memory.

Source of truth: the pandas path on the same file (itself checked against R ``survey``
in ``test_survey_r_cases.py``). The subprocess limits its own address space
(``resource.setrlimit(RLIMIT_AS)``) to what it has mapped after its imports plus a third
of the file's size, and still gets the pandas figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import indicators as ind

duckdb = pytest.importorskip("duckdb")

ROWS = 2_500_000


def _microdata(rows: int, seed: int = 7) -> pd.DataFrame:
    """A national survey shaped like the reference one: 40 strata of 30 PSUs."""
    rng = np.random.default_rng(seed)
    stratum = rng.integers(0, 40, rows)
    psu = stratum * 100 + rng.integers(0, 30, rows)
    area = np.where(rng.random(rows) < 0.6, "U", "R")
    age = rng.choice(np.array(["15-29", "30-44", "45-59", "60+"]), rows)
    p = 0.2 + 0.1 * (area == "U") + 0.005 * (stratum % 7)
    y = (rng.random(rows) < p).astype(np.float64)
    y[rng.random(rows) < 0.05] = np.nan
    income = np.round(rng.gamma(2.0, 800.0, rows), 2)
    return pd.DataFrame({"stratum": stratum, "psu": psu, "weight": np.round(rng.uniform(50, 500, rows), 4),
                         "area": area, "age_group": age, "ipv_any_12m": y, "income": income})


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("large") / "survey.csv"
    _microdata(ROWS).to_csv(path, index=False)
    (path.parent / "design.yaml").write_text("weights: weight\nstrata: stratum\npsu: psu\n")
    return path


SCRIPT = textwrap.dedent("""
    import json, resource, sys, warnings
    import indicators as ind
    import duckdb, narwhals, numpy, pandas, scipy.sparse  # everything loaded before the limit
    from indicators.survey import _engines, _estimators, _designs  # noqa: F401
    path, design, headroom = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # the engines' fixed start-up cost (DuckDB's instance, Arrow's conversion to pandas), paid first
    _engines.duckdb_connection().sql("SELECT 1 AS a").fetch_arrow_table().to_pandas()
    mapped = _engines._mapped_bytes()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + headroom, mapped + headroom))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = ind.read_design(design, path, memory_limit=headroom // 2)
    out = {"engine": type(d).__name__, "warned": [str(w.message) for w in caught]}
    for name, est in (("mean", d.mean("income", by="area")),
                      ("proportion", d.proportion("ipv_any_12m", by="age_group"))):
        out[name] = est.to_frame()[["estimate", "se", "ci_low", "ci_high", "n"]].to_numpy().tolist()
    try:
        pandas.read_csv(path)
        out["pandas"] = "read"
    except (MemoryError, OSError) as exc:  # pandas cannot even map the file
        out["pandas"] = type(exc).__name__
    print(json.dumps(out))
""")


def test_a_file_three_times_the_memory_limit_is_estimated_through_duckdb(big_csv: Path) -> None:
    size = big_csv.stat().st_size
    headroom = size // 3
    env = {"MALLOC_ARENA_MAX": "2", "ARROW_DEFAULT_MEMORY_POOL": "system", "PATH": "/usr/bin:/bin"}
    import os

    env.update({k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME", "LANG")})
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(big_csv), str(big_csv.parent / "design.yaml"),
                          str(headroom)], capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["engine"] == "EngineSurveyDesign"
    assert any("DuckDB" in w for w in got["warned"])
    assert got["pandas"] in ("MemoryError", "OSError")  # the limit binds: the file does not fit in pandas
    frame = pd.read_csv(big_csv)
    design = ind.SurveyDesign(frame, weights="weight", strata="stratum", psu="psu")
    for name, est in (("mean", design.mean("income", by="area")),
                      ("proportion", design.proportion("ipv_any_12m", by="age_group"))):
        expected = est.to_frame()[["estimate", "se", "ci_low", "ci_high", "n"]].to_numpy(dtype=float)
        np.testing.assert_allclose(np.asarray(got[name], dtype=float), expected, rtol=1e-9)
