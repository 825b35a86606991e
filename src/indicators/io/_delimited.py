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
import unicodedata
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
from ._layout import JOIN, find_footer, header_names, locate
from ._numbers import column_evidence, convert_column, decide, record_result
from ._provenance import ROW, Problems, read_error

__all__ = ["CsvInfo", "read_delimited"]

_CHUNK = 1 << 22
_SAMPLE = 1 << 19
_TAIL = 1 << 16  # bytes read from the end of a large file to find notes under the table
_LAYOUT_ROWS = 60
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
    lone_cr: int = 0  # carriage returns not followed by a line feed (old Mac line ends)

    @property
    def n_lines(self) -> int:
        ended = self.last_byte in (0x0A, 0x0D)
        return self.newlines + self.lone_cr + (1 if self.size and not ended else 0)


def _scan(path: Path) -> _Scan:
    """One pass over the file in blocks: hash, newlines, quotes, NUL bytes, code-page hints.

    Runs in a worker thread beside the parse: hashing and numpy release the GIL.
    """
    scan = _Scan()
    digest = hashlib.sha256()
    offset = 0
    last = b""
    pending_cr = False
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
            if pending_cr:  # the previous block ended with a carriage return
                scan.lone_cr += 0 if chunk.startswith(b"\n") else 1
                pending_cr = False
            if b"\r" in chunk:
                lone = chunk.count(b"\r") - chunk.count(b"\r\n")
                if chunk.endswith(b"\r"):
                    lone -= 1
                    pending_cr = True
                scan.lone_cr += lone
            if b'"' in chunk:
                scan.quotes += int(np.count_nonzero(arr == 0x22))
            last = chunk[-1:]
            offset += len(chunk)
    if pending_cr:
        scan.lone_cr += 1  # the file ends with a carriage return
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


_LINE_END = re.compile(rb"\r\n|\n|\r")
_INNER_QUOTE = re.compile(rb'(?<=[A-Za-z0-9\x80-\xff])"(?=[A-Za-z0-9\x80-\xff])')


def _sample_records(sample: bytes, start: int, encoding: str, complete: bool,
                    limit: int = _SAMPLE_RECORDS) -> list[_Record]:
    """Split the sample into records (quote-aware), each with its first line and byte span.

    Lines end with LF, CRLF or a lone CR, as editors count them. A quote between two
    letters (``ab"c``) is taken as text, not as the start of a quoted field.
    """
    pieces: list[tuple[bytes, int]] = []  # (line, length with its line end)
    pos = 0
    for m in _LINE_END.finditer(sample):
        pieces.append((sample[pos:m.start()], m.end() - pos))
        pos = m.end()
    if pos < len(sample) and complete:
        pieces.append((sample[pos:], len(sample) - pos))
    records: list[_Record] = []
    offset = start
    buf: list[str] = []
    first = 1
    quotes = 0
    filled = 0
    rec_start = start
    for number, (raw, length) in enumerate(pieces, start=1):
        if not buf:
            first = number
            rec_start = offset
        buf.append(raw.decode(encoding, errors="replace"))
        if b'"' in raw:
            quotes += _INNER_QUOTE.sub(b"", raw).count(b'"')
        offset += length
        if quotes % 2 == 0:
            records.append(_Record("\n".join(buf), first, len(buf), offset, rec_start))
            filled += bool(records[-1].text.strip())
            buf, quotes = [], 0
            if filled >= limit:  # blank lines do not count: a table after many of them is still sampled
                break
    if buf and complete:
        records.append(_Record("\n".join(buf), first, len(buf), offset, rec_start))
    return records


def _detect_delimiter(records: Sequence[_Record], suffix: str) -> tuple[str | None, list[str]]:
    """Choose the delimiter whose count (outside quotes) is the same on the most records.

    Only the records from the first to the last holding the candidate count: title
    lines above a table and notes under it often hold no delimiter at all.
    """
    texts = [_QUOTED.sub('""', r.text) for r in records if r.text.strip()]
    if not texts:
        return None, []
    scores: dict[str, int] = {}
    for cand in _CANDIDATES:
        counts = [t.count(cand) for t in texts]
        holding = [i for i, c in enumerate(counts) if c]
        if not holding:
            continue
        window = counts[holding[0]:holding[-1] + 1]
        _mode, freq = Counter(c for c in window if c).most_common(1)[0]
        if freq < 2 and len(texts) > 1 and len(window) < len(texts):
            continue  # one line with a comma among lines without: text, not a delimiter
        if freq / len(window) < 0.5:  # a delimiter splits (nearly) every line the same way
            continue
        scores[cand] = freq
    if not scores:
        return None, []
    best = max(scores.values())
    tied = [c for c, f in scores.items() if f >= best]
    order = ("\t",) + _PREFERENCE if suffix == ".tsv" else _PREFERENCE
    tied.sort(key=order.index)
    return tied[0], tied[1:]


def _dedupe(names: list[str], problems: Problems, header_line: int) -> list[str]:
    """Unique column names: a repeated name gets ``.1``, ``.2``; the original is kept."""
    out: list[str] = []
    seen: Counter[str] = Counter()
    for i, name in enumerate(names):
        base = name.strip() or f"Unnamed: {i}"
        new = base
        while new in seen:
            new = f"{base}.{seen[base]}"
            seen[base] += 1
        if new != name:
            problems.found.columns_original[new] = name
        if new != base:
            problems.add("io.duplicate_column", "note", row=header_line, column=new, value=name)
        seen[new] += 1
        out.append(new)
    return out


