"""Home pages per role, language switch and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import text
from wtforms import HiddenField, SelectField

from registry.extensions import db
from registry.services import accounts
from registry.web.helpers import safe_next, service_context

bp = Blueprint("main", __name__)


class LanguageForm(FlaskForm):
    language = SelectField(choices=[("nl", "Nederlands"), ("en", "English")])
    next = HiddenField()


@bp.get("/")
@login_required
def home():
    return render_template("main/home.html")


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
    return {"language_form": LanguageForm(formdata=None, language=None)}
