"""The result protocol shared by Estimates, Scores, ValidationReport and Report.

Two families of checks:

- no table a result hands out can change the result: every public attribute, property and
  zero-argument method that returns a DataFrame, Series, numpy array or mapping is fetched,
  mutated in every way a user might (a column, a cell through ``.loc``/``.iloc``/``.at``/``.iat``,
  ``inplace=`` methods, writes into ``to_numpy()``/``.values``/``np.asarray``, the extension
  array behind a column), and the result is checked unchanged (same tables, same verdict,
  same HTML page);
- each protocol method on each result: ``to_frame``, ``_repr_html_`` in English and Spanish,
  ``to_html`` (key figures present, user text escaped, written through a safe path),
  ``to_excel`` (read back with openpyxl, formula-like text escaped), ``save``.
"""

from __future__ import annotations

import copy
import dataclasses
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.errors import OptionError
from indicators.report import Report
from indicators.scores import IndicatorSpec, Level

XSS = "<script>alert(1)</script>"
FORMULA = "=HYPERLINK(\"http://x\")"
REPORT_DATA = Path(__file__).parent / "data" / "report"


# -- the four results -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def estimates() -> ind.Estimates:
    data = pd.DataFrame({
        "y": [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0],
        "x": [2.0, 3.0, 1.5, 4.0, 2.5, 3.5, 1.0, 2.0],
        "w": [1.0, 2.0, 1.0, 1.0, 1.5, 1.0, 2.0, 1.0],
        "h": [1, 1, 1, 1, 2, 2, 2, 2],
        "c": [1, 2, 3, 4, 5, 6, 7, 8],
        "g": [XSS, FORMULA, XSS, FORMULA, XSS, FORMULA, XSS, FORMULA],
    })
    design = ind.SurveyDesign(data, weights="w", strata="h", psu="c", lang="es")
    return design.mean(["y", "x"], by="g")


@pytest.fixture(scope="module")
def scores() -> ind.Scores:
    spec = ind.IndexSpec(id="demo", levels=(Level("indicator"), Level("index")), indicators=(
        IndicatorSpec("A", goalposts=(0, 50), direction="higher_is_better"),
        IndicatorSpec("B", goalposts=(0, 10), direction="lower_is_better")))
    values = pd.DataFrame({
        "country": ["PER", "PER", "CHL", "CHL", "PER", "PER", "CHL", "CHL"],
        "year": [2020, 2020, 2020, 2020, 2021, 2021, 2021, 2021],
        "indicator": ["A", "B"] * 4,
        "value": [25.0, 2.0, 50.0, 8.0, 30.0, 1.0, 45.0, 7.0],
        "se": [2.0, 0.5, 3.0, 0.4, 2.0, 0.5, 3.0, 0.4],
    })
    return ind.score(values, spec, draws=40, seed=7, lang="es")


@pytest.fixture(scope="module")
def validation() -> ind.ValidationReport:
    table = pd.DataFrame({
        "país": ["PER", "Perú", XSS, "ARG"],
        "año": [2020, 2021, 2020, 2020],
        "indicador": ["MESECVI-LEG-S02"] * 4,
        "valor": ["sí", FORMULA, "no", "sí"],
    })
    return ind.validate(table, "mesecvi", lang="es")


@pytest.fixture(scope="module")
def report() -> Report:
    pytest.importorskip("matplotlib")
    pytest.importorskip("babel")
    cat = ind.load_catalog(REPORT_DATA / "catalog")
    values = pd.read_csv(REPORT_DATA / "values.csv")
    scores = pd.read_csv(REPORT_DATA / "scores.csv")
    return ind.hemispheric_report(values, cat, lang="en", scores=scores)


@pytest.fixture(scope="module")
def test_result(estimates: ind.Estimates) -> Any:
    data = pd.DataFrame({"y": [1.0, 0.0, 3.0, 1.0, 2.0, 5.0, 1.0, 4.0], "w": 1.0,
                         "h": [1, 1, 1, 1, 2, 2, 2, 2], "c": [1, 2, 3, 4, 5, 6, 7, 8],
                         "g": ["a", "b"] * 4})
    design = ind.SurveyDesign(data, weights="w", strata="h", psu="c", lang="es")
    return ind.survey.ttest(design, "y", "g")


@pytest.fixture(scope="module")
def recommendations() -> Any:
    return ind.load_recommendations("sample")


