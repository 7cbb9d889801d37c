"""The dashboards' pure arithmetic: rates, medians, periods, months and distance bands."""

from __future__ import annotations

import statistics as std
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain import statistics as stats
from registry.domain.statistics import Period, PeriodError, PeriodProblem


def test_rate_is_a_fraction_or_none():
    assert stats.rate(3, 4) == 0.75
    assert stats.rate(0, 5) == 0.0
    assert stats.rate(0, 0) is None
    with pytest.raises(ValueError):
        stats.rate(5, 4)
    with pytest.raises(ValueError):
        stats.rate(-1, 4)


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_rate_property(a, b):
    part, whole = min(a, b), max(a, b)
    value = stats.rate(part, whole)
    if whole == 0:
        assert value is None
    else:
        assert 0.0 <= value <= 1.0
        assert value * whole == pytest.approx(part)


def test_median_examples():
    assert stats.median([]) is None
    assert stats.median([7]) == 7
    assert stats.median([3, 1, 2]) == 2
    assert stats.median([4, 1, 3, 2]) == 2.5
    assert stats.median(iter([10, 0])) == 5


@given(st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=60))
def test_median_matches_the_standard_library_and_splits_the_values(values):
    m = stats.median(values)
    assert m == pytest.approx(std.median(values))
    assert sum(v < m for v in values) <= len(values) // 2
    assert sum(v > m for v in values) <= len(values) // 2
    assert stats.median(list(reversed(values))) == m


def test_default_period_is_twelve_whole_months_up_to_today():
    period = stats.default_period(date(2026, 3, 15))
    assert period == Period(date(2025, 4, 1), date(2026, 3, 15))
    assert len(stats.months(period)) == 12
    january = stats.default_period(date(2026, 1, 31))
    assert january.start == date(2025, 2, 1)


def test_parse_period_defaults_and_errors():
    today = date(2026, 6, 10)
    assert stats.parse_period(None, None, today) == stats.default_period(today)
    assert stats.parse_period("2026-01-01", "", today) == Period(date(2026, 1, 1), today)
    assert stats.parse_period("", "2025-12-31", today) == Period(
        date(2025, 1, 1), date(2025, 12, 31)
    )
    assert stats.parse_period(" 2026-02-01 ", "2026-02-01", today).days == 1
    for bad in ("2026-13-01", "yesterday", "01-02-2026", "2026-02-30"):
        with pytest.raises(PeriodError) as info:
            stats.parse_period(bad, None, today)
        assert info.value.problem is PeriodProblem.BAD_DATE
        assert info.value.value == bad
    with pytest.raises(PeriodError) as info:
        stats.parse_period("2026-05-02", "2026-05-01", today)
    assert info.value.problem is PeriodProblem.REVERSED
    with pytest.raises(PeriodError) as info:
        stats.parse_period("1990-01-01", "2026-01-01", today)
    assert info.value.problem is PeriodProblem.TOO_LONG


def test_bucket_by_month_counts_only_days_inside_the_period():
    period = Period(date(2025, 11, 15), date(2026, 2, 10))
    days = [
        date(2025, 11, 14),  # before
        date(2025, 11, 15),
        date(2025, 12, 31),
        date(2025, 12, 1),
        None,
        date(2026, 2, 10),
        date(2026, 2, 11),  # after
    ]
    assert stats.bucket_by_month(days, period) == [
        (date(2025, 11, 1), 1),
        (date(2025, 12, 1), 2),
        (date(2026, 1, 1), 0),
        (date(2026, 2, 1), 1),
    ]


@given(
    st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    st.integers(0, 900),
    st.lists(st.dates(date(1999, 1, 1), date(2043, 1, 1)), max_size=40),
)
def test_bucketing_loses_no_day_of_the_period(start, length, days):
    period = Period(start, start + timedelta(days=length))
    buckets = stats.bucket_by_month(days, period)
    assert sum(n for _m, n in buckets) == sum(d in period for d in days)
    assert [m for m, _n in buckets] == sorted({d.replace(day=1) for d in _each_day(period)})


def _each_day(period):
    return (period.start + timedelta(days=i) for i in range(period.days))


def test_add_months_crosses_years():
    assert stats.add_months(date(2026, 1, 31), -1) == date(2025, 12, 1)
    assert stats.add_months(date(2025, 12, 5), 1) == date(2026, 1, 1)
    assert stats.add_months(date(2026, 3, 1), -27) == date(2023, 12, 1)


@pytest.mark.parametrize(
    ("km", "band"),
    [
        (None, "unknown"),
        (-1, "unknown"),
        (0, "0-5 km"),
        (5, "0-5 km"),
        (5.01, "5-10 km"),
        (10, "5-10 km"),
        (24.9, "10-25 km"),
        (50, "25-50 km"),
        (50.1, "50+ km"),
    ],
)
def test_distance_band(km, band):
    assert stats.distance_band(km) == band


def test_period_contains_dates_only():
    period = Period(date(2026, 1, 1), date(2026, 1, 31))
    assert date(2026, 1, 31) in period
    assert date(2026, 2, 1) not in period
    assert None not in period