class _Source:
    """The bytes to parse: the file on disk, or a transcoded copy in memory (UTF-16)."""

    def __init__(self, path: Path, buffer: bytes | None) -> None:
        self.path = path
        self.buffer = buffer
        self.end: int | None = None  # where the table ends (notes follow)

    def head(self, n: int, start: int) -> bytes:
        if self.buffer is not None:
            return self.buffer[start:start + n]
        with self.path.open("rb") as fh:
            fh.seek(start)
            return fh.read(n)

    def size(self) -> int:
        """Bytes up to the end of the table (the file's size when no notes follow it)."""
        if self.end is not None:
            return self.end
        return len(self.buffer) if self.buffer is not None else self.path.stat().st_size

    def stream(self, offset: int) -> Any:
        if self.end is not None:
            if self.buffer is not None:
                return pa.BufferReader(pa.py_buffer(self.buffer[offset:self.end]))
            with pa.memory_map(str(self.path)) as mapped:
                return pa.BufferReader(mapped.read_at(self.end - offset, offset))
        if self.buffer is not None:
            reader = pa.BufferReader(pa.py_buffer(self.buffer))
        else:
            reader = pa.OSFile(str(self.path), "r")
        reader.seek(offset)
        return reader

    def array(self) -> np.ndarray:
        if self.buffer is not None:
            return np.frombuffer(self.buffer, dtype=np.uint8)[:self.size()]
        if self.size() == 0:
            return np.empty(0, dtype=np.uint8)
        return np.memmap(self.path, dtype=np.uint8, mode="r")[:self.size()]


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
                      delimiter: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """The same as :func:`_record_lines` through the csv module (quotes inside fields,
    lone carriage returns); also whether the last record ends inside an open quote."""
    raw = source.head(source.size() - offset, offset)
    text = raw.decode(encoding, errors="replace")
    starts: list[int] = []

    def lines() -> Any:
        pos = 0
        for line in io.StringIO(text, newline=""):
            starts.append(pos)
            pos += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    found: list[int] = []
    blanks: list[int] = []
    previous = 0
    last_start = 0
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        for row in reader:
            (found if row else blanks).append(first_line + previous)
            last_start = previous
            previous = reader.line_num
    except csv.Error:
        pass
    finally:
        csv.field_size_limit(limit)
    unclosed = bool(found) and _open_quote_at_end(
        text[starts[last_start]:] if last_start < len(starts) else "", delimiter)
    return np.asarray(found, dtype=np.int64), np.asarray(blanks, dtype=np.int64), unclosed


