"""The validation rules: one stable code per rule, its severity and the column it concerns.

Declarations only (what is checked); :mod:`indicators.validation._schemas` turns them into pandera
checks and :mod:`indicators.validation._validate` runs them. Messages, hints and expectations of
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


def _rules(*items: tuple[str, Severity, str]) -> dict[str, Rule]:
    return {code: Rule(code, sev, summary) for code, sev, summary in items}


#: Every rule, by code. The codes are stable: reports and user scripts filter on them.
RULES: dict[str, Rule] = _rules(
    # -- whole table ------------------------------------------------------------------
    ("values.missing_column", "error", "a required column (country, year, indicator, value) is absent"),
    ("values.unknown_column", "warning", "a column that is not part of the values table (ignored)"),
    ("values.duplicate_column", "warning", "two columns with the same meaning; the second is ignored"),
    ("values.empty_table", "error", "the table has no rows"),
    # -- cells ----------------------------------------------------------------------------
    ("values.missing_value", "error", "an identifying cell (country, year, indicator) is empty"),
    ("values.unknown_country", "error", "a country that is not an OAS member state"),
    ("values.not_a_year", "error", "a year that is not a whole number"),
    ("values.year_range", "error", "a year outside the accepted range"),
    ("values.unknown_indicator", "error", "an indicator id that is not in the catalog"),
    ("values.not_a_number", "error", "a cell that should hold a number does not"),
    ("values.value_missing", "error", "no value, and a status that does not explain why"),
    ("values.status_value_conflict", "warning", "a value given with status not_available or not_applicable"),
    ("values.yes_no_invalid", "error", "a yes/no indicator with a value other than yes or no"),
    ("values.percent_range", "error", "a percentage outside 0-100"),
    ("values.negative", "error", "a negative count, rate, ratio, number of years or amount"),
    ("values.out_of_bounds", "error", "a value outside the bounds its indicator's definition sets"),
    ("values.count_not_whole", "error", "a count that is not a whole number"),
    ("values.category_invalid", "error", "a category that the indicator does not define"),
    ("values.currency_missing", "error", "an amount in national currency without its ISO 4217 code"),
    ("values.currency_mismatch", "error", "an amount in a currency other than the indicator's"),
    ("values.unknown_code", "error", "a disaggregation code that is not in its codelist"),
    ("values.unknown_region", "error", "a sub-national unit that is not an ISO 3166-2 code of the row's country "
                                       "nor a code of the national codelist"),
    ("values.unknown_status", "error", "a status that is not in the status codelist"),
    ("values.se_negative", "error", "a negative standard error"),
    ("values.cv_negative", "error", "a negative coefficient of variation"),
    ("values.n_invalid", "error", "a sample size that is negative or not whole"),
    ("values.ci_order", "error", "a confidence interval that does not contain the value"),
    ("values.cv_inconsistent", "warning", "a cv that is not 100 * se / |value| (the values table's cv is in percent)"),
    # -- qualitative signs of progress (text in note, never scored) ---------------------------
    ("values.sign_note_missing", "error", "a sign of progress without its text in note"),
    ("values.sign_numeric_value", "warning", "a number in value on a sign of progress (signs are text, never scored)"),
    # -- across rows ------------------------------------------------------------------------
    ("values.duplicate_key", "error", "two rows for the same country, year, indicator and disaggregation"),
    ("values.parts_above_total", "error", "the parts of a count add up to more than its total"),
    # -- survey microdata -------------------------------------------------------------------
    ("micro.missing_column", "error", "a design column (weights, strata, PSU) is absent"),
    ("micro.duplicate_column", "warning", "two columns with the same name; the second is ignored"),
    ("micro.empty_table", "error", "the microdata file has no rows"),
    ("micro.weight_missing", "error", "an empty weight"),
    ("micro.weight_not_number", "error", "a weight that is not a number"),
    ("micro.weight_nonpositive", "error", "a weight that is zero or negative"),
    ("micro.strata_missing", "error", "an empty stratum"),
    ("micro.psu_missing", "error", "an empty primary sampling unit"),
    ("micro.psu_not_nested", "error", "a PSU code that appears in more than one stratum"),
    ("micro.single_psu_stratum", "warning", "a stratum with a single PSU"),
    ("micro.unlabelled_value", "error", "a code outside the variable's value labels"),
    # -- follow-up of recommendations (indicators.followup) -------------------------------------
    ("followup.rec_schema", "error", "a recommendation that does not follow the recommendations format"),
    ("followup.duplicate_id", "error", "two recommendations with the same id"),
    ("followup.unknown_round", "error", "a recommendation of a round the file does not define"),
    ("followup.unknown_country", "error", "a State that is not an OAS member state (nor 'all')"),
    ("followup.unknown_area", "error", "a focus area that the indicator system does not have"),
    ("followup.unknown_theme", "error", "a theme outside the themes codelist"),
    ("followup.unknown_indicator", "error", "an indicator id that is not in the catalog"),
    ("followup.missing_column", "error", "a required column of the follow-up records is absent"),
    ("followup.unknown_column", "warning", "a column that is not part of the follow-up records (ignored)"),
    ("followup.empty_table", "error", "the follow-up records table has no rows"),
    ("followup.missing_value", "error", "a required cell of a follow-up record is empty"),
    ("followup.unknown_recommendation", "error", "a record of a recommendation the recommendations do not hold"),
    ("followup.unknown_status", "error", "a status outside the status codelist"),
    ("followup.unknown_reporter", "error", "a reporter outside the reporters codelist"),
    ("followup.not_a_date", "error", "a date that cannot be read"),
    ("followup.date_outside_round", "error", "a date before the recommendation or after its round's follow-up"),
    ("followup.country_mismatch", "error",
     "a record's State differs from the State the recommendation is addressed to"),
    ("followup.country_needed", "error", "a record of a recommendation to every State that does not name the State"),
    ("followup.duplicate_record", "error",
     "two records by the same reporter for the same recommendation, State and date"),
    ("followup.contradicts_closed", "warning", "a later record by the same reporter contradicting a closed status"),
    ("followup.evidence_missing", "warning", "a status other than 'no information' reported without evidence"),
    # -- from reading the file --------------------------------------------------------------
    ("read.problem", "warning", "a problem noted while reading the file"),
    ("validation.schema_failure", "error", "a failure of the generated schema with no specific rule"),
)

#: Units whose values are numbers (``category`` and ``text`` are not).
NUMERIC_UNITS: frozenset[str] = frozenset({"yes_no", "count", "percent", "rate", "currency", "ratio", "years", "index"})
#: The pseudo-unit of a qualitative sign of progress: its row holds text in ``note``, no value.
SIGN_UNIT = "sign"
#: Relative and absolute tolerance of ``cv`` against ``100 * se / |value|`` (rounded inputs pass;
#: a cv written as a fraction, 100 times too small, does not).
CV_TOLERANCE: tuple[float, float] = (0.1, 0.05)
#: Units that cannot be negative.
NONNEGATIVE_UNITS: frozenset[str] = frozenset({"count", "rate", "currency", "ratio", "years"})
