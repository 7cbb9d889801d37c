"""The permission matrix: every action x role x relation to the object, allowed AND denied.

``EXPECTED`` is written out by hand: per action, for every relation of its kind of
target, the roles that may. Every other (role, relation) pair is asserted to be denied.
The cases are generated from ``Action``, ``Role`` and the rules' own table
(``permissions.RULES``), so an action or role without a rule or without expectations
here fails a test instead of going untested.
"""

from __future__ import annotations

import itertools

import pytest

from registry.domain import permissions
from registry.domain.permissions import (
    NOTHING,
    Action,
    Actor,
    CandidateFacts,
    CoachOrgFacts,
    ConversationFacts,
    EmployerFacts,
    MembershipFacts,
    NetworkFacts,
    PermissionDenied,
    PlaceFacts,
    PlacementFacts,
    Role,
    WebhookOwnerFacts,
    can,
    require,
)

OWN_NET, OTHER_NET = 1, 2
OWN_EMP, OTHER_EMP, SOME_EMP, ANOTHER_EMP = 10, 20, 30, 40
OWN_ORG, OTHER_ORG = 100, 200

# One actor per role, each with its own network / employer / coach organisation, and one
# without any role. "own" in the relation names below is relative to these actors.
ACTORS = {
    Role.ADMIN: Actor(1, frozenset({Role.ADMIN})),
    Role.COORDINATOR: Actor(
        2, frozenset({Role.COORDINATOR}), coordinated_network_ids=frozenset({OWN_NET})
    ),
    Role.COACH: Actor(3, frozenset({Role.COACH}), coach_organisation_id=OWN_ORG),
    Role.EMPLOYER: Actor(
        4,
        frozenset({Role.EMPLOYER}),
        employer_ids=frozenset({OWN_EMP}),
        member_network_ids=frozenset({OWN_NET}),
    ),
}
NO_ROLE = Actor(5, frozenset())


def _candidate(org: int, home: int = SOME_EMP, **kw) -> CandidateFacts:
    return CandidateFacts(id=7, coach_organisation_id=org, home_employer_id=home, **kw)


def _place(employer: int, networks: set[int], status: str = "open", **kw) -> PlaceFacts:
    return PlaceFacts(employer_id=employer, network_ids=frozenset(networks), status=status, **kw)


_OWN_CAND = PlacementFacts(OTHER_NET, OTHER_EMP, SOME_EMP, OWN_ORG)
_HOSTED = PlacementFacts(OTHER_NET, OWN_EMP, SOME_EMP, OTHER_ORG)
_FROM_OWN = PlacementFacts(OTHER_NET, SOME_EMP, OWN_EMP, OTHER_ORG)
_IN_NET = PlacementFacts(OWN_NET, SOME_EMP, ANOTHER_EMP, OTHER_ORG)
_UNRELATED = PlacementFacts(OTHER_NET, SOME_EMP, ANOTHER_EMP, OTHER_ORG)

