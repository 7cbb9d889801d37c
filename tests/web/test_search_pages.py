"""Match-search pages: access per route, network confinement, bad input, htmx partials."""

from __future__ import annotations

import pytest

from tests.services import test_candidates_support as cs
from tests.services.search_support import place


@pytest.fixture
def setup(session, world, make_ctx):
    # home employer emp_ab: emp_a's place is another employer's (never the own one)
    cand = cs.register(
        make_ctx,
        world,
        postcode="3511 AB",
        network_ids=(world.net_a.id,),
        home_employer_id=world.emp_ab.id,
    )
    cs.share(make_ctx, world, cand.id)
    own = place(
        session,
        world.emp_a,
        [world.net_a],
        lat=cand.lat,
        lon=cand.lon + 0.01,
        title="Plek in netwerk A",
    )
    other = place(
        session,
        world.emp_b,
        [world.net_b],
        lat=cand.lat,
        lon=cand.lon,
        title="Plek alleen in netwerk B",
    )
    session.commit()
    return cand, own, other


def test_coach_sees_only_places_of_the_candidate_networks(client, world, setup):
    cand, own, other = setup
    client.login(world.coach.email)
    resp = client.get(f"/candidates/{cand.id}/search")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Plek in netwerk A" in html and "Plek alleen in netwerk B" not in html
    assert 'id="search-map"' in html and 'hx-target="#why-' in html
    assert "<script>" not in html  # CSP: no inline script
    # trying to widen the search to another network does not leak it
    resp = client.get(f"/candidates/{cand.id}/search?network={world.net_b.id}")
    assert resp.status_code == 200
    assert "Plek alleen in netwerk B" not in resp.get_data(as_text=True)


def test_htmx_request_gets_the_results_fragment(client, world, setup):
    cand, _own, _other = setup
    client.login(world.coach.email)
    resp = client.get(f"/candidates/{cand.id}/search?km=5", headers={"HX-Request": "true"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="results"')


@pytest.mark.parametrize(
    "query", ["km=abc", "km=-4", "km=1e999", "kind=nonsense", "network=x", "sector=ZZ"]
)
def test_bad_query_parameters_are_a_4xx(client, world, setup, query):
    cand, _own, _other = setup
    client.login(world.coach.email)
    resp = client.get(f"/candidates/{cand.id}/search?{query}")
    assert 400 <= resp.status_code < 500


@pytest.mark.parametrize("who", ["coach2", "contact_a", "coordinator_b", "admin"])
def test_others_cannot_search_the_candidate(client, world, setup, who):
    cand, _own, _other = setup
    client.login(getattr(world, who).email)
    assert client.get(f"/candidates/{cand.id}/search").status_code in (403, 404)


def test_unknown_candidate_is_404(client, world, setup):
    client.login(world.coach.email)
    assert client.get("/candidates/999999/search").status_code == 404


def test_reverse_search_shows_pseudonyms_to_the_host(client, world, setup):
    cand, own, other = setup
    client.login(world.contact_a.email)
    resp = client.get(f"/places/{own.id}/candidates")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and cand.pseudonym in html
    assert cs.FAMILY not in html and cs.GIVEN not in html  # pseudonymous
    assert client.get(f"/places/{other.id}/candidates").status_code in (403, 404)


def test_reverse_search_for_the_coordinator(client, world, setup):
    cand, own, _other = setup
    client.login(world.coordinator_a.email)
    resp = client.get(f"/places/{own.id}/candidates")
    assert resp.status_code == 200 and cand.pseudonym in resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["contact_b", "coach", "coordinator_b"])
def test_reverse_search_not_for_others(client, world, setup, who):
    _cand, own, _other = setup
    client.login(getattr(world, who).email)
    assert client.get(f"/places/{own.id}/candidates").status_code in (403, 404)


def _with_explanations(client, html: str) -> str:
    """The list page plus every row's explanation (fetched as htmx would, issue 15)."""
    import re

    links = re.findall(r'hx-get="(/candidates/\d+/search/places/\d+[^"]*)"', html)
    parts = [client.get(u.replace("&amp;", "&"), headers={"HX-Request": "true"}) for u in links]
    return html + "".join(p.get_data(as_text=True) for p in parts)


# --------------------------------------------------------------------------- issue 12


def _lifting_place(session, world, cand, **kw):
    from tests.services.search_support import place as make_place

    demands = {"lifting": {"band": 1, "incidental": False, "adjustable": False}}
    return make_place(
        session, world.emp_a, [world.net_a], lat=cand.lat, lon=cand.lon + 0.02,
        title="Tilplek", demands=demands, **kw,
    )  # fmt: skip


def test_the_coordinator_sees_the_demand_and_outcome_never_the_band(client, session, world, setup):
    cand, _own, _other = setup
    _lifting_place(session, world, cand)
    session.commit()
    client.login(world.coordinator_a.email)
    html = _with_explanations(
        client, client.get(f"/candidates/{cand.id}/search").get_data(as_text=True)
    )
    assert "Tilplek" in html
    # the place's demand and the outcome, not what the candidate can lift
    assert "vraagt: tot 5 kg" in html
    assert "kan:" not in html and "tot 5 kg; kan" not in html


def test_the_coach_sees_the_band_and_which_hours_limit_applied(client, session, world, setup):
    cand, _own, _other = setup
    _lifting_place(session, world, cand)
    session.commit()
    client.login(world.coach.email)
    html = _with_explanations(
        client, client.get(f"/candidates/{cand.id}/search").get_data(as_text=True)
    )
    assert "vraagt: tot 5 kg; kan: tot 5 kg" in html  # profile: lifting band 1
    assert "grens uit het belastbaarheidsprofiel" in html


def test_without_a_profile_the_page_says_so_with_a_link_and_no_propose(
    client, session, world, make_ctx
):
    cand = cs.register(
        make_ctx, world, postcode="3511 AB", home_employer_id=world.emp_ab.id, profile=False
    )
    from tests.services.search_support import place as make_place

    make_place(session, world.emp_a, [world.net_a], lat=cand.lat, lon=cand.lon, title="Plek X")
    session.commit()
    client.login(world.coach.email)
    html = _with_explanations(
        client, client.get(f"/candidates/{cand.id}/search").get_data(as_text=True)
    )
    assert 'id="no-profile"' in html
    assert f'href="/candidates/{cand.id}/profile"' in html
    assert "Plek X" in html and "geen belastbaarheidsprofiel" in html
    assert "/placements/propose" not in html  # a proposal needs a profile


def test_reverse_search_shows_a_candidate_without_profile_as_profile_missing(
    client, session, world, make_ctx, setup
):
    _cand, own, _other = setup
    bare = cs.register(
        make_ctx, world, postcode="3511 AB", home_employer_id=world.emp_ab.id, profile=False
    )
    cs.share(make_ctx, world, bare.id)
    session.commit()
    client.login(world.contact_a.email)
    html = client.get(f"/places/{own.id}/candidates").get_data(as_text=True)
    assert bare.pseudonym in html and "Profiel ontbreekt" in html
