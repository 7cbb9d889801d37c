"""API: candidates (create, read, update, capacity profile, consents, close).

Coach tokens act for their own coach organisation. Reading returns only the field groups
the permission module lets the token's user see (``groups``): never a name outside the
coach's organisation. Every read is audited by the candidates service, naming the token.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from registry.domain import timeline
from registry.models import ConsentScope, PlaceKind, ProfileSource, TrajectoryOutcome, TravelMode
from registry.services import candidates as svc
from registry.web.api import Blueprint, auth, ctx
from registry.web.api.schemas import NetworkRefSchema, StrictSchema, ids, one_of, text

blp = Blueprint("candidates", "/candidates", "Candidates: second-track trajectories")
BAND = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=9))


class CandidateInSchema(StrictSchema):
    given_name = text(80, required=True)
    family_name = text(120, required=True)
    postcode = text(10, required=True)
    home_employer_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    first_sick_day = fields.Date(required=True)
    network_ids = ids(load_default=list)
    email = text(254, load_default="")
    phone = text(30, load_default="")
    max_km = fields.Integer(load_default=25, validate=validate.Range(min=1, max=300))
    travel_mode = one_of(TravelMode, load_default=TravelMode.PUBLIC_TRANSPORT.value)
    accepted_kinds = fields.List(
        one_of(PlaceKind), load_default=lambda: [k.value for k in PlaceKind]
    )
    preferred_sectors = fields.List(text(80), load_default=list, validate=validate.Length(max=20))
    preferred_functions = text(300, load_default="")
    hours_per_day = fields.Float(allow_none=True, validate=validate.Range(min=0, max=24))
    hours_per_week = fields.Float(allow_none=True, validate=validate.Range(min=0, max=80))
    end_week = fields.Integer(
        load_default=timeline.DEFAULT_END_WEEK, validate=validate.Range(1, 156)
    )
    end_week_reason = text(300, load_default="")
    second_track_start = fields.Date(allow_none=True)
    notes = text(4000, load_default="")


class ProfileSchema(StrictSchema):
    capacities = fields.Dict(keys=text(40), values=BAND, load_default=dict)
    avoid_exposures = fields.List(text(40), load_default=list, validate=validate.Length(max=40))
    needs_conditions = fields.List(text(40), load_default=list, validate=validate.Length(max=40))
    hours_per_day = BAND
    hours_per_week = BAND
    source = one_of(ProfileSource, allow_none=True)
    assessed_on = fields.Date(allow_none=True)
    review_on = fields.Date(allow_none=True)
    fml_version = text(40, load_default="")


class ConsentInSchema(StrictSchema):
    scope = one_of(ConsentScope, required=True)
    given_on = fields.Date(required=True)
    network_ids = ids(load_default=list)
    host_employer_id = fields.Integer(allow_none=True, validate=validate.Range(1, 2**31 - 1))
    text = text(1000, load_default="")


class ConsentSchema(Schema):
    id = fields.Integer(required=True)
    scope = fields.String(required=True)
    given_on = fields.Date()
    network_ids = fields.List(fields.Integer())
    host_employer_id = fields.Integer(allow_none=True)
    withdrawn_at = fields.DateTime(allow_none=True)


class CloseSchema(StrictSchema):
    outcome = one_of(TrajectoryOutcome, required=True)
    closed_on = fields.Date(required=True)


class EmployerRefSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class CandidateSchema(Schema):
    """One candidate as the token's user may see it; fields outside ``groups`` are null."""

    id = fields.Integer(required=True)
    pseudonym = fields.String(required=True)
    status = fields.String(required=True)
    groups = fields.List(fields.String(), required=True)
    postcode_area = fields.String(allow_none=True)
    max_km = fields.Integer(allow_none=True)
    travel_mode = fields.String(allow_none=True)
    accepted_kinds = fields.List(fields.String(), allow_none=True)
    profile_stale = fields.Boolean(allow_none=True)
    outcome = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    second_track_start = fields.Date(allow_none=True)
    networks = fields.List(fields.Nested(NetworkRefSchema), allow_none=True)
    given_name = fields.String(allow_none=True)
    family_name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    home_employer = fields.Nested(EmployerRefSchema, allow_none=True)
    notes = fields.String(allow_none=True)
    profile = fields.Nested(ProfileSchema, allow_none=True)
    consents = fields.List(fields.Nested(ConsentSchema), allow_none=True)


def _profile(profile) -> dict[str, Any] | None:
    if profile is None:
        return None
    return {k: getattr(profile, k) for k in ProfileSchema._declared_fields} | {
        "source": str(profile.source) if profile.source else None
    }


def dump_view(view: svc.CandidateView) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: getattr(view, k, None)
        for k in CandidateSchema._declared_fields
        if k not in ("groups", "networks", "home_employer", "profile", "consents")
    }
    out["status"] = str(view.status)
    out["groups"] = sorted(str(g) for g in view.groups)
    for key in ("travel_mode", "outcome"):
        out[key] = str(out[key]) if out[key] is not None else None
    out["networks"] = (
        None if view.networks is None else [{"id": n.id, "name": n.name} for n in view.networks]
    )
    employer = view.home_employer
    out["home_employer"] = None if employer is None else {"id": employer.id, "name": employer.name}
    out["profile"] = _profile(view.profile)
    out["consents"] = (
        None
        if view.consents is None
        else [
            {k: getattr(c, k) for k in ConsentSchema._declared_fields} | {"scope": str(c.scope)}
            for c in view.consents
        ]
    )
    return out


