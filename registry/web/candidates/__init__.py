"""Candidates: the coach's pages, the coordinator's pseudonymous overview and the home
employer's view. Thin views: every read and change goes through
``registry.services.candidates``, which checks the visibility rules and audits.

Size (over 500 lines): the three audiences' candidate pages share the candidate form
handling.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from registry.domain import timeline
from registry.domain.permissions import Action, FieldGroup, can
from registry.domain.workload import (
    CONDITIONS,
    EXPOSURES,
    HOURS_PER_DAY,
    HOURS_PER_WEEK,
    SECTIONS,
    all_dimensions,
    dimensions_by_section,
)
from registry.models import (
    Candidate,
    ConsentScope,
    PlaceKind,
    ProfileSource,
    TrajectoryOutcome,
    TrajectoryStatus,
    TravelMode,
)
from registry.services import candidates as svc
from registry.services import labels as enum_labels
from registry.services import paging
from registry.services import placements as placement_svc
from registry.services.errors import ValidationFailed
from registry.web.employers.picker import sorted_choices
from registry.web.forms import (
    SBI_SECTIONS,
    DateValueField,
    FiniteFloatField,
    IntSelectField,
    MultiCheckboxField,
    hours_per_day,
    hours_per_week,
    postcode,
    validate_all,
)
from registry.web.helpers import apply_errors, service_context

bp = Blueprint("candidates", __name__, url_prefix="/candidates")

NOT_ASSESSED = "-"

KIND_LABELS = enum_labels.PLACE_KIND
TRAVEL_LABELS = {
    TravelMode.CAR: _l("Car"),
    TravelMode.PUBLIC_TRANSPORT: _l("Public transport"),
    TravelMode.BIKE: _l("Bike"),
}
SOURCE_LABELS = {
    ProfileSource.COMPANY_DOCTOR: _l("Company doctor"),
    ProfileSource.INSURANCE_PHYSICIAN: _l("Insurance physician"),
    ProfileSource.LABOUR_EXPERT: _l("Labour expert"),
    ProfileSource.SELF_REPORTED: _l("Self-reported"),
}
STATUS_LABELS = enum_labels.TRAJECTORY_STATUS
OUTCOME_LABELS = {
    TrajectoryOutcome.WORK_NEW_EMPLOYER: _l("Work at a new employer"),
    TrajectoryOutcome.WORK_OWN_EMPLOYER: _l("Work at the own employer"),
    TrajectoryOutcome.RECOVERED: _l("Recovered"),
    TrajectoryOutcome.WIA: _l("WIA benefit"),
    TrajectoryOutcome.EMPLOYMENT_ENDED: _l("Employment ended"),
    TrajectoryOutcome.OTHER: _l("Other"),
}
SCOPE_LABELS = {
    ConsentScope.SHARE_PROFILE: _l("Share the pseudonymous profile within networks"),
    ConsentScope.INTRODUCE: _l("Introduce by name to a host employer"),
    ConsentScope.SHARE_HOME_EMPLOYER: _l("Show the capacity details to the home employer"),
}
FLAG_LABELS = {
    svc.Flag.STALE: _l("Profile past its review date"),
    svc.Flag.DECIDE: _l("Decide on second track"),
    svc.Flag.LATE: _l("Second track late"),
    svc.Flag.NO_PROFILE: _l("No capacity profile"),
}
LIST_STATUS_LABELS = {
    "active": _l("Active"),
    "closed": _l("Closed"),
    "erased": _l("Erased"),
    "all": _l("All"),
}
ACTION_LABELS = {
    "candidate.registered": _l("Registered"),
    "candidate.updated": _l("Data changed"),
    "candidate.viewed": _l("Viewed"),
    "candidate.listed": _l("Seen in a list"),
    "candidate.search": _l("Profile used in a search"),
    "candidate.profile_saved": _l("Capacity profile saved"),
    "candidate.consent_recorded": _l("Consent recorded"),
    "candidate.consent_withdrawn": _l("Consent withdrawn"),
    "candidate.closed": _l("Trajectory closed"),
    "candidate.erased": _l("Personal data erased"),
    "candidate.history_viewed": _l("Access history viewed"),
    "candidate.identity_revealed": _l("Name shown after the introduction"),
    "candidate.reverse_search": _l("Shown in a search for candidates"),
}
GROUP_LABELS = {
    FieldGroup.IDENTITY: _l("name and contact details"),
    FieldGroup.HOME_EMPLOYER: _l("home employer"),
    FieldGroup.NOTES: _l("notes"),
    FieldGroup.CAPACITY_DETAILS: _l("capacity details"),
    FieldGroup.FIT_SUMMARY: _l("pseudonym, area, fit and urgency"),
    FieldGroup.TRAJECTORY_STATUS: _l("trajectory status"),
}
NOTES_WARNING = _l(
    "Never enter medical details here: no diagnosis, medical history, medication or cause "
    "of the sickness. Describe what the person can do, in terms of work."
)


def _locale() -> str:
    return str(get_locale() or "nl")


# --- forms -------------------------------------------------------------------------------


class CandidateForm(FlaskForm):
    given_name = StringField(_l("Given name"), validators=[DataRequired(), Length(max=80)])
    family_name = StringField(_l("Family name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    postcode = StringField(
        _l("Home postcode"), validators=[DataRequired(), Length(max=10), postcode]
    )
    home_employer_id = IntSelectField(_l("Home employer"), validators=[InputRequired()])
    network_ids = MultiCheckboxField(_l("Networks whose places may be searched"), coerce=int)
    max_km = IntegerField(
        _l("Maximum travel distance (km)"),
        default=25,
        validators=[InputRequired(), NumberRange(min=1, max=200)],
    )
    travel_mode = SelectField(
        _l("Travel mode"),
        choices=[(k.value, v) for k, v in TRAVEL_LABELS.items()],
        default=TravelMode.PUBLIC_TRANSPORT.value,
    )
    accepted_kinds = MultiCheckboxField(
        _l("Kinds of place accepted"),
        choices=[(k.value, v) for k, v in KIND_LABELS.items()],
        default=[k.value for k in PlaceKind],
    )
    preferred_sectors = MultiCheckboxField(_l("Preferred sectors"), choices=SBI_SECTIONS)
    preferred_functions = StringField(_l("Preferred functions"), validators=[Length(max=300)])
    hours_per_day = FiniteFloatField(
        _l("Hours per day available now"), validators=[Optional(), hours_per_day]
    )
    hours_per_week = FiniteFloatField(
        _l("Hours per week available now"), validators=[Optional(), hours_per_week]
    )
    first_sick_day = DateValueField(_l("First day of sickness"), validators=[InputRequired()])
    end_week = IntegerField(
        _l("End week of wage continuation"),
        default=timeline.DEFAULT_END_WEEK,
        validators=[InputRequired(), NumberRange(min=1, max=timeline.MAX_END_WEEK)],
    )
    end_week_reason = StringField(
        _l("Reason for extension or shortening"), validators=[Length(max=300)]
    )
    second_track_start = DateValueField(_l("Start of the second track"), validators=[Optional()])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=4000)])

    def to_input(self) -> svc.CandidateInput:
        return svc.CandidateInput(
            given_name=self.given_name.data or "",
            family_name=self.family_name.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            postcode=self.postcode.data or "",
            home_employer_id=self.home_employer_id.data,
            network_ids=tuple(self.network_ids.data or ()),
            max_km=self.max_km.data,
            travel_mode=TravelMode(self.travel_mode.data),
            accepted_kinds=tuple(self.accepted_kinds.data or ()),
            preferred_sectors=tuple(self.preferred_sectors.data or ()),
            preferred_functions=self.preferred_functions.data or "",
            hours_per_day=self.hours_per_day.data,
            hours_per_week=self.hours_per_week.data,
            first_sick_day=self.first_sick_day.data,
            end_week=self.end_week.data,
            end_week_reason=self.end_week_reason.data or "",
            second_track_start=self.second_track_start.data,
            notes=self.notes.data or "",
        )


def _candidate_form(ctx, obj=None) -> CandidateForm:
    form = CandidateForm(obj=obj)
    employers = svc.home_employer_choices(ctx)
    # Sorted by the name shown (issue 14).
    form.home_employer_id.choices = [(0, _("Choose an employer"))] + sorted_choices(
        e for e, _nets in employers
    )
    form.network_ids.choices = [(n.id, n.name) for n in svc.network_choices(ctx)]
    if obj is not None and request.method == "GET":
        form.network_ids.data = [n.id for n in obj.networks]
    return form


def profile_form_class():
    """The profile form, built from the catalogue so a registered dimension shows up."""
    locale = _locale()

    class ProfileForm(FlaskForm):
        avoid_exposures = MultiCheckboxField(
            _l("Exposures to avoid"), choices=[(f.key, f.label(locale)) for f in EXPOSURES]
        )
        needs_conditions = MultiCheckboxField(
            _l("Conditions needed"), choices=[(f.key, f.label(locale)) for f in CONDITIONS]
        )
        hours_per_day = SelectField(
            _l("Hours per day"),
            choices=[(str(i), b.label(locale)) for i, b in enumerate(HOURS_PER_DAY)]
            + [(NOT_ASSESSED, _("not assessed"))],
            default=str(len(HOURS_PER_DAY) - 1),
        )
        hours_per_week = SelectField(
            _l("Hours per week"),
            choices=[(str(i), b.label(locale)) for i, b in enumerate(HOURS_PER_WEEK)]
            + [(NOT_ASSESSED, _("not assessed"))],
            default=str(len(HOURS_PER_WEEK) - 1),
        )
        source = SelectField(
            _l("Source"),
            choices=[("", _("Not stated"))] + [(k.value, v) for k, v in SOURCE_LABELS.items()],
            default="",
        )
        assessed_on = DateValueField(_l("Assessment date"), validators=[Optional()])
        review_on = DateValueField(_l("Review date"), validators=[Optional()])
        fml_version = StringField(_l("FML version"), validators=[Length(max=40)])

    for dim in all_dimensions():
        choices = []
        for i, band in enumerate(dim.bands):
            label = band.label(locale)
            if i == dim.heaviest:
                label = _("%(band)s (normal: no limitation)", band=label)
            choices.append((str(i), label))
        choices.append((NOT_ASSESSED, _("not assessed")))
        setattr(
            ProfileForm,
            f"cap_{dim.key}",
            SelectField(dim.label(locale), choices=choices, default=str(dim.heaviest)),
        )
    return ProfileForm


def _band(value: str | None) -> int | None:
    """The band of a select; None when not assessed (or not a band: the select reports
    that itself, and the service still checks the rest in the same round)."""
    if value in (None, "", NOT_ASSESSED) or not str(value).isdigit():
        return None
    return int(value)


def _profile_input(form) -> svc.ProfileInput:
    return svc.ProfileInput(
        capacities={d.key: _band(getattr(form, f"cap_{d.key}").data) for d in all_dimensions()},
        avoid_exposures=tuple(form.avoid_exposures.data or ()),
        needs_conditions=tuple(form.needs_conditions.data or ()),
        hours_per_day=_band(form.hours_per_day.data),
        hours_per_week=_band(form.hours_per_week.data),
        source=ProfileSource(form.source.data) if form.source.data else None,
        assessed_on=form.assessed_on.data,
        review_on=form.review_on.data,
        fml_version=form.fml_version.data or "",
    )


def _fill_profile_form(form, profile) -> None:
    if profile is None:
        return
    for dim in all_dimensions():
        band = (profile.capacities or {}).get(dim.key, dim.heaviest)
        getattr(form, f"cap_{dim.key}").data = NOT_ASSESSED if band is None else str(band)
    form.avoid_exposures.data = list(profile.avoid_exposures or [])
    form.needs_conditions.data = list(profile.needs_conditions or [])
    for name in ("hours_per_day", "hours_per_week"):
        value = getattr(profile, name)
        getattr(form, name).data = NOT_ASSESSED if value is None else str(value)
    form.source.data = profile.source.value if profile.source else ""
    form.assessed_on.data = profile.assessed_on
    form.review_on.data = profile.review_on
    form.fml_version.data = profile.fml_version


class ConsentForm(FlaskForm):
    scope = SelectField(_l("The candidate consents to"), choices=[])
    given_on = DateValueField(_l("Date of consent"), validators=[InputRequired()])
    network_ids = MultiCheckboxField(_l("Networks (for sharing the profile)"), coerce=int)
    host_employer_id = SelectField(_l("Host employer (for an introduction)"), choices=[])
    text = TextAreaField(_l("What was agreed"), validators=[Length(max=2000)])


class WithdrawForm(FlaskForm):
    pass


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=[(k.value, v) for k, v in OUTCOME_LABELS.items()])
    closed_on = DateValueField(_l("Closing date"), validators=[InputRequired()])


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that names, contact details, notes and profiles are removed for good"),
        validators=[DataRequired()],
    )


# --- views -------------------------------------------------------------------------------


def _status(form) -> int:
    return 422 if form.errors else 200


def _template_globals() -> dict:
    return {
        "kinds": KIND_LABELS,
        "travel_modes": TRAVEL_LABELS,
        "sources": SOURCE_LABELS,
        "statuses": STATUS_LABELS,
        "outcomes": OUTCOME_LABELS,
        "scopes": SCOPE_LABELS,
        "flag_labels": FLAG_LABELS,
        "group_labels": GROUP_LABELS,
        "notes_warning": NOTES_WARNING,
        "locale": _locale(),
        "FieldGroup": FieldGroup,
        "sections": SECTIONS,
        "dimensions_by_section": dimensions_by_section(),
        "exposures": EXPOSURES,
        "conditions": CONDITIONS,
        "hours_per_day_bands": HOURS_PER_DAY,
        "hours_per_week_bands": HOURS_PER_WEEK,
        "sector_labels": dict(SBI_SECTIONS),
    }


@bp.app_context_processor
def _inject() -> dict:
    return {"candidate_labels": {"status": STATUS_LABELS}}


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if value in ("", None):
        return None
    try:
        number = int(value)
    except ValueError:
        abort(400)
    if not 0 < number < 2**31:
        abort(400)
    return number


@bp.get("/")
@login_required
def index():
    ctx = service_context()
    filters = svc.ListFilters(
        status=request.args.get("status", "active"),
        flag=request.args.get("flag", ""),
        q=request.args.get("q", "")[:100],
        network_id=_int_arg("network"),
        page=_int_arg("page") or 1,
    )
    page = svc.list_candidates(ctx, filters)
    return render_template(
        "candidates/index.html",
        page=page,
        filters=filters,
        networks=svc.network_choices(ctx),
        list_statuses=LIST_STATUS_LABELS,
        today=ctx.today(),
        **_template_globals(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    ctx = service_context()
    ctx.require(Action.CANDIDATE_CREATE)
    form = _candidate_form(ctx)
    if validate_all(form, lambda: svc.check_candidate(ctx, form.to_input())):
        try:
            candidate = svc.register_candidate(ctx, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(
                _("Candidate registered as %(pseudonym)s.", pseudonym=candidate.pseudonym),
                "success",
            )
            return redirect(url_for(".profile", candidate_id=candidate.id), 303)
    return render_template(
        "candidates/form.html", form=form, candidate=None, **_template_globals()
    ), _status(form)


@bp.get("/<int:candidate_id>")
@login_required
def show(candidate_id: int):
    ctx = service_context()
    view = svc.get_candidate(ctx, candidate_id)
    candidate = ctx.session.get(Candidate, view.id)
    return render_template(
        "candidates/show.html",
        c=view,
        may_search=can(ctx.actor, Action.CANDIDATE_SEARCH, svc.candidate_facts(candidate)),
        # Only the placements the viewer is a party to (the placements service decides).
        placements=placement_svc.list_placements(ctx, candidate_id=view.id),
        withdraw_form=WithdrawForm(),
        today=ctx.today(),
        **_template_globals(),
    )


@bp.route("/<int:candidate_id>/edit", methods=["GET", "POST"])
@login_required
def edit(candidate_id: int):
    ctx = service_context()
    candidate = svc.get_candidate_for_edit(ctx, candidate_id)
    form = _candidate_form(ctx, candidate)
    if validate_all(form, lambda: svc.check_candidate(ctx, form.to_input())):
        try:
            svc.update_candidate(ctx, candidate.id, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Candidate saved."), "success")
            return redirect(url_for(".show", candidate_id=candidate.id), 303)
    return render_template(
        "candidates/form.html", form=form, candidate=candidate, **_template_globals()
    ), _status(form)


@bp.route("/<int:candidate_id>/profile", methods=["GET", "POST"])
@login_required
def profile(candidate_id: int):
    ctx = service_context()
    candidate = svc.get_candidate_for_edit(ctx, candidate_id)
    form = profile_form_class()()
    if request.method == "GET":
        _fill_profile_form(form, svc.current_profile(candidate))
    if validate_all(form, lambda: svc.check_profile(ctx, _profile_input(form))):
        try:
            svc.save_profile(ctx, candidate.id, _profile_input(form))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Capacity profile saved."), "success")
            return redirect(url_for(".show", candidate_id=candidate.id), 303)
    return render_template(
        "candidates/profile_form.html",
        form=form,
        candidate=candidate,
        **_template_globals(),
    ), _status(form)


@bp.route("/<int:candidate_id>/consent", methods=["GET", "POST"])
@login_required
def consent(candidate_id: int):
    ctx = service_context()
    candidate = svc.get_candidate_for_edit(ctx, candidate_id)
    form = ConsentForm()
    form.scope.choices = [(k.value, v) for k, v in SCOPE_LABELS.items()]
    form.network_ids.choices = [(n.id, n.name) for n in candidate.networks]
    hosts = [
        (e, nets)
        for e, nets in svc.home_employer_choices(ctx)
        if e.id != candidate.home_employer_id and set(nets) & {n.id for n in candidate.networks}
    ]
    form.host_employer_id.choices = [("", _("Choose an employer"))] + [
        (str(e.id), e.name) for e, _nets in hosts
    ]
    if request.method == "GET":
        form.given_on.data = ctx.today()
    if form.validate_on_submit():
        host = form.host_employer_id.data
        try:
            svc.record_consent(
                ctx,
                candidate.id,
                svc.ConsentInput(
                    scope=ConsentScope(form.scope.data),
                    given_on=form.given_on.data,
                    network_ids=tuple(form.network_ids.data or ()),
                    host_employer_id=int(host) if host else None,
                    text=form.text.data or "",
                ),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Consent recorded. It applies immediately."), "success")
            return redirect(url_for(".show", candidate_id=candidate.id), 303)
    return render_template(
        "candidates/consent.html", form=form, candidate=candidate, **_template_globals()
    ), _status(form)


@bp.post("/<int:candidate_id>/consent/<int:consent_id>/withdraw")
@login_required
def withdraw(candidate_id: int, consent_id: int):
    ctx = service_context()
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        svc.withdraw_consent(ctx, candidate_id, consent_id)
    except ValidationFailed as exc:
        flash(str(exc), "error")
    else:
        flash(_("Consent withdrawn. It no longer applies."), "success")
    return redirect(url_for(".show", candidate_id=candidate_id), 303)


@bp.route("/<int:candidate_id>/close", methods=["GET", "POST"])
@login_required
def close(candidate_id: int):
    ctx = service_context()
    candidate = svc.get_candidate_for_edit(ctx, candidate_id)
    form = CloseForm()
    if request.method == "GET":
        form.closed_on.data = ctx.today()
    if form.validate_on_submit():
        try:
            svc.close_trajectory(
                ctx, candidate.id, TrajectoryOutcome(form.outcome.data), form.closed_on.data
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Trajectory closed."), "success")
            return redirect(url_for(".show", candidate_id=candidate.id), 303)
    return render_template(
        "candidates/close.html", form=form, candidate=candidate, **_template_globals()
    ), _status(form)


@bp.route("/<int:candidate_id>/erase", methods=["GET", "POST"])
@login_required
def erase(candidate_id: int):
    ctx = service_context()
    view = svc.get_candidate(ctx, candidate_id)
    if not view.can_erase:
        if view.status == TrajectoryStatus.ACTIVE and view.can_edit:
            flash(_("Close the trajectory with its outcome before erasing it."), "error")
            return redirect(url_for(".show", candidate_id=view.id), 303)
        abort(403)
    form = EraseForm()
    if form.validate_on_submit():
        svc.erase_candidate(ctx, view.id)
        flash(_("The personal data of %(p)s has been erased.", p=view.pseudonym), "success")
        return redirect(url_for(".show", candidate_id=view.id), 303)
    return render_template(
        "candidates/erase.html", form=form, c=view, **_template_globals()
    ), _status(form)


@bp.get("/<int:candidate_id>/history")
@login_required
def history(candidate_id: int):
    ctx = service_context()
    view = svc.get_candidate(ctx, candidate_id)
    page = svc.access_history_page(ctx, candidate_id, paging.page_number(request.args))
    return render_template(
        "candidates/history.html",
        c=view,
        entries=page.items,
        page=page,
        action_labels=ACTION_LABELS,
        **_template_globals(),
    )


@bp.get("/network")
@login_required
def networks():
    ctx = service_context()
    ids = sorted(ctx.actor.coordinated_network_ids) if ctx.actor else []
    if len(ids) == 1:
        return redirect(url_for(".network", network_id=ids[0]))
    if not ids:
        abort(403)
    return render_template(
        "candidates/networks.html",
        networks=[n for n in current_user.coordinated_networks],
    )


@bp.get("/network/<int:network_id>")
@login_required
def network(network_id: int):
    ctx = service_context()
    overview = svc.network_overview(ctx, network_id, paging.page_number(request.args))
    return render_template(
        "candidates/network.html", overview=overview, today=ctx.today(), **_template_globals()
    )


@bp.get("/employer/<int:employer_id>")
@login_required
def employer(employer_id: int):
    ctx = service_context()
    employer, rows = svc.employer_candidates(ctx, employer_id)
    return render_template(
        "candidates/employer.html", employer=employer, rows=rows, **_template_globals()
    )
