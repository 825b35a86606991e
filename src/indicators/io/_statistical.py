"""SPSS (.sav, .zsav, .por) and Stata (.dta) files through pyreadstat.

Variable labels and value labels are kept. User-missing codes (SPSS missing values
and ranges such as 8 = "no sabe", 9 = "no responde"; Stata's extended missing ``.a``
to ``.z``) are never silently turned into NaN: ``missing="codes"`` keeps them as
their codes, ``"nan"`` makes them missing, ``"labels"`` shows the value labels.
Whichever is chosen, ``Provenance.missing_codes`` lists the codes per variable.

The C reader (ReadStat) trusts the file: a damaged header can make it read out of
bounds or ask for gigabytes. So the file's signature is checked first, and the file
is parsed in a child process (forked, so it costs little) whose memory and time are
bounded: a crash, an allocation failure or a hang there becomes a
:class:`~indicators.errors.ReadError`, never the end of the user's process. The
child hands back plain data only: the frame as Arrow IPC bytes and the dictionary
(labels, missing codes) as JSON, so nothing the child built from a hostile file is
ever unpickled by the parent. Files
larger than ``_CHILD_MAX_BYTES`` have their dictionary (header) parsed in the child
and their data read in the process itself.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._limits import Limits, limit_error
from ..errors import ReadError
from ._provenance import ROW, Problems, read_error

#: Files up to this size are read wholly in the child process.
_CHILD_MAX_BYTES = 64 * 2**20
#: Seconds the child may take: a base plus a rate per MiB.
_CHILD_SECONDS = (60.0, 2.0)
#: Memory the child may add to what the process already maps: a base plus a factor of the file size.
_CHILD_MEMORY = (2 * 2**30, 40)


def _signature_ok(path: Path, suffix: str) -> bool:
    """Whether the first bytes are those of the format the name says."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if suffix in (".sav", ".zsav"):
        return head[:4] in (b"$FL2", b"$FL3")
    if suffix == ".dta":
        return head.startswith(b"<stata_dta>") or (len(head) >= 2 and 102 <= head[0] <= 121 and head[1] in (1, 2))
    return True  # .por: a text header of 200 characters in any of several encodings


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


#: The fields of pyreadstat's metadata that are used here (the rest is not sent back by the child).
_META_FIELDS = ("column_names", "column_names_to_labels", "variable_value_labels", "missing_ranges",
                "missing_user_values", "file_encoding", "number_rows", "number_columns")


