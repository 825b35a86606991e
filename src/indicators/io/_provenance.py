"""What every reader shares: the provenance record, problem rows and read errors.

Private: :mod:`indicators.io._read` re-exports :class:`Provenance`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .._codes import CODES, problem
from ..errors import PROBLEM_COLUMNS, ReadError
from ..i18n import message

__all__ = ["ROW", "Found", "FrozenDict", "Problems", "Provenance", "file_sha256", "read_error"]

#: Name of the index that holds the row number the user sees in the source.
ROW = "row"

Severity = Literal["error", "warning", "note"]


class FrozenDict(dict):  # type: ignore[type-arg]
    """A ``dict`` that refuses changes, so a :class:`Provenance` stays what it was."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("provenance mappings are read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        return self

    def __copy__(self) -> FrozenDict:
        return self

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=repr)))


def freeze(value: Any) -> Any:
    """Return ``value`` with every mapping turned into a :class:`FrozenDict`, lists into tuples."""
    if isinstance(value, Mapping):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Provenance(FrozenDict):
    """How a frame was read: the file, its fingerprint and every decision taken.

    Attached to the frame returned by :func:`indicators.read` as
    ``df.attrs["provenance"]``. Immutable and small (no per-row arrays): pandas copies
    ``attrs`` on many operations, and copying a ``Provenance`` costs nothing. It is
    also a read-only mapping of its fields, so that pandas can store ``attrs`` as JSON
    (``df.to_parquet`` does).

    Attributes
    ----------
    file, sha256, format:
        The path as given, the SHA-256 of its bytes, and ``"csv"``, ``"excel"``,
        ``"spss"``, ``"stata"`` or ``"parquet"``.
    sheet, header_row:
        The sheet read (Excel) and the 1-based line or row of the header as the user
        sees it (``None`` where the format has no header line).
    encoding, delimiter, decimal, thousands:
        What was detected or given for text files (``None`` elsewhere).
    variable_labels, value_labels, missing_codes, missing:
        Labels and user-missing codes (SPSS, Stata) and the ``missing=`` mode used.
    n_rows, n_lines:
        Rows returned and lines (text files) or rows (other formats) in the source.
    header_rows:
        Every line or row the header was read from (several when the header spans
        rows, joined ``"2019 · casos"``).
    columns_original:
        Column names changed while reading (joined, made unique, filled from a merged
        cell): the name in the frame -> the text(s) in the source.
    notes:
        Footnote and source lines found under the table (``"Fuente: ..."``), with
        ``footer_rows`` their lines; ``title_rows`` the lines above the header.
    total_rows:
        Rows recognised as totals or subtotals (``Total``, ``Total país``,
        ``Nacional``...); see the ``totals=`` option.
    units:
        Per column, the unit written in the cells (``"%"`` for ``12,5%``: the value
        is kept as the number written).
    missing_markers:
        Per column, the missing markers read as missing and how many cells held each
        (``{"tasa": {"..": 3, "n.d.": 1}}``).
    fixed_width:
        For text read by column boundaries: the 0-based character positions where
        the columns start.
    problems:
        A table in the :data:`indicators.errors.PROBLEM_COLUMNS` layout plus
        ``severity``: lines reported instead of read, ambiguities and notes.

    >>> p = Provenance(file="a.csv", sha256="0" * 64, format="csv")
    >>> p.format, len(p.problems)
    ('csv', 0)
    """

    file: str
    sha256: str
    format: str
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    header_row: int | None = None
    variable_labels: Mapping[str, str] = field(default_factory=FrozenDict)
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=FrozenDict)
    missing_codes: Mapping[str, tuple[Any, ...]] = field(default_factory=FrozenDict)
    missing: str | None = None
    n_rows: int = 0
    n_lines: int | None = None
    options: Mapping[str, Any] = field(default_factory=FrozenDict)
    header_rows: tuple[int, ...] = ()
    title_rows: tuple[int, ...] = ()
    footer_rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    columns_original: Mapping[str, str] = field(default_factory=FrozenDict)
    total_rows: tuple[int, ...] = ()
    units: Mapping[str, str] = field(default_factory=FrozenDict)
    missing_markers: Mapping[str, Mapping[str, int]] = field(default_factory=FrozenDict)
    fixed_width: tuple[int, ...] | None = None
    problem_records: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        for name in ("variable_labels", "value_labels", "missing_codes", "options",
                     "columns_original", "units", "missing_markers", "header_rows",
                     "title_rows", "footer_rows", "notes", "total_rows"):
            object.__setattr__(self, name, freeze(getattr(self, name)))
        object.__setattr__(self, "problem_records", tuple(freeze(p) for p in self.problem_records))
        dict.update(self, {f.name: getattr(self, f.name) for f in fields(self)})

    def __deepcopy__(self, memo: dict[int, Any]) -> Provenance:
        return self  # immutable: sharing is safe, and pandas copies attrs often

    def __copy__(self) -> Provenance:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_provenance, (dict(self),))

    @property
    def problems(self) -> pd.DataFrame:
        """The problems table (a new frame each time)."""
        return problems_frame(self.problem_records)

    def _replace(self, **changes: Any) -> Provenance:
        return replace(self, **changes)


