"""Match alerts (issue 20): followed searches and followed places, computed when the
change happens.

- A coach follows a candidate's search (its filters as saved). When a place is
  published, re-opened, changed or gets a free slot, :func:`place_changed` tests it
  against the followed searches of its networks: one SQL statement on
  ``search_follows`` does the inverse of the search's prefilter (the place's point in the
  box of the search circle, its kind among the accepted kinds, one of its networks, the
  place's conflict bits against the capacity's masks from :mod:`codec`, never the home
  employer, the sector filter, the pair not yet announced); the few that pass get the
  domain's own :func:`~registry.domain.matching.evaluate`, exactly as the search page
  does. Each new (coach, candidate, place) pair is announced once (``alert_pairs``).
- An employer contact follows a place. When a profile or a sharing consent is recorded
  for a candidate, :func:`candidate_changed` tells the followers of the fitting open
  places in the candidate's shared networks, pseudonymously (as the reverse search).
- Following stops by itself: :func:`candidate_closed` when the trajectory closes or is
  erased, :func:`place_closed` when the place closes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import numpy as np
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from registry.domain import geo
from registry.domain.matching import Outcome, evaluate
from registry.domain.workload import capacity_week_hours
from registry.models import (
    Candidate,
    Network,
    Place,
    PlaceKind,
    PlaceStatus,
    TrajectoryStatus,
    User,
    place_networks,
)
from registry.models.alerts import AlertPair, PlaceFollow, SearchFollow
from registry.search import codec
from registry.search.geometry import geodesic_km_many
from registry.search.usecases import (
    SearchFilters,
    _search_scope,
    candidate_search_facts,
    place_facts_of,
)
from registry.services import candidates as cands
from registry.services import notifications as notes
from registry.services.context import Context

KIND_MATCH = "match_alert"  # notification kinds
KIND_CANDIDATE = "candidate_alert"
KIND_BITS = {kind.value: 1 << i for i, kind in enumerate(PlaceKind)}


# --------------------------------------------------------------------------- saved filters


def saved_filters(filters: SearchFilters) -> dict[str, Any]:
    """The coach's filters as stored with the follow (the search page's query form)."""
    return filters.as_query()


def filters_of(saved: Mapping[str, Any] | None) -> SearchFilters:
    """A follow's stored filters back as :class:`SearchFilters` (odd values dropped)."""
    saved = saved or {}
    kinds = frozenset(k for k in saved.get("kind") or () if k in KIND_BITS)
    km = saved.get("km")
    nets = frozenset(n for n in saved.get("network") or () if isinstance(n, int))
    sector = saved.get("sector")
    return SearchFilters(
        kinds=kinds,
        max_km=float(km) if isinstance(km, int | float) and km > 0 else None,
        network_ids=nets,
        sector=sector if isinstance(sector, str) and sector else None,
    )


def kind_bits(kinds: Iterable[str]) -> int:
    value = 0
    for kind in kinds:
        value |= KIND_BITS.get(kind, 0)
    return value


# --------------------------------------------------------------------------- the follow index


def _index_values(candidate: Candidate, filters: SearchFilters, today: dt.date) -> dict[str, Any]:
    """The columns a published place is tested against for this candidate's search."""
    off: dict[str, Any] = {"active": False}
    if candidate.status != TrajectoryStatus.ACTIVE or candidate.lat is None:
        return off
    profile = cands.current_profile(candidate)
    facts, scope = _search_scope(
        candidate, candidate_search_facts(candidate, profile, today), filters
    )
    if not facts.kinds or not scope.network_ids or facts.max_km <= 0:
        return off
    box = geo.bounding_box(facts.home, facts.max_km)
    masks = codec.conflict_masks(codec.capacity_key(facts.capacity))
    hours = capacity_week_hours(facts.capacity)
    return {
        "active": True,
        "lat": facts.home[0],
        "lon": facts.home[1],
        "max_km": facts.max_km,
        "week_hours": hours if hours is not None and math.isfinite(hours) else None,
        "lat_min": box.min_lat,
        "lat_max": box.max_lat,
        "lon_min": box.min_lon,
        "lon_max": box.max_lon,
        "kind_bits": kind_bits(facts.kinds),
        "network_bits": codec.network_bits(scope.network_ids),
        "cmask_1": masks[0],
        "cmask_2": masks[1],
        "home_employer_id": candidate.home_employer_id,
        "sector": scope.sector,
    }


