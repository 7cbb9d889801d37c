"""The conversation, the calendar and the attached files on the placement page (issue 20).

Thin views over services.conversations, services.meetings and services.attachments. A
form with a problem shows the placement page again with the message next to the field
(422); files and invitations are served as downloads with ``no-store``.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Length, NumberRange, Optional

from registry.domain.conversation import MAX_MESSAGE
from registry.domain.permissions import Action
from registry.models import MeetingKind
from registry.services import attachments, conversations, meetings, paging
from registry.services import placements as svc
from registry.services.errors import ValidationFailed
from registry.web.forms import DateValueField
from registry.web.helpers import apply_errors, mark_mail_queued, service_context

bp = Blueprint("talk", __name__, url_prefix="/placements")

MEETING_LABELS = {
    MeetingKind.INTRODUCTION: _l("Introduction meeting"),
    MeetingKind.START: _l("Start of the placement"),
    MeetingKind.EVALUATION: _l("Evaluation meeting"),
}
ATTACHMENT_KINDS = {"agreement": _l("Signed agreement"), "other": _l("Other document")}
PARTY_SIDE = {
    "coach": _l("Coach"),
    "host": _l("Host employer"),
    "coordinator": _l("Network coordinator"),
}


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Length(max=MAX_MESSAGE)])


class MeetingForm(FlaskForm):
    day = DateValueField(_l("Date"), validators=[Optional()])
    time = TimeField(_l("Time"), validators=[Optional()])
    minutes = IntegerField(
        _l("Duration in minutes"), default=60, validators=[Optional(), NumberRange(0, 100_000)]
    )
    location = StringField(_l("Place (address or room)"), validators=[Length(max=300)])
    video_link = StringField(_l("Video link (optional)"), validators=[Length(max=500)])

    def to_input(self) -> meetings.MeetingInput:
        return meetings.MeetingInput(
            day=self.day.data,
            time=self.time.data,
            minutes=self.minutes.data,
            location=self.location.data or "",
            video_link=self.video_link.data or "",
        )


class AttachmentForm(FlaskForm):
    kind = SelectField(
        _l("Kind of document"), choices=list(ATTACHMENT_KINDS.items()), validate_choice=False
    )
    file = FileField(_l("File (PDF, PNG or JPEG)"))


def meeting_form(ctx, kind: MeetingKind, meeting=None) -> MeetingForm:
    """The form to plan (or move) one kind of meeting, filled with the current plan."""
    form = MeetingForm(prefix=kind.value)
    if meeting is not None and not request.form:
        local = meetings.local_time(ctx, meeting.starts_at)
        form.day.data, form.time.data = local.date(), local.time().replace(microsecond=0)
        form.minutes.data = meeting.minutes
        form.location.data, form.video_link.data = meeting.location, meeting.video_link
    return form


# --------------------------------------------------------------------------- the introduction

_INTRODUCTION_FIELDS = {
    "day": "planned_on",
    "time": "meeting_time",
    "minutes": "meeting_minutes",
    "location": "meeting_location",
    "video_link": "meeting_video_link",
}


def introduction_data(ctx, placement, planned: dict) -> dict:
    """The introduction form's values: the planned date and, once planned, the meeting."""
    data = {"planned_on": placement.introduction_planned_on}
    meeting = planned.get(MeetingKind.INTRODUCTION)
    if meeting is not None and meeting.cancelled_at is None:
        local = meetings.local_time(ctx, meeting.starts_at)
        data |= {
            "planned_on": local.date(),
            "meeting_time": local.time().replace(microsecond=0),
            "meeting_minutes": meeting.minutes,
            "meeting_location": meeting.location,
            "meeting_video_link": meeting.video_link,
        }
    return data


def _on_introduction_fields(exc: ValidationFailed) -> ValidationFailed:
    return ValidationFailed({_INTRODUCTION_FIELDS.get(k, k): v for k, v in exc.errors.items()})


def check_introduction_meeting(ctx, placement, form) -> None:
    """The introduction step plans the meeting too: check it before anything is saved."""
    data = form.meeting_input()
    if data is None:
        return
    try:
        meetings.check_input(ctx, placement, data)
    except ValidationFailed as exc:
        raise _on_introduction_fields(exc) from None


def plan_introduction_meeting(ctx, placement_id: int, form) -> None:
    """After the consent is recorded: send (or move) the introduction invitation."""
    data = form.meeting_input()
    if data is None:
        return
    try:
        meetings.plan(ctx, placement_id, MeetingKind.INTRODUCTION, data)
    except ValidationFailed as exc:
        raise _on_introduction_fields(exc) from None
    mark_mail_queued()


