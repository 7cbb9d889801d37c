"""Dashboards service: the employer's and the coordinator's figures, exports, access."""

from __future__ import annotations

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.domain import statistics as stats
from registry.domain.ledger import Balance
from registry.domain.permissions import Role
from registry.domain.placement import Outcome, Status
from registry.models import AuditEvent, Consent, ConsentScope, Placement
from registry.models.base import utcnow
from registry.services import dashboards as svc
from registry.services import ledger as ledger_service
from registry.services import placements as placements_svc
from registry.services.errors import NotFound, PermissionDenied
from tests import factories
from tests.services.test_placement_support import candidate, place, proposal, ready_to_start


@pytest.fixture(autouse=True)
def _request_context(app):
    """Service messages and export headers are translated per request: use English."""
    from flask import session as http_session

    with app.test_request_context():
        http_session["lang"] = "en"
        yield


TODAY = dt.date.today()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def scenario(session, world, make_ctx) -> SimpleNamespace:
    """Network A with three members and placements in every state (see the figures below).

    In the default period (the last twelve months):

    =====  =========  ======  ==========================================================
    cand   home       place   what happened
    =====  =========  ======  ==========================================================
    c1     emp_ab     pa      started 70 days ago, completed today: hired, 10 weeks
    c2     emp_c      pa      started 28 days ago, ended early today, 4 weeks
    c3     emp_c      pab     started 13 days ago, running
    c4     emp_a      pa      self-placement: started 21 days ago, completed, 3 weeks
    c5     emp_ab     pc      declined by the host
    c6     emp_a      pab     withdrawn by the coach
    c7     emp_ab     pa      proposed, awaiting an answer
    c8     emp_c      pa      accepted, then cancelled
    c9     emp_ab     pc      long ago: proposed 520 days ago, started 500, ended 395
    =====  =========  ======  ==========================================================
    """
    emp_c = factories.employer(session, [world.net_a], legal_name="Derde Werkgever B.V.")
    contact_c = factories.user(
        session, Role.EMPLOYER, email="contact.c@example.nl", employers=[emp_c]
    )
    contact_ab = factories.user(
        session, Role.EMPLOYER, email="contact.ab@example.nl", employers=[world.emp_ab]
    )
    pa = place(session, world.emp_a, [world.net_a], slots=5, title="Plek A")
    pab = place(session, world.emp_ab, [world.net_a], slots=5, title="Plek AB")
    pc = place(session, emp_c, [world.net_a], slots=2, title="Plek C")
    homes = [world.emp_ab, emp_c, emp_c, world.emp_a, world.emp_ab, world.emp_a]
    homes += [world.emp_ab, emp_c, world.emp_ab]
    cands = [candidate(session, world.org, home, [world.net_a]) for home in homes]
    c1, c2, c3, c4, c5, c6, c7, c8, c9 = cands
    c9.first_sick_day = days_ago(600)
    session.commit()

    coach, host_a = make_ctx(world.coach), make_ctx(world.contact_a)
    host_c = make_ctx(contact_c)

    p9 = proposal(make_ctx, world.coach, c9, pc)
    ready_to_start(make_ctx, contact_c, world.coach, p9, days_ago(500))
    placements_svc.start(coach, p9.id, on=days_ago(500))
    placements_svc.complete(host_c, p9.id, "no_follow_up", on=days_ago(395))

    p1 = proposal(make_ctx, world.coach, c1, pa)
    ready_to_start(make_ctx, world.contact_a, world.coach, p1, days_ago(70))
    placements_svc.start(coach, p1.id, on=days_ago(70))
    placements_svc.complete(host_a, p1.id, "hired")
    p2 = proposal(make_ctx, world.coach, c2, pa)
    ready_to_start(make_ctx, world.contact_a, world.coach, p2, days_ago(28))
    placements_svc.start(coach, p2.id, on=days_ago(28))
    placements_svc.end_early(coach, p2.id, "workload_too_high")
    p3 = proposal(make_ctx, world.coach, c3, pab)
    ready_to_start(make_ctx, contact_ab, world.coach, p3, days_ago(13))
    placements_svc.start(coach, p3.id, on=days_ago(13))
    # c4's self-placement dates from before the second-track rule refused proposals to
    # the home employer: made as such a record was, then the figures must still hold.
    c4.home_employer_id = emp_c.id
    session.commit()
    p4 = proposal(make_ctx, world.coach, c4, pa)
    c4.home_employer_id = p4.home_employer_id = world.emp_a.id
    session.commit()
    ready_to_start(make_ctx, world.contact_a, world.coach, p4, days_ago(21))
    placements_svc.start(coach, p4.id, on=days_ago(21))
    placements_svc.complete(host_a, p4.id, "returned_home")
    p5 = proposal(make_ctx, world.coach, c5, pc)
    placements_svc.decline(host_c, p5.id, "no_capacity")
    p6 = proposal(make_ctx, world.coach, c6, pab)
    placements_svc.withdraw(coach, p6.id)
    p7 = proposal(make_ctx, world.coach, c7, pa)
    p8 = proposal(make_ctx, world.coach, c8, pa)
    placements_svc.accept(host_a, p8.id)
    placements_svc.cancel(coach, p8.id)

    # Backdate what the services stamp with "now" (registration, the old proposal).
    p9.proposed_at = utcnow() - dt.timedelta(days=520)
    for cand, registered in ((c1, 101), (c2, 41), (c4, 31), (c9, 550)):
        cand.created_at = utcnow() - dt.timedelta(days=registered)
    # c3 was registered today, after its start: backfilled, left out of the median.
    c3.profiles[0].review_on = days_ago(1)  # a stale profile
    for cand in (c1, c2):  # shared within network A: visible to its coordinator
        session.add(
            Consent(
                candidate_id=cand.id,
                scope=ConsentScope.SHARE_PROFILE,
                network_ids=[world.net_a.id],
                given_on=TODAY,
            )
        )
    pc.last_confirmed_at = utcnow() - dt.timedelta(days=90)  # freshness 60: stale
    pa.last_confirmed_at = pab.last_confirmed_at = utcnow()
    world.net_a.reciprocity_soft_limit = 1
    session.commit()
    return SimpleNamespace(
        emp_c=emp_c,
        contact_c=contact_c,
        contact_ab=contact_ab,
        places=(pa, pab, pc),
        cands=cands,
        placements=(p1, p2, p3, p4, p5, p6, p7, p8, p9),
    )


