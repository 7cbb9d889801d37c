"""No dead ends (issue 14): signed in as each demo role, follow every link and submit every
GET form (with the values the page fills in) on every page reached from the home page,
and never meet a 403, 404 or 500 from something the app itself offered.

Bounded: at most PER_PATTERN pages per path shape (ids replaced by ``{id}``) and
MAX_PAGES pages per role, breadth first from the home page."""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest

from seed.demo import DEMO_PASSWORD, DEMO_USERS
from tests.demo_snapshot import load_demo_rows

MAX_PAGES = 350
PER_PATTERN = 3
DEAD_ENDS = {403, 404, 500}
# Links that end the crawl's session or leave the app's pages.
SKIP = ("/auth/logout", "/static/", "/healthz", "/auth/sessions/end")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._form: dict[str, str] | None = None
        self._action = ""
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form, self._action = {}, a.get("action", "")
        elif self._form is not None and a.get("name"):
            kind = a.get("type", "text")
            if tag == "select":
                self._select = a["name"]
                self._form.setdefault(a["name"], "")
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "reset", "file", "image"):
                self._form[a["name"]] = a.get("value", "")
        elif tag == "option" and self._form is not None and self._select and "selected" in a:
            self._form[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "form" and self._form is not None:
            self.forms.append((self._action, self._form))
            self._form = None


def _pattern(path: str) -> str:
    return re.sub(r"/\d+", "/{id}", path)


def _local(base: str, href: str) -> str | None:
    if href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if (parts.scheme or parts.netloc) and parts.netloc not in ("", "localhost"):
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(SKIP):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(client) -> tuple[list[tuple[str, int, str]], int]:
    """(dead ends as (url, status, the page that offered it), pages visited)."""
    queue = deque([("/", "(start)")])
    seen: set[str] = {"/"}
    per_pattern: Counter[str] = Counter()
    dead: list[tuple[str, int, str]] = []
    visited = 0
    while queue and visited < MAX_PAGES:
        url, origin = queue.popleft()
        pattern = _pattern(urlsplit(url).path)
        if per_pattern[pattern] >= PER_PATTERN:
            continue
        per_pattern[pattern] += 1
        response = client.get(url)
        visited += 1
        if response.status_code in DEAD_ENDS:
            dead.append((url, response.status_code, origin))
            continue
        if response.status_code in (301, 302, 303):
            target = _local(url, response.location)
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
            continue
        if response.mimetype != "text/html":
            continue
        page = _Page()
        page.feed(response.get_data(as_text=True))
        found = [_local(url, href) for href in page.links]
        for action, fields in page.forms:
            target = _local(url, action or urlsplit(url).path)
            if target:
                found.append(target.split("?")[0] + ("?" + urlencode(fields) if fields else ""))
        for target in found:
            if target and target not in seen:
                seen.add(target)
                queue.append((target, url))
    return dead, visited


@pytest.fixture
def demo(session):
    load_demo_rows(session)
    return session


@pytest.mark.parametrize("email", [e for e, _n, _r in DEMO_USERS])
def test_no_link_or_get_form_leads_to_a_dead_end(demo, client, email):
    assert client.login(email, DEMO_PASSWORD).status_code in (200, 302)
    dead, visited = crawl(client)
    assert visited > 10, f"the crawl of {email} reached only {visited} pages"
    assert not dead, "\n".join(
        f"{status} {url} (linked from {origin})" for url, status, origin in dead
    )


def test_document_links_only_for_those_who_may_download(demo, client):
    """The administrator saw six PDF links that all answered 403 (issue 14)."""
    from sqlalchemy import select

    from registry.models import Placement

    placement_id = demo.scalar(select(Placement.id).order_by(Placement.id))
    client.login("admin@voorbeeld.nl", DEMO_PASSWORD)
    page = client.get(f"/placements/{placement_id}").get_data(as_text=True)
    assert "/documents/" not in page
    assert client.get(f"/placements/{placement_id}/documents/agreement.pdf").status_code == 403
    client.logout()
    client.login("coach@voorbeeld.nl", DEMO_PASSWORD)
    page = client.get(f"/placements/{placement_id}").get_data(as_text=True)
    assert "/documents/agreement.pdf" in page


def test_propose_link_only_for_the_candidates_coach(demo, client):
    """The coordinator saw "Voordragen" on a candidate search (issue 14)."""
    from sqlalchemy import select

    from registry.models import Candidate, User
    from registry.services.accounts import actor_for
    from registry.services.context import Context
    from registry.services.placements import may_propose

    coach = demo.scalar(select(User).where(User.email == "coach@voorbeeld.nl"))
    coordinator = demo.scalar(select(User).where(User.email == "coordinator@voorbeeld.nl"))
    candidate = demo.scalar(select(Candidate).order_by(Candidate.id))
    assert may_propose(Context(session=demo, actor=actor_for(demo, coach)), candidate)
    assert not may_propose(Context(session=demo, actor=actor_for(demo, coordinator)), candidate)
    assert not may_propose(Context(session=demo, actor=None), candidate)