def _open_quote_at_end(text: str, delimiter: str) -> bool:
    """True when a quoted field opened in ``text`` (one record to the end) never closes."""
    in_quotes = field_start = True
    in_quotes = False
    closed = False
    for ch in text:
        if in_quotes:
            if ch == '"':
                in_quotes, closed = False, True
            continue
        if ch == '"' and (field_start or closed):
            in_quotes, closed = True, False
            field_start = False
            continue
        closed = False
        field_start = ch in (delimiter, "\n", "\r")
    return in_quotes


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
    markers: frozenset[str] | None = None  # missing markers read as missing in number columns
    header_rows: int | None = None
    footer: int | None = None
    fixed_width: bool | None = None


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


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 with a few bad bytes: more valid multi-byte characters than invalid sequences.

    Text in a code page hardly ever forms valid UTF-8 sequences (``é`` in cp1252 is one
    byte, ``E9``, followed by ASCII), so a file whose accents decode as UTF-8 is UTF-8
    even when a stray byte does not.
    """
    text = sample.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd")
    bad = replaced - sample.count("\ufffd".encode())
    good = len(text) - len(text.encode("ascii", "ignore")) - replaced  # characters beyond ASCII
    return bad > 0 and good > bad


def _replace_invalid_utf8(path: Path) -> tuple[bytes, list[tuple[int, str]]] | None:
    """The file with each byte of an invalid UTF-8 sequence replaced by ``?`` (offsets kept).

    ``None`` when the file is not mostly UTF-8 (as :func:`_mostly_utf8`): then it is a
    code page. Lines and bytes of the replaced sequences are returned for the report.
    """
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    good = bad = 0
    with path.open("rb") as fh:   # the evidence first, a block at a time
        while chunk := fh.read(_CHUNK):
            text = decoder.decode(chunk)
            replaced = text.count("\ufffd")
            bad += replaced - chunk.count("\ufffd".encode())
            good += len(text) - len(text.encode("ascii", errors="ignore")) - replaced
    if not (bad > 0 and good > bad):
        return None
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="surrogateescape")
    found: list[tuple[int, str]] = []
    for m in re.finditer("[\udc80-\udcff]+", text):
        line = text.count("\n", 0, m.start()) + 1
        found.append((line, " ".join(f"{ord(c) - 0xDC00:02x}" for c in m.group())))
    clean = re.sub("[\udc80-\udcff]", "?", text).encode("utf-8")
    return clean, found


@dataclass
class _Encoding:
    """How the bytes are decoded: the name reported, the codec of the parse, and more."""

    encoding: str
    codec: str
    bom: int = 0
    single_byte: str | None = None  # parse raw bytes, transcode text columns from this codec
    buffer: bytes | None = None  # a transcoded copy (UTF-16, multi-byte code pages)
    replaced: list[tuple[int, str]] = field(default_factory=list)  # (line, bytes) of invalid UTF-8 replaced


def read_delimited(path: Path, label: str, opts: CsvOptions,
                   problems: Problems) -> tuple[pd.DataFrame, CsvInfo]:
    """Read a delimited text file; see :func:`indicators.read`.

    Phases: choose the encoding, sample the first records, find the delimiter, locate
    the table (title rows, header rows, notes at the end), parse the body once, number
    its records by line, convert the number columns.
    """
    lang = opts.lang
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE + 4)
    if not head:
        raise read_error("io.empty", lang, label)
    pool = ThreadPoolExecutor(max_workers=1)
    scan_future = pool.submit(_scan, path)
    pool.shutdown(wait=False)
    enc = _choose_encoding(path, head, opts, problems)
    source = _Source(path, enc.buffer)
    records = _first_records(source, enc, label, lang)
    delimiter = _choose_delimiter(records, path, opts, problems)
    if delimiter is None:
        fixed = _fixed_width_plan(records, opts, label)
        if fixed is not None:
            return _read_fixed(source, enc, fixed, opts, problems, scan_future.result())
    parse_delim = delimiter if delimiter is not None else "\x1f"
    table_at = _locate_table(records, source, enc, parse_delim, opts, problems)
    table, invalid, enc = _parse_body(source, enc, table_at, parse_delim, opts, label, scan_future)
    for line, raw in enc.replaced:
        problems.add("io.invalid_utf8", "warning", row=line, value=raw)
    scan = scan_future.result()
    if enc.single_byte == "cp1252" and opts.encoding is None and scan.cp1252_undefined:
        enc.encoding = enc.codec = enc.single_byte = "latin-1"
        table = table.rename_columns(_header_again(source, table_at, parse_delim, label, lang))
    if enc.buffer is None and scan.nul_offset is not None:
        raise read_error("io.binary", lang, label, row=scan.nul_line, value="00", what="NUL",
                         expected="text")
    n_lines = _line_count(scan, enc)
    rows, table = _number_records(source, enc, table, invalid, table_at, parse_delim, n_lines,
                                  scan, opts, problems)
    if opts.on_bad_lines == "error":
        problems.raise_if_errors()
    if enc.single_byte is not None:
        table = _transcode_table(table, enc.single_byte, lang, label, rows)
    _report_swallowed(table, table_at.names, rows, parse_delim, problems)
    table, rows = _drop_empty_rows(table, rows, problems)
    holder = [table]
    del table
    frame, decimal, thousands = _convert(holder, table_at.names, rows, delimiter, opts, problems)
    _finish_strictness(opts, problems)
    info = CsvInfo(scan.sha256, enc.encoding, delimiter, decimal, thousands,
                   table_at.header_line, n_lines)
    return frame, info


def _finish_strictness(opts: CsvOptions, problems: Problems) -> None:
    """``on_bad_lines="error"`` raises every error; ``strict=True`` every warning too."""
    if opts.on_bad_lines == "error" or opts.strict:
        problems.raise_if_errors()
    if opts.strict:
        warnings = [r for r in problems.records if r["severity"] == "warning"]
        if warnings:
            for w in warnings:
                w["severity"] = "error"
            problems.raise_if_errors()


def _choose_encoding(path: Path, head: bytes, opts: CsvOptions, problems: Problems) -> _Encoding:
    """The encoding given, or detected: BOM, UTF-8, cp1252, latin-1, or another code page."""
    lang, label = opts.lang, problems.file
    given = _python_codec(opts.encoding) if opts.encoding else ""
    if opts.encoding is not None and not given:
        raise read_error("io.unknown_encoding", lang, label, value=opts.encoding,
                         expected="utf-8, cp1252, latin-1, utf-16")
    utf16 = given.startswith("utf-16") or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    _check_binary(head, label, lang, utf16)
    detected = False
    if not given and not utf16 and not head.startswith(codecs.BOM_UTF8) and not _valid_utf8(
            head[:_SAMPLE]) and not _mostly_utf8(head[:_SAMPLE]):
        guess = _code_page(head[:_SAMPLE], label, lang)
        if guess not in ("cp1252", "latin-1"):
            given, detected = guess, True
            problems.add("io.encoding_detected", "warning", value=guess)
    if utf16 or (given and not given.startswith("utf-8") and single_byte_table(given) is None):
        codec = given or "utf-16"
        encoding = opts.encoding or (codec if detected else "utf-16")
        try:
            text = path.read_bytes().decode(codec)
        except UnicodeDecodeError as exc:
            code = "io.undecodable" if detected else "io.decode_file"
            raise read_error(code, lang, label, value=exc.object[exc.start:exc.start + 2].hex(" "),
                             encoding=encoding, expected=encoding) from None
        return _Encoding(encoding, "utf-8", buffer=text.lstrip("\ufeff").encode("utf-8"))
    if given:
        encoding = opts.encoding or given
        if given.startswith("utf-8"):
            return _Encoding(encoding, "utf-8", 3 if head.startswith(codecs.BOM_UTF8) else 0)
        return _Encoding(encoding, given, single_byte=given)
    if head.startswith(codecs.BOM_UTF8):
        return _Encoding("utf-8-sig", "utf-8", 3)
    if _valid_utf8(head[:_SAMPLE]) or _mostly_utf8(head[:_SAMPLE]):
        return _Encoding("utf-8", "utf-8")  # confirmed by the parse, which checks every byte
    # cp1252 unless a byte undefined in it shows up (checked over the whole file later)
    page = "latin-1" if any(b in head for b in _CP1252_UNDEFINED) else "cp1252"
    return _Encoding(page, page, single_byte=page)


_PLAUSIBLE = set("€…–—‘’“”«»¿¡ºª°·§©®±²³½¼×•™\u00a0")


def _implausible_share(text: str) -> float:
    """Share of the non-ASCII characters that real text would hardly hold there.

    Strong signs of a wrong code page count whole: letters of two scripts in one word,
    capitals after small letters, and runs of three or more non-ASCII Latin letters
    (Western words have accents one at a time: ``ñ``, ``ção``; text in another code
    page read as cp1252 gives ``Ïðèâåò``). Symbols outside the usual ones, and usual
    signs inside a word (``Pe–alolén``, ``a¡o``), count a third: people type odd
    things; other symbols inside a word (``Pe¤alol‚n``) count whole. Cyrillic or Greek read in its own page scores low.
    """
    bad = 0.0
    total = 0
    for m in _NON_ASCII.finditer(text):
        run = 0
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        chars = m.group()
        for k, ch in enumerate(chars):
            total += 1
            prev = chars[k - 1] if k else before
            nxt = chars[k + 1] if k + 1 < len(chars) else after
            if ch in _PLAUSIBLE:
                run = 0
                if (ch in "–—…„“”" and prev.isalpha() and nxt.isalpha()) or (ch in "¡¿" and prev.isalpha()):
                    bad += 1 / 3
                continue
            if not ch.isalpha():
                run = 0
                bad += 1 if prev.isalpha() and nxt.isalpha() else 1 / 3  # "Pe¤alol‚n": a broken word
                continue
            script = _script(ch)
            run = run + 1 if script == "LATIN" else 0
            if (script == "LATIN" and ord(ch) > 0x24F or run >= 3
                    or (prev.isalpha() and _script(prev) != script)
                    or (ch.isupper() and prev.islower())):
                bad += 1
    return bad / total if total else 0.0


def _script(ch: str) -> str:
    """The script a letter belongs to (``LATIN``, ``CYRILLIC``...), from its Unicode name."""
    return unicodedata.name(ch, "?").split(" ", 1)[0] if ch.isalpha() else ""


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _code_page(sample: bytes, label: str, lang: str) -> str:
    """cp1252 (or latin-1) when the text reads as Western text; else charset detection.

    A detected page is taken only when it reads clearly better than cp1252 (half the
    implausible characters or fewer); a multi-byte guess only if it leaves every ASCII
    delimiter in place. Bytes that read badly in every page and are not all
    Windows-1252 characters are refused.
    """
    page = "latin-1" if any(b in sample for b in _CP1252_UNDEFINED) else "cp1252"
    high = sum(1 for b in sample if b >= 0x80) if len(sample) < 4096 else len(sample)
    western = _implausible_share(sample[:1 << 16].decode(page, errors="replace"))
    if high < 16 or western < 0.3:
        return page  # too few non-ASCII bytes to tell code pages apart: the usual one
    from charset_normalizer import from_bytes

    for match in from_bytes(sample):
        candidate = _python_codec(match.encoding)
        if not candidate or candidate.startswith("utf"):
            continue
        text = sample.decode(candidate, errors="replace")
        if single_byte_table(candidate) is None and any(
                text.count(d) != sample.count(d.encode()) for d in ";,\t|\n"):
            continue
        if _implausible_share(text[:1 << 16]) <= western / 2:
            return candidate
    if page == "cp1252":
        return page  # every byte is a Windows-1252 character and no page reads better
    i = next((k for k, b in enumerate(sample) if b >= 0x80), 0)
    raise read_error("io.undecodable", lang, label, value=sample[i:i + 2].hex(" "),
                     expected="encoding=")


def _first_records(source: _Source, enc: _Encoding, label: str, lang: str) -> list[_Record]:
    sample = source.head(_SAMPLE, enc.bom)
    complete = enc.bom + len(sample) >= source.size()
    records = _sample_records(sample, enc.bom, enc.codec, complete)
    if not records and not complete:  # one enormous first line
        records = _sample_records(source.head(source.size(), enc.bom), enc.bom, enc.codec, True)
    if not any(r.text.strip() for r in records):
        raise read_error("io.empty", lang, label)
    return records


def _choose_delimiter(records: list[_Record], path: Path, opts: CsvOptions,
                      problems: Problems) -> str | None:
    if opts.delimiter is not None:
        return opts.delimiter
    if opts.fixed_width:
        return None
    delimiter, others = _detect_delimiter(records, path.suffix.lower())
    if others:
        problems.add("io.ambiguous_delimiter", "warning", value=delimiter,
                     expected=", ".join(repr(o) for o in others),
                     chosen=repr(delimiter), others=", ".join(repr(o) for o in others))
    return delimiter


def _cells(text: str, delimiter: str) -> list[str]:
    """The cells of one record (for detection; never raises)."""
    if not text:
        return []
    try:
        return next(csv.reader([text.replace("\r", "\n")], delimiter=delimiter, quotechar='"',
                               doublequote=True, strict=False), [])
    except csv.Error:
        return text.split(delimiter)


@dataclass
class _TableAt:
    """Where the table is in the file: header, names, body from ``offset`` to ``end``."""

    names: list[str]
    header_line: int
    offset: int
    first_line: int
    end: int | None = None  # byte offset where the notes under the table start
    header_spans: list[tuple[int, int]] = field(default_factory=list)


def _locate_table(records: list[_Record], source: _Source, enc: _Encoding, delimiter: str,
                  opts: CsvOptions, problems: Problems) -> _TableAt:
    """Title rows, header rows (joined), and the notes under the table."""
    lang, label = opts.lang, problems.file
    lead = next((i for i, r in enumerate(records) if r.text.strip()), 0)  # blank lines before the table
    grid = [_cells(r.text, delimiter) for r in records[:lead + _LAYOUT_ROWS]]
    top = None
    if opts.header_row is not None:
        matches = [i for i, r in enumerate(records) if r.first_line == opts.header_row]
        if not matches:
            raise read_error("io.header_row", lang, label, row=opts.header_row,
                             value=opts.header_row, expected=f"1..{records[-1].first_line}")
        top = matches[0]
        if top >= len(grid):
            grid += [_cells(r.text, delimiter) for r in records[len(grid):top + 8]]
    layout = locate(grid, top, opts.header_rows)
    for i in sorted(layout.blanks + layout.titles):
        if i in layout.blanks:
            problems.add("io.blank_line", "note", row=records[i].first_line)
        else:
            problems.add("io.title_line", "note", row=records[i].first_line,
                         value=records[i].text[:200])
            problems.found.title_rows.append(records[i].first_line)
    header = [records[i] for i in layout.header]
    raw = header_names([grid[i] for i in layout.header])
    if len(header) > 1:
        lines = [r.first_line for r in header]
        problems.add("io.header_joined", "note", row=lines[0], value=f"{lines[0]}-{lines[-1]}",
                     example=next((n for n in raw if JOIN in n), raw[-1]))
    problems.found.header_rows = [r.first_line for r in header]
    names = _dedupe(raw, problems, header[-1].first_line)
    last = header[-1]
    at = _TableAt(names, header[0].first_line, last.end, last.first_line + last.n_lines,
                  header_spans=[(r.start, r.end) for r in header])
    _locate_footer(records, source, enc, delimiter, at, opts, problems)
    return at


def _locate_footer(records: list[_Record], source: _Source, enc: _Encoding, delimiter: str,
                   at: _TableAt, opts: CsvOptions, problems: Problems) -> None:
    """Notes under the table: found in the last lines (or ``footer=`` of them)."""
    if opts.footer == 0:
        return
    size = source.size()
    if records and records[-1].end >= size:
        tail = [r for r in records if r.start >= at.offset]
    else:
        start = max(at.offset, size - _TAIL)
        raw = source.head(size - start, start)
        cut = raw.find(b"\n") + 1 if start > at.offset else 0
        tail = _sample_records(raw[cut:], start + cut, enc.codec, True, limit=len(raw))
        for r in tail:
            r.first_line = -1  # numbered once notes are found
    if not tail:
        return
    grid = [_cells(r.text, delimiter) for r in tail]
    count, notes = find_footer(grid, opts.footer)
    if opts.footer is not None and len(notes) < opts.footer:
        raise read_error("io.footer", opts.lang, problems.file, value=opts.footer,
                         expected=f"0..{len(notes)}")
    if not notes:
        return
    first = tail[len(tail) - count]
    at.end = first.start
    if any(r.first_line < 0 for r in tail):
        _number_tail(source, tail)
    for i in notes:
        text = " ".join(c.strip() for c in grid[i] if c.strip())
        problems.add("io.footnote", "note", row=tail[i].first_line, value=text[:200])
        problems.found.notes.append(text)
        problems.found.footer_rows.append(tail[i].first_line)
    for r, cells in zip(tail[len(tail) - count:], grid[len(tail) - count:]):
        if not any(c.strip() for c in cells):
            problems.add("io.blank_line", "note", row=r.first_line)


def _number_tail(source: _Source, tail: list[_Record]) -> None:
    """Line numbers of records read from the end of a large file."""
    before = _count_lines(source.head(tail[0].start, 0))
    line = before + 1
    for r in tail:
        r.first_line = line
        line += r.n_lines


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _header_again(source: _Source, at: _TableAt, delimiter: str, label: str,
                  lang: str) -> list[str]:
    """The header decoded as latin-1 (a byte undefined in cp1252 was found later)."""
    rows = [_cells(source.head(b - a, a).decode("latin-1").rstrip("\r\n"), delimiter)
            for a, b in at.header_spans]
    names = header_names(rows)
    names = (names + at.names[len(names):])[:len(at.names)]
    return _dedupe(names, Problems(label, lang), at.first_line - 1)


def _parse_body(source: _Source, enc: _Encoding, at: _TableAt, delimiter: str, opts: CsvOptions,
                label: str, scan_future: Any) -> tuple[pa.Table, list[tuple[int, int, str]], _Encoding]:
    """One pass of the parser over the body; code pages are parsed as raw bytes."""
    lang = opts.lang
    source.end = at.end
    names, offset, first = at.names, at.offset, at.first_line
    if enc.single_byte is None:
        try:
            table, invalid = _parse(source, offset, names, delimiter, opts, label, first,
                                    check_utf8=True)
            return table, invalid, enc
        except _NotUtf8:
            if opts.encoding is not None:  # the user said UTF-8
                line, bad = _first_invalid_utf8(source.path)
                raise read_error("io.decode", lang, label, row=line, value=bad.hex(" "),
                                 encoding=opts.encoding, expected="utf-8") from None
            fixed = _replace_invalid_utf8(source.path) if enc.buffer is None else None
            if fixed is not None:
                buffer, replaced = fixed
                clean = _Source(source.path, buffer)
                clean.end = at.end
                table, invalid = _parse(clean, offset, names, delimiter, opts, label, first, check_utf8=True)
                return table, invalid, _Encoding(enc.encoding, "utf-8", enc.bom, buffer=buffer, replaced=replaced)
            page: str = "latin-1" if scan_future.result().cp1252_undefined else "cp1252"
            enc = _Encoding(page, page, enc.bom, single_byte=page)
    page = enc.single_byte or "cp1252"
    try:
        table, invalid = _parse(source, offset, names, delimiter, opts, label, first,
                                check_utf8=False)
        return table, invalid, enc
    except _RawRowText:  # a bad line must be reported: let Arrow transcode instead
        if opts.encoding is None and scan_future.result().cp1252_undefined:
            page = "latin-1"
        try:
            table, invalid = _parse(source, offset, names, delimiter, opts, label, first,
                                    check_utf8=True, encoding=page)
        except UnicodeDecodeError as exc:
            raise read_error("io.decode_file", lang, label,
                             value=exc.object[exc.start:exc.start + 2].hex(" "),
                             encoding=page, expected=page) from None
        return table, invalid, _Encoding(page, page, enc.bom)


def _line_count(scan: _Scan, enc: _Encoding) -> int:
    if enc.buffer is None:
        return scan.n_lines
    buffer = enc.buffer
    return _count_lines(buffer) + (0 if buffer.endswith((b"\n", b"\r")) or not buffer else 1)


def _number_records(source: _Source, enc: _Encoding, table: pa.Table,
                    invalid: list[tuple[int, int, str]], at: _TableAt, delimiter: str,
                    n_lines: int, scan: _Scan, opts: CsvOptions,
                    problems: Problems) -> tuple[np.ndarray, pa.Table]:
    """The line of every record; bad records reported and taken out of the table."""
    buffer = enc.buffer
    odd_quotes = (scan.quotes if buffer is None else buffer.count(b'"')) % 2 == 1
    quotes = scan.quotes > 0 or (buffer is not None and b'"' in buffer)
    n_records = table.num_rows + len(invalid)
    last_line = n_lines if at.end is None else _count_lines(source.head(at.end, 0)) + (
        0 if source.head(1, at.end - 1) in (b"\n", b"\r") else 1)
    fast = (at.first_line - 1 + n_records == last_line) and not odd_quotes and not scan.lone_cr
    unclosed = False
    if fast:
        record_lines = np.arange(at.first_line, at.first_line + n_records, dtype=np.int64)
        blanks = np.empty(0, dtype=np.int64)
    else:
        record_lines, blanks = np.empty(0, np.int64), np.empty(0, np.int64)
        if not odd_quotes and not scan.lone_cr:
            record_lines, blanks, _ = _record_lines(source, at.offset, at.first_line, quotes)
        if len(record_lines) != n_records:
            record_lines, blanks, unclosed = _csv_module_lines(source, at.offset, at.first_line,
                                                               enc.codec, delimiter)
        if len(record_lines) != n_records or (len(record_lines) and record_lines[-1] > last_line):
            raise read_error("io.parse_error", opts.lang, problems.file, row=at.first_line,
                             value=f"{n_records} records, {len(record_lines)} found")
    for line in blanks.tolist():
        problems.add("io.blank_line", "note", row=line)
    keep = np.ones(n_records, dtype=bool)
    if unclosed and n_records and n_records not in {number for number, _, _ in invalid}:
        # the last record swallowed every line after its opening quote
        keep[n_records - 1] = False
        problems.add("io.unclosed_quote", "error", row=int(record_lines[n_records - 1]),
                     value=_last_text(table, at.names, enc.single_byte or "utf-8"), expected='"')
        table = table.slice(0, table.num_rows - 1)
    for number, actual, text in invalid:
        line = int(record_lines[number - 1])
        keep[number - 1] = False
        expected = len(at.names)
        if text.startswith('"') and text.count('"') % 2 == 1:
            problems.add("io.unclosed_quote", "error", row=line, value=text[:200], expected='"')
            continue
        column = at.names[actual] if actual < expected else f"#{expected + 1}"
        problems.add("io.cell_count", "error", row=line, column=column, value=text[:200],
                     expected=str(expected), got=actual)
    return record_lines[keep], table


def _drop_empty_rows(table: pa.Table, rows: np.ndarray,
                     problems: Problems) -> tuple[pa.Table, np.ndarray]:
    """Rows of delimiters only (``;;;;``, a separator row) are blank lines, not data."""
    if not table.num_rows or any(col.null_count == 0 for col in table.columns):
        return table, rows
    empty = pc.is_null(table.column(0))
    for col in table.columns[1:]:
        empty = pc.and_(empty, pc.is_null(col))
    mask = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    if not mask.any():
        return table, rows
    for line in rows[mask].tolist():
        problems.add("io.blank_line", "note", row=int(line))
    return table.filter(pa.array(~mask)), rows[~mask]


def _report_swallowed(table: pa.Table, names: list[str], rows: np.ndarray, delimiter: str,
                      problems: Problems) -> None:
    """A cell holding a line break followed by the delimiter: lines swallowed by a quote."""
    if len(rows) < 2 or not (np.diff(rows) > 1).any():
        return
    width = max(1, len(names) - 1)
    for i, name in enumerate(names):
        col = table.column(i)
        if not pa.types.is_string(col.type) or col.null_count == len(col):
            continue
        # a swallowed line is a whole record: as many delimiters after the line break as a row has
        hit = pc.fill_null(pc.match_substring_regex(col, "[\r\n]" + ("[^\r\n]*" + re.escape(delimiter)) * width),
                           False)
        for pos in pc.indices_nonzero(hit).to_pylist()[:20]:
            text = str(col[pos].as_py())
            n = text.count("\n") + 1
            problems.add("io.swallowed_lines", "warning", row=int(rows[pos]), column=name,
                         value=text[:120].replace("\n", "\\n"), n=n, end=int(rows[pos]) + n - 1)


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
    undecoded: list[UnicodeDecodeError] = []
    # a bad row whose bytes are not UTF-8 fails to reach the handler (Arrow decodes its text first):
    # nothing is printed on the user's terminal, and the body is parsed again (as a code page, or
    # transcoded by Arrow) so that the row is reported
    sys.unraisablehook = _quiet_decode_errors(hook, undecoded)
    try:
        table = pacsv.read_csv(stream, read_options=read_options, parse_options=parse_options,
                               convert_options=convert_options)
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "utf8" in text.lower() or (undecoded and check_utf8 and encoding == "utf8"):
            raise _NotUtf8() from None
        if not check_utf8 and "Expected" in text and "columns" in text:
            raise _RawRowText() from None
        raise read_error("io.parse_error", opts.lang, label, row=first_line, value=text[:200]) from None
    finally:
        sys.unraisablehook = hook
        stream.close()
    if undecoded:
        if check_utf8 and encoding == "utf8":
            raise _NotUtf8()
        if not check_utf8:
            raise _RawRowText()
        raise read_error("io.parse_error", opts.lang, label, row=first_line, value=str(undecoded[0])[:200])
    return table, invalid


def _quiet_decode_errors(previous: Any, seen: list[UnicodeDecodeError]) -> Any:
    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, UnicodeDecodeError):
            seen.append(unraisable.exc_value)
        else:
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
    columns, candidates, ints, votes = _number_candidates(table, names, as_text, opts)
    decision = _decide_convention(table, names, rows, delimiter, candidates, votes, opts, problems)
    conv = decision.convention
    del table
    seen_decimal, seen_thousands, seen_spaces = _convert_numbers(columns, names, rows, candidates, ints, conv,
                                                                 opts, problems)
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
    if seen_spaces and not seen_thousands:
        thousands = " "
    return frame, decimal, thousands


def _number_candidates(table: pa.Table, names: list[str], as_text: set[str], opts: CsvOptions) -> tuple[
        list[Any], dict[int, Any], dict[int, Any], dict[str, tuple[int, int, int]]]:
    """The columns; those that may hold numbers (``"int"`` or ``"number"``), the integer casts already
    made, and each number column's votes for a convention (from its first rows)."""
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
        numeric, column_votes = column_evidence(head, opts.markers)
        if numeric:
            candidates[i] = "number"
            votes[name] = column_votes
    return columns, candidates, ints, votes


