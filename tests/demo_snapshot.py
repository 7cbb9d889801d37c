"""The demo data set for tests that only need it loaded (crawlers, flows, pages).

``seed.demo.load_demo`` goes through the real services (placements proposed, accepted,
started...) and takes 2-3 seconds; about a hundred tests per database start from it. The
first load per database and day runs the seed and keeps its rows; every later one writes
those rows back in bulk (a few hundred milliseconds). The seed itself stays tested by
``tests/services/test_demo_seed_search.py`` and the others that call ``load_demo``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Integer, func, select, text
from sqlalchemy.orm import Session

from registry.models import Base
from seed.demo import load_demo

_SNAPSHOTS: dict[tuple[str, dt.date], dict[str, list[dict[str, Any]]]] = {}


def load_demo_rows(session: Session) -> None:
    """The demo data set in an empty database, committed."""
    engine = session.get_bind()
    key = (engine.url.render_as_string(hide_password=False), dt.date.today())
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        load_demo(session)
        session.commit()
        _SNAPSHOTS[key] = {
            table.name: [dict(row._mapping) for row in session.execute(table.select())]
            for table in Base.metadata.sorted_tables
        }
        return
    session.rollback()
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            rows = snapshot[table.name]
            if table.name == "search_generation":  # the places' triggers write it anew
                continue
            if rows:
                conn.execute(table.insert(), rows)
        if engine.dialect.name == "postgresql":
            _advance_sequences(conn)
    session.expire_all()


def _advance_sequences(conn) -> None:
    """Rows came back with their ids: move each id sequence past them (never back)."""
    for table in Base.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        sequence = conn.scalar(
            text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
        )
        if not sequence:
            continue
        highest = conn.scalar(select(func.max(pk[0])))
        if highest is not None:
            current = conn.scalar(text(f"SELECT last_value FROM {sequence}"))  # noqa: S608
            if highest > current:
                conn.execute(text("SELECT setval(:s, :n)"), {"s": sequence, "n": highest})
