"""Webhook rules (issue 18): endpoint addresses, the signature, the retry schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks.webhooks import Webhook

from registry.domain import webhooks as rules
from registry.domain.webhooks import UrlProblem


@pytest.mark.parametrize(
    ("url", "development", "production"),
    [
        ("https://hooks.example.nl/registry", None, None),
        ("https://hooks.example.nl:8443/x?y=1", None, None),
        ("http://localhost:8000/hook", None, UrlProblem.SCHEME),
        ("http://127.0.0.1:9000/hook", None, UrlProblem.SCHEME),
        ("http://[::1]:9000/hook", None, UrlProblem.SCHEME),
        ("http://hooks.example.nl/x", UrlProblem.SCHEME, UrlProblem.SCHEME),
        ("ftp://hooks.example.nl/x", UrlProblem.SCHEME, UrlProblem.SCHEME),
        ("javascript:alert(1)", UrlProblem.INVALID, UrlProblem.INVALID),
        ("https://localhost/hook", None, UrlProblem.PRIVATE),
        ("https://127.0.0.1/hook", None, UrlProblem.PRIVATE),
        ("https://10.1.2.3/hook", None, UrlProblem.PRIVATE),
        ("https://192.168.1.10/hook", None, UrlProblem.PRIVATE),
        ("https://169.254.169.254/latest", None, UrlProblem.PRIVATE),
        ("https://[fd00::1]/hook", None, UrlProblem.PRIVATE),
        ("https://user:pw@hooks.example.nl/x", UrlProblem.CREDENTIALS, UrlProblem.CREDENTIALS),
        ("https://hooks.example.nl:99999/x", UrlProblem.INVALID, UrlProblem.INVALID),
        ("https://", UrlProblem.INVALID, UrlProblem.INVALID),
        ("https://a.nl/" + "x" * 500, UrlProblem.TOO_LONG, UrlProblem.TOO_LONG),
    ],
)
def test_endpoint_addresses(url, development, production):
    assert rules.url_problem(url, production=False) == development
    assert rules.url_problem(url, production=True) == production


def test_only_public_addresses_are_called_in_production():
    assert rules.address_allowed("93.184.216.34")
    for address in ("127.0.0.1", "10.0.0.1", "172.16.0.1", "::1", "fe80::1", "nonsense"):
        assert not rules.address_allowed(address)


def test_the_signature_is_the_standard_webhooks_one():
    secret = rules.new_secret()
    body = '{"type":"placement.accepted","data":{"placement":{"id":7}}}'
    now = dt.datetime.now(dt.UTC)
    headers = rules.headers(secret, "msg_1", int(now.timestamp()), body)
    assert Webhook(secret).verify(body, headers)["data"]["placement"]["id"] == 7
    assert headers["webhook-signature"] == Webhook(secret).sign("msg_1", now, body)


def test_retries_back_off_exponentially_for_a_day():
    first = dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC)
    now, delays = first, []
    for attempts in range(1, 40):
        at = rules.next_attempt(first, attempts, now)
        if at is None:
            break
        delays.append((at - now).total_seconds())
        now = at
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == rules.MAX_DELAY_SECONDS
    assert dt.timedelta(hours=20) < now - first <= dt.timedelta(hours=24)
