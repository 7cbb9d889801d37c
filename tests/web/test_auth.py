"""Logging in and out, lock-out, CSRF, password reset and invitations through the web."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.domain.permissions import Role
from registry.models import AuditEvent, OutboxMessage, User
from tests import factories
from tests.conftest import make_test_app


def test_login_page_is_dutch_by_default(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert '<html lang="nl">' in response.get_data(as_text=True)


def test_login_and_logout(client, world):
    response = client.login(world.coach.email)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.logout().status_code == 302
    assert client.get("/").status_code == 302  # back to the login page


def test_wrong_password_is_401_and_counted(client, world, session):
    response = client.login(world.coach.email, "wrong password")
    assert response.status_code == 401
    session.expire_all()
    assert session.get(User, world.coach.id).failed_logins == 1


def test_unknown_email_gives_the_same_message(client, world):
    a = client.login("nobody@example.nl", "whatever12").get_data(as_text=True)
    b = client.login(world.coach.email, "whatever12").get_data(as_text=True)
    msg = re.compile(r'role="alert">\s*<p>([^<]+)</p>')
    assert msg.search(a).group(1) == msg.search(b).group(1)


def test_ten_failures_lock_the_account_even_with_the_right_password(client, world):
    for _ in range(10):
        client.login(world.coach.email, "wrong password")
    response = client.login(world.coach.email)
    assert response.status_code == 429
    assert client.get("/").status_code == 302  # not logged in


def test_lockout_holds_across_two_app_instances(app, client, world, backend):
    other = make_test_app(backend).test_client()
    from tests.conftest import Client

    other = Client(other)
    for i in range(10):
        (client if i % 2 else other).login(world.coach.email, "wrong password")
    assert other.login(world.coach.email).status_code == 429
    assert client.login(world.coach.email).status_code == 429


def test_lock_expires(client, world, session):
    import datetime as dt

    for _ in range(10):
        client.login(world.coach.email, "wrong password")
    user = session.get(User, world.coach.id)
    user.locked_until = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    assert client.login(world.coach.email).status_code == 302


def test_post_without_csrf_token_is_400(client, world):
    response = client.post(
        "/auth/login", {"email": world.coach.email, "password": factories.PASSWORD}, csrf=False
    )
    assert response.status_code == 400


def test_htmx_post_without_token_is_400_and_with_header_passes(client, world):
    client.login(world.admin.email)
    data = {"language": "en"}
    assert client.post("/language", data, csrf=False).status_code == 400
    token = client.csrf_token()
    response = client.client.post("/language", data=data, headers={"X-CSRFToken": token})
    assert response.status_code == 302


def test_next_parameter_only_follows_local_paths(client, world):
    token = client.csrf_token()
    response = client.client.post(
        "/auth/login?next=https://evil.example/",
        data={"email": world.coach.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.location == "/"
    client.logout()
    token = client.csrf_token()
    response = client.client.post(
        "/auth/login?next=/networks/",
        data={"email": world.coach.email, "password": factories.PASSWORD, "csrf_token": token},
    )
    assert response.location == "/networks/"


def test_inactive_user_cannot_log_in(client, session):
    user = factories.user(session, Role.COACH, active=False)
    session.commit()
    assert client.login(user.email).status_code == 401


def _last_link(session, email: str) -> str:
    body = session.scalars(
        select(OutboxMessage.body)
        .where(OutboxMessage.recipient == email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert body, f"no mail to {email}"
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def test_password_reset_link_is_single_use(client, world, session):
    response = client.post("/auth/forgot", {"email": world.coach.email.upper()})
    assert response.status_code == 302
    path = _last_link(session, world.coach.email)
    assert client.get(path).status_code == 200
    response = client.post(path, {"password": "brand-new-secret", "confirm": "brand-new-secret"})
    assert response.status_code == 302
    assert client.login(world.coach.email, "brand-new-secret").status_code == 302
    client.logout()
    # The same link again: refused, no stack trace.
    again = client.get(path)
    assert again.status_code == 400


def test_reset_for_unknown_address_sends_nothing_but_says_the_same(client, session):
    response = client.post("/auth/forgot", {"email": "unknown@example.nl"})
    assert response.status_code == 302
    assert session.scalar(select(OutboxMessage)) is None


def test_tampered_token_is_400(client):
    assert client.get("/auth/password/not-a-token").status_code == 400


def test_admin_invites_user_who_sets_a_password(client, world, session):
    client.login(world.admin.email)
    response = client.post(
        "/admin/users/invite",
        {
            "email": "New.Coach@Example.nl",
            "display_name": "Nieuwe Coach",
            "language": "nl",
            "roles": ["coach"],
            "coach_organisation_id": str(world.org.id),
        },
    )
    assert response.status_code == 302
    user = session.scalar(select(User).where(User.email == "new.coach@example.nl"))
    assert user is not None and user.password_hash is None
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.invited"))
    client.logout()
    path = _last_link(session, "new.coach@example.nl")
    client.post(path, {"password": "set-by-the-user", "confirm": "set-by-the-user"})
    assert client.login("new.coach@example.nl", "set-by-the-user").status_code == 302


def test_invite_with_an_existing_email_shows_a_field_error(client, world):
    client.login(world.admin.email)
    response = client.post(
        "/admin/users/invite",
        {
            "email": world.coach.email.upper(),
            "display_name": "Dubbel",
            "language": "nl",
            "roles": ["admin"],
        },
    )
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)


@pytest.mark.parametrize("limit_hit_after", [3])
def test_rate_limiter_answers_429(backend, limit_hit_after):
    from registry.extensions import limiter
    from tests.conftest import Client

    app = make_test_app(backend, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute")
    try:
        with app.app_context():
            client = Client(app.test_client())
            statuses = [
                client.login("someone@example.nl", "wrong-password").status_code for _ in range(5)
            ]
    finally:  # the limiter is process-wide: leave it as the other tests expect it
        limiter.reset()
        limiter.enabled = False
    assert statuses[:limit_hit_after] == [401] * limit_hit_after
    assert statuses[limit_hit_after:] == [429, 429]
