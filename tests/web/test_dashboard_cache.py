"""The network dashboard's values are kept in the summary cache (issue 17): a second view
reads a few statements instead of the network's placements, places and candidates, every
view is still audited and permission-checked, and a consent change is never hidden by it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from registry.extensions import cache, db
from registry.models import AuditEvent, Consent, ConsentScope, User
from registry.services import candidates as candidates_svc
from tests.services.test_dashboards import scenario
from tests.statements import count_statements


@pytest.fixture
def cached(app):
    app.config["DASHBOARD_CACHE_SECONDS"] = 300
    cache.clear()
    yield app
    app.config["DASHBOARD_CACHE_SECONDS"] = 0
    cache.clear()


def _view(client, network_id: int) -> tuple[int, str]:
    db.session.remove()  # each request starts with an empty session, as on a server
    with count_statements(db.engine) as seen:
        response = client.get(f"/dashboard/network/{network_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    response.close()  # as the server does once it has sent the page
    return len(seen), html


def _figures(html: str) -> str:
    return html.split('id="givers-takers"')[1].split("</table>")[0]


def _listed_audits() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "candidate.listed")
    )


def test_second_view_is_read_from_the_cache_and_still_audited(cached, client, session, world,
                                                              make_ctx):  # fmt: skip
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    before = _listed_audits()
    first, html_1 = _view(client, world.net_a.id)
    listed = _listed_audits() - before
    second, html_2 = _view(client, world.net_a.id)
    assert second < first
    assert _figures(html_2) == _figures(html_1)
    assert listed == 2  # c1 and c2 share their profile within network A
    assert _listed_audits() == before + 2 * listed  # the listing is audited on every view


def test_without_the_cache_every_view_computes(app, client, session, world, make_ctx):
    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    first, _ = _view(client, world.net_a.id)
    second, _ = _view(client, world.net_a.id)
    assert second == first


def test_a_withdrawn_consent_is_not_served_from_the_cache(cached, client, session, world,
                                                          make_ctx):  # fmt: skip
    sc = scenario(session, world, make_ctx)
    c1_id, pseudonym, coach_id = sc.cands[0].id, sc.cands[0].pseudonym, world.coach.id
    client.login(world.coordinator_a.email)
    _, html = _view(client, world.net_a.id)
    assert pseudonym in html
    consent_id = db.session.scalar(
        select(Consent.id).where(
            Consent.candidate_id == c1_id, Consent.scope == ConsentScope.SHARE_PROFILE
        )
    )
    coach = db.session.get(User, coach_id)
    candidates_svc.withdraw_consent(make_ctx(coach), c1_id, consent_id)
    _, html = _view(client, world.net_a.id)
    assert pseudonym not in html


def test_another_viewer_never_gets_the_first_viewers_page(cached, client, session, world,
                                                          make_ctx):  # fmt: skip
    scenario(session, world, make_ctx)
    net_a, other = world.net_a.id, world.coordinator_b.email
    client.login(world.coordinator_a.email)
    _view(client, net_a)
    client.logout()
    client.login(other)  # coordinates network B only: refused before any cache is read
    response = client.get(f"/dashboard/network/{net_a}")
    assert response.status_code in (403, 404)


def test_a_due_entry_is_refreshed_by_one_request_while_others_get_the_old_one(
    cached, app, client, session, world, make_ctx, monkeypatch
):
    """No dogpile, and nobody waits for a refresh: once the figures are due, the request
    that takes the refresh lock gets the previous figures and its worker computes new
    ones after sending the page; a request meanwhile gets the previous figures too."""
    from registry.services import dashboards

    scenario(session, world, make_ctx)
    client.login(world.coordinator_a.email)
    computed = []
    real = dashboards._compute
    monkeypatch.setattr(dashboards, "_compute", lambda *a, **k: computed.append(1) or real(*a, **k))
    now = [1_000_000.0]
    monkeypatch.setattr(dashboards, "_clock", lambda: now[0])
    keys = []
    real_key = dashboards._cache_key
    monkeypatch.setattr(dashboards, "_cache_key", lambda *a: keys.append(real_key(*a)) or keys[-1])
    _view(client, world.net_a.id)
    _view(client, world.net_a.id)
    assert len(computed) == 1  # fresh: from the cache

    now[0] += app.config["DASHBOARD_CACHE_SECONDS"] + 1  # due
    lock = f"{keys[-1]}:refresh"
    assert cache.add(lock, 1)  # another request is refreshing the figures
    _, html = _view(client, world.net_a.id)
    assert len(computed) == 1  # served the previous figures
    assert 'id="givers-takers"' in html

    cache.delete(lock)  # that refresh ended
    db.session.remove()
    response = client.get(f"/dashboard/network/{world.net_a.id}")
    assert response.status_code == 200 and 'id="givers-takers"' in response.get_data(True)
    assert len(computed) == 1  # the page went out with the previous figures
    response.close()  # the page has been sent: now this worker refreshes them
    assert len(computed) == 2
    assert not cache.get(lock)  # and lets go of the refresh lock
    _view(client, world.net_a.id)
    assert len(computed) == 2  # they are fresh again
