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

__all__ = [
    "code_sums",
    "eligible_rows",
    "geodesic_km",
    "may_fit_rows",
    "rank_parts",
    "score_rows",
    "shortlist",
    "warm_up",
]

NO_EMPLOYER = np.iinfo(np.int64).min  # a home employer no row has
NO_DAY = np.iinfo(np.int32).min  # no date to compare the rows' end dates with
ANY_SECTOR = np.iinfo(np.int32).min  # no sector to keep

_A = 6378137.0  # WGS-84
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)  # first eccentricity squared
CHORD_MAX_M = 400_000.0  # beyond, the series is not used: NaN (``geometry`` asks geopy)
# packed per-comparison counts (``scoring``): conflicts | signals << 8 | unknowns << 16
SIGNAL, UNKNOWN = 1 << 8, 1 << 16


@njit(cache=True, nogil=True, inline="always")
def _home(home: tuple[float, float]) -> tuple[float, float, float, float]:
    """The home's latitude (radians), longitude (degrees) and earth-centred x, z (its
    longitude taken as 0)."""
    home_lat = math.radians(home[0])
    sin0, cos0 = math.sin(home_lat), math.cos(home_lat)
    n0 = _A / math.sqrt(1 - _E2 * sin0 * sin0)
    return home_lat, home[1], n0 * cos0, n0 * (1 - _E2) * sin0


@njit(cache=True, nogil=True, inline="always")
def _geodesic(frame: tuple[float, float, float, float], lat_deg: float, lon_deg: float) -> float:
    """One point's distance (km) from the home of ``frame`` (:func:`_home`), by the
    closed form of ``geometry.geodesic_km_many``; NaN beyond ``CHORD_MAX_M``."""
    home_lat, home_lon, x0, z0 = frame
    lat = math.radians(lat_deg)
    dlon = math.radians(lon_deg - home_lon)
    sin_lat = math.sin(lat)
    n = _A / math.sqrt(1 - _E2 * sin_lat * sin_lat)  # prime vertical radius
    ncos = n * math.cos(lat)
    dx = ncos * math.cos(dlon) - x0
    dy = ncos * math.sin(dlon)
    dz = n * (1 - _E2) * sin_lat - z0
    c2 = dx * dx + dy * dy + dz * dz
    if c2 > CHORD_MAX_M * CHORD_MAX_M:
        return math.nan
    # the chord's east and north parts at the midpoint, for its azimuth
    mid = 0.5 * (lat + home_lat)
    sin_mid, cos_mid = math.sin(mid), math.cos(mid)
    half = 0.5 * dlon
    sin_half, cos_half = math.sin(half), math.cos(half)
    east = dy * cos_half - dx * sin_half
    north = dz * cos_mid - sin_mid * (dx * cos_half + dy * sin_half)
    flat2 = east * east + north * north
    w = math.sqrt(1 - _E2 * sin_mid * sin_mid)  # M = a(1-e²)/w³, N = a/w
    k = 0.0  # the home itself: c = 0
    if flat2 > 0:
        k = (north * north * w * w * w / (1 - _E2) + east * east * w) / (_A * flat2)
    kc2 = k * k * c2
    return math.sqrt(c2) * (1 + kc2 / 24 + 3 * kc2 * kc2 / 640) / 1000.0