# Every relation an actor can have to a target, grouped by the kind of target.
RELATIONS: dict[str, dict[str, object]] = {
    "nothing": {"nothing": NOTHING},
    "network": {"own network": NetworkFacts(OWN_NET), "other network": NetworkFacts(OTHER_NET)},
    "employer": {
        "own employer": EmployerFacts(OWN_EMP, frozenset({OWN_NET})),
        "employer in own network": EmployerFacts(SOME_EMP, frozenset({OWN_NET})),
        "other employer": EmployerFacts(OTHER_EMP, frozenset({OTHER_NET})),
    },
    "membership": {
        "membership in own network": MembershipFacts(OWN_NET, OWN_EMP),
        "membership in other network": MembershipFacts(OTHER_NET, OTHER_EMP),
    },
    "coach org": {
        "own coach org": CoachOrgFacts(OWN_ORG),
        "other coach org": CoachOrgFacts(OTHER_ORG),
    },
    "place": {
        "own open place": _place(OWN_EMP, {OWN_NET}),
        "open place in own network": _place(SOME_EMP, {OWN_NET}),
        "draft in own network": _place(SOME_EMP, {OWN_NET}, "draft"),
        "place in review in own network": _place(
            SOME_EMP, {OWN_NET}, "submitted", reviewing_network_ids=frozenset({OWN_NET})
        ),
        "open place in own and other network": _place(SOME_EMP, {OWN_NET, OTHER_NET}),
        "open place elsewhere": _place(OTHER_EMP, {OTHER_NET}),
        "draft elsewhere": _place(OTHER_EMP, {OTHER_NET}, "draft"),
        "place in review elsewhere": _place(
            OTHER_EMP, {OTHER_NET}, "submitted", reviewing_network_ids=frozenset({OTHER_NET})
        ),
        "place offered to no network": _place(SOME_EMP, set(), "draft"),
    },
    "candidate": {
        "own candidate": _candidate(OWN_ORG),
        "own closed candidate": _candidate(OWN_ORG, closed=True),
        "own erased candidate": _candidate(OWN_ORG, closed=True, erased=True),
        "candidate shared in own network": _candidate(
            OTHER_ORG, shared_network_ids=frozenset({OWN_NET})
        ),
        "candidate of own employer": _candidate(OTHER_ORG, OWN_EMP),
        "candidate of own employer, details shared": _candidate(
            OTHER_ORG, OWN_EMP, shared_with_home_employer=True
        ),
        "candidate introduced to own employer": _candidate(
            OTHER_ORG, introduced_employer_ids=frozenset({OWN_EMP})
        ),
        "erased candidate shared in own network": _candidate(
            OTHER_ORG, shared_network_ids=frozenset({OWN_NET}), closed=True, erased=True
        ),
        "unrelated candidate": _candidate(OTHER_ORG, shared_network_ids=frozenset({OTHER_NET})),
    },
    "placement": {
        "placement of own candidate": PlacementFacts(OTHER_NET, OTHER_EMP, SOME_EMP, OWN_ORG),
        "placement hosted by own employer": PlacementFacts(OTHER_NET, OWN_EMP, SOME_EMP, OTHER_ORG),
        "placement from own employer": PlacementFacts(OTHER_NET, SOME_EMP, OWN_EMP, OTHER_ORG),
        "placement in own network": PlacementFacts(OWN_NET, SOME_EMP, ANOTHER_EMP, OTHER_ORG),
        "unrelated placement": PlacementFacts(OTHER_NET, SOME_EMP, ANOTHER_EMP, OTHER_ORG),
    },
    # Issue 20: a placement's conversation, calendar and attachments.
    "conversation": {
        "talk of own candidate": ConversationFacts(_OWN_CAND),
        "talk hosted by own employer": ConversationFacts(_HOSTED),
        "talk hosted by own employer, introduced": ConversationFacts(_HOSTED, introduced=True),
        "talk from own employer": ConversationFacts(_FROM_OWN, introduced=True),
        "talk in own network": ConversationFacts(_IN_NET, introduced=True),
        "talk in own network, coordinator invited": ConversationFacts(
            _IN_NET, introduced=True, coordinator_invited=True
        ),
        "unrelated talk": ConversationFacts(_UNRELATED, True, True),
    },
    "webhook owner": {
        "own coach org's endpoints": WebhookOwnerFacts("coach_organisation", OWN_ORG),
        "other coach org's endpoints": WebhookOwnerFacts("coach_organisation", OTHER_ORG),
        "own employer's endpoints": WebhookOwnerFacts("employer", OWN_EMP),
        "other employer's endpoints": WebhookOwnerFacts("employer", OTHER_EMP),
        "own network's endpoints": WebhookOwnerFacts("network", OWN_NET),
        "other network's endpoints": WebhookOwnerFacts("network", OTHER_NET),
    },
}

A, CO, CH, E = Role.ADMIN, Role.COORDINATOR, Role.COACH, Role.EMPLOYER
ALL = {A, CO, CH, E}
NONE: set[Role] = set()

