"""How a request's database transaction ends on PostgreSQL: one that only read is
committed rather than rolled back, so the connection keeps its prepared statements.

psycopg prepares a statement once it has run five times on a connection, so the server
no longer parses and plans it; but it forgets every prepared statement of the
connection whenever a transaction on it is rolled back (a rollback may undo a schema
change). And when the request's session closes, SQLAlchemy rolls back the transaction
that is still open. Most pages read after their last commit (the template's loads, the
navigation badges), so every page rolled back, and every statement of every page was
parsed and planned afresh: on the search page about 3 ms of the server's time (the
statement log showed the same eight statements parsed and planned on every request).

A transaction that wrote nothing ends the same way committed or rolled back, so at the
end of the request (before Flask-SQLAlchemy closes the session) such a transaction is
committed. "Wrote nothing" is strict: no statement but a ``SELECT`` ran on the
connection since its last commit or rollback (:mod:`registry.models.write_tracking`), the session
holds no change waiting to be flushed, and the request did not end in an exception.
Anything else is rolled back as before. ``tests/web/test_transaction_end.py`` checks
both sides on PostgreSQL. SQLite is left alone: its statement cache outlives rollbacks.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from registry.models.write_tracking import wrote

log = logging.getLogger(__name__)


def only_read(session: Any) -> bool:
    """Whether the session's open transaction has written nothing (and would write
    nothing on commit)."""
    transaction = session.get_transaction()
    if transaction is None or not transaction.is_active:  # none, or one that failed
        return False
    if session.new or session.dirty or session.deleted:
        return False
    return not wrote(session.connection())


def install(app: Flask, db: Any) -> None:
    """On PostgreSQL: commit a read-only transaction at the end of each request
    (registered after Flask-SQLAlchemy's teardown, so it runs before it). The engine's
    statements are watched by :mod:`registry.models.write_tracking`."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        return

    @app.teardown_appcontext
    def _commit_what_only_read(exc: BaseException | None) -> None:
        if exc is not None:
            return
        if not db.session.registry.has():  # no session was used in this context
            return
        session = db.session()
        try:
            if only_read(session):
                session.commit()
        except Exception:  # never let this break a response; the close rolls back
            log.exception("Ending a read-only transaction failed")
