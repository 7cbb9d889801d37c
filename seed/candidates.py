"""Demo candidates: 84 second-track trajectories across both coach organisations.

Deterministic (a seeded random generator; weeks are relative to the day it runs) and
idempotent (a candidate is found by its pseudonym before it is created). Varied on
purpose: some past week 58 without a second-track start, some near week 104, an
extended one, stale profiles, no profile, no consent, named introductions and a few
closed trajectories. Names are invented.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.domain.matching import Outcome, PlaceFacts, evaluate
from registry.domain.permissions import Role
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    HOURS_PER_DAY,
    HOURS_PER_WEEK,
    all_dimensions,
)
from registry.geodata import default_directory
from registry.models import (
    Candidate,
    CapacityProfile,
    CoachOrganisation,
    Consent,
    ConsentScope,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    Place,
    PlaceKind,
    PlaceStatus,
    ProfileSource,
    TrajectoryOutcome,
    TrajectoryStatus,
    TravelMode,
    User,
    UserRole,
)
from registry.search.usecases import candidate_search_facts, place_facts_of
from registry.services.accounts import find_user_by_email, hash_password
from registry.services.pseudonyms import make_pseudonym

COUNT = 84
SEED = 20261125
# Bands below normal per limited item, and how many exposures/conditions a profile names.
LIMIT_DEPTH = (1, 1, 1, 2, 2, 3)
FLAG_COUNTS = (0, 0, 1, 1, 2)
# A candidate who shares a profile gets at least this many matches or near misses: the coach
# widens the travel range step by step (in the country's sparser areas a demo candidate
# travels further) and, failing that, accepts every kind of place. One spare result is
# kept for the slots the demo placements take.
MIN_RESULTS = 4
WIDER_KM = (15, 20, 25, 30, 40, 50, 60)
# The showcase candidate: a coach's candidate whose search shows the showcase place of the
# demo employer contact's organisation as a match with a signal (one dimension one band
# above capacity but adjustable), so the demo can walk a proposal with a signal reason
# through to the certificate. Home employer: Tubantia Textiel; host: ZNT Zorg.
SHOWCASE_PSEUDONYM = "Dappere Kievit 42"
SHOWCASE_HOME_KVK = "10000001"
SECOND_COACH = ("coach.oost@voorbeeld.nl", "Olga Oosterhuis")

GIVEN = (
    "Anna", "Bram", "Citlali", "Daan", "Esra", "Fleur", "Gijs", "Hanna", "Ivo", "Jasmijn",
    "Kees", "Lotte", "Mohamed", "Noor", "Olaf", "Priya", "Quinten", "Roos", "Sem", "Tess",
    "Umut", "Vera", "Wouter", "Yara", "Zeynep", "Ruben", "Ilse", "Karim", "Maaike", "Joost",
)  # fmt: skip
FAMILY = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer",
    "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen",
    "Dekker", "Brouwer", "de Wit", "Dijkstra", "Yilmaz", "El Amrani", "Kaya", "Tran",
)  # fmt: skip
FUNCTIONS = (
    "administratief werk", "receptie", "magazijn, licht werk", "klantenservice",
    "planning", "groenvoorziening", "techniek, werkvoorbereiding", "zorgondersteuning",
    "facilitaire dienst", "ICT-ondersteuning",
)  # fmt: skip
NOTES = (
    "Wil graag in een klein team werken.",
    "Heeft een rijbewijs B; fietst graag.",
    "Voorkeur voor ochtenden.",
    "Wil ervaring opdoen in een nieuwe sector.",
    "",
)


def _second_coach(session: Session, org: CoachOrganisation) -> User:
    user = find_user_by_email(session, SECOND_COACH[0])
    if user is None:
        from seed.demo import DEMO_PASSWORD

        user = User(
            email=SECOND_COACH[0],
            display_name=SECOND_COACH[1],
            password_hash=hash_password(DEMO_PASSWORD),
            language="nl",
            roles=[UserRole(role=Role.COACH)],
            coach_organisation=org,
        )
        session.add(user)
        session.flush()
    return user


def _weeks(i: int, rng: random.Random) -> tuple[int, bool, int]:
    """(weeks since the first day of sickness, second track started?, end week)."""
    band = i % 6
    if band == 0:
        return rng.randint(8, 40), False, 104
    if band == 1:
        return rng.randint(44, 58), rng.random() < 0.4, 104
    if band == 2:
        return rng.randint(59, 86), False, 104  # second track late
    if band == 3:
        return rng.randint(59, 90), True, 104
    if band == 4:
        return rng.randint(92, 103), True, 104  # near the end
    extended = rng.random() < 0.3
    return rng.randint(20, 110 if extended else 100), True, 130 if extended else 104


def _profile(rng: random.Random, today: dt.date, stale: bool) -> CapacityProfile:
    """A realistic profile: a few limited items, mostly one or two bands below normal
    (a demo full of people who can do almost nothing would show no matches)."""
    dims = list(all_dimensions())
    capacities: dict[str, int | None] = {}
    for dim in rng.sample(dims, rng.randint(2, 6)):
        capacities[dim.key] = max(0, dim.heaviest - rng.choice(LIMIT_DEPTH))
    assessed = today - dt.timedelta(days=rng.randint(200, 500) if stale else rng.randint(10, 150))
    return CapacityProfile(
        is_current=True,
        capacities=capacities,
        avoid_exposures=sorted(f.key for f in rng.sample(EXPOSURES, rng.choice(FLAG_COUNTS))),
        needs_conditions=sorted(f.key for f in rng.sample(CONDITIONS, rng.choice(FLAG_COUNTS))),
        hours_per_day=rng.randint(1, len(HOURS_PER_DAY) - 1),
        hours_per_week=rng.randint(1, len(HOURS_PER_WEEK) - 1),
        source=rng.choice(list(ProfileSource)),
        assessed_on=assessed,
        review_on=assessed + dt.timedelta(days=180),
        fml_version=rng.choice(["FML 2015", "FML 2002", ""]),
    )


def _open_places(session: Session) -> list[tuple[frozenset[int], PlaceFacts]]:
    """Open places with a free slot, with the networks they are offered to."""
    places = session.scalars(
        select(Place).where(Place.status == PlaceStatus.OPEN).order_by(Place.id)
    ).all()
    return [
        (frozenset(n.id for n in p.networks), place_facts_of(p))
        for p in places
        if p.lat is not None and p.slots > p.taken_slots
    ]


def _results(candidate: Candidate, profile, places) -> int:
    """Matches plus near misses for the candidate (the domain rules, every open place)."""
    facts = candidate_search_facts(candidate, profile)
    networks = {n.id for n in candidate.networks}
    return sum(
        evaluate(facts, place).outcome is not Outcome.NO_MATCH
        for offered, place in places
        if offered & networks
    )


def _widen(candidate: Candidate, profile, places) -> None:
    """Widen the travel range (then the kinds) until the search shows a few results."""
    if _results(candidate, profile, places) >= MIN_RESULTS:
        return
    for km in WIDER_KM:
        if km <= candidate.max_km:
            continue
        candidate.max_km = km
        if _results(candidate, profile, places) >= MIN_RESULTS:
            return
    candidate.accepted_kinds = sorted(k.value for k in PlaceKind)


def _showcase(session: Session, today: dt.date, coach: User | None, org, networks) -> int:
    """Create the showcase candidate (see ``SHOWCASE_PSEUDONYM``); 1 when created."""
    from seed.places import SHOWCASE_REF

    if session.scalar(select(Candidate.id).where(Candidate.pseudonym == SHOWCASE_PSEUDONYM)):
        return 0
    place = session.scalar(select(Place).where(Place.external_ref == SHOWCASE_REF))
    home = session.scalar(select(Employer).where(Employer.kvk_number == SHOWCASE_HOME_KVK))
    if place is None or home is None or place.status is not PlaceStatus.OPEN:
        return 0
    shared = [n for n in place.networks if n.id in networks]
    home_networks = {
        m.network_id for m in home.memberships if m.status == MembershipStatus.ADMITTED
    }
    shared = [n for n in shared if n.id in home_networks]
    soft = [
        (key, d["band"])
        for key, d in sorted((place.demands or {}).items())
        if d.get("band") is not None and d["band"] >= 1 and (d["incidental"] or d["adjustable"])
    ]
    if not shared or not soft:
        return 0
    signal_key, band = soft[0]
    exposures = set(place.exposures or ())
    area = default_directory().lookup(home.postcode[:4])
    first = today - dt.timedelta(weeks=60)
    candidate = Candidate(
        pseudonym=SHOWCASE_PSEUDONYM,
        coach_organisation_id=org.id,
        coach_id=coach.id if coach else None,
        home_employer_id=home.id,
        status=TrajectoryStatus.ACTIVE,
        given_name="Sanne",
        family_name="Voorbeeld",
        email="sanne.voorbeeld@mail.voorbeeld.nl",
        phone="06 12345678",
        postcode=f"{area.digits} KL",
        postcode_area=area.digits,
        lat=area.lat,
        lon=area.lon,
        notes="Wil graag in de zorg ervaring opdoen; tillen en dragen opbouwen.",
        max_km=30,
        travel_mode=TravelMode.BIKE,
        accepted_kinds=sorted(k.value for k in PlaceKind),
        preferred_sectors=[place.sector] if place.sector else [],
        preferred_functions=place.function or "",
        hours_per_day=6.0,
        hours_per_week=24.0,
        first_sick_day=first,
        end_week=104,
        end_week_reason="",
        second_track_start=first + dt.timedelta(weeks=50),
    )
    candidate.networks = shared
    session.add(candidate)
    session.flush()
    avoid = next((f.key for f in EXPOSURES if f.key not in exposures), None)
    offered = [c.key for c in CONDITIONS if c.key in (place.offers_conditions or ())]
    session.add(
        CapacityProfile(
            candidate_id=candidate.id,
            created_by_id=candidate.coach_id,
            is_current=True,
            capacities={signal_key: band - 1},
            avoid_exposures=[avoid] if avoid and place.exposures is not None else [],
            needs_conditions=offered[:1],
            hours_per_day=len(HOURS_PER_DAY) - 1,
            hours_per_week=len(HOURS_PER_WEEK) - 2,
            source=ProfileSource.LABOUR_EXPERT,
            assessed_on=today - dt.timedelta(days=30),
            review_on=today + dt.timedelta(days=150),
            fml_version="FML 2015",
        )
    )
    session.add(
        Consent(
            candidate_id=candidate.id,
            scope=ConsentScope.SHARE_PROFILE,
            network_ids=[n.id for n in shared],
            given_on=today - dt.timedelta(days=30),
            text="Akkoord met delen van het pseudonieme profiel in het netwerk.",
            recorded_by_id=candidate.coach_id,
        )
    )
    # No introduce consent yet: the coach records it on the placement page once the host
    # accepted (the introduction step of issue 12, shown by the placements journey).
    return 1


def load_candidates(session: Session, today: dt.date | None = None) -> int:
    """Create the demo candidates that do not exist yet; return how many were created."""
    today = today or dt.date.today()
    rng = random.Random(SEED)
    orgs = list(session.scalars(select(CoachOrganisation).order_by(CoachOrganisation.id)))
    if len(orgs) < 2:
        return 0
    coach_one = session.scalar(
        select(User).where(User.coach_organisation_id == orgs[0].id).order_by(User.id)
    )
    coaches = {orgs[0].id: coach_one, orgs[1].id: _second_coach(session, orgs[1])}
    members: dict[int, list[int]] = {}
    for employer_id, network_id in session.execute(
        select(Membership.employer_id, Membership.network_id)
        .where(Membership.status == MembershipStatus.ADMITTED)
        .order_by(Membership.employer_id, Membership.network_id)
    ):
        members.setdefault(employer_id, []).append(network_id)
    employers = list(
        session.scalars(select(Employer).where(Employer.id.in_(members)).order_by(Employer.id))
    )
    if not employers:
        return 0
    networks = {n.id: n for n in session.scalars(select(Network))}
    directory = default_directory()
    places = _open_places(session)
    seen: set[str] = set()
    created = 0
    for i in range(COUNT):
        pseudonym = make_pseudonym(rng.choice)
        while pseudonym in seen:
            pseudonym = make_pseudonym(rng.choice)
        seen.add(pseudonym)
        # Draw everything for this candidate first, so skipping keeps the sequence stable.
        org = orgs[i % 2]
        home = employers[rng.randrange(len(employers))]
        weeks, started, end_week = _weeks(i, rng)
        first = today - dt.timedelta(weeks=weeks, days=rng.randint(0, 6))
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        letters = rng.choice(["AB", "CD", "EK", "GH", "LM", "NP", "RS", "TV"])
        kinds = sorted(k.value for k in rng.sample(list(PlaceKind), rng.randint(2, 5)))
        has_profile = i % 9 != 4
        stale = i % 7 == 3
        consent = i % 10  # 0-1: none; 2: introduce as well; others share
        closed = i % 17 == 16
        profile = _profile(rng, today, stale) if has_profile else None
        max_km = rng.choice([10, 15, 20, 25, 30, 40, 50])
        mode = rng.choice(list(TravelMode))
        hours = rng.choice([(2, 8), (3, 12), (4, 16), (4, 20), (6, 24), (8, 32)])
        function = rng.choice(FUNCTIONS)
        note = rng.choice(NOTES)
        start_week = min(weeks - 1, rng.randint(40, 56))
        outcome = rng.choice(list(TrajectoryOutcome))
        if session.scalar(select(Candidate.id).where(Candidate.pseudonym == pseudonym)):
            continue
        area = directory.lookup(home.postcode[:4]) or directory.lookup("3511")
        candidate = Candidate(
            pseudonym=pseudonym,
            coach_organisation_id=org.id,
            coach_id=coaches[org.id].id if coaches[org.id] else None,
            home_employer_id=home.id,
            status=TrajectoryStatus.ACTIVE,
            given_name=given,
            family_name=family,
            email=f"{given.lower()}.{i}@mail.voorbeeld.nl",
            phone=f"06 {10000000 + i * 7919 % 89999999:08d}",
            postcode=f"{area.digits} {letters}",
            postcode_area=area.digits,
            lat=area.lat,
            lon=area.lon,
            notes=note or None,
            max_km=max_km,
            travel_mode=mode,
            accepted_kinds=kinds,
            preferred_sectors=[home.sbi_section],
            preferred_functions=function,
            hours_per_day=float(hours[0]),
            hours_per_week=float(hours[1]),
            first_sick_day=first,
            end_week=end_week,
            end_week_reason="Loonsanctie UWV" if end_week != 104 else "",
            second_track_start=first + dt.timedelta(weeks=start_week) if started else None,
        )
        candidate.networks = [networks[n] for n in members[home.id]]
        if consent >= 2 and places:
            _widen(candidate, profile, places)
        session.add(candidate)
        session.flush()
        if profile is not None:
            profile.candidate_id = candidate.id
            profile.created_by_id = candidate.coach_id
            session.add(profile)
        if consent >= 2:
            session.add(
                Consent(
                    candidate_id=candidate.id,
                    scope=ConsentScope.SHARE_PROFILE,
                    network_ids=list(members[home.id]),
                    given_on=max(first, today - dt.timedelta(days=30)),
                    text="Akkoord met delen van het pseudonieme profiel in het netwerk.",
                    recorded_by_id=candidate.coach_id,
                )
            )
        if consent == 2:
            hosts = [
                e
                for e in employers
                if e.id != home.id and set(members[e.id]) & set(members[home.id])
            ]
            if hosts:
                session.add(
                    Consent(
                        candidate_id=candidate.id,
                        scope=ConsentScope.INTRODUCE,
                        host_employer_id=hosts[i % len(hosts)].id,
                        given_on=today - dt.timedelta(days=7),
                        text="Akkoord met kennismaking.",
                        recorded_by_id=candidate.coach_id,
                    )
                )
        if closed:
            candidate.status = TrajectoryStatus.CLOSED
            candidate.outcome = outcome
            candidate.closed_on = today - dt.timedelta(days=20 + i)
        created += 1
    created += _showcase(session, today, coaches[orgs[0].id], orgs[0], networks)
    session.commit()
    return created
