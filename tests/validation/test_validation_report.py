"""ValidationReport writers (HTML, Excel, JSON), the command line, and properties of validate."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_validation import CAT, table

import indicators as ind
from indicators.cli import main
from indicators.errors import OptionError

HERE = Path(__file__).parents[1]


def bad_report(lang: str = "es") -> ind.ValidationReport:
    frame = table({"value": 300}, {"value": "=HYPERLINK(\"x\")", "country": "PER", "indicator": "T-TXT"},
                  {"value": "<script>alert(1)</script>", "country": "MEX"}, {"colour": "x", "country": "BRA"})
    return ind.validate(frame, CAT, lang=lang)


def test_html_is_self_contained_escaped_and_deterministic(tmp_path: Path) -> None:
    report = bad_report()
    page = report.to_html(tmp_path / "r.html")
    assert (tmp_path / "r.html").read_text(encoding="utf-8") == page
    assert page == bad_report().to_html()  # byte-identical for the same inputs
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "src=" not in page and "href=" not in page and "@import" not in page  # nothing fetched
    assert '<html lang="es">' in page and "No válido" in page and 'id="issues"' in page
    assert "addEventListener('click'" in page and 'id="q"' in page  # sortable and filterable
    assert page.count('data-severity="error"') == report.n_errors


def test_excel_escapes_formulas_and_freezes_header(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = bad_report("en")
    path = report.to_excel(tmp_path / "r.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["summary", "issues"]
    ws = wb["issues"]
    assert ws.freeze_panes == "A2"
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["severity", "rule", "file"]
    assert len(list(ws.iter_rows())) == len(report.issues) + 1


def test_json_round_trip(tmp_path: Path) -> None:
    report = bad_report("en")
    text = report.to_json(tmp_path / "r.json")
    data = json.loads(text)
    assert data["ok"] is False and data["errors"] == report.n_errors and data["warnings"] == report.n_warnings
    assert [i["code"] for i in data["issues"]] == report.issues["code"].tolist()
    assert data["provenance"]["catalog_fingerprint"] == CAT.fingerprint


def test_writers_stay_in_the_named_folder(tmp_path: Path) -> None:
    report = bad_report()
    with pytest.raises(OptionError):
        report.to_html("../outside.html", folder=tmp_path)
    with pytest.raises(OptionError):
        report.to_excel("../outside.xlsx", folder=tmp_path)
    with pytest.raises(OptionError):
        report.to_json("/tmp/elsewhere.json", folder=tmp_path)
    assert report.to_excel("sub.xlsx", folder=tmp_path) == (tmp_path / "sub.xlsx").resolve()


def test_summary_in_spanish() -> None:
    text = bad_report().summary(max_issues=2)
    assert text.splitlines()[0].startswith("No válido")
    assert "Primeros 2 de" in text


# -- properties ------------------------------------------------------------------------------------

ROWS = st.fixed_dictionaries({
    "country": st.sampled_from(["ARG", "PER", "MEX", "Perú", "XX", None]),
    "year": st.sampled_from([2019, 2020, "2021", "20x", 1980, None]),
    "indicator": st.sampled_from(["T-PCT", "T-CNT", "T-YN", "T-CAT", "NOPE"]),
    "sex": st.sampled_from(["F", "M", "_T", "", "Q"]),
    "value": st.sampled_from([0, 1, 2.5, 50, 150, -3, "sí", "no", "abc", "legal", None]),
})


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROWS, min_size=1, max_size=12), seed=st.randoms(use_true_random=False))
def test_shuffling_changes_only_row_numbers(rows: list[dict[str, object]], seed: object) -> None:
    frame = pd.DataFrame(rows).astype(object)
    order = list(range(len(frame)))
    seed.shuffle(order)  # type: ignore[attr-defined]
    shuffled = frame.iloc[order].reset_index(drop=True)
    a = ind.validate(frame, CAT).issues
    b = ind.validate(shuffled, CAT).issues
    # map the shuffled table's row numbers back to the original ones
    back = {new + 2: old + 2 for new, old in enumerate(order)}
    b = b.assign(row=b["row"].map(lambda r: back.get(r, r) if pd.notna(r) else r))
    keys = ["code", "row", "column", "value", "severity"]

    def canon(i: pd.DataFrame) -> list[tuple[object, ...]]:
        return sorted(tuple("" if pd.isna(v) else str(v) for v in rec) for rec in i[keys].itertuples(index=False))

    assert canon(a) == canon(b)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROWS, min_size=0, max_size=12))
def test_accepted_plus_rejected_is_the_input(rows: list[dict[str, object]]) -> None:
    frame = pd.DataFrame(rows, columns=["country", "year", "indicator", "sex", "value"]).astype(object)
    frame.index = pd.Index(range(5, 5 + len(frame)), name="row")
    report = ind.validate(frame, CAT)
    assert len(report.accepted) + len(report.rejected) == len(frame)
    assert sorted([*report.accepted.index, *report.rejected.index]) == frame.index.tolist()
    pd.testing.assert_frame_equal(report.rejected, frame.loc[report.rejected.index])
    # accepted rows carry the same observations, as codes
    kept = frame.loc[report.accepted.index]
    assert report.accepted["year"].tolist() == [int(y) for y in kept["year"]]
    assert report.accepted["country"].isin(list(ind.load_codelist("country"))).all()
    rejected_rows = set(report.issues.loc[report.issues["severity"] == "error", "row"].dropna())
    assert set(report.rejected.index) == rejected_rows or (report.issues["row"].isna()
                                                           & (report.issues["severity"] == "error")).any()


# -- command line ----------------------------------------------------------------------------------

def _some_indicator(unit: str) -> str:
    return next(i.id for i in ind.load_catalog("mesecvi") if i.unit == unit)


def test_cli_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("indicators.io._read")
    yn = _some_indicator("yes_no")
    good = tmp_path / "bueno.csv"
    good.write_text(f"país;año;indicador;valor\nARG;2020;{yn};sí\nPER;2020;{yn};no\n", encoding="utf-8")
    bad = tmp_path / "malo.csv"
    bad.write_text(f"país;año;indicador;valor\nARG;2020;{yn};sí\nPER;2020;{yn};tal vez\n", encoding="utf-8")
    assert main(["validate", str(good), "--lang", "es"]) == 0
    assert "Válido" in capsys.readouterr().out
    out_html = tmp_path / "informe.html"
    assert main(["validate", str(bad), "--system", "mesecvi", "--lang", "es", "--report", str(out_html)]) == 1
    out = capsys.readouterr().out
    assert "Fila 3" in out and "tal vez" in out
    assert out_html.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["validate", str(good), str(bad), "--report", str(tmp_path / "all.json")]) == 1
    files = {i["file"] for i in json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))["issues"]}
    assert len(files) == 1 and "malo.csv" in files.pop()
    assert main(["validate", str(tmp_path / "missing.csv")]) == 2
    assert main(["validate", str(good), "--report", str(tmp_path / "x.pdf")]) == 2


def test_cli_microdata(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("indicators.io._read")
    path = tmp_path / "micro.csv"
    path.write_text("fexp,estrato,upm\n1.5,1,1\n0,1,2\n2,2,3\n", encoding="utf-8")
    code = main(["validate", str(path), "--kind", "microdata", "--weights", "fexp", "--strata", "estrato",
                 "--psu", "upm"])
    out = capsys.readouterr().out
    assert code == 1 and "weight 0 is not positive" in out and "single PSU" in out
