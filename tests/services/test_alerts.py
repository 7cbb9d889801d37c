"""Match alerts (issue 20): followed searches and places, computed when the change
happens, each pair announced once, following stopped with the trajectory or the place."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from sqlalchemy import select

from registry.domain.permissions import PermissionDenied, Role
from registry.models import (
    DeliveryMode,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PlaceKind,
    PlaceStatus,
    TrajectoryOutcome,
)
from registry.models.alerts import AlertPair, PlaceFollow, SearchFollow
from registry.search import alerts, follows, usecases
from registry.services import candidates as cand_svc
from registry.services import notifications as notes
from registry.services import places as place_svc
from registry.services.errors import NotFound
from tests import factories
from tests.services import test_candidates_support as cs
from tests.services.search_support import place


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


UTRECHT_AREAS = ["3511 AB", "3431 AA", "3811 AA", "3701 AA", "3601 AA", "3441 AA"]


def _follow(make_ctx, user, candidate_id, **filters):
    ctx = make_ctx(user, clock=cs.frozen())
    return follows.follow_search(ctx, candidate_id, usecases.SearchFilters(**filters))


def _matching_by_real_search(make_ctx, follow: SearchFollow, user) -> set[int]:
    """The places the follower's saved search shows as matches (with or without signals),
    run through the coach's real search."""
    ctx = make_ctx(user, clock=cs.frozen())
    search = usecases.search_for_candidate(
        ctx,
        follow.candidate_id,
        alerts.filters_of(follow.filters),
        limit=10_000,
        near_limit=0,
        record_visit=False,
    )
    return {h.place.id for h in [*search.matches, *search.signals]}


def _random_followed_searches(session, world, make_ctx, rng, n=18):
    coaches = [world.coach, factories.user(session, Role.COACH, org=world.org)]
    session.commit()
    homes = [
        {"home_employer_id": world.emp_a.id, "network_ids": (world.net_a.id,)},
        {"home_employer_id": world.emp_b.id, "network_ids": (world.net_b.id,)},
        {"home_employer_id": world.emp_ab.id, "network_ids": (world.net_a.id, world.net_b.id)},
    ]
    follows = []
    for i in range(n):
        cand = cs.register(
            make_ctx,
            world,
            postcode=rng.choice(UTRECHT_AREAS),
            max_km=rng.choice((5, 10, 20, 40)),
            **rng.choice(homes),
            accepted_kinds=tuple(rng.sample([k.value for k in PlaceKind], rng.randint(1, 5))),
            given_name=f"Kandidaat{i}",
            hours_per_week=rng.choice((None, None, 12.0, 20.0, 32.0)),
        )
        if rng.random() < 0.5:  # a capacity profile that limits something
            ctx = make_ctx(world.coach, clock=cs.frozen())
            cand_svc.save_profile(
                ctx,
                cand.id,
                cs.profile_input(
                    capacities={"lifting": rng.randint(0, 3), "time_pressure": rng.randint(0, 2)},
                    avoid_exposures=(),
                    needs_conditions=(),
                    hours_per_day=rng.choice((None, 1, 2)),
                    hours_per_week=rng.choice((None, 1, 2, 3)),
                ),
            )
        filters = {}
        if rng.random() < 0.3:
            filters["network_ids"] = frozenset({rng.choice((world.net_a.id, world.net_b.id))})
        if rng.random() < 0.3:
            filters["max_km"] = float(rng.choice((3, 8, 15)))
        for coach in coaches[: rng.randint(1, 2)]:
            follows.append((_follow(make_ctx, coach, cand.id, **filters), coach))
    return follows


def _random_drafts(session, world, rng, n=30):
    out = []
    for i in range(n):
        demands = {}
        if rng.random() < 0.6:
            demands["lifting"] = {
                "band": rng.randint(0, 3),
                "incidental": False,
                "adjustable": False,
            }
        if rng.random() < 0.4:
            demands["time_pressure"] = {"band": rng.randint(0, 2)}
        out.append(
            place(
                session,
                rng.choice((world.emp_a, world.emp_b, world.emp_ab)),
                rng.sample([world.net_a, world.net_b], rng.randint(1, 2)),
                lat=52.09 + rng.uniform(-0.25, 0.25),
                lon=5.12 + rng.uniform(-0.35, 0.35),
                status=PlaceStatus.DRAFT,
                kind=rng.choice(list(PlaceKind)),
                demands=demands,
                title=f"Plek {i}",
                min_hours_week=rng.choice((None, 8, 16, 24, 32)),
                usual_hours_week=rng.choice((None, 16, 24, 36)),
                lower_start_allowed=rng.random() < 0.2,
            )
        )
    session.commit()
    return out


