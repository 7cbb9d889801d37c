"""Two-factor sign-in: enrolment with a server-drawn QR code, the second sign-in step with
an app code or a single-use recovery code, enforcement per role, reset by an administrator."""

from __future__ import annotations

import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import select

from registry import config as config_module
from registry.models import AuditEvent, RecoveryCode, SignInThrottle, User
from registry.services import throttle
from tests.conftest import Client


def _secret(html: str) -> str:
    match = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html)
    assert match, "the setup page shows the key"
    return match.group(1).replace(" ", "")


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def enrol(client: Client) -> tuple[str, list[str]]:
    """Enrol the signed-in user; returns the secret and the recovery codes."""
    page = client.get("/auth/two-factor/setup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = _secret(html)
    data = {"code": pyotp.TOTP(secret).now(), "csrf_token": _token(html)}
    response = client.post("/auth/two-factor/setup", data)
    assert response.status_code == 200
    codes = re.findall(
        r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.get_data(as_text=True)
    )
    return secret, codes


@pytest.fixture
def enrolled(client, world, session):
    """The coach with two-factor sign-in on, signed out again."""
    client.login(world.coach.email)
    secret, codes = enrol(client)
    client.logout()
    session.expire_all()
    return secret, codes


def _step_back(session, user_id: int) -> None:
    """Forget which time step was used last, so the current code works again in a test."""
    session.get(User, user_id).totp_last_step = 0
    session.commit()


def test_enrolment_shows_an_inline_svg_qr_code_and_stores_hashed_recovery_codes(
    client, world, session
):
    client.login(world.coach.email)
    html = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert "<svg" in html and 'class="qr-code"' in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]  # drawn here, no service
    secret, codes = enrol(client)
    assert len(codes) == len(set(codes)) == 10
    session.expire_all()
    user = session.get(User, world.coach.id)
    assert user.totp_secret == secret and user.totp_enabled_at is not None
    hashes = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))
    hashes = list(hashes)
    assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.two_factor_enabled"))
    # The codes are shown once: the page now shows the status, not the codes.
    again = client.get("/auth/two-factor/setup").get_data(as_text=True)
    assert codes[0] not in again and "10" in again


def test_the_key_being_enrolled_stays_on_the_server(app, client, world, session):
    client.login(world.coach.email)
    secret = _secret(client.get("/auth/two-factor/setup").get_data(as_text=True))
    cookie = client.client.get_cookie("session").value
    decoded = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret not in str(decoded)
    session.expire_all()
    assert session.get(User, world.coach.id).totp_pending_secret == secret


def test_enrolment_with_a_wrong_code_is_refused(client, world, session):
    client.login(world.coach.email)
    secret = _secret(client.get("/auth/two-factor/setup").get_data(as_text=True))
    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    response = client.post("/auth/two-factor/setup", {"code": wrong})
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(User, world.coach.id).totp_secret is None
    # The key stays the same while enrolling (the app has it already).
    assert _secret(response.get_data(as_text=True)) == secret


def test_sign_in_needs_the_second_step(client, world, session, enrolled):
    secret, _ = enrolled
    _step_back(session, world.coach.id)
    response = client.login(world.coach.email)
    assert response.status_code == 302 and response.location.endswith("/auth/two-factor")
    assert client.get("/").status_code == 302  # not signed in after the password alone
    page = client.get("/auth/two-factor")
    assert page.status_code == 200
    response = client.post("/auth/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.login").order_by(AuditEvent.id.desc())
    ).first()
    assert event.detail == {"method": "totp"}


def test_an_app_code_works_once(app, client, world, session, enrolled):
    secret, _ = enrolled
    _step_back(session, world.coach.id)
    code = pyotp.TOTP(secret).now()
    client.login(world.coach.email)
    assert client.post("/auth/two-factor", {"code": code}).status_code == 302
    other = Client(app.test_client())
    other.login(world.coach.email)
    assert other.post("/auth/two-factor", {"code": code}).status_code == 401
    assert other.get("/").status_code == 302


def test_a_recovery_code_works_once(app, client, world, session, enrolled):
    _, codes = enrolled
    client.login(world.coach.email)
    assert client.post("/auth/two-factor", {"code": codes[3].upper()}).status_code == 302
    assert client.get("/").status_code == 200
    client.logout()
    client.login(world.coach.email)
    assert client.post("/auth/two-factor", {"code": codes[3]}).status_code == 401
    assert client.get("/").status_code == 302
    used = session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.is_not(None))).all()
    assert len(used) == 1


def test_wrong_codes_count_towards_the_sign_in_delay(app, client, world, session, enrolled):
    client.login(world.coach.email)
    for _ in range(5):
        assert client.post("/auth/two-factor", {"code": "000000"}).status_code == 401
    session.expire_all()
    row = session.get(SignInThrottle, throttle.account_key(world.coach.email))
    assert row.failures == 5 and row.blocked_until is not None
    reasons = session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == "user.login_failed")
    ).all()
    assert reasons.count({"reason": "second_factor"}) == 5


