"""Server-side sessions: logout, a reset or changed password end them, old cookies open nothing,
idle timeout and lifetime, the "Active sessions" page and "log out everywhere"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from registry.extensions import db
from registry.models import AuditEvent, SignInThrottle, UserSession
from registry.services import throttle
from tests import factories
from tests.conftest import Client
from tests.services.test_placement_support import candidate


@pytest.fixture
def case(session, world):
    """A candidate of the coach's organisation: the page an old cookie must not open."""
    obj = candidate(session, world.org, world.emp_a, [world.net_a])
    session.commit()
    return f"/candidates/{obj.id}"


def _cookie(client: Client) -> str:
    cookie = client.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, value: str):
    """A fresh browser that sends a saved session cookie."""
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def _rows(session) -> list[UserSession]:
    session.expire_all()
    return list(session.scalars(select(UserSession).order_by(UserSession.created_at)))


def test_sign_in_opens_a_server_side_session(client, world, session, case):
    client.client.environ_base["HTTP_USER_AGENT"] = "Firefox/140 test"
    client.login(world.coach.email)
    assert client.get(case).status_code == 200
    [row] = _rows(session)
    assert row.user_id == world.coach.id and row.ended_at is None
    assert row.user_agent == "Firefox/140 test" and row.remote_addr == "127.0.0.1"
    assert row.id not in _cookie(client)  # the cookie holds the token, the table its hash


def test_an_old_cookie_replayed_after_logout_opens_nothing(app, client, world, session, case):
    client.login(world.coach.email)
    saved = _cookie(client)
    assert _replay(app, saved).get(case).status_code == 200  # the copy works while signed in
    client.logout()
    assert _rows(session)[0].ended_at is not None
    response = _replay(app, saved).get(case)
    assert response.status_code == 302 and "/auth/login" in response.location


def test_an_old_cookie_replayed_after_a_password_reset_opens_nothing(
    app, client, world, session, case
):
    client.login(world.coach.email)
    saved = _cookie(client)
    other = Client(app.test_client())
    other.post("/auth/forgot", {"email": world.coach.email})
    from tests.web.test_auth import _last_link

    path = _last_link(session, world.coach.email)
    assert (
        other.post(path, {"password": "a-new-secret", "confirm": "a-new-secret"}).status_code == 302
    )
    assert _replay(app, saved).get(case).status_code == 302
    assert client.get(case).status_code == 302
    assert all(row.ended_at is not None for row in _rows(session))


def test_a_cookie_without_a_session_row_opens_nothing(app, client, world, session, case):
    """A cookie signed with the right key but naming only the user id (as before) fails."""
    other = app.test_client()
    with other.session_transaction() as cookie_session:
        cookie_session["_user_id"] = str(world.coach.id)
        cookie_session["_fresh"] = True
    assert other.get(case).status_code == 302
    with other.session_transaction() as cookie_session:
        cookie_session["sid"] = "made-up-token"
    assert other.get(case).status_code == 302


def test_a_session_of_one_user_does_not_open_another_user(app, client, world, session, case):
    client.login(world.coach.email)
    other = app.test_client()
    other.set_cookie("session", _cookie(client))
    with other.session_transaction() as cookie_session:
        cookie_session["_user_id"] = str(world.admin.id)
    assert other.get("/admin/users").status_code == 302


@pytest.mark.parametrize(
    ("settings", "last_seen_ago", "created_ago", "open"),
    [
        ({}, dt.timedelta(minutes=29), dt.timedelta(hours=1), True),
        ({}, dt.timedelta(minutes=31), dt.timedelta(hours=1), False),  # idle 30 minutes
        ({}, dt.timedelta(minutes=1), dt.timedelta(hours=12, minutes=1), False),  # 12 hours
        ({"SESSION_IDLE_MINUTES": 5}, dt.timedelta(minutes=6), dt.timedelta(hours=1), False),
        ({"SESSION_MAX_HOURS": 24}, dt.timedelta(minutes=1), dt.timedelta(hours=13), True),
    ],
)
def test_idle_timeout_and_lifetime(
    app, client, world, session, case, monkeypatch, settings, last_seen_ago, created_ago, open
):
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    client.login(world.coach.email)
    [row] = _rows(session)
    now = dt.datetime.now(dt.UTC)
    row.last_seen_at = now - last_seen_ago
    row.created_at = now - created_ago
    session.commit()
    assert client.get(case).status_code == (200 if open else 302)
    assert (_rows(session)[0].ended_at is None) is open


