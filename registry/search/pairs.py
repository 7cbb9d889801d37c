"""Every match pair of a matchmaking round, on arrays (no top-k cut).

The round's places are loaded once as parallel arrays (:class:`PlaceArrays`), sorted by
latitude. For a chunk of candidates at once, the rows in each candidate's latitude band
(``searchsorted``) and longitude window are expanded into (candidate, place) pairs and
filtered on kind, home employer, end of availability, the hours rule and the search's
conflict bits (the capacity's masks from :func:`codec.conflict_masks`, per position).
The survivors are measured with the search's exact geodesic, and compared through the
coach's search's own per-item comparisons (the rows of :func:`scoring.score_table`,
and the hours as ``score_kernels.score_rows`` counts them), all pairs at once. A pair is kept when
``matching.evaluate`` would call it a MATCH: within range and no conflict (signals and
unknowns allowed, and returned); a property test checks exactly that.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from registry.domain import geo
from registry.domain.matching import SearchFacts
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    all_dimensions,
    capacity_week_hours,
    catalogue_version,
)
from registry.search import score_kernels
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


def geodesic_km_pairs(
    home_lat: np.ndarray, home_lon: np.ndarray, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray:
    """:func:`geometry.geodesic_km_many` with one home per point (the same closed form,
    :func:`score_kernels.geodesic_km_pairs`; geopy beyond 400 km)."""
    arrays = (np.ascontiguousarray(a, dtype=np.float64) for a in (home_lat, home_lon, lat, lon))
    home_lat, home_lon, lat, lon = arrays
    out = score_kernels.geodesic_km_pairs(home_lat, home_lon, lat, lon)
    for i in np.flatnonzero(np.isnan(out)):  # pragma: no cover - a pair 400 km apart
        out[i] = geo.distance_km((home_lat[i], home_lon[i]), (lat[i], lon[i]))
    return out


def _hours(person: np.ndarray, places: PlaceArrays, place: np.ndarray) -> np.ndarray:
    """The hours rule (``workload.compare_hours``) for every pair at once (``person``:
    the candidate's weekly hours limit per pair, NaN when none is known: unknown)."""
    required = places.min_hours[place]
    required = np.where(np.isnan(required), places.usual_hours[place], required)
    with np.errstate(invalid="ignore"):
        over = required > person
    verdict = np.where(over, np.where(places.lower_start[place], SIGNAL, 1), 0)
    return np.where(np.isnan(required) | np.isnan(person), UNKNOWN, verdict).astype(np.int64)


@dataclass
class _Candidates:
    """The searches as arrays, one row per candidate."""

    lat: np.ndarray
    lon: np.ndarray
    dlat: np.ndarray  # the half-height of the search box, degrees
    dlon: np.ndarray
    accepted: np.ndarray  # (n, kinds) bool
    home_employer: np.ndarray  # -1: none
    today: np.ndarray  # date ordinal; the smallest int: none
    person: np.ndarray  # weekly hours limit; NaN: unknown
    masks: np.ndarray  # (n, 2) conflict masks
    states: np.ndarray  # (n, code length) capacity states


def _candidates(searches: Sequence[SearchFacts], kinds: list[str]) -> _Candidates:
    n = len(searches)
    lat = np.array([s.home[0] for s in searches], dtype=np.float64).reshape(n)
    lon = np.array([s.home[1] for s in searches], dtype=np.float64).reshape(n)
    max_km = np.array([max(s.max_km, 0.0) for s in searches], dtype=np.float64).reshape(n)
    dlat = max_km / _KM_PER_DEG_LAT + 0.01
    edge = np.minimum(np.abs(lat) + dlat, 89.0)
    dlon = max_km / (111.0 * np.cos(np.radians(edge))) + 0.01
    accepted = np.array([[k in s.kinds for k in kinds] for s in searches], dtype=bool)
    accepted = accepted.reshape(n, len(kinds))
    accepted[max_km <= 0] = False
    low = np.iinfo(np.int64).min
    home = [-1 if s.home_employer_id is None else s.home_employer_id for s in searches]
    today = [low if s.today is None else s.today.toordinal() for s in searches]
    persons = [capacity_week_hours(s.capacity) for s in searches]
    states = [_states(capacity_key(s.capacity)) for s in searches]
    table = _mask_table(catalogue_version())
    if table is None:  # pragma: no cover - a catalogue where "not assessed" conflicts
        raise RuntimeError("conflict masks are not additive for this catalogue")
    state_arr = np.array(states, dtype=np.int64).reshape(n, table.shape[0])
    masks = np.bitwise_or.reduce(table[np.arange(table.shape[0]), state_arr], axis=1)
    return _Candidates(
        lat, lon, dlat, dlon, accepted,
        np.array(home, dtype=np.int64), np.array(today, dtype=np.int64),
        np.array([np.nan if p is None else p for p in persons], dtype=np.float64),
        masks.reshape(n, 2), state_arr,
    )  # fmt: skip


def _box_pairs(
    places: PlaceArrays, cands: _Candidates, chunk: np.ndarray, order, lat_sorted, kind_ix
) -> tuple[np.ndarray, np.ndarray]:
    """The (candidate, place) pairs of ``chunk`` inside each search box that pass the
    cheap rules: kind, home employer, end date, the hours rule and the conflict bits."""
    lo = np.searchsorted(lat_sorted, cands.lat[chunk] - cands.dlat[chunk], "left")
    hi = np.searchsorted(lat_sorted, cands.lat[chunk] + cands.dlat[chunk], "right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if not total:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cand = np.repeat(chunk, counts)
    first = np.repeat(lo - np.concatenate(([0], np.cumsum(counts)[:-1])), counts)
    idx = order[np.arange(total) + first]
    keep = np.abs(places.lon[idx] - cands.lon[cand]) <= cands.dlon[cand]
    cand, idx = cand[keep], idx[keep]
    keep = cands.accepted[cand, kind_ix[idx]]
    keep &= places.employer[idx] != cands.home_employer[cand]
    keep &= places.until[idx] >= cands.today[cand]
    need = places.min_hours[idx]
    need = np.where(np.isnan(need), places.usual_hours[idx], need)
    with np.errstate(invalid="ignore"):
        keep &= ~(need > cands.person[cand]) | places.lower_start[idx]
    for col in range(2):  # the conflict bits: a conflict on any item leaves the pair out
        keep &= (places.bits[idx, col] & cands.masks[cand, col]) == 0
    return cand[keep], idx[keep]


_CANDIDATE_CHUNK = 256


def match_pairs(places: PlaceArrays, searches: Sequence[SearchFacts]) -> Pairs:
    """Every (candidate index, place index) that is a match, with what the objective and
    the explanation need, sorted by candidate then place."""
    order = np.argsort(places.lat, kind="stable")
    lat_sorted = places.lat[order]
    kinds = sorted(set(places.kind))
    kind_ix = np.array([kinds.index(k) for k in places.kind], dtype=np.int64)
    positions = np.arange(places.codes.shape[1])
    empty = np.zeros(0, dtype=np.int64)
    if not searches or not len(places):
        return Pairs(empty, empty, np.zeros(0), np.zeros(0, bool), empty, empty)
    cands = _candidates(searches, kinds)
    parts = [
        _box_pairs(places, cands, np.arange(lo, min(lo + _CANDIDATE_CHUNK, len(searches))),
                   order, lat_sorted, kind_ix)
        for lo in range(0, len(searches), _CANDIDATE_CHUNK)
    ]  # fmt: skip
    cand, place = (np.concatenate(x) for x in zip(*parts, strict=True))
    srt = np.lexsort((place, cand))
    cand, place = cand[srt], place[srt]
    # every box pair's exact distance at once: within the candidate's range
    max_km = np.array([s.max_km for s in searches], dtype=np.float64)
    dist = geodesic_km_pairs(cands.lat[cand], cands.lon[cand], places.lat[place], places.lon[place])
    near = dist <= max_km[cand]
    cand, place, dist = cand[near], place[near], dist[near]
    # every pair's comparison at once: the state table at (position, state, byte)
    table = _state_table(catalogue_version())
    packed = _hours(cands.person[cand], places, place)
    for lo in range(0, cand.size, _CHUNK):
        c, p = cand[lo : lo + _CHUNK], place[lo : lo + _CHUNK]
        packed[lo : lo + _CHUNK] += table[positions, cands.states[c], places.codes[p]].sum(axis=1)
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
