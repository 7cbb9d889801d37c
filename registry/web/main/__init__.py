"""Home pages per role, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import HiddenField, SelectField

from registry.domain.placement import Status
from registry.extensions import db
from registry.services import accounts, todo
from registry.services.notifications import unread_count
from registry.web.helpers import safe_next, service_context

bp = Blueprint("main", __name__)


class LanguageForm(FlaskForm):
    language = SelectField(choices=[("nl", "Nederlands"), ("en", "English")])
    next = HiddenField()


@bp.get("/")
@login_required
def home():
    ctx = service_context()
    return render_template("main/home.html", home=_home(ctx), today=ctx.today())


def _home(ctx):
    """The actor's to-do lists, computed once per request (the nav badges reuse them)."""
    cached = getattr(request, "_registry_home", None)
    if cached is None:
        cached = request._registry_home = todo.home(ctx)
    return cached


def nav_badges() -> dict[str, int]:
    """Counts shown next to the navigation entries (cached for the request)."""
    if not current_user.is_authenticated:
        return {}
    cached = getattr(request, "_registry_badges", None)
    if cached is None:
        ctx = service_context()
        home = getattr(request, "_registry_home", None)
        cached = todo.badges_of(home) if home is not None else todo.badges(ctx)
        cached["notifications.index"] = unread_count(ctx.session, current_user.id)
        request._registry_badges = cached
    return cached


@bp.post("/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["lang"] = form.language.data
        if current_user.is_authenticated:
            accounts.set_language(service_context(), current_user, form.language.data)
    target = safe_next(form.next.data) or safe_next(request.referrer and _path(request.referrer))
    return redirect(target or url_for("main.home"))


def _path(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        db.session.rollback()
        return jsonify({"status": "error", "database": "error"}), 503
    return jsonify({"status": "ok", "database": "ok"})


@bp.app_context_processor
def language_form():
    return {
        "language_form": LanguageForm(formdata=None, language=None),
        "nav_badges": nav_badges,
        "answer_deadline": answer_deadline,
    }


def answer_deadline(placement) -> tuple | None:
    """(the day the host should answer by, overdue?) for an open proposal, else None: the
    lists show overdue proposals as such to host, coach and coordinator (issue 14)."""
    if placement.status is not Status.PROPOSED:
        return None
    today = service_context().today()
    return todo.deadline_of(placement), todo.is_overdue(placement, today)
