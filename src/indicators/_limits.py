"""Resource limits: what no honest input reaches, refused quickly with a clear message.

A file of unchecked bytes can ask a reader for more than the machine has: a line of
256 MiB, a million columns, a workbook that declares seventeen billion cells, a YAML
file whose aliases expand a billion-fold, an expression ``10**10**10``. Each such
input is refused before the work starts, with a message that names the limit and how
to raise it. The defaults sit far above any real file; a user with a larger honest
file raises the one limit it hits:

>>> import indicators as ind
>>> limits = ind.Limits(max_columns=50_000)
>>> limits.max_columns, limits.max_cells
(50000, 200000000)
>>> with limits.applied():
...     ind.Limits.current().max_columns
50000
>>> ind.Limits.current().max_columns
20000

``read(path, limits=...)`` and ``load_catalog(name, limits=...)`` take a
:class:`Limits` (or a mapping of its fields) for one call; :meth:`Limits.applied`
sets them for a block of code (expressions parsed inside it, for instance).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = ["Limits", "limit_error", "resolve_limits", "with_limits"]


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what a reader or parser accepts.

    Attributes
    ----------
    max_file_bytes:
        Size of one data or definition file (default 8 GiB).
    max_line_bytes:
        Length of one line of a text file (default 64 MiB).
    max_columns:
        Columns of a table (default 20,000; SPSS and Stata files allow more
        variables only in theory).
    max_cells:
        Cells of one workbook sheet, by its declared or real dimensions
        (default 200 million).
    max_yaml_nodes:
        Nodes of a YAML file once its aliases are expanded (default 1 million; the
        shipped definitions have a few thousand).
    max_expression_depth:
        Nesting depth of a formula or universe expression (default 50).
    max_exponent:
        Largest constant exponent ``x ** n`` in an expression (default 1,000).
    """

    max_file_bytes: int = 8 * 2**30
    max_line_bytes: int = 64 * 2**20
    max_columns: int = 20_000
    max_cells: int = 200_000_000
    max_yaml_nodes: int = 1_000_000
    max_expression_depth: int = 50
    max_exponent: int = 1_000

    def __post_init__(self) -> None:
        from ._codes import problem
        from .errors import OptionError

        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OptionError(
                    f"The '{f.name}' limit must be a positive integer. Got {value!r} instead.",
                    problems=[problem("option.invalid_value", "en", field=f.name, value=repr(value),
                                      expected="a positive integer", name=f.name, func="Limits",
                                      got=repr(value))])

    @staticmethod
    def current() -> Limits:
        """The limits in force here (the defaults, or those of an enclosing :meth:`applied`)."""
        return _CURRENT.get() or _DEFAULT

    @contextmanager
    def applied(self) -> Iterator[Limits]:
        """Put these limits in force for the ``with`` block."""
        token = _CURRENT.set(self)
        try:
            yield self
        finally:
            _CURRENT.reset(token)


_CURRENT: ContextVar[Limits | None] = ContextVar("indicators_limits", default=None)
_DEFAULT = Limits()


def resolve_limits(limits: Limits | Mapping[str, Any] | None, func: str = "read") -> Limits:
    """A :class:`Limits` from ``None`` (those in force), a ``Limits``, or a mapping of fields."""
    from ._codes import problem
    from .errors import OptionError

    if limits is None:
        return Limits.current()
    if isinstance(limits, Limits):
        return limits
    if isinstance(limits, Mapping):
        known = {f.name for f in fields(Limits)}
        unknown = sorted(str(k) for k in limits if k not in known)
        if unknown:
            raise OptionError(
                f"The 'limits' parameter of {func} has no field {', '.join(map(repr, unknown))}. "
                f"Expected some of: {', '.join(sorted(known))}.",
                problems=[problem("option.invalid", "en", field="limits", value=", ".join(unknown),
                                  expected=", ".join(sorted(known)), name="limits", func=func,
                                  allowed=", ".join(sorted(known)), got=", ".join(map(repr, unknown)))])
        return replace(Limits.current(), **dict(limits))
    raise OptionError(
        f"The 'limits' parameter of {func} must be an indicators.Limits or a mapping. "
        f"Got {type(limits).__name__} instead.",
        problems=[problem("option.invalid_value", "en", field="limits", value=type(limits).__name__,
                          expected="Limits or mapping", name="limits", func=func, got=type(limits).__name__)])


def limit_error(cls: type[Exception], name: str, got: Any, limit: int, *, where: str, func: str = "read",
                lang: str = "en", code: str | None = None, **extra: Any) -> Exception:
    """The error for an input over the limit ``name``: it says how to raise the limit."""
    from ._codes import problem
    from .i18n import message

    shown = f"{got:,}" if isinstance(got, int) else str(got)
    text = message("limits.exceeded", lang, where=where, what=message(f"limits.{name}", lang),
                   got=shown, limit=f"{limit:,}", name=name, func=func)
    row = problem(code or f"limits.{name}", lang, message=text, value=shown, expected=f"<= {limit:,} ({name})",
                  where=where, what=message(f"limits.{name}", lang), got=shown, limit=f"{limit:,}", name=name,
                  func=func, extra=extra)
    return cls(text, problems=[row])  # type: ignore[call-arg]


def with_limits(func_name: str) -> Callable[[_F], _F]:
    """Decorate a public function whose ``limits=`` keyword puts limits in force for its call."""

    def decorate(func: _F) -> _F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with resolve_limits(kwargs.get("limits"), func_name).applied():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
