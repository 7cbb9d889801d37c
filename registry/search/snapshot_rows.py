"""The search's in-memory copy of the places (:mod:`snapshot`): its rows as parallel
numpy arrays, one entry per place, read from ``COLUMNS``; :class:`Picked` is a
selection of them whose columns are gathered when first read."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

from registry.models import PlaceKind
from registry.models.search_generation import SEARCH_COLUMNS
from registry.search.scoring import code_matrix
from registry.search.shown import PlaceSummary

__all__ = ["COLUMNS", "KINDS", "KIND_INDEX", "AnyRows", "Picked", "Rows"]

KINDS = tuple(k.value for k in PlaceKind)
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
NO_END = np.iinfo(np.int32).max  # an ongoing place's end date, as a day number
NO_TIME = np.iinfo(np.int64).min  # a time not set, in microseconds
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)
_UNIX_DAY = dt.date(1970, 1, 1).toordinal()
_date = dt.date.fromordinal
# the employer's name as the page shows it
EMPLOYER_NAME = (
    "(SELECT COALESCE(NULLIF(e.trade_name, ''), e.legal_name) FROM employers e"
    " WHERE e.id = places.employer_id)"
)
# what the copy reads of a place: what raises the generation, and its employer's name
COLUMNS = ("id", *SEARCH_COLUMNS, EMPLOYER_NAME)
_AT = {name: i for i, name in enumerate(COLUMNS)}
AT_STATUS = _AT["status"]


def _day(value: Any) -> int:
    if value is None:
        return NO_END
    if type(value) is str:  # SQLite: ISO text
        value = dt.date.fromisoformat(value)
    return value.toordinal()


def _micros(value: Any) -> int:
    """A time (ISO text on SQLite; UTC if naive) in microseconds since 1970."""
    if value is None:
        return NO_TIME
    if type(value) is str:
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return (value - _EPOCH) // _MICROSECOND


def _times_of(micros: list[int]) -> list[dt.datetime | None]:
    """Microseconds since 1970 (``NO_TIME``: none) as aware times (UTC): exact, as
    ``micros / 1e6`` is within a quarter of a microsecond of the time until the year
    2100 (a float's rounding) and ``fromtimestamp`` rounds to the nearest microsecond
    (twice as fast as adding a ``timedelta``)."""
    at, utc = dt.datetime.fromtimestamp, dt.UTC
    return [None if t == NO_TIME else at(t / 1e6, utc) for t in micros]


def _parsed(values: Sequence[Any], unit: str) -> np.ndarray | None:
    """ISO texts (SQLite's dates and times) parsed by numpy at once, as day or
    microsecond numbers since 1970 (NaT, the int64 minimum, for None); None when the
    values are not such texts (PostgreSQL's objects, a text with a zone)."""
    first = next((v for v in values if v is not None), None)
    if first is None:  # none set
        return np.full(len(values), NO_TIME, dtype=np.int64)
    if type(first) is not str:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return np.array(values, dtype=f"datetime64[{unit}]").astype(np.int64)
    except (ValueError, TypeError, Warning):
        return None


def _days(values: Sequence[Any]) -> np.ndarray:
    parsed = _parsed(values, "D")
    if parsed is None:
        return np.array([_day(u) for u in values], dtype=np.int32)
    return np.where(parsed == NO_TIME, NO_END, parsed + _UNIX_DAY).astype(np.int32)


def _times(values: Sequence[Any]) -> np.ndarray:
    parsed = _parsed(values, "us")
    return parsed if parsed is not None else np.array([_micros(t) for t in values], np.int64)


def _ints(values: Sequence[Any], none: int, dtype: type) -> np.ndarray:
    try:
        return np.array(values, dtype=dtype)  # the usual case: no None among them
    except TypeError:
        return np.array([none if v is None else v for v in values], dtype=dtype)


def _texts(values: Sequence[Any], seen: dict[Any, Any], blank: bool = False) -> np.ndarray:
    """An object array of ``values``, equal texts shared (towns, functions and employer
    names repeat: the copy holds each once); ``blank``: None as "" (as the page shows
    a text not stated)."""
    out = np.empty(len(values), dtype=object)
    if blank:
        values = [v or "" for v in values]
    out[:] = [seen.setdefault(v, v) for v in values]
    return out


@dataclass
class Rows:
    """Rows of places as parallel arrays (one entry per place): first what the search
    selects and scores on, then what the page shows of a place."""

    ids: np.ndarray  # int64
    lat: np.ndarray  # float64
    lon: np.ndarray
    kind: np.ndarray  # int8: index in KINDS
    employer: np.ndarray  # int64 (-1: none)
    until: np.ndarray  # int32 day number (NO_END: ongoing or no end date)
    free: np.ndarray  # bool: a free slot
    sector: np.ndarray  # int32: index in the snapshot's sector list (-1: none)
    min_h: np.ndarray  # float64, NaN: not stated
    usual_h: np.ndarray
    lower: np.ndarray  # bool
    codes: np.ndarray  # (n, code length) uint8
    bits1: np.ndarray  # int64: the conflict bits (codec.conflict_bits)
    bits2: np.ndarray
    # shown on the page (objects: the column's value as read, equal texts shared; the
    # sector, function, town and postcode "" when not stated)
    sector_text: np.ndarray
    function: np.ndarray
    title: np.ndarray
    town: np.ndarray
    postcode: np.ndarray
    employer_name: np.ndarray
    ongoing: np.ndarray  # bool
    slots: np.ndarray  # int32 (None: 0)
    taken: np.ndarray
    completeness: np.ndarray  # float64, 0.0: none
    confirmed: np.ndarray  # int64 microseconds since 1970 (NO_TIME: none)
    created: np.ndarray
    cap: np.ndarray  # int32 intake cap per month (-1: none)

    @classmethod
    def empty(cls) -> Rows:
        return cls.of([], {})

    @classmethod
    def of(cls, rows: Sequence[tuple[Any, ...]], sectors: dict[str | None, int]) -> Rows:
        """``COLUMNS`` rows (open places with a position only) as arrays; ``sectors`` is
        extended with sectors not seen before."""
        cols = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)

        def col(name: str) -> Sequence[Any]:
            return cols[_AT[name]]

        for s in col("sector"):
            if s not in sectors:
                sectors[s] = -1 if not s else len(sectors)
        seen: dict[Any, Any] = {}
        slots = _ints(col("slots"), 0, np.int32)
        taken = _ints(col("taken_slots"), 0, np.int32)
        return cls(
            np.array(col("id"), dtype=np.int64),
            np.array(col("lat"), dtype=np.float64),
            np.array(col("lon"), dtype=np.float64),
            np.array([KIND_INDEX.get(k, -1) for k in col("kind")], dtype=np.int8),
            _ints(col("employer_id"), -1, np.int64),
            _days(col("available_until")),
            slots > taken,
            np.array([sectors[s] for s in col("sector")], dtype=np.int32),
            np.array(col("min_hours_week"), dtype=np.float64),  # None: NaN
            np.array(col("usual_hours_week"), dtype=np.float64),
            np.array(col("lower_start_allowed"), dtype=bool),  # None: False
            code_matrix(col("match_code")),
            _ints(col("conflict_bits_1"), 0, np.int64),
            _ints(col("conflict_bits_2"), 0, np.int64),
            _texts(col("sector"), seen, blank=True),
            _texts(col("function"), seen, blank=True),
            _texts(col("title"), seen),
            _texts(col("town"), seen, blank=True),
            _texts(col("postcode"), seen, blank=True),
            _texts(col(EMPLOYER_NAME), seen),
            np.array(col("ongoing"), dtype=bool),
            slots,
            taken,
            np.nan_to_num(np.array(col("completeness"), dtype=np.float64), nan=0.0),
            _times(col("last_confirmed_at")),
            _times(col("created_at")),
            _ints(col("intake_cap_per_month"), -1, np.int32),
        )

    def __len__(self) -> int:
        return int(self.ids.size)

    def take(self, idx: np.ndarray) -> Picked:
        return Picked(self, idx)

    def source_index(self) -> tuple[Rows, np.ndarray]:
        """These rows as rows of a :class:`Rows` (for the compiled loops, which read
        the columns where they are)."""
        return self, np.arange(len(self), dtype=np.int64)

    def filtered_columns(self) -> tuple[np.ndarray, ...]:
        """The columns ``kernels.eligible_rows`` reads, in its order."""
        return self.lat, self.lon, self.kind, self.until, self.employer, self.sector

    def fit_columns(self) -> tuple[np.ndarray, ...]:
        """The columns ``kernels.may_fit_rows`` reads, in its order."""
        return self.lat, self.lon, self.bits1, self.bits2, self.min_h, self.usual_h, self.lower

    def __add__(self, other: Rows | Picked) -> Rows:
        return Rows(*(np.concatenate((getattr(self, f), getattr(other, f))) for f in _FIELDS))

    def shown(self, idx: np.ndarray) -> list[PlaceSummary]:
        """Rows ``idx`` as the page shows them (equal to ``shown.summary_of_row`` of
        their ``sql.read_shortlist`` rows): each column gathered once for all of them."""

        def col(name: str) -> list[Any]:
            return getattr(self, name)[idx].tolist()

        def stated(values: list[float]) -> list[float | None]:
            return [None if v != v else v for v in values]  # NaN: not stated

        free = (self.slots[idx].astype(np.int64) - self.taken[idx]).tolist()
        columns = (
            col("ids"),
            col("title"),
            col("function"),
            [KINDS[k] for k in col("kind")],
            col("sector_text"),
            col("employer_name"),
            col("town"),
            col("postcode"),
            col("lat"),
            col("lon"),
            stated(col("min_h")),
            stated(col("usual_h")),
            col("lower"),
            [None if u == NO_END else _date(u) for u in col("until")],
            col("ongoing"),
            col("completeness"),
            _times_of(col("confirmed")),
            _times_of(col("created")),
            [None if c < 0 else c for c in col("cap")],
            free,
            [None if e < 0 else e for e in col("employer")],
        )
        # tuple.__new__ straight from the columns: no Python call per place
        return list(map(tuple.__new__, repeat(PlaceSummary), zip(*columns, strict=True)))


_FIELDS = tuple(Rows.__dataclass_fields__)


class Picked:
    """Rows ``idx`` of ``source``, with its columns: each is gathered when first read
    (a search masks on a few columns at a time and scores with seven)."""

    def __init__(self, source: Rows, idx: np.ndarray) -> None:
        self._source, self._idx = source, idx

    def __getattr__(self, name: str) -> np.ndarray:
        if name not in _FIELDS:
            raise AttributeError(name)
        value = getattr(self._source, name)[self._idx]
        setattr(self, name, value)  # read once
        return value

    def take(self, idx: np.ndarray) -> Picked:
        return Picked(self._source, self._idx[idx])

    def source_index(self) -> tuple[Rows, np.ndarray]:
        return self._source, self._idx

    def __add__(self, other: Rows | Picked) -> Rows:
        return Rows(*(np.concatenate((getattr(self, f), getattr(other, f))) for f in _FIELDS))

    def __len__(self) -> int:
        return int(self._idx.size)

    def rows(self) -> Rows:
        """Every column gathered."""
        return Rows(*(getattr(self, f) for f in _FIELDS))


AnyRows = Rows | Picked