@pytest.fixture(scope="module")
def follow_up() -> Any:
    return ind.follow_up("sample", "sample")


@pytest.fixture(scope="module")
def records(recommendations: Any) -> Any:
    table = pd.DataFrame({"recomendación": ["S1-PER-01", "S1-PER-09"], "fecha": ["10/03/2016", "2016-03-10"],
                          "informante": ["Estado", "Estado"], "estado": ["parcial", "parcial"],
                          "evidencia": [XSS, FORMULA]})
    return ind.read_follow_up(table, recommendations, lang="es")


@pytest.fixture(scope="module")
def index_values() -> tuple[pd.DataFrame, Any]:
    rng = np.random.default_rng(1)
    rows = [(f"C{c}", 2020, k, float(rng.uniform(0, 100))) for c in range(8) for k in "ABC"]
    values = pd.DataFrame(rows, columns=["country", "year", "indicator", "value"])
    spec = ind.IndexSpec(id="ix", levels=(Level("indicator"), Level("index")), indicators=tuple(
        IndicatorSpec(k, goalposts=(0, 100), direction="higher_is_better") for k in "ABC"))
    return values, spec


@pytest.fixture(scope="module")
def audit_result(index_values: tuple[pd.DataFrame, Any]) -> Any:
    return ind.audit(*index_values, lang="es")


@pytest.fixture(scope="module")
def weights_result(index_values: tuple[pd.DataFrame, Any]) -> Any:
    return ind.scores.derive_weights(*index_values, "pca")


@pytest.fixture(scope="module")
def leave_one_out_result(index_values: tuple[pd.DataFrame, Any]) -> Any:
    return ind.scores.leave_one_out(*index_values)


RESULTS = ("estimates", "scores", "validation", "report")
#: Results added later, walked by the copy checks (their own tests check their writers).
LATER = ("test_result", "recommendations", "follow_up", "records", "audit_result", "weights_result",
         "leave_one_out_result")
#: The result types the fixtures above cover, by class name.
COVERED = {"Estimates", "Scores", "ValidationReport", "Report", "TestResult", "Recommendations", "FollowUp",
           "FollowUpRecords", "Audit", "Weights", "LeaveOneOut"}


def test_every_result_type_is_walked() -> None:
    """A result type added later (a subclass of the shared Result) must get a fixture here."""
    import importlib
    import pkgutil

    from indicators._results import Result

    for info in pkgutil.walk_packages(ind.__path__, "indicators."):
        importlib.import_module(info.name)

    def subclasses(cls: type) -> set[type]:
        out = set(cls.__subclasses__())
        return out.union(*(subclasses(c) for c in out)) if out else out

    found = {c.__name__ for c in subclasses(Result) if c.__module__.startswith("indicators.")}
    assert found == COVERED, f"add a fixture to tests/test_results.py for: {sorted(found - COVERED)}"


