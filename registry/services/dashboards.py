"""Dashboards and exports: what an employer and a network coordinator see of placements
and reciprocity, and the (anonymised) exports of the coordinator's figures.

One function per dashboard, each returning plain dataclasses; the arithmetic (rates,
medians, months) lives in :mod:`registry.domain.statistics` and the ledger arithmetic in
:mod:`registry.domain.ledger`.

Period figures of the coordinator dashboard (``period = start..end``, days included):

- *proposals*: placements proposed in the period; of those, *accepted* ever reached
  ``accepted`` (so also the started, finished and cancelled ones), *declined* were
  declined by the host; the *acceptance rate* is accepted / (accepted + declined);
- *starts*: placements started in the period; *completions* and *ended early*: ended in
  the period with that status; *hires*: completions with outcome ``hired``;
  *placement-weeks*: the weeks of the placements that ended in the period;
- *who gives and who takes*: per employer the ledger postings the placements call for
  (registry.domain.ledger.entries_for), a start counted on its start day and the weeks on
  the end day; self-placements are no transfers and count for nobody. The all-time
  balance and the policy warning come from the stored ledger;
- *median time to first start*: per candidate, the days from registration to their first
  start in this network, for first starts in the period (starts recorded before the
  candidate was registered, i.e. backfilled history, are left out).

Current figures (today, not the period): open places and free slots, stale listings (open
places not confirmed within the network's freshness period), candidates by urgency and
stale capacity profiles.

The research export has one row per placement with any of those events in the period, with
random ids made for that export only, week numbers relative to the candidate's first day
of sickness instead of dates and no names, notes, postcodes or employers; its totals equal
the dashboard's figures (see :func:`research_totals`).

Size (over 500 lines): the employer and coordinator dashboards share their period
queries and the exports reuse them; kept together so the figures cannot drift apart.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import lazyload, selectinload

from registry.domain import ledger as ledger_rules
from registry.domain import statistics as stats
from registry.domain import timeline
from registry.domain.ledger import Balance, EntryKind, PolicyVerdict
from registry.domain.permissions import (
    Action,
    FieldGroup,
    NetworkFacts,
    Role,
    can,
    visible_fields,
)
from registry.domain.placement import STARTED_STATUSES, Outcome, Status, weeks_between
from registry.extensions import cache
from registry.models import (
    Candidate,
    CapacityProfile,
    Consent,
    Employer,
    LedgerEntryRecord,
    Membership,
    MembershipStatus,
    Network,
    Place,
    PlaceKind,
    Placement,
    PlaceStatus,
    TrajectoryStatus,
    candidate_networks,
    place_networks,
)
from registry.services import formatting, labels
from registry.services import ledger as ledger_service
from registry.services.candidates import candidate_facts, clock_of, is_stale
from registry.services.context import Context
from registry.services.errors import NotFound, ServiceError
from registry.services.organisations import employer_facts
from registry.services.placements import facts_of as placement_facts
from registry.services.places import confirmed_base, place_facts

MAX_ID = 2**31 - 1
# Every status a placement can have after the host accepted it (cancelled only follows it).
ACCEPTED_EVER = frozenset(
    {Status.ACCEPTED, Status.STARTED, Status.COMPLETED, Status.ENDED_EARLY, Status.CANCELLED}
)
ENDED = frozenset({Status.COMPLETED, Status.ENDED_EARLY})


class BadPeriod(ServiceError):
    """The requested period cannot be read (shown as 400 with the message)."""

    status = 400


PERIOD_MESSAGES = {
    stats.PeriodProblem.REVERSED: _l("The start of the period must not be after its end."),
    stats.PeriodProblem.TOO_LONG: _l("Choose a period of at most ten years."),
}


def period_of(start: str | dt.date | None, end: str | dt.date | None, today: dt.date):
    """The period from query-string values (``YYYY-MM-DD``); BadPeriod when unreadable."""
    as_text = [v.isoformat() if isinstance(v, dt.date) else v for v in (start, end)]
    try:
        return stats.parse_period(as_text[0], as_text[1], today)
    except stats.PeriodError as error:
        if error.problem is stats.PeriodProblem.BAD_DATE:
            raise BadPeriod(
                _l(
                    "“%(value)s” is not a date. Use the form YYYY-MM-DD.",
                    value=error.value[:40],
                )
            ) from None
        raise BadPeriod(PERIOD_MESSAGES[error.problem]) from None


def _valid_id(value: int) -> int | None:
    return value if 0 < value <= MAX_ID else None


def _date(value: dt.datetime | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def _audit_listed(ctx: Context, ids: Sequence[int], groups: Iterable[FieldGroup], **extra) -> None:
    """One ``candidate.listed`` event per candidate shown in a list."""
    ctx.audit_each(
        "candidate.listed", "candidate", ids, groups=sorted(g.value for g in groups), **extra
    )


# =========================================================================== employer


@dataclass(frozen=True)
class ProposalLine:
    placement_id: int
    pseudonym: str
    network_name: str
    proposed_on: dt.date
    status: Status


@dataclass(frozen=True)
class PlaceLine:
    place_id: int
    title: str
    status: PlaceStatus
    slots: int
    free_slots: int
    open_proposals: list[ProposalLine]


@dataclass(frozen=True)
class NetworkBalance:
    """An employer's reciprocity in one network: balance, policy verdict and history."""

    network_id: int
    network_name: str
    membership: MembershipStatus | None
    balance: Balance
    verdict: PolicyVerdict
    soft_limit: int | None
    hard_limit: bool
    history: list[ledger_service.HistoryLine]


