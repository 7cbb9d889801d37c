"""The sign-in delay: none for the first failures, then doubling, never above the cap."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from registry.services.throttle import account_key, delay_for


def test_no_delay_before_the_threshold_then_doubling_then_capped():
    waits = [delay_for(n, 5, 2, 1).total_seconds() for n in range(1, 12)]
    assert waits == [0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60]


@given(
    failures=st.integers(0, 10_000),
    free=st.integers(1, 50),
    base=st.integers(1, 60),
    cap=st.integers(1, 120),
)
def test_the_delay_grows_and_never_passes_the_cap(failures, free, base, cap):
    wait = delay_for(failures, free, base, cap)
    assert dt.timedelta(0) <= wait <= dt.timedelta(minutes=cap)
    assert delay_for(failures + 1, free, base, cap) >= wait


def test_the_account_key_does_not_depend_on_case_or_spaces_and_hides_the_address():
    assert account_key(" Coach@Example.nl ") == account_key("coach@example.nl")
    assert "coach" not in account_key("coach@example.nl")