def test_the_second_step_expires(client, world, session, enrolled):
    secret, _ = enrolled
    _step_back(session, world.coach.id)
    client.login(world.coach.email)
    with client.client.session_transaction() as cookie_session:
        cookie_session["2fa"] = {**cookie_session["2fa"], "at": 0}
    response = client.post("/auth/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.location.endswith("/auth/login")
    assert client.get("/").status_code == 302


def test_the_second_step_without_a_password_goes_back_to_login(client):
    response = client.get("/auth/two-factor")
    assert response.status_code == 302 and response.location.endswith("/auth/login")


@pytest.fixture
def coaches_must(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", frozenset({"coach"}))


def test_a_required_role_without_two_factor_reaches_only_enrolment(
    client, world, session, coaches_must
):
    client.login(world.coach.email)
    for path in ("/", "/candidates/", "/placements/", "/notifications/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.location.endswith("/auth/two-factor/setup"), path
    setup = client.get("/auth/two-factor/setup")
    assert setup.status_code == 200
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', setup.get_data(as_text=True)
    )
    response = client.post("/language", {"language": "en", "csrf_token": token.group(1)})
    assert response.status_code == 302
    assert client.get("/auth/two-factor/setup").status_code == 200
    enrol(client)
    assert client.get("/candidates/").status_code == 200


def test_roles_that_are_not_required_sign_in_with_the_password(client, world, coaches_must):
    client.login(world.contact_a.email)
    assert client.get("/").status_code == 200


def test_no_role_is_required_in_development_and_tests(client, world):
    client.login(world.coach.email)
    assert client.get("/").status_code == 200


def test_production_requires_admins_coordinators_and_coaches(monkeypatch, tmp_path):
    monkeypatch.setenv("REGISTRY_ENV", "production")
    loaded = config_module.load(str(tmp_path))
    assert loaded["TWO_FACTOR_REQUIRED_ROLES"] == {"admin", "coordinator", "coach"}
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin")
    assert config_module.load(str(tmp_path))["TWO_FACTOR_REQUIRED_ROLES"] == {"admin"}
    monkeypatch.setenv("REGISTRY_ENV", "development")
    monkeypatch.delenv("TWO_FACTOR_REQUIRED_ROLES")
    assert config_module.load(str(tmp_path))["TWO_FACTOR_REQUIRED_ROLES"] == frozenset()
    monkeypatch.setenv("TWO_FACTOR_REQUIRED_ROLES", "admin,chef")
    with pytest.raises(config_module.ConfigError):
        config_module.load(str(tmp_path))


def test_an_administrator_resets_two_factor_and_it_is_audited(
    app, client, world, session, enrolled
):
    coach_browser = Client(app.test_client())
    _step_back(session, world.coach.id)
    coach_browser.login(world.coach.email)
    coach_browser.post("/auth/two-factor", {"code": pyotp.TOTP(enrolled[0]).now()})
    assert coach_browser.get("/").status_code == 200
    client.login(world.admin.email)
    page = client.get(f"/admin/users/{world.coach.id}").get_data(as_text=True)
    assert f"/admin/users/{world.coach.id}/two-factor/reset" in page
    response = client.post(f"/admin/users/{world.coach.id}/two-factor/reset")
    assert response.status_code == 302
    session.expire_all()
    coach = session.get(User, world.coach.id)
    assert coach.totp_secret is None and coach.totp_enabled_at is None
    assert session.scalar(select(RecoveryCode)) is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset"))
    assert event.actor_id == world.admin.id and event.object_id == world.coach.id
    assert coach_browser.get("/").status_code == 302  # the coach's sessions ended
    assert coach_browser.login(world.coach.email).status_code == 302
    assert coach_browser.get("/").status_code == 200  # the password alone again


def test_only_administrators_reset_two_factor(app, client, world, session, enrolled):
    client.login(world.coordinator_a.email)
    assert client.post(f"/admin/users/{world.coach.id}/two-factor/reset").status_code == 403
    client.logout()
    client.login(world.admin.email)
    assert (
        client.post(f"/admin/users/{world.coach.id}/two-factor/reset", csrf=False).status_code
        == 400
    )
    session.expire_all()
    assert session.get(User, world.coach.id).totp_secret is not None


def test_codes_from_the_neighbouring_time_steps_are_accepted():
    from registry.services import two_factor

    secret = pyotp.TOTP(pyotp.random_base32())
    now = dt.datetime(2026, 12, 4, 12, 0, 10, tzinfo=dt.UTC)
    step = secret.timecode(now)
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        code = secret.generate_otp(step + offset)
        found = two_factor._matching_step(secret.secret, code, now, None)
        assert (found is not None) is accepted, offset
    assert two_factor._matching_step(secret.secret, secret.generate_otp(step), now, step) is None


def test_the_user_list_shows_who_has_two_factor_sign_in(client, world, enrolled):
    client.login(world.admin.email)
    html = client.get("/admin/users").get_data(as_text=True)
    rows = {
        email: row
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
        for email in (world.coach.email, world.coach2.email)
        if f"<td>{email}</td>" in row
    }
    assert "<td>aan</td>" in rows[world.coach.email]
    assert "<td>uit</td>" in rows[world.coach2.email]


def _codes(response) -> list[str]:
    return re.findall(
        r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", response.get_data(as_text=True)
    )


def test_new_recovery_codes_replace_the_old_ones(app, client, world, session, enrolled):
    secret, old = enrolled
    client.login(world.coach.email)
    client.post("/auth/two-factor", {"code": old[0]})
    wrong = client.post("/auth/two-factor/recovery-codes", {"code": "000000"})
    assert wrong.status_code == 422 and "field-error" in wrong.get_data(as_text=True)
    _step_back(session, world.coach.id)
    response = client.post("/auth/two-factor/recovery-codes", {"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 200
    new = _codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert session.scalar(
        select(AuditEvent).where(AuditEvent.action == "user.recovery_codes_replaced")
    )
    client.logout()
    client.login(world.coach.email)
    assert client.post("/auth/two-factor", {"code": old[1]}).status_code == 401
    assert client.post("/auth/two-factor", {"code": new[1]}).status_code == 302