@dataclass
class EmployerDashboard:
    employer: Employer
    places: list[PlaceLine]
    own_placements: list[ProposalLine]  # the employer's own employees, pseudonymous
    networks: list[NetworkBalance]
    limited: bool  # a coordinator sees only the networks they coordinate

    @property
    def open_proposal_count(self) -> int:
        return sum(len(p.open_proposals) for p in self.places)

    @property
    def warnings(self) -> list[NetworkBalance]:
        return [n for n in self.networks if n.verdict.warn]


def _proposal_line(p: Placement) -> ProposalLine:
    return ProposalLine(
        p.id, p.candidate.pseudonym, p.network.name, _date(p.proposed_at), Status(p.status)
    )


def employer_dashboard(ctx: Context, employer_id: int) -> EmployerDashboard:
    """The employer's own places and their open proposals, its own employees' placements
    (pseudonym and status only) and its reciprocity balance per network with its history."""
    eid = _valid_id(employer_id)
    employer = ctx.session.get(Employer, eid) if eid else None
    if employer is None:
        raise NotFound(_l("This employer does not exist."))
    actor = ctx.require(Action.RECIPROCITY_VIEW, employer_facts(ctx.session, employer))
    full_view = actor.is_(Role.ADMIN) or (
        actor.is_(Role.EMPLOYER) and employer.id in actor.employer_ids
    )

    places = ctx.session.scalars(
        select(Place)
        .where(Place.employer_id == employer.id, Place.status != PlaceStatus.CLOSED)
        .order_by(Place.title, Place.id)
    ).all()
    placements = ctx.session.scalars(
        select(Placement)
        .where(
            (Placement.host_employer_id == employer.id)
            | (Placement.home_employer_id == employer.id)
        )
        .options(selectinload(Placement.candidate), selectinload(Placement.network))
        .order_by(Placement.proposed_at.desc(), Placement.id.desc())
    ).all()
    visible = [p for p in placements if can(actor, Action.PLACEMENT_VIEW, placement_facts(p))]
    open_by_place: dict[int, list[ProposalLine]] = {}
    for p in visible:
        if p.host_employer_id == employer.id and p.status is Status.PROPOSED:
            open_by_place.setdefault(p.place_id, []).append(_proposal_line(p))
    place_lines = [
        PlaceLine(
            pl.id,
            pl.title,
            pl.status,
            pl.slots,
            max(0, pl.slots - pl.taken_slots),
            sorted(open_by_place.get(pl.id, []), key=lambda line: line.proposed_on),
        )
        for pl in places
        if can(actor, Action.PLACE_VIEW, place_facts(pl))
    ]
    own = [_proposal_line(p) for p in visible if p.home_employer_id == employer.id]

    memberships = {
        m.network_id: m.status
        for m in ctx.session.scalars(
            select(Membership).where(Membership.employer_id == employer.id)
        )
    }
    posted = set(
        ctx.session.scalars(
            select(LedgerEntryRecord.network_id)
            .where(LedgerEntryRecord.employer_id == employer.id)
            .distinct()
        )
    )
    network_ids = set(memberships) | posted
    if not full_view:
        network_ids &= set(actor.coordinated_network_ids)
    networks = ctx.session.scalars(
        select(Network).where(Network.id.in_(network_ids)).order_by(Network.name)
    ).all()
    balances = []
    for network in networks:
        balance = ledger_service.balance_of(ctx.session, network.id, employer.id)
        balances.append(
            NetworkBalance(
                network.id,
                network.name,
                memberships.get(network.id),
                balance,
                ledger_rules.check_policy(
                    balance, network.reciprocity_soft_limit, network.reciprocity_hard_limit
                ),
                network.reciprocity_soft_limit,
                bool(network.reciprocity_hard_limit),
                ledger_service.history(ctx.session, network.id, employer.id),
            )
        )
    shown = {p.candidate_id for p in visible if p.home_employer_id == employer.id} | {
        p.candidate_id
        for p in visible
        if p.host_employer_id == employer.id and p.status is Status.PROPOSED
    }
    with ctx.read_transaction():
        _audit_listed(
            ctx,
            sorted(shown),
            (FieldGroup.TRAJECTORY_STATUS,),
            list="employer_dashboard",
            employer_id=employer.id,
        )
    return EmployerDashboard(employer, place_lines, own, balances, limited=not full_view)


# =========================================================================== network


@dataclass(frozen=True)
class MemberRow:
    """One employer in the givers-and-takers table."""

    employer_id: int
    name: str
    membership: MembershipStatus | None
    period: Balance  # what the placements of the period moved
    total: Balance  # the stored ledger, all time
    verdict: PolicyVerdict  # the network policy on the all-time balance


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    proposals: int
    starts: int
    completions: int


