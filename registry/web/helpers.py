"""Small helpers shared by the views: the service context, form errors, safe redirects."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, request
from flask_login import current_user
from flask_wtf import FlaskForm

from registry.extensions import db
from registry.services.accounts import actor_for
from registry.services.context import Context
from registry.services.errors import ValidationFailed

log = logging.getLogger(__name__)


def service_context() -> Context:
    """The context for the current request: session, acting user and remote address."""
    actor = None
    if current_user.is_authenticated:
        # Cached per request (not on ``g``, which can outlive a request).
        actor = getattr(request, "_registry_actor", None)
        if actor is None:
            actor = actor_for(db.session, current_user._get_current_object())
            request._registry_actor = actor
    return Context(
        session=db.session,
        actor=actor,
        remote_addr=request.remote_addr,
        settings=current_app.config,
        after_response=after_response,
    )


def after_response(work: Callable[[Context], None]) -> None:
    """Run ``work`` with a fresh context (same user and address, a session of its own)
    once this request's response has been sent: the server closes the response and
    only then the worker does it, so nobody waits for it. Failures are logged."""
    pending = getattr(request, "_registry_after_response", None)
    if pending is None:
        pending = request._registry_after_response = []
    pending.append((work, service_context().actor, request.remote_addr))


def _run_after_response(app: Any, pending: list) -> None:
    with app.app_context():
        for work, actor, remote_addr in pending:
            ctx = Context(db.session, actor, remote_addr, app.config)
            try:
                work(ctx)
            except Exception:
                db.session.rollback()
                log.exception("Work after the response failed")
        db.session.remove()


def register_after_response(app: Any) -> None:
    @app.after_request
    def _hand_over(response: Any) -> Any:
        pending = getattr(request, "_registry_after_response", None)
        if pending:
            response.call_on_close(lambda: _run_after_response(app, pending))
        return response


def apply_errors(form: FlaskForm, error: ValidationFailed) -> None:
    """Put the service's field errors next to the fields; others go to the form."""
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            if field is not None:
                field.errors = target
        target.extend(str(m) for m in messages)


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths are followed after logging in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def get_or_404(value: Any) -> Any:
    if value is None:
        abort(404)
    return value


def mark_mail_queued() -> None:
    g.mail_queued = True


def register_template_helpers(app: Flask) -> None:
    from registry.domain.permissions import Role

    @app.context_processor
    def inject() -> dict[str, Any]:
        roles = (
            current_user.role_set if current_user and current_user.is_authenticated else frozenset()
        )
        from registry.web import select_locale

        return {"Role": Role, "user_roles": roles, "current_locale": select_locale()}
