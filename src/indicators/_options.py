"""Typed options checked where they enter: one decorator for every public function.

:func:`validate_options` reads the annotations of a function (or of a class's
``__init__``) once, on its first call, and from then on checks, on every call,
each argument whose annotation it can check:

* ``Literal[...]`` (and ``Literal[...] | None``): the value must be one of the listed ones;
* a collection of a ``Literal`` (``Sequence[Lang]``, ``Iterable[Format]``, …): every item;
* ``bool``: ``True`` or ``False`` (a NumPy bool is accepted);
* ``Annotated[T, constraint]`` with a :class:`Constraint` (for instance :data:`CVLimits`).

A bad value raises :class:`~indicators.errors.OptionError` in the user's language
(the call's ``lang`` argument, else the object's language, else English) with the
allowed values and a "did you mean" when one is close, in scikit-learn's manner:
"The 'x' parameter of f must be one of …. Got … instead."

>>> from typing import Literal
>>> @validate_options
... def paint(colour: Literal["red", "green"] = "red", lang: Literal["en", "es"] = "en") -> str:
...     return colour
>>> paint("green")
'green'
>>> paint("gren", lang="es")
Traceback (most recent call last):
...
indicators.errors.OptionError: El parámetro 'colour' de paint debe ser uno de 'red', 'green'. ...¿Quiso decir 'green'?
"""

from __future__ import annotations

import builtins
import difflib
import functools
import inspect
import math
import types
import typing
from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import numpy as np

from .i18n import FALLBACK, LANGS, message

__all__ = [
    "CVLimits",
    "CVLimitsConstraint",
    "Constraint",
    "checked_parameters",
    "cv_limits_from_percent",
    "option_error",
    "resolved_hints",
    "validate_options",
]

F = TypeVar("F")

_NO_VALUE = object()


class Constraint:
    """A check of one option beyond ``Literal``: subclass and put it in ``Annotated[T, ...]``.

    ``accepts(value)`` says whether the value is good; ``expected`` is the message code
    (in ``locale/<lang>/common.yaml``) describing what is expected.
    """

    expected: str = "option.expected.value"

    def accepts(self, value: Any) -> bool:  # pragma: no cover - overridden
        raise NotImplementedError


class CVLimitsConstraint(Constraint):
    """Two increasing numbers in (0, 1]: the coefficients of variation (as fractions)
    above which an estimate is used with caution and is unreliable."""

    expected = "option.expected.cv_limits"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            return False
        items = list(value)
        if len(items) != 2 or any(isinstance(v, bool) or not isinstance(v, (int, float, np.number))
                                  for v in items):
            return False
        low, high = (float(v) for v in items)
        return math.isfinite(low) and math.isfinite(high) and 0 < low < high <= 1


#: The coefficient-of-variation limits of the quality flags, as fractions: ``(caution, unreliable)``.
CVLimits = Annotated[tuple[float, float], CVLimitsConstraint()]


# -- compiling an annotation into a check --------------------------------------------------------

class _Check:
    """What one parameter accepts: a set of values, or a collection of them, or a constraint."""

    __slots__ = ("allowed", "bool_", "constraint", "items", "none", "texts")

    def __init__(self) -> None:
        self.allowed: tuple[Any, ...] = ()   # scalar Literal values
        self.none = False                     # None accepted
        self.items: tuple[Any, ...] = ()     # Literal values accepted as items of a collection
        self.constraint: Constraint | None = None
        self.bool_ = False
        self.texts: frozenset[str] = frozenset()  # the allowed scalar texts, for a quick look-up

    def bad(self, value: Any) -> tuple[Any, bool] | None:
        """None when ``value`` is accepted; else (the offending value, whether it was an item)."""
        if value is None and self.none:
            return None
        if self.constraint is not None:
            return None if self.constraint.accepts(value) else (value, False)
        if self.bool_ and isinstance(value, (bool, np.bool_)):
            return None
        if self.allowed and _member(value, self.allowed):
            return None
        if self.items and not isinstance(value, (str, bytes)) and isinstance(value, Iterable) \
                and not isinstance(value, typing.Mapping):
            for item in value:
                if not _member(item, self.items):
                    return (item, True)
            return None
        return (value, False)

    def accepted(self, item: bool) -> list[Any]:
        values = list(self.items if item else self.allowed or self.items)
        if self.bool_:
            values = [True, False, *values]
        if self.none and not item:
            values.append(None)
        return values


def _member(value: Any, allowed: tuple[Any, ...]) -> bool:
    for a in allowed:
        if isinstance(value, str) != isinstance(a, str) or isinstance(value, bool) != isinstance(a, bool):
            continue
        try:
            if bool(value == a):
                return True
        except (TypeError, ValueError):  # arrays and such compare element-wise
            return False
    return False


