"""The in-app notification inbox and the e-mail delivery preference."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectField

from registry.models import DeliveryMode
from registry.services import notifications as service
from registry.services import paging
from registry.web.helpers import service_context

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

MODE_LABELS = {
    DeliveryMode.IMMEDIATE: _l("E-mail me at once"),
    DeliveryMode.DIGEST: _l("One e-mail a day with a summary"),
    DeliveryMode.NONE: _l("No e-mail, only here"),
}


class PreferenceForm(FlaskForm):
    mode = SelectField(
        _l("E-mail for notifications"), choices=[(k.value, v) for k, v in MODE_LABELS.items()]
    )


class ReadForm(FlaskForm):
    pass


@bp.get("/")
@login_required
def index():
    ctx = service_context()
    form = PreferenceForm(mode=service.preference(ctx.session, ctx.actor_id).value)
    page = service.inbox_page(ctx, paging.page_number(request.args))
    return render_template(
        "placements/notifications.html",
        notes=page.items,
        page=page,
        form=form,
        read_form=ReadForm(),
    )


@bp.post("/read")
@login_required
def read():
    if ReadForm().validate_on_submit():
        service.mark_read(service_context())
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".index"))


@bp.post("/preference")
@login_required
def preference():
    form = PreferenceForm()
    if form.validate_on_submit():
        service.set_preference(service_context(), DeliveryMode(form.mode.data))
        flash(_("Your preference was saved."), "success")
    return redirect(url_for(".index"))
