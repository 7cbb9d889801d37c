"""Use cases for networks, employers, memberships and coach organisations."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload, selectinload

from registry.domain.geo import parse_postcode
from registry.domain.permissions import (
    Action,
    CoachOrgFacts,
    EmployerFacts,
    MembershipFacts,
    NetworkFacts,
    Role,
)
from registry.models import (
    CoachOrganisation,
    CoachOrganisationKind,
    Employer,
    Membership,
    MembershipStatus,
    Network,
    NetworkKind,
    SizeClass,
    User,
)
from registry.services import paging
from registry.services.context import Context
from registry.services.errors import NotFound, ValidationFailed

KVK_RE = re.compile(r"^[0-9]{8}$")
SBI_SECTIONS = "ABCDEFGHIJKLMNOPQRSTU"


# --- networks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkInput:
    name: str
    kind: NetworkKind
    area: str = ""
    contact_name: str = ""
    contact_email: str = ""
    review_new_places: bool = False
    freshness_days: int = 60
    reciprocity_soft_limit: int | None = None
    reciprocity_hard_limit: bool = False
    retention_months: int = 24
    # Working days a host has to answer a proposal (None: the default, 5; issue 14).
    answer_deadline_days: int | None = None


def _validate_network(session: Session, data: NetworkInput, network_id: int | None) -> None:
    errors: dict[str, list[object]] = {}
    existing = session.scalar(
        select(Network).where(func.lower(Network.name) == data.name.strip().lower())
    )
    if existing is not None and existing.id != network_id:
        errors["name"] = [_l("A network with this name already exists.")]
    if not 7 <= data.freshness_days <= 365:
        errors["freshness_days"] = [_l("Choose between 7 and 365 days.")]
    if data.answer_deadline_days is not None and not 1 <= data.answer_deadline_days <= 30:
        errors["answer_deadline_days"] = [
            _l("Answer deadline: choose from 1 to 30 working days, or leave empty for 5.")
        ]
    if not 1 <= data.retention_months <= 120:
        errors["retention_months"] = [_l("Choose between 1 and 120 months.")]
    if data.reciprocity_soft_limit is not None and not 1 <= data.reciprocity_soft_limit <= 1000:
        errors["reciprocity_soft_limit"] = [_l("Choose a number from 1 to 1000, or leave empty.")]
    if errors:
        raise ValidationFailed(errors)


def _apply_network(network: Network, data: NetworkInput) -> None:
    for name, value in data.__dict__.items():
        setattr(network, name, value.strip() if isinstance(value, str) else value)


def create_network(ctx: Context, data: NetworkInput) -> Network:
    ctx.require(Action.NETWORK_CREATE)
    _validate_network(ctx.session, data, None)
    with ctx.transaction():
        network = Network()
        _apply_network(network, data)
        ctx.session.add(network)
        ctx.session.flush()
        ctx.audit("network.created", "network", network.id, name=network.name)
    return network


def update_network(ctx: Context, network_id: int, data: NetworkInput) -> Network:
    network = get_network(ctx, network_id)
    ctx.require(Action.NETWORK_EDIT, NetworkFacts(network.id))
    _validate_network(ctx.session, data, network.id)
    with ctx.transaction():
        _apply_network(network, data)
        ctx.audit("network.updated", "network", network.id)
    return network


def get_network(ctx: Context, network_id: int) -> Network:
    network = ctx.session.get(Network, network_id)
    if network is None:
        raise NotFound(_l("This network does not exist."))
    ctx.require(Action.NETWORK_VIEW, NetworkFacts(network.id))
    return network


def list_networks(ctx: Context) -> list[Network]:
    """The networks the actor may see."""
    actor = ctx.require(Action.NETWORK_LIST)
    networks = ctx.session.scalars(select(Network).order_by(Network.name)).all()
    from registry.domain.permissions import can

    return [n for n in networks if can(actor, Action.NETWORK_VIEW, NetworkFacts(n.id))]


def list_members(ctx: Context, network_id: int) -> list[Membership]:
    network = get_network(ctx, network_id)
    return list(ctx.session.scalars(_members_query(network)))


def members_page(ctx: Context, network_id: int, page: int = 1) -> paging.Page[Membership]:
    """One page (50) of :func:`list_members` (issue 17)."""
    network = get_network(ctx, network_id)
    return paging.paginate(ctx.session, _members_query(network), page)


def member_employer_ids(ctx: Context, network_id: int) -> set[int]:
    """The employers with a membership of the network (any status), for the add form."""
    network = get_network(ctx, network_id)
    return set(
        ctx.session.scalars(
            select(Membership.employer_id).where(Membership.network_id == network.id)
        )
    )


def _members_query(network: Network):
    return (
        select(Membership)
        .where(Membership.network_id == network.id)
        .options(selectinload(Membership.employer))
        .join(Employer)
        .order_by(Employer.legal_name, Membership.id)
    )


# --- employers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerInput:
    legal_name: str
    kvk_number: str
    sbi_section: str
    size_class: SizeClass
    postcode: str
    trade_name: str = ""
    street: str = ""
    town: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""


def validate_kvk(value: str) -> str | None:
    """Return the normalised 8-digit KvK number, or None when it is not valid."""
    digits = re.sub(r"[\s.]", "", value or "")
    return digits if KVK_RE.match(digits) else None


def _validate_employer(session: Session, data: EmployerInput, employer_id: int | None) -> dict:
    errors: dict[str, list[object]] = {}
    kvk = validate_kvk(data.kvk_number)
    if kvk is None:
        errors["kvk_number"] = [_l("A KvK number has exactly 8 digits.")]
    else:
        other = session.scalar(select(Employer).where(Employer.kvk_number == kvk))
        if other is not None and other.id != employer_id:
            errors["kvk_number"] = [_l("An employer with this KvK number is already registered.")]
    postcode = parse_postcode(data.postcode, require_letters=True)
    if postcode is None:
        errors["postcode"] = [_l("Enter a Dutch postcode like 1234 AB.")]
    if data.sbi_section not in SBI_SECTIONS or len(data.sbi_section) != 1:
        errors["sbi_section"] = [_l("Choose a sector.")]
    if not data.legal_name.strip():
        errors["legal_name"] = [_l("This field is required.")]
    if errors:
        raise ValidationFailed(errors)
    return {"kvk_number": kvk, "postcode": str(postcode)}


def _apply_employer(employer: Employer, data: EmployerInput, normalised: dict) -> None:
    for name, value in data.__dict__.items():
        setattr(employer, name, value.strip() if isinstance(value, str) else value)
    for name, value in normalised.items():
        setattr(employer, name, value)


def create_employer(ctx: Context, data: EmployerInput) -> Employer:
    ctx.require(Action.EMPLOYER_CREATE)
    normalised = _validate_employer(ctx.session, data, None)
    with ctx.transaction():
        employer = Employer()
        _apply_employer(employer, data, normalised)
        ctx.session.add(employer)
        ctx.session.flush()
        ctx.audit("employer.created", "employer", employer.id, kvk=employer.kvk_number)
    return employer


def employer_facts(session: Session, employer: Employer) -> EmployerFacts:
    network_ids = session.scalars(
        select(Membership.network_id).where(Membership.employer_id == employer.id)
    )
    return EmployerFacts(employer.id, frozenset(network_ids))


def get_employer(ctx: Context, employer_id: int, action: Action = Action.EMPLOYER_VIEW) -> Employer:
    employer = ctx.session.get(Employer, employer_id)
    if employer is None:
        raise NotFound(_l("This employer does not exist."))
    ctx.require(action, employer_facts(ctx.session, employer))
    return employer


def update_employer(ctx: Context, employer_id: int, data: EmployerInput) -> Employer:
    employer = get_employer(ctx, employer_id, Action.EMPLOYER_EDIT)
    if not ctx.actor or not ctx.actor.is_(Role.ADMIN):
        # Contacts keep their own details current; registration facts stay with the admin.
        data = EmployerInput(
            **{
                **data.__dict__,
                "legal_name": employer.legal_name,
                "kvk_number": employer.kvk_number,
            }
        )
    normalised = _validate_employer(ctx.session, data, employer.id)
    with ctx.transaction():
        _apply_employer(employer, data, normalised)
        ctx.audit("employer.updated", "employer", employer.id)
    return employer


def list_employers(ctx: Context) -> list[Employer]:
    """The employers the actor may see, by name."""
    from registry.domain.permissions import can

    actor = ctx.require(Action.NETWORK_LIST)
    employers = ctx.session.scalars(
        select(Employer).options(selectinload(Employer.memberships)).order_by(Employer.legal_name)
    ).all()
    return [
        e
        for e in employers
        if can(
            actor,
            Action.EMPLOYER_VIEW,
            EmployerFacts(e.id, frozenset(m.network_id for m in e.memberships)),
        )
    ]


def employers_page(ctx: Context, page: int = 1) -> paging.Page[Employer]:
    """One page (50) of :func:`list_employers`: an administrator's in the database, anyone
    else's from the employers of their own networks (issue 17)."""
    actor = ctx.require(Action.NETWORK_LIST)
    if actor.is_(Role.ADMIN):
        query = select(Employer).order_by(Employer.legal_name, Employer.id)
        return paging.paginate(ctx.session, query, page)
    visible = list_employers(ctx)
    per = paging.PAGE_SIZE
    pages = max(1, -(-len(visible) // per))
    page = min(max(1, page), pages)
    return paging.Page(visible[(page - 1) * per : page * per], page, per, len(visible))


# --- memberships -------------------------------------------------------------------------


def add_membership(
    ctx: Context, network_id: int, employer_id: int, status: MembershipStatus
) -> Membership:
    """Register an employer in a network (as applied, or directly admitted)."""
    network = get_network(ctx, network_id)
    ctx.require(Action.MEMBERSHIP_DECIDE, MembershipFacts(network.id, employer_id))
    employer = ctx.session.get(Employer, employer_id)
    if employer is None:
        raise ValidationFailed.field("employer_id", _l("This employer does not exist."))
    existing = ctx.session.scalar(
        select(Membership).where(
            Membership.network_id == network.id, Membership.employer_id == employer.id
        )
    )
    if existing is not None:
        raise ValidationFailed.field("employer_id", _l("This employer is already in the network."))
    with ctx.transaction():
        membership = Membership(
            network=network,
            employer=employer,
            status=status,
            since=ctx.today() if status == MembershipStatus.ADMITTED else None,
        )
        ctx.session.add(membership)
        ctx.session.flush()
        ctx.audit("membership.added", "membership", membership.id, status=status)
    return membership


ALLOWED_MEMBERSHIP_MOVES = {
    MembershipStatus.APPLIED: {MembershipStatus.ADMITTED, MembershipStatus.LEFT},
    MembershipStatus.ADMITTED: {MembershipStatus.SUSPENDED, MembershipStatus.LEFT},
    MembershipStatus.SUSPENDED: {MembershipStatus.ADMITTED, MembershipStatus.LEFT},
    MembershipStatus.LEFT: {MembershipStatus.APPLIED, MembershipStatus.ADMITTED},
}


def get_membership(ctx: Context, membership_id: int) -> Membership:
    """A membership the actor may decide on (for the confirmation page)."""
    membership = ctx.session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(_l("This membership does not exist."))
    ctx.require(
        Action.MEMBERSHIP_DECIDE, MembershipFacts(membership.network_id, membership.employer_id)
    )
    return membership


def decide_membership(ctx: Context, membership_id: int, status: MembershipStatus) -> Membership:
    """Admit, suspend or end a membership."""
    membership = ctx.session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(_l("This membership does not exist."))
    ctx.require(
        Action.MEMBERSHIP_DECIDE, MembershipFacts(membership.network_id, membership.employer_id)
    )
    if status not in ALLOWED_MEMBERSHIP_MOVES[membership.status]:
        raise ValidationFailed.field("status", _l("This change of status is not possible."))
    with ctx.transaction():
        before = membership.status
        membership.status = status
        today: dt.date = ctx.today()
        if status == MembershipStatus.ADMITTED:
            membership.since = membership.since or today
            membership.until = None
        elif status == MembershipStatus.LEFT:
            membership.until = today
        ctx.audit("membership.status", "membership", membership.id, before=before, after=status)
    return membership


# --- coach organisations -----------------------------------------------------------------


@dataclass(frozen=True)
class CoachOrgInput:
    name: str
    kind: CoachOrganisationKind
    contact_email: str = ""


def create_coach_organisation(ctx: Context, data: CoachOrgInput) -> CoachOrganisation:
    ctx.require(Action.COACH_ORG_MANAGE)
    _unique_org_name(ctx, data.name, None)
    with ctx.transaction():
        org = CoachOrganisation(
            name=data.name.strip(), kind=data.kind, contact_email=data.contact_email.strip()
        )
        ctx.session.add(org)
        ctx.session.flush()
        ctx.audit("coach_org.created", "coach_organisation", org.id)
    return org


def update_coach_organisation(ctx: Context, org_id: int, data: CoachOrgInput) -> CoachOrganisation:
    org = get_coach_organisation(ctx, org_id)
    ctx.require(Action.COACH_ORG_MANAGE)
    _unique_org_name(ctx, data.name, org.id)
    with ctx.transaction():
        org.name, org.kind = data.name.strip(), data.kind
        org.contact_email = data.contact_email.strip()
        ctx.audit("coach_org.updated", "coach_organisation", org.id)
    return org


def _unique_org_name(ctx: Context, name: str, org_id: int | None) -> None:
    other = ctx.session.scalar(
        select(CoachOrganisation).where(func.lower(CoachOrganisation.name) == name.strip().lower())
    )
    if other is not None and other.id != org_id:
        raise ValidationFailed.field("name", _l("An organisation with this name already exists."))


def get_coach_organisation(ctx: Context, org_id: int) -> CoachOrganisation:
    org = ctx.session.get(CoachOrganisation, org_id)
    if org is None:
        raise NotFound(_l("This organisation does not exist."))
    ctx.require(Action.COACH_ORG_VIEW, CoachOrgFacts(org.id))
    return org


def list_coach_organisations(ctx: Context) -> list[CoachOrganisation]:
    ctx.require(Action.COACH_ORG_MANAGE)
    return list(ctx.session.scalars(select(CoachOrganisation).order_by(CoachOrganisation.name)))


def coach_organisations_page(ctx: Context, page: int = 1) -> paging.Page[CoachOrganisation]:
    """One page (50) of the coach organisations with their coaches loaded in one statement
    (the list shows how many; issue 17)."""
    ctx.require(Action.COACH_ORG_MANAGE)
    query = (
        select(CoachOrganisation)
        .order_by(CoachOrganisation.name, CoachOrganisation.id)
        .options(
            selectinload(CoachOrganisation.coaches).options(
                lazyload(User.roles), lazyload(User.coordinated_networks), lazyload(User.employers)
            )
        )
    )
    return paging.paginate(ctx.session, query, page)
