"""What each role should do next: the to-do lists of the home pages and the nav badges.

One function per role returns :class:`TodoItem` rows (a count, a label and where the
filtered list is), most urgent first. Every count is one SQL ``COUNT`` (never a loop over
rows), so a home page costs a fixed number of statements whatever the data size; the
tests check each count against the list the link leads to. One exception: the coach's
new matching places run the matcher on the places created since each candidate's last
search (three statements, Python work bounded by those new places).

Deadlines and freshness periods differ per network: the queries compare with one cut-off
date per distinct setting (a handful), see :func:`registry.domain.deadlines.latest_overdue_day`.

Size (over 500 lines): the four roles' counts share their clauses (overdue, near the end
week, confirmation due) with the lists they link to and with the nav badges, so a count
and its list cannot drift apart. The administrator's follow-up (accounts, jobs) is the
part to move out next, once the item helpers have a module of their own (the services
may not import each other in a cycle).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _ln
from sqlalchemy import ColumnElement, and_, exists, false, func, or_, select

from registry.domain import deadlines
from registry.domain.ledger import Balance, Unit
from registry.domain.permissions import Role
from registry.domain.placement import Status
from registry.models import (
    AuditEvent,
    Candidate,
    CapacityProfile,
    JobRun,
    LedgerEntryRecord,
    Membership,
    MembershipStatus,
    Network,
    Place,
    Placement,
    PlaceStatus,
    SignInThrottle,
    TrajectoryStatus,
    User,
    place_networks,
)
from registry.models.organisations import ANSWER_DEADLINE_DAYS
from registry.search.new_matches import new_matches_since_visit
from registry.services import ledger as ledger_service
from registry.services import throttle
from registry.services.context import Context
from registry.services.places import DEFAULT_FRESHNESS_DAYS, REMINDER_DAYS_BEFORE

# A coach's candidate is "near the end" from this week of sickness on (26 weeks to go).
NEAR_END_WEEK = 78
# Running placements whose planned end is this close (or past) are due to be closed.
ENDING_WITHIN_DAYS = 7
# An account nobody signed in with for this long counts as inactive.
INACTIVE_DAYS = 180
# A scheduled job without a successful run for this long needs attention.
JOB_STALE_HOURS = 26
JOBS = ("mail", "notifications", "places_sweep")
JOB_LABELS = {
    "mail": _l("Sending e-mail"),
    "notifications": _l("Notifications and reminders"),
    "places_sweep": _l("Freshness sweep of places"),
}


@dataclass(frozen=True)
class TodoItem:
    """One line of a to-do list: ``count`` things, found at ``endpoint`` with ``args``."""

    key: str
    label: object
    count: int
    endpoint: str
    args: dict[str, Any] = field(default_factory=dict)
    detail: object = ""
    overdue: bool = False  # shown as urgent (past a deadline)


@dataclass(frozen=True)
class JobHealth:
    job: str
    label: object
    last_ok_at: dt.datetime | None
    healthy: bool


@dataclass(frozen=True)
class BalanceLine:
    network_name: str
    balance: Balance
    meaning: object


@dataclass
class Home:
    """A user's to-do lists, per role they hold."""

    sections: dict[Role, list[TodoItem]]
    jobs: list[JobHealth] = field(default_factory=list)
    balances: list[BalanceLine] = field(default_factory=list)

    def open_items(self, role: Role) -> list[TodoItem]:
        return [i for i in self.sections.get(role, []) if i.count]

    @property
    def total(self) -> int:
        return sum(i.count for items in self.sections.values() for i in items)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _count(ctx: Context, query) -> int:
    return int(ctx.session.scalar(query) or 0)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _days_ago(ctx: Context, when: dt.datetime | None) -> int:
    when = _aware(when)
    return max(0, (ctx.now() - when).days) if when else 0


# --------------------------------------------------------------------------- deadlines


def _deadline_settings(ctx: Context) -> list[int]:
    """The distinct answer deadlines the networks set (the default included)."""
    values = {
        v or ANSWER_DEADLINE_DAYS
        for v in ctx.session.scalars(select(Network.answer_deadline_days).distinct())
    }
    return sorted(values | {ANSWER_DEADLINE_DAYS})


