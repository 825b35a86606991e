"""Problems found in follow-up files, gathered into the library's :class:`ValidationReport`.

The rule codes (``followup.*``) are declared with the other validation rules; their messages,
hints and expectations live in ``locale/<lang>/followup.yaml``. Each issue names the file, the
row (a spreadsheet row, or the line of a recommendation in YAML), the column or field and the value.

>>> import pandas as pd
>>> issues = Issues("seguimiento.csv")
>>> issues.add("followup.unknown_status", 3, "estado", "quizá", recommendation="R1")
>>> rows = pd.DataFrame({"estado": ["total", "quizá"]}, index=pd.Index([2, 3], name="row"))
>>> report = issues.report(rows, "follow_up_records", lang="es", provenance={})
>>> report.ok, len(report.accepted), len(report.rejected)
(False, 1, 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..i18n import Lang
from ..validation import ReportKind, ValidationReport

__all__ = ["Issues"]

_COLUMNS = ("code", "table", "pos", "column", "value", "indicator", "detail", "lo", "hi")


def _text(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return pd.NA
    return str(value)


class Issues:
    """The issues of one file, each on a row (``None`` for the whole file)."""

    def __init__(self, file: str | None, sheet: str | None = None) -> None:
        self.file = file
        self.sheet = sheet
        self.items: list[dict[str, Any]] = []

    def add(self, code: str, row: int | None, column: Any = None, value: Any = None, *,
            recommendation: Any = None, detail: Any = None, lo: Any = None, hi: Any = None) -> None:
        """One issue (``recommendation`` is shown where an indicator id would be)."""
        from ..validation._rules import RULES  # the one registry of rule codes

        if code not in RULES:  # pragma: no cover - a programming error, caught by the tests
            raise KeyError(code)
        self.items.append({"code": code, "row": row, "column": _text(column), "value": _text(value),
                           "indicator": _text(recommendation), "detail": _text(detail), "lo": _text(lo),
                           "hi": _text(hi)})

    def error_rows(self) -> set[int]:
        """Rows with at least one error."""
        from ..validation._rules import RULES

        return {int(i["row"]) for i in self.items if i["row"] is not None and RULES[i["code"]].severity == "error"}

    def has_table_error(self) -> bool:
        """True when an error concerns the whole file (no row)."""
        from ..validation._rules import RULES

        return any(i["row"] is None and RULES[i["code"]].severity == "error" for i in self.items)

    def raw(self) -> pd.DataFrame:
        """The issues in the report's language-neutral form, sorted by row, column and code."""
        frame = pd.DataFrame(self.items, columns=["code", "row", "column", "value", "indicator", "detail", "lo", "hi"])
        frame = frame.drop_duplicates(["code", "row", "column", "value"])
        out = pd.DataFrame({
            "code": frame["code"].astype("string"),
            "table": pd.array([0] * len(frame), dtype="Int64"),
            "pos": pd.array(frame["row"].tolist(), dtype="Int64"),
            **{c: frame[c].astype("string") for c in ("column", "value", "indicator", "detail", "lo", "hi")},
        })
        out["file"] = self.file
        out["sheet"] = self.sheet
        out["row"] = pd.array(frame["row"].tolist(), dtype="Int64")
        out = out.sort_values(["row", "column", "code", "value"], na_position="first", kind="stable")
        return out.reset_index(drop=True)

    def report(self, rows: pd.DataFrame, kind: ReportKind, *, lang: Lang,
               provenance: Mapping[str, Any]) -> ValidationReport:
        """A :class:`ValidationReport` over ``rows`` (indexed by row number): accepted are those without errors."""
        if self.has_table_error():
            bad = pd.Series(True, index=rows.index)
        else:
            errors = self.error_rows()
            bad = pd.Series([int(r) in errors for r in rows.index], index=rows.index, dtype=bool)
        return ValidationReport(lang, kind, rows[~bad.to_numpy()], rows[bad.to_numpy()], dict(provenance), self.raw())
