"""Read the files ministries and statistics offices really have: ``read(path)``.

One function, :func:`read`, for delimited text (``.csv``, ``.tsv``, ``.txt``,
``.tab``), workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``), SPSS (``.sav``,
``.zsav``, ``.por``), Stata (``.dta``) and Parquet (``.parquet``, ``.pq``). It
returns a :class:`pandas.DataFrame` whose index, named ``"row"``, is the row number
the user sees in the source (the editor line or spreadsheet row, header counted; the
case number for SPSS, Stata and Parquet), and whose ``attrs["provenance"]`` is a
:class:`Provenance`: the file, its SHA-256, and every decision taken while reading.

Nothing is lost: every line of a text file is the header, a row of the result, or a
row of ``provenance.problems`` (a title line, a blank line, a line with the wrong
number of cells). Bad input raises :class:`indicators.errors.ReadError`, whose
message names the file, line, column and what was expected, in English or Spanish.

>>> import tempfile, pathlib
>>> from indicators import read
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "datos.csv").write_bytes("región;población;tasa\\r\\nÑuble;1.200;10,5\\r\\n".encode("cp1252"))
>>> df = read(folder / "datos.csv")
>>> df.loc[2, "población"], df.loc[2, "tasa"], df.loc[2, "región"]
(np.int64(1200), np.float64(10.5), 'Ñuble')
>>> p = df.attrs["provenance"]
>>> p.encoding, p.delimiter, p.decimal, p.thousands
('cp1252', ';', ',', '.')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._limits import Limits, limit_error, with_limits
from .._options import validate_options
from ..errors import ReadError
from ..i18n import Lang, check_lang, check_option
from ._numbers import DEFAULT_MISSING
from ._provenance import ROW, Problems, Provenance, file_sha256, read_error
from ._sheet_limits import check_sheet_limits

__all__ = ["DEFAULT_MISSING", "FORMATS", "BadLines", "MissingMode", "Provenance", "Totals", "read"]

MissingMode = Literal["codes", "nan", "labels"]
BadLines = Literal["error", "report"]
Totals = Literal["flag", "drop", "keep"]
Delimiter = Literal[",", ";", "\t", "|"]
Decimal = Literal[",", "."]
Thousands = Literal[".", ",", "", " ", "'"]

#: File name endings :func:`read` accepts, by format.
FORMATS: dict[str, tuple[str, ...]] = {
    "csv": (".csv", ".tsv", ".txt", ".tab"),
    "excel": (".xlsx", ".xlsm", ".xls", ".ods"),
    "spss": (".sav", ".zsav", ".por"),
    "stata": (".dta",),
    "parquet": (".parquet", ".pq"),
}
_BY_SUFFIX = {suffix: fmt for fmt, suffixes in FORMATS.items() for suffix in suffixes}
_DELIMITERS = (",", ";", "\t", "|")


def _format_of(path: Path, label: str, lang: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in _BY_SUFFIX:
        raise read_error("io.unsupported_extension", lang, label, value=suffix or "(none)",
                         expected=" ".join(sorted(_BY_SUFFIX)), ext=suffix or "(none)")
    return _BY_SUFFIX[suffix]


@validate_options
@with_limits("read")
def read(
    path: str | Path,
    *,
    lang: Lang = "en",
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: Delimiter | None = None,
    decimal: Decimal | None = None,
    thousands: Thousands | None = None,
    missing: MissingMode = "codes",
    keep_leading_zeros: bool = True,
    dtype: Mapping[str, Any] | None = None,
    na_values: Sequence[str] = (),
    keep_default_na: bool = True,
    on_bad_lines: BadLines = "error",
    strict: bool = False,
    limits: Limits | Mapping[str, Any] | None = None,
    header_rows: int | None = None,
    footer: int | None = None,
    totals: Totals = "flag",
    fixed_width: bool | None = None,
) -> pd.DataFrame:
    """Read a data file into a frame indexed by the row number the user sees.

    Every detection can be overridden:

    - ``encoding``: detected as UTF-8 (with or without BOM), UTF-16 (with BOM),
      cp1252 (the Windows/Excel default in Spanish) or latin-1.
    - ``delimiter``: one of ``,`` ``;`` tab ``|``, detected from the first lines.
    - ``decimal`` and ``thousands``: decided per file from all its numbers
      (``"10,5"`` proves a decimal comma, ``"1.234.567"`` a thousands dot). A file
      whose numbers could be read both ways (only ``"1.200"``-like values) is read
      with the usual convention of its delimiter (decimal comma with ``;``) and the
      assumption is reported in ``provenance.problems``; ``strict=True`` raises
      instead. Pass ``thousands=""`` for "no thousands mark".
    - ``header_row``: the 1-based line (text) or row (workbook) of the header;
      detected otherwise, skipping a title block above it.
    - ``sheet``: a workbook sheet by name or 0-based position (default: the first).
    - ``keep_leading_zeros``: codes such as ``"01"`` or ``"001234"`` stay text
      (default ``True``); ``False`` reads them as numbers.
    - ``dtype``: a column-to-type mapping applied after reading (``str`` keeps a
      column as text without any conversion).
    - ``na_values``: extra cell texts that mean "missing" in any column, in every
      format (an empty cell always does; ``"NA"`` does not by default, being
      Namibia's code).
    - ``keep_default_na``: the markers offices print for "not available" (``..``,
      ``-``, ``n.d.``, ``s/d``, ``x``..., see :data:`DEFAULT_MISSING`) are read as
      missing in columns whose other cells are numbers, and counted per column in
      ``provenance.missing_markers`` (default ``True``); ``False`` keeps them as text.
    - ``header_row``, ``header_rows``: the header's first row and how many rows it
      spans (joined ``"2019 · casos"``); detected otherwise (title rows above and
      rows of group names are found).
    - ``footer``: how many lines under the table are notes (``Fuente: ...``); they
      go to ``provenance.notes``. Detected by default; ``0`` reads every line.
    - ``totals``: rows labelled ``Total``, ``Total país``, ``Nacional``, ``Todos``...
      are listed in ``provenance.total_rows`` and ``"flag"`` (default) marks them in a
      boolean column ``is_total`` (added only when there is one), ``"drop"`` removes
      them, ``"keep"`` adds nothing.
    - ``fixed_width``: text without a delimiter is read by column positions when
      its columns are aligned (``None``, default); ``True`` always reads by
      position, ``False`` makes a file without delimiter an error.
    - ``missing``: SPSS/Stata user-missing codes: ``"codes"`` (default) keeps them as
      their codes, listed in ``provenance.missing_codes`` and noted in
      ``provenance.problems`` so they cannot be mistaken for answers; ``"nan"`` makes
      them missing; ``"labels"`` replaces every labelled code by its value label.
    - ``on_bad_lines``: ``"error"`` (default) raises :class:`ReadError` listing every
      line with the wrong number of cells and every number that breaks the file's
      convention; ``"report"`` reads the rest and lists them in
      ``provenance.problems``.
    - ``limits``: an :class:`indicators.Limits` (or a mapping of its fields) raising
      or lowering the bounds on file size, line length, columns and cells that
      protect the machine from damaged files.
    - ``lang``: ``"en"`` or ``"es"`` (``"pt"``, ``"fr"`` fall back to English) for
      messages.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("codigo,valor\\n01,1.5\\n02,2.25\\n", encoding="utf-8")
    >>> read(f)
        codigo  valor
    row
    2       01   1.50
    3       02   2.25
    """
    lang = check_lang(lang, "read")
    na_values = _check_read_options(path, lang, encoding=encoding, totals=totals, header_rows=header_rows,
                                    footer=footer, fixed_width=fixed_width, na_values=na_values,
                                    delimiter=delimiter, decimal=decimal, thousands=thousands,
                                    header_row=header_row)
    dtype = dict(dtype or {})
    path = Path(path)
    label = str(path)
    fmt = _format_of(path, label, lang)
    if not path.exists():
        raise read_error("io.file_missing", lang, label, expected=str(path.resolve().parent))
    if not path.is_file():
        raise read_error("io.not_a_file", lang, label)
    max_bytes = Limits.current().max_file_bytes
    if path.stat().st_size > max_bytes:
        raise limit_error(ReadError, "max_file_bytes", path.stat().st_size, max_bytes, where=label, lang=lang,
                          file=label)
    problems = Problems(label, lang)
    markers = frozenset(m.lower() for m in DEFAULT_MISSING) if keep_default_na else None
    options = {k: v for k, v in {
        "sheet": sheet, "header_row": header_row, "encoding": encoding, "delimiter": delimiter,
        "decimal": decimal, "thousands": thousands, "missing": missing,
        "keep_leading_zeros": keep_leading_zeros, "na_values": tuple(na_values),
        "keep_default_na": keep_default_na, "on_bad_lines": on_bad_lines, "strict": strict,
        "header_rows": header_rows, "footer": footer, "totals": totals, "fixed_width": fixed_width,
        "dtype": {k: getattr(v, "__name__", str(v)) for k, v in dtype.items()},
    }.items() if v is not None}

    args = {"sheet": sheet, "header_row": header_row, "encoding": encoding, "delimiter": delimiter,
            "decimal": decimal, "thousands": thousands, "missing": missing,
            "keep_leading_zeros": keep_leading_zeros, "dtype": dtype, "na_values": tuple(na_values),
            "on_bad_lines": on_bad_lines, "strict": strict, "header_rows": header_rows, "footer": footer,
            "totals": totals, "fixed_width": fixed_width, "markers": markers}
    frame, prov = _read_format(fmt, path, label, lang, args, options, problems)
    frame.attrs["provenance"] = prov
    return frame


def _check_read_options(path: str | Path, lang: Lang, *, encoding: str | None, totals: Any,
                        header_rows: int | None, footer: int | None, fixed_width: bool | None,
                        na_values: Sequence[str], delimiter: str | None, decimal: str | None,
                        thousands: str | None, header_row: int | None) -> Sequence[str]:
    """Check the options of :func:`read` where they enter; ``na_values`` as a sequence."""
    if encoding is not None and not _text_encoding(encoding):
        raise read_error("io.unknown_encoding", lang, str(path), value=encoding,
                         expected="'utf-8', 'cp1252', 'latin-1', 'utf-16'")
    check_option("read", "totals", totals, ("flag", "drop", "keep"), lang)
    for opt, val in (("header_rows", header_rows), ("footer", footer)):
        low = 1 if opt == "header_rows" else 0
        if val is not None and (isinstance(val, bool) or not isinstance(val, int) or val < low):
            check_option("read", opt, val, [f"an integer >= {low}"], lang)
    if fixed_width is not None and not isinstance(fixed_width, bool):
        check_option("read", "fixed_width", fixed_width, [True, False, None], lang)
    if isinstance(na_values, str):
        na_values = (na_values,)
    if delimiter is not None:
        check_option("read", "delimiter", delimiter, _DELIMITERS, lang)
    if decimal is not None:
        check_option("read", "decimal", decimal, (",", "."), lang)
    if thousands is not None:
        check_option("read", "thousands", thousands, (".", ",", "", " ", "'"), lang)
        if thousands and thousands == decimal:
            check_option("read", "thousands", thousands,
                         [t for t in (".", ",", "") if t != decimal], lang)
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        check_option("read", "header_row", header_row, ["an integer >= 1"], lang)
    return na_values


def _read_format(fmt: str, path: Path, label: str, lang: Lang, args: Mapping[str, Any],
                 options: Mapping[str, Any], problems: Problems) -> tuple[pd.DataFrame, Provenance]:
    """Read the file by its format (``args``: the options of :func:`read`); the frame and its provenance."""
    if fmt == "csv":
        from ._delimited import CsvOptions, read_delimited

        _check_text_limits(path, label, lang)
        frame, info = read_delimited(path, label, CsvOptions(
            lang=lang, encoding=args["encoding"], delimiter=args["delimiter"], decimal=args["decimal"],
            thousands=args["thousands"], header_row=args["header_row"], keep_leading_zeros=args["keep_leading_zeros"],
            dtype=args["dtype"], na_values=args["na_values"], on_bad_lines=args["on_bad_lines"], strict=args["strict"],
            markers=args["markers"], header_rows=args["header_rows"], footer=args["footer"],
            fixed_width=args["fixed_width"],
        ), problems)
        frame = _totals(frame, args["totals"], problems)
        prov = Provenance(
            file=label, sha256=info.sha256, format="csv", encoding=info.encoding,
            delimiter=info.delimiter, decimal=info.decimal, thousands=info.thousands,
            header_row=info.header_row, n_rows=len(frame), n_lines=info.n_lines,
            options=options, problem_records=tuple(problems.records), **problems.found.as_fields())
    else:
        if path.stat().st_size == 0:
            raise read_error("io.empty", lang, label)
        sha = file_sha256(path)
        if fmt == "excel":
            from ._workbooks import read_workbook

            check_sheet_limits(path, label, lang)
            frame, sheet_name, header, dec, thou = read_workbook(
                path, label, lang=lang, sheet=args["sheet"], header_row=args["header_row"],
                keep_leading_zeros=args["keep_leading_zeros"], decimal=args["decimal"], thousands=args["thousands"],
                dtype=args["dtype"], on_bad_lines=args["on_bad_lines"], problems=problems,
                na_values=args["na_values"], markers=args["markers"], header_rows=args["header_rows"],
                footer=args["footer"])
            frame = _totals(frame, args["totals"], problems)
            if args["strict"]:
                _raise_warnings(problems)
            prov = Provenance(
                file=label, sha256=sha, format="excel", sheet=sheet_name, decimal=dec,
                thousands=thou, header_row=header, n_rows=len(frame),
                n_lines=int(frame.index.max()) if len(frame) else header,
                options=options, problem_records=tuple(problems.records),
                **problems.found.as_fields())
        elif fmt in ("spss", "stata"):
            from ._statistical import labels_for, read_statistical

            frame, meta = read_statistical(path, label, fmt=fmt, lang=lang, missing=args["missing"],
                                           problems=problems)
            prov = Provenance(
                file=label, sha256=sha, format=fmt, encoding=meta["encoding"],
                variable_labels=meta["variable_labels"],
                value_labels={k: labels_for(v) for k, v in meta["value_labels"].items()},
                missing_codes={k: tuple(_plain_code(c) for c in v)
                               for k, v in meta["missing_codes"].items()},
                missing=args["missing"], n_rows=len(frame), n_lines=len(frame),
                options=options, problem_records=tuple(problems.records))
        else:
            frame = _read_parquet(path, label, lang, problems)
            prov = Provenance(file=label, sha256=sha, format="parquet", n_rows=len(frame),
                              n_lines=len(frame), options=options,
                              problem_records=tuple(problems.records))
    return frame, prov


def _check_text_limits(path: Path, label: str, lang: str) -> None:
    """Refuse a text file with a line longer than ``max_line_bytes`` or more than ``max_columns`` cells
    (counted as delimiters on its first lines) before it is parsed."""
    limits = Limits.current()
    longest = current = 0
    widest = 0
    lines_seen = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * 2**20):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)  # the chunk's line ends
            if len(ends):
                middle = int(np.diff(ends).max()) - 1 if len(ends) > 1 else 0
                longest = max(longest, current + int(ends[0]), middle)
                current = len(chunk) - int(ends[-1]) - 1
            else:
                current += len(chunk)
            longest = max(longest, current)
            if longest > limits.max_line_bytes:
                raise limit_error(ReadError, "max_line_bytes", longest, limits.max_line_bytes, where=label,
                                  lang=lang, file=label)
            if lines_seen < 200:
                for part in chunk.split(b"\n", 200)[:200]:
                    cells = 1 + max(part.count(d) for d in (b",", b";", b"\t", b"|"))
                    widest = max(widest, cells)
                lines_seen += len(ends) + 1
                if widest > limits.max_columns:
                    raise limit_error(ReadError, "max_columns", widest, limits.max_columns, where=label,
                                      lang=lang, file=label)


def _text_encoding(name: object) -> bool:
    """Whether ``name`` is a codec that decodes bytes to text (not base64, rot13, zlib, idna...)."""
    import codecs

    if not isinstance(name, str):
        return False
    try:
        info = codecs.lookup(name)
        if not getattr(info, "_is_text_encoding", True):
            return False
        b"ab\xff\r\n\xfe\xff".decode(info.name, "replace")
    except (LookupError, UnicodeError, TypeError, ValueError):
        return False
    return True


_TOTAL_STARTS = np.array([ord(a) << 8 | ord(b) for a, b in ("to", "su", "na", "am", "gr", "al")])


def _total_candidates(arr: Any) -> np.ndarray:
    """Positions whose first two bytes could start a total label (or that start with a space)."""
    import pyarrow as pa

    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    out, base = [], 0
    for chunk in chunks:
        n = len(chunk)
        bufs = chunk.buffers()
        kind = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(bufs[1], dtype=kind)[chunk.offset:chunk.offset + n + 1].astype(np.int64)
        data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(1, np.uint8)
        length = offsets[1:] - offsets[:-1]
        if not len(data) or not length.any():
            base += n
            continue
        starts = np.minimum(offsets[:-1], max(len(data) - 1, 0))
        first = np.where(length >= 1, data[starts] if len(data) else 0, 0) | 0x20
        second = np.where(length >= 2, data[np.minimum(starts + 1, len(data) - 1)], 0) | 0x20
        hit = np.isin(first.astype(np.int64) << 8 | second, _TOTAL_STARTS) | (first == 0x20) & (length > 0)
        out.append(np.flatnonzero(hit) + base)
        base += n
    return np.concatenate(out) if out else np.empty(0, np.int64)


def _totals(frame: pd.DataFrame, totals: str, problems: Problems) -> pd.DataFrame:
    """Find total and subtotal rows in the first text columns; flag, drop or only list them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ._layout import total_pattern

    text_columns = [c for c in frame.columns if pd.api.types.is_string_dtype(frame[c].dtype)
                    and not pd.api.types.is_bool_dtype(frame[c].dtype)][:3]
    if not text_columns or not len(frame):
        return frame
    hits = np.zeros(len(frame), dtype=bool)
    where: dict[int, tuple[str, str]] = {}
    for column in text_columns:
        values = frame[column]
        try:
            arr = pa.array(values.array)
            if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
                continue
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            continue
        # a cheap first look (the first two bytes) before the pattern, which then sees few rows
        candidates = _total_candidates(arr)
        if not len(candidates):
            continue
        match = pc.fill_null(pc.match_substring_regex(arr.take(pa.array(candidates)), total_pattern(),
                                                      ignore_case=True), False)
        positions = candidates[np.asarray(match.to_numpy(zero_copy_only=False), dtype=bool)]
        for pos in positions.tolist():
            if pos not in where:
                where[pos] = (str(column), str(values.iloc[pos]))
        hits[positions] = True
    if not hits.any():
        return frame
    rows = frame.index.to_numpy()
    problems.found.total_rows = [int(rows[pos]) for pos in np.flatnonzero(hits)]
    code = "io.total_row_dropped" if totals == "drop" else "io.total_row"
    for pos in sorted(where):
        column, value = where[pos]
        problems.add(code, "note", row=int(rows[pos]), column=column, value=value)
    if totals == "drop":
        return frame[~hits]
    if totals == "flag":
        frame = frame.copy()
        frame["is_total"] = hits
    return frame


def _raise_warnings(problems: Problems) -> None:
    for record in problems.records:
        if record["severity"] == "warning":
            record["severity"] = "error"
    problems.raise_if_errors()


def _plain_code(code: Any) -> Any:
    if isinstance(code, tuple):
        return tuple(_plain_code(c) for c in code)
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code


def _read_parquet(path: Path, label: str, lang: str, problems: Problems | None = None) -> pd.DataFrame:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError, MemoryError, IndexError, KeyError) as exc:
        raise read_error("io.corrupt", lang, label, value=str(exc)[:200], format="Parquet") from None
    try:
        frame = table.to_pandas()
    except (pa.ArrowException, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        # damaged pandas metadata (the "pandas" key of the schema): read the columns as they are
        try:
            frame = table.replace_schema_metadata(None).to_pandas()
        except (pa.ArrowException, ValueError, KeyError, TypeError, IndexError) as exc2:
            raise read_error("io.corrupt", lang, label, value=str(exc2)[:200], format="Parquet") from None
        if problems is not None:
            problems.add("io.parquet_metadata", "warning", value=f"{type(exc).__name__}: {str(exc)[:120]}")
    if frame.index.name == ROW and frame.index.is_unique and pd.api.types.is_integer_dtype(frame.index):
        return frame  # written from a frame read earlier: keep its rows
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    frame.index = pd.Index(np.arange(1, len(frame) + 1, dtype=np.int64), name=ROW)
    return frame