def _decide_convention(table: pa.Table, names: list[str], rows: np.ndarray, delimiter: str | None,
                       candidates: dict[int, Any], votes: dict[str, tuple[int, int, int]], opts: CsvOptions,
                       problems: Problems) -> Any:
    """The file's number convention from the votes (every value of the ambiguous columns when the first
    rows decide nothing); an assumed convention is reported."""
    default = "," if delimiter == ";" else "."
    if opts.decimal is None and votes and not any(v[0] or v[1] for v in votes.values()) and any(
            v[2] for v in votes.values()):
        # Nothing decisive in the first rows: look at every value of the ambiguous columns.
        for i, kind in candidates.items():
            if kind == "number" and votes[names[i]][2]:
                votes[names[i]] = column_evidence(table.column(i).drop_null(), opts.markers)[1]
    thousands_opt = None if opts.thousands is None else (opts.thousands or "")
    decision = decide(votes, default, opts.decimal, thousands_opt)
    conv = decision.convention
    if decision.ambiguous and conv is not None:
        col_name, value, pos = _first_ambiguous(table, names, candidates)
        problems.add("io.ambiguous_numbers", "warning", row=int(rows[pos]) if pos is not None else None,
                     column=col_name, value=value,
                     expected=f"decimal={conv.decimal!r}, thousands={conv.thousands!r}",
                     decimal=conv.decimal, thousands=conv.thousands)
    return decision


