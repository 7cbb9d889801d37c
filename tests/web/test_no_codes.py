"""Issue 15: no internal code reaches a person.

Every page every demo user can open (the crawler of ``tests/web/crawl.py`` visits every
GET route with ids that user may see), in Dutch and in English, is read as visible text;
no snake_case enum value (``ended_early``, ``little_distraction``, ``near_miss``) may
appear in it. The same holds for the coordinator's figures export (CSV and XLSX) and the
placement PDFs (text read back with pypdf).
"""

from __future__ import annotations

import enum
import importlib
import io
import pkgutil
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

import registry.domain
import registry.models
from registry.domain.workload import CONDITIONS, EXPOSURES, all_dimensions
from seed.demo import DEMO_PASSWORD, DEMO_USERS
from tests.demo_snapshot import load_demo_rows
from tests.web.crawl import Crawler

ROLES = [email for email, _name, _roles in DEMO_USERS]


def _codes() -> frozenset[str]:
    """Every snake_case value of the application's enums and workload keys."""
    found: set[str] = set()
    for package in (registry.domain, registry.models):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, enum.Enum):
                    found |= {str(m.value) for m in value if isinstance(m.value, str)}
    found |= {d.key for d in all_dimensions()} | {f.key for f in (*EXPOSURES, *CONDITIONS)}
    return frozenset(c for c in found if re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", c))


CODES = _codes()
# The partner API's reference page (issue 18) is for developers: listing the codes the API
# speaks (enum values, field names) is its purpose.
API_DOCS = "/api/v1/docs"
# Single-word enum values that are English words: in a Dutch page they can only be codes
# ("(admitted)", "draft → submitted").
ENGLISH_CODES = frozenset(
    [
        "accepted",
        "admitted",
        "applied",
        "cancelled",
        "completed",
        "declined",
        "draft",
        "ended",
        "erased",
        "hired",
        "paused",
        "proposed",
        "recovered",
        "submitted",
        "suspended",
        "withdrawn",
        "regional",
        "sectoral",
        "unknown",
        "signal",
        "conflict",
        "fit",
        "near_miss",
        "identity",
        "reversal",
        "reversed",
        "immediate",
        "digest",
    ]
)
DUTCH_CODE_RE = re.compile(r"(?<![\w./@-])(" + "|".join(sorted(ENGLISH_CODES)) + r")(?![\w/@-])")
CODE_RE = re.compile(
    r"(?<![\w./-])(" + "|".join(sorted(CODES, key=len, reverse=True)) + r")(?![\w/-])"
)


AUDIT_CODE = re.compile(
    r"\b(?:candidate|place|placement|network|employer|user|dashboard|membership)\.[a-z_]+\b"
)
ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")


class _Text(HTMLParser):
    """The text a reader sees: element text and the page title, no scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def codes_in(text: str) -> set[str]:
    return set(CODE_RE.findall(text))


def test_the_code_list_is_meaningful():
    assert {"ended_early", "near_miss", "little_distraction", "time_pressure"} <= CODES
    assert codes_in("Status: ended_early, standing") == {"ended_early"}
    assert not codes_in("Voortijdig beëindigd; e-mail: jan_de_vries@example.org")


@pytest.fixture
def demo(app, session):
    load_demo_rows(session)
    return session


def _set_language(session, email: str, language: str) -> None:
    from registry.models import User

    user = session.scalar(select(User).where(User.email == email))
    user.language = language
    session.commit()


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("email", ROLES)
def test_no_page_shows_an_internal_code(demo, app, client, email, language):
    _set_language(demo, email, language)
    assert client.login(email, DEMO_PASSWORD).status_code in (200, 302)
    offences: dict[str, set[str]] = {}
    seen = 0
    for page in Crawler(app, demo, client).pages():
        if page.status != 200 or not page.html or page.url.startswith(API_DOCS):
            continue
        seen += 1
        text = visible_text(page.html)
        found = codes_in(text) | set(AUDIT_CODE.findall(text))
        if language == "nl":
            found |= set(DUTCH_CODE_RE.findall(text))
            found |= set(ISO_DATE.findall(text))  # dates read "4 december 2026" or "04-12-2026"
        if found:
            offences[page.url] = found
    assert seen > 5
    assert not offences, offences


def _figures_export(client, demo, fmt: str, kind: str = "export") -> bytes:
    from registry.models import Network

    network_id = demo.scalar(select(Network.id).order_by(Network.id))
    response = client.get(f"/dashboard/network/{network_id}/{kind}.{fmt}")
    assert response.status_code == 200
    return response.get_data()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_figures_export_shows_labels_not_codes(demo, client, language):
    from openpyxl import load_workbook

    _set_language(demo, "coordinator@voorbeeld.nl", language)
    client.login("coordinator@voorbeeld.nl", DEMO_PASSWORD)
    text = _figures_export(client, demo, "csv").decode("utf-8-sig")
    assert not codes_in(text), codes_in(text)
    book = load_workbook(io.BytesIO(_figures_export(client, demo, "xlsx")))
    cells = " ".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v
    )
    assert not codes_in(cells), codes_in(cells)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_placement_pdfs_show_labels_not_codes(demo, client, language):
    from pypdf import PdfReader

    from registry.models import Placement

    client.login("coach@voorbeeld.nl", DEMO_PASSWORD)
    read = 0
    for placement_id in demo.scalars(select(Placement.id).order_by(Placement.id)):
        for kind in ("agreement", "evaluation", "certificate"):
            response = client.get(
                f"/placements/{placement_id}/documents/{kind}.pdf?lang={language}"
            )
            if response.status_code != 200 or response.mimetype != "application/pdf":
                continue
            pdf = PdfReader(io.BytesIO(response.get_data()))
            text = " ".join(page.extract_text() for page in pdf.pages)
            assert not codes_in(text), (placement_id, kind, codes_in(text))
            assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), "an ISO date in a PDF"
            read += 1
    assert read >= 3


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_research_export_shows_labels_in_its_cells(demo, client, language):
    from openpyxl import load_workbook

    _set_language(demo, "coordinator@voorbeeld.nl", language)
    client.login("coordinator@voorbeeld.nl", DEMO_PASSWORD)
    text = _figures_export(client, demo, "csv", "research").decode("utf-8-sig")
    body = "\n".join(text.splitlines()[1:])  # the header row is a data format: names stay
    assert len(text.splitlines()) > 1
    assert not codes_in(body), codes_in(body)
    book = load_workbook(io.BytesIO(_figures_export(client, demo, "xlsx", "research")))
    cells = " ".join(
        str(v) for row in book.active.iter_rows(min_row=2, values_only=True) for v in row if v
    )
    assert not codes_in(cells), codes_in(cells)
