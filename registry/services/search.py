"""Match search: the places that fit a candidate, and the candidates that fit a place.

The rules live in :mod:`registry.domain.matching`; this module makes them fast without
changing a single outcome. A search never loads every place:

1. **SQL prefilter** (portable SQL, run by :mod:`search_tuning`): status open, a free
   slot, kind in the accepted kinds, optional sector, a latitude band plus a longitude
   band widened by 1/cos(latitude) (:func:`geo.bounding_box` of the search radius) and a
   planar lower bound of the circle, offered to one of the candidate's networks (an
   integer test on ``network_bits``, bit ``id % 63`` per network; ``place_networks``
   only confirms where a bit is shared or unset). The covering index
   ``ix_places_match`` (status, kind, ``lat_band``, lon, the bits, lat, ...) lets the
   database seek per kind and 0.05-degree latitude band straight to the longitude span
   the circle needs in that band (:func:`_strips`).
   Only narrow columns are read (id, coordinate, hours, ``match_code``), in one
   ``fetchall``; the few facts the matcher needs besides (kind, sector, function, end
   date, slots) are read for the shortlist only.
2. **Capacity precheck** in the same query: every match is free of conflicts, and every
   place with a conflict ranks after every match. So the places without a conflict are
   read first: two integer tests per index entry, the place's conflict bits against the
   capacity's masks (see "conflict bits" below), tested right after the index seek so
   most entries never reach the distance arithmetic, plus the hours rule. The others
   only when fewer than ``limit`` matches exist and near misses are wanted: first those
   with at most one conflict, then, if the result is still short, those with two.
   **Expanding disks** (:func:`_ring_read`, on tables of 250,000 places or more): the
   conflict-free places are read from a small disk around the home outward (each read
   seeking past the disk before it), and the search stops as soon as the rows read
   provably hold the whole result: ``limit``
   places of the best possible rank tier inside the disk (:func:`_ring_complete`), or
   ``limit`` matches inside the travel range (no place beyond it is a match).
3. **Vectorised scoring** (numpy) of every row read: the ``match_code`` bytes index a
   per-capacity table of packed conflict / signal / unknown / slack counts, built from
   the domain's own ``compare_dimension`` / ``compare_exposures`` /
   ``compare_conditions``; the hours rule on arrays; the exact geodesic
   (:func:`geodesic_km_many`, a closed-form WGS-84 geodesic equal to geopy to within a
   micrometre at a search's distances); ``evaluate``'s outcome rules; then
   ``np.lexsort`` on the rank key without the preferences.
4. **Domain evaluation** of the shortlist only: the top ``limit`` plus the places tied
   with the last of them (the preferred sector and function break those ties). Each is
   evaluated (and so explained) by ``matching.evaluate``, its rank key checked against
   the vectorised one, and the shortlist ranked by ``matching.rank``.

The result is identical (same places, same order) to :func:`reference_search`, the
brute-force evaluation of every place with geopy distances; tests check this on random
data on SQLite and PostgreSQL, and ``python -m bench.match_search`` measures both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from registry.domain import geo, timeline
from registry.domain.matching import (
    MAX_NEAR_MISS_CONFLICTS,
    NEAR_MISS_RANGE_FACTOR,
    MatchResult,
    Outcome,
    PlaceFacts,
    SearchFacts,
    evaluate,
    rank,
    rank_key,
)
from registry.domain.permissions import Action, FieldGroup, visible_fields
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    UNKNOWN_CHAR,
    CapacityFacts,
    ComparisonResult,
    Demand,
    DemandFacts,
    Verdict,
    all_dimensions,
    capacity_week_hours,
    compare_capacity_hours,
    compare_conditions,
    compare_dimension,
    compare_exposures,
)
from registry.models import Employer, Place, PlaceKind, PlaceStatus, place_networks
from registry.models.search import SearchVisit
from registry.services import search_tuning
from registry.services.context import Context
from registry.services.errors import ValidationFailed

DEFAULT_LIMIT = 50
NEAR_MISS_LIMIT = 20
MAX_FILTER_KM = 200
_OUTCOME_ORDER = {Outcome.MATCH: 0, Outcome.NEAR_MISS: 1}

# --------------------------------------------------------------------------- geodesic

_A = 6378137.0  # WGS-84
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)  # first eccentricity squared
_CHORD_MAX_M = 400_000.0  # beyond, the series below is not used: geopy decides


def geodesic_km_many(home: tuple[float, float], lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """WGS-84 geodesic distances (km) from ``home`` to many points at once (numpy).

    Closed form, no iteration: the straight chord ``c`` between the two points on the
    ellipsoid (3D, through the earth), lengthened to the arc of the surface curve it
    spans, ``s = c (1 + k²c²/24 + 3k⁴c⁴/640)`` (the series of ``s = 2/k asin(kc/2)``),
    with ``k`` the ellipsoid's normal curvature in the line's direction at its
    midpoint (Euler: ``cos²α/M + sin²α/N``). The geodesic's curvature barely varies
    over a search's distances, so this equals geopy's Karney geodesic to within a
    micrometre up to 150 km and a millimetre across the Netherlands (both tested), at a
    quarter of the cost of a vectorised Vincenty. Points farther than 400 km (never
    read by the search) fall back to geopy.
    """
    lat = np.radians(np.asarray(lat, dtype=np.float64))
    dlon = np.radians(np.asarray(lon, dtype=np.float64) - home[1])
    home_lat = math.radians(home[0])
    sin0, cos0 = math.sin(home_lat), math.cos(home_lat)
    n0 = _A / math.sqrt(1 - _E2 * sin0 * sin0)
    x0, z0 = n0 * cos0, n0 * (1 - _E2) * sin0  # home in earth-centred axes (its lon = 0)
    sin_lat = np.sin(lat)
    n = _A / np.sqrt(1 - _E2 * sin_lat * sin_lat)  # prime vertical radius
    ncos = n * np.cos(lat)
    dx = ncos * np.cos(dlon) - x0
    dy = ncos * np.sin(dlon)
    dz = n * (1 - _E2) * sin_lat - z0
    c2 = dx * dx + dy * dy + dz * dz
    # the chord's east and north parts at the midpoint, for its azimuth
    mid = 0.5 * (lat + home_lat)
    sin_mid, cos_mid = np.sin(mid), np.cos(mid)
    half = 0.5 * dlon
    sin_half, cos_half = np.sin(half), np.cos(half)
    east = dy * cos_half - dx * sin_half
    north = dz * cos_mid - sin_mid * (dx * cos_half + dy * sin_half)
    flat2 = east * east + north * north
    w = np.sqrt(1 - _E2 * sin_mid * sin_mid)  # M = a(1-e²)/w³, N = a/w
    with np.errstate(invalid="ignore", divide="ignore"):
        k = (north * north * w * w * w / (1 - _E2) + east * east * w) / (_A * flat2)
    k = np.where(flat2 > 0, k, 0.0)  # the home itself: c = 0
    kc2 = k * k * c2
    out = np.sqrt(c2) * (1 + kc2 / 24 + 3 * kc2 * kc2 / 640) / 1000.0
    for i in np.flatnonzero(c2 > _CHORD_MAX_M * _CHORD_MAX_M):  # pragma: no cover
        out[i] = geo.distance_km(home, (math.degrees(lat[i]), home[1] + math.degrees(dlon[i])))
    return out


# --------------------------------------------------------------------------- match code
#
# ``Place.match_code`` holds, in one fixed-length ASCII string, everything of a place's
# demands that the workload comparison reads apart from the hours (which are columns):
#
# - one char per catalogue dimension: ``-`` not stated, else ``chr(48 + 4 * band +
#   2 * incidental + adjustable)`` (``0`` .. ``W``);
# - one char per exposure flag, then one per condition flag: ``-`` when the place did
#   not state its exposures (conditions), else ``0`` / ``1``.
#
# The search decodes a whole result set with one ``np.frombuffer`` into a byte matrix and
# scores it with a per-capacity lookup table built from the domain's own comparisons.

LAT_BANDS_PER_DEGREE = 20
_NOT_STATED = ord(UNKNOWN_CHAR)
_BASE = ord("0")
# packed per-comparison counts: conflicts | signals << 8 | unknowns << 16 | slack << 24
_SIGNAL, _UNKNOWN, _SLACK = 1 << 8, 1 << 16, 1 << 24
_INVALID = 1 << 40  # a byte that no valid code holds at that position


NETWORK_BITS = 63  # bits of Place.network_bits: a signed 64-bit integer, sign bit unused


def network_bits(network_ids: Iterable[int]) -> int:
    """``Place.network_bits``: bit ``id % 63`` set for each of the place's networks. Exact
    while network ids stay below 63 (one bit per network); beyond, a bit can stand for
    several networks and the search confirms membership (see ``_prefilter``)."""
    value = 0
    for network_id in network_ids:
        value |= 1 << (network_id % NETWORK_BITS)
    return value


def lat_band(lat: float | None) -> int | None:
    """The 0.05-degree latitude band of a place (``Place.lat_band``): narrow enough
    for the search's seeks to follow its circle, wide enough to need few of them."""
    return None if lat is None else math.floor(lat * LAT_BANDS_PER_DEGREE)


