"""Match-alert pages (issue 20): follow buttons on the search and place pages, the list of
what I follow, permissions, CSRF and a fixed number of statements."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.domain.permissions import Role
from registry.extensions import db
from registry.models.alerts import PlaceFollow, SearchFollow
from tests import factories
from tests.services import test_candidates_support as cs
from tests.services.search_support import place
from tests.statements import statements_for


@pytest.fixture
def setup(session, world, make_ctx):
    cand = cs.register(
        make_ctx,
        world,
        postcode="3511 AB",
        network_ids=(world.net_a.id,),
        home_employer_id=world.emp_ab.id,
    )
    own = place(session, world.emp_a, [world.net_a], lat=cand.lat, lon=cand.lon, title="Balie")
    session.commit()
    return cand, own


def test_coach_follows_the_search_with_its_filters_and_stops(client, world, setup):
    cand, _place = setup
    client.login(world.coach.email)
    page = client.get(f"/candidates/{cand.id}/search?km=10")
    assert "Volg deze zoekopdracht" in page.get_data(as_text=True)
    response = client.post(f"/candidates/{cand.id}/search/follow", {"km": "10", "kind": "stage"})
    assert response.status_code == 303
    follow = db.session.scalar(select(SearchFollow))
    assert follow.filters == {"km": 10, "kind": ["stage"]} and follow.active
    listing = client.get("/following/").get_data(as_text=True)
    assert cand.pseudonym in listing and "tot 10 km" in listing
    page = client.get(f"/candidates/{cand.id}/search").get_data(as_text=True)
    assert "Deze zoekopdracht niet meer volgen" in page
    assert client.post(f"/candidates/{cand.id}/search/unfollow").status_code == 303
    assert db.session.scalar(select(SearchFollow)) is None


def test_follow_needs_the_csrf_token(client, world, setup):
    cand, own = setup
    client.login(world.coach.email)
    assert client.post(f"/candidates/{cand.id}/search/follow", csrf=False).status_code == 400
    client.logout()
    client.login(world.contact_a.email)
    assert client.post(f"/places/{own.id}/follow", csrf=False).status_code == 400
    assert db.session.scalar(select(PlaceFollow)) is None


@pytest.mark.parametrize("who", ["coach2", "coordinator_a", "contact_a", "admin"])
def test_only_the_own_coach_follows_a_search(client, world, setup, who):
    cand, _place = setup
    client.login(getattr(world, who).email)
    response = client.post(f"/candidates/{cand.id}/search/follow")
    assert response.status_code in (403, 404)
    assert db.session.scalar(select(SearchFollow)) is None


def test_host_follows_the_place_and_others_cannot(client, world, setup):
    _cand, own = setup
    client.login(world.contact_a.email)
    page = client.get(f"/places/{own.id}").get_data(as_text=True)
    assert "Volg deze plek" in page
    assert client.post(f"/places/{own.id}/follow").status_code == 303
    assert "Balie" in client.get("/following/").get_data(as_text=True)
    assert client.post(f"/places/{own.id}/unfollow").status_code == 303
    assert db.session.scalar(select(PlaceFollow)) is None
    client.logout()
    for who in (world.contact_b, world.coach, world.coordinator_a):
        client.login(who.email)
        assert "Volg deze plek" not in client.get(f"/places/{own.id}").get_data(as_text=True)
        assert client.post(f"/places/{own.id}/follow").status_code in (403, 404)
        client.logout()
    assert db.session.scalar(select(PlaceFollow)) is None


@pytest.mark.parametrize("who", ["coordinator_a", "admin"])
def test_the_list_is_for_coaches_and_employers(client, world, who):
    client.login(getattr(world, who).email)
    assert client.get("/following/").status_code == 403


def test_bad_filters_are_refused(client, world, setup):
    cand, _place = setup
    client.login(world.coach.email)
    response = client.post(f"/candidates/{cand.id}/search/follow", {"km": "nan"})
    assert 400 <= response.status_code < 500
    assert db.session.scalar(select(SearchFollow)) is None


def _follows(session, world, make_ctx, coach, contact, n: int) -> None:
    for i in range(n):
        cand = cs.register(
            make_ctx,
            world,
            postcode="3511 AB",
            network_ids=(world.net_a.id,),
            home_employer_id=world.emp_ab.id,
            given_name=f"Volg{coach.id}x{i}",
        )
        session.add(SearchFollow(user_id=coach.id, candidate_id=cand.id, filters={}))
        p = place(session, world.emp_a, [world.net_a], lat=52.09, lon=5.12, title=f"P{i}")
        session.add(PlaceFollow(user_id=contact.id, place_id=p.id))
    session.commit()


@pytest.mark.parametrize("role", ["coach", "employer"])
def test_the_list_costs_the_same_statements_for_5_and_50_rows(
    client, session, world, make_ctx, role
):
    small_coach, small_contact = world.coach, world.contact_a
    large_coach = factories.user(session, Role.COACH, email="coach50@example.nl", org=world.org)
    large_contact = factories.user(
        session, Role.EMPLOYER, email="contact50@example.nl", employers=[world.emp_a]
    )
    session.commit()
    _follows(session, world, make_ctx, small_coach, small_contact, 5)
    _follows(session, world, make_ctx, large_coach, large_contact, 50)
    emails = {
        "coach": ("coach@example.nl", "coach50@example.nl"),
        "employer": ("contact.a@example.nl", "contact50@example.nl"),
    }[role]
    counts = []
    for email in emails:
        client.login(email)
        status, count, html = statements_for(client, db.engine, "/following/")
        assert status == 200
        counts.append(count)
        client.logout()
    assert counts[0] == counts[1]
    assert html.count("Niet meer volgen") == 50
