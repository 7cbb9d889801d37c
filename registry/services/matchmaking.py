"""Matchmaking rounds: a coordinator's use cases (start, lock, exclude, re-solve, approve).

The optimisation itself is pure (:mod:`registry.domain.matchmaking`); what a round is
solved on comes from :mod:`matchmaking_input`. Every solve stores the round's input
(candidates by pseudonym, places, every pair with its terms) and result (the chosen
pairs with their explanation, the greedy comparison, the unplaced candidates and why,
the empty places), so the page and any later question read exactly what was decided.
Approving turns each chosen pair into a suggestion to the candidate's coach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.domain import matchmaking as mm
from registry.domain.permissions import Action, NetworkFacts
from registry.models import CoachOrganisation, Network
from registry.models.matchmaking import MatchRound, MatchSuggestion, RoundStatus
from registry.search.comparer import Comparer
from registry.services import matchmaking_input as loader
from registry.services import paging
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, ValidationFailed

MAX_OPTIONS = 3


@dataclass
class RoundInput:
    network_id: int
    region: str = ""
    options: int = 1
    weights: dict[str, int] = field(default_factory=lambda: mm.DEFAULT_WEIGHTS.as_dict())
    organisation_ids: list[int] = field(default_factory=list)


def coordinated_networks(ctx: Context) -> list[Network]:
    ctx.require(Action.MATCH_ROUND_LIST)
    ids = ctx.actor.coordinated_network_ids if ctx.actor else frozenset()
    return list(
        ctx.session.scalars(select(Network).where(Network.id.in_(ids)).order_by(Network.name))
    )


def organisations(ctx: Context) -> list[CoachOrganisation]:
    """The coach organisations that can take part in a round."""
    return list(ctx.session.scalars(select(CoachOrganisation).order_by(CoachOrganisation.name)))


def default_weights(ctx: Context, network_id: int) -> dict[str, int]:
    """The network's weights: those of its latest round, else the documented defaults."""
    last = ctx.session.scalar(
        select(MatchRound.weights)
        .where(MatchRound.network_id == network_id)
        .order_by(MatchRound.id.desc())
        .limit(1)
    )
    return dict(last) if last else mm.DEFAULT_WEIGHTS.as_dict()


def _validate(ctx: Context, data: RoundInput) -> mm.Weights:
    errors: dict[str, list[object]] = {}
    if not 1 <= data.options <= MAX_OPTIONS:
        errors["options"] = [_l("Choose 1 to 3 places per candidate.")]
    if data.region and data.region not in loader.regions():
        errors["region"] = [_l("Choose a province from the list.")]
    known = {o.id for o in organisations(ctx)}
    if not data.organisation_ids or not set(data.organisation_ids) <= known:
        errors["organisation_ids"] = [_l("Choose at least one coach organisation.")]
    try:
        weights = mm.Weights(**{k: int(v) for k, v in data.weights.items()})
    except (TypeError, ValueError):
        errors["weights"] = [_l("Every weight is a whole number from 0 to 10.")]
        weights = mm.DEFAULT_WEIGHTS
    if errors:
        raise ValidationFailed(errors)
    return weights


def start_round(ctx: Context, data: RoundInput) -> MatchRound:
    """A coordinator starts (and solves) a round for a network they coordinate."""
    network = ctx.session.get(Network, data.network_id)
    if network is None:
        raise NotFound(_l("This network does not exist."))
    ctx.require(Action.MATCH_ROUND_RUN, NetworkFacts(network.id))
    weights = _validate(ctx, data)
    with ctx.transaction():
        rnd = MatchRound(
            network_id=network.id,
            region=data.region,
            options=data.options,
            weights=weights.as_dict(),
            organisation_ids=sorted(set(data.organisation_ids)),
            locks=[],
            exclusions=[],
            input={},
            result={},
            created_by_id=ctx.actor_id,
        )
        ctx.session.add(rnd)
        ctx.session.flush()
        _solve(ctx, rnd)
        ctx.audit(
            "match_round.started",
            "match_round",
            rnd.id,
            network_id=network.id,
            region=data.region,
            options=data.options,
            weights=weights.as_dict(),
            organisation_ids=rnd.organisation_ids,
        )
    return rnd


