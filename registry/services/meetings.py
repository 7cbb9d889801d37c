"""A placement's meetings in the calendar (issue 20): the introduction, the start and the
evaluation meeting, sent to both sides as iCalendar invitations.

An invitation is ``METHOD:REQUEST`` with a ``UID`` that never changes for the meeting;
moving it raises ``SEQUENCE`` and sends the update, cancelling raises it again and sends
``METHOD:CANCEL``. The invitation goes by e-mail as an attachment (to everyone on the
coach's and the host's side whose setting allows e-mail) and is downloadable from the
placement page. Times are stored in UTC and entered in the registry's time zone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select

from registry.domain import placement as lifecycle
from registry.domain.conversation import MeetingProblem, check_meeting
from registry.domain.permissions import Action
from registry.domain.placement import Status
from registry.models import (
    DeliveryMode,
    MeetingKind,
    Notification,
    Placement,
    PlacementMeeting,
    User,
)
from registry.services import free_text as shared_text
from registry.services import mail, notifications
from registry.services import placements as placement_service
from registry.services.context import Context
from registry.services.conversations import may, talk_facts
from registry.services.errors import Conflict, NotFound, ValidationFailed

MEETING_KIND = "placement_meeting"
PLAN_ACTION = {
    MeetingKind.INTRODUCTION: Action.INTRODUCTION_PLAN,
    MeetingKind.START: Action.MEETING_PLAN,
    MeetingKind.EVALUATION: Action.MEETING_PLAN,
}
# The statuses in which a meeting of each kind can be planned or moved.
PLANNABLE = {
    MeetingKind.INTRODUCTION: frozenset({Status.ACCEPTED}),
    MeetingKind.START: frozenset({Status.ACCEPTED}),
    MeetingKind.EVALUATION: frozenset({Status.ACCEPTED, Status.STARTED, *lifecycle.ENDED_STATUSES}),
}
TITLES = {
    MeetingKind.INTRODUCTION: _l("Introduction meeting: %(place)s (%(pseudonym)s)"),
    MeetingKind.START: _l("Start of the placement: %(place)s (%(pseudonym)s)"),
    MeetingKind.EVALUATION: _l("Evaluation meeting: %(place)s (%(pseudonym)s)"),
}


@dataclass
class MeetingInput:
    day: dt.date | None
    time: dt.time | None
    minutes: int | None = 60
    location: str = ""
    video_link: str = ""


def _zone(ctx: Context) -> ZoneInfo:
    return ZoneInfo(str(ctx.settings.get("REGISTRY_TIMEZONE") or "Europe/Amsterdam"))


def local_time(ctx: Context, moment: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) moment in the registry's time zone, for pages and forms."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(_zone(ctx))


def check_input(ctx: Context, placement: Placement, data: MeetingInput) -> dt.datetime:
    """The meeting's start in UTC, or ValidationFailed with every field's problem."""
    errors: dict[str, list[object]] = {}
    if data.day is None:
        errors["day"] = [_l("Enter the date.")]
    if data.time is None:
        errors["time"] = [_l("Enter the time.")]
    location = shared_text.check_text(
        errors, "location", data.location, shared_text.candidate_names(placement.candidate)
    )
    link = (data.video_link or "").strip()
    if link and (not link.startswith("https://") or len(link) > 500 or " " in link):
        errors["video_link"] = [_l("Enter a video link that starts with https://.")]
    if len(location) > 300:
        errors.setdefault("location", []).append(_l("At most 300 characters."))
    starts = None
    if data.day is not None and data.time is not None:
        starts = dt.datetime.combine(data.day, data.time, tzinfo=_zone(ctx)).astimezone(dt.UTC)
    problems = check_meeting(starts or ctx.now(), data.minutes or 0, location, link, ctx.now())
    for problem in problems:
        if problem is MeetingProblem.IN_THE_PAST and starts is not None:
            errors.setdefault("day", []).append(_l("The meeting cannot lie in the past."))
        elif problem is MeetingProblem.DURATION:
            errors["minutes"] = [_l("Enter a duration between 15 and 480 minutes.")]
        elif problem is MeetingProblem.NO_PLACE and "video_link" not in errors:
            errors.setdefault("location", []).append(_l("Enter a place or a video link."))
    if errors or starts is None:
        raise ValidationFailed(errors)
    return starts


def _load(ctx: Context, placement_id: int, kind: MeetingKind) -> Placement:
    placement = placement_service.get_placement(ctx, placement_id)
    ctx.require(PLAN_ACTION[kind], talk_facts(placement))
    return placement


def may_plan(ctx: Context, placement: Placement, kind: MeetingKind) -> bool:
    """May the actor plan (or move) this kind of meeting now?"""
    if placement.status not in PLANNABLE[kind]:
        return False
    if kind is MeetingKind.INTRODUCTION and not placement_service.introduced(placement):
        return False
    return may(ctx, PLAN_ACTION[kind], placement)


def meetings_of(ctx: Context, placement: Placement) -> dict[MeetingKind, PlacementMeeting]:
    """The placement's meetings by kind (one statement), for those who may see them."""
    if not may(ctx, Action.MEETING_VIEW, placement):
        return {}
    rows = ctx.session.scalars(
        select(PlacementMeeting).where(PlacementMeeting.placement_id == placement.id)
    )
    return {row.kind: row for row in rows}


