"""Functions follow their phases: none in src/ is longer than about 80 lines of code.

A function's code lines are its lines that hold code: not blank, not a comment, not its
docstring; a function nested inside another counts towards it. The allow-list names the
functions being rewritten now; it can only shrink (a listed function that got short fails too).
"""

from __future__ import annotations

import ast
from pathlib import Path

import indicators as ind

SRC = Path(ind.__file__).resolve().parent
LIMIT = 80

#: Functions over the limit that are being rewritten; remove a name once its function is split.
ALLOWED: frozenset[str] = frozenset({
    "survey/_engines.py:_EngineMixin._linear",
    "survey/_engines.py:EngineSurveyDesign.__init__",
})


def _code_lines(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    doc: set[int] = set()
    first = node.body[0] if node.body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        doc = set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    count = 0
    for number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        text = lines[number - 1].strip()
        if text and not text.startswith("#") and number not in doc:
            count += 1
    return count


def _lengths() -> dict[str, int]:
    """Every function and method of the package, ``file:Class.name``, with its code lines."""
    out: dict[str, int] = {}
    for path in sorted(SRC.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        where = path.relative_to(SRC).as_posix()

        def walk(node: ast.AST, prefix: str, lines: list[str] = lines, where: str = where) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    out[f"{where}:{prefix}{child.name}"] = _code_lines(lines, child)
                    walk(child, f"{prefix}{child.name}.")
                elif isinstance(child, ast.ClassDef):
                    walk(child, f"{prefix}{child.name}.")

        walk(ast.parse(source), "")
    return out


def test_the_scan_measures_functions() -> None:
    lengths = _lengths()
    assert len(lengths) > 500
    assert 0 < lengths["_codes.py:problem"] < LIMIT


def test_no_function_is_longer_than_the_limit() -> None:
    long = {name: n for name, n in _lengths().items() if n > LIMIT and name not in ALLOWED}
    assert not long, f"functions over {LIMIT} code lines (split them along their phases): {long}"


def test_the_allow_list_only_shrinks() -> None:
    lengths = _lengths()
    stale = sorted(name for name in ALLOWED if lengths.get(name, 0) <= LIMIT)
    assert not stale, f"no longer over {LIMIT} lines (or gone): remove them from ALLOWED: {stale}"
