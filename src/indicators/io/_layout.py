"""Where a table starts: a title block above the header, found from the first rows.

Shared by the CSV and Excel readers. A row is the header when it has at least half
as many filled cells as the widest of the first rows, its filled cells are distinct,
and at least one of them is text. The first row is taken as the header whenever it
is full and distinct (a header of years, ``2019;2020;2021``, is still a header).

>>> from indicators.io._layout import find_header
>>> find_header([["Encuesta nacional 2023", "", ""], ["", "", ""], ["region", "anio", "valor"],
...              ["Ñuble", "2023", "10,5"]])
2
>>> find_header([["region", "anio"], ["Ñuble", "2023"]])
0
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

__all__ = ["find_header", "is_blank_row"]

_NUMBER = re.compile(r"^[-+]?[0-9.,]*[0-9][0-9.,]*$")


def _filled(row: Sequence[Any]) -> list[str]:
    return [str(c).strip() for c in row if c is not None and str(c).strip() != ""]


def is_blank_row(row: Sequence[Any]) -> bool:
    """True when no cell of ``row`` holds anything but spaces."""
    return not _filled(row)


def _header_like(cells: list[str], width: int, need_text: bool) -> bool:
    if len(cells) < max(1, math.ceil(width / 2)):
        return False
    if len(set(cells)) != len(cells):
        return False
    return not need_text or any(not _NUMBER.match(c) for c in cells)


def find_header(rows: Sequence[Sequence[Any]]) -> int:
    """Return the 0-based position of the header among ``rows`` (the first rows of a table)."""
    filled = [_filled(r) for r in rows]
    if not filled:
        return 0
    width = max(len(f) for f in filled)
    if width == 0:
        return 0
    if _header_like(filled[0], width, need_text=False) and len(filled[0]) * 2 > width:
        return 0
    for i, cells in enumerate(filled):
        if not _header_like(cells, width, need_text=True):
            continue
        following = [f for f in filled[i + 1:i + 4]]
        if not following or any(f for f in following):
            return i
    return 0
