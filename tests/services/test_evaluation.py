"""The host's evaluation needs content: every rating and an overall remark, all reported
at once, and nothing is saved until it is complete."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import object_session

from registry.domain.placement import Status
from registry.services import placements as svc
from registry.services.errors import ValidationFailed
from tests.services.test_placement_support import (
    candidate,
    consent_introduce,
    place,
    proposal,
    request_context_fixture,
)

_request_context = request_context_fixture()
TODAY = dt.date.today()
EARLY = dt.datetime.combine(TODAY - dt.timedelta(days=30), dt.time(9), tzinfo=dt.UTC)
REQUIRED = {*svc.EVALUATION_RATINGS, "overall"}
COMPLETE = {"ratings": {k: 3 for k in svc.EVALUATION_RATINGS}, "overall": "Goed gedaan"}


@pytest.fixture
def running(session, world, make_ctx):
    def early(user=None, **kw):
        return make_ctx(user, clock=lambda: EARLY, **kw)

    pl = place(session, world.emp_a, [world.net_a])
    cand = candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    p = proposal(early, world.coach, cand, pl)
    svc.accept(early(world.contact_a), p.id)
    consent_introduce(object_session(p), cand, world.emp_a)
    session.commit()
    return svc.start(make_ctx(world.coach), p.id, on=TODAY - dt.timedelta(days=10))


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"ratings": {}, "overall": "   "},
        {"ratings": {k: "" for k in svc.EVALUATION_RATINGS}, "tasks_done": "Orderpicken"},
    ],
)
def test_an_empty_evaluation_lists_every_missing_item(world, make_ctx, running, data):
    with pytest.raises(ValidationFailed) as err:
        svc.save_evaluation(make_ctx(world.contact_a), running.id, data)
    assert set(err.value.errors) == REQUIRED
    assert svc.get_placement(make_ctx(world.coach), running.id).evaluation is None


@pytest.mark.parametrize("bad", [0, 6, "vier", None, 2.5])
def test_each_rating_must_be_one_to_five(world, make_ctx, running, bad):
    data = {**COMPLETE, "ratings": {**COMPLETE["ratings"], "quality": bad}}
    with pytest.raises(ValidationFailed) as err:
        svc.save_evaluation(make_ctx(world.contact_a), running.id, data)
    assert set(err.value.errors) == {"quality"}


def test_one_missing_item_is_named(world, make_ctx, running):
    with pytest.raises(ValidationFailed) as err:
        svc.save_evaluation(make_ctx(world.contact_a), running.id, {**COMPLETE, "overall": ""})
    assert set(err.value.errors) == {"overall"}


def test_a_complete_evaluation_is_saved(world, make_ctx, running):
    saved = svc.save_evaluation(make_ctx(world.contact_a), running.id, COMPLETE)
    assert saved.evaluation["ratings"] == COMPLETE["ratings"]
    assert saved.evaluation["overall"] == "Goed gedaan"
    assert saved.evaluated_at is not None


def test_completing_with_an_incomplete_evaluation_changes_nothing(world, make_ctx, running):
    host = make_ctx(world.contact_a)
    with pytest.raises(ValidationFailed) as err:
        svc.complete(host, running.id, "hired", on=TODAY, evaluation={"overall": "Prima"})
    assert set(err.value.errors) == set(svc.EVALUATION_RATINGS)
    again = svc.get_placement(make_ctx(world.coach), running.id)
    assert again.status is Status.STARTED and again.evaluation is None
    done = svc.complete(host, running.id, "hired", on=TODAY, evaluation=COMPLETE)
    assert done.status is Status.COMPLETED and done.evaluation["overall"] == "Goed gedaan"
