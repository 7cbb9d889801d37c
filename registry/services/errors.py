"""Typed errors that services raise and the web layer turns into messages and statuses."""

from __future__ import annotations

from collections.abc import Mapping

from registry.domain.permissions import PermissionDenied

__all__ = ["Conflict", "NotFound", "PermissionDenied", "ServiceError", "ValidationFailed"]


class ServiceError(Exception):
    """Base class; ``message`` is a (lazily) translated text for the user."""

    status = 400

    def __init__(self, message: object = "") -> None:
        super().__init__(str(message))
        self.message = message


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """The request clashes with the current state (e.g. the last slot was just taken)."""

    status = 409


class ValidationFailed(ServiceError):
    """One or more fields are invalid: ``errors`` maps field name to messages."""

    status = 422

    def __init__(self, errors: Mapping[str, list[object]] | None = None, message: object = ""):
        super().__init__(message or "; ".join(str(m) for ms in (errors or {}).values() for m in ms))
        self.errors: dict[str, list[object]] = {k: list(v) for k, v in (errors or {}).items()}

    @classmethod
    def field(cls, name: str, message: object) -> ValidationFailed:
        return cls({name: [message]})