@pytest.fixture
def sc(session, world, make_ctx):
    return scenario(session, world, make_ctx)


# --------------------------------------------------------------------------- network


def test_network_figures_for_the_default_period(session, world, make_ctx, sc):
    dash = svc.network_dashboard(make_ctx(world.coordinator_a), world.net_a.id)
    assert dash.period == stats.default_period(TODAY)
    f = dash.figures
    assert (f.proposals, f.accepted, f.declined, f.withdrawn, f.awaiting_answer) == (8, 5, 1, 1, 1)
    assert f.acceptance_rate == pytest.approx(5 / 6)
    assert (f.starts, f.completions, f.ended_early, f.hires) == (4, 2, 1, 1)
    assert f.outcomes == {
        Outcome.HIRED: 1,
        Outcome.SECONDMENT_CONTINUED: 0,
        Outcome.RETURNED_HOME: 1,
        Outcome.NO_FOLLOW_UP: 0,
    }
    assert f.placement_weeks == 10 + 4 + 3
    assert f.transfers_started == 3
    assert (f.median_days_to_first_start, f.first_starts_counted) == (13, 3)
    assert (f.open_places, f.full_places, f.free_slots) == (3, 0, 5 + 4 + 2)
    assert f.stale_listings == 1
    assert [(s.title, s.days_overdue) for s in dash.stale_listings] == [("Plek C", 30)]
    assert (f.active_candidates, f.stale_profiles) == (9, 1)
    assert sum(m.proposals for m in dash.months) == 8
    assert sum(m.starts for m in dash.months) == 4
    assert sum(m.completions for m in dash.months) == 2
    assert len(dash.months) == 12