def get_round(ctx: Context, round_id: int) -> MatchRound:
    rnd = ctx.session.get(MatchRound, round_id)
    if rnd is None or ctx.actor is None or rnd.network_id not in ctx.actor.coordinated_network_ids:
        raise NotFound(_l("This round does not exist."))
    ctx.require(Action.MATCH_ROUND_RUN, NetworkFacts(rnd.network_id))
    return rnd


def rounds_page(ctx: Context, page: int = 1) -> paging.Page[MatchRound]:
    ctx.require(Action.MATCH_ROUND_LIST)
    ids = ctx.actor.coordinated_network_ids if ctx.actor else frozenset()
    query = (
        select(MatchRound)
        .where(MatchRound.network_id.in_(ids or {0}))
        .order_by(MatchRound.id.desc())
    )
    return paging.paginate(ctx.session, query, page)


def _open_round(ctx: Context, round_id: int) -> MatchRound:
    rnd = get_round(ctx, round_id)
    if rnd.status is not RoundStatus.PROPOSED:
        raise Conflict(_l("This round is no longer open for changes."))
    return rnd


def _pair_of(rnd: MatchRound, candidate_id: int, place_id: int) -> None:
    cands = {c[0] for c in rnd.input.get("candidates", [])}
    places = {p[0] for p in rnd.input.get("places", [])}
    if candidate_id not in cands or place_id not in places:
        raise NotFound(_l("This pair is not part of the round."))


def change_pair(
    ctx: Context, round_id: int, candidate_id: int, place_id: int, how: str
) -> MatchRound:
    """Lock, unlock or exclude a pair, then re-solve."""
    if how not in ("lock", "unlock", "exclude"):
        raise NotFound(_l("This pair is not part of the round."))
    with ctx.transaction():
        rnd = _open_round(ctx, round_id)
        _pair_of(rnd, candidate_id, place_id)
        pair = [candidate_id, place_id]
        locks = [p for p in rnd.locks if p != pair]
        if how == "lock":
            locks.append(pair)
        if how == "exclude":
            rnd.exclusions = [*[p for p in rnd.exclusions if p != pair], pair]
        rnd.locks = locks
        _solve(ctx, rnd)
        ctx.audit(
            f"match_round.pair_{how}ed" if how != "exclude" else "match_round.pair_excluded",
            "match_round",
            rnd.id,
            candidate_id=candidate_id,
            place_id=place_id,
        )
    return rnd


def resolve(ctx: Context, round_id: int) -> MatchRound:
    """Solve the round again on today's data (locks and exclusions kept)."""
    with ctx.transaction():
        rnd = _open_round(ctx, round_id)
        _solve(ctx, rnd)
        ctx.audit("match_round.resolved", "match_round", rnd.id, solves=rnd.solves)
    return rnd


def discard(ctx: Context, round_id: int) -> MatchRound:
    with ctx.transaction():
        rnd = _open_round(ctx, round_id)
        rnd.status = RoundStatus.DISCARDED
        ctx.audit("match_round.discarded", "match_round", rnd.id)
    return rnd


def approve(ctx: Context, round_id: int) -> MatchRound:
    """Every chosen pair becomes a suggestion to the candidate's coach (not a proposal)."""
    with ctx.transaction():
        rnd = _open_round(ctx, round_id)
        cands = rnd.input["candidates"]
        places = rnd.input["places"]
        pairs = rnd.input["pairs"]
        explain = rnd.result.get("explain", {})
        for index, rank in rnd.result.get("chosen", []):
            pair = pairs[index]
            ctx.session.add(
                MatchSuggestion(
                    round_id=rnd.id,
                    candidate_id=cands[pair[0]][0],
                    place_id=places[pair[1]][0],
                    rank=rank,
                    explanation={**explain.get(str(index), {}), "pair": pair},
                )
            )
        rnd.status = RoundStatus.APPROVED
        rnd.approved_at = ctx.now()
        rnd.approved_by_id = ctx.actor_id
        ctx.audit(
            "match_round.approved",
            "match_round",
            rnd.id,
            suggestions=len(rnd.result.get("chosen", [])),
        )
    return rnd


