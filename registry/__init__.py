"""Second-track placement registry: the Flask application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from registry import config as config_module
from registry import transaction_end
from registry.extensions import babel, csrf, db, init_cache, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. ``config`` overrides what the environment says (tests use it)."""
    instance_path = os.environ.get("REGISTRY_INSTANCE_PATH", str(PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder="static",
    )
    app.config.update(config_module.load(app.instance_path))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config:
            app.config["SQLALCHEMY_DATABASE_URI"] = config_module.normalise_database_url(
                str(config["SQLALCHEMY_DATABASE_URI"])
            )
    _ensure_sqlite_folder(app)
    _tune_postgresql(app)
    _trust_proxies(app)
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    transaction_end.install(app, db)  # PostgreSQL: keep prepared statements between requests
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    init_cache(app)
    login_manager.init_app(app)

    from registry.web import init_web

    init_web(app, babel)

    from registry.cli import register_cli

    register_cli(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind TRUSTED_PROXIES proxy hops, take the client address and scheme from the
    X-Forwarded-For/-Proto headers those proxies set (rate limits and audit trail)."""
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _tune_postgresql(app: Flask) -> None:
    """PostgreSQL's JIT compiler pays off for long analytical queries, not for a web
    page's short ones: above its cost threshold it spent about 10 ms compiling a 40 ms
    count on the coordinator's home (issue 17). Off for the app's connections unless
    ``POSTGRES_JIT`` says otherwise or the engine options already set ``options``."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault(
        "options", config_module.postgres_jit_option(app.config.get("POSTGRES_JIT"))
    )
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _ensure_sqlite_folder(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:///:memory:"):
        Path(uri[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
