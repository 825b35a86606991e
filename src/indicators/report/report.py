"""The :class:`Report` object: tables, charts and sections, written to HTML, Excel, Word.

>>> FORMATS, CHART_FORMATS
(('html', 'xlsx', 'docx'), ('svg', 'png'))
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import pandas as pd

from .._export import safe_path
from ..errors import OptionError
from ..i18n import check_option, message
from .formatting import Formatter
from .model import ChartSpec, Section, Table

__all__ = ["CHART_FORMATS", "FORMATS", "Report"]

#: Files :meth:`Report.save` can write.
FORMATS: tuple[str, ...] = ("html", "xlsx", "docx")
#: Chart files :meth:`Report.save` can write beside them.
CHART_FORMATS: tuple[str, ...] = ("svg", "png")


@dataclass(frozen=True)
class Report:
    """A finished report: its tables (by name), charts (SVG, by name) and sections.

    Build one with :func:`~indicators.country_report` or
    :func:`~indicators.hemispheric_report`; write it with :meth:`save`.
    """

    kind: Literal["country", "hemispheric"]
    title: str
    subtitle: str
    lang: str
    locale: str
    sections: tuple[Section, ...]
    table_objects: Mapping[str, Table]
    chart_specs: Mapping[str, ChartSpec]
    svgs: Mapping[str, str]
    metadata: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("table_objects", "chart_specs", "svgs", "metadata"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

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

    def to_html(self) -> str:
        """The report as one self-contained HTML page (inline CSS and SVG, no network requests)."""
        from .html import render_html

        return render_html(self)

    def chart_png(self, name: str, dpi: int = 150) -> bytes:
        """The chart ``name`` as PNG bytes."""
        from .charts import render

        return bytes(render(self.chart_specs[name], self.formatter, "png", dpi=dpi))

    def to_xlsx(self, path: str | Path) -> Path:
        """Write the workbook (a sheet per table) to ``path``."""
        from .xlsx import write_xlsx

        return write_xlsx(self, Path(path))

    def to_docx(self, path: str | Path) -> Path:
        """Write the Word document (narrative with tables and charts) to ``path``."""
        from .docx import write_docx

        return write_docx(self, Path(path))

    def save(
        self,
        folder: str | Path,
        formats: Iterable[str] = FORMATS,
        charts: Literal["svg", "png"] | None = None,
    ) -> dict[str, Path]:
        """Write ``report.html``, ``report.xlsx``, ``report.docx`` (those in ``formats``) and,
        when ``charts`` is ``"svg"`` or ``"png"``, ``charts/<name>.<ext>``, all inside ``folder``.

        Returns the paths written, by format (charts as ``chart:<name>``).
        """
        wanted = [formats] if isinstance(formats, str) else list(formats)
        for fmt in wanted:
            check_option("Report.save", "formats", fmt, FORMATS, self.lang)
        if charts is not None:
            check_option("Report.save", "charts", charts, (None, *CHART_FORMATS), self.lang)
        base = Path(folder)
        if base.exists() and not base.is_dir():
            text = message("report.not_a_folder", self.lang, path=str(base))
            raise OptionError(
                text,
                problems=[
                    {
                        "code": "report.not_a_folder",
                        "field": "folder",
                        "value": str(base),
                        "message": text,
                    }
                ],
            )
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