def match_code_length() -> int:
    return len(all_dimensions()) + len(EXPOSURES) + len(CONDITIONS)


def encode_match_code(demand: DemandFacts) -> str:
    """The place's ``match_code`` (see above) for its demand facts."""
    out = []
    for dim in all_dimensions():
        d = demand.demands.get(dim.key)
        if d is None or d.band is None:
            out.append(UNKNOWN_CHAR)
        else:
            out.append(chr(_BASE + 4 * d.band + 2 * bool(d.incidental) + bool(d.adjustable)))
    for flags, stated in ((EXPOSURES, demand.exposures), (CONDITIONS, demand.offers_conditions)):
        for flag in flags:
            out.append(UNKNOWN_CHAR if stated is None else "01"[flag.key in stated])
    return "".join(out)


def _packed(results: Sequence[Any]) -> int:
    value = 0
    for r in results:
        if r.verdict is Verdict.CONFLICT:
            value += 1
        elif r.verdict is Verdict.SIGNAL:
            value += _SIGNAL
        elif r.verdict is Verdict.UNKNOWN:
            value += _UNKNOWN
        value += _SLACK * getattr(r, "slack", 0)
    return value


def _capacity_key(capacity: CapacityFacts) -> tuple:
    """What the per-item comparisons depend on: bands, exposures, conditions, and
    whether a profile exists (without one, every item is unknown)."""
    return (
        tuple(capacity.band(dim) for dim in all_dimensions()),
        tuple(sorted(capacity.avoid_exposures)),
        tuple(sorted(capacity.needs_conditions)),
        not capacity.profile,
    )


_SKIP = "skip"  # an optional dimension the place did not state: left out of the comparison
_ByteResults = tuple[Any, ...]  # per byte value: the domain's result, _SKIP, or None (invalid)


@functools.lru_cache(maxsize=1024)
def _dimension_results(index: int, cap: int | None, no_profile: bool = False) -> _ByteResults:
    """``compare_dimension`` at one dimension position, for every byte a code can hold."""
    dim = all_dimensions()[index]
    out: list[Any] = [None] * 256
    out[_NOT_STATED] = (
        _SKIP if dim.optional else compare_dimension(dim, cap, None, no_profile=no_profile)
    )
    for band in range(dim.heaviest + 1):
        for flags in range(4):
            demand = Demand(band, bool(flags & 2), bool(flags & 1))
            out[_BASE + 4 * band + flags] = compare_dimension(
                dim, cap, demand, no_profile=no_profile
            )
    return tuple(out)


@functools.lru_cache(maxsize=64)
def _flag_results(
    exposure: bool, index: int, person: bool, no_profile: bool = False
) -> _ByteResults:
    """``compare_exposures`` / ``compare_conditions`` for one flag, for every byte: the
    result for one flag depends on that flag alone."""
    flags = EXPOSURES if exposure else CONDITIONS
    compare = compare_exposures if exposure else compare_conditions
    wants = frozenset({flags[index].key}) if person else frozenset()
    out: list[Any] = [None] * 256
    out[_NOT_STATED] = compare(wants, None, no_profile=no_profile)[index]
    out[ord("0")] = compare(wants, frozenset(), no_profile=no_profile)[index]
    out[ord("1")] = compare(wants, frozenset(f.key for f in flags), no_profile=no_profile)[index]
    return tuple(out)


def _packed_row(results: _ByteResults) -> np.ndarray:
    return np.array(
        [_INVALID if r is None else 0 if r is _SKIP else _packed([r]) for r in results],
        dtype=np.int64,
    )


@functools.lru_cache(maxsize=1024)
def _dimension_row(index: int, cap: int | None, no_profile: bool = False) -> np.ndarray:
    """Packed counts of ``compare_dimension`` for every byte at one dimension position."""
    return _packed_row(_dimension_results(index, cap, no_profile))


@functools.lru_cache(maxsize=64)
def _flag_row(exposure: bool, index: int, person: bool, no_profile: bool = False) -> np.ndarray:
    """Packed counts of one exposure (condition) flag's comparison for every byte."""
    return _packed_row(_flag_results(exposure, index, person, no_profile))


_at = operator.getitem


class _Comparer:
    """``compare_all`` for one capacity, straight from a place's match code: every
    per-item result comes from the domain's own comparison (computed once per position,
    capacity band and byte, and shared: the results are immutable)."""

    def __init__(self, capacity: CapacityFacts, key: tuple | None = None) -> None:
        bands, avoid, needs, none = key or _capacity_key(capacity)
        self.capacity = capacity
        self.dims = [_dimension_results(i, cap, none) for i, cap in enumerate(bands)]
        self.exposures = [
            _flag_results(True, j, f.key in avoid, none) for j, f in enumerate(EXPOSURES)
        ]
        self.conditions = [
            _flag_results(False, j, f.key in needs, none) for j, f in enumerate(CONDITIONS)
        ]
        self.optional = any(dim.optional for dim in all_dimensions())
        self._hours: dict[tuple, Any] = {}

    def compare(self, code: bytes, hours: tuple[Any, Any, Any]) -> ComparisonResult:
        """The comparison with a place of this (valid) match code and these hours
        (minimum, usual, lower start allowed)."""
        n_dims, n_exp = len(self.dims), len(self.exposures)
        dims = tuple(map(_at, self.dims, code[:n_dims]))
        # an optional dimension the place did not state is left out
        if self.optional and _NOT_STATED in code[:n_dims]:
            dims = tuple([r for r in dims if r is not _SKIP])
        exposures = tuple(map(_at, self.exposures, code[n_dims : n_dims + n_exp]))
        conditions = tuple(map(_at, self.conditions, code[n_dims + n_exp :]))
        result = self._hours.get(hours)
        if result is None:
            result = self._hours[hours] = compare_capacity_hours(
                self.capacity, hours[0], hours[1], bool(hours[2])
            )
        return ComparisonResult.of(dims, exposures, conditions, result)


# --------------------------------------------------------------------------- conflict bits
#
# ``Place.conflict_bits_1`` / ``conflict_bits_2`` hold, per place, one bit for every code
# position and every distinct set of characters that conflict there for some capacity
# (for a dimension: "heavier than band b, or exactly one band heavier and neither
# incidental nor adjustable", one set per band b; for a flag: "has the exposure" / "does
# not offer the condition"). A capacity selects at most one such set per position, so its
# mask has at most one bit per position, and a place is free of conflicts exactly when
# ``(conflict_bits_1 & mask_1) = 0 AND (conflict_bits_2 & mask_2) = 0``: two integer
# tests per index entry, the prefilter's capacity precheck. Both sides come from the
# domain's own comparisons (the tables above); a place whose bits are zero (written
# without them) passes the precheck and is scored from its code like any other.

CONFLICT_BIT_COLUMNS = ("conflict_bits_1", "conflict_bits_2")
_BITS_PER_COLUMN = 63  # a signed 64-bit integer on both databases, sign bit unused


@functools.lru_cache(maxsize=1024)
def _conflict_bytes(position: int, value: Any) -> frozenset[int]:
    """The bytes that conflict at a code position for a capacity value."""
    return frozenset(
        byte
        for byte, r in enumerate(_position_results(position, value))
        if r is not None and r is not _SKIP and r.verdict is Verdict.CONFLICT
    )


def _position_results(position: int, value: Any) -> _ByteResults:
    """The per-byte comparisons at one code position for one capacity value (a band or
    None for a dimension; whether the person avoids / needs it for a flag)."""
    n_dims, n_exp = len(all_dimensions()), len(EXPOSURES)
    if position < n_dims:
        return _dimension_results(position, value)
    if position < n_dims + n_exp:
        return _flag_results(True, position - n_dims, bool(value))
    return _flag_results(False, position - n_dims - n_exp, bool(value))


def _position_values(position: int) -> tuple[Any, ...]:
    dims = all_dimensions()
    if position < len(dims):
        return (None, *range(dims[position].heaviest + 1))
    return (False, True)


@functools.lru_cache(maxsize=1)
def _conflict_bit_layout() -> tuple[dict[frozenset[int], int], ...]:
    """Per code position, the bit of every distinct non-empty set of conflicting bytes."""
    layout: list[dict[frozenset[int], int]] = []
    bit = 0
    for position in range(match_code_length()):
        sets: dict[frozenset[int], int] = {}
        for value in _position_values(position):
            found = _conflict_bytes(position, value)
            if found and found not in sets:
                sets[found] = bit
                bit += 1
        layout.append(sets)
    if bit > _BITS_PER_COLUMN * len(CONFLICT_BIT_COLUMNS):  # pragma: no cover - catalogue
        raise RuntimeError(f"the catalogue needs {bit} conflict bits: add a column")
    return tuple(layout)


