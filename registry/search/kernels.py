"""Compiled loops over the search's in-memory copy (:mod:`snapshot_select`): which rows
a search may show and which can fit, the row-by-row conditions that numpy would run as
a dozen whole-array passes (each a few microseconds of overhead on a search's few
thousand rows), in one pass; the scoring's loops are in :mod:`score_kernels`.

Each loop states exactly the numpy expression it replaces, compares the same values
with the same operations (no fast-math: IEEE results equal numpy's), and is tested
equal to it on random rows (``tests/unit/test_search_kernels.py``). Compiled by numba
on first use and cached on disk (``cache=True``): a worker's first search after a fresh
install pays the compilation once (about a second), :func:`warm_up` pays it earlier.

Pure arrays in, arrays out: no database, no SQL text.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

from registry.search import score_kernels
from registry.search.codec import LAT_BANDS_PER_DEGREE as BANDS_PER_DEGREE
from registry.search.geometry import STRIP_SLACK

__all__ = ["eligible_rows", "may_fit_rows", "near_rows", "warm_up"]

NO_EMPLOYER = np.iinfo(np.int64).min  # a home employer no row has
NO_DAY = np.iinfo(np.int32).min  # no date to compare the rows' end dates with
ANY_SECTOR = np.iinfo(np.int32).min  # no sector to keep


# (No per-row helper functions below: numba counts the references of every array a
# call passes, which made a row's few nanoseconds about forty.)


@njit(cache=True, nogil=True)
def eligible_rows(
    rows: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    dead: np.ndarray,
    columns: tuple,
    filters: tuple,
) -> np.ndarray:
    """The entries of ``rows[starts[k]:stops[k]]`` (in that order) that are not ``dead``
    (an empty ``dead``: none is) and pass ``filters``: ``columns`` (lat, lon, kind,
    until, employer, sector) lie in the box (min lat, max lat, min lon, max lon), have
    a kind ``accepted`` marks (its last entry: a kind not known), end on or after
    ``today``, are not offered by ``home_employer`` and are in ``sector_code``, with
    ``filters`` = (accepted, today, home_employer, sector_code, box); the constants
    above switch the last three off."""
    lat, lon, kind, until, employer, sector = columns
    accepted, today, home_employer, sector_code, box = filters
    min_lat, max_lat, min_lon, max_lon = box
    check_dead, any_sector = dead.size > 0, sector_code == ANY_SECTOR
    total = 0
    for k in range(starts.size):
        total += max(stops[k] - starts[k], 0)
    out = np.empty(total, dtype=np.int64)
    n = 0
    for k in range(starts.size):
        for j in range(starts[k], stops[k]):
            r = rows[j]
            if check_dead and dead[r]:
                continue
            y, x = lat[r], lon[r]
            if not (y >= min_lat and y <= max_lat and x >= min_lon and x <= max_lon):
                continue
            if not accepted[kind[r]]:  # -1 (a kind not known): the last entry
                continue
            if until[r] < today or employer[r] == home_employer:
                continue
            if not any_sector and sector[r] != sector_code:
                continue
            out[n] = r
            n += 1
    return out[:n]


@njit(cache=True, nogil=True, inline="always")
def _bit_count(value: np.int64) -> int:
    count = 0
    while value:
        value &= value - 1
        count += 1
    return count


@njit(cache=True, nogil=True)
def may_fit_rows(idx: np.ndarray, columns: tuple, fit: tuple) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``idx`` that can be a match or a near miss, and the least number of
    conflicts each has (``snapshot_select.may_fit``). ``columns``: lat, lon, bits1,
    bits2, min_h, usual_h, lower; ``fit``: (masks, person, home, ky, outer, within,
    max_conflicts). A row's conflicts: its conflict bits shared with ``masks`` (bits
    below the sign bit), plus one when it needs more than ``person`` hours at first (its
    minimum, else its usual hours; NaN, none stated, fits; NaN ``person``: no limit
    checked) and may not start lower. Kept: a row without conflicts inside the planar
    disk ``outer`` (kx, r²), any row with at most ``max_conflicts`` inside ``within``
    (``ky`` per degree of latitude)."""
    lat, lon, bits1, bits2, min_h, usual_h, lower = columns
    masks, person, home, ky, outer, within, max_conflicts = fit
    mask1, mask2 = masks
    check_hours = not math.isnan(person)
    kept = np.empty(idx.size, dtype=np.int64)
    least = np.empty(idx.size, dtype=np.int64)
    n = 0
    for r in idx:
        conflicts = _bit_count(bits1[r] & mask1) + _bit_count(bits2[r] & mask2)
        if check_hours:
            required = min_h[r]
            if math.isnan(required):
                required = usual_h[r]
            if math.isnan(required):
                required = 0.0
            if not (required <= person or lower[r]):
                conflicts += 1
        if conflicts > max_conflicts:
            continue
        dy = (lat[r] - home[0]) * ky
        keep = False
        if conflicts == 0:
            dx = (lon[r] - home[1]) * outer[0]
            keep = dy * dy + dx * dx <= outer[1]
        if not keep:
            dx = (lon[r] - home[1]) * within[0]
            keep = dy * dy + dx * dx <= within[1]
        if keep:
            kept[n] = r
            least[n] = conflicts
            n += 1
    return kept[:n], least[:n]


