"""Workbooks (.xlsx, .xlsm, .xls, .ods) through python-calamine.

The sheet is read from cell A1 so that row numbers are the ones Excel or
LibreOffice shows. A title block above the header is found by
:func:`indicators.io._layout.find_header` (or given as ``header_row``). Numbers stored as
text are converted with the same checks as in CSV files; codes with leading zeros
stay text when asked.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, overload

import numpy as np
import pandas as pd
import pyarrow as pa

from ._layout import JOIN, find_footer, header_names, is_blank_row, locate
from ._numbers import column_evidence, convert_column, decide, record_result
from ._provenance import ROW, Problems, read_error

__all__ = ["read_workbook"]


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


def _errors() -> tuple[type[BaseException], ...]:
    import python_calamine as calamine

    return (calamine.CalamineError, OSError, ValueError)


def _open(path: Path, label: str, lang: str) -> Any:
    import python_calamine as calamine

    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except _errors() as exc:
        raise read_error("io.corrupt", lang, label, value=str(exc)[:200], format="Excel/ODS") from None


_ZEROS = re.compile(r'formatCode="(0{2,})"')


def _zero_padded_columns(path: Path, sheet: str, first_data_row: int,
                         columns: Sequence[int]) -> dict[int, int] | None:
    """Columns whose first data cell has a zero-padded number format (``000000``): their widths.

    Only .xlsx/.xlsm; the styles are read first so that openpyxl opens the workbook only
    when such a format exists at all. None when openpyxl cannot read the formats of a
    workbook that calamine read (a damaged part): the caller reports it.
    """
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return {}
    try:
        with zipfile.ZipFile(path) as z:
            styles = z.read("xl/styles.xml").decode("utf-8", errors="replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return {}
    if not _ZEROS.search(styles):
        return {}
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds on parts calamine tolerated
        return None
    try:
        rows = book[sheet].iter_rows(min_row=first_data_row, max_row=first_data_row)
        cells = next(iter(rows), ())
        out = {}
        for j, cell in enumerate(cells):
            fmt = str(getattr(cell, "number_format", "") or "")
            if j in columns and re.fullmatch(r"0{2,}", fmt):
                out[j] = len(fmt)
        return out
    except Exception:  # noqa: BLE001 - as above: the formats cannot be read, the check is skipped
        return None
    finally:
        try:
            book.close()
        except Exception:  # noqa: BLE001
            pass


def _sheet_name(names: Sequence[str], sheet: str | int | None, label: str, lang: str) -> str:
    if sheet is None:
        if not names:
            raise read_error("io.empty", lang, label)
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if 0 <= sheet < len(names):
            return names[sheet]
        raise read_error("io.sheet_missing", lang, label, value=sheet,
                         expected=", ".join(repr(n) for n in names), sheets=", ".join(repr(n) for n in names))
    if sheet in names:
        return str(sheet)
    raise read_error("io.sheet_missing", lang, label, value=sheet,
                     expected=", ".join(repr(n) for n in names), sheets=", ".join(repr(n) for n in names))


def read_workbook(path: Path, label: str, *, lang: str, sheet: str | int | None,
                  header_row: int | None, keep_leading_zeros: bool, decimal: str | None,
                  thousands: str | None, dtype: Mapping[str, Any], on_bad_lines: str,
                  problems: Problems, na_values: Sequence[str] = (),
                  markers: frozenset[str] | None = None, header_rows: int | None = None,
                  footer: int | None = None) -> tuple[pd.DataFrame, str, int, str | None, str | None]:
    """Read one sheet; return the frame, the sheet name, the header row and the marks used.

    Phases: load the cells (and merged ranges), locate the table, type each column,
    convert the columns of numbers stored as text, apply ``dtype``.
    """
    name, rows, merged = _load_sheet(path, label, lang, sheet, problems, na_values)
    table = _locate_sheet(rows, merged, header_row, header_rows, footer, label, lang, name,
                          problems)
    padded = (_zero_padded_columns(path, name, table.first_row, table.used)
              if keep_leading_zeros and table.body else {})
    if padded is None:
        problems.add("io.formats_unread", "warning")
        padded = {}
    data, text_cols = _typed_columns(table, dtype, keep_leading_zeros, padded)
    used_decimal, used_thousands = _numbers_as_text(table, data, text_cols, decimal, thousands,
                                                    keep_leading_zeros, markers, problems)
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v)
                          for k, v in data.items()}, index=pd.Index(table.excel_rows, name=ROW))
    _apply_dtype(frame, dtype, table.names, label, lang, name)
    if on_bad_lines == "error":
        problems.raise_if_errors()
    return frame, name, table.header_rows[0], used_decimal, used_thousands


def _load_sheet(path: Path, label: str, lang: str, sheet: str | int | None, problems: Problems,
                na_values: Sequence[str]) -> tuple[str, _Cells, list[tuple[int, int, int, int]]]:
    """The sheet's cells from A1 (empty cells and ``na_values`` read as None) and its merged ranges."""
    book = _open(path, label, lang)
    name = _sheet_name(list(book.sheet_names), sheet, label, lang)
    problems.sheet = name
    try:
        ws = book.get_sheet_by_name(name)
        rows: list[list[Any]] = ws.to_python(skip_empty_area=False)
        merged = [(a[0], a[1], b[0], b[1]) for a, b in (getattr(ws, "merged_cell_ranges", None) or [])]
    except _errors() as exc:
        raise read_error("io.corrupt", lang, label, value=str(exc)[:200], format="Excel/ODS",
                         sheet=name) from None
    missing = frozenset(str(v).strip() for v in na_values)
    if not rows or all(is_blank_row(_clean_row(r, missing)) for r in rows):
        raise read_error("io.empty_sheet", lang, label, sheet=name, value=name)
    return name, _Cells(rows, missing), merged


