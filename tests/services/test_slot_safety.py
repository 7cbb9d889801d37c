"""Concurrent acceptances for the last slot: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain.placement import Status
from registry.extensions import db
from registry.models import Place, Placement, PlaceStatus, User
from registry.services import placements as svc
from registry.services.accounts import actor_for
from registry.services.context import Context
from registry.services.errors import Conflict, ValidationFailed
from tests.services.test_placement_support import candidate, place, proposal

CONTENDERS = 10


def _accept_concurrently(app, host_user_id: int, placement_ids: list[int]) -> list[object]:
    barrier = threading.Barrier(len(placement_ids))
    results: list[object] = [None] * len(placement_ids)

    def worker(index: int, placement_id: int) -> None:
        with app.test_request_context(), Session(db.engine) as session:
            actor = actor_for(session, session.get(User, host_user_id))
            ctx = Context(session=session, actor=actor, settings=app.config)
            barrier.wait(timeout=30)
            try:
                svc.accept(ctx, placement_id)
                results[index] = "won"
            except Conflict as exc:
                results[index] = exc
            except Exception as exc:  # anything else is a failure of the test
                results[index] = exc

    threads = [
        threading.Thread(target=worker, args=(i, pid)) for i, pid in enumerate(placement_ids)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_many_concurrent_acceptances_for_the_last_slot_have_one_winner(
    app, session, world, make_ctx
):
    pl = place(session, world.emp_a, [world.net_a], slots=2, taken_slots=1)
    ids = []
    for _ in range(CONTENDERS):
        cand = candidate(session, world.org, world.emp_ab, [world.net_a])
        ids.append(proposal(make_ctx, world.coach, cand, pl).id)
    session.commit()

    results = _accept_concurrently(app, world.contact_a.id, ids)

    winners = [r for r in results if r == "won"]
    losers = [r for r in results if isinstance(r, Conflict)]
    assert len(winners) == 1, results
    assert len(losers) == CONTENDERS - 1, results
    assert all(e.message is svc.SLOT_TAKEN for e in losers)
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert "last free slot of this place was taken" in str(losers[0].message)
    session.expire_all()
    refreshed = session.get(Place, pl.id)
    assert refreshed.taken_slots == 2
    assert refreshed.status is PlaceStatus.FULL
    accepted = session.scalar(
        select(func.count(Placement.id)).where(
            Placement.place_id == pl.id, Placement.status == Status.ACCEPTED
        )
    )
    assert accepted == 1
    still_proposed = session.scalar(
        select(func.count(Placement.id)).where(
            Placement.place_id == pl.id, Placement.status == Status.PROPOSED
        )
    )
    assert still_proposed == CONTENDERS - 1


def test_concurrent_accepts_of_the_same_proposal_reserve_one_slot(app, session, world, make_ctx):
    pl = place(session, world.emp_a, [world.net_a], slots=3)
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    pid = proposal(make_ctx, world.coach, cand, pl).id
    session.commit()

    results = _accept_concurrently(app, world.contact_a.id, [pid] * 5)

    assert results.count("won") == 1, results
    assert all(isinstance(r, Conflict) for r in results if r != "won")
    session.expire_all()
    assert session.get(Place, pl.id).taken_slots == 1


# --------------------------------------------------------------------------- slot edits (issue 12)

ROUNDS = 5
EDITORS = 3


def _slot_holders(session, place_id: int) -> int:
    return session.scalar(
        select(func.count(Placement.id)).where(
            Placement.place_id == place_id,
            Placement.status.in_((Status.ACCEPTED, Status.STARTED)),
        )
    )


def _race_edits_and_accepts(app, host_user_id: int, place_id: int, jobs: list) -> list[object]:
    """Run accepts and cancels (``("accept", placement_id)``, ``("cancel", ...)``) and slot
    edits (``("slots", n)``) at once, all as the host."""
    from registry.services import places as place_svc

    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(index: int, job: tuple[str, int]) -> None:
        with app.test_request_context(), Session(db.engine) as session:
            actor = actor_for(session, session.get(User, host_user_id))
            ctx = Context(session=session, actor=actor, settings=app.config)
            kind, value = job
            data = None
            if kind == "slots":
                data = place_svc.input_from_place(session.get(Place, place_id), slots=value)
            barrier.wait(timeout=30)
            try:
                if kind == "accept":
                    svc.accept(ctx, value)
                elif kind == "cancel":
                    svc.cancel(ctx, value)
                else:
                    place_svc.update_place(ctx, place_id, data)
                results[index] = "won"
            except (Conflict, ValidationFailed) as exc:
                results[index] = exc
            except Exception as exc:  # an IntegrityError here means the guard failed
                results[index] = exc

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_slot_edits_racing_accepts_never_overbook(app, session, world, make_ctx):
    """Employers lowering slots while proposals are accepted (the stress-test finding):
    after every round the place holds at most its slots, its counter equals the accepted
    and running placements, and it is full exactly when no slot is left."""
    for round_no in range(ROUNDS):
        pl = place(session, world.emp_a, [world.net_a], slots=3)
        ids = []
        for _ in range(4):
            cand = candidate(session, world.org, world.emp_ab, [world.net_a])
            ids.append(proposal(make_ctx, world.coach, cand, pl).id)
        session.commit()
        edits = [("slots", 1 + (round_no + k) % 3) for k in range(EDITORS)]
        jobs = [("accept", pid) for pid in ids] + edits
        results = _race_edits_and_accepts(app, world.contact_a.id, pl.id, jobs)

        expected = (Conflict, ValidationFailed)
        unexpected = [r for r in results if r != "won" and not isinstance(r, expected)]
        assert unexpected == [], unexpected
        session.expire_all()
        refreshed = session.get(Place, pl.id)
        holders = _slot_holders(session, pl.id)
        assert 0 <= refreshed.taken_slots <= refreshed.slots, (round_no, results)
        assert refreshed.taken_slots == holders, (round_no, results)
        full = refreshed.taken_slots >= refreshed.slots
        assert (refreshed.status is PlaceStatus.FULL) == full, (round_no, refreshed.status)
        assert results[: len(ids)].count("won") == holders


def test_lowering_slots_below_the_placements_held_is_refused_with_the_count(
    app, session, world, make_ctx
):
    from flask_babel import force_locale

    from registry.services import places as place_svc

    pl = place(session, world.emp_a, [world.net_a], slots=3)
    for _ in range(2):
        cand = candidate(session, world.org, world.emp_ab, [world.net_a])
        svc.accept(make_ctx(world.contact_a), proposal(make_ctx, world.coach, cand, pl).id)
    session.commit()
    host = make_ctx(world.contact_a)
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(ValidationFailed) as err:
            place_svc.update_place(host, pl.id, place_svc.input_from_place(pl, slots=1))
        assert "already has 2 accepted or running placements" in str(err.value.errors["slots"][0])
        assert "cannot lower the slots below that" in str(err.value.errors["slots"][0])
        session.rollback()
        # Lowering to exactly the number held fills the place; raising reopens it.
        place_svc.update_place(host, pl.id, place_svc.input_from_place(pl, slots=2))
        session.expire_all()
        assert (pl.slots, pl.taken_slots, pl.status) == (2, 2, PlaceStatus.FULL)
        place_svc.update_place(host, pl.id, place_svc.input_from_place(pl, slots=4))
        session.expire_all()
        assert (pl.slots, pl.status) == (4, PlaceStatus.OPEN)


def test_the_conditional_slot_update_refuses_a_stale_count(app, session, world, make_ctx):
    """The race in slow motion: the form was checked against 0 taken, an accept commits,
    then the edit writes. The edit loses with the real count instead of over-booking."""
    from flask_babel import force_locale

    from registry.services import places as place_svc

    pl = place(session, world.emp_a, [world.net_a], slots=2)
    cands = [candidate(session, world.org, world.emp_ab, [world.net_a]) for _ in range(2)]
    ids = [proposal(make_ctx, world.coach, c, pl).id for c in cands]
    session.commit()
    host = make_ctx(world.contact_a)
    stale = place_svc.get_place(host, pl.id)  # the editor loads the form: 0 taken
    assert stale.taken_slots == 0
    for pid in ids:  # accepted behind the editor's back, as another worker would
        with Session(db.engine) as other:
            ctx = Context(
                session=other,
                actor=actor_for(other, other.get(User, world.contact_a.id)),
                settings=app.config,
            )
            with app.test_request_context():
                svc.accept(ctx, pid)
    assert stale.taken_slots == 0  # the editor's session still holds the old count
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(Conflict) as err:
            place_svc.update_place(host, pl.id, place_svc.input_from_place(stale, slots=1))
        assert "already has 2 accepted or running placements" in str(err.value.message)
    session.expire_all()
    assert (pl.slots, pl.taken_slots) == (2, 2)


def test_the_database_refuses_overbooking(session, world):
    """CHECK constraints: no code path can store taken_slots outside 0..slots."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    pl = place(session, world.emp_a, [world.net_a], slots=1)
    session.commit()
    for values in ({"taken_slots": 2}, {"taken_slots": -1}, {"slots": 0, "taken_slots": 1}):
        with pytest.raises(IntegrityError):
            session.execute(update(Place).where(Place.id == pl.id).values(**values))
            session.flush()
        session.rollback()


