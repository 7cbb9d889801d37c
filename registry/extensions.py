"""Flask extensions, created unbound and bound in the app factory."""

from __future__ import annotations

import os

from flask import Flask
from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from registry.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
cache = Cache()


def init_cache(app: Flask) -> None:
    """Computed summaries shared by the workers: Redis when ``CACHE_REDIS_URL`` is set
    (production), else each process keeps its own (``SimpleCache``)."""
    redis_url = app.config.get("CACHE_REDIS_URL", os.environ.get("CACHE_REDIS_URL"))
    app.config.setdefault("CACHE_TYPE", "RedisCache" if redis_url else "SimpleCache")
    app.config.setdefault("CACHE_REDIS_URL", redis_url)
    app.config.setdefault("CACHE_KEY_PREFIX", "registry:")
    app.config.setdefault(
        "DASHBOARD_CACHE_SECONDS", int(os.environ.get("DASHBOARD_CACHE_SECONDS", 60))
    )
    cache.init_app(app)


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:  # noqa: ARG001
    """Foreign keys on, and wait for a lock instead of failing at once."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _install_sqlite_pragmas() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", _sqlite_pragmas):
        event.listen(Engine, "connect", _sqlite_pragmas)


_install_sqlite_pragmas()
