"""Who may do what: every access rule of the registry, in one place.

Pure functions over plain facts. Services build an :class:`Actor` from the logged-in
user and a small facts object for the target, then call :func:`require` before every
read or write of a protected object. Views never decide access themselves.

Size (over 500 lines): every access rule in one place is the point of this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from registry.domain.placement import Party


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
    # Places (internships, work-experience places, secondments); target: PlaceFacts.
    PLACE_CREATE = "place:create"  # post a place for an employer, offered to networks
    PLACE_VIEW = "place:view"
    PLACE_EDIT = "place:edit"  # the host employer keeps its place current
    PLACE_CURATE = "place:curate"  # a coordinator pauses or closes a place in their network
    PLACE_REVIEW = "place:review"  # publish or send back a submitted place
    PLACE_HISTORY = "place:history"  # the audit trail of a place
    PLACE_CURATION_LIST = "place:curation_list"  # target: NOTHING
    # Reverse match search: which shared candidates fit this place (target: PlaceFacts).
    PLACE_REVERSE_SEARCH = "place:reverse_search"
    # Candidates (second-track trajectories): health-related personal data.
    CANDIDATE_LIST = "candidate:list"  # the coach's own organisation's candidates
    CANDIDATE_CREATE = "candidate:create"
    CANDIDATE_VIEW = "candidate:view"  # at least one field group is visible
    CANDIDATE_EDIT = "candidate:edit"  # data, profile, close the trajectory
    CANDIDATE_CONSENT = "candidate:consent"  # record or withdraw consent
    CANDIDATE_ERASE = "candidate:erase"
    CANDIDATE_HISTORY = "candidate:history"  # who saw what, when
    CANDIDATE_SEARCH = "candidate:search"  # use the candidate's profile to search places
    CANDIDATE_NETWORK_OVERVIEW = "candidate:network_overview"  # target: NetworkFacts
    # Placements (target: PlacementFacts) and reciprocity.
    PLACEMENT_PROPOSE = "placement:propose"
    PLACEMENT_VIEW = "placement:view"
    PLACEMENT_ACT = "placement:act"  # take a lifecycle step; the state machine decides which
    PLACEMENT_EVALUATE = "placement:evaluate"  # the host's evaluation at the end
    # The conversation, calendar and attachments of a placement (issue 20; ConversationFacts).
    CONVERSATION_VIEW = "conversation:view"
    CONVERSATION_POST = "conversation:post"
    CONVERSATION_INVITE = "conversation:invite"  # let the coordinator write
    MEETING_VIEW = "meeting:view"  # see and download the invitations
    MEETING_PLAN = "meeting:plan"  # the start and the evaluation meeting
    INTRODUCTION_PLAN = "introduction:plan"  # the introduction meeting
    ATTACHMENT_VIEW = "attachment:view"
    ATTACHMENT_ADD = "attachment:add"
    RECIPROCITY_VIEW = "reciprocity:view"  # target: EmployerFacts
    NETWORK_DASHBOARD = "network:dashboard"  # target: NetworkFacts; incl. exports
    # Partner API tokens (issue 18): a user manages their own tokens; target: NOTHING.
    API_TOKEN_MANAGE = "api_token:manage"  # noqa: S105 - an action name, not a secret
    SEARCH_FOLLOW = "search:follow"  # follow a candidate's search (match alerts, issue 20)
    PLACE_FOLLOW = "place:follow"  # follow a place: told when a fitting candidate appears
    ALERTS_LIST = "alerts:list"  # what I follow; target: NOTHING
    # Webhook endpoints of an organisation (issue 18); target: WebhookOwnerFacts.
    WEBHOOK_MANAGE = "webhook:manage"
    # Matchmaking rounds (issue 19): a coordinator runs, adjusts and approves a round of a
    # network they coordinate (target: NetworkFacts); the coach acts on the suggestions of
    # their organisation's active candidates (target: CandidateFacts).
    MATCH_ROUND_RUN = "match_round:run"
    MATCH_ROUND_LIST = "match_round:list"  # target: NOTHING
    MATCH_SUGGESTION_ACT = "match_suggestion:act"
    MATCH_SUGGESTION_LIST = "match_suggestion:list"  # target: NOTHING


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
class PlaceFacts:
    """A place for the access rules: its host employer, the networks it is offered to
    (and those of them that review new places) and its status value."""

    employer_id: int
    network_ids: frozenset[int] = frozenset()
    reviewing_network_ids: frozenset[int] = frozenset()
    status: str = "draft"
    id: int | None = None


PUBLISHED_PLACE_STATUSES = frozenset({"open", "full"})


@dataclass(frozen=True, slots=True)
class Nothing:
    """Target of actions that concern no single object (create, list)."""


NOTHING = Nothing()


@dataclass(frozen=True, slots=True)
class CandidateFacts:
    """What the rules need to know about one candidate.

    ``shared_network_ids``: networks covered by an active consent to share the
    pseudonymous profile (and searched by the candidate). ``introduced_employer_ids``:
    host employers with an active consent to a named introduction.
    ``shared_with_home_employer``: an active consent to show the capacity details to the
    home employer.
    """

    id: int
    coach_organisation_id: int
    home_employer_id: int
    shared_network_ids: frozenset[int] = frozenset()
    introduced_employer_ids: frozenset[int] = frozenset()
    shared_with_home_employer: bool = False
    erased: bool = False
    closed: bool = False


Target = (
    NetworkFacts
    | EmployerFacts
    | MembershipFacts
    | CoachOrgFacts
    | Nothing
    | CandidateFacts
    | PlaceFacts
)


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


# --- places --------------------------------------------------------------------------------


def _hosts(actor: Actor, target: PlaceFacts) -> bool:
    return actor.is_(Role.EMPLOYER) and target.employer_id in actor.employer_ids


def _coordinates_any(actor: Actor, network_ids: frozenset[int]) -> bool:
    return any(_coordinates(actor, n) for n in network_ids)


def _place_create(actor: Actor, target: PlaceFacts) -> bool:
    # A contact posts for their own employer; a coordinator (e.g. by import) offers only to
    # networks they coordinate. That the employer is admitted there is the service's check.
    if actor.is_(Role.ADMIN) or _hosts(actor, target):
        return True
    return (
        actor.is_(Role.COORDINATOR)
        and bool(target.network_ids)
        and target.network_ids <= actor.coordinated_network_ids
    )


def _place_edit(actor: Actor, target: PlaceFacts) -> bool:
    return actor.is_(Role.ADMIN) or _hosts(actor, target)


def _place_curate(actor: Actor, target: PlaceFacts) -> bool:
    return actor.is_(Role.ADMIN) or _coordinates_any(actor, target.network_ids)


def _place_review(actor: Actor, target: PlaceFacts) -> bool:
    return actor.is_(Role.ADMIN) or _coordinates_any(actor, target.reviewing_network_ids)


def _place_history(actor: Actor, target: PlaceFacts) -> bool:
    return _place_edit(actor, target) or _place_curate(actor, target)


def _place_view(actor: Actor, target: PlaceFacts) -> bool:
    # Coaches see published places (they search them); nobody else outside host and network.
    return _place_history(actor, target) or (
        actor.is_(Role.COACH) and target.status in PUBLISHED_PLACE_STATUSES
    )


def _place_curation_list(actor: Actor, _target: Nothing) -> bool:
    return actor.is_(Role.ADMIN) or actor.is_(Role.COORDINATOR)


RULES.update(
    {
        Action.PLACE_CREATE: _place_create,
        Action.PLACE_VIEW: _place_view,
        Action.PLACE_EDIT: _place_edit,
        Action.PLACE_CURATE: _place_curate,
        Action.PLACE_REVIEW: _place_review,
        Action.PLACE_HISTORY: _place_history,
        Action.PLACE_CURATION_LIST: _place_curation_list,
    }
)


def _place_reverse_search(actor: Actor, target: PlaceFacts) -> bool:
    # The host's own contacts and the coordinators of the place's networks; never an
    # administrator as such (candidates are not theirs to see).
    return _hosts(actor, target) or _coordinates_any(actor, target.network_ids)


RULES[Action.PLACE_REVERSE_SEARCH] = _place_reverse_search


def _place_follow(actor: Actor, target: PlaceFacts) -> bool:
    # The host's own contacts, while the place is not closed (match alerts, issue 20).
    return _hosts(actor, target) and target.status != "closed"


def _alerts_list(actor: Actor, _target: Nothing) -> bool:
    return actor.is_(Role.COACH) or actor.is_(Role.EMPLOYER)


RULES[Action.PLACE_FOLLOW] = _place_follow
RULES[Action.ALERTS_LIST] = _alerts_list


def _match_round_run(actor: Actor, target: NetworkFacts) -> bool:
    # Only the network's coordinators: a round reads shared candidates (never an
    # administrator as such).
    return _coordinates(actor, target.id)


def _match_round_list(actor: Actor, _target: Nothing) -> bool:
    return actor.is_(Role.COORDINATOR)


def _match_suggestion_list(actor: Actor, _target: Nothing) -> bool:
    return actor.is_(Role.COACH) and actor.coach_organisation_id is not None


RULES[Action.MATCH_ROUND_RUN] = _match_round_run
RULES[Action.MATCH_ROUND_LIST] = _match_round_list
RULES[Action.MATCH_SUGGESTION_LIST] = _match_suggestion_list


def can(actor: Actor, action: Action, target: Target = NOTHING) -> bool:
    """True when ``actor`` may perform ``action`` on ``target``."""
    rule = RULES[action]
    return rule(actor, target)


def require(actor: Actor, action: Action, target: Target = NOTHING) -> None:
    """Raise :class:`PermissionDenied` unless :func:`can` allows it."""
    if not can(actor, action, target):
        raise PermissionDenied(action)


# --- candidates: field-group visibility ----------------------------------------------------


class FieldGroup(StrEnum):
    """The groups of candidate data that visibility is decided on."""

    IDENTITY = "identity"  # names, full postcode, e-mail, phone
    HOME_EMPLOYER = "home_employer"
    NOTES = "notes"
    CAPACITY_DETAILS = "capacity_details"  # the capacity profile, band by band
    FIT_SUMMARY = "fit_summary"  # pseudonym, 4-digit area, capacity fit, clock urgency
    TRAJECTORY_STATUS = "trajectory_status"  # status, outcome, clock dates, placements


ALL_FIELD_GROUPS = frozenset(FieldGroup)


def visible_fields(actor: Actor, facts: CandidateFacts) -> frozenset[FieldGroup]:
    """The field groups of a candidate this actor may read (the union over the actor's roles).

    - a coach of the candidate's own coach organisation: everything;
    - a contact of the home employer: trajectory status and the home employer (itself),
      plus the capacity details when the coach shared them with consent;
    - a contact of an employer introduced by name (active consent): the fit summary and
      the identity;
    - a contact of an employer that is an admitted member of a network the profile is
      shared with, and a coordinator of such a network: the fit summary (coordinators also
      the trajectory status);
    - administrators and everyone else: nothing. Once erased, only the fit summary and
      the trajectory status remain, and only for the coach organisation.
    """
    groups: set[FieldGroup] = set()
    own_org = actor.is_(Role.COACH) and actor.coach_organisation_id == facts.coach_organisation_id
    if facts.erased:
        if own_org:
            groups |= {FieldGroup.FIT_SUMMARY, FieldGroup.TRAJECTORY_STATUS}
        return frozenset(groups)
    if own_org:
        return ALL_FIELD_GROUPS
    if actor.is_(Role.EMPLOYER):
        if facts.home_employer_id in actor.employer_ids:
            groups |= {FieldGroup.TRAJECTORY_STATUS, FieldGroup.HOME_EMPLOYER}
            if facts.shared_with_home_employer:
                groups.add(FieldGroup.CAPACITY_DETAILS)
        if actor.employer_ids & facts.introduced_employer_ids:
            groups |= {FieldGroup.FIT_SUMMARY, FieldGroup.IDENTITY}
        if actor.member_network_ids & facts.shared_network_ids:
            groups.add(FieldGroup.FIT_SUMMARY)
    if actor.is_(Role.COORDINATOR) and actor.coordinated_network_ids & facts.shared_network_ids:
        groups |= {FieldGroup.FIT_SUMMARY, FieldGroup.TRAJECTORY_STATUS}
    return frozenset(groups)


def _own_candidate(actor: Actor, target: CandidateFacts) -> bool:
    return (
        isinstance(target, CandidateFacts)
        and actor.is_(Role.COACH)
        and actor.coach_organisation_id is not None
        and actor.coach_organisation_id == target.coach_organisation_id
    )


def _candidate_list(actor: Actor, _target: object) -> bool:
    return actor.is_(Role.COACH) and actor.coach_organisation_id is not None


def _candidate_view(actor: Actor, target: CandidateFacts) -> bool:
    return bool(visible_fields(actor, target))


def _candidate_edit(actor: Actor, target: CandidateFacts) -> bool:
    return _own_candidate(actor, target) and not target.erased


def _candidate_erase(actor: Actor, target: CandidateFacts) -> bool:
    return _own_candidate(actor, target) and target.closed and not target.erased


def _candidate_history(actor: Actor, target: CandidateFacts) -> bool:
    return _own_candidate(actor, target) or (
        actor.is_(Role.COORDINATOR)
        and bool(actor.coordinated_network_ids & target.shared_network_ids)
        and not target.erased
    )


def _candidate_search(actor: Actor, target: CandidateFacts) -> bool:
    if target.erased or target.closed:
        return False
    return _own_candidate(actor, target) or (
        actor.is_(Role.COORDINATOR)
        and bool(actor.coordinated_network_ids & target.shared_network_ids)
    )


def _candidate_network_overview(actor: Actor, target: NetworkFacts) -> bool:
    return _coordinates(actor, target.id)


RULES.update(
    {
        Action.CANDIDATE_LIST: _candidate_list,
        Action.CANDIDATE_CREATE: _candidate_list,
        Action.CANDIDATE_VIEW: _candidate_view,
        Action.CANDIDATE_EDIT: _candidate_edit,
        Action.CANDIDATE_CONSENT: _candidate_edit,
        Action.CANDIDATE_ERASE: _candidate_erase,
        Action.CANDIDATE_HISTORY: _candidate_history,
        Action.CANDIDATE_SEARCH: _candidate_search,
        Action.CANDIDATE_NETWORK_OVERVIEW: _candidate_network_overview,
    }
)


def _search_follow(actor: Actor, target: CandidateFacts) -> bool:
    # Only the coach's own organisation follows a candidate's search, while it is active.
    return not (target.erased or target.closed) and _own_candidate(actor, target)


RULES[Action.SEARCH_FOLLOW] = _search_follow
# A round's suggestion: the same rule, the coach's own active candidates (issue 19).
RULES[Action.MATCH_SUGGESTION_ACT] = _search_follow


# --- placements -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlacementFacts:
    """Who is involved in one placement (or in a proposal about to be made)."""

    network_id: int
    host_employer_id: int
    home_employer_id: int
    coach_organisation_id: int


def placement_parties(actor: Actor, target: PlacementFacts) -> frozenset[Party]:
    """The parties (see registry.domain.placement) in which ``actor`` acts on ``target``."""
    parties: set[Party] = set()
    if actor.is_(Role.COACH) and actor.coach_organisation_id == target.coach_organisation_id:
        parties.add(Party.COACH)
    if actor.is_(Role.EMPLOYER) and target.host_employer_id in actor.employer_ids:
        parties.add(Party.HOST)
    if actor.is_(Role.EMPLOYER) and target.home_employer_id in actor.employer_ids:
        parties.add(Party.HOME)
    if _coordinates(actor, target.network_id):
        parties.add(Party.COORDINATOR)
    if actor.is_(Role.ADMIN):
        parties.add(Party.ADMIN)
    return frozenset(parties)


def home_employer_visible(parties: frozenset[Party], *, introduced: bool) -> bool:
    """May someone acting in ``parties`` learn the candidate's home employer on a placement?

    The one rule every surface asks (placement page, inbox, PDFs, exports, notifications):
    the coach and the home employer itself always; the host and the network coordinator
    only once the candidate consented to the introduction to the host (issue 12);
    everyone else (the administrator included) never.
    """
    if parties & {Party.COACH, Party.HOME}:
        return True
    if parties & {Party.HOST, Party.COORDINATOR}:
        return introduced
    return False


def _placement_propose(actor: Actor, target: PlacementFacts) -> bool:
    return Party.COACH in placement_parties(actor, target)


def _placement_view(actor: Actor, target: PlacementFacts) -> bool:
    return bool(placement_parties(actor, target))


def _placement_act(actor: Actor, target: PlacementFacts) -> bool:
    return bool(placement_parties(actor, target) - {Party.ADMIN})


def _placement_evaluate(actor: Actor, target: PlacementFacts) -> bool:
    return Party.HOST in placement_parties(actor, target)


@dataclass(frozen=True, slots=True)
class ConversationFacts:
    """A placement as its conversation, calendar and attachments see it: the parties, whether
    the candidate was introduced to the host, and whether the coordinator was invited."""

    placement: PlacementFacts
    introduced: bool = False
    coordinator_invited: bool = False


def _talk_parties(actor: Actor, target: ConversationFacts) -> frozenset[Party]:
    return placement_parties(actor, target.placement)


def _conversation_view(actor: Actor, target: ConversationFacts) -> bool:
    # Coach and host talk; the network's coordinator reads along. Not the home employer,
    # nor the administrator as such.
    return bool(_talk_parties(actor, target) & {Party.COACH, Party.HOST, Party.COORDINATOR})


def _conversation_post(actor: Actor, target: ConversationFacts) -> bool:
    parties = _talk_parties(actor, target)
    if parties & {Party.COACH, Party.HOST}:
        return True
    return Party.COORDINATOR in parties and target.coordinator_invited


def _coach_or_host(actor: Actor, target: ConversationFacts) -> bool:
    return bool(_talk_parties(actor, target) & {Party.COACH, Party.HOST})


def _introduction_plan(actor: Actor, target: ConversationFacts) -> bool:
    return Party.COACH in _talk_parties(actor, target)


def _attachment_view(actor: Actor, target: ConversationFacts) -> bool:
    # Papers name the candidate: the host sees them once introduced; the home employer
    # (a party to the agreement) always; coordinators and administrators never.
    parties = _talk_parties(actor, target)
    if parties & {Party.COACH, Party.HOME}:
        return True
    return Party.HOST in parties and target.introduced


RULES.update(
    {
        Action.CONVERSATION_VIEW: _conversation_view,
        Action.CONVERSATION_POST: _conversation_post,
        Action.CONVERSATION_INVITE: _coach_or_host,
        Action.MEETING_VIEW: _coach_or_host,
        Action.MEETING_PLAN: _coach_or_host,
        Action.INTRODUCTION_PLAN: _introduction_plan,
        Action.ATTACHMENT_VIEW: _attachment_view,
        Action.ATTACHMENT_ADD: _attachment_view,
    }
)


def _reciprocity_view(actor: Actor, target: EmployerFacts) -> bool:
    return (
        actor.is_(Role.ADMIN)
        or (actor.is_(Role.EMPLOYER) and target.id in actor.employer_ids)
        or any(_coordinates(actor, n) for n in target.network_ids)
    )


def _network_dashboard(actor: Actor, target: NetworkFacts) -> bool:
    return actor.is_(Role.ADMIN) or _coordinates(actor, target.id)


RULES.update(
    {
        Action.PLACEMENT_PROPOSE: _placement_propose,
        Action.PLACEMENT_VIEW: _placement_view,
        Action.PLACEMENT_ACT: _placement_act,
        Action.PLACEMENT_EVALUATE: _placement_evaluate,
        Action.RECIPROCITY_VIEW: _reciprocity_view,
        Action.NETWORK_DASHBOARD: _network_dashboard,
    }
)


# --- webhook endpoints (issue 18) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookOwnerFacts:
    """The organisation that owns a webhook endpoint: ``kind`` is ``coach_organisation``,
    ``employer`` or ``network`` (registry.domain.webhooks.OwnerKind), ``id`` its id."""

    kind: str
    id: int


def _webhook_manage(actor: Actor, target: WebhookOwnerFacts) -> bool:
    # An organisation's own users with the matching role: a coach for their coach
    # organisation, a contact for their employer, a coordinator for their network. Not the
    # administrator: events carry what the organisation's pages show, nobody else's.
    if target.kind == "coach_organisation":
        return actor.is_(Role.COACH) and actor.coach_organisation_id == target.id
    if target.kind == "employer":
        return actor.is_(Role.EMPLOYER) and target.id in actor.employer_ids
    if target.kind == "network":
        return _coordinates(actor, target.id)
    return False


RULES[Action.WEBHOOK_MANAGE] = _webhook_manage


# --- partner API tokens (issue 18) ----------------------------------------------------------


def _api_token_manage(actor: Actor, _target: Nothing) -> bool:
    # Coordinators, coaches and employer contacts connect their own systems; a token acts
    # as its creator (never more), so an administrator's all-seeing rights stay in the app.
    return bool(actor.roles & {Role.COORDINATOR, Role.COACH, Role.EMPLOYER})


RULES[Action.API_TOKEN_MANAGE] = _api_token_manage
