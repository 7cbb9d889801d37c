"""Webhook events (issue 18): the services call :func:`emit` inside the transaction of the
change they report, so an outbox row exists exactly when the change was committed.

One row per subscribed endpoint, with the payload that endpoint's organisation may see:
the placement's parties by the permission rules (``placement_parties``,
``home_employer_visible``, ``visible_fields``), the candidate's name only where the
organisation's own pages show it (its coach organisation; the host once the candidate
consented to the introduction, audited as on the page). ``flask --app registry webhooks
deliver`` sends them (registry.services.webhooks).
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from registry.domain import webhooks as rules
from registry.domain.permissions import (
    Actor,
    PlacementFacts,
    Role,
    home_employer_visible,
    placement_parties,
)
from registry.domain.placement import Party
from registry.models import Membership, MembershipStatus, Place, Placement
from registry.models.base import utcnow
from registry.models.webhooks import WebhookDelivery, WebhookEndpoint

OwnerKind = rules.OwnerKind


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def owner_actor(session: Session, kind: str, owner_id: int) -> Actor:
    """The organisation as the permission rules see one of its users with the matching
    role: what its pages show is what its endpoints hear."""
    if kind == OwnerKind.COACH_ORGANISATION:
        return Actor(0, frozenset({Role.COACH}), coach_organisation_id=owner_id)
    if kind == OwnerKind.NETWORK:
        return Actor(
            0, frozenset({Role.COORDINATOR}), coordinated_network_ids=frozenset({owner_id})
        )
    networks = session.scalars(
        select(Membership.network_id).where(
            Membership.employer_id == owner_id, Membership.status == MembershipStatus.ADMITTED
        )
    )
    return Actor(
        0,
        frozenset({Role.EMPLOYER}),
        employer_ids=frozenset({owner_id}),
        member_network_ids=frozenset(networks),
    )


def _endpoints(session: Session, event: str, owners: list[tuple[str, int]]) -> list:
    if not owners:
        return []
    found = session.scalars(
        select(WebhookEndpoint)
        .where(
            WebhookEndpoint.active.is_(True),
            or_(
                *(
                    and_(WebhookEndpoint.owner_kind == k, WebhookEndpoint.owner_id == i)
                    for k, i in owners
                )
            ),
        )
        .order_by(WebhookEndpoint.id)
    )
    return [e for e in found if event in (e.events or ())]


def _queue(session: Session, endpoint: WebhookEndpoint, event: str, data: dict, **kw) -> None:
    now = utcnow()
    session.add(
        WebhookDelivery(
            message_id=new_message_id(),
            endpoint_id=endpoint.id,
            event=event,
            payload={"type": event, "timestamp": now.isoformat(), "data": data},
            created_at=now,
            next_attempt_at=now,
            **kw,
        )
    )


def emit(session: Session, event: str, obj: Placement | Place, introduced: bool = False) -> int:
    """Queue ``event`` about ``obj`` (a placement or a place) for every endpoint that
    subscribed to it and may hear it; returns the number of rows queued. Events outside
    the catalogue (e.g. ``placement.withdrawn``) queue nothing. ``introduced``: the
    placement's introduction counts (registry.services.placements.introduced)."""
    if event not in rules.EVENTS:
        return 0
    if isinstance(obj, Placement):
        return _placement(session, event, obj, introduced)
    return _place(session, event, obj)


# --- placements ------------------------------------------------------------------------------


def _placement(session: Session, event: str, placement: Placement, introduced: bool) -> int:
    owners = [
        (OwnerKind.COACH_ORGANISATION, placement.coach_organisation_id),
        (OwnerKind.EMPLOYER, placement.host_employer_id),
        (OwnerKind.EMPLOYER, placement.home_employer_id),
        (OwnerKind.NETWORK, placement.network_id),
    ]
    facts = PlacementFacts(
        network_id=placement.network_id,
        host_employer_id=placement.host_employer_id,
        home_employer_id=placement.home_employer_id,
        coach_organisation_id=placement.coach_organisation_id,
    )
    count = 0
    for endpoint in _endpoints(session, event, owners):
        actor = owner_actor(session, endpoint.owner_kind, endpoint.owner_id)
        parties = placement_parties(actor, facts)
        if not parties:
            continue
        data = placement_data(session, placement, actor, parties, introduced)
        _queue(session, endpoint, event, data)
        count += 1
    return count


