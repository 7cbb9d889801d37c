"""Every match pair of a matchmaking round, on arrays (no top-k cut).

The round's places are loaded once as parallel arrays (:class:`PlaceArrays`); for each
candidate the rows within a latitude band and longitude window of its range are cut
out (places sorted by latitude, ``searchsorted``), filtered on kind, home employer and
end of availability, measured with the search's exact geodesic, and compared through
the same per-capacity score tables as the coach's search (:func:`scoring.score_table`,
:func:`scoring.hours_packed`), on all pairs at once. A pair is kept when
``matching.evaluate`` would call it a MATCH: within range and no conflict (signals and
unknowns allowed, and returned).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from registry.domain.matching import SearchFacts
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    all_dimensions,
    capacity_week_hours,
    catalogue_version,
)
from registry.search.codec import capacity_key, conflict_bits, conflict_masks
from registry.search.scoring import (
    INVALID,
    SIGNAL,
    UNKNOWN,
    _dimension_row,
    _flag_row,
    code_matrix,
)

__all__ = ["PlaceArrays", "Pairs", "match_pairs"]

_KM_PER_DEG_LAT = 110.5  # a little less than the true minimum (110.57): a safe band
_NO_END = np.iinfo(np.int64).max
_CHUNK = 32768  # pairs compared at once (bounds the temporary arrays)


@dataclass
class PlaceArrays:
    """The round's open places with room, as parallel arrays (index = place index)."""

    lat: np.ndarray
    lon: np.ndarray
    kind: list[str]
    employer: np.ndarray  # employer id
    until: np.ndarray  # availability end as a date ordinal (max int: none)
    min_hours: np.ndarray  # NaN: not stated
    usual_hours: np.ndarray
    lower_start: np.ndarray
    codes: np.ndarray  # (n, code length) match-code bytes
    bits: np.ndarray  # (n, 2) conflict bits (the places' ``conflict_bits_*`` columns)

    @classmethod
    def build(
        cls,
        lat: Sequence[float],
        lon: Sequence[float],
        kind: Sequence[str],
        employer: Sequence[int],
        until: Sequence[int | None],
        min_hours: Sequence[float | None],
        usual_hours: Sequence[float | None],
        lower_start: Sequence[bool],
        codes: Sequence[str],
        bits: Sequence[Sequence[int]] | None = None,
    ) -> PlaceArrays:
        """From columns; ``bits`` as stored (computed from the codes when not given)."""

        def hours(values: Sequence[float | None]) -> np.ndarray:
            return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

        return cls(
            np.asarray(lat, dtype=np.float64),
            np.asarray(lon, dtype=np.float64),
            list(kind),
            np.asarray(employer, dtype=np.int64),
            np.array([_NO_END if u is None else u for u in until], dtype=np.int64),
            hours(min_hours),
            hours(usual_hours),
            np.asarray(lower_start, dtype=bool),
            code_matrix(list(codes)),
            np.array(
                [conflict_bits(c) for c in codes] if bits is None else list(bits), dtype=np.int64
            ).reshape(len(codes), 2),
        )

    def __len__(self) -> int:
        return int(self.lat.size)


@dataclass
class Pairs:
    """Match pairs as parallel arrays, sorted by candidate then place."""

    cand: np.ndarray
    place: np.ndarray
    distance: np.ndarray  # km
    signals: np.ndarray  # bool: at least one signal (needs a coach's reason)
    unknowns: np.ndarray
    slack: np.ndarray

    def __len__(self) -> int:
        return int(self.cand.size)


@functools.lru_cache(maxsize=4)
def _state_table(version: int) -> np.ndarray:
    """Packed counts per code position, capacity state and byte (the rows of
    :func:`scoring.score_table`, for every state at once): a candidate's row at a
    position is chosen by :func:`_states`."""
    dims = all_dimensions()
    n_states = 2 * (max(d.heaviest for d in dims) + 2)
    rows = []
    for i, dim in enumerate(dims):
        by_state = [np.full(256, INVALID, dtype=np.int64)] * n_states
        for none in (False, True):
            for cap in (None, *range(dim.heaviest + 1)):
                by_state[_state(cap, none, dim.heaviest)] = _dimension_row(version, i, cap, none)
        rows.append(np.stack(by_state))
    for exposure, flags in ((True, EXPOSURES), (False, CONDITIONS)):
        for j in range(len(flags)):
            by_state = [np.full(256, INVALID, dtype=np.int64)] * n_states
            for none in (False, True):
                for person in (False, True):
                    by_state[int(person) + 2 * none] = _flag_row(exposure, j, person, none)
            rows.append(np.stack(by_state))
    table = np.stack(rows)
    table.setflags(write=False)
    return table


