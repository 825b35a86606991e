"""The Word document: the narrative report, section by section, with tables and charts.

Charts are embedded as PNG (Word does not show inline SVG everywhere); tables keep
the columns that fit a page (see :attr:`Column.doc`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import message
from .formatting import EXTRA, label
from .model import Table

if TYPE_CHECKING:
    from .report import Report

__all__ = ["write_docx"]
#: Widest table laid out in the document; wider ones point to their sheet in the workbook.
MAX_COLUMNS = 13
_NUMERIC = {"score", "number", "integer", "year", "share", "display", "interval"}


def _require_docx() -> Any:
    try:
        import docx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            message("report.missing_extra", "en", package="python-docx", extra=EXTRA)
        ) from exc
    return docx


def _table(document: Any, table: Table, lang: str) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    cols = table.doc_columns
    caption = document.add_paragraph()
    run = caption.add_run(table.title)
    run.bold = True
    if len(cols) > MAX_COLUMNS:  # 35 countries side by side do not fit a page: the workbook has them
        note = document.add_paragraph()
        r = note.add_run(label("docx.too_wide", lang, n=len(cols), sheet=table.sheet_name or table.title))
        r.italic = True
        return
    grid = document.add_table(rows=1, cols=len(cols))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, col in zip(grid.rows[0].cells, cols, strict=True):
        cell.text = ""
        r = cell.paragraphs[0].add_run(col.label)
        r.bold = True
        r.font.size = Pt(8)
    keys = [c.key for c in cols]
    for values in table.display[keys].itertuples(index=False, name=None):
        cells = grid.add_row().cells
        for cell, col, value in zip(cells, cols, values, strict=True):
            para = cell.paragraphs[0]
            run = para.add_run(str(value))
            run.font.size = Pt(8)
            if col.kind in _NUMERIC:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.note:
        note = document.add_paragraph()
        r = note.add_run(table.note)
        r.italic = True
        r.font.size = Pt(8)


def write_docx(report: Report, path: Path) -> Path:
    """Write ``report`` as a Word document to ``path`` and return it."""
    docx = _require_docx()
    from docx.shared import Cm, Pt

    document = docx.Document()
    props = document.core_properties
    props.title = report.title
    props.subject = report.subtitle
    props.author = report.metadata.get("library", "belem-indicators")
    props.language = report.lang
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.8)
    style = document.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    width = section.page_width - section.left_margin - section.right_margin
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.subtitle)
    for part in report.sections:
        document.add_heading(part.title, level=1 if part.level <= 2 else 2)
        for text in part.paragraphs:
            document.add_paragraph(text)
        for item in part.items:
            document.add_paragraph(item, style="List Bullet")
        for name in part.charts:
            spec = report.chart_specs[name]
            document.add_picture(io.BytesIO(report.chart_png(name, dpi=200)), width=width)
            cap = document.add_paragraph()
            r = cap.add_run(spec.title)
            r.italic = True
            r.font.size = Pt(9)
        for name in part.tables:
            _table(document, report.table_objects[name], report.lang)
    document.add_heading(label("section.provenance", report.lang), level=1)
    for key, value in report.metadata.items():
        if value:
            document.add_paragraph(f"{label('meta.' + key, report.lang)}: {value}")
    document.save(str(path))
    return path