def _split_bits(value: int) -> tuple[int, ...]:
    mask = (1 << _BITS_PER_COLUMN) - 1
    return tuple((value >> (_BITS_PER_COLUMN * i)) & mask for i in range(len(CONFLICT_BIT_COLUMNS)))


def conflict_bits(code: str) -> tuple[int, ...]:
    """A place's conflict bits (one int per column of ``CONFLICT_BIT_COLUMNS``) for its
    match code; all zero for a code that is not valid (the search then scores the code
    it re-encodes, and the zero bits let every capacity's precheck pass)."""
    layout = _conflict_bit_layout()
    if len(code) != len(layout) or not code.isascii():
        return (0,) * len(CONFLICT_BIT_COLUMNS)
    value = 0
    for sets, byte in zip(layout, code.encode("ascii"), strict=True):
        for found, bit in sets.items():
            if byte in found:
                value |= 1 << bit
    return _split_bits(value)


@functools.lru_cache(maxsize=256)
def _conflict_masks(key: tuple) -> tuple[int, ...]:
    """A capacity's masks (one per bit column): per position, the bit of the set of bytes
    that conflict for this capacity there."""
    bands, avoid, needs, none = key
    if none:  # without a profile nothing conflicts but the hours
        return (0,) * len(CONFLICT_BIT_COLUMNS)
    values = [
        *bands,
        *(f.key in avoid for f in EXPOSURES),
        *(f.key in needs for f in CONDITIONS),
    ]
    value = 0
    for position, (sets, v) in enumerate(zip(_conflict_bit_layout(), values, strict=True)):
        found = _conflict_bytes(position, v)
        if found:
            value |= 1 << sets[found]
    return _split_bits(value)


@functools.cache
def _warm_dimension_rows() -> None:
    """Build the rows of every dimension and capacity band once per process (a few ms on
    the first search), so a search for a new capacity only stacks cached rows."""
    for i, dim in enumerate(all_dimensions()):
        for cap in (None, *range(dim.heaviest + 1)):
            _dimension_row(i, cap)
            _dimension_results(i, cap)


@functools.lru_cache(maxsize=256)
def _score_table(key: tuple) -> np.ndarray:
    """Per code position and byte value, the packed counts of that one comparison, from
    the domain's ``compare_dimension`` / ``compare_exposures`` / ``compare_conditions``
    (rows cached per position and capacity band, tables per capacity)."""
    _warm_dimension_rows()
    bands, avoid, needs, none = key
    rows = [_dimension_row(i, cap, none) for i, cap in enumerate(bands)]
    rows += [_flag_row(True, j, f.key in avoid, none) for j, f in enumerate(EXPOSURES)]
    rows += [_flag_row(False, j, f.key in needs, none) for j, f in enumerate(CONDITIONS)]
    table = np.stack(rows)
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=256)
def _conflict_free_sql(key: tuple, person: float | None) -> tuple[str, tuple[tuple[str, int], ...]]:
    """A SQL condition that holds for every place without a conflict (and, being derived
    from the same comparisons, fails only for places with one, unless their conflict
    bits are unset): the conflict bits tested against this capacity's masks, and the
    hours rule; ``""`` when nothing can conflict. Returns the condition (``{name}``
    placeholders) and the values to bind. The cheap capacity precheck of the prefilter:
    integer tests on columns of the covering index, the same portable SQL everywhere."""
    terms = []
    bound = []
    for i, (column, mask) in enumerate(
        zip(CONFLICT_BIT_COLUMNS, _conflict_masks(key), strict=True)
    ):
        if mask:
            terms.append(f"({column} & {{cmask{i}}}) = 0")
            bound.append((f"cmask{i}", mask))
    if person is not None and math.isfinite(person):
        terms.append(
            "(COALESCE(min_hours_week, usual_hours_week, 0) <= {person}"
            " OR lower_start_allowed = {yes})"
        )
    return " AND ".join(terms), tuple(bound)


def _at_most_bits_sql(value: str, k: int) -> str:
    """SQL that ``value`` (an integer expression) has at most ``k`` bits set: clearing
    the lowest set bit (``x & (x - 1)``) ``k`` times leaves zero. Portable integer SQL."""
    for _ in range(k):
        value = f"({value} & ({value} - 1))"
    return f"{value} = 0"


@functools.lru_cache(maxsize=256)
def _near_miss_tiers_sql(key: tuple) -> tuple[str, ...]:
    """SQL conditions for the near-miss reads of places with a conflict, in rank order.
    A place's conflicting positions are the bits its conflict bits share with this
    capacity's masks (the hours aside), so:

    - the first holds for every place with at most one conflict (at most one shared bit
      in all; a place with unset bits passes);
    - the second for every other place with at most ``MAX_NEAR_MISS_CONFLICTS`` (the most
      a near miss has): no column shares more bits than that.

    Necessary conditions, not exact ones: the search scores every row it reads. Every
    place with one conflict ranks before every place with two, so the second read is
    needed only when the first leaves the result short. ``("",)`` when no bit can
    conflict (only the hours can). The masks are the parameters ``cmask0``, ... that
    :func:`_conflict_free_sql` binds, so the statement text does not change with them."""
    shared = [  # the masks as the parameters _conflict_free_sql binds
        f"({column} & {{cmask{i}}})"
        for i, (column, mask) in enumerate(
            zip(CONFLICT_BIT_COLUMNS, _conflict_masks(key), strict=True)
        )
        if mask
    ]
    if not shared:
        return ("",)
    one = " AND ".join(_at_most_bits_sql(x, 1) for x in shared)
    if len(shared) > 1:  # and at most one column shares a bit
        one += " AND " + " + ".join(f"CASE WHEN {x} = 0 THEN 0 ELSE 1 END" for x in shared)
        one += " <= 1"
    few = " AND ".join(_at_most_bits_sql(x, MAX_NEAR_MISS_CONFLICTS) for x in shared)
    return (one, f"NOT ({one}) AND {few}")


# --------------------------------------------------------------------------- place rows


def norm_function(text: str | None) -> str | None:
    """Functions compare case- and space-insensitively; empty means not stated."""
    text = (text or "").strip().lower()
    return text or None


def split_functions(text: str | None) -> frozenset[str]:
    """A candidate's preferred functions, typed as a comma- or line-separated list."""
    parts = (text or "").replace("\n", ",").replace(";", ",").split(",")
    return frozenset(p for p in (norm_function(x) for x in parts) if p)


_FULL_COLUMNS = (
    Place.id,
    Place.employer_id,
    Place.kind,
    Place.status,
    Place.lat,
    Place.lon,
    Place.sector,
    Place.function,
    Place.demands,
    Place.exposures,
    Place.offers_conditions,
    Place.min_hours_week,
    Place.usual_hours_week,
    Place.lower_start_allowed,
    Place.available_until,
    Place.ongoing,
    Place.slots,
    Place.taken_slots,
)


def demand_facts_of(row: Any) -> DemandFacts:
    """The place's demands as the workload comparison sees them (row or Place)."""
    from registry.services.places import demand_facts

    return demand_facts(row)


def place_facts_of(row: Any, demand: DemandFacts | None = None) -> PlaceFacts:
    """A place row (or Place) as the matcher sees it; ``demand`` when already known."""
    status = row.status.value if hasattr(row.status, "value") else row.status
    kind = row.kind.value if hasattr(row.kind, "value") else row.kind
    return PlaceFacts(
        place_id=row.id,
        coordinate=(row.lat, row.lon),
        kind=kind,
        demand=demand_facts_of(row) if demand is None else demand,
        sector=row.sector or None,
        function=norm_function(row.function),
        until=row.available_until,
        ongoing=bool(row.ongoing),
        open=status == PlaceStatus.OPEN.value,
        free_slots=(row.slots or 0) - (row.taken_slots or 0),
        employer_id=row.employer_id,
    )


# --------------------------------------------------------------------------- core search


@dataclass(frozen=True)
class Scope:
    """Where to look: the networks the candidate's search may use, and extra filters."""

    network_ids: frozenset[int]
    sector: str | None = None


@dataclass
class SearchStats:
    rows_read: int = 0  # rows the SQL prefilter returned
    recoded: int = 0  # rows whose match_code was missing or stale (encoded on the fly)
    evaluated: int = 0  # places the domain evaluated (the returned ones and their ties)


