"""The one protocol every result of the library shares, and the helpers behind it.

A result (:class:`~indicators.Estimates`, :class:`~indicators.Scores`,
:class:`~indicators.ValidationReport`, :class:`~indicators.Report`, and any result added
later) derives from :class:`Result` and so offers:

- ``to_frame()``: its main table, a copy;
- ``_repr_html_()``: a compact summary for notebooks in the result's language: what it is,
  its key figures and the first rows of its main table, every text HTML-escaped;
- ``to_html(path=None)``: one self-contained HTML page, returned as text and, with a path,
  written (through :func:`indicators._export.safe_path`);
- ``to_excel(path)``: a workbook, text cells a spreadsheet would run as formulas escaped;
- ``save(folder)``: every file of the result inside ``folder``.

Tables a result hands out are never its own: a result stores its tables privately
(:func:`protect_fields`) and hands out copies, or, for tables as large
as the input data, a shallow copy that pandas' copy-on-write keeps apart from the stored one
(:func:`protected`). A subclass supplies :meth:`Result._summary` and
:meth:`Result._sheets`; the rest follows.

>>> import pandas as pd
>>> page = summary_html(Summary(title="Demo <b>", figures=(("Rows", "2"),),
...                             table=pd.DataFrame({"a": ["<script>", "x"]}), lang="en"))
>>> "<script>" in page, "&lt;script&gt;" in page, "Demo &lt;b&gt;" in page
(False, True, True)
"""

from __future__ import annotations

import copy
import datetime
import html
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, Literal, TypeVar, cast, overload

import numpy as np
import pandas as pd

from ._options import validate_options
from .errors import OptionError
from .i18n import Lang, check_option, message

__all__ = [
    "HEAD_ROWS",
    "ReadOnlyMapping",
    "Result",
    "Summary",
    "copied",
    "frozen_array",
    "page_html",
    "protect_fields",
    "protected",
    "summary_html",
    "target_path",
    "write_error",
    "write_sheets",
    "write_text",
]

#: Rows of the main table shown by ``_repr_html_``.
HEAD_ROWS: int = 5

T = TypeVar("T")
V = TypeVar("V")


# -- tables handed out ----------------------------------------------------------------------------

def copied(value: T) -> T:
    """A deep copy of a table (DataFrame, Series, numpy array), a mapping or a list; others as they are.

    >>> frame = pd.DataFrame({"a": [1, 2]})
    >>> out = copied(frame)
    >>> out.loc[0, "a"] = 9
    >>> int(frame.loc[0, "a"])
    1
    """
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray):
        return value.copy()  # type: ignore[return-value]
    if isinstance(value, Mapping | list | set):
        return copy.deepcopy(value)  # type: ignore[no-any-return]
    return value


def protected(value: T) -> T:
    """A shallow copy of a large table that cannot change the stored one.

    With pandas' copy-on-write a shallow copy shares the data until one side writes: then the
    writer gets its own copy. Assigning a column or a cell (``.loc``, ``.iloc``, ``.at``), the
    ``inplace=`` methods and writes into ``to_numpy()`` (read-only) all leave the stored table
    as it was, at the cost of a few microseconds whatever the number of rows.

    >>> frame = pd.DataFrame({"a": [1.0, 2.0]})
    >>> out = protected(frame)
    >>> out["a"] = 0.0
    >>> out.to_numpy().flags.writeable, frame["a"].tolist()
    (False, [1.0, 2.0])
    """
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)  # type: ignore[return-value]
    return copied(value)


def frozen_array(values: np.ndarray) -> np.ndarray:
    """``values`` made read-only, in place (for arrays a result keeps and never hands out writable).

    >>> a = frozen_array(np.zeros(2))
    >>> a.flags.writeable
    False
    """
    values.flags.writeable = False
    return values


class _Stored(Generic[T]):
    """A dataclass field stored privately (as ``_<name>``) and handed out through ``handout``.

    On a frozen dataclass, the field cannot be reassigned; what a reader gets is
    ``handout(stored)``, a copy. Code inside the class reads ``self._<name>``.
    """

    def __init__(self, handout: Callable[[T], T], store: Callable[[T], T]) -> None:
        self._handout = handout
        self._store = store
        self._name = ""
        self._slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name
        self._slot = "_" + name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Stored[T]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> T | _Stored[T]:
        if obj is None:
            # dataclasses ask the class for a default: there is none
            raise AttributeError(self._name)
        try:
            return self._handout(obj.__dict__[self._slot])
        except KeyError:
            raise AttributeError(self._name) from None

    def __set__(self, obj: object, value: T) -> None:
        obj.__dict__[self._slot] = self._store(value)


