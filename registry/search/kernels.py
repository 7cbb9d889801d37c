"""Compiled loops over the search's in-memory copy (:mod:`snapshot_select`) and its
scores: the row-by-row conditions that numpy would run as a dozen whole-array passes
(each a few microseconds of overhead on a search's few thousand rows), in one pass.

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

__all__ = ["code_sums", "eligible_rows", "may_fit_rows", "warm_up"]

NO_EMPLOYER = np.iinfo(np.int64).min  # a home employer no row has
NO_DAY = np.iinfo(np.int32).min  # no date to compare the rows' end dates with
ANY_SECTOR = np.iinfo(np.int32).min  # no sector to keep


@njit(cache=True, nogil=True)
def eligible_rows(
    rows: np.ndarray,
    starts: np.ndarray,
    stops: np.ndarray,
    dead: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    kind: np.ndarray,
    until: np.ndarray,
    employer: np.ndarray,
    sector: np.ndarray,
    accepted: np.ndarray,
    today: int,
    home_employer: int,
    sector_code: int,
    box: tuple[float, float, float, float],
) -> np.ndarray:
    """The entries of ``rows[starts[k]:stops[k]]`` (in that order) that are not ``dead``
    (an empty ``dead``: none is), lie in ``box`` (min lat, max lat, min lon, max lon),
    have a kind ``accepted`` marks (its last entry: a kind not known), end on or after
    ``today``, are not offered by ``home_employer`` and are in ``sector_code``; the
    constants above switch the last three off."""
    total = 0
    for k in range(starts.size):
        total += max(stops[k] - starts[k], 0)
    out = np.empty(total, dtype=np.int64)
    n = 0
    check_dead = dead.size > 0
    min_lat, max_lat, min_lon, max_lon = box
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
            if sector_code != ANY_SECTOR and sector[r] != sector_code:
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
def may_fit_rows(
    idx: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    bits1: np.ndarray,
    bits2: np.ndarray,
    min_h: np.ndarray,
    usual_h: np.ndarray,
    lower: np.ndarray,
    masks: tuple[int, int],
    person: float,
    home: tuple[float, float],
    ky: float,
    outer: tuple[float, float],
    within: tuple[float, float],
    max_conflicts: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The rows ``idx`` that can be a match or a near miss, and the least number of
    conflicts each has (``snapshot_select.may_fit``): its conflict bits shared with
    ``masks`` (bits below the sign bit), plus one when it needs more than ``person``
    hours at first (its minimum, else its usual hours; NaN, none stated, fits; NaN
    ``person``: no limit checked) and may not start lower. Kept: a row without
    conflicts inside the planar disk ``outer`` (kx, r²), any row with at most
    ``max_conflicts`` inside ``within``."""
    kept = np.empty(idx.size, dtype=np.int64)
    least = np.empty(idx.size, dtype=np.int64)
    n = 0
    check_hours = not math.isnan(person)
    for r in idx:
        conflicts = _bit_count(bits1[r] & masks[0]) + _bit_count(bits2[r] & masks[1])
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
def code_sums(table: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Per row of the code matrix, the sum of ``table[position, byte]`` over its
    positions (``table[np.arange(width), matrix].sum(axis=1)``)."""
    n, width = matrix.shape
    out = np.zeros(n, dtype=np.int64)
    for i in range(n):
        total = 0
        for p in range(width):
            total += table[p, matrix[i, p]]
        out[i] = total
    return out


@functools.cache
def warm_up() -> None:
    """Compile (or load from the disk cache) every loop for the types the search
    passes, once per process (``snapshot.load`` calls it), so that no search pays it."""
    i64, f64 = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.float64)
    eligible_rows(
        i64,
        i64,
        i64,
        np.zeros(0, dtype=bool),
        f64,
        f64,
        np.zeros(1, dtype=np.int8),
        np.zeros(1, dtype=np.int32),
        i64,
        np.zeros(1, dtype=np.int32),
        np.zeros(2, dtype=bool),
        0,
        0,
        0,
        (0.0, 0.0, 0.0, 0.0),
    )
    may_fit_rows(
        i64,
        f64,
        f64,
        i64,
        i64,
        f64,
        f64,
        np.zeros(1, dtype=bool),
        (0, 0),
        0.0,
        (0.0, 0.0),
        1.0,
        (1.0, 1.0),
        (1.0, 1.0),
        2,
    )
    table = np.zeros((1, 256), dtype=np.int64)
    table.setflags(write=False)  # as ``scoring.score_table`` gives it
    matrix = np.zeros((1, 1), dtype=np.uint8)
    code_sums(table, matrix)
    matrix.setflags(write=False)  # as ``scoring.code_matrix`` gives it
    code_sums(table, matrix)