def test_slot_edits_racing_accepts_and_cancels_keep_the_counter_true(app, session, world, make_ctx):
    """The stress test's mix: while two accepted placements are cancelled and two
    proposals accepted, the employer edits the slots. The counter equals the holders,
    never exceeds the slots, and the place is full exactly when no slot is left."""
    for round_no in range(ROUNDS):
        pl = place(session, world.emp_a, [world.net_a], slots=3)
        ids = []
        for _ in range(4):
            cand = candidate(session, world.org, world.emp_ab, [world.net_a])
            ids.append(proposal(make_ctx, world.coach, cand, pl).id)
        session.commit()
        for pid in ids[:2]:
            svc.accept(make_ctx(world.contact_a), pid)
        edits = [("slots", 2 + (round_no + k) % 2) for k in range(EDITORS)]
        jobs = [("cancel", pid) for pid in ids[:2]] + [("accept", pid) for pid in ids[2:]]
        results = _race_edits_and_accepts(app, world.contact_a.id, pl.id, jobs + edits)

        expected = (Conflict, ValidationFailed)
        unexpected = [r for r in results if r != "won" and not isinstance(r, expected)]
        assert unexpected == [], unexpected
        session.expire_all()
        refreshed = session.get(Place, pl.id)
        assert 0 <= refreshed.taken_slots <= refreshed.slots, (round_no, results)
        assert refreshed.taken_slots == _slot_holders(session, pl.id), (round_no, results)
        full = refreshed.taken_slots >= refreshed.slots
        assert (refreshed.status is PlaceStatus.FULL) == full, (round_no, refreshed.status)
