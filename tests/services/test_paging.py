"""Lists paginated in the database (issue 17): page numbers from the URL, capped counts,
the page past the end, the pagination bar keeping filters, and read pages that keep what
they loaded after committing their audit rows."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from registry.models import Notification, User
from registry.services import paging


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 1), ("", 1), ("3", 3), (" 2 ", 2), ("0", 1), ("-4", 1), ("x", 1), ("1e3", 1),
     ("9999999", 1), ("100001", paging.MAX_PAGE), (7, 7)],
)  # fmt: skip
def test_page_number_from_the_url(raw, expected):
    assert paging.page_number({"page": raw} if raw is not None else {}) == expected


def _notes(session, user, n: int) -> None:
    session.add_all(Notification(user_id=user.id, kind="k", subject=f"s{i}") for i in range(n))
    session.commit()


def _query(user):
    return select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)


def test_paginate_pages_in_the_database(session, world):
    _notes(session, world.coach, 120)
    first = paging.paginate(session, _query(world.coach), 1)
    assert (len(first.items), first.total, first.pages) == (50, 120, 3)
    assert first.has_next and not first.has_previous
    assert (first.first_index, first.last_index) == (1, 50)
    last = paging.paginate(session, _query(world.coach), 3)
    assert len(last.items) == 20 and not last.has_next and last.has_previous
    assert [n.subject for n in last.items][-1] == "s119"
    beyond = paging.paginate(session, _query(world.coach), 99)  # past the end: the last page
    assert beyond.page == 3 and [n.id for n in beyond.items] == [n.id for n in last.items]
    empty = paging.paginate(session, _query(world.admin), 1)
    assert (empty.items, empty.total, empty.pages, empty.first_index) == ([], 0, 1, 0)


def test_the_count_stops_at_the_cap(session, world, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 30)
    _notes(session, world.coach, 120)
    page = paging.paginate(session, _query(world.coach), 1)
    assert page.total == 31 and page.capped  # "more than 30": never counted further
    assert page.has_next
    far = paging.paginate(session, _query(world.coach), 2, per_page=50)
    assert len(far.items) == 50  # paging goes on past the capped count
    third = paging.paginate(session, _query(world.coach), 3, per_page=50)
    assert len(third.items) == 20 and not third.has_next


def test_the_pagination_bar_keeps_filters_and_sort(client, session, world):
    _notes(session, world.coach, 60)
    client.login(world.coach.email)
    html = client.get("/notifications/?page=1&x=keep").get_data(as_text=True)
    assert "Pagina 1 van 2" in html
    assert 'rel="next" href="/notifications/?x=keep&amp;page=2"' in html
    second = client.get("/notifications/?page=2&x=keep").get_data(as_text=True)
    assert 'rel="prev" href="/notifications/?x=keep&amp;page=1"' in second
    assert 'rel="next"' not in second
    assert second.count("s5") >= 1 and "s59" not in second  # newest first: s59 on page 1


def test_a_read_page_keeps_what_it_loaded_after_its_audit_commit(make_ctx, world):
    ctx = make_ctx(world.coach)
    user = ctx.session.get(User, world.coach.id)
    with ctx.read_transaction():
        ctx.audit("test.read", "user", user.id)
    assert not inspect(user).expired_attributes  # the template reads it without a reload
    with ctx.transaction():  # writes still expire everything on commit
        ctx.audit("test.write", "user", user.id)
    assert "email" in inspect(user).expired_attributes
    real = ctx.session()
    assert real.expire_on_commit is True


def test_a_failing_read_page_rolls_back_and_restores_expiry(make_ctx, world):
    ctx = make_ctx(world.coach)
    with pytest.raises(RuntimeError), ctx.read_transaction():
        ctx.audit("test.read", "user", world.coach.id)
        raise RuntimeError("boom")
    assert ctx.session().expire_on_commit is True


def test_a_list_past_the_count_cap_says_more_than_and_pages_on(client, session, world, monkeypatch):
    from registry.models import Place, PlaceKind, PlaceStatus

    monkeypatch.setattr(paging, "COUNT_CAP", 60)
    session.add_all(
        Place(
            employer_id=world.emp_a.id,
            kind=PlaceKind.STAGE,
            status=PlaceStatus.OPEN,
            title=f"Plaats {i:03d}",
            postcode="3511 AB",
            lat=52.09,
            lon=5.12,
        )
        for i in range(130)
    )
    session.commit()
    client.login(world.contact_a.email)
    first = client.get("/places/").get_data(as_text=True)
    assert "Meer dan 60 plaatsen" in first and "Pagina 1 van meer dan 2" in first
    third = client.get("/places/?page=3").get_data(as_text=True)
    assert "Plaats 100" in third and "Plaats 129" in third  # beyond the counted pages
