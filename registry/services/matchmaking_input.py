"""What a matchmaking round is solved on: its candidates, places and match pairs.

Candidates: active, a current capacity profile, a known home area, an active consent to
share the profile in the round's network (which their search uses), coached by a taking
part organisation, in the region (when one is chosen), and without an open proposal or
placement. Places: open, offered to the network, in the region, period not ended, with
room (free slots, within what is left of the host's intake cap this month). Pairs: every
match (:func:`registry.search.pairs.match_pairs`) except the excluded ones: declined or
withdrawn before, suggested and declined, or excluded by the coordinator.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select

from registry.domain import matchmaking as mm
from registry.domain import timeline
from registry.geodata import default_directory
from registry.models import (
    Candidate,
    Place,
    Placement,
    PlaceStatus,
    TrajectoryStatus,
    candidate_networks,
    place_networks,
)
from registry.models.matchmaking import MatchSuggestion, SuggestionStatus
from registry.search.codec import conflict_bits, demand_facts_of, encode_match_code
from registry.search.pairs import PlaceArrays, match_pairs
from registry.search.usecases import candidate_search_facts
from registry.services import candidates as cands
from registry.services import ledger as ledger_service
from registry.services.context import Context

OPEN = ("proposed", "accepted", "started")
DECLINED = ("declined", "withdrawn")


def province_of(postcode: str | None) -> str:
    area = default_directory().lookup((postcode or "")[:4])
    return area.province if area else ""


def regions() -> list[str]:
    """The provinces a round may be limited to."""
    return sorted({a.province for a in default_directory().areas() if a.province})


@dataclass
class RoundData:
    candidates: list[Candidate]
    places: list[Place]
    capacity: list[int]
    balance: dict[int, int]  # employer id -> hosted minus sent in the network
    pairs: Any  # registry.search.pairs.Pairs
    weeks_left: list[int]
    max_km: list[float]
    excluded_pairs: int
    searches: list[Any]  # the candidates' SearchFacts
    codes: list[str]  # the places' match codes


def _candidates(ctx: Context, network_id: int, org_ids: list[int], region: str) -> list[Candidate]:
    shared = cands.shared_candidate_ids(ctx, {network_id})
    busy = select(Placement.candidate_id).where(Placement.status.in_(OPEN))
    query = (
        select(Candidate)
        .where(
            Candidate.id.in_(shared or {0}),
            Candidate.status == TrajectoryStatus.ACTIVE,
            Candidate.coach_organisation_id.in_(org_ids or [0]),
            Candidate.lat.is_not(None),
            Candidate.id.in_(
                select(candidate_networks.c.candidate_id).where(
                    candidate_networks.c.network_id == network_id
                )
            ),
            Candidate.id.not_in(busy),
        )
        .order_by(Candidate.id)
    )
    out = []
    for c in ctx.session.scalars(query):
        if cands.current_profile(c) is None:
            continue
        if region and province_of(c.postcode_area) != region:
            continue
        out.append(c)
    return out


def _places(ctx: Context, network_id: int, region: str) -> tuple[list[Place], list[int]]:
    today = ctx.today()
    month = dt.datetime(today.year, today.month, 1, tzinfo=dt.UTC)
    query = (
        select(Place)
        .where(
            Place.status == PlaceStatus.OPEN,
            Place.slots > Place.taken_slots,
            Place.id.in_(
                select(place_networks.c.place_id).where(place_networks.c.network_id == network_id)
            ),
            (Place.available_until.is_(None)) | (Place.available_until >= today),
        )
        .order_by(Place.id)
    )
    places = [
        p for p in ctx.session.scalars(query) if not region or province_of(p.postcode) == region
    ]
    counts = dict(
        ctx.session.execute(
            select(Placement.place_id, func.count(Placement.id))
            .where(Placement.place_id.in_([p.id for p in places] or [0]))
            .where(Placement.proposed_at >= month)
            .group_by(Placement.place_id)
        ).all()
    )
    kept, capacity = [], []
    for p in places:
        room = p.slots - p.taken_slots
        if p.intake_cap_per_month is not None:
            room = min(room, p.intake_cap_per_month - counts.get(p.id, 0))
        if room > 0:
            kept.append(p)
            capacity.append(room)
    return kept, capacity


def _excluded(ctx: Context, cand_ids: list[int], extra: list[list[int]]) -> set[tuple[int, int]]:
    """(candidate, place) pairs that are never suggested."""
    out = {(int(c), int(p)) for c, p in extra}
    if not cand_ids:
        return out
    rows = ctx.session.execute(
        select(Placement.candidate_id, Placement.place_id).where(
            Placement.candidate_id.in_(cand_ids), Placement.status.in_(DECLINED)
        )
    ).all()
    rows += ctx.session.execute(
        select(MatchSuggestion.candidate_id, MatchSuggestion.place_id).where(
            MatchSuggestion.candidate_id.in_(cand_ids),
            MatchSuggestion.status == SuggestionStatus.DECLINED,
        )
    ).all()
    return out | {(c, p) for c, p in rows}


def load(
    ctx: Context, network_id: int, org_ids: list[int], region: str, exclusions: list[list[int]]
) -> RoundData:
    """Everything the round is solved on (see the module docstring)."""
    today = ctx.today()
    candidates = _candidates(ctx, network_id, org_ids, region)
    places, capacity = _places(ctx, network_id, region)
    searches = [candidate_search_facts(c, cands.current_profile(c), today) for c in candidates]
    codes = [encode_match_code(demand_facts_of(p)) for p in places]
    arrays = PlaceArrays.build(
        [p.lat for p in places],
        [p.lon for p in places],
        [p.kind.value for p in places],
        [p.employer_id for p in places],
        [p.available_until.toordinal() if p.available_until else None for p in places],
        [p.min_hours_week for p in places],
        [p.usual_hours_week for p in places],
        [p.lower_start_allowed for p in places],
        codes,
        [conflict_bits(c) for c in codes],
    )
    pairs = match_pairs(arrays, searches)
    excluded = _excluded(ctx, [c.id for c in candidates], exclusions)
    keep = np.array(
        [
            (candidates[c].id, places[p].id) not in excluded
            for c, p in zip(pairs.cand.tolist(), pairs.place.tolist(), strict=True)
        ],
        dtype=bool,
    )
    if keep.size:
        for name in ("cand", "place", "distance", "signals", "unknowns", "slack"):
            setattr(pairs, name, getattr(pairs, name)[keep])
    balances = ledger_service.balances(ctx.session, network_id)
    balance = {emp: b.balance_placements for (net, emp), b in balances.items() if net == network_id}
    weeks = [c.end_week - timeline.week_number(c.first_sick_day, today) for c in candidates]
    return RoundData(
        candidates,
        places,
        capacity,
        balance,
        pairs,
        weeks,
        [float(c.max_km or 0) for c in candidates],
        int((~keep).sum()) if keep.size else 0,
        searches,
        codes,
    )


def problem_of(
    data: RoundData, weights: mm.Weights, options: int, locks: list[list[int]]
) -> tuple[mm.Problem, mm.Terms, list[list[int]]]:
    """The round's problem; returns also the locks that still are pairs of the round."""
    pairs = data.pairs
    index = {
        (data.candidates[c].id, data.places[p].id): i
        for i, (c, p) in enumerate(zip(pairs.cand.tolist(), pairs.place.tolist(), strict=True))
    }
    locked = np.zeros(len(pairs), dtype=bool)
    per_c: dict[int, int] = {}
    room = list(data.capacity)
    kept = []
    for cid, pid in locks:
        i = index.get((int(cid), int(pid)))
        if i is None:
            continue
        c, p = int(pairs.cand[i]), int(pairs.place[i])
        if per_c.get(c, 0) < options and room[p] > 0:
            locked[i] = True
            per_c[c] = per_c.get(c, 0) + 1
            room[p] -= 1
            kept.append([int(cid), int(pid)])
    problem, terms = mm.build_problem(
        weights,
        weeks_left=np.array(data.weeks_left, dtype=np.int64),
        max_km=np.array(data.max_km, dtype=np.float64),
        limit=np.full(len(data.candidates), options, dtype=np.int64),
        capacity=np.array(data.capacity, dtype=np.int64),
        host_balance=np.array([data.balance.get(p.employer_id, 0) for p in data.places]),
        pair_c=pairs.cand,
        pair_p=pairs.place,
        distance=pairs.distance,
        signals=pairs.signals,
        unknowns=pairs.unknowns,
        slack=pairs.slack,
        locked=locked,
    )
    return problem, terms, kept