def plan(ctx: Context, placement_id: int, kind: MeetingKind, data: MeetingInput):
    """Plan a meeting, or move it (same UID, SEQUENCE + 1); both sides get the invitation."""
    placement = _load(ctx, placement_id, kind)
    if not may_plan(ctx, placement, kind):
        raise Conflict(_l("This meeting cannot be planned in the placement's current state."))
    starts = check_input(ctx, placement, data)
    meeting = ctx.session.scalar(
        select(PlacementMeeting).where(
            PlacementMeeting.placement_id == placement.id, PlacementMeeting.kind == kind
        )
    )
    with ctx.transaction():
        if meeting is None:
            meeting = PlacementMeeting(
                placement_id=placement.id, kind=kind, uid=f"{uuid.uuid4()}@tweede-spoorregister"
            )
            meeting.sequence = 0
            ctx.session.add(meeting)
        else:
            meeting.sequence += 1
        meeting.starts_at = starts
        meeting.minutes = int(data.minutes or 60)
        meeting.location = (data.location or "").strip()
        meeting.video_link = (data.video_link or "").strip()
        meeting.cancelled_at = None
        meeting.planned_by_id = ctx.actor_id
        meeting.updated_at = ctx.now()
        local_day = starts.astimezone(_zone(ctx)).date()
        if kind is MeetingKind.INTRODUCTION:
            placement.introduction_planned_on = local_day
        elif kind is MeetingKind.START:
            placement.planned_start = local_day
        ctx.session.flush()
        ctx.audit(
            "placement.meeting_planned",
            "placement",
            placement.id,
            kind=kind,
            sequence=meeting.sequence,
            starts_at=starts,
        )
        _send(ctx, placement, meeting)
    return meeting


def cancel(ctx: Context, placement_id: int, kind: MeetingKind) -> PlacementMeeting:
    """Cancel a planned meeting: SEQUENCE + 1 and a ``METHOD:CANCEL`` to both sides."""
    placement = _load(ctx, placement_id, kind)
    meeting = ctx.session.scalar(
        select(PlacementMeeting).where(
            PlacementMeeting.placement_id == placement.id, PlacementMeeting.kind == kind
        )
    )
    if meeting is None or meeting.cancelled_at is not None:
        raise NotFound(_l("This meeting is not planned."))
    with ctx.transaction():
        meeting.sequence += 1
        meeting.cancelled_at = ctx.now()
        meeting.updated_at = ctx.now()
        ctx.audit(
            "placement.meeting_cancelled",
            "placement",
            placement.id,
            kind=kind,
            sequence=meeting.sequence,
        )
        _send(ctx, placement, meeting)
    return meeting


def _attendees(ctx: Context, placement: Placement) -> list[User]:
    users = {u.id: u for u in notifications.coach_users(ctx.session, placement)}
    users.update(
        (u.id, u) for u in notifications.employer_users(ctx.session, placement.host_employer_id)
    )
    return list(users.values())