def refresh_follow(follow: SearchFollow, candidate: Candidate, today: dt.date) -> None:
    for key, value in _index_values(candidate, filters_of(follow.filters), today).items():
        setattr(follow, key, value)


def refresh_candidate(ctx: Context, candidate: Candidate) -> None:
    """Recompute the follow index of every followed search of ``candidate`` (its home,
    range, kinds, networks or capacity changed). Inside the caller's transaction."""
    for follow in ctx.session.scalars(
        select(SearchFollow).where(SearchFollow.candidate_id == candidate.id)
    ):
        refresh_follow(follow, candidate, ctx.today())


# --------------------------------------------------------------------------- stopping


def candidate_closed(session: Session, candidate_id: int) -> None:
    """The trajectory closed or was erased: nobody follows its search any longer."""
    session.execute(delete(SearchFollow).where(SearchFollow.candidate_id == candidate_id))


def place_closed(session: Session, place_id: int) -> None:
    """The place closed: nobody follows it any longer."""
    session.execute(delete(PlaceFollow).where(PlaceFollow.place_id == place_id))


# --------------------------------------------------------------------------- place side


def _km(value: float) -> str:
    """A distance in whole km ("12"; at least 1): the same digits in every language, so
    nothing is formatted per recipient (Babel's number formatting cost more than the
    whole alert at scale)."""
    return str(max(1, round(value)))


def _why_text() -> str:
    """Why a place fits, in the current language, with a ``%(km)s`` placeholder."""
    return gettext(
        "%(km)s km from the candidate's area, within the travel range; the kind, the hours "
        "and every workload item the place states are within what the candidate can do."
    )


class Match(NamedTuple):
    """A followed search that a place matches: who follows, which candidate, how far."""

    user_id: int
    candidate_id: int
    pseudonym: str
    distance_km: float


def _place_needs(place: Place) -> tuple[tuple[int, ...], float | None]:
    """The place's conflict bits for its demands under the current catalogue (encoded
    afresh, so a place written without them or under another catalogue is exact too),
    and the weekly hours it asks at least (None when it allows a lower start), as the
    search's ``sql.conflict_free_sql`` tests them."""
    bits = codec.conflict_bits(codec.encode_match_code(codec.demand_facts_of(place)))
    if place.lower_start_allowed:
        return bits, None
    return bits, float(place.min_hours_week or place.usual_hours_week or 0)


