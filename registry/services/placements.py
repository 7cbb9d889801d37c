"""Use cases of placements: propose a match, answer it, follow it through to an outcome.

Every step runs in one transaction that (1) checks the acting user's parties through the
permission rules and the pure state machine (registry.domain.placement), (2) moves the
status with a conditional UPDATE (``... WHERE status = <expected>``) so two people acting
at once cannot both win, (3) reserves or releases the place's slot with an atomic
conditional UPDATE on ``places.taken_slots`` (never read-then-write), (4) appends the
ledger postings the new facts call for, and (5) writes the transition, the audit trail
and the notifications.

Size (over 500 lines): the whole placement life cycle, whose steps share the
transaction pattern above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import selectinload

from registry.domain import ledger as ledger_rules
from registry.domain import placement as lifecycle
from registry.domain.matching import BlockerKind, MatchResult, PlaceFacts, evaluate
from registry.domain.permissions import (
    PUBLISHED_PLACE_STATUSES,
    Action,
    PlacementFacts,
    Role,
    can,
    home_employer_visible,
    placement_parties,
)
from registry.domain.placement import (
    DeclineReason,
    EndReason,
    Outcome,
    Party,
    Status,
)
from registry.domain.timeline import clock
from registry.models import (
    Candidate,
    Consent,
    ConsentScope,
    Network,
    Place,
    Placement,
    PlacementTransition,
    PlaceStatus,
    TrajectoryStatus,
)
from registry.services import formatting, notifications, paging, webhook_events
from registry.services import free_text as shared_text
from registry.services import ledger as ledger_service
from registry.services.context import Context
from registry.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from registry.services.value_checks import check_hours_per_week

OPEN_STATUSES = (Status.PROPOSED, Status.ACCEPTED, Status.STARTED)
MAX_TEXT = 2000

SLOT_TAKEN = _l(
    "The last free slot of this place was taken a moment ago by another placement. "
    "This proposal cannot be accepted now; it stays open until a slot frees up."
)
STATE_CHANGED = _l(
    "This placement was changed by someone else a moment ago. Reload the page and try again."
)


# --------------------------------------------------------------------------- access


def facts_of(placement: Placement) -> PlacementFacts:
    return PlacementFacts(
        network_id=placement.network_id,
        host_employer_id=placement.host_employer_id,
        home_employer_id=placement.home_employer_id,
        coach_organisation_id=placement.coach_organisation_id,
    )


def parties(ctx: Context, placement: Placement) -> frozenset[Party]:
    """The parties in which the acting user acts on this placement."""
    if ctx.actor is None:
        return frozenset()
    return placement_parties(ctx.actor, facts_of(placement))


def get_placement(ctx: Context, placement_id: int, action: Action = Action.PLACEMENT_VIEW):
    """Load a placement the actor may see (404 when absent, 403 when not a party)."""
    placement = ctx.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(_l("This placement does not exist."))
    ctx.require(action, facts_of(placement))
    return placement


def allowed_moves(ctx: Context, placement: Placement) -> list[Status]:
    """Statuses the actor may move this placement to (for the buttons). Starting is offered
    only once the introduction consent exists."""
    acting = parties(ctx, placement) - {Party.ADMIN}
    targets = lifecycle.allowed_targets(placement.status, acting) if acting else []
    if not introduced(placement):
        targets = [t for t in targets if t is not Status.STARTED]
    return targets


def list_placements(
    ctx: Context,
    statuses: tuple[Status, ...] | None = None,
    candidate_id: int | None = None,
) -> list[Placement]:
    """Placements the actor is a party to, newest first (optionally of one candidate)."""
    query = _placements_query(ctx, statuses, candidate_id)
    if query is None:
        return []
    loads = (*_LIST_LOADS, selectinload(Placement.place).selectinload(Place.networks))
    return list(ctx.session.scalars(query.options(*loads).limit(500)))


def placements_page(
    ctx: Context, statuses: tuple[Status, ...] | None = None, page: int = 1
) -> paging.Page[Placement]:
    """One page (50) of :func:`list_placements`, with what the list shows loaded."""
    query = _placements_query(ctx, statuses, None)
    if query is None:
        return paging.Page([], 1, paging.PAGE_SIZE, 0)
    return paging.paginate(ctx.session, query.options(*_LIST_LOADS), page)


_LIST_LOADS = (
    selectinload(Placement.candidate),
    selectinload(Placement.place),
    selectinload(Placement.host_employer),
    selectinload(Placement.network),
)


def _placements_query(
    ctx: Context, statuses: tuple[Status, ...] | None, candidate_id: int | None
) -> Select | None:
    actor = ctx.require(Action.NETWORK_LIST)
    query = select(Placement).order_by(Placement.proposed_at.desc(), Placement.id.desc())
    if candidate_id is not None:
        query = query.where(Placement.candidate_id == candidate_id)
    if statuses:
        query = query.where(Placement.status.in_(statuses))
    if not actor.is_(Role.ADMIN):
        clauses = []
        if actor.is_(Role.COACH) and actor.coach_organisation_id is not None:
            clauses.append(Placement.coach_organisation_id == actor.coach_organisation_id)
        if actor.is_(Role.EMPLOYER) and actor.employer_ids:
            clauses.append(Placement.host_employer_id.in_(actor.employer_ids))
            clauses.append(Placement.home_employer_id.in_(actor.employer_ids))
        if actor.is_(Role.COORDINATOR) and actor.coordinated_network_ids:
            clauses.append(Placement.network_id.in_(actor.coordinated_network_ids))
        if not clauses:
            return None
        query = query.where(or_(*clauses))
    return query


def host_inbox(ctx: Context) -> list[Placement]:
    """Open proposals for the places of the actor's employers, oldest first."""
    query = _inbox_query(ctx)
    return [] if query is None else list(ctx.session.scalars(query))


