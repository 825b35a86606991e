"""Typed options: every Literal parameter of every public function is checked where it enters.

The public functions are found by introspection (``__all__`` of the package and of its
subpackages, the constructors and public methods of the classes there), so a function
added later is covered without touching this file.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pandas as pd
import pytest

import indicators as ind
from indicators._options import (
    Constraint,
    checked_parameters,
    option_error,
    resolved_hints,
    validate_options,
)
from indicators.errors import OptionError
from indicators.i18n import message

MODULES = ["indicators", "indicators.catalog", "indicators.io", "indicators.validation",
           "indicators.survey", "indicators.scores", "indicators.report", "indicators.followup"]
BAD = "no-such-option"


def _public() -> Iterator[tuple[str, type | None, Callable[..., Any]]]:
    """(label, class or None, function) of every public function, constructor and method."""
    seen: set[int] = set()
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isclass(obj):
                if issubclass(obj, BaseException):
                    continue
                done: set[str] = set()
                for klass in obj.__mro__:
                    if not klass.__module__.startswith("indicators"):
                        continue
                    for attr, member in vars(klass).items():
                        if (attr.startswith("_") and attr != "__init__") or attr in done:
                            continue
                        done.add(attr)
                        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
                        if inspect.isfunction(func):
                            yield f"{obj.__name__}.{attr}", obj, member
            elif inspect.isfunction(obj):
                yield name, None, obj


def _literal_kind(tp: Any) -> str | None:
    """'scalar', 'items' or 'constraint' when the annotation holds an option type."""
    origin = get_origin(tp)
    if origin is Annotated:
        return "constraint" if any(isinstance(m, Constraint) for m in get_args(tp)[1:]) else None
    if origin is Literal:
        return "scalar"
    if origin in (Union, types.UnionType):
        kinds = {_literal_kind(a) for a in get_args(tp)} - {None}
        return "scalar" if "scalar" in kinds else (kinds.pop() if kinds else None)
    args = get_args(tp)
    if origin is not None and args and get_origin(args[0]) is Literal:
        return "items"
    return None


def _cases() -> list[tuple[str, type | None, Callable[..., Any], str, str]]:
    cases = []
    for label, cls, member in _public():
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        hints = resolved_hints(func)
        for pname in inspect.signature(func).parameters:
            kind = _literal_kind(hints.get(pname))
            if kind is not None:
                cases.append((label, cls, member, pname, kind))
    return cases


CASES = _cases()


def _filler(tp: Any) -> Any:
    """A valid value for a required parameter: an option's first value, else None."""
    origin = get_origin(tp)
    if origin is Literal:
        return get_args(tp)[0]
    if origin in (Union, types.UnionType):
        for arg in get_args(tp):
            if get_origin(arg) is Literal:
                return get_args(arg)[0]
    return None


def _call(cls: type | None, member: Any, pname: str, value: Any, lang: str) -> None:
    """Call with ``pname=value``, every other required argument a placeholder, in ``lang``.

    Methods get an instance that was never initialised (the check comes before the
    body), carrying ``lang`` as the object's language.
    """
    func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
    hints = resolved_hints(func)
    params = list(inspect.signature(func).parameters.values())
    args: list[Any] = []
    kwargs: dict[str, Any] = {pname: value}
    if "lang" in {p.name for p in params} and pname != "lang":
        kwargs["lang"] = lang
    if cls is not None and params and params[0].name in ("self", "cls"):
        if isinstance(member, classmethod):
            args.append(cls)
        else:
            bound = object.__new__(cls)
            for attr in ("lang", "_lang"):  # the object's language, as a field or behind a property
                with contextlib.suppress(AttributeError):
                    object.__setattr__(bound, attr, lang)
            args.append(bound)
        params = params[1:]
    for p in params:
        if p.name in kwargs or p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.kind is p.KEYWORD_ONLY:
            kwargs[p.name] = _filler(hints.get(p.name))
        else:
            args.append(_filler(hints.get(p.name)))
    func(*args, **kwargs)


def _speaks(cls: type | None, member: Any, pname: str) -> bool:
    """Whether the message can be in the call's language: given as ``lang`` (when
    ``lang`` is not the bad option itself) or the object's own."""
    func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
    names = list(inspect.signature(func).parameters)
    if cls is not None and names and names[0] == "self":
        return True
    return "lang" in names and pname != "lang"


