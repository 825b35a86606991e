"""Where a table is: title rows above it, a header over one or several rows, notes under it.

Shared by the text and workbook readers, which hand over the first rows (and the last
ones, for notes) as lists of cell texts. Rows are told apart by what their cells hold:

* a *data* row has a number in some number column and no text in any;
* a *sparse* row has one filled cell (a title, a section label, a note);
* the data start where data rows follow each other; the header is the non-sparse row
  just above them, joined with the rows of group names above it (``2019`` over
  ``casos`` and ``tasa``: ``2019 · casos``, ``2019 · tasa``); whatever is above is a
  title block;
* notes are the rows at the end that begin like ``Fuente:``, ``Nota:``, ``(1)``,
  ``*`` or are one long sentence in one cell.

>>> from indicators.io._layout import find_header
>>> find_header([["Encuesta nacional 2023", "", ""], ["", "", ""], ["region", "anio", "valor"],
...              ["Ñuble", "2023", "10,5"]])
2
>>> find_header([["region", "anio"], ["Ñuble", "2023"]])
0
>>> locate([["Cuadro 1", "", ""], ["Región", "2019", ""], ["", "casos", "tasa"],
...         ["Norte", "12", "1,5"]]).header
[1, 2]
>>> header_names([["Región", "2019", ""], ["", "casos", "tasa"]])
['Región', '2019 · casos', '2019 · tasa']
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JOIN", "Layout", "find_footer", "find_header", "header_names", "is_blank_row",
           "locate", "total_pattern"]

#: What joins the names of a header spread over several rows.
JOIN = " · "

_NUMBER = re.compile(
    r"^[-+(]?[\s\u00a0\u202f]*[0-9.,]*[0-9][0-9.,\s\u00a0\u202f]*\)?\s*%?$"
    r"|^[-+]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)[eE][-+]?[0-9]+$")
_MARKERS = {"..", "...", "…", "-", "--", "–", "—", "x", "*", ":", "n.d.", "n/d", "s/d", "s.d.",
            "n.a.", "n/a", "nd"}
_NOTE_START = re.compile(
    r"^(fuentes?|notas?|sources?|notes?|fonte|elaboraci[oó]n|elaborado|obs\.?|observaci[oó]n|"
    r"observaciones|nota\s+t[eé]cnica|llamada|aclaraci[oó]n|advertencia|cifras|datos\s+preliminares)"
    r"\b|^(\(\d{1,2}\)|\d{1,2}/|\d{1,2}\)\s|[a-z]/|\*+|[¹²³⁴⁵⁶⁷⁸⁹]|\([a-z]\)|\(p\)|p/|e/)",
    re.IGNORECASE)
_TOTAL = (r"^\s*((sub\s*-?\s*)?total(es)?([\s:.,-].*)?|nacional|total\s+nacional|todos|todas|"
          r"ambos\s+sexos|todas\s+las\s+edades|grand\s+total|all)\s*$")


def total_pattern() -> str:
    """The RE2/Python pattern (case-insensitive) of labels that mark a total or subtotal row."""
    return _TOTAL


def _clean(cell: Any) -> str:
    return "" if cell is None else str(cell).strip()


def _filled(row: Sequence[Any]) -> list[str]:
    return [c for c in (_clean(x) for x in row) if c != ""]


def is_blank_row(row: Sequence[Any]) -> bool:
    """True when no cell of ``row`` holds anything but spaces."""
    return not _filled(row)


def _kind(cell: str) -> str:
    if cell == "":
        return "e"
    if cell.lower() in _MARKERS:
        return "m"
    if _NUMBER.match(cell):
        return "n"
    return "t"


@dataclass
class Layout:
    """Positions (0-based, among the rows given) of the header rows and of what is above."""

    header: list[int]
    titles: list[int] = field(default_factory=list)
    blanks: list[int] = field(default_factory=list)

    @property
    def data_start(self) -> int:
        return self.header[-1] + 1


def _width(filled: list[int]) -> int:
    multi = [n for n in filled if n >= 2]
    if not multi:
        return max(filled, default=0)
    counts = Counter(multi)
    top = max(counts.values())
    return max(n for n, c in counts.items() if c == top)


def _number_columns(kinds: list[list[str]]) -> set[int]:
    numbers: Counter[int] = Counter()
    filled: Counter[int] = Counter()
    for row in kinds:
        for j, k in enumerate(row):
            if k in "nt":
                filled[j] += 1
            if k == "n":
                numbers[j] += 1
    return {j for j, n in numbers.items() if n >= 1 and n * 2 >= filled[j]}


def _header_like(cells: list[str], width: int) -> bool:
    if len(cells) < max(2 if width >= 2 else 1, math.ceil(width / 2)):
        return False
    if len(cells) > 1 and len(set(cells)) == 1:  # a title spread over merged cells
        return False
    return any(_kind(c) == "t" for c in cells)


def _group_row(cells: list[str], header_cells: list[str]) -> bool:
    """True when a row above the header names groups of its columns (``2019`` over two)."""
    filled = [j for j, c in enumerate(cells) if c]
    if not filled:
        return False
    if len(filled) > 1 and len({cells[j] for j in filled}) == 1 and len(filled) >= len(
            [c for c in header_cells if c]):
        return False  # one title repeated across the width
    if filled == [0]:
        return False  # a title in the first cell
    under = [j for j in filled if j < len(header_cells) and header_cells[j] and j > 0]
    if not under and not any(j > 0 and j < len(header_cells) for j in filled):
        return False
    n_header = len([c for c in header_cells if c])
    over_gap = any(j >= len(header_cells) or not header_cells[j] for j in filled)
    return (len(filled) < n_header or over_gap) and any(j > 0 for j in filled)


def locate(rows: Sequence[Sequence[Any]], header_row: int | None = None,
           header_rows: int | None = None) -> Layout:
    """Find the header rows among the first ``rows`` of a table (see the module text).

    ``header_row`` (0-based) fixes the first header row and ``header_rows`` how many
    rows the header spans; either may be given alone.
    """
    cells = [[_clean(c) for c in r] for r in rows]
    n = len(cells)
    if n == 0:
        return Layout([0])
    if header_row is not None:
        top = header_row
        count = header_rows or 1
        header = list(range(top, min(top + count, n)))
        return _above(cells, header)
    counts = [sum(1 for c in r if c) for r in cells]
    width = _width(counts)
    kinds = [[_kind(c) for c in r] for r in cells]
    numeric = _number_columns(kinds)
    bottom = _bottom_header(cells, kinds, counts, width, numeric)
    if header_rows is not None:
        top = max(0, bottom - header_rows + 1)
        return _above(cells, list(range(top, bottom + 1)))
    header = [bottom]
    r = bottom - 1
    while r >= 0 and len(header) < 4 and _group_row(cells[r], cells[bottom]):
        header.insert(0, r)
        r -= 1
    return _above(cells, header)


def _above(cells: list[list[str]], header: list[int]) -> Layout:
    titles = [i for i in range(header[0]) if any(cells[i])]
    blanks = [i for i in range(header[0]) if not any(cells[i])]
    return Layout(header, titles, blanks)


def _bottom_header(cells: list[list[str]], kinds: list[list[str]], counts: list[int],
                   width: int, numeric: set[int]) -> int:
    n = len(cells)
    sparse_limit = 1 if width >= 2 else 0

    def is_data(i: int) -> bool:
        row = kinds[i]
        in_numbers = [row[j] for j in numeric if j < len(row)]
        n_numbers = in_numbers.count("n") + in_numbers.count("m")
        return n_numbers >= 1 and n_numbers > in_numbers.count("t")  # "s/d" once in a data row

    def solid(i: int) -> bool:
        return counts[i] > sparse_limit

    if numeric:
        for i in range(n):
            if not solid(i) or not is_data(i):
                continue
            following = [k for k in range(i + 1, n) if solid(k)][:3]
            if all(is_data(k) for k in following):
                above = [k for k in range(i) if solid(k)]
                if not above:
                    return i  # no header above the numbers: the first row names the columns
                return above[-1]
    for i, row in enumerate(cells):
        if _header_like([c for c in row if c], width):
            return i
    return next((i for i in range(n) if counts[i]), 0)


def find_header(rows: Sequence[Sequence[Any]]) -> int:
    """Return the 0-based position of the (last) header row among ``rows``."""
    return locate(rows).header[-1]


def header_names(rows: Sequence[Sequence[Any]], merged: Sequence[tuple[int, int, int, int]] = ()
                 ) -> list[str]:
    """Join the header ``rows`` into one name per column.

    Cells of a merged range (``merged``: first row, first column, last row, last column,
    0-based within ``rows``) take its text; without merge information an empty cell
    in an upper row takes the text on its left when the row below is filled there
    (how a merged group label is written to CSV). Repeated parts are joined once.
    """
    width = max((len(r) for r in rows), default=0)
    grid = [[_clean(c) for c in r] + [""] * (width - len(r)) for r in rows]
    for r0, c0, r1, c1 in merged:
        text = next((grid[r][c] for r in range(max(r0, 0), min(r1, len(grid) - 1) + 1)
                     for c in range(c0, min(c1, width - 1) + 1) if grid[r][c]), "")
        for r in range(max(r0, 0), min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                grid[r][c] = text
    if not merged:
        for r in range(len(grid) - 1):
            current = ""
            for c in range(width):
                if grid[r][c]:
                    current = grid[r][c]
                elif current and c > 0 and any(grid[k][c] for k in range(r + 1, len(grid))):
                    grid[r][c] = current
                else:
                    current = ""
    names = []
    for c in range(width):
        parts: list[str] = []
        for r in range(len(grid)):
            part = grid[r][c]
            if part and (not parts or parts[-1] != part):
                parts.append(part)
        names.append(JOIN.join(parts))
    return names


def _note_like(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    if not filled:
        return False
    first = filled[0]
    if _NOTE_START.match(first) and _kind(first) == "t":
        return True
    if len(filled) == 1 and _kind(first) == "t":
        return len(first) >= 30 or ":" in first or not first[0].isalnum()
    return False


def find_footer(rows: Sequence[Sequence[Any]], footer: int | None = None) -> tuple[int, list[int]]:
    """Count the rows at the end of ``rows`` that are notes under the table.

    Returns how many rows (notes and the blank rows between them) end the table, and
    the positions of the note rows. ``footer`` gives the number of note rows instead.
    """
    n = len(rows)
    cleaned: dict[int, list[str]] = {}

    def row(i: int) -> list[str]:  # rows are cleaned as the scan reaches them, from the bottom up
        if i not in cleaned:
            cleaned[i] = [_clean(c) for c in rows[i]]
        return cleaned[i]

    notes: list[int] = []
    i = n - 1
    if footer is not None:
        while i >= 0 and len(notes) < footer:
            if any(row(i)):
                notes.append(i)
            i -= 1
        return (n - notes[-1] if notes else 0), sorted(notes)
    while i >= 0:
        if not any(row(i)):
            i -= 1
            continue
        if not _note_like(row(i)):
            break
        notes.append(i)
        i -= 1
    if not notes:
        return 0, []
    if len(notes) >= n:  # nothing but notes: they are the table
        return 0, []
    return n - notes[-1], sorted(notes)


def normal_label(text: str) -> str:
    """Lower case without accents, for comparing labels such as ``Total país``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()
