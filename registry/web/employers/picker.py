"""Choosing an employer from 45 or 2,000 (issue 14): a plain select sorted by the name it
shows (works without JavaScript), plus a search box whose server-side suggestions (htmx)
narrow the select's options. The suggestions come from the same list the form offers, so
they carry the same permission checks."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import login_required

from registry.domain.permissions import Action, NetworkFacts
from registry.models import Employer
from registry.services import candidates as candidate_svc
from registry.services import organisations as orgs
from registry.services import places as place_svc
from registry.web.employers import bp
from registry.web.forms import bounded_id
from registry.web.helpers import service_context

MAX_SUGGESTIONS = 50


def shown_label(employer: Employer) -> str:
    """What the picker shows: the name people know, and the KvK number to tell apart."""
    return f"{employer.name} ({employer.kvk_number})"


def sorted_choices(employers) -> list[tuple[int, str]]:
    """(id, label) sorted by the shown name, as the select lists them."""
    ordered = sorted(employers, key=lambda e: (e.name.casefold(), e.kvk_number))
    return [(e.id, shown_label(e)) for e in ordered]


def member_candidates(ctx, network_id: int) -> list[Employer]:
    """Employers that can be added to the network (not yet a member): for those who may
    manage its members, as on the network page."""
    orgs.get_network(ctx, network_id)  # 404 when unknown
    ctx.require(Action.NETWORK_EDIT, NetworkFacts(network_id))
    present = {m.employer_id for m in orgs.list_members(ctx, network_id)}
    return [e for e in orgs.list_employers(ctx) if e.id not in present]


def home_employers(ctx) -> list[Employer]:
    return [e for e, _nets in candidate_svc.home_employer_choices(ctx)]


def _matches(employer: Employer, words: list[str]) -> bool:
    text = f"{employer.legal_name} {employer.trade_name} {employer.kvk_number} {employer.town}"
    text = text.casefold()
    return all(word in text for word in words)


@bp.get("/suggest")
@login_required
def suggest():
    """The select's options for a search (an htmx fragment)."""
    ctx = service_context()
    purpose = request.args.get("for", "")
    if purpose == "member":
        network_id = bounded_id(request.args.get("network_id"))
        if network_id is None:
            abort(404)
        employers = member_candidates(ctx, network_id)
    elif purpose == "home":
        employers = home_employers(ctx)
    elif purpose == "place":
        employers = place_svc.creatable_employers(ctx)  # the place form's own choice
        if not employers:
            abort(403)
    else:
        abort(404)
    words = request.args.get("q", "")[:80].casefold().split()
    found = [e for e in employers if _matches(e, words)]
    selected = bounded_id(request.args.get("selected"))
    return render_template(
        "employers/_options.html",
        choices=sorted_choices(found)[:MAX_SUGGESTIONS],
        more=max(0, len(found) - MAX_SUGGESTIONS),
        selected=selected,
        placeholder=request.args.get("placeholder") == "1",
    )
