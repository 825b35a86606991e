"""Shared test configuration: hypothesis profiles chosen by ``HYPOTHESIS_PROFILE``.

- ``ci`` (the default): few examples, no deadline, so the whole suite stays short;
- ``dev``: hypothesis' defaults, for working on a property;
- ``long``: many examples, for the fuzz runs (``HYPOTHESIS_PROFILE=long python -m pytest tests/fuzz``);
- ``fuzz-chunk``: ``FUZZ_EXAMPLES`` examples, for the chunks of ``tests/fuzz/run_long.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
settings.register_profile("dev", deadline=None)
settings.register_profile(
    "long", max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile(  # tests/fuzz/run_long.py: one chunk of a fuzz test, its own seed, no database
    "fuzz-chunk", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "100")), deadline=None, database=None,
    suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for every Spark test (skipped without pyspark or Java)."""
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    try:
        session = (SparkSession.builder.master("local[1]").appName("indicators-tests")
                   .config("spark.ui.enabled", "false").getOrCreate())
    except Exception as exc:  # no Java: nothing to test here
        pytest.skip(f"Spark cannot start: {exc}")
    yield session
    session.stop()
