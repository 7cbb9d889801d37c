"""Issue 20: the conversation on a proposal, the meetings in the calendar and the files
attached to a placement (services; both databases)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from icalendar import Calendar
from PIL import Image
from sqlalchemy import func, select

from registry.domain.permissions import PermissionDenied
from registry.models import (
    AuditEvent,
    MeetingKind,
    Notification,
    OutboxMessage,
    PlacementAttachment,
    PlacementMessage,
    TrajectoryOutcome,
)
from registry.services import attachments, conversations, meetings
from registry.services import candidates as candidate_service
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.file_storage import storage_for
from tests.services.test_placement_support import (
    accept_on,
    candidate,
    introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def talk(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a], title="Magazijn")
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    placement = proposal(make_ctx, world.coach, cand, pl)
    return placement, cand


def _texts(session) -> list[str]:
    return list(session.scalars(select(PlacementMessage.body).order_by(PlacementMessage.id)))


# --------------------------------------------------------------------------- messages


def test_a_message_reaches_the_other_side_not_the_author(session, world, make_ctx, talk):
    placement, cand = talk
    conversations.post_message(make_ctx(world.coach), placement.id, "Wanneer schikt het?")
    notes = session.scalars(
        select(Notification).where(Notification.kind == conversations.MESSAGE_KIND)
    ).all()
    assert [n.user_id for n in notes] == [world.contact_a.id]
    assert notes[0].link.endswith(f"/placements/{placement.id}#conversation")
    # The mail says there is a message, never its text; the pseudonym only.
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "placement_message"))
    mail = mails.one()
    assert mail.recipient == world.contact_a.email
    assert "Wanneer schikt" not in mail.body and cand.family_name not in mail.subject
    assert cand.pseudonym in mail.subject
    # The host answers: the coach is told.
    conversations.post_message(make_ctx(world.contact_a), placement.id, "Dinsdag kan.")
    to_coach = session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == world.coach.id,
            Notification.kind == conversations.MESSAGE_KIND,
        )
    )
    assert to_coach == 1
    # Audited without the text.
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "placement.message_posted")
    ).all()
    assert len(events) == 2 and all("Dinsdag" not in str(e.detail) for e in events)


def test_per_role_visibility(session, world, make_ctx, talk):
    placement, _cand = talk
    conversations.post_message(make_ctx(world.coach), placement.id, "Hallo")
    seen = {
        user.email: conversations.conversation(make_ctx(user), placement)
        for user in (world.coach, world.contact_a, world.coordinator_a, world.contact_b)
    }
    assert seen["coach@example.nl"].may_post and seen["contact.a@example.nl"].may_post
    reader = seen["coord.a@example.nl"]
    assert reader is not None and not reader.may_post
    assert [m.body for m in reader.messages] == ["Hallo"]
    assert seen["contact.b@example.nl"] is None  # the home employer is not in the talk
    assert conversations.conversation(make_ctx(world.admin), placement) is None
    with pytest.raises(PermissionDenied):
        conversations.post_message(make_ctx(world.coordinator_a), placement.id, "Mag ik?")
    with pytest.raises(PermissionDenied):
        conversations.post_message(make_ctx(world.coach2), placement.id, "Ik ook")
    # Once invited, the coordinator writes and is told of new messages.
    conversations.invite_coordinator(make_ctx(world.contact_a), placement.id)
    assert conversations.conversation(make_ctx(world.coordinator_a), placement).may_post
    conversations.post_message(make_ctx(world.coordinator_a), placement.id, "Graag gedaan")
    conversations.post_message(make_ctx(world.coach), placement.id, "Dank")
    told = session.scalars(
        select(Notification.user_id).where(
            Notification.kind == conversations.MESSAGE_KIND,
            Notification.subject.like("New message%") | Notification.subject.like("Nieuw%"),
        )
    ).all()
    assert world.coordinator_a.id in told


def test_the_guard_refuses_a_name_and_medical_terms(session, world, make_ctx, talk):
    placement, cand = talk
    with pytest.raises(ValidationFailed) as caught:
        conversations.post_message(
            make_ctx(world.coach), placement.id, f"{cand.family_name} komt dinsdag"
        )
    assert "body" in caught.value.errors
    with pytest.raises(ValidationFailed):
        conversations.post_message(make_ctx(world.coach), placement.id, "Last van hernia")
    with pytest.raises(ValidationFailed):
        conversations.post_message(make_ctx(world.coach), placement.id, "   ")
    assert _texts(session) == []


def test_edit_and_withdraw_only_within_five_minutes(session, world, make_ctx, talk):
    placement, _cand = talk
    start = dt.datetime(2026, 12, 4, 10, 0, tzinfo=dt.UTC)
    at = lambda minutes: make_ctx(  # noqa: E731
        world.coach, clock=lambda: start + dt.timedelta(minutes=minutes)
    )
    message = conversations.post_message(at(0), placement.id, "Eerste versie")
    conversations.edit_message(at(4), placement.id, message.id, "Tweede versie")
    assert _texts(session) == ["Tweede versie"]
    with pytest.raises(PermissionDenied):  # only the author
        conversations.edit_message(make_ctx(world.contact_a), placement.id, message.id, "X")
    with pytest.raises(Conflict):
        conversations.edit_message(at(6), placement.id, message.id, "Te laat")
    with pytest.raises(Conflict):
        conversations.withdraw_message(at(6), placement.id, message.id)
    other = conversations.post_message(at(10), placement.id, "Vergissing")
    conversations.withdraw_message(at(11), placement.id, other.id)
    assert _texts(session) == ["Tweede versie", ""]
    assert session.get(PlacementMessage, other.id).deleted_at is not None


def test_erasure_leaves_no_message_text_and_no_file(session, world, make_ctx, talk, tmp_path):
    placement, cand = talk
    accept_on(make_ctx, world.contact_a, placement)
    introduce(make_ctx, world.coach, placement)
    conversations.post_message(make_ctx(world.coach), placement.id, "Geheim bericht")
    conversations.post_message(make_ctx(world.contact_a), placement.id, "Antwoord")
    added = attachments.add(
        make_ctx(world.coach), placement.id, attachments.Upload("overeenkomst.pdf", PDF)
    )
    storage = storage_for(make_ctx(world.coach).settings)
    key = added.storage_key
    assert storage.read(key) == PDF
    ctx = make_ctx(world.coach)
    candidate_service.close_trajectory(
        ctx, cand.id, TrajectoryOutcome.WORK_NEW_EMPLOYER, dt.date.today()
    )
    candidate_service.erase_candidate(make_ctx(world.coach), cand.id)
    assert _texts(session) == ["", ""]
    assert session.scalar(select(func.count(PlacementMessage.id))) == 2  # counts unchanged
    row = session.get(PlacementAttachment, added.id)
    assert row.storage_key is None and row.filename == ""
    with pytest.raises(FileNotFoundError):
        storage.read(key)
    audit_text = " ".join(str(e.detail) for e in session.scalars(select(AuditEvent)))
    assert "Geheim" not in audit_text
    with pytest.raises(Conflict):
        conversations.post_message(make_ctx(world.coach), placement.id, "Nog iets")


# --------------------------------------------------------------------------- calendar


def _introduced(make_ctx, world, placement):
    accept_on(make_ctx, world.contact_a, placement)
    introduce(make_ctx, world.coach, placement)


def _plan(make_ctx, user, placement, kind=MeetingKind.INTRODUCTION, days=3, hour=10):
    data = meetings.MeetingInput(
        day=dt.date.today() + dt.timedelta(days=days),
        time=dt.time(hour, 30),
        minutes=45,
        location="Kantine, Stationsplein 1",
    )
    return meetings.plan(make_ctx(user), placement.id, kind, data)


def _event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    return calendar, next(iter(calendar.walk("VEVENT")))


def test_an_invitation_parses_and_updates_keep_the_uid(session, world, make_ctx, talk):
    placement, cand = talk
    _introduced(make_ctx, world, placement)
    meeting = _plan(make_ctx, world.coach, placement)
    ics, name, method = meetings.download(make_ctx(world.contact_a), placement.id, meeting.kind)
    calendar, event = _event(ics)
    assert str(calendar["METHOD"]) == "REQUEST" and method == "REQUEST"
    uid = str(event["UID"])
    assert int(event["SEQUENCE"]) == 0 and name.endswith(".ics")
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=45)
    assert cand.family_name not in ics.decode() and cand.pseudonym in ics.decode()
    attendees = {str(a).lower() for a in event.get("ATTENDEE")}
    assert f"mailto:{world.coach.email}" in attendees
    assert f"mailto:{world.contact_a.email}" in attendees
    # Both sides got it by mail, as an attachment.
    mails = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == meetings.MEETING_KIND)
    ).all()
    assert {m.recipient for m in mails} == {world.coach.email, world.contact_a.email}
    assert all(m.attachments[0]["content_type"].startswith("text/calendar") for m in mails)
    _calendar, mailed = _event(mails[0].attachments[0]["text"].encode())
    assert str(mailed["UID"]) == uid
    assert placement.introduction_planned_on == dt.date.today() + dt.timedelta(days=3)
    # Moving it: same UID, sequence 1, an update by mail.
    _plan(make_ctx, world.coach, placement, days=4, hour=14)
    ics, _name, _method = meetings.download(make_ctx(world.coach), placement.id, meeting.kind)
    _calendar, moved = _event(ics)
    assert str(moved["UID"]) == uid and int(moved["SEQUENCE"]) == 1
    # Cancelling: METHOD:CANCEL, sequence 2.
    meetings.cancel(make_ctx(world.coach), placement.id, meeting.kind)
    ics, _name, method = meetings.download(make_ctx(world.coach), placement.id, meeting.kind)
    calendar, cancelled = _event(ics)
    assert method == "CANCEL" and str(calendar["METHOD"]) == "CANCEL"
    assert str(cancelled["UID"]) == uid and int(cancelled["SEQUENCE"]) == 2
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == meetings.MEETING_KIND)
        )
        == 6
    )


def test_who_plans_what_and_bad_input(session, world, make_ctx, talk):
    placement, _cand = talk
    accept_on(make_ctx, world.contact_a, placement)
    # The introduction follows the consent; only the coach plans it.
    with pytest.raises(Conflict):
        _plan(make_ctx, world.coach, placement)
    introduce(make_ctx, world.coach, placement)
    with pytest.raises(PermissionDenied):
        _plan(make_ctx, world.contact_a, placement)
    # The host plans the start; the coordinator and other organisations do not.
    start = _plan(make_ctx, world.contact_a, placement, MeetingKind.START, days=10)
    assert placement.planned_start == dt.date.today() + dt.timedelta(days=10)
    assert start.sequence == 0
    with pytest.raises(PermissionDenied):
        _plan(make_ctx, world.coordinator_a, placement, MeetingKind.EVALUATION)
    with pytest.raises(NotFound):
        meetings.download(make_ctx(world.coach2), placement.id, MeetingKind.START)
    with pytest.raises(ValidationFailed) as caught:
        meetings.plan(
            make_ctx(world.coach),
            placement.id,
            MeetingKind.EVALUATION,
            meetings.MeetingInput(
                day=dt.date.today() - dt.timedelta(days=1),
                time=dt.time(9),
                minutes=5,
                video_link="javascript:alert(1)",
            ),
        )
    assert {"day", "minutes", "video_link"} <= set(caught.value.errors)


# --------------------------------------------------------------------------- attachments


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (32, 24), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x0132] = "2026:12:04 10:00:00"  # DateTime
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_renamed_file_is_refused(session, world, make_ctx, talk):
    placement, _cand = talk
    ctx = make_ctx(world.coach)
    for data in (b"MZ\x90\x00 not a pdf at all", b"%PDF-1.4 but truncated", b""):
        with pytest.raises(ValidationFailed) as caught:
            attachments.add(ctx, placement.id, attachments.Upload("contract.pdf", data))
        assert "file" in caught.value.errors
    with pytest.raises(ValidationFailed):  # a PNG header with garbage behind it
        attachments.add(ctx, placement.id, attachments.Upload("a.png", b"\x89PNG\r\n\x1a\nxx"))
    ctx.settings = {**ctx.settings, "ATTACHMENT_MAX_BYTES": 10}
    with pytest.raises(ValidationFailed):
        attachments.add(ctx, placement.id, attachments.Upload("big.pdf", PDF))
    assert session.scalar(select(func.count(PlacementAttachment.id))) == 0


def test_exif_is_gone_and_other_organisations_get_404(session, world, make_ctx, talk):
    placement, _cand = talk
    original = _jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()
    added = attachments.add(
        make_ctx(world.coach), placement.id, attachments.Upload("../../foto.JPG", original)
    )
    assert added.filename == "foto.jpg" and added.content_type == "image/jpeg"
    data, content_type, name = attachments.download(make_ctx(world.coach), placement.id, added.id)
    assert content_type == "image/jpeg" and name == "foto.jpg"
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif() and "exif" not in stored.info
    # The home employer sees it; the host only after the introduction; others never.
    assert attachments.download(make_ctx(world.contact_b), placement.id, added.id)
    for user in (world.contact_a, world.coach2, world.coordinator_a, world.admin):
        with pytest.raises(NotFound):
            attachments.download(make_ctx(user), placement.id, added.id)
    _introduced(make_ctx, world, placement)
    assert attachments.download(make_ctx(world.contact_a), placement.id, added.id)
    with pytest.raises(NotFound):
        attachments.download(make_ctx(world.coach), placement.id + 999, added.id)


def test_the_smtp_mail_carries_the_invitation(session, world, make_ctx, talk, monkeypatch):
    placement, _cand = talk
    _introduced(make_ctx, world, placement)
    _plan(make_ctx, world.coach, placement)
    outgoing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == meetings.MEETING_KIND)
    ).first()
    sent = []

    class FakeSmtp:
        def __init__(self, *args, **kw):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            sent.append(message)

    from registry.services import mail

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSmtp)
    settings = {"MAIL_SENDER": "registry@example.nl", "SMTP_HOST": "x", "SMTP_PORT": 25}
    mail.SmtpTransport(settings).send(outgoing)
    parts = [p for p in sent[0].iter_attachments()]
    assert parts[0].get_content_type() == "text/calendar"
    assert parts[0].get_param("method") == "REQUEST"
    assert parts[0].get_filename().endswith(".ics")
    assert b"BEGIN:VCALENDAR" in parts[0].get_content().encode()
