"""One self-contained HTML page: inline CSS, charts inline as SVG, no network requests.

The page forbids itself any fetch with a Content-Security-Policy (``default-src
'none'``), carries no script, and is written byte for byte the same from the same
report. Every text is escaped with :func:`html.escape`.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from .formatting import label
from .model import Column, Section, Table

if TYPE_CHECKING:
    from .report import Report

__all__ = ["CSP", "render_html"]

#: The page's Content-Security-Policy: nothing may be loaded from anywhere.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_NUMERIC = {"score", "number", "integer", "year", "share", "display", "interval"}

_CSS = """
:root { --ink: #222; --muted: #5f6368; --rule: #d9dee3; --accent: #1b6a8a; --band: #f4f7f9; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", "Segoe UI", Arial, sans-serif; font-size: 15px; color: var(--ink); }
body { margin: 0; background: #fff; line-height: 1.45; }
header.top { background: var(--accent); color: #fff; padding: 1.6rem 2rem 1.2rem; }
header.top h1 { margin: 0 0 .3rem; font-size: 1.7rem; }
header.top p { margin: 0; opacity: .92; }
nav.toc { padding: .8rem 2rem; border-bottom: 1px solid var(--rule); background: var(--band); }
nav.toc ol { margin: 0; padding-left: 1.2rem; columns: 2; column-gap: 2rem; }
nav.toc a { color: var(--accent); text-decoration: none; }
main { padding: 0 2rem 2rem; max-width: 1200px; }
section { margin-top: 1.6rem; }
h2 { font-size: 1.35rem; border-bottom: 2px solid var(--accent); padding-bottom: .25rem; margin: 1.8rem 0 .6rem; }
h3 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; max-width: 60rem; }
figure.chart { margin: 1rem 0; padding: .5rem; border: 1px solid var(--rule); border-radius: 4px; }
figure.chart svg { display: block; width: 100%; max-width: 900px; height: auto; }
figure.chart figcaption { font-size: .9rem; color: var(--muted); margin-top: .3rem; }
.table-wrap { overflow-x: auto; margin: .8rem 0 1.2rem; }
table { border-collapse: collapse; font-size: .86rem; min-width: 40%; }
caption { text-align: left; font-weight: bold; padding: .3rem 0; }
th, td { border-bottom: 1px solid var(--rule); padding: .3rem .5rem; vertical-align: top; text-align: left;
  max-width: 26rem; overflow-wrap: break-word; hyphens: auto; }
thead th { background: var(--band); border-bottom: 2px solid #9aa5ad; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
p.note { font-size: .85rem; color: var(--muted); }
ul.items li { margin: .3rem 0; }
footer { padding: 1rem 2rem 2rem; color: var(--muted); font-size: .8rem; border-top: 1px solid var(--rule); }
footer dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
footer dd { margin: 0; word-break: break-all; }
@media print { nav.toc { display: none; } header.top { background: none; color: var(--ink); }
  figure.chart, table { break-inside: avoid; } }
""".strip()


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _table(table: Table) -> str:
    cols: tuple[Column, ...] = table.screen_columns
    head = "".join(f'<th scope="col"{_cls(c)}>{_e(c.label)}</th>' for c in cols)
    body = []
    for row in table.display.itertuples(index=False, name=None):
        cells = "".join(f"<td{_cls(c)}>{_e(v)}</td>" for c, v in zip(cols, row, strict=True))
        body.append(f"<tr>{cells}</tr>")
    note = f'\n<p class="note">{_e(table.note)}</p>' if table.note else ""
    return (
        f'<div class="table-wrap">\n<table id="table-{_e(table.name)}" data-table="{_e(table.name)}" '
        f'data-rows="{len(table.display)}">\n<caption>{_e(table.title)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
        + note
        + "\n</div>"
    )


def _cls(col: Column) -> str:
    return ' class="num"' if col.kind in _NUMERIC else ""


def _section(report: Report, section: Section) -> str:
    tag = "h2" if section.level <= 2 else "h3"
    parts = [f'<section id="{_e(section.id)}">', f"<{tag}>{_e(section.title)}</{tag}>"]
    parts += [f"<p>{_e(p)}</p>" for p in section.paragraphs]
    if section.items:
        parts.append(
            '<ul class="items">' + "".join(f"<li>{_e(i)}</li>" for i in section.items) + "</ul>"
        )
    for name in section.charts:
        spec = report.chart_specs[name]
        parts.append(
            f'<figure class="chart" id="chart-{_e(name)}" data-chart="{_e(name)}">\n'
            f"{report.svgs[name].strip()}\n<figcaption>{_e(spec.title)}</figcaption>\n</figure>"
        )
    for name in section.tables:
        parts.append(_table(report.table_objects[name]))
    return "\n".join(parts)


def render_html(report: Report) -> str:
    """The report as an HTML document (a ``str``; write it as UTF-8)."""
    lang = report.lang
    toc = "".join(
        f'<li><a href="#{_e(s.id)}">{_e(s.title)}</a></li>' for s in report.sections if s.level <= 2
    )
    body: list[str] = []
    open_top = False
    for section in report.sections:
        if section.level <= 2:
            if open_top:
                body.append("</section>")
            body.append(_section(report, section))
            open_top = True
        else:
            body.append(_section(report, section) + "\n</section>")
    if open_top:
        body.append("</section>")
    meta = "".join(
        f"<dt>{_e(label('meta.' + k, lang))}</dt><dd>{_e(v)}</dd>"
        for k, v in report.metadata.items()
        if v != ""
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{_e(report.metadata.get("library", "belem-indicators"))}">\n'
        f"<title>{_e(report.title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n"
        f'<body data-report="{_e(report.kind)}">\n'
        f'<header class="top">\n<h1>{_e(report.title)}</h1>\n<p>{_e(report.subtitle)}</p>\n</header>\n'
        f'<nav class="toc" aria-label="{_e(label("contents", lang))}"><ol>{toc}</ol></nav>\n'
        "<main>\n" + "\n".join(body) + "\n</main>\n"
        f"<footer>\n<dl>{meta}</dl>\n</footer>\n</body>\n</html>\n"
    )
