"""The stored reciprocity ledger: postings per lifecycle step, recompute check, property test."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import object_session

from registry.domain.ledger import Balance, EntryKind, Unit, balances, recompute
from registry.domain.placement import Status
from registry.models import LedgerEntryRecord, Placement, TrajectoryStatus
from registry.services import ledger as ledger_service
from registry.services import placements as svc
from registry.services.errors import ServiceError
from tests.services.test_placement_support import (
    candidate,
    consent_introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()
TODAY = dt.date.today()
EARLY = dt.datetime.combine(TODAY - dt.timedelta(days=120), dt.time(9), tzinfo=dt.UTC)


def early(make_ctx):
    """Contexts acting 120 days ago: proposals and acceptances precede the recorded start."""
    return lambda user=None, **kw: make_ctx(user, clock=lambda: EARLY, **kw)


def _introduce(p):
    """The candidate's consent to the introduction (needed before a start)."""
    session = object_session(p)
    consent_introduce(session, p.candidate, p.host_employer)
    session.commit()


def _run_to_completion(make_ctx, world, p, weeks=3):
    svc.accept(early(make_ctx)(world.contact_a), p.id)
    _introduce(p)
    svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(weeks=weeks))
    return svc.complete(make_ctx(world.contact_a), p.id, "returned_home")


def test_start_and_end_post_double_entries(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_ab, [world.net_a])
    session.commit()
    p = proposal(early(make_ctx), world.coach, cand, pl)
    svc.accept(early(make_ctx)(world.contact_a), p.id)
    assert ledger_service.stored_rows(session) == []  # accepting is no transfer yet
    _introduce(p)
    svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=27))  # 27 // 7 = 3
    rows = ledger_service.stored_rows(session)
    assert {(r.employer_id, r.unit, r.amount, r.kind) for r in rows} == {
        (world.emp_a.id, Unit.PLACEMENTS, 1, EntryKind.START),
        (world.emp_ab.id, Unit.PLACEMENTS, -1, EntryKind.START),
    }
    svc.complete(make_ctx(world.contact_a), p.id, "hired")
    bal = ledger_service.balances(session, world.net_a.id)
    assert bal[(world.net_a.id, world.emp_a.id)] == Balance(1, 0, 3, 0)
    assert bal[(world.net_a.id, world.emp_ab.id)] == Balance(0, 1, 0, 3)
    assert ledger_service.check(session) == []
    history = ledger_service.history(session, world.net_a.id, world.emp_a.id)
    assert [(h.balance_placements, h.balance_weeks) for h in history] == [(1, 0), (1, 3)]


@pytest.mark.parametrize(("days", "weeks"), [(0, 0), (6, 0), (7, 1), (20, 2)])
def test_weeks_are_the_real_weeks_worked(session, world, make_ctx, days, weeks):
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    p = proposal(early(make_ctx), world.coach, cand, pl)
    svc.accept(early(make_ctx)(world.contact_a), p.id)
    _introduce(p)
    svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=days))
    svc.complete(make_ctx(world.contact_a), p.id, "hired", on=TODAY)
    bal = ledger_service.balances(session, world.net_a.id)
    assert bal[(world.net_a.id, world.emp_a.id)] == Balance(1, 0, weeks, 0)
    assert bal[(world.net_a.id, world.emp_b.id)] == Balance(0, 1, 0, weeks)
    units = [r.unit for r in ledger_service.stored_rows(session)]
    assert units.count(Unit.WEEKS) == (2 if weeks else 0)  # a 0-week end posts nothing
    assert ledger_service.check(session) == []


def test_correcting_a_same_day_placement_to_real_weeks_reverses_and_reposts(
    session, world, make_ctx
):
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    p = _run_to_completion(
        make_ctx, world, proposal(early(make_ctx), world.coach, cand, pl), weeks=0
    )
    bal = ledger_service.balances(session, world.net_a.id)[(world.net_a.id, world.emp_a.id)]
    assert bal == Balance(1, 0, 0, 0)
    svc.correct_dates(make_ctx(world.coach), p.id, TODAY - dt.timedelta(days=14), TODAY)
    bal = ledger_service.balances(session, world.net_a.id)[(world.net_a.id, world.emp_a.id)]
    assert bal == Balance(1, 0, 2, 0)
    assert ledger_service.check(session) == []


def test_self_placement_is_no_transfer(session, world, make_ctx):
    """Proposing at the home employer is refused now (issue 12), but a self-placement from
    before that rule still posts nothing and keeps the ledger check clean."""
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_a, [world.net_a])
    session.commit()
    old = Placement(
        place_id=pl.id,
        candidate_id=cand.id,
        network_id=world.net_a.id,
        host_employer_id=world.emp_a.id,
        home_employer_id=world.emp_a.id,
        coach_organisation_id=world.org.id,
        status=Status.COMPLETED,
        started_on=TODAY - dt.timedelta(weeks=5),
        ended_on=TODAY,
    )
    session.add(old)
    session.commit()
    assert ledger_service.post_for(session, old, on=TODAY) == []
    assert ledger_service.stored_rows(session) == []
    assert ledger_service.check(session) == []


