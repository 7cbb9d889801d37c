"""The partner API (issue 18): tokens, scopes, problem details, the OpenAPI description,
and a whole placement through the API only (checked against the pages)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from openapi_spec_validator import validate
from sqlalchemy import select

from registry.models import ApiToken, AuditEvent, LedgerEntryRecord
from registry.services import api_tokens
from tests.web.api_support import PROFILE, bearer, candidate_body, place_body, token

API_RULES_SKIP = ("/api/v1/openapi.json", "/api/v1/docs")


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.rule not in API_RULES_SKIP:
            method = (
                "GET"
                if "GET" in rule.methods
                else next(m for m in ("POST", "PUT") if m in rule.methods)
            )
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<int:{arg}>", "1")
            path = path.replace("<any(agreement,evaluation,certificate):kind>", "agreement")
            yield method, path, app.view_functions[rule.endpoint]


def call(client, method, path, headers=None, json=None):
    return client.open(path, method=method, headers=headers or {}, json=json)


def test_the_description_is_openapi_3_1_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert len(spec["paths"]) >= 20


def test_the_documentation_page_works_offline(client):
    response = client.get("/api/v1/docs")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another host
    assert "/api/v1/placements/{placement_id}/complete" in html
    assert "Scope: `placements:write`" in html or "placements:write" in html


def test_every_route_needs_a_valid_bearer_token(app, client, world, make_ctx, session):
    raw = token(make_ctx, world.coach)
    expired = token(make_ctx, world.coach)
    revoked = token(make_ctx, world.coach)
    row = session.scalar(select(ApiToken).where(ApiToken.prefix == expired.split("_")[1]))
    row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    session.commit()
    api_tokens.revoke_token(
        make_ctx(world.coach),
        session.scalar(select(ApiToken.id).where(ApiToken.prefix == revoked.split("_")[1])),
    )
    client.login(world.coach.email)  # the session cookie never authenticates the API
    bad = [None, "Bearer", "Basic abc", f"Bearer {expired}", f"Bearer {revoked}",
           f"Bearer {raw[:-1]}x", "Bearer tsr_000000000000_" + "a" * 43]  # fmt: skip
    rules = list(api_rules(app))
    assert len(rules) >= 25
    for method, path, _view in rules:
        for header in bad:
            headers = {"Authorization": header} if header else {}
            response = call(client, method, path, headers, json={})
            assert response.status_code == 401, (method, path, header)
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["status"] == 401


def test_a_token_without_the_scope_gets_403(app, client, world, make_ctx):
    without = {
        scope: bearer(token(make_ctx, world.coach, [s for s in api_tokens.SCOPES if s != scope]))
        for scope in api_tokens.SCOPES
    }
    for method, path, view in api_rules(app):
        response = call(client, method, path, without[view.api_scope], {})
        assert response.status_code == 403, (method, path)
        assert response.get_json()["title"] == "Forbidden"


def test_unknown_api_paths_are_problems(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_tokens_of_another_organisation_get_404(client, world, make_ctx, session):
    coach = bearer(token(make_ctx, world.coach))
    created = client.client.post("/api/v1/candidates/", headers=coach,
                          json=candidate_body(world.emp_a.id, [world.net_a.id]))  # fmt: skip
    assert created.status_code == 201, created.get_json()
    cid = created.get_json()["id"]
    other_coach = bearer(token(make_ctx, world.coach2))
    for method, path, body in [
        ("GET", f"/api/v1/candidates/{cid}", None),
        ("PUT", f"/api/v1/candidates/{cid}", candidate_body(world.emp_a.id, [world.net_a.id])),
        ("POST", f"/api/v1/candidates/{cid}/profile", PROFILE),
        ("POST", f"/api/v1/candidates/{cid}/close",
         {"outcome": "recovered", "closed_on": dt.date.today().isoformat()}),
        ("GET", f"/api/v1/search/candidates/{cid}", None),
    ]:  # fmt: skip
        response = call(client, method, path, other_coach, body)
        assert response.status_code == 404, (method, path, response.get_json())
    host = bearer(token(make_ctx, world.contact_a))
    place = client.client.post("/api/v1/places/", headers=host,
                        json=place_body([world.net_a.id], world.emp_a.id))  # fmt: skip
    assert place.status_code == 201, place.get_json()
    pid = place.get_json()["id"]
    other_host = bearer(token(make_ctx, world.contact_b))
    other_coordinator = bearer(token(make_ctx, world.coordinator_b))
    for headers in (other_host, other_coordinator):
        for method, path in [
            ("GET", f"/api/v1/places/{pid}"),
            ("POST", f"/api/v1/places/{pid}/pause"),
            ("POST", f"/api/v1/places/{pid}/close"),
            ("GET", f"/api/v1/search/places/{pid}/candidates"),
            ("GET", f"/api/v1/reciprocity/employers/{world.emp_a.id}"),
            ("GET", f"/api/v1/reciprocity/networks/{world.net_a.id}"),
        ]:
            response = call(client, method, path, headers)
            assert response.status_code == 404, (method, path)
    # an invisible object and a missing one look the same
    assert client.get("/api/v1/places/999999", headers=other_host).status_code == 404


def test_invalid_input_is_422_with_errors_per_field(client, world, make_ctx):
    host = bearer(token(make_ctx, world.contact_a))
    response = client.client.post(
        "/api/v1/places/", headers=host, json={"kind": "castle", "slots": -1}
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert {"type", "title", "status", "detail", "errors"} <= set(problem)
    assert {"kind", "title", "employer_id", "slots"} <= set(problem["errors"])
    # a rule of the service (no postcode area) also comes back per field
    body = place_body([world.net_a.id], world.emp_a.id, postcode="0000 XX")
    response = client.client.post("/api/v1/places/", headers=host, json=body)
    assert response.status_code == 422
    assert "postcode" in response.get_json()["errors"]


def test_places_through_the_api(client, world, make_ctx, session):
    host = bearer(token(make_ctx, world.contact_a))
    first = client.client.post("/api/v1/places/", headers=host,
                        json=place_body([world.net_a.id], world.emp_a.id))  # fmt: skip
    assert first.status_code == 201 and first.get_json()["status"] == "open"
    pid = first.get_json()["id"]
    ids = [pid]
    for n in range(2):
        body = place_body([world.net_a.id], world.emp_a.id, title=f"Plek {n}")
        ids.append(client.client.post("/api/v1/places/", headers=host, json=body).get_json()["id"])
    listed = client.get("/api/v1/places/", headers=host).get_json()
    assert [p["id"] for p in listed["items"]] == sorted(ids) and listed["next_cursor"] is None
    coordinator = bearer(token(make_ctx, world.coordinator_a))
    curated = client.get("/api/v1/places/?scope=curation", headers=coordinator).get_json()
    assert {p["id"] for p in curated["items"]} == set(ids)
    assert client.get("/api/v1/places/?cursor=%%%", headers=host).status_code == 422
    body = place_body([world.net_a.id], world.emp_a.id, title="Nieuwe titel")
    body.pop("employer_id"), body.pop("submit")
    updated = client.client.put(f"/api/v1/places/{pid}", headers=host, json=body)
    assert updated.status_code == 200 and updated.get_json()["title"] == "Nieuwe titel"
    assert client.client.post(f"/api/v1/places/{pid}/confirm", headers=host).status_code == 200
    paused = client.client.post(f"/api/v1/places/{pid}/pause", headers=coordinator)
    assert paused.get_json()["status"] == "paused"
    closed = client.client.post(f"/api/v1/places/{pid}/close", headers=host)
    assert closed.get_json()["status"] == "closed"
    # a coach may not post places (visible rules, not a 500)
    coach = bearer(token(make_ctx, world.coach))
    body = place_body([world.net_a.id], world.emp_a.id)
    assert client.client.post("/api/v1/places/", headers=coach, json=body).status_code == 403
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "place.pause", AuditEvent.object_id == pid)
    )
    assert event.actor_id == world.coordinator_a.id and event.detail["api_token"]


def test_a_whole_placement_through_the_api_only(client, world, make_ctx, session):
    coach = bearer(token(make_ctx, world.coach))
    host = bearer(token(make_ctx, world.contact_a))
    # the candidate works at emp_b (network B) and may search network A too
    body = candidate_body(world.emp_ab.id, [world.net_a.id])
    cand = client.client.post("/api/v1/candidates/", headers=coach, json=body)
    assert cand.status_code == 201, cand.get_json()
    cid = cand.get_json()["id"]
    assert client.client.post(f"/api/v1/candidates/{cid}/profile", headers=coach,
                       json=PROFILE).status_code == 201  # fmt: skip
    place = client.client.post("/api/v1/places/", headers=host,
                        json=place_body([world.net_a.id], world.emp_a.id)).get_json()  # fmt: skip
    # before any consent the host learns nothing of the candidate
    assert client.get(f"/api/v1/candidates/{cid}", headers=host).status_code == 404
    found = client.get(f"/api/v1/search/candidates/{cid}", headers=coach).get_json()
    hits = [h for h in found["matches"] + found["signals"] if h["place_id"] == place["id"]]
    assert hits, found
    items = {i["key"]: i for i in hits[0]["explanation"]["items"]}
    assert items["lifting"]["verdict"] == "fit" and items["lifting"]["capacity_band"] == 1
    proposal = client.client.post("/api/v1/placements/", headers=coach, json={
        "candidate_id": cid, "place_id": place["id"],
        "motivation": "Past goed bij de wens om administratief te werken.",
        "confirm_past_end": True,
        "signal_reasons": {k: "Besproken met de werkgever." for k in
                           (i["key"] for i in hits[0]["explanation"]["items"]
                            if i["verdict"] == "signal")},
    })  # fmt: skip
    assert proposal.status_code == 201, proposal.get_json()
    p = proposal.get_json()
    pid = p["id"]
    as_host = client.get(f"/api/v1/placements/{pid}", headers=host).get_json()
    assert as_host["candidate"]["name"] is None and as_host["home_employer"] is None
    assert as_host["candidate_id"] is None
    steps = [
        (host, "accept", None, "accepted"),
        (coach, "introduce", {}, "accepted"),
        (host, "start", {"on": dt.date.today().isoformat()}, "started"),
        (host, "complete", {"outcome": "hired", "on": dt.date.today().isoformat()}, "completed"),
    ]
    for headers, step, payload, status in steps:
        response = client.client.post(
            f"/api/v1/placements/{pid}/{step}", headers=headers, json=payload
        )
        assert response.status_code == 200, (step, response.get_json())
        assert response.get_json()["status"] == status
    done = client.get(f"/api/v1/placements/{pid}", headers=host).get_json()
    assert done["candidate"]["name"] == "Henrike Zwanenburg" and done["outcome"] == "hired"
    assert [h["to_status"] for h in done["history"]] == [
        "proposed", "accepted", "started", "completed"]  # fmt: skip
    entries = session.scalars(
        select(LedgerEntryRecord).where(LedgerEntryRecord.placement_id == pid)
    ).all()
    assert entries and {e.employer_id for e in entries} == {world.emp_a.id, world.emp_ab.id}
    balance = client.get(f"/api/v1/reciprocity/employers/{world.emp_a.id}", headers=host)
    net = next(n for n in balance.get_json()["networks"] if n["network_id"] == world.net_a.id)
    assert net["balance"]["hosted_placements"] == 1 and net["entries"]
    coordinator = bearer(token(make_ctx, world.coordinator_a))
    summary = client.get(f"/api/v1/reciprocity/networks/{world.net_a.id}", headers=coordinator)
    assert summary.status_code == 200 and summary.get_json()["completions"] == 1
    seen = client.get(f"/api/v1/candidates/{cid}", headers=host).get_json()
    assert seen["given_name"] == "Henrike" and seen["home_employer"] is None  # introduced
    assert seen["notes"] is None and seen["profile"] is None
    for outsider in (world.coach2, world.contact_b, world.coordinator_b):
        headers = bearer(token(make_ctx, outsider))
        for method, path in [
            ("GET", f"/api/v1/placements/{pid}"),
            ("POST", f"/api/v1/placements/{pid}/accept"),
            ("POST", f"/api/v1/placements/{pid}/withdraw"),
            ("GET", f"/api/v1/placements/{pid}/documents/agreement.pdf"),
        ]:
            assert call(client, method, path, headers, {}).status_code == 404, (outsider, path)
    pdf = client.get(f"/api/v1/placements/{pid}/documents/agreement.pdf", headers=host)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # the pages show the same state
    client.login(world.contact_a.email)
    page = client.get(f"/placements/{pid}").get_data(as_text=True)
    assert "Henrike Zwanenburg" in page
    client.logout()
    client.login(world.coach.email)
    page = client.get(f"/candidates/{cid}")
    assert page.status_code == 200 and "Henrike" in page.get_data(as_text=True)
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.object_type == "placement", AuditEvent.object_id == pid
        )  # fmt: skip
    ).all()
    assert events and all(e.detail.get("api_token") for e in events)


def test_the_token_page(client, world, session):
    client.login(world.coach.email)
    page = client.get("/account/api-tokens/")
    assert page.status_code == 200
    created = client.post("/account/api-tokens/", {
        "name": "Zaaksysteem", "scopes": ["candidates:read", "search"],
        "expires_on": (dt.date.today() + dt.timedelta(days=30)).isoformat()})  # fmt: skip
    html = created.get_data(as_text=True)
    assert created.status_code == 200
    raw = html.split('<code id="new-token">')[1].split("</code>")[0]
    assert raw.startswith("tsr_")
    row = session.scalar(select(ApiToken).where(ApiToken.name == "Zaaksysteem"))
    assert row.secret_hash == api_tokens.hash_token(raw) and raw not in row.secret_hash
    assert row.scopes == ["candidates:read", "search"]
    client.logout()
    assert client.get("/api/v1/candidates/1", headers=bearer(raw)).status_code == 404
    session.refresh(row)
    assert row.last_used_at is not None
    client.login(world.coach.email)
    assert raw not in client.get("/account/api-tokens/").get_data(as_text=True)
    revoked = client.post(f"/account/api-tokens/{row.id}/revoke")
    assert revoked.status_code == 303
    assert client.get("/api/v1/candidates/1", headers=bearer(raw)).status_code == 401
    bad = client.post("/account/api-tokens/", {"name": "", "expires_on": "2000-01-01"})
    assert bad.status_code == 422
    client.logout()
    client.login(world.admin.email)
    assert client.get("/account/api-tokens/").status_code == 403
    client.logout()
    client.login(world.coach2.email)  # another user's token cannot be revoked
    assert client.post(f"/account/api-tokens/{row.id}/revoke").status_code == 404


@pytest.fixture
def limited_app(backend):
    from registry.extensions import db, limiter
    from tests.conftest import make_test_app, wipe

    app = make_test_app(backend, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    try:
        with app.app_context():
            yield app
            db.session.remove()
            wipe(db.engine)
    finally:  # the limiter is process-wide: leave it off and empty, as the other tests expect
        limiter.reset()
        limiter.enabled = False


def test_rate_limits_count_per_token(limited_app):
    client = limited_app.test_client()
    one = {"Authorization": "Bearer tsr_aaaaaaaaaaaa_" + "a" * 43}
    two = {"Authorization": "Bearer tsr_bbbbbbbbbbbb_" + "b" * 43}
    codes = [client.get("/api/v1/places/", headers=one).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    limited = client.get("/api/v1/places/", headers=one)
    assert limited.mimetype == "application/problem+json" and limited.status_code == 429
    assert client.get("/api/v1/places/", headers=two).status_code == 401


def test_statements_do_not_grow_with_tokens_or_places(app, client, world, make_ctx, session):
    """The token page and the API's place list: the same number of statements for 5 and
    for 50 rows (tests/statements.py)."""
    from registry.extensions import db
    from registry.models import Employer, Network, User
    from tests.services import test_placement_support as build
    from tests.statements import count_statements, statements_for

    coach_id, emp_id, net_id = world.coach.id, world.emp_a.id, world.net_a.id
    host = bearer(token(make_ctx, world.contact_a, ["places:read"]))
    coach_email = world.coach.email

    def add(n: int) -> None:
        coach = db.session.get(User, coach_id)
        employer, network = db.session.get(Employer, emp_id), db.session.get(Network, net_id)
        for i in range(n):
            ctx = make_ctx(coach)
            row, _raw = api_tokens.create_token(
                ctx, f"t{i}", ["search"], ctx.today() + dt.timedelta(days=3)
            )
            api_tokens.revoke_token(ctx, row.id)
            build.place(db.session, employer, [network])
        db.session.commit()

    def api_count() -> int:
        client.client.get("/api/v1/places/", headers=host)
        db.session.remove()
        with count_statements(db.engine) as seen:
            response = client.client.get("/api/v1/places/", headers=host)
        assert response.status_code == 200
        return len(seen)

    client.login(coach_email)
    counts = []
    for more in (5, 45):
        add(more)
        status, page, _html = statements_for(client, db.engine, "/account/api-tokens/")
        assert status == 200
        counts.append((page, api_count()))
    assert counts[0] == counts[1], counts


def _proposed(client, world, coach, host) -> int:
    cand = client.client.post(
        "/api/v1/candidates/", headers=coach, json=candidate_body(world.emp_ab.id, [world.net_a.id])
    ).get_json()
    client.client.post(f"/api/v1/candidates/{cand['id']}/profile", headers=coach, json=PROFILE)
    place = client.client.post(
        "/api/v1/places/", headers=host, json=place_body([world.net_a.id], world.emp_a.id)
    ).get_json()
    body = {"candidate_id": cand["id"], "place_id": place["id"], "confirm_past_end": True,
            "motivation": "Past goed bij de wens om administratief te werken."}  # fmt: skip
    proposal = client.client.post("/api/v1/placements/", headers=coach, json=body)
    assert proposal.status_code == 201, proposal.get_json()
    return proposal.get_json()["id"]


def test_lists_cancel_and_end_early(client, world, make_ctx):
    coach = bearer(token(make_ctx, world.coach))
    host = bearer(token(make_ctx, world.contact_a))
    first, second = _proposed(client, world, coach, host), _proposed(client, world, coach, host)
    listed = client.get("/api/v1/candidates/", headers=coach).get_json()
    assert listed["total"] == 2 and {r["given_name"] for r in listed["items"]} == {"Henrike"}
    other = client.get("/api/v1/candidates/", headers=bearer(token(make_ctx, world.coach2)))
    assert other.get_json()["total"] == 0
    assert client.get("/api/v1/candidates/", headers=host).status_code == 403
    for headers in (coach, host):
        rows = client.get("/api/v1/placements/?status=proposed", headers=headers).get_json()
        assert {r["id"] for r in rows["items"]} == {first, second}
        assert all("name" not in r for r in rows["items"])
    outsider = bearer(token(make_ctx, world.contact_b))
    assert client.get("/api/v1/placements/", headers=outsider).get_json()["items"] == []
    for pid in (first, second):
        accepted = client.client.post(f"/api/v1/placements/{pid}/accept", headers=host)
        assert accepted.status_code == 200
    for path in (f"{first}/cancel", f"{second}/end-early"):
        response = client.client.post(f"/api/v1/placements/{path}", headers=outsider, json={})
        assert response.status_code == 404
    cancelled = client.client.post(
        f"/api/v1/placements/{first}/cancel", headers=host, json={"reason": "timing"}
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    client.client.post(f"/api/v1/placements/{second}/introduce", headers=coach, json={})
    client.client.post(f"/api/v1/placements/{second}/start", headers=host, json={})
    ended = client.client.post(
        f"/api/v1/placements/{second}/end-early",
        headers=host,
        json={"reason": "workload_too_high", "text": ""},
    )
    assert ended.status_code == 200, ended.get_json()
    assert ended.get_json()["status"] == "ended_early"
    # a step the state machine does not allow is a conflict or invalid, never a 500
    again = client.client.post(f"/api/v1/placements/{second}/accept", headers=host)
    assert again.status_code in (409, 422) and again.mimetype == "application/problem+json"
