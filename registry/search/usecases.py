"""The search's use cases: a coach's candidate search and a place's reverse search.

:func:`search_for_candidate` is what the coach's search page calls: it loads the
candidate (permission checked and audited by the candidates service), builds the
search facts, and gets the page in one pass (:func:`page_hits`: the matches and near
misses with the page's limits, explained, with the places' summaries and this month's
intake counts); then it commits the search's audit event and the visit together.
:func:`reverse_search` lists the candidates (pseudonymous) that fit a place. Request
parsing lives in the web layer (``registry.web.search.forms``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from registry.domain import timeline
from registry.domain.matching import MatchResult, Outcome, PlaceFacts, SearchFacts, evaluate
from registry.domain.permissions import Action, FieldGroup, can, visible_fields
from registry.domain.workload import CapacityFacts
from registry.models import (
    Candidate,
    Place,
    PlaceKind,
    PlaceStatus,
)
from registry.models.alerts import SearchFollow
from registry.models.search import SearchVisit
from registry.search import sql
from registry.search.codec import demand_facts_of
from registry.search.engine import (
    DEFAULT_LIMIT,
    NEAR_MISS_LIMIT,
    Scope,
    SearchStats,
    norm_function,
    search_page,
)
from registry.search.shown import PlaceSummary, summary_of_row
from registry.services import candidates as cands
from registry.services import places as place_svc
from registry.services.context import Context
from registry.services.errors import ValidationFailed

# --------------------------------------------------------------------------- facts


def split_functions(text: str | None) -> frozenset[str]:
    """A candidate's preferred functions, typed as a comma- or line-separated list."""
    parts = (text or "").replace("\n", ",").replace(";", ",").split(",")
    return frozenset(p for p in (norm_function(x) for x in parts) if p)


def place_facts_of(row: Any) -> PlaceFacts:
    """A place row (or Place) as the matcher sees it, demands included."""
    status = row.status.value if hasattr(row.status, "value") else row.status
    kind = row.kind.value if hasattr(row.kind, "value") else row.kind
    return PlaceFacts(
        place_id=row.id,
        coordinate=(row.lat, row.lon),
        kind=kind,
        demand=demand_facts_of(row),
        sector=row.sector or None,
        function=norm_function(row.function),
        until=row.available_until,
        ongoing=bool(row.ongoing),
        open=status == PlaceStatus.OPEN.value,
        free_slots=(row.slots or 0) - (row.taken_slots or 0),
        employer_id=row.employer_id,
    )


