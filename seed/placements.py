"""Demo placements in every state, so the ledger shows givers and takers.

Runs after the places and candidates seeds; does nothing when there are no open places or
active candidates yet, or when placements already exist (idempotent). Every placement goes
through the real services, so transitions, slots, ledger and notifications are genuine.
"""

from __future__ import annotations

import datetime as dt
import itertools

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


def _pairs(session: Session, today: dt.date):
    places = session.scalars(
        select(Place).where(Place.status == PlaceStatus.OPEN).order_by(Place.id)
    ).all()
    candidates = session.scalars(
        select(Candidate).where(Candidate.status == TrajectoryStatus.ACTIVE).order_by(Candidate.id)
    ).all()
    for cand, place in itertools.product(candidates, places):
        if place.taken_slots >= place.slots:
            continue
        if not {n.id for n in cand.networks} & {n.id for n in place.networks}:
            continue
        yield cand, place


def load_placements(session: Session, today: dt.date | None = None) -> int:
    """Create the demo placements; returns how many were created."""
    from flask import current_app, has_request_context

    if not has_request_context():  # service messages are lazily translated per request
        with current_app.test_request_context():
            return _load(session, today)
    return _load(session, today)


def _load(session: Session, today: dt.date | None) -> int:
    if session.scalar(select(func.count(Placement.id))):
        return 0
    seeder = session.scalar(select(User).order_by(User.id))
    if seeder is None:
        return 0
    today = today or dt.date.today()
    created, used_candidates = 0, set()
    steps = iter(SCRIPT)
    for cand, place in _pairs(session, today):
        if cand.id in used_candidates:
            continue
        coach = Context(
            session, _actor(seeder.id, Role.COACH, coach_organisation_id=cand.coach_organisation_id)
        )
        host = Context(
            session, _actor(seeder.id, Role.EMPLOYER, employer_ids=frozenset({place.employer_id}))
        )
        try:
            check = svc.check_proposal(coach, cand.id, place.id)
            if check.problems:  # e.g. the intake cap: try the next pair, keep the step
                continue
            step = next(steps, None)
            if step is None:
                break
            status, started_ago, ran, detail = step
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
            if status == "accepted":
                continue
            start = today - dt.timedelta(weeks=started_ago)
            svc.start(coach, p.id, on=start)
            if status == "completed":
                svc.complete(host, p.id, detail, on=start + dt.timedelta(weeks=ran, days=-1))
            elif status == "ended_early":
                svc.end_early(coach, p.id, detail, on=start + dt.timedelta(weeks=ran, days=-1))
        except ServiceError:
            session.rollback()
    return created
