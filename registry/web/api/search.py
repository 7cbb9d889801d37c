"""API: the match search for a candidate (matches, signals, near misses, each with the
per-dimension explanation) and the reverse search for a place (pseudonymous candidates).

The search package decides who may search (coach of the candidate's organisation, or a
coordinator of a network the profile is shared with) and audits it; capacity bands are
shown only to whom the permission module lets read them.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from registry.search import usecases
from registry.services import places as place_svc
from registry.web.api import Blueprint, auth, ctx, visible
from registry.web.api.schemas import StrictSchema

blp = Blueprint("search", "/search", "Match search and reverse search")


class ItemSchema(Schema):
    key = fields.String(required=True)
    kind = fields.String(required=True)
    verdict = fields.String(
        required=True, metadata={"description": "fit, signal, conflict, unknown"}
    )
    demand_band = fields.Integer(allow_none=True)
    capacity_band = fields.Integer(
        allow_none=True, metadata={"description": "only for whom may read the candidate's bands"}
    )


class ExplanationSchema(Schema):
    outcome = fields.String(required=True, metadata={"description": "match or near_miss"})
    distance_km = fields.Float(required=True)
    blockers = fields.List(fields.String(), required=True)
    past_end_week = fields.Boolean(required=True)
    full = fields.Boolean(required=True)
    at_cap = fields.Boolean(required=True)
    hours = fields.String(required=True)
    items = fields.List(fields.Nested(ItemSchema), required=True)


class PlaceHitSchema(Schema):
    place_id = fields.Integer(required=True)
    title = fields.String(required=True)
    function = fields.String()
    kind = fields.String(required=True)
    sector = fields.String()
    employer = fields.String(required=True)
    town = fields.String()
    available_until = fields.Date(allow_none=True)
    explanation = fields.Nested(ExplanationSchema, required=True)


class CandidateSearchSchema(Schema):
    candidate_id = fields.Integer(required=True)
    pseudonym = fields.String(required=True)
    profile_missing = fields.Boolean(required=True)
    profile_stale = fields.Boolean(required=True)
    matches = fields.List(fields.Nested(PlaceHitSchema), required=True)
    signals = fields.List(
        fields.Nested(PlaceHitSchema),
        required=True,
        metadata={"description": "matches with a signal that needs a recorded reason"},
    )
    near_misses = fields.List(fields.Nested(PlaceHitSchema), required=True)


class SearchQuerySchema(StrictSchema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=100))


class CandidateHitSchema(Schema):
    candidate_id = fields.Integer(required=True)
    pseudonym = fields.String(required=True)
    postcode_area = fields.String(required=True)
    profile_missing = fields.Boolean(required=True)
    explanation = fields.Nested(ExplanationSchema, required=True)


class ReverseSearchSchema(Schema):
    place_id = fields.Integer(required=True)
    candidates = fields.List(fields.Nested(CandidateHitSchema), required=True)


def explanation(result, show_capacity: bool) -> dict[str, Any]:
    c = result.comparison
    items = [
        {
            "key": r.key,
            "kind": "dimension",
            "verdict": str(r.verdict),
            "demand_band": r.demand_band,
            "capacity_band": r.capacity_band if show_capacity else None,
        }
        for r in c.dimensions
    ]
    items += [
        {"key": r.key, "kind": str(r.kind), "verdict": str(r.verdict), "demand_band": None,
         "capacity_band": None}
        for r in (*c.exposures, *c.conditions)
        if r.person
    ]  # fmt: skip
    return {
        "outcome": str(result.outcome),
        "distance_km": round(float(result.distance_km), 2),
        "blockers": [str(b.kind) + (f":{b.key}" if b.key else "") for b in result.blockers],
        "past_end_week": bool(result.past_end_week),
        "full": bool(result.full),
        "at_cap": bool(result.at_cap),
        "hours": str(c.hours.verdict),
        "items": items,
    }


def _place_hit(hit, show_capacity: bool) -> dict[str, Any]:
    p = hit.place
    return {
        "place_id": p.id,
        "title": p.title,
        "function": p.function,
        "kind": str(p.kind),
        "sector": p.sector,
        "employer": p.employer,
        "town": p.town,
        "available_until": p.available_until,
        "explanation": explanation(hit.result, show_capacity),
    }


@blp.get("/candidates/<int:candidate_id>")
@auth("search")
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, CandidateSearchSchema)
def search_for_candidate(args: dict[str, Any], candidate_id: int):
    """Places that fit the candidate, the signals and the near misses, explained."""
    found = usecases.search_for_candidate(
        ctx(), candidate_id, limit=args["limit"], record_visit=False
    )
    show = found.show_capacity
    return {
        "candidate_id": found.candidate.id,
        "pseudonym": found.candidate.pseudonym,
        "profile_missing": found.profile_missing,
        "profile_stale": bool(found.stale),
        "matches": [_place_hit(h, show) for h in found.matches],
        "signals": [_place_hit(h, show) for h in found.signals],
        "near_misses": [_place_hit(h, show) for h in found.near_misses],
    }


@blp.get("/places/<int:place_id>/candidates")
@auth("search")
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, ReverseSearchSchema)
def reverse_search(args: dict[str, Any], place_id: int):
    """Candidates (pseudonymous, with sharing consent) who fit the place."""
    visible(lambda: place_svc.get_place(ctx(), place_id))
    found = usecases.reverse_search(ctx(), place_id, limit=args["limit"])
    return {
        "place_id": found.place.id,
        "candidates": [
            {
                "candidate_id": h.candidate_id,
                "pseudonym": h.pseudonym,
                "postcode_area": h.postcode_area,
                "profile_missing": h.profile_missing,
                "explanation": explanation(h.result, False),
            }
            for h in found.hits
        ],
    }
