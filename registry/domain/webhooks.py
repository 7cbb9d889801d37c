"""Webhooks (issue 18): the event catalogue, who may subscribe to what, endpoint address
rules, the Standard Webhooks signature and the retry schedule. Pure Python.

Signatures follow https://www.standardwebhooks.com: the signed content is
``"{webhook-id}.{webhook-timestamp}.{body}"``, HMAC-SHA256 with the endpoint's secret
(``whsec_`` + base64 of 32 random bytes), sent as ``webhook-signature: v1,<base64>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets
from enum import StrEnum
from urllib.parse import urlsplit


class OwnerKind(StrEnum):
    """The organisations that register endpoints."""

    COACH_ORGANISATION = "coach_organisation"
    EMPLOYER = "employer"
    NETWORK = "network"


PLACEMENT_EVENTS = (
    "placement.proposed",
    "placement.accepted",
    "placement.declined",
    "placement.introduced",
    "placement.started",
    "placement.completed",
    "placement.ended_early",
)
PLACE_EVENTS = ("place.published", "place.paused")
MATCH_NEW = "candidate.match_new"
EVENTS = (*PLACEMENT_EVENTS, *PLACE_EVENTS, MATCH_NEW)

# What each kind of organisation can hear about (what its pages show it): every party of
# a placement hears its steps; hosts and networks their places; coach organisations the
# places published for their search and new matches for their own candidates.
EVENTS_FOR: dict[OwnerKind, tuple[str, ...]] = {
    OwnerKind.COACH_ORGANISATION: (*PLACEMENT_EVENTS, "place.published", MATCH_NEW),
    OwnerKind.EMPLOYER: (*PLACEMENT_EVENTS, *PLACE_EVENTS),
    OwnerKind.NETWORK: (*PLACEMENT_EVENTS, *PLACE_EVENTS),
}

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
MAX_URL_LENGTH = 500


class UrlProblem(StrEnum):
    INVALID = "invalid"
    SCHEME = "scheme"  # not https (nor http to this machine outside production)
    CREDENTIALS = "credentials"  # user:password@ in the address
    PRIVATE = "private"  # production: a private, loopback or otherwise internal address
    TOO_LONG = "too_long"


def url_problem(url: str, *, production: bool) -> UrlProblem | None:
    """Why ``url`` cannot be an endpoint, or None. HTTPS always works; plain HTTP only to
    this machine (localhost, 127.0.0.1, ::1) outside production. In production an address
    literal must be public and ``localhost`` is refused (the delivery checks the resolved
    address again)."""
    if len(url) > MAX_URL_LENGTH:
        return UrlProblem.TOO_LONG
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return UrlProblem.INVALID
    if not host or any(c.isspace() for c in url):
        return UrlProblem.INVALID
    if parts.scheme not in ("http", "https"):
        return UrlProblem.SCHEME
    if parts.username is not None or parts.password is not None:
        return UrlProblem.CREDENTIALS
    if parts.scheme == "http" and (production or host not in LOCAL_HOSTS):
        return UrlProblem.SCHEME
    if production and (host in LOCAL_HOSTS or host.endswith(".localhost") or _internal(host)):
        return UrlProblem.PRIVATE
    return None


def _internal(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global


def address_allowed(address: str) -> bool:
    """A resolved address may be called in production (public, not internal)."""
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


# --- signing ---------------------------------------------------------------------------------

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header value for one message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


# --- retries ---------------------------------------------------------------------------------

RETRY_HOURS = 24
FIRST_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 6 * 3600


def next_attempt(
    first_attempt: dt.datetime,
    attempts: int,
    now: dt.datetime,
    *,
    base_seconds: float = FIRST_DELAY_SECONDS,
    retry_hours: float = RETRY_HOURS,
) -> dt.datetime | None:
    """When to try again after ``attempts`` failed tries (30 s, 1 min, 2 min, … doubling,
    at most 6 h apart), or None once the next try would fall more than ``retry_hours``
    after the first: the message has failed."""
    delay = min(base_seconds * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    at = now + dt.timedelta(seconds=delay)
    if at - first_attempt > dt.timedelta(hours=retry_hours):
        return None
    return at
