"""Builders shared by the placement tests (places, candidates, consents, a proposal)."""

from __future__ import annotations

import datetime as dt
import itertools

from registry.models import (
    Candidate,
    CapacityProfile,
    Consent,
    ConsentScope,
    Place,
    PlaceKind,
    PlaceStatus,
)
from registry.services import placements as svc

_seq = itertools.count(1)
UTRECHT = (52.0907, 5.1214)


def place(session, employer, networks, slots=1, **kw) -> Place:
    n = next(_seq)
    values = {
        "employer_id": employer.id,
        "kind": PlaceKind.STAGE,
        "status": PlaceStatus.OPEN,
        "title": f"Plek {n}",
        "postcode": "3511 AB",
        "town": "Utrecht",
        "lat": UTRECHT[0],
        "lon": UTRECHT[1],
        "slots": slots,
        "ongoing": False,
        "available_until": dt.date.today() + dt.timedelta(days=60),
        "demands": {"lifting": {"band": 1}},
        "exposures": [],
        "offers_conditions": [],
    }
    values.update(kw)
    obj = Place(**values)
    obj.networks = list(networks)
    session.add(obj)
    session.flush()
    return obj


def candidate(session, org, home_employer, networks, **kw) -> Candidate:
    n = next(_seq)
    values = {
        "pseudonym": f"Kandidaat-{n:04d}",
        "coach_organisation_id": org.id,
        "home_employer_id": home_employer.id,
        "given_name": "Anna",
        "family_name": f"Jansen{n}",
        "email": f"anna{n}@example.nl",
        "phone": "0612345678",
        "postcode": "3512 AB",
        "postcode_area": "3512",
        "lat": UTRECHT[0] + 0.01,
        "lon": UTRECHT[1],
        "max_km": 25,
        "accepted_kinds": [k.value for k in PlaceKind],
        "first_sick_day": dt.date.today() - dt.timedelta(weeks=30),
    }
    values.update(kw)
    obj = Candidate(**values)
    obj.networks = list(networks)
    obj.profiles = [CapacityProfile(capacities={"lifting": 2})]
    session.add(obj)
    session.flush()
    return obj


def consent_introduce(session, cand, host_employer) -> Consent:
    obj = Consent(
        candidate_id=cand.id,
        scope=ConsentScope.INTRODUCE,
        host_employer_id=host_employer.id,
        given_on=dt.date.today(),
    )
    session.add(obj)
    session.flush()
    return obj


def proposal(make_ctx, coach, cand, pl, **kw):
    data = svc.ProposalInput(
        candidate_id=cand.id, place_id=pl.id, motivation=kw.pop("motivation", "Goede match"), **kw
    )
    return svc.propose(make_ctx(coach), data)


def at_day(day: dt.date) -> dt.datetime:
    """A moment on ``day`` (for a context clock: the step happened that day)."""
    return dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)


def accept_on(make_ctx, host_user, pl_or_id, day: dt.date | None = None):
    """The host accepts, on ``day`` (default today) as the history records it."""
    pid = getattr(pl_or_id, "id", pl_or_id)
    kw = {} if day is None else {"clock": lambda: at_day(day)}
    return svc.accept(make_ctx(host_user, **kw), pid)


def introduce(make_ctx, coach_user, pl_or_id, **kw):
    """The coach records the candidate's consent to the introduction (issue 12)."""
    pid = getattr(pl_or_id, "id", pl_or_id)
    return svc.introduce(make_ctx(coach_user), pid, svc.IntroductionInput(**kw))


def ready_to_start(make_ctx, host_user, coach_user, pl_or_id, accepted_on=None):
    """Accept (on ``accepted_on``, default today) and introduce: the placement may start
    on any day from ``accepted_on`` to today."""
    accept_on(make_ctx, host_user, pl_or_id, accepted_on)
    return introduce(make_ctx, coach_user, pl_or_id)


def request_context_fixture():
    """Service errors render their (lazy) message, which needs a request's locale."""
    import pytest

    @pytest.fixture(autouse=True)
    def _request_context(app):
        with app.test_request_context():
            yield

    return _request_context