def overdue_clause(ctx: Context, deadline_days: Iterable[int] | None = None) -> ColumnElement:
    """SQL: a proposed placement whose network's answer deadline has passed today."""
    today = ctx.today()
    setting = func.coalesce(Network.answer_deadline_days, ANSWER_DEADLINE_DAYS)
    parts = [
        and_(
            setting == days,
            Placement.proposed_at
            < _start_of(deadlines.latest_overdue_day(today, days)) + dt.timedelta(days=1),
        )
        for days in (deadline_days if deadline_days is not None else _deadline_settings(ctx))
    ]
    return and_(
        Placement.status == Status.PROPOSED,
        exists().where(Network.id == Placement.network_id, or_(*parts)),
    )


def deadline_of(placement: Placement) -> dt.date:
    """The day by which the host should answer the proposal."""
    days = placement.network.answer_deadline if placement.network else ANSWER_DEADLINE_DAYS
    proposed = _aware(placement.proposed_at)
    return deadlines.add_working_days(proposed.date() if proposed else dt.date.today(), days)


def is_overdue(placement: Placement, today: dt.date) -> bool:
    return placement.status is Status.PROPOSED and deadline_of(placement) < today


def _proposal_counts(ctx: Context, scope: ColumnElement) -> tuple[int, int, dt.datetime | None]:
    """(open proposals, overdue ones, the oldest proposal time) within ``scope``."""
    row = ctx.session.execute(
        select(func.count(Placement.id), func.min(Placement.proposed_at)).where(
            scope, Placement.status == Status.PROPOSED
        )
    ).one()
    total, oldest = int(row[0] or 0), row[1]
    overdue = _count(ctx, select(func.count(Placement.id)).where(scope, overdue_clause(ctx)))
    return total, overdue, oldest


def _waiting_detail(ctx: Context, oldest: dt.datetime | None, overdue: int) -> object:
    days = _days_ago(ctx, oldest)
    if overdue:
        return _ln(
            "The oldest has waited %(num)s day; %(overdue)s past the answer deadline.",
            "The oldest has waited %(num)s days; %(overdue)s past the answer deadline.",
            days,
            overdue=overdue,
        )
    return _ln("The oldest has waited %(num)s day.", "The oldest has waited %(num)s days.", days)


# --------------------------------------------------------------------------- coach


def coach_items(ctx: Context) -> list[TodoItem]:
    actor = ctx.actor
    if actor is None or not actor.is_(Role.COACH) or actor.coach_organisation_id is None:
        return []
    org = actor.coach_organisation_id
    mine = Placement.coach_organisation_id == org
    today = ctx.today()
    waiting, overdue, oldest = _proposal_counts(ctx, mine)
    accepted = _count(
        ctx, select(func.count(Placement.id)).where(mine, Placement.status == Status.ACCEPTED)
    )
    not_introduced = _count(
        ctx,
        select(func.count(Placement.id)).where(
            mine,
            Placement.status == Status.ACCEPTED,
            Placement.introduction_recorded_at.is_(None),
        ),
    )
    ending = _count(
        ctx,
        select(func.count(Placement.id)).where(
            mine,
            Placement.status == Status.STARTED,
            Placement.planned_end.is_not(None),
            Placement.planned_end <= today + dt.timedelta(days=ENDING_WITHIN_DAYS),
        ),
    )
    active = and_(
        Candidate.coach_organisation_id == org, Candidate.status == TrajectoryStatus.ACTIVE
    )
    stale = _count(
        ctx,
        select(func.count(CapacityProfile.id))
        .join(Candidate, Candidate.id == CapacityProfile.candidate_id)
        .where(
            active,
            CapacityProfile.is_current.is_(True),
            CapacityProfile.review_on.is_not(None),
            CapacityProfile.review_on < today,
        ),
    )
    near_end = _count(ctx, select(func.count(Candidate.id)).where(near_end_clause(today, active)))
    # The real matcher on the places created since each candidate's last search: three
    # statements whatever the number of candidates (registry.search.usecases).
    matched = new_matches_since_visit(ctx.session, actor.user_id, org, today)
    new_places = sum(matched.values())
    return [
        TodoItem(
            "proposals_waiting",
            _l("Proposals waiting for an answer from the host"),
            waiting,
            "placements.index",
            {"status": Status.PROPOSED.value},
            _waiting_detail(ctx, oldest, overdue),
            overdue=bool(overdue),
        ),
        TodoItem(
            "accepted",
            _l("Accepted placements to introduce and start"),
            accepted,
            "placements.index",
            {"status": Status.ACCEPTED.value},
            _l("%(n)s without an introduction yet.", n=not_introduced) if not_introduced else "",
        ),
        TodoItem(
            "ending",
            _l("Running placements to evaluate or close (planned end within a week)"),
            ending,
            "placements.index",
            {"status": Status.STARTED.value},
        ),
        TodoItem(
            "near_end",
            _l(
                "Candidates from week %(week)s without an accepted or running placement",
                week=NEAR_END_WEEK,
            ),
            near_end,
            "candidates.index",
            {},
            _l("The list shows the most urgent first."),
        ),
        TodoItem(
            "new_places",
            _l("New places that match a candidate since your last search for them"),
            new_places,
            "candidates.index",
            {},
            _ln(
                "For %(num)s candidate. Search again to see them.",
                "For %(num)s candidates. Search again to see them.",
                len(matched),
            )
            if matched
            else "",
        ),
        TodoItem(
            "stale_profiles",
            _l("Capacity profiles past their review date"),
            stale,
            "candidates.index",
            {"flag": "stale"},
        ),
    ]


