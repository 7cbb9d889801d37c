"""Issue 13, findings 1 and 6: hostile input through every route.

Markup sent through every query parameter a route reads and every field of every form its
page shows, as every role, never comes back unescaped and never causes a 500. Ids beyond
what the database can hold are a 404 on every id route; NaN and infinities in number
fields are a 422 with a field message.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from registry.domain.placement import Status
from registry.models import Candidate, Place, Placement, User
from seed.demo import DEMO_PASSWORD, DEMO_USERS
from tests.demo_snapshot import load_demo_rows
from tests.web.crawl import (
    SKIP_FORMS,
    Crawler,
    RecordingRequest,
    get_rules,
    int_args,
    path_for,
    with_query,
)

PAYLOAD = '<a href=//evil.example>x</a>"><script>alert(13)</script>'
UNESCAPED = ("<a href=//evil.example>", "<script>alert(13)")
ROLES = [email for email, _name, _roles in DEMO_USERS]
HUGE_IDS = tuple(str(n) for n in (2**31, 2**63, 2**63 + 1, 2**64, 10**30)) + ("9" * 5000,)
NOT_FINITE = ("sNaN", "nan", "NaN", "inf", "-Infinity", "1e999")


@pytest.fixture
def demo(app, session, monkeypatch):
    """The demo data set, and requests that record which parameters a view reads."""
    load_demo_rows(session)
    monkeypatch.setattr(app, "request_class", RecordingRequest)
    return session


def _login(client, email: str) -> None:
    response = client.login(email, DEMO_PASSWORD)
    assert response.status_code in (200, 302), email


def _assert_safe(response_html: str, status: int, what: str) -> None:
    assert status != 500, f"500 on {what}"
    for raw in UNESCAPED:
        assert raw not in response_html, f"unescaped markup came back from {what}"


def _inject_everywhere(crawler: Crawler) -> int:
    """Send PAYLOAD through every parameter and form field; return the requests made."""
    sent = 0
    for page in list(crawler.pages()):
        _assert_safe(page.html, page.status, page.url)
        for name in sorted(page.params):
            visit = crawler.visit(with_query(page.url, {name: PAYLOAD}))
            _assert_safe(visit.html, visit.status, f"{page.url} ?{name}=")
            sent += 1
        for form in page.forms:
            if form.action.startswith(SKIP_FORMS):
                continue
            names = [n for n in form.fields if n != "csrf_token"]
            if not names:
                continue  # a button only: nothing to inject, and it would change the data
            data = {n: PAYLOAD for n in names}
            if form.method == "GET":
                visit = crawler.visit(with_query(form.action, data))
            else:
                data["csrf_token"] = form.fields.get("csrf_token", "")
                visit = crawler.visit(form.action, "POST", data)
            _assert_safe(visit.html, visit.status, f"{form.method} {form.action} {names}")
            sent += 1
    return sent


@pytest.mark.parametrize("email", [*ROLES, None], ids=[*ROLES, "anonymous"])
def test_markup_never_comes_back_unescaped(demo, app, client, email):
    if email:
        _login(client, email)
    sent = _inject_everywhere(Crawler(app, demo, client))
    assert sent > (20 if email else 3)


def test_the_reported_dashboard_reflection_is_escaped(demo, client):
    """The finding as reported: the date error message carried the markup unescaped."""
    _login(client, "coordinator@voorbeeld.nl")
    network_id = Crawler(client.application, demo, client).id_for("network_id")
    for param in ("from", "until"):
        for path in ("", "/export.csv", "/research.csv"):
            url = with_query(f"/dashboard/network/{network_id}{path}", {param: PAYLOAD})
            response = client.get(url)
            html = response.get_data(as_text=True)
            assert response.status_code == 400
            assert "&lt;a href=//evil.example&gt;" in html
            _assert_safe(html, response.status_code, url)


# --- hostile numbers ---------------------------------------------------------------------


def test_huge_ids_are_not_found_on_every_id_route(demo, app, client):
    _login(client, "admin@voorbeeld.nl")
    token = client.csrf_token()
    checked = 0
    for rule in get_rules(app):
        for name in int_args(rule):
            for huge in HUGE_IDS:
                url = path_for(rule, {n: (huge if n == name else 1) for n in int_args(rule)})
                if "GET" in rule.methods:
                    assert client.get(url).status_code == 404, url
                if "POST" in rule.methods:
                    response = client.post(url, {"csrf_token": token})
                    assert response.status_code == 404, f"POST {url}"
                checked += 1
    assert checked >= 40 * len(HUGE_IDS)


def test_hostile_numbers_in_query_parameters_never_give_500(demo, app, client):
    _login(client, "admin@voorbeeld.nl")
    crawler = Crawler(app, demo, client)
    pages = [page for page in crawler.pages() if page.params]
    for value in (*NOT_FINITE, *HUGE_IDS[:5], "-1", "1.5"):
        for page in pages:
            for name in sorted(page.params):
                visit = crawler.visit(with_query(page.url, {name: value}))
                assert visit.status != 500, f"{page.url} ?{name}={value}"


def _coach_proposal_url(session) -> str:
    from registry.search import usecases as search
    from seed.candidates import SHOWCASE_PSEUDONYM
    from tests.services.test_demo_seed_search import _coach_context

    candidate = session.scalar(select(Candidate).where(Candidate.pseudonym == SHOWCASE_PSEUDONYM))
    found = search.search_for_candidate(
        _coach_context(session, candidate), candidate.id, record_visit=False
    )
    place_id = (found.matches or found.signals)[0].place.id
    return f"/placements/propose?candidate={candidate.id}&place={place_id}"


def _form_defaults(html: str) -> dict[str, str]:
    from tests.web.crawl import forms_of

    for form in forms_of(html, "/"):
        if "hours_per_week" in form.fields:
            return dict(form.fields)
    raise AssertionError("no form with hours_per_week on the page")


@pytest.mark.parametrize("value", NOT_FINITE)
def test_not_finite_hours_on_the_propose_form_are_refused(demo, client, value):
    _login(client, "coach@voorbeeld.nl")
    url = _coach_proposal_url(demo)
    page = client.get(url)
    assert page.status_code == 200
    data = _form_defaults(page.get_data(as_text=True))
    data.update(motivation="Past goed bij de wensen.", hours_per_week=value)
    response = client.post(url, data)
    assert response.status_code == 422
    assert "Vul een getal in" in response.get_data(as_text=True)
    assert (
        demo.scalar(select(Placement.id).where(Placement.motivation == data["motivation"])) is None
    )


@pytest.mark.parametrize("value", NOT_FINITE)
def test_not_finite_hours_on_the_agreement_form_are_refused(demo, client, value):
    coach = demo.scalar(select(User).where(User.email == "coach@voorbeeld.nl"))
    placement = demo.scalar(
        select(Placement)
        .join(Candidate, Candidate.id == Placement.candidate_id)
        .where(
            Placement.status.in_([Status.ACCEPTED, Status.STARTED]),
            Candidate.coach_organisation_id == coach.coach_organisation_id,
        )
        .order_by(Placement.id)
    )
    assert placement is not None, "the demo coach has an accepted or running placement"
    _login(client, coach.email)
    page = client.get(f"/placements/{placement.id}")
    assert page.status_code == 200
    data = _form_defaults(page.get_data(as_text=True))
    data["hours_per_week"] = value
    response = client.post(f"/placements/{placement.id}/agreement", data)
    assert response.status_code == 422
    assert "Vul een getal in" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", NOT_FINITE)
def test_not_finite_hours_on_the_candidate_form_are_refused(demo, client, value):
    _login(client, "coach@voorbeeld.nl")
    page = client.get("/candidates/new")
    assert page.status_code == 200
    response = client.post("/candidates/new", {"hours_per_week": value, "hours_per_day": value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert len(re.findall("Vul een getal in", html)) >= 2


def test_finite_hours_still_pass_the_field(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from registry.web.forms import FiniteDecimalField, FiniteFloatField

    class Hours(FlaskForm):
        class Meta:
            csrf = False

        decimal = FiniteDecimalField()
        real = FiniteFloatField()

    with app.test_request_context():
        form = Hours(formdata=MultiDict({"decimal": "12.5", "real": "7"}))
        assert form.validate() and form.decimal.data == 12.5 and form.real.data == 7.0
        form = Hours(formdata=MultiDict({"decimal": "sNaN", "real": "inf"}))
        assert not form.validate()
        assert set(form.errors) == {"decimal", "real"}
    assert Place  # the demo places exist for the crawl


def test_a_lazy_message_carrying_input_is_escaped_wherever_it_is_rendered(app):
    from flask import render_template_string
    from flask_babel import lazy_gettext as _l
    from markupsafe import Markup, escape

    message = _l("“%(value)s” is not a date. Use the form YYYY-MM-DD.", value=PAYLOAD)
    with app.test_request_context():
        for html in (
            render_template_string("{{ m }}", m=message),
            str(escape(message)),
            str(Markup("<p>%s</p>") % message),
        ):
            _assert_safe(html, 200, html)
            assert "&lt;script&gt;alert(13)" in html
