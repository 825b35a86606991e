"""The declared size of every sheet of a workbook, checked before the workbook reader sees it.

A few bytes can declare a billion cells: an xlsx ``<dimension ref="A1:XFD1048576">``, an .ods
row repeated ten million times, an .xls ``DIMENSIONS`` record. The reader would allocate for
what is declared, so each sheet's declared columns and cells are checked against
:class:`indicators.Limits` (``max_columns``, ``max_cells``) first, and a file over a limit is
refused with a message naming the limit and the option that raises it. A damaged container is
left to the workbook reader, which reports it.

>>> from pathlib import Path
>>> check_sheet_limits(Path("cuadro.csv"), "cuadro.csv", "en")  # not a workbook: nothing to check
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._limits import Limits, limit_error
from ..errors import ReadError
from ._provenance import read_error

__all__ = ["check_sheet_limits"]

# what a damaged zip container or member can raise while it is opened or read
_ZIP_ERRORS = (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
               zlib.error)


def check_sheet_limits(path: Path, label: str, lang: str) -> None:
    """Refuse a workbook with a sheet that declares more than ``max_columns`` columns or
    ``max_cells`` cells; an .ods whose XML is damaged or declares a document type is refused
    too (the reader loops on a damaged closing tag)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        _check_xlsx(path, label, lang)
    elif suffix == ".ods":
        _check_ods(path, label, lang)
    elif suffix == ".xls":
        _check_xls(path, label, lang)


def _check_size(columns: int, rows: int, where: str, label: str, lang: str) -> None:
    limits = Limits.current()
    if columns > limits.max_columns:
        raise limit_error(ReadError, "max_columns", columns, limits.max_columns, where=where, lang=lang,
                          file=label)
    if columns * rows > limits.max_cells:
        raise limit_error(ReadError, "max_cells", columns * rows, limits.max_cells, where=where, lang=lang,
                          file=label)


def _open_zip(path: Path) -> zipfile.ZipFile | None:
    """The zip container, or None when it is damaged (the workbook reader then reports it)."""
    try:
        return zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        return None


# ---- xlsx / xlsm: the <dimension> element at the head of each worksheet

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _check_xlsx(path: Path, label: str, lang: str) -> None:
    book = _open_zip(path)
    if book is None:
        return
    with book:
        for info in book.infolist():
            if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
                continue
            try:
                with book.open(info) as fh:
                    head = fh.read(8192)
            except _ZIP_ERRORS:
                continue  # a damaged member: the workbook reader reports it
            found = _DIMENSION.search(head)
            if not found:
                continue
            c1, r1, c2, r2 = found.groups()
            first_col, first_row = _column_number(c1), int(r1)
            last_col = _column_number(c2) if c2 else first_col
            last_row = int(r2) if r2 else first_row
            _check_size(abs(last_col - first_col) + 1, abs(last_row - first_row) + 1, label, label, lang)


# ---- ods: rows and cells as content.xml repeats them

_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _check_ods(path: Path, label: str, lang: str) -> None:
    """Check an .ods file's ``content.xml`` before the workbook reader sees it.

    A first pass checks that the XML is well formed (in expat, with no Python call per element)
    and bounds each sheet's size from its rows' bytes; when that bound is within the limits the
    file passes. Otherwise (or when the file's markup is unusual) the second pass,
    :func:`_check_ods_elements`, measures each sheet exactly and raises over a limit.
    """
    if not _ods_within_bound(path, label, lang):
        _check_ods_elements(path, label, lang)


_TABLE_PREFIX = rb"table"
_ATTRIBUTES = rb"""((?:[^>"']|"[^"]*"|'[^']*')*)"""  # a start tag's attributes, quoted values may hold '>'
_ODS_TOKENS = re.compile(rb"<table:table(?=[\s>/])" + _ATTRIBUTES + rb">|</table:table>|<table:table-row(?=[\s>/])"
                         + _ATTRIBUTES + rb">|</table:table-row>")
_ROWS_REPEATED = re.compile(rb"""number-rows-repeated\s*=\s*["']\s*\+?(\d+)""")
_COLUMNS_REPEATED = re.compile(rb"""number-columns-repeated\s*=\s*["']\s*\+?(\d+)""")
_NAMESPACES = re.compile(rb"""xmlns(?::([\w.-]+))?\s*=\s*["']([^"']*)["']""")
_ROW_END = b"</table:table-row>"