def _clean_row(row: Sequence[Any], missing: frozenset[str]) -> list[Any]:
    """A row with empty cells and ``na_values`` as None."""
    return [None if (c is None or c == "" or (isinstance(c, str) and c.strip() in missing)) else c for c in row]


@dataclass
class _Cells:
    """The sheet's rows as read (empty cells and ``na_values`` become None where they are used:
    row by row for the layout at the top and the notes at the bottom, column by column for the body)."""

    rows: list[list[Any]]
    missing: frozenset[str]

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, i: int) -> list[Any]:
        return _clean_row(self.rows[i], self.missing)

    def texts(self, i: int) -> list[str]:
        return [_text(c) for c in self.row(i)]

    def column(self, cells: list[Any]) -> tuple[list[Any], np.ndarray]:
        """A body column cleaned (in place), and a mask of its blank cells (None, or only spaces)."""
        n = len(cells)
        kinds = set(map(type, cells))
        blank = (np.fromiter(map(operator.is_, cells, repeat(None)), dtype=bool, count=n) if type(None) in kinds
                 else np.zeros(n, dtype=bool))
        if str not in kinds:
            return cells, blank
        if kinds == {str}:
            at = np.arange(n)
            texts = cells
        else:
            at = np.flatnonzero(np.fromiter(map(isinstance, cells, repeat(str)), dtype=bool, count=n))
            texts = [cells[i] for i in at]
        stripped = list(map(str.strip, texts))
        gone = np.fromiter(map(operator.not_, texts), dtype=bool, count=len(texts))  # ""
        if self.missing:
            gone |= np.fromiter(map(self.missing.__contains__, stripped), dtype=bool, count=len(texts))
        blank[at] = np.fromiter(map(operator.not_, stripped), dtype=bool, count=len(texts)) | gone
        for i in at[gone].tolist():
            cells[i] = None
        return cells, blank


