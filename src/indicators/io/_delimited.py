"""Delimited text files (CSV, TSV, TXT): detect, then parse once.

Detection works on the first bytes of the file (encoding also on one cheap pass over
all of it, which also hashes and counts lines); then one :func:`pyarrow.csv.read_csv`
pass reads every cell as text, and :mod:`indicators.io._numbers` converts the columns
that hold numbers, checking every value against the file's number convention.

Row numbers are the 1-based lines of the file as an editor shows them, header
counted. They are computed by arithmetic when every line is one record, and from the
positions of newlines and quotes (numpy, in blocks) when a file has blank lines or
quoted fields spanning lines.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ._buffers import single_byte_table, transcode
from ._layout import find_header, is_blank_row
from ._numbers import NUMERIC_LOOKING, convert_column, decide, family_votes
from ._provenance import ROW, Problems, read_error

__all__ = ["CsvInfo", "read_delimited"]

_CHUNK = 1 << 22
_SAMPLE = 1 << 19
_SAMPLE_RECORDS = 500
_EVIDENCE_ROWS = 5_000
_CANDIDATES = (";", ",", "\t", "|")
_PREFERENCE = ("\t", ";", "|", ",")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_QUOTED = re.compile(r'"(?:[^"]|"")*"', re.DOTALL)
_MAGIC = {
    b"PK\x03\x04": "a zip archive (an .xlsx, .xlsm or .ods workbook?)",
    b"\xd0\xcf\x11\xe0": "an Office binary file (an .xls workbook?)",
    b"%PDF": "a PDF document",
    b"$FL2": "an SPSS .sav file",
    b"$FL3": "an SPSS .zsav file",
    b"PAR1": "a Parquet file",
}
_MAGIC_ES = {
    b"PK\x03\x04": "un archivo zip (¿un libro .xlsx, .xlsm u .ods?)",
    b"\xd0\xcf\x11\xe0": "un archivo binario de Office (¿un libro .xls?)",
    b"%PDF": "un documento PDF",
    b"$FL2": "un archivo .sav de SPSS",
    b"$FL3": "un archivo .zsav de SPSS",
    b"PAR1": "un archivo Parquet",
}


@dataclass
class CsvInfo:
    """What was detected in a delimited file (becomes part of the provenance)."""

    sha256: str
    encoding: str
    delimiter: str | None
    decimal: str | None
    thousands: str | None
    header_row: int
    n_lines: int


@dataclass
class _Scan:
    size: int = 0
    sha256: str = ""
    newlines: int = 0
    last_byte: int = -1
    quotes: int = 0
    nul_offset: int | None = None
    nul_line: int | None = None
    cp1252_undefined: bool = False

    @property
    def n_lines(self) -> int:
        return self.newlines + (1 if self.size and self.last_byte != 0x0A else 0)


def _scan(path: Path) -> _Scan:
    """One pass over the file in blocks: hash, newlines, quotes, NUL bytes, code-page hints.

    Runs in a worker thread beside the parse: hashing and numpy release the GIL.
    """
    scan = _Scan()
    digest = hashlib.sha256()
    offset = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            arr = np.frombuffer(chunk, dtype=np.uint8)
            if scan.nul_offset is None:
                i = chunk.find(b"\x00")
                if i >= 0:
                    scan.nul_offset = offset + i
                    scan.nul_line = scan.newlines + chunk.count(b"\n", 0, i) + 1
            if not scan.cp1252_undefined:
                scan.cp1252_undefined = any(b in chunk for b in _CP1252_UNDEFINED)
            scan.newlines += int(np.count_nonzero(arr == 0x0A))
            if b'"' in chunk:
                scan.quotes += int(np.count_nonzero(arr == 0x22))
            last = chunk[-1:]
            offset += len(chunk)
    scan.size = offset
    scan.last_byte = last[0] if last else -1
    scan.sha256 = digest.hexdigest()
    return scan


def _first_invalid_utf8(path: Path) -> tuple[int, bytes]:
    """Line and bytes of the first invalid UTF-8 sequence (only called on the error path)."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                start = max(exc.start, 0)
                return newlines + chunk.count(b"\n", 0, start) + 1, chunk[start:start + 2]
            newlines += chunk.count(b"\n")
    return newlines + 1, b""


def _python_codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return ""