def _state(cap: int | None, none: bool, heaviest: int) -> int:
    return (0 if cap is None else cap + 1) + (heaviest + 2 if none else 0)


def _states(key: tuple) -> list[int]:
    """A capacity (its :func:`codec.capacity_key`) as one state per code position."""
    _, bands, avoid, needs, none = key
    dims = all_dimensions()
    out = [_state(cap, none, d.heaviest) for cap, d in zip(bands, dims, strict=True)]
    out += [int(f.key in avoid) + 2 * none for f in EXPOSURES]
    out += [int(f.key in needs) + 2 * none for f in CONDITIONS]
    return out


@functools.lru_cache(maxsize=4)
def _mask_table(version: int) -> np.ndarray | None:
    """Per code position and capacity state, its conflict-mask bits (one int per bit
    column): :func:`codec.conflict_masks` of a capacity that states only that position.
    None when a capacity stating nothing already has conflict bits (then the masks are
    not additive and :func:`codec.conflict_masks` is asked per candidate)."""
    dims = all_dimensions()
    blank = (version, (None,) * len(dims), (), (), False)
    if any(conflict_masks(blank)):
        return None
    n_states = _state_table(version).shape[1]
    out = np.zeros((len(dims) + len(EXPOSURES) + len(CONDITIONS), n_states, 2), np.int64)
    for i, dim in enumerate(dims):
        for cap in range(dim.heaviest + 1):
            bands = tuple(cap if j == i else None for j in range(len(dims)))
            out[i, _state(cap, False, dim.heaviest)] = conflict_masks(
                (version, bands, (), (), False)
            )
    for j, f in enumerate(EXPOSURES):
        out[len(dims) + j, 1] = conflict_masks((*blank[:2], (f.key,), (), False))
    for j, f in enumerate(CONDITIONS):
        out[len(dims) + len(EXPOSURES) + j, 1] = conflict_masks((*blank[:3], (f.key,), False))
    return out


def _masks(state: list[int]) -> tuple[int, ...]:
    """:func:`codec.conflict_masks` of the capacity in ``state`` (from :func:`_states`)."""
    version = catalogue_version()
    table = _mask_table(version)
    if table is None:  # pragma: no cover - a catalogue where "not assessed" conflicts
        raise RuntimeError("conflict masks are not additive for this catalogue")
    picked = table[np.arange(len(state)), state]
    return tuple(int(v) for v in np.bitwise_or.reduce(picked, axis=0))


_A = 6378137.0  # WGS-84, as registry.search.geometry
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


