"""Signing in (password, then a second factor when enrolled) and out, server-side
sessions, two-factor enrolment, password reset and setting a password from an invitation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from registry.extensions import db, limiter
from registry.models import User
from registry.models.base import utcnow
from registry.services import accounts, sessions, two_factor
from registry.services.context import Context
from registry.services.errors import ValidationFailed
from registry.web.helpers import apply_errors, mark_mail_queued, safe_next, service_context

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"},
    )


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Email(), Length(max=254)])


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=256)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


PENDING_SECONDS = 300  # the second step must follow the password within five minutes
SESSION_KEY = "sid"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        ctx = service_context()
        try:
            user = accounts.authenticate(ctx, form.email.data, form.password.data)
        except accounts.InvalidCredentials as exc:
            form.form_errors.append(str(exc.message))
            status = 401
        else:
            next_url = safe_next(request.args.get("next"))
            if user.two_factor_enabled:
                _fresh_session(user.language)
                session["2fa"] = {"u": user.id, "at": ctx.now().timestamp(), "next": next_url}
                return redirect(url_for(".two_factor_step"))
            _open_session(ctx, user)
            return redirect(next_url or url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


def _fresh_session(language: str) -> None:
    """Start from an empty cookie session at every sign-in step (nothing carries over)."""
    session.clear()
    session["lang"] = language


def _open_session(ctx: Context, user: User) -> None:
    _fresh_session(user.language)
    session[SESSION_KEY] = sessions.start(ctx, user, request.user_agent.string)
    login_user(user)


def _pending_user_id(ctx: Context) -> int | None:
    pending = session.get("2fa")
    if not isinstance(pending, dict) or not isinstance(pending.get("u"), int):
        return None
    if ctx.now().timestamp() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    return pending["u"]


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def two_factor_step():
    """The second sign-in step: a code from the authenticator app or a recovery code."""
    ctx = service_context()
    user_id = _pending_user_id(ctx)
    if user_id is None:
        session.pop("2fa", None)
        flash(_("Please log in again."), "info")
        return redirect(url_for(".login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = two_factor.verify_sign_in(ctx, user_id, form.code.data)
        except accounts.InvalidCredentials:
            form.code.errors = [
                _("This code is not right, or you have to wait a moment before trying again.")
            ]
            status = 401
        else:
            next_url = session["2fa"].get("next")
            _open_session(ctx, user)
            return redirect(safe_next(next_url) or url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/two_factor.html", form=form), status


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    """Enrolment: scan the QR code, confirm one code, receive the recovery codes once."""
    user = current_user._get_current_object()
    ctx = service_context()
    if user.two_factor_enabled:
        return _two_factor_status(ctx, user, CodeForm())
    secret = two_factor.pending_secret(ctx, user)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.confirm_enrolment(ctx, user, form.code.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = two_factor.provisioning_uri(secret, user.email, current_app.config["TWO_FACTOR_ISSUER"])
    qr = Markup(two_factor.qr_svg(uri, _("QR code for your authenticator app")))  # noqa: S704
    required = two_factor.required_for(user, current_app.config)
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        qr=qr,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        required=required,
    ), (422 if form.errors else 200)


def _two_factor_status(ctx: Context, user: User, form: CodeForm) -> Any:
    return render_template(
        "auth/two_factor_status.html",
        user=user,
        unused=two_factor.unused_recovery_codes(ctx, user),
        form=form,
    ), (422 if form.errors else 200)


@bp.post("/two-factor/recovery-codes")
@login_required
@limiter.limit(_login_limit)
def new_recovery_codes():
    """Replace the recovery codes (the old ones stop working); needs a code from the app."""
    user = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for(".two_factor_setup"))
    ctx = service_context()
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.replace_recovery_codes(ctx, user, form.code.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return render_template("auth/recovery_codes.html", codes=codes)
    elif not form.errors:
        abort(400)
    return _two_factor_status(ctx, user, form)


@bp.get("/sessions")
@login_required
def active_sessions():
    ctx = service_context()
    current = sessions.token_hash(session.get(SESSION_KEY, ""))
    return render_template(
        "auth/sessions.html",
        rows=sessions.active_sessions(ctx, current_user._get_current_object()),
        current=current,
        form=ActionForm(),
    )


@bp.post("/sessions/end-others")
@login_required
def end_other_sessions():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    ended = sessions.end_others(
        service_context(), current_user._get_current_object(), session.get(SESSION_KEY, "")
    )
    flash(
        ngettext(
            "You have been logged out everywhere else (%(num)s session ended).",
            "You have been logged out everywhere else (%(num)s sessions ended).",
            ended,
        ),
        "success",
    )
    return redirect(url_for(".active_sessions"))


@bp.post("/sessions/<session_id>/end")
@login_required
def end_session(session_id: str):
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    sessions.end_one(service_context(), current_user._get_current_object(), session_id)
    flash(_("The session has been ended."), "success")
    return redirect(url_for(".active_sessions"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_login_limit, methods=["POST"])
def change_password():
    """Choose a new password; the user's other sessions end."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            ended = accounts.change_password(
                service_context(),
                current_user._get_current_object(),
                form.current.data,
                form.password.data,
                keep_session=sessions.token_hash(session.get(SESSION_KEY, "")),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(
                ngettext(
                    "Your password has been changed; %(num)s other session was ended.",
                    "Your password has been changed; %(num)s other sessions were ended.",
                    ended,
                ),
                "success",
            )
            return redirect(url_for(".active_sessions"))
    return render_template("auth/change_password.html", form=form), (422 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    token = session.get(SESSION_KEY)
    if token:
        sessions.end(service_context(), token)
    language = session.get("lang")
    logout_user()
    session.clear()
    if language:
        session["lang"] = language
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


def load_user(user_id: str) -> Any:
    """Flask-Login's user loader: the user of a live server-side session, else nobody."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not user_id.isdigit():
        return None
    user = sessions.load(db.session, token, int(user_id), current_app.config, _now())
    if user is None:
        session.pop(SESSION_KEY, None)
    return user


def _now() -> dt.datetime:
    return utcnow()


_OPEN_ENDPOINTS = {"static", "main.set_language", "main.healthz"}


def register_two_factor_enforcement(app: Flask) -> None:
    """A user whose role requires a second factor and who has none reaches only the
    enrolment page (and signing out, the language switch, the health check)."""

    @app.before_request
    def _require_second_factor() -> Any:
        endpoint = request.endpoint or ""
        if endpoint in _OPEN_ENDPOINTS or endpoint.startswith("auth."):
            return None
        if not current_user.is_authenticated or current_user.two_factor_enabled:
            return None
        if two_factor.required_for(current_user, app.config):
            flash(_("Set up two-factor sign-in first."), "info")
            return redirect(url_for("auth.two_factor_setup"))
        return None


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(service_context(), form.email.data)
        mark_mail_queued()
        flash(
            _("If this address belongs to an account, we have sent a link to reset the password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str):
    ctx = service_context()
    user = accounts.user_for_token(ctx, token)  # InvalidToken -> 400 page
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_token(ctx, token, form.password.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Your password has been set. You can now log in."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), (
        400 if form.errors else 200
    )
