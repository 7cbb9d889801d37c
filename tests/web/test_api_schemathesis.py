"""Schemathesis against the partner API's own OpenAPI description (issue 18).

Every operation gets a bounded number of generated requests (positive mode) as each role's
demo token (coordinator, coach, employer contact, all scopes); some examples aim at ids
that exist. Every response must be no server error and conform to the description: its
status code, content type, headers and body schema. Runs on both databases.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.services import test_placement_support as build
from tests.web.api_support import bearer, token

# Conformance checks only: a schema-valid request may still break a business rule (an
# unknown employer, a postcode outside the Netherlands), which is a 422 with its reasons.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 6  # per operation and role: the whole run stays within about a minute


@pytest.fixture
def known(world, session):
    """Objects the tokens may see, so that some examples reach a 200."""
    place = build.place(session, world.emp_a, [world.net_a])
    cand = build.candidate(session, world.org, world.emp_b, [world.net_a])
    session.commit()
    return {
        "place_id": place.id,
        "candidate_id": cand.id,
        "employer_id": world.emp_a.id,
        "network_id": world.net_a.id,
        "placement_id": 1,
        "consent_id": 1,
    }


def _check_operation(operation, headers: dict[str, str], known: dict[str, int], seen) -> None:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), aim=st.booleans())
    def run(case, aim: bool) -> None:
        if aim and case.path_parameters:
            for name in case.path_parameters:
                if name in known:
                    case.path_parameters[name] = known[name]
        response = case.call(headers=headers)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, (case.method, case.formatted_path, response.text)
        case.validate_response(response, checks=CHECKS)

    run()


def test_the_api_conforms_to_its_description(app, world, make_ctx, known):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    roles = [world.coordinator_a, world.coach, world.contact_a]
    tokens = {user.email: bearer(token(make_ctx, user, days=2)) for user in roles}
    started = dt.datetime.now()
    seen: dict[int, int] = {}
    for operation in operations:
        for headers in tokens.values():
            _check_operation(operation, headers, known, seen)
    assert (dt.datetime.now() - started).total_seconds() < 240
    # the tokens worked: reads succeeded, and no request went unauthenticated
    assert seen.get(200, 0) > 10 and 401 not in seen, seen