@njit(cache=True, nogil=True)
def _spans(seeks: tuple, bands: np.ndarray, keys: np.ndarray, box: tuple) -> tuple:
    """Where in ``keys`` each seek of a disk starts and stops (``geometry.strip_rows``
    without a hole, then ``Snapshot._seek_spans``)."""
    home_lat, home_lon, r2, kx, ky = seeks
    first = math.floor(box[0] * BANDS_PER_DEGREE)
    last = math.floor(box[1] * BANDS_PER_DEGREE)
    starts = np.zeros(max(last - first + 1, 0), dtype=np.int64)
    stops = np.zeros(starts.size, dtype=np.int64)
    if not bands.size:
        return starts, stops
    for k in range(starts.size):
        band = first + k
        south = band / BANDS_PER_DEGREE - STRIP_SLACK
        north = (band + 1) / BANDS_PER_DEGREE + STRIP_SLACK
        gap = max(0.0, south - home_lat, home_lat - north) * ky
        room = r2 - gap * gap
        half = math.sqrt(room) / kx if room >= 0 else -1.0
        lo = max(box[2], home_lon - half - STRIP_SLACK)
        hi = min(box[3], home_lon + half + STRIP_SLACK)
        if half < 0 or lo > hi:
            continue
        i = min(np.searchsorted(bands, band), bands.size - 1)
        if bands[i] != band:
            continue
        starts[k] = np.searchsorted(keys, i * 1000.0 + (lo + 180.0), "left")
        stops[k] = np.searchsorted(keys, i * 1000.0 + (hi + 180.0), "right")
    return starts, stops


@njit(cache=True, nogil=True)
def near_rows(
    seeks: tuple,
    index: tuple,
    dead: np.ndarray,
    columns: tuple,
    filters: tuple,
    fit_columns: tuple,
    fit: tuple,
) -> tuple[np.ndarray, np.ndarray]:
    """``eligible_rows`` of a disk's seeks, then ``may_fit_rows``, in one pass (the
    one-pass read of a copy without a tail). ``seeks``: (home lat, home lon, r², kx,
    ky) of the disk's planar bound, the seeks ``geometry.strip_rows`` makes without a
    hole, within ``filters``' box; ``index``: the copy's latitude bands, and the
    searched networks' rows and their seek keys (``snapshot_select.seek_keys``)."""
    bands, rows, keys = index
    starts, stops = _spans(seeks, bands, keys, filters[4])
    eligible = eligible_rows(rows, starts, stops, dead, columns, filters)
    return may_fit_rows(eligible, fit_columns, fit)


@functools.cache
def warm_up() -> None:
    """Compile (or load from the disk cache) every loop here and in
    :mod:`score_kernels` for the types the search passes, once per process
    (``snapshot.load`` calls it), so that no search pays it."""
    i64, f64 = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.float64)
    i32 = np.zeros(1, dtype=np.int32)
    dead, lower = np.zeros(0, dtype=bool), np.zeros(1, dtype=bool)
    columns = (f64, f64, np.zeros(1, dtype=np.int8), i32, i64, i32)
    filters = (np.zeros(2, dtype=bool), 0, 0, 0, (0.0, 0.0, 0.0, 0.0))
    fit_columns = (f64, f64, i64, i64, f64, f64, lower)
    fit = ((0, 0), 0.0, (0.0, 0.0), 1.0, (1.0, 1.0), (1.0, 1.0), 2)
    eligible_rows(i64, i64, i64, dead, columns, filters)
    may_fit_rows(i64, fit_columns, fit)
    near_rows((0.0, 0.0, 1.0, 1.0, 1.0), (i64, i64, f64), dead, columns, filters, fit_columns, fit)
    score_kernels.warm_up()