def inbox_page(ctx: Context, page: int = 1) -> paging.Page[Placement]:
    """One page (50) of :func:`host_inbox`, with the candidate and place loaded."""
    query = _inbox_query(ctx)
    if query is None:
        return paging.Page([], 1, paging.PAGE_SIZE, 0)
    loads = (selectinload(Placement.candidate), selectinload(Placement.place))
    return paging.paginate(ctx.session, query.options(*loads), page)


def inbox_count(ctx: Context) -> int:
    """How many proposals wait in the actor's inbox (capped like every list count)."""
    query = _inbox_query(ctx)
    return 0 if query is None else paging.count_capped(ctx.session, query)


def _inbox_query(ctx: Context) -> Select | None:
    actor = ctx.require(Action.NETWORK_LIST)
    if not (actor.is_(Role.EMPLOYER) and actor.employer_ids):
        return None
    return (
        select(Placement)
        .where(
            Placement.host_employer_id.in_(actor.employer_ids),
            Placement.status == Status.PROPOSED,
        )
        .order_by(Placement.proposed_at, Placement.id)
    )


# --------------------------------------------------------------------------- identity


@dataclass(frozen=True)
class Identity:
    """What the acting user may see of the candidate's identity."""

    pseudonym: str
    revealed: bool
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    reason: str = ""  # why not revealed: "before_acceptance", "no_consent", "erased"


def _introduce_consent(candidate: Candidate, host_employer_id: int) -> Consent | None:
    return next(
        (
            c
            for c in candidate.consents
            if c.scope is ConsentScope.INTRODUCE
            and c.host_employer_id == host_employer_id
            and c.withdrawn_at is None
        ),
        None,
    )


def _has_introduce_consent(candidate: Candidate, host_employer_id: int) -> bool:
    return _introduce_consent(candidate, host_employer_id) is not None


BEFORE_ACCEPTANCE = (Status.PROPOSED, Status.DECLINED, Status.WITHDRAWN)


def introduced(placement: Placement) -> bool:
    """The introduction took place as far as the registry is concerned: the host accepted
    and the candidate consents (still) to be introduced by name to this host."""
    return placement.status not in BEFORE_ACCEPTANCE and _has_introduce_consent(
        placement.candidate, placement.host_employer_id
    )


def shows_home_employer(ctx: Context, placement: Placement) -> bool:
    """May the acting user learn the home employer of this placement? Every page, PDF and
    export asks this one question (rule: permissions.home_employer_visible)."""
    return home_employer_visible(parties(ctx, placement), introduced=introduced(placement))


def identity(ctx: Context, placement: Placement, *, audit: bool = True) -> Identity:
    """The candidate as this actor may see them. The coach's own organisation sees the
    name; the host only after acceptance and with the candidate's introduction consent for
    this host (every such reveal is audited); everyone else the pseudonym."""
    candidate = placement.candidate
    pseudonym = candidate.pseudonym
    if candidate.status is TrajectoryStatus.ERASED or candidate.given_name is None:
        return Identity(pseudonym, False, reason="erased")
    acting = parties(ctx, placement)
    name = " ".join(p for p in (candidate.given_name, candidate.family_name) if p)
    full = Identity(pseudonym, True, name, candidate.email, candidate.phone)
    if Party.COACH in acting:
        return full
    if Party.HOST in acting:
        if placement.status in BEFORE_ACCEPTANCE:
            return Identity(pseudonym, False, reason="before_acceptance")
        if not introduced(placement):
            return Identity(pseudonym, False, reason="no_consent")
        if audit:
            with ctx.transaction():
                ctx.audit(
                    "candidate.identity_revealed",
                    "candidate",
                    candidate.id,
                    placement_id=placement.id,
                    host_employer_id=placement.host_employer_id,
                )
        return full
    return Identity(pseudonym, False, reason="not_a_party")


# --------------------------------------------------------------------------- proposals


def _month_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, 1, tzinfo=dt.UTC)


def proposals_this_month(ctx: Context, place_id: int) -> int:
    return (
        ctx.session.scalar(
            select(func.count(Placement.id)).where(
                Placement.place_id == place_id, Placement.proposed_at >= _month_start(ctx.today())
            )
        )
        or 0
    )


