"""Matchmaking rounds on the demo (issue 19): the coordinator runs, adjusts and approves a
round; coaches see and act on their own candidates' suggestions; hosts see nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.domain.permissions import Action
from registry.models import AuditEvent, Network, Placement, User
from registry.models.matchmaking import MatchSuggestion, RoundStatus, SuggestionStatus
from registry.services import match_suggestions as sugg
from registry.services import matchmaking as svc
from registry.services.errors import NotFound, PermissionDenied, ValidationFailed
from tests.demo_snapshot import load_demo_rows


def _user(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


@pytest.fixture
def demo(app, session):
    """The demo data set, in a request (the services' messages are translated lazily)."""
    load_demo_rows(session)
    with app.test_request_context():
        yield session


def _start(make_ctx, session, **kw):
    coord = _user(session, "coordinator@voorbeeld.nl")
    ctx = make_ctx(coord)
    network = session.scalar(select(Network).where(Network.name.like("%Twente%")))
    orgs = [o.id for o in svc.organisations(ctx)]
    data = svc.RoundInput(network_id=network.id, organisation_ids=orgs, **kw)
    return ctx, svc.start_round(ctx, data)


def test_the_demo_coordinator_runs_a_round_and_coaches_get_suggestions(demo, make_ctx):
    ctx, rnd = _start(make_ctx, demo)
    assert rnd.status is RoundStatus.PROPOSED
    assert rnd.result["chosen"], "the demo round places nobody"
    best, greedy = rnd.result["optimum"], rnd.result["greedy"]
    assert best["placed"] >= greedy["placed"]
    assert best["urgent_placed"] >= greedy["urgent_placed"]
    # every chosen pair is a pair of the input, every place within its capacity
    per_place: dict[int, int] = {}
    for i, _rank in rnd.result["chosen"]:
        p = rnd.input["pairs"][i][1]
        per_place[p] = per_place.get(p, 0) + 1
    for p, n in per_place.items():
        assert n <= rnd.input["places"][p][5]
    assert (
        demo.scalar(select(AuditEvent).where(AuditEvent.action == "match_round.started"))
        is not None
    )

    svc.approve(ctx, rnd.id)
    assert rnd.status is RoundStatus.APPROVED
    suggestions = demo.scalars(select(MatchSuggestion)).all()
    assert len(suggestions) == len(rnd.result["chosen"])
    # no proposal yet: hosts see nothing
    assert not demo.scalars(select(Placement).where(Placement.proposed_at.is_(None))).all()
    coach = _user(demo, "coach@voorbeeld.nl")
    coach_ctx = make_ctx(coach)
    page = sugg.suggestions_page(coach_ctx)
    assert page.items
    assert all(s.candidate.coach_organisation_id == coach.coach_organisation_id for s in page.items)
    other = _user(demo, "coach.oost@voorbeeld.nl")
    for s in page.items:
        with pytest.raises(NotFound):
            sugg.get_suggestion(make_ctx(other), s.id)


def test_locking_excluding_and_resolving(demo, make_ctx):
    ctx, rnd = _start(make_ctx, demo)
    pairs, cands, places = rnd.input["pairs"], rnd.input["candidates"], rnd.input["places"]
    first = rnd.result["chosen"][0][0]
    cid, pid = cands[pairs[first][0]][0], places[pairs[first][1]][0]
    svc.change_pair(ctx, rnd.id, cid, pid, "exclude")
    chosen = {
        (cands[rnd.input["pairs"][i][0]][0], places[rnd.input["pairs"][i][1]][0])
        for i, _r in rnd.result["chosen"]
    }
    assert (cid, pid) not in chosen
    # lock a pair the optimum did not choose (when there is one): it is kept
    unchosen = [
        i
        for i, pr in enumerate(rnd.input["pairs"])
        if (cands[pr[0]][0], places[pr[1]][0]) not in chosen
    ]
    if unchosen:
        pr = rnd.input["pairs"][unchosen[0]]
        lock = (cands[pr[0]][0], places[pr[1]][0])
        svc.change_pair(ctx, rnd.id, *lock, "lock")
        now = {
            (cands[rnd.input["pairs"][i][0]][0], places[rnd.input["pairs"][i][1]][0])
            for i, _r in rnd.result["chosen"]
        }
        assert lock in now
    before = rnd.result
    svc.resolve(ctx, rnd.id)
    assert rnd.result == before  # the same input gives the same result
    with pytest.raises(NotFound):
        svc.change_pair(ctx, rnd.id, 10**6, pid, "lock")


def test_coach_turns_a_suggestion_into_a_proposal_or_declines(demo, make_ctx):
    ctx, rnd = _start(make_ctx, demo)
    svc.approve(ctx, rnd.id)
    coach = _user(demo, "coach@voorbeeld.nl")
    coach_ctx = make_ctx(coach)
    items = sugg.suggestions_page(coach_ctx).items
    assert len(items) >= 2
    clean = next(s for s in items if not s.explanation.get("signals"))
    placement = sugg.accept(
        coach_ctx, clean.id, sugg.AcceptInput("Past goed bij de belastbaarheid.", {}, True)
    )
    assert placement.place_id == clean.place_id
    assert clean.status is SuggestionStatus.PROPOSED and clean.placement_id == placement.id
    other = next(s for s in items if s.id != clean.id)
    with pytest.raises(ValidationFailed):
        sugg.decline(coach_ctx, other.id, "  ")
    sugg.decline(coach_ctx, other.id, "Te ver weg met het openbaar vervoer.")
    assert other.status is SuggestionStatus.DECLINED
    # a declined pair is left out of the next round
    _ctx2, rnd2 = _start(make_ctx, demo)
    ids = {
        (rnd2.input["candidates"][p[0]][0], rnd2.input["places"][p[1]][0])
        for p in rnd2.input["pairs"]
    }
    assert (other.candidate_id, other.place_id) not in ids


def test_only_the_networks_coordinator_runs_rounds(demo, make_ctx):
    coach = _user(demo, "coach@voorbeeld.nl")
    network = demo.scalar(select(Network).where(Network.name.like("%Twente%")))
    with pytest.raises(PermissionDenied):
        svc.start_round(
            make_ctx(coach), svc.RoundInput(network_id=network.id, organisation_ids=[1])
        )
    ctx, rnd = _start(make_ctx, demo)
    with pytest.raises(NotFound):
        svc.get_round(make_ctx(_user(demo, "admin@voorbeeld.nl")), rnd.id)
    with pytest.raises(ValidationFailed):
        _start(make_ctx, demo, options=9)
    assert Action.MATCH_ROUND_RUN