_TALK_RELATIONS = list(RELATIONS["conversation"])
# Issue 20, per action the roles allowed for the relations in _TALK_RELATIONS' order: own
# candidate, hosted, hosted+introduced, from own employer, own network, own network with
# the coordinator invited, unrelated. Never the administrator as such.
_TALK: dict[Action, tuple[set[Role], ...]] = {
    Action.CONVERSATION_VIEW: ({CH}, {E}, {E}, NONE, {CO}, {CO}, NONE),
    Action.CONVERSATION_POST: ({CH}, {E}, {E}, NONE, NONE, {CO}, NONE),
    Action.CONVERSATION_INVITE: ({CH}, {E}, {E}, NONE, NONE, NONE, NONE),
    Action.MEETING_VIEW: ({CH}, {E}, {E}, NONE, NONE, NONE, NONE),
    Action.MEETING_PLAN: ({CH}, {E}, {E}, NONE, NONE, NONE, NONE),
    Action.INTRODUCTION_PLAN: ({CH}, NONE, NONE, NONE, NONE, NONE, NONE),
    # Papers name the candidate: the host once introduced, the home employer always.
    Action.ATTACHMENT_VIEW: ({CH}, NONE, {E}, {E}, NONE, NONE, NONE),
    Action.ATTACHMENT_ADD: ({CH}, NONE, {E}, {E}, NONE, NONE, NONE),
}


def _talk(roles: tuple[set[Role], ...]) -> dict[str, set[Role]]:
    assert len(roles) == len(_TALK_RELATIONS)
    return dict(zip(_TALK_RELATIONS, roles, strict=True))