@dataclass(frozen=True)
class UrgentCandidate:
    pseudonym: str
    week: int
    end_week: int
    weeks_left: int
    past_end: bool
    has_profile: bool
    stale_profile: bool


@dataclass(frozen=True)
class StaleListing:
    place_id: int
    title: str
    employer_name: str
    confirmed_on: dt.date | None
    days_overdue: int


@dataclass(frozen=True)
class NetworkFigures:
    proposals: int
    accepted: int
    declined: int
    withdrawn: int
    awaiting_answer: int
    acceptance_rate: float | None
    starts: int
    completions: int
    ended_early: int
    hires: int
    outcomes: dict[Outcome, int]
    placement_weeks: int
    transfers_started: int
    median_days_to_first_start: float | None
    first_starts_counted: int
    open_places: int
    full_places: int
    free_slots: int
    stale_listings: int
    active_candidates: int
    stale_profiles: int


@dataclass
class NetworkDashboard:
    network: Network
    period: stats.Period
    figures: NetworkFigures
    members: list[MemberRow]
    months: list[MonthRow]
    candidates: list[UrgentCandidate]
    hidden_candidates: int  # active candidates the viewer may not see (a count only)
    stale_listings: list[StaleListing]
    placements: list[PlacementFigure] = field(repr=False, default_factory=list)

    @property
    def warnings(self) -> list[MemberRow]:
        return [m for m in self.members if m.verdict.warn]


def get_dashboard_network(ctx: Context, network_id: int) -> Network:
    nid = _valid_id(network_id)
    network = ctx.session.get(Network, nid) if nid else None
    if network is None:
        raise NotFound(_l("This network does not exist."))
    ctx.require(Action.NETWORK_DASHBOARD, NetworkFacts(network.id))
    return network


@dataclass(frozen=True, slots=True)
class _Side:
    """What the figures read of a placement's candidate or place."""

    created_at: dt.datetime | None = None
    first_sick_day: dt.date | None = None
    kind: PlaceKind | None = None
    sector: str | None = None


@dataclass(frozen=True, slots=True)
class PlacementFigure:
    """A placement as the network figures and the research export read it: plain columns
    read in one query, not ORM objects (issue 17: a network has thousands)."""

    id: int
    network_id: int
    host_employer_id: int
    home_employer_id: int
    candidate_id: int
    status: Status
    proposed_at: dt.datetime
    started_on: dt.date | None
    ended_on: dt.date | None
    outcome: Outcome | None
    distance_km: float | None
    candidate: _Side
    place: _Side


def _network_placements(ctx: Context, network: Network) -> list[PlacementFigure]:
    rows = ctx.session.execute(
        select(
            Placement.id,
            Placement.network_id,
            Placement.host_employer_id,
            Placement.home_employer_id,
            Placement.candidate_id,
            Placement.status,
            Placement.proposed_at,
            Placement.started_on,
            Placement.ended_on,
            Placement.outcome,
            Placement.distance_km,
            Candidate.created_at,
            Candidate.first_sick_day,
            Place.kind,
            Place.sector,
        )
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .join(Place, Place.id == Placement.place_id)
        .where(Placement.network_id == network.id)
        .order_by(Placement.id)
    )
    return [
        PlacementFigure(
            *row[:11],
            candidate=_Side(created_at=row[11], first_sick_day=row[12]),
            place=_Side(kind=row[13], sector=row[14]),
        )
        for row in rows
    ]


def _period_balances(
    placements: Iterable[PlacementFigure], period: stats.Period
) -> dict[tuple[int, int], Balance]:
    """The ledger postings of these placements whose business day lies in the period."""
    entries = []
    for p in placements:
        for entry in ledger_rules.entries_for(ledger_service.facts_of(p)):
            day = p.started_on if entry.kind is EntryKind.START else p.ended_on
            if day in period:
                entries.append(entry)
    return ledger_rules.balances(entries)


def _members(
    ctx: Context, network: Network, placements: list[PlacementFigure], period
) -> list[MemberRow]:
    memberships = {
        m.employer_id: m.status
        for m in ctx.session.scalars(select(Membership).where(Membership.network_id == network.id))
    }
    totals = ledger_service.balances(ctx.session, network.id)
    in_period = _period_balances(placements, period)
    ids = (
        set(memberships)
        | {eid for (_n, eid) in totals}
        | {p.host_employer_id for p in placements}
        | {p.home_employer_id for p in placements}
    )
    employers = {e.id: e for e in ctx.session.scalars(select(Employer).where(Employer.id.in_(ids)))}
    rows = []
    for eid in ids:
        total = totals.get((network.id, eid), Balance())
        rows.append(
            MemberRow(
                eid,
                employers[eid].name,
                memberships.get(eid),
                in_period.get((network.id, eid), Balance()),
                total,
                ledger_rules.check_policy(
                    total, network.reciprocity_soft_limit, network.reciprocity_hard_limit
                ),
            )
        )
    rows.sort(
        key=lambda r: (
            -r.period.balance_placements,
            -r.period.balance_weeks,
            -r.total.balance_placements,
            r.name.casefold(),
        )
    )
    return rows


