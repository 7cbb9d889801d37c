"""Numbers, dates and times as a reader of the locale expects them (Babel).

One set of helpers for pages (as Jinja filters, see ``registry.web.formatting``), PDFs,
mails and exports: "4,6 km", "12 uur", "4 december 2026", "04-12-2026", "14:05" in Dutch;
"4.6 km", "4 December 2026", "4 Dec 2026", "14:05" in English. The locale is the one
given, else the current request's (Flask-Babel), else Dutch.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from decimal import ROUND_HALF_EVEN, Decimal

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_time as _babel_time
from babel.numbers import NumberPattern, parse_pattern

from registry.services import translation

__all__ = [
    "current_locale",
    "date_long",
    "date_short",
    "date_time",
    "distance",
    "lazy_date_long",
    "month_short",
    "month_year",
    "number",
    "percent",
    "time_24h",
]

SHORT_DATE = {"nl": "dd-MM-y", "en": "d MMM y"}
LONG_DATE = {"nl": "d MMMM y", "en": "d MMMM y"}


def current_locale(locale: object = None) -> str:
    """'nl' or 'en': the given locale, else the request's, else Dutch."""
    if locale is None:
        try:
            locale = translation.get_locale()
        except RuntimeError:  # outside a request or app context
            locale = None
    if locale is None:
        return "nl"
    language = getattr(locale, "language", None) or str(locale)  # a babel Locale or a code
    return "en" if language.lower().startswith("en") else "nl"


# A results page formats a few hundred numbers and dates: the parsed patterns, the
# locales and the formatted days are kept (``format_decimal`` parses both every call).
@functools.cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@functools.cache
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0" + ("." + "#" * digits if digits > 0 else ""))


@functools.lru_cache(maxsize=4096)
def _babel_date(day: dt.date, pattern: str, locale: str) -> str:
    return _babel_format_date(day, pattern, locale=_locale(locale))


def number(value: object, digits: int = 1, locale: object = None) -> str:
    """A number with at most ``digits`` decimals and no trailing zeros ("4,6", "12")."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    as_number = value if isinstance(value, int | float | Decimal) else float(str(value))
    digits = max(int(digits), 0)
    code = current_locale(locale)
    if type(as_number) is int:  # no decimals: only the grouping symbol is the locale's
        return f"{as_number:,}".translate(_SEPARATORS[code])
    if isinstance(as_number, float) and math.isfinite(as_number) and abs(as_number) < 1e15:
        return _plain_number(as_number, digits, code)
    return _number_pattern(digits).apply(as_number, _locale(code))


_SEPARATORS = {  # Python's "1,234.5" -> the locale's decimal and group symbols
    "nl": str.maketrans({".": ",", ",": "."}),
    "en": str.maketrans({}),
}
_STEPS = [Decimal(1).scaleb(-d) for d in range(10)]


def _plain_number(value: float, digits: int, code: str) -> str:
    """What babel's pattern gives for an ordinary float (same half-even rounding of the
    shortest decimal form), about five times faster; ``tests/unit/test_formatting.py``
    compares the two on random numbers."""
    step = _STEPS[digits] if digits < len(_STEPS) else Decimal(1).scaleb(-digits)
    text = f"{Decimal(repr(value)).quantize(step, rounding=ROUND_HALF_EVEN):,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.translate(_SEPARATORS[code])


def distance(km: object, locale: object = None) -> str:
    """A distance in kilometres with one decimal ("4,6 km")."""
    return "" if km is None else f"{number(km, 1, locale)}\u00a0km"


def percent(fraction: object, locale: object = None) -> str:
    """A fraction 0..1 as a whole percentage ("83%")."""
    if fraction is None:
        return ""
    return f"{number(round(100 * float(str(fraction))), 0, locale)}%"


def _as_date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def date_long(value: object, locale: object = None) -> str:
    """ "4 december 2026" / "4 December 2026"."""
    day = _as_date(value)
    loc = current_locale(locale)
    return "" if day is None else _babel_date(day, LONG_DATE[loc], locale=loc)


def date_short(value: object, locale: object = None) -> str:
    """For tables: "04-12-2026" / "4 Dec 2026"."""
    day = _as_date(value)
    loc = current_locale(locale)
    return "" if day is None else _babel_date(day, SHORT_DATE[loc], locale=loc)


def month_year(value: object, locale: object = None) -> str:
    """A month: "december 2026" / "December 2026"."""
    day = _as_date(value)
    loc = current_locale(locale)
    return "" if day is None else _babel_date(day, "LLLL y", locale=loc)


def month_short(value: object, locale: object = None) -> str:
    """A month for a chart axis: "dec 2026" / "Dec 2026"."""
    day = _as_date(value)
    loc = current_locale(locale)
    return "" if day is None else _babel_date(day, "LLL y", locale=loc).replace(".", "")


def time_24h(value: object, locale: object = None) -> str:
    """A time of day on the 24-hour clock ("14:05")."""
    if value is None:
        return ""
    moment = value.time() if isinstance(value, dt.datetime) else value
    return _babel_time(moment, "HH:mm", locale=current_locale(locale))


def date_time(value: object, locale: object = None, short: bool = True) -> str:
    """A moment: "04-12-2026 14:05" (``short``) or "4 december 2026 14:05"."""
    if value is None:
        return ""
    if not isinstance(value, dt.datetime):
        return date_short(value, locale) if short else date_long(value, locale)
    day = date_short(value, locale) if short else date_long(value, locale)
    return f"{day} {time_24h(value, locale)}"


def lazy_date_long(value: object) -> object:
    """``date_long`` put off until the text is rendered, so that a lazy message
    (``_l(..., date=lazy_date_long(day))``) written for several readers shows the date
    in each reader's language (as ``notifications.notify`` renders it)."""
    from flask_babel import LazyString

    return LazyString(date_long, value)
