"""Forms report every problem at once (issue 14): an error summary at the top lists each
problem with a link to its field (GOV.UK / NL Design System pattern)."""

from __future__ import annotations

import re

SUMMARY_RE = re.compile(r'<div class="form-errors error-summary"[^>]*data-error-count="(\d+)"')
LINK_RE = re.compile(r'<li><a href="#([a-z_0-9-]+)">')


def summary(html: str) -> tuple[int, list[str]]:
    """(problems counted, fields linked) of the page's error summary."""
    match = SUMMARY_RE.search(html)
    assert match, "no error summary on the page"
    block = html[match.start() : html.index("</div>", match.start())]
    return int(match.group(1)), LINK_RE.findall(block)


def test_the_summary_links_every_field_problem(world, client):
    client.login("admin@example.nl")
    response = client.post(
        "/networks/new",
        {
            "name": "",
            "kind": "regional",
            "freshness_days": "3",
            "retention_months": "500",
            "answer_deadline_days": "99",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    count, links = summary(html)
    assert count == 4, (count, links)
    assert set(links) == {"name", "freshness_days", "retention_months", "answer_deadline_days"}
    for field_id in links:
        assert f'id="{field_id}"' in html  # each link lands on its field


def test_no_summary_without_problems(world, client):
    client.login("admin@example.nl")
    assert "error-summary" not in client.get("/networks/new").get_data(as_text=True)


def test_place_form_with_four_problems_shows_all_four(world, client):
    """Two of them need the database (the network, the postcode area)."""
    client.login("contact.a@example.nl")
    response = client.post(
        f"/places/new?employer_id={world.emp_a.id}",
        {
            "kind": "stage",
            "title": "",  # required
            "sector": "",
            "postcode": "1000 AA",  # no such postcode area
            "slots": "1",
            "min_hours_week": "70",  # more than 60
            # no network chosen
        },
    )
    assert response.status_code == 422
    count, links = summary(response.get_data(as_text=True))
    assert count == 4, (count, links)
    assert set(links) == {"title", "postcode", "min_hours_week", "network_ids"}


def test_candidate_form_with_four_problems_shows_all_four(world, client):
    client.login("coach@example.nl")
    response = client.post(
        "/candidates/new",
        {
            "given_name": "Sanne",
            "family_name": "de Vries",
            "postcode": "0000",  # not a postcode
            "home_employer_id": str(world.emp_a.id),
            # no network chosen: a check of the service
            "max_km": "30",
            "travel_mode": "bike",
            "accepted_kinds": ["stage"],
            "hours_per_day": "30",  # more than 24
            "first_sick_day": "2999-01-01",  # in the future: a check of the service
            "end_week": "104",
        },
    )
    assert response.status_code == 422
    count, links = summary(response.get_data(as_text=True))
    assert count == 4, (count, links)
    assert set(links) == {"postcode", "network_ids", "hours_per_day", "first_sick_day"}


def test_profile_form_with_four_problems_shows_all_four(world, client, app, make_ctx):
    from tests.web.test_candidates import candidate_input, svc

    with app.test_request_context():
        cand = svc.register_candidate(make_ctx(world.coach), candidate_input(world))
    client.login("coach@example.nl")
    response = client.post(
        f"/candidates/{cand.id}/profile",
        {
            "hours_per_day": "not-a-band",  # not one of the choices
            "hours_per_week": "0",
            "source": "",
            "assessed_on": "2999-01-01",  # in the future: a check of the service
            "review_on": "2998-01-01",  # before the assessment: a check of the service
            "fml_version": "x" * 50,  # too long
        },
    )
    assert response.status_code == 422
    count, links = summary(response.get_data(as_text=True))
    assert count == 4, (count, links)
    assert set(links) == {"hours_per_day", "assessed_on", "review_on", "fml_version"}


def test_hours_and_postcodes_have_one_message_everywhere(world, client):
    """The place and the candidate form refuse the same values with the same words."""
    client.login("contact.a@example.nl")
    place = client.post(
        f"/places/new?employer_id={world.emp_a.id}",
        {
            "kind": "stage",
            "title": "T",
            "sector": "",
            "postcode": "99",
            "slots": "1",
            "usual_hours_week": "61",
        },
    ).get_data(as_text=True)
    client.logout()
    client.login("coach@example.nl")
    person = client.post(
        "/candidates/new",
        {"postcode": "99", "hours_per_week": "61", "end_week": "104", "max_km": "30"},
    ).get_data(as_text=True)
    for page in (place, person):
        assert "1234 AB of 1234" in page or "1234 AB or 1234" in page
        assert "1 tot en met 60" in page or "from 1 to 60" in page


def test_an_unreadable_date_gets_the_one_date_message(world, client):
    client.login("coach@example.nl")
    html = client.post("/candidates/new", {"first_sick_day": "31-02-2026"}).get_data(as_text=True)
    client.logout()
    client.login("contact.a@example.nl")
    place = client.post(
        f"/places/new?employer_id={world.emp_a.id}", {"available_until": "morgen"}
    ).get_data(as_text=True)
    for page in (html, place):
        assert "2026-03-31" in page  # "Enter a date like 2026-03-31." in either language
