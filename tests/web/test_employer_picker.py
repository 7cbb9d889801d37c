"""Choosing an employer from a long list (issue 14): a plain select sorted by the shown
name, and server-side suggestions for the htmx search box."""

from __future__ import annotations

import re

from registry.domain.permissions import Role
from tests import factories


def _options(html: str, select_id: str) -> list[str]:
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert block, f"no select {select_id}"
    return re.findall(r"<option[^>]*>([^<]*)</option>", block.group(1))


def test_the_select_lists_employers_by_the_name_it_shows(world, session, client):
    factories.employer(session, [world.net_b], legal_name="Zuivel BV", trade_name="Aardbei")
    factories.employer(session, [world.net_b], legal_name="Bakker BV", trade_name="")
    session.commit()
    client.login("admin@example.nl")
    html = client.get(f"/networks/{world.net_a.id}").get_data(as_text=True)
    names = [o.rsplit(" (", 1)[0] for o in _options(html, "employer_id")]
    assert names == sorted(names, key=str.casefold)
    assert names.index("Aardbei") < names.index("Bakker BV")
    assert 'hx-get="/employers/suggest?for=member' in html  # the search box, for htmx
    assert "data-js-only hidden" in html  # hidden until JavaScript runs


def test_suggestions_narrow_the_list_with_the_same_permissions(world, session, client):
    factories.employer(session, [world.net_b], legal_name="Zuivel BV", trade_name="Aardbei")
    session.commit()
    client.login("admin@example.nl")
    url = f"/employers/suggest?for=member&network_id={world.net_a.id}&q=aard"
    response = client.get(url)
    assert response.status_code == 200
    assert _labels(response) == [o for o in _labels(response) if "Aardbei" in o] != []
    client.logout()
    client.login("coach@example.nl")  # may not add members to a network
    assert client.get(url).status_code == 403
    home = client.get("/employers/suggest?for=home&q=")
    assert home.status_code == 200 and _labels(home)
    assert client.get("/employers/suggest?for=nothing").status_code == 404


def test_suggestions_are_capped_with_a_hint(world, session, client):
    for n in range(55):
        factories.employer(session, [world.net_b], legal_name=f"Werkgever {n:02d} BV")
    session.commit()
    client.login("admin@example.nl")
    html = client.get(
        f"/employers/suggest?for=member&network_id={world.net_a.id}&q=werkgever"
    ).get_data(as_text=True)
    assert html.count('<option value="') >= 50
    assert "type more of the name" in html or "typ meer van de naam" in html


def _labels(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', html)


def test_coach_sees_home_employers_sorted(world, session, client):
    factories.user(session, Role.COACH, email="c3@example.nl", org=world.org)
    session.commit()
    client.login("c3@example.nl")
    html = client.get("/candidates/new").get_data(as_text=True)
    names = _options(html, "home_employer_id")[1:]
    assert names == sorted(names, key=str.casefold)


def test_the_place_form_offers_a_searchable_employer_choice(world, session, client):
    factories.employer(session, [world.net_b], legal_name="Zuivel BV", trade_name="Aardbei")
    session.commit()
    client.login("admin@example.nl")
    html = client.get("/places/new").get_data(as_text=True)
    names = [o.rsplit(" (", 1)[0] for o in _options(html, "employer-choice")]
    assert names == sorted(names, key=str.casefold) and "Aardbei" in names
    assert 'hx-get="/employers/suggest?for=place' in html
    found = client.get("/employers/suggest?for=place&q=aard")
    assert found.status_code == 200
    assert [o.rsplit(" (", 1)[0] for o in _labels(found)] == ["Aardbei"]
    client.logout()
    client.login("contact.b@example.nl")  # only their own employer: no choice, no others
    assert 'id="employer-choice"' not in client.get("/places/new").get_data(as_text=True)
    assert _labels(client.get("/employers/suggest?for=place&q=aard")) == []
    client.logout()
    client.login("coach@example.nl")  # posts no places at all
    assert client.get("/employers/suggest?for=place&q=").status_code == 403


def test_the_invitation_lists_employers_by_the_name_it_shows(world, session, client):
    factories.employer(session, [world.net_b], legal_name="Zuivel BV", trade_name="Aardbei")
    factories.employer(session, [world.net_b], legal_name="Bakker BV", trade_name="")
    session.commit()
    client.login("admin@example.nl")
    html = client.get("/admin/users/invite").get_data(as_text=True)
    labels = re.findall(r'id="employer_ids-\d+"[^>]*>\s*([^<]*)</label>', html)
    names = [n.strip().rsplit(" (", 1)[0] for n in labels]
    assert names == sorted(names, key=str.casefold)
    assert names.index("Aardbei") < names.index("Bakker BV")
