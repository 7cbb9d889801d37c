"""Web layer: blueprints per area, thin views, forms, error pages, security headers."""

from __future__ import annotations

import logging

from flask import Flask, g, has_request_context, request, session
from flask_babel import Babel
from flask_login import current_user

from registry.extensions import db, login_manager

log = logging.getLogger(__name__)


def select_locale() -> str:
    languages = ("nl", "en")
    api_path = has_request_context() and request.path.startswith("/api/v1/")
    if api_path and request.path != "/api/v1/docs":
        # The partner API never reads the session (bearer tokens only): Accept-Language.
        return request.accept_languages.best_match(languages) or "en"
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return "nl"


def lazy_strings_are_text() -> None:
    """Flask-Babel marks every lazy translated string as safe HTML (``__html__`` returns
    it as is), so a message that carries user input (``_l("%(value)s ...", value=...)``)
    would reach the page unescaped. No message of ours is markup: escape them all."""
    from flask_babel.speaklater import LazyString
    from markupsafe import escape

    LazyString.__html__ = lambda self: escape(str(self))  # type: ignore[method-assign]


def init_web(app: Flask, babel: Babel) -> None:
    from registry import PROJECT_ROOT

    lazy_strings_are_text()
    from registry.web.forms import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(PROJECT_ROOT / "registry" / "translations"),
    )
    from registry.services import translation

    translation.install_jinja_callables(app.jinja_env)  # the same messages, looked up faster
    _init_login()
    from registry.web import admin, auth, employers, errors, main, networks
    from registry.web.helpers import register_template_helpers
    from registry.web.security import register_security

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(networks.bp)
    app.register_blueprint(employers.bp)
    from registry.web import search as search_pages

    app.register_blueprint(search_pages.bp)
    from registry.web import places

    app.register_blueprint(places.bp)
    from registry.web import candidates

    app.register_blueprint(candidates.bp)
    from registry.web.placements import bp as placements_bp
    from registry.web.placements import notifications as notifications_web

    app.register_blueprint(placements_bp)
    from registry.web.placements import talk as talk_web

    app.register_blueprint(talk_web.bp)
    app.register_blueprint(notifications_web.bp)
    from registry.web import dashboards

    app.register_blueprint(dashboards.bp)
    from registry.web import webhooks as webhooks_web

    app.register_blueprint(webhooks_web.bp)
    from registry.web import tokens
    from registry.web.api import init_api

    app.register_blueprint(tokens.bp)
    init_api(app)  # the partner API (issue 18)
    from registry.web import alerts as alerts_web

    app.register_blueprint(alerts_web.bp)
    alerts_web.register_template_globals(app)
    from registry.web import matchmaking as matchmaking_web

    app.register_blueprint(matchmaking_web.bp)  # matchmaking rounds (issue 19)
    errors.register(app)
    register_security(app)
    auth.register_two_factor_enforcement(app)
    register_template_helpers(app)
    from registry.web.helpers import register_after_response

    register_after_response(app)
    from registry.web import formatting

    formatting.register(app)

    @app.teardown_request
    def _deliver_mail(exc: BaseException | None) -> None:
        if exc is None and app.config.get("MAIL_DELIVER_ON_REQUEST") and g.get("mail_queued"):
            from registry.services import mail

            try:
                mail.deliver_pending(db.session, mail.transport_for(app.config))
            except Exception:  # never let mail break a response
                log.exception("Delivering mail failed; the outbox keeps it for a retry")


def _init_login() -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"

    from registry.web.auth import load_user

    login_manager.user_loader(load_user)  # server-side sessions (registry/services/sessions.py)
