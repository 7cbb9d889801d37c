"""Webhook endpoints (issue 18): register, edit, disable, rotate the secret, read the
delivery log, redeliver; and the delivery run behind ``flask --app registry webhooks
deliver``: at-least-once from the outbox, with exponential back-off for a day, after which
the endpoint is marked failing and its organisation's users are notified.

Events are queued by :mod:`registry.services.webhook_events` in the transaction of the
change they report.

Size (over 500 lines): the endpoint pages and the delivery run share the endpoint's
permission check and secret handling; splitting the delivery run into its own module is
the next clean-up.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, or_, select, update
from sqlalchemy.orm import Session

from registry.domain import webhooks as rules
from registry.domain.permissions import Action, Role, WebhookOwnerFacts, can
from registry.models import CoachOrganisation, Employer, Network, Place, PlaceStatus, User
from registry.models.base import utcnow
from registry.models.webhooks import WebhookDelivery, WebhookEndpoint
from registry.services import notifications, paging
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, ValidationFailed
from registry.services.webhook_events import new_message_id, place_data

log = logging.getLogger(__name__)
OwnerKind = rules.OwnerKind
TIMEOUT_SECONDS = 5.0

URL_MESSAGES = {
    rules.UrlProblem.INVALID: _l("Enter a complete web address, such as https://example.nl/hook."),
    rules.UrlProblem.SCHEME: _l(
        "The address must start with https:// (http:// only to this computer, outside production)."
    ),
    rules.UrlProblem.CREDENTIALS: _l("Leave the user name and password out of the address."),
    rules.UrlProblem.PRIVATE: _l("The address must be reachable on the internet, not internal."),
    rules.UrlProblem.TOO_LONG: _l("Use at most 500 characters."),
}


# What people read for each event (pages never show the technical names, which the README
# lists for the receivers' developers).
EVENT_LABELS = {
    "placement.proposed": _l("A candidate was proposed"),
    "placement.accepted": _l("A proposal was accepted"),
    "placement.declined": _l("A proposal was declined"),
    "placement.introduced": _l("The introduction was recorded"),
    "placement.started": _l("A placement started"),
    "placement.completed": _l("A placement was completed"),
    "placement.ended_early": _l("A placement ended early"),
    "place.published": _l("A place was published"),
    "place.paused": _l("A place was paused"),
    "candidate.match_new": _l("A new place fits one of your candidates"),
}
STATUS_LABELS = {
    "pending": _l("Waiting to be sent"),
    "delivered": _l("Delivered"),
    "failed": _l("Failed (gave up after a day)"),
    "expand": _l("Being matched"),
}
KIND_LABELS = {
    OwnerKind.COACH_ORGANISATION: _l("Coach organisation"),
    OwnerKind.EMPLOYER: _l("Employer"),
    OwnerKind.NETWORK: _l("Network"),
}


@dataclass(frozen=True)
class Owner:
    kind: str
    id: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass
class EndpointInput:
    owner: str = ""  # "employer:3"
    url: str = ""
    description: str = ""
    events: list[str] = field(default_factory=list)


def production(ctx_or_settings: Any) -> bool:
    settings = getattr(ctx_or_settings, "settings", ctx_or_settings) or {}
    return settings.get("ENV_NAME") == "production"


# --- owners and access -----------------------------------------------------------------------


def owners(ctx: Context) -> list[Owner]:
    """The organisations whose endpoints the acting user manages (by role)."""
    actor = ctx.actor
    if actor is None:
        return []
    found: list[Owner] = []
    if actor.is_(Role.COACH) and actor.coach_organisation_id is not None:
        org = ctx.session.get(CoachOrganisation, actor.coach_organisation_id)
        if org is not None:
            found.append(Owner(OwnerKind.COACH_ORGANISATION, org.id, org.name))
    if actor.is_(Role.EMPLOYER) and actor.employer_ids:
        employers = ctx.session.scalars(
            select(Employer).where(Employer.id.in_(actor.employer_ids)).order_by(Employer.id)
        )
        found += [Owner(OwnerKind.EMPLOYER, e.id, e.name) for e in employers]
    if actor.is_(Role.COORDINATOR) and actor.coordinated_network_ids:
        networks = ctx.session.scalars(
            select(Network)
            .where(Network.id.in_(actor.coordinated_network_ids))
            .order_by(Network.id)
        )
        found += [Owner(OwnerKind.NETWORK, n.id, n.name) for n in networks]
    return [o for o in found if may_manage(ctx, o.kind, o.id)]  # the rule decides


def may_manage(ctx: Context, kind: str, owner_id: int) -> bool:
    return ctx.actor is not None and can(
        ctx.actor, Action.WEBHOOK_MANAGE, WebhookOwnerFacts(kind, owner_id)
    )


def get_endpoint(ctx: Context, endpoint_id: int) -> WebhookEndpoint:
    """An endpoint of one of the user's organisations; any other is "not found"."""
    endpoint = ctx.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or not may_manage(ctx, endpoint.owner_kind, endpoint.owner_id):
        raise NotFound(_l("This webhook endpoint does not exist."))
    return endpoint