@dataclass
class _Record:
    text: str
    first_line: int
    n_lines: int
    end: int  # byte offset just after the record's last newline (in the source buffer)
    start: int = 0


def _sample_records(sample: bytes, start: int, encoding: str, complete: bool) -> list[_Record]:
    """Split the sample into records (quote-aware), each with its first line and byte end."""
    lines = sample.split(b"\n")
    if not complete:
        lines = lines[:-1]  # the last piece may be cut in the middle
    elif lines and lines[-1] == b"":
        lines = lines[:-1]
    records: list[_Record] = []
    pos = start
    buf: list[str] = []
    first = 1
    quotes = 0
    rec_start = start
    for number, raw in enumerate(lines, start=1):
        text = raw.decode(encoding, errors="replace")
        text = text.removesuffix("\r")
        if not buf:
            first = number
            rec_start = pos
        buf.append(text)
        quotes += raw.count(b'"')
        pos += len(raw) + 1
        if quotes % 2 == 0:
            records.append(_Record("\n".join(buf), first, len(buf), pos, rec_start))
            buf, quotes = [], 0
            if len(records) >= _SAMPLE_RECORDS:
                break
    if buf and complete:
        records.append(_Record("\n".join(buf), first, len(buf), pos, rec_start))
    return records


def _detect_delimiter(records: Sequence[_Record], suffix: str) -> tuple[str | None, list[str]]:
    """Choose the delimiter with a consistent count (outside quotes) on the most records."""
    texts = [_QUOTED.sub('""', r.text) for r in records if r.text.strip()]
    if not texts:
        return None, []
    scores: dict[str, tuple[float, int]] = {}
    for cand in _CANDIDATES:
        counts = [t.count(cand) for t in texts]
        mode, freq = Counter(counts).most_common(1)[0]
        if mode == 0:
            nonzero = [c for c in counts if c]
            if not nonzero:
                continue
            mode, nz_freq = Counter(nonzero).most_common(1)[0]
            freq = nz_freq
        share = freq / len(texts)
        if share < 0.5:  # a delimiter splits (nearly) every line the same way
            continue
        scores[cand] = (share, mode)
    if not scores:
        return None, []
    best = max(s for s, _ in scores.values())
    tied = [c for c, (s, _) in scores.items() if s >= best - 1e-9]
    order = ("\t",) + _PREFERENCE if suffix == ".tsv" else _PREFERENCE
    tied.sort(key=order.index)
    return tied[0], tied[1:]


def _dedupe(names: list[str], problems: Problems, header_line: int) -> list[str]:
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, name in enumerate(names):
        base = name if name.strip() else f"Unnamed: {i}"
        new = base
        while new in seen:
            new = f"{base}.{seen[base]}"
            seen[base] += 1
        if new != base:
            problems.add("io.duplicate_column", "warning", row=header_line, column=new, value=name)
        seen[new] += 1
        out.append(new)
    return out


class _Source:
    """The bytes to parse: the file on disk, or a transcoded copy in memory (UTF-16)."""

    def __init__(self, path: Path, buffer: bytes | None) -> None:
        self.path = path
        self.buffer = buffer

    def head(self, n: int, start: int) -> bytes:
        if self.buffer is not None:
            return self.buffer[start:start + n]
        with self.path.open("rb") as fh:
            fh.seek(start)
            return fh.read(n)

    def size(self) -> int:
        return len(self.buffer) if self.buffer is not None else self.path.stat().st_size

    def stream(self, offset: int) -> Any:
        if self.buffer is not None:
            reader = pa.BufferReader(pa.py_buffer(self.buffer))
        else:
            reader = pa.OSFile(str(self.path), "r")
        reader.seek(offset)
        return reader

    def array(self) -> np.ndarray:
        if self.buffer is not None:
            return np.frombuffer(self.buffer, dtype=np.uint8)
        if self.size() == 0:
            return np.empty(0, dtype=np.uint8)
        return np.memmap(self.path, dtype=np.uint8, mode="r")


