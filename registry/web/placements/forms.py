"""The placement pages' forms: the coach's proposal, a lifecycle move, the agreement,
the introduction (with its meeting) and the host's evaluation. They parse and bound
the input; the placements service checks it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from registry.services import placements as svc
from registry.web.forms import DateValueField, FiniteDecimalField
from registry.web.forms import hours_per_week as week_hours

RATING_LABELS = {
    "punctuality": _l("Punctuality and reliability"),
    "quality": _l("Quality of work"),
    "cooperation": _l("Cooperation"),
    "learning": _l("Willingness to learn"),
    "independence": _l("Independence"),
}


class ProposalForm(FlaskForm):
    motivation = TextAreaField(
        _l("Motivation for the host"), validators=[DataRequired(), Length(max=2000)]
    )
    network_id = SelectField(_l("Network"), coerce=int)
    planned_start = DateValueField(_l("Preferred start date"), validators=[Optional()])
    hours_per_week = FiniteDecimalField(
        _l("Hours per week at the start"), places=1, validators=[Optional(), week_hours]
    )
    confirm_past_end = BooleanField(
        _l("I confirm this place may run past the candidate's end week and have discussed it")
    )


class MoveForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    reason = SelectField(_l("Reason"), choices=[], validate_choice=False)
    reason_text = TextAreaField(_l("Explanation (optional)"), validators=[Length(max=2000)])
    outcome = SelectField(_l("Outcome"), choices=[], validate_choice=False)
    on = DateValueField(_l("Date"), validators=[Optional()])


class AgreementForm(FlaskForm):
    planned_start = DateValueField(_l("Start date"), validators=[Optional()])
    planned_end = DateValueField(_l("End date"), validators=[Optional()])
    hours_per_week = FiniteDecimalField(
        _l("Hours per week"), places=1, validators=[Optional(), week_hours]
    )
    target_hours_per_week = FiniteDecimalField(
        _l("Target hours per week"), places=1, validators=[Optional(), week_hours]
    )
    build_up = TextAreaField(_l("Build-up of hours"), validators=[Length(max=2000)])
    tasks = TextAreaField(_l("Tasks"), validators=[Length(max=2000)])
    supervisor = StringField(_l("Supervisor at the host"), validators=[Length(max=160)])


class IntroductionForm(FlaskForm):
    given_on = DateValueField(_l("Consent given on (empty: today)"), validators=[Optional()])
    planned_on = DateValueField(
        _l("Planned date of the introduction (optional)"), validators=[Optional()]
    )
    # Issue 20: with a time and a place the introduction goes into both calendars.
    meeting_time = TimeField(_l("Time of the introduction (optional)"), validators=[Optional()])
    meeting_minutes = IntegerField(
        _l("Duration in minutes"), default=60, validators=[Optional(), NumberRange(0, 100_000)]
    )
    meeting_location = StringField(_l("Place (address or room)"), validators=[Length(max=300)])
    meeting_video_link = StringField(_l("Video link (optional)"), validators=[Length(max=500)])

    def meeting_input(self):
        """The introduction meeting to plan, or None when no time was given."""
        from registry.services.meetings import MeetingInput

        if self.meeting_time.data is None:
            return None
        return MeetingInput(
            day=self.planned_on.data,
            time=self.meeting_time.data,
            minutes=self.meeting_minutes.data,
            location=self.meeting_location.data or "",
            video_link=self.meeting_video_link.data or "",
        )


class EvaluationForm(FlaskForm):
    """Ratings and remarks; the service checks them all at once (every rating and the
    overall remark are required), so the form only parses."""

    tasks_done = TextAreaField(_l("What the candidate did"), validators=[Length(max=2000)])
    strengths = TextAreaField(
        _l("What the candidate showed (strengths)"), validators=[Length(max=2000)]
    )
    development = TextAreaField(_l("Points for development"), validators=[Length(max=2000)])
    recommendation = TextAreaField(_l("Recommendation"), validators=[Length(max=2000)])
    overall = TextAreaField(_l("Overall remark"), validators=[Length(max=2000)])
    punctuality = IntegerField(RATING_LABELS["punctuality"], validators=[Optional()])
    quality = IntegerField(RATING_LABELS["quality"], validators=[Optional()])
    cooperation = IntegerField(RATING_LABELS["cooperation"], validators=[Optional()])
    learning = IntegerField(RATING_LABELS["learning"], validators=[Optional()])
    independence = IntegerField(RATING_LABELS["independence"], validators=[Optional()])

    def to_data(self) -> dict:
        return {
            "ratings": {k: getattr(self, k).data for k in RATING_LABELS},
            **{k: getattr(self, k).data or "" for k in svc.EVALUATION_TEXTS},
        }
