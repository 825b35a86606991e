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

__all__ = ["ColumnResult", "Convention", "convert_column", "decide", "family_votes"]

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
                   keep_leading_zeros: bool, ints: Any = None) -> ColumnResult:
    """Convert one string column to numbers when every value is a number.

    A column where some values are text (``"s/d"``, ``"n.d."``) stays text: nothing
    is turned into a missing value behind the user's back. A column of numbers where
    some break the file's convention (``"10.5"`` in a decimal-comma file) is
    converted, and the breaking values are returned for the caller to report.
    ``ints`` is the column already cast to integers when the caller has it, ``False``
    when the caller knows the cast fails, ``None`` to try.

    >>> import pyarrow as pa
    >>> from indicators.io._numbers import Convention, convert_column
    >>> r = convert_column(pa.array(["1.200", "10,5", "10.5"]), Convention(",", "."), True)
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
