"""The matcher: does a place fit a candidate's search, and in what order are results shown.

Pure rules over plain facts (no database): the service layer loads ``SearchFacts`` and
``PlaceFacts``, may precheck cheaply (bounding box, conflict bits), and calls
``evaluate`` for the survivors. Every result explains itself with structured data: the
distance, the full per-dimension comparison and a list of ``Blocker``s.

Outcome:

- Never the home employer: a place of the candidate's home employer is NO_MATCH (second
  track means work elsewhere), as is a place whose availability period has ended.
- MATCH: open, free slot, accepted kind, within range, no conflict on any dimension,
  exposure, condition or hours. Signals and unknowns are allowed and shown.
- NEAR_MISS: open, free slot, accepted kind, and either within range with one or two
  conflicts, or at most 25 % beyond the range with no conflict.
- NO_MATCH: everything else. Beyond the range is never a match.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple

from registry.domain import geo
from registry.domain.geo import Coordinate
from registry.domain.timeline import DEFAULT_END_WEEK, runs_past_end
from registry.domain.workload import (
    CapacityFacts,
    ComparisonResult,
    DemandFacts,
    DimensionResult,
    HoursResult,
    Result,
    ResultKind,
    compare_all,
)

__all__ = [
    "MAX_NEAR_MISS_CONFLICTS",
    "NEAR_MISS_RANGE_FACTOR",
    "Blocker",
    "BlockerKind",
    "MatchResult",
    "Outcome",
    "PlaceFacts",
    "SearchFacts",
    "evaluate",
    "excluded",
    "rank",
    "rank_key",
]

MAX_NEAR_MISS_CONFLICTS = 2
NEAR_MISS_RANGE_FACTOR = 1.25


class Outcome(StrEnum):
    MATCH = "match"
    NEAR_MISS = "near_miss"
    NO_MATCH = "no_match"


_OUTCOME_ORDER = {Outcome.MATCH: 0, Outcome.NEAR_MISS: 1, Outcome.NO_MATCH: 2}


class BlockerKind(StrEnum):
    CLOSED = "closed"  # the place is not open
    FULL = "full"  # no free slot
    KIND = "kind"  # the candidate does not accept this kind of place
    TOO_FAR = "too_far"  # beyond the maximum travel distance
    DIMENSION = "dimension"  # a workload dimension conflicts
    EXPOSURE = "exposure"  # the place has an exposure the candidate must avoid
    CONDITION = "condition"  # the place cannot offer a condition the candidate needs
    HOURS = "hours"  # the minimum hours exceed the candidate's limit
    HOME_EMPLOYER = "home_employer"  # the candidate's own employer: never second track
    ENDED = "ended"  # the place's availability period has ended


_RESULT_BLOCKER = {
    ResultKind.DIMENSION: BlockerKind.DIMENSION,
    ResultKind.EXPOSURE: BlockerKind.EXPOSURE,
    ResultKind.CONDITION: BlockerKind.CONDITION,
    ResultKind.HOURS: BlockerKind.HOURS,
}


class Blocker(NamedTuple):
    """Why a place is not a (clean) match. ``key`` names the dimension or flag; ``amount``
    is bands above capacity (dimension), km beyond range (too far) or missing hours.
    A named tuple (immutable): made for every blocker of every near miss shown."""

    kind: BlockerKind
    key: str | None = None
    amount: float = 0.0


@dataclass(frozen=True)
class SearchFacts:
    """A candidate's search: where they live, how far and what they accept, what they can do."""

    home: Coordinate
    max_km: float
    kinds: frozenset[str]
    capacity: CapacityFacts = field(default_factory=CapacityFacts)
    first_sick_day: date | None = None
    end_week: int = DEFAULT_END_WEEK
    preferred_sectors: frozenset[str] = frozenset()
    preferred_functions: frozenset[str] = frozenset()
    home_employer_id: int | None = None  # its places are never shown for this candidate
    today: date | None = None  # places whose period ended before it are not searchable


_NOTHING_STATED = DemandFacts()


class PlaceFacts(NamedTuple):
    """A place as the matcher sees it. ``demand`` is read only when ``evaluate`` is not
    given the comparison (the search service compares from the place's match code).

    A named tuple, like ``MatchResult``: immutable, and made for every shortlisted
    place of every search, where a frozen dataclass's ``__init__`` cost several times
    as much."""

    place_id: int
    coordinate: Coordinate
    kind: str
    demand: DemandFacts = _NOTHING_STATED
    sector: str | None = None
    function: str | None = None
    until: date | None = None
    ongoing: bool = False
    open: bool = True
    free_slots: int = 1
    at_intake_cap: bool = False
    employer_id: int | None = None


def excluded(search: SearchFacts, place: PlaceFacts) -> BlockerKind | None:
    """Why a place is never shown for this search whatever it asks: the candidate's home
    employer offers it, or its availability period ended before ``search.today``."""
    if search.home_employer_id is not None and place.employer_id == search.home_employer_id:
        return BlockerKind.HOME_EMPLOYER
    if search.today is not None and place.until is not None and place.until < search.today:
        return BlockerKind.ENDED
    return None


