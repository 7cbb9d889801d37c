"""Migrations: upgrading an empty database gives exactly the models' schema, and
downgrading to base works, on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text

from registry.config import normalise_database_url
from registry.extensions import db
from registry.models import Base
from tests.conftest import PG_SKIP_REASON, PG_URL, make_test_app


def _schema_diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    # Expression indexes (lower(email)) cannot be reflected on every dialect; they are
    # checked separately below.
    return [d for d in diff if not (d[0] in {"add_index", "remove_index"} and "lower" in str(d))]


def _index_names(engine) -> set[str]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
    )
    with engine.connect() as conn:
        return set(conn.execute(text(query)).scalars())


def _check_roundtrip(url: str) -> None:
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        assert _schema_diff(db.engine) == []
        assert "uq_users_email_lower" in _index_names(db.engine)
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
        assert _schema_diff(db.engine) == []
        db.session.remove()
        db.engine.dispose()


@contextmanager
def _empty_postgres_database(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database beside the test one, dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_database_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = normalise_database_url(PG_URL).rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_sqlite_upgrade_matches_models_and_downgrades(tmp_path):
    _check_roundtrip(f"sqlite:///{tmp_path / 'migrate.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgresql_upgrade_matches_models_and_downgrades():
    with _empty_postgres_database("registry_migrate") as url:
        _check_roundtrip(url)


def test_email_is_unique_regardless_of_case(session):
    from sqlalchemy.exc import IntegrityError

    from registry.domain.permissions import Role
    from tests import factories

    factories.user(session, Role.COACH, email="Same@Example.nl")
    session.commit()
    with pytest.raises(IntegrityError):
        factories.user(session, Role.COACH, email="same@example.NL")
    session.rollback()


def _check_latitude_bands_recomputed(url: str) -> None:
    """c6band000001 rewrites every place's latitude band for the search's 0.05-degree
    seeks: a place left with its 0.1-degree band would not be found."""
    from registry.models import Place
    from registry.search.codec import lat_band
    from tests import factories
    from tests.services.search_support import place

    app = make_test_app(url)
    with app.app_context():
        upgrade()  # rows written with the head's models, then back to c5 (issue 14 adds columns)
        employer = factories.employer(db.session)
        network = factories.network(db.session)
        spots = [(52.0907, 5.1214), (53.2194, 6.5665), (50.8514, 5.6910)]
        ids = [place(db.session, employer, [network], lat=a, lon=o).id for a, o in spots]
        db.session.commit()
        downgrade(revision="c5bits000001")
        db.session.execute(
            text("UPDATE places SET lat_band = CAST(lat * 10 AS INTEGER)")  # the old bands
        )
        db.session.commit()
        upgrade()
        db.session.expire_all()
        got = {p.id: (p.lat_band, p.lat) for p in db.session.query(Place)}
        assert sorted(got) == sorted(ids)
        assert all(band == lat_band(lat) == math.floor(lat * 20) for band, lat in got.values())
        db.session.commit()  # end the read transaction: the downgrade rebuilds an index
        downgrade(revision="c5bits000001")
        db.session.expire_all()
        old = db.session.execute(select(Place.lat_band, Place.lat)).all()
        assert all(band == math.floor(lat * 10) for band, lat in old)
        db.session.remove()
        db.engine.dispose()


def test_sqlite_latitude_bands_are_recomputed(tmp_path):
    _check_latitude_bands_recomputed(f"sqlite:///{tmp_path / 'bands.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgresql_latitude_bands_are_recomputed():
    with _empty_postgres_database("registry_bands") as url:
        _check_latitude_bands_recomputed(url)


def _place_columns(engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("places")}


def _check_demand_code_dropped(url: str) -> None:
    """d5srch000001 drops the superseded ``places.demand_code``; its downgrade brings the
    column back (empty for the places that exist) and the upgrade drops it again, the
    places and their match codes intact."""
    from registry.models import Place
    from tests import factories
    from tests.services.search_support import place

    app = make_test_app(url)
    with app.app_context():
        upgrade()
        assert "demand_code" not in _place_columns(db.engine)
        employer, network = factories.employer(db.session), factories.network(db.session)
        pid = place(db.session, employer, [network], lat=52.0907, lon=5.1214).id
        code = db.session.get(Place, pid).match_code
        db.session.commit()
        downgrade(revision="d4flow000001")
        assert "demand_code" in _place_columns(db.engine)
        with db.engine.connect() as conn:
            row = conn.execute(text("SELECT demand_code, match_code FROM places")).one()
        assert tuple(row) == ("", code)
        upgrade()
        assert "demand_code" not in _place_columns(db.engine)
        assert _schema_diff(db.engine) == []
        db.session.expire_all()
        assert db.session.get(Place, pid).match_code == code
        db.session.remove()
        db.engine.dispose()


def test_sqlite_demand_code_is_dropped_and_restored(tmp_path):
    _check_demand_code_dropped(f"sqlite:///{tmp_path / 'demand_code.db'}")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgresql_demand_code_is_dropped_and_restored():
    with _empty_postgres_database("registry_demand_code") as url:
        _check_demand_code_dropped(url)
