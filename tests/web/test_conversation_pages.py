"""Issue 20 on the placement page: coach and host exchange messages, plan the introduction
into both calendars, attach documents; CSRF, 404 for other organisations, and a fixed
number of statements whatever the number of messages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from icalendar import Calendar
from sqlalchemy import select

from registry.domain.placement import Party
from registry.extensions import db
from registry.models import Notification, OutboxMessage, PlacementAttachment, PlacementMessage
from tests.services.test_placement_support import (
    accept_on,
    candidate,
    introduce,
    place,
    proposal,
    request_context_fixture,
)
from tests.statements import statements_for

_request_context = request_context_fixture()

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def proposed(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a], title="Magazijn")
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    return proposal(make_ctx, world.coach, cand, pl), cand


def _as(client, user):
    from flask import g

    client.logout()
    g.pop("actor", None)
    client.login(user.email)


def test_a_message_on_a_proposal_reaches_the_other_side(client, session, world, proposed):
    placement, cand = proposed
    url = f"/placements/{placement.id}"
    client.login(world.coach.email)
    page = client.get(url).get_data(as_text=True)
    assert 'id="conversation"' in page
    sent = client.post(f"{url}/messages", {"body": "Kan de kandidaat dinsdag langskomen?"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#conversation")
    # The name is refused with a message next to the field, nothing is written.
    refused = client.post(f"{url}/messages", {"body": f"{cand.given_name} {cand.family_name}"})
    assert refused.status_code == 422
    assert "pseudon" in refused.get_data(as_text=True).lower()  # the guard's message
    assert session.scalars(select(PlacementMessage.body)).all() == [
        "Kan de kandidaat dinsdag langskomen?"
    ]
    # CSRF: without the token nothing happens.
    assert client.post(f"{url}/messages", {"body": "Zonder token"}, csrf=False).status_code == 400

    _as(client, world.contact_a)
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert cand.pseudonym in inbox and cand.family_name not in inbox
    page = client.get(url).get_data(as_text=True)
    assert "Kan de kandidaat dinsdag langskomen?" in page and cand.family_name not in page
    assert client.post(f"{url}/messages", {"body": "Dinsdag om tien uur."}).status_code == 302
    note = session.scalars(
        select(Notification).where(
            Notification.user_id == world.coach.id, Notification.kind == "placement_message"
        )
    ).one()
    assert note.link == f"{url}#conversation"
    assert session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.recipient == world.coach.email)
    )

    # Another organisation: no conversation, no posting.
    _as(client, world.coach2)
    assert client.get(url).status_code == 403
    assert client.post(f"{url}/messages", {"body": "Hallo"}).status_code == 403


def test_the_introduction_step_plans_the_meeting(client, session, world, make_ctx, proposed):
    placement, cand = proposed
    accept_on(make_ctx, world.contact_a, placement)
    url = f"/placements/{placement.id}"
    client.login(world.coach.email)
    day = dt.date.today() + dt.timedelta(days=5)
    form = {
        "planned_on": day.isoformat(),
        "meeting_time": "10:30",
        "meeting_minutes": "45",
        "meeting_location": "",
        "meeting_video_link": "",
    }
    # A time without a place is refused, and nothing was recorded.
    assert client.post(f"{url}/introduction", form).status_code == 422
    assert placement.introduction_recorded_at is None
    form["meeting_location"] = "Kantine, Stationsplein 1"
    assert client.post(f"{url}/introduction", form).status_code == 302
    response = client.get(f"{url}/meetings/introduction.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    event = next(iter(Calendar.from_ical(response.data).walk("VEVENT")))
    uid = str(event["UID"])
    page = client.get(url).get_data(as_text=True)
    assert "introduction.ics" in page and 'id="calendar"' in page
    # Moving it: same UID, SEQUENCE 1; the host can download it too.
    form["meeting_time"] = "14:00"
    assert client.post(f"{url}/introduction", form).status_code == 302
    _as(client, world.contact_a)
    moved = client.get(f"{url}/meetings/introduction.ics")
    event = next(iter(Calendar.from_ical(moved.data).walk("VEVENT")))
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    mails = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "placement_meeting")
    ).all()
    assert {m.recipient for m in mails} == {world.coach.email, world.contact_a.email}
    # The host plans the start date in the calendar section.
    start = {
        "start-day": (day + dt.timedelta(days=7)).isoformat(),
        "start-time": "09:00",
        "start-minutes": "60",
        "start-location": "Receptie",
        "start-video_link": "",
    }
    assert client.post(f"{url}/meetings/start", start).status_code == 302
    assert client.get(f"{url}/meetings/start.ics").status_code == 200
    assert client.post(f"{url}/meetings/start/cancel").status_code == 302
    assert client.get(f"{url}/meetings/nonsense.ics").status_code == 404
    _as(client, world.coach2)
    assert client.get(f"{url}/meetings/introduction.ics").status_code == 404


def test_attachments_by_content_and_404_for_others(client, session, world, make_ctx, proposed):
    placement, _cand = proposed
    url = f"/placements/{placement.id}"
    client.login(world.coach.email)
    fake = {"kind": "agreement", "file": (io.BytesIO(b"MZ not really a pdf"), "contract.pdf")}
    refused = client.post(f"{url}/attachments", fake, content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "PDF, PNG" in refused.get_data(as_text=True)
    real = {"kind": "agreement", "file": (io.BytesIO(PDF), "getekend.pdf")}
    sent = client.post(f"{url}/attachments", real, content_type="multipart/form-data")
    assert sent.status_code == 302
    attachment = session.scalars(select(PlacementAttachment)).one()
    download = client.get(f"{url}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"] == 'attachment; filename="getekend.pdf"'
    assert download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Type"] == "application/pdf"
    for other in (world.coach2, world.coordinator_a, world.admin):
        _as(client, other)
        assert client.get(f"{url}/attachments/{attachment.id}").status_code == 404
    # The host: only after the introduction.
    _as(client, world.contact_a)
    assert client.get(f"{url}/attachments/{attachment.id}").status_code == 404
    accept_on(make_ctx, world.contact_a, placement)
    introduce(make_ctx, world.coach, placement)
    assert client.get(f"{url}/attachments/{attachment.id}").status_code == 200
    again = {"kind": "other", "file": (io.BytesIO(PDF), "nog.pdf")}
    assert client.post(f"{url}/attachments", again, csrf=False).status_code == 400


def _messages(session, placement, authors, count: int) -> None:
    """``count`` messages, the authors taking turns (the same mix on every placement)."""
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(count):
        author, party = authors[i % len(authors)]
        session.add(
            PlacementMessage(
                placement_id=placement.id,
                author_id=author.id,
                author_party=party,
                body=f"Bericht {i}",
                created_at=start + dt.timedelta(minutes=i),
            )
        )
    session.commit()


@pytest.mark.parametrize("who", ["coach", "contact_a", "coordinator_a"])
def test_the_placement_page_costs_the_same_with_5_and_50_messages(
    client, session, world, make_ctx, who
):
    pl = place(session, world.emp_a, [world.net_a], slots=2, title="Magazijn")
    few = proposal(
        make_ctx, world.coach, candidate(session, world.org, world.emp_b, [world.net_a]), pl
    )
    many = proposal(
        make_ctx, world.coach, candidate(session, world.org, world.emp_b, [world.net_a]), pl
    )
    authors = [(world.coach, Party.COACH), (world.contact_a, Party.HOST)]
    _messages(session, few, authors, 5)
    _messages(session, many, authors, 50)
    ids = {"5": few.id, "50": many.id}
    client.login(getattr(world, who).email)
    counts = {}
    for label, placement_id in ids.items():
        status, statements, html = statements_for(client, db.engine, f"/placements/{placement_id}")
        assert status == 200 and "Bericht 4" in html
        counts[label] = statements
    assert counts["5"] == counts["50"], counts