@dataclass(frozen=True)
class SearchFilters:
    """Filters a coach applies on top of the candidate's own search facts."""

    kinds: frozenset[str] = frozenset()  # empty: every kind the candidate accepts
    max_km: float | None = None  # None: the candidate's travel range
    network_ids: frozenset[int] = frozenset()  # empty: every network the candidate uses
    sector: str | None = None

    def as_query(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.kinds:
            query["kind"] = sorted(self.kinds)
        if self.max_km is not None:
            query["km"] = int(self.max_km) if float(self.max_km).is_integer() else self.max_km
        if self.network_ids:
            query["network"] = sorted(self.network_ids)
        if self.sector:
            query["sector"] = self.sector
        return query


def candidate_capacity(candidate: Any, profile: Any) -> CapacityFacts:
    """The candidate's capacity as the matcher compares it: the current profile (FML
    reading: a dimension without a limitation is normal) or, without one, nothing stated
    (every item unknown); and in both cases the hours the candidate can work now."""
    now_day, now_week = candidate.hours_per_day, candidate.hours_per_week
    if profile is None:
        return CapacityFacts.without_profile(now_day, now_week)
    return dataclasses.replace(
        cands.capacity_facts(profile), now_hours_per_day=now_day, now_hours_per_week=now_week
    )


def candidate_search_facts(
    candidate: Any, profile: Any, today: dt.date | None = None
) -> SearchFacts:
    """A candidate (and current capacity profile) as the matcher's ``SearchFacts``; with
    ``today``, places whose period ended before it are left out."""
    if candidate.lat is None or candidate.lon is None:
        raise ValidationFailed.field(
            "postcode", _l("The candidate has no known home area, so there is nothing to search.")
        )
    kinds = frozenset(candidate.accepted_kinds or ()) or frozenset(k.value for k in PlaceKind)
    return SearchFacts(
        home=(candidate.lat, candidate.lon),
        max_km=float(candidate.max_km or 0),
        kinds=kinds,
        capacity=candidate_capacity(candidate, profile),
        first_sick_day=candidate.first_sick_day,
        end_week=candidate.end_week or timeline.DEFAULT_END_WEEK,
        preferred_sectors=frozenset(candidate.preferred_sectors or ()),
        preferred_functions=split_functions(candidate.preferred_functions),
        home_employer_id=candidate.home_employer_id,
        today=today,
    )


@dataclass
class Hit:
    result: MatchResult
    place: PlaceSummary
    is_new: bool = False

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome


@dataclass
class CandidateSearch:
    candidate: Any
    profile: Any
    stale: bool
    facts: SearchFacts
    filters: SearchFilters
    networks: list[Any]  # the networks the candidate's search may use
    show_capacity: bool = False  # may the viewer read the candidate's bands (permissions)
    may_follow: bool = False  # may the viewer follow this search (read with follow_state)
    follow: SearchFollow | None = None  # the viewer's follow of it, if any
    matches: list[Hit] = field(default_factory=list)
    signals: list[Hit] = field(default_factory=list)
    near_misses: list[Hit] = field(default_factory=list)
    previous_search_at: dt.datetime | None = None

    @property
    def hits(self) -> list[Hit]:
        return [*self.matches, *self.signals, *self.near_misses]

    @property
    def profile_missing(self) -> bool:
        """No current capacity profile: every workload item is unknown."""
        return self.profile is None


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _month_start(today: dt.date) -> dt.datetime:
    return dt.datetime(today.year, today.month, 1, tzinfo=dt.UTC)


def place_summaries(
    session: Session, ids: Sequence[int], today: dt.date
) -> tuple[dict[int, PlaceSummary], dict[int, int]]:
    """What the page shows of each place besides its explanation, and its new proposals
    since the first of this month (for the intake cap: 0 for a place without one), by
    id."""
    if not ids:
        return {}, {}
    rows = sql.read_shortlist(session.connection(), ids, _month_start(today))
    return {pid: summary_of_row(r) for pid, r in rows.items()}, {
        pid: r[-1] for pid, r in rows.items()
    }


def _record_visit(ctx: Context, user_id: int, candidate_id: int) -> dt.datetime | None:
    """Store this search's time; return the previous one (None on the first search).
    One statement: an upsert that moves the stored time to ``previous_searched_at`` and
    returns it (``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``, on both databases)."""
    insert = _UPSERTS[ctx.session.get_bind().dialect.name]
    statement = insert(SearchVisit).values(
        user_id=user_id, candidate_id=candidate_id, searched_at=ctx.now()
    )
    statement = statement.on_conflict_do_update(
        index_elements=[SearchVisit.user_id, SearchVisit.candidate_id],
        set_={
            "previous_searched_at": SearchVisit.searched_at,
            "searched_at": statement.excluded.searched_at,
        },
    ).returning(SearchVisit.previous_searched_at)
    return _aware(ctx.session.execute(statement).scalar_one())


_UPSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


@dataclass
class PageHits:
    """What the coach's search page shows of the places: matches and near misses, each
    explained, with the places' summaries and this month's new proposals per place (0
    for a place without an intake cap)."""

    found: list[MatchResult]
    near: list[MatchResult]
    summaries: dict[int, PlaceSummary]
    intake: dict[int, int]


def page_hits(
    session: Session,
    facts: SearchFacts,
    scope: Scope,
    today: dt.date,
    *,
    limit: int = DEFAULT_LIMIT,
    near_limit: int = NEAR_MISS_LIMIT,
    stats: SearchStats | None = None,
) -> PageHits:
    """The places part of the coach's search page (what the benchmark times): one pass
    for the matches and near misses (:func:`engine.search_page`), which brings what the
    page shows of the places (from the search's in-memory copy, else one SQL read) and
    this month's intake counts along."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the reads below go straight to the connection
    page = search_page(
        session,
        facts,
        scope,
        limit=limit,
        near_limit=near_limit,
        stats=stats,
        since=_month_start(today),
    )
    return PageHits(page.found, page.near, page.shown, page.intake)


def _search_scope(
    candidate: Candidate, facts: SearchFacts, filters: SearchFilters
) -> tuple[SearchFacts, Scope]:
    """The candidate's search narrowed by the coach's filters."""
    network_ids = frozenset(n.id for n in candidate.networks)
    if filters.network_ids:
        network_ids = network_ids & filters.network_ids
    if filters.kinds:
        facts = dataclasses.replace(facts, kinds=facts.kinds & filters.kinds)
    if filters.max_km is not None:
        facts = dataclasses.replace(facts, max_km=float(filters.max_km))
    return facts, Scope(network_ids, filters.sector)


def _hit(page: PageHits, res: MatchResult, previous: dt.datetime | None) -> Hit:
    place = page.summaries[res.place_id]
    cap = place.intake_cap_per_month
    if cap is not None and page.intake.get(res.place_id, 0) >= cap:
        res = res._replace(at_cap=True)
    new = previous is not None and place.created_at is not None and place.created_at > previous
    return Hit(res, place, new)


def search_for_candidate(
    ctx: Context,
    candidate_id: int,
    filters: SearchFilters = SearchFilters(),
    *,
    limit: int = DEFAULT_LIMIT,
    near_limit: int = NEAR_MISS_LIMIT,
    record_visit: bool = True,
    follow_state: bool = False,
) -> CandidateSearch:
    """The coach's search for one candidate: matches, signals and near misses with
    their explanations, within the networks the candidate may use. ``follow_state``:
    also whether the viewer may follow it and their follow (the search page's button),
    read in the same transaction."""
    candidate = cands.load_for_search(ctx, candidate_id)
    profile = cands.current_profile(candidate)
    try:
        facts, scope = _search_scope(
            candidate, candidate_search_facts(candidate, profile, ctx.today()), filters
        )
    except ValidationFailed:  # nothing to search; the attempt is audited all the same
        with ctx.read_transaction():
            cands.audit_search(ctx, candidate)
        raise
    page = page_hits(ctx.session, facts, scope, ctx.today(), limit=limit, near_limit=near_limit)
    previous = None
    # One commit for the audit event and the visit, before anything is shown. Only these
    # rows are written (the visit row holds what was written): the candidate, its profile
    # and networks stay loaded for the page instead of being read again.
    may_follow, follow = False, None
    with ctx.read_transaction():
        cands.audit_search(ctx, candidate)
        if record_visit and ctx.actor is not None:
            previous = _record_visit(ctx, ctx.actor.user_id, candidate.id)
        if follow_state and ctx.actor is not None:
            may_follow = can(ctx.actor, Action.SEARCH_FOLLOW, cands.candidate_facts(candidate))
            follow = ctx.session.scalar(
                select(SearchFollow).where(
                    SearchFollow.user_id == ctx.actor.user_id,
                    SearchFollow.candidate_id == candidate.id,
                )
            )
    out = CandidateSearch(
        candidate=candidate,
        profile=profile,
        stale=cands.is_stale(profile, ctx.today()),
        facts=facts,
        filters=filters,
        networks=sorted(candidate.networks, key=lambda n: n.name),
        show_capacity=shows_capacity(ctx, candidate),
        previous_search_at=previous,
        may_follow=may_follow,
        follow=follow,
    )
    for res in page.found:
        (out.signals if res.has_signals else out.matches).append(_hit(page, res, previous))
    out.near_misses = [_hit(page, r, previous) for r in page.near]
    return out


def shows_capacity(ctx: Context, candidate: Any) -> bool:
    """Whether the viewer may read the candidate's capacity bands (the coach's own
    organisation, or a home employer the coach shared them with). Everyone else, such as
    a coordinator, sees the place's demand and the outcome per item, never the band:
    :func:`registry.domain.permissions.visible_fields` decides."""
    if ctx.actor is None:
        return False
    facts = cands.candidate_facts(candidate)
    return FieldGroup.CAPACITY_DETAILS in visible_fields(ctx.actor, facts)


# --------------------------------------------------------------------------- reverse search


@dataclass
class ReverseHit:
    candidate_id: int
    pseudonym: str
    postcode_area: str
    result: MatchResult
    clock: timeline.Clock
    profile_missing: bool = False  # no current capacity profile: shown as such, not as a fit

    @property
    def outcome(self) -> Outcome:
        return self.result.outcome


@dataclass
class ReverseSearch:
    place: Place
    hits: list[ReverseHit]


def reverse_search(ctx: Context, place_id: int, *, limit: int = 100) -> ReverseSearch:
    """Candidates (pseudonymous) with sharing consent in the place's networks who fit the
    place, most urgent first, then nearest. Host contacts of the place's employer and
    coordinators of its networks only."""
    place = place_svc.get_place(ctx, place_id, Action.PLACE_REVERSE_SEARCH)
    network_ids = {n.id for n in place.networks}
    ids = cands.shared_candidate_ids(ctx, network_ids)
    pf = place_facts_of(place)
    today = ctx.today()
    hits: list[ReverseHit] = []
    if ids:
        for candidate in ctx.session.scalars(select(Candidate).where(Candidate.id.in_(ids))):
            facts = cands.candidate_facts(candidate)
            if FieldGroup.FIT_SUMMARY not in visible_fields(ctx.actor, facts):
                continue
            if not facts.shared_network_ids & network_ids or candidate.lat is None:
                continue
            profile = cands.current_profile(candidate)
            search = candidate_search_facts(candidate, profile, today)
            res = evaluate(search, pf)  # never the home employer's place, never ended
            if res.outcome is Outcome.NO_MATCH:
                continue
            hits.append(
                ReverseHit(
                    candidate.id,
                    candidate.pseudonym,
                    candidate.postcode_area or "",
                    res,
                    cands.clock_of(candidate, today),
                    profile is None,
                )
            )
    hits.sort(key=lambda h: (h.clock.urgency, h.result.distance_km, h.candidate_id))
    hits = hits[:limit]
    with ctx.transaction():
        ctx.audit(
            "candidate.reverse_search",
            "place",
            place.id,
            candidates=[h.candidate_id for h in hits],
            groups=[FieldGroup.FIT_SUMMARY.value],
        )
    return ReverseSearch(place, hits)
