"""Vectorised scoring: every row the prefilter read, compared and ranked on arrays.

The ``match_code`` bytes index a per-capacity table of packed conflict / signal /
unknown / slack counts (:func:`score_table`), built from the domain's own
``compare_dimension`` / ``compare_exposures`` / ``compare_conditions`` through
:mod:`codec`'s per-byte results; the hours rule, the exact geodesic and the outcomes
(``evaluate``'s rules) come from compiled loops (:mod:`score_kernels`, :func:`score`).
:mod:`comparer` turns a match code back into the domain's ``ComparisonResult`` for the
rows the page explains, from the same tables (:func:`all_results`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

import numpy as np

from registry.domain.matching import MAX_NEAR_MISS_CONFLICTS, NEAR_MISS_RANGE_FACTOR, SearchFacts
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    Verdict,
    all_dimensions,
    capacity_week_hours,
)
from registry.search import score_kernels
from registry.search.codec import (
    SKIP,
    ByteResults,
    capacity_values,
    demand_facts_of,
    dimension_results,
    encode_match_code,
    flag_results,
    match_code_length,
)
from registry.search.geometry import geodesic_km_many
from registry.search.score_kernels import SIGNAL, UNKNOWN

# packed per-comparison counts: conflicts | signals << 8 | unknowns << 16 | slack << 24
SLACK = 1 << 24  # (SIGNAL and UNKNOWN: score_kernels, which counts the hours)
INVALID = 1 << 40  # a byte that no valid code holds at that position


def _packed(results: Sequence[Any]) -> int:
    value = 0
    for r in results:
        if r.verdict is Verdict.CONFLICT:
            value += 1
        elif r.verdict is Verdict.SIGNAL:
            value += SIGNAL
        elif r.verdict is Verdict.UNKNOWN:
            value += UNKNOWN
        value += SLACK * getattr(r, "slack", 0)
    return value


def _packed_row(results: ByteResults) -> np.ndarray:
    return np.array(
        [INVALID if r is None else 0 if r is SKIP else _packed([r]) for r in results],
        dtype=np.int64,
    )


@functools.lru_cache(maxsize=1024)
def _dimension_row(version: int, index: int, cap: int | None, no_profile: bool) -> np.ndarray:
    """Packed counts of ``compare_dimension`` for every byte at one dimension position."""
    return _packed_row(dimension_results(version, index, cap, no_profile))


@functools.lru_cache(maxsize=64)
def _flag_row(exposure: bool, index: int, person: bool, no_profile: bool) -> np.ndarray:
    """Packed counts of one exposure (condition) flag's comparison for every byte."""
    return _packed_row(flag_results(exposure, index, person, no_profile))


@functools.lru_cache(maxsize=256)
def score_table(key: tuple) -> np.ndarray:
    """Per code position and byte value, the packed counts of that one comparison for
    the capacity of ``key`` (:func:`codec.capacity_key`): rows of the catalogue's
    packed tables (:func:`all_results`)."""
    numbers = capacity_tables(key)
    if numbers is not None:
        table = all_results(key[0]).packed[numbers]
    else:  # a band outside the catalogue's, if ever
        version, bands, avoid, needs, none = key
        rows = [_dimension_row(version, i, cap, none) for i, cap in enumerate(bands)]
        rows += [_flag_row(True, j, f.key in avoid, none) for j, f in enumerate(EXPOSURES)]
        rows += [_flag_row(False, j, f.key in needs, none) for j, f in enumerate(CONDITIONS)]
        table = np.stack(rows)
    table.setflags(write=False)
    return table


@functools.lru_cache(maxsize=256)
def min_unknowns(key: tuple, person_known: bool) -> int:
    """A lower bound of the unknown count any place can have for this capacity: per code
    position the fewest unknowns of any valid byte, plus the hours (always unknown when
    the capacity states no hours, as :func:`score_kernels.score_rows` counts them;
    otherwise possibly known)."""
    numbers = capacity_tables(key)
    if numbers is not None:
        fewest = int(all_results(key[0]).fewest_unknowns[numbers].sum())
    else:
        table = score_table(key)
        unknowns = np.where(table < INVALID, (table >> 16) & 0xFF, np.iinfo(np.int64).max)
        fewest = int(unknowns.min(axis=1).sum())
    return fewest + (0 if person_known else 1)


