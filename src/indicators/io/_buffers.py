"""Whole-column operations on the bytes of Arrow string arrays, with numpy.

Three operations the CSV reader needs at the speed of a memory copy rather than of a
per-value regular expression or replacement:

* :func:`transcode`: single-byte code page (cp1252, latin-1) to UTF-8;
* :func:`check_numbers`: which values are well-formed numbers of a convention
  (digits, an optional leading sign, thousands marks exactly every three digits of
  the integer part, at most one decimal mark with digits on both sides). It agrees
  with the regular expression of :meth:`indicators.io._numbers.Convention.pattern`
  (a property test checks this);
* :func:`normalise_numbers`: drop the thousands marks and make the decimal mark a
  point, ready for Arrow's string-to-number cast.

>>> import pyarrow as pa
>>> arr = pa.array(["1.234,5", "10.5", None, "-0,25"])
>>> check_numbers(arr, ",", ".").to_pylist()
[True, False, True, True]
>>> normalise_numbers(arr, ",", ".").to_pylist()
['1234.5', '105', None, '-0.25']
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["check_numbers", "normalise_numbers", "single_byte_table", "transcode"]


def _chunks(arr: Any) -> list[pa.Array]:
    if isinstance(arr, pa.ChunkedArray):
        return list(arr.chunks)
    return [arr]


def _parts(chunk: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Relative offsets (int64, length n + 1) and the value bytes of a string chunk."""
    if chunk.offset:
        chunk = pa.concat_arrays([chunk])
    bufs = chunk.buffers()
    offsets = np.frombuffer(bufs[1], dtype=np.int32, count=len(chunk) + 1).astype(np.int64)
    start, end = int(offsets[0]), int(offsets[-1])
    data = (np.frombuffer(bufs[2], dtype=np.uint8, count=end)[start:end] if bufs[2] is not None and end
            else np.empty(0, np.uint8))
    return offsets - start, data


def _rebuild(chunk: pa.Array, offsets: np.ndarray, data: np.ndarray | bytes) -> pa.Array:
    if chunk.offset:
        chunk = pa.concat_arrays([chunk])
    validity = chunk.buffers()[0]
    payload = pa.py_buffer(data if isinstance(data, bytes) else np.ascontiguousarray(data).tobytes())
    return pa.StringArray.from_buffers(len(chunk), pa.py_buffer(offsets.astype(np.int32)), payload,
                                       validity, chunk.null_count)


@lru_cache(maxsize=16)
def single_byte_table(codec: str) -> np.ndarray | None:
    """Extra UTF-8 bytes per byte of ``codec`` (-1: undefined), or None if not single-byte ASCII."""
    try:
        text = bytes(range(256)).decode(codec, errors="replace")
    except LookupError:
        return None
    if len(text) != 256 or text[:128] != "".join(chr(i) for i in range(128)):
        return None
    extra = np.zeros(256, dtype=np.int64)
    for b in range(128, 256):
        try:
            extra[b] = len(bytes([b]).decode(codec).encode("utf-8")) - 1
        except UnicodeDecodeError:
            extra[b] = -1
    return extra


def transcode(arr: Any, codec: str) -> tuple[Any, int | None]:
    """Decode a column read as raw bytes from single-byte ``codec`` into UTF-8.

    Returns the new column and, if some byte is undefined in ``codec``, the position of
    the first value holding one (the column is then returned unchanged).
    """
    table = single_byte_table(codec)
    assert table is not None
    out = []
    base = 0
    for chunk in _chunks(arr):
        offsets, data = _parts(chunk)
        high = np.flatnonzero(data >= 0x80)
        if len(high) == 0:
            out.append(chunk)
            base += len(chunk)
            continue
        extra_high = table[data[high]]
        if (extra_high < 0).any():
            bad = high[np.argmax(extra_high < 0)]
            return arr, base + int(np.searchsorted(offsets, bad, side="right") - 1)
        new = data.tobytes().decode(codec).encode("utf-8")
        extra = np.zeros(len(data) + 1, dtype=np.int64)
        extra[high + 1] = extra_high
        cum = np.cumsum(extra)
        out.append(_rebuild(chunk, offsets + cum[offsets], new))
        base += len(chunk)
    return pa.chunked_array(out, type=pa.string()), None


