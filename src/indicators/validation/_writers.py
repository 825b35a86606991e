"""Writers of a :class:`~indicators.validation.ValidationReport`: terminal summary, HTML page, Excel.

The HTML page is self-contained (inline CSS and a small vanilla-JS sort/filter, no network),
every text escaped with :func:`html.escape`, and deterministic (no date): the same report gives
the same bytes. The workbook escapes cells a spreadsheet would run as formulas.

>>> import pandas as pd
>>> from indicators import validate
>>> page = validate(pd.DataFrame({"w": [1.0]}), None, kind="microdata", design={"weights": "w"}).to_html()
>>> page.startswith("<!DOCTYPE html>") and "http" not in page.split("<body>")[1]
True
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .._results import HEAD_ROWS, Summary
from ..i18n import message

if TYPE_CHECKING:
    from ._validate import ValidationReport

__all__ = ["render_html", "report_summary", "summary_text", "write_excel"]

_TABLE_COLUMNS = ("severity", "code", "file", "sheet", "row", "column", "value", "expected", "message", "hint")


def _ui(key: str, lang: str, **values: object) -> str:
    return message(f"validation.ui.{key}", lang, **values)


def _verdict(report: ValidationReport) -> tuple[str, str]:
    lang = report.lang
    verdict = _ui("valid", lang) if report.ok else _ui("invalid", lang, errors=report.n_errors)
    counts = _ui("counts", lang, rows=report.n_rows, accepted=report.n_accepted,
                 rejected=report.n_rejected, errors=report.n_errors, warnings=report.n_warnings)
    return verdict, counts


def report_summary(report: ValidationReport) -> Summary:
    """Title, verdict, key figures and the first issues, for a notebook."""
    lang = report.lang
    verdict, _ = _verdict(report)
    files = [str(f.get("file")) for f in report.provenance.get("files", []) if f.get("file")]

    def figure(key: str, value: object) -> tuple[str, str]:
        return message(f"results.validation.{key}", lang), str(value)

    figures = [figure("kind", message(f"results.validation.kind.{report.kind}", lang)),
               figure("rows", report.n_rows), figure("accepted", report.n_accepted),
               figure("rejected", report.n_rejected), figure("errors", report.n_errors),
               figure("warnings", report.n_warnings)]
    if files:
        figures.append(figure("files", ", ".join(files)))
    issues = report._issues
    cols = [c for c in ("severity", "code", "file", "sheet", "row", "column", "value", "message")
            if c not in ("file", "sheet") or issues[c].notna().any()]
    head = issues[cols].head(HEAD_ROWS)
    head = head.assign(severity=[_ui(str(v), lang) for v in head["severity"]])
    return Summary(title=_ui("title", lang), figures=tuple(figures),
                   table=head.rename(columns={c: _ui(c, lang) for c in cols}), lang=lang,
                   status="ok" if report.ok else "bad", verdict=verdict, total=len(issues))


def summary_text(report: ValidationReport, max_issues: int = 10) -> str:
    """Verdict, counts and the first ``max_issues`` issues, for a terminal."""
    lang = report.lang
    verdict, counts = _verdict(report)
    lines = [verdict, counts]
    mapped = _mapped_lines(report)
    if mapped:
        lines += ["", _ui("mapped", lang) + ":"]
        lines += [f"  {m}" for m in mapped[:max_issues]]
        if len(mapped) > max_issues:
            lines.append(f"  … (+{len(mapped) - max_issues})")
    issues = report._issues
    if issues.empty:
        return "\n".join(lines)
    lines.append("")
    lines.append(_ui("first", lang, n=min(max_issues, len(issues)), total=len(issues)))
    for rec in issues.head(max_issues).itertuples(index=False):
        where = ":".join(str(x) for x in (rec.file, rec.sheet) if isinstance(x, str) and x)
        sev = _ui(str(rec.severity), lang)
        text = str(rec.message)
        shown = where if where and not text.startswith(str(rec.file)) else ""  # a reader's note names its file
        lines.append(f"  [{sev}] {shown + ' ' if shown else ''}{text}")
        if isinstance(rec.hint, str) and rec.hint:
            lines.append(f"      → {rec.hint}")
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:1.5rem;color:#1b1b1b;
line-height:1.4}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.verdict{padding:.75rem 1rem;border-radius:6px;font-weight:600;font-size:1.1rem}
.ok{background:#e6f4ea;border:1px solid #34a853}.bad{background:#fce8e6;border:1px solid #d93025}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f1f3f4;cursor:pointer;position:sticky;top:0}
th.sorted-asc::after{content:" \\25B2"}th.sorted-desc::after{content:" \\25BC"}
tr.error td:first-child{color:#b3261e;font-weight:600}tr.warning td:first-child{color:#8a5a00;font-weight:600}
.controls{margin:.5rem 0;display:flex;gap:.5rem;flex-wrap:wrap}
input,select{font-size:1rem;padding:.3rem}
.muted{color:#555;font-size:.85rem}code{font-size:.85rem}
"""

