"""Numbers written as text: decide the decimal and thousands marks, check and convert.

Works on whole columns at once with :mod:`pyarrow.compute` (RE2 regular expressions,
no Python loop over rows). Two conventions ("families") exist in the files this
library reads:

* ``","`` decimal with ``"."`` thousands (Spanish, Portuguese, French locales):
  ``1.234.567,89``;
* ``"."`` decimal with ``","`` thousands (English locales): ``1,234,567.89``.

A value *proves* a family when it can only be read one way: ``10,5``, ``0,25``,
``1.234,5`` and ``1.234.567`` prove the comma family; ``10.5``, ``1,234.5`` and
``1,234,567`` prove the point family. ``1.200`` and ``1,200`` prove nothing.

>>> import pyarrow as pa
>>> from indicators.io._numbers import family_votes
>>> family_votes(pa.chunked_array([["10,5", "1.200", "3"]]))
(1, 0, 1)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["DEFAULT_MISSING", "ColumnResult", "Convention", "Forms", "column_evidence",
           "convert_column", "decide", "family_votes", "normalise_forms"]

#: Cell texts that statistical offices print for "not available", "not applicable",
#: "suppressed" or "not significant". In a column whose other cells are numbers they
#: are read as missing (compared after trimming spaces, case-insensitively) and
#: counted in the provenance. ``NA`` is not one of them (Namibia's code).
DEFAULT_MISSING: tuple[str, ...] = (
    "..", "...", "…", ".", "-", "--", "---", "–", "—", "x", "xx", "*", "**", ":",
    "n.d.", "n.d", "n/d", "s/d", "s.d.", "s.d", "s/i", "s.i.", "n.a.", "n/a", "n.e.", "n.c.",
    "n.s.", "n.disp.", "nan", "null", "sin dato", "sin datos", "no disponible", "no aplica",
    "not available", "not applicable", "n.disp",
)

_SIGN = r"^[-+]?"
NUMERIC_LOOKING = r"^[-+]?[0-9.,]*[0-9][0-9.,]*$"
_COMMA_DECIMAL = _SIGN + r"([0-9]{1,3}(\.[0-9]{3})*|[0-9]+),[0-9]+$"
_COMMA_GROUPED = _SIGN + r"[1-9][0-9]{0,2}(,[0-9]{3})+$"
_POINT_DECIMAL = _SIGN + r"([0-9]{1,3}(,[0-9]{3})*|[0-9]+)\.[0-9]+$"
_POINT_GROUPED = _SIGN + r"[1-9][0-9]{0,2}(\.[0-9]{3})+$"
_MULTI_DOT = _SIGN + r"[1-9][0-9]{0,2}(\.[0-9]{3}){2,}$"
_MULTI_COMMA = _SIGN + r"[1-9][0-9]{0,2}(,[0-9]{3}){2,}$"
_AMBIGUOUS = _SIGN + r"[1-9][0-9]{0,2}[.,][0-9]{3}$"
_LEADING_ZERO = r"^[-+]?0[0-9]"
_SPACES = "[ \u00a0\u202f\u2009]"
_SPACE_GROUPED = r"^[-+]?[0-9]{1,3}(" + _SPACES + r"[0-9]{3})+([.,][0-9]+)?$"
_EXPONENT = r"^[-+]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)[eE][-+]?[0-9]+$"
_PARENS = r"^\(([0-9][0-9.,]*)\)$"
_LEADING_MARK = r"^([-+]?)([.,][0-9]+)$"


@dataclass(frozen=True)
class Convention:
    """The number format of a file: decimal mark and thousands mark (``None``: none used)."""

    decimal: str
    thousands: str | None

    def pattern(self) -> str:
        """The RE2 pattern a well-formed number of this convention matches in full."""
        d = "\\" + self.decimal
        if self.thousands:
            t = "\\" + self.thousands
            return _SIGN + rf"([0-9]{{1,3}}({t}[0-9]{{3}})+|[0-9]+)({d}[0-9]+)?$"
        return _SIGN + rf"[0-9]+({d}[0-9]+)?$"

    def example(self) -> str:
        """A number written in this convention, for messages."""
        if self.thousands:
            return f"1{self.thousands}234{self.decimal}5"
        return f"1234{self.decimal}5"


def _count(arr: pa.ChunkedArray | pa.Array, pattern: str) -> int:
    mask = pc.match_substring_regex(arr, pattern)
    return int(pc.sum(mask.cast(pa.int64())).as_py() or 0)


def family_votes(arr: pa.ChunkedArray | pa.Array) -> tuple[int, int, int]:
    """Count values that prove the comma family, the point family, and ambiguous ones.

    Only values that look like numbers should be passed.
    """
    comma_dec = pc.match_substring_regex(arr, _COMMA_DECIMAL)
    comma_grouped = pc.match_substring_regex(arr, _COMMA_GROUPED)
    point_dec = pc.match_substring_regex(arr, _POINT_DECIMAL)
    point_grouped = pc.match_substring_regex(arr, _POINT_GROUPED)
    comma = pc.or_(pc.and_(comma_dec, pc.invert(comma_grouped)),
                   pc.match_substring_regex(arr, _MULTI_DOT))
    point = pc.or_(pc.and_(point_dec, pc.invert(point_grouped)),
                   pc.match_substring_regex(arr, _MULTI_COMMA))
    ambiguous = pc.match_substring_regex(arr, _AMBIGUOUS)

    def total(mask: Any) -> int:
        return int(pc.sum(pc.fill_null(mask, False).cast(pa.int64())).as_py() or 0)

    return total(comma), total(point), total(ambiguous)


@dataclass
class Decision:
    """The outcome of :func:`decide`: the convention and what it rests on."""

    convention: Convention | None
    comma_votes: int = 0
    point_votes: int = 0
    ambiguous: bool = False
    assumed: bool = False
    example: tuple[str, str, int] | None = None  # (column, value, position)


def decide(votes: dict[str, tuple[int, int, int]], default_decimal: str,
           decimal: str | None = None, thousands: str | None = None) -> Decision:
    """Choose the file's convention from per-column votes (or the user's options).

    ``thousands`` is completed later from the data (``None`` here means "to detect").
    """
    comma = sum(v[0] for v in votes.values())
    point = sum(v[1] for v in votes.values())
    amb = sum(v[2] for v in votes.values())
    if decimal is not None:
        thou = thousands if thousands is not None else ("." if decimal == "," else ",")
        return Decision(Convention(decimal, thou or None), comma, point)
    if comma == point == 0:
        if amb == 0:
            return Decision(None, 0, 0)
        d = default_decimal
        return Decision(Convention(d, "." if d == "," else ","), 0, 0, ambiguous=True,
                        assumed=True)
    d = "," if comma >= point else "."
    thou = thousands if thousands is not None else ("." if d == "," else ",")
    return Decision(Convention(d, thou or None), comma, point)


@dataclass
class ColumnResult:
    """A converted column and the positions of values that break the convention."""

    array: pa.ChunkedArray | pa.Array
    kind: str  # "int", "float", "text", "empty", "code"
    bad_positions: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    bad_values: list[str] = field(default_factory=list)
    text_examples: list[tuple[int, str]] = field(default_factory=list)
    numeric_share: float = 0.0
    has_decimal: bool = False
    has_thousands: bool = False
    unit: str | None = None  # "%" when the cells were written with a percent sign
    markers: dict[str, int] = field(default_factory=dict)  # missing marker -> cells
    space_thousands: bool = False
    negatives_in_parentheses: int = 0


def _positions(mask: Any) -> np.ndarray:
    return np.asarray(pc.indices_nonzero(pc.fill_null(mask, False)).to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def _has_leading_zero(arr: Any) -> bool:
    """True when some value starts with a zero followed by a digit ("01", "-007", "0123,5")."""
    zero = pc.or_(pc.starts_with(arr, "0"), pc.starts_with(arr, "-0"))
    candidates = pc.and_(zero, pc.greater(pc.binary_length(arr), 1))
    if not bool(pc.any(candidates).as_py()):
        return False
    return bool(pc.any(pc.match_substring_regex(arr.filter(pc.fill_null(candidates, False)),
                                                 _LEADING_ZERO)).as_py())


def _int_leading_zero(arr: Any) -> bool:
    """For a column of integer text: True when some value has a leading zero."""
    length = pc.binary_length(arr)
    zero = pc.and_(pc.starts_with(arr, "0"), pc.greater(length, 1))
    minus = pc.and_(pc.starts_with(arr, "-0"), pc.greater(length, 2))
    return bool(pc.any(pc.or_(zero, minus)).as_py())


def _to_number(arr: Any, conv: Convention | None) -> tuple[Any, str, bool, bool]:
    """Cast a column of well-formed numbers; also say which marks it used."""
    from ._buffers import normalise_numbers_flags

    if conv is None:
        out, has_decimal, has_thousands = arr, False, False
    else:
        out, has_decimal, has_thousands = normalise_numbers_flags(arr, conv.decimal, conv.thousands)
    if not has_decimal:
        try:
            return pc.cast(out, pa.int64()), "int", has_decimal, has_thousands
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            if not has_thousands:  # whole numbers too long for 64 bits: identifiers, kept as text
                return arr, "code", False, False
    return pc.cast(out, pa.float64()), "float", has_decimal, has_thousands


def convert_column(arr: pa.ChunkedArray | pa.Array, conv: Convention | None,
                   keep_leading_zeros: bool, ints: Any = None,
                   markers: frozenset[str] | None = None) -> ColumnResult:
    """Convert one string column to numbers when every value is a number.

    Plain numbers take the fast path. Otherwise the cells are brought to plain form
    (:func:`normalise_forms`: percent signs, parentheses, space thousands marks, a
    leading decimal mark, exponents, and the missing ``markers`` made null, counted in
    the result); a column where some values are still text stays text, unchanged.

    >>> import pyarrow as pa
    >>> r = convert_column(pa.array(["12,5%", "..", "(3,0)", "1 234,5", "5,33E-06"]),
    ...                    Convention(",", "."), True, markers=frozenset(DEFAULT_MISSING))
    >>> r.kind, r.array.to_pylist(), r.unit, r.markers
    ('float', [12.5, None, -3.0, 1234.5, 5.33e-06], '%', {'..': 1})
    """
    plain = _convert_plain(arr, conv, keep_leading_zeros, ints)
    if plain.kind in ("int", "float", "empty") and not len(plain.bad_positions):
        return plain
    if plain.kind == "code" or not _any_match(arr, "[0-9]"):
        return plain  # (without a digit, no plain form of the cells is a number)
    forms = normalise_forms(arr, markers)
    if not forms.changed:
        return plain
    exponent = forms.exponent
    body = forms.array
    if exponent is not None:
        body = pc.if_else(exponent, pa.scalar(None, pa.string()), body)
    result = _convert_plain(body, conv, keep_leading_zeros)
    if result.kind == "empty" and exponent is None:
        return plain  # markers only (a column of "X" codes): not a number column
    if result.kind not in ("int", "float", "empty"):
        plain.markers = {}
        return plain
    if exponent is not None:
        mantissa = forms.array.filter(exponent)
        if conv is not None and conv.decimal == ",":
            mantissa = pc.replace_substring(mantissa, ",", ".")
        try:
            values = pc.cast(mantissa, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            plain.markers = {}
            return plain
        floats = pc.cast(result.array, pa.float64()) if result.kind != "empty" else pc.cast(
            body, pa.float64())
        positions = pa.array(_positions(exponent))
        merged = np.asarray(floats.to_numpy(zero_copy_only=False), dtype=np.float64).copy()
        merged[positions.to_numpy()] = values.to_numpy(zero_copy_only=False)
        result.array = pa.array(merged, mask=np.isnan(merged) & ~_mask_array(exponent))
        result.kind = "float"
    result.numeric_share = 1.0
    result.unit = "%" if forms.percent else None
    result.markers = forms.markers
    result.space_thousands = bool(forms.space_thousands)
    result.negatives_in_parentheses = forms.parentheses
    return result


def _mask_array(mask: Any) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _convert_plain(arr: pa.ChunkedArray | pa.Array, conv: Convention | None,
                   keep_leading_zeros: bool, ints: Any = None) -> ColumnResult:
    """:func:`convert_column` for plain numbers.

    A column where some values are text (``"s/d"``, ``"n.d."``) stays text. A column of numbers where
    some break the file's convention (``"10.5"`` in a decimal-comma file) is
    converted, and the breaking values are returned for the caller to report.
    ``ints`` is the column already cast to integers when the caller has it, ``False``
    when the caller knows the cast fails, ``None`` to try.

    >>> import pyarrow as pa
    >>> r = _convert_plain(pa.array(["1.200", "10,5", "10.5"]), Convention(",", "."), True)
    >>> r.kind, r.array.to_pylist(), r.bad_values
    ('float', [1200.0, 10.5, None], ['10.5'])
    """
    n_valid = len(arr) - arr.null_count
    if n_valid == 0:
        return ColumnResult(pc.cast(arr, pa.float64()), "empty")
    if ints is None:
        try:
            ints = pc.cast(arr, pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ints = False
    if ints is not False:
        if keep_leading_zeros and _int_leading_zero(arr):
            return ColumnResult(arr, "code", numeric_share=1.0)
        return ColumnResult(ints, "int", numeric_share=1.0)
    if conv is not None:
        from ._buffers import check_numbers

        valid = check_numbers(arr, conv.decimal, conv.thousands)
        if bool(pc.all(valid).as_py()):
            if keep_leading_zeros and _has_leading_zero(arr) and bool(
                    pc.any(pc.match_substring_regex(arr, r"^[-+]?0[0-9]+$")).as_py()):
                return ColumnResult(arr, "code", numeric_share=1.0)
            converted, kind, dec, thou = _to_number(arr, conv)  # kind "code": beyond 64 bits
            return ColumnResult(converted, kind, numeric_share=1.0, has_decimal=dec,
                                has_thousands=thou)
    looks = pc.match_substring_regex(arr, NUMERIC_LOOKING)
    n_looks = int(pc.sum(pc.fill_null(looks, False).cast(pa.int64())).as_py() or 0)
    if n_looks < n_valid:
        share = n_looks / n_valid
        examples: list[tuple[int, str]] = []
        if share >= 0.5:
            pos = _positions(pc.and_(pc.invert(looks), pc.is_valid(arr)))[:3]
            examples = [(int(p), str(arr[int(p)].as_py())) for p in pos]
        return ColumnResult(arr, "text", text_examples=examples, numeric_share=share)
    if conv is None:
        # Numbers with marks but no convention could be decided: leave as text.
        return ColumnResult(arr, "text", numeric_share=1.0)
    if keep_leading_zeros and bool(pc.any(pc.match_substring_regex(arr, r"^[-+]?0[0-9]+$")).as_py()):
        return ColumnResult(arr, "code", numeric_share=1.0)
    bad = pc.invert(valid)
    bad_pos = _positions(bad)
    bad_values = [str(arr[int(p)].as_py()) for p in bad_pos]
    clean = pc.if_else(bad, pa.scalar(None, pa.string()), arr)
    converted, kind, dec, thou = _to_number(clean, conv)
    return ColumnResult(converted, kind, bad_pos, bad_values, numeric_share=1.0, has_decimal=dec,
                        has_thousands=thou)


@dataclass
class Forms:
    """A column with the ways offices write numbers brought to plain form.

    ``array`` holds the plain text (missing markers made null); the counts say what
    was changed, so that the caller can record it.
    """

    array: Any
    markers: dict[str, int]
    percent: int = 0
    parentheses: int = 0
    space_thousands: int = 0
    exponent: Any = None  # boolean mask of values in exponent notation (or None)
    changed: bool = False


def _any_match(arr: Any, pattern: str) -> bool:
    """True when some value of ``arr`` contains a match of ``pattern``."""
    return bool(pc.any(pc.match_substring_regex(arr, pattern)).as_py())


def _mask_count(mask: Any) -> int:
    return int(pc.sum(pc.fill_null(mask, False).cast(pa.int64())).as_py() or 0)


def normalise_forms(arr: Any, markers: frozenset[str] | None = None) -> Forms:
    """Trim spaces, make missing markers null, and write numbers in plain form.

    Handles ``12,5%`` (the number as written, the percent sign counted), ``(123)``
    (a negative), ``1 234,5`` (space or no-break space as thousands mark), ``.5`` and
    ``,5`` (a leading decimal mark) and ``0 `` (padding). Values in exponent notation
    (``5.33E-06``) are flagged in ``exponent`` for the caller to cast.

    >>> import pyarrow as pa
    >>> f = normalise_forms(pa.array([" 12,5% ", "(3)", "1\\u00a0234,5", ".5", "..", "n.d."]),
    ...                     frozenset(DEFAULT_MISSING))
    >>> f.array.to_pylist(), f.markers, f.percent, f.parentheses
    (['12,5', '-3', '1234,5', '0.5', None, None], {'..': 1, 'n.d.': 1}, 1, 1)
    """
    t = pc.utf8_trim_whitespace(arr)
    changed = not bool(pc.all(pc.fill_null(pc.equal(t, arr), True)).as_py())
    counts: dict[str, int] = {}
    if markers:
        lower = pc.utf8_lower(t)
        is_marker = pc.fill_null(pc.is_in(lower, pa.array(sorted(markers), pa.string())), False)
        if bool(pc.any(is_marker).as_py()):
            for item in pc.value_counts(t.filter(is_marker)).to_pylist():
                counts[str(item["values"])] = int(item["counts"])
            t = pc.if_else(is_marker, pa.scalar(None, pa.string()), t)
            changed = True
    percent = pc.ends_with(t, "%")
    n_percent = _mask_count(percent)
    if n_percent:
        t = pc.utf8_rtrim_whitespace(pc.replace_substring_regex(t, "%$", ""))
        changed = True
    parens = pc.match_substring_regex(t, _PARENS)
    n_parens = _mask_count(parens)
    if n_parens:
        t = pc.replace_substring_regex(t, _PARENS, "-\\1")
        changed = True
    spaced = pc.match_substring_regex(t, _SPACE_GROUPED)
    n_spaced = _mask_count(spaced)
    if n_spaced:
        t = pc.if_else(spaced, pc.replace_substring_regex(t, _SPACES, ""), t)
        changed = True
    leading = pc.match_substring_regex(t, _LEADING_MARK)
    if _mask_count(leading):
        t = pc.replace_substring_regex(t, _LEADING_MARK, "\\10\\2")
        changed = True
    exponent = pc.fill_null(pc.match_substring_regex(t, _EXPONENT), False)
    has_exponent = bool(pc.any(exponent).as_py())
    return Forms(t, counts, n_percent, n_parens, n_spaced, exponent if has_exponent else None,
                 changed or has_exponent)


def column_evidence(arr: Any, markers: frozenset[str] | None) -> tuple[bool, tuple[int, int, int]]:
    """Whether a text column holds numbers (half its filled cells or more) and its votes.

    Cells are first brought to plain form (:func:`normalise_forms`), so that ``12,5%``
    or ``1 234,5`` count as numbers and vote, and missing markers count as nothing.
    """
    looks = pc.fill_null(pc.match_substring_regex(arr, NUMERIC_LOOKING), False)
    n = len(arr) - arr.null_count
    if n == 0:
        return False, (0, 0, 0)
    if _mask_count(looks) == n:
        # only a value with a mark can prove a family
        return True, family_votes(arr.filter(looks)) if _any_match(arr, "[.,]") else (0, 0, 0)
    if not _any_match(arr, "[0-9]"):
        return False, (0, 0, 0)  # no digit: no plain form of the cells is a number
    forms = normalise_forms(arr, markers)
    plain = forms.array
    if forms.exponent is not None:
        plain = pc.if_else(forms.exponent, pa.scalar(None, pa.string()), plain)
    n_plain = len(plain) - plain.null_count
    looks = pc.fill_null(pc.match_substring_regex(plain, NUMERIC_LOOKING), False)
    n_numbers = _mask_count(looks) + (_mask_count(forms.exponent) if forms.exponent is not None else 0)
    filled = n_plain + (_mask_count(forms.exponent) if forms.exponent is not None else 0)
    if filled == 0:
        return False, (0, 0, 0)  # markers only: a column of codes such as "X"
    return n_numbers / filled >= 0.5, family_votes(plain.filter(looks))


def record_result(problems: Any, name: str, result: ColumnResult, rows: np.ndarray,
                  conv: Convention | None) -> None:
    """Report one converted column: numbers breaking the convention, text kept, markers, unit."""
    for pos, value in zip(result.bad_positions.tolist(), result.bad_values):
        problems.add("io.number_format", "error", row=int(rows[pos]), column=name, value=value,
                     expected=conv.example() if conv else "", decimal=conv.decimal if conv else "",
                     thousands=(conv.thousands or "") if conv else "")
    for pos, value in result.text_examples:
        problems.add("io.text_in_numbers", "note", row=int(rows[pos]), column=name, value=value,
                     share=f"{result.numeric_share:.0%}")
    if result.markers:
        problems.found.missing_markers[name] = dict(result.markers)
        problems.add("io.missing_markers", "note", column=name,
                     value=", ".join(f"'{k}' x{v}" for k, v in result.markers.items()),
                     n=sum(result.markers.values()))
    if result.unit:
        problems.found.units[name] = result.unit
        problems.add("io.unit", "note", column=name, value=result.unit)
    if result.negatives_in_parentheses:
        problems.add("io.parentheses", "note", column=name, n=result.negatives_in_parentheses)
