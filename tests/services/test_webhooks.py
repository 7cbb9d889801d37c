"""Webhooks (issue 18): signed delivery from the outbox to a local receiver, retries with
back-off, nothing for a rolled-back change, the outbox across a restart, slow endpoints,
what each organisation's payload shows, and endpoints of other organisations."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from registry.extensions import db
from registry.models import Notification, PlaceStatus
from registry.models.base import utcnow
from registry.models.webhooks import WebhookDelivery, WebhookEndpoint
from registry.search.place_matches import fitting_candidates
from registry.services import placements as placement_svc
from registry.services import places as place_svc
from registry.services import webhook_events
from registry.services import webhooks as svc
from registry.services.errors import NotFound, ValidationFailed
from tests.conftest import make_test_app
from tests.services.test_placement_support import (
    candidate,
    introduce,
    place,
    proposal,
    request_context_fixture,
)
from tests.webhook_receiver import receiving

_request_context = request_context_fixture()
FAST = svc.DeliverySettings(timeout=2.0)


@pytest.fixture
def setup(session, world):
    pl = place(session, world.emp_a, [world.net_a], slots=1)
    cand = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    return pl, cand


def endpoint(make_ctx, user, owner: str, url: str, events=None):
    data = svc.EndpointInput(owner=owner, url=url, events=events or ["placement.proposed"])
    return svc.create_endpoint(make_ctx(user), data)


def deliveries(session, endpoint_id=None):
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    return list(session.scalars(query))


def test_a_local_receiver_gets_a_signed_message(session, world, make_ctx, setup):
    pl, cand = setup
    with receiving() as receiver:
        ep, secret = endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        assert secret.startswith("whsec_")
        placement = proposal(make_ctx, world.coach, cand, pl)
        summary = svc.deliver_pending(session, settings=FAST)
    assert (summary.sent, summary.failed) == (1, 0)
    headers, body = receiver.received[0]
    payload = Webhook(secret).verify(body, headers)  # the standardwebhooks package agrees
    assert payload["type"] == "placement.proposed"
    assert payload["data"]["placement"]["id"] == placement.id
    assert headers["webhook-id"] == deliveries(session)[0].message_id
    with pytest.raises(Exception):  # noqa: B017 - any verification error
        Webhook("whsec_" + "A" * 44).verify(body, headers)
    assert deliveries(session)[0].status == "delivered"


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try(
    session, world, make_ctx, setup
):
    pl, cand = setup
    with receiving([500, 503, 200]) as receiver:
        endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        proposal(make_ctx, world.coach, cand, pl)
        t0 = utcnow()
        assert svc.deliver_pending(session, settings=FAST, now=t0).failed == 1
        row = deliveries(session)[0]
        assert row.status == "pending" and row.attempts == 1 and row.last_error == "HTTP 500"
        # Not due yet: the back-off (30 s, then 60 s) keeps it waiting.
        assert (
            svc.deliver_pending(session, settings=FAST, now=t0 + dt.timedelta(seconds=5)).failed
            == 0
        )
        assert (
            svc.deliver_pending(session, settings=FAST, now=t0 + dt.timedelta(seconds=31)).failed
            == 1
        )
        assert (
            svc.deliver_pending(session, settings=FAST, now=t0 + dt.timedelta(seconds=95)).sent == 1
        )
    assert len(receiver.received) == 3
    assert len({h["webhook-id"] for h, _ in receiver.received}) == 1  # one message, three tries
    session.expire_all()
    row = deliveries(session)[0]
    assert (row.status, row.attempts, row.response_status) == ("delivered", 3, 200)


def test_a_rolled_back_change_sends_nothing(session, world, make_ctx, setup, monkeypatch):
    pl, cand = setup
    original = webhook_events.emit

    def emit_then_fail(*args, **kw):
        original(*args, **kw)  # the row is written in the change's transaction ...
        raise RuntimeError("the change fails after its event was queued")

    with receiving() as receiver:
        endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        monkeypatch.setattr(webhook_events, "emit", emit_then_fail)
        with pytest.raises(RuntimeError):
            proposal(make_ctx, world.coach, cand, pl)
        monkeypatch.setattr(webhook_events, "emit", original)
        summary = svc.deliver_pending(session, settings=FAST)
    assert deliveries(session) == []  # ... and rolled back with it
    assert summary.sent == 0 and receiver.received == []


def test_the_outbox_survives_a_restart(backend, session, world, make_ctx, setup, app):
    pl, cand = setup
    with receiving() as receiver:
        ep, secret = endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        proposal(make_ctx, world.coach, cand, pl)
        db.session.remove()  # the process ends before any delivery run
        restarted = make_test_app(backend)
        with restarted.app_context():
            summary = svc.deliver_pending(db.session, settings=FAST)
            assert summary.sent == 1
            db.session.remove()
    assert len(receiver.received) == 1
    Webhook(secret).verify(receiver.received[0][1], receiver.received[0][0])


def test_a_slow_endpoint_counts_as_failed(session, world, make_ctx, setup):
    pl, cand = setup
    with receiving(delay=0.6) as receiver:
        endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        proposal(make_ctx, world.coach, cand, pl)
        summary = svc.deliver_pending(session, settings=svc.DeliverySettings(timeout=0.2))
    assert (summary.sent, summary.failed) == (0, 1)
    row = deliveries(session)[0]
    assert row.status == "pending" and "timeout" in row.last_error


def test_after_a_day_of_failures_the_endpoint_is_failing_and_its_owner_told(
    session, world, make_ctx, setup
):
    pl, cand = setup
    with receiving([500]) as receiver:
        ep, _ = endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        proposal(make_ctx, world.coach, cand, pl)
        t0 = utcnow()
        svc.deliver_pending(session, settings=FAST, now=t0)
        summary = svc.deliver_pending(session, settings=FAST, now=t0 + dt.timedelta(hours=25))
    assert summary.gave_up == 1
    session.expire_all()
    assert deliveries(session)[0].status == "failed"
    assert session.get(WebhookEndpoint, ep.id).failing_since is not None
    note = session.scalar(
        select(Notification).where(
            Notification.user_id == world.contact_a.id, Notification.kind == "webhook_failing"
        )
    )
    assert note is not None and note.link == f"/webhooks/{ep.id}"


def _payloads(session, endpoint_id):
    return [d.payload["data"] for d in deliveries(session, endpoint_id)]


def test_payloads_show_only_what_each_organisation_may_see(session, world, make_ctx, setup):
    pl, cand = setup
    events = ["placement.proposed", "placement.accepted", "placement.introduced"]
    url = "https://example.nl/hook"
    host, _ = endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", url, events)
    coach, _ = endpoint(make_ctx, world.coach, f"coach_organisation:{world.org.id}", url, events)
    network, _ = endpoint(make_ctx, world.coordinator_a, f"network:{world.net_a.id}", url, events)
    other, _ = endpoint(make_ctx, world.contact_b, f"employer:{world.emp_b.id}", url, events)
    placement = proposal(make_ctx, world.coach, cand, pl)
    placement_svc.accept(make_ctx(world.contact_a), placement.id)
    introduce(make_ctx, world.coach, placement)
    proposed, accepted, introduced = _payloads(session, host.id)
    for before in (proposed, accepted):  # the host: a pseudonym until the introduction
        assert before["candidate"] == {"pseudonym": cand.pseudonym}
        assert "home_employer" not in before
        assert cand.given_name not in json.dumps(before)
    assert introduced["candidate"]["family_name"] == cand.family_name
    assert introduced["home_employer"]["id"] == world.emp_ab.id
    for data in _payloads(session, coach.id):  # the coach's organisation: its own candidate
        assert data["candidate"]["given_name"] == cand.given_name
    for data in _payloads(session, network.id):  # the coordinator: never the name
        assert "given_name" not in data["candidate"]
        assert cand.family_name not in json.dumps(data)
    assert _payloads(session, other.id) == []  # not a party: nothing


def test_places_published_and_paused_and_new_matches(session, world, make_ctx):
    draft = place(session, world.emp_a, [world.net_a], status=PlaceStatus.DRAFT)
    cand = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    url = "https://example.nl/hook"
    host, _ = endpoint(
        make_ctx,
        world.contact_a,
        f"employer:{world.emp_a.id}",
        url,
        ["place.published", "place.paused"],
    )
    coach, _ = endpoint(
        make_ctx, world.coach, f"coach_organisation:{world.org.id}", url, ["candidate.match_new"]
    )
    place_svc.submit_place(make_ctx(world.contact_a), draft.id)  # no review: open at once
    place_svc.pause_place(make_ctx(world.contact_a), draft.id)
    assert [d.event for d in deliveries(session, host.id)] == ["place.published", "place.paused"]
    assert [d.status for d in deliveries(session, coach.id)] == ["expand"]
    # The delivery run matches the place against the organisation's candidates; a paused
    # place is no longer new for anyone.
    assert svc.expand_matches(session, fitting_candidates, dt.date.today()) == 0
    place_svc.resume_place(make_ctx(world.contact_a), draft.id)
    webhook_events.emit(session, "place.published", draft)
    session.commit()
    assert svc.expand_matches(session, fitting_candidates, dt.date.today()) == 1
    (match,) = deliveries(session, coach.id)
    assert match.event == "candidate.match_new"
    assert match.payload["data"]["candidate"] == {"id": cand.id, "pseudonym": cand.pseudonym}
    assert match.payload["data"]["place"]["id"] == draft.id


def test_endpoints_of_other_organisations_are_not_found(session, world, make_ctx):
    ep, _ = endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", "https://a.nl/h")
    for outsider in (world.contact_b, world.coach, world.coordinator_b, world.admin):
        with pytest.raises(NotFound):
            svc.get_endpoint(make_ctx(outsider), ep.id)
    with pytest.raises(ValidationFailed) as error:  # not one of the user's organisations
        endpoint(make_ctx, world.contact_b, f"employer:{world.emp_a.id}", "https://a.nl/h")
    assert "owner" in error.value.errors


def test_addresses_and_events_are_checked(world, make_ctx):
    owner = f"employer:{world.emp_a.id}"
    for url, field in (
        ("ftp://example.nl/x", "url"),
        ("http://example.nl/x", "url"),  # plain http only to this machine
        ("https://user:pw@example.nl/x", "url"),
        ("", "url"),
    ):
        with pytest.raises(ValidationFailed) as error:
            endpoint(make_ctx, world.contact_a, owner, url)
        assert field in error.value.errors, url
    with pytest.raises(ValidationFailed) as error:  # an employer hears no match events
        endpoint(make_ctx, world.contact_a, owner, "https://e.nl/h", ["candidate.match_new"])
    assert "events" in error.value.errors
    ep, _ = endpoint(make_ctx, world.contact_a, owner, "http://localhost:8080/hook")
    assert ep.url == "http://localhost:8080/hook"


def test_redeliver_rotate_and_disable(session, world, make_ctx, setup):
    pl, cand = setup
    with receiving() as receiver:
        ep, first = endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        proposal(make_ctx, world.coach, cand, pl)
        svc.deliver_pending(session, settings=FAST)
        row = deliveries(session)[0]
        _, second = svc.rotate_secret(make_ctx(world.contact_a), ep.id)
        assert second != first
        svc.redeliver(make_ctx(world.contact_a), ep.id, row.id)
        svc.deliver_pending(session, settings=FAST)
        assert len(receiver.received) == 2
        Webhook(second).verify(receiver.received[1][1], receiver.received[1][0])
        svc.set_active(make_ctx(world.contact_a), ep.id, False)
        svc.redeliver(make_ctx(world.contact_a), ep.id, row.id)
        assert svc.deliver_pending(session, settings=FAST).sent == 0  # disabled: waits
    assert len(receiver.received) == 2


def test_the_deliver_command_sends_and_records_its_run(app, session, world, make_ctx, setup):
    from registry.models import JobRun

    pl, cand = setup
    with receiving() as receiver:
        endpoint(make_ctx, world.contact_a, f"employer:{world.emp_a.id}", receiver.url)
        proposal(make_ctx, world.coach, cand, pl)
        result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    assert "sent=1" in result.output and len(receiver.received) == 1
    run = session.scalar(select(JobRun).where(JobRun.job == "webhooks"))
    assert run is not None and run.ok and "sent=1" in run.detail
