"""The safe parser for formulas and population filters: no ``eval``.

An expression is parsed with :mod:`ast` into a tree and accepted only if every node
is on a whitelist: numbers, strings, names of variables, arithmetic (``+ - * / **``),
comparisons (``== != < <= > >=``, ``in``, ``not in``), ``and``/``or``/``not``,
parentheses, lists, and the functions in :data:`FUNCTIONS`. The tree is then
walked against a table or a mapping of values, vectorised with numpy.

>>> import pandas as pd
>>> from indicators.catalog import Expression
>>> e = Expression("partnered == 1 and age >= 15")
>>> sorted(e.names)
['age', 'partnered']
>>> e.evaluate(pd.DataFrame({"partnered": [1, 0, 1], "age": [30, 40, 14]})).tolist()
[True, False, False]
>>> Expression("100 * spending_vaw / spending_total").evaluate({"spending_vaw": 2, "spending_total": 400})
0.5
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DefinitionError

__all__ = ["Expression", "ExpressionError", "FUNCTIONS", "parse"]


class ExpressionError(DefinitionError):
    """An expression uses syntax or names that are not allowed, or cannot be computed."""


def _isna(x: Any) -> Any:
    return pd.isna(x)


def _notna(x: Any) -> Any:
    return pd.notna(x)


def _where(cond: Any, a: Any, b: Any) -> Any:
    return np.where(cond, a, b)


#: Functions an expression may call.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "isna": _isna,
    "notna": _notna,
    "abs": np.abs,
    "log": np.log,
    "log10": np.log10,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "min": np.minimum,
    "max": np.maximum,
    "where": _where,
}

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
}
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}


def _check(node: ast.AST, text: str) -> set[str]:
    """Return the variable names used; raise ExpressionError on anything not allowed."""
    names: set[str] = set()

    def visit(n: ast.AST) -> None:
        if isinstance(n, ast.Expression):
            visit(n.body)
        elif isinstance(n, ast.Constant):
            if not isinstance(n.value, (int, float, str, bool)) and n.value is not None:
                raise ExpressionError(f"expression {text!r}: constant {n.value!r} is not allowed")
        elif isinstance(n, ast.Name):
            if n.id in FUNCTIONS:
                raise ExpressionError(f"expression {text!r}: {n.id!r} is a function; call it as {n.id}(...)")
            names.add(n.id)
        elif isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            visit(n.left)
            visit(n.right)
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd, ast.Not)):
            visit(n.operand)
        elif isinstance(n, ast.BoolOp):
            for v in n.values:
                visit(v)
        elif isinstance(n, ast.Compare):
            for op in n.ops:
                if type(op) not in _CMPOPS and not isinstance(op, (ast.In, ast.NotIn)):
                    raise ExpressionError(f"expression {text!r}: operator {type(op).__name__} is not allowed")
            visit(n.left)
            for c in n.comparators:
                visit(c)
        elif isinstance(n, (ast.List, ast.Tuple)):
            for e in n.elts:
                if not isinstance(e, ast.Constant):
                    raise ExpressionError(f"expression {text!r}: lists may hold only numbers and strings")
        elif isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name) or n.func.id not in FUNCTIONS or n.keywords:
                allowed = ", ".join(sorted(FUNCTIONS))
                raise ExpressionError(f"expression {text!r}: only these functions may be called: {allowed}")
            for a in n.args:
                visit(a)
        else:
            raise ExpressionError(f"expression {text!r}: {type(n).__name__} is not allowed")

    visit(node)
    return names


@dataclass(frozen=True)
class Expression:
    """A parsed, whitelisted expression over named variables."""

    text: str
    tree: ast.Expression = field(init=False, repr=False, compare=False)
    names: frozenset[str] = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.strip():
            raise ExpressionError(f"expression {self.text!r}: an expression must be non-empty text")
        if len(self.text) > 2000:
            raise ExpressionError("expression too long (more than 2,000 characters)")
        try:
            tree = ast.parse(self.text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"expression {self.text!r}: syntax error at column {exc.offset}") from None
        object.__setattr__(self, "tree", tree)
        object.__setattr__(self, "names", frozenset(_check(tree, self.text)))

    def evaluate(self, data: pd.DataFrame | Mapping[str, Any]) -> Any:
        """Compute the expression over ``data`` (a table's columns or a mapping of values)."""
        missing = sorted(n for n in self.names if n not in data)
        if missing:
            raise ExpressionError(
                f"expression {self.text!r}: variable(s) {', '.join(missing)} not found in the data",
                problems=[{"code": "expression.missing_variable", "field": m, "message": "not found"} for m in missing],
            )
        return _Walker(data).visit(self.tree.body)


@lru_cache(maxsize=512)
def parse(text: str) -> Expression:
    """Parse ``text`` once (cached) into an :class:`Expression`."""
    return Expression(text)


class _Walker:
    def __init__(self, data: pd.DataFrame | Mapping[str, Any]) -> None:
        self.data = data

    def visit(self, n: ast.AST) -> Any:
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            return self.data[n.id]
        if isinstance(n, ast.BinOp):
            return _BINOPS[type(n.op)](self.visit(n.left), self.visit(n.right))
        if isinstance(n, ast.UnaryOp):
            v = self.visit(n.operand)
            if isinstance(n.op, ast.Not):
                return ~v if isinstance(v, (pd.Series, np.ndarray)) else (not v)
            return -v if isinstance(n.op, ast.USub) else +v
        if isinstance(n, ast.BoolOp):
            vals = [self.visit(v) for v in n.values]
            out = vals[0]
            for v in vals[1:]:
                if isinstance(n.op, ast.And):
                    out = (out & v) if _vector(out, v) else (out and v)
                else:
                    out = (out | v) if _vector(out, v) else (out or v)
            return out
        if isinstance(n, ast.Compare):
            left = self.visit(n.left)
            result: Any = None
            for op, comp in zip(n.ops, n.comparators):
                right = self.visit(comp)
                if isinstance(op, (ast.In, ast.NotIn)):
                    vals = list(right) if isinstance(right, (list, tuple)) else [right]
                    r = left.isin(vals) if isinstance(left, pd.Series) else (left in vals)
                    if isinstance(op, ast.NotIn):
                        r = ~r if isinstance(r, pd.Series) else (not r)
                else:
                    r = _CMPOPS[type(op)](left, right)
                if isinstance(r, pd.Series):
                    r = r.fillna(False).astype(bool)
                result = r if result is None else (result & r)
                left = right
            return result
        if isinstance(n, (ast.List, ast.Tuple)):
            return [self.visit(e) for e in n.elts]
        if isinstance(n, ast.Call):
            assert isinstance(n.func, ast.Name)
            return FUNCTIONS[n.func.id](*[self.visit(a) for a in n.args])
        raise ExpressionError(f"cannot evaluate {type(n).__name__}")  # pragma: no cover


def _vector(a: Any, b: Any) -> bool:
    return isinstance(a, (pd.Series, np.ndarray)) or isinstance(b, (pd.Series, np.ndarray))
