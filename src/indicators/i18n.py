"""Messages and labels in the user's language.

Messages live in ``locale/<lang>/<domain>.yaml`` as flat ``code: template``
mappings (plural forms as ``code.plural.one`` beside ``code``: see :func:`message`), one file
per module that speaks to the user (``catalog``, ``io``, ``validation``, ``survey``, ``scores``,
``report``). Templates use
``str.format`` fields. A code missing in a language falls back to English, so
Portuguese and French can be added file by file.

>>> from indicators.i18n import message
>>> message("option.invalid", "es", name="lang", func="load_catalog",
...         allowed="'en', 'es'", got="'de'")
"El parámetro 'lang' de load_catalog debe ser uno de 'en', 'es'. Se recibió 'de'."
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, Literal, cast, get_args

import yaml

__all__ = ["Lang", "LANGS", "check_lang", "check_option", "message", "plural_category"]

Lang = Literal["en", "es", "pt", "fr"]
LANGS: tuple[str, ...] = get_args(Lang)
FALLBACK: str = "en"


class _Defaulting(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@cache
def _catalog(lang: str) -> dict[str, str]:
    folder = resources.files("indicators") / "locale" / lang
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith((".yaml", ".yml")):
            data = yaml.safe_load(item.read_text(encoding="utf-8")) or {}
            for key, value in data.items():
                out[str(key)] = str(value)
    return out


@cache
def plural_category(lang: str, count: float) -> str:
    """The CLDR plural category (``one``, ``few``, ``many``, ``other``…) of ``count`` in ``lang``,
    from Babel's plural rules; without Babel, English's rule.

    >>> plural_category("fr", 0), plural_category("en", 0), plural_category("pt", 1)
    ('one', 'other', 'one')
    """
    try:
        from babel import Locale
    except ImportError:  # pragma: no cover - Babel comes with the report extra
        return "one" if count == 1 else "other"
    return str(Locale.parse(lang).plural_form(count))


def _plain(value: Any) -> Any:
    """A value as a person reads it: numpy scalars as Python ones (``9.0``, never ``np.float64(9.0)``)."""
    item = getattr(value, "item", None)
    if item is not None and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        return item()
    if isinstance(value, str) and value.startswith("np.") and value.endswith(")") and "(" in value:
        return value[value.index("(") + 1:-1]  # a repr() made by the caller: np.int64(9) -> 9
    return value


def _template(code: str, lang: str, values: dict[str, Any]) -> str | None:
    """The template of ``code`` in ``lang`` (else English); for a code with plural forms, the
    form that the number in its ``<code>.plural`` field calls for."""
    texts = _catalog(lang)
    if code not in texts:
        lang, texts = FALLBACK, _catalog(FALLBACK)
    template = texts.get(code)
    field_name = texts.get(f"{code}.plural")
    if template is None or not field_name:
        return template
    try:
        number = abs(float(values.get(field_name)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return template
    category = plural_category(lang, int(number) if number.is_integer() else number)
    return texts.get(f"{code}.plural.{category}") or template


def message(code: str, lang: str = "en", /, **values: Any) -> str:
    """Return the message ``code`` in ``lang``, its fields filled from ``values``.

    Unknown fields are left as ``{field}``; an unknown code returns the code itself
    followed by the values, so a message is never lost. A code whose wording depends on a
    number names that number's field in ``<code>.plural``; ``<code>`` is then the general
    (``other``) form and ``<code>.plural.one`` (``.few``, ``.many``) the forms that the
    language's CLDR plural rules call for:

    >>> message("io.errors", "fr", file="a.csv", n=1, first="…")
    "a.csv : 1 problème ; le premier : … Il figure dans la table des problèmes de l'erreur."
    """
    values = {k: _plain(v) for k, v in values.items()}
    template = _template(code, lang, values)
    if template is None:
        details = ", ".join(f"{k}={v!r}" for k, v in values.items())
        return f"{code}: {details}" if details else code
    return string.Formatter().vformat(template, (), _Defaulting(values))


def check_option(func: str, name: str, value: Any, allowed: Iterable[Any], lang: str = "en") -> Any:
    """Return ``value`` if it is one of ``allowed``; raise :class:`OptionError` otherwise.

    >>> check_option("score", "mean", "geometric", ["arithmetic", "geometric"])
    'geometric'
    """
    from ._options import option_error

    allowed = list(allowed)
    if value in allowed:
        return value
    raise option_error(func, name, value, allowed, lang)


def check_lang(lang: Any, func: str = "indicators") -> Lang:
    """Return ``lang`` if it is a supported language code, else raise ``OptionError``."""
    return cast(Lang, str(check_option(func, "lang", lang, LANGS)))
