"""Match alerts (issue 20): follow and unfollow a candidate's search or a place, and the
list of what the user follows. Thin views over :mod:`registry.search.alerts`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField

from registry.models import PlaceKind
from registry.search import alerts
from registry.search import follows as svc
from registry.services import formatting, paging
from registry.services import labels as enum_labels
from registry.web.forms import SBI_SECTIONS
from registry.web.helpers import safe_next, service_context
from registry.web.search.forms import parse_filters

bp = Blueprint("alerts", __name__)


class FollowForm(FlaskForm):
    """A follow or unfollow button (CSRF); ``next`` brings the user back."""

    next = HiddenField()


def _checked() -> None:
    if not FollowForm().validate_on_submit():
        abort(400)


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default, 303)


@bp.post("/candidates/<int:candidate_id>/search/follow")
@login_required
def follow_search(candidate_id: int):
    _checked()
    filters = parse_filters(request.form)
    svc.follow_search(service_context(), candidate_id, filters)
    flash(_("You follow this search: a new place that fits reaches your notifications."), "success")
    return _back(url_for("search.candidate", candidate_id=candidate_id, **filters.as_query()))


@bp.post("/candidates/<int:candidate_id>/search/unfollow")
@login_required
def unfollow_search(candidate_id: int):
    _checked()
    svc.unfollow_search(service_context(), candidate_id)
    flash(_("You no longer follow this search."), "success")
    return _back(url_for(".following"))


@bp.post("/places/<int:place_id>/follow")
@login_required
def follow_place(place_id: int):
    _checked()
    svc.follow_place(service_context(), place_id)
    flash(_("You follow this place: a candidate who fits reaches your notifications."), "success")
    return _back(url_for("places.show", place_id=place_id))


@bp.post("/places/<int:place_id>/unfollow")
@login_required
def unfollow_place(place_id: int):
    _checked()
    svc.unfollow_place(service_context(), place_id)
    flash(_("You no longer follow this place."), "success")
    return _back(url_for(".following"))


def describe(saved: dict) -> str:
    """A followed search's saved filters in words ("Internship · up to 20 km")."""
    filters = alerts.filters_of(saved)
    parts = [str(enum_labels.PLACE_KIND[PlaceKind(k)]) for k in sorted(filters.kinds)]
    if filters.max_km is not None:
        parts.append(_("up to %(km)s km", km=formatting.number(filters.max_km)))
    if filters.network_ids:
        parts.append(ngettext("%(num)s network", "%(num)s networks", len(filters.network_ids)))
    if filters.sector:
        parts.append(dict(SBI_SECTIONS).get(filters.sector, filters.sector))
    return " · ".join(str(p) for p in parts) or _("the candidate's own search, no filters")


@bp.get("/following/")
@login_required
def following():
    ctx = service_context()
    result = svc.following(
        ctx, paging.page_number(request.args), paging.page_number(request.args, "places_page")
    )
    return render_template(
        "alerts/following.html",
        following=result,
        describe=describe,
        status_labels=enum_labels.PLACE_STATUS,
    )


def register_template_globals(app) -> None:
    """``place_follow_state(place)``: may the current user follow the place, and their
    follow (or None), for the button on the place page (the search page's comes with
    the search: ``CandidateSearch.may_follow`` and ``follow``). (Their
    forms carry the session's CSRF token as a plain hidden field, ``csrf_token()``:
    building a form object for each button cost about 0.7 ms.)"""

    @app.template_global()
    def place_follow_state(place):
        return svc.place_follow_state(service_context(), place)
