"""A small crawler for the hostile-input tests (issue 13): every route of ``app.url_map``
with its ids filled from the demo data, the query parameters each route reads (recorded
while it runs) and the forms its page shows (parsed from the HTML)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from flask import Flask, Request
from sqlalchemy import select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, Rule

from registry.models import (
    Candidate,
    CoachOrganisation,
    Employer,
    Membership,
    Network,
    Place,
    Placement,
    User,
)

# Path arguments that are not ids, and a value that reaches the view.
TEXT_ARGS = {"fmt": "csv", "kind": "agreement", "token": "not-a-token", "filename": "app.css"}
# Id arguments: the model to take ids from, and the page that tells whether a role may see it.
ID_MODELS = {
    "candidate_id": (Candidate, "/candidates/{}"),
    "place_id": (Place, "/places/{}"),
    "placement_id": (Placement, "/placements/{}"),
    "network_id": (Network, "/networks/{}"),
    "employer_id": (Employer, "/employers/{}"),
    "user_id": (User, "/admin/users/{}"),
    "org_id": (CoachOrganisation, "/admin/coach-organisations/{}"),
    "membership_id": (Membership, None),
}
PROBES = 40  # ids tried per model and role before settling for the first one
SKIP_FORMS = ("/auth/logout",)  # would end the crawl's own session


class Recorder:
    """The parameter names a request read (``args`` and ``form``)."""

    names: set[str] = set()


class RecordingDict(ImmutableMultiDict):
    def get(self, key, default=None, type=None):  # noqa: A002 - Werkzeug's signature
        Recorder.names.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        Recorder.names.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        Recorder.names.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        Recorder.names.add(key)
        return super().__contains__(key)


class RecordingRequest(Request):
    parameter_storage_class = RecordingDict


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type / tag


class FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = Form(a.get("action") or self.page_url, a.get("method", "get").upper())
            self.forms.append(self.current)
        elif self.current is not None and a.get("name"):
            name = a["name"]
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and name in self.current.fields:
                return
            self.current.fields[name] = a.get("value", "")
            self.current.kinds[name] = kind

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = FormParser(page_url)
    parser.feed(html)
    return parser.forms


def csrf_of(html: str) -> str | None:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    return match.group(1) if match else None


def get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule
    )


def path_for(rule: Rule, values: dict[str, object]) -> str:
    """The rule's path with ``values`` (or the TEXT_ARGS) in place of its arguments."""

    def fill(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name in values:
            return str(values[name])
        if converter and converter.startswith("any("):
            return converter[4:].split(",")[0].strip()
        return TEXT_ARGS.get(name, "1")

    return re.sub(r"<(?:([^:<>]+):)?([^<>]+)>", fill, rule.rule)


def int_args(rule: Rule) -> list[str]:
    return [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]


@dataclass
class Visit:
    url: str
    status: int
    html: str
    params: set[str]
    forms: list[Form]


class Crawler:
    """Visits every GET route as one logged-in client and remembers what it saw."""

    def __init__(self, app: Flask, session, client) -> None:
        self.app, self.session, self.client = app, session, client
        self._ids: dict[str, object] = {}

    def id_for(self, name: str) -> object:
        """An id of the right model this client may see (else the first one)."""
        if name in self._ids:
            return self._ids[name]
        model, page = ID_MODELS.get(name, (None, None))
        chosen: object = 1
        if model is not None:
            ids = list(self.session.scalars(select(model.id).order_by(model.id).limit(PROBES)))
            chosen = ids[0] if ids else 1
            for candidate in ids if page else ():
                if self.client.get(page.format(candidate)).status_code == 200:
                    chosen = candidate
                    break
        self._ids[name] = chosen
        return chosen

    def url_for_rule(self, rule: Rule) -> str:
        return path_for(rule, {name: self.id_for(name) for name in int_args(rule)})

    def visit(self, url: str, method: str = "GET", data: dict | None = None) -> Visit:
        Recorder.names = set()
        if method == "GET":
            response = self.client.get(url, follow_redirects=True)
        else:
            response = self.client.post(url, data=data or {}, follow_redirects=True)
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        path = urlsplit(url).path
        return Visit(url, response.status_code, html, set(Recorder.names), forms_of(html, path))

    def pages(self) -> Iterator[Visit]:
        for rule in get_rules(self.app):
            if "GET" in rule.methods:
                yield self.visit(self.url_for_rule(rule))


def with_query(url: str, params: dict[str, str]) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
