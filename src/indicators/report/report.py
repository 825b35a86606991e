"""The :class:`Report` object: tables, charts and sections, written to HTML, Excel, Word.

>>> FORMATS, CHART_FORMATS
(('html', 'xlsx', 'docx'), ('svg', 'png'))
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from .._codes import error
from .._export import safe_path
from .._options import validate_options
from .._results import ReadOnlyMapping, Result, Summary, target_path, write_error, write_text
from ..i18n import Lang, check_option, message
from .charts import ChartBook
from .formatting import Formatter
from .model import ChartSpec, Section, Table

__all__ = ["CHART_FORMATS", "FORMATS", "Report"]

ReportFormat = Literal["html", "xlsx", "docx"]
ChartFormat = Literal["svg", "png"]
#: Files :meth:`Report.save` can write.
FORMATS: tuple[ReportFormat, ...] = ("html", "xlsx", "docx")
#: Chart files :meth:`Report.save` can write beside them.
CHART_FORMATS: tuple[ChartFormat, ...] = ("svg", "png")


def _table_copy(table: Table) -> Table:
    return replace(table, frame=table.frame.copy(), display=table.display.copy())


def _chart_copy(chart: ChartSpec) -> ChartSpec:
    return replace(chart, data=chart.data.copy(), options=copy.deepcopy(dict(chart.options)))


@validate_options
@dataclass(frozen=True, eq=False)
class Report(Result):
    """A finished report: its tables (by name), charts (SVG, by name) and sections.

    Build one with :func:`~indicators.country_report` or
    :func:`~indicators.hemispheric_report`; write it with :meth:`save`. It shares the
    result protocol: :meth:`to_frame` (a table, by name), ``_repr_html_`` (notebooks),
    :meth:`to_html`, :meth:`to_excel`, :meth:`save`. Tables and charts are handed out as
    copies: changing one never changes the report.
    """

    kind: Literal["country", "hemispheric", "followup"]
    title: str
    subtitle: str
    lang: Lang
    locale: str
    sections: tuple[Section, ...]
    table_objects: Mapping[str, Table]
    chart_specs: Mapping[str, ChartSpec]
    svgs: Mapping[str, str]
    metadata: Mapping[str, str] = field(default_factory=dict)

    _stem = "report"

    def __post_init__(self) -> None:
        tables = {name: replace(t, frame=t.frame.copy(deep=False), display=t.display.copy(deep=False))
                  for name, t in self.table_objects.items()}
        charts = {name: replace(c, data=c.data.copy(deep=False), options=copy.deepcopy(dict(c.options)))
                  for name, c in self.chart_specs.items()}
        object.__setattr__(self, "table_objects", ReadOnlyMapping(tables, _table_copy))
        object.__setattr__(self, "chart_specs", ReadOnlyMapping(charts, _chart_copy))
        if not isinstance(self.svgs, ChartBook):  # a chart book is read-only and draws on demand
            object.__setattr__(self, "svgs", MappingProxyType(dict(self.svgs)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))

    @property
    def formatter(self) -> Formatter:
        """The formatter of this report's language and locale."""
        return Formatter(self.lang, self.locale)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables (raw values, stable column names), by name: copies."""
        return {name: t.frame.copy() for name, t in self.table_objects.items()}

    @property
    def charts(self) -> dict[str, str]:
        """The report's charts as SVG text, by name."""
        return dict(self.svgs)

    # -- the result protocol --------------------------------------------------------------------
    def _table_names(self) -> list[str]:
        """Table names in the order the sections show them, then any other."""
        names = list(dict.fromkeys(n for s in self.sections for n in s.tables if n in self.table_objects))
        return names + [n for n in self.table_objects if n not in names]

    def to_frame(self, name: str | None = None) -> pd.DataFrame:
        """The table ``name`` (raw values; a copy); by default the first table the report shows."""
        names = self._table_names()
        if name is None:
            return self.table_objects[names[0]].frame if names else pd.DataFrame()
        check_option("Report.to_frame", "name", name, names, self.lang)
        return self.table_objects[name].frame

    def _summary(self) -> Summary:
        lang = self.lang
        figures = [(message("results.language", lang), self.lang),
                   (message("results.report.locale", lang), self.locale),
                   (message("results.report.sections", lang), str(len(self.sections))),
                   (message("results.report.tables", lang), str(len(self.table_objects))),
                   (message("results.report.charts", lang), str(len(self.svgs)))]
        names = self._table_names()
        head = pd.DataFrame()
        if names:
            table = self.table_objects[names[0]]
            cols = [c for c in table.screen_columns if c.key in table.display.columns]
            head = table.display[[c.key for c in cols]].set_axis([c.label for c in cols], axis=1)
            figures.append((message("results.table", lang),
                            message("results.report.first_table", lang, title=table.title)))
        if self.subtitle:
            figures.insert(0, ("", self.subtitle))
        return Summary(title=self.title,
                       figures=tuple(figures), table=head, lang=lang)

    def _sheets(self) -> dict[str, pd.DataFrame]:
        return {name: self.table_objects[name].frame for name in self._table_names()}

    def _about(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "lang": self.lang, "locale": self.locale,
                **dict(self.metadata)}

    def to_html(self, path: str | Path | None = None, *, folder: str | Path | None = None) -> str:
        """The report as one self-contained HTML page (inline CSS and SVG, no network requests);
        written to ``path`` (inside ``folder`` if given) too."""
        from .html import render_html

        text = render_html(self)
        if path is not None:
            write_text(text, path, folder, self.lang)
        return text

    def to_excel(self, path: str | Path, *, folder: str | Path | None = None) -> Path:
        """Write the workbook (a sheet per table, formula-like text escaped) to ``path``."""
        from .._export import make_reproducible
        from .xlsx import write_xlsx

        target = target_path(path, folder, self.lang)
        try:
            return make_reproducible(write_xlsx(self, target), self.metadata.get("date"))
        except OSError as exc:
            raise write_error(target, exc, self.lang) from exc

    def chart_png(self, name: str, dpi: int = 150) -> bytes:
        """The chart ``name`` as PNG bytes."""
        if isinstance(self.svgs, ChartBook):  # the figure its SVG came from
            return self.svgs.png(name, dpi)
        from .charts import render

        return bytes(render(self.chart_specs[name], self.formatter, "png", dpi=dpi))

    def to_xlsx(self, path: str | Path) -> Path:
        """Write the workbook (a sheet per table) to ``path`` (the same as :meth:`to_excel`)."""
        return self.to_excel(path)

    def to_docx(self, path: str | Path) -> Path:
        """Write the Word document (narrative with tables and charts) to ``path``."""
        from .._export import make_reproducible
        from .docx import write_docx

        return make_reproducible(write_docx(self, Path(path)), self.metadata.get("date"))

    def save(  # type: ignore[override]  # a report's formats (html, xlsx, docx), not a table's
        self,
        folder: str | Path,
        formats: ReportFormat | Iterable[ReportFormat] = FORMATS,
        charts: ChartFormat | None = None,
    ) -> dict[str, Path]:
        """Write ``report.html``, ``report.xlsx``, ``report.docx`` (those in ``formats``) and,
        when ``charts`` is ``"svg"`` or ``"png"``, ``charts/<name>.<ext>``, all inside ``folder``.

        Returns the paths written, by format (charts as ``chart:<name>``).
        """
        wanted = [formats] if isinstance(formats, str) else list(formats)
        for fmt in wanted:
            check_option("Report.save", "formats", fmt, FORMATS, self.lang)
        base = Path(folder)
        if base.exists() and not base.is_dir():
            text = message("report.not_a_folder", self.lang, path=str(base))
            raise error("report.not_a_folder", self.lang, message=text, field="folder", value=str(base))
        base.mkdir(parents=True, exist_ok=True)
        written: dict[str, Path] = {}
        for fmt in wanted:
            target = safe_path(base, f"report.{fmt}")
            if fmt == "html":
                target.write_text(self.to_html(), encoding="utf-8", newline="\n")
            elif fmt == "xlsx":
                self.to_xlsx(target)
            else:
                self.to_docx(target)
            written[fmt] = target
        if charts is not None:
            for name in self.svgs:
                target = safe_path(base, Path("charts") / f"{name}.{charts}")
                target.parent.mkdir(parents=True, exist_ok=True)
                if charts == "svg":
                    target.write_text(
                        _standalone_svg(self.svgs[name]), encoding="utf-8", newline="\n"
                    )
                else:
                    target.write_bytes(self.chart_png(name))
                written[f"chart:{name}"] = target
        return written

    def __repr__(self) -> str:
        return (
            f"<Report {self.kind} {self.title!r} ({self.lang}, {self.locale}): "
            f"{len(self.table_objects)} tables, {len(self.svgs)} charts>"
        )


def _standalone_svg(svg: str) -> str:
    return '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n' + svg