def _candidate_input(data: dict[str, Any]) -> svc.CandidateInput:
    values = dict(data)
    values["travel_mode"] = TravelMode(values["travel_mode"])
    values["network_ids"] = tuple(values.get("network_ids") or ())
    return svc.CandidateInput(**values)


def _profile_input(data: dict[str, Any]) -> svc.ProfileInput:
    values = dict(data)
    if values.get("source"):
        values["source"] = ProfileSource(values["source"])
    return svc.ProfileInput(**values)


class CandidateListQuerySchema(StrictSchema):
    status = one_of(("active", "closed", "erased", "all"), load_default="active")
    q = text(100, load_default="")
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class CandidateRowSchema(Schema):
    id = fields.Integer(required=True)
    pseudonym = fields.String(required=True)
    given_name = fields.String(allow_none=True)
    family_name = fields.String(allow_none=True)
    status = fields.String(required=True)
    profile_stale = fields.Boolean(required=True)


class CandidateListSchema(Schema):
    items = fields.List(fields.Nested(CandidateRowSchema), required=True)
    page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
    total = fields.Integer(required=True)


@blp.get("/")
@auth("candidates:read")
@blp.arguments(CandidateListQuerySchema, location="query")
@blp.response(200, CandidateListSchema)
def list_candidates(args: dict[str, Any]):
    """The coach organisation's own candidates, most urgent first, 50 a page (audited)."""
    found = svc.list_candidates(
        ctx(), svc.ListFilters(status=args["status"], q=args["q"], page=args["page"])
    )
    return {
        "items": [
            {
                "id": r.candidate.id,
                "pseudonym": r.candidate.pseudonym,
                "given_name": r.candidate.given_name,
                "family_name": r.candidate.family_name,
                "status": str(r.candidate.status),
                "profile_stale": bool(r.stale),
            }
            for r in found.rows
        ],
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
    }


@blp.post("/")
@auth("candidates:write")
@blp.arguments(CandidateInSchema)
@blp.response(201, CandidateSchema)
def create_candidate(data: dict[str, Any]):
    """Register a candidate of the token's coach organisation."""
    candidate = svc.register_candidate(ctx(), _candidate_input(data))
    return dump_view(svc.get_candidate(ctx(), candidate.id))


@blp.get("/<int:candidate_id>")
@auth("candidates:read")
@blp.response(200, CandidateSchema)
def read_candidate(candidate_id: int):
    """The candidate as the token's user may see it (audited)."""
    return dump_view(svc.get_candidate(ctx(), candidate_id))


@blp.put("/<int:candidate_id>")
@auth("candidates:write")
@blp.arguments(CandidateInSchema)
@blp.response(200, CandidateSchema)
def update_candidate(data: dict[str, Any], candidate_id: int):
    svc.update_candidate(ctx(), candidate_id, _candidate_input(data))
    return dump_view(svc.get_candidate(ctx(), candidate_id))


@blp.post("/<int:candidate_id>/profile")
@auth("candidates:write")
@blp.arguments(ProfileSchema)
@blp.response(201, ProfileSchema)
def save_profile(data: dict[str, Any], candidate_id: int):
    """Record a new capacity profile (the earlier one stays as history)."""
    return _profile(svc.save_profile(ctx(), candidate_id, _profile_input(data)))


@blp.post("/<int:candidate_id>/consents")
@auth("candidates:write")
@blp.arguments(ConsentInSchema)
@blp.response(201, ConsentSchema)
def record_consent(data: dict[str, Any], candidate_id: int):
    """Record a consent the candidate gave (share the profile, introduce, home employer)."""
    values = dict(data) | {"scope": ConsentScope(data["scope"])}
    values["network_ids"] = tuple(values["network_ids"])
    consent = svc.record_consent(ctx(), candidate_id, svc.ConsentInput(**values))
    return {k: getattr(consent, k) for k in ConsentSchema._declared_fields} | {
        "scope": str(consent.scope)
    }


@blp.post("/<int:candidate_id>/consents/<int:consent_id>/withdraw")
@auth("candidates:write")
@blp.response(200, ConsentSchema)
def withdraw_consent(candidate_id: int, consent_id: int):
    consent = svc.withdraw_consent(ctx(), candidate_id, consent_id)
    return {k: getattr(consent, k) for k in ConsentSchema._declared_fields} | {
        "scope": str(consent.scope)
    }


@blp.post("/<int:candidate_id>/close")
@auth("candidates:write")
@blp.arguments(CloseSchema)
@blp.response(200, CandidateSchema)
def close_candidate(data: dict[str, Any], candidate_id: int):
    """Close the trajectory with its outcome."""
    svc.close_trajectory(ctx(), candidate_id, TrajectoryOutcome(data["outcome"]), data["closed_on"])
    return dump_view(svc.get_candidate(ctx(), candidate_id))