def owner_name(session: Session, endpoint: WebhookEndpoint) -> str:
    model = {
        OwnerKind.COACH_ORGANISATION: CoachOrganisation,
        OwnerKind.EMPLOYER: Employer,
        OwnerKind.NETWORK: Network,
    }[OwnerKind(endpoint.owner_kind)]
    obj = session.get(model, endpoint.owner_id)
    return obj.name if obj is not None else ""


def endpoints_page(ctx: Context, page: int = 1) -> paging.Page[WebhookEndpoint]:
    pairs = [(o.kind, o.id) for o in owners(ctx)]
    clause = (
        or_(
            *(
                and_(WebhookEndpoint.owner_kind == k, WebhookEndpoint.owner_id == i)
                for k, i in pairs
            )
        )
        if pairs
        else false()
    )
    query = select(WebhookEndpoint).where(clause).order_by(WebhookEndpoint.id)
    return paging.paginate(ctx.session, query, page)


def deliveries_page(ctx: Context, endpoint_id: int, page: int = 1):
    endpoint = get_endpoint(ctx, endpoint_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
    )
    return endpoint, paging.paginate(ctx.session, query, page)


# --- writes ----------------------------------------------------------------------------------


def check_input(ctx: Context, data: EndpointInput, kind: str) -> dict[str, Any]:
    """The address, description and events (allowed for this kind of organisation)."""
    errors: dict[str, list[object]] = {}
    url = (data.url or "").strip()
    problem = rules.url_problem(url, production=production(ctx)) if url else None
    if not url:
        errors["url"] = [_l("Enter the address that receives the events.")]
    elif problem is not None:
        errors["url"] = [URL_MESSAGES[problem]]
    description = (data.description or "").strip()
    if len(description) > 200:
        errors["description"] = [_l("Use at most 200 characters.")]
    allowed = rules.EVENTS_FOR.get(OwnerKind(kind), ()) if kind in set(OwnerKind) else ()
    events = [e for e in rules.EVENTS if e in set(data.events or ())]
    if not events:
        errors["events"] = [_l("Choose at least one event.")]
    elif set(data.events) - set(allowed):
        errors["events"] = [_l("Choose only the events listed.")]
    if errors:
        raise ValidationFailed(errors)
    return {"url": url, "description": description, "events": events}


def _owner_of(ctx: Context, key: str) -> Owner | None:
    return next((o for o in owners(ctx) if o.key == key), None)


def check_new(ctx: Context, data: EndpointInput) -> tuple[Owner, dict[str, Any]]:
    """Every problem of a new endpoint at once: the organisation, the address, the events."""
    owner = _owner_of(ctx, data.owner)
    kind = owner.kind if owner else (data.owner or "").partition(":")[0]
    errors: dict[str, list[object]] = {}
    if owner is None:
        errors["owner"] = [_l("Choose one of your organisations.")]
    try:
        values = check_input(ctx, data, kind)
    except ValidationFailed as error:
        errors.update(error.errors)
    if errors or owner is None:
        raise ValidationFailed(errors)
    return owner, values