PACKED_VERDICT = {
    Verdict.FIT: 0,
    Verdict.CONFLICT: 1,
    Verdict.SIGNAL: SIGNAL,
    Verdict.UNKNOWN: UNKNOWN,
}


class _AllResults(NamedTuple):
    """Every per-byte result of every code position and capacity value of one
    catalogue, one table of 256 per (position, value, no profile): the results in one
    flat object array, their packed counts (a row per table), each table's fewest
    unknowns of a valid byte, and each table's number. A capacity's tables are one
    look-up (:func:`capacity_tables`), its results for a whole code matrix another."""

    flat: np.ndarray
    packed: np.ndarray
    fewest_unknowns: np.ndarray
    number: dict[tuple[int, Any, bool], int]


@functools.lru_cache(maxsize=8)
def all_results(version: int) -> _AllResults:
    tables: list[ByteResults] = []
    number: dict[tuple[int, Any, bool], int] = {}
    n_dims = len(all_dimensions())
    for none in (False, True):
        for i, dim in enumerate(all_dimensions()):
            for cap in (None, *range(dim.heaviest + 1)):
                number[i, cap, none] = len(tables)
                tables.append(dimension_results(version, i, cap, none))
        for j, flags in enumerate((EXPOSURES, CONDITIONS)):
            for k in range(len(flags)):
                position = n_dims + j * len(EXPOSURES) + k
                for person in (False, True):
                    number[position, person, none] = len(tables)
                    tables.append(flag_results(j == 0, k, person, none))
    flat = np.empty(256 * len(tables), dtype=object)
    for t, results in enumerate(tables):
        for b, r in enumerate(results):  # one by one: a result may be a tuple
            flat[256 * t + b] = r
    packed = np.stack([_packed_row(results) for results in tables])
    unknowns = np.where(packed < INVALID, (packed >> 16) & 0xFF, np.iinfo(np.int64).max)
    for array in (flat, packed):
        array.setflags(write=False)
    return _AllResults(flat, packed, unknowns.min(axis=1), number)


@functools.lru_cache(maxsize=256)
def capacity_tables(key: tuple) -> np.ndarray | None:
    """Per code position, the number of the capacity's table in :func:`all_results`
    (None: a band outside the catalogue's)."""
    version, none = key[0], key[-1]
    number = all_results(version).number
    numbers = [number.get((p, v, none)) for p, v in enumerate(capacity_values(key))]
    return None if None in numbers else np.array(numbers, dtype=np.int64)


def code_matrix(codes: Sequence[str | None]) -> np.ndarray:
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


@dataclass(frozen=True)
class Scored:
    """Prefilter rows with their rank-relevant facts, as parallel arrays."""

    ids: np.ndarray
    order: np.ndarray  # 0 match, 1 near miss, 2 no match
    conflicts: np.ndarray
    signals: np.ndarray  # has signals
    unknowns: np.ndarray
    distance: np.ndarray
    neg_slack: np.ndarray
    codes: np.ndarray  # (n, code length) bytes of each row's (valid) match code
    lat: np.ndarray
    lon: np.ndarray
    min_h: np.ndarray  # hours NaN when not stated
    usual_h: np.ndarray
    lower: np.ndarray

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

    def __add__(self, other: Scored) -> Scored:
        return Scored(
            *(np.concatenate((getattr(self, f.name), getattr(other, f.name))) for f in fields(self))
        )

    def hours(self, rows: np.ndarray) -> list[tuple[float | None, float | None, bool]]:
        """The hours of ``rows`` as the domain reads them: minimum, usual (None: not
        stated), lower start allowed."""
        min_h, usual_h = self.min_h[rows].tolist(), self.usual_h[rows].tolist()
        return [
            (None if m != m else m, None if u != u else u, lower)  # NaN: not stated
            for m, u, lower in zip(min_h, usual_h, self.lower[rows].tolist(), strict=True)
        ]


Recoder = Callable[[Sequence[int]], dict[int, str]]  # ids -> their fresh match codes


@dataclass
class SearchStats:
    rows_read: int = 0  # rows the SQL prefilter returned
    recoded: int = 0  # rows whose match_code was missing or stale (encoded on the fly)
    evaluated: int = 0  # places the domain evaluated (the ones the page shows)