_COLLECTIONS = {list, tuple, set, frozenset, Sequence, Iterable, Collection,
                typing.Sequence, typing.Iterable, typing.Collection}


def _literal_values(tp: Any) -> tuple[Any, ...] | None:
    if get_origin(tp) is Literal:
        return get_args(tp)
    return None


def _compile(tp: Any) -> _Check | None:
    """A check for annotation ``tp``, or None when it holds something this cannot check."""
    check = _Check()
    origin = get_origin(tp)
    if origin is Annotated:
        base, *meta = get_args(tp)
        constraints = [m for m in meta if isinstance(m, Constraint)]
        if not constraints:
            return _compile(base)
        check.constraint = constraints[0]
        return check
    members = get_args(tp) if origin in (Union, types.UnionType) else (tp,)
    for member in members:
        if member is type(None):
            check.none = True
            continue
        if member is bool:
            check.bool_ = True
            continue
        values = _literal_values(member)
        if values is not None:
            check.allowed += values
            continue
        m_origin = get_origin(member)
        if m_origin in _COLLECTIONS:
            args = [a for a in get_args(member) if a is not Ellipsis]
            inner = _literal_values(args[0]) if len(args) == 1 else None
            if inner is not None:
                check.items += inner
                continue
        return None  # a member that is not an option type: leave the parameter alone
    if check.none and not (check.allowed or check.items or check.bool_):
        return None
    check.texts = frozenset(v for v in check.allowed if isinstance(v, str))
    return check


# -- the decorator ----------------------------------------------------------------------------

class _Spec:
    __slots__ = ("checks", "has_self", "lang_index", "name")

    def __init__(self, func: Callable[..., Any], name: str) -> None:
        self.name = name
        sig = inspect.signature(func)
        hints = resolved_hints(func)
        params = list(sig.parameters.values())
        self.has_self = bool(params) and params[0].name in ("self", "cls")
        self.checks: list[tuple[str, int | None, _Check]] = []
        self.lang_index: tuple[int | None, Any] | None = None
        for index, p in enumerate(params):
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            position = index if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) else None
            if p.name == "lang":
                self.lang_index = (position, p.default)
            check = _compile(hints[p.name]) if p.name in hints else None
            if check is not None:
                self.checks.append((p.name, position, check))


