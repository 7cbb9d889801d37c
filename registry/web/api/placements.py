"""API: placements (propose, accept, decline, withdraw, introduce, start, complete, with
their history) and their documents as PDF downloads.

The placements service and its state machine decide who may take which step; a
placement the token's user is no party to is a 404. The candidate's identity and the
home employer appear only where the pages would show them.
"""

from __future__ import annotations

from typing import Any

from flask import make_response
from marshmallow import Schema, fields, validate

from registry.domain.placement import Outcome, Party, Status
from registry.services import documents
from registry.services import placements as svc
from registry.web.api import Blueprint, auth, ctx, visible
from registry.web.api.schemas import ReasonSchema, StrictSchema, one_of, text

blp = Blueprint("placements", "/placements", "Placements and their lifecycle")


class RefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class IdentitySchema(Schema):
    pseudonym = fields.String(required=True)
    revealed = fields.Boolean(required=True)
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)


class TransitionSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    party = fields.String(allow_none=True)
    at = fields.DateTime(required=True)
    reason = fields.String(allow_none=True)
    outcome = fields.String(allow_none=True)


class PlacementSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    candidate_id = fields.Integer(allow_none=True, metadata={"description": "coach only"})
    candidate = fields.Nested(IdentitySchema, required=True)
    place = fields.Nested(RefSchema, required=True)
    network = fields.Nested(RefSchema, required=True)
    host_employer = fields.Nested(RefSchema, required=True)
    home_employer = fields.Nested(RefSchema, allow_none=True)
    parties = fields.List(fields.String(), required=True)
    allowed_moves = fields.List(fields.String(), required=True)
    introduced = fields.Boolean(required=True)
    proposed_at = fields.DateTime(required=True)
    planned_start = fields.Date(allow_none=True)
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    outcome = fields.String(allow_none=True)
    distance_km = fields.Float(allow_none=True)
    history = fields.List(fields.Nested(TransitionSchema), required=True)


class ProposeSchema(StrictSchema):
    candidate_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    place_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    motivation = text(2000, required=True)
    signal_reasons = fields.Dict(keys=text(40), values=text(500), load_default=dict)
    confirm_past_end = fields.Boolean(load_default=False)
    network_id = fields.Integer(allow_none=True, validate=validate.Range(1, 2**31 - 1))
    planned_start = fields.Date(allow_none=True)
    hours_per_week = fields.Float(allow_none=True, validate=validate.Range(min=0, max=60))


class IntroduceSchema(StrictSchema):
    given_on = fields.Date(allow_none=True)
    planned_on = fields.Date(allow_none=True)


class OnSchema(StrictSchema):
    on = fields.Date(allow_none=True, metadata={"description": "default: today"})


class CompleteSchema(OnSchema):
    outcome = one_of(Outcome, required=True)


class DocumentQuerySchema(StrictSchema):
    lang = one_of(("nl", "en"), load_default="nl")


def _ref(obj) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.id, "name": getattr(obj, "name", None) or obj.title}


def dump(p) -> dict[str, Any]:
    c = ctx()
    acting = svc.parties(c, p)
    who = svc.identity(c, p)
    return {
        "id": p.id,
        "status": str(p.status),
        "candidate_id": p.candidate_id if Party.COACH in acting else None,
        "candidate": {
            "pseudonym": who.pseudonym,
            "revealed": who.revealed,
            "name": who.name,
            "email": who.email,
            "phone": who.phone,
        },
        "place": {"id": p.place.id, "name": p.place.title},
        "network": _ref(p.network),
        "host_employer": _ref(p.host_employer),
        "home_employer": _ref(p.home_employer) if svc.shows_home_employer(c, p) else None,
        "parties": sorted(str(x) for x in acting),
        "allowed_moves": [str(m) for m in svc.allowed_moves(c, p)],
        "introduced": svc.introduced(p),
        "proposed_at": p.proposed_at,
        "planned_start": p.planned_start,
        "started_on": p.started_on,
        "ended_on": p.ended_on,
        "outcome": str(p.outcome) if p.outcome else None,
        "distance_km": p.distance_km,
        "history": [
            {
                "from_status": str(t.from_status) if t.from_status else None,
                "to_status": str(t.to_status),
                "party": str(t.party) if t.party else None,
                "at": t.at,
                "reason": t.reason,
                "outcome": str(t.outcome) if t.outcome else None,
            }
            for t in p.transitions
        ],
    }


def _seen(placement_id: int):
    return visible(lambda: svc.get_placement(ctx(), placement_id))


def _after(placement_id: int) -> dict[str, Any]:
    return dump(svc.get_placement(ctx(), placement_id))


class PlacementRowSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    pseudonym = fields.String(required=True)
    place = fields.Nested(RefSchema, required=True)
    network = fields.Nested(RefSchema, required=True)
    host_employer = fields.Nested(RefSchema, required=True)
    proposed_at = fields.DateTime(required=True)
    started_on = fields.Date(allow_none=True)
    ended_on = fields.Date(allow_none=True)


class PlacementListSchema(Schema):
    items = fields.List(fields.Nested(PlacementRowSchema), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)