class MatchResult(NamedTuple):
    """One place evaluated for one search, with everything needed to explain and rank it."""

    place_id: int
    outcome: Outcome
    distance_km: float
    comparison: ComparisonResult
    blockers: tuple[Blocker, ...]
    conflict_count: int
    has_signals: bool
    unknown_count: int
    slack: int
    past_end_week: bool  # the placement would run past the candidate's end week
    full: bool
    at_cap: bool  # the host's intake cap is reached: no new proposals for now
    sector: str | None = None
    function: str | None = None
    preferred_sector: bool = False
    preferred_function: bool = False

    @property
    def too_far(self) -> bool:
        return any(b.kind is BlockerKind.TOO_FAR for b in self.blockers)


def _amount(result: Result) -> float:
    if isinstance(result, DimensionResult):
        return float(result.excess)
    if isinstance(result, HoursResult):
        return result.shortfall
    return 0.0


def evaluate(
    search: SearchFacts,
    place: PlaceFacts,
    distance_km: float | None = None,
    comparison: ComparisonResult | None = None,
) -> MatchResult:
    """Evaluate one place for one search. ``distance_km`` may be passed when already known;
    otherwise it is the geodesic distance between home and place. ``comparison`` may be
    passed when already computed: it must equal ``compare_all(search.capacity, demand)``
    for the place's demand, and ``place.demand`` is then not read (the search service
    compares from the place's match code, with memoised per-item comparisons)."""
    if distance_km is None:
        distance_km = geo.distance_km(search.home, place.coordinate)
    if comparison is None:
        comparison = compare_all(search.capacity, place.demand)
    conflicts = comparison.conflicts
    never = excluded(search, place)
    full = place.free_slots <= 0
    kind_ok = place.kind in search.kinds
    available = never is None and place.open and not full and kind_ok
    beyond = distance_km - search.max_km
    if available and beyond <= 0 and not conflicts:  # a match: nothing blocks it
        outcome, blockers = Outcome.MATCH, ()
    else:
        outcome, blockers = _not_a_clean_match(
            search, place, never, full, kind_ok, available, distance_km, conflicts
        )
    past_end = search.first_sick_day is not None and runs_past_end(
        search.first_sick_day, search.end_week, place.until, place.ongoing
    )
    sector, function = place.sector, place.function
    return MatchResult(
        place.place_id,
        outcome,
        distance_km,
        comparison,
        blockers,
        len(conflicts),
        bool(comparison.signals),
        len(comparison.unknowns),
        comparison.slack,
        past_end,
        full,
        place.at_intake_cap,
        sector,
        function,
        sector is not None and sector in search.preferred_sectors,
        function is not None and function in search.preferred_functions,
    )


def _not_a_clean_match(
    search: SearchFacts,
    place: PlaceFacts,
    never: BlockerKind | None,
    full: bool,
    kind_ok: bool,
    available: bool,
    distance_km: float,
    conflicts: tuple[Result, ...],
) -> tuple[Outcome, tuple[Blocker, ...]]:
    """The outcome and blockers of a place that is not a match without blockers."""
    blockers: list[Blocker] = []
    if never is not None:
        blockers.append(Blocker(never))
    if not place.open:
        blockers.append(Blocker(BlockerKind.CLOSED))
    if full:
        blockers.append(Blocker(BlockerKind.FULL))
    if not kind_ok:
        blockers.append(Blocker(BlockerKind.KIND, place.kind))
    beyond = distance_km - search.max_km
    if beyond > 0:
        blockers.append(Blocker(BlockerKind.TOO_FAR, None, beyond))
    for r in conflicts:
        blockers.append(Blocker(_RESULT_BLOCKER[r.kind], r.key, _amount(r)))

    if not available:
        outcome = Outcome.NO_MATCH
    elif beyond <= 0:
        if not conflicts:
            outcome = Outcome.MATCH
        elif len(conflicts) <= MAX_NEAR_MISS_CONFLICTS:
            outcome = Outcome.NEAR_MISS
        else:
            outcome = Outcome.NO_MATCH
    elif not conflicts and distance_km <= search.max_km * NEAR_MISS_RANGE_FACTOR:
        outcome = Outcome.NEAR_MISS
    else:
        outcome = Outcome.NO_MATCH
    return outcome, tuple(blockers)


RankKey = tuple[int, int, bool, int, float, int, bool, bool, int]


def rank_key(
    result: MatchResult,
    preferred_sectors: Iterable[str] | None = None,
    preferred_functions: Iterable[str] | None = None,
) -> RankKey:
    """Sort key, best first: outcome, fewer conflicts, clean before signals, fewer
    unknowns, closer, more slack, preferred sector, preferred function, then place id.
    Preferences default to those of the search the result was evaluated for."""
    if preferred_sectors is None:
        pref_sector = result.preferred_sector
    else:
        pref_sector = result.sector is not None and result.sector in set(preferred_sectors)
    if preferred_functions is None:
        pref_function = result.preferred_function
    else:
        pref_function = result.function is not None and result.function in set(preferred_functions)
    return (
        _OUTCOME_ORDER[result.outcome],
        result.conflict_count,
        result.has_signals,
        result.unknown_count,
        result.distance_km,
        -result.slack,
        not pref_sector,
        not pref_function,
        result.place_id,
    )


def rank(
    results: Iterable[MatchResult],
    preferred_sectors: Iterable[str] | None = None,
    preferred_functions: Iterable[str] | None = None,
) -> list[MatchResult]:
    """Results in display order (see ``rank_key``)."""
    sectors = None if preferred_sectors is None else frozenset(preferred_sectors)
    functions = None if preferred_functions is None else frozenset(preferred_functions)
    return sorted(results, key=lambda r: rank_key(r, sectors, functions))