@pytest.fixture(params=RESULTS)
def result(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=RESULTS + LATER)
def any_result(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue(request.param)


# -- every table handed out -------------------------------------------------------------------------

def handed_out(obj: Any) -> dict[str, Callable[[], Any]]:
    """Every public attribute, property and zero-argument method returning a table or a mapping,
    and the tables inside handed-out mappings and report pieces, as getters."""
    out: dict[str, Callable[[], Any]] = {}
    for name in dir(obj):
        if name.startswith("_") or name in ("save", "to_excel", "to_xlsx", "to_docx", "to_html", "to_json",
                                            "chart_png", "summary", "in_lang", "with_flags"):
            continue
        attr = getattr(type(obj), name, None)
        if callable(attr) and not isinstance(attr, property):
            try:
                value = getattr(obj, name)()
            except TypeError:
                continue  # needs arguments
            getter: Callable[[], Any] = (lambda n=name: getattr(obj, n)())
        else:
            value = getattr(obj, name)
            getter = (lambda n=name: getattr(obj, n))
        if isinstance(value, pd.DataFrame | pd.Series | np.ndarray):
            out[name] = getter
        elif isinstance(value, Mapping):
            out[name] = getter
            for key, item in value.items():
                if isinstance(item, pd.DataFrame | pd.Series):
                    out[f"{name}[{key!r}]"] = (lambda g=getter, k=key: g()[k])
                for part in ("frame", "display", "data"):
                    if isinstance(getattr(item, part, None), pd.DataFrame):
                        out[f"{name}[{key!r}].{part}"] = (lambda g=getter, k=key, p=part: getattr(g()[k], p))
    return out


#: Tables as large as the input data, handed out as copy-on-write shallow copies: pandas does not
#: protect the extension array behind a column (``Series.array``) of such copies.
SHALLOW = {"accepted", "rejected"}


def _first_numeric(frame: pd.DataFrame) -> Any:
    for i, dtype in enumerate(frame.dtypes):
        if pd.api.types.is_float_dtype(dtype) and not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            return i
    return None


def frame_mutations(shallow: bool) -> list[tuple[str, Callable[[pd.DataFrame], None]]]:
    def col(f: pd.DataFrame) -> Any:
        return f.columns[0]

    def numpy_write(f: pd.DataFrame) -> None:
        i = _first_numeric(f)
        if i is not None:
            f.iloc[:, i].to_numpy()[0] = -12345.0

    def asarray_write(f: pd.DataFrame) -> None:
        i = _first_numeric(f)
        if i is not None:
            np.asarray(f.iloc[:, i])[0] = -12345.0

    def values_write(f: pd.DataFrame) -> None:
        f.values[0, 0] = "changed"

    def array_write(f: pd.DataFrame) -> None:
        for i in range(f.shape[1]):
            arr = f.iloc[:, i].array
            arr[0] = arr[len(arr) - 1]

    out: list[tuple[str, Callable[[pd.DataFrame], None]]] = [
        ("column", lambda f: f.__setitem__(col(f), "changed")),
        ("new column", lambda f: f.__setitem__("extra", 1)),
        ("loc", lambda f: f.loc.__setitem__((f.index[0], col(f)), "changed")),
        ("iloc", lambda f: f.iloc.__setitem__((0, 0), "changed")),
        ("at", lambda f: f.at.__setitem__((f.index[0], col(f)), "changed")),
        ("iat", lambda f: f.iat.__setitem__((0, f.shape[1] - 1), "changed")),
        ("row", lambda f: f.iloc.__setitem__(0, f.iloc[-1])),
        ("drop inplace", lambda f: f.drop(index=f.index[0], inplace=True)),
        ("fillna inplace", lambda f: f.fillna("changed", inplace=True)),
        ("sort inplace", lambda f: f.sort_values(col(f), ascending=False, inplace=True)),
        ("rename inplace", lambda f: f.rename(columns={col(f): "renamed"}, inplace=True)),
        ("columns", lambda f: setattr(f, "columns", [f"c{i}" for i in range(f.shape[1])])),
        ("index", lambda f: setattr(f, "index", range(100, 100 + len(f)))),
        ("attrs", lambda f: f.attrs.__setitem__("changed", True)),
        ("to_numpy write", numpy_write),
        ("asarray write", asarray_write),
        ("values write", values_write),
    ]
    if not shallow:
        out.append(("extension array write", array_write))
    return out


def series_mutations() -> list[tuple[str, Callable[[pd.Series], None]]]:
    def array_write(s: pd.Series) -> None:
        s.array[0] = s.array[len(s) - 1]

    return [
        ("iloc", lambda s: s.iloc.__setitem__(0, s.iloc[-1])),
        ("loc", lambda s: s.loc.__setitem__(s.index[0], s.iloc[-1])),
        ("fillna inplace", lambda s: s.fillna(s.iloc[-1], inplace=True)),
        ("drop inplace", lambda s: s.drop(index=s.index[0], inplace=True)),
        ("name", lambda s: setattr(s, "name", "changed")),
        ("index", lambda s: setattr(s, "index", range(100, 100 + len(s)))),
        ("to_numpy write", lambda s: s.to_numpy().__setitem__(0, s.iloc[-1])),
        ("extension array write", array_write),
    ]


def array_mutations() -> list[tuple[str, Callable[[np.ndarray], None]]]:
    def writeable(a: np.ndarray) -> None:
        a.flags.writeable = True
        a[0] = a[-1]

    return [("item", lambda a: a.__setitem__(0, a[-1])), ("writeable", writeable),
            ("fill", lambda a: a.fill(a[-1]))]


def mapping_mutations() -> list[tuple[str, Callable[[Any], None]]]:
    def nested(m: Any) -> None:
        for value in m.values():
            if isinstance(value, dict):
                value["changed"] = True
            elif isinstance(value, list):
                value.append("changed")

    return [("set", lambda m: m.__setitem__("changed", True)), ("clear", lambda m: m.clear()),
            ("nested", nested)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, pd.DataFrame | pd.Series):
        try:
            pd.testing.assert_frame_equal(a, b) if isinstance(a, pd.DataFrame) else pd.testing.assert_series_equal(a, b)
        except AssertionError:
            return False
        return a.attrs == b.attrs
    if isinstance(a, np.ndarray):
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, Mapping):
        if list(a) != list(b):
            return False
        return all(_same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(_same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    return bool(a == b)


def _snap(value: Any) -> Any:
    """An independent copy to compare with (a handed-out object that is not a copy would change with it)."""
    if isinstance(value, pd.DataFrame | pd.Series | np.ndarray):
        return value.copy()
    if isinstance(value, Mapping):
        return {k: _snap(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _snap(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    return copy.deepcopy(value)


def _attempt(mutate: Callable[[Any], None], value: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            mutate(value)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError):
            pass  # refused (read-only arrays, immutable mappings): what we want


def _fingerprint(obj: Any) -> Any:
    return obj.to_html(), obj._repr_html_(), obj.to_frame()


def test_no_result_hands_out_a_mutable_table(any_result: Any) -> None:
    result = any_result
    getters = handed_out(result)
    assert getters, "the result hands out no table?"
    before = _fingerprint(result)
    for name, get in getters.items():
        snapshot = _snap(get())
        if isinstance(snapshot, pd.DataFrame):
            mutations: list[tuple[str, Callable[[Any], None]]] = frame_mutations(name in SHALLOW) \
                if len(snapshot) and snapshot.shape[1] else []
        elif isinstance(snapshot, pd.Series):
            mutations = series_mutations() if len(snapshot) else []
        elif isinstance(snapshot, np.ndarray):
            mutations = array_mutations() if snapshot.size else []
        else:
            mutations = mapping_mutations()
        for label, mutate in mutations:
            _attempt(mutate, get())
            assert _same(get(), snapshot), f"{type(result).__name__}.{name}: {label} changed the result"
    after = _fingerprint(result)
    assert before[0] == after[0] and before[1] == after[1]
    pd.testing.assert_frame_equal(before[2], after[2])


def test_issue_severity_cannot_turn_a_failing_report_ok(validation: ind.ValidationReport) -> None:
    assert not validation.ok
    issues = validation.issues
    issues["severity"] = "warning"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        validation.issues["severity"] = "warning"
        validation.issues.loc[:, "severity"] = "warning"
    validation.raw_issues.fillna("x", inplace=True)
    assert not validation.ok and validation.n_errors == 2
    assert set(validation.issues["severity"]) == {"error"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        validation.issues = issues  # type: ignore[misc]


def test_the_caller_frame_is_not_shared() -> None:
    micro = pd.DataFrame({"w": [1.0, 2.0, 0.0]})
    report = ind.validate(micro, None, kind="microdata", design={"weights": "w"})
    accepted = report.accepted
    micro.loc[0, "w"] = 99.0
    assert report.accepted["w"].tolist() == [1.0, 2.0] == accepted["w"].tolist()


def test_large_tables_are_handed_out_without_copying_data() -> None:
    micro = pd.DataFrame({"w": np.ones(50_000), "s": np.arange(50_000) % 7})
    report = ind.validate(micro, None, kind="microdata", design={"weights": "w"})
    a, b = report.accepted, report.accepted
    assert a is not b
    # the same memory under both: a shallow copy, kept apart by copy-on-write
    assert np.shares_memory(a["w"].to_numpy(), b["w"].to_numpy())
    a.loc[a.index[0], "w"] = 5.0
    assert report.accepted["w"].iloc[0] == 1.0


# -- the protocol methods -------------------------------------------------------------------------

def test_to_frame_is_the_main_table_and_a_copy(result: Any) -> None:
    first, second = result.to_frame(), result.to_frame()
    assert isinstance(first, pd.DataFrame) and len(first.columns)
    assert first is not second
    pd.testing.assert_frame_equal(first, second)


def test_to_frame_content(estimates: ind.Estimates, scores: ind.Scores, validation: ind.ValidationReport,
                          report: Report) -> None:
    assert list(estimates.to_frame().columns[:2]) == ["variable", "g"]
    assert list(scores.to_frame().columns[:11]) == list(ind.scores.SCORE_COLUMNS)
    assert list(validation.to_frame().columns) == list(ind.validation.ISSUE_COLUMNS)
    assert list(report.to_frame().columns) == list(report.tables["heatmap"].columns)
    pd.testing.assert_frame_equal(report.to_frame("rankings"), report.tables["rankings"])
    with pytest.raises(OptionError):
        report.to_frame("no_such_table")


@pytest.mark.parametrize("lang, words", [
    ("en", {"estimates": "Survey estimates: mean by g", "scores": "Scores of the index demo",
            "validation": "Validation report", "report": "Tables"}),
    ("es", {"estimates": "Estimaciones de encuesta: media por g", "scores": "Puntajes del índice demo",
            "validation": "Informe de validación", "report": "Tablas"}),
])
def test_repr_html_in_the_result_language(result: Any, request: pytest.FixtureRequest, lang: str,
                                          words: dict[str, str]) -> None:
    name = request.node.callspec.params["result"]
    obj = result.in_lang(lang) if hasattr(result, "in_lang") else result
    if name == "report" and lang == "es":
        cat = ind.load_catalog(REPORT_DATA / "catalog")
        obj = ind.hemispheric_report(pd.read_csv(REPORT_DATA / "values.csv"), cat, lang="es",
                                     scores=pd.read_csv(REPORT_DATA / "scores.csv"))
    html = obj._repr_html_()
    assert html.startswith('<div class="indicators-result"') and f'lang="{lang}"' in html
    assert words[name] in html
    assert "<script" not in html and "<html" not in html  # a fragment, no script
    assert html.count("<tr>") <= 5 + 1 + 20  # the first rows only, plus the figures


def test_repr_html_escapes_user_text(estimates: ind.Estimates, validation: ind.ValidationReport,
                                     report: Report) -> None:
    titled = dataclasses.replace(report, title=XSS)
    for obj in (estimates, validation, titled):
        html = obj._repr_html_()
        assert XSS not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_to_html_key_figures_and_escaping(estimates: ind.Estimates, scores: ind.Scores,
                                          validation: ind.ValidationReport, report: Report) -> None:
    page = estimates.to_html()
    assert page.startswith("<!DOCTYPE html>") and "http" not in page.split("<body>")[1].replace(FORMULA, "")
    est = estimates.to_frame()
    for value in est["estimate"]:
        assert f"{value:.6g}" in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = scores.to_html()
    top = scores.to_frame().query("level == 'index'")
    for value in top["score"]:
        assert f"{value:.6g}" in page
    for heading in ("Sensibilidad de los puntajes", "Indicadores excluidos", "Normalización"):
        assert heading in page
    page = validation.to_html()
    assert f"{validation.n_errors}" in page and "No válido" in page
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = dataclasses.replace(report, title=XSS).to_html()
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_to_html_writes_through_a_safe_path(result: Any, tmp_path: Path) -> None:
    text = result.to_html(tmp_path / "sub" / "page.html")
    assert (tmp_path / "sub" / "page.html").read_text(encoding="utf-8") == text
    result.to_html("inner/page.html", folder=tmp_path)
    assert (tmp_path / "inner" / "page.html").read_text(encoding="utf-8") == text
    with pytest.raises(OptionError):
        result.to_html("../outside.html", folder=tmp_path / "inner")
    assert not (tmp_path / "outside.html").exists()


def _sheet(path: Path, name: str) -> list[list[Any]]:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path, read_only=True)
    return [list(r) for r in book[name].iter_rows(values_only=True)]


def test_to_excel_round_trip_estimates(estimates: ind.Estimates, tmp_path: Path) -> None:
    path = estimates.to_excel(tmp_path / "est.xlsx")
    rows = _sheet(path, "estimates")
    frame = estimates.to_frame(lang="es")
    assert rows[0] == list(frame.columns)
    assert len(rows) == len(frame) + 1
    got = pd.DataFrame(rows[1:], columns=rows[0])
    np.testing.assert_allclose(got["estimate"].astype(float), frame["estimate"], rtol=1e-12)
    np.testing.assert_allclose(got["se"].astype(float), frame["se"], rtol=1e-12)
    assert set(got["g"]) == {XSS, "'" + FORMULA}  # formula escaped, text kept
    about = {r[0]: r[1] for r in _sheet(path, "about")[1:]}
    assert about["statistic"] == "mean" and "taylor" in about["design"]


def test_to_excel_round_trip_scores(scores: ind.Scores, tmp_path: Path) -> None:
    path = scores.to_excel(tmp_path / "scores.xlsx")
    openpyxl = pytest.importorskip("openpyxl")
    names = openpyxl.load_workbook(path, read_only=True).sheetnames
    assert names == ["scores", "sensitivity", "excluded", "imputed", "structure", "normalisation", "about"]
    rows = _sheet(path, "scores")
    frame = scores.to_frame()
    assert rows[0] == list(frame.columns) and len(rows) == len(frame) + 1
    got = pd.DataFrame(rows[1:], columns=rows[0])
    np.testing.assert_allclose(got["score"].astype(float), frame["score"], rtol=1e-12)
    assert got["country"].tolist() == frame["country"].tolist()


def test_to_excel_round_trip_validation(validation: ind.ValidationReport, tmp_path: Path) -> None:
    path = validation.to_excel("v.xlsx", folder=tmp_path)
    assert path == (tmp_path / "v.xlsx").resolve()
    rows = _sheet(path, "issues")
    assert len(rows) == len(validation.issues) + 1
    values = [r[rows[0].index("valor")] for r in rows[1:]]
    assert "'" + FORMULA in values and FORMULA not in values
    with pytest.raises(OptionError):
        validation.to_excel("../v.xlsx", folder=tmp_path)


def test_to_excel_round_trip_report(report: Report, tmp_path: Path) -> None:
    path = report.to_excel(tmp_path / "r.xlsx")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path, read_only=True)
    assert len(book.sheetnames) >= len(report.tables)
    assert report.to_xlsx(tmp_path / "old.xlsx").exists()  # the former name still works


def test_save_writes_every_file(estimates: ind.Estimates, scores: ind.Scores,
                                validation: ind.ValidationReport, tmp_path: Path) -> None:
    for obj, stem in ((estimates, "estimates"), (scores, "scores"), (validation, "validation")):
        written = obj.save(tmp_path / stem)
        assert sorted(written) == ["csv", "html", "json", "xlsx"]
        for fmt, path in written.items():
            assert path == (tmp_path / stem / f"{stem}.{fmt}").resolve() and path.stat().st_size > 0
        csv = pd.read_csv(written["csv"], keep_default_na=False)
        assert len(csv) == len(obj.to_frame())
    only = estimates.save(tmp_path / "one", formats=["csv"])
    assert list(only) == ["csv"]
    with pytest.raises(OptionError):
        estimates.save(tmp_path / "bad", formats=["pdf"])


def test_save_csv_escapes_formulas(estimates: ind.Estimates, tmp_path: Path) -> None:
    path = estimates.save(tmp_path, formats=["csv"])["csv"]
    text = path.read_text(encoding="utf-8")
    assert "'" + FORMULA.replace('"', '""') in text


def test_writing_into_a_file_path_is_a_library_error(estimates: ind.Estimates, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OptionError) as err:
        estimates.to_html(blocker / "page.html")
    assert err.value.problems.loc[0, "code"] == "results.cannot_write"


@pytest.mark.parametrize("lang, title", [("pt", "Estimativas de pesquisa amostral: média por g"),
                                         ("fr", "Estimations d'enquête : moyenne par g")])
def test_summaries_in_portuguese_and_french(estimates: ind.Estimates, validation: ind.ValidationReport,
                                            lang: str, title: str) -> None:
    import html as html_lib

    assert html_lib.escape(title) in estimates.in_lang(lang)._repr_html_()
    rows = {"pt": "Linhas lidas", "fr": "Lignes lues"}[lang]
    assert rows in validation.in_lang(lang)._repr_html_()


def test_summary_labels_exist_in_every_language() -> None:
    import yaml

    folder = Path(ind.__file__).parent / "locale"
    keys = {lang.name: set(yaml.safe_load((lang / "results.yaml").read_text(encoding="utf-8")))
            for lang in folder.iterdir() if (lang / "results.yaml").exists()}
    assert {"en", "es"} <= set(keys)
    for lang, found in keys.items():
        assert found == keys["en"], f"{lang}: {sorted(found ^ keys['en'])}"
