"""Dashboards: the employer's reciprocity page and the coordinator's network figures with
their exports. Thin views: the figures come from registry.services.dashboards, access is
decided there through the permission rules, charts are server-side SVG with the same
numbers in a table next to them."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from registry.domain.ledger import EntryKind, Unit
from registry.services import dashboards as svc
from registry.services import formatting, paging
from registry.web import charts
from registry.web.helpers import service_context
from registry.web.networks import STATUS_LABELS as MEMBERSHIP_LABELS
from registry.web.placements import OUTCOME_LABELS
from registry.web.places.labels import STATUS_LABELS as PLACE_STATUS_LABELS

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")

ENTRY_LABELS = {
    (EntryKind.START, Unit.PLACEMENTS): _l("Placement started"),
    (EntryKind.END, Unit.WEEKS): _l("Placement ended"),
    (EntryKind.REVERSAL, Unit.PLACEMENTS): _l("Correction (placements)"),
    (EntryKind.REVERSAL, Unit.WEEKS): _l("Correction (weeks)"),
}


def _period_args() -> tuple[str | None, str | None]:
    return request.args.get("from"), request.args.get("until")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.0f}%"


def _member_chart(dash: svc.NetworkDashboard):
    if not dash.members:
        return None
    givers = sum(1 for m in dash.members if m.period.balance_placements > 0)
    takers = sum(1 for m in dash.members if m.period.balance_placements < 0)
    return charts.diverging_bars(
        [charts.Datum(m.name, m.period.balance_placements) for m in dash.members],
        title=_("Reciprocity balance per member (placements)"),
        desc=_(
            "Hosted minus sent placements per employer from %(start)s to %(end)s: "
            "%(givers)s employers gave more than they took, %(takers)s took more than they "
            "gave. The table below has the same numbers.",
            start=formatting.date_long(dash.period.start),
            end=formatting.date_long(dash.period.end),
            givers=givers,
            takers=takers,
        ),
        uid="chart-balance",
        negative_caption=_("takes"),
        positive_caption=_("gives"),
    )


def _month_chart(dash: svc.NetworkDashboard):
    starts = sum(m.starts for m in dash.months)
    completions = sum(m.completions for m in dash.months)
    return charts.grouped_bars(
        [formatting.month_short(m.month) for m in dash.months],
        [
            charts.Series(_("Starts"), [m.starts for m in dash.months]),
            charts.Series(_("Completions"), [m.completions for m in dash.months]),
        ],
        title=_("Starts and completions per month"),
        desc=_(
            "%(starts)s starts and %(completions)s completions from %(start)s to %(end)s. "
            "The table below has the numbers per month.",
            starts=starts,
            completions=completions,
            start=formatting.date_long(dash.period.start),
            end=formatting.date_long(dash.period.end),
        ),
        uid="chart-months",
    )


@bp.get("/employer/<int:employer_id>")
@login_required
def employer(employer_id: int):
    dash = svc.employer_dashboard(service_context(), employer_id)
    return render_template(
        "dashboards/employer.html",
        dash=dash,
        entry_labels=ENTRY_LABELS,
        membership_labels=MEMBERSHIP_LABELS,
        place_status_labels=PLACE_STATUS_LABELS,
    )


@bp.get("/network/<int:network_id>")
@login_required
def network(network_id: int):
    start, end = _period_args()
    dash = svc.network_dashboard(service_context(), network_id, start, end)
    query = {"from": dash.period.start.isoformat(), "until": dash.period.end.isoformat()}
    number = paging.page_number(request.args, "members")
    per = paging.PAGE_SIZE
    number = min(number, max(1, -(-len(dash.members) // per)))
    members = paging.Page(
        dash.members[(number - 1) * per : number * per], number, per, len(dash.members)
    )
    return render_template(
        "dashboards/network.html",
        dash=dash,
        member_page=members,
        f=dash.figures,
        query=query,
        percent=_percent,
        member_chart=_member_chart(dash),
        month_chart=_month_chart(dash),
        outcome_labels=OUTCOME_LABELS,
        membership_labels=MEMBERSHIP_LABELS,
    )


def _download(export: svc.Export) -> Response:
    return Response(
        export.content,
        mimetype=export.mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/network/<int:network_id>/export.<any(csv, xlsx):fmt>")
@login_required
def export(network_id: int, fmt: str):
    start, end = _period_args()
    return _download(svc.export_figures(service_context(), network_id, start, end, fmt))


@bp.get("/network/<int:network_id>/research.<any(csv, xlsx):fmt>")
@login_required
def research(network_id: int, fmt: str):
    start, end = _period_args()
    return _download(svc.export_research(service_context(), network_id, start, end, fmt))
