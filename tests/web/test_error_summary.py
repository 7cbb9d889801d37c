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
    assert count == 4
    assert set(links) == {"name", "freshness_days", "retention_months", "answer_deadline_days"}
    for field_id in links:
        assert f'id="{field_id}"' in html  # each link lands on its field


def test_no_summary_without_problems(world, client):
    client.login("admin@example.nl")
    assert "error-summary" not in client.get("/networks/new").get_data(as_text=True)