def _record_lines(source: _Source, offset: int, first_line: int,
                  quotes: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """First line of every non-blank record from ``offset``, the blank lines, and
    whether the last record ends inside an open quote.

    Quote parity decides which newlines end a record (RFC 4180: a newline inside a
    quoted field does not).
    """
    data = source.array()
    n = len(data)
    nl_parts: list[np.ndarray] = []
    q_parts: list[np.ndarray] = []
    for a in range(offset, n, _CHUNK):
        block = data[a:min(a + _CHUNK, n)]
        nl_parts.append(np.flatnonzero(block == 0x0A) + a)
        if quotes:
            q_parts.append(np.flatnonzero(block == 0x22) + a)
    nl = np.concatenate(nl_parts) if nl_parts else np.empty(0, np.int64)
    unclosed = False
    if quotes and q_parts:
        q = np.concatenate(q_parts)
        term = nl[np.searchsorted(q, nl) % 2 == 0]
        unclosed = len(q) % 2 == 1
    else:
        term = nl
    starts = np.concatenate([[offset], term + 1]).astype(np.int64)
    ends = np.concatenate([term, [n]]).astype(np.int64)
    if len(starts) and starts[-1] >= n:  # the file ends with a newline
        starts, ends = starts[:-1], ends[:-1]
    length = ends - starts
    cr_only = np.zeros(len(starts), dtype=bool)
    one = np.flatnonzero(length == 1)
    if len(one):
        cr_only[one] = np.asarray(data[starts[one]]) == 0x0D
    blank = (length == 0) | cr_only
    lines = first_line + np.searchsorted(nl, starts)
    return lines[~blank], lines[blank], unclosed


def _csv_module_lines(source: _Source, offset: int, first_line: int, encoding: str,
                      delimiter: str) -> tuple[np.ndarray, np.ndarray]:
    """The same as :func:`_record_lines` through the csv module (quotes inside fields)."""
    raw = source.head(source.size() - offset, offset)
    text = raw.decode(encoding, errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=False)
    lines: list[int] = []
    blanks: list[int] = []
    previous = 0
    for row in reader:
        start = first_line + previous
        (lines if row else blanks).append(start)
        previous = reader.line_num
    return np.asarray(lines, dtype=np.int64), np.asarray(blanks, dtype=np.int64)


@dataclass
class CsvOptions:
    """Options of :func:`indicators.read` that apply to delimited text."""

    lang: str = "en"
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    header_row: int | None = None
    keep_leading_zeros: bool = True
    dtype: Mapping[str, Any] = field(default_factory=dict)
    na_values: Sequence[str] = ()
    on_bad_lines: str = "error"
    strict: bool = False


def _check_binary(head: bytes, label: str, lang: str, utf16: bool) -> None:
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            what = _MAGIC_ES[magic] if lang == "es" else what
            raise read_error("io.binary", lang, label, row=1, value=magic.hex(" "),
                             what=what, expected="text")
    if not utf16 and b"\x00" in head:
        line = head.count(b"\n", 0, head.index(b"\x00")) + 1
        raise read_error("io.binary", lang, label, row=line, value="00", what="NUL", expected="text")


def _valid_utf8(sample: bytes) -> bool:
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut by the end of the sample is not an error
        return exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data"
    return True


def read_delimited(path: Path, label: str, opts: CsvOptions,
                   problems: Problems) -> tuple[pd.DataFrame, CsvInfo]:
    """Read a delimited text file; see :func:`indicators.read`."""
    lang = opts.lang
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE + 4)
    if not head:
        raise read_error("io.empty", lang, label)
    given = _python_codec(opts.encoding) if opts.encoding else ""
    if opts.encoding is not None and not given:
        raise read_error("io.unknown_encoding", lang, label, value=opts.encoding,
                         expected="utf-8, cp1252, latin-1, utf-16")
    utf16 = given.startswith("utf-16") or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    _check_binary(head, label, lang, utf16)

    pool = ThreadPoolExecutor(max_workers=1)
    scan_future = pool.submit(_scan, path)
    pool.shutdown(wait=False)

    buffer: bytes | None = None
    bom = 0
    single_byte: str | None = None  # parse raw bytes, transcode text columns from this codec
    if utf16 or (given and not given.startswith("utf-8") and single_byte_table(given) is None):
        codec = given or "utf-16"
        encoding = opts.encoding or "utf-16"
        try:
            text = path.read_bytes().decode(codec)
        except UnicodeDecodeError as exc:
            raise read_error("io.decode_file", lang, label,
                             value=exc.object[exc.start:exc.start + 2].hex(" "),
                             encoding=encoding, expected=encoding) from None
        buffer = text.lstrip("\ufeff").encode("utf-8")
        codec = "utf-8"
    elif given:
        encoding = opts.encoding or given
        if given.startswith("utf-8"):
            codec = "utf-8"
            bom = 3 if head.startswith(codecs.BOM_UTF8) else 0
        else:
            codec = given
            single_byte = given
    elif head.startswith(codecs.BOM_UTF8):
        encoding, codec, bom = "utf-8-sig", "utf-8", 3
    elif _valid_utf8(head[:_SAMPLE]):
        encoding, codec = "utf-8", "utf-8"  # confirmed by the parse, which checks every byte
    else:
        # cp1252 unless a byte undefined in it shows up (checked over the whole file below)
        latin = any(b in head for b in _CP1252_UNDEFINED)
        encoding = codec = single_byte = "latin-1" if latin else "cp1252"
    source = _Source(path, buffer)

    sample = source.head(_SAMPLE, bom)
    complete = bom + len(sample) >= source.size()
    records = _sample_records(sample, bom, codec, complete)
    if not records and not complete:  # one enormous first line
        records = _sample_records(source.head(source.size(), bom), bom, codec, True)
    if not any(r.text.strip() for r in records):
        raise read_error("io.empty", lang, label)

    if opts.delimiter is not None:
        delimiter: str | None = opts.delimiter
    else:
        delimiter, others = _detect_delimiter(records, path.suffix.lower())
        if others:
            problems.add("io.ambiguous_delimiter", "warning", value=delimiter,
                         expected=", ".join(repr(o) for o in others),
                         chosen=repr(delimiter), others=", ".join(repr(o) for o in others))
    parse_delim = delimiter if delimiter is not None else "\x1f"
    grid = [next(csv.reader([r.text], delimiter=parse_delim, quotechar='"', doublequote=True))
            if r.text else [] for r in records[:50]]

    if opts.header_row is not None:
        matches = [i for i, r in enumerate(records) if r.first_line == opts.header_row]
        if not matches:
            raise read_error("io.header_row", lang, label, row=opts.header_row,
                             value=opts.header_row, expected=f"1..{records[-1].first_line}")
        h = matches[0]
    else:
        h = find_header(grid[:50]) if grid else 0
    for r, cells in zip(records[:h], grid[:h]):
        if is_blank_row(cells):
            problems.add("io.blank_line", "note", row=r.first_line)
        else:
            problems.add("io.title_line", "note", row=r.first_line, value=r.text[:200])
    header = records[h]
    header_cells = grid[h] if h < len(grid) else next(
        csv.reader([header.text], delimiter=parse_delim, quotechar='"'))
    names = _dedupe([c for c in header_cells], problems, header.first_line)
    data_offset = header.end
    first_data_line = header.first_line + header.n_lines

    def parse_code_page() -> tuple[pa.Table, list[tuple[int, int, str]], str | None, str]:
        """Raw-byte parse; if a bad line must be reported, let Arrow transcode instead."""
        page = single_byte
        assert page is not None
        try:
            t, inv = _parse(source, data_offset, names, parse_delim, opts, label, first_data_line,
                            check_utf8=False)
            return t, inv, page, page
        except _RawRowText:
            if opts.encoding is None and scan_future.result().cp1252_undefined:
                page = "latin-1"
            try:
                t, inv = _parse(source, data_offset, names, parse_delim, opts, label,
                                first_data_line, check_utf8=True, encoding=page)
            except UnicodeDecodeError as exc:
                raise read_error("io.decode_file", lang, label,
                                 value=exc.object[exc.start:exc.start + 2].hex(" "),
                                 encoding=page, expected=page) from None
            return t, inv, None, page

    if single_byte is None:
        try:
            table, invalid = _parse(source, data_offset, names, parse_delim, opts, label,
                                    first_data_line, check_utf8=True)
        except _NotUtf8:
            if opts.encoding is not None:  # the user said UTF-8
                line, bad = _first_invalid_utf8(path)
                raise read_error("io.decode", lang, label, row=line, value=bad.hex(" "),
                                 encoding=opts.encoding, expected="utf-8") from None
            single_byte = "latin-1" if scan_future.result().cp1252_undefined else "cp1252"
            table, invalid, single_byte, encoding = parse_code_page()
            codec = encoding
    else:
        table, invalid, single_byte, page = parse_code_page()
        if single_byte is None:
            encoding = codec = page
    scan = scan_future.result()
    if single_byte == "cp1252" and opts.encoding is None and scan.cp1252_undefined:
        encoding = codec = single_byte = "latin-1"
        raw_header = source.head(header.end - header.start, header.start).rstrip(b"\r\n")
        cells = next(csv.reader([raw_header.decode("latin-1")], delimiter=parse_delim, quotechar='"'))
        names = _dedupe(cells, Problems(label, lang), header.first_line)
        table = table.rename_columns(names)
    if buffer is None and scan.nul_offset is not None:
        raise read_error("io.binary", lang, label, row=scan.nul_line, value="00", what="NUL",
                         expected="text")
    if buffer is None:
        n_lines = scan.n_lines
        odd_quotes = scan.quotes % 2 == 1
    else:
        n_lines = buffer.count(b"\n") + (0 if buffer.endswith(b"\n") else 1)
        odd_quotes = buffer.count(b'"') % 2 == 1
    quotes = scan.quotes > 0 or (buffer is not None and b'"' in buffer)
    n_records = table.num_rows + len(invalid)
    fast = (first_data_line - 1 + n_records == n_lines) and not odd_quotes
    unclosed = False
    if fast:
        record_lines = np.arange(first_data_line, first_data_line + n_records, dtype=np.int64)
        blanks = np.empty(0, dtype=np.int64)
    else:
        record_lines, blanks, unclosed = _record_lines(source, data_offset, first_data_line, quotes)
        if len(record_lines) != n_records:
            unclosed = False
            record_lines, blanks = _csv_module_lines(source, data_offset, first_data_line,
                                                     codec, parse_delim)
        if len(record_lines) != n_records:  # pragma: no cover - defensive
            raise read_error("io.parse_error", lang, label, value=f"{n_records} != {len(record_lines)}")
    for line in blanks.tolist():
        problems.add("io.blank_line", "note", row=line)

    keep = np.ones(n_records, dtype=bool)
    if unclosed and n_records and n_records not in {number for number, _, _ in invalid}:
        # the last record swallowed every line after its opening quote
        keep[n_records - 1] = False
        line = int(record_lines[n_records - 1])
        problems.add("io.unclosed_quote", "error", row=line,
                     value=_last_text(table, names, single_byte or "utf-8"),
                     expected='"')
        table = table.slice(0, table.num_rows - 1)
    for number, actual, text in invalid:
        line = int(record_lines[number - 1])
        keep[number - 1] = False
        expected = len(names)
        if text.startswith('"') and text.count('"') % 2 == 1:
            problems.add("io.unclosed_quote", "error", row=line, value=text[:200],
                         expected='"')
            continue
        column = names[actual] if actual < expected else f"#{expected + 1}"
        problems.add("io.cell_count", "error", row=line, column=column, value=text[:200],
                     expected=str(expected), got=actual)
    rows = record_lines[keep]
    if opts.on_bad_lines == "error":
        problems.raise_if_errors()

    if single_byte is not None:
        table = _transcode_table(table, single_byte, lang, label, rows)
    holder = [table]
    del table
    frame, decimal, thousands = _convert(holder, names, rows, delimiter, opts, problems)
    if opts.on_bad_lines == "error" or opts.strict:
        problems.raise_if_errors()
    if opts.strict:
        warnings = [r for r in problems.records if r["severity"] == "warning"]
        if warnings:
            for w in warnings:
                w["severity"] = "error"
            problems.raise_if_errors()
    info = CsvInfo(scan.sha256, encoding, delimiter, decimal, thousands, header.first_line, n_lines)
    return frame, info


