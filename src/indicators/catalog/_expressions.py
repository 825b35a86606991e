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
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from .._codes import problem
from .._limits import Limits, limit_error
from ..errors import DefinitionError

__all__ = ["ARITY", "FUNCTIONS", "Expression", "ExpressionError", "parse"]


class ExpressionError(DefinitionError):
    """An expression uses syntax or names that are not allowed, or cannot be computed."""

    def __init__(self, message: str, problems: Any = None) -> None:
        if problems is None:
            problems = [problem("definition.expression", "en", message=message, detail=message)]
        super().__init__(message, problems)


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
_TOKENS = re.compile(r"\"[^\"]*\"|'[^']*'|\*\*|[<>=!]=|[()\[\],+\-*/%<>~]|[A-Za-z_][A-Za-z_0-9]*|\S")
_CMPOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}


#: How many arguments each function takes: (least, most); ``None`` is "any number".
ARITY: dict[str, tuple[int, int | None]] = {
    "isna": (1, 1), "notna": (1, 1), "abs": (1, 1), "log": (1, 1), "log10": (1, 1),
    "exp": (1, 1), "sqrt": (1, 1), "min": (2, None), "max": (2, None), "where": (3, 3),
}


def _constant(n: ast.AST) -> float | None:
    """The value of a subtree made only of numbers and arithmetic, else ``None``."""
    if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
        return float(n.value)
    if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
        v = _constant(n.operand)
        return None if v is None else (-v if isinstance(n.op, ast.USub) else v)
    if isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
        a, b = _constant(n.left), _constant(n.right)
        if a is None or b is None:
            return None
        return float(_arith(type(n.op), np.float64(a), np.float64(b)))
    return None


def _check(node: ast.AST, text: str, limits: Limits | None = None) -> set[str]:
    """Return the variable names used; raise ExpressionError on anything not allowed."""
    limits = limits or Limits.current()
    names: set[str] = set()

    def visit(n: ast.AST, depth: int) -> None:
        if depth > limits.max_expression_depth:
            raise limit_error(ExpressionError, "max_expression_depth", depth, limits.max_expression_depth,
                              where=f"expression {_short(text)!r}", func="load_catalog")
        depth += 1
        if isinstance(n, ast.Expression):
            visit(n.body, depth)
        elif isinstance(n, ast.Constant):
            if not isinstance(n.value, (int, float, str, bool)) and n.value is not None:
                raise ExpressionError(f"expression {text!r}: constant {n.value!r} is not allowed")
        elif isinstance(n, ast.Name):
            if n.id in FUNCTIONS:
                raise ExpressionError(f"expression {text!r}: {n.id!r} is a function; call it as {n.id}(...)")
            if n.id.startswith("__") or n.id in _FORBIDDEN_NAMES:
                raise ExpressionError(f"expression {text!r}: the name {n.id!r} is not allowed")
            names.add(n.id)
        elif isinstance(n, ast.BinOp) and type(n.op) in _BINOPS:
            for side in (n.left, n.right):
                if isinstance(side, ast.Constant) and isinstance(side.value, str):
                    raise ExpressionError(f"expression {text!r}: arithmetic on text ({side.value!r}) is not allowed")
            if isinstance(n.op, ast.Pow):
                exponent = _constant(n.right)
                if exponent is not None and not abs(exponent) <= limits.max_exponent:
                    raise limit_error(ExpressionError, "max_exponent", _plain(exponent), limits.max_exponent,
                                      where=f"expression {_short(text)!r}", func="load_catalog")
            visit(n.left, depth)
            visit(n.right, depth)
        elif isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd, ast.Not)):
            visit(n.operand, depth)
        elif isinstance(n, ast.BoolOp):
            for v in n.values:
                visit(v, depth)
        elif isinstance(n, ast.Compare):
            for op in n.ops:
                if type(op) not in _CMPOPS and not isinstance(op, (ast.In, ast.NotIn)):
                    raise ExpressionError(f"expression {text!r}: operator {type(op).__name__} is not allowed")
            visit(n.left, depth)
            for c in n.comparators:
                visit(c, depth)
        elif isinstance(n, (ast.List, ast.Tuple)):
            for e in n.elts:
                if not isinstance(e, ast.Constant) or not isinstance(e.value, (int, float, str, bool)):
                    raise ExpressionError(f"expression {text!r}: lists may hold only numbers and strings")
        elif isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name) or n.func.id not in FUNCTIONS or n.keywords:
                allowed = ", ".join(sorted(FUNCTIONS))
                raise ExpressionError(f"expression {text!r}: only these functions may be called: {allowed}")
            least, most = ARITY[n.func.id]
            if len(n.args) < least or (most is not None and len(n.args) > most):
                wanted = str(least) if least == most else f"at least {least}"
                raise ExpressionError(
                    f"expression {text!r}: {n.func.id}() takes {wanted} argument(s), got {len(n.args)}",
                    problems=[problem("expression.arity", "en", field=n.func.id, value=len(n.args),
                                      expected=wanted)])
            for a in n.args:
                visit(a, depth)
        else:
            raise ExpressionError(f"expression {text!r}: {type(n).__name__} is not allowed")

    visit(node, 0)
    return names


