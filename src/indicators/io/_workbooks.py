"""Workbooks (.xlsx, .xlsm, .xls, .ods) through python-calamine.

The sheet is read from cell A1 so that row numbers are the ones Excel or
LibreOffice shows. A title block above the header is found by
:func:`indicators.io._layout.find_header` (or given as ``header_row``). Numbers stored as
text are converted with the same checks as in CSV files; codes with leading zeros
stay text when asked.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._layout import find_header, is_blank_row
from ._numbers import NUMERIC_LOOKING, convert_column, decide, family_votes
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
                         columns: Sequence[int]) -> dict[int, int]:
    """Columns whose first data cell has a zero-padded number format (``000000``): their widths.

    Only .xlsx/.xlsm; the styles are read first so that openpyxl opens the workbook only
    when such a format exists at all.
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

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book[sheet].iter_rows(min_row=first_data_row, max_row=first_data_row)
        cells = next(iter(rows), ())
        out = {}
        for j, cell in enumerate(cells):
            fmt = str(getattr(cell, "number_format", "") or "")
            if j in columns and re.fullmatch(r"0{2,}", fmt):
                out[j] = len(fmt)
        return out
    finally:
        book.close()


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
                  problems: Problems) -> tuple[pd.DataFrame, str, int, str | None, str | None]:
    """Read one sheet; return the frame, the sheet name, the header row and the marks used."""
    book = _open(path, label, lang)
    name = _sheet_name(list(book.sheet_names), sheet, label, lang)
    problems.sheet = name
    try:
        rows: list[list[Any]] = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except _errors() as exc:
        raise read_error("io.corrupt", lang, label, value=str(exc)[:200], format="Excel/ODS",
                         sheet=name) from None
    rows = [[None if (c == "" or c is None) else c for c in r] for r in rows]
    if not rows or all(is_blank_row(r) for r in rows):
        raise read_error("io.empty_sheet", lang, label, sheet=name, value=name)
    if header_row is not None:
        if not 1 <= header_row <= len(rows):
            raise read_error("io.header_row", lang, label, row=header_row, value=header_row,
                             expected=f"1..{len(rows)}", sheet=name)
        h = header_row - 1
    else:
        h = find_header([[_text(c) for c in r] for r in rows[:50]])
    for i in range(h):
        if not is_blank_row(rows[i]):
            problems.add("io.title_line", "note", row=i + 1,
                         value=" | ".join(_text(c) for c in rows[i] if c is not None)[:200])
    width = max(len(r) for r in rows)
    header = list(rows[h]) + [None] * (width - len(rows[h]))
    body = rows[h + 1:]
    last = max((i for i, r in enumerate(body) if not is_blank_row(r)), default=-1)
    body = body[:last + 1]
    excel_rows = np.arange(h + 2, h + 2 + len(body), dtype=np.int64)
    blank = np.array([is_blank_row(r) for r in body], dtype=bool)
    for r in excel_rows[blank].tolist():
        problems.add("io.blank_line", "note", row=r)
    body = [r + [None] * (width - len(r)) for r, b in zip(body, blank) if not b]
    excel_rows = excel_rows[~blank]
    columns = list(zip(*body)) if body else [() for _ in range(width)]
    # drop columns with neither a name nor a value (the sheet's margins)
    used = [j for j in range(width) if header[j] is not None or any(v is not None for v in columns[j])]
    names_raw = [_text(header[j]) for j in used]
    from ._delimited import _dedupe

    names = _dedupe(names_raw, problems, h + 1)
    padded = _zero_padded_columns(path, name, h + 2, used) if keep_leading_zeros and body else {}
    data: dict[str, Any] = {}
    text_cols: dict[str, pa.Array] = {}
    for j, col_name in zip(used, names):
        values = list(columns[j])
        kinds = {type(v) for v in values if v is not None}
        as_text = dtype.get(col_name) in (str, "str", "string", "text", "object")
        if as_text:
            data[col_name] = pd.array([None if v is None else _text(v) for v in values], dtype="str")
        elif not kinds:
            data[col_name] = np.full(len(values), np.nan)
        elif kinds <= {float, int}:
            arr = np.array([np.nan if v is None else float(v) for v in values])
            integral = bool(np.all(np.mod(arr[~np.isnan(arr)], 1) == 0))
            width = padded.get(j, 0) if keep_leading_zeros and integral else 0
            if width:  # a code typed as a number and shown with a format such as 000000
                data[col_name] = pd.array([None if np.isnan(v) else f"{int(v):0{width}d}" for v in arr],
                                          dtype="str")
            elif not np.isnan(arr).any() and integral and np.abs(arr).max(initial=0) < 2**53:
                data[col_name] = arr.astype(np.int64)
            else:
                data[col_name] = arr
        elif kinds <= {bool}:
            data[col_name] = pd.array(values, dtype="boolean") if None in values else np.array(values)
        elif kinds <= {dt.datetime, dt.date}:
            data[col_name] = pd.to_datetime(pd.Series(values, dtype=object))
        elif kinds <= {str, float, int}:
            # numbers and text: numbers stored as text are checked like CSV cells
            text_cols[col_name] = pa.array([None if v is None else _text(v) for v in values],
                                           pa.string())
            data[col_name] = None
        else:
            data[col_name] = pd.Series(values, dtype=object).to_numpy()
    votes = {}
    for col_name, arr in text_cols.items():
        looks = pc.match_substring_regex(arr, NUMERIC_LOOKING)
        votes[col_name] = family_votes(arr.filter(pc.fill_null(looks, False)))
    decision = decide(votes, ".", decimal, None if thousands is None else (thousands or ""))
    conv = decision.convention
    used_decimal = used_thousands = None
    for col_name, arr in text_cols.items():
        result = convert_column(arr, conv, keep_leading_zeros)
        for pos, value in zip(result.bad_positions.tolist(), result.bad_values):
            problems.add("io.number_format", "error", row=int(excel_rows[pos]), column=col_name,
                         value=value, expected=conv.example() if conv else "",
                         decimal=conv.decimal if conv else "", thousands=(conv.thousands or "") if conv else "")
        for pos, value in result.text_examples:
            problems.add("io.text_in_numbers", "note", row=int(excel_rows[pos]), column=col_name,
                         value=value, share=f"{result.numeric_share:.0%}")
        if result.kind in ("int", "float"):
            data[col_name] = result.array.to_pandas()
            if conv is not None:
                used_decimal = conv.decimal
                used_thousands = conv.thousands
        elif result.kind in ("text", "code") and result.numeric_share < 1.0 and not all(
                isinstance(v, str) for v in columns[used[names.index(col_name)]] if v is not None):
            values = list(columns[used[names.index(col_name)]])
            data[col_name] = pd.Series(values, dtype=object).to_numpy()
        else:
            data[col_name] = result.array.to_pandas()
    if decision.ambiguous and conv is not None:
        problems.add("io.ambiguous_numbers", "warning", expected=f"decimal={conv.decimal!r}",
                     decimal=conv.decimal, thousands=conv.thousands)
    frame = pd.DataFrame({k: (v.to_numpy() if isinstance(v, pd.Series) else v) for k, v in data.items()},
                         index=pd.Index(excel_rows, name=ROW))
    for col_name, typ in dtype.items():
        if col_name not in frame.columns:
            raise read_error("io.unknown_column", lang, label, column=col_name,
                             expected=", ".join(names[:20]), sheet=name)
        if typ in (str, "str", "string", "text", "object"):
            continue
        try:
            frame[col_name] = frame[col_name].astype(typ)
        except (TypeError, ValueError) as exc:
            raise read_error("io.dtype", lang, label, column=col_name, value=str(exc)[:120],
                             expected=str(typ), sheet=name) from None
    if on_bad_lines == "error":
        problems.raise_if_errors()
    return frame, name, h + 1, used_decimal, used_thousands

