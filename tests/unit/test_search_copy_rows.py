"""The search copy's rows: what SQLite and PostgreSQL return (ISO texts or objects,
None where nothing is set) read back as the shortlist's SQL read gives them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.search import codec, snapshot_rows
from registry.search.shown import summary_of_row
from registry.search.snapshot_rows import COLUMNS, EMPLOYER_NAME, Rows

CODE = "0" * codec.match_code_length()
UTC = dt.UTC


def _row(**values) -> tuple:
    base = {
        "id": 7,
        "lat": 52.09,
        "lon": 5.12,
        "kind": "stage",
        "employer_id": 3,
        "available_until": None,
        "slots": 2,
        "taken_slots": 1,
        "sector": "Q",
        "min_hours_week": 8,
        "usual_hours_week": None,
        "lower_start_allowed": True,
        "match_code": CODE,
        "status": "open",
        "conflict_bits_1": 0,
        "conflict_bits_2": 5,
        "function": "Kok",
        "ongoing": False,
        "title": "Hulpkok",
        "town": "Utrecht",
        "postcode": "3511 AB",
        "completeness": 0.75,
        "last_confirmed_at": None,
        "created_at": None,
        "intake_cap_per_month": None,
        EMPLOYER_NAME: "De Keuken B.V.",
    }
    base.update(values)
    return tuple(base[c] for c in COLUMNS)


# the shortlist's SQL read of the same place (sql.SHORTLIST_COLUMNS, dates as objects)
SHOWN = (
    7,
    "stage",
    "Q",
    "Kok",
    dt.date(2027, 3, 31),
    False,
    2,
    1,
    3,
    "Hulpkok",
    "De Keuken B.V.",
    "Utrecht",
    "3511 AB",
    52.09,
    5.12,
    8.0,
    None,
    True,
    0.75,
    dt.datetime(2026, 11, 2, 9, 30, 15, 250000, tzinfo=UTC),
    dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
    4,
    0,
)


@pytest.mark.parametrize(
    ("until", "confirmed", "created"),
    [
        ("2027-03-31", "2026-11-02 09:30:15.250000", "2026-01-05 08:00:00.000000"),  # SQLite
        (
            dt.date(2027, 3, 31),
            dt.datetime(2026, 11, 2, 10, 30, 15, 250000, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC),
        ),  # PostgreSQL: aware times, any zone
    ],
)
def test_a_row_reads_back_as_the_sql_read_gives_it(until, confirmed, created):
    other = _row(id=8, available_until=None, ongoing=True, completeness=None)
    rows = Rows.of(
        [
            other,
            _row(
                available_until=until,
                last_confirmed_at=confirmed,
                created_at=created,
                intake_cap_per_month=4,
            ),
        ],
        {},
    )
    first, second = rows.shown(np.array([0, 1]))
    assert second == summary_of_row(SHOWN)
    assert second.free_slots == 1 and second.employer_id == 3 and second.sector == "Q"
    assert first.available_until is None and first.ongoing is True  # no end
    assert first.completeness == 0.0  # no score
    assert first.last_confirmed_at is None and first.created_at is None
    assert first.intake_cap_per_month is None
    assert rows.free.tolist() == [True, True]


def test_nothing_set_and_no_rows():
    rows = Rows.of([_row(slots=None, taken_slots=None, employer_id=None)], {})
    (shown,) = rows.shown(np.array([0]))
    assert (shown.free_slots, shown.employer_id) == (0, None)
    # nothing set: no end date, slots or employer; hours as stored; no times, no cap
    nothing = (*SHOWN[:4], None, False, None, None, None, *SHOWN[9:15], 8, None, True, 0.75)
    assert shown == summary_of_row((*nothing, None, None, None, 0))
    assert rows.free.tolist() == [False]
    assert len(Rows.of([], {})) == 0


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.just(dt.UTC),
    )
)
def test_the_copy_s_times_read_back_to_the_microsecond(when):
    micros = snapshot_rows._micros(when)
    assert snapshot_rows._times_of([micros, snapshot_rows.NO_TIME]) == [when, None]
