"""Logging in and out, the sign-in delay, CSRF, password reset and invitations through the web."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.domain.permissions import Role
from registry.models import AuditEvent, OutboxMessage, SignInThrottle, User
from registry.services import throttle
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


def _throttle(session, key: str) -> SignInThrottle | None:
    session.expire_all()
    return session.get(SignInThrottle, key)


def _alert(response) -> str:
    html = response.get_data(as_text=True)
    match = re.search(r'role="alert".*?<li>([^<]+)</li>', html, re.DOTALL)
    assert match, "no error message on the page"
    return match.group(1)


def test_wrong_password_is_401_counted_per_account_and_address_and_audited(client, world, session):
    response = client.login(world.coach.email, "wrong password")
    assert response.status_code == 401
    assert _throttle(session, throttle.account_key(world.coach.email)).failures == 1
    assert _throttle(session, throttle.address_key("127.0.0.1")).failures == 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.login_failed"))
    assert event.object_id == world.coach.id and event.detail == {"reason": "password"}
    assert event.remote_addr == "127.0.0.1"


def test_successful_sign_in_is_audited_and_clears_the_account_delay(client, world, session):
    client.login(world.coach.email, "wrong password")
    assert client.login(world.coach.email).status_code == 302
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.login"))
    assert event.object_id == world.coach.id and event.detail == {"method": "password"}
    assert _throttle(session, throttle.account_key(world.coach.email)) is None


def test_unknown_email_gives_the_same_message(client, world):
    a = client.login("nobody@example.nl", "whatever12")
    b = client.login(world.coach.email, "whatever12")
    assert (a.status_code, _alert(a)) == (b.status_code, _alert(b)) == (401, _alert(a))


def _fail(client, email: str, times: int) -> None:
    for _ in range(times):
        client.login(email, "wrong password")


def test_delayed_existing_and_unknown_accounts_answer_like_a_wrong_password(
    app, client, world, session, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGNIN_DELAY_SECONDS", 600)
    _fail(client, world.coach.email, 5)
    _fail(client, "nobody@example.nl", 5)
    right = client.login(world.coach.email)  # the right password, during the delay
    unknown = client.login("nobody@example.nl", factories.PASSWORD)
    wrong = client.login(world.coach2.email, "wrong password")
    assert right.status_code == unknown.status_code == wrong.status_code == 401
    assert _alert(right) == _alert(unknown) == _alert(wrong)
    assert client.get("/").status_code == 302  # not signed in
    # A sign-in during the delay is not counted (the delay does not grow from it) but audited.
    assert _throttle(session, throttle.account_key(world.coach.email)).failures == 5
    reasons = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "user.login_failed")
    ).all()
    assert {"reason": "delayed"} in reasons and {"reason": "unknown_account"} in reasons


def test_unknown_and_delayed_accounts_still_run_the_password_hasher(
    app, client, world, monkeypatch
):
    from registry.services import accounts

    checked: list[str] = []
    real = accounts._safe_verify
    monkeypatch.setattr(accounts, "_safe_verify", lambda h, p: checked.append(h) or real(h, p))
    client.login("nobody@example.nl", "whatever12")
    monkeypatch.setitem(app.config, "SIGNIN_DELAY_AFTER", 1)
    client.login(world.coach.email, "wrong password")  # starts the delay
    client.login(world.coach.email)  # during the delay
    assert len(checked) == 3
    assert checked[0] == checked[2] == accounts._dummy_hash()
    assert checked[1] != accounts._dummy_hash()


def test_the_right_password_signs_in_once_the_delay_has_passed(client, world, session):
    _fail(client, world.coach.email, 6)
    row = _throttle(session, throttle.account_key(world.coach.email))
    assert row.blocked_until is not None
    row.blocked_until = row.last_failure_at  # the delay has passed
    session.commit()
    assert client.login(world.coach.email).status_code == 302


def test_the_delay_doubles_per_failure_and_is_capped(app, client, world, session, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_DELAY_MAX_MINUTES", 1)
    waits = []
    for _ in range(10):
        client.login(world.coach.email, "wrong password")
        row = _throttle(session, throttle.account_key(world.coach.email))
        if row.blocked_until is not None:
            waits.append((row.blocked_until - row.last_failure_at).total_seconds())
            row.blocked_until = row.last_failure_at  # let the next attempt count
            session.commit()
    assert waits == [2, 4, 8, 16, 32, 60]


def test_the_delay_also_holds_per_address(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_DELAY_AFTER_PER_ADDRESS", 3)
    monkeypatch.setitem(app.config, "SIGNIN_DELAY_SECONDS", 600)
    for email in ("a@example.nl", "b@example.nl", "c@example.nl"):
        client.login(email, "wrong password")
    assert client.login(world.coach.email).status_code == 401  # a fresh account, same address


def test_delay_holds_across_two_app_instances(app, client, world, backend, monkeypatch):
    from tests.conftest import Client

    other = Client(make_test_app(backend, SIGNIN_DELAY_SECONDS=600).test_client())
    monkeypatch.setitem(app.config, "SIGNIN_DELAY_SECONDS", 600)
    for i in range(5):
        (client if i % 2 else other).login(world.coach.email, "wrong password")
    assert other.login(world.coach.email).status_code == 401
    assert client.login(world.coach.email).status_code == 401


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