def _median_to_first_start(placements: list[PlacementFigure], period) -> tuple[float | None, int]:
    first: dict[int, tuple[dt.date, _Side]] = {}
    for p in placements:
        if p.started_on is None:
            continue
        known = first.get(p.candidate_id)
        if known is None or p.started_on < known[0]:
            first[p.candidate_id] = (p.started_on, p.candidate)
    days = [
        stats.days_between(_date(candidate.created_at), start)
        for start, candidate in first.values()
        if start in period and _date(candidate.created_at) <= start
    ]
    return stats.median(days), len(days)


def _network_candidates(ctx: Context, network: Network) -> list[SimpleNamespace]:
    """The network's active candidates with what the permission rules, the clock and the
    stale flag read (their networks, consents and current profile), in four plain queries
    instead of thousands of ORM objects (issue 17). Duck-typed for ``candidate_facts``,
    ``clock_of`` and ``is_stale``, so those rules stay in one place."""
    in_network = (
        select(candidate_networks.c.candidate_id)
        .where(candidate_networks.c.network_id == network.id)
        .scalar_subquery()
    )
    active = (Candidate.status == TrajectoryStatus.ACTIVE) & Candidate.id.in_(in_network)
    columns = (
        Candidate.id,
        Candidate.pseudonym,
        Candidate.coach_organisation_id,
        Candidate.home_employer_id,
        Candidate.status,
        Candidate.first_sick_day,
        Candidate.end_week,
        Candidate.second_track_start,
    )
    out = {
        row[0]: SimpleNamespace(
            **dict(zip([c.key for c in columns], row, strict=True)),
            networks=[],
            consents=[],
            profile=None,
        )
        for row in ctx.session.execute(select(*columns).where(active))
    }
    for cid, nid in ctx.session.execute(
        select(candidate_networks.c.candidate_id, candidate_networks.c.network_id)
        .join(Candidate, Candidate.id == candidate_networks.c.candidate_id)
        .where(active)
    ):
        out[cid].networks.append(SimpleNamespace(id=nid))
    for cid, scope, network_ids, host in ctx.session.execute(
        select(Consent.candidate_id, Consent.scope, Consent.network_ids, Consent.host_employer_id)
        .join(Candidate, Candidate.id == Consent.candidate_id)
        .where(active, Consent.withdrawn_at.is_(None))
        .order_by(Consent.id)
    ):
        out[cid].consents.append(
            SimpleNamespace(
                scope=scope, network_ids=network_ids, host_employer_id=host, withdrawn_at=None
            )
        )
    for cid, review_on in ctx.session.execute(
        select(CapacityProfile.candidate_id, CapacityProfile.review_on)
        .join(Candidate, Candidate.id == CapacityProfile.candidate_id)
        .where(active, CapacityProfile.is_current.is_(True))
        .order_by(CapacityProfile.id)
    ):
        out[cid].profile = SimpleNamespace(review_on=review_on)
    return list(out.values())


def _candidates(ctx: Context, network: Network, today: dt.date):
    actor = ctx.actor
    rows, hidden, ids, stale_count = [], 0, [], 0
    candidates = _network_candidates(ctx, network)
    wanted = {FieldGroup.FIT_SUMMARY, FieldGroup.TRAJECTORY_STATUS}
    for candidate in candidates:
        profile = candidate.profile
        stale = is_stale(profile, today)
        stale_count += stale
        facts = candidate_facts(candidate)
        if network.id not in facts.shared_network_ids or not (
            visible_fields(actor, facts) & wanted
        ):
            hidden += 1
            continue
        last = timeline.end_date(candidate.first_sick_day, candidate.end_week)
        urgency = (today > last, (last - today).days)  # the clock's, without its milestones
        rows.append((urgency, candidate.pseudonym, candidate, profile is not None, stale))
    # The most urgent are listed (and audited as shown); the figures count them all.
    rows.sort(key=lambda r: (r[0], r[1]))
    shown = []
    for _urgency, pseudonym, candidate, has_profile, stale in rows[:CANDIDATES_SHOWN]:
        clock = clock_of(candidate, today)
        shown.append(
            UrgentCandidate(
                pseudonym,
                clock.current_week,
                clock.end_week,
                clock.weeks_left,
                clock.past_end,
                has_profile,
                stale,
            )
        )
    ids = [r[2].id for r in rows[:CANDIDATES_SHOWN]]
    return shown, hidden, ids, len(candidates), stale_count


STALE_LISTINGS_SHOWN = 50  # the most overdue; the figure counts them all
CANDIDATES_SHOWN = 50  # the most urgent; the figure counts them all