def page_context(ctx, placement, forms: dict | None = None) -> dict:
    """What the placement page shows of the conversation, calendar and files (a fixed
    number of statements whatever the number of messages)."""
    forms = forms or {}
    talk = conversations.conversation(ctx, placement, paging.page_number(request.args, "talk"))
    planned = meetings.meetings_of(ctx, placement)
    meeting_forms = {
        kind: forms.get(kind) or meeting_form(ctx, kind, planned.get(kind))
        for kind in (MeetingKind.START, MeetingKind.EVALUATION)
        if meetings.may_plan(ctx, placement, kind)
    }
    may_attach = conversations.may(ctx, Action.ATTACHMENT_ADD, placement) and (
        placement.candidate.given_name is not None
    )
    return {
        "talk": talk,
        "message_form": forms.get("message") or (MessageForm() if talk and talk.may_post else None),
        "talk_now": ctx.now(),
        "talk_local": lambda moment: meetings.local_time(ctx, moment),
        "meetings": planned,
        "may_see_meetings": conversations.may(ctx, Action.MEETING_VIEW, placement),
        "meeting_forms": meeting_forms,
        "meeting_labels": MEETING_LABELS,
        "party_side": PARTY_SIDE,
        "attachments": attachments.attachments_of(ctx, placement),
        "attachment_form": forms.get("attachment") or (AttachmentForm() if may_attach else None),
        "attachment_kinds": ATTACHMENT_KINDS,
    }


def _show_again(ctx, placement_id: int, forms: dict):
    from registry.web.placements import _render_show

    ctx.session.rollback()
    return _render_show(ctx, svc.get_placement(ctx, placement_id), talk_forms=forms, status=422)


def _back(placement_id: int, anchor: str):
    return redirect(url_for("placements.show", placement_id=placement_id) + f"#{anchor}")


def _kind(value: str) -> MeetingKind:
    try:
        return MeetingKind(value)
    except ValueError:
        abort(404)


# --------------------------------------------------------------------------- messages


@bp.post("/<int:placement_id>/messages")
@login_required
def post_message(placement_id: int):
    ctx = service_context()
    svc.get_placement(ctx, placement_id)
    form = MessageForm()
    if form.validate_on_submit():
        try:
            conversations.post_message(ctx, placement_id, form.body.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            mark_mail_queued()
            flash(_("Your message was sent."), "success")
            return _back(placement_id, "conversation")
    return _show_again(ctx, placement_id, {"message": form})


@bp.post("/<int:placement_id>/messages/<int:message_id>")
@login_required
def change_message(placement_id: int, message_id: int):
    """Edit (with a text) or withdraw (``withdraw=yes``) within the grace period."""
    ctx = service_context()
    svc.get_placement(ctx, placement_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _show_again(ctx, placement_id, {"message": form})
    try:
        if request.form.get("withdraw") == "yes":
            conversations.withdraw_message(ctx, placement_id, message_id)
            flash(_("Your message was withdrawn."), "success")
        else:
            conversations.edit_message(ctx, placement_id, message_id, form.body.data)
            flash(_("Your message was changed."), "success")
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return _show_again(ctx, placement_id, {"message": form})
    return _back(placement_id, "conversation")


@bp.post("/<int:placement_id>/conversation/invite")
@login_required
def invite(placement_id: int):
    ctx = service_context()
    if not FlaskForm().validate_on_submit():
        abort(400)
    conversations.invite_coordinator(ctx, placement_id)
    mark_mail_queued()
    flash(_("The network coordinator can now write in this conversation."), "success")
    return _back(placement_id, "conversation")


# --------------------------------------------------------------------------- calendar


@bp.post("/<int:placement_id>/meetings/<kind>")
@login_required
def plan_meeting(placement_id: int, kind: str):
    ctx = service_context()
    meeting_kind = _kind(kind)
    svc.get_placement(ctx, placement_id)
    form = MeetingForm(prefix=meeting_kind.value)
    if form.validate_on_submit():
        try:
            meetings.plan(ctx, placement_id, meeting_kind, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            mark_mail_queued()
            flash(_("The invitation was sent to both sides."), "success")
            return _back(placement_id, "calendar")
    return _show_again(ctx, placement_id, {meeting_kind: form})


@bp.post("/<int:placement_id>/meetings/<kind>/cancel")
@login_required
def cancel_meeting(placement_id: int, kind: str):
    ctx = service_context()
    meeting_kind = _kind(kind)
    if not FlaskForm().validate_on_submit():
        abort(400)
    meetings.cancel(ctx, placement_id, meeting_kind)
    mark_mail_queued()
    flash(_("The meeting was cancelled; both sides were told."), "success")
    return _back(placement_id, "calendar")


@bp.get("/<int:placement_id>/meetings/<kind>.ics")
@login_required
def meeting_file(placement_id: int, kind: str):
    ctx = service_context()
    ics, filename, method = meetings.download(ctx, placement_id, _kind(kind))
    response = make_response(ics)
    response.headers["Content-Type"] = f"text/calendar; charset=utf-8; method={method}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- attachments


@bp.post("/<int:placement_id>/attachments")
@login_required
def add_attachment(placement_id: int):
    ctx = service_context()
    svc.get_placement(ctx, placement_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        data = upload.read() if upload else b""
        try:
            attachments.add(
                ctx,
                placement_id,
                attachments.Upload(upload.filename if upload else "", data, form.kind.data),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("The document was attached."), "success")
            return _back(placement_id, "attachments")
    return _show_again(ctx, placement_id, {"attachment": form})


@bp.get("/<int:placement_id>/attachments/<int:attachment_id>")
@login_required
def attachment_file(placement_id: int, attachment_id: int):
    ctx = service_context()
    data, content_type, filename = attachments.download(ctx, placement_id, attachment_id)
    response = make_response(data)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
