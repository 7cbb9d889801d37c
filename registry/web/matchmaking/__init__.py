"""Matchmaking rounds (issue 19): the coordinator's rounds and the coach's suggestions.
Thin views over :mod:`registry.services.matchmaking` and :mod:`match_suggestions`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from registry.domain import matchmaking as mm
from registry.services import match_suggestions as sugg
from registry.services import matchmaking as svc
from registry.services import matchmaking_input as loader
from registry.services import paging
from registry.services.errors import ValidationFailed
from registry.web.forms import IntSelectField, MultiCheckboxField
from registry.web.helpers import apply_errors, service_context
from registry.web.matchmaking import view

bp = Blueprint("matchmaking", __name__)

WEIGHT_LABELS = {
    "urgency": _l("Urgency (weeks left to week 104)"),
    "fit": _l("Fit (no signals, fewer unknowns, more slack)"),
    "distance": _l("Distance (shorter within the travel range)"),
    "reciprocity": _l("Reciprocity (hosts that took fewer than they sent)"),
}


def _weight(label):
    return IntegerField(label, validators=[InputRequired(), NumberRange(0, mm.MAX_WEIGHT)])


class RoundForm(FlaskForm):
    network = IntSelectField(_l("Network"))
    region = IntSelectField(_l("Region"), coerce=str, validators=[Optional()])
    options = IntegerField(
        _l("Places per candidate"), default=1, validators=[InputRequired(), NumberRange(1, 3)]
    )
    urgency = _weight(WEIGHT_LABELS["urgency"])
    fit = _weight(WEIGHT_LABELS["fit"])
    distance = _weight(WEIGHT_LABELS["distance"])
    reciprocity = _weight(WEIGHT_LABELS["reciprocity"])
    organisations = MultiCheckboxField(_l("Coach organisations taking part"), coerce=int)


class PairForm(FlaskForm):
    candidate_id = HiddenField()
    place_id = HiddenField()
    how = HiddenField()


class ActionForm(FlaskForm):
    """A button (CSRF only)."""


class AcceptForm(FlaskForm):
    motivation = TextAreaField(_l("Motivation for the host"))
    confirm_past_end = BooleanField(_l("Propose although the place runs past the end week"))


class DeclineForm(FlaskForm):
    reason = StringField(_l("Why not this place"))


def _round_form(ctx) -> RoundForm:
    form = RoundForm()
    networks = svc.coordinated_networks(ctx)
    form.network.choices = [(n.id, n.name) for n in networks]
    form.region.choices = [("", _("The whole network"))] + [(r, r) for r in loader.regions()]
    orgs = svc.organisations(ctx)
    form.organisations.choices = [(o.id, o.name) for o in orgs]
    if request.method == "GET":
        weights = svc.default_weights(ctx, networks[0].id) if networks else {}
        for key in WEIGHT_LABELS:
            getattr(form, key).data = weights.get(key, getattr(mm.DEFAULT_WEIGHTS, key))
        form.organisations.data = [o.id for o in orgs]
    return form


@bp.route("/matchmaking/", methods=["GET", "POST"])
@login_required
def index():
    ctx = service_context()
    form = _round_form(ctx)
    if form.validate_on_submit():
        data = svc.RoundInput(
            network_id=form.network.data,
            region=form.region.data or "",
            options=form.options.data,
            weights={k: getattr(form, k).data for k in WEIGHT_LABELS},
            organisation_ids=list(form.organisations.data or []),
        )
        try:
            rnd = svc.start_round(ctx, data)
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(_("The round is solved. Check the pairs, then approve."), "success")
            return redirect(url_for(".show", round_id=rnd.id), 303)
    status = 422 if form.errors else 200
    rounds = svc.rounds_page(ctx, paging.page_number(request.args))
    return render_template(
        "matchmaking/index.html", form=form, rounds=rounds, labels=view.STATUS_LABELS
    ), status


@bp.get("/matchmaking/<int:round_id>")
@login_required
def show(round_id: int):
    ctx = service_context()
    rnd = svc.get_round(ctx, round_id)
    page = view.round_view(ctx, rnd)
    return render_template(
        "matchmaking/show.html",
        rnd=rnd,
        page=page,
        form=ActionForm(),
        weight_labels=WEIGHT_LABELS,
        labels=view.STATUS_LABELS,
    )


@bp.post("/matchmaking/<int:round_id>/pair")
@login_required
def pair(round_id: int):
    form = PairForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        candidate_id, place_id = int(form.candidate_id.data), int(form.place_id.data)
    except (TypeError, ValueError):
        abort(400)
    svc.change_pair(service_context(), round_id, candidate_id, place_id, form.how.data or "")
    flash(_("The round is solved again."), "success")
    return redirect(url_for(".show", round_id=round_id), 303)


def _button(round_id: int, action, message: str):
    if not ActionForm().validate_on_submit():
        abort(400)
    action(service_context(), round_id)
    flash(message, "success")
    return redirect(url_for(".show", round_id=round_id), 303)


@bp.post("/matchmaking/<int:round_id>/resolve")
@login_required
def resolve(round_id: int):
    return _button(round_id, svc.resolve, _("The round is solved again."))


@bp.post("/matchmaking/<int:round_id>/approve")
@login_required
def approve(round_id: int):
    return _button(round_id, svc.approve, _("Approved: the coaches see the pairs as suggestions."))


@bp.post("/matchmaking/<int:round_id>/discard")
@login_required
def discard(round_id: int):
    return _button(round_id, svc.discard, _("The round is discarded."))


# --------------------------------------------------------------------------- coach


def _suggestions_page(forms=None, status=200):
    ctx = service_context()
    history = request.args.get("show") == "answered"
    result = sugg.suggestions_page(ctx, paging.page_number(request.args), history=history)
    forms = forms or {}
    accept = {s.id: forms.get(("accept", s.id)) or view.accept_form(s) for s in result.items}
    decline = {
        s.id: forms.get(("decline", s.id)) or DeclineForm(prefix=f"d{s.id}") for s in result.items
    }
    return render_template(
        "matchmaking/suggestions.html",
        result=result,
        history=history,
        accept_forms=accept,
        decline_forms=decline,
        item_label=view.item_label,
    ), status


@bp.get("/suggestions/")
@login_required
def suggestions():
    return _suggestions_page()


@bp.post("/suggestions/<int:suggestion_id>/propose")
@login_required
def propose(suggestion_id: int):
    ctx = service_context()
    s = sugg.get_suggestion(ctx, suggestion_id)
    form = AcceptForm(prefix=f"a{s.id}")
    if not form.validate_on_submit():
        abort(400)
    reasons = {
        key: request.form.get(f"a{s.id}-reason-{key}", "")
        for _kind, key in s.explanation.get("signals", [])
    }
    data = sugg.AcceptInput(form.motivation.data or "", reasons, bool(form.confirm_past_end.data))
    try:
        placement = sugg.accept(ctx, suggestion_id, data)
    except ValidationFailed as error:
        apply_errors(form, error)
        return _suggestions_page({("accept", s.id): form}, 422)
    flash(_("The proposal is sent to the host."), "success")
    return redirect(url_for("placements.show", placement_id=placement.id), 303)


@bp.post("/suggestions/<int:suggestion_id>/decline")
@login_required
def decline(suggestion_id: int):
    ctx = service_context()
    form = DeclineForm(prefix=f"d{suggestion_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        sugg.decline(ctx, suggestion_id, form.reason.data or "")
    except ValidationFailed as error:
        apply_errors(form, error)
        return _suggestions_page({("decline", suggestion_id): form}, 422)
    flash(_("The suggestion is declined; this pair is not suggested again."), "success")
    return redirect(url_for(".suggestions"), 303)