class _Unknown(dict):  # type: ignore[type-arg]
    """Names only type checkers see (imported under ``TYPE_CHECKING``) resolve to ``Any``."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        super().__init__()
        self.namespace = namespace

    def __missing__(self, key: str) -> Any:
        if key in self.namespace:
            return self.namespace[key]
        if hasattr(builtins, key) or key.startswith("__"):
            raise KeyError(key)
        return Any


def resolved_hints(func: Callable[..., Any]) -> dict[str, Any]:
    """The annotations of ``func`` resolved (``Annotated`` kept); names that exist only
    for type checkers become ``Any``: they are never option types."""
    namespace = getattr(inspect.unwrap(func), "__globals__", {})
    return typing.get_type_hints(func, localns=_Unknown(namespace), include_extras=True)


def _value(args: tuple[Any, ...], kwargs: dict[str, Any], name: str, position: int | None) -> Any:
    if name in kwargs:
        return kwargs[name]
    if position is not None and position < len(args):
        return args[position]
    return _NO_VALUE


def _lang_of(spec: _Spec, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    if spec.lang_index is not None:
        position, default = spec.lang_index
        lang = _value(args, kwargs, "lang", position)
        if lang is _NO_VALUE:
            lang = default
        if isinstance(lang, str) and lang in LANGS:
            return lang
    if spec.has_self and args:
        for attr in ("lang", "_lang"):
            lang = getattr(args[0], attr, None)
            if isinstance(lang, str) and lang in LANGS:
                return lang
    return FALLBACK


def option_error(func: str, name: str, value: Any, allowed: Iterable[Any] | None = None,
                 lang: str = "en", expected: str | None = None) -> Exception:
    """The :class:`OptionError` for a bad ``value`` of parameter ``name`` of ``func``.

    Either ``allowed`` (the values accepted; a close one is suggested) or ``expected``
    (the message code of a description of what is accepted) says what was expected.

    >>> str(option_error("read", "missing", "nans", ["codes", "nan", "labels"]))
    "The 'missing' parameter of read must be one of 'codes', 'nan', 'labels'. Got 'nans' instead. Did you mean 'nan'?"
    """
    from ._codes import error

    lang = lang if lang in LANGS else FALLBACK
    got = repr(value)
    code = "option.invalid"
    if expected is not None:
        code = "option.invalid_value"
        wanted = message(expected, lang)
        text = message("option.invalid_value", lang, name=name, func=func, expected=wanted, got=got)
    else:
        values = list(allowed or ())
        wanted = ", ".join(repr(a) for a in values)
        text = message("option.invalid", lang, name=name, func=func, allowed=wanted, got=got)
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [a for a in values if isinstance(a, str)], n=3, cutoff=0.6)
            if not close:
                folded = {str(a).casefold(): a for a in values if isinstance(a, str)}
                close = [folded[value.casefold()]] if value.casefold() in folded else []
            if close:
                text += " " + message("option.did_you_mean", lang,
                                      suggestion=", ".join(repr(c) for c in close))
    return error(code, lang, message=text, field=name, value=got, expected=wanted, extra={"function": func})


def _raise(spec: _Spec, args: tuple[Any, ...], kwargs: dict[str, Any], name: str, check: _Check,
           value: Any, item: bool) -> typing.NoReturn:
    lang = _lang_of(spec, args, kwargs)
    func = spec.name
    if spec.has_self and args and "." in func and not inspect.isclass(args[0]):
        func = f"{type(args[0]).__name__}.{func.rsplit('.', 1)[1]}"
    if check.constraint is not None:
        raise option_error(func, name, value, lang=lang, expected=check.constraint.expected)
    raise option_error(func, name, value, check.accepted(item), lang)


def validate_options(obj: F) -> F:
    """Check the option arguments of a function, or of a class's constructor and public methods.

    The annotations are read once, on the first call, and kept; a call then costs a
    few dictionary look-ups per checked parameter. On a class (put it above
    ``@dataclass``), it wraps ``__init__`` and every public method the class defines.
    """
    if inspect.isclass(obj):
        for attr, member in list(vars(obj).items()):
            if attr.startswith("_") and attr != "__init__":
                continue
            label = obj.__name__ if attr == "__init__" else f"{obj.__name__}.{attr}"
            if isinstance(member, (classmethod, staticmethod)):
                setattr(obj, attr, type(member)(_wrap(member.__func__, label)))
            elif inspect.isfunction(member):
                setattr(obj, attr, _wrap(member, label))
        return obj
    return typing.cast(F, _wrap(typing.cast(Callable[..., Any], obj), None))


def _wrap(func: Callable[..., Any], name: str | None) -> Callable[..., Any]:
    if getattr(func, "__validated_options__", False):
        return func
    label = name or func.__qualname__.replace(".<locals>", "")
    cache: list[_Spec] = []

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not cache:
            cache.append(_Spec(func, label))
        spec = cache[0]
        for pname, position, check in spec.checks:
            if pname in kwargs:
                value = kwargs[pname]
            elif position is not None and position < len(args):
                value = args[position]
            else:
                continue
            # the usual cases first, cheaply: an allowed text, None, a bool
            if value.__class__ is str and value in check.texts:
                continue
            if (value is None and check.none) or ((value is True or value is False) and check.bool_):
                continue
            bad = check.bad(value)
            if bad is not None:
                _raise(spec, args, kwargs, pname, check, bad[0], bad[1])
        return func(*args, **kwargs)

    wrapper.__validated_options__ = True  # type: ignore[attr-defined]
    return wrapper


def checked_parameters(func: Callable[..., Any]) -> dict[str, list[Any] | str]:
    """The parameters ``func`` checks and what each accepts (for tests and documentation).

    >>> from typing import Literal
    >>> @validate_options
    ... def f(kind: Literal["a", "b"] = "a", n: int = 1) -> None: ...
    >>> checked_parameters(f)
    {'kind': ['a', 'b']}
    """
    target = getattr(func, "__init__", func) if inspect.isclass(func) else func
    inner = getattr(target, "__wrapped__", target)
    spec = _Spec(inner, getattr(func, "__qualname__", "f"))
    out: dict[str, list[Any] | str] = {}
    for pname, _, check in spec.checks:
        out[pname] = check.constraint.expected if check.constraint is not None else check.accepted(False)
    return out


def cv_limits_from_percent(cv_thresholds: Any, func: str, lang: str = "en") -> tuple[float, float]:
    """The fractions of the deprecated ``cv_thresholds`` (percent), with a DeprecationWarning.

    ``cv_thresholds=(15, 30)`` (percent) is ``cv_limits=(0.15, 0.30)`` (fractions, the scale
    of the ``cv`` of :class:`~indicators.Estimates` and of R's ``survey``).

    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     cv_limits_from_percent((10, 20), "country_report")
    (0.1, 0.2)
    """
    import warnings

    warnings.warn(message("option.deprecated_cv_thresholds", FALLBACK, func=func),
                  DeprecationWarning, stacklevel=4)
    try:
        limits = tuple(float(v) / 100.0 for v in cv_thresholds)
    except (TypeError, ValueError):
        limits = ()
    if not CVLimitsConstraint().accepts(limits):
        raise option_error(func, "cv_thresholds", cv_thresholds, lang=lang,
                           expected="option.expected.cv_thresholds")
    return (limits[0], limits[1])
