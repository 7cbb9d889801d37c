"""Issue 14 through the browser's eyes: to-do home pages and badges, review signals,
bulk curation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from registry.domain.permissions import Role
from registry.extensions import db
from registry.models import Notification, PlaceStatus, User
from registry.services import notifications as notes
from registry.services import places as place_svc
from registry.services import todo
from seed.demo import DEMO_PASSWORD, DEMO_USERS
from tests import factories
from tests.demo_snapshot import load_demo_rows
from tests.services.test_placement_support import candidate, place, proposal

TODO_RE = re.compile(
    r'data-todo="([a-z_]+)"[^>]*>\s*<a href="([^"]+)"><span class="todo-count">(\d+)</span>'
)


def _shown(html: str) -> dict[str, int]:
    return {key: int(count) for key, _href, count in TODO_RE.findall(html)}


@pytest.fixture
def demo(session):
    load_demo_rows(session)
    return session


@pytest.mark.parametrize("email", [e for e, _n, _r in DEMO_USERS])
def test_each_demo_home_shows_the_services_counts(demo, client, make_ctx, email):
    user = demo.scalar(select(User).where(User.email == email))
    expected = {i.key: i.count for i in todo.home(make_ctx(user)).open_items(_role(user))}
    client.login(email, DEMO_PASSWORD)
    html = client.get("/").get_data(as_text=True)
    assert _shown(html) == expected
    assert expected, f"the demo gives {email} something to do"
    total = sum(expected.values())
    assert f'<span class="nav-badge" aria-label="{total}' in html or f">{total}</span>" in html
    for _key, href, _count in TODO_RE.findall(html):
        assert client.get(href.replace("&amp;", "&")).status_code == 200, href


def _role(user: User) -> Role:
    return next(iter(user.role_set))


def test_all_done_when_nothing_waits(world, client):
    client.login("coach@example.nl")
    html = client.get("/").get_data(as_text=True)
    assert 'data-todo="done"' in html
    assert "nav-badge" not in html


def _count_statements(client, url: str) -> int:
    seen: list[str] = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # Not counted: the session's last-seen write, once a minute whatever the data.
    return len([s for s in seen if not s.lstrip().upper().startswith("UPDATE USER_SESSIONS")])


@pytest.mark.parametrize(
    "email", ["coach@example.nl", "contact.b@example.nl", "coord.b@example.nl"]
)
def test_the_home_page_costs_the_same_statements_with_more_data(
    world, session, client, make_ctx, email
):
    client.login(email)
    _count_statements(client, "/")  # warm caches (session, locale)
    before = _count_statements(client, "/")
    for _ in range(6):
        pl = place(session, world.emp_b, [world.net_b])
        cand = candidate(session, world.org, world.emp_a, [world.net_b])
        proposal(make_ctx, world.coach, cand, pl)
    session.commit()
    after = _count_statements(client, "/")
    assert after == before
    assert after <= 40


def test_submitting_reaches_the_coordinator_and_publishing_the_employer(world, session, client):
    world.net_b.review_new_places = True
    pl = place(session, world.emp_b, [world.net_b], status=PlaceStatus.DRAFT)
    session.commit()
    client.login("contact.b@example.nl")
    form = client.get(f"/places/{pl.id}/edit").get_data(as_text=True)
    assert 'id="review-note"' in form and "Netwerk B" in form
    assert client.post(f"/places/{pl.id}/submit").status_code in (302, 303)
    coordinator = _kinds(session, world.coordinator_b)
    assert notes.Kind.PLACE_SUBMITTED in coordinator
    assert _kinds(session, world.coordinator_a) == []
    client.logout()
    client.login("coord.b@example.nl")
    assert client.post(f"/curation/places/{pl.id}/publish").status_code in (302, 303)
    assert notes.Kind.PLACE_PUBLISHED in _kinds(session, world.contact_b)


def test_sending_back_tells_the_employer_the_reason(world, session, client):
    world.net_b.review_new_places = True
    pl = place(session, world.emp_b, [world.net_b], status=PlaceStatus.SUBMITTED)
    session.commit()
    client.login("coord.b@example.nl")
    response = client.post(
        f"/curation/places/{pl.id}/send-back", {"reason": "Vul de werktijden in."}
    )
    assert response.status_code in (302, 303)
    note = session.scalar(
        select(Notification).where(
            Notification.user_id == world.contact_b.id,
            Notification.kind == notes.Kind.PLACE_SENT_BACK,
        )
    )
    assert note is not None and "Vul de werktijden in." in note.body


def _kinds(session, user) -> list[str]:
    return list(session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_curation_opens_on_places_to_review_oldest_first(world, client):
    client.login("coord.b@example.nl")
    response = client.get("/curation/places")
    assert response.status_code == 302
    assert "status=submitted" in response.location and "sort=created" in response.location
    assert client.get("/curation/places?status=").status_code == 200


def test_bulk_publish_of_three_reports_three_results(world, session, client):
    world.net_b.review_new_places = True
    ids = [
        place(session, world.emp_b, [world.net_b], status=PlaceStatus.SUBMITTED).id
        for _ in range(3)
    ]
    other = place(session, world.emp_a, [world.net_a], status=PlaceStatus.SUBMITTED).id
    session.commit()
    client.login("coord.b@example.nl")
    html = client.get("/curation/places?status=submitted&sort=created").get_data(as_text=True)
    assert html.count('name="place_ids"') == 3
    response = client.post(
        "/curation/places/bulk", {"action": "publish", "place_ids": [*ids, other]}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('data-ok="yes"') == 3 and page.count('data-ok="no"') == 1
    assert f'href="/places/{other}"' not in page  # no link the coordinator may not follow
    session.expire_all()
    assert {place_svc.get_place.__name__} and all(
        session.get(type(world.net_b), world.net_b.id) for _ in ids
    )
    statuses = {
        pid: session.scalar(select(place_svc.Place.status).where(place_svc.Place.id == pid))
        for pid in [*ids, other]
    }
    assert [statuses[i] for i in ids] == [PlaceStatus.OPEN] * 3
    assert statuses[other] == PlaceStatus.SUBMITTED
    assert _kinds(session, world.contact_b).count(notes.Kind.PLACE_PUBLISHED) == 3


def test_bulk_send_back_needs_one_reason_and_reminders_reach_employers(world, session, client):
    world.net_b.review_new_places = True
    submitted = place(session, world.emp_b, [world.net_b], status=PlaceStatus.SUBMITTED).id
    open_place = place(session, world.emp_b, [world.net_b]).id
    session.commit()
    client.login("coord.b@example.nl")
    refused = client.post(
        "/curation/places/bulk", {"action": "send_back", "place_ids": [submitted]}
    )
    assert refused.status_code == 422
    sent = client.post(
        "/curation/places/bulk",
        {"action": "send_back", "reason": "Meer uitleg graag.", "place_ids": [submitted]},
    )
    assert sent.get_data(as_text=True).count('data-ok="yes"') == 1
    reminded = client.post(
        "/curation/places/bulk", {"action": "remind", "place_ids": [open_place, submitted]}
    )
    page = reminded.get_data(as_text=True)
    assert page.count('data-ok="yes"') == 1 and page.count('data-ok="no"') == 1
    assert notes.Kind.LISTING_CONFIRMATION_DUE in _kinds(session, world.contact_b)


def test_bulk_is_refused_to_employers(world, session, client):
    pl = place(session, world.emp_b, [world.net_b], status=PlaceStatus.SUBMITTED)
    session.commit()
    client.login("contact.b@example.nl")
    response = client.post("/curation/places/bulk", {"action": "publish", "place_ids": [pl.id]})
    assert response.status_code == 200
    assert 'data-ok="no"' in response.get_data(as_text=True)
    assert session.get(type(pl), pl.id).status is PlaceStatus.SUBMITTED


def test_admin_user_list_filters_follow_the_home_counts(world, session, client):
    factories.user(session, Role.COACH, email="invited@example.nl", password=None)
    factories.user(session, Role.COACH, email="gone@example.nl", active=False)
    session.commit()
    client.login("admin@example.nl")
    invited = client.get("/admin/users?show=invited").get_data(as_text=True)
    assert "invited@example.nl" in invited and "gone@example.nl" not in invited
    gone = client.get("/admin/users?show=deactivated").get_data(as_text=True)
    assert "gone@example.nl" in gone and "invited@example.nl" not in gone
    home = _shown(client.get("/").get_data(as_text=True))
    assert home["invitations_open"] == 1 and home["deactivated_accounts"] == 1
    assert home["jobs_unhealthy"] == 3


def test_only_reviewing_networks_hear_of_a_submitted_place(world, session, make_ctx):
    world.net_b.review_new_places = True
    pl = place(session, world.emp_ab, [world.net_a, world.net_b], status=PlaceStatus.DRAFT)
    contact = factories.user(session, Role.EMPLOYER, employers=[world.emp_ab])
    session.commit()
    place_svc.submit_place(make_ctx(contact), pl.id)
    assert _kinds(session, world.coordinator_b) == [notes.Kind.PLACE_SUBMITTED]
    assert _kinds(session, world.coordinator_a) == []  # offered there, but no review


def test_overdue_proposals_are_marked_in_the_lists(world, session, client, make_ctx):
    import datetime as dt

    from registry.models import Placement

    pl = place(session, world.emp_b, [world.net_b])
    cand = candidate(session, world.org, world.emp_a, [world.net_b])
    late = proposal(make_ctx, world.coach, cand, pl)
    fresh = proposal(
        make_ctx, world.coach, candidate(session, world.org, world.emp_a, [world.net_b]), pl
    )
    session.get(Placement, late.id).proposed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=20)
    session.commit()
    client.login("contact.b@example.nl")
    inbox = client.get("/placements/inbox").get_data(as_text=True)
    assert inbox.count("data-overdue") == 1
    client.logout()
    client.login("coach@example.nl")
    listing = client.get("/placements/?status=proposed").get_data(as_text=True)
    assert listing.count("data-overdue") == 1 and fresh.id != late.id
