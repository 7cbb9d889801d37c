"""The brute-force reference of the match search, for the tests and the benchmark only.

The honest baseline: the database filters what a plain query would (open, a free slot,
an accepted kind, offered to one of the search's networks, the sector filter), then
every remaining place is evaluated by the domain's own rules with geopy's geodesic
(:func:`matching.evaluate` without a precomputed distance or comparison) and ranked by
:func:`matching.rank`. No index tricks, no codes, no vectorisation: what the search
engine must equal.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.matching import MatchResult, Outcome, SearchFacts, evaluate, rank
from registry.models import Place, PlaceKind, PlaceStatus, place_networks
from registry.search.engine import DEFAULT_LIMIT, NEAR_MISS_LIMIT, Scope
from registry.search.usecases import place_facts_of

FULL_COLUMNS = (
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


def evaluated(session: Session, facts: SearchFacts, scope: Scope) -> list[MatchResult]:
    """Every place a plain query returns, evaluated by the domain (geopy distances)."""
    if not scope.network_ids or not facts.kinds:
        return []
    member = select(place_networks.c.place_id).where(
        place_networks.c.network_id.in_(sorted(scope.network_ids))
    )
    query = select(*FULL_COLUMNS).where(
        Place.status == PlaceStatus.OPEN,
        Place.slots > Place.taken_slots,
        Place.kind.in_([k for k in PlaceKind if k.value in facts.kinds]),
        Place.id.in_(member),
    )
    if scope.sector:
        query = query.where(Place.sector == scope.sector)
    return [evaluate(facts, place_facts_of(row)) for row in session.execute(query)]


def reference_page(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    *,
    limit: int = DEFAULT_LIMIT,
    near_limit: int = NEAR_MISS_LIMIT,
) -> tuple[list[MatchResult], list[MatchResult]]:
    """The brute force's matches and near misses, each ranked and cut to its limit."""
    results = evaluated(session, facts, scope)
    found = rank(r for r in results if r.outcome is Outcome.MATCH)
    near = rank(r for r in results if r.outcome is Outcome.NEAR_MISS)
    return found[: max(limit, 0)], near[: max(near_limit, 0)]


def reference_search(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    *,
    limit: int = DEFAULT_LIMIT,
    outcomes: tuple[Outcome, ...] = (Outcome.MATCH, Outcome.NEAR_MISS),
) -> list[MatchResult]:
    """The brute force: the ``limit`` best places of the given outcomes, ranked."""
    results = evaluated(session, facts, scope)
    return rank(r for r in results if r.outcome in outcomes)[:limit]
