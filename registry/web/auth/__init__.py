"""Logging in and out, password reset and setting a password from an invitation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from registry.extensions import limiter
from registry.services import accounts
from registry.services.errors import ValidationFailed
from registry.web.helpers import apply_errors, mark_mail_queued, safe_next, service_context

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


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
        except accounts.AccountLocked as exc:
            form.form_errors.append(str(exc.message))
            status = 429
        except accounts.InvalidCredentials as exc:
            form.form_errors.append(str(exc.message))
            status = 401
        else:
            login_user(user)
            from flask import session

            session["lang"] = user.language
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


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
