"""The registry of problem codes: one list, words in every language, rows built from it."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pandas as pd
import pytest

import indicators as ind
from indicators._codes import CODES, ROW_COLUMNS, error, not_found, problem
from indicators.errors import PROBLEM_COLUMNS, IndicatorsError, NotFoundError
from indicators.i18n import _catalog

SRC = Path(ind.__file__).resolve().parent
#: Every language the library ships: a folder under locale/ with the common messages
#: (``common.yaml``). A language whose folder holds only some files (labels of one stage) falls
#: back to English elsewhere; once it has common.yaml, every code must be translated.
LANGS = sorted(p.name for p in (SRC / "locale").iterdir() if (p / "common.yaml").is_file())
#: Functions that take a problem code, and the position of the code among their arguments
#: (``code=`` is read too).
BUILDERS = {"problem": 0, "error": 0, "not_found": 0, "read_error": 0, "_design_error": 0, "add": 0,
            "definition_error": 0, "cells": 0, "table_issue": 0, "issue": 0, "_problem": 0, "fail": 1,
            "raise_if_errors": 0}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _constants(node: ast.expr | None) -> list[str]:
    """The texts a code expression can take: a constant, or either branch of ``a if c else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value:
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _constants(node.body) + _constants(node.orelse)
    return []


def _source_codes() -> dict[str, list[str]]:
    """Codes written in the source: ``"code": "<code>"`` in a mapping, the code argument of a
    function that builds a problem, or a text assigned to a variable named ``code``."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(SRC))
        for node in ast.walk(tree):
            literals: list[ast.expr] = []
            if isinstance(node, ast.Dict):
                literals += [v for k, v in zip(node.keys, node.values, strict=True)
                             if isinstance(k, ast.Constant) and k.value == "code"]
            elif isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name in BUILDERS and len(node.args) > BUILDERS[name]:
                    literals.append(node.args[BUILDERS[name]])
                literals += [k.value for k in node.keywords if k.arg == "code"]
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    literals.append(node.value)  # type: ignore[arg-type]
            for lit in literals:
                for code in _constants(lit):
                    found.setdefault(code, []).append(where)
    return found


def test_the_source_names_codes() -> None:
    codes = _source_codes()
    assert len(codes) > 50  # the scan finds the codes (a guard against a test that checks nothing)
    assert "io.cell_count" in codes and "option.invalid" in codes
    assert "survey.yaml.population" in codes and "io.total_row" in codes  # fail(key, code), code = a if c else b


def test_every_code_used_in_the_source_is_registered() -> None:
    unknown = {code: where for code, where in _source_codes().items() if code not in CODES}
    assert not unknown, f"codes used but not in indicators._codes.CODES: {unknown}"


def test_codes_made_from_names_are_registered() -> None:
    # codes built at run time from a name: the input limits (limits.<field>)
    from dataclasses import fields

    assert {f"limits.{f.name}" for f in fields(ind.Limits)} <= set(CODES)


def test_validation_rules_come_from_the_registry() -> None:
    from indicators.validation._rules import RULES

    # the rules are the codes whose words sit under validation.<code>: values, microdata, follow-up, reading
    assert {c.split(".")[0] for c in RULES} == {"values", "micro", "followup", "read", "validation"}
    for code, rule in RULES.items():
        assert CODES[code].severity == rule.severity in ("error", "warning"), code


@pytest.mark.parametrize("lang", LANGS)
def test_every_code_has_a_message_and_a_hint_in_every_language(lang: str) -> None:
    assert {"en", "es", "pt", "fr"} <= set(LANGS)
    texts, english = _catalog(lang), _catalog("en")
    missing, differ = [], []
    for entry in CODES.values():
        for key in (entry.key, entry.key + ".hint"):
            if key not in texts:
                missing.append(key)
            elif _fields(texts[key]) != _fields(english[key]):
                differ.append((key, sorted(_fields(texts[key])), sorted(_fields(english[key]))))
    assert not missing, f"{lang}: no message or hint for {missing}"
    assert not differ, f"{lang}: placeholders differ from English: {differ}"


def test_the_registry_is_well_formed() -> None:
    for code, entry in CODES.items():
        assert entry.code == code
        assert issubclass(entry.exception, IndicatorsError)
        assert entry.severity in ("error", "warning", "note")
        assert entry.summary and entry.summary == entry.summary.strip()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_problem_row_has_the_registry_columns(lang: str) -> None:
    row = problem("io.cell_count", lang, file="a.csv", row=3, column="valor", line=3, got=4,
                  expected=3, value="x")
    assert {"code", "message", "severity", "hint", *ROW_COLUMNS} <= set(row)
    assert row["severity"] == "error" and row["hint"] and "a.csv" in row["message"]
    assert row["hint"] == _catalog(lang)["io.cell_count.hint"]
    with pytest.raises(LookupError):
        problem("no.such.code")


def test_an_error_is_raised_with_its_class_and_rows() -> None:
    err = error("survey.design.empty", "es")
    assert type(err).__name__ == "DesignError"
    assert list(err.problems.columns[: len(PROBLEM_COLUMNS)]) == list(PROBLEM_COLUMNS)
    assert err.problems.loc[0, "severity"] == "error"
    assert err.problems.loc[0, "message"] == str(err)


# -- raised by the library: the rows carry the registry's columns -------------------------------------

def _raised() -> list[IndicatorsError]:
    out: list[IndicatorsError] = []
    data = pd.DataFrame({"y": [1.0, 2.0], "w": [1.0, -1.0]})
    calls = [
        lambda: ind.read("no/such/file.csv", lang="es"),
        lambda: ind.SurveyDesign(data, weights="w", lang="es"),
        lambda: ind.SurveyDesign(data, weights="peso"),
        lambda: ind.read("x.csv", missing="nans"),
        lambda: ind.load_catalog("mesecvi", lang="es")["NO-SUCH-ID"],
        lambda: ind.load_codelist("contry"),
        lambda: ind.load_index_spec("mesecv"),
        lambda: ind.score(pd.DataFrame({"x": [1]})),
        lambda: ind.validate(pd.DataFrame({"country": ["PER"]}), "mesecvi", lazy=False),
    ]
    for call in calls:
        try:
            call()
        except IndicatorsError as exc:
            out.append(exc)
    return out


def test_the_library_raises_rows_built_from_the_registry() -> None:
    raised = _raised()
    assert len(raised) >= 8
    for exc in raised:
        table = exc.problems
        assert len(table) >= 1, exc
        assert set(PROBLEM_COLUMNS) <= set(table.columns), exc
        for _, row in table.iterrows():
            assert row["code"] in CODES, (exc, row["code"])
            assert row["severity"] == CODES[row["code"]].severity, (exc, row["code"])
            assert isinstance(row["hint"], str) and row["hint"], (exc, row["code"])
            assert isinstance(row["message"], str) and row["message"], (exc, row["code"])
            assert isinstance(exc, CODES[row["code"]].exception), (exc, row["code"])


# -- lookups by id ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "words"), [("en", "Did you mean"), ("es", "¿Quiso decir")])
def test_an_unknown_id_raises_the_librarys_error_with_suggestions(lang: str, words: str) -> None:
    cat = ind.load_catalog("mesecvi", lang=lang)
    real = cat.ids[0]
    with pytest.raises(NotFoundError, match=words) as caught:
        cat[real[:-1] + "9" + real[-1]]
    assert real in str(caught.value)
    assert isinstance(caught.value, KeyError)  # `in` and `get` idioms keep working
    assert cat.get("NO-SUCH-ID") is None and "NO-SUCH-ID" not in cat
    with pytest.raises(NotFoundError, match=f"{words} 'country'"):
        ind.load_codelist("contry", lang=lang)
    with pytest.raises(ind.OptionError, match=f"{words} 'mesecvi'"):  # the spec parameter of score()
        ind.load_index_spec("mesecv", lang=lang)
    with pytest.raises(NotFoundError, match=f"{words} 'PER'"):
        ind.load_codelist("country").label("PERU", lang)
    with pytest.raises(NotFoundError, match="'astrology'"):
        cat.area("astrology")


def test_an_unknown_id_without_a_close_one_lists_no_suggestion() -> None:
    err = not_found("catalog.unknown_indicator", "zzz", ["MESECVI-LEG-S01"], "en", catalog="mesecvi")
    assert str(err) == "'zzz' is not an indicator of the catalog mesecvi."
    assert err.problems.loc[0, "code"] == "catalog.unknown_indicator"


def test_no_problems_row_is_written_by_hand() -> None:
    # every row comes from indicators._codes.problem/error: no mapping literal with a "code" key
    # handed to an exception's problems
    by_hand = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "_codes.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            given = [k.value for k in node.keywords if k.arg == "problems"] if isinstance(node, ast.Call) else []
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "append" and \
                    "problem" in ast.unparse(node.func.value):
                given += node.args
            for value in given:
                for inner in ast.walk(value):
                    if isinstance(inner, ast.Dict) and any(isinstance(k, ast.Constant) and k.value == "code"
                                                           for k in inner.keys):
                        by_hand.append(f"{path.relative_to(SRC)}:{inner.lineno}")
    assert not by_hand, by_hand
