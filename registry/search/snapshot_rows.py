"""The search's in-memory copy of the places (:mod:`snapshot`): its rows as parallel
numpy arrays, one entry per place, read from ``COLUMNS``; :class:`Picked` is a
selection of them whose columns are gathered when first read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from registry.models import PlaceKind
from registry.models.search_generation import SEARCH_COLUMNS
from registry.search.codec import match_code_length
from registry.search.scoring import code_matrix

__all__ = ["COLUMNS", "KINDS", "KIND_INDEX", "AnyRows", "Picked", "Rows"]

KINDS = tuple(k.value for k in PlaceKind)
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
NO_END = np.iinfo(np.int32).max  # an ongoing place's end date, as a day number
COLUMNS = ("id", *SEARCH_COLUMNS)  # what the copy reads of a place: what raises the generation


def _day(value: Any) -> int:
    if value is None:
        return NO_END
    if type(value) is str:  # SQLite: ISO text
        value = dt.date.fromisoformat(value)
    return value.toordinal()


def _float(value: Any) -> float:
    return np.nan if value is None else float(value)


@dataclass
class Rows:
    """Rows of places as parallel arrays (one entry per place)."""

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

    @classmethod
    def empty(cls) -> Rows:
        return cls.of([], {})

    @classmethod
    def of(cls, rows: Sequence[tuple[Any, ...]], sectors: dict[str | None, int]) -> Rows:
        """``COLUMNS`` rows (open places with a position only) as arrays; ``sectors`` is
        extended with sectors not seen before."""
        n = len(rows)
        if not n:
            z = np.zeros(0)
            return cls(
                z.astype(np.int64),
                z,
                z,
                z.astype(np.int8),
                z.astype(np.int64),
                z.astype(np.int32),
                z.astype(bool),
                z.astype(np.int32),
                z,
                z,
                z.astype(bool),
                np.zeros((0, match_code_length()), dtype=np.uint8),
                z.astype(np.int64),
                z.astype(np.int64),
            )
        cols = list(zip(*rows, strict=True))
        for s in cols[8]:
            if s not in sectors:
                sectors[s] = -1 if not s else len(sectors)
        return cls(
            np.array(cols[0], dtype=np.int64),
            np.array(cols[1], dtype=np.float64),
            np.array(cols[2], dtype=np.float64),
            np.array([KIND_INDEX.get(k, -1) for k in cols[3]], dtype=np.int8),
            np.array([-1 if e is None else e for e in cols[4]], dtype=np.int64),
            np.array([_day(u) for u in cols[5]], dtype=np.int32),
            np.array([(s or 0) > (t or 0) for s, t in zip(cols[6], cols[7], strict=True)]),
            np.array([sectors[s] for s in cols[8]], dtype=np.int32),
            np.array([_float(h) for h in cols[9]], dtype=np.float64),
            np.array([_float(h) for h in cols[10]], dtype=np.float64),
            np.array([bool(x) for x in cols[11]], dtype=bool),
            code_matrix(cols[12]),
            np.array([b or 0 for b in cols[14]], dtype=np.int64),
            np.array([b or 0 for b in cols[15]], dtype=np.int64),
        )

    def __len__(self) -> int:
        return int(self.ids.size)

    def take(self, idx: np.ndarray) -> Picked:
        return Picked(self, idx)

    def __add__(self, other: Rows | Picked) -> Rows:
        return Rows(*(np.concatenate((getattr(self, f), getattr(other, f))) for f in _FIELDS))

    def row(self, i: int) -> tuple[Any, ...]:
        return _row(self, i)


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

    def __add__(self, other: Rows | Picked) -> Rows:
        return Rows(*(np.concatenate((getattr(self, f), getattr(other, f))) for f in _FIELDS))

    def __len__(self) -> int:
        return int(self._idx.size)

    def row(self, i: int) -> tuple[Any, ...]:
        return _row(self, i)

    def rows(self) -> Rows:
        """Every column gathered."""
        return Rows(*(getattr(self, f) for f in _FIELDS))


AnyRows = Rows | Picked


def _row(rows: AnyRows, i: int) -> tuple[Any, ...]:
    """Row ``i`` as the SQL prefilter returns it (``sql.SCAN_COLUMNS`` up to the hours):
    id, lat, lon, minimum and usual hours (None: not stated), lower start."""
    min_h, usual_h = float(rows.min_h[i]), float(rows.usual_h[i])
    return (
        int(rows.ids[i]),
        float(rows.lat[i]),
        float(rows.lon[i]),
        None if min_h != min_h else min_h,
        None if usual_h != usual_h else usual_h,
        bool(rows.lower[i]),
    )
