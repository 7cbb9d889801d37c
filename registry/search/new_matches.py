"""New matches since the coach's last search: the coach's to-do "new places that fit".

Runs the domain's matcher on the (candidate, new place) pairs only, so the home page
costs four statements whatever the number of candidates and places.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, selectinload

from registry.domain.matching import Outcome, SearchFacts, evaluate
from registry.models import (
    Candidate,
    CapacityProfile,
    Place,
    PlaceStatus,
    TrajectoryStatus,
    candidate_networks,
    place_networks,
)
from registry.models.search import SearchVisit
from registry.search.usecases import candidate_search_facts, place_facts_of
from registry.services import candidates as cands


def new_matches_since_visit(
    session: Session, user_id: int, coach_organisation_id: int, today: dt.date
) -> dict[int, int]:
    """Per active candidate of the coach's organisation with a current capacity profile:
    how many places created after ``user_id``'s last search for them the matcher accepts
    (:func:`registry.domain.matching.evaluate` says MATCH: open with a free slot, a kind
    the candidate accepts, within travel range, no capacity conflict, not the home
    employer's, period not ended). Candidates without such a place are left out.

    Four statements whatever the number of candidates and places: the oldest search, the
    (candidate, new place) pairs in the candidate's networks, the candidates with their
    profiles, the places; the matcher then runs in Python on those pairs only."""
    current = exists().where(
        CapacityProfile.candidate_id == Candidate.id, CapacityProfile.is_current.is_(True)
    )
    # The coach's oldest search, read first and bound as a value: with a subquery the
    # planner cannot see how recent it is, and PostgreSQL joined every place of the
    # candidates' networks (200,000 rows, 1.2 s on the national data set) instead of
    # seeking the few places created since by ``ix_places_status_created``.
    oldest = session.scalar(
        select(func.min(SearchVisit.searched_at)).where(SearchVisit.user_id == user_id)
    )
    if oldest is None:
        return {}
    pairs = session.execute(
        select(SearchVisit.candidate_id, Place.id)
        .join(Candidate, Candidate.id == SearchVisit.candidate_id)
        .join(candidate_networks, candidate_networks.c.candidate_id == Candidate.id)
        .join(place_networks, place_networks.c.network_id == candidate_networks.c.network_id)
        .join(Place, Place.id == place_networks.c.place_id)
        .where(
            SearchVisit.user_id == user_id,
            Candidate.coach_organisation_id == coach_organisation_id,
            Candidate.status == TrajectoryStatus.ACTIVE,
            current,
            Place.status == PlaceStatus.OPEN,
            Place.employer_id != Candidate.home_employer_id,
            Place.created_at > SearchVisit.searched_at,
            # A constant bound (the coach's oldest search), so the database seeks the few
            # recent open places by their index (issue 17) instead of every place.
            Place.created_at > oldest,
        )
        .distinct()
    ).all()
    if not pairs:
        return {}
    candidates = {
        c.id: c
        for c in session.scalars(
            select(Candidate)
            .where(Candidate.id.in_({c for c, _ in pairs}))
            .options(selectinload(Candidate.profiles))
        )
    }
    places = {
        p.id: place_facts_of(p)
        for p in session.scalars(select(Place).where(Place.id.in_({p for _, p in pairs})))
    }
    facts: dict[int, SearchFacts | None] = {}
    out: dict[int, int] = {}
    for candidate_id, place_id in pairs:
        if candidate_id not in facts:
            candidate = candidates[candidate_id]
            facts[candidate_id] = (
                None
                if candidate.lat is None or candidate.lon is None
                else candidate_search_facts(candidate, cands.current_profile(candidate), today)
            )
        search = facts[candidate_id]
        if search is not None and evaluate(search, places[place_id]).outcome is Outcome.MATCH:
            out[candidate_id] = out.get(candidate_id, 0) + 1
    return out