def _provenance(values: dict[str, Any]) -> Provenance:
    return Provenance(**values)


def problems_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Return ``records`` as a frame with :data:`PROBLEM_COLUMNS` (severity and hint among them)."""
    cols = list(PROBLEM_COLUMNS)
    frame = pd.DataFrame([dict(r) for r in records], columns=cols)
    extra = [c for c in frame.columns if c not in cols]
    return frame[cols + extra].astype(object)


@dataclass
class Found:
    """What a reader found about the table's layout and cells (becomes provenance fields)."""

    header_rows: list[int] = field(default_factory=list)
    title_rows: list[int] = field(default_factory=list)
    footer_rows: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    columns_original: dict[str, str] = field(default_factory=dict)
    total_rows: list[int] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)
    missing_markers: dict[str, dict[str, int]] = field(default_factory=dict)
    fixed_width: tuple[int, ...] | None = None

    def as_fields(self) -> dict[str, Any]:
        """The provenance fields, ready for :class:`Provenance`."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("header_rows", "title_rows", "footer_rows", "notes", "total_rows"):
            out[key] = tuple(out[key])
        return out


class Problems:
    """Collects problem rows for one file, each with its message in the user's language.

    ``found`` collects what the reader found about the layout and the cells.
    """

    def __init__(self, file: str, lang: str, sheet: str | None = None) -> None:
        self.file = file
        self.lang = lang
        self.sheet = sheet
        self.records: list[dict[str, Any]] = []
        self.found = Found()

    def add(
        self,
        code: str,
        severity: Severity,
        *,
        row: int | None = None,
        column: Any = None,
        value: Any = None,
        expected: str | None = None,
        **values: Any,
    ) -> dict[str, Any]:
        """Record one problem (its severity, message and hint from the registry) and return it."""
        record = problem(code, self.lang, file=self.file, line=row, row=None if row is None else int(row),
                         column=None if column is None else str(column),
                         value=None if value is None else str(value), expected=expected, sheet=self.sheet,
                         **values)
        self.records.append(record)
        return record

    def errors(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["severity"] == "error"]

    def raise_if_errors(self, code: str = "io.errors", **values: Any) -> None:
        """Raise one :class:`ReadError` listing every error recorded so far."""
        errors = self.errors()
        if not errors:
            return
        first = errors[0]["message"]
        if len(errors) == 1:
            text = first
        else:
            text = message(CODES[code].key, self.lang, file=self.file, n=len(errors), first=first, **values)
        raise ReadError(text, problems=problems_frame(errors))


def read_error(code: str, lang: str, file: str, *, row: int | None = None, column: Any = None,
               value: Any = None, expected: str | None = None, sheet: str | None = None,
               **values: Any) -> ReadError:
    """Build a :class:`ReadError` with one problem row and its message in ``lang``."""
    problems = Problems(file, lang, sheet)
    record = problems.add(code, "error", row=row, column=column, value=value, expected=expected,
                          **values)
    return ReadError(record["message"], problems=problems_frame([record]))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            digest.update(block)
    return digest.hexdigest()