class _OdsBound:
    """Upper bounds of each sheet's width and height from the bytes of its rows: a row's width
    counts every cell tag and repeated column; a row with nothing but empty cells adds height
    only below a row that holds something (as :func:`_check_ods_elements` counts them)."""

    def __init__(self) -> None:
        self.rows = self.height = self.width = 0
        self.row_start: int | None = None
        self.row_repeat = 1

    def feed(self, segment: bytes) -> bool:
        """Take a run of whole rows; False when the bound is over a limit or the markup is unusual."""
        for ns in _NAMESPACES.finditer(segment):
            prefix, uri = ns.group(1), ns.group(2).decode("utf-8", "replace")
            if (uri == _TABLE_NS) != (prefix == _TABLE_PREFIX):
                return False  # the table namespace under another prefix (or "table" bound elsewhere)
        limits = Limits.current()
        for token in _ODS_TOKENS.finditer(segment):
            text = token.group(0)
            if text.startswith(b"<table:table-row"):
                if self.row_start is not None:
                    return False  # a row inside a row: a sub-table
                # every match counts: one may sit inside another attribute's value
                self.row_repeat = max([1, *map(int, _ROWS_REPEATED.findall(token.group(2)))])
                if token.group(2).endswith(b"/"):
                    self.rows += self.row_repeat  # an empty row
                else:
                    self.row_start = token.end()
            elif text == _ROW_END:
                if self.row_start is None:
                    return False
                self._row(segment[self.row_start:token.start()])
                self.row_start = None
                if self.width > limits.max_columns or self.width * self.height > limits.max_cells:
                    return False
            elif self.row_start is not None:
                return False  # a table inside a row
            elif text.startswith(b"<table:table"):
                self.rows = self.height = self.width = 0
        return True

    def _row(self, body: bytes) -> None:
        starts = body.count(b"<table:table-cell") + body.count(b"<table:covered-table-cell")
        ends = body.count(b"</table:table-cell>") + body.count(b"</table:covered-table-cell>")
        width = starts + sum(max(int(n) - 1, 0) for n in _COLUMNS_REPEATED.findall(body))
        self.rows += self.row_repeat
        if b"value-type" in body or body.count(b"<") > starts + ends:  # a value, text or anything else
            self.height = self.rows
            self.width = max(self.width, width)


def _ods_corrupt(exc: BaseException, label: str, lang: str) -> ReadError:
    """The error of an .ods whose ``content.xml`` cannot be read: where the XML breaks, or why."""
    from xml.parsers import expat

    if isinstance(exc, expat.ExpatError):
        return read_error("io.corrupt", lang, label, format="ODS",
                          value=f"content.xml, line {exc.lineno}, column {exc.offset + 1}: "
                                f"{expat.ErrorString(exc.code)}")
    return read_error("io.corrupt", lang, label, value=str(exc)[:200], format="ODS")


def _ods_within_bound(path: Path, label: str, lang: str) -> bool:
    """Whether ``content.xml`` is well formed and each sheet's bounded size is within the limits."""
    from xml.parsers import expat

    book = _open_zip(path)
    if book is None:
        return True  # the workbook reader reports a damaged file
    with book:
        try:
            stream = book.open("content.xml")
        except _ZIP_ERRORS:
            return True
        parser = expat.ParserCreate()

        def doctype(*args: Any) -> None:
            raise ValueError("the XML declares a document type")

        parser.StartDoctypeDeclHandler = doctype
        parser.EntityDeclHandler = doctype
        bound, pending, within = _OdsBound(), b"", True
        try:
            with stream:
                while chunk := stream.read(1 << 20):
                    parser.Parse(chunk, False)
                    if not within:
                        continue  # still checked for well-formedness
                    pending += chunk
                    cut = pending.rfind(_ROW_END)
                    if cut >= 0:
                        cut += len(_ROW_END)
                        within = bound.feed(pending[:cut])
                        pending = pending[cut:]
                    within = within and len(pending) < 1 << 26
                parser.Parse(b"", True)
        except (expat.ExpatError, LookupError, *_ZIP_ERRORS) as exc:  # LookupError: an unknown encoding declared
            raise _ods_corrupt(exc, label, lang) from None
        return within and bound.feed(pending) and bound.row_start is None


