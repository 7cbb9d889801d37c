"""Demo placements in every state, so the ledger shows givers and takers.

Runs after the places and candidates seeds; does nothing when there are no open places or
active candidates yet, or when placements already exist (idempotent). Every placement goes
through the real services, so transitions, slots, ledger and notifications are genuine.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain.permissions import Actor, Role
from registry.models import Candidate, Place, Placement, PlaceStatus, TrajectoryStatus, User
from registry.services import placements as svc
from registry.services.context import Context
from registry.services.errors import ServiceError

# (final status, weeks ago it started, weeks it ran, outcome / reason)
SCRIPT = [
    ("completed", 20, 8, "hired"),
    ("completed", 16, 6, "returned_home"),
    ("ended_early", 12, 3, "workload_too_high"),
    ("started", 5, None, None),
    ("started", 2, None, None),
    ("accepted", None, None, None),
    ("completed", 10, 4, "secondment_continued"),
    ("declined", None, None, "no_capacity"),
    ("withdrawn", None, None, None),
    ("proposed", None, None, None),
    ("proposed", None, None, None),
    ("cancelled", None, None, None),
]


def _actor(user_id: int, role: Role, **kw) -> Actor:
    return Actor(user_id=user_id, roles=frozenset({role}), **kw)


class _Cand(NamedTuple):
    id: int
    home_employer_id: int | None
    networks: frozenset[int]
    coach_organisation_id: int | None
    first_sick_day: dt.date | None


class _Place(NamedTuple):
    id: int
    employer_id: int
    networks: frozenset[int]
    slots: int


def _pairs(session: Session):
    """Candidate and open place pairs that may meet (a shared network, another employer),
    as plain values: every service call commits, and ORM objects would reload after it."""
    places = [
        _Place(p.id, p.employer_id, frozenset(n.id for n in p.networks), p.slots or 0)
        for p in session.scalars(
            select(Place).where(Place.status == PlaceStatus.OPEN).order_by(Place.id)
        )
    ]
    candidates = [
        _Cand(
            c.id,
            c.home_employer_id,
            frozenset(n.id for n in c.networks),
            c.coach_organisation_id,
            c.first_sick_day,
        )
        for c in session.scalars(
            select(Candidate)
            .where(Candidate.status == TrajectoryStatus.ACTIVE)
            .order_by(Candidate.id)
        )
    ]
    for cand, place in itertools.product(candidates, places):
        if not cand.networks & place.networks:
            continue
        if place.employer_id == cand.home_employer_id:  # second track: another employer
            continue
        yield cand, place


def _full(session: Session, place: _Place) -> bool:
    """The place's slots are taken now (earlier steps of the seed take slots)."""
    taken = session.scalar(select(Place.taken_slots).where(Place.id == place.id))
    return (taken or 0) >= place.slots


def load_placements(session: Session, today: dt.date | None = None) -> int:
    """Create the demo placements; returns how many were created."""
    from flask import current_app, has_request_context

    if not has_request_context():  # service messages are lazily translated per request
        with current_app.test_request_context():
            return _load(session, today)
    return _load(session, today)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


def _contexts(session: Session, seeder: int, cand: _Cand, place: _Place, day: dt.date):
    """Coach and host contexts acting on ``day`` (history dates are true: the proposal,
    acceptance and introduction precede the recorded start)."""
    clock = (lambda: _at(day)) if day != dt.date.today() else None
    coach = Context(
        session,
        _actor(seeder, Role.COACH, coach_organisation_id=cand.coach_organisation_id),
        clock=clock,
    )
    host = Context(
        session,
        _actor(seeder, Role.EMPLOYER, employer_ids=frozenset({place.employer_id})),
        clock=clock,
    )
    return coach, host


def _load(session: Session, today: dt.date | None) -> int:
    if session.scalar(select(func.count(Placement.id))):
        return 0
    seeder = session.scalar(select(User.id).order_by(User.id))
    if seeder is None:
        return 0
    today = today or dt.date.today()
    created, used_candidates = 0, set()
    steps = list(SCRIPT)
    for cand, place in _pairs(session):
        if not steps:
            break
        if cand.id in used_candidates:
            continue
        status, started_ago, ran, detail = steps[0]
        start = today - dt.timedelta(weeks=started_ago) if started_ago else None
        # Proposed and accepted a week before the start, introduced two days before.
        asked = start - dt.timedelta(days=7) if start else today
        if cand.first_sick_day and cand.first_sick_day > asked:
            continue  # sick only later than this step needs: try the next pair
        if _full(session, place):
            continue
        coach, host = _contexts(session, seeder, cand, place, asked)
        try:
            check = svc.check_proposal(coach, cand.id, place.id)
            if check.problems:  # e.g. the intake cap: try the next pair, keep the step
                continue
            steps.pop(0)
            p = svc.propose(
                coach,
                svc.ProposalInput(
                    candidate_id=cand.id,
                    place_id=place.id,
                    motivation="Demo: passend bij de belastbaarheid en de reisafstand.",
                    signal_reasons={
                        k: "Demo: besproken met de gastwerkgever"
                        for k in check.signal_keys + check.conflict_keys
                    },
                    confirm_past_end=True,
                ),
            )
            used_candidates.add(cand.id)
            created += 1
            if status == "proposed":
                continue
            if status == "declined":
                svc.decline(host, p.id, detail)
                continue
            if status == "withdrawn":
                svc.withdraw(coach, p.id)
                continue
            svc.accept(host, p.id)
            if status == "cancelled":
                svc.cancel(coach, p.id)
                continue
            if status == "accepted" or start is None:
                continue  # the introduction is still to come: the demo shows that step
            introducer, _ = _contexts(session, seeder, cand, place, start - dt.timedelta(days=2))
            svc.introduce(introducer, p.id, svc.IntroductionInput())
            starter, _ = _contexts(session, seeder, cand, place, start)
            svc.start(starter, p.id, on=start)
            if ran is None:
                continue
            end = start + dt.timedelta(weeks=ran)  # ran real weeks (days // 7 == ran)
            closer, closing_host = _contexts(session, seeder, cand, place, end)
            if status == "completed":
                svc.complete(closing_host, p.id, detail, on=end)
            elif status == "ended_early":
                svc.end_early(closer, p.id, detail, on=end)
        except ServiceError:
            session.rollback()
    return created
