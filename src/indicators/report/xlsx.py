"""The Excel workbook: a sheet per table, formatted, frozen header rows, formulas defused.

Each sheet starts with the table's title (row 1) and its column headings (row 2),
both frozen; numbers are written as numbers with a number format (Excel then shows
them in the reader's own locale), text through :func:`indicators._export.escape_cell`
so that no cell runs as a formula. A last sheet records how the report was made.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._export import escape_cell
from ..i18n import message
from .formatting import EXTRA, label
from .model import Column, Table

if TYPE_CHECKING:
    from .report import Report

__all__ = ["write_xlsx", "sheet_names", "HEADER_ROW", "FIRST_DATA_ROW"]

#: 0-based row of the column headings (row 2 in Excel); the title is on row 1.
HEADER_ROW = 1
#: 0-based row of the first data row.
FIRST_DATA_ROW = 2
_NUMBER_FORMATS = {
    "score": "#,##0.0",
    "number": "#,##0.0##",
    "integer": "#,##0",
    "year": "0",
    "share": "0%",
    "display": "General",
}


def _require_xlsxwriter() -> Any:
    try:
        import xlsxwriter
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            message("report.missing_extra", "en", package="XlsxWriter", extra=EXTRA)
        ) from exc
    return xlsxwriter


def sheet_names(titles: list[str]) -> list[str]:
    """Valid, unique sheet names (at most 31 characters, none of ``[]:*?/\\``) for ``titles``.

    >>> sheet_names(["Scores: 2020", "Scores: 2020", "x" * 40])
    ['Scores 2020', 'Scores 2020 (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    out: list[str] = []
    seen: set[str] = set()
    for title in titles:
        base = re.sub(r"[\[\]:*?/\\]", "", str(title)).strip().strip("'") or "Sheet"
        base = re.sub(r"\s+", " ", base)[:31].rstrip()
        name, k = base, 2
        while name.casefold() in seen:
            suffix = f" ({k})"
            name = base[: 31 - len(suffix)].rstrip() + suffix
            k += 1
        seen.add(name.casefold())
        out.append(name)
    return out


def _is_number(value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    try:
        return math.isfinite(float(value)) and not isinstance(value, str)
    except (TypeError, ValueError):
        return False


def _cell(col: Column, row: dict[str, Any]) -> Any:
    """The value to write for ``col``: a number where there is one, else text (or ``None``)."""
    value = row.get(col.raw) if col.kind == "display" and col.raw else row.get(col.key)
    if col.kind == "display" and col.raw:
        shown = row.get(col.key)
        if not _is_number(value) or (
            isinstance(shown, str) and not any(ch.isdigit() for ch in shown)
        ):
            value = shown  # yes/no, a category, a text indicator: the words the reader knows
    if _is_number(value):
        return float(value)  # type: ignore[arg-type]
    if value is None or (not isinstance(value, str) and value != value):  # NaN
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return escape_cell(str(value))


def _write_table(book: Any, sheet: Any, table: Table, formats: dict[str, Any]) -> None:
    cols = table.sheet_columns
    sheet.write_string(0, 0, str(escape_cell(table.title)), formats["title"])
    widths = []
    for j, col in enumerate(cols):
        sheet.write_string(HEADER_ROW, j, str(escape_cell(col.label)), formats["header"])
        widths.append(len(col.label))
    records = table.frame.to_dict("records")
    for i, record in enumerate(records):
        r = FIRST_DATA_ROW + i
        for j, col in enumerate(cols):
            value = _cell(col, record)
            if value is None:
                sheet.write_blank(r, j, None, formats["text"])
            elif isinstance(value, float):
                sheet.write_number(
                    r, j, value, formats[col.kind if col.kind in _NUMBER_FORMATS else "display"]
                )
                widths[j] = max(widths[j], 10)
            else:
                sheet.write_string(r, j, value, formats["text"])
                widths[j] = max(widths[j], min(len(value), 60))
    for j, width in enumerate(widths):
        sheet.set_column(j, j, min(max(width + 2, 8), 62))
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    if cols:
        sheet.autofilter(HEADER_ROW, 0, HEADER_ROW + len(records), len(cols) - 1)
    if table.note:
        sheet.write_string(
            FIRST_DATA_ROW + len(records) + 1, 0, str(escape_cell(table.note)), formats["note"]
        )


def write_xlsx(report: Report, path: Path) -> Path:
    """Write ``report`` as a workbook to ``path`` and return it."""
    xlsxwriter = _require_xlsxwriter()
    tables = list(report.table_objects.values())
    about_title = label("sheet.about", report.lang)
    names = sheet_names([t.sheet_name or t.title for t in tables] + [about_title])
    book = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": False,
        },
    )
    try:
        book.set_properties(
            {
                "title": report.title,
                "subject": report.subtitle,
                "author": report.metadata.get("library", "belem-indicators"),
                "comments": report.metadata.get("catalog", ""),
            }
        )
        formats = {
            "title": book.add_format({"bold": True, "font_size": 13}),
            "header": book.add_format(
                {
                    "bold": True,
                    "bg_color": "#DCE6EC",
                    "bottom": 2,
                    "text_wrap": True,
                    "valign": "top",
                }
            ),
            "text": book.add_format({"valign": "top", "text_wrap": True}),
            "note": book.add_format({"italic": True, "font_color": "#5F6368"}),
        }
        for kind, num_format in _NUMBER_FORMATS.items():
            formats[kind] = book.add_format({"num_format": num_format, "valign": "top"})
        for table, name in zip(tables, names, strict=False):
            _write_table(book, book.add_worksheet(name), table, formats)
        about = book.add_worksheet(names[-1])
        about.write_string(0, 0, str(escape_cell(report.title)), formats["title"])
        about.write_string(HEADER_ROW, 0, label("col.field", report.lang), formats["header"])
        about.write_string(HEADER_ROW, 1, label("col.content", report.lang), formats["header"])
        for i, (key, value) in enumerate(report.metadata.items()):
            about.write_string(
                FIRST_DATA_ROW + i, 0, label(f"meta.{key}", report.lang), formats["text"]
            )
            about.write_string(FIRST_DATA_ROW + i, 1, str(escape_cell(value)), formats["text"])
        about.set_column(0, 0, 32)
        about.set_column(1, 1, 80)
        about.freeze_panes(FIRST_DATA_ROW, 0)
    finally:
        book.close()
    return path
