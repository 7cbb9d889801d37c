"""Following (issue 20): a coach follows a candidate's search (its filters as saved), an
employer contact follows a place; the list of what a user follows. What following sets
off lives in :mod:`registry.search.alerts`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from registry.domain.permissions import Action
from registry.models import Place
from registry.models.alerts import PlaceFollow, SearchFollow
from registry.search.alerts import refresh_follow, saved_filters
from registry.search.usecases import SearchFilters
from registry.services import candidates as cands
from registry.services import paging
from registry.services import places as place_svc
from registry.services.context import Context


def _search_follow(session: Session, user_id: int, candidate_id: int) -> SearchFollow | None:
    return session.scalar(
        select(SearchFollow).where(
            SearchFollow.user_id == user_id, SearchFollow.candidate_id == candidate_id
        )
    )


def follow_search(ctx: Context, candidate_id: int, filters: SearchFilters) -> SearchFollow:
    """Follow the candidate's search with these filters (again: the filters are replaced)."""
    candidate = cands.get_candidate_for_search(ctx, candidate_id)
    ctx.require(Action.SEARCH_FOLLOW, cands.candidate_facts(candidate))
    with ctx.transaction():
        follow = _search_follow(ctx.session, ctx.actor.user_id, candidate.id)
        if follow is None:
            follow = SearchFollow(user_id=ctx.actor.user_id, candidate_id=candidate.id)
            ctx.session.add(follow)
        follow.filters = saved_filters(filters)
        refresh_follow(follow, candidate, ctx.today())
        ctx.audit("candidate.search_followed", "candidate", candidate.id, filters=follow.filters)
    return follow


def unfollow_search(ctx: Context, candidate_id: int) -> bool:
    """Stop following; False when the user did not follow it. Any user may stop their own
    follow, also of a candidate they may no longer search."""
    if ctx.actor is None:
        return False
    with ctx.transaction():
        gone = ctx.session.execute(
            delete(SearchFollow).where(
                SearchFollow.user_id == ctx.actor.user_id, SearchFollow.candidate_id == candidate_id
            )
        ).rowcount
        if gone:
            ctx.audit("candidate.search_unfollowed", "candidate", candidate_id)
    return bool(gone)


def follows_search(session: Session, user_id: int | None, candidate_id: int) -> SearchFollow | None:
    return None if user_id is None else _search_follow(session, user_id, candidate_id)


def place_follow_state(ctx: Context, place: Place) -> tuple[bool, PlaceFollow | None]:
    """For the place page: may the user follow this place, and their follow if any."""
    if ctx.actor is None:
        return False, None
    allowed = place_svc.may(ctx, place, Action.PLACE_FOLLOW)
    return allowed, follows_place(ctx.session, ctx.actor.user_id, place.id)


def follow_place(ctx: Context, place_id: int) -> PlaceFollow:
    place = place_svc.get_place(ctx, place_id, Action.PLACE_FOLLOW)
    with ctx.transaction():
        follow = follows_place(ctx.session, ctx.actor.user_id, place.id)
        if follow is None:
            follow = PlaceFollow(user_id=ctx.actor.user_id, place_id=place.id)
            ctx.session.add(follow)
            ctx.audit("place.followed", "place", place.id)
    return follow


def unfollow_place(ctx: Context, place_id: int) -> bool:
    if ctx.actor is None:
        return False
    with ctx.transaction():
        gone = ctx.session.execute(
            delete(PlaceFollow).where(
                PlaceFollow.user_id == ctx.actor.user_id, PlaceFollow.place_id == place_id
            )
        ).rowcount
        if gone:
            ctx.audit("place.unfollowed", "place", place_id)
    return bool(gone)


def follows_place(session: Session, user_id: int | None, place_id: int) -> PlaceFollow | None:
    if user_id is None:
        return None
    return session.scalar(
        select(PlaceFollow).where(PlaceFollow.user_id == user_id, PlaceFollow.place_id == place_id)
    )


@dataclass
class Following:
    searches: paging.Page[SearchFollow]
    places: paging.Page[PlaceFollow]


def following(ctx: Context, search_page: int = 1, place_page: int = 1) -> Following:
    """What the user follows: searches (with the candidate) and places, each paginated."""
    ctx.require(Action.ALERTS_LIST)
    uid = ctx.actor.user_id
    searches = paging.paginate(
        ctx.session,
        select(SearchFollow)
        .where(SearchFollow.user_id == uid)
        .options(selectinload(SearchFollow.candidate).lazyload("*"))
        .order_by(SearchFollow.created_at.desc(), SearchFollow.id.desc()),
        search_page,
    )
    places = paging.paginate(
        ctx.session,
        select(PlaceFollow)
        .where(PlaceFollow.user_id == uid)
        .options(selectinload(PlaceFollow.place).lazyload("*"))
        .order_by(PlaceFollow.created_at.desc(), PlaceFollow.id.desc()),
        place_page,
    )
    return Following(searches, places)