def followers_matching(session: Session, place: Place, today: dt.date) -> list[Match]:
    """Every followed search the place now matches and that was not yet announced to its
    follower: one statement on the follow index (the inverse of the search's prefilter,
    with the same conflict bits, network bits and hours rule), then the exact geodesic
    on arrays (``geometry.geodesic_km_many``) against each search's range, then the
    survivors' candidates (active) and coaches (active, same organisation) by key. Only
    where a network bit could stand for two networks (ids from 63 on) are they confirmed
    by the domain's ``evaluate`` on their loaded candidates."""
    free = (place.slots or 0) - (place.taken_slots or 0)
    if place.status != PlaceStatus.OPEN or free <= 0 or place.lat is None or place.lon is None:
        return []
    if place.available_until is not None and place.available_until < today:
        return []
    net_ids = {n.id for n in place.networks}
    if not net_ids:
        return []
    bits, hours = _place_needs(place)
    f = SearchFollow
    conditions = [
        f.active.is_(True),
        f.lat_min <= place.lat,
        f.lat_max >= place.lat,
        f.lon_min <= place.lon,
        f.lon_max >= place.lon,
        f.kind_bits.op("&")(KIND_BITS.get(getattr(place.kind, "value", place.kind), 0)) != 0,
        f.network_bits.op("&")(codec.network_bits(net_ids)) != 0,
        f.cmask_1.op("&")(bits[0]) == 0,
        f.cmask_2.op("&")(bits[1]) == 0,
        or_(f.home_employer_id.is_(None), f.home_employer_id != place.employer_id),
        or_(f.sector.is_(None), f.sector == place.sector),
        ~exists().where(
            AlertPair.user_id == f.user_id,
            AlertPair.candidate_id == f.candidate_id,
            AlertPair.place_id == place.id,
        ),
    ]
    if hours is not None:
        conditions.append(or_(f.week_hours.is_(None), f.week_hours >= hours))
    # The follow index alone (joins here misled PostgreSQL's planner, which cannot
    # estimate the bit tests); the candidates and coaches of the survivors by key after.
    rows = session.execute(
        select(f.user_id, f.candidate_id, f.lat, f.lon, f.max_km, f.filters).where(*conditions)
    ).all()
    if not rows:
        return []
    km = geodesic_km_many(
        (place.lat, place.lon),
        np.array([r.lat for r in rows], dtype=float),
        np.array([r.lon for r in rows], dtype=float),
    )
    near = [(r, float(d)) for r, d in zip(rows, km, strict=True) if d <= r.max_km]
    if not near:
        return []
    candidates = {
        c.id: c
        for c in session.execute(
            select(Candidate.id, Candidate.pseudonym, Candidate.coach_organisation_id).where(
                Candidate.id.in_({r.candidate_id for r, _ in near}),
                Candidate.status == TrajectoryStatus.ACTIVE,
            )
        )
    }
    coaches = dict(
        session.execute(
            select(User.id, User.coach_organisation_id).where(
                User.id.in_({r.user_id for r, _ in near}), User.active.is_(True)
            )
        ).all()
    )
    out = [
        Match(r.user_id, r.candidate_id, candidates[r.candidate_id].pseudonym, d)
        for r, d in near
        if r.candidate_id in candidates
        and coaches.get(r.user_id) == candidates[r.candidate_id].coach_organisation_id
    ]
    aliased = session.scalar(select(func.max(Network.id))) or 0
    if out and aliased >= codec.NETWORK_BITS:
        out = _confirmed(session, place, out, {r.candidate_id: r.filters for r in rows}, today)
    return out


def _confirmed(
    session: Session, place: Place, found: list[Match], saved: dict[int, Any], today: dt.date
) -> list[Match]:
    """The domain's own verdict on each found pair (its candidate loaded with profile and
    networks): used where network bits may alias."""
    candidates = {
        c.id: c
        for c in session.scalars(
            select(Candidate)
            .where(Candidate.id.in_({m.candidate_id for m in found}))
            .options(selectinload(Candidate.profiles), selectinload(Candidate.networks))
        )
    }
    net_ids = {n.id for n in place.networks}
    pf = place_facts_of(place)
    out = []
    for m in found:
        candidate = candidates[m.candidate_id]
        facts, scope = _search_scope(
            candidate,
            candidate_search_facts(candidate, cands.current_profile(candidate), today),
            filters_of(saved[m.candidate_id]),
        )
        if not scope.network_ids & net_ids:
            continue
        if evaluate(facts, pf, distance_km=m.distance_km).outcome is Outcome.MATCH:
            out.append(m)
    return out


def _match_messages(place: Place, by_user: dict[int, list[Match]], users: list[Any]) -> list:
    """One ``(user, kind, subject, body, link)`` per coach: the place, each followed
    candidate it fits and why. The sentences are translated once per language and filled
    in per coach (a publication can tell a hundred coaches)."""
    where = {"title": place.title, "employer": place.employer.name, "town": place.town or ""}
    by_language: dict[str, list[User]] = {}
    for user in users:
        by_language.setdefault(user.language or "nl", []).append(user)
    out = []
    for language, group in by_language.items():
        with force_locale(language):
            one_subject = gettext("A new place fits %(name)s: %(title)s")
            one_body = gettext(
                "%(title)s (%(employer)s, %(town)s) fits the search you follow for %(name)s. "
                "%(why)s"
            )
            head = (
                gettext("%(title)s (%(employer)s, %(town)s) fits the searches you follow for:")
                % where
            )
            why = _why_text()
            subjects: dict[int, str] = {}
            for user in group:
                hits = by_user[user.id]
                if len(hits) == 1:
                    hit = hits[0]
                    names = {"name": hit.pseudonym, **where}
                    reason = why % {"km": _km(hit.distance_km)}
                    subject = one_subject % names
                    body = one_body % {**names, "why": reason}
                    link = f"/candidates/{hit.candidate_id}/search/places/{place.id}"
                else:
                    if len(hits) not in subjects:
                        subjects[len(hits)] = ngettext(
                            "A new place fits %(num)s candidate you follow: %(title)s",
                            "A new place fits %(num)s candidates you follow: %(title)s",
                            len(hits),
                            title=place.title,
                        )
                    subject = subjects[len(hits)]
                    lines = (f"- {h.pseudonym}: {why % {'km': _km(h.distance_km)}}" for h in hits)
                    body = "\n".join([head, *lines])
                    link = f"/places/{place.id}"
                out.append((user, KIND_MATCH, subject, body, link))
    return out


