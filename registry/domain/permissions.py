"""Who may do what: every access rule of the registry, in one place.

Pure functions over plain facts. Services build an :class:`Actor` from the logged-in
user and a small facts object for the target, then call :func:`require` before every
read or write of a protected object. Views never decide access themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COACH = "coach"
    EMPLOYER = "employer"


class Action(StrEnum):
    NETWORK_LIST = "network:list"
    NETWORK_VIEW = "network:view"
    NETWORK_CREATE = "network:create"
    NETWORK_EDIT = "network:edit"
    MEMBERSHIP_DECIDE = "membership:decide"  # admit, suspend, mark as left
    EMPLOYER_VIEW = "employer:view"
    EMPLOYER_CREATE = "employer:create"
    EMPLOYER_EDIT = "employer:edit"
    COACH_ORG_VIEW = "coach_org:view"
    COACH_ORG_MANAGE = "coach_org:manage"
    USER_MANAGE = "user:manage"


class PermissionDenied(Exception):
    """The actor may not perform this action on this object."""

    def __init__(self, action: Action, reason: str = "") -> None:
        super().__init__(f"{action}: {reason}" if reason else str(action))
        self.action = action


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    roles: frozenset[Role]
    coordinated_network_ids: frozenset[int] = frozenset()
    employer_ids: frozenset[int] = frozenset()
    coach_organisation_id: int | None = None
    # Networks in which one of the actor's employers is an admitted member.
    member_network_ids: frozenset[int] = frozenset()

    def is_(self, role: Role) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class NetworkFacts:
    id: int


@dataclass(frozen=True, slots=True)
class EmployerFacts:
    id: int
    network_ids: frozenset[int] = field(default_factory=frozenset)  # any membership status


@dataclass(frozen=True, slots=True)
class MembershipFacts:
    network_id: int
    employer_id: int


@dataclass(frozen=True, slots=True)
class CoachOrgFacts:
    id: int


@dataclass(frozen=True, slots=True)
class Nothing:
    """Target of actions that concern no single object (create, list)."""


NOTHING = Nothing()

Target = NetworkFacts | EmployerFacts | MembershipFacts | CoachOrgFacts | Nothing


def _admin(actor: Actor, _target: object) -> bool:
    return actor.is_(Role.ADMIN)


def _coordinates(actor: Actor, network_id: int) -> bool:
    return actor.is_(Role.COORDINATOR) and network_id in actor.coordinated_network_ids


def _network_list(actor: Actor, _target: Nothing) -> bool:
    return bool(actor.roles)


def _network_view(actor: Actor, target: NetworkFacts) -> bool:
    return (
        actor.is_(Role.ADMIN)
        or actor.is_(Role.COACH)
        or _coordinates(actor, target.id)
        or (actor.is_(Role.EMPLOYER) and target.id in actor.member_network_ids)
    )


def _network_edit(actor: Actor, target: NetworkFacts) -> bool:
    return actor.is_(Role.ADMIN) or _coordinates(actor, target.id)


def _membership_decide(actor: Actor, target: MembershipFacts) -> bool:
    return actor.is_(Role.ADMIN) or _coordinates(actor, target.network_id)


def _employer_view(actor: Actor, target: EmployerFacts) -> bool:
    return (
        actor.is_(Role.ADMIN)
        or actor.is_(Role.COACH)
        or (actor.is_(Role.EMPLOYER) and target.id in actor.employer_ids)
        or any(_coordinates(actor, n) for n in target.network_ids)
    )


def _employer_edit(actor: Actor, target: EmployerFacts) -> bool:
    return actor.is_(Role.ADMIN) or (actor.is_(Role.EMPLOYER) and target.id in actor.employer_ids)


def _coach_org_view(actor: Actor, target: CoachOrgFacts) -> bool:
    return actor.is_(Role.ADMIN) or (
        actor.is_(Role.COACH) and actor.coach_organisation_id == target.id
    )


RULES: dict[Action, Callable[[Actor, object], bool]] = {
    Action.NETWORK_LIST: _network_list,
    Action.NETWORK_VIEW: _network_view,
    Action.NETWORK_CREATE: _admin,
    Action.NETWORK_EDIT: _network_edit,
    Action.MEMBERSHIP_DECIDE: _membership_decide,
    Action.EMPLOYER_VIEW: _employer_view,
    Action.EMPLOYER_CREATE: _admin,
    Action.EMPLOYER_EDIT: _employer_edit,
    Action.COACH_ORG_VIEW: _coach_org_view,
    Action.COACH_ORG_MANAGE: _admin,
    Action.USER_MANAGE: _admin,
}


def can(actor: Actor, action: Action, target: Target = NOTHING) -> bool:
    """True when ``actor`` may perform ``action`` on ``target``."""
    rule = RULES[action]
    return rule(actor, target)


def require(actor: Actor, action: Action, target: Target = NOTHING) -> None:
    """Raise :class:`PermissionDenied` unless :func:`can` allows it."""
    if not can(actor, action, target):
        raise PermissionDenied(action)