def test_givers_and_takers_sorted_with_policy_flags(session, world, make_ctx, sc):
    dash = svc.network_dashboard(make_ctx(world.coordinator_a), world.net_a.id)
    rows = {m.employer_id: m for m in dash.members}
    assert [m.employer_id for m in dash.members] == [world.emp_a.id, world.emp_ab.id, sc.emp_c.id]
    assert rows[world.emp_a.id].period == Balance(2, 0, 14, 0)
    assert rows[world.emp_ab.id].period == Balance(1, 1, 0, 10)
    assert rows[sc.emp_c.id].period == Balance(0, 2, 0, 4)
    # All time (the stored ledger) also holds c9's placement of long ago.
    assert rows[sc.emp_c.id].total == Balance(1, 2, 15, 4)
    assert rows[world.emp_ab.id].total == Balance(1, 2, 0, 25)
    assert [m.employer_id for m in dash.warnings] == [world.emp_ab.id, sc.emp_c.id]
    assert not rows[world.emp_a.id].verdict.warn
    # Double entry: in every period the hosted and sent sides are equal.
    assert sum(m.period.hosted_placements for m in dash.members) == sum(
        m.period.sent_placements for m in dash.members
    )
    assert sum(m.period.hosted_weeks for m in dash.members) == sum(
        m.period.sent_weeks for m in dash.members
    )


def test_a_period_covering_everything_equals_the_ledger(session, world, make_ctx, sc):
    dash = svc.network_dashboard(
        make_ctx(world.coordinator_a), world.net_a.id, days_ago(800), TODAY
    )
    assert {m.employer_id: m.period for m in dash.members} == {
        m.employer_id: m.total for m in dash.members
    }
    stored = ledger_service.balances(session, world.net_a.id)
    assert {eid: b for (_n, eid), b in stored.items()} == {
        m.employer_id: m.total for m in dash.members if m.total != Balance()
    }
    assert ledger_service.check(session) == []
    assert (dash.figures.proposals, dash.figures.starts, dash.figures.completions) == (9, 5, 3)


def test_an_earlier_period_shows_only_the_old_placement(session, world, make_ctx, sc):
    dash = svc.network_dashboard(
        make_ctx(world.admin), world.net_a.id, days_ago(530).isoformat(), days_ago(380)
    )
    f = dash.figures
    assert (f.proposals, f.starts, f.completions, f.hires, f.placement_weeks) == (1, 1, 1, 0, 15)
    assert f.acceptance_rate == 1.0
    assert (f.median_days_to_first_start, f.first_starts_counted) == (50, 1)
    rows = {m.employer_id: m.period for m in dash.members}
    assert rows[sc.emp_c.id] == Balance(1, 0, 15, 0)
    assert rows[world.emp_a.id] == Balance()


def test_candidates_by_urgency_respect_consent_and_are_audited(session, world, make_ctx, sc):
    c1, c2 = sc.cands[0], sc.cands[1]
    dash = svc.network_dashboard(make_ctx(world.coordinator_a), world.net_a.id)
    assert {c.pseudonym for c in dash.candidates} == {c1.pseudonym, c2.pseudonym}
    assert dash.hidden_candidates == 7
    assert all(c.weeks_left == 104 - c.week for c in dash.candidates)
    listed = session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "candidate.listed")
    ).all()
    assert sorted(listed) == sorted([c1.id, c2.id])
    # The administrator sees the figures, never candidates.
    admin = svc.network_dashboard(make_ctx(world.admin), world.net_a.id)
    assert admin.candidates == [] and admin.hidden_candidates == 9
    assert admin.figures == dash.figures


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-02-30", None), ("yesterday", None), (None, "31-12-2026"), ("2026-05-02", "2026-05-01")],
)
def test_bad_periods_are_refused_with_a_message(session, world, make_ctx, start, end):
    with pytest.raises(svc.BadPeriod) as info:
        svc.network_dashboard(make_ctx(world.coordinator_a), world.net_a.id, start, end)
    assert info.value.status == 400
    assert str(info.value.message)


