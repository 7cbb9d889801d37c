"""Match alerts in the demo (issue 20): ``coach@voorbeeld.nl`` follows the search of one
of their candidates, and ``werkgever@voorbeeld.nl``'s employer (Zorggroep Noordoost
Twente) has a draft that fits it. Offering that draft (*Aanbieden*) tells the coach in
the inbox and by mail; the test ``tests/services/test_alerts_demo.py`` shows it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.matching import Outcome, evaluate
from registry.models import (
    Candidate,
    Employer,
    MembershipStatus,
    Place,
    PlaceKind,
    PlaceStatus,
    TrajectoryStatus,
)
from registry.models.alerts import SearchFollow
from registry.search import alerts
from registry.search.usecases import SearchFilters, candidate_search_facts, place_facts_of
from registry.services import candidates as cands
from registry.services.accounts import find_user_by_email
from registry.services.places import refresh_derived

ALERT_DRAFT_REF = "DEMO-ALERT-1"
HOST_KVK = "10000002"  # Zorggroep Noordoost Twente, werkgever@voorbeeld.nl's employer
COACH_EMAIL = "coach@voorbeeld.nl"


def _draft(host: Employer, network_ids: set[int], session: Session) -> Place:
    """A light place at the host's address: no workload item stated beyond sitting, a
    few hours, every condition offered, no exposure."""
    from registry.domain.workload import CONDITIONS
    from registry.geodata import default_directory

    area = default_directory().lookup(host.postcode[:4])
    networks = [m.network for m in host.memberships if m.network_id in network_ids]
    place = Place(
        employer_id=host.id,
        external_ref=ALERT_DRAFT_REF,
        kind=PlaceKind.WERKERVARINGSPLAATS,
        status=PlaceStatus.DRAFT,
        title="Gastvrouw of gastheer in het zorgcafé",
        function="gastvrouw",
        sector=host.sbi_section,
        description="Bezoekers en bewoners ontvangen in het zorgcafé, koffie schenken, "
        "een praatje maken. Rustig tempo, vaste begeleider.",
        postcode=host.postcode,
        town=area.town if area else host.town,
        lat=area.lat if area else None,
        lon=area.lon if area else None,
        geo_precision="postcode",
        slots=1,
        min_hours_week=8,
        usual_hours_week=12,
        lower_start_allowed=True,
        schedule_days=["mon", "wed"],
        ongoing=True,
        typical_weeks=12,
        offers=[],
        contact_name=host.contact_name,
        contact_email=host.contact_email,
        demands={},
        exposures=[],
        offers_conditions=[c.key for c in CONDITIONS],
    )
    place.networks = networks
    refresh_derived(place)
    return place


def load_alerts(session: Session, today: dt.date | None = None) -> int:
    """Create the coach's followed search and the fitting draft; 1 when created."""
    today = today or dt.date.today()
    if session.scalar(select(Place.id).where(Place.external_ref == ALERT_DRAFT_REF)):
        return 0
    coach = find_user_by_email(session, COACH_EMAIL)
    host = session.scalar(select(Employer).where(Employer.kvk_number == HOST_KVK))
    if coach is None or host is None or coach.coach_organisation_id is None:
        return 0
    host_networks = {
        m.network_id
        for m in host.memberships
        if m.status == MembershipStatus.ADMITTED and not m.network.review_new_places
    }
    candidates = session.scalars(
        select(Candidate)
        .where(
            Candidate.coach_organisation_id == coach.coach_organisation_id,
            Candidate.status == TrajectoryStatus.ACTIVE,
            Candidate.home_employer_id != host.id,
            Candidate.lat.is_not(None),
        )
        .order_by(Candidate.id)
    ).all()
    for candidate in candidates:
        shared = {n.id for n in candidate.networks} & host_networks
        profile = cands.current_profile(candidate)
        if not shared or profile is None:
            continue
        place = _draft(host, shared, session)
        if place.lat is None:
            return 0
        facts = candidate_search_facts(candidate, profile, today)
        opened = place_facts_of(place)._replace(open=True, free_slots=1)
        if evaluate(facts, opened).outcome is not Outcome.MATCH:
            continue
        session.add(place)
        follow = SearchFollow(user_id=coach.id, candidate_id=candidate.id, filters={})
        alerts.refresh_follow(follow, candidate, today)
        follow.filters = alerts.saved_filters(SearchFilters())
        session.add(follow)
        session.commit()
        return 1
    return 0
