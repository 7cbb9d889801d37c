"""The scale seed (issue 17) at a small size: every table filled, the ledger check and the
slot invariant hold, the demo logins have their share, and it refuses a non-empty database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from registry.domain.placement import Status
from registry.models import Candidate, Network, Place, Placement, PlaceStatus, User
from registry.services import ledger
from seed.scale import Sizes, load_scale

SMALL = Sizes(
    networks=2,
    employers=50,
    places=500,
    coach_organisations=5,
    candidates=300,
    placements=400,
    audit_events=1000,
    notifications=300,
)


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def test_scale_seed_fills_every_state_and_the_ledger_agrees(session):
    counts = load_scale(session, SMALL)
    assert counts["places"] == 500 and counts["candidates"] == 300
    assert counts["placements"] == 400 and counts["ledger_entries"] > 0
    assert ledger.check(session) == []
    assert {s for (s,) in session.execute(select(Place.status).distinct())} == set(PlaceStatus)
    assert {s for (s,) in session.execute(select(Placement.status).distinct())} == set(Status)
    holders = (
        select(func.count(Placement.id))
        .where(
            Placement.place_id == Place.id,
            Placement.status.in_((Status.ACCEPTED, Status.STARTED)),
        )
        .scalar_subquery()
    )
    assert session.scalar(select(func.count(Place.id)).where(Place.taken_slots != holders)) == 0
    assert session.scalar(select(func.count(Place.id)).where(Place.taken_slots > Place.slots)) == 0
    # Every place has its derived search columns.
    assert session.scalar(select(func.count(Place.id)).where(Place.match_code == "")) == 0
    assert session.scalar(select(func.count(Place.id)).where(Place.lat_band.is_(None))) == 0


def test_scale_seed_leaves_postgresql_vacuumed(session):
    """After the bulk load the visibility map is set, so the match search's index-only
    scans read no table rows (they read one per index entry until a vacuum)."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the visibility map is PostgreSQL's: runs in the PostgreSQL pass")
    load_scale(session, SMALL)
    visible, pages = session.execute(
        text("SELECT relallvisible, relpages FROM pg_class WHERE oid = 'places'::regclass")
    ).one()
    assert pages > 0 and visible == pages


def test_scale_seed_gives_the_demo_logins_a_realistic_share(session):
    load_scale(session, Sizes(**{**vars(SMALL), "candidates": 400}))
    coach = _user(session, "coach@voorbeeld.nl")
    mine = session.scalar(select(func.count(Candidate.id)).where(Candidate.coach_id == coach.id))
    assert 40 <= mine <= 60
    contact = _user(session, "werkgever@voorbeeld.nl")
    employer = contact.employers[0]
    own = session.scalar(select(func.count(Place.id)).where(Place.employer_id == employer.id))
    assert own == 40
    assert len(_user(session, "coordinator@voorbeeld.nl").coordinated_networks) == 2
    assert _user(session, "admin@voorbeeld.nl") is not None
    assert _user(session, "coach.oost@voorbeeld.nl") is not None


def test_scale_seed_refuses_a_database_with_data(session, world):
    with pytest.raises(ValueError, match="empty database"):
        load_scale(session, SMALL)
    assert session.scalar(select(func.count(Network.id))) == 2


def test_scale_seed_cli_reports_counts(app, session):
    result = app.test_cli_runner().invoke(
        args=[
            "seed",
            "scale",
            "--networks",
            "2",
            "--employers",
            "40",
            "--places",
            "200",
            "--coach-organisations",
            "3",
            "--candidates",
            "100",
            "--placements",
            "100",
            "--audit-events",
            "100",
            "--notifications",
            "50",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "places: 200" in result.output
    again = app.test_cli_runner().invoke(args=["seed", "scale", "--places", "10"])
    assert again.exit_code != 0 and "empty database" in again.output
