"""Locust users for ``make loadtest`` (issue 17): the demo roles over the pages they use most.

Every simulated person signs in once (not counted as a page), then clicks through their
pages with 0.5 to 1.5 seconds between requests, as a person does. Writes are a realistic
share: a coach proposes a place from a search, an employer accepts a proposal or confirms
a place is still current. A 422 on a write is the registry refusing a stale choice (a slot
another user took a moment earlier): it is counted as "refused", not as an error.

Run by ``bench/loadtest.py``; only ever against 127.0.0.1. Response times per request, with
the moment each was sent, and the moments the people finished signing in go to the JSON
file named by ``LOADTEST_SAMPLES``: the driver measures the 60 seconds after the last
sign-in.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

PASSWORD = "demo1234"  # noqa: S105 - the documented demo password of the scale seed
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SAMPLES: list[tuple[str, float, int, str, float]] = []
SIGNED_IN: list[float] = []  # when each person's sign-in was done
REFUSED: dict[str, int] = {}
KINDS = ("stage", "werkervaringsplaats", "detachering", "snuffelstage", "meeloopdag")


@events.test_start.add_listener
def _only_localhost(environment, **_kw) -> None:
    host = urlsplit(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"the load test only targets 127.0.0.1, not {host!r}")


@events.request.add_listener
def _sample(
    request_type,
    name,
    response_time,
    response_length,
    response=None,
    exception=None,
    context=None,
    **_kw,
) -> None:
    status = getattr(response, "status_code", 0) or 0
    sent = time.time() - float(response_time) / 1000
    SAMPLES.append((name, float(response_time), int(status), "error" if exception else "ok", sent))


@events.quitting.add_listener
def _write_samples(environment, **_kw) -> None:
    path = os.environ.get("LOADTEST_SAMPLES")
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"samples": SAMPLES, "refused": REFUSED, "signed_in": SIGNED_IN}, fh)


def _ids(pattern: str, html: str) -> list[int]:
    return sorted({int(x) for x in re.findall(pattern, html)})


class _Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 1.5)
    email = ""

    def on_start(self) -> None:
        page = self.client.get("/auth/login", name="sign in (form)")
        token = CSRF.search(page.text)
        with self.client.post(
            "/auth/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token.group(1)},
            name="sign in",
            catch_response=True,
        ) as response:
            if "/auth/login" in response.url:
                response.failure("sign-in did not succeed")
        SIGNED_IN.append(time.time())

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            return response.text or ""

    def write(self, url: str, data: dict, name: str, token_from: str) -> None:
        token = CSRF.search(token_from)
        if token is None:
            return
        data = {**data, "csrf_token": token.group(1)}
        with self.client.post(url, data=data, name=name, catch_response=True) as response:
            if response.status_code in (409, 422):
                REFUSED[name] = REFUSED.get(name, 0) + 1
                response.success()
            elif response.status_code >= 400:
                response.failure(f"{response.status_code}")


class Coach(_Person):
    weight = 8
    email = "coach@voorbeeld.nl"

    def on_start(self) -> None:
        super().on_start()
        self.candidates = _ids(
            r'href="/candidates/(\d+)"', self.page("/candidates/", "coach: candidate list")
        )  # noqa: E501
        self.explanations: list[str] = []

    def _candidate(self) -> int:
        return random.choice(self.candidates) if self.candidates else 1

    @task(2)
    def home(self) -> None:
        self.page("/", "coach: home")

    @task(3)
    def candidate_list(self) -> None:
        self.page("/candidates/", "coach: candidate list")

    @task(3)
    def candidate(self) -> None:
        self.page(f"/candidates/{self._candidate()}", "coach: candidate")

    @task(4)
    def search(self) -> None:
        params = {"kind": random.sample(KINDS, 3)}
        if random.random() < 0.5:
            params["km"] = random.choice(("10", "20", "30"))
        with self.client.get(
            f"/candidates/{self._candidate()}/search",
            params=params,
            name="coach: search",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            links = re.findall(r'href="(/candidates/\d+/search/places/\d+[^"]*)"', response.text)
            self.explanations = [link.replace("&amp;", "&") for link in links]

    @task(2)
    def proposal(self) -> None:
        """Open one result's explanation, then the proposal form; sometimes propose."""
        if not self.explanations:
            return
        explanation = self.page(random.choice(self.explanations), "coach: explanation")
        links = re.findall(r'href="(/placements/propose\?[^"]+)"', explanation)
        if not links:
            return
        url = links[0].replace("&amp;", "&")
        form = self.page(url, "coach: proposal form")
        if random.random() < 0.35 and "network_id" in form:
            self._propose(url, form)

    def _propose(self, url: str, form: str) -> None:
        data = {
            "motivation": "Past bij de belastbaarheid en de reisafstand.",
            "confirm_past_end": "y",
            "planned_start": "",
        }
        network = re.search(r'name="network_id"[^>]*>\s*<option[^>]*value="(\d+)"', form)
        if network:
            data["network_id"] = network.group(1)
        for key in set(re.findall(r'name="(reason_[a-z_]+)"', form)):
            data[key] = "Besproken met de gastwerkgever; aanpassing mogelijk."
        self.write(url, data, "coach: propose (write)", form)


class Employer(_Person):
    weight = 5
    email = "werkgever@voorbeeld.nl"

    def on_start(self) -> None:
        super().on_start()
        self.places = _ids(r'href="/places/(\d+)"', self.page("/places/", "employer: places"))

    @task(2)
    def home(self) -> None:
        self.page("/", "employer: home")

    @task(3)
    def inbox(self) -> None:
        html = self.page("/placements/inbox", "employer: proposals inbox")
        proposals = _ids(r'href="/placements/(\d+)"', html)
        if proposals and random.random() < 0.4:
            placement = random.choice(proposals)
            page = self.page(f"/placements/{placement}", "employer: placement")
            if random.random() < 0.4 and 'value="accepted"' in page:
                self.write(
                    f"/placements/{placement}/move",
                    {"target": "accepted"},
                    "employer: accept (write)",
                    page,
                )

    @task(3)
    def places(self) -> None:
        html = self.page("/places/", "employer: places")
        self.places = _ids(r'href="/places/(\d+)"', html) or self.places

    @task(1)
    def confirm(self) -> None:
        if not self.places:
            return
        place = random.choice(self.places)
        page = self.page(f"/places/{place}", "employer: place")
        if f"/places/{place}/confirm" in page:
            self.write(f"/places/{place}/confirm", {}, "employer: confirm place (write)", page)


class Coordinator(_Person):
    weight = 3
    email = "coordinator@voorbeeld.nl"

    def on_start(self) -> None:
        super().on_start()
        home = self.page("/", "coordinator: home")
        self.networks = _ids(r'/dashboard/network/(\d+)"', home) or [1, 2]

    @task(2)
    def home(self) -> None:
        self.page("/", "coordinator: home")

    @task(3)
    def curation(self) -> None:
        params = random.choice(({}, {"status": "open"}, {"sort": "-confirmed"}, {"page": "2"}))
        with self.client.get(
            "/curation/places", params=params, name="coordinator: curation", catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(2)
    def dashboard(self) -> None:
        self.page(
            f"/dashboard/network/{random.choice(self.networks)}", "coordinator: network dashboard"
        )
