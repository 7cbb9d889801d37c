"""Bulk curation on the coordinator's places list (issue 14): publish several places,
send them back with one reason, or ask their employers to confirm them; the result page
says per place what happened."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from registry.services import curation
from registry.services.errors import ValidationFailed
from registry.web.helpers import safe_next, service_context
from registry.web.places import bp

ACTIONS = {
    "publish": _l("Publish"),
    "send_back": _l("Send back for changes"),
    "remind": _l("Ask the employer to confirm"),
}


class BulkForm(FlaskForm):
    action = SelectField(
        _l("What to do with the selected places"),
        choices=list(ACTIONS.items()),
        validators=[DataRequired()],
    )
    reason = TextAreaField(
        _l("Reason for sending back (one for all selected places)"),
        validators=[Optional(), Length(max=1000)],
    )
    next = HiddenField()


def _selected() -> list[int]:
    ids = []
    for value in request.form.getlist("place_ids"):
        value = value.strip()
        if value.isdigit() and len(value) <= 9:
            ids.append(int(value))
    return ids


@bp.post("/curation/places/bulk")
@login_required
def bulk():
    ctx = service_context()
    form = BulkForm()
    if not form.validate_on_submit():
        raise ValidationFailed(
            {name: list(errors) for name, errors in form.errors.items()}
            or {"action": [_l("Choose what to do with the selected places.")]}
        )
    ids = _selected()
    if form.action.data == "publish":
        results = curation.publish_places(ctx, ids)
    elif form.action.data == "send_back":
        results = curation.send_back_places(ctx, ids, form.reason.data or "")
    else:
        results = curation.remind_places(ctx, ids)
    return render_template(
        "places/bulk_results.html",
        results=results,
        action_label=ACTIONS[form.action.data],
        back=safe_next(form.next.data),
    )
