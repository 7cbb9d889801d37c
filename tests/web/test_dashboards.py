"""Dashboard pages and exports: content, charts with tables, periods, links, 403/404."""

from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook

from registry.services import dashboards as svc
from tests.services.test_dashboards import scenario


@pytest.fixture(autouse=True)
def _request_context(app):
    """The services render (lazy) messages; the pages are checked in English."""
    from flask import session as http_session

    with app.test_request_context():
        http_session["lang"] = "en"
        yield


NETWORK_ROUTES = [
    "/dashboard/network/{net}",
    "/dashboard/network/{net}/export.csv",
    "/dashboard/network/{net}/export.xlsx",
    "/dashboard/network/{net}/research.csv",
    "/dashboard/network/{net}/research.xlsx",
]
EMPLOYER_ROUTES = ["/dashboard/employer/{emp}"]
ALL_ROUTES = NETWORK_ROUTES + EMPLOYER_ROUTES


def _url(route: str, world, net=None, emp=None) -> str:
    return route.format(net=net or world.net_a.id, emp=emp or world.emp_a.id)


def _english(client) -> None:
    client.post("/language", {"language": "en", "next": "/"})


@pytest.mark.parametrize("route", ALL_ROUTES)
@pytest.mark.parametrize("who", ["coordinator_b", "contact_b", "coach"])
def test_other_organisations_get_403(client, world, route, who):
    client.login(getattr(world, who).email)
    assert client.get(_url(route, world)).status_code == 403


@pytest.mark.parametrize("route", NETWORK_ROUTES)
def test_an_employer_contact_gets_no_network_dashboard(client, world, route):
    client.login(world.contact_a.email)
    assert client.get(_url(route, world)).status_code == 403


@pytest.mark.parametrize("route", ALL_ROUTES)
@pytest.mark.parametrize("who", ["coordinator_a", "admin"])
def test_coordinator_and_admin_get_every_route(client, world, route, who):
    client.login(getattr(world, who).email)
    response = client.get(_url(route, world))
    assert response.status_code == 200
    if route.endswith((".csv", ".xlsx")):
        assert "attachment" in response.headers["Content-Disposition"]
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_unknown_ids_get_404(client, world, route):
    client.login(world.admin.email)
    assert client.get(_url(route, world, net=987654, emp=987654)).status_code == 404
    assert client.get(_url(route, world, net=2**40, emp=2**40)).status_code == 404


@pytest.mark.parametrize("route", ALL_ROUTES)
def test_anonymous_visitors_are_sent_to_the_login(client, world, route):
    response = client.get(_url(route, world))
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_unknown_export_format_is_404(client, world):
    client.login(world.admin.email)
    assert client.get(f"/dashboard/network/{world.net_a.id}/export.pdf").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-02-30",
        "from=yesterday",
        "until=31-12-2026",
        "from=2026-05-02&until=2026-05-01",
        "from=1900-01-01&until=2026-01-01",
    ],
)
@pytest.mark.parametrize("route", NETWORK_ROUTES)
def test_bad_dates_are_400_with_a_message(client, world, route, query):
    client.login(world.coordinator_a.email)
    _english(client)
    response = client.get(_url(route, world) + "?" + query)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(r"is not a date|must not be after|at most ten years", html)


def test_bad_dates_of_another_network_are_still_403(client, world):
    client.login(world.coordinator_b.email)
    assert client.get(f"/dashboard/network/{world.net_a.id}?from=nonsense").status_code == 403


def test_network_dashboard_page(client, session, world, make_ctx):
    sc = scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    _english(client)
    response = client.get(f"/dashboard/network/{world.net_a.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Who gives and who takes" in html
    # The chart is an accessible image, and the same numbers are in the table.
    assert html.count('role="img"') == 2
    assert '<title id="chart-balance-title">' in html
    table = html.split('id="givers-takers"')[1].split("</table>")[0]
    for name in (world.emp_a.name, world.emp_ab.name, sc.emp_c.name):
        assert name in table
    assert table.index(world.emp_a.name) < table.index(sc.emp_c.name)  # givers first
    assert table.count("Soft limit reached") == 2
    assert "+14" in table and "−" not in table
    assert "Plek C" in html  # the stale listing
    assert sc.cands[0].pseudonym in html and sc.cands[2].pseudonym not in html
    assert sc.cands[0].family_name not in html
    assert "83%" in html  # acceptance rate 5 of 6
    month_table = html.split('id="per-month"')[1].split("</table>")[0]
    assert month_table.count("<tr>") == 13  # header and twelve months
    assert f"/dashboard/network/{world.net_a.id}/export.csv?from=" in html


def test_period_in_the_query_string(client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    response = client.get(f"/dashboard/network/{world.net_a.id}?from=2020-01-01&until=2020-03-31")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="2020-01-01"' in html and 'value="2020-03-31"' in html
    month_table = html.split('id="per-month"')[1].split("</table>")[0]
    assert "januari 2020" in month_table and "maart 2020" in month_table
    assert "april 2020" not in month_table  # months in words (issue 15)


def test_exports_download_the_dashboard_figures(client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    _english(client)
    response = client.get(f"/dashboard/network/{world.net_a.id}/export.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=","))  # English: commas (issue 15)
    assert ["Proposals", "8"] in rows and ["Starts", "4"] in rows

    xlsx = client.get(f"/dashboard/network/{world.net_a.id}/export.xlsx")
    assert xlsx.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(xlsx.get_data()))
    assert "Givers and takers" in book.sheetnames

    research = client.get(f"/dashboard/network/{world.net_a.id}/research.csv")
    lines = list(csv.reader(io.StringIO(research.get_data().decode("utf-8-sig")), delimiter=","))
    assert lines[0] == svc.RESEARCH_COLUMNS and len(lines) == 9
    assert re.search(
        r'filename="network-\d+-research-\d{4}-\d\d-\d\d_', research.headers["Content-Disposition"]
    )


def test_employer_dashboard_page(client, session, world, make_ctx):
    sc = scenario(session, world, make_ctx)
    client.login(sc.contact_ab.email)
    _english(client)
    html = client.get(f"/dashboard/employer/{world.emp_ab.id}").get_data(as_text=True)
    assert "Reciprocity policy of" in html  # the soft limit of network A is reached
    assert world.net_a.name in html and world.net_b.name in html
    assert "Plek AB" in html
    own = html.split('id="own-heading"')[1]
    assert sc.cands[0].pseudonym in own and sc.cands[0].family_name not in html
    assert "History in" in html and "-10 weeks" in html  # c1 ran 10 weeks elsewhere


def test_dashboard_links_for_coordinators_and_contacts(client, world):
    client.login(world.coordinator_a.email)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/dashboard/network/{world.net_a.id}"' in html
    assert f'href="/dashboard/network/{world.net_b.id}"' not in html
    client.logout()
    client.login(world.contact_a.email)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/dashboard/employer/{world.emp_a.id}"' in html
    assert "/dashboard/network/" not in html
