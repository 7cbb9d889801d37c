"""The to-do lists of the home pages (issue 14): every SQL count equals what the list
behind its link shows, on the demo data and on small hand-made cases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from registry.domain.permissions import Role
from registry.domain.placement import Status
from registry.models import JobRun, Network, Notification, Placement, PlaceStatus, User
from registry.services import answer_deadlines, jobs, todo
from registry.services import candidates as cand_svc
from registry.services import ledger as ledger_service
from registry.services import notifications as notes
from registry.services import placements as pl_svc
from registry.services import places as place_svc
from tests import factories
from tests.demo_snapshot import load_demo_rows
from tests.services.test_placement_support import at_day, candidate, place, proposal

FRIDAY = dt.date(2026, 12, 4)


def _items(items) -> dict[str, int]:
    return {i.key: i.count for i in items}


@pytest.fixture
def demo(session):
    load_demo_rows(session)
    return session


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


def test_coach_counts_match_the_lists_on_the_demo(demo, make_ctx):
    ctx = make_ctx(_user(demo, "coach@voorbeeld.nl"))
    got = _items(todo.coach_items(ctx))
    assert got["proposals_waiting"] == len(pl_svc.list_placements(ctx, (Status.PROPOSED,)))
    assert got["accepted"] == len(pl_svc.list_placements(ctx, (Status.ACCEPTED,)))
    stale = cand_svc.list_candidates(ctx, cand_svc.ListFilters(flag="stale"))
    assert got["stale_profiles"] == stale.total
    rows = cand_svc.list_candidates(ctx, cand_svc.ListFilters(page=1))
    everyone = [
        r
        for page in range(1, rows.pages + 1)
        for r in cand_svc.list_candidates(ctx, cand_svc.ListFilters(page=page)).rows
    ]
    busy = {p.candidate_id for p in pl_svc.list_placements(ctx, (Status.ACCEPTED, Status.STARTED))}
    near = [
        r
        for r in everyone
        if r.clock.current_week >= todo.NEAR_END_WEEK and r.candidate.id not in busy
    ]
    assert got["near_end"] == len(near)
    assert sum(got.values()) > 0, "the demo coach has something to do"


def test_employer_counts_match_the_lists_on_the_demo(demo, make_ctx):
    user = _user(demo, "werkgever@voorbeeld.nl")
    ctx = make_ctx(user)
    got = _items(todo.employer_items(ctx))
    assert got["proposals_to_answer"] == len(pl_svc.host_inbox(ctx))
    ids = {e.id for e in user.employers}
    finished = pl_svc.list_placements(ctx, (Status.COMPLETED, Status.ENDED_EARLY))
    assert got["to_evaluate"] == sum(
        p.host_employer_id in ids and p.evaluated_at is None for p in finished
    )
    accepted = pl_svc.list_placements(ctx, (Status.ACCEPTED,))
    assert got["to_start"] == sum(p.host_employer_id in ids for p in accepted)
    now = ctx.now()
    own = place_svc.export_places(ctx, place_svc.PlaceFilters(), "own")
    assert got["places_to_confirm"] == sum(
        place_svc.freshness_state(p, now) in ("due_soon", "overdue") for p in own
    )
    assert got["sent_back"] == sum(
        p.status is PlaceStatus.DRAFT and bool(p.review_note) for p in own
    )


def test_coordinator_counts_match_the_lists_on_the_demo(demo, make_ctx):
    user = _user(demo, "coordinator@voorbeeld.nl")
    ctx = make_ctx(user)
    got = _items(todo.coordinator_items(ctx))
    submitted = place_svc.export_places(ctx, place_svc.PlaceFilters(status="submitted"), "curation")
    assert got["places_to_review"] == sum(
        any(n.review_new_places and n in user.coordinated_networks for n in p.networks)
        for p in submitted
    )
    paused = place_svc.export_places(ctx, place_svc.PlaceFilters(status="paused"), "curation")
    swept = [p for p in paused if place_svc._paused_by_sweep(demo, p)]
    assert got["paused_places"] == len(swept)
    today = ctx.today()
    proposed = pl_svc.list_placements(ctx, (Status.PROPOSED,))
    assert got["proposals_overdue"] == sum(todo.is_overdue(p, today) for p in proposed)
    warned = 0
    for network in user.coordinated_networks:
        for membership in network.memberships:
            warned += ledger_service.policy_verdict(demo, network, membership.employer_id).warn
    assert got["out_of_balance"] == warned
    applied = [
        m for n in user.coordinated_networks for m in n.memberships if m.status.value == "applied"
    ]
    assert got["membership_requests"] == len(applied)


def test_admin_counts_match_the_user_list_on_the_demo(demo, make_ctx):
    ctx = make_ctx(_user(demo, "admin@voorbeeld.nl"))
    users = demo.scalars(select(User)).all()
    got = _items(todo.admin_items(ctx))
    assert got["invitations_open"] == sum(u.active and u.password_hash is None for u in users)
    assert got["deactivated_accounts"] == sum(not u.active for u in users)
    assert got["jobs_unhealthy"] == len(todo.JOBS)  # no job ever ran in the test database
    assert len(todo.follow_up_users(ctx, "invited")) == got["invitations_open"]
    assert todo.follow_up_users(ctx, "nonsense") is None


def test_accounts_in_a_sign_in_delay(world, session, make_ctx, client):
    from registry.models import SignInThrottle
    from registry.services import throttle

    now = dt.datetime.now(dt.UTC)
    session.add_all(
        [
            SignInThrottle(
                key=throttle.account_key(" Contact.A@example.nl"),
                blocked_until=now + dt.timedelta(minutes=5),
            ),
            SignInThrottle(
                key=throttle.account_key("coach@example.nl"),
                blocked_until=now - dt.timedelta(minutes=1),
            ),  # the delay is over
            SignInThrottle(
                key=throttle.account_key("nobody@example.nl"),
                blocked_until=now + dt.timedelta(minutes=5),
            ),  # no such account
            SignInThrottle(
                key=throttle.address_key("10.0.0.1"), blocked_until=now + dt.timedelta(minutes=5)
            ),
        ]
    )
    session.commit()
    ctx = make_ctx(world.admin)
    assert _items(todo.admin_items(ctx))["delayed_accounts"] == 1
    assert [u.email for u in todo.follow_up_users(ctx, "delayed")] == ["contact.a@example.nl"]
    client.login("admin@example.nl")
    html = client.get("/admin/users?show=delayed").get_data(as_text=True)
    assert "contact.a@example.nl" in html and "coach@example.nl" not in html
    later = make_ctx(world.admin, clock=lambda: now + dt.timedelta(minutes=6))
    assert _items(todo.admin_items(later))["delayed_accounts"] == 0


def test_roles_see_only_their_own_lists(world, make_ctx):
    assert todo.coach_items(make_ctx(world.contact_a)) == []
    assert todo.employer_items(make_ctx(world.coach)) == []
    assert todo.coordinator_items(make_ctx(world.coach)) == []
    assert todo.admin_items(make_ctx(world.coordinator_a)) == []
    home = todo.home(make_ctx(world.contact_a))
    assert list(home.sections) == [Role.EMPLOYER]


def _proposed_on(session, make_ctx, world, day: dt.date):
    pl = place(session, world.emp_b, [world.net_b])
    cand = candidate(session, world.org, world.emp_a, [world.net_b])
    placement = proposal(make_ctx, world.coach, cand, pl)
    placement.proposed_at = at_day(day)
    session.commit()
    return placement


def test_overdue_after_the_networks_working_days(world, session, make_ctx):
    placement = _proposed_on(session, make_ctx, world, FRIDAY)  # deadline: Friday 11 Dec
    on_deadline = make_ctx(world.coordinator_b, clock=lambda: at_day(dt.date(2026, 12, 11)))
    after = make_ctx(world.coordinator_b, clock=lambda: at_day(dt.date(2026, 12, 12)))
    assert _items(todo.coordinator_items(on_deadline))["proposals_overdue"] == 0
    assert _items(todo.coordinator_items(after))["proposals_overdue"] == 1
    assert todo.is_overdue(placement, dt.date(2026, 12, 12))
    # The network gives ten working days instead: not overdue any more.
    world.net_b.answer_deadline_days = 10
    session.commit()
    assert _items(todo.coordinator_items(after))["proposals_overdue"] == 0
    coach = make_ctx(world.coach, clock=lambda: at_day(dt.date(2026, 12, 21)))
    item = next(i for i in todo.coach_items(coach) if i.key == "proposals_waiting")
    assert item.count == 1 and item.overdue


def test_the_host_is_reminded_of_an_overdue_proposal_once(world, session, make_ctx):
    placement = _proposed_on(session, make_ctx, world, FRIDAY)
    before = make_ctx(None, clock=lambda: at_day(dt.date(2026, 12, 11)))
    assert answer_deadlines.remind_overdue_proposals(before) == []
    later = make_ctx(None, clock=lambda: at_day(dt.date(2026, 12, 14)))
    assert answer_deadlines.remind_overdue_proposals(later) == [placement.id]
    assert answer_deadlines.remind_overdue_proposals(later) == []  # once
    kinds = session.scalars(
        select(Notification.kind).where(Notification.user_id == world.contact_b.id)
    ).all()
    assert kinds.count(notes.Kind.ANSWER_OVERDUE) == 1
    coach_kinds = session.scalars(
        select(Notification.kind).where(Notification.user_id == world.coach.id)
    ).all()
    assert notes.Kind.ANSWER_OVERDUE not in coach_kinds


def test_places_due_for_confirmation_follow_the_strictest_network(world, session, make_ctx):
    world.net_a.freshness_days = 30
    world.net_b.freshness_days = 90
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=25)  # 30 - 7 days ago and more
    due = place(session, world.emp_ab, [world.net_a, world.net_b], last_confirmed_at=old)
    place(session, world.emp_ab, [world.net_b], last_confirmed_at=old)  # 90 days: not due
    place(session, world.emp_ab, [], last_confirmed_at=old)  # default 60: not due
    contact = factories.user(session, Role.EMPLOYER, employers=[world.emp_ab])
    session.commit()
    ctx = make_ctx(contact)
    assert _items(todo.employer_items(ctx))["places_to_confirm"] == 1
    assert place_svc.freshness_state(due, ctx.now()) == "due_soon"


def test_paused_places_count_only_those_the_sweep_paused(world, session, make_ctx):
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    swept = place(session, world.emp_b, [world.net_b], last_confirmed_at=old, created_at=old)
    by_hand = place(session, world.emp_b, [world.net_b])
    session.commit()
    coordinator = make_ctx(world.coordinator_b)
    assert _items(todo.coordinator_items(coordinator))["paused_places"] == 0
    place_svc.pause_place(make_ctx(world.contact_b), by_hand.id)
    assert place_svc.sweep(make_ctx(None)).paused == [swept.id]
    assert {swept.status, by_hand.status} == {PlaceStatus.PAUSED}
    assert _items(todo.coordinator_items(coordinator))["paused_places"] == 1
    assert _items(todo.coordinator_items(make_ctx(world.coordinator_a)))["paused_places"] == 0
    # Reopened by a confirmation and then paused by hand: no longer the sweep's.
    place_svc.confirm_place(make_ctx(world.contact_b), swept.id)
    place_svc.pause_place(make_ctx(world.contact_b), swept.id)
    assert _items(todo.coordinator_items(coordinator))["paused_places"] == 0


def test_job_health_reads_the_last_successful_run(world, session, make_ctx):
    ctx = make_ctx(world.admin)
    assert all(not j.healthy for j in todo.job_health(ctx))
    with jobs.recorded(session, "mail") as run:
        run.detail = "sent=1"
    with pytest.raises(RuntimeError), jobs.recorded(session, "places_sweep"):
        raise RuntimeError("boom")
    health = {j.job: j for j in todo.job_health(ctx)}
    assert health["mail"].healthy and not health["places_sweep"].healthy
    failed = session.scalar(select(JobRun).where(JobRun.job == "places_sweep"))
    assert failed is not None and not failed.ok and "boom" in failed.detail
    later = make_ctx(world.admin, clock=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert not {j.job: j for j in todo.job_health(later)}["mail"].healthy


def test_network_answer_deadline_defaults_to_five(world):
    assert world.net_a.answer_deadline_days is None
    assert world.net_a.answer_deadline == 5
    assert isinstance(world.net_a, Network)


def test_proposed_placements_are_not_overdue_once_answered(world, session, make_ctx):
    placement = _proposed_on(session, make_ctx, world, FRIDAY)
    session.execute(
        Placement.__table__.update()
        .where(Placement.id == placement.id)
        .values(status=Status.DECLINED.value)
    )
    session.commit()
    after = make_ctx(world.coordinator_b, clock=lambda: at_day(dt.date(2026, 12, 14)))
    assert _items(todo.coordinator_items(after))["proposals_overdue"] == 0


def test_new_matching_places_since_the_coachs_last_search(world, session, make_ctx, app):
    from registry.models import PlaceKind
    from registry.models.search import SearchVisit
    from tests.statements import count_statements

    cand = candidate(session, world.org, world.emp_a, [world.net_b], accepted_kinds=["stage"])
    searched = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    session.add(SearchVisit(user_id=world.coach.id, candidate_id=cand.id, searched_at=searched))
    place(session, world.emp_b, [world.net_b], created_at=searched - dt.timedelta(days=1))
    place(session, world.emp_a, [world.net_b])  # the home employer's: never counted
    place(session, world.emp_b, [world.net_a])  # not in the candidate's networks
    place(session, world.emp_b, [world.net_b], kind=PlaceKind.MEELOOPDAG)  # another kind
    place(session, world.emp_b, [world.net_b], lat=52.3676, lon=4.9041)  # Amsterdam: too far
    place(session, world.emp_b, [world.net_b], demands={"lifting": {"band": 4}})  # conflict
    place(session, world.emp_b, [world.net_b], taken_slots=1)  # full
    session.commit()
    ctx = make_ctx(world.coach)
    assert _items(todo.coach_items(ctx))["new_places"] == 0
    place(session, world.emp_b, [world.net_b])  # new since the search, and it fits
    place(session, world.emp_ab, [world.net_b])
    session.commit()
    item = next(i for i in todo.coach_items(ctx) if i.key == "new_places")
    assert item.count == 2  # places, for one candidate
    with app.test_request_context():
        assert "1" in str(item.detail)
    assert _items(todo.coach_items(make_ctx(world.coach2)))["new_places"] == 0
    # Without a current capacity profile the candidate is left out.
    cand.profiles[0].is_current = False
    session.commit()
    assert _items(todo.coach_items(ctx))["new_places"] == 0
    cand.profiles[0].is_current = True
    session.commit()
    # The statements do not grow with the number of candidates.
    with count_statements(session.get_bind()) as one:
        todo.coach_items(ctx)
    for _ in range(3):
        other = candidate(session, world.org, world.emp_a, [world.net_b], accepted_kinds=["stage"])
        session.add(
            SearchVisit(user_id=world.coach.id, candidate_id=other.id, searched_at=searched)
        )
    session.commit()
    with count_statements(session.get_bind()) as four:
        assert _items(todo.coach_items(ctx))["new_places"] == 2 + 3 * 2
    assert len(four) == len(one)


def test_the_notifications_job_reminds_and_records_its_run(world, session, make_ctx, app):
    placement = _proposed_on(session, make_ctx, world, dt.date.today() - dt.timedelta(days=30))
    result = app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "overdue=1" in result.output
    session.expire_all()
    assert session.get(Placement, placement.id).deadline_reminded_at is not None
    runs = {r.job: r.ok for r in session.scalars(select(JobRun))}
    assert runs == {"notifications": True, "mail": True}
    assert notes.Kind.ANSWER_OVERDUE in _kinds_of(session, world.contact_b)


def _kinds_of(session, user) -> list[str]:
    return list(session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))
