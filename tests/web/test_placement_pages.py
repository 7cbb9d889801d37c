"""Placement pages: propose, answer, follow through, documents; 403/404 per route and role."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from registry.domain.placement import Status
from registry.models import Notification, Placement
from registry.services import placements as svc
from tests.services.test_placement_support import (
    candidate,
    consent_introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()


@pytest.fixture
def setup(session, world):
    pl = place(
        session,
        world.emp_a,
        [world.net_a],
        slots=1,
        demands={"lifting": {"band": 3, "adjustable": True}},
        title="Magazijnmedewerker",
    )
    cand = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    return pl, cand


def _as(client, user):
    """Log in as ``user``. The test app context outlives requests, so forget the actor that
    registry.web.helpers.service_context cached on ``g`` for the previous user."""
    from flask import g

    client.logout()
    g.pop("actor", None)
    client.login(user.email)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_journey_propose_accept_start_complete_with_documents(client, session, world, setup):
    pl, cand = setup
    client.login(world.coach.email)
    url = f"/placements/propose?candidate={cand.id}&place={pl.id}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="reason_lifting"' in html and cand.pseudonym in html
    # Without the reason for the signal the proposal is refused with a message.
    missing = client.post(url, {"motivation": "Past goed", "network_id": world.net_a.id})
    assert missing.status_code == 422
    sent = client.post(
        url,
        {
            "motivation": "Past goed",
            "network_id": world.net_a.id,
            "reason_lifting": "Tillen met hulpmiddel",
        },
    )
    assert sent.status_code == 302
    placement = session.scalar(select(Placement))
    assert placement.signal_reasons == {"lifting": "Tillen met hulpmiddel"}

    _as(client, world.contact_a)
    inbox = client.get("/placements/inbox").get_data(as_text=True)
    assert cand.pseudonym in inbox and "3512" in inbox and cand.family_name not in inbox
    assert client.get("/notifications/").get_data(as_text=True).count("/placements/") >= 1
    detail = client.get(f"/placements/{placement.id}").get_data(as_text=True)
    assert 'value="accepted"' in detail and 'value="declined"' in detail
    assert 'value="started"' not in detail
    assert (
        client.post(f"/placements/{placement.id}/move", {"target": "accepted"}).status_code == 302
    )
    consent_introduce(session, cand, world.emp_a)
    session.commit()
    assert cand.family_name in client.get(f"/placements/{placement.id}").get_data(as_text=True)

    _as(client, world.coach)
    assert client.post(f"/placements/{placement.id}/move", {"target": "started"}).status_code == 302

    _as(client, world.contact_a)
    bad = client.post(f"/placements/{placement.id}/move", {"target": "completed"})
    assert bad.status_code == 422  # outcome required
    asked = client.post(
        f"/placements/{placement.id}/move", {"target": "completed", "outcome": "hired"}
    )
    assert asked.status_code == 200 and "data-confirmed-action" in asked.get_data(as_text=True)
    session.expire_all()
    assert session.get(Placement, placement.id).status is Status.STARTED  # only asked
    done = client.post(
        f"/placements/{placement.id}/move",
        {"target": "completed", "outcome": "hired", "confirmed": "yes"},
    )
    assert done.status_code == 302
    ev = client.post(
        f"/placements/{placement.id}/evaluation",
        {
            "tasks_done": "Orderpicken en inpakken",
            "strengths": "Nauwkeurig",
            "overall": "Een fijne collega",
            **{k: "4" for k in svc.EVALUATION_RATINGS},
        },
    )
    assert ev.status_code == 302
    session.expire_all()
    assert session.get(Placement, placement.id).status is Status.COMPLETED

    for kind, expect_nl, expect_en in (
        ("agreement", "Plaatsingsovereenkomst", "Placement agreement"),
        ("evaluation", "Evaluatieformulier", "Evaluation form"),
    ):
        nl = client.get(f"/placements/{placement.id}/documents/{kind}.pdf?lang=nl")
        assert nl.status_code == 200 and nl.headers["Content-Type"] == "application/pdf"
        text = _pdf_text(nl.data)
        assert expect_nl in text
        assert world.emp_a.legal_name in text
        en = _pdf_text(client.get(f"/placements/{placement.id}/documents/{kind}.pdf?lang=en").data)
        assert expect_en in en
    # Started and completed on the same day: 0 weeks of work, so no certificate.
    assert client.get(f"/placements/{placement.id}/documents/certificate.pdf").status_code == 409
    # The coach was told about acceptance and completion.
    kinds = set(
        session.scalars(select(Notification.kind).where(Notification.user_id == world.coach.id))
    )
    assert {"proposal_accepted", "placement_changed"} <= kinds


def test_decline_from_the_page_needs_a_reason(client, session, world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    client.login(world.contact_a.email)
    assert client.post(f"/placements/{p.id}/move", {"target": "declined"}).status_code == 422
    ok = client.post(
        f"/placements/{p.id}/move",
        {
            "target": "declined",
            "reason": "timing",
            "reason_text": "Na de zomer",
            "confirmed": "yes",
        },
    )
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Placement, p.id).status is Status.DECLINED


ROUTES = [
    ("get", "/placements/{id}"),
    ("post", "/placements/{id}/move"),
    ("get", "/placements/{id}/documents/agreement.pdf"),
    ("get", "/placements/{id}/evaluation"),
]


@pytest.mark.parametrize("method,route", ROUTES)
@pytest.mark.parametrize("who", ["coach2", "contact_b", "coordinator_b"])
def test_other_organisations_get_403(client, world, make_ctx, setup, method, route, who):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    client.login(getattr(world, who).email)
    url = route.format(id=p.id)
    response = client.get(url) if method == "get" else client.post(url, {"target": "accepted"})
    assert response.status_code == 403


@pytest.mark.parametrize("method,route", ROUTES)
def test_unknown_placement_is_404(client, world, method, route):
    client.login(world.coach.email)
    url = route.format(id=987654)
    response = client.get(url) if method == "get" else client.post(url, {"target": "accepted"})
    assert response.status_code == 404


def test_forbidden_step_for_a_party_is_403_and_impossible_step_409(client, world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    client.login(world.coach.email)  # the coach may not accept for the host
    assert client.post(f"/placements/{p.id}/move", {"target": "accepted"}).status_code == 403
    assert client.post(f"/placements/{p.id}/move", {"target": "started"}).status_code == 409
    assert client.get(f"/placements/{p.id}/evaluation").status_code == 403  # host only


def test_propose_route_refuses_other_coach_org_and_missing_ids(client, world, setup):
    pl, cand = setup
    client.login(world.coach2.email)
    assert client.get(f"/placements/propose?candidate={cand.id}&place={pl.id}").status_code == 404
    assert client.get("/placements/propose?place=1").status_code == 404
    _as(client, world.contact_a)
    assert client.get(f"/placements/propose?candidate={cand.id}&place={pl.id}").status_code == 404


def test_lists_and_notification_preferences(client, session, world, make_ctx, setup):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    client.login(world.contact_b.email)
    assert cand.pseudonym not in client.get("/placements/").get_data(as_text=True)
    _as(client, world.contact_a)
    assert cand.pseudonym in client.get("/placements/").get_data(as_text=True)
    assert client.post("/notifications/preference", {"mode": "digest"}).status_code == 302
    from registry.services import notifications

    assert notifications.preference(session, world.contact_a.id).value == "digest"
    assert client.post("/notifications/read").status_code == 302
    assert notifications.unread_count(session, world.contact_a.id) == 0
    assert svc.get_placement(make_ctx(world.contact_a), p.id).status is Status.PROPOSED


# --------------------------------------------------------------------------- issue 12


HOME_NAME = "Thuisbedrijf Geheim B.V."


def test_introduction_step_on_the_placement_page(client, session, world, make_ctx, setup):
    """Accepted: the host sees the pseudonym, no home employer and no start button; the
    coach records the consent (with a planned date) on the page; then the host sees the
    name and the home employer, the agreement names the parties, and the start is offered."""
    import datetime as dt

    pl, cand = setup
    world.emp_ab.legal_name, world.emp_ab.trade_name = HOME_NAME, ""
    session.commit()
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})

    client.login(world.contact_a.email)
    inbox = client.get("/placements/inbox").get_data(as_text=True)
    assert cand.pseudonym in inbox and HOME_NAME not in inbox
    assert client.post(f"/placements/{p.id}/move", {"target": "accepted"}).status_code == 302
    page = client.get(f"/placements/{p.id}").get_data(as_text=True)
    assert HOME_NAME not in page and cand.family_name not in page
    assert 'value="started"' not in page and "introduction-h" in page
    pdf = _pdf_text(client.get(f"/placements/{p.id}/documents/agreement.pdf").data)
    assert HOME_NAME not in pdf and cand.pseudonym in pdf and "kennismakingsgesprek" in pdf
    # The host cannot record the introduction; a forged post is refused.
    assert client.post(f"/placements/{p.id}/introduction", {}).status_code == 403
    started = client.post(f"/placements/{p.id}/move", {"target": "started"})
    assert started.status_code == 409

    _as(client, world.coach)
    page = client.get(f"/placements/{p.id}").get_data(as_text=True)
    assert f'action="/placements/{p.id}/introduction"' in page and HOME_NAME in page
    past = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    bad = client.post(f"/placements/{p.id}/introduction", {"planned_on": past})
    assert bad.status_code == 422 and "field-error" in bad.get_data(as_text=True)
    soon = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    ok = client.post(f"/placements/{p.id}/introduction", {"planned_on": soon})
    assert ok.status_code == 302

    _as(client, world.contact_a)
    page = client.get(f"/placements/{p.id}").get_data(as_text=True)
    assert HOME_NAME in page and cand.family_name in page and 'value="started"' in page
    pdf = _pdf_text(client.get(f"/placements/{p.id}/documents/agreement.pdf").data)
    assert HOME_NAME in pdf and cand.family_name in pdf
    notes = client.get("/notifications/").get_data(as_text=True)
    assert HOME_NAME not in notes
    assert client.post(f"/placements/{p.id}/move", {"target": "started"}).status_code == 302


def test_start_date_before_the_acceptance_is_a_field_error(client, session, world, make_ctx, setup):
    import datetime as dt

    from tests.services.test_placement_support import ready_to_start

    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    ready_to_start(make_ctx, world.contact_a, world.coach, p)
    client.login(world.coach.email)
    day = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    response = client.post(f"/placements/{p.id}/move", {"target": "started", "on": day})
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Placement, p.id).status is Status.ACCEPTED


def test_declining_is_confirmed_on_a_page_that_names_what_happens(
    client, session, world, make_ctx, setup
):
    """Issue 14: the first post only asks (no script, a plain form), naming the candidate,
    the place, the reason and who hears it; the verb button takes the step."""
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    client.login(world.contact_a.email)
    data = {"target": "declined", "reason": "timing", "reason_text": "Na de zomer"}
    asked = client.post(f"/placements/{p.id}/move", data)
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert cand.pseudonym in html and pl.title in html
    assert 'name="confirmed" value="yes"' in html and 'name="reason" value="timing"' in html
    assert "<script" not in html.split("<main", 1)[1]
    session.expire_all()
    assert session.get(Placement, p.id).status is Status.PROPOSED
    assert client.post(f"/placements/{p.id}/move", {**data, "confirmed": "yes"}).status_code == 302
    session.expire_all()
    assert session.get(Placement, p.id).status is Status.DECLINED


def test_no_confirmation_page_for_a_step_the_user_may_not_take(
    client, session, world, make_ctx, setup
):
    pl, cand = setup
    p = proposal(make_ctx, world.coach, cand, pl, signal_reasons={"lifting": "ok"})
    client.login(world.coach.email)  # the coach may withdraw, not decline
    refused = client.post(f"/placements/{p.id}/move", {"target": "declined", "reason": "timing"})
    assert refused.status_code in (403, 409)
    asked = client.post(f"/placements/{p.id}/move", {"target": "withdrawn"})
    assert asked.status_code == 200 and "data-confirmed-action" in asked.get_data(as_text=True)
    _as(client, world.contact_b)  # not a party at all
    assert (
        client.post(
            f"/placements/{p.id}/move", {"target": "withdrawn", "confirmed": "yes"}
        ).status_code
        == 403
    )


def test_proposal_form_with_four_problems_shows_all_four(client, session, world, setup):
    """Issue 14: the field checks and the service's checks (the signal's reason, the start
    date) come back together, and nothing is saved."""
    import datetime as dt

    from tests.web.test_error_summary import summary

    pl, cand = setup
    client.login(world.coach.email)
    url = f"/placements/propose?candidate={cand.id}&place={pl.id}"
    response = client.post(
        url,
        {
            "motivation": "",  # required
            "network_id": world.net_a.id,
            "planned_start": (dt.date.today() - dt.timedelta(days=2)).isoformat(),  # past
            "hours_per_week": "70",  # more than 60
            # no reason for the lifting signal
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    count, links = summary(html)
    assert count == 4
    assert set(links) == {"motivation", "planned_start", "hours_per_week"}  # + the signal
    assert "lifting" in html.split("error-summary", 1)[1].split("</div>", 1)[0]
    assert session.scalar(select(Placement)) is None
