"""Webhook pages (issue 18): register (secret shown once), edit, turn off, rotate, the
delivery log with "send again", other organisations' endpoints are a 404, and the same
number of statements for 5 and 50 rows."""

from __future__ import annotations

import re

from sqlalchemy import select

from registry.extensions import db
from registry.models.base import utcnow
from registry.models.webhooks import WebhookDelivery, WebhookEndpoint
from tests.statements import statements_for

URL = "https://hooks.example.nl/registry"


def _endpoint(session, world, n: int = 0, **kw) -> WebhookEndpoint:
    values = {
        "owner_kind": "employer",
        "owner_id": world.emp_a.id,
        "url": f"{URL}/{n}",
        "events": ["placement.proposed", "place.paused"],
        "secret": "whsec_" + "A" * 44,
    }
    values.update(kw)
    endpoint = WebhookEndpoint(**values)
    session.add(endpoint)
    session.flush()
    return endpoint


def _delivery(session, endpoint, status="delivered") -> WebhookDelivery:
    row = WebhookDelivery(
        message_id=f"msg_{utcnow().timestamp()}_{endpoint.id}_{id(object())}",
        endpoint_id=endpoint.id,
        event="placement.proposed",
        payload={"type": "placement.proposed", "data": {}},
        status=status,
        attempts=1,
        response_status=200,
        response_ms=12,
    )
    session.add(row)
    session.flush()
    return row


def test_register_shows_the_secret_once(client, world, session):
    client.login(world.contact_a.email)
    page = client.get("/webhooks/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "candidate.match_new" not in html  # an employer hears no match events
    response = client.post(
        "/webhooks/new",
        {
            "owner": f"employer:{world.emp_a.id}",
            "url": URL,
            "description": "HR-systeem",
            "events": ["placement.proposed", "placement.accepted"],
        },
    )
    assert response.status_code == 200
    secret = re.search(r"whsec_[A-Za-z0-9+/=]+", response.get_data(as_text=True)).group(0)
    endpoint = session.scalar(select(WebhookEndpoint))
    assert endpoint.secret == secret and endpoint.events == [
        "placement.proposed",
        "placement.accepted",
    ]
    shown = client.get(f"/webhooks/{endpoint.id}").get_data(as_text=True)
    assert secret not in shown and URL in shown
    assert URL in client.get("/webhooks/").get_data(as_text=True)


def test_bad_input_gets_messages_and_nothing_is_written(client, world, session):
    client.login(world.contact_a.email)
    response = client.post(
        "/webhooks/new",
        {"owner": f"employer:{world.emp_b.id}", "url": "ftp://x.nl/h", "events": ["nonsense"]},
    )
    assert response.status_code == 422
    assert session.scalar(select(WebhookEndpoint)) is None


def test_edit_turn_off_rotate_and_send_again(client, world, session):
    endpoint = _endpoint(session, world)
    row = _delivery(session, endpoint)
    session.commit()
    client.login(world.contact_a.email)
    base = f"/webhooks/{endpoint.id}"
    assert client.get(f"{base}/edit").status_code == 200
    edited = client.post(f"{base}/edit", {"url": URL + "/v2", "events": ["place.paused"]})
    assert edited.status_code == 302
    assert client.post(f"{base}/active", {"active": "0"}).status_code == 302
    assert client.get(f"{base}/rotate").status_code == 200  # the confirmation first
    rotated = client.post(f"{base}/rotate").get_data(as_text=True)
    assert "whsec_" in rotated
    assert client.post(f"{base}/deliveries/{row.id}/redeliver").status_code == 302
    session.expire_all()
    endpoint = session.get(WebhookEndpoint, endpoint.id)
    assert (endpoint.url, endpoint.events, endpoint.active) == (
        URL + "/v2",
        ["place.paused"],
        False,
    )
    assert endpoint.secret != "whsec_" + "A" * 44
    assert session.get(WebhookDelivery, row.id).status == "pending"


def test_other_organisations_endpoints_are_not_found(client, world, session):
    endpoint = _endpoint(session, world)
    row = _delivery(session, endpoint)
    session.commit()
    base = f"/webhooks/{endpoint.id}"
    for user in (world.contact_b, world.coach, world.coordinator_a, world.admin):
        client.login(user.email)
        assert client.get(base).status_code == 404
        assert client.get(f"{base}/edit").status_code == 404
        assert client.get(f"{base}/rotate").status_code == 404
        assert client.post(f"{base}/rotate").status_code == 404
        assert client.post(f"{base}/active", {"active": "0"}).status_code == 404
        assert client.post(f"{base}/deliveries/{row.id}/redeliver").status_code == 404
        client.logout()
    client.login(world.admin.email)
    assert client.get("/webhooks/new").status_code == 404  # no organisation of their own
    assert client.get("/webhooks/").status_code == 200


def _count(client, world, session, n: int) -> dict[str, int]:
    endpoints = [_endpoint(session, world, i) for i in range(n)]
    for _ in range(n):
        _delivery(session, endpoints[0])
    session.commit()
    client.login(world.contact_a.email)
    counts = {}
    for name, url in (("list", "/webhooks/"), ("log", f"/webhooks/{endpoints[0].id}")):
        status, count, html = statements_for(client, db.engine, url)
        assert status == 200
        assert len(re.findall(r"<tr[ >]", html)) == n + 1
        counts[name] = count
    client.logout()
    session.execute(WebhookDelivery.__table__.delete())
    session.execute(WebhookEndpoint.__table__.delete())
    session.commit()
    return counts


def test_statements_do_not_grow_with_rows(client, world, session):
    assert _count(client, world, session, 5) == _count(client, world, session, 50)


def test_pages_show_labels_not_codes(client, world, session):
    from tests.web.test_no_codes import AUDIT_CODE, DUTCH_CODE_RE, ISO_DATE, codes_in, visible_text

    endpoint = _endpoint(session, world, events=["placement.ended_early", "place.paused"])
    endpoint.failing_since = utcnow()
    for status in ("pending", "delivered", "failed"):
        _delivery(session, endpoint, status).event = "placement.ended_early"
    session.commit()
    client.login(world.contact_a.email)
    base = f"/webhooks/{endpoint.id}"
    for url in ("/webhooks/", "/webhooks/new", base, f"{base}/edit", f"{base}/rotate"):
        text = visible_text(client.get(url).get_data(as_text=True))
        found = codes_in(text) | set(AUDIT_CODE.findall(text)) | set(DUTCH_CODE_RE.findall(text))
        assert not found | set(ISO_DATE.findall(text)), (url, found)
