"""Counting SQL statements per request (issue 17): no page's number of statements may grow
with the number of rows it shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine

from registry.extensions import db


@contextmanager
def count_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect every statement the engine sends while the block runs."""
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ARG001
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def statements_for(client, engine: Engine, url: str) -> tuple[int, int, str]:
    """(status, statements, html) of a GET, counted on the second request (the first may
    warm caches that every later request shares)."""
    client.get(url)
    # A server starts every request with an empty session; the tests hold one app context
    # (and so one session) across requests, whose identity map keeps whatever the garbage
    # collector has not yet freed. Empty it, or a count depends on the collector's timing.
    db.session.remove()
    with count_statements(engine) as seen:
        response = client.get(url)
    # The session's last-seen time is written at most once a minute, whichever request
    # that falls on: one statement that depends on the clock, never on the rows shown.
    counted = [s for s in seen if not s.lstrip().upper().startswith("UPDATE USER_SESSIONS")]
    return response.status_code, len(counted), response.get_data(as_text=True)
