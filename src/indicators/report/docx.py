"""The Word document: the narrative report, section by section, with tables and charts.

Charts are embedded as PNG (Word does not show inline SVG everywhere); tables keep
the columns that fit a page (see :attr:`Column.doc`).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import message
from .formatting import EXTRA, label
from .model import Table

if TYPE_CHECKING:
    from .report import Report

__all__ = ["column_widths", "write_docx"]
#: Resolution of the charts in the document: about 165 dots per inch once fitted to the page width.
DPI = 150
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


_EMU_PER_TWIP = 635
#: Longest run of characters without a break opportunity before one is offered (after _ / . or -).
LONG_WORD = 18
_BREAK_AFTER = re.compile(r"([_/.\-])(?=\w)")


def _breakable(text: str) -> str:
    """``text`` with zero-width break opportunities inside words too long for a narrow column."""
    return " ".join(_BREAK_AFTER.sub("\\1\u200b", w) if len(w) > LONG_WORD else w for w in text.split(" "))


def column_widths(labels: list[str], cells: list[list[str]], numeric: list[bool], total: int) -> list[int]:
    """Widths (in the unit of ``total``) that share a page among columns: numbers keep their
    widest value on one line, text columns share the rest by how much they hold, so long labels
    wrap inside their column instead of pushing the table off the page.

    >>> column_widths(["Code", "Indicator", "Value"], [["A-1", "A long title " * 4, "12.5"]],
    ...               [False, False, True], 1000)
    [65, 852, 83]
    """
    def need(j: int) -> float:
        words = [w for text in [labels[j], *(row[j] for row in cells)] for w in text.split()]
        longest_word = max((len(w) for w in words), default=1)
        if numeric[j]:
            return float(max(longest_word, *(len(row[j]) for row in cells), 4))
        lengths = sorted(len(row[j]) for row in cells) or [len(labels[j])]
        typical = lengths[int(0.8 * (len(lengths) - 1))]  # most cells fit, the longest wrap
        return float(max(min(longest_word, LONG_WORD), min(typical, 60), 4))

    needs = [need(j) for j in range(len(labels))]
    scale = total / sum(needs)
    widths = [int(n * scale) for n in needs]
    widths[-1] += total - sum(widths)
    return widths


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
    keys = [c.key for c in cols]
    rows = [[str(v) for v in values] for values in table.display[keys].itertuples(index=False, name=None)]
    section = document.sections[-1]
    twips = int(section.page_width - section.left_margin - section.right_margin) // _EMU_PER_TWIP
    widths = [w * _EMU_PER_TWIP for w in  # Word stores widths in twips: whole twips add up exactly
              column_widths([c.label for c in cols], rows, [c.kind in _NUMERIC for c in cols], twips)]
    grid = document.add_table(rows=1, cols=len(cols))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False  # fixed layout: the widths below hold, long labels wrap inside their cells
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    for cell, col, width in zip(grid.rows[0].cells, cols, widths, strict=True):
        cell.text = ""
        cell.width = width
        r = cell.paragraphs[0].add_run(_breakable(col.label))
        r.bold = True
        r.font.size = Pt(8)
    for values in rows:
        cells = grid.add_row().cells
        for cell, col, value, width in zip(cells, cols, values, widths, strict=True):
            cell.width = width
            para = cell.paragraphs[0]
            run = para.add_run(value if col.kind in _NUMERIC else _breakable(value))
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
            document.add_picture(io.BytesIO(report.chart_png(name, dpi=DPI)), width=width)
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