def _announced(session) -> set[tuple[int, int, int]]:
    return {
        (p.user_id, p.candidate_id, p.place_id)
        for p in session.scalars(select(AlertPair).where(AlertPair.direction == "search"))
    }


@pytest.mark.parametrize("seed", [20, 7])
def test_publishing_alerts_exactly_the_followers_whose_search_matches_once(
    app, session, world, make_ctx, seed
):
    rng = random.Random(seed)
    follows = _random_followed_searches(session, world, make_ctx, rng)
    drafts = _random_drafts(session, world, rng)
    for draft in drafts:  # the employer offers each draft: open at once (no review)
        employer_user = factories.user(session, Role.EMPLOYER, employers=[draft.employer])
        session.commit()
        place_svc.submit_place(make_ctx(employer_user, clock=cs.frozen()), draft.id)
    expected = set()
    for follow, coach in follows:
        for place_id in _matching_by_real_search(make_ctx, follow, coach):
            expected.add((coach.id, follow.candidate_id, place_id))
    announced = _announced(session)
    assert announced == expected
    assert len(expected) >= 5  # the data set is not trivially empty
    notes_count = session.scalar(
        select(Notification.id).where(Notification.kind == alerts.KIND_MATCH).limit(1)
    )
    assert notes_count is not None
    n_before = len(session.scalars(select(Notification)).all())
    # Once: re-announcing, confirming or editing the same places tells nobody again.
    for draft in drafts:
        ctx = make_ctx(world.coach, clock=cs.frozen())
        session.refresh(draft)
        assert alerts.place_changed(ctx, draft) == 0
    session.commit()
    assert len(session.scalars(select(Notification)).all()) == n_before
    assert _announced(session) == expected


def _simple(session, world, make_ctx, **kw):
    """A candidate in Utrecht whose profile limits nothing (every place nearby fits)."""
    cand = cs.register(make_ctx, world, postcode="3511 AB", profile=False, **kw)
    defaults = cand_svc.ProfileInput()
    cand_svc.save_profile(
        make_ctx(world.coach, clock=cs.frozen()),
        cand.id,
        cs.profile_input(
            capacities={},
            avoid_exposures=(),
            needs_conditions=(),
            hours_per_day=defaults.hours_per_day,
            hours_per_week=defaults.hours_per_week,
        ),
    )
    return cand


def test_alert_says_which_place_and_why_and_reaches_the_outbox(app, session, world, make_ctx):
    cand = _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id)
    _follow(make_ctx, world.coach, cand.id)
    draft = place(
        session,
        world.emp_a,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon + 0.05,
        status=PlaceStatus.DRAFT,
        title="Receptie",
        min_hours_week=None,
        usual_hours_week=None,
    )
    session.commit()
    with app.test_request_context():
        place_svc.submit_place(make_ctx(world.contact_a, clock=cs.frozen()), draft.id)
    note = session.scalar(select(Notification).where(Notification.user_id == world.coach.id))
    assert note is not None and "Receptie" in note.subject and cand.pseudonym in note.subject
    assert "km" in note.body and note.link.endswith(f"/search/places/{draft.id}")
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == world.coach.email))
    assert mail is not None and "Receptie" in mail.subject


def test_a_digest_groups_the_alerts(app, session, world, make_ctx):
    """Three followed candidates and two published places: one notification per place
    naming the candidates it fits, and one daily mail with both."""
    session.add(NotificationPreference(user_id=world.coach.id, mode=DeliveryMode.DIGEST))
    cands = [
        _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id, given_name=f"K{i}")
        for i in range(3)
    ]
    for c in cands:
        _follow(make_ctx, world.coach, c.id)
    drafts = [
        place(
            session,
            world.emp_a,
            [world.net_a],
            lat=cands[0].lat,
            lon=cands[0].lon + 0.01 * i,
            status=PlaceStatus.DRAFT,
            title=title,
            min_hours_week=None,
            usual_hours_week=None,
        )
        for i, title in enumerate(("Magazijn", "Kantine"))
    ]
    session.commit()
    for draft in drafts:
        place_svc.submit_place(make_ctx(world.contact_a, clock=cs.frozen()), draft.id)
    alerts_for_coach = session.scalars(
        select(Notification).where(Notification.user_id == world.coach.id)
    ).all()
    assert len(alerts_for_coach) == 2 and all(n.emailed_at is None for n in alerts_for_coach)
    for note in alerts_for_coach:
        assert all(c.pseudonym in note.body for c in cands)
    assert len(_announced(session)) == 6
    assert not session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == world.coach.email)
    ).all()
    assert notes.send_digests(session) >= 1
    digests = session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == world.coach.email)
    ).all()
    assert len(digests) == 1
    assert "Magazijn" in digests[0].body and "Kantine" in digests[0].body
    assert "3" in digests[0].body  # "past bij 3 kandidaten die u volgt"


