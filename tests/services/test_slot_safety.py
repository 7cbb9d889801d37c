"""Concurrent acceptances for the last slot: exactly one wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from registry.domain.placement import Status
from registry.extensions import db
from registry.models import Place, Placement, PlaceStatus, User
from registry.services import placements as svc
from registry.services.accounts import actor_for
from registry.services.context import Context
from registry.services.errors import Conflict
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
