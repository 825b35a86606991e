"""Output of the scores' table results (audit, treatment, weights): one HTML page, one workbook, a folder.

User text is escaped in HTML; spreadsheet cells that start with ``= + - @``, tab or CR are
escaped; files are written only inside the folder the user names.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .._export import escape_formulas, safe_path
from ..i18n import message

__all__ = ["TableResult", "tables_html", "write_tables"]

_CSS = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;"
        "margin:1em 0}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left}th{background:#f3f3f3}"
        "td.num{text-align:right}.flag{color:#a00;font-weight:600}")


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return html.escape(str(value))


def tables_html(title: str, tables: Mapping[str, pd.DataFrame], lang: str = "en") -> str:
    """One self-contained HTML page with a section per table."""
    e = html.escape
    out = ["<!DOCTYPE html>", f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
           f"<title>{e(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{e(title)}</h1>"]
    for name, frame in tables.items():
        out.append(f"<h2>{e(message(f'scores.table.{name}', lang))}</h2>")
        out.append("<table><thead><tr>" + "".join(f"<th>{e(str(c))}</th>" for c in frame.columns) + "</tr></thead><tbody>")
        for row in frame.itertuples(index=False):
            cells = []
            for v in row:
                num = isinstance(v, (int, float)) and not isinstance(v, bool)
                cells.append(f'<td class="num">{_cell(v)}</td>' if num else f"<td>{_cell(v)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_tables(path: str | Path, tables: Mapping[str, pd.DataFrame]) -> Path:
    """One sheet per table (formulas escaped, header frozen)."""
    import datetime

    target = Path(path)
    with pd.ExcelWriter(target, engine="xlsxwriter") as writer:
        writer.book.set_properties({"created": datetime.datetime(2000, 1, 1)})
        for name, frame in tables.items():
            escape_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
            writer.sheets[name[:31]].freeze_panes(1, 0)
    return target


class TableResult:
    """The common result protocol for a result made of named tables (``_tables`` and ``_title``)."""

    _lang: str = "en"

    def _parts(self) -> dict[str, pd.DataFrame]:
        raise NotImplementedError

    def _heading(self) -> str:
        raise NotImplementedError

    def to_html(self, path: str | Path | None = None) -> str:
        """The tables as one HTML page; written to ``path`` if given."""
        text = tables_html(self._heading(), self._parts(), self._lang)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def _repr_html_(self) -> str:
        return tables_html(self._heading(), self._parts(), self._lang)

    def to_excel(self, path: str | Path) -> Path:
        """The tables as sheets of one workbook."""
        return write_tables(path, self._parts())

    def save(self, folder: str | Path, stem: str = "result") -> list[Path]:
        """Write ``<stem>.html``, ``<stem>.xlsx`` and one CSV per table into ``folder``."""
        Path(folder).mkdir(parents=True, exist_ok=True)
        written = [safe_path(folder, f"{stem}.html"), safe_path(folder, f"{stem}.xlsx")]
        self.to_html(written[0])
        self.to_excel(written[1])
        for name, frame in self._parts().items():
            target = safe_path(folder, f"{stem}_{name}.csv")
            escape_formulas(frame).to_csv(target, index=False, lineterminator="\n")
            written.append(target)
        return written