def near_end_clause(today: dt.date, base: ColumnElement) -> ColumnElement:
    """SQL: active candidates sick for NEAR_END_WEEK weeks or more, nothing accepted or
    running."""
    return and_(
        base,
        Candidate.first_sick_day <= today - dt.timedelta(weeks=NEAR_END_WEEK - 1),
        ~exists().where(
            Placement.candidate_id == Candidate.id,
            Placement.status.in_((Status.ACCEPTED, Status.STARTED)),
        ),
    )


# --------------------------------------------------------------------------- employer


def _freshness_settings(ctx: Context) -> list[int]:
    return sorted({v for v in ctx.session.scalars(select(Network.freshness_days).distinct()) if v})


def confirm_due_clause(ctx: Context) -> ColumnElement:
    """SQL: an open or full place within the reminder window of its freshness period (or
    past it). The period is the strictest of its networks', so the place is due exactly
    when one of its networks' periods says so."""
    now = ctx.now()
    base = func.coalesce(Place.last_confirmed_at, Place.created_at)

    def cutoff(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days - REMINDER_DAYS_BEFORE)

    per_network = [
        and_(Network.freshness_days == days, base <= cutoff(days))
        for days in _freshness_settings(ctx)
    ]
    in_network = exists().where(
        place_networks.c.place_id == Place.id,
        Network.id == place_networks.c.network_id,
        or_(*per_network) if per_network else false(),
    )
    no_network = and_(
        ~exists().where(place_networks.c.place_id == Place.id),
        base <= cutoff(DEFAULT_FRESHNESS_DAYS),
    )
    return and_(Place.status.in_((PlaceStatus.OPEN, PlaceStatus.FULL)), or_(in_network, no_network))


def employer_items(ctx: Context) -> list[TodoItem]:
    actor = ctx.actor
    if actor is None or not actor.is_(Role.EMPLOYER) or not actor.employer_ids:
        return []
    ids = sorted(actor.employer_ids)
    hosts = Placement.host_employer_id.in_(ids)
    today = ctx.today()
    waiting, overdue, oldest = _proposal_counts(ctx, hosts)
    deadline = _deadline_note(ctx)
    to_start = _count(
        ctx, select(func.count(Placement.id)).where(hosts, Placement.status == Status.ACCEPTED)
    )
    to_complete = _count(
        ctx,
        select(func.count(Placement.id)).where(
            hosts,
            Placement.status == Status.STARTED,
            Placement.planned_end.is_not(None),
            Placement.planned_end <= today,
        ),
    )
    to_evaluate = _count(
        ctx,
        select(func.count(Placement.id)).where(
            hosts,
            Placement.status.in_((Status.COMPLETED, Status.ENDED_EARLY)),
            Placement.evaluated_at.is_(None),
        ),
    )
    own_places = Place.employer_id.in_(ids)
    to_confirm = _count(
        ctx, select(func.count(Place.id)).where(own_places, confirm_due_clause(ctx))
    )
    sent_back = _count(
        ctx,
        select(func.count(Place.id)).where(
            own_places, Place.status == PlaceStatus.DRAFT, Place.review_note != ""
        ),
    )
    return [
        TodoItem(
            "proposals_to_answer",
            _l("Proposals to answer"),
            waiting,
            "placements.inbox",
            {},
            _l(
                "%(detail)s %(deadline)s",
                detail=_waiting_detail(ctx, oldest, overdue),
                deadline=deadline,
            ),
            overdue=bool(overdue),
        ),
        TodoItem(
            "places_to_confirm",
            _l("Places to confirm before they pause"),
            to_confirm,
            "places.index",
            {"sort": "confirmed"},
            _l("Coaches no longer find a place that pauses."),
        ),
        TodoItem(
            "sent_back",
            _l("Places sent back for changes"),
            sent_back,
            "places.index",
            {"status": PlaceStatus.DRAFT.value},
            _l("The coordinator's reason is on the place."),
        ),
        TodoItem(
            "to_start",
            _l("Accepted placements to start"),
            to_start,
            "placements.index",
            {"status": Status.ACCEPTED.value},
        ),
        TodoItem(
            "to_complete",
            _l("Running placements past their planned end, to complete"),
            to_complete,
            "placements.index",
            {"status": Status.STARTED.value},
        ),
        TodoItem(
            "to_evaluate",
            _l("Finished placements to evaluate"),
            to_evaluate,
            "placements.index",
            {"status": Status.COMPLETED.value},
        ),
    ]


