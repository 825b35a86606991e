"""Security of definitions and expressions: no code from data, no resource attack.

Each test is built from a case of the robustness review: YAML tags that would build
Python objects, alias bombs ("billion laughs"), self-referencing aliases, deep
nesting, and expressions that try attribute access, calls outside the whitelist,
dunders, lambdas, deep nesting or huge powers.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import indicators as ind
from indicators.catalog import Expression
from indicators.catalog._expressions import ExpressionError
from indicators.errors import DefinitionError

HEADER = """kind: overlay
format_version: 1
id: test_overlay
version: "1"
extends: mesecvi@2013
name: {en: Test, es: Prueba}
"""

BOMB = """junk:
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _overlay(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system ['echo pwned']",
    "!!python/name:os.system",
    "!!python/object/new:subprocess.Popen [['true']]",
    "!!binary aGVsbG8=",
    "!custom {a: 1}",
])
def test_yaml_tags_never_build_python_objects(tmp_path: Path, tag: str) -> None:
    path = _overlay(tmp_path, f"drop: [{tag}]\n" if "{" not in tag else f"drop: {tag}\n")
    with pytest.raises(DefinitionError) as err:
        ind.load_catalog(path)
    assert "overlay.yaml" in str(err.value)


def test_billion_laughs_overlay_is_refused_quickly_naming_the_limit(tmp_path: Path) -> None:
    path = _overlay(tmp_path, BOMB)
    start = time.perf_counter()
    with pytest.raises(DefinitionError) as err:
        ind.load_catalog(path)
    assert time.perf_counter() - start < 20  # was minutes at 870 MB; a generous bound, not a benchmark
    msg = str(err.value)
    assert "max_yaml_nodes" in msg and "1,000,000" in msg and "overlay.yaml" in msg
    assert err.value.problems.loc[0, "code"] == "limits.max_yaml_nodes"


def test_alias_limit_can_be_raised_and_lowered(tmp_path: Path) -> None:
    small = _overlay(tmp_path, "junk:\n  a: &a [1, 2, 3, 4]\n  b: [*a, *a, *a, *a]\n")
    with pytest.raises(DefinitionError, match="max_yaml_nodes"):
        ind.load_catalog(small, limits={"max_yaml_nodes": 10})
    # within the default limit it reaches the schema check, which refuses the unknown key
    with pytest.raises(DefinitionError, match="junk"):
        ind.load_catalog(small)


def test_self_referencing_alias_is_a_definition_error(tmp_path: Path) -> None:
    path = _overlay(tmp_path, "junk: &a [1, *a]\n")
    with pytest.raises(DefinitionError, match="line 7"):
        ind.load_catalog(path)


def test_deeply_nested_yaml_is_a_definition_error(tmp_path: Path) -> None:
    path = _overlay(tmp_path, "junk: " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(DefinitionError, match="overlay.yaml"):
        ind.load_catalog(path)


def test_definition_file_over_the_size_limit(tmp_path: Path) -> None:
    path = _overlay(tmp_path, "# " + "x" * 5000 + "\n")
    with pytest.raises(DefinitionError, match="max_file_bytes"):
        ind.load_catalog(path, limits=ind.Limits(max_file_bytes=1000))


@pytest.mark.parametrize("text", [
    "x.__class__",
    "x.real",
    "__import__('os')",
    "__builtins__",
    "open('/etc/passwd')",
    "eval('1')",
    "getattr(x, 'y')",
    "(lambda: 1)()",
    "lambda x: x",
    "x[0]",
    "[y for y in x]",
    "{1: 2}",
    "f'{x}'",
    "x if y else z",
    "(x := 1)",
    "min(*x)",
    "abs(x=1)",
    "x @ y",
    "'a' * 1000000000",
    "1j",
])
def test_expressions_outside_the_whitelist_are_refused(text: str) -> None:
    with pytest.raises(ExpressionError):
        Expression(text)


@pytest.mark.parametrize("text", ["-" * 999 + "x", "not " * 300 + "x", "(" * 200 + "x" + ")" * 200,
                                  "+".join(["(x"] * 80) + ")" * 80],
                         ids=["minus", "not", "parentheses", "sums"])
def test_deep_expressions_are_refused_naming_the_depth_limit(text: str) -> None:
    with pytest.raises(ExpressionError, match="max_expression_depth"):
        Expression(text)


def test_deep_expression_in_an_overlay_is_a_definition_error(tmp_path: Path) -> None:
    body = """add:
  - id: T-1
    area: legislation
    type: outcome
    category: state_capacities
    title: {en: T, es: T}
    unit: percent
    direction: higher_is_better
    provenance: proposed
    estimation: {variable: x, universe: "%s", statistic: mean}
""" % ("-" * 999 + "x")
    with pytest.raises(DefinitionError):
        ind.load_catalog(_overlay(tmp_path, body))


@pytest.mark.parametrize("text", ["10**10**10", "x ** 100000", "2 ** -5000", "x ** (10 ** 5)"])
def test_huge_constant_powers_are_refused_at_parse(text: str) -> None:
    with pytest.raises(ExpressionError, match="max_exponent"):
        Expression(text)


def test_exponent_limit_can_be_raised() -> None:
    with ind.Limits(max_exponent=100_000).applied():
        assert Expression("x ** 5000").evaluate({"x": 1.0}) == 1.0


def test_powers_from_data_never_hang() -> None:
    # an exponent from the data is computed in floating point: inf at once, never a huge integer
    start = time.perf_counter()
    assert Expression("x ** y").evaluate({"x": 10, "y": 10**10}) == float("inf")
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize("text,n", [("min(x)", 1), ("max(x)", 1), ("isna(a, b, c)", 3), ("where(a, b)", 2),
                                    ("sqrt()", 0), ("log(a, b)", 2)])
def test_function_arity_is_checked_at_parse(text: str, n: int) -> None:
    with pytest.raises(ExpressionError) as err:
        Expression(text)
    assert err.value.problems.loc[0, "code"] == "expression.arity"
    assert err.value.problems.loc[0, "value"] == n


def test_min_and_max_take_several_arguments() -> None:
    assert Expression("min(a, b, c)").evaluate({"a": 3, "b": 1, "c": 2}) == 1
    assert Expression("max(a, b, c)").evaluate({"a": 3, "b": 1, "c": 2}) == 3


def test_division_by_zero_is_missing_not_an_exception() -> None:
    assert np.isnan(Expression("1 / 0").evaluate({}))
    assert np.isnan(Expression("a / b").evaluate({"a": 0, "b": 0}))
    assert np.isnan(Expression("a % b").evaluate({"a": 1, "b": 0}))
    out = Expression("100 * a / b").evaluate(pd.DataFrame({"a": [1, 0, 2], "b": [0, 0, 4]}))
    assert out.isna().tolist() == [True, True, False] and out.iloc[2] == 50


def test_evaluation_failures_are_expression_errors() -> None:
    with pytest.raises(ExpressionError):
        Expression("x in [1, 2]").evaluate({"x": np.array([1, 2])})
    with pytest.raises(ExpressionError):
        Expression("not x").evaluate(pd.DataFrame({"x": [1.5, 2.5]}))