def evaluate_match(ctx: Context, candidate: Candidate, place: Place) -> MatchResult:
    """The matcher's verdict on this candidate and place, as the search shows it."""
    from registry.search.usecases import candidate_search_facts
    from registry.services.places import demand_facts

    cap = place.intake_cap_per_month
    profile = next((p for p in candidate.profiles if p.is_current), None)
    search = candidate_search_facts(candidate, profile, ctx.today())  # ended: refused
    facts = PlaceFacts(
        place_id=place.id,
        coordinate=(place.lat, place.lon),
        kind=place.kind.value,
        demand=demand_facts(place),
        sector=place.sector or None,
        function=place.function or None,
        until=place.available_until,
        ongoing=place.ongoing,
        open=place.status is PlaceStatus.OPEN,
        free_slots=place.slots - place.taken_slots,
        at_intake_cap=cap is not None and proposals_this_month(ctx, place.id) >= cap,
        employer_id=place.employer_id,
    )
    return evaluate(search, facts)


@dataclass
class ProposalCheck:
    """Everything the proposal form needs to show before the coach sends it."""

    candidate: Candidate
    place: Place
    match: MatchResult
    networks: list[Network]
    signal_keys: list[str]
    conflict_keys: list[str]
    past_end: bool
    at_cap: bool
    full: bool
    open: bool
    duplicate: bool
    policy_warn: bool
    policy_block: bool

    @property
    def problems(self) -> list[Any]:
        out: list[Any] = []
        if not self.open:
            out.append(_l("This place is not open for proposals."))
        if self.full:
            out.append(_l("This place has no free slot."))
        if any(b.kind is BlockerKind.ENDED for b in self.match.blockers):
            out.append(_l("This place's period has ended, so it can no longer be proposed."))
        if self.at_cap:
            out.append(_l("The host's intake cap for this month is reached."))
        if self.duplicate:
            out.append(_l("This candidate already has an open proposal or placement here."))
        if not self.networks:
            out.append(_l("The place is not offered in a network this candidate searches."))
        if self.policy_block:
            out.append(
                _l(
                    "The network's reciprocity policy blocks new proposals for this employer's "
                    "employees until it hosts more placements."
                )
            )
        return out


def may_propose(ctx: Context, candidate: Candidate, host_employer_id: int = 0) -> bool:
    """The actor may propose this candidate (the coach's organisation): the rule
    ``propose`` checks, asked by the views before they offer the link (issue 14)."""
    return ctx.actor is not None and can(
        ctx.actor,
        Action.PLACEMENT_PROPOSE,
        PlacementFacts(
            0, host_employer_id, candidate.home_employer_id, candidate.coach_organisation_id
        ),
    )


def _candidate_and_place(ctx: Context, candidate_id: int, place_id: int):
    """The candidate and place of a proposal. A candidate outside the actor's coach
    organisation and a place that is not published (draft, submitted, paused, closed)
    answer exactly like missing ones, so ids cannot be probed."""
    candidate = ctx.session.get(Candidate, candidate_id)
    place = ctx.session.get(Place, place_id)
    if (
        candidate is None
        or place is None
        or not may_propose(ctx, candidate, place.employer_id)
        or place.status.value not in PUBLISHED_PLACE_STATUSES
    ):
        raise NotFound(_l("This candidate or place does not exist."))
    return candidate, place


def _shared_networks(candidate: Candidate, place: Place) -> list[Network]:
    candidate_nets = {n.id for n in candidate.networks}
    return sorted((n for n in place.networks if n.id in candidate_nets), key=lambda n: n.name)


def check_proposal(
    ctx: Context, candidate_id: int, place_id: int, network_id: int | None = None
) -> ProposalCheck:
    candidate, place = _candidate_and_place(ctx, candidate_id, place_id)
    networks = _shared_networks(candidate, place)
    network = next((n for n in networks if n.id == network_id), networks[0] if networks else None)
    ctx.require(
        Action.PLACEMENT_PROPOSE,
        PlacementFacts(
            network_id=network.id if network else 0,
            host_employer_id=place.employer_id,
            home_employer_id=candidate.home_employer_id,
            coach_organisation_id=candidate.coach_organisation_id,
        ),
    )
    if candidate.status is not TrajectoryStatus.ACTIVE:
        raise Conflict(_l("This trajectory is closed; no new proposals can be made."))
    if place.employer_id == candidate.home_employer_id:  # issue 12: never the home employer
        raise Conflict(
            _l(
                "This place belongs to the candidate's own employer. The second track means "
                "work at another employer, so it cannot be proposed."
            )
        )
    if not any(p.is_current for p in candidate.profiles):  # issue 12: no profile, no fit
        raise Conflict(
            _l("Record a current capacity profile first: without one nothing is known to fit.")
        )
    match = evaluate_match(ctx, candidate, place)
    comparison = match.comparison
    duplicate = bool(
        ctx.session.scalar(
            select(func.count(Placement.id)).where(
                Placement.candidate_id == candidate.id,
                Placement.place_id == place.id,
                Placement.status.in_(OPEN_STATUSES),
            )
        )
    )
    verdict = ledger_rules.PolicyVerdict(False, False)
    if network is not None and candidate.home_employer_id != place.employer_id:
        verdict = ledger_service.policy_verdict(ctx.session, network, candidate.home_employer_id)
    return ProposalCheck(
        candidate=candidate,
        place=place,
        match=match,
        networks=networks,
        signal_keys=[r.key for r in comparison.signals],
        conflict_keys=[r.key for r in comparison.conflicts],
        past_end=match.past_end_week,
        at_cap=match.at_cap,
        full=match.full,
        open=place.status is PlaceStatus.OPEN,
        duplicate=duplicate,
        policy_warn=verdict.warn,
        policy_block=verdict.block_new_proposals,
    )


