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
    PlaceKind,
    ProfileSource,
    TrajectoryOutcome,
    TrajectoryStatus,
    TravelMode,
    User,
    UserRole,
)
from registry.services.accounts import find_user_by_email, hash_password
from registry.services.pseudonyms import make_pseudonym

COUNT = 84
SEED = 20261125
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
    dims = list(all_dimensions())
    capacities: dict[str, int | None] = {}
    for dim in rng.sample(dims, rng.randint(2, 7)):
        capacities[dim.key] = rng.randint(0, dim.heaviest - 1)
    assessed = today - dt.timedelta(days=rng.randint(200, 500) if stale else rng.randint(10, 150))
    return CapacityProfile(
        is_current=True,
        capacities=capacities,
        avoid_exposures=sorted(f.key for f in rng.sample(EXPOSURES, rng.randint(0, 2))),
        needs_conditions=sorted(f.key for f in rng.sample(CONDITIONS, rng.randint(0, 2))),
        hours_per_day=rng.randint(0, len(HOURS_PER_DAY) - 1),
        hours_per_week=rng.randint(0, len(HOURS_PER_WEEK) - 1),
        source=rng.choice(list(ProfileSource)),
        assessed_on=assessed,
        review_on=assessed + dt.timedelta(days=180),
        fml_version=rng.choice(["FML 2015", "FML 2002", ""]),
    )


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
    session.commit()
    return created