@pytest.mark.parametrize("who", ["coordinator_b", "contact_a", "coach", None])
def test_network_dashboard_is_for_its_coordinators_and_admins(session, world, make_ctx, who):
    ctx = make_ctx(getattr(world, who) if who else None)
    with pytest.raises(PermissionDenied):
        svc.network_dashboard(ctx, world.net_a.id)
    with pytest.raises(PermissionDenied):  # access is checked before the dates are read
        svc.network_dashboard(ctx, world.net_a.id, "nonsense")
    with pytest.raises(PermissionDenied):
        svc.export_research(ctx, world.net_a.id)


def test_unknown_network_is_not_found(session, world, make_ctx):
    for network_id in (999_999, 0, 2**40):
        with pytest.raises(NotFound):
            svc.network_dashboard(make_ctx(world.admin), network_id)


# --------------------------------------------------------------------------- exports


def _csv_tables(content: bytes) -> list[list[list[str]]]:
    text = content.decode("utf-8-sig")
    blocks, current = [], []
    delimiter = ";" if ";" in text.splitlines()[1] else ","  # Dutch ; English , (issue 15)
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        if not row:
            blocks.append(current)
            current = []
        else:
            current.append(row)
    blocks.append(current)
    return blocks


def test_figures_export_csv_and_xlsx_hold_the_dashboard_numbers(session, world, make_ctx, sc):
    ctx = make_ctx(world.coordinator_a)
    dash = svc.network_dashboard(ctx, world.net_a.id)
    export = svc.export_figures(ctx, world.net_a.id, fmt="csv")
    assert export.filename.endswith(".csv") and export.mimetype.startswith("text/csv")
    summary, members, months = _csv_tables(export.content)
    figures = {row[0]: row[1] for row in summary[2:]}
    assert figures["Proposals"] == "8"
    assert figures["Hires"] == "1"
    assert figures["Acceptance rate (%)"] == "83.3"
    assert figures["Placement-weeks ended"] == "17"
    assert [row[0] for row in members[2:]] == [m.name for m in dash.members]
    assert [row[6] for row in members[2:]] == [
        str(m.period.balance_placements) for m in dash.members
    ]
    assert sum(int(row[2]) for row in months[2:]) == 4

    xlsx = svc.export_figures(ctx, world.net_a.id, fmt="xlsx")
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Figures", "Givers and takers", "Per month"]
    values = {r[0]: r[1] for r in book["Figures"].iter_rows(min_row=2, values_only=True)}
    assert values["Starts"] == 4 and values["Completions"] == 2
    sheet = list(book["Givers and takers"].iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in sheet] == [m.period.hosted_placements for m in dash.members]
    exported = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "dashboard.exported")
    ).all()
    assert [(e.detail["export"], e.detail["format"]) for e in exported] == [
        ("figures", "csv"),
        ("figures", "xlsx"),
    ]


def test_formula_like_names_are_neutralised(session, world, make_ctx):
    world.emp_a.legal_name = '=HYPERLINK("http://x")'
    session.commit()
    content = svc.export_figures(make_ctx(world.admin), world.net_a.id).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in content
    assert ";=HYPERLINK" not in content and "\n=HYPERLINK" not in content


