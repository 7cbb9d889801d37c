"""Networks and their members: administrators and coordinators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from registry.models import MembershipStatus, NetworkKind
from registry.services import labels as enum_labels
from registry.services import organisations as orgs
from registry.services import paging
from registry.services.errors import ValidationFailed
from registry.web import confirm as confirm_page
from registry.web.employers.picker import sorted_choices
from registry.web.forms import IntSelectField
from registry.web.helpers import apply_errors, service_context

bp = Blueprint("networks", __name__, url_prefix="/networks")

KIND_LABELS = enum_labels.NETWORK_KIND
STATUS_LABELS = enum_labels.MEMBERSHIP_STATUS


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
    answer_deadline_days = IntegerField(
        _l("Hosts answer a proposal within (working days)"),
        validators=[Optional(), NumberRange(min=1, max=30)],
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
            answer_deadline_days=self.answer_deadline_days.data,
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
    confirmed = HiddenField()


# Buttons say what they do (issue 14); the status itself is shown as a state.
MOVE_VERBS = {
    MembershipStatus.ADMITTED: _l("Admit"),
    MembershipStatus.SUSPENDED: _l("Suspend"),
    MembershipStatus.LEFT: _l("End membership"),
    MembershipStatus.APPLIED: _l("Reopen the application"),
}
# Moves that hit the employer: asked to confirm on a page first.
CONFIRM_MOVES = frozenset({MembershipStatus.SUSPENDED, MembershipStatus.LEFT})


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
    page = (
        orgs.members_page(ctx, network.id, paging.page_number(request.args))
        if may_manage
        else paging.Page([], 1, paging.PAGE_SIZE, 0)
    )
    add_form = None
    if may_manage:
        add_form = AddMemberForm()
        present = orgs.member_employer_ids(ctx, network.id)
        add_form.employer_id.choices = sorted_choices(  # by the shown name (issue 14)
            e for e in orgs.list_employers(ctx) if e.id not in present
        )
    return render_template(
        "networks/show.html",
        network=network,
        members=page.items,
        page=page,
        may_manage=may_manage,
        add_form=add_form,
        decide_form=DecideForm(),
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        moves=orgs.ALLOWED_MEMBERSHIP_MOVES,
        verbs=MOVE_VERBS,
        confirm_moves=CONFIRM_MOVES,
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
    target = MembershipStatus(form.status.data)
    if target in CONFIRM_MOVES and form.confirmed.data != "yes":
        orgs.get_membership(ctx, membership_id)  # 403/404 before the confirmation page
        return redirect(url_for(".confirm", membership_id=membership_id, status=target.value), 303)
    try:
        membership = orgs.decide_membership(ctx, membership_id, target)
    except ValidationFailed as exc:
        flash(str(exc), "error")
        return redirect(url_for(".index")), 303
    flash(_("Membership updated."), "success")
    return redirect(url_for(".show", network_id=membership.network_id)), 303


@bp.get("/memberships/<int:membership_id>/confirm")
@login_required
def confirm(membership_id: int):
    """Suspending or ending a membership is confirmed on a page that says what happens."""
    ctx = service_context()
    try:
        target = MembershipStatus(request.args.get("status", ""))
    except ValueError:
        abort(404)
    if target not in CONFIRM_MOVES:
        abort(404)
    membership = orgs.get_membership(ctx, membership_id)
    if target not in orgs.ALLOWED_MEMBERSHIP_MOVES[membership.status]:
        flash(_("This change of status is not possible."), "error")
        return redirect(url_for(".show", network_id=membership.network_id), 303)
    names = {"employer": membership.employer.name, "network": membership.network.name}
    if target is MembershipStatus.SUSPENDED:
        title = _l("Suspend %(employer)s in %(network)s?", **names)
        consequences = [
            _l("%(employer)s can no longer offer new places in %(network)s.", **names),
            _l("Coaches in %(network)s no longer propose candidates for its places.", **names),
            _l("Placements that already run go on. You can admit the employer again later."),
        ]
    else:
        title = _l("End the membership of %(employer)s in %(network)s?", **names)
        consequences = [
            _l("%(employer)s leaves %(network)s today.", **names),
            _l("Its places are no longer offered in %(network)s.", **names),
            _l("Its reciprocity history stays in the network's figures."),
        ]
    return confirm_page.render(
        confirm_page.Confirmation(
            title=title,
            consequences=consequences,
            action=url_for(".decide", membership_id=membership.id),
            verb=MOVE_VERBS[target],
            cancel=url_for(".show", network_id=membership.network_id),
            fields={"status": target.value, "confirmed": "yes"},
        )
    )
