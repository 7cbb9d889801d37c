"""Compiled loops of the search's scoring (:mod:`scoring`, :mod:`engine`): the
geodesic's closed form (:mod:`geometry`), a row's code and hours counts, its outcome,
and the shortlist's ranking, each in one pass over a search's few hundred rows where
numpy would run some forty whole-array steps of a few microseconds each.

Each loop states exactly the numpy expression it replaces, with the same operations (no
fast-math), and is tested equal to it on random rows
(``tests/unit/test_search_kernels.py``). Compiled by numba on first use and cached on
disk, as :mod:`kernels`.

Pure arrays in, arrays out: no database, no SQL text.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numba import njit

__all__ = [
    "code_sums",
    "geodesic_km",
    "geodesic_km_pairs",
    "rank_parts",
    "score_rows",
    "shortlist",
    "warm_up",
]

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
def geodesic_km_pairs(
    home_lat: np.ndarray, home_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """:func:`geodesic_km` with one home per point (a matchmaking round's pairs)."""
    out = np.empty(lat.size, dtype=np.float64)
    for i in range(lat.size):
        out[i] = _geodesic(_home((home_lat[i], home_lon[i])), lat[i], lon[i])
    return out


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
    :func:`code_sums`, plus the hours rule, ``workload.compare_hours``: NaN ``person``
    is a capacity without hours) and its geodesic distance from ``home``
    (:func:`geodesic_km`)."""
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
    passes, once per process."""
    i64, f64 = np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.float64)
    table = np.zeros((1, 256), dtype=np.int64)
    table.setflags(write=False)  # as ``scoring.score_table`` gives it
    matrix = np.zeros((1, 1), dtype=np.uint8)
    geodesic_km((0.0, 0.0), f64, f64)
    geodesic_km_pairs(f64, f64, f64, f64)
    rank_parts(i64, f64, 1.0, 1.5, 2)
    shortlist(i64, i64, i64, np.zeros(1, dtype=bool), i64, f64, i64, i64, 1)
    for _ in range(2):
        code_sums(table, matrix)
        score_rows(
            i64, i64, f64, f64, f64, f64, np.zeros(1, dtype=bool), matrix, table, 0.0, (0.0, 0.0)
        )
        matrix.setflags(write=False)  # as ``scoring.code_matrix`` gives it
