"""Safe export helpers shared by every writer.

Spreadsheet programs run a cell that starts with ``= + - @`` (or tab/CR) as a
formula: text written to a spreadsheet, Excel or CSV, is escaped with a leading
apostrophe. Writers never leave the folder the user named. The same inputs give the
same bytes: CSV through :func:`write_csv`, and Office files (xlsx, docx) through
:func:`make_reproducible`, which fixes their stored times.

>>> import pandas as pd
>>> escape_formulas(pd.DataFrame({"a": ["=SUM(A1)", "ok", "-3", "-2+3"], "b": [1, 2, 3, 4]}))["a"].tolist()
["'=SUM(A1)", 'ok', '-3', "'-2+3"]
>>> safe_path("informe", "tablas/pais.csv").as_posix().endswith("informe/tablas/pais.csv")
True
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from ._codes import error

__all__ = ["FIXED_TIME", "FORMULA_PREFIXES", "escape_cell", "escape_formulas", "make_reproducible", "safe_path",
           "write_csv"]

#: The time written into Office files when no date is given (a constant, so that runs agree).
FIXED_TIME = datetime.datetime(2000, 1, 1, 0, 0, 0)

#: Leading characters a spreadsheet may interpret as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def escape_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe.

    A plain signed number held as text (``"-1.1"``, ``"+3"``) is a number to a spreadsheet,
    not a formula, and is left as it is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) escaped by :func:`escape_cell`."""
    out = frame.copy()
    for j in range(out.shape[1]):
        s = out.iloc[:, j]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out.isetitem(j, s.map(escape_cell, na_action="ignore"))
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def safe_path(folder: str | Path, name: str | Path) -> Path:
    """``folder / name``, refusing any name that would leave ``folder`` (``..``, absolute paths, links)."""
    base = Path(folder).resolve()
    target = (base / name).resolve()
    if target != base and base not in target.parents:
        raise error("export.outside_folder", "en", field="name", value=str(name), folder=str(base),
                    expected=f"a path inside {base}")
    return target


def write_csv(frame: pd.DataFrame, path: str | Path | None = None, *, index: bool = False) -> str:
    """``frame`` as CSV (UTF-8, ``\\n`` line ends) with formula-like text escaped; written to ``path`` if given.

    >>> print(write_csv(pd.DataFrame({"a": ["=HYPERLINK(1)", "ok"], "n": [-1, 2]})), end="")
    a,n
    '=HYPERLINK(1),-1
    ok,2
    """
    safe = escape_formulas(frame)
    # the csv module quotes a cell holding "\n" but not one holding a lone "\r" (not part of the
    # line terminator): such a file would split the record where a reader sees a line end
    columns = [safe.iloc[:, j] for j in range(safe.shape[1])]
    carriage = any(isinstance(c, str) and "\r" in c for c in safe.columns) or any(
        col.map(lambda v: isinstance(v, str) and "\r" in v).any()
        for col in columns if col.dtype == object or pd.api.types.is_string_dtype(col.dtype))
    text = safe.to_csv(index=index, lineterminator="\n", quoting=csv.QUOTE_ALL if carriage else csv.QUOTE_MINIMAL)
    if path is not None:
        Path(path).write_bytes(text.encode("utf-8"))
    return text


_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def make_reproducible(path: str | Path, when: datetime.date | str | None = None) -> Path:
    """Rewrite the Office file (xlsx, docx: a zip) at ``path`` so that it holds no time of writing.

    The created and modified times of ``docProps/core.xml`` and the time of every zip entry
    become ``when`` (a date given by the user, or :data:`FIXED_TIME`); entries keep their
    order. Two runs on the same inputs then give byte-identical files.
    """
    path = Path(path)
    if isinstance(when, str):
        try:
            when = datetime.date.fromisoformat(when[:10])
        except ValueError:
            when = None
    stamp = FIXED_TIME if when is None else (
        when if isinstance(when, datetime.datetime) else datetime.datetime(when.year, when.month, when.day))
    stamp = max(stamp.replace(tzinfo=None), datetime.datetime(1980, 1, 1))
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info.filename)) for info in src.infolist()]
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for info, data in entries:
                if info.filename == "docProps/core.xml":
                    data = _CORE_TIMES.sub(lambda m: m.group(1) + iso + m.group(3), data)
                fixed = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
                fixed.compress_type = zipfile.ZIP_DEFLATED
                fixed.external_attr = 0o600 << 16
                fixed.create_system = 0
                out.writestr(fixed, data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
