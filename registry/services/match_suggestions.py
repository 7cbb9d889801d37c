"""Suggestions from approved matchmaking rounds: the coach's side (issue 19).

A coach sees only the suggestions for their own organisation's candidates, turns one
into a proposal with one click (the placements service's own ``propose``: every rule of
a proposal holds) or declines it with a reason (the pair is then never suggested
again). Hosts see nothing of a suggestion: only the proposal, once there is one.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from registry.domain.permissions import Action
from registry.models import Candidate, Placement
from registry.models.matchmaking import (
    MatchRound,
    MatchSuggestion,
    RoundStatus,
    SuggestionStatus,
)
from registry.services import candidates as cands
from registry.services import free_text as shared_text
from registry.services import paging
from registry.services import placements as placement_svc
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, ValidationFailed

MAX_REASON = 2000


def _query(ctx: Context, statuses: tuple[SuggestionStatus, ...]):
    org = ctx.actor.coach_organisation_id if ctx.actor else None
    return (
        select(MatchSuggestion)
        .join(Candidate, Candidate.id == MatchSuggestion.candidate_id)
        .join(MatchRound, MatchRound.id == MatchSuggestion.round_id)
        .where(
            Candidate.coach_organisation_id == (org or 0),
            MatchRound.status == RoundStatus.APPROVED,
            MatchSuggestion.status.in_(statuses),
        )
        .order_by(MatchSuggestion.id.desc())
    )


_LOADS = (
    selectinload(MatchSuggestion.candidate),
    selectinload(MatchSuggestion.place),
    selectinload(MatchSuggestion.round).selectinload(MatchRound.network),
)


def suggestions_page(
    ctx: Context, page: int = 1, *, history: bool = False
) -> paging.Page[MatchSuggestion]:
    """The coach's open suggestions (or the decided ones), 50 a page; audited."""
    ctx.require(Action.MATCH_SUGGESTION_LIST)
    statuses = (
        (SuggestionStatus.PROPOSED, SuggestionStatus.DECLINED)
        if history
        else (SuggestionStatus.OPEN,)
    )
    result = paging.paginate(ctx.session, _query(ctx, statuses).options(*_LOADS), page)
    with ctx.read_transaction():
        ctx.audit_each(
            "candidate.listed",
            "candidate",
            sorted({s.candidate_id for s in result.items}),
            groups=["fit_summary"],
            via="match_suggestions",
        )
    return result


def open_count(ctx: Context) -> int:
    if ctx.actor is None or ctx.actor.coach_organisation_id is None:
        return 0
    return paging.count_capped(ctx.session, _query(ctx, (SuggestionStatus.OPEN,)))


def get_suggestion(ctx: Context, suggestion_id: int) -> MatchSuggestion:
    """An open suggestion for one of the coach's own active candidates; anything else
    answers like a missing one."""
    s = ctx.session.get(MatchSuggestion, suggestion_id)
    if (
        s is None
        or ctx.actor is None
        or s.round.status is not RoundStatus.APPROVED
        or not _may_act(ctx, s.candidate)
    ):
        raise NotFound(_l("This suggestion does not exist."))
    if s.status is not SuggestionStatus.OPEN:
        raise Conflict(_l("This suggestion has already been answered."))
    return s


def _may_act(ctx: Context, candidate: Candidate) -> bool:
    from registry.domain.permissions import can

    return ctx.actor is not None and can(
        ctx.actor, Action.MATCH_SUGGESTION_ACT, cands.candidate_facts(candidate)
    )


@dataclass
class AcceptInput:
    motivation: str
    signal_reasons: dict[str, str] = dataclasses.field(default_factory=dict)
    confirm_past_end: bool = False


def accept(ctx: Context, suggestion_id: int, data: AcceptInput) -> Placement:
    """Turn a suggestion into a proposal: the placements service's ``propose``."""
    s = get_suggestion(ctx, suggestion_id)
    placement = placement_svc.propose(
        ctx,
        placement_svc.ProposalInput(
            candidate_id=s.candidate_id,
            place_id=s.place_id,
            motivation=data.motivation,
            signal_reasons=data.signal_reasons,
            confirm_past_end=data.confirm_past_end,
            network_id=s.round.network_id,
        ),
    )
    with ctx.transaction():
        s.status = SuggestionStatus.PROPOSED
        s.placement_id = placement.id
        s.decided_at = ctx.now()
        s.decided_by_id = ctx.actor_id
        ctx.audit(
            "match_suggestion.proposed",
            "match_suggestion",
            s.id,
            candidate_id=s.candidate_id,
            place_id=s.place_id,
            placement_id=placement.id,
        )
    return placement


def decline(ctx: Context, suggestion_id: int, reason: str) -> MatchSuggestion:
    """Decline a suggestion with a reason; the pair is left out of later rounds."""
    s = get_suggestion(ctx, suggestion_id)
    errors: dict[str, list[object]] = {}
    text = (reason or "").strip()
    if not text:
        errors["reason"] = [_l("Write why this place does not suit the candidate.")]
    elif len(text) > MAX_REASON:
        errors["reason"] = [_l("At most 2000 characters.")]
    shared_text.check_text(errors, "reason", text, shared_text.candidate_names(s.candidate))
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        s.status = SuggestionStatus.DECLINED
        s.decline_reason = text
        s.decided_at = ctx.now()
        s.decided_by_id = ctx.actor_id
        ctx.audit(
            "match_suggestion.declined",
            "match_suggestion",
            s.id,
            candidate_id=s.candidate_id,
            place_id=s.place_id,
        )
    return s
