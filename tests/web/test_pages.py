"""Foundation pages: access per role, malformed input, errors, headers, health."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import AuditEvent, Employer, Membership, MembershipStatus, Network

ADMIN_ONLY = [
    "/networks/new",
    "/employers/new",
    "/admin/users",
    "/admin/users/invite",
    "/admin/coach-organisations",
    "/admin/coach-organisations/new",
]


@pytest.mark.parametrize("url", ["/", "/networks/", "/employers/", *ADMIN_ONLY])
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.location


@pytest.mark.parametrize("who", ["coordinator_a", "coach", "contact_a"])
@pytest.mark.parametrize("url", ADMIN_ONLY)
def test_admin_pages_are_403_for_other_roles(client, world, who, url):
    client.login(getattr(world, who).email)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("who", ["admin", "coordinator_a", "coach", "contact_a"])
def test_every_role_has_a_home_page(client, world, who):
    client.login(getattr(world, who).email)
    response = client.get("/")
    assert response.status_code == 200
    assert getattr(world, who).display_name in response.get_data(as_text=True)


def test_coordinator_sees_own_network_members_but_not_another_networks(client, world):
    client.login(world.coordinator_a.email)
    own = client.get(f"/networks/{world.net_a.id}")
    assert own.status_code == 200
    assert world.emp_a.legal_name in own.get_data(as_text=True)
    assert client.get(f"/networks/{world.net_b.id}").status_code == 403
    assert client.get(f"/networks/{world.net_b.id}/edit").status_code == 403


def test_coordinator_admits_and_suspends_in_own_network_only(client, world, session):
    membership = session.scalar(
        select(Membership).where(
            Membership.network_id == world.net_a.id, Membership.employer_id == world.emp_a.id
        )
    )
    other = session.scalar(select(Membership).where(Membership.network_id == world.net_b.id))
    client.login(world.coordinator_a.email)
    url = f"/networks/memberships/{membership.id}"
    unconfirmed = client.post(url, {"status": "suspended"})  # asks first (issue 14)
    assert unconfirmed.status_code == 303 and "/confirm?status=suspended" in unconfirmed.location
    session.expire_all()
    assert session.get(Membership, membership.id).status == MembershipStatus.ADMITTED
    page = client.get(unconfirmed.location).get_data(as_text=True)
    assert world.emp_a.name in page and world.net_a.name in page
    assert client.post(url, {"status": "suspended", "confirmed": "yes"}).status_code == 303
    session.expire_all()
    assert session.get(Membership, membership.id).status == MembershipStatus.SUSPENDED
    assert (
        client.post(f"/networks/memberships/{other.id}", {"status": "suspended"}).status_code == 403
    )
    assert client.get(f"/networks/memberships/{other.id}/confirm?status=left").status_code == 403
    assert session.get(Membership, other.id).status == MembershipStatus.ADMITTED
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "membership.status"))


def test_employer_contact_edits_own_employer_not_another(client, world, session):
    client.login(world.contact_a.email)
    data = {
        "legal_name": world.emp_a.legal_name,
        "kvk_number": world.emp_a.kvk_number,
        "sbi_section": "Q",
        "size_class": "small",
        "postcode": "7511ab",
        "town": "Enschede",
        "contact_email": "hr@example.nl",
    }
    assert client.post(f"/employers/{world.emp_a.id}/edit", data).status_code == 302
    session.expire_all()
    assert session.get(Employer, world.emp_a.id).postcode == "7511 AB"
    assert client.get(f"/employers/{world.emp_b.id}").status_code == 403
    assert client.post(f"/employers/{world.emp_b.id}/edit", data).status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kvk_number", "1234567"),
        ("kvk_number", "1234567a"),
        ("postcode", "0123 AB"),
        ("postcode", "12345"),
        ("legal_name", "x" * 500),
        ("size_class", "gigantic"),
        ("sbi_section", "Z"),
    ],
)
def test_bad_employer_input_is_a_clear_4xx_and_writes_nothing(client, world, session, field, value):
    client.login(world.admin.email)
    data = {
        "legal_name": "Nieuwe Werkgever B.V.",
        "kvk_number": "87654321",
        "sbi_section": "C",
        "size_class": "small",
        "postcode": "1012 AB",
    }
    data[field] = value
    before = session.scalar(select(Employer).where(Employer.kvk_number == "87654321"))
    response = client.post("/employers/new", data)
    assert 400 <= response.status_code < 500, response.location
    assert "field-error" in response.get_data(as_text=True)
    assert before is None
    assert session.scalar(select(Employer).where(Employer.kvk_number == "87654321")) is None


def test_duplicate_kvk_is_rejected(client, world):
    client.login(world.admin.email)
    response = client.post(
        "/employers/new",
        {
            "legal_name": "Kopie",
            "kvk_number": world.emp_a.kvk_number,
            "sbi_section": "C",
            "size_class": "small",
            "postcode": "1012 AB",
        },
    )
    assert response.status_code == 422


def test_admin_creates_a_network(client, world, session):
    client.login(world.admin.email)
    response = client.post(
        "/networks/new",
        {
            "name": "Netwerk Zeeland",
            "kind": "regional",
            "freshness_days": "30",
            "retention_months": "24",
        },
    )
    assert response.status_code == 302
    assert (
        session.scalar(select(Network).where(Network.name == "Netwerk Zeeland")).freshness_days
        == 30
    )


@pytest.mark.parametrize(
    "url",
    [
        "/networks/999999",
        "/networks/abc",
        "/employers/999999",
        "/employers/-1",
        "/admin/users/999999",
        "/admin/coach-organisations/999999",
        "/no/such/page",
    ],
)
def test_unknown_ids_are_404_not_500(client, world, url):
    client.login(world.admin.email)
    response = client.get(url)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_wrong_method_is_405(client, world):
    client.login(world.admin.email)
    assert client.get("/auth/logout").status_code == 405


def test_oversized_request_is_413(app, client, world):
    client.login(world.admin.email)
    response = client.post("/networks/new", {"name": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413


def test_malformed_membership_status_is_400(client, world, session):
    membership = session.scalar(select(Membership))
    client.login(world.admin.email)
    assert (
        client.post(f"/networks/memberships/{membership.id}", {"status": "royal"}).status_code
        == 400
    )


def test_security_headers_on_every_response(client):
    response = client.get("/auth/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switch_to_english(client, world):
    client.login(world.coach.email)
    client.post("/language", {"language": "en", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_is_unreachable(tmp_path):
    from tests.conftest import make_test_app

    app = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "error"}