_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ord("0"):ord("9") + 1] = True


def check_numbers(arr: Any, decimal: str, thousands: str | None) -> pa.ChunkedArray:
    """True where a value is a well-formed number (or null), False elsewhere."""
    dec, thou = ord(decimal), (ord(thousands) if thousands else -1)
    out = []
    for chunk in _chunks(arr):
        offsets, data = _parts(chunk)
        n = len(chunk)
        ok = np.ones(n, dtype=bool)
        starts, ends = offsets[:-1], offsets[1:]
        length = ends - starts
        vid = np.repeat(np.arange(n, dtype=np.int32), length)  # value of each byte
        allowed = _DIGIT.copy()
        allowed[dec] = True
        if thou >= 0:
            allowed[thou] = True
        allowed[ord("-")] = allowed[ord("+")] = True
        bad = np.flatnonzero(~allowed[data])
        ok[vid[bad]] = False
        # a sign only as the first byte
        sign_pos = np.flatnonzero((data == ord("-")) | (data == ord("+")))
        sign_vid = vid[sign_pos]
        ok[sign_vid[sign_pos != starts[sign_vid]]] = False
        signed = np.zeros(n, dtype=np.int64)
        signed[sign_vid[sign_pos == starts[sign_vid]]] = 1
        body_start = starts + signed
        # decimal mark: at most one, with digits on both sides
        dec_pos = np.flatnonzero(data == dec)
        dec_vid = vid[dec_pos]
        dec_count = np.bincount(dec_vid, minlength=n)
        ok[dec_count > 1] = False
        int_end = ends.copy()
        int_end[dec_vid] = dec_pos  # with several marks the value is already rejected
        has_dec = dec_count > 0
        ok[has_dec & (int_end >= ends - 1)] = False  # "12," has no decimals
        # thousands marks: before the decimal mark, every fourth byte back from it
        if thou >= 0:
            t_pos = np.flatnonzero(data == thou)
            t_vid = vid[t_pos]
            misplaced = (t_pos >= int_end[t_vid]) | ((int_end[t_vid] - t_pos) % 4 != 0)
            ok[t_vid[misplaced]] = False
            t_count = np.bincount(t_vid, minlength=n)
        else:
            t_count = np.zeros(n, dtype=np.int64)
        int_len = int_end - body_start
        lead = int_len - 4 * t_count
        grouped = t_count > 0
        ok[grouped & ((lead < 1) | (lead > 3))] = False
        ok[int_len < 1] = False  # a lone sign, ",5", "" (empty strings are read as missing)
        if chunk.null_count:
            ok |= np.asarray(chunk.is_null().to_numpy(zero_copy_only=False))
        out.append(pa.array(ok & (length >= 0)))
    return pa.chunked_array(out, type=pa.bool_())


def normalise_numbers(arr: Any, decimal: str, thousands: str | None) -> pa.ChunkedArray:
    """Drop thousands marks and turn the decimal mark into a point, value by value."""
    return normalise_numbers_flags(arr, decimal, thousands)[0]


def normalise_numbers_flags(arr: Any, decimal: str,
                            thousands: str | None) -> tuple[pa.ChunkedArray, bool, bool]:
    """:func:`normalise_numbers`, also saying whether any decimal and thousands mark was seen."""
    dec = ord(decimal)
    out = []
    seen_dec = seen_thou = False
    for chunk in _chunks(arr):
        offsets, data = _parts(chunk)
        if thousands and (data == ord(thousands)).any():
            seen_thou = True
            keep = data != ord(thousands)
            removed = np.concatenate([[0], np.cumsum(~keep)])
            data = data[keep]
            offsets = offsets - removed[offsets]
        elif dec != ord("."):
            data = data.copy()
        is_dec = data == dec
        if is_dec.any():
            seen_dec = True
            if dec != ord("."):
                data[is_dec] = ord(".")
        out.append(_rebuild(chunk, offsets, data))
    return pa.chunked_array(out, type=pa.string()), seen_dec, seen_thou
