"""The permission matrix: every role x action x object relation, written out by hand."""

from __future__ import annotations

import itertools

import pytest

from registry.domain.permissions import (
    NOTHING,
    Action,
    Actor,
    CoachOrgFacts,
    EmployerFacts,
    MembershipFacts,
    NetworkFacts,
    PermissionDenied,
    Role,
    can,
    require,
)

OWN_NET, OTHER_NET = 1, 2
OWN_EMP, OTHER_EMP = 10, 20
OWN_ORG, OTHER_ORG = 100, 200

ACTORS = {
    "admin": Actor(1, frozenset({Role.ADMIN})),
    "coordinator": Actor(2, frozenset({Role.COORDINATOR}), coordinated_network_ids={OWN_NET}),
    "coach": Actor(3, frozenset({Role.COACH}), coach_organisation_id=OWN_ORG),
    "employer": Actor(
        4, frozenset({Role.EMPLOYER}), employer_ids={OWN_EMP}, member_network_ids={OWN_NET}
    ),
    "nobody": Actor(5, frozenset()),
}

TARGETS = {
    "own network": NetworkFacts(OWN_NET),
    "other network": NetworkFacts(OTHER_NET),
    "own employer": EmployerFacts(OWN_EMP, frozenset({OWN_NET})),
    "employer in own network": EmployerFacts(30, frozenset({OWN_NET})),
    "other employer": EmployerFacts(OTHER_EMP, frozenset({OTHER_NET})),
    "membership in own network": MembershipFacts(OWN_NET, OWN_EMP),
    "membership in other network": MembershipFacts(OTHER_NET, OTHER_EMP),
    "own coach org": CoachOrgFacts(OWN_ORG),
    "other coach org": CoachOrgFacts(OTHER_ORG),
    "nothing": NOTHING,
}

# (action, target) -> actors allowed. Everything not listed is denied.
ALLOWED = {
    (Action.NETWORK_LIST, "nothing"): {"admin", "coordinator", "coach", "employer"},
    (Action.NETWORK_VIEW, "own network"): {"admin", "coordinator", "coach", "employer"},
    (Action.NETWORK_VIEW, "other network"): {"admin", "coach"},
    (Action.NETWORK_CREATE, "nothing"): {"admin"},
    (Action.NETWORK_EDIT, "own network"): {"admin", "coordinator"},
    (Action.NETWORK_EDIT, "other network"): {"admin"},
    (Action.MEMBERSHIP_DECIDE, "membership in own network"): {"admin", "coordinator"},
    (Action.MEMBERSHIP_DECIDE, "membership in other network"): {"admin"},
    (Action.EMPLOYER_VIEW, "own employer"): {"admin", "coordinator", "coach", "employer"},
    (Action.EMPLOYER_VIEW, "employer in own network"): {"admin", "coordinator", "coach"},
    (Action.EMPLOYER_VIEW, "other employer"): {"admin", "coach"},
    (Action.EMPLOYER_CREATE, "nothing"): {"admin"},
    (Action.EMPLOYER_EDIT, "own employer"): {"admin", "employer"},
    (Action.EMPLOYER_EDIT, "employer in own network"): {"admin"},
    (Action.EMPLOYER_EDIT, "other employer"): {"admin"},
    (Action.COACH_ORG_VIEW, "own coach org"): {"admin", "coach"},
    (Action.COACH_ORG_VIEW, "other coach org"): {"admin"},
    (Action.COACH_ORG_MANAGE, "nothing"): {"admin"},
    (Action.USER_MANAGE, "nothing"): {"admin"},
}

FOUNDATION_ACTIONS = sorted({action for action, _ in ALLOWED})


def _applicable(action: Action, target_name: str) -> bool:
    return (action, target_name) in ALLOWED


CASES = [
    (actor_name, action, target_name)
    for actor_name, action, target_name in itertools.product(ACTORS, FOUNDATION_ACTIONS, TARGETS)
    if _applicable(action, target_name)
]


@pytest.mark.parametrize(("actor_name", "action", "target_name"), CASES)
def test_permission_matrix(actor_name, action, target_name):
    expected = actor_name in ALLOWED[(action, target_name)]
    actor, target = ACTORS[actor_name], TARGETS[target_name]
    assert can(actor, action, target) is expected
    if expected:
        require(actor, action, target)
    else:
        with pytest.raises(PermissionDenied):
            require(actor, action, target)


def test_every_foundation_action_is_in_the_matrix():
    covered = {action for action, _ in ALLOWED}
    foundation = {
        Action.NETWORK_LIST,
        Action.NETWORK_VIEW,
        Action.NETWORK_CREATE,
        Action.NETWORK_EDIT,
        Action.MEMBERSHIP_DECIDE,
        Action.EMPLOYER_VIEW,
        Action.EMPLOYER_CREATE,
        Action.EMPLOYER_EDIT,
        Action.COACH_ORG_VIEW,
        Action.COACH_ORG_MANAGE,
        Action.USER_MANAGE,
    }
    assert foundation <= covered


def test_a_user_with_two_roles_gets_the_union():
    actor = Actor(
        9,
        frozenset({Role.COORDINATOR, Role.EMPLOYER}),
        coordinated_network_ids={OTHER_NET},
        employer_ids={OWN_EMP},
    )
    assert can(actor, Action.EMPLOYER_EDIT, TARGETS["own employer"])
    assert can(actor, Action.MEMBERSHIP_DECIDE, TARGETS["membership in other network"])
    assert not can(actor, Action.MEMBERSHIP_DECIDE, TARGETS["membership in own network"])
