"""On PostgreSQL a request's read-only transaction ends with a commit, so the connection
keeps the statements psycopg prepared (a rollback makes it forget them all); anything
that wrote, or a request that failed, is rolled back as before
(``registry/transaction_end.py``)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from registry.extensions import db
from registry.models import AuditEvent
from tests.conftest import make_test_app

MARK = "transaction_end.test"


def _app(url: str) -> Flask:
    """An app whose requests each get their own application context, as on a server
    (the suite's fixture keeps one open, so its requests never end a transaction)."""
    app = make_test_app(url)

    def _audit():
        db.session.add(AuditEvent(action=MARK, object_type="test", object_id=1))
        db.session.flush()

    @app.get("/_test/read")
    def read():
        return str(db.session.scalar(select(func.count(AuditEvent.id))))

    @app.get("/_test/flushed")
    def flushed():  # wrote and flushed, never committed: must not persist
        _audit()
        return "ok"

    @app.get("/_test/pending")
    def pending():  # added, not flushed: must not persist either
        db.session.add(AuditEvent(action=MARK, object_type="test", object_id=2))
        return "ok"

    @app.get("/_test/failed")
    def failed():
        _audit()
        raise RuntimeError("boom")

    @app.get("/_test/committed-then-read")
    def committed_then_read():
        _audit()
        db.session.commit()
        return str(db.session.scalar(select(func.count(AuditEvent.id))))

    return app


@pytest.fixture
def server_app(app, session):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("psycopg's prepared statements: runs in the PostgreSQL pass")
    other = _app(app.config["SQLALCHEMY_DATABASE_URI"])
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()  # the suite's fixture wipes the tables afterwards


def _marks(session) -> int:
    session.rollback()  # a fresh snapshot
    return session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == MARK))


def test_a_read_only_request_keeps_the_prepared_statements(server_app):
    client = server_app.test_client()
    for _ in range(7):  # psycopg prepares a statement on its fifth run
        assert client.get("/_test/read").status_code == 200
    with server_app.app_context():
        statements = db.session.execute(
            text("SELECT statement FROM pg_prepared_statements")
        ).scalars()
        assert any("count(audit_events.id)" in s for s in statements)


def test_writes_that_were_not_committed_are_rolled_back(server_app, session):
    client = server_app.test_client()
    assert client.get("/_test/flushed").status_code == 200
    assert client.get("/_test/pending").status_code == 200
    server_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/_test/failed").status_code == 500
    assert _marks(session) == 0


def test_a_commit_then_reads_ends_committed(server_app, session):
    client = server_app.test_client()
    for _ in range(3):
        assert client.get("/_test/committed-then-read").status_code == 200
    assert _marks(session) == 3