def _convert_numbers(columns: list[Any], names: list[str], rows: np.ndarray, candidates: dict[int, Any],
                     ints: dict[int, Any], conv: Any, opts: CsvOptions,
                     problems: Problems) -> tuple[bool, bool, bool]:
    """Convert the candidate columns in place and report each; whether a decimal mark, a thousands
    mark and spaces as thousands marks were seen."""
    seen_thousands = False
    seen_decimal = False
    seen_spaces = False

    def convert(i: int) -> Any:
        result = convert_column(columns[i], conv, opts.keep_leading_zeros, ints.pop(i, None),
                                opts.markers)
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
        seen_spaces |= result.space_thousands
        record_result(problems, name, result, rows, conv)
        del result
    return seen_decimal, seen_thousands, seen_spaces


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


_GAP = re.compile(r"\S {2,}\S")


def _fixed_width_plan(records: list[_Record], opts: CsvOptions, label: str) -> list[int] | None:
    """Column start positions when text without delimiter is aligned; else None or an error.

    A file of one column (a list of names) has no delimiter and no gaps: read as is.
    """
    texts = [r.text.rstrip() for r in records if r.text.strip()]
    gappy = sum(1 for t in texts if _GAP.search(t.strip()))
    if opts.fixed_width is False:
        if gappy * 2 > len(texts):
            raise read_error("io.no_delimiter", opts.lang, label)
        return None
    if not opts.fixed_width and gappy * 2 <= len(texts):
        tokens = {len(t.split()) for t in texts}
        if len(texts) > 1 and len(tokens) == 1 and tokens.pop() >= 2:
            raise read_error("io.no_delimiter", opts.lang, label)  # split by single spaces
        return None
    starts = _column_starts(texts)
    if len(starts) < 2:
        raise read_error("io.no_delimiter", opts.lang, label)
    return starts


