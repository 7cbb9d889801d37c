"""One check per kind of value (issue 14), used by every service and every form, so a
postcode, a number of hours or a date is refused with the same message everywhere and the
message names the range that is really enforced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.domain.geo import Postcode, parse_postcode
from registry.geodata import PostcodeArea, PostcodeDirectory, default_directory

HOURS_PER_DAY = (1, 24)
HOURS_PER_WEEK = (1, 60)

POSTCODE_MESSAGE = _l(
    "Enter a postcode like 1234 AB or 1234, whose four digits are a Dutch postcode area."
)
HOURS_PER_DAY_MESSAGE = _l("Enter the hours per day as a number from 1 to 24.")
HOURS_PER_WEEK_MESSAGE = _l("Enter the hours per week as a number from 1 to 60.")
DATE_MESSAGE = _l("Enter a date like 2026-03-31.")
REQUIRED_MESSAGE = _l("This field is required.")


def directory(settings: Mapping[str, Any] | None = None) -> PostcodeDirectory:
    """The postcode table in use (a test may put its own in the settings)."""
    return (settings or {}).get("POSTCODE_DIRECTORY") or default_directory()


def check_postcode(
    text: str | None, settings: Mapping[str, Any] | None = None
) -> tuple[Postcode | None, PostcodeArea | None, object | None]:
    """(postcode, its area, None) or (None, None, the message). ``1234 AB`` and ``1234``
    are accepted when the four digits are a known area."""
    postcode = parse_postcode((text or "").strip())
    area = directory(settings).lookup(postcode.digits) if postcode else None
    if postcode is None or area is None:
        return None, None, POSTCODE_MESSAGE
    return postcode, area, None


def _hours(value: object, bounds: tuple[int, int], message: object) -> object | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return message
    low, high = bounds
    return None if low <= value <= high else message


def check_hours_per_day(value: object) -> object | None:
    """None when empty or within 1 to 24, else the message."""
    return _hours(value, HOURS_PER_DAY, HOURS_PER_DAY_MESSAGE)


def check_hours_per_week(value: object) -> object | None:
    """None when empty or within 1 to 60, else the message."""
    return _hours(value, HOURS_PER_WEEK, HOURS_PER_WEEK_MESSAGE)


def check_date(value: object) -> object | None:
    """None when empty or a date, else the message."""
    if value is None or isinstance(value, dt.date):
        return None
    return DATE_MESSAGE