def protect_fields(copies: Iterable[str] = (), views: Iterable[str] = (),
                   mappings: Iterable[str] = ()) -> Callable[[type[T]], type[T]]:
    """A class decorator (put above ``@dataclass``) that makes fields hand out copies.

    ``copies``: tables handed out as deep copies; ``views``: tables as large as the input data,
    handed out as :func:`protected` shallow copies; ``mappings``: mappings of plain values
    (parameters, provenance), kept and handed out as deep copies (``dict``). Tables are stored
    as a shallow copy of what the constructor received, so the caller's object is not shared.
    Code inside the class reads the stored value as ``self._<name>``.

    >>> from dataclasses import dataclass
    >>> @protect_fields(copies=("t",))
    ... @dataclass(frozen=True)
    ... class R:
    ...     t: pd.DataFrame
    >>> r = R(pd.DataFrame({"a": [1]}))
    >>> out = r.t
    >>> out["a"] = 0
    >>> int(r.t.loc[0, "a"])
    1
    """
    def decorate(cls: type[T]) -> type[T]:
        for names, handout, store in ((copies, copied, protected), (views, protected, protected),
                                      (mappings, copied, _plain_dict)):
            for name in names:
                stored: _Stored[Any] = _Stored(handout, store)
                stored.__set_name__(cls, name)
                setattr(cls, name, stored)
        return cls
    return decorate


def _plain_dict(value: Any) -> dict[str, Any]:
    return copy.deepcopy(dict(value))


