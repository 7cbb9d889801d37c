"""Which candidates of one coach organisation a newly published place fits (the webhook
event ``candidate.match_new``, issue 18).

Two statements: the organisation's active candidates with a current capacity profile who
search a network the place is offered to (not the place's employer's own employees),
with their profiles; the domain's matcher then decides per candidate in Python.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from registry.domain.matching import Outcome, evaluate
from registry.models import (
    Candidate,
    CapacityProfile,
    Place,
    TrajectoryStatus,
    candidate_networks,
)
from registry.search.usecases import candidate_search_facts, place_facts_of
from registry.services import candidates as cands


def fitting_candidates(
    session: Session, place: Place, coach_organisation_id: int, today: dt.date
) -> list[Candidate]:
    """The organisation's candidates for whom ``place`` is a MATCH (ordered by id)."""
    network_ids = [n.id for n in place.networks]
    if not network_ids:
        return []
    current = exists().where(
        CapacityProfile.candidate_id == Candidate.id, CapacityProfile.is_current.is_(True)
    )
    in_networks = exists().where(
        candidate_networks.c.candidate_id == Candidate.id,
        candidate_networks.c.network_id.in_(network_ids),
    )
    found = session.scalars(
        select(Candidate)
        .where(
            Candidate.coach_organisation_id == coach_organisation_id,
            Candidate.status == TrajectoryStatus.ACTIVE,
            Candidate.home_employer_id != place.employer_id,
            Candidate.lat.is_not(None),
            Candidate.lon.is_not(None),
            current,
            in_networks,
        )
        .options(selectinload(Candidate.profiles))
        .order_by(Candidate.id)
    ).all()
    facts = place_facts_of(place)
    return [
        c
        for c in found
        if evaluate(candidate_search_facts(c, cands.current_profile(c), today), facts).outcome
        is Outcome.MATCH
    ]