def _check_ods_elements(path: Path, label: str, lang: str) -> None:
    """Each sheet of an .ods measured element by element (see :func:`_check_ods`).

    The XML must be well formed (the reader loops forever on a damaged closing tag) and
    without a document type (no entities); each sheet's size, as its repeated rows and
    cells declare it, must be within ``Limits.max_columns`` and ``Limits.max_cells`` (a
    few bytes can declare a billion cells). Empty repeated cells and rows (LibreOffice
    writes them to the end of the sheet) do not count. The XML is streamed, never held.
    """
    from xml.parsers import expat

    book = _open_zip(path)
    if book is None:
        return
    with book:
        try:
            stream = book.open("content.xml")
        except _ZIP_ERRORS:
            return
        parser = expat.ParserCreate(namespace_separator=" ")
        state: dict[str, Any] = {"row_rep": 1, "col": 0, "width": 0, "row_width": 0, "rows": 0, "height": 0,
                 "cell_rep": 0, "cell_full": False, "depth_in_cell": 0, "table": ""}
        rows_rep = f"{_TABLE_NS} number-rows-repeated"
        cols_rep = f"{_TABLE_NS} number-columns-repeated"
        cell_tags = {f"{_TABLE_NS} table-cell", f"{_TABLE_NS} covered-table-cell"}

        def repeat(attrs: dict[str, str], key: str) -> int:
            try:
                return max(1, int(attrs.get(key, "1")))
            except ValueError:
                return 1

        def start(tag: str, attrs: dict[str, str]) -> None:
            if state["depth_in_cell"]:
                state["depth_in_cell"] += 1
                state["cell_full"] = True
            elif tag in cell_tags:
                state["cell_rep"] = repeat(attrs, cols_rep)
                state["cell_full"] = f"{_OFFICE_NS} value-type" in attrs
                state["depth_in_cell"] = 1
            elif tag == f"{_TABLE_NS} table-row":
                state["row_rep"], state["col"], state["row_width"] = repeat(attrs, rows_rep), 0, 0
            elif tag == f"{_TABLE_NS} table":
                state.update(width=0, rows=0, height=0, table=attrs.get(f"{_TABLE_NS} name", ""))

        def end(tag: str) -> None:
            if state["depth_in_cell"] > 1:
                state["depth_in_cell"] -= 1
                return
            if state["depth_in_cell"] == 1:
                state["depth_in_cell"] = 0
                state["col"] += state["cell_rep"]
                if state["cell_full"]:
                    state["row_width"] = state["col"]
                return
            if tag == f"{_TABLE_NS} table-row":
                state["rows"] += state["row_rep"]
                if state["row_width"]:
                    state["height"] = state["rows"]
                    state["width"] = max(state["width"], state["row_width"])
                    _check_size(state["width"], state["height"], f"{label}, sheet {state['table']!r}", label,
                                lang)

        def doctype(*args: Any) -> None:
            raise ValueError("the XML declares a document type")

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.StartDoctypeDeclHandler = doctype
        parser.EntityDeclHandler = doctype
        try:
            with stream:
                while chunk := stream.read(1 << 20):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        except ReadError:
            raise
        except (expat.ExpatError, LookupError, *_ZIP_ERRORS) as exc:  # LookupError: an unknown encoding declared
            raise _ods_corrupt(exc, label, lang) from None


# ---- xls: the DIMENSIONS record of each sheet in the BIFF workbook stream

_BOUNDSHEET, _BOF, _EOF, _DIMENSIONS = 0x0085, 0x0809, 0x000A, 0x0200


def _biff_records(data: bytes, offset: int) -> Iterator[tuple[int, bytes]]:
    """The (type, body) of the BIFF records from ``offset`` on, up to the end of the stream."""
    while offset + 4 <= len(data):
        kind, size = struct.unpack_from("<HH", data, offset)
        yield kind, data[offset + 4:offset + 4 + size]
        offset += 4 + size


def _xls_sheets(data: bytes) -> Iterator[tuple[str, int]]:
    """Each sheet's name and the stream offset of its BOF, from the BOUNDSHEET records."""
    for kind, body in _biff_records(data, 0):
        if kind == _EOF:
            return
        if kind == _BOUNDSHEET and len(body) >= 8:
            (start,) = struct.unpack_from("<I", body, 0)
            chars, flags = body[6], body[7]
            name = body[8:8 + 2 * chars].decode("utf-16-le", "replace") if flags & 1 else \
                body[8:8 + chars].decode("latin-1")
            yield name, start


def _xls_dimensions(data: bytes, start: int) -> tuple[int, int] | None:
    """(columns, rows) that the sheet starting at ``start`` declares, BIFF8 or BIFF5."""
    for kind, body in _biff_records(data, start):
        if kind == _EOF:
            return None
        if kind == _DIMENSIONS:
            if len(body) >= 12:  # BIFF8: 32-bit rows
                first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body, 0)
            elif len(body) >= 8:  # BIFF5: 16-bit rows
                first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", body, 0)
            else:
                return None
            return max(last_col - first_col, 0), max(last_row - first_row, 0)  # last_* are one past the end
    return None


def _check_xls(path: Path, label: str, lang: str) -> None:
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return
            data = ole.openstream(name).read(Limits.current().max_file_bytes)
    except Exception:  # noqa: BLE001 - a damaged container is reported by the workbook reader
        return
    for sheet, start in _xls_sheets(data):
        dims = _xls_dimensions(data, start) if 0 <= start < len(data) else None
        if dims is not None:
            _check_size(*dims, f"{label}, sheet {sheet!r}", label, lang)
