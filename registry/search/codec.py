"""What a place stores for the search, and how a capacity reads it: pure, no database.

Imported by the places service (every save writes these columns), by the migrations
that backfill them, and by the search. Everything here comes from the domain's own
comparisons in :mod:`registry.domain.workload`; every cache is keyed on the catalogue's
version (:func:`workload.catalogue_version`), so a dimension registered at run time
gets a fresh layout instead of a stale one.

**Match code** (``Place.match_code``): one fixed-length ASCII string holding everything
of a place's demands the workload comparison reads apart from the hours (columns):

- one char per catalogue dimension: ``-`` not stated, else ``chr(48 + 4 * band +
  2 * incidental + adjustable)`` (``0`` .. ``W``);
- one char per exposure flag, then one per condition flag: ``-`` when the place did
  not state its exposures (conditions), else ``0`` / ``1``.

**Conflict bits** (``Place.conflict_bits_1`` / ``conflict_bits_2``): one bit for every
code position and every distinct set of characters that conflict there for some
capacity (for a dimension: "heavier than band b, or exactly one band heavier and neither
incidental nor adjustable", one set per band b; for a flag: "has the exposure" / "does
not offer the condition"). A capacity selects at most one such set per position, so its
mask has at most one bit per position, and a place is free of conflicts exactly when
``(conflict_bits_1 & mask_1) = 0 AND (conflict_bits_2 & mask_2) = 0``. A place whose
bits are zero (written without them) passes that test and is scored from its code.

**Network bits** (``Place.network_bits``) and the **latitude band** (``Place.lat_band``)
serve the prefilter's network test and index seeks.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    UNKNOWN_CHAR,
    CapacityFacts,
    Demand,
    DemandFacts,
    Verdict,
    all_dimensions,
    catalogue_version,
    compare_conditions,
    compare_dimension,
    compare_exposures,
)

LAT_BANDS_PER_DEGREE = 20
NETWORK_BITS = 63  # bits of Place.network_bits: a signed 64-bit integer, sign bit unused
CONFLICT_BIT_COLUMNS = ("conflict_bits_1", "conflict_bits_2")
BITS_PER_COLUMN = 63  # a signed 64-bit integer on both databases, sign bit unused
NOT_STATED = ord(UNKNOWN_CHAR)
BASE = ord("0")
SKIP = "skip"  # an optional dimension the place did not state: left out of the comparison
ByteResults = tuple[Any, ...]  # per byte value: the domain's result, SKIP, or None (invalid)


def network_bits(network_ids: Iterable[int]) -> int:
    """``Place.network_bits``: bit ``id % 63`` set for each of the place's networks. Exact
    while network ids stay below 63 (one bit per network); beyond, a bit can stand for
    several networks and the search confirms membership in ``place_networks``."""
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


def place_demands(raw: Mapping[str, Any] | None) -> dict[str, Demand]:
    """A place's stored ``demands`` JSON as catalogue Demands (unknown keys, bad bands
    and malformed entries are ignored)."""
    known = {d.key: d for d in all_dimensions()}
    out = {}
    for key, value in (raw or {}).items():
        dim = known.get(key)
        if dim is None or not isinstance(value, Mapping):
            continue
        band = value.get("band")
        if isinstance(band, int) and 0 <= band <= dim.heaviest:
            out[key] = Demand(band, bool(value.get("incidental")), bool(value.get("adjustable")))
    return out


def demand_facts_of(row: Any) -> DemandFacts:
    """A place (a row or a ``Place``: ``demands``, ``exposures``, ``offers_conditions``
    and the hours) as the workload comparison sees it."""
    return DemandFacts(
        demands=place_demands(row.demands),
        exposures=None if row.exposures is None else frozenset(row.exposures),
        offers_conditions=(
            None if row.offers_conditions is None else frozenset(row.offers_conditions)
        ),
        min_hours_week=row.min_hours_week,
        usual_hours_week=row.usual_hours_week,
        lower_start_allowed=row.lower_start_allowed,
    )


def encode_match_code(demand: DemandFacts) -> str:
    """The place's ``match_code`` (see above) for its demand facts."""
    out = []
    for dim in all_dimensions():
        d = demand.demands.get(dim.key)
        if d is None or d.band is None:
            out.append(UNKNOWN_CHAR)
        else:
            out.append(chr(BASE + 4 * d.band + 2 * bool(d.incidental) + bool(d.adjustable)))
    for flags, stated in ((EXPOSURES, demand.exposures), (CONDITIONS, demand.offers_conditions)):
        for flag in flags:
            out.append(UNKNOWN_CHAR if stated is None else "01"[flag.key in stated])
    return "".join(out)


def capacity_key(capacity: CapacityFacts) -> tuple:
    """What the per-item comparisons depend on: the catalogue version, bands, exposures,
    conditions, and whether a profile exists (without one, every item is unknown). Every
    per-capacity cache of the search is keyed on it."""
    return (
        catalogue_version(),
        tuple(capacity.band(dim) for dim in all_dimensions()),
        tuple(sorted(capacity.avoid_exposures)),
        tuple(sorted(capacity.needs_conditions)),
        not capacity.profile,
    )