def _recoded(
    matrix: np.ndarray, ids: np.ndarray, bad: np.ndarray, recode: Recoder, stats: SearchStats
) -> np.ndarray:
    """The code matrix with the rows ``bad`` re-encoded (codes written outside the
    places service, or before a catalogue change)."""
    stats.recoded += int(bad.size)
    fresh = recode(ids[bad].tolist())
    for i in bad:  # (the matrix is the search's own, gathered for it)
        matrix[i] = np.frombuffer(fresh[int(ids[i])].encode("ascii"), dtype=np.uint8)
    return matrix


def score(
    rows: Sequence[tuple], facts: SearchFacts, stats: SearchStats, key: tuple, recode: Recoder
) -> Scored:
    """``compare_all`` and ``evaluate``'s outcome for every prefilter row, on arrays.
    ``recode`` gives the fresh codes of places whose stored code is not valid."""
    rows = list(rows)
    ids_t, lat_t, lon_t, min_t, usual_t, lower_t, codes = (
        zip(*rows, strict=True) if rows else ((),) * 7
    )
    return score_arrays(
        Columns(
            np.array(ids_t, dtype=np.int64),
            np.array(lat_t, dtype=np.float64),
            np.array(lon_t, dtype=np.float64),
            np.array(min_t, dtype=np.float64),
            np.array(usual_t, dtype=np.float64),
            np.array(lower_t, dtype=bool),
            code_matrix(codes),
        ),
        facts,
        stats,
        key,
        recode,
    )


@dataclass(frozen=True)
class Columns:
    """What scoring reads of each row, as arrays (hours NaN when not stated)."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    min_h: np.ndarray
    usual_h: np.ndarray
    lower: np.ndarray
    codes: np.ndarray  # (n, code length) bytes


def score_arrays(
    cols: Columns,
    facts: SearchFacts,
    stats: SearchStats,
    key: tuple,
    recode: Recoder,
    idx: np.ndarray | None = None,
) -> Scored:
    """:func:`score` on the rows ``idx`` (default: all) of columns, gathered with their
    scores (the page explains its rows from them): one compiled pass
    (:func:`score_kernels.score_rows`, then :func:`score_kernels.rank_parts`)."""
    if idx is None:
        idx = np.arange(len(cols.ids), dtype=np.int64)
    table = score_table(key)
    person = capacity_week_hours(facts.capacity)
    person_hours = math.nan if person is None else float(person)
    home = (float(facts.home[0]), float(facts.home[1]))
    ids, lat, lon, min_h, usual_h, lower, matrix, packed, distance = score_kernels.score_rows(
        idx,
        cols.ids,
        cols.lat,
        cols.lon,
        cols.min_h,
        cols.usual_h,
        cols.lower,
        cols.codes,
        table,
        person_hours,
        home,
    )
    bad = np.flatnonzero(packed >= INVALID)
    if bad.size:  # codes no table entry accepts: re-encoded, and their rows scored again
        matrix = _recoded(matrix, ids, bad, recode, stats)
        again = (bad, ids, lat, lon, min_h, usual_h, lower, matrix, table, person_hours, home)
        packed[bad] = score_kernels.score_rows(*again)[7]
    for i in np.flatnonzero(np.isnan(distance)):  # pragma: no cover - beyond 400 km
        distance[i] = geodesic_km_many(facts.home, lat[i : i + 1], lon[i : i + 1])[0]
    max_km = float(facts.max_km)
    order, conflicts, signals, unknowns, neg_slack = score_kernels.rank_parts(
        packed, distance, max_km, max_km * NEAR_MISS_RANGE_FACTOR, MAX_NEAR_MISS_CONFLICTS
    )
    return Scored(
        ids,
        order,
        conflicts,
        signals,
        unknowns,
        distance,
        neg_slack,
        matrix,
        lat,
        lon,
        min_h,
        usual_h,
        lower,
    )


def fresh_codes(rows: Sequence[Any]) -> dict[int, str]:
    """Match codes re-encoded from the places' demand columns, by id."""
    return {r.id: encode_match_code(demand_facts_of(r)) for r in rows}
