"""Presentation (issue 15): counts on the dashboards meet their noun in the right form
(ngettext), signed balances included: "+1 plaatsing", "-10 weken"."""

from __future__ import annotations

import re

import pytest

from tests.services.test_dashboards import scenario


@pytest.fixture(autouse=True)
def _request_context(app):
    with app.test_request_context():
        yield


def test_employer_dashboard_history_in_singular_and_plural(client, session, world, make_ctx):
    sc = scenario(session, world, make_ctx)
    client.login(sc.contact_ab.email)
    html = client.get(f"/dashboard/employer/{world.emp_ab.id}").get_data(as_text=True)
    history = html.split('class="history"')[1]
    assert "-10 weken" in history
    assert re.search(r"[+-]1 plaatsing<", history)
    assert not re.search(r"[+-]1 (plaatsingen|weken)\b", html)
    assert not re.search(r"\b1 meer plaatsingen\b", html)


def test_english_dashboard_history_in_singular_and_plural(client, session, world, make_ctx):
    sc = scenario(session, world, make_ctx)
    client.login(sc.contact_ab.email)
    client.post("/language", {"language": "en", "next": "/"})
    html = client.get(f"/dashboard/employer/{world.emp_ab.id}").get_data(as_text=True)
    assert "-10 weeks" in html and re.search(r"[+-]1 placement<", html)
    assert not re.search(r"[+-]1 (placements|weeks)\b", html)


def test_network_dashboard_totals_in_singular_and_plural(client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    html = client.get(f"/dashboard/network/{world.net_a.id}").get_data(as_text=True)
    table = html.split('id="givers-takers"')[1].split("</table>")[0]
    assert re.search(r"[+-]?\d+ plaatsingen?, [+-]?\d+ weken?", table)
    assert not re.search(r"(?<!\d)[+-]?1 (plaatsingen|weken)\b", html)