@dataclass
class ProposalInput:
    candidate_id: int
    place_id: int
    motivation: str
    signal_reasons: dict[str, str] = field(default_factory=dict)
    confirm_past_end: bool = False
    network_id: int | None = None
    planned_start: dt.date | None = None
    hours_per_week: float | None = None


def _fit_snapshot(match: MatchResult) -> dict[str, Any]:
    c = match.comparison
    return {
        "outcome": match.outcome.value,
        "dimensions": {r.key: r.verdict.value for r in c.dimensions},
        "exposures": {r.key: r.verdict.value for r in c.exposures if r.person},
        "conditions": {r.key: r.verdict.value for r in c.conditions if r.person},
        "hours": c.hours.verdict.value,
        "signals": [r.key for r in c.signals],
        "conflicts": [r.key for r in c.conflicts],
        "unknowns": [r.key for r in c.unknowns],
    }


def check_proposal_input(ctx: Context, data: ProposalInput) -> None:
    """Every problem of a proposal's values at once, also those that need the database
    (signals to explain, the end week, the candidate's names in the text), without saving
    (issue 14). Whether the proposal is possible at all is ``check_proposal``'s."""
    check = check_proposal(ctx, data.candidate_id, data.place_id, data.network_id)
    if check.problems:
        return
    errors = _proposal_errors(ctx, data, check)
    if errors:
        raise ValidationFailed(errors)


def propose(ctx: Context, data: ProposalInput) -> Placement:
    """A coach proposes a candidate for a place."""
    check = check_proposal(ctx, data.candidate_id, data.place_id, data.network_id)
    if check.problems:
        raise Conflict(check.problems[0])
    errors = _proposal_errors(ctx, data, check)
    if errors:
        raise ValidationFailed(errors)
    motivation = (data.motivation or "").strip()
    reasons = {k: (v or "").strip() for k, v in (data.signal_reasons or {}).items()}
    network = next((n for n in check.networks if n.id == data.network_id), check.networks[0])
    return _record_proposal(ctx, data, check, network, motivation, reasons)


def _proposal_errors(
    ctx: Context, data: ProposalInput, check: ProposalCheck
) -> dict[str, list[object]]:
    errors: dict[str, list[object]] = {}
    motivation = (data.motivation or "").strip()
    if not motivation:
        errors["motivation"] = [_l("Write a short motivation for the host.")]
    elif len(motivation) > MAX_TEXT:
        errors["motivation"] = [_l("At most 2000 characters.")]
    reasons = {k: (v or "").strip() for k, v in (data.signal_reasons or {}).items()}
    missing = [k for k in check.signal_keys + check.conflict_keys if not reasons.get(k)]
    if missing:
        errors["signal_reasons"] = [
            _l("Record a reason for every signal: %(keys)s.", keys=", ".join(missing))
        ]
    if any(len(v) > MAX_TEXT for v in reasons.values()):
        errors.setdefault("signal_reasons", []).append(_l("At most 2000 characters."))
    names = shared_text.candidate_names(check.candidate)
    shared_text.check_text(errors, "motivation", motivation, names)
    shared_text.check_texts(errors, "signal_reasons", list(reasons.values()), names)
    if lifecycle.check_intended_start(data.planned_start, ctx.today()):
        errors["planned_start"] = [_l("The intended start cannot lie in the past.")]
    if check.past_end and not data.confirm_past_end:
        errors["confirm_past_end"] = [
            _l("This place runs past the candidate's end week: confirm to propose anyway.")
        ]
    hours_problem = check_hours_per_week(data.hours_per_week)  # one rule for hours
    if hours_problem is not None:
        errors["hours_per_week"] = [hours_problem]
    return errors


def _record_proposal(
    ctx: Context,
    data: ProposalInput,
    check: ProposalCheck,
    network: Network,
    motivation: str,
    reasons: dict[str, str],
) -> Placement:
    candidate, place = check.candidate, check.place
    with ctx.transaction():
        placement = Placement(
            place_id=place.id,
            candidate_id=candidate.id,
            network_id=network.id,
            host_employer_id=place.employer_id,
            home_employer_id=candidate.home_employer_id,
            coach_organisation_id=candidate.coach_organisation_id,
            proposed_by_id=ctx.actor_id,
            status=Status.PROPOSED,
            proposed_at=ctx.now(),
            motivation=motivation,
            signal_reasons={k: reasons[k] for k in check.signal_keys + check.conflict_keys},
            past_end_confirmed=bool(check.past_end and data.confirm_past_end),
            distance_km=round(check.match.distance_km, 1),
            fit=_fit_snapshot(check.match),
            planned_start=data.planned_start,
            hours_per_week=data.hours_per_week,
        )
        ctx.session.add(placement)
        ctx.session.flush()
        ctx.session.add(
            PlacementTransition(
                placement_id=placement.id,
                from_status=None,
                to_status=Status.PROPOSED,
                actor_id=ctx.actor_id,
                party=Party.COACH,
                at=ctx.now(),
            )
        )
        ctx.audit(
            "placement.proposed",
            "placement",
            placement.id,
            candidate_id=candidate.id,
            place_id=place.id,
            network_id=network.id,
            signals=sorted(placement.signal_reasons),
            past_end_confirmed=placement.past_end_confirmed,
        )
        notifications.placement_event(ctx.session, placement, "proposed", actor_id=ctx.actor_id)
        webhook_events.emit(ctx.session, "placement.proposed", placement)
        if check.policy_warn:
            notifications.reciprocity_warning(ctx.session, network, candidate.home_employer_id)
    return placement


