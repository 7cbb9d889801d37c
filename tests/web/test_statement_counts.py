"""A fixed number of SQL statements per page (issue 17): every list and detail page is
rendered on a small and on a ten times larger registry (the scale seed at two sizes, so
every role's pages have realistic rows) and must send the same number of statements."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from registry.domain.placement import Status
from registry.extensions import db
from registry.models import (
    AuditEvent,
    Candidate,
    Network,
    Notification,
    Place,
    Placement,
    User,
    employer_contacts,
)
from seed.scale import Sizes, load_scale
from tests.conftest import wipe
from tests.statements import statements_for

PASSWORD = "demo1234"
SMALL = Sizes(
    networks=2, employers=6, places=6, coach_organisations=2, candidates=8, placements=6,
    audit_events=6, notifications=6,
)  # fmt: skip
LARGE = Sizes(
    networks=2, employers=60, places=400, coach_organisations=2, candidates=120,
    placements=160, audit_events=300, notifications=300,
)  # fmt: skip


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _busiest(column, where=None) -> int:
    query = select(column, func.count()).group_by(column).order_by(func.count().desc(), column)
    if where is not None:
        query = query.where(where)
    return db.session.execute(query.limit(1)).first()[0]


def _coach_pages() -> dict[str, str]:
    coach = _user("coach@voorbeeld.nl")
    mine = Placement.candidate_id.in_(select(Candidate.id).where(Candidate.coach_id == coach.id))
    candidate = _busiest(Placement.candidate_id, mine)
    return {
        "home": "/",
        "candidates": "/candidates/",
        "candidate": f"/candidates/{candidate}",
        "candidate history": f"/candidates/{candidate}/history",
        "placements": "/placements/",
        "notifications": "/notifications/",
    }


def _employer_pages() -> dict[str, str]:
    contact = _user("werkgever@voorbeeld.nl")
    employer = db.session.scalar(
        select(employer_contacts.c.employer_id).where(employer_contacts.c.user_id == contact.id)
    )
    place = _busiest(Placement.place_id, Placement.host_employer_id == employer)
    proposal = db.session.scalar(
        select(func.min(Placement.id)).where(
            Placement.host_employer_id == employer, Placement.status == Status.PROPOSED
        )
    )
    return {
        "home": "/",
        "places": "/places/",
        "place": f"/places/{place}",
        "place history": f"/places/{place}/history",
        "inbox": "/placements/inbox",
        "placement": f"/placements/{proposal}",
        "employer dashboard": f"/dashboard/employer/{employer}",
        "notifications": "/notifications/",
    }


def _coordinator_pages() -> dict[str, str]:
    network = db.session.scalar(select(Network.id).order_by(Network.id))
    return {
        "home": "/",
        "curation": "/curation/places?status=",
        "members": f"/networks/{network}",
        "network dashboard": f"/dashboard/network/{network}",
        "network candidates": f"/candidates/network/{network}",
    }


def _admin_pages() -> dict[str, str]:
    return {
        "users": "/admin/users",
        "employers": "/employers/",
        "networks": "/networks/",
        "coach organisations": "/admin/coach-organisations",
    }


ROLES = {
    "coach@voorbeeld.nl": _coach_pages,
    "werkgever@voorbeeld.nl": _employer_pages,
    "coordinator@voorbeeld.nl": _coordinator_pages,
    "admin@voorbeeld.nl": _admin_pages,
}


def _rows(n: int) -> None:
    """``n`` rows more where the seed leaves a page short: proposals in the demo employer's
    inbox, notifications for every demo login, access-history entries by other users."""
    contact = _user("werkgever@voorbeeld.nl")
    employer = contact.employers[0].id
    places = db.session.scalars(select(Place.id).where(Place.employer_id == employer)).all()
    others = db.session.scalars(
        select(Placement)
        .where(Placement.home_employer_id != employer)
        .where(Placement.status.in_((Status.DECLINED, Status.WITHDRAWN, Status.PROPOSED)))
        .order_by(Placement.id)
        .limit(n)
    ).all()
    for i, placement in enumerate(others):
        placement.status = Status.PROPOSED
        placement.place_id = places[i % len(places)]
        placement.host_employer_id = employer
    users = db.session.scalars(select(User.id).order_by(User.id).limit(max(n, 5))).all()
    for email in ROLES:
        db.session.add_all(
            Notification(user_id=_user(email).id, kind="placement_changed", subject=f"Bericht {i}")
            for i in range(n)
        )
    coach = _user("coach@voorbeeld.nl")
    candidates = db.session.scalars(select(Candidate.id).where(Candidate.coach_id == coach.id))
    for candidate in candidates:
        db.session.add_all(
            AuditEvent(actor_id=users[i % len(users)], action="candidate.viewed",
                       object_type="candidate", object_id=candidate, detail={})
            for i in range(n)
        )  # fmt: skip
    for place in places:
        db.session.add_all(
            AuditEvent(actor_id=users[i % len(users)], action="place.updated",
                       object_type="place", object_id=place, detail={})
            for i in range(n)
        )  # fmt: skip
    db.session.commit()


def _measure(client, email: str, sizes: Sizes, n: int) -> dict[str, tuple[int, int, int]]:
    load_scale(db.session, sizes)
    _rows(n)
    client.login(email, PASSWORD)
    out = {}
    for name, url in ROLES[email]().items():
        status, count, html = statements_for(client, db.engine, url)
        out[name] = (status, count, len(re.findall(r"<tr[ >]", html)))
    client.logout()
    db.session.remove()
    wipe(db.engine)
    return out


@pytest.mark.parametrize("email", sorted(ROLES))
def test_statements_per_page_do_not_grow_with_rows(app, client, email):
    small = _measure(client, email, SMALL, 5)
    large = _measure(client, email, LARGE, 50)
    for name in small:
        assert small[name][0] == large[name][0] == 200, (name, small[name], large[name])
    grew = {
        name: (small[name][1], large[name][1]) for name in small if small[name][1] != large[name][1]
    }
    assert not grew, f"statements (small, large) per page: {grew}; all: {small} {large}"
    # The larger registry really shows more rows on the list pages.
    assert sum(v[2] for v in large.values()) > sum(v[2] for v in small.values())
