"""What the search page shows of a place besides its explanation (:class:`PlaceSummary`),
made from the search's in-memory copy (``snapshot_rows.Rows.shown``) or from one SQL
read of the shortlist (:func:`summary_of_row`): both give equal summaries.

Pure data: no database, no Flask.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

__all__ = ["PlaceSummary", "as_date", "as_datetime", "summary_of_row"]


class PlaceSummary(NamedTuple):
    """A shown place: texts as the page prints them ("" when not stated), its position
    and hours, its period and times (aware), and what the matcher reads of it besides
    (its free slots and employer). A named tuple: made for every place of every search
    page."""

    id: int
    title: str
    function: str
    kind: str
    sector: str
    employer: str
    town: str
    postcode: str
    lat: float
    lon: float
    min_hours_week: float | None
    usual_hours_week: float | None
    lower_start_allowed: bool
    available_until: dt.date | None
    ongoing: bool
    completeness: float
    last_confirmed_at: dt.datetime | None
    created_at: dt.datetime | None
    intake_cap_per_month: int | None
    free_slots: int = 1
    employer_id: int | None = None


def as_date(value: Any) -> dt.date | None:
    """A date column's raw value (ISO text on SQLite) as a date."""
    return dt.date.fromisoformat(value) if type(value) is str else value


def as_datetime(value: Any) -> dt.datetime | None:
    """A time column's raw value (ISO text on SQLite) as an aware time (UTC if naive)."""
    if type(value) is str:
        value = dt.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def summary_of_row(r: tuple[Any, ...]) -> PlaceSummary:
    """A place's ``sql.SHORTLIST_COLUMNS`` row (as the driver gives it) as shown."""
    pid, kind, sector, function, until, ongoing, slots, taken, employer_id = r[:9]
    title, employer, town, postcode, lat, lon, min_h, usual_h, lower = r[9:18]
    return PlaceSummary(
        pid,
        title,
        function or "",
        kind,
        sector or "",
        employer,
        town or "",
        postcode or "",
        lat,
        lon,
        min_h,
        usual_h,
        bool(lower),
        as_date(until),
        bool(ongoing),
        float(r[18] or 0.0),
        as_datetime(r[19]),
        as_datetime(r[20]),
        r[21],
        (slots or 0) - (taken or 0),
        employer_id,
    )
