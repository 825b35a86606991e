"""Fuzzing definitions: load_catalog() on overlays (mutated and generated) and expressions.

On every input: a catalog or a DefinitionError (ExpressionError is one), never another
exception, a hang or a Python object built from YAML; an expression that parses can be
evaluated on a table, giving a value or an ExpressionError.
"""

from __future__ import annotations

import math
import random
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import indicators as ind
from indicators.catalog import Expression

from ._harness import attempt, budget, invariant, mutate

OVERLAY = (Path(__file__).resolve().parents[2] / "docs" / "examples" / "overlay_peru.yaml").read_bytes()
YAML_PIECES = ["&a", "*a", "!!python/object/apply:os.system ['true']", "!!binary aGk=", "<<: *a", "[", "]", "{", "}",
               ":", "- ", "\n  ", "'", '"', "~", "null", "1e999", "0x1F", ".inf", "---", "...", "? ", "|", ">",
               "%YAML 1.1", "!custom", "\t", "#", "@", "`"]


@budget(10)  # each input validates a catalog
@given(rng=st.randoms(use_true_random=False), pieces=st.lists(st.sampled_from(YAML_PIECES), max_size=4))
def test_fuzz_overlay_mutated(rng: random.Random, pieces: list[str]) -> None:
    data = mutate(OVERLAY, rng, rng.randint(0, 6))
    for piece in pieces:
        at = rng.randrange(len(data) + 1)
        data = data[:at] + piece.encode() + data[at:]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "overlay.yaml"
        path.write_bytes(data)
        describe = lambda: f"bytes={data[:500]!r}"
        cat = attempt("load_catalog: mutated overlay", lambda: ind.load_catalog(path), describe)
        if cat is not None:
            invariant("load_catalog: mutated overlay", len(cat) > 0, "an empty catalog", describe)


yaml_scalar = st.one_of(st.text(max_size=10), st.integers(), st.floats(allow_nan=True), st.booleans(), st.none())
yaml_value = st.recursive(yaml_scalar, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                               st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                          max_leaves=12)
FIELDS = ["id", "area", "type", "category", "title", "unit", "direction", "formula", "estimation", "scoring",
          "provenance", "tags", "disaggregations", "definition", "sources", "reference", "inputs"]


@st.composite
def indicator_entries(draw: st.DrawFn) -> dict:  # type: ignore[type-arg]
    entry = {"id": draw(st.sampled_from(["X-1", "MESECVI-LEG-S01", "", "x y"])), "area": "legislation",
             "type": "outcome", "category": "state_capacities", "title": {"en": "T", "es": "T"},
             "unit": draw(st.sampled_from(["percent", "number", "yes_no", "rate"])),
             "direction": "higher_is_better", "provenance": "proposed"}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=3)):
        entry[name] = draw(yaml_value)
    if draw(st.booleans()):
        entry["estimation"] = {"variable": "x", "statistic": draw(st.sampled_from(["mean", "proportion", "x"])),
                               "universe": draw(expression_text)}
    if draw(st.booleans()):
        entry["formula"] = {"expression": draw(expression_text), "inputs": ["a", "b"]}
    return entry


NAMES = ["x", "a", "b", "age", "partnered", "__class__", "os", "eval", "min", "isna"]
atoms = st.one_of(st.sampled_from(NAMES), st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=False).map(repr),
                  st.sampled_from(["'a'", '"b"', "True", "None", "1e308", "10**10**10", "2**-5000", "[1, 2]"]))
expression_text = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "%", "==", "!=", "<", ">=", " and ", " or ",
                                          " in ", " not in ", "//", "@", ".", "&"]), inner).map("".join),
        st.tuples(st.sampled_from(["-", "not ", "+", "~"]), inner).map("".join),
        inner.map(lambda e: f"({e})"),
        st.tuples(st.sampled_from(["isna", "notna", "abs", "log", "sqrt", "min", "max", "where", "exp", "open",
                                   "__import__", "getattr", "x.y", "lambda: "]),
                  st.lists(inner, max_size=4)).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    ),
    max_leaves=20,
)


@budget(10)  # each input validates a catalog
@given(entries=st.lists(indicator_entries(), max_size=3), drop=st.lists(st.sampled_from(["MESECVI-LEG-S02", 1, "?"]),
                                                                        max_size=2),
       junk=st.dictionaries(st.sampled_from(["junk", "kind", "extends", "format_version", "version"]), yaml_value,
                            max_size=2))
def test_fuzz_overlay_generated(entries: list, drop: list, junk: dict) -> None:  # type: ignore[type-arg]
    doc = {"kind": "overlay", "format_version": 1, "id": "fuzz", "version": "1", "extends": "mesecvi@2013",
           "name": {"en": "F", "es": "F"}, "add": entries, "drop": drop, **junk}
    text = yaml.safe_dump(doc, allow_unicode=True)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "overlay.yaml"
        path.write_text(text, encoding="utf-8")
        describe = lambda: text[:600]
        attempt("load_catalog: generated overlay", lambda: ind.load_catalog(path), describe)


TABLE = pd.DataFrame({"x": [1.0, 0.0, -2.0, np.nan], "a": [1, 2, 3, 4], "b": [0, 0, 1, 2], "age": [15, 30, 80, 14],
                      "partnered": [1, 0, 1, 1], "__class__": [1, 1, 1, 1], "os": ["p", "q", "r", "s"],
                      "eval": [1, 2, 3, 4]})


@settings()
@given(text=expression_text)
def test_fuzz_expressions(text: str) -> None:
    describe = lambda: repr(text)
    expr = attempt("expressions: parse", lambda: Expression(text), describe)
    if expr is None:
        return
    invariant("expressions: parse", not any(n.startswith("__") for n in expr.names), "a dunder name accepted",
              describe)
    out = attempt("expressions: evaluate", lambda: expr.evaluate(TABLE), describe)
    if isinstance(out, pd.Series):
        invariant("expressions: evaluate", len(out) == len(TABLE), "a result of another length", describe)
    attempt("expressions: evaluate", lambda: expr.evaluate({n: 2 for n in expr.names}), describe)


@settings()
@given(text=st.text(alphabet="xab()[]-+*/%<>=!~ .,'\"0123456789eanotrmiwhs_\\\n\t", max_size=80))
def test_fuzz_expression_text(text: str) -> None:
    describe = lambda: repr(text)
    expr = attempt("expressions: raw text", lambda: Expression(text), describe)
    if expr is not None:
        attempt("expressions: raw text", lambda: expr.evaluate({n: math.pi for n in expr.names}), describe)
