"""Error pages in the user's language; service errors become 4xx, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from registry.extensions import db
from registry.services.errors import PermissionDenied, ServiceError

log = logging.getLogger(__name__)

TITLES = {
    400: _l("Bad request"),
    401: _l("Not logged in"),
    403: _l("No access"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("File too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
EXPLANATIONS = {
    400: _l("The request could not be processed. Go back and try again."),
    401: _l("Log in to continue."),
    403: _l("You do not have access to this page or action."),
    404: _l("This page does not exist, or you cannot see it."),
    405: _l("This action is not possible on this page."),
    409: _l("This could not be done because the situation has changed. Reload and try again."),
    413: _l("The file is too large. The maximum is 10 MB."),
    422: _l("Some input was not valid."),
    429: _l("Too many attempts. Wait a moment and try again."),
    500: _l("An unexpected error occurred. It has been logged; please try again later."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(status: int, message: object | None = None):
    message = message or EXPLANATIONS.get(status, "")
    if request.path.startswith("/api/v1/"):  # the partner API answers problem details
        from registry.web.api.problems import problem

        return problem(status, message)
    if _wants_json():
        return jsonify({"error": str(TITLES.get(status, status)), "message": str(message)}), status
    return (
        render_template(
            "errors/error.html", status=status, title=TITLES.get(status, ""), message=message
        ),
        status,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, _l("The form has expired or was not sent correctly. Try again."))

    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied):
        return render_error(403)

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return render_error(error.status, error.message or None)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        return render_error(status if status in TITLES else status)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("Unhandled error on %s", request.path)
        db.session.rollback()
        return render_error(500)
