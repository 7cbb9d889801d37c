"""API: reciprocity. An employer's balance and ledger entries per network (its contacts,
and coordinators for their networks); a network's summary of givers and takers
(coordinators). Both come from the dashboards service, which decides and audits."""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.services import dashboards
from registry.web.api import Blueprint, auth, ctx, visible

blp = Blueprint("reciprocity", "/reciprocity", "Reciprocity: balances and ledger entries")


class BalanceSchema(Schema):
    hosted_placements = fields.Integer(required=True)
    sent_placements = fields.Integer(required=True)
    hosted_weeks = fields.Integer(required=True)
    sent_weeks = fields.Integer(required=True)
    balance_placements = fields.Integer(required=True)
    balance_weeks = fields.Integer(required=True)


class EntrySchema(Schema):
    posted_on = fields.Date(required=True)
    placement_id = fields.Integer(required=True)
    unit = fields.String(required=True, metadata={"description": "placements or weeks"})
    amount = fields.Integer(required=True)
    kind = fields.String(required=True)
    balance_placements = fields.Integer(required=True)
    balance_weeks = fields.Integer(required=True)


class NetworkBalanceSchema(Schema):
    network_id = fields.Integer(required=True)
    network_name = fields.String(required=True)
    balance = fields.Nested(BalanceSchema, required=True)
    warn = fields.Boolean(required=True)
    block_new_proposals = fields.Boolean(required=True)
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class EmployerReciprocitySchema(Schema):
    employer_id = fields.Integer(required=True)
    employer_name = fields.String(required=True)
    networks = fields.List(fields.Nested(NetworkBalanceSchema), required=True)


class MemberSchema(Schema):
    employer_id = fields.Integer(required=True)
    name = fields.String(required=True)
    membership = fields.String(allow_none=True)
    total = fields.Nested(BalanceSchema, required=True)
    warn = fields.Boolean(required=True)


class NetworkSummarySchema(Schema):
    network_id = fields.Integer(required=True)
    network_name = fields.String(required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    proposals = fields.Integer(required=True)
    starts = fields.Integer(required=True)
    completions = fields.Integer(required=True)
    hires = fields.Integer(required=True)
    placement_weeks = fields.Integer(required=True)
    members = fields.List(fields.Nested(MemberSchema), required=True)


def _balance(b) -> dict[str, int]:
    return {k: getattr(b, k) for k in BalanceSchema._declared_fields}


@blp.get("/employers/<int:employer_id>")
@auth("reciprocity:read")
@blp.response(200, EmployerReciprocitySchema)
def employer_reciprocity(employer_id: int):
    """The employer's balance per network with every ledger entry and the running balance."""
    dash = visible(lambda: dashboards.employer_dashboard(ctx(), employer_id))
    return {
        "employer_id": dash.employer.id,
        "employer_name": dash.employer.name,
        "networks": [
            {
                "network_id": n.network_id,
                "network_name": n.network_name,
                "balance": _balance(n.balance),
                "warn": n.verdict.warn,
                "block_new_proposals": n.verdict.block_new_proposals,
                "entries": [
                    {
                        "posted_on": line.posted_on,
                        "placement_id": line.placement_id,
                        "unit": str(line.unit),
                        "amount": line.amount,
                        "kind": str(line.kind),
                        "balance_placements": line.balance_placements,
                        "balance_weeks": line.balance_weeks,
                    }
                    for line in n.history
                ],
            }
            for n in dash.networks
        ],
    }


@blp.get("/networks/<int:network_id>")
@auth("reciprocity:read")
@blp.response(200, NetworkSummarySchema)
def network_summary(network_id: int):
    """The network's figures of the last twelve months and every member's all-time balance."""
    dash = visible(lambda: dashboards.network_dashboard(ctx(), network_id, listing=False))
    f = dash.figures
    return {
        "network_id": dash.network.id,
        "network_name": dash.network.name,
        "period_start": dash.period.start,
        "period_end": dash.period.end,
        "proposals": f.proposals,
        "starts": f.starts,
        "completions": f.completions,
        "hires": f.hires,
        "placement_weeks": f.placement_weeks,
        "members": [
            {
                "employer_id": m.employer_id,
                "name": m.name,
                "membership": str(m.membership) if m.membership else None,
                "total": _balance(m.total),
                "warn": m.verdict.warn,
            }
            for m in dash.members
        ],
    }
