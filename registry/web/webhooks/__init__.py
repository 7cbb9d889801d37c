"""Webhook endpoints of the user's organisations (issue 18): list, register, edit,
disable, rotate the secret (shown once), the delivery log with "send again"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length

from registry.domain import webhooks as rules
from registry.services import paging
from registry.services import webhooks as service
from registry.web import confirm
from registry.web.forms import MultiCheckboxField, validate_all
from registry.web.helpers import service_context

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


class EndpointForm(FlaskForm):
    owner = SelectField(_l("Organisation"), choices=[])
    url = StringField(_l("Address (URL)"), validators=[Length(max=500)])
    description = StringField(_l("Description (optional)"), validators=[Length(max=200)])
    events = MultiCheckboxField(_l("Events"), choices=[])


class ActiveForm(FlaskForm):
    active = HiddenField()


class PlainForm(FlaskForm):
    pass


def _event_choices(kinds) -> list[tuple[str, object]]:
    allowed = {e for kind in kinds for e in rules.EVENTS_FOR[rules.OwnerKind(kind)]}
    return [(e, service.EVENT_LABELS[e]) for e in rules.EVENTS if e in allowed]


def _input(form: EndpointForm) -> service.EndpointInput:
    return service.EndpointInput(
        owner=form.owner.data or "",
        url=form.url.data or "",
        description=form.description.data or "",
        events=list(form.events.data or []),
    )


@bp.get("/")
@login_required
def index():
    ctx = service_context()
    owners = service.owners(ctx)
    page = service.endpoints_page(ctx, paging.page_number(request.args))
    names = {(o.kind, o.id): o.name for o in owners}
    return render_template(
        "webhooks/index.html",
        page=page,
        owners=owners,
        names=names,
        labels=service.EVENT_LABELS,
        kinds=service.KIND_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    ctx = service_context()
    owners = service.owners(ctx)
    if not owners:
        abort(404)
    form = EndpointForm()
    form.owner.choices = [(o.key, f"{service.KIND_LABELS[o.kind]}: {o.name}") for o in owners]
    chosen = request.values.get("owner")
    kinds = {o.kind for o in owners if o.key == chosen} or {o.kind for o in owners}
    form.events.choices = _event_choices(kinds)
    if request.method == "GET" and chosen:
        form.owner.data = chosen
    if validate_all(form, lambda: service.check_new(ctx, _input(form))):
        endpoint, secret = service.create_endpoint(ctx, _input(form))
        return _secret_page(endpoint, secret, created=True)
    status = 422 if form.is_submitted() else 200
    return render_template("webhooks/form.html", form=form, endpoint=None), status


def _secret_page(endpoint, secret: str, created: bool):
    return render_template(
        "webhooks/secret.html", endpoint=endpoint, secret=secret, created=created
    )


@bp.get("/<int:endpoint_id>")
@login_required
def show(endpoint_id: int):
    ctx = service_context()
    endpoint, page = service.deliveries_page(ctx, endpoint_id, paging.page_number(request.args))
    return render_template(
        "webhooks/show.html",
        endpoint=endpoint,
        page=page,
        owner_name=service.owner_name(ctx.session, endpoint),
        labels=service.EVENT_LABELS,
        statuses=service.STATUS_LABELS,
        kinds=service.KIND_LABELS,
        active_form=ActiveForm(active="0" if endpoint.active else "1"),
        plain_form=PlainForm(),
    )


@bp.route("/<int:endpoint_id>/edit", methods=["GET", "POST"])
@login_required
def edit(endpoint_id: int):
    ctx = service_context()
    endpoint = service.get_endpoint(ctx, endpoint_id)
    form = EndpointForm(obj=None if request.method == "POST" else endpoint)
    del form.owner
    form.events.choices = _event_choices({endpoint.owner_kind})
    data = lambda: service.EndpointInput(  # noqa: E731
        url=form.url.data or "", description=form.description.data or "", events=form.events.data
    )
    if validate_all(form, lambda: service.check_input(ctx, data(), endpoint.owner_kind)):
        service.update_endpoint(ctx, endpoint.id, data())
        flash(_("The endpoint was saved."), "success")
        return redirect(url_for(".show", endpoint_id=endpoint.id))
    status = 422 if form.is_submitted() else 200
    return render_template("webhooks/form.html", form=form, endpoint=endpoint), status


@bp.post("/<int:endpoint_id>/active")
@login_required
def set_active(endpoint_id: int):
    form = ActiveForm()
    if not form.validate_on_submit() or form.active.data not in ("0", "1"):
        abort(400)
    endpoint = service.set_active(service_context(), endpoint_id, form.active.data == "1")
    flash(
        _("The endpoint is on again.") if endpoint.active else _("The endpoint is off."),
        "success",
    )
    return redirect(url_for(".show", endpoint_id=endpoint.id))


@bp.route("/<int:endpoint_id>/rotate", methods=["GET", "POST"])
@login_required
def rotate(endpoint_id: int):
    ctx = service_context()
    endpoint = service.get_endpoint(ctx, endpoint_id)
    if request.method == "POST" and PlainForm().validate_on_submit():
        endpoint, secret = service.rotate_secret(ctx, endpoint.id)
        return _secret_page(endpoint, secret, created=False)
    return confirm.render(
        confirm.Confirmation(
            title=_("Make a new secret for %(url)s?", url=endpoint.url),
            consequences=[
                _("The current secret stops working at once."),
                _(
                    "The receiver must use the new secret to check the signatures, or it will "
                    "refuse the next messages."
                ),
                _("The new secret is shown once."),
            ],
            action=url_for(".rotate", endpoint_id=endpoint.id),
            verb=_("Make a new secret"),
            cancel=url_for(".show", endpoint_id=endpoint.id),
        )
    )


@bp.post("/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver")
@login_required
def redeliver(endpoint_id: int, delivery_id: int):
    if not PlainForm().validate_on_submit():
        abort(400)
    service.redeliver(service_context(), endpoint_id, delivery_id)
    flash(_("The message is sent again at the next delivery run."), "success")
    return redirect(url_for(".show", endpoint_id=endpoint_id))