def _column_starts(texts: list[str]) -> list[int]:
    """Where columns start: positions after a gap that (nearly) every table line leaves blank."""
    counts = [len(re.split(r"\s{2,}", t.strip())) for t in texts]
    common = Counter(c for c in counts if c >= 2).most_common(1)
    if common:
        lines = [t for t, c in zip(texts, counts) if c == common[0][0]]
        allowed = 0
    else:
        lines, allowed = texts, len(texts) // 10
    width = max(len(t) for t in lines)
    occupied = np.zeros(width + 1, dtype=np.int64)
    for t in lines:
        filled = np.frombuffer(t.ljust(width + 1).encode("utf-32-le"), dtype=np.uint32) != 32
        occupied += filled
    used = occupied > allowed
    return [p for p in range(width) if used[p] and (p == 0 or not used[p - 1])]


def _read_fixed(source: _Source, enc: _Encoding, starts: list[int], opts: CsvOptions,
                problems: Problems, scan: _Scan) -> tuple[pd.DataFrame, CsvInfo]:
    """Read text whose columns are aligned by position (no delimiter)."""
    text = source.head(source.size() - enc.bom, enc.bom).decode(enc.single_byte or enc.codec,
                                                               errors="replace")
    lines = [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]
    bounds = list(zip(starts, starts[1:] + [None]))
    grid = [[line[a:b].strip() for a, b in bounds] for line in lines]
    top = None if opts.header_row is None else min(opts.header_row - 1, max(len(grid) - 1, 0))
    layout = locate(grid[:_LAYOUT_ROWS] if top is None else grid, top, opts.header_rows)
    for i in sorted(layout.blanks + layout.titles):
        if i in layout.blanks:
            problems.add("io.blank_line", "note", row=i + 1)
        else:
            problems.add("io.title_line", "note", row=i + 1, value=lines[i][:200])
            problems.found.title_rows.append(i + 1)
    first = layout.data_start
    body = grid[first:]
    count, notes = (0, []) if opts.footer == 0 else find_footer(body, opts.footer)
    for i in notes:
        problems.add("io.footnote", "note", row=first + i + 1, value=lines[first + i].strip()[:200])
        problems.found.notes.append(lines[first + i].strip())
        problems.found.footer_rows.append(first + i + 1)
    body = body[:len(body) - count]
    names = _dedupe(header_names([grid[i] for i in layout.header]), problems, layout.header[-1] + 1)
    problems.found.header_rows = [i + 1 for i in layout.header]
    problems.found.fixed_width = tuple(starts)
    problems.add("io.fixed_width", "note", value=", ".join(str(s) for s in starts))
    keep = [k for k, row in enumerate(body) if any(row)]
    for k in sorted(set(range(len(body))) - set(keep)):
        problems.add("io.blank_line", "note", row=first + k + 1)
    rows = np.asarray([first + k + 1 for k in keep], dtype=np.int64)
    columns = {name: pa.array([body[k][j] or None for k in keep], pa.string())
               for j, name in enumerate(names)}
    frame, decimal, thousands = _convert([pa.table(columns)], names, rows, None, opts, problems)
    _finish_strictness(opts, problems)
    info = CsvInfo(scan.sha256, enc.encoding, None, decimal, thousands, layout.header[0] + 1,
                   len(lines))
    return frame, info