@njit(cache=True, nogil=True)
def geodesic_km(home: tuple[float, float], lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """``geometry.geodesic_km_many``'s closed form, point by point (NaN beyond
    ``CHORD_MAX_M``)."""
    frame = _home(home)
    out = np.empty(lat.size, dtype=np.float64)
    for i in range(lat.size):
        out[i] = _geodesic(frame, lat[i], lon[i])
    return out


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


@njit(cache=True, nogil=True)
def score_rows(
    idx: np.ndarray,
    ids: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    min_h: np.ndarray,
    usual_h: np.ndarray,
    lower: np.ndarray,
    codes: np.ndarray,
    table: np.ndarray,
    person: float,
    home: tuple[float, float],
) -> tuple[np.ndarray, ...]:
    """The rows ``idx`` of the columns, gathered (ids, lat, lon, min_h, usual_h, lower,
    codes), with each row's packed counts (its code's sums over ``table``, as
    :func:`code_sums`, plus ``scoring.hours_packed``: NaN ``person`` is a capacity
    without hours) and its geodesic distance from ``home`` (:func:`geodesic_km`)."""
    n, width = idx.size, codes.shape[1]
    out_ids = np.empty(n, dtype=np.int64)
    out_lat, out_lon = np.empty(n, dtype=np.float64), np.empty(n, dtype=np.float64)
    out_min, out_usual = np.empty(n, dtype=np.float64), np.empty(n, dtype=np.float64)
    out_lower = np.empty(n, dtype=np.bool_)
    out_codes = np.empty((n, width), dtype=np.uint8)
    packed = np.empty(n, dtype=np.int64)
    distance = np.empty(n, dtype=np.float64)
    frame = _home(home)
    no_hours = math.isnan(person)
    for i in range(n):
        r = idx[i]
        out_ids[i] = ids[r]
        out_lat[i], out_lon[i] = lat[r], lon[r]
        out_min[i], out_usual[i], out_lower[i] = min_h[r], usual_h[r], lower[r]
        total = 0
        for p in range(width):
            byte = codes[r, p]
            out_codes[i, p] = byte
            total += table[p, byte]
        required = min_h[r]
        if math.isnan(required):
            required = usual_h[r]
        if no_hours or math.isnan(required):
            total += UNKNOWN
        elif required > person:
            total += SIGNAL if lower[r] else 1
        packed[i] = total
        distance[i] = _geodesic(frame, lat[r], lon[r])
    return out_ids, out_lat, out_lon, out_min, out_usual, out_lower, out_codes, packed, distance


@njit(cache=True, nogil=True)
def rank_parts(
    packed: np.ndarray, distance: np.ndarray, max_km: float, near_km: float, max_conflicts: int
) -> tuple[np.ndarray, ...]:
    """Per row its outcome (0 match, 1 near miss, 2 no match: ``evaluate``'s rules on
    an eligible place), conflicts, whether it has signals, unknowns and negated slack,
    from its packed counts and distance."""
    n = packed.size
    order = np.empty(n, dtype=np.int64)
    conflicts = np.empty(n, dtype=np.int64)
    signals = np.empty(n, dtype=np.bool_)
    unknowns = np.empty(n, dtype=np.int64)
    neg_slack = np.empty(n, dtype=np.int64)
    for i in range(n):
        value = packed[i]
        c = value & 0xFF
        conflicts[i] = c
        signals[i] = ((value >> 8) & 0xFF) > 0
        unknowns[i] = (value >> 16) & 0xFF
        neg_slack[i] = -(value >> 24)
        d = distance[i]
        if d - max_km <= 0:
            order[i] = 0 if c == 0 else (1 if c <= max_conflicts else 2)
        else:
            order[i] = 1 if c == 0 and d <= near_km else 2
    return order, conflicts, signals, unknowns, neg_slack


@njit(cache=True, nogil=True)
def shortlist(
    keep: np.ndarray,
    order: np.ndarray,
    conflicts: np.ndarray,
    signals: np.ndarray,
    unknowns: np.ndarray,
    distance: np.ndarray,
    neg_slack: np.ndarray,
    ids: np.ndarray,
    limit: int,
) -> np.ndarray:
    """The rows ``keep`` ranked on the rank key before the preferences (outcome,
    conflicts, signals, unknowns, distance, negated slack; then the id, as ``lexsort``
    would): the top ``limit`` plus every row tied with the last of them on that key.
    The first four parts are one integer (each count is below 256); with more than
    twice ``limit`` rows only those whose integer is at most the ``limit``-th smallest
    can make the list, and only they are sorted."""
    n = keep.size
    tier = np.empty(n, dtype=np.int64)
    for i in range(n):
        r = keep[i]
        tier[i] = (order[r] << 24) | (conflicts[r] << 16) | (np.int64(signals[r]) << 8)
        tier[i] |= unknowns[r]
    rows = keep
    if n > 2 * limit and limit > 0:
        cut = np.partition(tier, limit - 1)[limit - 1]
        chosen = tier <= cut
        rows, tier = keep[chosen], tier[chosen]
    # stable sorts from the last key to the first: the lexicographic order
    perm = np.argsort(ids[rows], kind="mergesort")
    perm = perm[np.argsort(neg_slack[rows][perm], kind="mergesort")]
    perm = perm[np.argsort(distance[rows][perm], kind="mergesort")]
    perm = perm[np.argsort(tier[perm], kind="mergesort")]
    ranked, tier = rows[perm], tier[perm]
    end = min(limit, ranked.size)
    if 0 < end < ranked.size:
        last = ranked[end - 1]
        while end < ranked.size:
            r = ranked[end]
            if not (
                tier[end] == tier[end - 1]
                and distance[r] == distance[last]
                and neg_slack[r] == neg_slack[last]
            ):
                break
            end += 1
    return ranked[:end]


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
    geodesic_km((0.0, 0.0), f64, f64)
    rank_parts(i64, f64, 1.0, 1.5, 2)
    shortlist(i64, i64, i64, np.zeros(1, dtype=bool), i64, f64, i64, i64, 1)
    for _ in range(2):
        code_sums(table, matrix)
        score_rows(
            i64, i64, f64, f64, f64, f64, np.zeros(1, dtype=bool), matrix, table, 0.0, (0.0, 0.0)
        )
        matrix.setflags(write=False)  # as ``scoring.code_matrix`` gives it
