"""Home pages per role, language switch and the health check."""

from __future__ import annotations

import threading

from cachetools import TTLCache
from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
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


class BadgeCache:
    """The navigation counts per user, kept for ``BADGE_CACHE_SECONDS`` in this worker.

    The counts are 10 to 15 statements on every page (issue 17); a badge that is a few
    seconds old is fine, one that contradicts the user's own last action is not. So the
    home page (which computes every to-do anyway) refreshes the entry, and any request
    that may write (not GET or HEAD) drops the user's entry before the next page."""

    def __init__(self, maxsize: int = 10_000) -> None:
        self._maxsize = maxsize
        self._caches: dict[int, TTLCache] = {}
        self._lock = threading.Lock()

    def _cache(self, seconds: int) -> TTLCache:
        cache = self._caches.get(seconds)
        if cache is None:
            cache = self._caches[seconds] = TTLCache(self._maxsize, seconds)
        return cache

    def get(self, user_id: int, seconds: int) -> dict[str, int] | None:
        if seconds <= 0:
            return None
        with self._lock:
            found = self._cache(seconds).get(user_id)
        return dict(found) if found is not None else None

    def put(self, user_id: int, seconds: int, badges: dict[str, int]) -> None:
        if seconds > 0:
            with self._lock:
                self._cache(seconds)[user_id] = dict(badges)

    def forget(self, user_id: int) -> None:
        with self._lock:
            for cache in self._caches.values():
                cache.pop(user_id, None)

    def forget_all(self) -> None:
        with self._lock:
            self._caches.clear()


badge_cache = BadgeCache()


def nav_badges() -> dict[str, int]:
    """Counts shown next to the navigation entries (see :class:`BadgeCache`)."""
    if not current_user.is_authenticated:
        return {}
    cached = getattr(request, "_registry_badges", None)
    if cached is not None:
        return cached
    seconds = current_app.config.get("BADGE_CACHE_SECONDS", 0)
    home = getattr(request, "_registry_home", None)
    if home is None:
        cached = badge_cache.get(current_user.id, seconds)
    if cached is None:
        ctx = service_context()
        cached = todo.badges_of(home) if home is not None else todo.badges(ctx)
        cached["notifications.index"] = unread_count(ctx.session, current_user.id)
        badge_cache.put(current_user.id, seconds, cached)
    request._registry_badges = cached
    return cached


@bp.before_app_request
def _forget_badges_on_write() -> None:
    if request.method not in ("GET", "HEAD") and current_user.is_authenticated:
        badge_cache.forget(current_user.id)


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
def page_helpers():
    """What every page's frame may call. (The language switch and the sign-out button
    in the frame carry the session's CSRF token as a plain hidden field: building a
    form object for them cost about 0.7 ms on every page.)"""
    return {
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