class PlacementListQuerySchema(StrictSchema):
    status = fields.List(one_of(Status), load_default=list, validate=validate.Length(max=8))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


@blp.get("/")
@auth("placements:read")
@blp.arguments(PlacementListQuerySchema, location="query")
@blp.response(200, PlacementListSchema)
def list_placements(args: dict[str, Any]):
    """The placements the token's user is a party to, newest first, 50 a page."""
    statuses = tuple(Status(s) for s in args["status"]) or None
    found = svc.placements_page(ctx(), statuses, args["page"])
    return {
        "items": [
            {
                "id": p.id,
                "status": str(p.status),
                "pseudonym": p.candidate.pseudonym,
                "place": {"id": p.place.id, "name": p.place.title},
                "network": _ref(p.network),
                "host_employer": _ref(p.host_employer),
                "proposed_at": p.proposed_at,
                "started_on": p.started_on,
                "ended_on": p.ended_on,
            }
            for p in found.items
        ],
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
    }


@blp.post("/")
@auth("placements:write")
@blp.arguments(ProposeSchema)
@blp.response(201, PlacementSchema)
def propose(data: dict[str, Any]):
    """A coach proposes a candidate of their organisation for a place."""
    placement = svc.propose(ctx(), svc.ProposalInput(**data))
    return _after(placement.id)


@blp.get("/<int:placement_id>")
@auth("placements:read")
@blp.response(200, PlacementSchema)
def read_placement(placement_id: int):
    """The placement with its history, as the token's user's party sees it."""
    return dump(_seen(placement_id))


@blp.post("/<int:placement_id>/accept")
@auth("placements:write")
@blp.response(200, PlacementSchema)
def accept(placement_id: int):
    """The host accepts the proposal (reserves a slot)."""
    _seen(placement_id)
    svc.accept(ctx(), placement_id)
    return _after(placement_id)


@blp.post("/<int:placement_id>/decline")
@auth("placements:write")
@blp.arguments(ReasonSchema)
@blp.response(200, PlacementSchema)
def decline(data: dict[str, Any], placement_id: int):
    _seen(placement_id)
    svc.decline(ctx(), placement_id, data.get("reason"), data["text"])
    return _after(placement_id)


@blp.post("/<int:placement_id>/withdraw")
@auth("placements:write")
@blp.arguments(ReasonSchema)
@blp.response(200, PlacementSchema)
def withdraw(data: dict[str, Any], placement_id: int):
    _seen(placement_id)
    svc.withdraw(ctx(), placement_id, data.get("reason"), data["text"])
    return _after(placement_id)


@blp.post("/<int:placement_id>/introduce")
@auth("placements:write")
@blp.arguments(IntroduceSchema)
@blp.response(200, PlacementSchema)
def introduce(data: dict[str, Any], placement_id: int):
    """The coach records the candidate's consent to the introduction to the host."""
    _seen(placement_id)
    svc.introduce(ctx(), placement_id, svc.IntroductionInput(**data))
    return _after(placement_id)


@blp.post("/<int:placement_id>/start")
@auth("placements:write")
@blp.arguments(OnSchema)
@blp.response(200, PlacementSchema)
def start(data: dict[str, Any], placement_id: int):
    _seen(placement_id)
    svc.start(ctx(), placement_id, data.get("on"))
    return _after(placement_id)


@blp.post("/<int:placement_id>/complete")
@auth("placements:write")
@blp.arguments(CompleteSchema)
@blp.response(200, PlacementSchema)
def complete(data: dict[str, Any], placement_id: int):
    """Complete a running placement with its outcome (posts the reciprocity ledger)."""
    _seen(placement_id)
    svc.complete(ctx(), placement_id, data["outcome"], data.get("on"))
    return _after(placement_id)


class EndEarlySchema(ReasonSchema):
    on = fields.Date(allow_none=True, metadata={"description": "default: today"})


@blp.post("/<int:placement_id>/cancel")
@auth("placements:write")
@blp.arguments(ReasonSchema)
@blp.response(200, PlacementSchema)
def cancel(data: dict[str, Any], placement_id: int):
    """An accepted placement does not start after all (frees the slot)."""
    _seen(placement_id)
    svc.cancel(ctx(), placement_id, data.get("reason"), data["text"])
    return _after(placement_id)


@blp.post("/<int:placement_id>/end-early")
@auth("placements:write")
@blp.arguments(EndEarlySchema)
@blp.response(200, PlacementSchema)
def end_early(data: dict[str, Any], placement_id: int):
    """A running placement ends before its time, with the reason."""
    _seen(placement_id)
    svc.end_early(ctx(), placement_id, data.get("reason"), data["text"], data.get("on"))
    return _after(placement_id)


@blp.get("/<int:placement_id>/documents/<any(agreement,evaluation,certificate):kind>.pdf")
@auth("placements:read")
@blp.arguments(DocumentQuerySchema, location="query")
@blp.response(200, content_type="application/pdf", description="The document as PDF")
def document(args: dict[str, Any], placement_id: int, kind: str):
    """The three-party agreement, the host's evaluation or the certificate of experience."""
    _seen(placement_id)
    pdf, filename = documents.render(ctx(), placement_id, kind, args["lang"])
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
