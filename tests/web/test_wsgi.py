"""The WSGI entry point compiles every template as the worker boots (issue 17), so no
request pays for compiling one and a template that does not compile fails here."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def test_the_wsgi_app_boots_with_every_template_compiled():
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    try:
        root = Path(wsgi.app.root_path).parent / "templates"
        names = {p.relative_to(root).as_posix() for p in root.rglob("*.html")}
        assert names, "no templates found"
        cached = {name for _loader, name in wsgi.app.jinja_env.cache.keys()}  # noqa: SIM118 - an LRUCache
        assert names <= cached, sorted(names - cached)[:5]
    finally:
        sys.modules.pop("wsgi", None)
