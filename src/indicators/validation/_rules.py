"""The validation rules: one stable code per rule, its severity and what it checks.

The rules are the registry's validation codes (:data:`indicators._codes.CODES`);
:mod:`indicators.validation._schemas` turns them into pandera checks and
:mod:`indicators.validation._validate` runs them. Messages, hints and expectations of
every code live in ``locale/<lang>/validation.yaml`` under ``validation.<code>``,
``validation.<code>.hint`` and ``validation.<code>.expected``.

>>> RULES["values.percent_range"].severity
'error'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CV_TOLERANCE", "NONNEGATIVE_UNITS", "NUMERIC_UNITS", "RULES", "SIGN_UNIT", "Rule", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Rule:
    """A validation rule: its code, severity and what it checks (one line, English)."""

    code: str
    severity: Severity
    summary: str


def _rules() -> dict[str, Rule]:
    from .._codes import CODES

    return {c.code: Rule(c.code, c.severity, c.summary) for c in CODES.values()  # type: ignore[arg-type]
            if c.key == f"validation.{c.code}"}


#: Every rule, by code: the codes of the registry (:mod:`indicators._codes`) whose words are under
#: ``validation.<code>`` (values tables, microdata, follow-up records, reading). The codes are stable:
#: reports and user scripts filter on them.
RULES: dict[str, Rule] = _rules()

#: Units whose values are numbers (``category`` and ``text`` are not).
NUMERIC_UNITS: frozenset[str] = frozenset({"yes_no", "count", "percent", "rate", "currency", "ratio", "years", "index"})
#: The pseudo-unit of a qualitative sign of progress: its row holds text in ``note``, no value.
SIGN_UNIT = "sign"
#: Relative and absolute tolerance of ``cv`` against ``100 * se / |value|`` (rounded inputs pass;
#: a cv written as a fraction, 100 times too small, does not).
CV_TOLERANCE: tuple[float, float] = (0.1, 0.05)
#: Units that cannot be negative.
NONNEGATIVE_UNITS: frozenset[str] = frozenset({"count", "rate", "currency", "ratio", "years"})