def _last_text(table: pa.Table, names: list[str], codec: str) -> str:
    """The last row's cells joined, for a message (the table may still hold code-page bytes)."""
    if not table.num_rows:
        return ""
    cells = []
    for i in range(len(names)):
        raw = table.column(i).cast(pa.binary(), safe=False)[-1].as_py()
        cells.append("" if raw is None else raw.decode(codec, errors="replace"))
    return ";".join(cells)[:200]


class _NotUtf8(Exception):
    """The bytes are not UTF-8 (raised by the parse; the caller picks a code page)."""


class _RawRowText(Exception):
    """A bad row's raw code-page bytes could not be handed to the row handler."""


def _parse(source: _Source, offset: int, names: list[str], delimiter: str, opts: CsvOptions,
           label: str, first_line: int, check_utf8: bool,
           encoding: str = "utf8") -> tuple[pa.Table, list[tuple[int, int, str]]]:
    """Parse every cell as text in one pass; collect the records with a wrong cell count.

    Code-page files are parsed as raw bytes (``check_utf8=False``) and transcoded per
    column afterwards, which is much faster than transcoding the whole stream; a line
    with the wrong cell count then cannot reach the row handler as text, and the caller
    parses again with ``encoding=`` the code page.
    """
    invalid: list[tuple[int, int, str]] = []

    def handler(row: Any) -> str:
        invalid.append((int(row.number), int(row.actual_columns), str(row.text)))
        return "skip"

    rest = source.size() - offset
    if rest <= 0 or (rest < 1 << 16 and not source.head(rest, offset).strip(b"\r\n")):
        return pa.table({n: pa.array([], pa.string()) for n in names}), invalid
    read_options = pacsv.ReadOptions(use_threads=False, column_names=names, encoding=encoding,
                                     block_size=1 << 22)
    parse_options = pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                       escape_char=False, newlines_in_values=True,
                                       ignore_empty_lines=True, invalid_row_handler=handler)
    convert_options = pacsv.ConvertOptions(
        column_types={n: pa.string() for n in names},
        null_values=[""] + list(opts.na_values), strings_can_be_null=True,
        quoted_strings_can_be_null=True, check_utf8=check_utf8)
    stream = source.stream(offset)
    hook = sys.unraisablehook
    if not check_utf8:  # a bad row's raw bytes fail to reach the handler: we parse again
        sys.unraisablehook = _quiet_decode_errors(hook)
    try:
        table = pacsv.read_csv(stream, read_options=read_options, parse_options=parse_options,
                               convert_options=convert_options)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "utf8" in text.lower():
            raise _NotUtf8() from None
        if not check_utf8 and "Expected" in text and "columns" in text:
            raise _RawRowText() from None
        raise read_error("io.parse_error", opts.lang, label, row=first_line, value=text[:200]) from None
    finally:
        sys.unraisablehook = hook
        stream.close()
    return table, invalid