def _named(placement: Placement, parties: frozenset[Party], introduced: bool) -> bool:
    """The page's rule (placements.identity): the coach's organisation sees the name, the
    host once it accepted and the candidate consented to the introduction."""
    candidate = placement.candidate
    if candidate.given_name is None:  # erased
        return False
    return Party.COACH in parties or (Party.HOST in parties and introduced)


def placement_data(
    session: Session,
    placement: Placement,
    actor: Actor,
    parties: frozenset[Party],
    introduced: bool,
) -> dict[str, Any]:
    """What this organisation's placement page shows, as ids and plain values."""
    candidate = placement.candidate
    place = placement.place
    person: dict[str, Any] = {"pseudonym": candidate.pseudonym}
    if Party.COACH in parties:  # the candidate's own organisation knows the record
        person["id"] = candidate.id
    if _named(placement, parties, introduced):
        person["given_name"] = candidate.given_name
        person["family_name"] = candidate.family_name
        if Party.COACH not in parties:  # a reveal to the host is audited, as on the page
            from registry.models import AuditEvent

            session.add(
                AuditEvent(
                    at=utcnow(),
                    actor_id=None,
                    action="candidate.identity_revealed",
                    object_type="candidate",
                    object_id=candidate.id,
                    detail={
                        "placement_id": placement.id,
                        "host_employer_id": placement.host_employer_id,
                        "via": "webhook",
                    },
                )
            )
    data: dict[str, Any] = {
        "placement": {
            "id": placement.id,
            "status": _value(placement.status),
            "network_id": placement.network_id,
            "proposed_at": _iso(placement.proposed_at),
            "planned_start": _iso(placement.planned_start),
            "started_on": _iso(placement.started_on),
            "ended_on": _iso(placement.ended_on),
            "outcome": _value(placement.outcome),
            "decline_reason": _value(placement.decline_reason),
            "end_reason": _value(placement.end_reason),
            "introduced": introduced,
        },
        "place": {"id": place.id, "title": place.title, "kind": _value(place.kind)},
        "host_employer": {"id": placement.host_employer_id, "name": placement.host_employer.name},
        "candidate": person,
    }
    if home_employer_visible(parties, introduced=introduced):
        home = placement.home_employer
        data["home_employer"] = {"id": placement.home_employer_id, "name": home.name}
    return data


# --- places ----------------------------------------------------------------------------------


def place_data(place: Place) -> dict[str, Any]:
    """What a published place shows to the host, its networks and the coaches."""
    return {
        "place": {
            "id": place.id,
            "title": place.title,
            "kind": _value(place.kind),
            "status": _value(place.status),
            "town": place.town,
            "postcode_area": (place.postcode or "")[:4],
            "slots": place.slots,
            "free_slots": max(0, place.slots - (place.taken_slots or 0)),
            "available_from": _iso(place.available_from),
            "available_until": _iso(place.available_until),
            "network_ids": sorted(n.id for n in place.networks),
        },
        "host_employer": {"id": place.employer_id, "name": place.employer.name},
    }


def _place(session: Session, event: str, place: Place) -> int:
    network_ids = sorted(n.id for n in place.networks)
    owners = [(OwnerKind.EMPLOYER, place.employer_id)]
    owners += [(OwnerKind.NETWORK, n) for n in network_ids]
    endpoints = _endpoints(session, event, owners)
    if event == "place.published":
        coaches = session.scalars(
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.active.is_(True),
                WebhookEndpoint.owner_kind == OwnerKind.COACH_ORGANISATION,
            )
            .order_by(WebhookEndpoint.id)
        ).all()
        endpoints += [e for e in coaches if event in (e.events or ())]
        for endpoint in coaches:  # matched against the candidates by the delivery run
            if rules.MATCH_NEW in (endpoint.events or ()):
                _queue(
                    session,
                    endpoint,
                    rules.MATCH_NEW,
                    {"place": {"id": place.id}},
                    status="expand",
                )
    data = place_data(place)
    for endpoint in endpoints:
        _queue(session, endpoint, event, data)
    return len(endpoints)


def _value(value: object) -> object:
    return getattr(value, "value", value)


def _iso(value: object) -> str | None:
    return value.isoformat() if value is not None else None  # type: ignore[attr-defined]
