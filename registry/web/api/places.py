"""API: places (list with cursor pagination, read, create, update, confirm, pause, close).

Employer tokens act for their own employer (scope ``own``), coordinator tokens curate the
places offered to their networks (scope ``curation``); the places service decides.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from registry.domain.permissions import Role
from registry.domain.workload import Demand
from registry.models import PlaceKind, PlaceStatus
from registry.services import places as svc
from registry.web.api import Blueprint, auth, ctx, decode_cursor, encode_cursor, visible
from registry.web.api.schemas import (
    ListMetaSchema,
    NetworkRefSchema,
    StrictSchema,
    ids,
    one_of,
    text,
)

blp = Blueprint("places", "/places", "Places: internships, work-experience places, secondments")
PAGE = 50


class DemandSchema(StrictSchema):
    band = fields.Integer(allow_none=True, required=True, validate=validate.Range(min=0, max=9))
    incidental = fields.Boolean(load_default=False)
    adjustable = fields.Boolean(load_default=False)


class PlaceSchema(Schema):
    id = fields.Integer(required=True)
    employer_id = fields.Integer(required=True)
    employer_name = fields.String(required=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    title = fields.String(required=True)
    function = fields.String()
    sector = fields.String()
    description = fields.String()
    postcode = fields.String()
    town = fields.String()
    slots = fields.Integer()
    taken_slots = fields.Integer()
    min_hours_week = fields.Integer(allow_none=True)
    usual_hours_week = fields.Integer(allow_none=True)
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    ongoing = fields.Boolean()
    intake_cap_per_month = fields.Integer(allow_none=True)
    completeness = fields.Float()
    last_confirmed_at = fields.DateTime(allow_none=True)
    networks = fields.List(fields.Nested(NetworkRefSchema))
    demands = fields.Dict(keys=fields.String(), values=fields.Dict())
    exposures = fields.List(fields.String(), allow_none=True)
    offers_conditions = fields.List(fields.String(), allow_none=True)
    external_ref = fields.String(allow_none=True)


class PlaceListSchema(ListMetaSchema):
    items = fields.List(fields.Nested(PlaceSchema), required=True)


class PlaceQuerySchema(StrictSchema):
    scope = one_of(
        ("own", "curation"), metadata={"description": "default: own for employer tokens"}
    )
    network_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    employer_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    kind = one_of(PlaceKind)
    status = one_of(PlaceStatus)
    q = text(80)
    cursor = text(40)


class PlaceInSchema(StrictSchema):
    kind = one_of(PlaceKind, required=True)
    title = text(200, required=True)
    network_ids = ids(required=True)
    function = text(200, load_default="")
    sector = text(80, load_default="")
    description = text(4000, load_default="")
    postcode = text(10, load_default="")
    house_number = text(10, load_default="")
    slots = fields.Integer(load_default=1, validate=validate.Range(min=0, max=999))
    min_hours_week = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=60))
    usual_hours_week = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=60))
    lower_start_allowed = fields.Boolean(load_default=False)
    available_from = fields.Date(allow_none=True)
    available_until = fields.Date(allow_none=True)
    ongoing = fields.Boolean(load_default=True)
    typical_weeks = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=104))
    intake_cap_per_month = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=99))
    contact_name = text(120, load_default="")
    contact_email = text(254, load_default="")
    contact_phone = text(40, load_default="")
    demands = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Nested(DemandSchema),
        load_default=dict,
    )
    exposures = fields.List(text(40), allow_none=True, load_default=None)
    offers_conditions = fields.List(text(40), allow_none=True, load_default=None)
    external_ref = text(64, allow_none=True, load_default=None)


class PlaceCreateSchema(PlaceInSchema):
    employer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    submit = fields.Boolean(load_default=False, metadata={"description": "offer it at once"})


def dump(place) -> dict[str, Any]:
    return {
        **{k: getattr(place, k) for k in PlaceSchema._declared_fields if hasattr(place, k)},
        "kind": str(place.kind),
        "status": str(place.status),
        "employer_name": place.employer.name if place.employer else "",
        "networks": [{"id": n.id, "name": n.name} for n in place.networks],
        "demands": dict(place.demands or {}),
    }


def to_input(data: dict[str, Any]) -> svc.PlaceInput:
    values = {k: v for k, v in data.items() if k not in ("employer_id", "submit")}
    values["network_ids"] = tuple(values.get("network_ids") or ())
    values["demands"] = {
        k: Demand(d["band"], d.get("incidental", False), d.get("adjustable", False))
        for k, d in (values.get("demands") or {}).items()
        if d.get("band") is not None
    }
    for key in ("exposures", "offers_conditions"):
        if values.get(key) is not None:
            values[key] = frozenset(values[key])
    return svc.PlaceInput(**values)


@blp.get("/")
@auth("places:read")
@blp.arguments(PlaceQuerySchema, location="query")
@blp.response(200, PlaceListSchema)
def list_places(args: dict[str, Any]):
    """The places the token's user may list: an employer's own, or a coordinator's
    network's (``scope=curation``), in id order, 50 at a time."""
    c = ctx()
    actor = c.actor
    scope = args.get("scope") or ("own" if actor and actor.is_(Role.EMPLOYER) else "curation")
    filters = svc.PlaceFilters(
        network_id=args.get("network_id"),
        employer_id=args.get("employer_id"),
        kind=args.get("kind", ""),
        status=args.get("status", ""),
        q=args.get("q", ""),
    )
    items = svc.places_after(c, filters, scope, decode_cursor(args.get("cursor")), PAGE + 1)
    more = len(items) > PAGE
    items = items[:PAGE]
    return {
        "items": [dump(p) for p in items],
        "next_cursor": encode_cursor(items[-1].id) if more else None,
    }