def _plain_json(value: Any) -> Any:
    """A metadata value as JSON: numbers, text and None as they are; anything else as its text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)


def _meta_to_json(meta: Any) -> dict[str, Any]:
    """The metadata fields used, as JSON-able data (mapping keys kept with their types as pairs)."""
    out: dict[str, Any] = {}
    for field in _META_FIELDS:
        value = getattr(meta, field, None)
        if isinstance(value, Mapping):
            pairs = []
            for key, item in value.items():
                if isinstance(item, Mapping):
                    item = [[_plain_json(k), _plain_json(v)] for k, v in item.items()]
                    pairs.append([_plain_json(key), {"pairs": item}])
                elif isinstance(item, (list, tuple)):
                    pairs.append([_plain_json(key), [
                        {k: _plain_json(v) for k, v in x.items()} if isinstance(x, Mapping) else _plain_json(x)
                        for x in item]])
                else:
                    pairs.append([_plain_json(key), _plain_json(item)])
            out[field] = {"pairs": pairs}
        elif isinstance(value, (list, tuple)):
            out[field] = [_plain_json(v) for v in value]
        else:
            out[field] = _plain_json(value)
    return out


def _json_to_meta(data: Any) -> Any:
    """The metadata object back from :func:`_meta_to_json` (a namespace with the same fields)."""
    from types import SimpleNamespace

    def back(value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {"pairs"}:
            return {k: back(v) for k, v in value["pairs"]}
        if isinstance(value, list):
            return [back(v) for v in value]
        return value

    if not isinstance(data, dict):
        raise ValueError("the dictionary sent by the reader is not a mapping")
    return SimpleNamespace(**{field: back(data.get(field)) for field in _META_FIELDS})


def _cell_kind(value: Any) -> int:
    """0 none, 1 int, 2 float, 3 text, 4 bool, 5 anything else (sent as its text)."""
    if value is None:
        return 0
    if isinstance(value, (bool, np.bool_)):
        return 4
    if isinstance(value, (int, np.integer)):
        return 1 if -(2**63) <= int(value) < 2**63 else 5
    if isinstance(value, (float, np.floating)):
        return 2
    if isinstance(value, str):
        return 3
    return 5


def _cell_back(kind: int, number: float | None, integer: int | None, text: str | None) -> Any:
    if kind == 1:
        return integer
    if kind == 2:
        return number
    if kind == 4:
        return bool(integer)
    if kind in (3, 5):
        return text
    return None


def _frame_to_arrow(frame: pd.DataFrame) -> tuple[bytes, dict[str, Any]]:
    """The frame as Arrow IPC bytes, and what Arrow cannot say: the order of the columns, which were
    of object dtype, and which object columns mixed numbers and text (sent as two columns)."""
    import pyarrow as pa

    columns: dict[str, Any] = {}
    layout: list[dict[str, Any]] = []
    for k, name in enumerate(frame.columns):
        col = frame.iloc[:, k]
        entry: dict[str, Any] = {"name": str(name), "object": col.dtype == object, "mixed": False}
        try:
            columns[f"c{k}"] = pa.array(col, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
            # numbers and text in one column (Stata's extended missing letters): each cell's kind, and
            # its value in the column of that kind
            kinds = [_cell_kind(v) for v in col]
            columns[f"k{k}"] = pa.array(kinds, type=pa.int8())
            cells = list(zip(col, kinds, strict=True))
            columns[f"c{k}"] = pa.array([float(v) if kind == 2 else None for v, kind in cells], type=pa.float64())
            columns[f"i{k}"] = pa.array([int(v) if kind in (1, 4) else None for v, kind in cells], type=pa.int64())
            columns[f"t{k}"] = pa.array([v if kind == 3 else str(v) if kind == 5 else None for v, kind in cells],
                                        type=pa.string())
            entry["mixed"] = True
        layout.append(entry)
    table = pa.table(columns) if columns else pa.table({})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes(), {"columns": layout, "rows": len(frame)}


def _frame_from_arrow(payload: bytes, layout: dict[str, Any]) -> pd.DataFrame:
    """The frame back from :func:`_frame_to_arrow`, with the dtypes pyreadstat gave it."""
    import pyarrow as pa

    table = pa.ipc.open_stream(pa.py_buffer(payload)).read_all()
    out: dict[str, Any] = {}
    for k, entry in enumerate(layout["columns"]):
        values = table.column(f"c{k}")
        if entry["mixed"]:
            parts = zip(table.column(f"k{k}").to_pylist(), values.to_pylist(), table.column(f"i{k}").to_pylist(),
                        table.column(f"t{k}").to_pylist(), strict=True)
            col = pd.Series([_cell_back(kind, f, i, t) for kind, f, i, t in parts], dtype=object)
        elif entry["object"]:
            col = pd.Series(values.to_pandas(types_mapper=None, strings_to_categorical=False,
                                             date_as_object=True).to_numpy(dtype=object, na_value=None),
                            dtype=object)
            if pa.types.is_floating(values.type) or pa.types.is_integer(values.type):
                col = pd.Series(values.to_numpy(zero_copy_only=False).astype(object), dtype=object)
        else:
            col = values.to_pandas(date_as_object=True)
        out[entry["name"]] = col.reset_index(drop=True)
    frame = pd.DataFrame(out, index=pd.RangeIndex(int(layout["rows"])))
    return frame


def _child_read(reader: Callable[..., Any], path: str, kwargs: dict[str, Any], size: int) -> tuple[str, Any]:
    """Run ``reader(path, **kwargs)`` in a forked child; return ("ok", (frame, metadata)), ("error", text)
    or ("crash", text). The child sends back a JSON header and the frame as Arrow IPC bytes."""
    import multiprocessing as mp
    import signal

    if "fork" not in mp.get_all_start_methods():  # pragma: no cover - Windows: no cheap child
        try:
            return "ok", reader(path, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every reader failure becomes a ReadError
            return "error", f"{type(exc).__name__}: {exc}"
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)
    budget = _vm_bytes() + _CHILD_MEMORY[0] + _CHILD_MEMORY[1] * size

    def work() -> None:  # pragma: no cover - runs in the child
        receive.close()
        import faulthandler

        faulthandler.disable()  # a crash here is reported to the parent, not dumped on the user's terminal
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
        except (ImportError, ValueError, OSError):
            pass
        body = b""
        try:
            frame, meta = reader(path, **kwargs)
            body, layout = _frame_to_arrow(frame)
            header = json.dumps({"status": "ok", "layout": layout, "meta": _meta_to_json(meta)})
        except MemoryError:
            header = json.dumps({"status": "error",
                                 "text": "the file asks for more memory than it can hold data for"})
        except BaseException as exc:  # noqa: BLE001 - reported to the parent as text
            header = json.dumps({"status": "error", "text": f"{type(exc).__name__}: {str(exc)[:300]}"})
        try:
            send.send_bytes(header.encode("utf-8"))
            send.send_bytes(body)
        finally:
            send.close()
            os._exit(0)

    proc = ctx.Process(target=work, daemon=True)
    proc.start()
    send.close()
    timeout = _CHILD_SECONDS[0] + _CHILD_SECONDS[1] * size / 2**20
    try:
        if not receive.poll(timeout):
            proc.kill()
            proc.join()
            return "crash", f"the reader did not finish within {timeout:.0f} s"
        try:
            header = json.loads(receive.recv_bytes().decode("utf-8"))
            body = receive.recv_bytes()
        except (EOFError, OSError, ValueError):
            proc.join()
            code = proc.exitcode or 0
            name = signal.Signals(-code).name if code < 0 and -code in signal.valid_signals() else str(code)
            return "crash", f"the reader stopped with {name}"
        proc.join()
        if not isinstance(header, dict) or header.get("status") != "ok":
            text = header.get("text") if isinstance(header, dict) else None
            return "error", str(text or "the reader failed")
        try:
            return "ok", (_frame_from_arrow(body, header["layout"]), _json_to_meta(header["meta"]))
        except Exception as exc:  # noqa: BLE001 - a malformed answer is a damaged file, not a crash
            return "error", f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        receive.close()
        if proc.is_alive():  # pragma: no cover
            proc.kill()
            proc.join()


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
    frame, meta = _read_safely(path, label, fmt=fmt, lang=lang)
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
    if fmt == "stata" and missing == "codes":
        # numbers and extended-missing letters in one column: kept as text, as Stata shows them,
        # so that the frame stays one type per column (and can be written to Parquet)
        for var, codes in missing_codes.items():
            if var in frame.columns and frame[var].dtype == object and any(isinstance(c, str) for c in codes):
                frame[var] = frame[var].map(lambda v: None if v is None or (isinstance(v, float) and math.isnan(v))
                                            else str(_plain(v)), na_action="ignore").astype("string")
                problems.add("io.stata_codes_as_text", "note", column=var,
                             value=", ".join(str(c) for c in codes if isinstance(c, str)))
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
            if unlabelled.any():  # labels and unlabelled codes: all as text, so the column has one type
                codes = col.map(lambda v: str(_plain(v)), na_action="ignore")
                frame[var] = mapped.where(~unlabelled, codes).astype("string")
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


def _read_safely(path: Path, label: str, *, fmt: str, lang: str) -> tuple[pd.DataFrame, Any]:
    """Parse the file with pyreadstat without letting a damaged file take the process down."""
    import pyreadstat

    readers: dict[str, Callable[..., tuple[pd.DataFrame, Any]]] = {
        ".sav": pyreadstat.read_sav, ".zsav": pyreadstat.read_sav,
        ".por": pyreadstat.read_por, ".dta": pyreadstat.read_dta}
    suffix = path.suffix.lower()
    reader = readers[suffix]
    kind = "SPSS" if fmt == "spss" else "Stata"
    kwargs: dict[str, Any] = {} if suffix == ".por" else {"user_missing": True}
    size = path.stat().st_size
    limits = Limits.current()

    def corrupt(text: str) -> ReadError:
        return read_error("io.corrupt", lang, label, value=text[:200], format=kind)

    if not _signature_ok(path, suffix):
        raise corrupt("the file does not start with the signature of its format")
    if size > _CHILD_MAX_BYTES:
        status, result = _child_read(reader, str(path), {**kwargs, "metadataonly": True}, 0)
        if status != "ok":
            raise corrupt(result)
        _check_dimensions(result[1], size, suffix, label, lang, limits, corrupt)
        try:
            return reader(str(path), **kwargs)
        except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError, OSError, ValueError, MemoryError,
                TypeError, IndexError, KeyError, UnicodeError, OverflowError) as exc:
            raise corrupt(f"{type(exc).__name__}: {exc}") from None
    status, result = _child_read(reader, str(path), kwargs, size)
    if status != "ok":
        raise corrupt(result)
    _check_dimensions(result[1], size, suffix, label, lang, limits, corrupt)
    return result  # type: ignore[no-any-return]


def _check_dimensions(meta: Any, size: int, suffix: str, label: str, lang: str, limits: Limits,
                      corrupt: Callable[[str], ReadError]) -> None:
    rows = getattr(meta, "number_rows", None) or 0
    columns = getattr(meta, "number_columns", None) or len(getattr(meta, "column_names", []) or [])
    if columns > limits.max_columns:
        raise limit_error(ReadError, "max_columns", int(columns), limits.max_columns, where=label, lang=lang,
                          file=label)
    if suffix == ".dta" and rows > 0 and columns > 0 and rows > size:
        raise corrupt(f"the header declares {rows:,} rows, more than the file's {size:,} bytes can hold")


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
