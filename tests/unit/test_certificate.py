"""The certificate of experience is for work done: ended placements with real weeks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.placement import ENDED_STATUSES, Status, certificate_weeks

START = date(2025, 3, 3)


@pytest.mark.parametrize(("days", "weeks"), [(0, 0), (6, 0), (7, 1), (15, 2), (27, 3)])
@pytest.mark.parametrize("status", [Status.COMPLETED, Status.ENDED_EARLY])
def test_ended_placements_count_real_weeks(status, days, weeks):
    assert certificate_weeks(status, START, START + timedelta(days=days)) == weeks


@pytest.mark.parametrize("status", [s for s in Status if s not in ENDED_STATUSES])
def test_no_certificate_before_the_end(status):
    assert certificate_weeks(status, START, START + timedelta(days=30)) == 0
    assert certificate_weeks(status, START, None) == 0


def test_no_certificate_without_recorded_dates():
    assert certificate_weeks(Status.COMPLETED, None, START) == 0
    assert certificate_weeks(Status.COMPLETED, START, None) == 0
    assert certificate_weeks(Status.COMPLETED, START, START - timedelta(days=1)) == 0


@given(
    st.sampled_from(Status),
    st.dates(date(2000, 1, 1), date(2040, 1, 1)),
    st.integers(0, 800),
)
def test_certificate_weeks_property(status, start, days):
    weeks = certificate_weeks(status, start, start + timedelta(days=days))
    assert weeks == (days // 7 if status in ENDED_STATUSES else 0)
