"""Fuzz tests: the tally is written at the end of the session when FUZZ_REPORT is set."""

from __future__ import annotations

from typing import Any

from ._harness import write_report


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    write_report()
