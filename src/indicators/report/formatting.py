"""Numbers, values, intervals and labels written the way the reader's locale writes them.

Every figure a report shows goes through one :class:`Formatter`, built from the
report's language and locale (Babel). Mexico and Argentina write the same number
differently, and so does each report.

>>> f = Formatter.of("es", "es_AR")
>>> f.number(1234.5, 1), Formatter.of("es", "es_MX").number(1234.5, 1)
('1.234,5', '1,234.5')
>>> f.interval(55.25, 70.0)
'55,3–70,0'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from functools import cache, lru_cache
from typing import Any

from .._codes import error
from ..i18n import Lang, check_lang, message

__all__ = ["DEFAULT_LOCALES", "MISSING", "Formatter", "label", "require_babel", "resolve_locale"]

#: The locale used when only a language is given (Latin American Spanish, as CLDR's ``es_419``).
DEFAULT_LOCALES: Mapping[str, str] = {"en": "en_US", "es": "es_419", "pt": "pt_BR", "fr": "fr_CA"}
#: What an empty cell shows.
MISSING = "—"
#: Decimals shown per unit of measure when the definition does not say otherwise.
UNIT_DECIMALS: Mapping[str, int] = {
    "percent": 1,
    "rate": 1,
    "count": 0,
    "currency": 0,
    "ratio": 2,
    "years": 1,
    "index": 2,
}
EXTRA = 'pip install "belem-indicators[report]"'


def require_babel() -> Any:
    """Import Babel, or raise an ``ImportError`` that names the extra to install."""
    try:
        import babel.numbers
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            message("report.missing_extra", "en", package="Babel", extra=EXTRA)
        ) from exc
    return babel


def label(key: str, lang: str, /, **values: Any) -> str:
    """A report label (``report.<key>``) in ``lang``."""
    return message(f"report.{key}", lang, **values)


@cache
def resolve_locale(lang: str, locale: str | None) -> str:
    """The Babel locale identifier for ``lang`` and an optional explicit ``locale``.

    >>> resolve_locale("es", None), resolve_locale("es", "es-AR")
    ('es_419', 'es_AR')
    """
    check_lang(lang)
    if locale is None:
        return DEFAULT_LOCALES[lang]
    require_babel()
    from babel import Locale, UnknownLocaleError

    try:
        parsed = Locale.parse(str(locale).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        text = message("report.bad_locale", lang, value=locale)
        raise error("report.bad_locale", lang, message=text, field="locale", value=str(locale),
                    expected="es_MX, es_AR, en_US, …") from None
    return str(parsed)


def _finite(value: Any) -> bool:
    if value is None:
        return False
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


@dataclass(frozen=True)
class Formatter:
    """Formats numbers, values with units, intervals and dates for one language and locale."""

    lang: Lang
    locale: str

    @classmethod
    def of(cls, lang: str = "en", locale: str | None = None) -> Formatter:
        """The formatter for ``lang`` (``en``, ``es``, …) and an optional locale such as ``es_MX``."""
        require_babel()
        return cls(lang=check_lang(lang), locale=resolve_locale(lang, locale))

    def number(self, value: Any, decimals: int = 1) -> str:
        """``value`` with grouping and exactly ``decimals`` decimals; ``—`` when missing."""
        if not _finite(value):
            return MISSING
        return _number(self.locale, float(value), int(decimals))

    def integer(self, value: Any) -> str:
        """A count: grouping, no decimals."""
        return self.number(value, 0)

    def year(self, value: Any) -> str:
        """A year, never grouped (``2020``, not ``2,020``)."""
        return str(int(value)) if _finite(value) else MISSING

    def percent(self, value: Any, decimals: int = 1) -> str:
        """``value`` on a 0-100 scale written as a percentage in the locale (``12.5%``, ``12,5 %``)."""
        if not _finite(value):
            return MISSING
        from babel import Locale
        from babel.numbers import format_percent

        pattern = (
            Locale.parse(self.locale).percent_formats[None].pattern
        )  # e.g. "#,##0%", "#,##0\xa0%"
        if decimals > 0:
            pattern = pattern.replace("0%", "0." + "0" * decimals + "%", 1).replace(
                "0\xa0%", "0." + "0" * decimals + "\xa0%", 1
            )
        rounded = _round(value, decimals)
        with localcontext(Context(prec=max(28, rounded.adjusted() + decimals + 4))):  # 1e300 % has 301 digits
            return str(format_percent(rounded / 100, format=pattern, locale=self.locale))

    def share(self, value: Any) -> str:
        """A share in 0-1 (coverage) as a whole percentage."""
        return self.percent(float(value) * 100.0, 0) if _finite(value) else MISSING

    def interval(self, low: Any, high: Any, decimals: int = 1) -> str:
        """An interval ``low–high``; ``—`` when either end is missing."""
        if not (_finite(low) and _finite(high)):
            return MISSING
        return f"{self.number(low, decimals)}–{self.number(high, decimals)}"

    def rank_interval(self, low: Any, high: Any) -> str:
        """A rank interval such as ``2–5`` (one number when both ends agree)."""
        if not (_finite(low) and _finite(high)):
            return MISSING
        lo, hi = int(round(float(low))), int(round(float(high)))
        return self.integer(lo) if lo == hi else f"{self.integer(lo)}–{self.integer(hi)}"

    def date(self, value: date) -> str:
        """A date written out in the locale (``15 de marzo de 2024``)."""
        from babel.dates import format_date

        return str(format_date(value, format="long", locale=self.locale))

    def decimals_for(self, unit: str) -> int:
        """Decimals to show for a unit of measure."""
        return UNIT_DECIMALS.get(unit, 1)

    def value(
        self,
        value: Any,
        unit: str,
        *,
        categories: tuple[Mapping[str, Any], ...] = (),
        currency: str | None = None,
        text: Any = None,
    ) -> str:
        """An indicator's value written for its unit: yes/no, category labels, percentages, money."""
        if unit == "text":
            return str(text) if isinstance(text, str) and text.strip() else MISSING
        if unit == "category":
            code = text if isinstance(text, str) and text.strip() else value
            for cat in categories:
                if _same_code(cat.get("code"), code):
                    names = cat.get("label") or {}
                    return str(names.get(self.lang) or names.get("en") or cat.get("code"))
            return MISSING if not _finite(value) and not isinstance(code, str) else str(code)
        if not _finite(value):
            return MISSING
        if unit == "yes_no":
            return label("yes", self.lang) if float(value) >= 0.5 else label("no", self.lang)
        small = 0 < abs(float(value)) < 1  # 0.05 % of GDP must not read as 0.1 %
        if unit == "percent":
            return self.percent(value, 2 if small else 1)
        if unit == "currency" and currency and currency != "LCU":
            from babel import Locale
            from babel.numbers import format_currency

            whole = abs(float(value)) >= 1000  # large amounts without cents
            pattern = Locale.parse(self.locale).currency_formats["standard"].pattern.split(";")[0]
            if whole:
                pattern = pattern.replace("0.00", "0")
            text = str(
                format_currency(
                    _round(value, 0 if whole else 2),
                    currency,
                    format=pattern,
                    locale=self.locale,
                    currency_digits=False,
                )
            )
            # CLDR currency spacing: a letter code and the digits are kept apart ("PEN 1.200")
            return re.sub(r"(?<=[^\W\d])(?=[\d-])|(?<=\d)(?=[^\W\d])", "\xa0", text)
        decimals = self.decimals_for(unit)
        return self.number(
            value, max(decimals, 2) if small and unit not in ("count", "currency") else decimals
        )


@lru_cache(maxsize=2**16)
def _number(locale: str, value: float, decimals: int) -> str:
    """:meth:`Formatter.number` of a finite float, kept: charts and tables write the same numbers often."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    rounded = _round(value, decimals)
    with localcontext(Context(prec=max(28, rounded.adjusted() + decimals + 2))):  # 1e300 has 301 digits
        return str(format_decimal(rounded, format=pattern, locale=locale, decimal_quantization=True))


def _round(value: Any, decimals: int) -> Decimal:
    """``value`` rounded half away from zero, as statistical tables round (12.25 → 12.3), on its
    shortest decimal representation; never a negative zero."""
    exact = Decimal(repr(float(value)))
    # enough digits for any float (1e300 has 301 before the point)
    context = Context(prec=max(28, exact.adjusted() + decimals + 2))
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP, context=context)
    return rounded if rounded != 0 else abs(rounded)


def _same_code(code: Any, value: Any) -> bool:
    if code is None or value is None:
        return False
    if isinstance(value, str):
        return str(code) == value.strip()
    if _finite(value) and isinstance(code, int | float) and not isinstance(code, bool):
        return float(code) == float(value)
    return False