def test_a_closed_trajectory_stops_its_alerts(app, session, world, make_ctx):
    cand = _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id)
    _follow(make_ctx, world.coach, cand.id)
    ctx = make_ctx(world.coach, clock=cs.frozen())
    cand_svc.close_trajectory(ctx, cand.id, TrajectoryOutcome.OTHER, cs.TODAY)
    assert session.scalar(select(SearchFollow)) is None
    draft = place(
        session,
        world.emp_a,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon,
        status=PlaceStatus.DRAFT,
        min_hours_week=None,
        usual_hours_week=None,
    )
    session.commit()
    with app.test_request_context():
        place_svc.submit_place(make_ctx(world.contact_a, clock=cs.frozen()), draft.id)
    assert (
        session.scalar(select(Notification).where(Notification.user_id == world.coach.id)) is None
    )
    with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
        _follow(make_ctx, world.coach, cand.id)


def test_reopening_and_a_freed_slot_alert_a_new_follower(app, session, world, make_ctx):
    cand = _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id)
    open_place = place(
        session,
        world.emp_a,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon,
        min_hours_week=None,
        usual_hours_week=None,
    )
    session.commit()
    _follow(make_ctx, world.coach, cand.id)  # follows after the place opened: not announced
    assert not _announced(session)
    ctx = make_ctx(world.contact_a, clock=cs.frozen())
    place_svc.pause_place(ctx, open_place.id)
    place_svc.resume_place(make_ctx(world.contact_a, clock=cs.frozen()), open_place.id)
    assert _announced(session) == {(world.coach.id, cand.id, open_place.id)}


def test_a_followed_place_hears_of_a_consenting_candidate_pseudonymously(
    app, session, world, make_ctx
):
    host_place = place(
        session,
        world.emp_a,
        [world.net_a],
        lat=52.0907,
        lon=5.1214,
        min_hours_week=None,
        usual_hours_week=None,
        title="Balie",
    )
    session.commit()
    follows.follow_place(make_ctx(world.contact_a, clock=cs.frozen()), host_place.id)
    cand = _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id)
    assert (
        session.scalar(select(Notification).where(Notification.user_id == world.contact_a.id))
        is None
    )
    cs.share(make_ctx, world, cand.id)  # the consent makes the candidate visible: told
    note = session.scalar(select(Notification).where(Notification.user_id == world.contact_a.id))
    assert note is not None and cand.pseudonym in note.body
    assert cs.GIVEN not in note.body and cs.FAMILY not in note.body
    assert note.link == f"/places/{host_place.id}/candidates"
    cs.share(make_ctx, world, cand.id)  # again: never twice
    assert (
        len(
            session.scalars(
                select(Notification).where(Notification.user_id == world.contact_a.id)
            ).all()
        )
        == 1
    )
    # Closing the place stops following it.
    place_svc.close_place(make_ctx(world.contact_a, clock=cs.frozen()), host_place.id)
    assert session.scalar(select(PlaceFollow)) is None


def test_only_the_host_follows_a_place_and_only_the_own_coach_a_search(
    app, session, world, make_ctx
):
    cand = _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id)
    host_place = place(session, world.emp_a, [world.net_a], lat=52.09, lon=5.12)
    session.commit()
    with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
        follows.follow_place(make_ctx(world.contact_b, clock=cs.frozen()), host_place.id)
    with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
        _follow(make_ctx, world.coach2, cand.id)
    with app.test_request_context(), pytest.raises((PermissionDenied, NotFound)):
        _follow(make_ctx, world.coordinator_a, cand.id)


def test_a_changed_profile_refreshes_the_follow_index(app, session, world, make_ctx):
    cand = _simple(session, world, make_ctx, home_employer_id=world.emp_ab.id)
    follow = _follow(make_ctx, world.coach, cand.id)
    before = (follow.cmask_1, follow.cmask_2)
    cand_svc.save_profile(
        make_ctx(world.coach, clock=cs.frozen()),
        cand.id,
        cs.profile_input(capacities={"lifting": 0}),
    )
    session.refresh(follow)
    assert (follow.cmask_1, follow.cmask_2) != before
    heavy = place(
        session,
        world.emp_a,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon,
        status=PlaceStatus.DRAFT,
        demands={"lifting": {"band": 3}},
        min_hours_week=None,
        usual_hours_week=None,
    )
    session.commit()
    with app.test_request_context():
        place_svc.submit_place(make_ctx(world.contact_a, clock=cs.frozen()), heavy.id)
    assert not _announced(session)
    assert dt.date.today()  # keep the import used
