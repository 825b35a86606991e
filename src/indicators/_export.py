"""Safe export helpers shared by every writer.

Spreadsheet programs run a cell that starts with ``= + - @`` (or tab/CR) as a
formula: text written to a spreadsheet is escaped with a leading apostrophe. Writers
never leave the folder the user named.

>>> import pandas as pd
>>> escape_formulas(pd.DataFrame({"a": ["=SUM(A1)", "ok", "-3"], "b": [1, 2, 3]}))["a"].tolist()
["'=SUM(A1)", 'ok', "'-3"]
>>> safe_path("informe", "tablas/pais.csv").as_posix().endswith("informe/tablas/pais.csv")
True
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import OptionError

__all__ = ["FORMULA_PREFIXES", "escape_cell", "escape_formulas", "safe_path"]

#: Leading characters a spreadsheet may interpret as a formula.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def escape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) escaped by :func:`escape_cell`."""
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            out[col] = s.map(escape_cell, na_action="ignore")
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def safe_path(folder: str | Path, name: str | Path) -> Path:
    """``folder / name``, refusing any name that would leave ``folder`` (``..``, absolute paths, links)."""
    base = Path(folder).resolve()
    target = (base / name).resolve()
    if target != base and base not in target.parents:
        raise OptionError(
            f"Refusing to write {str(name)!r}: it is outside the folder {str(base)!r}.",
            problems=[{"code": "export.outside_folder", "field": "name", "value": str(name),
                       "expected": f"a path inside {base}"}],
        )
    return target
