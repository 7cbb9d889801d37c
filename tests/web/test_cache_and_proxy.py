"""No caching of pages, fragments or downloads (only static files); HSTS in production;
the client address behind TRUSTED_PROXIES proxy hops (X-Forwarded-For)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, SignInThrottle
from registry.services import throttle
from tests.conftest import Client, make_test_app
from tests.services.test_placement_support import candidate


def test_pages_for_signed_in_users_are_never_stored(client, world, session):
    obj = candidate(session, world.org, world.emp_a, [world.net_a])
    session.commit()
    client.login(world.coach.email)
    for path in ("/", f"/candidates/{obj.id}", "/candidates/", "/auth/sessions"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


@pytest.mark.parametrize(
    "path",
    [
        "/curation/places/export.csv",
        "/curation/places/export.xlsx",
        "/dashboard/network/{net}/export.csv",
    ],
)
def test_exports_and_downloads_are_never_stored(client, world, path):
    client.login(world.admin.email if "curation" in path else world.coordinator_a.email)
    response = client.get(path.format(net=world.net_a.id))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"


def test_error_pages_and_the_login_page_are_not_stored_either(client, world):
    assert client.get("/auth/login").headers["Cache-Control"] == "no-store"
    client.login(world.coach.email)
    assert client.get("/admin/users").headers["Cache-Control"] == "no-store"  # 403 page


def test_static_files_may_be_cached(client):
    response = client.get("/static/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers


def test_hsts_in_production(backend):
    app = make_test_app(backend, ENV_NAME="production")
    response = app.test_client().get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def _failed_sign_in_from(app, forwarded_for: str | None) -> None:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    client = Client(app.test_client())
    token = client.csrf_token()
    client.client.post(
        "/auth/login",
        data={"email": "nobody@example.nl", "password": "wrong-password", "csrf_token": token},
        headers=headers,
    )


def _addresses(session) -> list[str | None]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEvent.remote_addr)
            .where(AuditEvent.action == "user.login_failed")
            .order_by(AuditEvent.id)
        )
    )


def test_behind_one_trusted_proxy_the_audit_trail_and_delay_see_the_client(app, backend, session):
    behind_proxy = make_test_app(backend, TRUSTED_PROXIES=1)
    _failed_sign_in_from(behind_proxy, "203.0.113.7")
    _failed_sign_in_from(behind_proxy, "198.51.100.1, 203.0.113.9")  # spoofed first hop
    assert _addresses(session) == ["203.0.113.7", "203.0.113.9"]
    assert session.get(SignInThrottle, throttle.address_key("203.0.113.7")) is not None


def test_without_trusted_proxies_the_header_is_ignored(app, session):
    _failed_sign_in_from(app, "203.0.113.7")
    assert _addresses(session) == ["127.0.0.1"]


def test_the_rate_limit_counts_per_forwarded_client(backend):
    from registry.extensions import limiter

    app = make_test_app(
        backend, TRUSTED_PROXIES=1, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per minute"
    )
    try:
        with app.app_context():
            statuses = []
            for address in ["203.0.113.1"] * 3 + ["203.0.113.2"]:
                client = Client(app.test_client())
                client.client.environ_base["HTTP_X_FORWARDED_FOR"] = address
                statuses.append(client.login("someone@example.nl", "wrong-password").status_code)
    finally:  # the limiter is process-wide: leave it as the other tests expect it
        limiter.reset()
        limiter.enabled = False
    assert statuses == [401, 401, 429, 401]