# --------------------------------------------------------------------------- solving


def _summary(problem: mm.Problem, chosen: np.ndarray, points: np.ndarray, data) -> dict:
    s = mm.summarise(problem, chosen, points)
    home = [data.candidates[c].home_employer_id for c in problem.pair_c[chosen].tolist()]
    host = [data.places[p].employer_id for p in problem.pair_p[chosen].tolist()]
    return {
        "placed": s.placed,
        "urgent_placed": s.urgent_placed,
        "pairs": int(chosen.sum()),
        "total_km": round(s.total_km, 1),
        "points": s.points,
        "balance_change": mm.balance_change(np.array(home), np.array(host), data.balance),
    }


def _explain(data, pair_index: int, c: int, p: int) -> dict[str, Any]:
    """The match explanation of one chosen pair: its signals and unknown items."""
    place = data.places[p]
    comparison = Comparer(data.searches[c].capacity).compare(
        data.codes[p].encode("ascii"),
        (place.min_hours_week, place.usual_hours_week, place.lower_start_allowed),
    )
    kind = lambda r: getattr(r.kind, "value", r.kind)  # noqa: E731
    return {
        "signals": [[kind(r), r.key] for r in comparison.signals],
        "unknowns": [[kind(r), r.key] for r in comparison.unknowns],
    }


def _solve(ctx: Context, rnd: MatchRound) -> None:
    """Load, solve exactly, compare with greedy, explain; store input and result."""
    weights = mm.Weights(**rnd.weights)
    data = loader.load(ctx, rnd.network_id, rnd.organisation_ids, rnd.region, rnd.exclusions)
    problem, terms, locks = loader.problem_of(data, weights, rnd.options, rnd.locks)
    chosen = mm.solve(problem)
    greedy = mm.greedy(problem)
    pairs = data.pairs
    rnd.locks = locks
    rnd.solves = (rnd.solves or 0) + 1
    rnd.input = {
        "today": ctx.today().isoformat(),
        "candidates": [
            [c.id, c.pseudonym, data.weeks_left[i], c.postcode_area or "", c.coach_organisation_id]
            for i, c in enumerate(data.candidates)
        ],
        "places": [
            [
                p.id,
                p.title,
                p.employer_id,
                p.employer.name,
                p.town,
                data.capacity[i],
                data.balance.get(p.employer_id, 0),
            ]
            for i, p in enumerate(data.places)
        ],  # fmt: skip
        "pairs": [
            [
                int(pairs.cand[i]),
                int(pairs.place[i]),
                round(float(pairs.distance[i]), 1),
                bool(pairs.signals[i]),
                int(pairs.unknowns[i]),
                int(pairs.slack[i]),
                int(terms.urgency[i]),
                int(terms.fit[i]),
                int(terms.distance[i]),
                int(terms.reciprocity[i]),
                int(terms.points[i]),
                int(problem.value[i]),
            ]
            for i in range(len(pairs))
        ],  # fmt: skip
        "excluded": data.excluded_pairs,
    }
    order = np.flatnonzero(chosen)
    ranked: list[list[int]] = []
    per_c: dict[int, int] = {}
    for i in sorted(order.tolist(), key=lambda i: (int(pairs.cand[i]), -int(problem.value[i]), i)):
        c = int(pairs.cand[i])
        per_c[c] = per_c.get(c, 0) + 1
        ranked.append([i, per_c[c]])
    used = set(pairs.place[chosen].tolist())
    rnd.result = {
        "chosen": ranked,
        "explain": {
            str(i): _explain(data, i, int(pairs.cand[i]), int(pairs.place[i])) for i, _ in ranked
        },
        "optimum": _summary(problem, chosen, terms.points, data),
        "greedy": _summary(problem, greedy, terms.points, data),
        "unplaced": [
            [u.candidate, u.outcome.value, u.place, u.weeks_closer]
            for u in mm.unplaced_reasons(problem, chosen)
        ],
        "empty": [p for p in range(len(data.places)) if p not in used],
    }