_PLANAR_MARGIN = 0.995  # planar distance x 0.995 never exceeds the geodesic (< 150 km)
_SCAN_COLUMNS = (
    Place.id,
    Place.lat,
    Place.lon,
    Place.min_hours_week,
    Place.usual_hours_week,
    Place.lower_start_allowed,
    Place.match_code,
)  # all in the covering index ix_places_match: the prefilter reads no table row
# What the matcher needs of a shortlisted place besides those: read for the shortlist
# only (each column the prefilter returns costs per row; the shortlist is ~50 rows).
_SHORTLIST_COLUMNS = (
    Place.id,
    Place.kind,
    Place.sector,
    Place.function,
    Place.available_until,
    Place.ongoing,
    Place.slots,
    Place.taken_slots,
    Place.employer_id,
)


def _read_shortlist(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """``_SHORTLIST_COLUMNS`` of the shortlisted places, by id, in one query."""
    params: dict[str, Any] = {}
    listed = search_tuning.in_list(params, "id", list(ids))
    names = ", ".join(c.key for c in _SHORTLIST_COLUMNS)
    sql = f"SELECT {names} FROM places WHERE id IN ({listed})"  # noqa: S608 - names, placeholders
    return {row[0]: row for row in search_tuning.fetch_rows(conn, sql, params)}


def _shortlisted_facts(row: tuple[Any, ...], short: tuple[Any, ...]) -> PlaceFacts:
    """A shortlisted place (its prefilter row and shortlist row) as the matcher sees it;
    the prefilter reads open places only. Without its demands: the search hands
    ``evaluate`` the comparison made from the place's match code, so they are not read."""
    pid, lat, lon = row[:3]
    _, kind, sector, function, until, ongoing, slots, taken, employer_id = short
    if type(until) is str:  # SQLite: ISO text
        until = dt.date.fromisoformat(until)
    return PlaceFacts(
        pid,
        (lat, lon),
        kind,
        sector=sector or None,
        function=norm_function(function),
        until=until,
        ongoing=bool(ongoing),
        free_slots=(slots or 0) - (taken or 0),
        employer_id=employer_id,
    )


_RECODE_COLUMNS = (
    Place.id,
    Place.demands,
    Place.exposures,
    Place.offers_conditions,
    Place.min_hours_week,
    Place.usual_hours_week,
    Place.lower_start_allowed,
)


def _aliased_networks(conn: Connection, ids: Sequence[int]) -> bool:
    """Whether another network shares a network bit with one of ``ids`` (only possible
    once network ids reach 63), so the bits alone do not decide membership. Read on every
    search: networks can be added at any time, and the query is a single index probe."""
    if max(ids, default=0) < NETWORK_BITS:
        ((highest,),) = search_tuning.fetch_rows(conn, "SELECT max(id) FROM networks", {})
        return (highest or 0) >= NETWORK_BITS
    return True


def _padded_size(count: int) -> int:
    """``count`` rounded up to a power of two (at least 4): lists of parameters padded to
    it give fewer distinct statement texts, so the driver's statement cache serves more
    searches."""
    return max(4, 1 << (count - 1).bit_length())


def _padded(values: list[Any]) -> list[Any]:
    """``values`` (not empty) with the last repeated up to :func:`_padded_size`: the
    same ``IN`` list."""
    return values + [values[-1]] * (_padded_size(len(values)) - len(values))


def _disk_params(home: tuple[float, float], radius_km: float, prefix: str) -> dict[str, Any]:
    """The bound values of :func:`_disk_sql` for a disk of ``radius_km`` around ``home``."""
    box = geo.bounding_box(home, radius_km)
    far_lat = min(89.9, max(abs(box.min_lat), abs(box.max_lat)))
    return {
        prefix + "min_lat": box.min_lat,
        prefix + "max_lat": box.max_lat,
        prefix + "min_lon": box.min_lon,
        prefix + "max_lon": box.max_lon,
        prefix + "kx": 111.2 * math.cos(math.radians(far_lat)),
        prefix + "r2": (radius_km / _PLANAR_MARGIN) ** 2,
    }


def _disk_sql(prefix: str, *, lon_range: bool = True) -> str:
    """The box and planar lower bound of a disk (parameters from :func:`_disk_params`);
    without ``lon_range`` when the index seek (:func:`_strips`) already bounds it."""
    p = prefix
    return (
        (f"lon BETWEEN {{{p}min_lon}} AND {{{p}max_lon}} AND " if lon_range else "")
        + f"lat BETWEEN {{{p}min_lat}} AND {{{p}max_lat}}"
        " AND ((lat - {lat0}) * {ky}) * ((lat - {lat0}) * {ky})"
        f" + ((lon - {{lon0}}) * {{{p}kx}}) * ((lon - {{lon0}}) * {{{p}kx}}) <= {{{p}r2}}"
    )


_STRIP_SLACK = 1e-7  # degrees (about a centimetre): float rounding at a band's edges


def _planar_half_width(params: dict[str, Any], prefix: str, gap_deg: float) -> float:
    """Half the longitude span (degrees) of the planar bound of a disk
    (:func:`_disk_params` under ``prefix``) at ``gap_deg`` of latitude from its centre;
    negative where the disk does not reach that latitude."""
    gap = gap_deg * geo.KM_PER_DEGREE_LAT
    room = params[prefix + "r2"] - gap * gap
    return math.sqrt(room) / params[prefix + "kx"] if room >= 0 else -1.0


def _strips(
    params: dict[str, Any], home: tuple[float, float], box: geo.Box, hole: geo.Box | None
) -> str:
    """The index seeks of a disk, as ``VALUES`` rows ``(band, min_lon, max_lon)``.

    Per latitude band: the box, narrowed to the widest longitude span the disk's planar
    bound allows anywhere in the band (at its latitude nearest the centre). The planar
    bound is tested on every row anyway, so the seeks lose no row it keeps; they only
    skip the corners of the box, which the disk leaves empty.

    With a ``hole`` (the box of an inner disk, parameters under ``i_``, whose rows an
    earlier read returned): where a band lies inside the hole's box, the seeks also skip
    the narrowest longitude span of the inner disk in that band (at its latitude farthest
    from the centre), so a ring read scans only its ring. Every row there lies inside
    the inner disk: the statement's own ``NOT`` of the inner disk would drop it anyway.

    The list is padded to :func:`_padded_size` with seeks that find nothing (an empty
    longitude range), so that searches share statement texts."""
    lat0, lon0 = home
    rows: list[tuple[int, float, float]] = []
    first, last = lat_band(box.min_lat) or 0, lat_band(box.max_lat) or 0
    for band in range(first, last + 1):
        south = band / LAT_BANDS_PER_DEGREE - _STRIP_SLACK
        north = (band + 1) / LAT_BANDS_PER_DEGREE + _STRIP_SLACK
        half = _planar_half_width(params, "", max(0.0, south - lat0, lat0 - north))
        lo = max(box.min_lon, lon0 - half - _STRIP_SLACK)
        hi = min(box.max_lon, lon0 + half + _STRIP_SLACK)
        if half < 0 or lo > hi:
            continue
        skip = -1.0
        if hole is not None and hole.min_lat <= south and north <= hole.max_lat:
            skip = _planar_half_width(params, "i_", max(lat0 - south, north - lat0))
        skip_lo = max(hole.min_lon, lon0 - skip) + _STRIP_SLACK if skip > 0 else hi
        skip_hi = min(hole.max_lon, lon0 + skip) - _STRIP_SLACK if skip > 0 else hi
        if skip_lo >= skip_hi:  # no hole in this band
            rows.append((band, lo, hi))
            continue
        if lo < skip_lo:
            rows.append((band, lo, skip_lo))
        if skip_hi < hi:
            rows.append((band, skip_hi, hi))
    if not rows:
        rows.append((first - 1, 1.0, 0.0))
    rows += [(first - 1, 1.0, 0.0)] * (_padded_size(len(rows)) - len(rows))  # find nothing
    out = []
    for i, (band, lo, hi) in enumerate(rows):
        params[f"sb{i}"], params[f"sl{i}"], params[f"sh{i}"] = band, lo, hi
        out.append(f"({{sb{i}}}, {{sl{i}}}, {{sh{i}}})")
    return ", ".join(out)


def _prefilter(
    conn: Connection,
    facts: SearchFacts,
    scope: Scope,
    radius_km: float,
    extra: str = "",
    bound: Sequence[tuple[str, Any]] = (),
    inner_km: float | None = None,
    *,
    aliased: bool = True,
) -> list[tuple[Any, ...]]:
    """The rows (``_SCAN_COLUMNS``) of the open places with a free slot, of an accepted
    kind, in the candidate's networks, inside the latitude band and the (1/cos(latitude)
    widened) longitude band around the circle of ``radius_km``, inside a planar lower
    bound of that circle, and meeting ``extra`` (the capacity precheck, SQL text with
    ``{name}`` placeholders for the parameters below and those ``bound`` adds).

    With ``inner_km``, the rows this prefilter returns for ``inner_km`` (same arguments
    otherwise) are left out: the same box and planar conditions, negated, on the same
    bound values, so the two reads are disjoint and together hold every row of this one
    without ``inner_km`` (the box and disk of ``radius_km`` contain those of
    ``inner_km``): the ring search relies on it. The index seeks skip the inner disk's
    interior (:func:`_strips`), so a ring read scans little more than its ring.

    ``aliased`` (see :func:`_aliased_networks`): whether the network bits need
    confirming in ``place_networks``; when in doubt, True is always correct.

    Plain portable SQL, written out rather than built with SQLAlchemy expressions: the
    statement differs per capacity, and building and compiling it cost more than the
    query itself. ``search_tuning`` supplies the driver's placeholders and runs it.
    """
    box = geo.bounding_box(facts.home, radius_km)
    lat0, lon0 = facts.home
    params: dict[str, Any] = {
        **_disk_params(facts.home, radius_km, ""),
        "lat0": lat0,
        "lon0": lon0,
        "ky": geo.KM_PER_DEGREE_LAT,
        "status": PlaceStatus.OPEN.value,
        "person": capacity_week_hours(facts.capacity),
        "yes": True,
        **dict(bound),
    }
    kinds = search_tuning.in_list(params, "kind", _padded(sorted(facts.kinds)))
    inner, hole = "", None
    if inner_km is not None:
        params.update(_disk_params(facts.home, inner_km, "i_"))
        inner = " AND NOT (" + _disk_sql("i_") + ")"
        hole = geo.bounding_box(facts.home, inner_km)
    strips = _strips(params, facts.home, box, hole)
    ids = sorted(scope.network_ids)
    networks = search_tuning.in_list(params, "net", _padded(ids))
    params["net_mask"] = network_bits(ids)
    sector = ""
    if scope.sector:
        params["sector"] = scope.sector
        sector = " AND sector = {sector}"
    # never the candidate's home employer; only places whose period has not ended
    # (``matching.excluded``): both columns are in the covering index
    if facts.home_employer_id is not None:
        params["home_employer"] = facts.home_employer_id
        sector += " AND employer_id <> {home_employer}"
    if facts.today is not None:
        params["today"] = search_tuning.date_param(conn, facts.today)
        sector += " AND (available_until IS NULL OR available_until >= {today})"
    # every value is a bound parameter; the text only gets placeholders and the
    # precheck, whose only literals are integers (the capacity's masks)
    # placeholders only
    member = (
        "EXISTS (SELECT 1 FROM place_networks WHERE place_id = places.id"  # noqa: S608
        f" AND network_id IN ({networks}))"
    )
    # offered to one of the networks: the place's network bits (one integer test),
    # confirmed in place_networks where a bit may stand for another network too, or
    # where a place was written without its bits
    in_network = (
        "((network_bits & {net_mask}) <> 0"
        + (" AND " + member if aliased else "")
        + " OR network_bits = 0 AND "
        + member
        + ")"
    )
    # the cheap, selective integer tests (capacity, network) right after the index seek
    then = " AND ".join(t for t in (extra, in_network) if t)
    columns = ", ".join(c.key for c in _SCAN_COLUMNS)
    source = search_tuning.places_source(conn)
    sql = (
        f"WITH strips (s_band, s_lo, s_hi) AS (VALUES {strips})"  # noqa: S608 - placeholders
        f" SELECT {columns} FROM strips CROSS JOIN {source}"
        " WHERE status = {status} AND kind IN (" + kinds + ")"
        " AND lat_band = s_band AND lon BETWEEN s_lo AND s_hi"
        + (f" AND {then}" if then else "")
        + " AND "
        + _disk_sql("", lon_range=False)
        + inner
        + " AND slots > taken_slots"
        + sector
    )
    return search_tuning.fetch_rows(conn, sql, params)


def _code_matrix(codes: Sequence[str | None]) -> np.ndarray:
    """The rows' match codes as an (n, length) byte matrix; a missing or malformed code
    becomes a row of zero bytes, which every score table marks invalid."""
    length = match_code_length()
    try:
        joined = "".join(codes)  # type: ignore[arg-type]
    except TypeError:  # a missing code
        joined = ""
    # every code of the right length (the lengths add up and none differs) and ASCII
    if (
        len(joined) == length * len(codes)
        and joined.isascii()
        and (not codes or min(map(len, codes)) == length)  # type: ignore[arg-type]
    ):
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, length)
    blank = "\0" * length
    fixed = [c if type(c) is str and len(c) == length and c.isascii() else blank for c in codes]
    return np.frombuffer("".join(fixed).encode("ascii"), dtype=np.uint8).reshape(-1, length)


