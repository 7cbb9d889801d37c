"""API tokens (issue 18): a user creates, sees and revokes their own partner API tokens
under their account (/account/api-tokens). The token is shown once, right after creating."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from registry.domain.permissions import Action
from registry.services import api_tokens as svc
from registry.services.errors import ValidationFailed
from registry.web.forms import DateValueField, MultiCheckboxField
from registry.web.helpers import apply_errors, service_context

bp = Blueprint("tokens", __name__, url_prefix="/account/api-tokens")

SCOPE_LABELS = {
    "places:read": _l("Read places"),
    "places:write": _l("Post and maintain places"),
    "candidates:read": _l("Read candidates"),
    "candidates:write": _l("Register and update candidates"),
    "search": _l("Search matches"),
    "placements:read": _l("Read placements and documents"),
    "placements:write": _l("Propose and follow placements"),
    "reciprocity:read": _l("Read reciprocity balances"),
}


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=svc.NAME_MAX)])
    scopes = MultiCheckboxField(
        _l("What the token may do"), choices=[(s, SCOPE_LABELS[s]) for s in svc.SCOPES]
    )
    expires_on = DateValueField(_l("Valid until"), validators=[DataRequired()])


class RevokeForm(FlaskForm):
    pass


def _page(form: TokenForm, created: str | None = None, status: int = 200):
    ctx = service_context()
    tokens = svc.list_tokens(ctx)
    now = ctx.now()
    return (
        render_template(
            "tokens/index.html",
            form=form,
            revoke_form=RevokeForm(),
            tokens=[(t, svc.is_active(t, now)) for t in tokens],
            created=created,
            scope_labels=SCOPE_LABELS,
        ),
        status,
    )


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    ctx = service_context()
    ctx.require(Action.API_TOKEN_MANAGE)
    form = TokenForm()
    if not form.is_submitted():
        form.expires_on.data = ctx.today() + dt.timedelta(days=90)
    if form.validate_on_submit():
        try:
            token, raw = svc.create_token(
                ctx, form.name.data, list(form.scopes.data or []), form.expires_on.data
            )
        except ValidationFailed as error:
            apply_errors(form, error)
        else:
            flash(
                _("Token %(name)s created. Copy it now: it is shown only once.", name=token.name),
                "info",
            )
            return _page(TokenForm(formdata=None, expires_on=form.expires_on.data), created=raw)
    return _page(form, status=422 if form.errors else 200)


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    form = RevokeForm()
    if form.validate_on_submit():
        token = svc.revoke_token(service_context(), token_id)
        flash(_("Token %(name)s revoked.", name=token.name), "info")
    return redirect(url_for(".index"), 303)