def test_the_public_api_has_option_parameters() -> None:
    # the introspection finds the options (a guard against a test that checks nothing)
    names = {(label, p) for label, _, _, p, _ in CASES}
    for expected in [("read", "missing"), ("read", "on_bad_lines"), ("read", "lang"),
                     ("validate", "kind"), ("SurveyDesign.__init__", "lonely_psu"), ("SurveyDesign.mean", "ci_method"),
                     ("SurveyDesign.mean", "cv_limits"), ("Report.save", "charts"),
                     ("country_report", "cv_limits"), ("score", "lang"), ("Catalog.to_frame", "lang")]:
        assert expected in names, expected
    assert len(CASES) > 60


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(("label", "cls", "member", "pname", "kind"), CASES,
                         ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_a_bad_option_raises_option_error_in_the_users_language(
    label: str, cls: type | None, member: Any, pname: str, kind: str, lang: str
) -> None:
    value: Any = {"scalar": BAD, "items": [BAD], "constraint": "x"}[kind]
    with pytest.raises(OptionError) as caught:
        _call(cls, member, pname, value, lang)
    err = caught.value
    said = lang if _speaks(cls, member, pname) else "en"
    opening = {"en": f"The '{pname}' parameter of ", "es": f"El parámetro '{pname}' de "}[said]
    assert str(err).startswith(opening), str(err)
    assert (BAD if kind != "constraint" else "'x'") in str(err)
    row = err.problems.iloc[0]
    assert row["code"] in ("option.invalid", "option.invalid_value") and row["field"] == pname


def test_the_message_has_the_scikit_learn_form_and_a_suggestion() -> None:
    with pytest.raises(OptionError) as caught:
        ind.read("x.csv", missing="nans")
    assert str(caught.value) == (
        "The 'missing' parameter of read must be one of 'codes', 'nan', 'labels'. "
        "Got 'nans' instead. Did you mean 'nan'?")
    with pytest.raises(OptionError) as caught:
        ind.validate(pd.DataFrame(), kind="microdatos", lang="es")
    assert str(caught.value) == (
        "El parámetro 'kind' de validate debe ser uno de 'values', 'microdata'. "
        "Se recibió 'microdatos'. ¿Quiso decir 'microdata'?")


def test_methods_name_their_class_and_speak_the_objects_language() -> None:
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 2.0, 2.0]})
    design = ind.SurveyDesign(data, weights="w", lang="es")
    with pytest.raises(OptionError, match=r"^El parámetro 'ci_method' de SurveyDesign\.mean .*'logit'"):
        design.mean("y", ci_method="logic")
    # a good call still works, and options may be given positionally
    assert design.mean("y", None).to_frame()["estimate"].iloc[0] == pytest.approx(17 / 6)


@pytest.mark.parametrize("bad", ["x", (0.3, 0.15), (0.15, 0.15), (0, 0.3), (0.15, 1.5), (0.1,),
                                 (0.1, 0.2, 0.3), (True, 0.3), (0.1, float("nan")), None])
def test_cv_limits_are_two_increasing_fractions(bad: Any) -> None:
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "w": [1.0, 1.0, 2.0, 2.0]})
    design = ind.SurveyDesign(data, weights="w")
    with pytest.raises(OptionError, match="'cv_limits' parameter of SurveyDesign.mean must be two increasing"):
        design.mean("y", cv_limits=bad)
    for good in [(0.15, 0.30), [0.05, 1], (0.2, 0.25)]:
        assert design.mean("y", cv_limits=good).options["cv_limits"] == tuple(float(v) for v in good)


def test_cv_thresholds_in_percent_still_work_with_a_deprecation_warning() -> None:
    cat = ind.load_catalog("mesecvi")
    first = cat.ids[0]
    values = pd.DataFrame({"country": ["PER"], "year": [2020], "indicator": [first], "value": [1.0]})
    scores = pd.DataFrame(columns=["country", "year", "level", "unit", "score", "ci_low", "ci_high", "rank",
                                   "rank_low", "rank_high", "coverage"])
    new = ind.country_report(values, cat, country="PER", scores=scores, cv_limits=(0.10, 0.20))
    with pytest.warns(DeprecationWarning, match="cv_limits"):
        old = ind.country_report(values, cat, country="PER", scores=scores, cv_thresholds=(10.0, 20.0))
    assert new.to_html() == old.to_html()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(OptionError, match="cv_thresholds"):
            ind.country_report(values, cat, country="PER", scores=scores, cv_thresholds="x")
    with pytest.raises(OptionError, match="cv_limits"):
        ind.country_report(values, cat, country="PER", scores=scores, cv_limits=(15.0, 30.0))


def test_the_decorator_reads_literals_collections_and_bools() -> None:
    @validate_options
    def f(mode: Literal["a", "b"] = "a", many: tuple[Literal["x", "y"], ...] = (), flag: bool = True,
          maybe: Literal[1, 2] | None = None, free: str = "anything") -> str:
        return f"{mode}{many}{flag}{maybe}"

    assert checked_parameters(f) == {"mode": ["a", "b"], "many": ["x", "y"], "flag": [True, False],
                                     "maybe": [1, 2, None]}
    assert f("b", ("x", "y"), False, 2, free="z") == "b('x', 'y')False2"
    for kwargs in [{"mode": "c"}, {"many": ("x", "z")}, {"flag": "yes"}, {"maybe": True}, {"maybe": "1"}]:
        with pytest.raises(OptionError):
            f(**kwargs)
    err = option_error("f", "mode", "A", ["a", "b"])
    assert "Did you mean 'a'?" in str(err)
    assert message("option.did_you_mean", "es", suggestion="'a'") == "¿Quiso decir 'a'?"


def test_lang_parameters_are_typed_as_lang() -> None:
    # every public parameter called ``lang`` is a checked option, not a plain str
    typed = [label for label, _, _, pname, _ in CASES if pname == "lang"]
    for label, _, member in _public():
        func = member.__func__ if isinstance(member, (classmethod, staticmethod)) else member
        if "lang" in inspect.signature(func).parameters:
            assert label in typed, f"{label}: 'lang' is not annotated with Lang"