def _method(meeting: PlacementMeeting) -> str:
    return "CANCEL" if meeting.cancelled_at is not None else "REQUEST"


def ics_bytes(
    ctx: Context, placement: Placement, meeting: PlacementMeeting, attendees: list[User]
) -> bytes:
    """The iCalendar file of a meeting, in the current locale."""
    names = {"place": placement.place.title, "pseudonym": placement.candidate.pseudonym}
    link = notifications.absolute_link(f"/placements/{placement.id}")
    calendar = Calendar()
    calendar.add("prodid", "-//Tweede-spoorregister//Plaatsingen//NL")
    calendar.add("version", "2.0")
    calendar.add("method", _method(meeting))
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", ctx.now().astimezone(dt.UTC))
    starts = meeting.starts_at
    starts = (starts if starts.tzinfo else starts.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    event.add("dtstart", starts)
    event.add("dtend", starts + dt.timedelta(minutes=meeting.minutes))
    event.add("summary", str(TITLES[meeting.kind] % names))
    if meeting.location:
        event.add("location", meeting.location)
    lines = [str(_l("Placement page: %(link)s", link=link))]
    if meeting.video_link:
        lines.insert(0, str(_l("Video link: %(link)s", link=meeting.video_link)))
        event.add("url", meeting.video_link)
    event.add("description", "\n".join(lines))
    event.add("status", "CANCELLED" if meeting.cancelled_at else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{ctx.settings.get('MAIL_SENDER') or 'registry@localhost'}")
    organizer.params["cn"] = vText("Tweede-spoorregister")
    event["organizer"] = organizer
    for user in attendees:
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.display_name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee, encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


def filename(meeting: PlacementMeeting) -> str:
    return f"{meeting.kind.value}-{meeting.placement_id}.ics"


def _send(ctx: Context, placement: Placement, meeting: PlacementMeeting) -> int:
    """Mail the invitation (or its update or cancellation) to both sides, each in their
    language; everyone but the actor also finds it in the inbox."""
    attendees = _attendees(ctx, placement)
    names = {"place": placement.place.title, "pseudonym": placement.candidate.pseudonym}
    if meeting.cancelled_at is not None:
        subject = _l("Cancelled: %(title)s", title=TITLES[meeting.kind] % names)
    elif meeting.sequence:
        subject = _l("Moved: %(title)s", title=TITLES[meeting.kind] % names)
    else:
        subject = _l("Invitation: %(title)s", title=TITLES[meeting.kind] % names)
    body = _l("The calendar invitation is attached; it is also on the placement's page.")
    link = f"/placements/{placement.id}#calendar"
    sent = 0
    for user in attendees:
        if not user.active:
            continue
        with force_locale(user.language or "nl"):
            subject_t, body_t = str(subject)[:200], str(body)
            ics = ics_bytes(ctx, placement, meeting, attendees).decode()
        mailed = notifications.preference(ctx.session, user.id) is not DeliveryMode.NONE
        if mailed:
            mail.enqueue(
                ctx.session,
                user.email,
                subject_t,
                f"{body_t}\n\n{notifications.absolute_link(link)}",
                MEETING_KIND,
                attachments=[
                    {
                        "filename": filename(meeting),
                        "content_type": f"text/calendar; method={_method(meeting)}",
                        "text": ics,
                    }
                ],
            )
            sent += 1
        if user.id != ctx.actor_id:
            ctx.session.add(
                Notification(
                    user_id=user.id,
                    kind=MEETING_KIND,
                    subject=subject_t,
                    body=body_t,
                    link=link,
                    created_at=ctx.now(),
                    emailed_at=ctx.now() if mailed else None,
                )
            )
    return sent


def download(ctx: Context, placement_id: int, kind: MeetingKind) -> tuple[bytes, str, str]:
    """(ics, filename, method) of a meeting for a party who may see it; 404 otherwise."""
    placement = ctx.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(_l("This placement does not exist."))
    meeting = meetings_of(ctx, placement).get(kind)
    if meeting is None:
        raise NotFound(_l("This meeting is not planned."))
    ics = ics_bytes(ctx, placement, meeting, _attendees(ctx, placement))
    return ics, filename(meeting), _method(meeting)