class _Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, conn, cursor, statement, *args) -> None:  # noqa: ARG002
        self.seen.append(statement)

    def touching(self, verb: str) -> int:
        return sum(
            1 for s in self.seen if s.lstrip().upper().startswith(verb) and "user_sessions" in s
        )


def test_one_session_read_per_request_and_last_seen_written_at_most_once_a_minute(
    client, world, session
):
    client.login(world.coach.email)
    statements = _Statements()
    event.listen(db.engine, "before_cursor_execute", statements)
    try:
        for _ in range(3):
            assert client.get("/").status_code == 200
        assert statements.touching("SELECT") == 3
        assert statements.touching("UPDATE") == 0  # seen less than a minute ago
        untouched = len(statements.seen) // 3
        [row] = _rows(session)
        row.last_seen_at = row.last_seen_at - dt.timedelta(minutes=2)
        session.commit()
        before = _rows(session)[0].last_seen_at
        statements.seen.clear()
        client.get("/")
        touched = len(statements.seen)
        assert statements.touching("UPDATE") == 1
        assert _rows(session)[0].last_seen_at > before
        # The touch costs its UPDATE only: the user loaded for the request is not expired
        # and reloaded, so a page's statement count does not follow the clock.
        assert touched == untouched + 1
    finally:
        event.remove(db.engine, "before_cursor_execute", statements)


def test_active_sessions_page_lists_device_address_and_ends_one(app, client, world, session):
    client.client.environ_base["HTTP_USER_AGENT"] = "Laptop browser"
    client.login(world.coach.email)
    phone = Client(app.test_client())
    phone.client.environ_base["HTTP_USER_AGENT"] = "Phone browser"
    phone.login(world.coach.email)
    page = client.get("/auth/sessions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Laptop browser" in html and "Phone browser" in html and "127.0.0.1" in html
    assert html.count("/end") == 2  # one per other session, plus "everywhere else"
    phone_row = next(r for r in _rows(session) if r.user_agent == "Phone browser")
    assert client.post(f"/auth/sessions/{phone_row.id}/end").status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 200
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.session_ended"))


def test_log_out_everywhere_else_ends_the_other_sessions_only(app, client, world, session):
    client.login(world.coach.email)
    others = [Client(app.test_client()) for _ in range(2)]
    for other in others:
        other.login(world.coach.email)
    stranger = Client(app.test_client())
    stranger.login(world.coach2.email)
    response = client.post("/auth/sessions/end-others")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert [other.get("/").status_code for other in others] == [302, 302]
    assert stranger.get("/").status_code == 200  # another user's session is untouched
    event_ = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.sessions_ended"))
    assert event_.detail == {"count": 2}


def test_log_out_everywhere_needs_a_csrf_token(client, world):
    client.login(world.coach.email)
    assert client.post("/auth/sessions/end-others", csrf=False).status_code == 400


def test_nobody_ends_another_users_session(app, client, world, session):
    client.login(world.coach.email)
    other = Client(app.test_client())
    other.login(world.coach2.email)
    row = next(r for r in _rows(session) if r.user_id == world.coach2.id)
    assert client.post(f"/auth/sessions/{row.id}/end").status_code == 404
    assert other.get("/").status_code == 200


def test_sessions_page_needs_a_sign_in(client):
    response = client.get("/auth/sessions")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_logout_keeps_the_language(client, world):
    client.login(world.coach.email)
    client.post("/language", {"language": "en"})
    client.logout()
    assert re.search(r'<html lang="en">', client.get("/auth/login").get_data(as_text=True))


def test_changing_the_password_ends_the_other_sessions(app, client, world, session, case):
    client.login(world.coach.email)
    other = Client(app.test_client())
    other.login(world.coach.email)
    saved = _cookie(other)
    assert client.get("/auth/password").status_code == 200
    response = client.post(
        "/auth/password",
        {"current": factories.PASSWORD, "password": "a-new-secret", "confirm": "a-new-secret"},
    )
    assert response.status_code == 302
    assert client.get(case).status_code == 200  # this browser stays signed in
    assert other.get(case).status_code == 302
    assert _replay(app, saved).get(case).status_code == 302
    event_ = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.password_changed"))
    assert event_.detail == {"sessions_ended": 1}
    client.logout()
    assert client.login(world.coach.email, "a-new-secret").status_code == 302


def test_changing_the_password_needs_the_current_one(app, client, world, session):
    client.login(world.coach.email)
    response = client.post(
        "/auth/password",
        {"current": "not my password", "password": "a-new-secret", "confirm": "a-new-secret"},
    )
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(SignInThrottle, throttle.account_key(world.coach.email)).failures == 1
    client.logout()
    assert client.login(world.coach.email).status_code == 302  # the old password still works
