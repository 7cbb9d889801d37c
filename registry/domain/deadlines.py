"""Answer deadlines in working days (Monday to Friday).

A host has ``n`` working days to answer a proposal (the network sets ``n``, default 5).
The deadline is the ``n``-th working day after the day the proposal was made; the
proposal is *overdue* from the day after the deadline. Public holidays are not counted
out (a day of slack at most, and the rule stays the same in every network).
"""

from __future__ import annotations

import datetime as dt

_ONE_DAY = dt.timedelta(days=1)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself when ``days`` is 0)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    left = days
    while left:
        day += _ONE_DAY
        if is_working_day(day):
            left -= 1
    return day


def is_overdue(proposed_on: dt.date, days: int, today: dt.date) -> bool:
    """The answer deadline (``days`` working days after ``proposed_on``) has passed."""
    return add_working_days(proposed_on, days) < today


def latest_overdue_day(today: dt.date, days: int) -> dt.date:
    """The last proposal day that is overdue today: a proposal is overdue exactly when
    it was made on or before this day (so a query can compare one date per deadline)."""
    day = today - _ONE_DAY
    while not is_overdue(day, days, today):
        day -= _ONE_DAY
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += _ONE_DAY
        count += is_working_day(day)
    return count
