"""The service context's 'today' is the Dutch calendar date, not the server's UTC date."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from registry.services.context import Context


def _ctx(at: dt.datetime, zone: str | None = "Europe/Amsterdam") -> Context:
    settings = {"REGISTRY_TIMEZONE": zone} if zone else {}
    return Context(session=None, actor=None, settings=settings, clock=lambda: at)  # type: ignore[arg-type]


def test_just_after_midnight_in_amsterdam_is_already_the_next_day():
    late_evening_utc = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)  # 00:30 in Amsterdam
    assert _ctx(late_evening_utc).today() == dt.date(2026, 12, 5)
    summer = dt.datetime(2026, 6, 30, 22, 15, tzinfo=dt.UTC)  # 00:15 CEST
    assert _ctx(summer).today() == dt.date(2026, 7, 1)


def test_without_a_zone_the_utc_date_is_kept():
    at = dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.UTC)
    assert _ctx(at, zone=None).today() == dt.date(2026, 12, 4)


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_the_dutch_date_is_the_utc_date_or_the_day_after(naive: dt.datetime):
    at = naive.replace(tzinfo=dt.UTC)
    assert (_ctx(at).today() - at.date()).days in (0, 1)
