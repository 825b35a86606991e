"""The pieces a report is made of: columns, tables, charts, sections.

A report is data first: named tables (pandas DataFrames with raw values, plus a
display copy written for the reader's locale), named charts (specifications that
render to SVG or PNG) and an ordered list of sections that say what to show where.
The writers (:mod:`.html`, :mod:`.xlsx`, :mod:`.docx`) only lay these out.

>>> col = Column("score", "Score", "score")
>>> col.sheet and col.screen
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

__all__ = ["ChartSpec", "Column", "ColumnKind", "Section", "Table"]

#: How a column is written: ``text`` as is; ``score``/``number`` with one decimal; ``integer``;
#: ``year``; ``share`` (0-1 as a percentage); ``display`` a column already written as text
#: (values with their unit) whose raw number, if any, is in ``raw``; ``interval`` text such as
#: ``12,3–15,0`` (aligned and kept on one line like a number).
ColumnKind = Literal["text", "score", "number", "integer", "year", "share", "display", "interval"]


@dataclass(frozen=True)
class Column:
    """One column of a table: its key in the frame, its heading and how it is written."""

    key: str
    label: str
    kind: ColumnKind = "text"
    #: Shown on screen (HTML, Word).
    screen: bool = True
    #: Written to the workbook.
    sheet: bool = True
    #: For ``display`` columns: the frame column holding the raw number for the workbook.
    raw: str | None = None
    #: Shown in the Word document (a page is narrower than a screen).
    doc: bool = True


@dataclass(frozen=True)
class Table:
    """A named table: raw values in ``frame``, the same rows written as text in ``display``."""

    name: str
    title: str
    columns: tuple[Column, ...]
    frame: pd.DataFrame
    display: pd.DataFrame
    note: str = ""
    #: Sheet name in the workbook (at most 31 characters, unique in a report).
    sheet_name: str = ""

    @property
    def screen_columns(self) -> tuple[Column, ...]:
        """The columns shown on screen."""
        return tuple(c for c in self.columns if c.screen)

    @property
    def doc_columns(self) -> tuple[Column, ...]:
        """The screen columns that also fit the Word document."""
        return tuple(c for c in self.columns if c.screen and c.doc)

    @property
    def sheet_columns(self) -> tuple[Column, ...]:
        """The columns written to the workbook."""
        return tuple(c for c in self.columns if c.sheet)


@dataclass(frozen=True)
class ChartSpec:
    """What to draw: a kind (``bars``, ``areas``, ``heatmap``, ``ranks``, ``trend``) and its data."""

    name: str
    kind: str
    title: str
    data: pd.DataFrame
    options: Mapping[str, Any] = field(default_factory=dict)
    #: Text that says what the chart shows, for screen readers and the Word document.
    alt: str = ""


@dataclass(frozen=True)
class Section:
    """A part of the report: a heading, paragraphs, then its charts and tables (by name)."""

    id: str
    title: str
    level: int = 2
    paragraphs: tuple[str, ...] = ()
    charts: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    #: Bulleted items (signs of progress, data gaps) shown after the paragraphs.
    items: tuple[str, ...] = ()
