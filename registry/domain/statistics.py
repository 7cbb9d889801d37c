"""Pure arithmetic behind the dashboards: rates, medians, periods, months, distance bands.

Nothing here touches a database or renders text; the dashboards service
(registry.services.dashboards) feeds plain numbers and dates in and gets plain numbers out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

MAX_PERIOD_DAYS = 366 * 10  # a dashboard covers at most ten years


def rate(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator`` as a fraction in [0, 1]; ``None`` when nothing to divide.

    Both counts must be non-negative and the numerator a part of the denominator.
    """
    if numerator < 0 or denominator < 0:
        raise ValueError("counts cannot be negative")
    if numerator > denominator:
        raise ValueError("the numerator must be a part of the denominator")
    if denominator == 0:
        return None
    return numerator / denominator


def median(values: Iterable[float]) -> float | None:
    """The median (mean of the middle two for an even count); ``None`` for no values."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


# --------------------------------------------------------------------------- periods


class PeriodProblem(StrEnum):
    """Why a requested period was refused (the web layer turns these into messages)."""

    BAD_DATE = "bad_date"
    REVERSED = "reversed"
    TOO_LONG = "too_long"


class PeriodError(ValueError):
    def __init__(self, problem: PeriodProblem, value: str = "") -> None:
        super().__init__(f"{problem}: {value}" if value else str(problem))
        self.problem = problem
        self.value = value


@dataclass(frozen=True, slots=True)
class Period:
    """A closed range of days ``start..end`` (both included)."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def default_period(today: date) -> Period:
    """The last twelve months: from the first of the month eleven months back to today."""
    return Period(add_months(today, -11), today)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(PeriodProblem.BAD_DATE, value) from None


def parse_period(start: str | None, end: str | None, today: date) -> Period:
    """A period from two optional ISO dates (``YYYY-MM-DD``); defaults as
    :func:`default_period`. A missing start counts back twelve months from the end."""
    start = (start or "").strip()
    end = (end or "").strip()
    until = _parse_day(end) if end else today
    since = _parse_day(start) if start else default_period(until).start
    if since > until:
        raise PeriodError(PeriodProblem.REVERSED)
    if (until - since).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(PeriodProblem.TOO_LONG)
    return Period(since, until)


def months(period: Period) -> list[date]:
    """The first day of every month the period touches, oldest first."""
    out, current = [], month_start(period.start)
    while current <= period.end:
        out.append(current)
        current = add_months(current, 1)
    return out


def bucket_by_month(days: Iterable[date | None], period: Period) -> list[tuple[date, int]]:
    """How many of ``days`` fall in each month of ``period`` (days outside are ignored)."""
    counts = dict.fromkeys(months(period), 0)
    for day in days:
        if day is not None and day in period:
            counts[month_start(day)] += 1
    return list(counts.items())


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days


# --------------------------------------------------------------------------- bands


DISTANCE_BANDS: Sequence[tuple[float, str]] = (
    (5, "0-5 km"),
    (10, "5-10 km"),
    (25, "10-25 km"),
    (50, "25-50 km"),
)
FAR_BAND = "50+ km"
UNKNOWN_BAND = "unknown"


def distance_band(km: float | None) -> str:
    """A coarse distance class for anonymised exports (upper bounds included)."""
    if km is None or km < 0:
        return UNKNOWN_BAND
    for upper, label in DISTANCE_BANDS:
        if km <= upper:
            return label
    return FAR_BAND
