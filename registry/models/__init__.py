"""Persistence: typed SQLAlchemy 2.x models. Import every model here so Alembic sees it."""

from registry.models.accounts import User, UserRole
from registry.models.alerts import AlertPair, PlaceFollow, SearchFollow
from registry.models.api_tokens import ApiToken
from registry.models.audit import AuditEvent, OutboxMessage
from registry.models.base import Base
from registry.models.candidates import (
    Candidate,
    CapacityProfile,
    Consent,
    ConsentScope,
    ProfileSource,
    TrajectoryOutcome,
    TrajectoryStatus,
    TravelMode,
    candidate_networks,
)
from registry.models.conversations import (
    MeetingKind,
    PlacementAttachment,
    PlacementMeeting,
    PlacementMessage,
)
from registry.models.jobs import JobRun
from registry.models.matchmaking import (
    MatchRound,
    MatchSuggestion,
    RoundStatus,
    SuggestionStatus,
)
from registry.models.organisations import (
    CoachOrganisation,
    CoachOrganisationKind,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    NetworkKind,
    SizeClass,
    employer_contacts,
    network_coordinators,
)
from registry.models.placements import (
    DeliveryMode,
    LedgerEntryRecord,
    Notification,
    NotificationPreference,
    Placement,
    PlacementTransition,
)
from registry.models.places import Place, PlaceKind, PlaceStatus, place_networks
from registry.models.search import SearchVisit
from registry.models.search_generation import SearchGeneration
from registry.models.security import RecoveryCode, SignInThrottle, UserSession
from registry.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "WebhookDelivery",
    "WebhookEndpoint",
    "AlertPair",
    "PlaceFollow",
    "SearchFollow",
    "ApiToken",
    "JobRun",
    "MatchRound",
    "MatchSuggestion",
    "RoundStatus",
    "SuggestionStatus",
    "MeetingKind",
    "PlacementAttachment",
    "PlacementMeeting",
    "PlacementMessage",
    "RecoveryCode",
    "SignInThrottle",
    "UserSession",
    "SearchGeneration",
    "SearchVisit",
    "DeliveryMode",
    "LedgerEntryRecord",
    "Notification",
    "NotificationPreference",
    "Placement",
    "PlacementTransition",
    "Candidate",
    "CapacityProfile",
    "Consent",
    "ConsentScope",
    "Place",
    "PlaceKind",
    "PlaceStatus",
    "ProfileSource",
    "TrajectoryOutcome",
    "TrajectoryStatus",
    "TravelMode",
    "candidate_networks",
    "place_networks",
    "AuditEvent",
    "Base",
    "CoachOrganisation",
    "CoachOrganisationKind",
    "Employer",
    "Membership",
    "MembershipStatus",
    "Network",
    "NetworkKind",
    "OutboxMessage",
    "SizeClass",
    "User",
    "UserRole",
    "employer_contacts",
    "network_coordinators",
]
