"""Answer deadlines in working days (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.deadlines import (
    add_working_days,
    is_overdue,
    latest_overdue_day,
    working_days_between,
)

FRIDAY = dt.date(2026, 12, 4)
days = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31))


def test_five_working_days_skip_the_weekend():
    assert add_working_days(FRIDAY, 5) == dt.date(2026, 12, 11)
    assert add_working_days(dt.date(2026, 12, 5), 1) == dt.date(2026, 12, 7)  # Saturday


def test_overdue_from_the_day_after_the_deadline():
    assert not is_overdue(FRIDAY, 5, dt.date(2026, 12, 11))
    assert is_overdue(FRIDAY, 5, dt.date(2026, 12, 12))


def test_negative_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(FRIDAY, -1)


@given(days, st.integers(0, 30))
def test_the_deadline_is_n_working_days_later(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@given(days, days, st.integers(1, 20))
def test_latest_overdue_day_splits_the_days(today, proposed_on, n):
    """A query comparing with one date per deadline counts exactly the overdue ones."""
    if proposed_on >= today:
        assert not is_overdue(proposed_on, n, today)
    assert is_overdue(proposed_on, n, today) == (proposed_on <= latest_overdue_day(today, n))