def _places(ctx: Context, network: Network, now: dt.datetime):
    """Open and full places counted in the database; the stale open listings (not
    confirmed within the network's period) most overdue first, the first
    ``STALE_LISTINGS_SHOWN`` of them loaded (issue 17: a network has thousands of places)."""
    offered = (
        select(place_networks.c.place_id)
        .where(place_networks.c.network_id == network.id)
        .scalar_subquery()
    )
    period = dt.timedelta(days=network.freshness_days or 60)
    confirmed = func.coalesce(Place.last_confirmed_at, Place.created_at)
    stale_clause = (Place.status == PlaceStatus.OPEN) & (confirmed <= now - period)
    counts: dict[PlaceStatus, int] = {}
    free = stale_total = 0
    for status, count, free_slots, stale_count in ctx.session.execute(
        select(
            Place.status,
            func.count(Place.id),
            func.sum(Place.slots - Place.taken_slots),
            func.sum(case((stale_clause, 1), else_=0)),
        )
        .where(Place.id.in_(offered), Place.status.in_((PlaceStatus.OPEN, PlaceStatus.FULL)))
        .group_by(Place.status)
    ):
        counts[status] = count
        stale_total += int(stale_count or 0)
        if status is PlaceStatus.OPEN:
            free = int(free_slots or 0)
    overdue = (
        select(Place)
        .where(Place.id.in_(offered), stale_clause)
        .order_by(confirmed, Place.title, Place.id)
    )
    stale = []
    for place in ctx.session.scalars(
        overdue.options(selectinload(Place.employer), lazyload(Place.networks)).limit(
            STALE_LISTINGS_SHOWN
        )
    ):
        base = confirmed_base(place)
        stale.append(
            StaleListing(
                place.id,
                place.title,
                place.employer.name,
                _date(place.last_confirmed_at),
                (now - base - period).days,
            )
        )
    stale.sort(key=lambda s: (-s.days_overdue, s.title))
    return (
        counts.get(PlaceStatus.OPEN, 0),
        counts.get(PlaceStatus.FULL, 0),
        int(free or 0),
        stale,
        stale_total,
    )


@dataclass(frozen=True)
class _Computed:
    """What the network page shows, computed once; kept in the summary cache for
    ``DASHBOARD_CACHE_SECONDS`` (plain values only: no ORM objects)."""

    figures: NetworkFigures
    members: list[MemberRow]
    months: list[MonthRow]
    candidates: list[UrgentCandidate]
    hidden_candidates: int
    shown_ids: list[int]
    stale_listings: list[StaleListing]


def _compute(
    ctx: Context, network: Network, period: stats.Period, placements: list[PlacementFigure]
) -> _Computed:
    today = ctx.today()
    proposed = [p for p in placements if _date(p.proposed_at) in period]
    accepted = sum(p.status in ACCEPTED_EVER for p in proposed)
    declined = sum(p.status is Status.DECLINED for p in proposed)
    started = [p for p in placements if p.started_on in period]
    ended = [p for p in placements if p.status in ENDED and p.ended_on in period]
    completed = [p for p in ended if p.status is Status.COMPLETED]
    outcomes = {o: sum(p.outcome is o for p in completed) for o in Outcome}
    median_days, counted = _median_to_first_start(placements, period)
    candidates, hidden, shown_ids, active, stale_profiles = _candidates(ctx, network, today)
    open_places, full_places, free_slots, stale, stale_total = _places(ctx, network, ctx.now())

    figures = NetworkFigures(
        proposals=len(proposed),
        accepted=accepted,
        declined=declined,
        withdrawn=sum(p.status is Status.WITHDRAWN for p in proposed),
        awaiting_answer=sum(p.status is Status.PROPOSED for p in proposed),
        acceptance_rate=stats.rate(accepted, accepted + declined),
        starts=len(started),
        completions=len(completed),
        ended_early=len(ended) - len(completed),
        hires=outcomes[Outcome.HIRED],
        outcomes=outcomes,
        placement_weeks=sum(weeks_between(p.started_on, p.ended_on) for p in ended),
        transfers_started=sum(p.host_employer_id != p.home_employer_id for p in started),
        median_days_to_first_start=median_days,
        first_starts_counted=counted,
        open_places=open_places,
        full_places=full_places,
        free_slots=free_slots,
        stale_listings=stale_total,
        active_candidates=active,
        stale_profiles=stale_profiles,
    )
    starts_by_month = dict(stats.bucket_by_month((p.started_on for p in started), period))
    done_by_month = dict(stats.bucket_by_month((p.ended_on for p in completed), period))
    months = [
        MonthRow(month, count, starts_by_month[month], done_by_month[month])
        for month, count in stats.bucket_by_month((_date(p.proposed_at) for p in proposed), period)
    ]
    members = _members(ctx, network, placements, period)
    return _Computed(figures, members, months, candidates, hidden, shown_ids, stale)


def _cache_key(ctx: Context, network: Network, period: stats.Period) -> str:
    """Everything the page's values depend on besides the rows themselves: the viewer
    (what they may see), the network's settings, the period and today, and the consents'
    version, so that a withdrawn or new consent is never shown from an older page."""
    newest, withdrawn = ctx.session.execute(
        select(func.max(Consent.id), func.max(Consent.withdrawn_at))
    ).one()
    parts = (
        network.id,
        network.reciprocity_soft_limit,
        network.reciprocity_hard_limit,
        network.freshness_days,
        period.start,
        period.end,
        ctx.today(),
        ctx.actor_id,
        newest,
        withdrawn,
    )
    return "network-dashboard:" + ":".join(str(p) for p in parts)


