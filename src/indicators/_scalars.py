"""Cells as scalars: what every stage does first with a table it did not make.

A DataFrame can hold anything in an object column: bytes, lists, dicts, sets, Decimal,
arbitrary objects. The stages work on text and numbers; :func:`plain_objects` turns the
odd cells into text (bytes decoded as UTF-8, others shown as they print), so that each
is reported as the value it is instead of breaking a check or a conversion.

>>> import pandas as pd
>>> plain_objects(pd.DataFrame({"a": [b"caf\\xc3\\xa9", [1, 2], 3.5, None]}))["a"].tolist()
['café', '[1, 2]', 3.5, None]
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SCALARS", "as_scalar", "is_scalar", "plain_objects"]

#: Cell types the stages understand as they are.
SCALARS: tuple[type, ...] = (str, int, float, bool, np.generic, decimal.Decimal, datetime.date, datetime.time,
                             pd.Timestamp, pd.Timedelta)


def is_scalar(cell: Any) -> bool:
    """Whether ``cell`` is missing or one of :data:`SCALARS`."""
    return cell is None or cell is pd.NA or cell is pd.NaT or isinstance(cell, SCALARS)


def as_scalar(cell: Any) -> Any:
    """``cell`` itself if scalar; bytes decoded (UTF-8, else with escapes); anything else as text."""
    if is_scalar(cell):
        return cell
    if isinstance(cell, bytes | bytearray | memoryview):
        raw = bytes(cell)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "backslashreplace")
    try:
        text = repr(cell) if isinstance(cell, list | tuple | dict | set | frozenset) else str(cell)
    except Exception:  # noqa: BLE001 - an object whose str() fails is shown by its type
        text = f"<{type(cell).__name__}>"
    return text if len(text) <= 200 else text[:197] + "..."


def plain_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every non-scalar cell of its object columns made a scalar (a copy if any changed)."""
    fixed: dict[int, pd.Series] = {}
    for j in range(frame.shape[1]):
        col = frame.iloc[:, j]
        if col.dtype == object and len(col) and not col.map(is_scalar).all():
            fixed[j] = col.map(as_scalar)
    if not fixed:
        return frame
    out = frame.copy()
    for j, col in fixed.items():
        out.isetitem(j, col)
    return out
