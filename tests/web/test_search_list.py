"""Issue 15: search results you can scan.

A compact list (one row per place) that stays small with 50 results, sortable by rank,
distance and last confirmed; the explanation per place loads when a row is opened (htmx)
or on a page of its own without JavaScript, with what does not fit first; a printable
shortlist without the host's contact details.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from registry.domain.workload import all_dimensions
from tests.services import test_candidates_support as cs
from tests.services.search_support import place

LIMIT_BYTES = 60 * 1024


def _demands(lifting: int) -> dict:
    out = {d.key: {"band": 0, "incidental": False, "adjustable": False} for d in all_dimensions()}
    out["lifting"]["band"] = lifting
    return out


@pytest.fixture
def many(session, world, make_ctx):
    """A candidate with 45 fitting places around them and 5 near misses (too heavy)."""
    cand = cs.register(
        make_ctx,
        world,
        postcode="3511 AB",
        network_ids=(world.net_a.id,),
        home_employer_id=world.emp_ab.id,
    )
    cs.share(make_ctx, world, cand.id)
    places = []
    for i in range(50):
        places.append(
            place(
                session,
                world.emp_a,
                [world.net_a],
                lat=cand.lat + 0.001 * (i % 7),
                lon=cand.lon + 0.002 * (i % 11),
                title=f"Administratief medewerker {i:02d}",
                demands=_demands(4 if i >= 45 else 0),
                exposures=[],
                offers_conditions=["predictable"],
                contact_email=f"host{i}@example.org",
                contact_phone="030-1234567",
                last_confirmed_at=dt.datetime(2026, 1, 1) + dt.timedelta(days=i),
            )
        )
    session.commit()
    return cand, places


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="place-(\d+)"', html)


def test_fifty_results_fit_in_sixty_kilobytes(client, world, many):
    cand, _places = many
    client.login(world.coach.email)
    resp = client.get(f"/candidates/{cand.id}/search")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert len(_rows(html)) == 50
    assert len(resp.get_data()) < LIMIT_BYTES, len(resp.get_data())
    # one compact row per place: title, host, town, distance, kind, fit summary
    assert "Administratief medewerker 00" in html
    assert re.search(r"\d+ past", html) and "km" in html
    assert "Werkervaringsplaats" in html and "werkervaringsplaats<" not in html
    # the explanation is not in the list: it loads when a row is opened
    assert "Needs attention" not in html and "Aandacht nodig" not in html
    assert 'hx-get="/candidates/' in html and 'hx-target="#why-' in html


def test_distance_uses_a_decimal_comma_in_dutch(client, world, many):
    cand, _places = many
    client.login(world.coach.email)
    html = client.get(f"/candidates/{cand.id}/search").get_data(as_text=True)
    assert re.search(r"\d,\d\u00a0km", html)
    assert not re.search(r">\d+\.\d\u00a0?km", html)


def test_sorting_by_distance_and_last_confirmed(client, world, many):
    cand, places = many
    client.login(world.coach.email)
    by_id = {str(p.id): p for p in places}
    html = client.get(f"/candidates/{cand.id}/search?sort=confirmed").get_data(as_text=True)
    section = html.split('id="h-signals"')[0]
    confirmed = [by_id[i].last_confirmed_at for i in _rows(section)]
    assert confirmed == sorted(confirmed, reverse=True) and len(confirmed) > 1
    html = client.get(f"/candidates/{cand.id}/search?sort=distance").get_data(as_text=True)
    assert 'aria-current="true">afstand<' in html
    default = client.get(f"/candidates/{cand.id}/search?sort=nonsense")
    assert default.status_code == 200
    assert 'aria-current="true">beste match<' in default.get_data(as_text=True)


def test_opening_a_row_loads_the_explanation_in_place(client, world, many):
    cand, places = many
    client.login(world.coach.email)
    near = places[47]
    resp = client.get(
        f"/candidates/{cand.id}/search/places/{near.id}", headers={"HX-Request": "true"}
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert html.lstrip().startswith('<div class="explanation-panel"')  # a fragment
    # what does not fit comes first, the fitting items are folded away below
    attention, _, folded = html.partition("<details>")
    assert "Tillen" in attention and "past niet" in attention
    assert "Aandacht vasthouden" in attention and "onbekend" in attention  # not assessed
    assert attention.index("Tillen") < attention.index("Aandacht vasthouden")
    assert "onderdelen passen" in folded and "Tijdsdruk" in folded
    assert "Tijdsdruk" not in attention


def test_without_javascript_the_explanation_is_a_page(client, world, many):
    cand, places = many
    client.login(world.coach.email)
    resp = client.get(f"/candidates/{cand.id}/search/places/{places[0].id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<!doctype html>" in html.lower()
    assert "Administratief medewerker 00" in html and "Terug naar de resultaten" in html


def test_explanation_of_a_place_outside_the_results_is_a_404(client, world, many, session):
    cand, _places = many
    other = place(session, world.emp_b, [world.net_b], lat=cand.lat, lon=cand.lon)
    session.commit()
    client.login(world.coach.email)
    assert client.get(f"/candidates/{cand.id}/search/places/{other.id}").status_code == 404


@pytest.mark.parametrize("who", ["coach2", "contact_a", "coordinator_b"])
def test_others_cannot_open_explanations_or_shortlists(client, world, many, who):
    cand, places = many
    client.login(getattr(world, who).email)
    assert client.get(f"/candidates/{cand.id}/search/places/{places[0].id}").status_code in (
        403,
        404,
    )
    assert client.get(
        f"/candidates/{cand.id}/search/shortlist?place={places[0].id}"
    ).status_code in (
        403,
        404,
    )


def test_shortlist_prints_the_selection_without_contact_details(client, world, many):
    cand, places = many
    client.login(world.coach.email)
    chosen = (places[3].id, places[46].id)
    resp = client.get(
        f"/candidates/{cand.id}/search/shortlist?place={chosen[0]}&place={chosen[1]}&place=999999"
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Administratief medewerker 03" in html and "Administratief medewerker 46" in html
    assert "Administratief medewerker 04" not in html
    assert "example.org" not in html and "030-1234567" not in html
    assert "Tillen (past niet)" in html
    assert client.get(f"/candidates/{cand.id}/search/shortlist?place=x").status_code == 400


def test_english_list_uses_the_decimal_point(client, world, many):
    cand, _places = many
    client.login(world.coach.email)
    client.set_language("en") if hasattr(client, "set_language") else None
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    html = client.get(f"/candidates/{cand.id}/search").get_data(as_text=True)
    assert re.search(r"\d\.\d\u00a0km", html) and "Work-experience place" in html
    assert re.search(r"\d+ fit", html)


def test_the_demo_candidates_search_page_is_small_and_explains_in_place(client, session):
    """Done-when of issue 15: the search page for a demo candidate stays under 60 KB."""
    from sqlalchemy import select

    from registry.models import Candidate
    from seed.candidates import SHOWCASE_PSEUDONYM
    from seed.demo import DEMO_PASSWORD, load_demo

    load_demo(session)
    session.commit()
    candidate = session.scalar(select(Candidate).where(Candidate.pseudonym == SHOWCASE_PSEUDONYM))
    client.login("coach@voorbeeld.nl", DEMO_PASSWORD)
    resp = client.get(f"/candidates/{candidate.id}/search")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and _rows(html)
    assert len(resp.get_data()) < LIMIT_BYTES, len(resp.get_data())
    first = _rows(html)[0]
    fragment = client.get(
        f"/candidates/{candidate.id}/search/places/{first}", headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert 'class="explanation-panel"' in fragment.get_data(as_text=True)


@pytest.mark.parametrize(
    "query",
    [{}, {"kind": ["stage", "detachering"], "km": ["12.5"]}, {"sector": ["Q & R/ü"]}],
)
def test_row_links_are_those_url_for_builds(app, query):
    """Each row's explanation link is built once per page and completed per place."""
    from flask import url_for

    from registry.web.search.explain import explanation_links

    with app.test_request_context("/"):
        link = explanation_links(17, query)
        for place_id in (1, 10, 170, 999_999):
            assert link(place_id) == url_for(
                "search.explain", candidate_id=17, place_id=place_id, **query
            )
