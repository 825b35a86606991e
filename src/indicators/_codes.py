"""The one registry of problem codes: every code the library can report, in one table.

Each :class:`Code` says at which stage it arises, how severe it is, which exception
class raises it and where its words are: the message ``<key>`` and the hint
``<key>.hint`` in ``locale/<lang>/*.yaml`` (the key is the code, with ``validation.``
in front for the validation rules). Every problems row of every exception, and every
issue of a validation report, is built from this table by :func:`problem` (and
:func:`error`, which raises the code's class with those rows), so a row always has
the code's severity, message and hint in the user's language.

A new language is a new ``locale/<lang>/`` folder; ``tests/test_problem_codes.py`` fails while
any code lacks its message or hint there, or their placeholders differ from English.

>>> CODES["io.cell_count"].severity, CODES["io.cell_count"].error
('error', 'ReadError')
>>> row = problem("option.invalid", "es", field="lang", value="'de'", name="lang", func="read",
...               allowed="'en', 'es'", got="'de'")
>>> row["severity"], row["message"]
('error', "El parámetro 'lang' de read debe ser uno de 'en', 'es'. Se recibió 'de'.")
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .i18n import FALLBACK, LANGS
from .i18n import message as _message

if TYPE_CHECKING:
    from .errors import IndicatorsError

__all__ = [
    "CODES",
    "PACKAGE_CHECKS",
    "ROW_COLUMNS",
    "Code",
    "ErrorClass",
    "Severity",
    "Stage",
    "error",
    "not_found",
    "problem",
    "suggestions",
]

Stage = Literal["options", "limits", "catalog", "io", "validation", "survey", "scores", "report", "export",
                "followup", "exchange"]
Severity = Literal["error", "warning", "note"]
ErrorClass = Literal["IndicatorsError", "OptionError", "DefinitionError", "DataError", "ReadError",
                     "DesignError", "NotFoundError"]

#: The columns a problems row takes from the call (the rest of the fields only fill the message).
ROW_COLUMNS: tuple[str, ...] = ("file", "sheet", "row", "column", "field", "value", "expected")


@dataclass(frozen=True)
class Code:
    """One problem code: where it arises, how severe, which exception, where its words are."""

    code: str
    stage: Stage
    severity: Severity
    error: ErrorClass
    summary: str
    key: str

    @property
    def exception(self) -> type[IndicatorsError]:
        """The exception class that raises this code."""
        from . import errors

        cls: type[IndicatorsError] = getattr(errors, self.error)
        return cls


def _codes(stage: Stage, error: ErrorClass, *rows: tuple[str, Severity, str], prefix: str = "",
           ) -> dict[str, Code]:
    return {code: Code(code, stage, severity, error, summary, prefix + code)
            for code, severity, summary in rows}


#: The checks of a data package (frictionless 5's error types), each a code ``exchange.package.<check>``.
PACKAGE_CHECKS: tuple[str, ...] = (
    "ascii-value", "blank-header", "blank-label", "blank-row", "byte-count", "catalog-error", "cell-error",
    "check-error", "checklist-error", "compression-error", "constraint-error", "control-error", "data-error",
    "dataset-error", "detector-error", "deviated-cell", "deviated-value", "dialect-error", "duplicate-label",
    "duplicate-row", "encoding-error", "error", "extra-cell", "extra-label", "field-count", "field-error",
    "file-error", "forbidden-value", "foreign-key", "format-error", "hash-count", "header-error",
    "incorrect-label", "inquiry-error", "inquiry-task-error", "label-error", "metadata-error", "missing-cell",
    "missing-label", "package-error", "pipeline-error", "primary-key", "report-error", "report-task-error",
    "required-value", "resource-error", "row-constraint", "row-count", "row-error", "schema-error",
    "scheme-error", "sequential-value", "source-error", "stats-error", "step-error", "table-dimensions",
    "table-error", "truncated-value", "type-error", "unique-error", "unmatched-header",
)

#: Every code, by code. Codes are stable: user scripts and reports filter on them.
CODES: dict[str, Code] = {
    # -- options of public functions ------------------------------------------------------------
    **_codes("options", "OptionError",
             ("option.invalid", "error", "a parameter got a value outside its allowed values"),
             ("option.invalid_value", "error", "a parameter got a value of the wrong form")),
    **_codes("export", "OptionError",
             ("export.outside_folder", "error", "a file name that would write outside the folder"),
             ("results.cannot_write", "error", "a result file that cannot be written")),
    # -- input limits (raised as a ReadError by the readers, a DefinitionError by the definitions) --
    **{f"limits.{name}": Code(f"limits.{name}", "limits", "error", "IndicatorsError", summary, "limits.exceeded")
       for name, summary in (
           ("max_file_bytes", "a file larger than the limit in force"),
           ("max_line_bytes", "a line of text longer than the limit in force"),
           ("max_columns", "more columns than the limit in force"),
           ("max_cells", "more cells than the limit in force"),
           ("max_yaml_nodes", "a YAML file that expands to more nodes than the limit in force"),
           ("max_expression_depth", "an expression nested deeper than the limit in force"),
           ("max_exponent", "an exponent larger than the limit in force"))},
    # -- lookups by id --------------------------------------------------------------------------
    **_codes("catalog", "NotFoundError",
             ("catalog.unknown_indicator", "error", "an indicator id that the catalog does not hold"),
             ("catalog.unknown_area", "error", "an area id that the catalog's system does not have"),
             ("catalog.unknown_codelist", "error", "a codelist id that is not shipped"),
             ("catalog.unknown_code", "error", "a code that a codelist does not hold")),
    **_codes("scores", "OptionError",  # the spec parameter of score() and load_index_spec()
             ("scores.unknown_spec", "error", "an index specification that is neither shipped nor a file")),
    **_codes("catalog", "OptionError",
             ("catalog.unknown_system", "error", "a system name that is not shipped nor the path of a file")),
    # -- definitions ----------------------------------------------------------------------------
    **_codes("catalog", "DefinitionError",
             ("catalog.no_definitions", "error", "the packaged definitions folder is missing"),
             ("definition.invalid", "error", "a definition that is not valid"),
             ("definition.file_missing", "error", "a definition file that does not exist"),
             ("definition.unreadable", "error", "a definition file that cannot be read as UTF-8 text"),
             ("definition.yaml", "error", "a definition file that is not valid YAML"),
             ("definition.not_mapping", "error", "a definition file that is not a YAML mapping"),
             ("definition.schema", "error", "a definition that does not follow its JSON Schema"),
             ("definition.format_version", "error", "a definition file in an unsupported format version"),
             ("definition.kind", "error", "a definition file of another kind than expected"),
             ("definition.system", "error", "a system definition that is not valid"),
             ("definition.area_file", "error", "an indicators file whose area does not match"),
             ("definition.unknown_area", "error", "an indicator in an area the system does not have"),
             ("definition.duplicate_id", "error", "two indicators with the same id"),
             ("definition.duplicate_code", "error", "two codes with the same value in a codelist"),
             ("definition.translation", "error", "a translation file whose texts do not match the definitions"),
             ("definition.unknown_id", "error", "an overlay that changes or drops an unknown indicator"),
             ("definition.unknown_base", "error", "an overlay that extends an unknown system"),
             ("definition.unknown_version", "error", "a system version that is not shipped"),
             ("definition.unknown_codelist", "error", "a disaggregation without a codelist"),
             ("definition.bounds", "error", "bounds whose lower end is above the upper end"),
             ("definition.expression", "error", "a formula or universe that is not a valid expression"),
             ("expression.missing_variable", "error", "an expression naming a variable the data lack"),
             ("definition.index_catalog", "error", "an index specification for another catalog"),
             ("definition.index_levels", "error", "an index specification with invalid levels"),
             ("definition.index_indicators", "error", "an index specification with invalid indicators"),
             ("definition.index_aggregation", "error", "an index specification with an unknown mean"),
             ("definition.index_normalisation", "error", "an index specification with invalid goalposts"),
             ("definition.index_parent", "error", "an index node whose parent does not exist"),
             ("definition.index_scale", "error", "an index specification with a scale that is not positive"),
             ("definition.index_empty", "error", "an index specification without indicators"),
             ("definition.index_groups", "error", "an index specification whose groups are not valid"),
             ("expression.arity", "error", "a function of an expression called with too few or too many arguments"),
             ("expression.evaluation", "error", "an expression that cannot be computed on the data")),
    # -- reading files --------------------------------------------------------------------------
    **_codes("io", "ReadError",
             ("io.errors", "error", "a file with several problems (the summary of them)"),
             ("io.file_missing", "error", "the file does not exist"),
             ("io.not_a_file", "error", "the path is a folder"),
             ("io.unsupported_extension", "error", "a file extension that cannot be read"),
             ("io.empty", "error", "an empty file"),
             ("io.empty_sheet", "error", "an empty sheet"),
             ("io.binary", "error", "binary content in a text file"),
             ("io.decode", "error", "bytes that are not valid in the encoding (at a line)"),
             ("io.decode_file", "error", "bytes that are not valid in the encoding"),
             ("io.unknown_encoding", "error", "an encoding name that Python does not know"),
             ("io.header_row", "error", "a header_row where no record starts"),
             ("io.cell_count", "error", "a line with more or fewer cells than the header"),
             ("io.unclosed_quote", "error", "a quoted field that is never closed"),
             ("io.parse_error", "error", "a file that cannot be split into cells"),
             ("io.number_format", "error", "a number that breaks the file's number format"),
             ("io.unknown_column", "error", "a dtype for a column the file does not have"),
             ("io.dtype", "error", "a column that cannot be converted to the dtype asked"),
             ("io.sheet_missing", "error", "a sheet that the workbook does not have"),
             ("io.corrupt", "error", "a damaged file or one whose extension lies"),
             ("io.formats_unread", "warning", "workbook number formats unreadable: zero-padded codes not checked"),
             ("io.ambiguous_numbers", "warning", "numbers that either decimal mark could read"),
             ("io.ambiguous_delimiter", "warning", "a delimiter chosen among several candidates"),
             ("io.duplicate_column", "warning", "a repeated column name, renamed"),
             ("io.text_in_numbers", "note", "a text cell in a mostly numeric column"),
             ("io.title_line", "note", "a title or note above the header, not read as data"),
             ("io.blank_line", "note", "a blank line, skipped"),
             ("io.user_missing_kept", "note", "SPSS/Stata user-missing codes kept as codes or labels"),
             ("io.user_missing_nan", "note", "SPSS/Stata user-missing codes set to missing"),
             ("io.undecodable", "error", "bytes that fit neither UTF-8 nor any code page"),
             ("io.encoding_detected", "warning", "a text neither UTF-8 nor Windows-1252, read in a detected encoding"),
             ("io.invalid_utf8", "warning", "bytes that are not UTF-8 in a UTF-8 file, each read as '?'"),
             ("io.no_delimiter", "error", "a text without delimiter whose columns are not aligned"),
             ("io.fixed_width", "note", "a text without delimiter read by column positions"),
             ("io.swallowed_lines", "warning", "a quote that runs over several lines into one cell"),
             ("io.header_joined", "note", "a header over several rows, its names joined"),
             ("io.footer", "error", "a footer of more rows than the table has"),
             ("io.footnote", "note", "a note under the table, kept in the provenance"),
             ("io.total_row", "note", "a total or subtotal row, flagged"),
             ("io.total_row_dropped", "note", "a total or subtotal row, dropped"),
             ("io.missing_markers", "note", "cells holding missing markers, read as missing"),
             ("io.unit", "note", "numbers written with a unit, kept as numbers"),
             ("io.parentheses", "note", "numbers in parentheses, read as negative"),
             ("io.parquet_metadata", "warning", "damaged pandas metadata in a Parquet file, ignored"),
             ("io.stata_codes_as_text", "note", "a Stata column with extended missing codes, kept as text")),
    # -- validation (issues of a ValidationReport; its words under validation.<code>) ----------------
    **_codes("validation", "DataError",
             ("validation.catalog_needed", "error", "a values table validated without a catalog"),
             ("validation.bad_input", "error", "something to validate that is not a table or a file"),
             ("validation.invalid", "error", "a validation report with errors, raised on request")),
    **_codes("validation", "OptionError",
             ("validation.design_needed", "error", "microdata validated without a design")),
    **_codes("validation", "DataError",
             ("values.missing_column", "error", "a required column (country, year, indicator, value) is absent"),
             ("values.unknown_column", "warning", "a column that is not part of the values table (ignored)"),
             ("values.duplicate_column", "warning", "two columns with the same meaning; the second is ignored"),
             ("values.empty_table", "error", "the table has no rows"),
             ("values.missing_value", "error", "an identifying cell (country, year, indicator) is empty"),
             ("values.unknown_country", "error", "a country that is not an OAS member state"),
             ("values.not_a_year", "error", "a year that is not a whole number"),
             ("values.year_range", "error", "a year outside the accepted range"),
             ("values.unknown_indicator", "error", "an indicator id that is not in the catalog"),
             ("values.not_a_number", "error", "a cell that should hold a number does not"),
             ("values.value_missing", "error", "no value, and a status that does not explain why"),
             ("values.status_value_conflict", "warning",
              "a value given with status not_available or not_applicable"),
             ("values.yes_no_invalid", "error", "a yes/no indicator with a value other than yes or no"),
             ("values.percent_range", "error", "a percentage outside 0-100"),
             ("values.negative", "error", "a negative count, rate, ratio, number of years or amount"),
             ("values.out_of_bounds", "error", "a value outside the bounds its indicator's definition sets"),
             ("values.count_not_whole", "error", "a count that is not a whole number"),
             ("values.category_invalid", "error", "a category that the indicator does not define"),
             ("values.currency_missing", "error", "an amount in national currency without its ISO 4217 code"),
             ("values.currency_mismatch", "error", "an amount in a currency other than the indicator's"),
             ("values.unknown_code", "error", "a disaggregation code that is not in its codelist"),
             ("values.unknown_region", "error", "a sub-national unit that is not an ISO 3166-2 code of the row's "
                                                "country nor a code of the national codelist"),
             ("values.unknown_status", "error", "a status that is not in the status codelist"),
             ("values.se_negative", "error", "a negative standard error"),
             ("values.cv_negative", "error", "a negative coefficient of variation"),
             ("values.n_invalid", "error", "a sample size that is negative or not whole"),
             ("values.ci_order", "error", "a confidence interval that does not contain the value"),
             ("values.cv_inconsistent", "warning",
              "a cv that is not 100 * se / |value| (the values table's cv is in percent)"),
             ("values.sign_note_missing", "error", "a sign of progress without its text in note"),
             ("values.sign_numeric_value", "warning",
              "a number in value on a sign of progress (signs are text, never scored)"),
             ("values.duplicate_key", "error", "two rows for the same country, year, indicator and disaggregation"),
             ("values.parts_above_total", "error", "the parts of a count add up to more than its total"),
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
             ("read.problem", "warning", "a problem noted while reading the file"),
             ("validation.schema_failure", "error", "a failure of the generated schema with no specific rule"),
             prefix="validation."),
    # -- follow-up of recommendations (issues of a follow-up validation; words under validation.<code>)
    **_codes("followup", "DataError",
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
             ("followup.unknown_recommendation", "error", "a record of a recommendation that is not held"),
             ("followup.unknown_status", "error", "a status outside the status codelist"),
             ("followup.unknown_reporter", "error", "a reporter outside the reporters codelist"),
             ("followup.not_a_date", "error", "a date that cannot be read"),
             ("followup.date_outside_round", "error", "a date before the recommendation or after its follow-up"),
             ("followup.country_mismatch", "error",
              "a record's State differs from the State the recommendation is addressed to"),
             ("followup.country_needed", "error",
              "a record of a recommendation to every State that does not name the State"),
             ("followup.duplicate_record", "error",
              "two records by the same reporter for the same recommendation, State and date"),
             ("followup.contradicts_closed", "warning",
              "a later record by the same reporter contradicting a closed status"),
             ("followup.evidence_missing", "warning",
              "a status other than 'no information' reported without evidence"),
             prefix="validation."),
    # -- survey designs and estimation --------------------------------------------------------------
    **_codes("survey", "DesignError",
             ("survey.design.not_frame", "error", "microdata that are not a DataFrame"),
             ("survey.design.empty", "error", "microdata without rows"),
             ("survey.design.missing_column", "error", "a design column the microdata lack"),
             ("survey.design.bad_weights", "error", "missing, zero, negative or infinite weights"),
             ("survey.design.missing_code", "error", "a missing stratum or PSU code"),
             ("survey.design.lonely_psu", "error", "strata with a single PSU under lonely_psu='fail'"),
             ("survey.design.lonely_unit", "error", "a later-stage unit with a single sampled unit inside"),
             ("survey.design.stage_columns", "error", "more strata or fpc columns than stages"),
             ("survey.design.fpc_stages", "error", "a multistage design without an fpc for every stage"),
             ("survey.design.no_weights", "error", "a design with neither weights nor an fpc for every stage"),
             ("survey.design.psu_not_nested", "error", "PSU codes in several strata with nest=False"),
             ("survey.design.bad_fpc", "error", "missing or negative finite population corrections"),
             ("survey.design.fpc_varies", "error", "an fpc that varies within a stratum"),
             ("survey.design.fpc_mixed", "error", "an fpc mixing population sizes and fractions"),
             ("survey.design.fpc_small", "error", "an fpc smaller than the sample"),
             ("survey.design.no_replicates", "error", "a replicate design without replicate weights"),
             ("survey.design.fay_rho", "error", "a Fay design without a valid rho"),
             ("survey.design.bad_replicates", "error", "missing, negative or infinite replicate weights"),
             ("survey.design.rscales_length", "error", "rscales of the wrong length"),
             ("survey.design.jkn_rscales", "error", "a JKn design with combined weights without rscales"),
             ("survey.design.pps_fpc", "error", "a PPS design without its inclusion probabilities"),
             ("survey.design.pps_stages", "error", "Overton's or Hartley-Rao's PPS with several stages"),
             ("survey.design.pps_probability", "error", "inclusion probabilities outside (0, 1]"),
             ("survey.design.pps_varies", "error", "an inclusion probability that varies within a unit"),
             ("survey.design.pps_psum", "error", "a Hartley-Rao psum that is not a number for every stratum")),
    **_codes("survey", "DesignError",
             ("survey.calibration.bad_total", "error", "a missing, negative or non-numeric population total"),
             ("survey.calibration.bounds", "error", "calibration bounds that are not lower < 1 < upper"),
             ("survey.calibration.empty_row", "error", "a population-totals row that names no category"),
             ("survey.calibration.epsilon", "error", "a calibration tolerance that is not positive"),
             ("survey.calibration.logit_bounds", "error", "logit calibration without finite bounds"),
             ("survey.calibration.max_iter", "error", "max_iter that is not a whole number >= 1"),
             ("survey.calibration.missing_category", "error", "a row without a value of a calibration variable"),
             ("survey.calibration.no_convergence", "error", "a calibration that did not reach the totals"),
             ("survey.calibration.no_margin", "error", "population totals without rows for a margin"),
             ("survey.calibration.no_margins", "error", "a calibration without margins"),
             ("survey.calibration.no_total", "error", "sample categories without a population total"),
             ("survey.calibration.population_columns", "error", "population totals without a total column"),
             ("survey.calibration.population_type", "error", "population totals that are neither a table nor a file"),
             ("survey.calibration.singular", "error", "a singular calibration model"),
             ("survey.calibration.trim_limits", "error", "weight-trimming limits that are not lower < upper"),
             ("survey.calibration.unreachable", "error", "population categories without sample rows"),
             ("survey.replicate.brr_small", "error", "BRR or Fay replicates with single-PSU strata and small='fail'"),
             ("survey.replicate.brr_large", "error", "BRR or Fay with strata of over two PSUs and large='fail'"),
             ("survey.replicate.brr_merge_one", "error", "small='merge' with a single single-PSU stratum"),
             ("survey.replicate.brr_split_odd", "error", "large='split' with an odd number of PSUs in a stratum"),
             ("survey.replicate.pps", "error", "replicates with an fpc made from a PPS design"),
             ("survey.replicate.calibrated", "error", "replicates made from a calibrated design"),
             ("survey.replicate.count", "error", "a number of replicates below 2"),
             ("survey.replicate.hadamard", "error", "a Hadamard matrix that is not valid"),
             ("survey.replicate.jk1_strata", "error", "JK1 replicates of a stratified design"),
             ("survey.replicate.lonely", "error", "JKn replicates with a single-PSU stratum"),
             ("survey.replicate.needs_strata", "error", "replicates that need strata for a design without")),
    **_codes("survey", "DataError",
             ("survey.data.not_numeric", "error", "an analysed variable holding text"),
             ("survey.data.not_binary", "error", "a proportion of a variable that is not 0/1"),
             ("survey.by.missing", "warning", "rows with a missing domain variable (in no domain)"),
             ("survey.estimate.missing_variable", "error", "a variable of an estimation the microdata lack"),
             ("survey.estimate.missing_by", "error", "a disaggregation variable the microdata lack"),
             ("survey.estimate.not_design", "error", "estimate given something that is not a design"),
             ("survey.estimate.rows", "error", "a design built on other microdata"),
             ("survey.estimate.unknown_region", "error", "sub-national units of the microdata that do not resolve"),
             ("survey.estimate.undeclared_by", "error", "a variable to estimate by that is not a disaggregation"),
             ("survey.estimate.compare_group", "error", "a gap between groups that the microdata do not hold"),
             ("survey.estimate.compare_by", "error", "a gap between groups disaggregated by its own groups")),
    **_codes("survey", "DesignError",
             ("survey.engine.unsupported", "error", "a method that needs the rows in memory, on an engine frame"),
             ("survey.engine.extra", "error", "an engine frame without the extra that reads it")),
    **_codes("survey", "DataError",
             ("survey.engine.not_numeric", "error", "an analysed column of an engine frame that is not numeric")),
    "survey.estimate.not_frame": Code("survey.estimate.not_frame", "survey", "error", "DataError",
                                      "microdata given to estimate that are not a DataFrame",
                                      "survey.design.not_frame"),
    **_codes("survey", "OptionError",
             ("survey.option.level", "error", "a confidence level outside (0, 1)"),
             ("survey.option.q", "error", "a quantile probability outside [0, 1]"),
             ("survey.option.no_variables", "error", "an estimator called without variables"),
             ("survey.option.ratio_pairs", "error", "numerators and denominators that do not pair up"),
             ("survey.option.min_n", "error", "a min_n that is not a non-negative integer"),
             ("survey.option.likelihood_design", "error",
              "a likelihood proportion interval asked of a replicate design"),
             ("survey.option.interval_design", "error",
              "a quantile interval type the design does not have (score: Taylor; quantile: replicate)")),
    **_codes("survey", "OptionError",
             ("analysis.unknown_group", "error", "a group that the grouping variable does not have"),
             ("analysis.two_groups", "error", "a difference asked for other than two groups"),
             ("analysis.rounds_type", "error", "compare_rounds given something other than Estimates")),
    **_codes("survey", "DataError",
             ("analysis.not_binary_group", "error", "a t test on a variable without exactly two groups")),
    **_codes("followup", "DataError",
             ("followup.bad_input", "error", "follow-up records that are neither a table nor a file"),
             ("followup.invalid", "error", "follow-up records with errors, raised on request")),
    **_codes("followup", "DefinitionError",
             ("followup.file_missing", "error", "a recommendations or codelist file that does not exist"),
             ("followup.file_unreadable", "error", "a recommendations file that is not UTF-8 text"),
             ("followup.not_yaml", "error", "a recommendations file that is not valid YAML"),
             ("followup.not_mapping", "error", "a recommendations file that is not a YAML mapping"),
             ("followup.file_schema", "error", "a recommendations file that does not follow its format"),
             ("followup.codelist_schema", "error", "a follow-up codelist that does not follow its format"),
             ("followup.duplicate_code", "error", "a code that appears twice in a follow-up codelist"),
             ("followup.round_bad_date", "error", "a round date that is not YYYY-MM-DD"),
             ("followup.round_duplicate", "error", "a round defined twice"),
             ("followup.round_order", "error", "a round whose follow-up ends before its adoption"),
             ("followup.round_years", "error", "a round whose follow-up year is not after its baseline")),
    **_codes("survey", "DefinitionError",
             ("survey.estimate.unknown_indicator", "error", "indicators to estimate that the catalog lacks"),
             ("survey.estimate.compare_statistic", "error", "a gap between groups of a ratio or a quantile"),
             ("survey.yaml.unknown_key", "error", "an unknown key in a design file"),
             ("survey.yaml.weights", "error", "a design file without its weights column"),
             ("survey.yaml.column", "error", "a design file naming a column that is not text"),
             ("survey.yaml.replicate", "error", "a design file with an invalid replicate block"),
             ("survey.yaml.value", "error", "a design file with a value outside the allowed ones"),
             ("survey.yaml.kind", "error", "a design file of the other kind of design"),
             ("survey.yaml.replicates_twice", "error", "a design file that gives and makes replicate weights"),
             ("survey.yaml.mapping", "error", "a design file entry that should be a mapping"),
             ("survey.yaml.calibration", "error", "a design file with an invalid calibration block"),
             ("survey.yaml.population", "error", "a calibration step without its population totals")),
    # -- scores ---------------------------------------------------------------------------------------
    **_codes("scores", "DataError",
             ("scores.not_a_table", "error", "a values table that is not a DataFrame"),
             ("scores.missing_columns", "error", "a values table without country, year, indicator or value"),
             ("scores.bad_year", "error", "a year that is not whole"),
             ("scores.bad_country", "error", "an empty country"),
             ("scores.duplicate", "error", "repeated country, year and indicator"),
             ("scores.not_numeric", "error", "a value that is not a number"),
             ("scores.not_binary", "error", "a yes/no value that is not yes or no"),
             ("scores.unknown_category", "error", "a category the indicator does not define"),
             ("scores.log_nonpositive", "error", "a value that cannot be log-transformed"),
             ("scores.bad_se", "error", "a standard error that is not a non-negative number"),
             ("scores.bad_interval", "error", "a reversed confidence interval"),
             ("scores.no_rows", "error", "no total row of the index's indicators"),
             ("scores.trend_not_comparable", "error", "trends of an index whose bounds change by year")),
    **_codes("scores", "OptionError",
             ("scores.draws_needed", "error", "method uncertainty asked without Monte Carlo draws"),
             ("scores.no_uncertainty_in_spec", "error", "method_uncertainty=True with a spec that has none"),
             ("scores.unknown_years", "error", "years to score that the values table lacks"),
             ("scores.trend_year", "error", "a trend year that was not scored")),
    # -- reports --------------------------------------------------------------------------------------
    **_codes("report", "OptionError",
             ("report.missing_extra", "error", "a report format whose optional package is not installed"),
             ("report.bad_locale", "error", "a locale that is not a locale name"),
             ("report.bad_year", "error", "a year that is not a year"),
             ("report.bad_date", "error", "a date that is not a date"),
             ("report.not_a_folder", "error", "a report folder that is a file")),
    **_codes("report", "DataError",
             ("report.values_not_frame", "error", "a values table that is not a DataFrame"),
             ("report.values_missing_columns", "error", "a values table without country, year or indicator"),
             ("report.scores_not_frame", "error", "scores that are neither a Scores nor a DataFrame"),
             ("report.scores_missing_columns", "error", "a scores table without its columns"),
             ("report.unknown_country", "error", "a country without rows in the values table")),
    # -- exchange formats -----------------------------------------------------------------------------
    **_codes("exchange", "OptionError",
             ("exchange.bad_catalog", "error", "a catalog that is neither a Catalog nor a system name"),
             ("exchange.not_a_table", "error", "a values table that is not a DataFrame"),
             ("exchange.missing_extra", "error", "an exchange format whose optional package is not installed"),
             ("exchange.bad_name", "error", "a data package name that is not valid"),
             ("exchange.indicators_list", "error", "indicators given as one text instead of a list")),
    **_codes("exchange", "DataError",
             ("exchange.missing_column", "error", "a values table without one of its key columns"),
             ("exchange.not_whole_number", "error", "a year or sample size that is not a whole number"),
             ("exchange.not_a_number", "error", "a value or precision cell that is not a number"),
             ("exchange.no_country_rows", "error", "a country without rows in the values table"),
             ("exchange.unknown_indicator", "error", "an indicator id that the catalog does not hold"),
             ("exchange.coded_indicator", "error", "a category or text indicator, which Open SDG cannot chart"),
             ("exchange.indicator_absent", "error", "an indicator asked for without rows for the country")),
    # a data package that breaks its Table Schema: one code per check of frictionless (its error type)
    **{f"exchange.package.{check}": Code(f"exchange.package.{check}", "exchange", "error", "DataError",
                                         f"a data package that fails the '{check}' check of frictionless",
                                         "exchange.package_check")
       for check in PACKAGE_CHECKS},
    **_codes("exchange", "ReadError",
             ("exchange.no_package", "error", "a folder or file without a datapackage.json"),
             ("exchange.bad_descriptor", "error", "a data package description that cannot be used"),
             ("exchange.unknown_column", "error", "a data package column that is not a values-table column")),
    # SDMX: rows that do not fit the data structure (writing), files that cannot be read back (reading)
    **_codes("exchange", "DataError",
             ("exchange.sdmx_no_year", "error", "a row without a year, which SDMX needs as its time period"),
             ("exchange.sdmx_no_dimension", "error", "a disaggregation the data structure has no dimension for"),
             ("exchange.sdmx_not_mapped", "error", "an indicator without a series in the SDG mapping"),
             ("exchange.sdmx_bad_code", "error", "a code outside the code list of its SDMX dimension"),
             ("exchange.sdmx_fixed_dimension", "error", "a breakdown that the SDG series fixes at another code"),
             ("exchange.sdmx_duplicate", "error", "two rows with the same SDMX key"),
             ("exchange.sdmx_bad_text", "error", "text with a control character, which SDMX-ML cannot hold")),
    **_codes("exchange", "ReadError",
             ("exchange.sdmx_no_file", "error", "an SDMX file that does not exist"),
             ("exchange.sdmx_not_csv", "error", "a file that cannot be read as SDMX-CSV"),
             ("exchange.sdmx_not_xml", "error", "a file that cannot be read as SDMX-ML structure-specific data"),
             ("exchange.sdmx_unknown_column", "error", "an SDMX-CSV column that is not a component of the structure"),
             ("exchange.sdmx_missing_column", "error", "an SDMX-CSV file without a column the structure needs"),
             ("exchange.sdmx_other_structure", "error", "an SDMX-CSV row of another dataflow or action"),
             ("exchange.sdmx_read_bad_code", "error", "an SDMX file cell outside the code list of its component"),
             ("exchange.sdmx_read_not_mapped", "error", "an SDG series that maps to no indicator of the catalog"),
             ("exchange.sdmx_bad_period", "error", "a time period that is not a year"),
             ("exchange.sdmx_bad_number", "error", "an SDMX attribute that should be a number and is not")),
}


def suggestions(key: Any, available: Iterable[Any], n: int = 3) -> list[str]:
    """The available keys closest to ``key`` (case-insensitive), best first.

    >>> suggestions("MESECVI-LEG-E1", ["MESECVI-LEG-E01", "MESECVI-LEG-E02", "MESECVI-NP-P01"])
    ['MESECVI-LEG-E01', 'MESECVI-LEG-E02']
    """
    names = [str(a) for a in available]
    folded = {n_.casefold(): n_ for n_ in names}
    text = str(key).casefold()
    if text in folded:
        return [folded[text]]
    return [folded[m] for m in difflib.get_close_matches(text, list(folded), n=n, cutoff=0.75)]


def _entry(code: str) -> Code:
    try:
        return CODES[code]
    except KeyError:
        raise LookupError(f"{code!r} is not a registered problem code (indicators._codes.CODES)") from None


def problem(code: str, lang: str = "en", /, *, message: str | None = None,
            extra: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """One problems row of ``code``: its severity, message and hint in ``lang``, and the fields.

    ``fields`` fill the message and hint; those named in :data:`ROW_COLUMNS` (file,
    sheet, row, column, field, value, expected) also go into the row, as does ``extra``.
    ``message`` replaces the registered message (for a text that comes from elsewhere,
    such as a parser's own words).
    """
    entry = _entry(code)
    lang = lang if lang in LANGS else FALLBACK
    row: dict[str, Any] = {"code": code}
    for name in ROW_COLUMNS:
        row[name] = fields.get(name)
    row["message"] = message if message is not None else _message(entry.key, lang, **fields)
    row["severity"] = entry.severity
    row["hint"] = _message(entry.key + ".hint", lang, **fields)
    if extra:
        row.update(extra)
    return row


def error(code: str, lang: str = "en", /, *, rows: Iterable[Mapping[str, Any]] | None = None,
          message: str | None = None, **fields: Any) -> IndicatorsError:
    """The exception of ``code`` (its registered class), its message in ``lang`` and its problems.

    ``rows`` are the problems (each built with :func:`problem`); without them the
    one row is built from ``fields``.

    >>> err = error("survey.option.min_n", "en", field="min_n", value="-1", got="-1")
    >>> type(err).__name__, err.problems.loc[0, "code"], err.problems.loc[0, "field"]
    ('OptionError', 'survey.option.min_n', 'min_n')
    """
    entry = _entry(code)
    first = problem(code, lang, message=message, **fields)
    table = [first] if rows is None else list(rows)
    return entry.exception(first["message"], problems=table)


def not_found(code: str, key: Any, available: Iterable[Any], lang: str = "en", /,
              **fields: Any) -> IndicatorsError:
    """The error of ``code`` (a :class:`~indicators.errors.NotFoundError` for an id) for ``key``,
    with the closest ``available``.

    >>> err = not_found("catalog.unknown_indicator", "MESECVI-LEG-E1", ["MESECVI-LEG-E01"],
    ...                 "es", catalog="mesecvi")
    >>> print(err)
    'MESECVI-LEG-E1' no es un indicador del catálogo mesecvi. ¿Quiso decir 'MESECVI-LEG-E01'?
    >>> isinstance(err, KeyError)
    True
    """
    lang = lang if lang in LANGS else FALLBACK
    close = suggestions(key, available)
    fields.setdefault("value", str(key))
    text = _message(_entry(code).key, lang, key=repr(str(key)), **fields)
    if close:
        text += " " + _message("option.did_you_mean", lang, suggestion=", ".join(repr(c) for c in close))
    return error(code, lang, message=text, expected=", ".join(close), key=repr(str(key)), **fields)
