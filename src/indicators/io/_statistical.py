"""SPSS (.sav, .zsav, .por) and Stata (.dta) files through pyreadstat.

Variable labels and value labels are kept. User-missing codes (SPSS missing values
and ranges such as 8 = "no sabe", 9 = "no responde"; Stata's extended missing ``.a``
to ``.z``) are never silently turned into NaN: ``missing="codes"`` keeps them as
their codes, ``"nan"`` makes them missing, ``"labels"`` shows the value labels.
Whichever is chosen, ``Provenance.missing_codes`` lists the codes per variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._provenance import ROW, Problems, read_error

__all__ = ["read_statistical"]


def _is_missing_code(values: pd.Series, codes: tuple[Any, ...]) -> pd.Series:
    mask = pd.Series(False, index=values.index)
    numeric = pd.to_numeric(values, errors="coerce") if values.dtype == object else values
    for code in codes:
        if isinstance(code, tuple):
            lo, hi = code
            if pd.api.types.is_numeric_dtype(numeric):
                mask |= (numeric >= lo) & (numeric <= hi)
        else:
            mask |= values == code
    return mask.fillna(False).astype(bool)


def read_statistical(path: Path, label: str, *, fmt: str, lang: str, missing: str,
                     problems: Problems) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read an SPSS or Stata file; return the frame and its labels and missing codes."""
    import pyreadstat

    readers: dict[str, Callable[..., tuple[pd.DataFrame, Any]]] = {".sav": pyreadstat.read_sav, ".zsav": pyreadstat.read_sav,
               ".por": pyreadstat.read_por, ".dta": pyreadstat.read_dta}
    reader = readers[path.suffix.lower()]
    try:
        frame, meta = reader(str(path), user_missing=True)
    except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError) as exc:
        raise read_error("io.corrupt", lang, label, value=str(exc)[:200],
                         format="SPSS" if fmt == "spss" else "Stata") from None
    variable_labels = {k: v for k, v in (meta.column_names_to_labels or {}).items() if v}
    value_labels: dict[str, dict[Any, str]] = {
        k: dict(v) for k, v in (meta.variable_value_labels or {}).items()}
    missing_codes: dict[str, tuple[Any, ...]] = {}
    for var, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        found: list[Any] = []
        for r in ranges:
            lo, hi = r["lo"], r["hi"]
            found.append(lo if lo == hi else (lo, hi))
        missing_codes[var] = tuple(found)
    for var, values in (getattr(meta, "missing_user_values", None) or {}).items():
        missing_codes[var] = tuple(missing_codes.get(var, ())) + tuple(values)
    # Stata extended missing values come back as letters in numeric columns
    if fmt == "stata":
        for var in frame.columns:
            col = frame[var]
            if col.dtype == object:
                letters = {v for v in col.dropna().unique() if isinstance(v, str) and len(v) == 1}
                numbers = col.dropna().map(lambda v: not isinstance(v, str)).any()
                if letters and numbers:
                    missing_codes[var] = tuple(sorted(set(missing_codes.get(var, ())) | letters))
    for var, codes in missing_codes.items():
        if var not in frame.columns:
            continue
        mask = _is_missing_code(frame[var], codes)
        count = int(mask.sum())
        if not count:
            continue
        shown = ", ".join(str(_plain(c)) for c in codes)
        if missing == "nan":
            frame[var] = frame[var].mask(mask)
            problems.add("io.user_missing_nan", "note", column=var, value=shown, n=count)
        else:
            problems.add("io.user_missing_kept", "note", column=var, value=shown, n=count,
                         mode=missing)
    if missing == "nan":
        for var in missing_codes:
            if var in frame.columns and frame[var].dtype == object:
                converted = pd.to_numeric(frame[var], errors="coerce")
                if converted.notna().sum() == frame[var].notna().sum():
                    frame[var] = converted
    if missing == "labels":
        for var, labels in value_labels.items():
            if var not in frame.columns:
                continue
            col = frame[var]
            lookup = dict(labels)
            for key, text in labels.items():  # letters of Stata extended missing
                lookup.setdefault(str(key), text)
            mapped = col.map(lambda v, lk=lookup: lk.get(_plain(v), lk.get(v)) if pd.notna(v) else None)
            unlabelled = col.notna() & mapped.isna()
            if unlabelled.any():
                frame[var] = mapped.where(~unlabelled, col).astype(object)
            else:
                order = list(dict.fromkeys(labels.values()))
                frame[var] = pd.Categorical(mapped, categories=order)
    frame.index = pd.Index(np.arange(1, len(frame) + 1, dtype=np.int64), name=ROW)
    return frame, {
        "variable_labels": variable_labels,
        "value_labels": value_labels,
        "missing_codes": missing_codes,
        "encoding": getattr(meta, "file_encoding", None),
    }


def _plain(value: Any) -> Any:
    """1.0 -> 1 so codes print and match as the user wrote them."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, tuple):
        return f"{_plain(value[0])}-{_plain(value[1])}"
    return value


def labels_for(mapping: Mapping[Any, str]) -> dict[Any, str]:
    """Value labels with integral float keys made ints (``{1.0: 'Sí'}`` -> ``{1: 'Sí'}``)."""
    return {_plain(k): v for k, v in mapping.items()}