REFRESH_LOCK_SECONDS = 30  # how long one request may take to refresh an entry
_clock = time.time  # wall time: the entries are shared by the workers (tests move it)


def _cached_compute(ctx: Context, network: Network, period: stats.Period) -> _Computed:
    """The page's values from the summary cache (issue 17: the figures read the network's
    thousands of placements, places and candidates, about 0.6 s on the national data
    set). Figures are at most ``DASHBOARD_CACHE_SECONDS`` old, or that plus the moment
    another request is taking to refresh them: once an entry is due, the first request
    refreshes it (holding a lock in the cache) while the others still get the entry it
    replaces instead of all computing it at once. 0 computes every time."""
    seconds = int(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0) or 0)
    if seconds <= 0:
        return _compute(ctx, network, period, _network_placements(ctx, network))
    key = _cache_key(ctx, network, period)
    entry = cache.get(key)
    now = _clock()
    due = not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], _Computed))
    if not due and now - entry[0] < seconds:
        return entry[1]
    lock = f"{key}:refresh"
    if not due and not cache.add(lock, 1, timeout=REFRESH_LOCK_SECONDS):
        return entry[1]  # another request is refreshing it
    if not due and ctx.after_response is not None:
        # the previous figures now; this worker refreshes them once the page has gone out
        network_id = network.id
        ctx.after_response(lambda fresh: _refresh(fresh, network_id, period, key, lock))
        return entry[1]
    try:
        computed = _compute(ctx, network, period, _network_placements(ctx, network))
        cache.set(key, (now, computed), timeout=2 * seconds)
    finally:
        if not due:
            cache.delete(lock)
    return computed


def _refresh(ctx: Context, network_id: int, period: stats.Period, key: str, lock: str) -> None:
    """Compute a due entry again (after the response of the request that found it due,
    holding its refresh lock) and store it."""
    try:
        network = ctx.session.get(Network, network_id)
        if network is not None:
            now = _clock()
            computed = _compute(ctx, network, period, _network_placements(ctx, network))
            seconds = int(current_app.config.get("DASHBOARD_CACHE_SECONDS", 0) or 0)
            cache.set(key, (now, computed), timeout=2 * max(seconds, 1))
    finally:
        cache.delete(lock)


def network_dashboard(
    ctx: Context,
    network_id: int,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    *,
    listing: bool = True,
) -> NetworkDashboard:
    """The coordinator's figures for one network and period (default: the last 12 months).

    ``listing``: the page lists candidates by pseudonym (audited on every view, cached or
    not); exports do not, and always compute afresh with every placement."""
    network = get_dashboard_network(ctx, network_id)
    period = period_of(start, end, ctx.today())
    if listing:
        computed, placements = _cached_compute(ctx, network, period), []
        with ctx.read_transaction():
            _audit_listed(
                ctx,
                computed.shown_ids,
                (FieldGroup.FIT_SUMMARY,),
                list="network_dashboard",
                network_id=network.id,
            )
    else:
        placements = _network_placements(ctx, network)
        computed = _compute(ctx, network, period, placements)
    return NetworkDashboard(
        network=network,
        period=period,
        figures=computed.figures,
        members=computed.members,
        months=computed.months,
        candidates=computed.candidates,
        hidden_candidates=computed.hidden_candidates,
        stale_listings=computed.stale_listings,
        placements=placements,
    )


# =========================================================================== exports


@dataclass(frozen=True)
class Export:
    filename: str
    content: bytes
    mimetype: str


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: Any) -> Any:
    """Keep spreadsheet programs from running cell text as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


Table = tuple[str, list[str], list[list[Any]]]  # (title, header, rows)


def _csv_cell(value: Any, locale: str) -> Any:
    """A cell as the reader's spreadsheet reads it: a Dutch decimal comma and day-month-
    year dates in Dutch, a decimal point and ISO dates in English."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float | Decimal):
        text = format(value, "f").rstrip("0").rstrip(".") if value % 1 else str(int(value))
        return text.replace(".", ",") if locale == "nl" else text
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.strftime("%d-%m-%Y") if locale == "nl" else day.isoformat()
    return _safe(value)


