"""Networks and their members: administrators and coordinators."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from registry.models import MembershipStatus, NetworkKind
from registry.services import organisations as orgs
from registry.services.errors import ValidationFailed
from registry.web.forms import IntSelectField
from registry.web.helpers import apply_errors, service_context

bp = Blueprint("networks", __name__, url_prefix="/networks")

KIND_LABELS = {NetworkKind.REGIONAL: _l("Regional"), NetworkKind.SECTORAL: _l("Sectoral")}
STATUS_LABELS = {
    MembershipStatus.APPLIED: _l("Applied"),
    MembershipStatus.ADMITTED: _l("Admitted"),
    MembershipStatus.SUSPENDED: _l("Suspended"),
    MembershipStatus.LEFT: _l("Left"),
}


class NetworkForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=[(k.value, v) for k, v in KIND_LABELS.items()])
    area = StringField(_l("Region or sector"), validators=[Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    review_new_places = BooleanField(_l("New places are reviewed before they are published"))
    freshness_days = IntegerField(
        _l("Places must be confirmed every (days)"),
        default=60,
        validators=[DataRequired(), NumberRange(min=7, max=365)],
    )
    reciprocity_soft_limit = IntegerField(
        _l("Warn when an employer has placed this many more employees than it hosts"),
        validators=[Optional(), NumberRange(min=1, max=1000)],
    )
    reciprocity_hard_limit = BooleanField(
        _l("Block new proposals for such an employer until it hosts")
    )
    retention_months = IntegerField(
        _l("Erase closed trajectories after (months)"),
        default=24,
        validators=[DataRequired(), NumberRange(min=1, max=120)],
    )

    def to_input(self) -> orgs.NetworkInput:
        return orgs.NetworkInput(
            name=self.name.data,
            kind=NetworkKind(self.kind.data),
            area=self.area.data or "",
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            review_new_places=self.review_new_places.data,
            freshness_days=self.freshness_days.data,
            reciprocity_soft_limit=self.reciprocity_soft_limit.data,
            reciprocity_hard_limit=self.reciprocity_hard_limit.data,
            retention_months=self.retention_months.data,
        )


class AddMemberForm(FlaskForm):
    employer_id = IntSelectField(_l("Employer"), validators=[DataRequired()])
    status = SelectField(
        _l("Status"),
        choices=[
            (MembershipStatus.ADMITTED.value, _l("Admitted")),
            (MembershipStatus.APPLIED.value, _l("Applied")),
        ],
    )


class DecideForm(FlaskForm):
    status = SelectField(choices=[(s.value, s.value) for s in MembershipStatus])


@bp.get("/")
@login_required
def index():
    ctx = service_context()
    return render_template(
        "networks/index.html", networks=orgs.list_networks(ctx), kinds=KIND_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    ctx = service_context()
    from registry.domain.permissions import Action

    ctx.require(Action.NETWORK_CREATE)
    form = NetworkForm()
    if form.validate_on_submit():
        try:
            network = orgs.create_network(ctx, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Network saved."), "success")
            return redirect(url_for(".show", network_id=network.id))
    return render_template("networks/form.html", form=form, network=None), (
        422 if form.errors else 200
    )


@bp.get("/<int:network_id>")
@login_required
def show(network_id: int):
    ctx = service_context()
    network = orgs.get_network(ctx, network_id)
    from registry.domain.permissions import Action, NetworkFacts, can

    may_manage = can(ctx.actor, Action.NETWORK_EDIT, NetworkFacts(network.id))
    members = orgs.list_members(ctx, network.id) if may_manage else []
    add_form = None
    if may_manage:
        add_form = AddMemberForm()
        present = {m.employer_id for m in members}
        add_form.employer_id.choices = [
            (e.id, f"{e.legal_name} ({e.kvk_number})")
            for e in orgs.list_employers(ctx)
            if e.id not in present
        ]
    return render_template(
        "networks/show.html",
        network=network,
        members=members,
        may_manage=may_manage,
        add_form=add_form,
        decide_form=DecideForm(),
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        moves=orgs.ALLOWED_MEMBERSHIP_MOVES,
    )


@bp.route("/<int:network_id>/edit", methods=["GET", "POST"])
@login_required
def edit(network_id: int):
    ctx = service_context()
    network = orgs.get_network(ctx, network_id)
    from registry.domain.permissions import Action, NetworkFacts

    ctx.require(Action.NETWORK_EDIT, NetworkFacts(network.id))
    form = NetworkForm(obj=network)
    if form.validate_on_submit():
        try:
            orgs.update_network(ctx, network.id, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Network saved."), "success")
            return redirect(url_for(".show", network_id=network.id))
    return render_template("networks/form.html", form=form, network=network), (
        422 if form.errors else 200
    )


@bp.post("/<int:network_id>/members")
@login_required
def add_member(network_id: int):
    ctx = service_context()
    form = AddMemberForm()
    form.employer_id.choices = [(e.id, "") for e in orgs.list_employers(ctx)]
    if not form.validate_on_submit():
        flash(_("Choose an employer."), "error")
        return redirect(url_for(".show", network_id=network_id)), 303
    try:
        orgs.add_membership(
            ctx, network_id, form.employer_id.data, MembershipStatus(form.status.data)
        )
    except ValidationFailed as exc:
        flash(str(exc), "error")
    else:
        flash(_("Employer added to the network."), "success")
    return redirect(url_for(".show", network_id=network_id)), 303


@bp.post("/memberships/<int:membership_id>")
@login_required
def decide(membership_id: int):
    ctx = service_context()
    form = DecideForm()
    if not form.validate_on_submit():
        from flask import abort

        abort(400)
    try:
        membership = orgs.decide_membership(ctx, membership_id, MembershipStatus(form.status.data))
    except ValidationFailed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index")), 303
    flash(_("Membership updated."), "success")
    return redirect(url_for(".show", network_id=membership.network_id)), 303
