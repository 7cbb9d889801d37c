"""Shared fixtures.

Tests that touch the database run once on SQLite and once on PostgreSQL (when
``TEST_DATABASE_URL`` points to one; otherwise the PostgreSQL run is skipped with the
reason). Each backend is migrated to head once per session with Alembic; after every
test all rows are deleted, so no test sees another's data.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("REGISTRY_INSTANCE_PATH", tempfile.mkdtemp(prefix="registry-instance-"))

from argon2 import PasswordHasher  # noqa: E402

from registry import create_app  # noqa: E402
from registry.config import normalise_database_url  # noqa: E402
from registry.domain.permissions import Role  # noqa: E402
from registry.extensions import db  # noqa: E402
from registry.models import Base  # noqa: E402
from registry.services import accounts as _accounts  # noqa: E402
from registry.services.accounts import actor_for  # noqa: E402
from registry.services.context import Context  # noqa: E402
from tests import factories  # noqa: E402

# Cheap argon2 parameters keep the suite fast; production uses argon2-cffi's defaults.
_accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PG_URL = os.environ.get("TEST_DATABASE_URL")
PG_SKIP_REASON = "PostgreSQL run skipped: set TEST_DATABASE_URL to run these tests on PostgreSQL"


def reset_postgres(url: str) -> None:
    engine = create_engine(normalise_database_url(url))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _fresh_request_globals(sender: Flask, **extra) -> None:
    """Tests hold one app context across several client requests; give every request
    a clean ``g`` (logged-in user, locale, caches), as a real server does."""
    from flask import g

    for key in list(vars(g)):
        delattr(g, key)


def make_test_app(database_url: str, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "log",
        "MAIL_DELIVER_ON_REQUEST": False,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": None,
        # The suite compares with the machine's (UTC) date; Dutch dates are tested apart.
        "REGISTRY_TIMEZONE": "UTC",
        # counts are compared right after writes; tests/web/test_badge_cache.py turns it on
        "BADGE_CACHE_SECONDS": 0,
        "DASHBOARD_CACHE_SECONDS": 0,  # tests/web/test_dashboard_cache.py turns it on
    }
    config.update(overrides)
    application = create_app(config)
    from flask import request_started

    request_started.connect(_fresh_request_globals, application)
    return application


def migrate_to_head(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(
    scope="session",
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON),
            ],
        ),
    ],
)
def backend(request, tmp_path_factory) -> str:
    """The database URL of one backend, migrated to head."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = PG_URL
        reset_postgres(url)
    migrate_to_head(make_test_app(url))
    return url


@pytest.fixture(scope="session")
def _apps() -> dict[str, Flask]:
    return {}


@pytest.fixture
def app(backend: str, _apps: dict[str, Flask]) -> Iterator[Flask]:
    application = _apps.get(backend)
    if application is None:
        application = _apps[backend] = make_test_app(backend)
    with application.app_context():
        yield application
        db.session.rollback()
        db.session.remove()
        wipe(db.engine)


def wipe(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session(app: Flask):
    return db.session


@pytest.fixture
def make_ctx(app: Flask):
    """Build a service context acting as ``user`` (or anonymously)."""

    def build(user=None, **kw) -> Context:
        actor = actor_for(db.session, user) if user is not None else None
        return Context(session=db.session, actor=actor, settings=app.config, **kw)

    return build


class Client:
    """The Flask test client with a login shortcut and automatic CSRF tokens."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def __getattr__(self, name):
        return getattr(self.client, name)

    def csrf_token(self) -> str:
        response = self.client.get("/auth/login")
        if response.status_code == 302:  # logged in: every page carries a token
            response = self.client.get("/")
        html = response.get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
            r'name="csrf_token" value="([^"]+)"', html
        )
        assert match, "no CSRF token found on the login page"
        return match.group(1)

    def post(self, url: str, data: dict | None = None, csrf: bool = True, **kw):
        data = dict(data or {})
        if csrf and "csrf_token" not in data:
            data["csrf_token"] = self.csrf_token()
        return self.client.post(url, data=data, **kw)

    def login(self, email: str, password: str = factories.PASSWORD):
        return self.post("/auth/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/auth/logout")


@pytest.fixture
def client(app: Flask) -> Client:
    return Client(app.test_client())


@pytest.fixture
def world(session):
    """A small world: two networks, employers in each, a coach organisation, one user per role."""
    from types import SimpleNamespace

    net_a = factories.network(session, "Netwerk A")
    net_b = factories.network(session, "Netwerk B")
    emp_a = factories.employer(session, [net_a])
    emp_b = factories.employer(session, [net_b])
    emp_ab = factories.employer(session, [net_a, net_b])
    org = factories.coach_org(session, "Coachbureau Een")
    org2 = factories.coach_org(session, "Coachbureau Twee")
    w = SimpleNamespace(
        net_a=net_a,
        net_b=net_b,
        emp_a=emp_a,
        emp_b=emp_b,
        emp_ab=emp_ab,
        org=org,
        org2=org2,
        admin=factories.user(session, Role.ADMIN, email="admin@example.nl"),
        coordinator_a=factories.user(
            session, Role.COORDINATOR, email="coord.a@example.nl", networks=[net_a]
        ),
        coordinator_b=factories.user(
            session, Role.COORDINATOR, email="coord.b@example.nl", networks=[net_b]
        ),
        contact_a=factories.user(
            session, Role.EMPLOYER, email="contact.a@example.nl", employers=[emp_a]
        ),
        contact_b=factories.user(
            session, Role.EMPLOYER, email="contact.b@example.nl", employers=[emp_b]
        ),
        coach=factories.user(session, Role.COACH, email="coach@example.nl", org=org),
        coach2=factories.user(session, Role.COACH, email="coach2@example.nl", org=org2),
    )
    session.commit()
    return w


def pytest_report_header(config) -> str:
    return f"PostgreSQL: {'TEST_DATABASE_URL set' if PG_URL else PG_SKIP_REASON}"


ROOT = Path(__file__).resolve().parent.parent
