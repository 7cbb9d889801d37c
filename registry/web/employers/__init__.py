"""Employers: the administrator registers them; contacts keep their details current."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from registry.domain.permissions import Action, Role
from registry.models import SizeClass
from registry.services import labels as enum_labels
from registry.services import organisations as orgs
from registry.services import paging
from registry.services.errors import ValidationFailed
from registry.web.forms import SBI_SECTIONS, dutch_postcode, kvk_number
from registry.web.helpers import apply_errors, service_context

bp = Blueprint("employers", __name__, url_prefix="/employers")

SIZE_LABELS = enum_labels.SIZE_CLASS


class EmployerForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    trade_name = StringField(_l("Trade name"), validators=[Length(max=200)])
    kvk_number = StringField(
        _l("KvK number"), validators=[DataRequired(), Length(max=12), kvk_number]
    )
    sbi_section = SelectField(_l("Sector (SBI section)"), choices=SBI_SECTIONS)
    size_class = SelectField(_l("Size"), choices=[(k.value, v) for k, v in SIZE_LABELS.items()])
    street = StringField(_l("Street and number"), validators=[Length(max=200)])
    postcode = StringField(
        _l("Postcode"), validators=[DataRequired(), Length(max=10), dutch_postcode()]
    )
    town = StringField(_l("Town"), validators=[Length(max=120)])
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=30)])

    def to_input(self) -> orgs.EmployerInput:
        return orgs.EmployerInput(
            legal_name=self.legal_name.data,
            trade_name=self.trade_name.data or "",
            kvk_number=self.kvk_number.data,
            sbi_section=self.sbi_section.data,
            size_class=SizeClass(self.size_class.data),
            street=self.street.data or "",
            postcode=self.postcode.data,
            town=self.town.data or "",
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
        )


@bp.get("/")
@login_required
def index():
    ctx = service_context()
    page = orgs.employers_page(ctx, paging.page_number(request.args))
    return render_template("employers/index.html", employers=page.items, page=page)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    ctx = service_context()
    ctx.require(Action.EMPLOYER_CREATE)
    form = EmployerForm()
    if form.validate_on_submit():
        try:
            employer = orgs.create_employer(ctx, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Employer saved."), "success")
            return redirect(url_for(".show", employer_id=employer.id))
    return render_template("employers/form.html", form=form, employer=None), (
        422 if form.errors else 200
    )


@bp.get("/<int:employer_id>")
@login_required
def show(employer_id: int):
    ctx = service_context()
    employer = orgs.get_employer(ctx, employer_id)
    from registry.domain.permissions import can

    facts = orgs.employer_facts(ctx.session, employer)
    return render_template(
        "employers/show.html",
        employer=employer,
        may_edit=can(ctx.actor, Action.EMPLOYER_EDIT, facts),
        sizes=SIZE_LABELS,
        sectors=dict(SBI_SECTIONS),
    )


@bp.route("/<int:employer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(employer_id: int):
    ctx = service_context()
    employer = orgs.get_employer(ctx, employer_id, Action.EMPLOYER_EDIT)
    form = EmployerForm(obj=employer)
    is_admin = ctx.actor.is_(Role.ADMIN)
    if not is_admin:  # registration facts are shown read-only for contacts
        form.legal_name.render_kw = form.kvk_number.render_kw = {"readonly": True}
    if form.validate_on_submit():
        try:
            orgs.update_employer(ctx, employer.id, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Employer saved."), "success")
            return redirect(url_for(".show", employer_id=employer.id))
    return render_template("employers/form.html", form=form, employer=employer), (
        422 if form.errors else 200
    )


# The searchable employer picker (issue 14) adds its route to this blueprint.
from registry.web.employers import picker as _picker  # noqa: E402, F401
