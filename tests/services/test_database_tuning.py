"""The app's PostgreSQL connections run without the JIT compiler (issue 17): it cost a
coordinator's home page about 10 ms compiling short counts. SQLite is left as it is."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from registry.extensions import db
from tests.conftest import make_test_app


def _is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def test_the_app_turns_postgresql_jit_off(app, session):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    if not _is_postgres(app):
        assert "connect_args" not in options  # nothing PostgreSQL-only reaches SQLite
        return
    assert options["connect_args"]["options"] == "-c jit=off"
    assert session.execute(text("SHOW jit")).scalar() == "off"


def test_postgres_jit_can_be_turned_back_on(app):
    if not _is_postgres(app):
        pytest.skip("a PostgreSQL setting: runs in the PostgreSQL pass")
    other = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], POSTGRES_JIT="on")
    with other.app_context():
        try:
            assert db.session.execute(text("SHOW jit")).scalar() == "on"
        finally:
            db.session.remove()
            db.engine.dispose()