def _deadline_note(ctx: Context) -> object:
    settings = _deadline_settings(ctx)
    if len(settings) == 1:
        return _ln(
            "Answer within %(num)s working day.", "Answer within %(num)s working days.", settings[0]
        )
    return _ln(
        "Answer within the network's deadline (%(num)s working day or more).",
        "Answer within the network's deadline (%(num)s working days or more).",
        settings[0],
    )


def employer_balances(ctx: Context) -> list[BalanceLine]:
    """The reciprocity balance of the actor's employers per admitted network."""
    actor = ctx.actor
    if actor is None or not actor.employer_ids:
        return []
    rows = ctx.session.execute(
        select(Membership.employer_id, Network)
        .join(Network, Network.id == Membership.network_id)
        .where(
            Membership.employer_id.in_(sorted(actor.employer_ids)),
            Membership.status == MembershipStatus.ADMITTED,
        )
        .order_by(Network.name)
    ).all()
    lines = []
    for employer_id, network in rows:
        balance = ledger_service.balance_of(ctx.session, network.id, employer_id)
        lines.append(BalanceLine(network.name, balance, balance_meaning(balance)))
    return lines


def balance_meaning(balance: Balance) -> object:
    value = balance.balance_placements
    if value > 0:
        return _ln(
            "You have hosted %(num)s more placement than you sent: you give.",
            "You have hosted %(num)s more placements than you sent: you give.",
            value,
        )
    if value < 0:
        return _ln(
            "You have sent %(num)s more placement than you hosted: you take.",
            "You have sent %(num)s more placements than you hosted: you take.",
            -value,
        )
    return _l("You have hosted as many placements as you sent: in balance.")


# --------------------------------------------------------------------------- coordinator


def coordinator_items(ctx: Context) -> list[TodoItem]:
    actor = ctx.actor
    if actor is None or not actor.is_(Role.COORDINATOR) or not actor.coordinated_network_ids:
        return []
    nets = sorted(actor.coordinated_network_ids)
    in_nets = exists().where(
        place_networks.c.place_id == Place.id, place_networks.c.network_id.in_(nets)
    )
    # The reviewing networks first, as values: with the join inside the count PostgreSQL
    # misjudged the rows and probed a network's places one by one (37 ms -> 4 ms).
    reviewing_ids = list(
        ctx.session.scalars(
            select(Network.id).where(Network.id.in_(nets), Network.review_new_places.is_(True))
        )
    )
    to_review, oldest = 0, None
    if reviewing_ids:
        row = ctx.session.execute(
            select(func.count(Place.id), func.min(Place.updated_at)).where(
                Place.status == PlaceStatus.SUBMITTED,
                exists().where(
                    place_networks.c.place_id == Place.id,
                    place_networks.c.network_id.in_(reviewing_ids),
                ),
            )
        ).one()
        to_review, oldest = int(row[0] or 0), row[1]
    paused = _count(ctx, select(func.count(Place.id)).where(paused_by_sweep_clause(), in_nets))
    overdue = _count(
        ctx,
        select(func.count(Placement.id)).where(Placement.network_id.in_(nets), overdue_clause(ctx)),
    )
    requests = _count(
        ctx,
        select(func.count(Membership.id)).where(
            Membership.network_id.in_(nets), Membership.status == MembershipStatus.APPLIED
        ),
    )
    out_of_balance = len(out_of_balance_pairs(ctx, nets))
    first = nets[0]
    return [
        TodoItem(
            "places_to_review",
            _l("Places waiting for review"),
            to_review,
            "places.curation",
            {"status": PlaceStatus.SUBMITTED.value, "sort": "created"},
            _ln(
                "The oldest has waited %(num)s day.",
                "The oldest has waited %(num)s days.",
                _days_ago(ctx, oldest),
            )
            if to_review
            else "",
        ),
        TodoItem(
            "proposals_overdue",
            _l("Proposals unanswered past the deadline"),
            overdue,
            "placements.index",
            {"status": Status.PROPOSED.value},
            overdue=bool(overdue),
        ),
        TodoItem(
            "membership_requests",
            _l("Membership requests"),
            requests,
            "networks.show" if len(nets) == 1 else "networks.index",
            {"network_id": first} if len(nets) == 1 else {},
        ),
        TodoItem(
            "paused_places",
            _l("Places paused because nobody confirmed them in time"),
            paused,
            "places.curation",
            {"status": PlaceStatus.PAUSED.value, "sort": "confirmed"},
            _l(
                "The list shows every paused place, also those the employer paused;"
                " the longest unconfirmed come first."
            ),
        ),
        TodoItem(
            "out_of_balance",
            _l("Employers out of balance under the network's policy"),
            out_of_balance,
            "dashboards.network",
            {"network_id": first},
        ),
    ]