def create_endpoint(ctx: Context, data: EndpointInput) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret (shown once)."""
    owner, values = check_new(ctx, data)
    secret = rules.new_secret()
    with ctx.transaction():
        endpoint = WebhookEndpoint(
            owner_kind=owner.kind,
            owner_id=owner.id,
            secret=secret,
            active=True,
            created_by_id=ctx.actor_id,
            **values,
        )
        ctx.session.add(endpoint)
        ctx.session.flush()
        ctx.audit(
            "webhook.created",
            "webhook_endpoint",
            endpoint.id,
            url=endpoint.url,
            events=values["events"],
        )
    return endpoint, secret


def update_endpoint(ctx: Context, endpoint_id: int, data: EndpointInput) -> WebhookEndpoint:
    endpoint = get_endpoint(ctx, endpoint_id)
    values = check_input(ctx, data, endpoint.owner_kind)
    with ctx.transaction():
        for key, value in values.items():
            setattr(endpoint, key, value)
        ctx.audit("webhook.updated", "webhook_endpoint", endpoint.id, **values)
    return endpoint


def set_active(ctx: Context, endpoint_id: int, active: bool) -> WebhookEndpoint:
    """Disable (nothing is queued or sent; queued messages wait) or enable again."""
    endpoint = get_endpoint(ctx, endpoint_id)
    with ctx.transaction():
        endpoint.active = active
        if active:
            endpoint.failing_since = None
        ctx.audit(
            "webhook.enabled" if active else "webhook.disabled", "webhook_endpoint", endpoint.id
        )
    return endpoint


def rotate_secret(ctx: Context, endpoint_id: int) -> tuple[WebhookEndpoint, str]:
    """A new secret at once (the old one stops working); shown once."""
    endpoint = get_endpoint(ctx, endpoint_id)
    secret = rules.new_secret()
    with ctx.transaction():
        endpoint.secret = secret
        ctx.audit("webhook.secret_rotated", "webhook_endpoint", endpoint.id)
    return endpoint, secret


def redeliver(ctx: Context, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
    """Queue a message again (same webhook-id, so the receiver can see it is a repeat)."""
    endpoint = get_endpoint(ctx, endpoint_id)
    delivery = ctx.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id or delivery.status == "expand":
        raise NotFound(_l("This delivery does not exist."))
    if delivery.status == "pending":
        raise Conflict(_l("This message is already waiting to be sent."))
    with ctx.transaction():
        delivery.status = "pending"
        delivery.first_attempt_at = None
        delivery.next_attempt_at = ctx.now()
        ctx.audit("webhook.redelivery", "webhook_endpoint", endpoint.id, delivery_id=delivery.id)
    return delivery


# --- delivery --------------------------------------------------------------------------------


class DeliveryError(Exception):
    """The endpoint did not take the message (refused address, network error, timeout)."""


@dataclass
class Response:
    status: int
    elapsed: float


Sender = Callable[[str, str, Mapping[str, str], float], Response]


class HttpSender:
    """POSTs with one httpx client for the whole run (connection and TLS set-up once);
    no redirects followed. Raises DeliveryError on any failure."""

    def __init__(self) -> None:
        import httpx

        self._httpx = httpx
        self._client = httpx.Client(follow_redirects=False)

    def __call__(self, url: str, body: str, headers: Mapping[str, str], timeout: float):
        httpx = self._httpx
        started = time.monotonic()
        try:
            response = self._client.post(
                url, content=body.encode(), headers=dict(headers), timeout=timeout
            )
        except httpx.TimeoutException as error:
            raise DeliveryError(f"timeout after {timeout:g} s") from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"{type(error).__name__}: {error}") from error
        return Response(response.status_code, time.monotonic() - started)

    def close(self) -> None:
        self._client.close()


def _public_address(url: str) -> None:
    """Production: the host must resolve to public addresses only (no internal targets)."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise DeliveryError(f"name not resolved: {error}") from error
    if not infos or not all(rules.address_allowed(str(info[4][0])) for info in infos):
        raise DeliveryError("address not allowed (internal)")


@dataclass
class RunSummary:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    expanded: int = 0