_JS = """
(function(){
  var table=document.getElementById('issues');if(!table)return;
  var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
  var q=document.getElementById('q'),sev=document.getElementById('sev'),shown=document.getElementById('shown');
  function filter(){
    var t=q.value.toLowerCase(),s=sev.value,n=0;
    rows.forEach(function(r){
      var ok=(!s||r.getAttribute('data-severity')===s)&&(!t||r.textContent.toLowerCase().indexOf(t)>=0);
      r.style.display=ok?'':'none';if(ok)n++;
    });
    shown.textContent=n;
  }
  q.addEventListener('input',filter);sev.addEventListener('change',filter);
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    th.addEventListener('click',function(){
      var asc=!th.classList.contains('sorted-asc');
      Array.prototype.forEach.call(table.tHead.rows[0].cells,function(h){h.classList.remove('sorted-asc','sorted-desc');});
      th.classList.add(asc?'sorted-asc':'sorted-desc');
      var num=th.getAttribute('data-type')==='number';
      rows.sort(function(a,b){
        var x=a.cells[i].getAttribute('data-sort')||a.cells[i].textContent,
            y=b.cells[i].getAttribute('data-sort')||b.cells[i].textContent;
        var c=num?((parseFloat(x)||0)-(parseFloat(y)||0)):x.localeCompare(y);
        return asc?c:-c;
      });
      rows.forEach(function(r){body.appendChild(r);});
    });
  });
  filter();
})();
"""


def _mapped_lines(report: ValidationReport) -> list[str]:
    """What a values table's codelist columns had mapped to codes, one line per distinct cell."""
    return [_ui("mapped_line", report.lang, header=m.get("header") or m.get("column"), value=m.get("value"),
                code=m.get("code"), rows=m.get("rows"))
            for m in report.provenance.get("mapped") or ()]


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return html.escape(str(value))