def _csv(tables: Sequence[Table]) -> bytes:
    """CSV for the reader's spreadsheet: in Dutch semicolons and decimal commas (what a
    Dutch Excel expects), in English commas and decimal points."""
    locale = formatting.current_locale()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if locale == "nl" else ",", lineterminator="\r\n")
    for i, (title, header, rows) in enumerate(tables):
        if i:
            writer.writerow([])
        if len(tables) > 1:
            writer.writerow([_safe(title)])
        writer.writerow([_safe(h) for h in header])
        for row in rows:
            writer.writerow([_csv_cell(v, locale) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in tables:
        sheet = workbook.create_sheet(title[:31])
        sheet.append([_safe(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe(v) for v in row])  # numbers and dates stay typed
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, dt.datetime | dt.date):
                    cell.number_format = "dd-mm-yyyy"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _render(tables: Sequence[Table], fmt: str) -> bytes:
    if fmt == "csv":
        return _csv(tables)
    if fmt == "xlsx":
        return _xlsx(tables)
    raise NotFound(_l("This export format does not exist."))


def _percent(value: float | None) -> float | None:
    return None if value is None else round(100 * value, 1)


def figure_tables(dash: NetworkDashboard) -> list[Table]:
    """The coordinator's figures as tables (the same numbers as the dashboard)."""
    f = dash.figures
    summary: list[list[Any]] = [
        [str(_l("Network")), dash.network.name],
        [str(_l("From")), dash.period.start],
        [str(_l("Until")), dash.period.end],
        [str(_l("Proposals")), f.proposals],
        [str(_l("Accepted")), f.accepted],
        [str(_l("Declined")), f.declined],
        [str(_l("Withdrawn")), f.withdrawn],
        [str(_l("Awaiting an answer")), f.awaiting_answer],
        [str(_l("Acceptance rate (%)")), _percent(f.acceptance_rate)],
        [str(_l("Starts")), f.starts],
        [str(_l("Completions")), f.completions],
        [str(_l("Ended early")), f.ended_early],
        [str(_l("Hires")), f.hires],
        [str(_l("Placement-weeks ended")), f.placement_weeks],
        [str(_l("Median days from registration to first start")), f.median_days_to_first_start],
        [str(_l("Candidates counted for the median")), f.first_starts_counted],
        [str(_l("Open places")), f.open_places],
        [str(_l("Full places")), f.full_places],
        [str(_l("Free slots")), f.free_slots],
        [str(_l("Stale listings")), f.stale_listings],
        [str(_l("Active candidates")), f.active_candidates],
        [str(_l("Stale capacity profiles")), f.stale_profiles],
    ]
    summary += [
        [str(_l("Outcome: %(o)s", o=labels.label(labels.PLACEMENT_OUTCOME, o))), n]
        for o, n in f.outcomes.items()
    ]
    members = [
        [
            m.name,
            labels.label(labels.MEMBERSHIP_STATUS, m.membership) if m.membership else "",
            m.period.hosted_placements,
            m.period.sent_placements,
            m.period.hosted_weeks,
            m.period.sent_weeks,
            m.period.balance_placements,
            m.period.balance_weeks,
            m.total.balance_placements,
            m.total.balance_weeks,
            str(_l("yes")) if m.verdict.warn else "",
        ]
        for m in dash.members
    ]
    member_header = [
        str(_l("Employer")),
        str(_l("Membership")),
        str(_l("Hosted placements")),
        str(_l("Sent placements")),
        str(_l("Hosted weeks")),
        str(_l("Sent weeks")),
        str(_l("Balance (placements)")),
        str(_l("Balance (weeks)")),
        str(_l("All-time balance (placements)")),
        str(_l("All-time balance (weeks)")),
        str(_l("Policy warning")),
    ]
    months = [
        [m.month.strftime("%Y-%m"), m.proposals, m.starts, m.completions] for m in dash.months
    ]
    month_header = [
        str(_l("Month")),
        str(_l("Proposals")),
        str(_l("Starts")),
        str(_l("Completions")),
    ]
    return [
        (str(_l("Figures")), [str(_l("Figure")), str(_l("Value"))], summary),
        (str(_l("Givers and takers")), member_header, members),
        (str(_l("Per month")), month_header, months),
    ]


def _audit_export(ctx: Context, dash: NetworkDashboard, kind: str, fmt: str, rows: int) -> None:
    with ctx.transaction():
        ctx.audit(
            "dashboard.exported",
            "network",
            dash.network.id,
            export=kind,
            format=fmt,
            start=dash.period.start,
            end=dash.period.end,
            rows=rows,
        )


def _filename(dash: NetworkDashboard, kind: str, fmt: str) -> str:
    return (
        f"network-{dash.network.id}-{kind}-{dash.period.start.isoformat()}"
        f"_{dash.period.end.isoformat()}.{fmt}"
    )


def export_figures(ctx: Context, network_id: int, start=None, end=None, fmt="csv") -> Export:
    """The coordinator's figures (summary, givers and takers, per month) as CSV or XLSX."""
    if fmt not in MIMETYPES:
        raise NotFound(_l("This export format does not exist."))
    dash = network_dashboard(ctx, network_id, start, end, listing=False)
    tables = figure_tables(dash)
    content = _render(tables, fmt)
    _audit_export(ctx, dash, "figures", fmt, sum(len(t[2]) for t in tables))
    return Export(_filename(dash, "figures", fmt), content, MIMETYPES[fmt])


# --------------------------------------------------------------------------- research


RESEARCH_COLUMNS = [
    "ref",
    "kind",
    "sector",
    "status",
    "outcome",
    "transfer",
    "proposed_in_period",
    "started_in_period",
    "ended_in_period",
    "proposal_week",
    "start_week",
    "end_week",
    "placement_weeks",
    "distance_band",
]


@dataclass(frozen=True)
class ResearchRow:
    """One placement, anonymised: no ids, names, notes, postcodes, employers or dates.

    Weeks are sickness weeks of the candidate (week 1 starts on the first day of sickness).
    """

    ref: str  # random, made for this export only
    kind: str
    sector: str
    status: str
    outcome: str
    transfer: bool  # host and home employer differ (a self-placement moves no balance)
    proposed_in_period: bool
    started_in_period: bool
    ended_in_period: bool
    proposal_week: int
    start_week: int | None
    end_week: int | None
    placement_weeks: int | None
    distance_band: str

    def values(self) -> list[Any]:
        return [
            int(v) if isinstance(v, bool) else v
            for v in (getattr(self, c) for c in RESEARCH_COLUMNS)
        ]


@dataclass(frozen=True)
class ResearchTotals:
    proposals: int
    accepted: int
    declined: int
    starts: int
    completions: int
    ended_early: int
    hires: int
    placement_weeks: int
    transfers_started: int
    transfer_weeks: int


def research_totals(rows: Iterable[ResearchRow]) -> ResearchTotals:
    """The dashboard's period figures recomputed from the research rows alone."""
    rows = list(rows)
    proposed = [r for r in rows if r.proposed_in_period]
    ended = [r for r in rows if r.ended_in_period]
    started = [r for r in rows if r.started_in_period]
    return ResearchTotals(
        proposals=len(proposed),
        accepted=sum(r.status in ACCEPTED_EVER for r in proposed),
        declined=sum(r.status == Status.DECLINED for r in proposed),
        starts=len(started),
        completions=sum(r.status == Status.COMPLETED for r in ended),
        ended_early=sum(r.status == Status.ENDED_EARLY for r in ended),
        hires=sum(r.status == Status.COMPLETED and r.outcome == Outcome.HIRED for r in ended),
        placement_weeks=sum(r.placement_weeks or 0 for r in ended),
        transfers_started=sum(r.transfer for r in started),
        transfer_weeks=sum(r.placement_weeks or 0 for r in ended if r.transfer),
    )


def _refs(count: int) -> list[str]:
    refs: set[str] = set()
    while len(refs) < count:
        refs.add(secrets.token_hex(5))
    return list(refs)


def research_rows(dash: NetworkDashboard) -> list[ResearchRow]:
    """One anonymised row per placement proposed, started or ended in the period, in a
    random order with random references."""
    period = dash.period
    chosen = [
        p
        for p in dash.placements
        if _date(p.proposed_at) in period
        or p.started_on in period
        or (p.status in ENDED and p.ended_on in period)
    ]
    rng = secrets.SystemRandom()
    rng.shuffle(chosen)
    rows = []
    for ref, p in zip(_refs(len(chosen)), chosen, strict=True):
        first_day = p.candidate.first_sick_day
        started = p.started_on if p.status in STARTED_STATUSES else None
        ended = p.ended_on if p.status in ENDED else None
        rows.append(
            ResearchRow(
                ref=ref,
                kind=p.place.kind.value,
                sector=p.place.sector or "",
                status=Status(p.status).value,
                outcome=p.outcome.value if p.outcome else "",
                transfer=p.host_employer_id != p.home_employer_id,
                proposed_in_period=_date(p.proposed_at) in period,
                started_in_period=started in period,
                ended_in_period=ended in period,
                proposal_week=timeline.week_number(first_day, _date(p.proposed_at)),
                start_week=timeline.week_number(first_day, started) if started else None,
                end_week=timeline.week_number(first_day, ended) if ended else None,
                placement_weeks=weeks_between(started, ended) if started and ended else None,
                distance_band=stats.distance_band(p.distance_km),
            )
        )
    return rows


_RESEARCH_LABELS = {
    "kind": labels.PLACE_KIND,
    "status": labels.PLACEMENT_STATUS,
    "outcome": labels.PLACEMENT_OUTCOME,
}


def _research_cells(row: ResearchRow) -> list[Any]:
    """A research row as the file shows it: the column names stay technical (a data
    format), the kind, status and outcome cells read as labels in the reader's language."""
    out = row.values()
    for column, table in _RESEARCH_LABELS.items():
        i = RESEARCH_COLUMNS.index(column)
        out[i] = labels.label(table, out[i]) if out[i] else out[i]
    return out


def export_research(ctx: Context, network_id: int, start=None, end=None, fmt="csv") -> Export:
    """The anonymised research export of one network and period, as CSV or XLSX."""
    if fmt not in MIMETYPES:
        raise NotFound(_l("This export format does not exist."))
    dash = network_dashboard(ctx, network_id, start, end, listing=False)
    rows = research_rows(dash)
    content = _render([("placements", RESEARCH_COLUMNS, [_research_cells(r) for r in rows])], fmt)
    _audit_export(ctx, dash, "research", fmt, len(rows))
    return Export(_filename(dash, "research", fmt), content, MIMETYPES[fmt])