def _quiet_decode_errors(previous: Any) -> Any:
    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, UnicodeDecodeError):
            previous(unraisable)

    return hook


def _transcode_table(table: pa.Table, codec: str, lang: str, label: str,
                     rows: np.ndarray) -> pa.Table:
    """Decode the columns that hold non-ASCII bytes from ``codec`` to UTF-8."""
    columns = []
    for i, col in enumerate(table.columns):
        if col.null_count == len(col) or _ascii(col):
            columns.append(col)
            continue
        new, bad = transcode(col, codec)
        if bad is not None:
            raw = col.cast(pa.binary())[bad].as_py() or b""
            raise read_error("io.decode", lang, label, row=int(rows[bad]), column=table.column_names[i],
                             value=raw[:40].hex(" "), encoding=codec, expected=codec)
        columns.append(new)
    return pa.Table.from_arrays(columns, names=table.column_names)


def _ascii(col: Any) -> bool:
    from ._buffers import _chunks, _parts

    for chunk in _chunks(col):
        _, data = _parts(chunk)
        if len(data) and int(data.max()) >= 0x80:
            return False
    return True


def _convert(holder: list[pa.Table], names: list[str], rows: np.ndarray, delimiter: str | None,
             opts: CsvOptions, problems: Problems) -> tuple[pd.DataFrame, str | None, str | None]:
    """Turn number columns into numbers; report what breaks the file's convention.

    ``holder`` holds the parsed table and is emptied, so that each text column can be
    freed as soon as its converted version exists.
    """
    table = holder.pop()
    as_text = {c for c, t in opts.dtype.items() if t in (str, "str", "string", "text", "object")}
    unknown = [c for c in opts.dtype if c not in names]
    if unknown:
        raise read_error("io.unknown_column", opts.lang, problems.file, column=unknown[0],
                         expected=", ".join(names[:20]))
    columns: list[Any] = []
    candidates: dict[int, Any] = {}
    ints: dict[int, Any] = {}
    votes: dict[str, tuple[int, int, int]] = {}
    for i, name in enumerate(names):
        col = table.column(i)
        columns.append(col)
        if name in as_text or len(col) == col.null_count:
            continue
        head = col.slice(0, _EVIDENCE_ROWS).drop_null()
        try:
            pc.cast(head.slice(0, 64), pa.int64())  # a failed cast is slow: probe a few first
            ints[i] = pc.cast(col, pa.int64())
            candidates[i] = "int"
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ints[i] = False
        if len(head) == 0:
            head = col.drop_null()
        looks = pc.match_substring_regex(head, NUMERIC_LOOKING)
        share = pc.mean(looks.cast(pa.float64())).as_py() or 0.0
        if share >= 0.5:
            candidates[i] = "number"
            votes[name] = family_votes(head.filter(looks))
    default = "," if delimiter == ";" else "."
    if opts.decimal is None and votes and not any(v[0] or v[1] for v in votes.values()) and any(
            v[2] for v in votes.values()):
        # Nothing decisive in the first rows: look at every value of the ambiguous columns.
        for i, kind in candidates.items():
            if kind == "number" and votes[names[i]][2]:
                col = table.column(i).drop_null()
                votes[names[i]] = family_votes(col.filter(pc.match_substring_regex(col, NUMERIC_LOOKING)))
    thousands_opt = None if opts.thousands is None else (opts.thousands or "")
    decision = decide(votes, default, opts.decimal, thousands_opt)
    conv = decision.convention
    if decision.ambiguous and conv is not None:
        col_name, value, pos = _first_ambiguous(table, names, candidates)
        problems.add("io.ambiguous_numbers", "warning", row=int(rows[pos]) if pos is not None else None,
                     column=col_name, value=value,
                     expected=f"decimal={conv.decimal!r}, thousands={conv.thousands!r}",
                     decimal=conv.decimal, thousands=conv.thousands)
    seen_thousands = False
    seen_decimal = False
    del table

    def convert(i: int) -> Any:
        result = convert_column(columns[i], conv, opts.keep_leading_zeros, ints.pop(i, None))
        columns[i] = result.array  # the text version is released here
        result.array = None
        return result

    # numpy and Arrow release the GIL: two columns at a time use both cores of a small machine
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(convert, list(candidates))
    for i, result in zip(list(candidates), results):
        name = names[i]
        seen_thousands |= result.has_thousands
        seen_decimal |= result.has_decimal
        for pos, value in zip(result.bad_positions.tolist(), result.bad_values):
            problems.add("io.number_format", "error", row=int(rows[pos]), column=name, value=value,
                         expected=conv.example() if conv else "", decimal=conv.decimal if conv else "",
                         thousands=(conv.thousands or "") if conv else "")
        for pos, value in result.text_examples:
            problems.add("io.text_in_numbers", "note", row=int(rows[pos]), column=name, value=value,
                         share=f"{result.numeric_share:.0%}")
        del result
    out = pa.Table.from_arrays(columns, names=names)
    columns.clear()
    frame = out.to_pandas(split_blocks=True, self_destruct=True)
    del out
    frame.index = pd.Index(rows, name=ROW)
    for name, dtype in opts.dtype.items():
        if name in as_text:
            continue
        try:
            frame[name] = frame[name].astype(dtype)
        except (TypeError, ValueError) as exc:
            raise read_error("io.dtype", opts.lang, problems.file, column=name, value=str(exc)[:120],
                             expected=str(dtype)) from None
    decimal = conv.decimal if conv is not None and (seen_decimal or opts.decimal) else None
    thousands = conv.thousands if conv is not None and (seen_thousands or opts.thousands) else None
    if conv is not None and decision.ambiguous:
        decimal, thousands = conv.decimal, conv.thousands
    return frame, decimal, thousands


def _first_ambiguous(table: pa.Table, names: list[str],
                     candidates: Mapping[int, str]) -> tuple[str | None, str | None, int | None]:
    from ._numbers import _AMBIGUOUS

    for i, kind in candidates.items():
        if kind != "number":
            continue
        col = table.column(i)
        pos = pc.indices_nonzero(pc.fill_null(pc.match_substring_regex(col, _AMBIGUOUS), False))
        if len(pos):
            p = int(pos[0].as_py())
            return names[i], str(col[p].as_py()), p
    return None, None, None