def _hours_packed(capacity: CapacityFacts, min_h, usual_h, lower) -> np.ndarray:
    """``compare_hours`` on arrays (NaN = not stated), as packed counts."""
    person = capacity_week_hours(capacity)
    min_h = np.asarray(min_h, dtype=np.float64)
    required = np.where(np.isnan(min_h), np.asarray(usual_h, dtype=np.float64), min_h)
    if person is None:
        return np.full(required.shape, _UNKNOWN, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        over = required > person
    verdict = np.where(over, np.where(np.asarray(lower, dtype=bool), _SIGNAL, 1), 0)
    return np.where(np.isnan(required), _UNKNOWN, verdict).astype(np.int64)


@dataclass(frozen=True)
class _Scored:
    """Prefilter rows with their rank-relevant facts, as parallel arrays."""

    ids: np.ndarray
    order: np.ndarray  # 0 match, 1 near miss, 2 no match
    conflicts: np.ndarray
    signals: np.ndarray  # has signals
    unknowns: np.ndarray
    distance: np.ndarray
    neg_slack: np.ndarray
    codes: np.ndarray  # (n, code length) bytes of each row's (valid) match code
    rows: list[tuple[Any, ...]]  # the prefilter's rows themselves

    def prefix(self) -> tuple[np.ndarray, ...]:
        """``matching.rank_key`` up to (and without) the preferences and the place id."""
        return (
            self.order,
            self.conflicts,
            self.signals,
            self.unknowns,
            self.distance,
            self.neg_slack,
        )

    def __add__(self, other: _Scored) -> _Scored:
        return _Scored(
            *(
                np.concatenate((getattr(self, f.name), getattr(other, f.name)))
                for f in fields(self)
                if f.name != "rows"
            ),
            rows=self.rows + other.rows,
        )


def _score(
    conn: Connection, rows: Sequence[tuple], facts: SearchFacts, stats: SearchStats, key: tuple
) -> _Scored:
    """``compare_all`` and ``evaluate``'s outcome for every row, on arrays."""
    rows = list(rows)
    ids_t, lat_t, lon_t, min_t, usual_t, lower_t, codes = (
        zip(*rows, strict=True) if rows else ((),) * len(_SCAN_COLUMNS)
    )
    ids = np.array(ids_t, dtype=np.int64)
    capacity = facts.capacity
    table = _score_table(key)
    positions = np.arange(table.shape[0])
    matrix = _code_matrix(codes)
    packed = table[positions, matrix].sum(axis=1)
    bad = np.flatnonzero(packed >= _INVALID)
    if bad.size:  # written outside the places service, or before a catalogue change
        stats.recoded += int(bad.size)
        fresh = {
            r.id: encode_match_code(demand_facts_of(r))
            for r in conn.execute(select(*_RECODE_COLUMNS).where(Place.id.in_(ids[bad].tolist())))
        }
        matrix = matrix.copy()
        for i in bad:
            matrix[i] = np.frombuffer(fresh[int(ids[i])].encode("ascii"), dtype=np.uint8)
        packed[bad] = table[positions, matrix[bad]].sum(axis=1)
    packed = packed + _hours_packed(
        capacity,
        np.array(min_t, dtype=np.float64),
        np.array(usual_t, dtype=np.float64),
        np.array(lower_t, dtype=bool),
    )
    conflicts = packed & 0xFF
    max_km = facts.max_km
    distance = geodesic_km_many(
        facts.home, np.array(lat_t, dtype=np.float64), np.array(lon_t, dtype=np.float64)
    )
    order = np.where(
        distance - max_km <= 0,
        np.where(conflicts == 0, 0, np.where(conflicts <= 2, 1, 2)),
        np.where((conflicts == 0) & (distance <= max_km * NEAR_MISS_RANGE_FACTOR), 1, 2),
    )
    return _Scored(
        ids,
        order,
        conflicts,
        ((packed >> 8) & 0xFF) > 0,
        (packed >> 16) & 0xFF,
        distance,
        -(packed >> 24),
        matrix,
        rows,
    )


_RING_MIN_PLACES = 250_000  # fewer places (by max id): one read costs less than rings
_RING_MARGIN_KM = 0.001  # 1 m: far above the vectorised geodesic's error (< 1 mm)
_RING_FIRST = 0.2  # the first ring's radius, as a fraction of the travel range
_RING_GROWTH = 1.3  # the next ring's estimated radius is widened by this factor
_RING_MAX = 0.85  # a ring wider than this fraction of the travel range: read it all


@functools.lru_cache(maxsize=256)
def _min_unknowns(key: tuple, person_known: bool) -> int:
    """A lower bound of the unknown count any place can have for this capacity: per code
    position the fewest unknowns of any valid byte, plus the hours (always unknown when
    the capacity states no hours, as in :func:`_hours_packed`; otherwise possibly
    known)."""
    table = _score_table(key)
    unknowns = np.where(table < _INVALID, (table >> 16) & 0xFF, np.iinfo(np.int64).max)
    return int(unknowns.min(axis=1).sum()) + (0 if person_known else 1)


def _ring_complete(scored: _Scored, radius: float, limit: int, min_unknowns: int) -> bool:
    """Whether the ``limit`` best rows of ``scored`` (read for a disk of ``radius`` km)
    are provably the ``limit`` best of the whole search.

    Proof. ``scored`` holds every eligible place whose geodesic distance is at most
    ``radius`` (the prefilter's box and planar bound contain that disk), plus perhaps
    some farther ones; every row in it is itself an eligible place. Every place not
    read is farther than ``radius`` (its computed distance exceeds ``radius - 1 mm``).
    The rank key starts (outcome, conflicts, has signals, unknowns, distance, ...), and
    no place can do better on the first four than the best tier ``(match, 0, False,
    min_unknowns)`` (``min_unknowns`` a lower bound, see :func:`_min_unknowns`). Suppose
    the ``limit``-th best row of ``scored`` (on that key) is in the best tier with a
    distance of at most ``radius - 1 m``. Then so are the rows before it (their tier is
    no worse and cannot be better), and any unread place either has a worse tier or the
    same tier and a strictly greater distance: it ranks strictly after the
    ``limit``-th row, whatever its slack, preferences or id. So the ``limit`` best of
    the whole search are those of ``scored``, and every place tied with the ``limit``-th
    on the key before the preferences (hence at the same distance) was read too; the
    shortlist and so the result are those of the full search. (Places with a conflict,
    not read by this ring, have a worse tier too, so neither is the conflict pass
    needed.) When the condition fails, nothing is concluded and the caller reads more.
    """
    if scored.ids.size < limit:
        return False
    best = (
        (scored.order == 0)
        & (scored.conflicts == 0)
        & ~scored.signals
        & (scored.unknowns <= min_unknowns)
    )
    inside = scored.distance <= radius - _RING_MARGIN_KM
    if int(np.count_nonzero(best)) < limit:
        return False
    # the limit-th best row is in the best tier and inside iff at least ``limit`` rows
    # are both (then the limit best are exactly the nearest of those, all inside; a
    # best-tier row outside ranks after them all, being farther)
    return int(np.count_nonzero(best & inside)) >= limit


class _TableFacts(NamedTuple):
    max_id: int  # the table's size, roughly: the expanding disks pay on large tables
    stale_codes: bool  # some match code has another length: written for another catalogue

    @property
    def large(self) -> bool:
        return self.max_id >= _RING_MIN_PLACES


def _table_facts(conn: Connection) -> _TableFacts:
    """Facts about the places table, read once per connection (the catalogue, and so
    the code layout, is fixed for a process). ``large`` is a heuristic, never a
    correctness matter. ``stale_codes`` is: a code of another length was written for
    another catalogue, so its conflict bits cannot be trusted either, and the search
    then reads without the bit precheck (every place scored from its re-encoded code)
    until ``flask --app registry places recode`` has refreshed them."""
    facts = conn.info.get("search_table_facts")
    if facts is None:
        size = conn.execute(select(func.max(Place.id))).scalar() or 0
        stale = conn.execute(
            select(Place.id)
            .where(func.length(Place.match_code).not_in((0, match_code_length())))
            .limit(1)
        ).first()
        facts = conn.info["search_table_facts"] = _TableFacts(size, stale is not None)
    return facts


def _ring_read(
    read,
    facts: SearchFacts,
    limit: int,
    wanted: Sequence[int],
    free: str,
    tiers: Sequence[str],
    bound: Sequence[tuple[str, Any]],
    rings: bool = True,
) -> _Scored:
    """Every row the search needs (``wanted`` holds matches), read disk by growing disk
    and stopping as soon as the rows read provably hold the ``limit`` best.

    ``read(radius, extra, bound, inner)`` returns the prefilter's rows for the disk of
    ``radius`` meeting ``extra``, less those of the disk of ``inner`` (the rows an
    earlier read with the same ``extra`` returned), so the reads are disjoint. ``free``
    holds for every place without a conflict; ``tiers`` are the conditions of
    :func:`_near_miss_tiers_sql` (places with a conflict, one first).

    The conflict-free rows are read first: a small disk (``_RING_FIRST`` of the travel
    range), perhaps one more sized by the density of its best-tier rows, then the range.

    - A disk inside the range stops the search when :func:`_ring_complete` holds.
    - The disk of the range stops it when it holds ``limit`` matches: every place outside
      it is farther than the range (the prefilter's disk contains every place within it
      by the domain's geodesic), so not a match, and every match ranks before every
      other outcome; a place tied with the ``limit``-th is a match too, so was read.
    - Without ``rings`` (a small table, where one read is cheaper) no disk is read
      before the largest one.
    - Otherwise (or as soon as the rows read suggest fewer than ``limit`` matches in
      all) the conflict-free rest up to the largest range is read in one go; then, with
      near misses wanted and fewer than ``limit`` matches, the places of the travel
      range with a conflict but no more than a near miss has (the others are no match):
      those with one conflict, then, if the result is still short, those with two. So
      the rows are those the search reads without rings, less only rows that provably
      cannot be in the result.
    """
    max_km = facts.max_km
    near = 1 in wanted
    outer = max_km * NEAR_MISS_RANGE_FACTOR if near else max_km

    def tier_sql(tier: str) -> str:
        return f"NOT ({free})" + (f" AND {tier}" if tier else "")

    def rest(scored: _Scored | None, inner: float | None, short: bool = False) -> _Scored:
        left = list(tiers) if near and free else []
        if left and short:
            # fewer than ``limit`` matches known or expected: the first tier is needed
            # too, and read in the same pass (one scan of the index, not two): the
            # conflict-free places up to the largest range, less those of the inner disk
            # (read before), and the first tier's places within the travel range
            disks = _disk_params(facts.home, max_km, "r_")
            free_sql = free
            if inner is not None:
                disks.update(_disk_params(facts.home, inner, "x_"))
                free_sql = f"{free} AND NOT ({_disk_sql('x_')})"
            extra = f"(({free_sql}) OR ({tier_sql(left.pop(0))} AND {_disk_sql('r_')}))"
            more = read(outer, extra, (*bound, *disks.items()))
        else:
            more = read(outer, free, bound, inner)
        scored = more if scored is None else scored + more
        matches = int(np.count_nonzero(scored.order == 0)) if 0 in wanted else 0
        # near misses by conflicts (within the travel range): the places with a conflict
        # but few enough of them, one conflict first
        while left and matches < limit:
            ahead = (scored.order == 1) & (scored.conflicts <= len(tiers) - len(left))
            if matches + int(np.count_nonzero(ahead)) >= limit:
                break  # every place not read has more conflicts: it ranks after
            scored = scored + read(max_km, tier_sql(left.pop(0)), bound)
        return scored

    if not (max_km > 0 and math.isfinite(max_km)) or not rings or 0 not in wanted:
        return rest(None, None)
    capacity = facts.capacity
    person = capacity_week_hours(capacity)
    floor = _min_unknowns(_capacity_key(capacity), person is not None)
    scored: _Scored | None = None
    inner: float | None = None
    radius = max_km * _RING_FIRST
    small = 0
    while True:
        ring = read(radius, free, bound, inner)
        scored = ring if scored is None else scored + ring
        inner = radius
        matches = int(np.count_nonzero(scored.order == 0))
        if radius >= max_km:
            if matches >= limit or not near:
                return scored
            return rest(scored, inner, short=True)
        if _ring_complete(scored, radius, limit, floor):
            return scored
        if matches * (max_km / radius) ** 2 < limit:  # few matches expected in all
            return rest(scored, inner, short=True)
        small += 1
        best = (
            (scored.order == 0)
            & (scored.conflicts == 0)
            & ~scored.signals
            & (scored.unknowns <= floor)
        )
        found = int(np.count_nonzero(best))
        nxt = radius * max(math.sqrt(limit / found), 1.0) * _RING_GROWTH if found else max_km
        radius = nxt if small < 2 and nxt <= max_km * _RING_MAX else max_km


def search_places(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    *,
    limit: int = DEFAULT_LIMIT,
    outcomes: tuple[Outcome, ...] = (Outcome.MATCH, Outcome.NEAR_MISS),
    stats: SearchStats | None = None,
) -> list[MatchResult]:
    """The best ``limit`` places for a search, ranked as :func:`matching.rank` ranks them,
    keeping only the given outcomes. Identical to :func:`reference_search`."""
    stats = stats if stats is not None else SearchStats()
    wanted = sorted({_OUTCOME_ORDER[o] for o in outcomes if o in _OUTCOME_ORDER})
    if not scope.network_ids or not facts.kinds or limit <= 0 or not wanted:
        return []
    conn = session.connection()
    key = _capacity_key(facts.capacity)
    aliased = _aliased_networks(conn, sorted(scope.network_ids))

    def read(
        radius: float,
        extra: str = "",
        bound: Sequence[tuple[str, Any]] = (),
        inner: float | None = None,
    ) -> _Scored:
        rows = _prefilter(conn, facts, scope, radius, extra, bound, inner, aliased=aliased)
        stats.rows_read += len(rows)
        return _score(conn, rows, facts, stats, key)

    # 1. read and score the prefilter's rows. Every match is conflict free, and every
    # place with a conflict ranks after every match: when matches come first, the places
    # without a conflict are read first, and the others only if they could still rank.
    capacity = facts.capacity
    person = capacity_week_hours(capacity)
    table = _table_facts(conn)
    free, bound = "", ()
    if not table.stale_codes:
        free, bound = _conflict_free_sql(key, person)
    tiers = _near_miss_tiers_sql(key)
    scored = _ring_read(read, facts, limit, wanted, free, tiers, bound, table.large)
    keep = np.flatnonzero(np.isin(scored.order, wanted))
    if not keep.size:
        return []

    # 2. rank on the key without the preferences (they need the sector and function);
    # the shortlist is the top ``limit`` plus every row tied with the last of them
    prefix = scored.prefix()
    ranked = keep[np.lexsort((scored.ids[keep], *(a[keep] for a in reversed(prefix))))]
    end = min(limit, ranked.size)
    if end < ranked.size:
        last, rest = ranked[end - 1], ranked[end:]
        same = np.ones(rest.size, dtype=bool)
        for a in prefix:
            same &= a[rest] == a[last]
        end += int(same.size if same.all() else np.argmin(same))
    shortlist = ranked[:end].tolist()
    expected = list(zip(*(a[shortlist].tolist() for a in prefix), strict=True))

    # 3. the domain evaluates (and explains) the shortlist; the fast path must agree.
    # The comparison comes straight from the same match code (no JSON parsing, no
    # decoding into demands): the places service writes it with every save, and the
    # reference tests compare the explanations.
    comparer = _Comparer(facts.capacity, key)
    short = _read_shortlist(conn, scored.ids[shortlist].tolist())
    width = scored.codes.shape[1]
    block = scored.codes[shortlist].tobytes()
    out = []
    for k, (i, want) in enumerate(zip(shortlist, expected, strict=True)):
        row = scored.rows[i]
        res = evaluate(
            facts,
            _shortlisted_facts(row, short[row[0]]),
            want[4],  # the distance, from the vectorised geodesic
            comparer.compare(block[k * width : (k + 1) * width], row[3:6]),
        )
        if rank_key(res)[:6] != want:  # pragma: no cover - a fast-path bug
            raise RuntimeError(f"search fast path disagrees with the domain on {res.place_id}")
        out.append(res)
    stats.evaluated = len(out)
    return rank(out)[:limit]


def reference_search(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    *,
    limit: int = DEFAULT_LIMIT,
    outcomes: tuple[Outcome, ...] = (Outcome.MATCH, Outcome.NEAR_MISS),
) -> list[MatchResult]:
    """The brute force: every place, geopy distances, the domain rules, then rank."""
    member = {
        pid
        for (pid,) in session.execute(
            select(place_networks.c.place_id).where(
                place_networks.c.network_id.in_(sorted(scope.network_ids))
            )
        )
    }
    results = []
    for row in session.execute(select(*_FULL_COLUMNS)):
        if row.id not in member or (scope.sector and row.sector != scope.sector):
            continue
        res = evaluate(facts, place_facts_of(row))
        if res.outcome in outcomes:
            results.append(res)
    return rank(results)[:limit]


# --------------------------------------------------------------------------- candidate search


@dataclass(frozen=True)
class SearchFilters:
    """Filters a coach applies on top of the candidate's own search facts."""

    kinds: frozenset[str] = frozenset()  # empty: every kind the candidate accepts
    max_km: float | None = None  # None: the candidate's travel range
    network_ids: frozenset[int] = frozenset()  # empty: every network the candidate uses
    sector: str | None = None

    def as_query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.kinds:
            query["kind"] = sorted(self.kinds)
        if self.max_km is not None:
            query["km"] = int(self.max_km) if float(self.max_km).is_integer() else self.max_km
        if self.network_ids:
            query["network"] = sorted(self.network_ids)
        if self.sector:
            query["sector"] = self.sector
        return query


def parse_filters(args: Mapping[str, Any] | Any) -> SearchFilters:
    """Filters from query parameters; invalid values raise ``ValidationFailed``."""
    getlist = args.getlist if hasattr(args, "getlist") else lambda k: list(args.get(k, []) or [])
    errors: dict[str, list[object]] = {}
    kinds = set()
    for value in getlist("kind"):
        if value == "":
            continue
        if value not in {k.value for k in PlaceKind}:
            errors.setdefault("kind", []).append(_l("Unknown kind of place."))
        else:
            kinds.add(value)
    km = None
    raw_km = args.get("km") if hasattr(args, "get") else None
    if raw_km not in (None, ""):
        try:
            km = float(raw_km)
        except (TypeError, ValueError):
            km = -1.0
        if not math.isfinite(km) or not 1 <= km <= MAX_FILTER_KM:
            errors.setdefault("km", []).append(
                _l("Distance must be a number of km from 1 to %(max)s.", max=MAX_FILTER_KM)
            )
            km = None
    networks = set()
    for value in getlist("network"):
        if value == "":
            continue
        if not str(value).isdigit() or not 0 < int(value) < 2**31:
            errors.setdefault("network", []).append(_l("Unknown network."))
        else:
            networks.add(int(value))
    sector = args.get("sector") if hasattr(args, "get") else None
    if sector in ("", None):
        sector = None
    elif not (isinstance(sector, str) and len(sector) == 1 and "A" <= sector <= "U"):
        errors.setdefault("sector", []).append(_l("Unknown sector."))
        sector = None
    if errors:
        raise ValidationFailed(errors)
    return SearchFilters(frozenset(kinds), km, frozenset(networks), sector)


def candidate_capacity(candidate: Any, profile: Any) -> CapacityFacts:
    """The candidate's capacity as the matcher compares it: the current profile (FML
    reading: a dimension without a limitation is normal) or, without one, nothing stated
    (every item unknown); and in both cases the hours the candidate can work now."""
    from registry.services.candidates import capacity_facts

    now_day, now_week = candidate.hours_per_day, candidate.hours_per_week
    if profile is None:
        return CapacityFacts.without_profile(now_day, now_week)
    return dataclasses.replace(
        capacity_facts(profile), now_hours_per_day=now_day, now_hours_per_week=now_week
    )


def candidate_search_facts(
    candidate: Any, profile: Any, today: dt.date | None = None
) -> SearchFacts:
    """A candidate (and current capacity profile) as the matcher's ``SearchFacts``; with
    ``today``, places whose period ended before it are left out."""
    if candidate.lat is None or candidate.lon is None:
        raise ValidationFailed.field(
            "postcode", _l("The candidate has no known home area, so there is nothing to search.")
        )
    kinds = frozenset(candidate.accepted_kinds or ()) or frozenset(k.value for k in PlaceKind)
    return SearchFacts(
        home=(candidate.lat, candidate.lon),
        max_km=float(candidate.max_km or 0),
        kinds=kinds,
        capacity=candidate_capacity(candidate, profile),
        first_sick_day=candidate.first_sick_day,
        end_week=candidate.end_week or timeline.DEFAULT_END_WEEK,
        preferred_sectors=frozenset(candidate.preferred_sectors or ()),
        preferred_functions=split_functions(candidate.preferred_functions),
        home_employer_id=candidate.home_employer_id,
        today=today,
    )


@dataclass
class PlaceSummary:
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
    min_hours_week: int | None
    usual_hours_week: int | None
    lower_start_allowed: bool
    available_until: dt.date | None
    ongoing: bool
    completeness: float
    last_confirmed_at: dt.datetime | None
    created_at: dt.datetime | None
    intake_cap_per_month: int | None


@dataclass
class Hit:
    result: MatchResult
    place: PlaceSummary
    is_new: bool = False

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome


@dataclass
class CandidateSearch:
    candidate: Any
    profile: Any
    stale: bool
    facts: SearchFacts
    filters: SearchFilters
    networks: list[Any]  # the networks the candidate's search may use
    show_capacity: bool = False  # may the viewer read the candidate's bands (permissions)
    matches: list[Hit] = field(default_factory=list)
    signals: list[Hit] = field(default_factory=list)
    near_misses: list[Hit] = field(default_factory=list)
    previous_search_at: dt.datetime | None = None

    @property
    def hits(self) -> list[Hit]:
        return [*self.matches, *self.signals, *self.near_misses]

    @property
    def profile_missing(self) -> bool:
        """No current capacity profile: every workload item is unknown."""
        return self.profile is None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _summaries(session: Session, ids: Sequence[int]) -> dict[int, PlaceSummary]:
    if not ids:
        return {}
    rows = session.execute(
        select(
            Place.id,
            Place.title,
            Place.function,
            Place.kind,
            Place.sector,
            func.coalesce(func.nullif(Employer.trade_name, ""), Employer.legal_name).label("emp"),
            Place.town,
            Place.postcode,
            Place.lat,
            Place.lon,
            Place.min_hours_week,
            Place.usual_hours_week,
            Place.lower_start_allowed,
            Place.available_until,
            Place.ongoing,
            Place.completeness,
            Place.last_confirmed_at,
            Place.created_at,
            Place.intake_cap_per_month,
        )
        .join(Employer, Employer.id == Place.employer_id)
        .where(Place.id.in_(list(ids)))
    )
    out = {}
    for r in rows:
        out[r.id] = PlaceSummary(
            r.id,
            r.title,
            r.function or "",
            r.kind.value if hasattr(r.kind, "value") else r.kind,
            r.sector or "",
            r.emp,
            r.town or "",
            r.postcode or "",
            r.lat,
            r.lon,
            r.min_hours_week,
            r.usual_hours_week,
            bool(r.lower_start_allowed),
            r.available_until,
            bool(r.ongoing),
            float(r.completeness or 0.0),
            _aware(r.last_confirmed_at),
            _aware(r.created_at),
            r.intake_cap_per_month,
        )
    return out


def _intake_this_month(session: Session, ids: Sequence[int], today: dt.date) -> dict[int, int]:
    """New proposals per place since the first of this month (for the intake cap)."""
    try:
        from registry.models import Placement
    except ImportError:  # pragma: no cover - placements not installed
        return {}
    if not ids:
        return {}
    start = dt.datetime(today.year, today.month, 1, tzinfo=dt.UTC)
    rows = session.execute(
        select(Placement.place_id, func.count())
        .where(Placement.place_id.in_(list(ids)), Placement.proposed_at >= start)
        .group_by(Placement.place_id)
    )
    return {pid: n for pid, n in rows}


def _record_visit(ctx: Context, user_id: int, candidate_id: int) -> dt.datetime | None:
    """Store this search's time; return the previous one (None on the first search)."""
    visit = ctx.session.scalar(
        select(SearchVisit).where(
            SearchVisit.user_id == user_id, SearchVisit.candidate_id == candidate_id
        )
    )
    now = ctx.now()
    previous = None
    if visit is None:
        ctx.session.add(SearchVisit(user_id=user_id, candidate_id=candidate_id, searched_at=now))
    else:
        previous = _aware(visit.searched_at)
        visit.previous_searched_at = visit.searched_at
        visit.searched_at = now
    return previous


def search_for_candidate(
    ctx: Context,
    candidate_id: int,
    filters: SearchFilters = SearchFilters(),
    *,
    limit: int = DEFAULT_LIMIT,
    near_limit: int = NEAR_MISS_LIMIT,
    record_visit: bool = True,
) -> CandidateSearch:
    """The coach's search for one candidate: matches, signals and near misses with
    their explanations, within the networks the candidate may use."""
    from registry.services import candidates as cands

    candidate = cands.get_candidate_for_search(ctx, candidate_id)
    profile = cands.current_profile(candidate)
    facts = candidate_search_facts(candidate, profile, ctx.today())
    allowed = {n.id: n for n in candidate.networks}
    network_ids = frozenset(allowed)
    if filters.network_ids:
        network_ids = network_ids & filters.network_ids
    if filters.kinds:
        facts = dataclasses.replace(facts, kinds=facts.kinds & filters.kinds)
    if filters.max_km is not None:
        facts = dataclasses.replace(facts, max_km=float(filters.max_km))
    scope = Scope(network_ids, filters.sector)
    found = search_places(ctx.session, facts, scope, limit=limit, outcomes=(Outcome.MATCH,))
    near = search_places(ctx.session, facts, scope, limit=near_limit, outcomes=(Outcome.NEAR_MISS,))
    ids = [r.place_id for r in (*found, *near)]
    summaries = _summaries(ctx.session, ids)
    intake = _intake_this_month(ctx.session, ids, ctx.today())
    previous = None
    if record_visit and ctx.actor is not None:
        with ctx.transaction():
            previous = _record_visit(ctx, ctx.actor.user_id, candidate.id)

    def hit(res: MatchResult) -> Hit:
        place = summaries[res.place_id]
        cap = place.intake_cap_per_month
        if cap is not None and intake.get(res.place_id, 0) >= cap:
            res = res._replace(at_cap=True)
        new = previous is not None and place.created_at is not None and place.created_at > previous
        return Hit(res, place, new)

    out = CandidateSearch(
        candidate=candidate,
        profile=profile,
        stale=cands.is_stale(profile, ctx.today()),
        facts=facts,
        filters=filters,
        networks=sorted(allowed.values(), key=lambda n: n.name),
        show_capacity=shows_capacity(ctx, candidate),
        previous_search_at=previous,
    )
    for res in found:
        (out.signals if res.has_signals else out.matches).append(hit(res))
    out.near_misses = [hit(r) for r in near]
    return out


def shows_capacity(ctx: Context, candidate: Any) -> bool:
    """Whether the viewer may read the candidate's capacity bands (the coach's own
    organisation, or a home employer the coach shared them with). Everyone else, such as
    a coordinator, sees the place's demand and the outcome per item, never the band:
    :func:`registry.domain.permissions.visible_fields` decides."""
    from registry.services import candidates as cands

    if ctx.actor is None:
        return False
    facts = cands.candidate_facts(candidate)
    return FieldGroup.CAPACITY_DETAILS in visible_fields(ctx.actor, facts)


# --------------------------------------------------------------------------- reverse search


@dataclass
class ReverseHit:
    candidate_id: int
    pseudonym: str
    postcode_area: str
    result: MatchResult
    clock: timeline.Clock
    profile_missing: bool = False  # no current capacity profile: shown as such, not as a fit

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome


@dataclass
class ReverseSearch:
    place: Place
    hits: list[ReverseHit]


def reverse_search(ctx: Context, place_id: int, *, limit: int = 100) -> ReverseSearch:
    """Candidates (pseudonymous) with sharing consent in the place's networks who fit the
    place, most urgent first, then nearest. Host contacts of the place's employer and
    coordinators of its networks only."""
    from registry.models import Candidate
    from registry.services import candidates as cands
    from registry.services import places as place_svc

    place = place_svc.get_place(ctx, place_id, Action.PLACE_REVERSE_SEARCH)
    network_ids = {n.id for n in place.networks}
    ids = cands.shared_candidate_ids(ctx, network_ids)
    pf = place_facts_of(place)
    today = ctx.today()
    hits: list[ReverseHit] = []
    if ids:
        for candidate in ctx.session.scalars(select(Candidate).where(Candidate.id.in_(ids))):
            facts = cands.candidate_facts(candidate)
            if FieldGroup.FIT_SUMMARY not in visible_fields(ctx.actor, facts):
                continue
            if not facts.shared_network_ids & network_ids or candidate.lat is None:
                continue
            profile = cands.current_profile(candidate)
            search = candidate_search_facts(candidate, profile, today)
            res = evaluate(search, pf)  # never the home employer's place, never ended
            if res.outcome is Outcome.NO_MATCH:
                continue
            hits.append(
                ReverseHit(
                    candidate.id,
                    candidate.pseudonym,
                    candidate.postcode_area or "",
                    res,
                    cands.clock_of(candidate, today),
                    profile is None,
                )
            )
    hits.sort(key=lambda h: (h.clock.urgency, h.result.distance_km, h.candidate_id))
    hits = hits[:limit]
    with ctx.transaction():
        ctx.audit(
            "candidate.reverse_search",
            "place",
            place.id,
            candidates=[h.candidate_id for h in hits],
            groups=[FieldGroup.FIT_SUMMARY.value],
        )
    return ReverseSearch(place, hits)


__all__ = [
    "CandidateSearch",
    "Hit",
    "ReverseSearch",
    "Scope",
    "SearchFilters",
    "SearchStats",
    "candidate_capacity",
    "candidate_search_facts",
    "encode_match_code",
    "geodesic_km_many",
    "parse_filters",
    "reference_search",
    "reverse_search",
    "search_for_candidate",
    "search_places",
    "shows_capacity",
]