@dataclass
class DeliverySettings:
    timeout: float = TIMEOUT_SECONDS
    base_seconds: float = rules.FIRST_DELAY_SECONDS
    retry_hours: float = rules.RETRY_HOURS
    production: bool = False
    limit: int = 1000

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DeliverySettings:
        """From the app's configuration, else the environment (README, Configuration)."""

        def value(key: str, default: float) -> float:
            return float(config.get(key) or os.environ.get(key) or default)

        return cls(
            timeout=value("WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS),
            base_seconds=value("WEBHOOK_RETRY_BASE_SECONDS", rules.FIRST_DELAY_SECONDS),
            retry_hours=value("WEBHOOK_RETRY_HOURS", rules.RETRY_HOURS),
            production=production(config),
        )


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:  # SQLite drops the zone
        return value.replace(tzinfo=dt.UTC)
    return value


def deliver_pending(
    session: Session,
    sender: Sender | None = None,
    settings: DeliverySettings | None = None,
    now: dt.datetime | None = None,
) -> RunSummary:
    """Send every due message of an active endpoint; each is committed on its own."""
    if sender is None:
        http = HttpSender()
        try:
            return deliver_pending(session, http, settings, now)
        finally:
            http.close()
    settings = settings or DeliverySettings()
    summary = RunSummary()
    now = now or utcnow()
    due = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            WebhookEndpoint.active.is_(True),
        )
        .order_by(WebhookDelivery.id)
        .limit(settings.limit)
    ).all()
    lease = now + dt.timedelta(seconds=settings.timeout * 2 + 60)
    for delivery_id, due_at in due:
        # Claim the row (another run that read it too loses), then send outside any lock.
        claimed = session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.next_attempt_at == due_at)
            .values(next_attempt_at=lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
        if claimed != 1:
            continue
        delivery = session.get(WebhookDelivery, delivery_id)
        session.refresh(delivery)
        _attempt(session, delivery, sender, settings, now, summary)
        session.commit()
    return summary


def _attempt(session, delivery, sender, settings, now, summary) -> None:
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False)
    timestamp = int(utcnow().timestamp())  # the moment of sending, not the run's clock
    headers = rules.headers(endpoint.secret, delivery.message_id, timestamp, body)
    delivery.attempts += 1
    delivery.first_attempt_at = _aware(delivery.first_attempt_at) or now
    delivery.last_attempt_at = now
    error = ""
    try:
        if settings.production:
            _public_address(endpoint.url)
        response = sender(endpoint.url, body, headers, settings.timeout)
        delivery.response_status = response.status
        delivery.response_ms = int(response.elapsed * 1000)
        if response.elapsed > settings.timeout:
            error = f"timeout: answered after {response.elapsed:.1f} s"
        elif not 200 <= response.status < 300:
            error = f"HTTP {response.status}"
    except DeliveryError as failure:
        delivery.response_status = None
        delivery.response_ms = None
        error = str(failure)
    delivery.last_error = error[:2000]
    if not error:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        endpoint.failing_since = None
        summary.sent += 1
        return
    summary.failed += 1
    log.warning("Webhook %s to endpoint %s failed: %s", delivery.message_id, endpoint.id, error)
    retry = rules.next_attempt(
        delivery.first_attempt_at,
        delivery.attempts,
        now,
        base_seconds=settings.base_seconds,
        retry_hours=settings.retry_hours,
    )
    delivery.next_attempt_at = retry
    if retry is None:
        delivery.status = "failed"
        summary.gave_up += 1
        if endpoint.failing_since is None:
            endpoint.failing_since = now
            notify_failing(session, endpoint)


def owner_users(session: Session, endpoint: WebhookEndpoint) -> list[User]:
    if endpoint.owner_kind == OwnerKind.EMPLOYER:
        return notifications.employer_users(session, endpoint.owner_id)
    if endpoint.owner_kind == OwnerKind.NETWORK:
        return notifications.coordinator_users(session, endpoint.owner_id)
    users = session.scalars(
        select(User)
        .where(User.coach_organisation_id == endpoint.owner_id, User.active.is_(True))
        .order_by(User.id)
    )
    return [u for u in users if u.has_role(Role.COACH)]


def notify_failing(session: Session, endpoint: WebhookEndpoint) -> int:
    """Tell the organisation's users (in the app, and by e-mail per their setting)."""
    count = 0
    for user in owner_users(session, endpoint):
        if notifications.notify(
            session,
            user,
            "webhook_failing",
            _l("A webhook endpoint is failing"),
            _l(
                "Messages to %(url)s could not be delivered for a day. Check the receiver; "
                "the delivery log lets you send them again.",
                url=endpoint.url,
            ),
            f"/webhooks/{endpoint.id}",
        ):
            count += 1
    return count


# --- new matches -----------------------------------------------------------------------------

Matcher = Callable[[Session, Place, int, dt.date], Iterable[Any]]


def expand_matches(session: Session, matcher: Matcher, today: dt.date) -> int:
    """Turn the queued "new place" markers into ``candidate.match_new`` messages: one per
    candidate of the endpoint's coach organisation that the place fits (``matcher``
    returns those candidates). Returns the number of messages queued."""
    markers = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.status == "expand")
        .order_by(WebhookDelivery.id)
        .limit(500)
    ).all()
    count = 0
    for marker in markers:
        endpoint = marker.endpoint
        place = session.get(
            Place, int(marker.payload.get("data", {}).get("place", {}).get("id", 0))
        )
        if endpoint.active and place is not None and place.status == PlaceStatus.OPEN:
            for candidate in matcher(session, place, endpoint.owner_id, today):
                now = utcnow()
                data = {"candidate": {"id": candidate.id, "pseudonym": candidate.pseudonym}}
                data.update(place_data(place))
                session.add(
                    WebhookDelivery(
                        message_id=new_message_id(),
                        endpoint_id=endpoint.id,
                        event=rules.MATCH_NEW,
                        payload={
                            "type": rules.MATCH_NEW,
                            "timestamp": now.isoformat(),
                            "data": data,
                        },
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
                count += 1
        session.delete(marker)
        session.commit()
    return count