def paused_by_sweep_clause() -> ColumnElement:
    """SQL: a paused place whose latest pause was the freshness sweep's
    (``place.paused_stale``), not the employer's (``place.pause``): the rule of
    :func:`registry.services.places._paused_by_sweep`, as one correlated subquery."""
    latest = (
        select(AuditEvent.action)
        .where(
            AuditEvent.object_type == "place",
            AuditEvent.object_id == Place.id,
            AuditEvent.action.in_(("place.pause", "place.paused_stale")),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(1)
        .correlate(Place)
        .scalar_subquery()
    )
    ever_swept = select(AuditEvent.object_id).where(
        AuditEvent.object_type == "place", AuditEvent.action == "place.paused_stale"
    )
    # ``ever_swept`` follows from the rule (the latest pause was the sweep's) and lets the
    # database start from the few swept places (index ix_audit_events_action) instead of
    # every paused place of the networks.
    return and_(
        Place.status == PlaceStatus.PAUSED,
        Place.id.in_(ever_swept),
        latest == "place.paused_stale",
    )


def out_of_balance_pairs(ctx: Context, network_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(network, employer) pairs the network's reciprocity policy warns about: sent minus
    hosted placements at or above the soft limit (registry.domain.ledger.check_policy).
    The balance in placements is the sum of the stored postings (hosted +, sent -)."""
    net_sum = func.sum(LedgerEntryRecord.amount)
    rows = ctx.session.execute(
        select(LedgerEntryRecord.network_id, LedgerEntryRecord.employer_id)
        .join(Network, Network.id == LedgerEntryRecord.network_id)
        .where(
            LedgerEntryRecord.network_id.in_(list(network_ids)),
            LedgerEntryRecord.unit == Unit.PLACEMENTS,
            Network.reciprocity_soft_limit.is_not(None),
        )
        .group_by(
            LedgerEntryRecord.network_id,
            LedgerEntryRecord.employer_id,
            Network.reciprocity_soft_limit,
        )
        .having(-net_sum >= Network.reciprocity_soft_limit)
    ).all()
    return [(int(n), int(e)) for n, e in rows]


# --------------------------------------------------------------------------- administrator


def admin_items(ctx: Context) -> list[TodoItem]:
    actor = ctx.actor
    if actor is None or not actor.is_(Role.ADMIN):
        return []
    now = ctx.now()
    invited = _count(
        ctx,
        select(func.count(User.id)).where(User.active.is_(True), User.password_hash.is_(None)),
    )
    deactivated = _count(ctx, select(func.count(User.id)).where(User.active.is_(False)))
    inactive = _count(ctx, select(func.count(User.id)).where(inactive_clause(now)))
    delayed = len(delayed_user_ids(ctx))
    unhealthy = sum(not j.healthy for j in job_health(ctx))
    return [
        TodoItem(
            "jobs_unhealthy",
            _l("Scheduled jobs without a recent successful run"),
            unhealthy,
            "main.home",
            {"_anchor": "jobs"},
            overdue=bool(unhealthy),
        ),
        TodoItem(
            "invitations_open",
            _l("Invitations not accepted"),
            invited,
            "admin.users",
            {"show": "invited"},
        ),
        TodoItem(
            "inactive_accounts",
            _l("Accounts without a sign-in for %(days)s days", days=INACTIVE_DAYS),
            inactive,
            "admin.users",
            {"show": "inactive"},
        ),
        TodoItem(
            "delayed_accounts",
            _l("Accounts with a sign-in delay after failed attempts"),
            delayed,
            "admin.users",
            {"show": "delayed"},
            _l(
                "The delay ends by itself; setting a new password through a reset link ends it now."
            ),
        ),
        TodoItem(
            "deactivated_accounts",
            _l("Deactivated accounts"),
            deactivated,
            "admin.users",
            {"show": "deactivated"},
        ),
    ]


def inactive_clause(now: dt.datetime) -> ColumnElement:
    """SQL: an active account with a password that nobody used for INACTIVE_DAYS."""
    limit = now - dt.timedelta(days=INACTIVE_DAYS)
    return and_(
        User.active.is_(True),
        User.password_hash.is_not(None),
        func.coalesce(User.last_login_at, User.created_at) < limit,
    )


def delayed_user_ids(ctx: Context) -> set[int]:
    """Accounts whose sign-in is delayed right now (registry.services.throttle keys an
    account by a hash of its e-mail address, which SQL cannot compute on SQLite): one
    statement for the few delayed keys and, only when there are any, one for the
    addresses to hash."""
    keys = set(
        ctx.session.scalars(
            select(SignInThrottle.key).where(
                SignInThrottle.key.startswith("account:"),
                SignInThrottle.blocked_until > ctx.now(),
            )
        )
    )
    if not keys:
        return set()
    rows = ctx.session.execute(select(User.id, User.email))
    return {uid for uid, email in rows if throttle.account_key(email) in keys}


def job_health(ctx: Context) -> list[JobHealth]:
    """The last successful run of each scheduled job, and whether it is recent enough."""
    rows = dict(
        ctx.session.execute(
            select(JobRun.job, func.max(JobRun.finished_at))
            .where(JobRun.ok.is_(True), JobRun.job.in_(JOBS))
            .group_by(JobRun.job)
        ).all()
    )
    limit = ctx.now() - dt.timedelta(hours=JOB_STALE_HOURS)
    out = []
    for job in JOBS:
        last = _aware(rows.get(job))
        out.append(JobHealth(job, JOB_LABELS[job], last, last is not None and last >= limit))
    return out


# --------------------------------------------------------------------------- together


ROLE_ITEMS = (
    (Role.ADMIN, admin_items),
    (Role.COORDINATOR, coordinator_items),
    (Role.EMPLOYER, employer_items),
    (Role.COACH, coach_items),
)


def home(ctx: Context) -> Home:
    """Every to-do list of the actor, with the job health and reciprocity balances."""
    actor = ctx.actor
    sections: dict[Role, list[TodoItem]] = {}
    if actor is None:
        return Home(sections)
    for role, build in ROLE_ITEMS:
        if actor.is_(role):
            sections[role] = build(ctx)
    return Home(
        sections,
        jobs=job_health(ctx) if actor.is_(Role.ADMIN) else [],
        balances=employer_balances(ctx) if actor.is_(Role.EMPLOYER) else [],
    )


def badges(ctx: Context) -> dict[str, int]:
    """Counts for the navigation: per nav entry the open to-dos that link to it."""
    sections = {}
    for role, build in ROLE_ITEMS:
        if ctx.actor is not None and ctx.actor.is_(role):
            sections[role] = build(ctx)
    return badges_of(Home(sections))


def badges_of(home: Home) -> dict[str, int]:
    out: dict[str, int] = {}
    for items in home.sections.values():
        for item in items:
            if item.count and item.endpoint != "main.home":
                out[item.endpoint] = out.get(item.endpoint, 0) + item.count
    out["main.home"] = home.total
    return out


USER_FILTERS = ("invited", "inactive", "delayed", "deactivated")


def follow_up_users(ctx: Context, show: str) -> list[User] | None:
    """The accounts behind an administrator's to-do (None for an unknown filter)."""
    from registry.domain.permissions import Action

    ctx.require(Action.USER_MANAGE)
    clauses = {
        "invited": and_(User.active.is_(True), User.password_hash.is_(None)),
        "inactive": inactive_clause(ctx.now()),
        "delayed": User.id.in_(delayed_user_ids(ctx)) if show == "delayed" else false(),
        "deactivated": User.active.is_(False),
    }
    if show not in clauses:
        return None
    return list(ctx.session.scalars(select(User).where(clauses[show]).order_by(User.email)))