def test_research_export_is_anonymous_and_its_totals_equal_the_dashboard(
    session, world, make_ctx, sc
):
    ctx = make_ctx(world.coordinator_a)
    dash = svc.network_dashboard(ctx, world.net_a.id, listing=False)  # as the export reads it
    rows = svc.research_rows(dash)
    assert len(rows) == 8  # c1..c8; c9 has no event in the period
    totals = svc.research_totals(rows)
    f = dash.figures
    assert totals == svc.ResearchTotals(
        proposals=f.proposals,
        accepted=f.accepted,
        declined=f.declined,
        starts=f.starts,
        completions=f.completions,
        ended_early=f.ended_early,
        hires=f.hires,
        placement_weeks=f.placement_weeks,
        transfers_started=f.transfers_started,
        transfer_weeks=sum(m.period.hosted_weeks for m in dash.members),
    )
    assert totals.transfers_started == sum(m.period.hosted_placements for m in dash.members)
    assert totals.transfer_weeks == sum(m.period.sent_weeks for m in dash.members)

    hired = next(r for r in rows if r.outcome == "hired")
    c1 = sc.cands[0]
    assert hired.start_week == (days_ago(69) - c1.first_sick_day).days // 7 + 1
    assert hired.end_week == (TODAY - c1.first_sick_day).days // 7 + 1
    assert hired.placement_weeks == 10
    assert hired.kind == "stage" and hired.sector == "" and hired.transfer is True
    assert hired.distance_band == "0-5 km"
    assert sum(not r.transfer for r in rows) == 1  # c4, the self-placement

    export = svc.export_research(ctx, world.net_a.id, fmt="csv")
    text = export.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text else ","))
    assert table[0] == svc.RESEARCH_COLUMNS
    assert len(table) == 9
    refs = [row[0] for row in table[1:]]
    assert len(set(refs)) == 8
    ids = {str(p.id) for p in sc.placements} | {str(c.id) for c in sc.cands}
    assert not set(refs) & ids
    forbidden = [c.pseudonym for c in sc.cands] + [c.family_name for c in sc.cands]
    forbidden += [c.postcode for c in sc.cands] + ["3511 AB", "Goede match"]
    forbidden += [world.emp_a.name, world.emp_ab.name, sc.emp_c.name, "Plek A", "Utrecht"]
    for word in forbidden:
        assert word not in text, word
    assert "-" not in "".join(row[9] + row[10] + row[11] for row in table[1:])  # weeks, no dates
    # A second export gets fresh references.
    again = svc.export_research(ctx, world.net_a.id, fmt="csv").content.decode("utf-8-sig")
    again_rows = csv.reader(io.StringIO(again), delimiter=";" if ";" in again else ",")
    again_refs = [row[0] for row in list(again_rows)[1:]]
    assert not set(refs) & set(again_refs)

    xlsx = svc.export_research(ctx, world.net_a.id, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    data = list(sheet.iter_rows(values_only=True))
    assert list(data[0]) == svc.RESEARCH_COLUMNS
    col = {name: i for i, name in enumerate(svc.RESEARCH_COLUMNS)}
    assert sum(r[col["started_in_period"]] for r in data[1:]) == f.starts
    assert sum(r[col["placement_weeks"]] or 0 for r in data[1:] if r[col["ended_in_period"]]) == 17


def test_research_totals_follow_any_period(session, world, make_ctx, sc):
    ctx = make_ctx(world.admin)
    for start, end in ((days_ago(800), TODAY), (days_ago(30), days_ago(10)), (TODAY, TODAY)):
        dash = svc.network_dashboard(ctx, world.net_a.id, start, end, listing=False)
        totals = svc.research_totals(svc.research_rows(dash))
        f = dash.figures
        assert (totals.proposals, totals.starts, totals.completions, totals.hires) == (
            f.proposals,
            f.starts,
            f.completions,
            f.hires,
        )
        assert totals.placement_weeks == f.placement_weeks
        assert totals.transfer_weeks == sum(m.period.hosted_weeks for m in dash.members)


def test_unknown_export_format_is_not_found(session, world, make_ctx):
    with pytest.raises(NotFound):
        svc.export_figures(make_ctx(world.admin), world.net_a.id, fmt="pdf")


# --------------------------------------------------------------------------- employer


def test_employer_dashboard_of_the_host(session, world, make_ctx, sc):
    p1, p2, p3, p4, p5, p6, p7, p8, p9 = sc.placements
    dash = svc.employer_dashboard(make_ctx(world.contact_a), world.emp_a.id)
    assert dash.limited is False
    assert [p.title for p in dash.places] == ["Plek A"]
    assert [line.placement_id for line in dash.places[0].open_proposals] == [p7.id]
    assert dash.places[0].open_proposals[0].pseudonym == sc.cands[6].pseudonym
    assert {line.placement_id: line.status for line in dash.own_placements} == {
        p4.id: Status.COMPLETED,
        p6.id: Status.WITHDRAWN,
    }
    (net,) = dash.networks
    assert net.network_id == world.net_a.id
    assert net.balance == Balance(2, 0, 14, 0)
    assert not net.verdict.warn and dash.warnings == []
    assert [(h.balance_placements, h.balance_weeks) for h in net.history] == [
        (1, 0),
        (2, 0),
        (2, 10),
        (2, 14),
    ]


def test_employer_dashboard_warns_when_the_soft_limit_is_reached(session, world, make_ctx, sc):
    dash = svc.employer_dashboard(make_ctx(sc.contact_ab), world.emp_ab.id)
    by_net = {n.network_id: n for n in dash.networks}
    assert set(by_net) == {world.net_a.id, world.net_b.id}
    assert by_net[world.net_a.id].balance == Balance(1, 2, 0, 25)
    assert by_net[world.net_a.id].verdict.warn
    assert [n.network_id for n in dash.warnings] == [world.net_a.id]
    assert by_net[world.net_b.id].history == []
    assert {line.status for line in dash.own_placements} == {
        Status.COMPLETED,
        Status.DECLINED,
        Status.PROPOSED,
    }
    assert len(dash.own_placements) == 4  # c1, c5, c7, c9


def test_a_coordinator_sees_only_their_networks(session, world, make_ctx, sc):
    dash = svc.employer_dashboard(make_ctx(world.coordinator_b), world.emp_ab.id)
    assert dash.limited is True
    assert [n.network_id for n in dash.networks] == [world.net_b.id]
    assert dash.places == [] and dash.own_placements == []  # all in network A
    own = svc.employer_dashboard(make_ctx(world.coordinator_a), world.emp_ab.id)
    assert [n.network_id for n in own.networks] == [world.net_a.id]
    assert len(own.own_placements) == 4


@pytest.mark.parametrize("who", ["contact_b", "coordinator_b", "coach", "coach2", None])
def test_employer_dashboard_is_refused_to_others(session, world, make_ctx, who):
    ctx = make_ctx(getattr(world, who) if who else None)
    with pytest.raises(PermissionDenied):
        svc.employer_dashboard(ctx, world.emp_a.id)


def test_unknown_employer_is_not_found(session, world, make_ctx):
    with pytest.raises(NotFound):
        svc.employer_dashboard(make_ctx(world.admin), 987_654)


def test_erasing_a_candidate_keeps_every_figure(session, world, make_ctx, sc):
    ctx = make_ctx(world.admin)
    before = svc.network_dashboard(ctx, world.net_a.id)
    c1 = sc.cands[0]
    for name in ("given_name", "family_name", "email", "phone", "postcode", "notes"):
        setattr(c1, name, None)
    session.commit()
    after = svc.network_dashboard(ctx, world.net_a.id)
    assert after.figures == before.figures
    assert after.members == before.members
    assert session.scalar(select(Placement).where(Placement.id == sc.placements[0].id))