class _TextRows(Sequence[list[str]]):
    """Rows of cell texts, computed when read (for the notes under a table)."""

    def __init__(self, cells: _Cells, start: int, stop: int) -> None:
        self.cells, self.start, self.stop = cells, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    @overload
    def __getitem__(self, i: int) -> list[str]: ...

    @overload
    def __getitem__(self, i: slice) -> list[list[str]]: ...

    def __getitem__(self, i: int | slice) -> list[str] | list[list[str]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.cells.texts(self.start + (i if i >= 0 else len(self) + i))


@dataclass
class _SheetTable:
    """The table found in a sheet: header rows, column names and the body rows."""

    header_rows: list[int]  # 1-based sheet rows
    names: list[str]
    used: list[int]  # sheet columns (0-based) of the table
    excel_rows: np.ndarray
    columns: list[list[Any]] = field(default_factory=list)

    @property
    def body(self) -> bool:
        """True when the table has rows."""
        return len(self.excel_rows) > 0

    @property
    def first_row(self) -> int:
        return self.header_rows[-1] + 1


def _locate_sheet(rows: _Cells, merged: list[tuple[int, int, int, int]],
                  header_row: int | None, header_rows: int | None, footer: int | None,
                  label: str, lang: str, sheet: str, problems: Problems) -> _SheetTable:
    """Title rows, header rows (merged cells spread, joined), notes and blank rows."""
    if header_row is not None and not 1 <= header_row <= len(rows):
        raise read_error("io.header_row", lang, label, row=header_row, value=header_row,
                         expected=f"1..{len(rows)}", sheet=sheet)
    top = None if header_row is None else header_row - 1
    head = [rows.row(i) for i in range(min(len(rows), 60 if top is None or top < 50 else top + (header_rows or 1)))]
    texts = [[_text(c) for c in r] for r in head]
    layout = locate(texts, top, header_rows)
    for i in sorted(layout.titles + layout.blanks):
        if i in layout.blanks:
            problems.add("io.blank_line", "note", row=i + 1)
        else:
            problems.add("io.title_line", "note", row=i + 1,
                         value=" | ".join(_text(c) for c in head[i] if c is not None)[:200])
            problems.found.title_rows.append(i + 1)
    first, last = layout.header[0], layout.header[-1]
    width = max(len(r) for r in rows.rows)
    width = max([width] + [c1 + 1 for r0, c0, r1, c1 in merged if r0 <= last and r1 >= first])
    local = [(r0 - first, c0, r1 - first, c1) for r0, c0, r1, c1 in merged if r0 <= last and r1 >= first]
    header_texts = [texts[i] + [""] * (width - len(texts[i])) for i in layout.header]
    joined = header_names(header_texts, local)
    if len(layout.header) > 1:
        problems.add("io.header_joined", "note", row=first + 1, value=f"{first + 1}-{last + 1}",
                     example=next((n for n in joined if JOIN in n), joined[-1]))
    below = _TextRows(rows, last + 1, len(rows))
    count, notes = (0, []) if footer == 0 else find_footer(below, footer)
    if footer is not None and len(notes) < footer:
        raise read_error("io.footer", lang, label, value=footer, expected=f"0..{len(notes)}",
                         sheet=sheet)
    for i in notes:
        text = " ".join(t for t in below[i] if t.strip())
        problems.add("io.footnote", "note", row=last + 2 + i, value=text[:200])
        problems.found.notes.append(text)
        problems.found.footer_rows.append(last + 2 + i)
    stop = len(rows) - count  # then the blank rows at the end go too
    while stop > last + 1 and is_blank_row(rows.row(stop - 1)):
        stop -= 1
    columns, excel_rows = _body_columns(rows, last + 1, stop, width, problems)
    # drop columns with neither a name nor a value (the sheet's margins)
    used = [j for j in range(width) if joined[j] or columns[j].count(None) < len(columns[j])]
    from ._delimited import _dedupe

    names = _dedupe([joined[j] for j in used], problems, last + 1)
    problems.found.header_rows = [i + 1 for i in layout.header]
    return _SheetTable([i + 1 for i in layout.header], names, used, excel_rows, [columns[j] for j in used])


def _body_columns(rows: _Cells, start: int, stop: int, width: int,
                  problems: Problems) -> tuple[list[list[Any]], np.ndarray]:
    """The body's columns, cleaned, without its blank rows (each noted), and the sheet row of each row."""
    body = rows.rows[start:stop]
    excel_rows = np.arange(start + 1, stop + 1, dtype=np.int64)
    if not body:
        return [[] for _ in range(width)], excel_rows
    if any(len(r) != width for r in body):
        body = [list(r) + [None] * (width - len(r)) for r in body]
    grid = np.empty((len(body), width), dtype=object)  # rows to columns, in C
    grid[:] = body
    cleaned = [rows.column(grid[:, j].tolist()) for j in range(width)]
    del grid
    blank = np.logical_and.reduce([b for _, b in cleaned])
    for r in excel_rows[blank].tolist():
        problems.add("io.blank_line", "note", row=r)
    if not blank.any():
        return [c for c, _ in cleaned], excel_rows
    keep = np.flatnonzero(~blank)
    return [[c[i] for i in keep] for c, _ in cleaned], excel_rows[keep]


def _typed_columns(table: _SheetTable, dtype: Mapping[str, Any], keep_leading_zeros: bool,
                   padded: dict[int, int]) -> tuple[dict[str, Any], dict[str, pa.Array]]:
    """Each column by the types of its cells; columns mixing numbers and text are left aside."""
    data: dict[str, Any] = {}
    text_cols: dict[str, pa.Array] = {}
    for j, col_name, values in zip(table.used, table.names, table.columns):
        kinds = set(map(type, values)) - {type(None)}
        if dtype.get(col_name) in _TEXT:
            data[col_name] = pd.array(values if kinds <= {str} else _texts(values), dtype="str")
        elif not kinds:
            data[col_name] = np.full(len(values), np.nan)
        elif kinds <= {float, int}:
            data[col_name] = _numbers(values, padded.get(j, 0) if keep_leading_zeros else 0)
        elif kinds <= {bool}:
            data[col_name] = pd.array(values, dtype="boolean") if None in values else np.array(values)
        elif kinds <= {dt.datetime, dt.date}:
            data[col_name] = pd.to_datetime(pd.Series(values, dtype=object))
        elif kinds <= {str, float, int}:
            # numbers and text: numbers stored as text are checked like CSV cells
            text_cols[col_name] = pa.array(values if kinds <= {str} else _texts(values), pa.string())
            data[col_name] = None
        else:
            data[col_name] = pd.Series(values, dtype=object).to_numpy()
    return data, text_cols


def _texts(values: list[Any]) -> list[str | None]:
    return [None if v is None else _text(v) for v in values]


_TEXT = (str, "str", "string", "text", "object")


def _numbers(values: list[Any], width: int) -> Any:
    arr = np.array(values, dtype=np.float64)  # None as NaN
    integral = bool(np.all(np.mod(arr[~np.isnan(arr)], 1) == 0))
    if width and integral:  # a code typed as a number and shown with a format such as 000000
        return pd.array([None if np.isnan(v) else f"{int(v):0{width}d}" for v in arr], dtype="str")
    if not np.isnan(arr).any() and integral and np.abs(arr).max(initial=0) < 2**53:
        return arr.astype(np.int64)
    return arr


def _numbers_as_text(table: _SheetTable, data: dict[str, Any], text_cols: dict[str, pa.Array],
                     decimal: str | None, thousands: str | None, keep_leading_zeros: bool,
                     markers: frozenset[str] | None,
                     problems: Problems) -> tuple[str | None, str | None]:
    """Convert the columns of numbers stored as text with the file's one convention."""
    votes = {name: column_evidence(arr, markers)[1] for name, arr in text_cols.items()}
    decision = decide(votes, ".", decimal, None if thousands is None else (thousands or ""))
    conv = decision.convention
    used_decimal = used_thousands = None
    for col_name, arr in text_cols.items():
        result = convert_column(arr, conv, keep_leading_zeros, markers=markers)
        record_result(problems, col_name, result, table.excel_rows, conv)
        values = table.columns[table.names.index(col_name)]
        if result.kind in ("int", "float"):
            data[col_name] = result.array.to_pandas()
            if conv is not None and (result.has_decimal or result.has_thousands):
                used_decimal, used_thousands = conv.decimal, conv.thousands
        elif result.kind in ("text", "code") and result.numeric_share < 1.0 and not (
                set(map(type, values)) <= {str, type(None)}):
            data[col_name] = pd.Series(values, dtype=object).to_numpy()
        else:
            data[col_name] = result.array.to_pandas()
    if decision.ambiguous and conv is not None:
        problems.add("io.ambiguous_numbers", "warning", expected=f"decimal={conv.decimal!r}",
                     decimal=conv.decimal, thousands=conv.thousands)
    return used_decimal, used_thousands


def _apply_dtype(frame: pd.DataFrame, dtype: Mapping[str, Any], names: list[str], label: str,
                 lang: str, sheet: str) -> None:
    for col_name, typ in dtype.items():
        if col_name not in frame.columns:
            raise read_error("io.unknown_column", lang, label, column=col_name,
                             expected=", ".join(names[:20]), sheet=sheet)
        if typ in _TEXT:
            continue
        try:
            frame[col_name] = frame[col_name].astype(typ)
        except (TypeError, ValueError) as exc:
            raise read_error("io.dtype", lang, label, column=col_name, value=str(exc)[:120],
                             expected=str(typ), sheet=sheet) from None