class ReadOnlyMapping(Mapping[str, V]):
    """A mapping whose values are handed out through ``handout`` (copies) on each access.

    >>> m = ReadOnlyMapping({"t": pd.DataFrame({"a": [1]})}, copied)
    >>> m["t"].loc[0, "a"] = 5
    >>> int(m["t"].loc[0, "a"]), list(m)
    (1, ['t'])
    """

    def __init__(self, data: Mapping[str, V], handout: Callable[[V], V]) -> None:
        self._data = dict(data)
        self._handout = handout

    def __getitem__(self, key: str) -> V:
        return self._handout(self._data[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"ReadOnlyMapping({list(self._data)!r})"


# -- the summary and the page -------------------------------------------------------------------

@dataclass(frozen=True)
class Summary:
    """What a result says about itself: a title, key figures (label, value) and its main table."""

    title: str
    figures: tuple[tuple[str, str], ...]
    table: pd.DataFrame
    lang: str
    #: ``"ok"`` or ``"bad"`` colours a verdict line (validation); ``""`` shows none.
    status: str = ""
    verdict: str = ""
    #: Rows of the whole table when ``table`` holds only its first rows.
    total: int | None = None


def _label(key: str, lang: str, **values: object) -> str:
    return message(f"results.{key}", lang, **values)


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{float(value):.6g}"
    return str(value)


def _frame_html(frame: pd.DataFrame, *, max_rows: int | None = None) -> str:
    shown = frame if max_rows is None else frame.head(max_rows)
    return shown.to_html(index=False, escape=True, na_rep="", border=0, classes="indicators-table",
                         float_format=_fmt)


def _figures_html(figures: Iterable[tuple[str, str]]) -> str:
    e = html.escape
    rows = "".join(f'<tr><th style="text-align:left;padding-right:1em">{e(k)}</th><td>{e(v)}</td></tr>'
                   for k, v in figures)
    return f'<table class="indicators-figures"><tbody>{rows}</tbody></table>'


def summary_html(summary: Summary, rows: int = HEAD_ROWS) -> str:
    """A compact HTML block (for notebooks): title, key figures, the first ``rows`` of the table."""
    e = html.escape
    lang = summary.lang
    total = len(summary.table) if summary.total is None else summary.total
    parts = [f'<div class="indicators-result" lang="{e(lang)}">',
             f'<p style="font-weight:600;font-size:1.1em;margin:0 0 .4em">{e(summary.title)}</p>']
    if summary.verdict:
        colour = "#1e7e34" if summary.status == "ok" else "#b3261e"
        parts.append(f'<p style="font-weight:600;color:{colour};margin:0 0 .4em">{e(summary.verdict)}</p>')
    parts.append(_figures_html(summary.figures))
    if total:
        caption = _label("first_rows", lang, n=min(rows, total), total=total) if total > rows \
            else _label("all_rows", lang, total=total)
        parts.append(f'<p style="margin:.6em 0 .2em">{e(caption)}</p>')
        parts.append(_frame_html(summary.table, max_rows=rows))
    else:
        parts.append(f'<p style="margin:.6em 0 .2em">{e(_label("no_rows", lang))}</p>')
    parts.append("</div>")
    return "\n".join(parts)


_PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:1.5rem;color:#1b1b1b;
line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;font-size:.9rem}
table.indicators-table{width:100%}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f4}
.verdict{padding:.75rem 1rem;border-radius:6px;font-weight:600}
.ok{background:#e6f4ea;border:1px solid #34a853}.bad{background:#fce8e6;border:1px solid #d93025}
.muted{color:#555;font-size:.85rem}
"""


def page_html(summary: Summary, tables: Iterable[tuple[str, pd.DataFrame]] = (),
              about: Mapping[str, Any] | None = None) -> str:
    """One self-contained HTML page (inline CSS, no script, no network): the summary's title,
    verdict and figures, then each ``(heading, table)`` in full and ``about`` (how the result
    was made) as JSON. Deterministic: the same result gives the same bytes."""
    e = html.escape
    lang = summary.lang
    out = ["<!DOCTYPE html>", f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(summary.title)}</title><style>{_PAGE_CSS}</style></head><body>",
           f"<h1>{e(summary.title)}</h1>"]
    if summary.verdict:
        out.append(f'<p class="verdict {"ok" if summary.status == "ok" else "bad"}">{e(summary.verdict)}</p>')
    out.append(_figures_html(summary.figures))
    for heading, frame in tables:
        out.append(f"<h2>{e(heading)}</h2>")
        out.append(_frame_html(frame) if len(frame) else f"<p>{e(_label('no_rows', lang))}</p>")
    if about:
        out.append(f"<h2>{e(_label('about', lang))}</h2>")
        out.append(f'<pre class="muted">{e(_json(about))}</pre>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.DataFrame):
        return value.to_dict(orient="records")
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return str(value)


# -- writing --------------------------------------------------------------------------------------

def target_path(path: str | Path, folder: str | Path | None = None, lang: str = "en") -> Path:
    """Where to write: ``path`` inside ``folder`` (never outside it), else ``path`` itself; the
    parent folder is created.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     target_path("out/page.html", d).relative_to(Path(d).resolve()).as_posix()
    'out/page.html'
    """
    p = Path(path)
    from ._export import safe_path

    target = safe_path(folder, p) if folder is not None else safe_path(p.parent, p.name)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise write_error(target, exc, lang) from exc
    return target


def write_error(target: Path, exc: OSError, lang: str) -> OptionError:
    from ._codes import error

    return cast(OptionError, error("results.cannot_write", lang, path=str(target), reason=exc.strerror or str(exc),
                                   field="path", value=str(target), expected="a writable path"))


def write_text(text: str, path: str | Path, folder: str | Path | None = None, lang: str = "en") -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to :func:`target_path`; return the path written."""
    target = target_path(path, folder, lang)
    try:
        target.write_text(text, encoding="utf-8", newline="\n")
    except OSError as exc:
        raise write_error(target, exc, lang) from exc
    return target


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(ch for ch in str(name) if ch not in "[]:*?/\\").strip("'")[:31] or "Sheet"
    out, k = base, 2
    while out.lower() in used:
        suffix = f" ({k})"
        out, k = base[:31 - len(suffix)] + suffix, k + 1
    used.add(out.lower())
    return out


def write_sheets(sheets: Mapping[str, pd.DataFrame], path: str | Path, folder: str | Path | None = None,
                 about: Mapping[str, Any] | None = None, lang: str = "en") -> Path:
    """Write each table to a sheet (header frozen, autofilter, text that a spreadsheet would run as
    a formula escaped) and ``about`` as a last ``about`` sheet of items and values; return the path.
    """
    from ._export import escape_formulas, make_reproducible

    try:
        import xlsxwriter  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(message("report.missing_extra", "en", package="XlsxWriter", extra="report")) from exc
    target = target_path(path, folder, lang)
    used: set[str] = set()
    try:
        with pd.ExcelWriter(target, engine="xlsxwriter") as writer:
            writer.book.set_properties({"created": datetime.datetime(2000, 1, 1)})
            for name, frame in sheets.items():
                sheet = _sheet_name(name, used)
                data = escape_formulas(_excel_ready(frame))
                data.to_excel(writer, sheet_name=sheet, index=False)
                ws = writer.sheets[sheet]
                ws.freeze_panes(1, 0)
                if len(data.columns):
                    ws.autofilter(0, 0, max(len(data), 1), len(data.columns) - 1)
                for i, col in enumerate(data.columns):
                    ws.set_column(i, i, min(60, max(10, len(str(col)) + 2)))
            if about:
                rows = [(k, v if isinstance(v, str) else _json(v)) for k, v in about.items()]
                info = escape_formulas(pd.DataFrame(rows, columns=["item", "value"]))
                sheet = _sheet_name("about", used)
                info.to_excel(writer, sheet_name=sheet, index=False)
                writer.sheets[sheet].set_column(0, 0, 24)
                writer.sheets[sheet].set_column(1, 1, 100)
    except OSError as exc:
        raise write_error(target, exc, lang) from exc
    return make_reproducible(target)


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Excel cannot hold (time zones, objects such as lists) as text; a flat header."""
    out = frame.copy()
    if isinstance(out.columns, pd.MultiIndex):
        out.columns = [" ".join(str(p) for p in c if str(p)) for c in out.columns]
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            out.isetitem(i, s.dt.tz_localize(None))
        elif s.dtype == object:
            out.isetitem(i, s.map(lambda v: v if isinstance(v, str | int | float | bool) or v is None
                                  or (not isinstance(v, list | tuple | dict) and pd.isna(v)) else str(v)))
    return out


# -- the protocol -----------------------------------------------------------------------------------

#: What :meth:`Result.save` writes by default.
#: The files a result writes with :meth:`Result.save`.
SaveFormat = Literal["html", "xlsx", "csv", "json"]
SAVE_FORMATS: tuple[SaveFormat, ...] = ("html", "xlsx", "csv", "json")


class Result:
    """The result protocol: subclasses give :meth:`to_frame`, :meth:`_summary`, :meth:`_sheets`,
    :meth:`_about` and a ``lang``; ``_repr_html_``, ``to_html``, ``to_excel`` and ``save`` follow.
    """

    #: The stem of the files :meth:`save` writes (``estimates.html``, ...).
    _stem: ClassVar[str] = "result"

    @property
    def _result_lang(self) -> Lang:
        return cast(Lang, str(getattr(self, "lang", "en")))

    def to_frame(self) -> pd.DataFrame:
        """The main table of the result (a copy)."""
        raise NotImplementedError

    def _summary(self) -> Summary:
        raise NotImplementedError

    def _sheets(self) -> dict[str, pd.DataFrame]:
        """The tables of the workbook, by sheet name (the main table first)."""
        return {self._stem: self.to_frame()}

    def _about(self) -> dict[str, Any]:
        """How the result was made (parameters, provenance), as plain data."""
        return {}

    def _repr_html_(self) -> str:
        return summary_html(self._summary())

    def to_html(self, path: str | Path | None = None, *, folder: str | Path | None = None) -> str:
        """One self-contained HTML page; written to ``path`` (inside ``folder`` if given) too."""
        lang = self._result_lang
        tables = [(_label(f"sheet.{name}", lang) if _has_label(f"sheet.{name}") else name, frame)
                  for name, frame in self._sheets().items()]
        text = page_html(self._summary(), tables, self._about())
        if path is not None:
            write_text(text, path, folder, lang)
        return text

    def to_excel(self, path: str | Path, *, folder: str | Path | None = None) -> Path:
        """A workbook: a sheet per table, then ``about``; formula-like text escaped. Returns the path."""
        return write_sheets(self._sheets(), path, folder, self._about(), self._result_lang)

    def to_json(self, path: str | Path | None = None, *, folder: str | Path | None = None) -> str:
        """How the result was made and its main table, as JSON; written to ``path`` too when given."""
        frame = self.to_frame()
        data = {"about": self._about(),
                "table": json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))}
        text = _json(data) + "\n"
        if path is not None:
            write_text(text, path, folder, self._result_lang)
        return text

    @validate_options
    def save(self, folder: str | Path, formats: SaveFormat | Iterable[SaveFormat] = SAVE_FORMATS) -> dict[str, Path]:
        """Write ``<stem>.html``, ``.xlsx``, ``.csv`` (the main table, formula-like text escaped)
        and ``.json`` (those in ``formats``) inside ``folder``; return the paths by format."""
        from ._export import write_csv

        lang = self._result_lang
        wanted = [formats] if isinstance(formats, str) else list(formats)
        for fmt in wanted:
            check_option(f"{type(self).__name__}.save", "formats", fmt, SAVE_FORMATS, lang)
        written: dict[str, Path] = {}
        for fmt in wanted:
            name = f"{self._stem}.{fmt}"
            if fmt == "html":
                self.to_html(name, folder=folder)
                written[fmt] = target_path(name, folder, lang)
            elif fmt == "xlsx":
                written[fmt] = self.to_excel(name, folder=folder)
            elif fmt == "csv":
                text = write_csv(self.to_frame())
                written[fmt] = write_text(text, name, folder, lang)
            else:
                self.to_json(name, folder=folder)
                written[fmt] = target_path(name, folder, lang)
        return written


def _has_label(key: str) -> bool:
    return message(f"results.{key}", "en") != f"results.{key}"
