"""Administration: user accounts and coach organisations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from registry.domain.permissions import Action, Role
from registry.models import CoachOrganisationKind
from registry.services import accounts, paging, todo, two_factor
from registry.services import labels as enum_labels
from registry.services import organisations as orgs
from registry.services.errors import ValidationFailed
from registry.web.employers.picker import sorted_choices
from registry.web.forms import MultiCheckboxField
from registry.web.helpers import apply_errors, mark_mail_queued, service_context

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_LABELS = enum_labels.ROLE
ORG_KIND_LABELS = enum_labels.ORG_KIND


class UserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    language = SelectField(_l("Language"), choices=[("nl", "Nederlands"), ("en", "English")])
    roles = MultiCheckboxField(
        _l("Roles"), choices=[(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    coordinated_network_ids = MultiCheckboxField(_l("Coordinates networks"), coerce=int)
    employer_ids = MultiCheckboxField(_l("Contact for employers"), coerce=int)
    coach_organisation_id = SelectField(
        _l("Coach organisation"), coerce=lambda v: int(v) if v else None
    )
    active = BooleanField(_l("Active"), default=True)

    def fill_choices(self, ctx) -> None:
        self.coordinated_network_ids.choices = [(n.id, n.name) for n in orgs.list_networks(ctx)]
        # Sorted by the name shown, with the KvK number to tell apart (issue 14).
        self.employer_ids.choices = sorted_choices(orgs.list_employers(ctx))
        self.coach_organisation_id.choices = [("", _l("(none)"))] + [
            (o.id, o.name) for o in orgs.list_coach_organisations(ctx)
        ]

    def to_input(self) -> accounts.UserInput:
        return accounts.UserInput(
            email=self.email.data,
            display_name=self.display_name.data,
            roles=frozenset(Role(r) for r in self.roles.data or []),
            language=self.language.data,
            coordinated_network_ids=frozenset(self.coordinated_network_ids.data or []),
            employer_ids=frozenset(self.employer_ids.data or []),
            coach_organisation_id=self.coach_organisation_id.data,
        )


class CoachOrgForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[(k.value, v) for k, v in ORG_KIND_LABELS.items()])
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )

    def to_input(self) -> orgs.CoachOrgInput:
        return orgs.CoachOrgInput(
            name=self.name.data,
            kind=CoachOrganisationKind(self.kind.data),
            contact_email=self.contact_email.data or "",
        )


@bp.get("/users")
@login_required
def users():
    ctx = service_context()
    show = request.args.get("show", "")[:20]
    found = todo.follow_up_users(ctx, show) if show else None
    page = (
        paging.Page(found, 1, max(1, len(found)), len(found))
        if found is not None
        else accounts.users_page(ctx, paging.page_number(request.args))
    )
    return render_template(
        "admin/users.html",
        users=found if found is not None else page.items,
        page=page,
        roles=ROLE_LABELS,
        show=show if found is not None else "",
    )


@bp.route("/users/invite", methods=["GET", "POST"])
@login_required
def invite():
    ctx = service_context()
    ctx.require(Action.USER_MANAGE)
    form = UserForm()
    form.fill_choices(ctx)
    if form.validate_on_submit():
        try:
            user = accounts.invite_user(ctx, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            mark_mail_queued()
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=None), (
        422 if form.errors else 200
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
def edit_user(user_id: int):
    ctx = service_context()
    user = accounts.get_user(ctx, user_id)
    form = UserForm(
        obj=user,
        data=None,
    )
    form.fill_choices(ctx)
    if not form.is_submitted():
        form.roles.data = [r.value for r in user.role_set]
        form.coordinated_network_ids.data = [n.id for n in user.coordinated_networks]
        form.employer_ids.data = [e.id for e in user.employers]
        form.coach_organisation_id.data = user.coach_organisation_id
    if form.validate_on_submit():
        try:
            accounts.update_user(ctx, user.id, form.to_input(), active=form.active.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("User saved."), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=user), (
        422 if form.errors else 200
    )


@bp.post("/users/<int:user_id>/two-factor/reset")
@login_required
def reset_two_factor(user_id: int):
    """Switch a user's second factor off (lost phone); audited, ends their sessions."""
    if not FlaskForm().validate_on_submit():
        abort(400)
    user = two_factor.reset(service_context(), user_id)
    flash(_("Two-factor sign-in of %(name)s has been reset.", name=user.display_name), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.get("/coach-organisations")
@login_required
def coach_orgs():
    ctx = service_context()
    page = orgs.coach_organisations_page(ctx, paging.page_number(request.args))
    return render_template(
        "admin/coach_orgs.html", orgs=page.items, page=page, kinds=ORG_KIND_LABELS
    )


@bp.route("/coach-organisations/new", methods=["GET", "POST"])
@bp.route("/coach-organisations/<int:org_id>", methods=["GET", "POST"])
@login_required
def coach_org_form(org_id: int | None = None):
    ctx = service_context()
    ctx.require(Action.COACH_ORG_MANAGE)
    org = orgs.get_coach_organisation(ctx, org_id) if org_id else None
    form = CoachOrgForm(obj=org)
    if form.validate_on_submit():
        try:
            if org is None:
                orgs.create_coach_organisation(ctx, form.to_input())
            else:
                orgs.update_coach_organisation(ctx, org.id, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Organisation saved."), "success")
            return redirect(url_for(".coach_orgs"))
    return render_template("admin/coach_org_form.html", form=form, org=org), (
        422 if form.errors else 200
    )