def place_changed(ctx: Context, place: Place) -> int:
    """A place was published, re-opened, changed or got a free slot: tell the coaches
    whose followed search it now matches, once per coach, candidate and place (one
    notification per coach naming the candidates). Inside the caller's transaction;
    returns the number of (coach, candidate) pairs announced."""
    session = ctx.session
    session.flush()
    found = followers_matching(session, place, ctx.today())
    if not found:
        return 0
    by_user: dict[int, list[Match]] = {}
    for m in found:
        by_user.setdefault(m.user_id, []).append(m)
    users = session.execute(  # what notify_many reads of a user, as plain rows
        select(User.id, User.email, User.language, User.active).where(User.id.in_(by_user))
    ).all()
    notes.notify_many(session, _match_messages(place, by_user, list(users)))
    now = ctx.now()
    session.connection().execute(
        insert(AlertPair.__table__),
        [
            {
                "user_id": m.user_id,
                "candidate_id": m.candidate_id,
                "place_id": place.id,
                "direction": "search",
                "created_at": now,
            }
            for m in found
        ],
    )
    return len(found)


# --------------------------------------------------------------------------- candidate side


def candidate_changed(ctx: Context, candidate: Candidate) -> int:
    """A profile or a sharing consent was recorded: tell the followers of the open places
    in the candidate's shared networks that the candidate now fits (pseudonymously, as the
    reverse search shows them), once per follower, candidate and place."""
    ctx.session.flush()
    shared = cands.candidate_facts(candidate).shared_network_ids
    if candidate.status != TrajectoryStatus.ACTIVE or candidate.lat is None or not shared:
        return 0
    rows = ctx.session.execute(
        select(PlaceFollow.user_id, Place)
        .join(Place, Place.id == PlaceFollow.place_id)
        .where(
            Place.status == PlaceStatus.OPEN,
            Place.taken_slots < Place.slots,
            Place.employer_id != candidate.home_employer_id,
            exists().where(
                place_networks.c.place_id == Place.id, place_networks.c.network_id.in_(shared)
            ),
            ~exists().where(
                AlertPair.user_id == PlaceFollow.user_id,
                AlertPair.candidate_id == candidate.id,
                AlertPair.place_id == Place.id,
            ),
        )
    ).all()
    if not rows:
        return 0
    facts = candidate_search_facts(candidate, cands.current_profile(candidate), ctx.today())
    now = ctx.now()
    count = 0
    for user_id, place in rows:
        res = evaluate(facts, place_facts_of(place))
        user = ctx.session.get(User, user_id)
        if res.outcome is not Outcome.MATCH or user is None:
            continue
        ctx.session.add(
            AlertPair(
                user_id=user_id,
                candidate_id=candidate.id,
                place_id=place.id,
                direction="place",
                created_at=now,
            )
        )
        subject = _l("A candidate fits your place: %(title)s", title=place.title)
        body = _l(
            "Candidate %(name)s (area %(area)s) fits %(title)s, %(km)s km away, and shares "
            "the profile in your network. See the candidates who fit the place.",
            name=candidate.pseudonym,
            area=candidate.postcode_area or "?",
            title=place.title,
            km=_km(res.distance_km),
        )
        notes.notify(
            ctx.session, user, KIND_CANDIDATE, subject, body, f"/places/{place.id}/candidates"
        )
        count += 1
    return count