def geodesic_km_pairs(
    home_lat: np.ndarray, home_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """:func:`geometry.geodesic_km_many` with one home per point (the same closed form,
    for a search's distances up to 150 km; the tests compare the two)."""
    lat, home = np.radians(lat), np.radians(home_lat)
    dlon = np.radians(lon - home_lon)
    sin0, cos0 = np.sin(home), np.cos(home)
    n0 = _A / np.sqrt(1 - _E2 * sin0 * sin0)
    x0, z0 = n0 * cos0, n0 * (1 - _E2) * sin0
    sin_lat = np.sin(lat)
    n = _A / np.sqrt(1 - _E2 * sin_lat * sin_lat)
    ncos = n * np.cos(lat)
    dx = ncos * np.cos(dlon) - x0
    dy = ncos * np.sin(dlon)
    dz = n * (1 - _E2) * sin_lat - z0
    c2 = dx * dx + dy * dy + dz * dz
    mid = 0.5 * (lat + home)
    sin_mid, cos_mid = np.sin(mid), np.cos(mid)
    half = 0.5 * dlon
    sin_half, cos_half = np.sin(half), np.cos(half)
    east = dy * cos_half - dx * sin_half
    north = dz * cos_mid - sin_mid * (dx * cos_half + dy * sin_half)
    flat2 = east * east + north * north
    w = np.sqrt(1 - _E2 * sin_mid * sin_mid)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (north * north * w * w * w / (1 - _E2) + east * east * w) / (_A * flat2)
    k = np.where(flat2 > 0, k, 0.0)
    kc2 = k * k * c2
    return np.sqrt(c2) * (1 + kc2 / 24 + 3 * kc2 * kc2 / 640) / 1000.0


def _hours(person: np.ndarray, places: PlaceArrays, place: np.ndarray) -> np.ndarray:
    """:func:`scoring.hours_packed` for every pair at once (``person``: the candidate's
    weekly hours limit per pair, NaN when none is known: unknown)."""
    required = places.min_hours[place]
    required = np.where(np.isnan(required), places.usual_hours[place], required)
    with np.errstate(invalid="ignore"):
        over = required > person
    verdict = np.where(over, np.where(places.lower_start[place], SIGNAL, 1), 0)
    return np.where(np.isnan(required) | np.isnan(person), UNKNOWN, verdict).astype(np.int64)


def match_pairs(places: PlaceArrays, searches: Sequence[SearchFacts]) -> Pairs:
    """Every (candidate index, place index) that is a match, with what the objective and
    the explanation need."""
    order = np.argsort(places.lat, kind="stable")
    lat_sorted = places.lat[order]
    kinds = sorted(set(places.kind))
    kind_ix = np.array([kinds.index(k) for k in places.kind], dtype=np.int64)
    positions = np.arange(places.codes.shape[1])
    parts: list[tuple[np.ndarray, ...]] = []
    states: list[list[int]] = []
    persons: list[float] = []
    state_rows: list[int] = []
    for ci, facts in enumerate(searches):
        accepted = np.array([k in facts.kinds for k in kinds], dtype=bool)
        if not accepted.any() or facts.max_km <= 0 or not len(places):
            continue
        home_lat, home_lon = facts.home
        dlat = facts.max_km / _KM_PER_DEG_LAT + 0.01
        lo = np.searchsorted(lat_sorted, home_lat - dlat, "left")
        hi = np.searchsorted(lat_sorted, home_lat + dlat, "right")
        idx = order[lo:hi]
        edge = min(abs(home_lat) + dlat, 89.0)
        dlon = facts.max_km / (111.0 * math.cos(math.radians(edge))) + 0.01
        keep = (np.abs(places.lon[idx] - home_lon) <= dlon) & accepted[kind_ix[idx]]
        if facts.home_employer_id is not None:
            keep &= places.employer[idx] != facts.home_employer_id
        if facts.today is not None:
            keep &= places.until[idx] >= facts.today.toordinal()
        person = capacity_week_hours(facts.capacity)
        if person is not None and math.isfinite(person):  # the hours rule, cheaply
            need = places.min_hours[idx]
            need = np.where(np.isnan(need), places.usual_hours[idx], need)
            keep &= ~(need > person) | places.lower_start[idx]
        key = capacity_key(facts.capacity)
        state = _states(key)
        for col, mask in enumerate(_masks(state)):
            if mask:  # the conflict bits: a conflict on any item leaves the pair out
                keep &= (places.bits[idx, col] & mask) == 0
        idx = idx[keep]
        if not idx.size:
            continue
        parts.append((np.full(idx.size, ci, dtype=np.int64), np.sort(idx)))
        states.append(state)
        state_rows.append(ci)
        persons.append(np.nan if person is None else person)
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return Pairs(empty, empty, np.zeros(0), np.zeros(0, bool), empty, empty)
    cand, place = (np.concatenate(x) for x in zip(*parts, strict=True))
    # every box pair's exact distance at once: within the candidate's range
    homes = np.array([s.home for s in searches], dtype=np.float64)
    max_km = np.array([s.max_km for s in searches], dtype=np.float64)
    dist = geodesic_km_pairs(homes[cand, 0], homes[cand, 1], places.lat[place], places.lon[place])
    near = dist <= max_km[cand]
    cand, place, dist = cand[near], place[near], dist[near]
    # every pair's comparison at once: the state table at (position, state, byte)
    state_of = np.zeros((len(searches), positions.size), dtype=np.int64)
    state_of[state_rows] = states
    table = _state_table(catalogue_version())
    person_of = np.full(len(searches), np.nan)
    person_of[state_rows] = persons
    packed = _hours(person_of[cand], places, place)
    for lo in range(0, cand.size, _CHUNK):
        c, p = cand[lo : lo + _CHUNK], place[lo : lo + _CHUNK]
        packed[lo : lo + _CHUNK] += table[positions, state_of[c], places.codes[p]].sum(axis=1)
    ok = (packed < INVALID) & ((packed & 0xFF) == 0)
    cand, place, dist, packed = cand[ok], place[ok], dist[ok], packed[ok]
    return Pairs(
        cand,
        place,
        dist,
        ((packed >> 8) & 0xFF) > 0,
        (packed >> 16) & 0xFF,
        packed >> 24,
    )