def render_html(report: ValidationReport) -> str:
    """The report as one self-contained HTML page in the report's language."""
    lang = report.lang
    e = html.escape
    verdict, counts = _verdict(report)
    issues = report._issues
    cols = [c for c in _TABLE_COLUMNS if c not in ("file", "sheet") or issues[c].notna().any()]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(_ui('title', lang))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(_ui('title', lang))}</h1>",
        f'<p class="verdict {"ok" if report.ok else "bad"}">{e(verdict)}</p>',
        f"<p>{e(counts)}</p>",
    ]
    if not issues.empty:
        out.append(f"<h2>{e(_ui('by_rule', lang))}</h2>")
        out.append("<table><thead><tr>" + "".join(
            f"<th>{e(_ui(k, lang))}</th>" for k in ("severity", "code", "column", "count")) + "</tr></thead><tbody>")
        for rec in report.counts.itertuples(index=False):
            out.append(f'<tr class="{e(str(rec.severity))}"><td>{e(_ui(str(rec.severity), lang))}</td>'
                       f"<td><code>{_cell(rec.code)}</code></td><td>{_cell(rec.column)}</td><td>{int(rec.count)}</td></tr>")
        out.append("</tbody></table>")
        out.append(f"<h2>{e(_ui('issues', lang))} (<span id=\"shown\">{len(issues)}</span>/{len(issues)})</h2>")
        out.append('<div class="controls">'
                   f'<input id="q" type="search" placeholder="{e(_ui("filter", lang))}" '
                   f'aria-label="{e(_ui("filter", lang))}">'
                   f'<select id="sev" aria-label="{e(_ui("severity", lang))}">'
                   f'<option value="">{e(_ui("all", lang))}</option>'
                   f'<option value="error">{e(_ui("error", lang))}</option>'
                   f'<option value="warning">{e(_ui("warning", lang))}</option></select>'
                   f'<span class="muted">{e(_ui("sort_hint", lang))}</span></div>')
        out.append('<table id="issues"><thead><tr>' + "".join(
            f'<th data-type="{"number" if c == "row" else "text"}">{e(_ui(c, lang))}</th>' for c in cols)
            + "</tr></thead><tbody>")
        for rec in issues[cols].to_dict(orient="records"):
            sev = str(rec["severity"])
            cells = []
            for c in cols:
                if c == "severity":
                    cells.append(f'<td data-sort="{e(sev)}">{e(_ui(sev, lang))}</td>')
                elif c == "code":
                    cells.append(f"<td><code>{_cell(rec[c])}</code></td>")
                else:
                    cells.append(f"<td>{_cell(rec[c])}</td>")
            out.append(f'<tr class="{e(sev)}" data-severity="{e(sev)}">' + "".join(cells) + "</tr>")
        out.append("</tbody></table>")
    else:
        out.append(f"<p>{e(_ui('no_issues', lang))}</p>")
    mapped = _mapped_lines(report)
    if mapped:
        out.append(f"<h2>{e(_ui('mapped', lang))}</h2><ul>" + "".join(f"<li>{e(m)}</li>" for m in mapped) + "</ul>")
    out.append(f"<h2>{e(_ui('provenance', lang))}</h2>")
    out.append(f'<pre class="muted">{e(json.dumps(dict(report.provenance), ensure_ascii=False, indent=2))}</pre>')
    out.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(out) + "\n"


def write_excel(report: ValidationReport, path: Path) -> None:
    """Write sheets ``summary`` and ``issues`` (formulas escaped, header row frozen) to ``path``."""
    import datetime

    from .._export import escape_formulas

    lang = report.lang
    verdict, counts = _verdict(report)
    summary_rows = [(_ui("title", lang), verdict), ("", counts)]
    summary_rows += [(k, json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
                     for k, v in report.provenance.items()]
    summary = pd.DataFrame(summary_rows, columns=["item", "value"])
    counts_table = report.counts.rename(columns={c: _ui(c, lang) for c in ("severity", "code", "column", "count")})
    issues = report._issues.rename(columns={c: _ui(c, lang) for c in _TABLE_COLUMNS})
    with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
        writer.book.set_properties({"created": datetime.datetime(2000, 1, 1)})
        escape_formulas(summary).to_excel(writer, sheet_name="summary", index=False)
        escape_formulas(counts_table).to_excel(writer, sheet_name="summary", index=False, startrow=len(summary) + 2)
        escape_formulas(issues).to_excel(writer, sheet_name="issues", index=False)
        for name, widths in (("summary", (24, 100)), ("issues", (10, 26, 18, 10, 7, 16, 18, 30, 60, 60))):
            sheet = writer.sheets[name]
            sheet.freeze_panes(1, 0)
            for i, w in enumerate(widths):
                sheet.set_column(i, i, w)
        writer.sheets["issues"].autofilter(0, 0, max(len(issues), 1), len(issues.columns) - 1)
