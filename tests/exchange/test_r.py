"""docs/r.md: its R example runs through reticulate on the tree under test (skipped without R and reticulate)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import indicators

DOC = Path(__file__).resolve().parents[2] / "docs" / "r.md"
SRC = Path(indicators.__file__).resolve().parents[1]


def _has_reticulate() -> bool:
    if shutil.which("Rscript") is None:
        return False
    done = subprocess.run(["Rscript", "-e", "library(reticulate)"], capture_output=True, timeout=120)
    return done.returncode == 0


def test_the_r_page_example_runs(tmp_path) -> None:
    blocks = re.findall(r"```r\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    example = next(b for b in blocks if "ind <- import" in b)
    if not _has_reticulate():
        pytest.skip("R and the reticulate package are not installed")
    script = tmp_path / "example.R"
    script.write_text(example, encoding="utf-8")
    # the same Python and the same library as this test run
    env = dict(os.environ, RETICULATE_PYTHON=sys.executable,
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(["Rscript", str(script)], capture_output=True, text=True, cwd=tmp_path, env=env,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    # the scores table came back as an R data frame (printed with R's row names and columns)
    assert re.search(r"country\s+unit\s+score\s+ci_low\s+ci_high\s+rank", out)
    assert "access_to_justice" in out
    # the estimates came back too: every outcome indicator the sample survey gives, with its sample size
    for indicator in ("MESECVI-INF-R01", "MESECVI-SS-R01", "MESECVI-AJ-R03"):
        assert re.search(rf"\d+\s+{indicator}\s+[0-9.]+\s+[0-9.]+\s+\d+", out), indicator
    assert re.search(r"area\s+estimate\s+se\s+ci_low\s+ci_high\s+cv", out)
