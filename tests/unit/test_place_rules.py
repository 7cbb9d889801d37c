"""Pure rules for places: access per role, function templates against the catalogue."""

from __future__ import annotations

import pytest

from registry.domain import workload as wl
from registry.domain.permissions import Action, Actor, PlaceFacts, Role, can
from registry.models import PlaceKind
from registry.services.place_templates import TEMPLATES, get_template
from registry.services.places import DAYS, MOVES, OFFERS

PLACE = PlaceFacts(
    employer_id=10, network_ids=frozenset({1, 2}), reviewing_network_ids=frozenset({2})
)


def actor(*roles: Role, **kw) -> Actor:
    return Actor(user_id=1, roles=frozenset(roles), **kw)


HOST = actor(Role.EMPLOYER, employer_ids=frozenset({10}))
OTHER_CONTACT = actor(
    Role.EMPLOYER, employer_ids=frozenset({11}), member_network_ids=frozenset({1})
)
COORD_1 = actor(Role.COORDINATOR, coordinated_network_ids=frozenset({1}))
COORD_2 = actor(Role.COORDINATOR, coordinated_network_ids=frozenset({2}))
COORD_OTHER = actor(Role.COORDINATOR, coordinated_network_ids=frozenset({3}))
COACH = actor(Role.COACH, coach_organisation_id=5)
ADMIN = actor(Role.ADMIN)
NOBODY = actor()


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        (HOST, {Action.PLACE_VIEW, Action.PLACE_EDIT, Action.PLACE_HISTORY, Action.PLACE_CREATE}),
        (OTHER_CONTACT, set()),
        (COORD_1, {Action.PLACE_VIEW, Action.PLACE_CURATE, Action.PLACE_HISTORY}),
        (
            COORD_2,
            {Action.PLACE_VIEW, Action.PLACE_CURATE, Action.PLACE_HISTORY, Action.PLACE_REVIEW},
        ),
        (COORD_OTHER, set()),
        (COACH, set()),  # a draft is not visible to coaches
        (NOBODY, set()),
        (
            ADMIN,
            {
                Action.PLACE_VIEW,
                Action.PLACE_EDIT,
                Action.PLACE_HISTORY,
                Action.PLACE_CREATE,
                Action.PLACE_CURATE,
                Action.PLACE_REVIEW,
            },
        ),
    ],
)
def test_place_rules_per_role(who, allowed):
    actions = {
        Action.PLACE_VIEW,
        Action.PLACE_EDIT,
        Action.PLACE_HISTORY,
        Action.PLACE_CREATE,
        Action.PLACE_CURATE,
        Action.PLACE_REVIEW,
    }
    assert {a for a in actions if can(who, a, PLACE)} == allowed


def test_coaches_see_published_places_only():
    for status, visible in [
        ("open", True),
        ("full", True),
        ("paused", False),
        ("draft", False),
        ("submitted", False),
        ("closed", False),
    ]:
        facts = PlaceFacts(employer_id=10, network_ids=frozenset({1}), status=status)
        assert can(COACH, Action.PLACE_VIEW, facts) is visible
        assert not can(COACH, Action.PLACE_EDIT, facts)


def test_coordinators_create_only_for_their_own_networks():
    new = PlaceFacts(employer_id=10, network_ids=frozenset({1}))
    assert can(COORD_1, Action.PLACE_CREATE, new)
    assert not can(
        COORD_1, Action.PLACE_CREATE, PlaceFacts(employer_id=10, network_ids=frozenset({1, 2}))
    )
    assert not can(COORD_1, Action.PLACE_CREATE, PlaceFacts(employer_id=10))
    assert can(COORD_1, Action.PLACE_CURATION_LIST)
    assert not can(HOST, Action.PLACE_CURATION_LIST)


def test_at_least_six_templates_with_valid_defaults():
    assert len(TEMPLATES) >= 6
    assert len({t.key for t in TEMPLATES}) == len(TEMPLATES)
    keys = {d.key for d in wl.all_dimensions()}
    exposures = {f.key for f in wl.EXPOSURES}
    conditions = {f.key for f in wl.CONDITIONS}
    for t in TEMPLATES:
        assert set(t.demands) == keys, t.key  # every core dimension has a default
        for key, (band, _, _) in t.demands.items():
            assert 0 <= band <= wl.dimension(key).heaviest, (t.key, key)
        assert set(t.exposures) <= exposures and set(t.conditions) <= conditions
        assert set(t.schedule_days) <= set(DAYS) and set(t.offers) <= set(OFFERS)
        assert isinstance(t.kind, PlaceKind)
        assert t.min_hours_week <= t.usual_hours_week
    # not all light: the templates span light office work to heavy outdoor work
    lifting = {t.demands["lifting"][0] for t in TEMPLATES}
    assert min(lifting) == 0 and max(lifting) >= 3
    assert get_template("nope") is None and get_template(None) is None


def test_status_moves_never_leave_closed():
    for move, (sources, _target) in MOVES.items():
        assert "closed" not in {s.value for s in sources}, move