# action -> {relation: roles allowed}; every relation of the action's kind is listed.
EXPECTED: dict[Action, dict[str, set[Role]]] = {
    Action.NETWORK_LIST: {"nothing": ALL},
    Action.NETWORK_VIEW: {"own network": ALL, "other network": {A, CH}},
    Action.NETWORK_CREATE: {"nothing": {A}},
    Action.API_TOKEN_MANAGE: {"nothing": {CO, CH, E}},
    Action.NETWORK_EDIT: {"own network": {A, CO}, "other network": {A}},
    Action.MEMBERSHIP_DECIDE: {
        "membership in own network": {A, CO},
        "membership in other network": {A},
    },
    Action.EMPLOYER_VIEW: {
        "own employer": ALL,
        "employer in own network": {A, CO, CH},
        "other employer": {A, CH},
    },
    Action.EMPLOYER_CREATE: {"nothing": {A}},
    Action.EMPLOYER_EDIT: {
        "own employer": {A, E},
        "employer in own network": {A},
        "other employer": {A},
    },
    Action.COACH_ORG_VIEW: {"own coach org": {A, CH}, "other coach org": {A}},
    Action.COACH_ORG_MANAGE: {"nothing": {A}},
    Action.USER_MANAGE: {"nothing": {A}},
    Action.PLACE_CREATE: {
        "own open place": {A, CO, E},
        "open place in own network": {A, CO},
        "draft in own network": {A, CO},
        "place in review in own network": {A, CO},
        "open place in own and other network": {A},
        "open place elsewhere": {A},
        "draft elsewhere": {A},
        "place in review elsewhere": {A},
        "place offered to no network": {A},
    },
    Action.PLACE_VIEW: {
        "own open place": ALL,
        "open place in own network": {A, CO, CH},
        "draft in own network": {A, CO},
        "place in review in own network": {A, CO},
        "open place in own and other network": {A, CO, CH},
        "open place elsewhere": {A, CH},
        "draft elsewhere": {A},
        "place in review elsewhere": {A},
        "place offered to no network": {A},
    },
    Action.PLACE_EDIT: {
        "own open place": {A, E},
        "open place in own network": {A},
        "draft in own network": {A},
        "place in review in own network": {A},
        "open place in own and other network": {A},
        "open place elsewhere": {A},
        "draft elsewhere": {A},
        "place in review elsewhere": {A},
        "place offered to no network": {A},
    },
    Action.PLACE_CURATE: {
        "own open place": {A, CO},
        "open place in own network": {A, CO},
        "draft in own network": {A, CO},
        "place in review in own network": {A, CO},
        "open place in own and other network": {A, CO},
        "open place elsewhere": {A},
        "draft elsewhere": {A},
        "place in review elsewhere": {A},
        "place offered to no network": {A},
    },
    Action.PLACE_REVIEW: {
        "own open place": {A},
        "open place in own network": {A},
        "draft in own network": {A},
        "place in review in own network": {A, CO},
        "open place in own and other network": {A},
        "open place elsewhere": {A},
        "draft elsewhere": {A},
        "place in review elsewhere": {A},
        "place offered to no network": {A},
    },
    Action.PLACE_HISTORY: {
        "own open place": {A, CO, E},
        "open place in own network": {A, CO},
        "draft in own network": {A, CO},
        "place in review in own network": {A, CO},
        "open place in own and other network": {A, CO},
        "open place elsewhere": {A},
        "draft elsewhere": {A},
        "place in review elsewhere": {A},
        "place offered to no network": {A},
    },
    Action.PLACE_CURATION_LIST: {"nothing": {A, CO}},
    # Never an administrator as such: candidates are not theirs to see.
    Action.PLACE_REVERSE_SEARCH: {
        "own open place": {CO, E},
        "open place in own network": {CO},
        "draft in own network": {CO},
        "place in review in own network": {CO},
        "open place in own and other network": {CO},
        "open place elsewhere": NONE,
        "draft elsewhere": NONE,
        "place in review elsewhere": NONE,
        "place offered to no network": NONE,
    },
    Action.CANDIDATE_LIST: {"nothing": {CH}},
    Action.CANDIDATE_CREATE: {"nothing": {CH}},
    Action.CANDIDATE_VIEW: {
        "own candidate": {CH},
        "own closed candidate": {CH},
        "own erased candidate": {CH},
        "candidate shared in own network": {CO, E},
        "candidate of own employer": {E},
        "candidate of own employer, details shared": {E},
        "candidate introduced to own employer": {E},
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.CANDIDATE_EDIT: {
        "own candidate": {CH},
        "own closed candidate": {CH},
        "own erased candidate": NONE,
        "candidate shared in own network": NONE,
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.CANDIDATE_CONSENT: {
        "own candidate": {CH},
        "own closed candidate": {CH},
        "own erased candidate": NONE,
        "candidate shared in own network": NONE,
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.CANDIDATE_ERASE: {
        "own candidate": NONE,
        "own closed candidate": {CH},
        "own erased candidate": NONE,
        "candidate shared in own network": NONE,
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.CANDIDATE_HISTORY: {
        "own candidate": {CH},
        "own closed candidate": {CH},
        "own erased candidate": {CH},
        "candidate shared in own network": {CO},
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.CANDIDATE_SEARCH: {
        "own candidate": {CH},
        "own closed candidate": NONE,
        "own erased candidate": NONE,
        "candidate shared in own network": {CO},
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.CANDIDATE_NETWORK_OVERVIEW: {"own network": {CO}, "other network": NONE},
    Action.PLACEMENT_PROPOSE: {
        "placement of own candidate": {CH},
        "placement hosted by own employer": NONE,
        "placement from own employer": NONE,
        "placement in own network": NONE,
        "unrelated placement": NONE,
    },
    Action.PLACEMENT_VIEW: {
        "placement of own candidate": {A, CH},
        "placement hosted by own employer": {A, E},
        "placement from own employer": {A, E},
        "placement in own network": {A, CO},
        "unrelated placement": {A},
    },
    # Administrators look, but take no step in somebody's placement.
    Action.PLACEMENT_ACT: {
        "placement of own candidate": {CH},
        "placement hosted by own employer": {E},
        "placement from own employer": {E},
        "placement in own network": {CO},
        "unrelated placement": NONE,
    },
    Action.PLACEMENT_EVALUATE: {
        "placement of own candidate": NONE,
        "placement hosted by own employer": {E},
        "placement from own employer": NONE,
        "placement in own network": NONE,
        "unrelated placement": NONE,
    },
    Action.RECIPROCITY_VIEW: {
        "own employer": {A, CO, E},
        "employer in own network": {A, CO},
        "other employer": {A},
    },
    Action.NETWORK_DASHBOARD: {"own network": {A, CO}, "other network": {A}},
    **{action: _talk(roles) for action, roles in _TALK.items()},
    # Match alerts (issue 20): the coach's own active candidates, the host's own places.
    Action.SEARCH_FOLLOW: {
        "own candidate": {CH},
        "own closed candidate": NONE,
        "own erased candidate": NONE,
        "candidate shared in own network": NONE,
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.PLACE_FOLLOW: {
        "own open place": {E},
        "open place in own network": NONE,
        "draft in own network": NONE,
        "place in review in own network": NONE,
        "open place in own and other network": NONE,
        "open place elsewhere": NONE,
        "draft elsewhere": NONE,
        "place in review elsewhere": NONE,
        "place offered to no network": NONE,
    },
    Action.ALERTS_LIST: {"nothing": {CH, E}},
    # Matchmaking rounds (issue 19): the network's coordinators; suggestions to the coach.
    Action.MATCH_ROUND_RUN: {"own network": {CO}, "other network": NONE},
    Action.MATCH_ROUND_LIST: {"nothing": {CO}},
    Action.MATCH_SUGGESTION_LIST: {"nothing": {CH}},
    Action.MATCH_SUGGESTION_ACT: {
        "own candidate": {CH},
        "own closed candidate": NONE,
        "own erased candidate": NONE,
        "candidate shared in own network": NONE,
        "candidate of own employer": NONE,
        "candidate of own employer, details shared": NONE,
        "candidate introduced to own employer": NONE,
        "erased candidate shared in own network": NONE,
        "unrelated candidate": NONE,
    },
    Action.WEBHOOK_MANAGE: {
        "own coach org's endpoints": {CH},
        "other coach org's endpoints": NONE,
        "own employer's endpoints": {E},
        "other employer's endpoints": NONE,
        "own network's endpoints": {CO},
        "other network's endpoints": NONE,
    },
}


def _kind(relation: str) -> str:
    return next(kind for kind, targets in RELATIONS.items() if relation in targets)


def _target(relation: str) -> object:
    return RELATIONS[_kind(relation)][relation]


CASES = [
    pytest.param(action, role, relation, id=f"{action}|{role}|{relation}")
    for action, relations in EXPECTED.items()
    for role, relation in itertools.product(Role, relations)
]


@pytest.mark.parametrize(("action", "role", "relation"), CASES)
def test_permission_matrix(action: Action, role: Role, relation: str):
    actor, target = ACTORS[role], _target(relation)
    expected = role in EXPECTED[action][relation]
    assert can(actor, action, target) is expected
    if expected:
        require(actor, action, target)
    else:
        with pytest.raises(PermissionDenied):
            require(actor, action, target)


@pytest.mark.parametrize(
    ("action", "relation"),
    [(action, relation) for action, relations in EXPECTED.items() for relation in relations],
)
def test_an_actor_without_a_role_may_do_nothing(action: Action, relation: str):
    assert not can(NO_ROLE, action, _target(relation))


def test_every_action_has_a_rule_and_expectations():
    assert set(permissions.RULES) == set(Action), "an action without a rule"
    assert set(EXPECTED) == set(Action), "an action without expectations in this matrix"


def test_every_role_has_an_actor():
    assert set(ACTORS) == set(Role)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_expectations_cover_every_relation_of_the_actions_kind(action: Action):
    """Each action lists all relations of exactly one kind of target, so no pair of
    (role, relation) is left out of the denied side."""
    kinds = {_kind(relation) for relation in EXPECTED[action]}
    assert len(kinds) == 1
    assert set(EXPECTED[action]) == set(RELATIONS[kinds.pop()])


def test_a_user_with_two_roles_gets_the_union():
    actor = Actor(
        9,
        frozenset({Role.COORDINATOR, Role.EMPLOYER}),
        coordinated_network_ids=frozenset({OTHER_NET}),
        employer_ids=frozenset({OWN_EMP}),
    )
    assert can(actor, Action.EMPLOYER_EDIT, _target("own employer"))
    assert can(actor, Action.MEMBERSHIP_DECIDE, _target("membership in other network"))
    assert not can(actor, Action.MEMBERSHIP_DECIDE, _target("membership in own network"))
