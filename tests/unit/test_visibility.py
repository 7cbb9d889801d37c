"""Table-driven: which field groups of a candidate each role sees, per relation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.permissions import (
    ALL_FIELD_GROUPS,
    Action,
    Actor,
    CandidateFacts,
    FieldGroup,
    NetworkFacts,
    Role,
    can,
    visible_fields,
)

ORG, OTHER_ORG = 1, 2
HOME, HOST, STRANGER = 10, 20, 30
NET, OTHER_NET = 100, 200

ID, H, N, C, F, T = (
    FieldGroup.IDENTITY,
    FieldGroup.HOME_EMPLOYER,
    FieldGroup.NOTES,
    FieldGroup.CAPACITY_DETAILS,
    FieldGroup.FIT_SUMMARY,
    FieldGroup.TRAJECTORY_STATUS,
)

ACTORS = {
    "admin": Actor(1, frozenset({Role.ADMIN})),
    "own coach": Actor(2, frozenset({Role.COACH}), coach_organisation_id=ORG),
    "other coach": Actor(3, frozenset({Role.COACH}), coach_organisation_id=OTHER_ORG),
    "home contact": Actor(
        4, frozenset({Role.EMPLOYER}), employer_ids=frozenset({HOME}),
        member_network_ids=frozenset({NET}),
    ),
    "host contact": Actor(
        5, frozenset({Role.EMPLOYER}), employer_ids=frozenset({HOST}),
        member_network_ids=frozenset({NET}),
    ),
    "stranger contact": Actor(
        6, frozenset({Role.EMPLOYER}), employer_ids=frozenset({STRANGER}),
        member_network_ids=frozenset({OTHER_NET}),
    ),
    "coordinator": Actor(
        7, frozenset({Role.COORDINATOR}), coordinated_network_ids=frozenset({NET})
    ),
    "other coordinator": Actor(
        8, frozenset({Role.COORDINATOR}), coordinated_network_ids=frozenset({OTHER_NET})
    ),
}  # fmt: skip

BASE = {"id": 1, "coach_organisation_id": ORG, "home_employer_id": HOME}
RELATIONS = {
    "no consent": CandidateFacts(**BASE),
    "shared in network": CandidateFacts(**BASE, shared_network_ids=frozenset({NET})),
    "introduced to host": CandidateFacts(**BASE, introduced_employer_ids=frozenset({HOST})),
    "shared with home employer": CandidateFacts(**BASE, shared_with_home_employer=True),
    "erased": CandidateFacts(
        **BASE, shared_network_ids=frozenset({NET}), introduced_employer_ids=frozenset({HOST}),
        shared_with_home_employer=True, erased=True, closed=True,
    ),
}  # fmt: skip

NOTHING: frozenset = frozenset()
ALL = ALL_FIELD_GROUPS
# (actor, relation) -> the field groups visible. Every combination is listed.
EXPECTED = {
    ("admin", "no consent"): NOTHING,
    ("admin", "shared in network"): NOTHING,
    ("admin", "introduced to host"): NOTHING,
    ("admin", "shared with home employer"): NOTHING,
    ("admin", "erased"): NOTHING,
    ("own coach", "no consent"): ALL,
    ("own coach", "shared in network"): ALL,
    ("own coach", "introduced to host"): ALL,
    ("own coach", "shared with home employer"): ALL,
    ("own coach", "erased"): {F, T},
    ("other coach", "no consent"): NOTHING,
    ("other coach", "shared in network"): NOTHING,
    ("other coach", "introduced to host"): NOTHING,
    ("other coach", "shared with home employer"): NOTHING,
    ("other coach", "erased"): NOTHING,
    ("home contact", "no consent"): {H, T},
    ("home contact", "shared in network"): {H, T, F},
    ("home contact", "introduced to host"): {H, T},
    ("home contact", "shared with home employer"): {H, T, C},
    ("home contact", "erased"): NOTHING,
    ("host contact", "no consent"): NOTHING,
    ("host contact", "shared in network"): {F},
    ("host contact", "introduced to host"): {F, ID},
    ("host contact", "shared with home employer"): NOTHING,
    ("host contact", "erased"): NOTHING,
    ("stranger contact", "no consent"): NOTHING,
    ("stranger contact", "shared in network"): NOTHING,
    ("stranger contact", "introduced to host"): NOTHING,
    ("stranger contact", "shared with home employer"): NOTHING,
    ("stranger contact", "erased"): NOTHING,
    ("coordinator", "no consent"): NOTHING,
    ("coordinator", "shared in network"): {F, T},
    ("coordinator", "introduced to host"): NOTHING,
    ("coordinator", "shared with home employer"): NOTHING,
    ("coordinator", "erased"): NOTHING,
    ("other coordinator", "no consent"): NOTHING,
    ("other coordinator", "shared in network"): NOTHING,
    ("other coordinator", "introduced to host"): NOTHING,
    ("other coordinator", "shared with home employer"): NOTHING,
    ("other coordinator", "erased"): NOTHING,
}

CASES = [
    (actor, relation, group, group in EXPECTED[actor, relation])
    for actor in ACTORS
    for relation in RELATIONS
    for group in FieldGroup
]


def test_the_table_covers_every_role_and_relation():
    assert set(EXPECTED) == {(a, r) for a in ACTORS for r in RELATIONS}
    assert {role for a in ACTORS.values() for role in a.roles} == set(Role)


@pytest.mark.parametrize(("actor", "relation", "group", "visible"), CASES)
def test_field_group_visibility(actor, relation, group, visible):
    assert (group in visible_fields(ACTORS[actor], RELATIONS[relation])) is visible


@pytest.mark.parametrize("relation", list(RELATIONS))
@pytest.mark.parametrize("actor", list(ACTORS))
def test_protected_groups_never_leave_the_coach_organisation(actor, relation):
    """Name, full postcode, home employer and notes: only the own coach organisation; the
    identity also to an introduced host; the home employer to itself."""
    groups = visible_fields(ACTORS[actor], RELATIONS[relation])
    if actor != "own coach":
        assert N not in groups
        if actor != "home contact":
            assert H not in groups
        if (actor, relation) != ("host contact", "introduced to host"):
            assert ID not in groups


@pytest.mark.parametrize(
    ("actor", "action", "relation", "allowed"),
    [
        ("own coach", Action.CANDIDATE_EDIT, "no consent", True),
        ("own coach", Action.CANDIDATE_EDIT, "erased", False),
        ("other coach", Action.CANDIDATE_EDIT, "shared in network", False),
        ("host contact", Action.CANDIDATE_EDIT, "introduced to host", False),
        ("own coach", Action.CANDIDATE_ERASE, "no consent", False),  # still active
        ("own coach", Action.CANDIDATE_HISTORY, "no consent", True),
        ("coordinator", Action.CANDIDATE_HISTORY, "shared in network", True),
        ("coordinator", Action.CANDIDATE_HISTORY, "no consent", False),
        ("host contact", Action.CANDIDATE_HISTORY, "shared in network", False),
        ("admin", Action.CANDIDATE_HISTORY, "no consent", False),
        ("own coach", Action.CANDIDATE_SEARCH, "no consent", True),
        ("coordinator", Action.CANDIDATE_SEARCH, "shared in network", True),
        ("host contact", Action.CANDIDATE_SEARCH, "shared in network", False),
        ("own coach", Action.CANDIDATE_SEARCH, "erased", False),
    ],
)
def test_candidate_actions(actor, action, relation, allowed):
    assert can(ACTORS[actor], action, RELATIONS[relation]) is allowed


def test_closed_trajectory_can_be_erased_by_its_coach_only():
    closed = CandidateFacts(**BASE, closed=True)
    assert can(ACTORS["own coach"], Action.CANDIDATE_ERASE, closed)
    assert not can(ACTORS["other coach"], Action.CANDIDATE_ERASE, closed)
    assert not can(ACTORS["admin"], Action.CANDIDATE_ERASE, closed)


def test_lists_and_overviews():
    assert can(ACTORS["own coach"], Action.CANDIDATE_LIST)
    assert not can(Actor(9, frozenset({Role.COACH})), Action.CANDIDATE_LIST)  # no organisation
    for name in ("admin", "coordinator", "host contact"):
        assert not can(ACTORS[name], Action.CANDIDATE_LIST)
        assert not can(ACTORS[name], Action.CANDIDATE_CREATE)
    assert can(ACTORS["coordinator"], Action.CANDIDATE_NETWORK_OVERVIEW, NetworkFacts(NET))
    assert not can(ACTORS["coordinator"], Action.CANDIDATE_NETWORK_OVERVIEW, NetworkFacts(7))
    assert not can(ACTORS["admin"], Action.CANDIDATE_NETWORK_OVERVIEW, NetworkFacts(NET))


ids = st.frozensets(st.integers(1, 6), max_size=4)


@given(
    roles=st.frozensets(st.sampled_from(list(Role))),
    org=st.one_of(st.none(), st.integers(1, 3)),
    employers=ids,
    members=ids,
    coordinated=ids,
    shared=ids,
    introduced=ids,
    home_shared=st.booleans(),
    erased=st.booleans(),
)
def test_visibility_properties(
    roles, org, employers, members, coordinated, shared, introduced, home_shared, erased
):
    actor = Actor(1, roles, coordinated, employers, org, members)
    facts = CandidateFacts(1, 1, 1, shared, introduced, home_shared, erased, erased)
    groups = visible_fields(actor, facts)
    own = Role.COACH in roles and org == 1
    if not own:
        assert N not in groups  # notes never leave the coach organisation
    if erased:
        assert groups <= {F, T} and (bool(groups) is own)
    if roles == {Role.ADMIN}:
        assert groups == frozenset()
    # Without any consent, nobody outside the coach organisation finds the candidate,
    # except the home employer's own contacts (status only).
    if not (shared or introduced or home_shared) and not own:
        assert groups <= {H, T}
        assert not groups or (Role.EMPLOYER in roles and 1 in employers)
    # sees() == view permission
    assert can(actor, Action.CANDIDATE_VIEW, facts) is bool(groups)