@functools.lru_cache(maxsize=1024)
def dimension_results(
    version: int, index: int, cap: int | None, no_profile: bool = False
) -> ByteResults:
    """``compare_dimension`` at one dimension position, for every byte a code can hold
    (catalogue ``version``: the cache key)."""
    dim = all_dimensions()[index]
    out: list[Any] = [None] * 256
    out[NOT_STATED] = (
        SKIP if dim.optional else compare_dimension(dim, cap, None, no_profile=no_profile)
    )
    for band in range(dim.heaviest + 1):
        for flags in range(4):
            demand = Demand(band, bool(flags & 2), bool(flags & 1))
            out[BASE + 4 * band + flags] = compare_dimension(
                dim, cap, demand, no_profile=no_profile
            )
    return tuple(out)


@functools.lru_cache(maxsize=64)
def flag_results(exposure: bool, index: int, person: bool, no_profile: bool = False) -> ByteResults:
    """``compare_exposures`` / ``compare_conditions`` for one flag, for every byte: the
    result for one flag depends on that flag alone."""
    flags = EXPOSURES if exposure else CONDITIONS
    compare = compare_exposures if exposure else compare_conditions
    wants = frozenset({flags[index].key}) if person else frozenset()
    out: list[Any] = [None] * 256
    out[NOT_STATED] = compare(wants, None, no_profile=no_profile)[index]
    out[ord("0")] = compare(wants, frozenset(), no_profile=no_profile)[index]
    out[ord("1")] = compare(wants, frozenset(f.key for f in flags), no_profile=no_profile)[index]
    return tuple(out)


def _position_results(version: int, position: int, value: Any) -> ByteResults:
    """The per-byte comparisons at one code position for one capacity value (a band or
    None for a dimension; whether the person avoids / needs it for a flag)."""
    n_dims, n_exp = len(all_dimensions()), len(EXPOSURES)
    if position < n_dims:
        return dimension_results(version, position, value)
    if position < n_dims + n_exp:
        return flag_results(True, position - n_dims, bool(value))
    return flag_results(False, position - n_dims - n_exp, bool(value))


@functools.lru_cache(maxsize=1024)
def _conflict_bytes(version: int, position: int, value: Any) -> frozenset[int]:
    """The bytes that conflict at a code position for a capacity value."""
    return frozenset(
        byte
        for byte, r in enumerate(_position_results(version, position, value))
        if r is not None and r is not SKIP and r.verdict is Verdict.CONFLICT
    )


def _position_values(position: int) -> tuple[Any, ...]:
    dims = all_dimensions()
    if position < len(dims):
        return (None, *range(dims[position].heaviest + 1))
    return (False, True)


@functools.lru_cache(maxsize=8)
def _conflict_bit_layout(version: int) -> tuple[dict[frozenset[int], int], ...]:
    """Per code position, the bit of every distinct non-empty set of conflicting bytes,
    for the catalogue of ``version``."""
    layout: list[dict[frozenset[int], int]] = []
    bit = 0
    for position in range(match_code_length()):
        sets: dict[frozenset[int], int] = {}
        for value in _position_values(position):
            found = _conflict_bytes(version, position, value)
            if found and found not in sets:
                sets[found] = bit
                bit += 1
        layout.append(sets)
    if bit > BITS_PER_COLUMN * len(CONFLICT_BIT_COLUMNS):  # pragma: no cover - catalogue
        raise RuntimeError(f"the catalogue needs {bit} conflict bits: add a column")
    return tuple(layout)


def _split_bits(value: int) -> tuple[int, ...]:
    mask = (1 << BITS_PER_COLUMN) - 1
    return tuple((value >> (BITS_PER_COLUMN * i)) & mask for i in range(len(CONFLICT_BIT_COLUMNS)))


def conflict_bits(code: str) -> tuple[int, ...]:
    """A place's conflict bits (one int per column of ``CONFLICT_BIT_COLUMNS``) for its
    match code under the current catalogue; all zero for a code that is not valid (the
    search then scores the code it re-encodes, and the zero bits let every capacity's
    precheck pass)."""
    layout = _conflict_bit_layout(catalogue_version())
    if len(code) != len(layout) or not code.isascii():
        return (0,) * len(CONFLICT_BIT_COLUMNS)
    value = 0
    for sets, byte in zip(layout, code.encode("ascii"), strict=True):
        for found, bit in sets.items():
            if byte in found:
                value |= 1 << bit
    return _split_bits(value)


def capacity_values(key: tuple) -> tuple[Any, ...]:
    """Per code position, what a capacity (``key`` from :func:`capacity_key`) states
    there: a dimension's band (None: not assessed), whether the person avoids an
    exposure, whether they need a condition."""
    _, bands, avoid, needs, _ = key
    return (*bands, *(f.key in avoid for f in EXPOSURES), *(f.key in needs for f in CONDITIONS))


@functools.lru_cache(maxsize=256)
def conflict_masks(key: tuple) -> tuple[int, ...]:
    """A capacity's masks (one per bit column; ``key`` from :func:`capacity_key`): per
    position, the bit of the set of bytes that conflict for this capacity there."""
    version, none = key[0], key[-1]
    if none:  # without a profile nothing conflicts but the hours
        return (0,) * len(CONFLICT_BIT_COLUMNS)
    values = capacity_values(key)
    value = 0
    layout = _conflict_bit_layout(version)
    for position, (sets, v) in enumerate(zip(layout, values, strict=True)):
        found = _conflict_bytes(version, position, v)
        if found:
            value |= 1 << sets[found]
    return _split_bits(value)
