"""Matchmaking pages (issue 19): the coordinator starts, adjusts and approves a round on
the demo; the coach proposes or declines a suggestion; bad input is a 4xx; and the
round and suggestion pages send the same number of statements for few and many rows."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import Network
from registry.models.matchmaking import MatchRound, MatchSuggestion, RoundStatus
from tests.demo_snapshot import load_demo_rows
from tests.statements import statements_for

COORD, COACH, HOST = "coordinator@voorbeeld.nl", "coach@voorbeeld.nl", "werkgever@voorbeeld.nl"
PASSWORD = "demo1234"


@pytest.fixture
def demo(app):
    load_demo_rows(db.session)
    return app


def _twente() -> Network:
    return db.session.scalar(select(Network).where(Network.name.like("%Twente%")))


def _start(client, region: str = "") -> MatchRound:
    page = client.get("/matchmaking/").get_data(as_text=True)
    orgs = re.findall(r'name="organisations"[^>]*value="(\d+)"', page) or re.findall(
        r'value="(\d+)"[^>]*name="organisations"', page
    )
    assert orgs
    data = {
        "network": str(_twente().id),
        "region": region,
        "options": "1",
        "urgency": "4",
        "fit": "2",
        "distance": "2",
        "reciprocity": "1",
        "organisations": orgs,
    }
    response = client.post("/matchmaking/", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return db.session.scalar(select(MatchRound).order_by(MatchRound.id.desc()).limit(1))


def test_the_coordinator_runs_adjusts_and_approves_a_round(demo, client):
    client.login(COORD, PASSWORD)
    rnd = _start(client)
    html = client.get(f"/matchmaking/{rnd.id}").get_data(as_text=True)
    assert "Optimum" in html or "Optimum" in html.title()
    pairs, cands, places = rnd.input["pairs"], rnd.input["candidates"], rnd.input["places"]
    i = rnd.result["chosen"][0][0]
    pair = {"candidate_id": cands[pairs[i][0]][0], "place_id": places[pairs[i][1]][0]}
    assert client.post(f"/matchmaking/{rnd.id}/pair", {**pair, "how": "exclude"}).status_code == 303
    assert client.post(f"/matchmaking/{rnd.id}/pair", {**pair, "how": "x"}).status_code == 404
    assert client.post(f"/matchmaking/{rnd.id}/pair", {"candidate_id": "a"}).status_code == 400
    assert client.post(f"/matchmaking/{rnd.id}/resolve").status_code == 303
    assert client.post(f"/matchmaking/{rnd.id}/approve").status_code == 303
    db.session.refresh(rnd)
    assert rnd.status is RoundStatus.APPROVED
    assert client.post(f"/matchmaking/{rnd.id}/resolve").status_code == 409
    # bad start input: a 422 with the form, nothing written
    count = len(db.session.scalars(select(MatchRound)).all())
    bad = client.post("/matchmaking/", {"network": str(_twente().id), "options": "9"})
    assert bad.status_code == 422
    assert len(db.session.scalars(select(MatchRound)).all()) == count


def test_coach_proposes_and_declines_hosts_see_nothing(demo, client):
    client.login(COORD, PASSWORD)
    rnd = _start(client)
    client.post(f"/matchmaking/{rnd.id}/approve")
    client.logout()
    client.login(HOST, PASSWORD)
    assert client.get("/suggestions/").status_code == 403
    assert client.get(f"/matchmaking/{rnd.id}").status_code in (403, 404)
    client.logout()
    client.login(COACH, PASSWORD)
    html = client.get("/suggestions/").get_data(as_text=True)
    ids = [int(x) for x in re.findall(r"/suggestions/(\d+)/propose", html)]
    assert len(ids) >= 2
    first = db.session.get(MatchSuggestion, ids[0])
    reasons = {
        f"a{first.id}-reason-{key}": "Aanpassing besproken"
        for _k, key in first.explanation.get("signals", [])
    }
    response = client.post(
        f"/suggestions/{first.id}/propose",
        {f"a{first.id}-motivation": "Past goed.", f"a{first.id}-confirm_past_end": "y", **reasons},
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    assert "/placements/" in response.headers["Location"]
    empty = client.post(f"/suggestions/{ids[1]}/decline", {f"d{ids[1]}-reason": " "})
    assert empty.status_code == 422
    done = client.post(f"/suggestions/{ids[1]}/decline", {f"d{ids[1]}-reason": "Te ver."})
    assert done.status_code == 303
    assert (
        client.post(f"/suggestions/{ids[1]}/decline", {f"d{ids[1]}-reason": "x"}).status_code == 409
    )
    assert client.get("/suggestions/?show=answered").status_code == 200


def test_statement_counts_do_not_grow_with_rows(demo, client):
    client.login(COORD, PASSWORD)
    small = _start(client, region="Overijssel")
    large = _start(client)
    engine = db.engine
    counts = {}
    for rnd in (small, large):
        status, n, _html = statements_for(client, engine, f"/matchmaking/{rnd.id}")
        assert status == 200
        counts[rnd.id] = n
    assert len(set(counts.values())) == 1, counts
    client.post(f"/matchmaking/{small.id}/approve")
    client.logout()
    client.login(COACH, PASSWORD)
    _s, few, _h = statements_for(client, engine, "/suggestions/")
    client.logout()
    client.login(COORD, PASSWORD)
    client.post(f"/matchmaking/{large.id}/approve")
    client.logout()
    client.login(COACH, PASSWORD)
    _s, many, html = statements_for(client, engine, "/suggestions/")
    assert few == many