# --------------------------------------------------------------------------- slots


def _reserve_slot(ctx: Context, place_id: int) -> None:
    """Take one slot with one atomic conditional UPDATE; Conflict when none is free."""
    result = ctx.session.execute(
        update(Place)
        .where(Place.id == place_id, Place.taken_slots < Place.slots)
        .values(taken_slots=Place.taken_slots + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(SLOT_TAKEN)
    ctx.session.execute(
        update(Place)
        .where(
            Place.id == place_id,
            Place.status == PlaceStatus.OPEN,
            Place.taken_slots >= Place.slots,
        )
        .values(status=PlaceStatus.FULL)
        .execution_options(synchronize_session=False)
    )


def _release_slot(ctx: Context, place_id: int) -> None:
    ctx.session.execute(
        update(Place)
        .where(Place.id == place_id, Place.taken_slots > 0)
        .values(taken_slots=Place.taken_slots - 1)
        .execution_options(synchronize_session=False)
    )
    ctx.session.execute(
        update(Place)
        .where(
            Place.id == place_id,
            Place.status == PlaceStatus.FULL,
            Place.taken_slots < Place.slots,
        )
        .values(status=PlaceStatus.OPEN)
        .execution_options(synchronize_session=False)
    )
    # Match alerts (issue 20): a freed slot may make the place fit a followed search.
    from registry.search import alerts

    place = ctx.session.get(Place, place_id)
    if place is not None:
        ctx.session.refresh(place, ["slots", "taken_slots", "status"])
        alerts.place_changed(ctx, place)


# --------------------------------------------------------------------------- transitions


def _claim_status(ctx: Context, placement: Placement, source: Status, target: Status) -> None:
    """Move the status with a conditional UPDATE; Conflict when someone else moved it."""
    result = ctx.session.execute(
        update(Placement)
        .where(Placement.id == placement.id, Placement.status == source)
        .values(status=target, updated_at=ctx.now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(STATE_CHANGED)
    placement.status = target


def _move(
    ctx: Context,
    placement_id: int,
    target: Status,
    *,
    reason: str | None = None,
    reason_text: str = "",
    outcome: str | None = None,
    on: dt.date | None = None,
    evaluation: Mapping[str, Any] | None = None,
) -> Placement:
    placement = get_placement(ctx, placement_id, Action.PLACEMENT_ACT)
    acting = parties(ctx, placement) - {Party.ADMIN}
    source = placement.status
    reason = reason or None
    try:
        lifecycle.transition(source, target, acting, reason=reason, outcome=outcome or None)
    except lifecycle.PartyNotAllowed:
        raise PermissionDenied(Action.PLACEMENT_ACT, f"{source}->{target}") from None
    except lifecycle.ReasonRequired:
        raise ValidationFailed.field("reason", _l("Choose a reason from the list.")) from None
    except lifecycle.OutcomeRequired:
        raise ValidationFailed.field("outcome", _l("Choose the outcome.")) from None
    except lifecycle.DetailNotExpected:
        raise ValidationFailed.field("reason", _l("No reason is taken for this step.")) from None
    except lifecycle.TransitionNotAllowed:
        raise Conflict(_l("This step is not possible in the placement's current state.")) from None
    reason_text = (reason_text or "").strip()
    if len(reason_text) > MAX_TEXT:
        raise ValidationFailed.field("reason_text", _l("At most 2000 characters."))
    text_errors: dict[str, list[object]] = {}
    shared_text.check_text(
        text_errors, "reason_text", reason_text, shared_text.candidate_names(placement.candidate)
    )
    if text_errors:
        raise ValidationFailed(text_errors)
    evaluation_values = (
        validate_evaluation(placement, evaluation) if evaluation and Party.HOST in acting else None
    )
    try:
        lifecycle.require_introduction(source, target, introduced=introduced(placement))
    except lifecycle.IntroductionRequired:
        raise Conflict(INTRODUCTION_FIRST) from None
    day = on or ctx.today()
    _check_step_date(ctx, placement, target, day, "on")
    party = next((p for p in lifecycle.TRANSITIONS[(source, target)].parties if p in acting), None)
    with ctx.transaction():
        _claim_status(ctx, placement, source, target)
        if target is Status.ACCEPTED:
            _reserve_slot(ctx, placement.place_id)
        elif lifecycle.occupies_slot(source) and not lifecycle.occupies_slot(target):
            _release_slot(ctx, placement.place_id)
        if target is Status.STARTED:
            placement.started_on = day
        if target in (Status.COMPLETED, Status.ENDED_EARLY):
            placement.ended_on = day
        if target is Status.COMPLETED:
            placement.outcome = Outcome(outcome)
        if reason:
            if target is Status.ENDED_EARLY:
                placement.end_reason = EndReason(reason)
            else:
                placement.decline_reason = DeclineReason(reason)
        if reason_text:
            placement.reason_text = reason_text
        if evaluation_values is not None:
            _apply_evaluation(ctx, placement, evaluation_values)
        ctx.session.add(
            PlacementTransition(
                placement_id=placement.id,
                from_status=source,
                to_status=target,
                actor_id=ctx.actor_id,
                party=party,
                at=ctx.now(),
                reason=reason,
                outcome=Outcome(outcome) if outcome else None,
                note=reason_text,
            )
        )
        ctx.session.flush()
        posted = ledger_service.post_for(ctx.session, placement, on=day)
        ctx.audit(
            f"placement.{target.value}",
            "placement",
            placement.id,
            from_status=source,
            reason=reason,
            outcome=outcome,
            ledger_postings=len(posted),
        )
        notifications.placement_event(ctx.session, placement, target.value, actor_id=ctx.actor_id)
        webhook_events.emit(ctx.session, f"placement.{target}", placement, introduced(placement))
        if target is Status.STARTED and placement.host_employer_id != placement.home_employer_id:
            verdict = ledger_service.policy_verdict(
                ctx.session, placement.network, placement.home_employer_id
            )
            if verdict.warn:
                notifications.reciprocity_warning(
                    ctx.session, placement.network, placement.home_employer_id
                )
    return placement


def _date_message(target: Status, problem: lifecycle.DateProblem, previous: dt.date | None):
    """The Dutch field message for a date that cannot be true (start or end)."""
    day = formatting.date_long(previous)
    if target is Status.STARTED:
        if problem is lifecycle.DateProblem.IN_THE_FUTURE:
            return _l("The start date cannot lie in the future.")
        return _l("The start date cannot lie before the day the host accepted (%(day)s).", day=day)
    if problem is lifecycle.DateProblem.IN_THE_FUTURE:
        return _l("The end date cannot be in the future.")
    return _l("The end date cannot be before the start date (%(day)s).", day=day)


INTRODUCTION_FIRST = _l(
    "The placement can start after the introduction: the coach first records the "
    "candidate's consent to be introduced to the host."
)


def _accepted_on(placement: Placement) -> dt.date | None:
    """The day the host accepted (the step before the start), from the history."""
    days = [t.at.date() for t in placement.transitions if t.to_status is Status.ACCEPTED]
    return max(days) if days else None


def _check_step_date(
    ctx: Context, placement: Placement, target: Status, day: dt.date, field_name: str
) -> None:
    """A recorded start, end or outcome date can be true (domain: check_recorded_date)."""
    if target is Status.STARTED:
        previous = _accepted_on(placement)
    elif target in lifecycle.ENDED_STATUSES:
        previous = placement.started_on
    else:
        return
    problem = lifecycle.check_recorded_date(day, ctx.today(), previous)
    if problem is not None:
        raise ValidationFailed.field(field_name, _date_message(target, problem, previous))


def accept(ctx: Context, placement_id: int) -> Placement:
    """The host accepts a proposal; this reserves one of the place's slots."""
    return _move(ctx, placement_id, Status.ACCEPTED)


def decline(ctx: Context, placement_id: int, reason: str | None, text: str = "") -> Placement:
    return _move(ctx, placement_id, Status.DECLINED, reason=reason, reason_text=text)


def withdraw(ctx: Context, placement_id: int, reason: str | None = None, text: str = ""):
    return _move(ctx, placement_id, Status.WITHDRAWN, reason=reason, reason_text=text)


def start(ctx: Context, placement_id: int, on: dt.date | None = None) -> Placement:
    return _move(ctx, placement_id, Status.STARTED, on=on)


def cancel(ctx: Context, placement_id: int, reason: str | None = None, text: str = ""):
    return _move(ctx, placement_id, Status.CANCELLED, reason=reason, reason_text=text)


def complete(
    ctx: Context,
    placement_id: int,
    outcome: str | None,
    on: dt.date | None = None,
    evaluation: Mapping[str, Any] | None = None,
) -> Placement:
    return _move(ctx, placement_id, Status.COMPLETED, outcome=outcome, on=on, evaluation=evaluation)


def end_early(
    ctx: Context, placement_id: int, reason: str | None, text: str = "", on: dt.date | None = None
) -> Placement:
    return _move(ctx, placement_id, Status.ENDED_EARLY, reason=reason, reason_text=text, on=on)


@dataclass
class IntroductionInput:
    given_on: dt.date | None = None  # when the candidate consented (empty: today)
    planned_on: dt.date | None = None  # the planned introduction meeting, if agreed


def may_record_introduction(ctx: Context, placement: Placement) -> bool:
    """The coach records the introduction while the placement is accepted."""
    return Party.COACH in parties(ctx, placement) and lifecycle.may_introduce(placement.status)


def introduce(ctx: Context, placement_id: int, data: IntroductionInput) -> Placement:
    """The coach records the candidate's consent to the introduction (kennismakingsgesprek).

    From then on the host's contact sees the candidate's name and contact and the home
    employer, the agreement names the parties, and the placement can start. An active
    introduce consent for this host is reused (one consent, as on the candidate page);
    otherwise one is recorded. Audited; the host is notified."""
    placement = get_placement(ctx, placement_id, Action.PLACEMENT_ACT)
    if Party.COACH not in parties(ctx, placement):
        raise PermissionDenied(Action.PLACEMENT_ACT, "introduce")
    if not lifecycle.may_introduce(placement.status):
        raise Conflict(
            _l("The introduction is recorded after the host accepted and before the start.")
        )
    candidate = placement.candidate
    if candidate.status is TrajectoryStatus.ERASED or candidate.given_name is None:
        raise Conflict(_l("This candidate's data was erased; an introduction is not possible."))
    given_on = data.given_on or ctx.today()
    errors: dict[str, list[object]] = {}
    if given_on > ctx.today():
        errors["given_on"] = [_l("The consent date cannot be in the future.")]
    elif candidate.first_sick_day and given_on < candidate.first_sick_day:
        errors["given_on"] = [_l("The consent date cannot be before the first day of sickness.")]
    if lifecycle.check_intended_start(data.planned_on, ctx.today()):
        errors["planned_on"] = [_l("The planned introduction cannot lie in the past.")]
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        consent = _introduce_consent(candidate, placement.host_employer_id)
        if consent is None:
            consent = Consent(
                candidate=candidate,
                scope=ConsentScope.INTRODUCE,
                host_employer_id=placement.host_employer_id,
                given_on=given_on,
                recorded_by_id=ctx.actor_id,
                recorded_at=ctx.now(),
            )
            ctx.session.add(consent)
            ctx.session.flush()
            ctx.audit(
                "candidate.consent_recorded",
                "candidate",
                candidate.id,
                consent_id=consent.id,
                scope=ConsentScope.INTRODUCE,
                host_employer_id=placement.host_employer_id,
                placement_id=placement.id,
            )
        placement.introduction_recorded_at = ctx.now()
        placement.introduction_planned_on = data.planned_on
        ctx.audit(
            "placement.introduced",
            "placement",
            placement.id,
            consent_id=consent.id,
            host_employer_id=placement.host_employer_id,
            planned_on=data.planned_on,
        )
        notifications.placement_event(ctx.session, placement, "introduced", actor_id=ctx.actor_id)
        webhook_events.emit(ctx.session, "placement.introduced", placement, introduced(placement))
    return placement


MOVES = {
    Status.ACCEPTED: "accept",
    Status.DECLINED: "decline",
    Status.WITHDRAWN: "withdraw",
    Status.STARTED: "start",
    Status.CANCELLED: "cancel",
    Status.COMPLETED: "complete",
    Status.ENDED_EARLY: "end_early",
}


def correct_dates(
    ctx: Context, placement_id: int, started_on: dt.date, ended_on: dt.date | None = None
) -> Placement:
    """Correct the start (and end) date of a started placement. The ledger is never
    edited: the postings of the old facts are reversed and the new ones posted."""
    placement = get_placement(ctx, placement_id, Action.PLACEMENT_ACT)
    if not parties(ctx, placement) & {Party.COACH, Party.HOST, Party.COORDINATOR}:
        raise PermissionDenied(Action.PLACEMENT_ACT, "correct")
    if placement.status not in lifecycle.STARTED_STATUSES:
        raise Conflict(_l("Only the dates of a started placement can be corrected."))
    ended = placement.status in lifecycle.ENDED_STATUSES
    if ended and ended_on is None:
        raise ValidationFailed.field("ended_on", _l("Enter the end date."))
    _check_step_date(ctx, placement, Status.STARTED, started_on, "started_on")
    if ended:
        problem = lifecycle.check_recorded_date(ended_on, ctx.today(), started_on)
        if problem is not None:
            message = _date_message(Status.COMPLETED, problem, started_on)
            raise ValidationFailed.field("ended_on", message)
    old = (placement.started_on, placement.ended_on)
    with ctx.transaction():
        placement.started_on = started_on
        placement.ended_on = ended_on if ended else None
        ctx.session.flush()
        posted = ledger_service.post_for(ctx.session, placement, on=ctx.today())
        ctx.audit(
            "placement.dates_corrected",
            "placement",
            placement.id,
            old_started_on=old[0],
            old_ended_on=old[1],
            started_on=started_on,
            ended_on=placement.ended_on,
            ledger_postings=len(posted),
        )
    return placement


# --------------------------------------------------------------------------- agreement, evaluation


@dataclass
class AgreementInput:
    planned_start: dt.date | None
    planned_end: dt.date | None
    hours_per_week: float | None
    build_up: str = ""
    tasks: str = ""
    supervisor: str = ""
    target_hours_per_week: float | None = None


def update_agreement(ctx: Context, placement_id: int, data: AgreementInput) -> Placement:
    """Coach or host fill in the agreement facts while the placement is not finished."""
    placement = get_placement(ctx, placement_id, Action.PLACEMENT_ACT)
    if not parties(ctx, placement) & {Party.COACH, Party.HOST}:
        raise PermissionDenied(Action.PLACEMENT_ACT, "agreement")
    if lifecycle.is_terminal(placement.status):
        raise Conflict(_l("The agreement of a finished placement can no longer be changed."))
    errors: dict[str, list[object]] = {}
    if data.planned_start and data.planned_end and data.planned_end < data.planned_start:
        errors["planned_end"] = [_l("The end date cannot be before the start date.")]
    if data.hours_per_week is not None and not 0 < data.hours_per_week <= 60:
        errors["hours_per_week"] = [_l("Enter between 1 and 60 hours.")]
    target = data.target_hours_per_week
    if target is not None and not 0 < target <= 60:
        errors["target_hours_per_week"] = [_l("Enter between 1 and 60 hours.")]
    elif target is not None and data.hours_per_week is not None and target < data.hours_per_week:
        errors["target_hours_per_week"] = [
            _l("The target hours cannot be lower than the hours at the start.")
        ]
    for name in ("build_up", "tasks"):
        if len(getattr(data, name) or "") > MAX_TEXT:
            errors[name] = [_l("At most 2000 characters.")]
    for name in ("build_up", "tasks"):  # the supervisor is the host's own person: a name
        shared_text.check_text(
            errors, name, getattr(data, name), shared_text.candidate_names(placement.candidate)
        )
    if errors:
        raise ValidationFailed(errors)
    with ctx.transaction():
        placement.planned_start = data.planned_start
        placement.planned_end = data.planned_end
        placement.hours_per_week = data.hours_per_week
        placement.target_hours_per_week = data.target_hours_per_week
        placement.build_up = (data.build_up or "").strip()
        placement.tasks = (data.tasks or "").strip()
        placement.supervisor = (data.supervisor or "").strip()[:160]
        ctx.audit("placement.agreement_updated", "placement", placement.id)
    return placement


EVALUATION_RATINGS = ("punctuality", "quality", "cooperation", "learning", "independence")
EVALUATION_TEXTS = ("tasks_done", "strengths", "development", "recommendation", "overall")
EVALUATION_REQUIRED_TEXTS = ("overall",)


def _rating(value: object) -> int | None:
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= 5 else None


def validate_evaluation(placement: Placement, data: Mapping[str, Any]) -> dict[str, Any]:
    """The evaluation as stored, or ValidationFailed listing every missing or bad item:
    each rating (1-5) and the overall remark are required; no text may name the
    candidate or contain medical terms."""
    errors: dict[str, list[object]] = {}
    given = data.get("ratings") or {}
    ratings: dict[str, int] = {}
    for key in EVALUATION_RATINGS:
        number = _rating(given.get(key))
        if number is None:
            errors[key] = [_l("Choose a rating from 1 to 5.")]
        else:
            ratings[key] = number
    names = shared_text.candidate_names(placement.candidate)
    texts: dict[str, str] = {}
    for key in EVALUATION_TEXTS:
        texts[key] = shared_text.check_text(errors, key, str(data.get(key) or ""), names)
        if len(texts[key]) > MAX_TEXT:
            errors.setdefault(key, []).append(_l("At most 2000 characters."))
    for key in EVALUATION_REQUIRED_TEXTS:
        if not texts[key]:
            errors.setdefault(key, []).append(_l("Write an overall remark."))
    if errors:
        raise ValidationFailed(errors)
    return {"ratings": ratings, **texts}


def _apply_evaluation(ctx: Context, placement: Placement, values: dict[str, Any]) -> None:
    placement.evaluation = values
    placement.evaluated_at = ctx.now()
    placement.evaluated_by_id = ctx.actor_id


def save_evaluation(ctx: Context, placement_id: int, data: Mapping[str, Any]) -> Placement:
    """The host's evaluation, once the placement has started."""
    placement = get_placement(ctx, placement_id, Action.PLACEMENT_EVALUATE)
    if placement.status not in lifecycle.STARTED_STATUSES:
        raise Conflict(_l("A placement can be evaluated once it has started."))
    values = validate_evaluation(placement, data)
    with ctx.transaction():
        _apply_evaluation(ctx, placement, values)
        ctx.audit("placement.evaluated", "placement", placement.id)
    return placement


def urgency(candidate: Candidate, today: dt.date):
    """The candidate's Poortwachter clock (weeks left), for the host's inbox."""
    return clock(candidate.first_sick_day, today, candidate.end_week)


def place_free_slots(place: Place) -> int:
    return max(0, place.slots - place.taken_slots)


def may(ctx: Context, action: Action, placement: Placement) -> bool:
    return ctx.actor is not None and can(ctx.actor, action, facts_of(placement))


__all__ = [
    "AgreementInput",
    "Identity",
    "ProposalCheck",
    "ProposalInput",
    "accept",
    "allowed_moves",
    "cancel",
    "check_proposal",
    "complete",
    "decline",
    "end_early",
    "get_placement",
    "host_inbox",
    "identity",
    "introduce",
    "introduced",
    "list_placements",
    "propose",
    "save_evaluation",
    "start",
    "withdraw",
]