@blp.get("/<int:place_id>")
@auth("places:read")
@blp.response(200, PlaceSchema)
def read_place(place_id: int):
    return dump(visible(lambda: svc.get_place(ctx(), place_id)))


@blp.post("/")
@auth("places:write")
@blp.arguments(PlaceCreateSchema)
@blp.response(201, PlaceSchema)
def create_place(data: dict[str, Any]):
    """Post a place for an employer (a draft, or offered at once with ``submit``)."""
    place = svc.create_place(ctx(), data["employer_id"], to_input(data), submit=data["submit"])
    return dump(place)


@blp.put("/<int:place_id>")
@auth("places:write")
@blp.arguments(PlaceInSchema)
@blp.response(200, PlaceSchema)
def update_place(data: dict[str, Any], place_id: int):
    """Replace a place's content (saving an open place confirms it)."""
    visible(lambda: svc.get_place(ctx(), place_id))
    return dump(svc.update_place(ctx(), place_id, to_input(data)))


def _move(place_id: int, action) -> dict[str, Any]:
    visible(lambda: svc.get_place(ctx(), place_id))
    return dump(action(ctx(), place_id))


@blp.post("/<int:place_id>/confirm")
@auth("places:write")
@blp.response(200, PlaceSchema)
def confirm_place(place_id: int):
    """The place is still current (a place the sweep paused opens again)."""
    return _move(place_id, svc.confirm_place)


@blp.post("/<int:place_id>/pause")
@auth("places:write")
@blp.response(200, PlaceSchema)
def pause_place(place_id: int):
    """Pause the place (its employer, or a coordinator curating it)."""
    return _move(place_id, svc.pause_place)


@blp.post("/<int:place_id>/close")
@auth("places:write")
@blp.response(200, PlaceSchema)
def close_place(place_id: int):
    """Close the place (its employer, or a coordinator curating it)."""
    return _move(place_id, svc.close_place)


@blp.post("/<int:place_id>/submit")
@auth("places:write")
@blp.response(200, PlaceSchema)
def submit_place(place_id: int):
    """Offer a draft: open at once, or submitted when a network reviews new places."""
    return _move(place_id, svc.submit_place)