_FORBIDDEN_NAMES = frozenset({"eval", "exec", "compile", "open", "import", "lambda", "globals", "locals",
                              "getattr", "setattr", "delattr", "vars", "dir", "type", "object", "input"})


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(x: float) -> Any:
    return int(x) if np.isfinite(x) and float(x).is_integer() and abs(x) < 1e18 else x


def _arith(op: type, a: Any, b: Any) -> Any:
    """``a op b`` without Python's unbounded integers or ZeroDivisionError.

    Scalars are computed as float64 (``10 ** 10 ** 10`` is ``inf`` at once, never a
    billion-digit integer); division and remainder by zero give a missing value, as
    they do for a whole column.
    """
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        a = np.float64(a)
    if isinstance(b, (int, float)) and not isinstance(b, bool):
        b = np.float64(b)
    with np.errstate(all="ignore"):
        out = _BINOPS[op](a, b)
        if op in (ast.Div, ast.Mod, ast.FloorDiv):
            zero = b == 0
            if isinstance(out, (pd.Series, np.ndarray)) or isinstance(zero, (pd.Series, np.ndarray)):
                out = out.where(~zero) if isinstance(out, pd.Series) else np.where(zero, np.nan, out)
            elif bool(zero):
                out = np.nan
    return out


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
        limits = Limits.current()
        depth = _nesting(self.text)
        if depth > limits.max_expression_depth:
            raise limit_error(ExpressionError, "max_expression_depth", depth, limits.max_expression_depth,
                              where=f"expression {_short(self.text)!r}", func="load_catalog")
        try:
            tree = ast.parse(self.text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"expression {self.text!r}: syntax error at column {exc.offset}") from None
        except (RecursionError, MemoryError, ValueError) as exc:
            raise ExpressionError(
                f"expression {_short(self.text)!r}: cannot be parsed ({type(exc).__name__})") from None
        object.__setattr__(self, "tree", tree)
        object.__setattr__(self, "names", frozenset(_check(tree, self.text, limits)))

    def evaluate(self, data: pd.DataFrame | Mapping[str, Any]) -> Any:
        """Compute the expression over ``data`` (a table's columns or a mapping of values)."""
        missing = sorted(n for n in self.names if n not in data)
        if missing:
            text = f"expression {self.text!r}: variable(s) {', '.join(missing)} not found in the data"
            raise ExpressionError(text, problems=[problem("expression.missing_variable", "en", field=m,
                                                          detail=f"{self.text!r}: {m}") for m in missing])
        try:
            out = _Walker(data).visit(self.tree.body)
            return out.item() if isinstance(out, np.generic) else out
        except ExpressionError:
            raise
        except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError, RecursionError) as exc:
            raise ExpressionError(
                f"expression {_short(self.text)!r}: cannot be computed on these data ({type(exc).__name__}: "
                f"{str(exc)[:120]})",
                problems=[problem("expression.evaluation", "en", value=self.text, detail=str(exc)[:200])],
            ) from None


def _nesting(text: str) -> int:
    """A quick upper bound of the depth of ``text`` before Python's parser sees it.

    Counts open brackets and runs of prefix operators (``- - - x``, ``not not x``),
    so that a text of a thousand minus signs is refused without recursion.
    """
    depth = deepest = 0
    run = 0
    prev = ""
    for word in _TOKENS.findall(text):
        if word in "([":
            depth += 1
        elif word in ")]":
            depth = max(depth - 1, 0)
        if word in ("-", "+", "not", "~") and (prev in ("", "(", "[", ",", "-", "+", "*", "/", "**", "%", "not",
                                                         "and", "or", "==", "!=", "<", "<=", ">", ">=", "~")):
            run += 1
        elif word not in ("(", "["):
            run = 0
        deepest = max(deepest, depth + run)
        prev = word
    return deepest


def parse(text: str) -> Expression:
    """Parse ``text`` once (cached, under the limits in force) into an :class:`Expression`."""
    return _parse(text, Limits.current())


@lru_cache(maxsize=512)
def _parse(text: str, limits: Limits) -> Expression:
    with limits.applied():
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
            return _arith(type(n.op), self.visit(n.left), self.visit(n.right))
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
            args = [self.visit(a) for a in n.args]
            func = FUNCTIONS[n.func.id]
            with np.errstate(all="ignore"):
                if n.func.id in ("min", "max"):
                    out = args[0]
                    for a in args[1:]:
                        out = func(out, a)
                    return out
                return func(*args)
        raise ExpressionError(f"cannot evaluate {type(n).__name__}")  # pragma: no cover


def _vector(a: Any, b: Any) -> bool:
    return isinstance(a, (pd.Series, np.ndarray)) or isinstance(b, (pd.Series, np.ndarray))
