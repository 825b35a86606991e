"""The reports as a person reads them: opened in headless Chromium.

Needs Debian's ``chromium`` package (/usr/bin/chromium; .ci/run installs it); skipped
without it. The page is opened from a copy that carries a small probe script (the report
itself has no script, and its Content-Security-Policy forbids one: the copy allows inline
scripts and nothing else). The probe records every script error, ``console.error`` and CSP
violation, then measures every chart and counts every table's rows; ``--dump-dom`` returns
the result. Chromium's own log (stderr) is scanned for console errors too, and a screenshot
is checked for content.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("babel")

import indicators as ind  # noqa: E402
from indicators.report import Report, country_report, hemispheric_report  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason="headless Chromium not installed (Debian: apt-get install chromium)",
    ),
]
DATA = Path(__file__).parents[1] / "data" / "report"

PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener('error', function (e) { errors.push('error: ' + e.message); });
  document.addEventListener('securitypolicyviolation', function (e) {
    errors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI); });
  var original = console.error;
  console.error = function () { errors.push('console: ' + Array.prototype.join.call(arguments, ' '));
    return original.apply(console, arguments); };
  window.addEventListener('load', function () {
    var charts = Array.prototype.map.call(document.querySelectorAll('figure.chart'), function (f) {
      var svg = f.querySelector('svg'); var r = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
      var style = svg ? getComputedStyle(svg) : {display: 'none', visibility: 'hidden'};
      return {name: f.dataset.chart, width: r.width, height: r.height, display: style.display,
              visibility: style.visibility, texts: svg ? svg.querySelectorAll('text').length : 0};
    });
    var tables = Array.prototype.map.call(document.querySelectorAll('table[data-table]'), function (t) {
      return {name: t.dataset.table, rows: t.tBodies[0].rows.length, columns: t.tHead.rows[0].cells.length};
    });
    var resources = performance.getEntriesByType('resource').map(function (e) { return e.name; });
    var out = document.createElement('pre');
    out.id = 'probe-result';
    out.textContent = JSON.stringify({errors: errors, charts: charts, tables: tables, resources: resources,
                                      title: document.title, width: document.documentElement.scrollWidth});
    document.body.appendChild(out);
  });
})();
</script>"""


def _chromium(url: str, tmp: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        f"--user-data-dir={tmp / 'profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,1600",
        "--virtual-time-budget=10000",
        *extra,
        url,
    ]
    return subprocess.run(args, capture_output=True, text=True, timeout=180, check=False)


def _console(stderr: str) -> list[str]:
    """Console messages Chromium logged (script errors, CSP violations, console.*)."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "CONSOLE(" in line]


def _probe(report: Report, tmp: Path) -> dict:  # type: ignore[type-arg]
    html = report.to_html()
    assert "default-src 'none';" in html
    probed = html.replace(
        "default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';", 1
    )
    probed = probed.replace('<meta charset="utf-8">', '<meta charset="utf-8">\n' + PROBE, 1)
    page = tmp / "probed.html"
    page.write_text(probed, encoding="utf-8")
    done = _chromium(page.as_uri(), tmp, "--dump-dom")
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, flags=re.S)
    assert match, f"the probe did not run; chromium said:\n{done.stderr[-3000:]}"
    import html as html_module

    result = json.loads(html_module.unescape(match.group(1)))
    result["stderr"] = done.stderr
    return result


def _check(report: Report, result: dict) -> None:  # type: ignore[type-arg]
    assert result["errors"] == []
    assert result["resources"] == [], "the page requested something"
    assert _console(result["stderr"]) == []
    assert result["title"] == report.title
    charts = {c["name"]: c for c in result["charts"]}
    assert set(charts) == set(report.charts)
    for name, chart in charts.items():
        assert chart["width"] > 300 and chart["height"] > 100, (name, chart)
        assert chart["display"] != "none" and chart["visibility"] == "visible", (name, chart)
        assert chart["texts"] > 3, name
    shown = {t["name"]: t for t in result["tables"]}
    expected = {name for s in report.sections for name in s.tables}
    assert set(shown) == expected
    for name in expected:
        table = report.table_objects[name]
        assert shown[name]["rows"] == len(table.frame), name
        assert shown[name]["columns"] == len(table.screen_columns), name


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, ind.Catalog, pd.DataFrame]:
    return (
        pd.read_csv(DATA / "values.csv"),
        ind.load_catalog(DATA / "catalog"),
        pd.read_csv(DATA / "scores.csv"),
    )


def test_country_report_in_the_browser(
    inputs: tuple[pd.DataFrame, ind.Catalog, pd.DataFrame], tmp_path: Path
) -> None:
    values, cat, scores = inputs
    report = country_report(
        values, cat, country="PER", lang="es", locale="es_MX", scores=scores, validation=None
    )
    result = _probe(report, tmp_path)
    _check(report, result)
    rows = {t["name"]: t["rows"] for t in result["tables"]}
    assert rows["area_scores"] == 6
    assert rows["indicators_legislation"] == len([i for i in cat if i.area == "legislation"])


def test_hemispheric_report_in_the_browser(
    inputs: tuple[pd.DataFrame, ind.Catalog, pd.DataFrame], tmp_path: Path
) -> None:
    values, cat, scores = inputs
    report = hemispheric_report(values, cat, lang="en", scores=scores)
    result = _probe(report, tmp_path)
    _check(report, result)
    rows = {t["name"]: t["rows"] for t in result["tables"]}
    assert rows["heatmap"] == rows["rankings"] == rows["coverage"] == 5


def test_the_unaltered_page_renders(
    inputs: tuple[pd.DataFrame, ind.Catalog, pd.DataFrame], tmp_path: Path
) -> None:
    """The report exactly as written (no probe): a screenshot with content, no console errors."""
    values, cat, scores = inputs
    report = country_report(values, cat, country="ARG", lang="en", scores=scores, validation=None)
    folder = tmp_path / "out"
    page = report.save(folder, formats=("html",))["html"]
    shot = tmp_path / "shot.png"
    done = _chromium(page.as_uri(), tmp_path, f"--screenshot={shot}")
    assert shot.exists(), done.stderr[-3000:]
    assert _console(done.stderr) == []
    from matplotlib import image

    pixels = image.imread(str(shot))
    assert pixels.shape[1] == 1280
    assert pixels[..., :3].std() > 0.05  # text and charts, not a blank page


def test_the_checks_can_fail(tmp_path: Path) -> None:
    """A page with a script error and a blocked request is caught by the same checks."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; script-src 'unsafe-inline'\"><title>t</title></head><body>"
        '<script>undefinedFunction();</script><img src="http://127.0.0.1:9/x.png"></body></html>',
        encoding="utf-8",
    )
    done = _chromium(page.as_uri(), tmp_path, "--dump-dom")
    lines = _console(done.stderr)
    assert any("Uncaught ReferenceError" in line for line in lines)
    assert any("Content Security Policy" in line for line in lines)