def test_date_correction_appends_reversals_and_never_edits(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    p = _run_to_completion(
        make_ctx, world, proposal(early(make_ctx), world.coach, cand, pl), weeks=3
    )
    before = {r.id: (r.amount, r.kind) for r in ledger_service.stored_rows(session)}
    svc.correct_dates(make_ctx(world.coach), p.id, TODAY - dt.timedelta(weeks=6), TODAY)
    rows = ledger_service.stored_rows(session)
    assert {r.id: (r.amount, r.kind) for r in rows if r.id in before} == before
    assert any(r.kind is EntryKind.REVERSAL for r in rows)
    bal = ledger_service.balances(session, world.net_a.id)[(world.net_a.id, world.emp_a.id)]
    assert (bal.balance_placements, bal.balance_weeks) == (1, 6)
    assert ledger_service.check(session) == []
    assert {r.posted_on for r in rows if r.id not in before} == {TODAY}  # posted as today
    with pytest.raises(RuntimeError):
        rows[0].amount = 99
        session.flush()
    session.rollback()


def test_erasing_a_trajectory_leaves_every_balance_unchanged(session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    _run_to_completion(make_ctx, world, proposal(early(make_ctx), world.coach, cand, pl))
    before = ledger_service.balances(session)
    # What erasure does to the candidate: personal data gone, status erased.
    for name in ("given_name", "family_name", "email", "phone", "postcode", "notes"):
        setattr(cand, name, None)
    cand.status = TrajectoryStatus.ERASED
    session.commit()
    assert ledger_service.balances(session) == before
    assert ledger_service.check(session) == []


def test_ledger_check_command_passes_and_fails_loudly(app, session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    p = _run_to_completion(make_ctx, world, proposal(early(make_ctx), world.coach, cand, pl))
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["ledger", "check"])
    assert ok.exit_code == 0, ok.output
    assert "Ledger OK: 4 entries" in ok.output
    session.add(
        LedgerEntryRecord(
            network_id=world.net_a.id,
            placement_id=p.id,
            employer_id=world.emp_a.id,
            unit=Unit.WEEKS,
            amount=5,
            kind=EntryKind.END,
            posted_on=TODAY,
        )
    )
    session.commit()
    bad = runner.invoke(args=["ledger", "check"])
    assert bad.exit_code == 1
    assert "LEDGER MISMATCH: 1 difference(s)" in bad.output
    assert f"placement={p.id} employer={world.emp_a.id} unit=weeks expected=3 stored=8" in (
        bad.output
    )
    fixed = runner.invoke(args=["ledger", "check", "--repair"])
    assert fixed.exit_code == 1 and "Appended" in fixed.output
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


# --------------------------------------------------------------------------- property test

ACTIONS = ["accept", "decline", "withdraw", "start", "cancel", "complete", "end_early", "correct"]
step = st.tuples(
    st.integers(min_value=0, max_value=3),  # which placement
    st.sampled_from(ACTIONS),
    st.integers(min_value=0, max_value=60),  # days before today for dates
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_stored_ledger_equals_recompute_after_random_lifecycles(
    app, session, world, make_ctx, steps
):
    pl = place(session, world.emp_a, [world.net_a], slots=2)
    homes = [world.emp_b, world.emp_ab, world.emp_b, world.emp_ab]  # never the host itself
    ids = []
    for home in homes:
        cand = candidate(session, world.org, home, [world.net_a])
        session.commit()
        ids.append(proposal(early(make_ctx), world.coach, cand, pl).id)
        consent_introduce(session, cand, world.emp_a)
        session.commit()
    coach, host = make_ctx(world.coach), make_ctx(world.contact_a)
    for index, action, days in steps:
        pid, day = ids[index], TODAY - dt.timedelta(days=days)
        try:
            if action == "accept":
                svc.accept(early(make_ctx)(world.contact_a), pid)
            elif action == "decline":
                svc.decline(host, pid, "other")
            elif action == "withdraw":
                svc.withdraw(coach, pid)
            elif action == "start":
                svc.start(coach, pid, on=day)
            elif action == "cancel":
                svc.cancel(coach, pid)
            elif action == "complete":
                svc.complete(host, pid, "no_follow_up", on=TODAY)
            elif action == "end_early":
                svc.end_early(coach, pid, "other", on=TODAY)
            else:
                svc.correct_dates(coach, pid, day, TODAY)
        except ServiceError:
            session.rollback()
    session.expire_all()
    assert ledger_service.check(session) == []
    cli = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert cli.exit_code == 0 and "Ledger OK" in cli.output, cli.output
    facts = [ledger_service.facts_of(p) for p in map(lambda i: svc.get_placement(coach, i), ids)]
    stored = ledger_service.stored_entries(session, network_id=world.net_a.id)
    mine = [e for e in stored if e.placement_id in ids]
    assert balances(mine) == balances(recompute(facts))
    slot_holders = sum(
        1 for i in ids if svc.get_placement(coach, i).status in (Status.ACCEPTED, Status.STARTED)
    )
    assert pl.taken_slots == slot_holders <= pl.slots
