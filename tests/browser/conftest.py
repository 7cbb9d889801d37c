"""Real-browser journeys: Playwright drives Debian's Chromium against a live server.

The server runs in a thread on a free local port with its own SQLite database,
migrated with Alembic and loaded with the demo seed. No browser is ever downloaded:
the executable comes from ``CHROMIUM`` or ``/usr/bin/chromium``; without it these
tests skip with that reason.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_test_app, migrate_to_head

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
DEMO_PASSWORD = "demo1234"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM}: apt-get install chromium"
    ),
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not HAVE_CHROMIUM:
                item.add_marker(pytest.mark.skip(reason=f"no Chromium at {CHROMIUM}"))


@dataclass
class LiveServer:
    url: str
    app: object

    def outbox_links(self, recipient: str) -> list[str]:
        """Links in e-mails queued for ``recipient`` (newest last)."""
        from sqlalchemy import select

        from registry.extensions import db
        from registry.models import OutboxMessage

        with self.app.app_context():
            bodies = db.session.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.recipient == recipient)
                .order_by(OutboxMessage.id)
            ).all()
            db.session.remove()
        return [m for body in bodies for m in re.findall(r"https?://\S+", body)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    db_url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    app = make_test_app(db_url, BASE_URL=url, TESTING=False)
    migrate_to_head(app)
    with app.app_context():
        from seed.demo import load_demo

        load_demo()
        from registry.extensions import db

        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=url, app=app)
    server.shutdown()


@pytest.fixture(autouse=True)
def demo_users_speak_dutch(live_server):
    """The language choice is stored per user; every journey starts in Dutch."""
    from sqlalchemy import update

    from registry.extensions import db
    from registry.models import User

    with live_server.app.app_context():
        db.session.execute(update(User).values(language="nl"))
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server.url


def check_a11y(page) -> None:
    """axe-core on the current page: no serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        v
        for v in results.response.get("violations", [])
        if v.get("impact") in {"serious", "critical"}
    ]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(n.get("target")) for n in v.get("nodes", [])[:5])
        for v in bad
    )
    assert not bad, f"axe violations on {page.url}:\n{details}"


def login(page, base_url: str, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base_url}/auth/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()


def logout(page) -> None:
    page.get_by_role("button", name=re.compile("Uitloggen|Log out")).click()
    page.wait_for_load_state()
