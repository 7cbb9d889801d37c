"""The navigation badges are kept per user for a few seconds (issue 17): a second page
sends fewer statements, another user's change shows once the entry expires or on the home
page, and the user's own writes are never contradicted by an old count."""

from __future__ import annotations

import re

import pytest

from registry.extensions import db
from registry.services.notifications import notify
from registry.web.main import badge_cache
from tests.statements import count_statements


@pytest.fixture
def cached(app):
    app.config["BADGE_CACHE_SECONDS"] = 60
    yield app
    app.config["BADGE_CACHE_SECONDS"] = 0
    badge_cache.forget_all()


def _notification_badge(html: str) -> int:
    link = re.search(r'href="/notifications/">[^<]*(.*?)</a>', html, re.S)
    assert link, "no notifications link in the navigation"
    number = re.search(r">(\d+)<", link.group(1))
    return int(number.group(1)) if number else 0


def _page(client, url: str = "/placements/") -> tuple[int, str]:
    db.session.remove()  # as a server: each request starts with an empty session
    with count_statements(db.engine) as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen), response.get_data(as_text=True)


def _tell(world, n: int = 1) -> None:
    coach = db.session.merge(world.coach)
    for i in range(n):
        notify(db.session, coach, "test", f"Bericht {i}")
    db.session.commit()


def test_second_page_reuses_the_counts(cached, client, world):
    client.login(world.coach.email)
    first, _ = _page(client)
    second, _ = _page(client)
    assert second < first


def test_without_cache_every_page_counts(app, client, world):
    client.login(world.coach.email)
    first, _ = _page(client)
    second, _ = _page(client)
    assert second == first


def test_someone_elses_change_waits_for_expiry_or_home(cached, client, world):
    client.login(world.coach.email)
    _tell(world)
    _, html = _page(client)
    assert _notification_badge(html) == 1
    _tell(world, 2)  # written by someone else: this worker's entry is a few seconds old
    _, html = _page(client)
    assert _notification_badge(html) == 1
    _, html = _page(client, "/")  # the home page computes every count and refreshes them
    assert _notification_badge(html) == 3
    _, html = _page(client)
    assert _notification_badge(html) == 3


def test_own_write_drops_the_entry(cached, client, world):
    client.login(world.coach.email)
    _tell(world, 2)
    _, html = _page(client)
    assert _notification_badge(html) == 2
    token = client.csrf_token()
    _tell(world)
    response = client.post("/notifications/read", {"csrf_token": token})
    assert response.status_code in (200, 302, 303)
    _, html = _page(client)
    assert _notification_badge(html) == 0


def test_expired_entry_is_counted_again(cached, client, world):
    client.login(world.coach.email)
    _, html = _page(client)
    assert _notification_badge(html) == 0
    _tell(world)
    cached.config["BADGE_CACHE_SECONDS"] = 1  # another lifetime: nothing kept under it yet
    _, html = _page(client)
    assert _notification_badge(html) == 1
