"""Placements: the coach's proposal form, the host's inbox, the placement page with its
lifecycle buttons, the evaluation form and the documents (PDF)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from registry.domain import workload
from registry.domain.permissions import Action
from registry.domain.placement import Party, Status
from registry.services import documents, paging
from registry.services import labels as enum_labels
from registry.services import placements as svc
from registry.services.documents import certificate_available
from registry.services.errors import ServiceError, ValidationFailed
from registry.web import confirm as confirm_page
from registry.web.forms import bounded_id, validate_all
from registry.web.helpers import apply_errors, service_context
from registry.web.placements.forms import (
    AgreementForm,
    EvaluationForm,
    IntroductionForm,
    MoveForm,
    ProposalForm,
)

bp = Blueprint("placements", __name__, url_prefix="/placements")

STATUS_LABELS = enum_labels.PLACEMENT_STATUS
ACTION_LABELS = {
    Status.ACCEPTED: _l("Accept"),
    Status.DECLINED: _l("Decline"),
    Status.WITHDRAWN: _l("Withdraw"),
    Status.STARTED: _l("Start"),
    Status.CANCELLED: _l("Cancel"),
    Status.COMPLETED: _l("Complete"),
    Status.ENDED_EARLY: _l("End early"),
}
DECLINE_LABELS = enum_labels.DECLINE_REASON
END_LABELS = enum_labels.END_REASON
OUTCOME_LABELS = enum_labels.PLACEMENT_OUTCOME
PARTY_LABELS = enum_labels.PARTY
VERDICT_LABELS = enum_labels.VERDICT


def result_label(key: str, locale: str) -> str:
    """A readable label for a comparison key (dimension, exposure, condition or hours)."""
    if key == "hours":
        return _("Hours")
    for finder in (workload.dimension, workload.exposure, workload.condition):
        try:
            return finder(key).label(locale)
        except (KeyError, ValueError):
            continue
    return key


@bp.app_context_processor
def _labels():
    return {
        "placement_status_labels": STATUS_LABELS,
        "placement_result_label": result_label,
        "verdict_labels": VERDICT_LABELS,
    }


def _int_arg(name: str) -> int:
    value = bounded_id(request.args.get(name))
    if value is None:
        abort(404)
    return value


# --------------------------------------------------------------------------- views


@bp.get("/")
@login_required
def index():
    ctx = service_context()
    status = request.args.get("status")
    statuses = (Status(status),) if status in {s.value for s in Status} else None
    page = svc.placements_page(ctx, statuses, paging.page_number(request.args))
    return render_template(
        "placements/index.html",
        placements=page.items,
        page=page,
        inbox_count=svc.inbox_count(ctx),
        status=status,
    )


@bp.get("/inbox")
@login_required
def inbox():
    ctx = service_context()
    page = svc.inbox_page(ctx, paging.page_number(request.args))
    items = [(p, svc.urgency(p.candidate, ctx.today())) for p in page.items]
    return render_template(
        "placements/inbox.html",
        items=items,
        page=page,
        decline_labels=DECLINE_LABELS,
        form=MoveForm(),
    )


@bp.route("/propose", methods=["GET", "POST"])
@login_required
def propose():
    ctx = service_context()
    candidate_id, place_id = _int_arg("candidate"), _int_arg("place")
    network_id = bounded_id(request.form.get("network_id"))
    check = svc.check_proposal(ctx, candidate_id, place_id, network_id)
    form = ProposalForm()
    form.network_id.choices = [(n.id, n.name) for n in check.networks]
    reasons = {
        k: request.form.get(f"reason_{k}", "") for k in check.signal_keys + check.conflict_keys
    }

    def proposal() -> svc.ProposalInput:
        return svc.ProposalInput(
            candidate_id=candidate_id,
            place_id=place_id,
            motivation=form.motivation.data or "",
            signal_reasons=reasons,
            confirm_past_end=form.confirm_past_end.data,
            network_id=form.network_id.data,
            planned_start=form.planned_start.data,
            hours_per_week=float(form.hours_per_week.data)
            if form.hours_per_week.data is not None
            else None,
        )

    # Field checks and the service's checks in one round (issue 14).
    if validate_all(form, lambda: svc.check_proposal_input(ctx, proposal())):
        try:
            placement = svc.propose(ctx, proposal())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("The proposal was sent to the host employer."), "success")
            return redirect(url_for(".show", placement_id=placement.id))
    elif request.method == "POST" and not form.network_id.choices:
        form.form_errors.append(str(check.problems[0]) if check.problems else _("Not possible."))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "placements/propose.html", form=form, check=check, reasons=reasons
    ), status


def _move_form_for(target: Status) -> MoveForm:
    form = MoveForm()
    form.target.data = target.value
    if target is Status.ENDED_EARLY:
        form.reason.choices = [("", _("Choose a reason"))] + [
            (k.value, v) for k, v in END_LABELS.items()
        ]
    else:
        form.reason.choices = [("", _("Choose a reason"))] + [
            (k.value, v) for k, v in DECLINE_LABELS.items()
        ]
    form.outcome.choices = [("", _("Choose the outcome"))] + [
        (k.value, v) for k, v in OUTCOME_LABELS.items()
    ]
    return form


def _render_show(
    ctx,
    placement,
    move_forms=None,
    agreement_form=None,
    status=200,
    introduction_form=None,
    talk_forms=None,
):
    from registry.web.placements import talk

    acting = svc.parties(ctx, placement)
    may_introduce = svc.may_record_introduction(ctx, placement)
    talk_context = talk.page_context(ctx, placement, talk_forms)
    if may_introduce and introduction_form is None:
        introduction_form = IntroductionForm(
            data=talk.introduction_data(ctx, placement, talk_context["meetings"])
        )
    moves = svc.allowed_moves(ctx, placement)
    forms = {t: _move_form_for(t) for t in moves}
    forms.update(move_forms or {})
    if agreement_form is None and acting & {Party.COACH, Party.HOST}:
        agreement_form = AgreementForm(obj=placement)
    return render_template(
        "placements/show.html",
        placement=placement,
        identity=svc.identity(ctx, placement),
        acting=acting,
        moves=moves,
        move_forms=forms,
        agreement_form=agreement_form,
        introduction_form=introduction_form if may_introduce else None,
        introduced=svc.introduced(placement),
        home_employer=placement.home_employer if svc.shows_home_employer(ctx, placement) else None,
        action_labels=ACTION_LABELS,
        decline_labels=DECLINE_LABELS,
        end_labels=END_LABELS,
        outcome_labels=OUTCOME_LABELS,
        party_labels=PARTY_LABELS,
        Party=Party,
        may_evaluate=svc.may(ctx, Action.PLACEMENT_EVALUATE, placement),
        terminal=placement.status
        in (
            Status.DECLINED,
            Status.WITHDRAWN,
            Status.CANCELLED,
            Status.COMPLETED,
            Status.ENDED_EARLY,
        ),
        started=placement.started_on is not None,
        certificate_ready=certificate_available(placement),
        may_documents=documents.may_download(ctx, placement),
        **talk_context,
    ), status


@bp.get("/<int:placement_id>")
@login_required
def show(placement_id: int):
    ctx = service_context()
    return _render_show(ctx, svc.get_placement(ctx, placement_id))


@bp.post("/<int:placement_id>/move")
@login_required
def move(placement_id: int):
    ctx = service_context()
    placement = svc.get_placement(ctx, placement_id)
    try:
        target = Status(request.form.get("target", ""))
    except ValueError:
        abort(400)
    form = _move_form_for(target)
    if not form.validate_on_submit():
        return _render_show(ctx, placement, {target: form}, status=422)
    if _needs_confirmation(ctx, placement, target, form):
        return _confirm_move(placement, target, form)
    try:
        _apply_move(ctx, placement_id, target, form)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        ctx.session.rollback()
        return _render_show(ctx, svc.get_placement(ctx, placement_id), {target: form}, status=422)
    flash(_("The placement is now: %(status)s.", status=STATUS_LABELS[target]), "success")
    return redirect(url_for(".show", placement_id=placement_id))


def _apply_move(ctx, placement_id: int, target: Status, form: MoveForm) -> None:
    reason = form.reason.data or None
    text = form.reason_text.data or ""
    if target is Status.ACCEPTED:
        svc.accept(ctx, placement_id)
    elif target is Status.DECLINED:
        svc.decline(ctx, placement_id, reason, text)
    elif target is Status.WITHDRAWN:
        svc.withdraw(ctx, placement_id, reason, text)
    elif target is Status.STARTED:
        svc.start(ctx, placement_id, form.on.data)
    elif target is Status.CANCELLED:
        svc.cancel(ctx, placement_id, reason, text)
    elif target is Status.COMPLETED:
        svc.complete(ctx, placement_id, form.outcome.data or None, form.on.data)
    elif target is Status.ENDED_EARLY:
        svc.end_early(ctx, placement_id, reason, text, form.on.data)


@bp.post("/<int:placement_id>/agreement")
@login_required
def agreement(placement_id: int):
    ctx = service_context()
    placement = svc.get_placement(ctx, placement_id)
    form = AgreementForm()
    if form.validate_on_submit():
        try:
            svc.update_agreement(
                ctx,
                placement_id,
                svc.AgreementInput(
                    planned_start=form.planned_start.data,
                    planned_end=form.planned_end.data,
                    hours_per_week=float(form.hours_per_week.data)
                    if form.hours_per_week.data
                    else None,
                    target_hours_per_week=float(form.target_hours_per_week.data)
                    if form.target_hours_per_week.data
                    else None,
                    build_up=form.build_up.data or "",
                    tasks=form.tasks.data or "",
                    supervisor=form.supervisor.data or "",
                ),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("The agreement details were saved."), "success")
            return redirect(url_for(".show", placement_id=placement_id))
    return _render_show(ctx, placement, agreement_form=form, status=422)


@bp.post("/<int:placement_id>/introduction")
@login_required
def introduction(placement_id: int):
    """The coach records the candidate's consent to the introduction to the host."""
    ctx = service_context()
    placement = svc.get_placement(ctx, placement_id)
    form = IntroductionForm()
    if form.validate_on_submit():
        from registry.web.placements import talk

        try:
            talk.check_introduction_meeting(ctx, placement, form)
            svc.introduce(
                ctx,
                placement_id,
                svc.IntroductionInput(given_on=form.given_on.data, planned_on=form.planned_on.data),
            )
            talk.plan_introduction_meeting(ctx, placement_id, form)
        except ValidationFailed as exc:
            apply_errors(form, exc)
            ctx.session.rollback()
        else:
            flash(
                _("The introduction consent was recorded; the host now sees the name."), "success"
            )
            return redirect(url_for(".show", placement_id=placement_id))
    return _render_show(ctx, placement, introduction_form=form, status=422)


@bp.route("/<int:placement_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(placement_id: int):
    ctx = service_context()
    placement = svc.get_placement(ctx, placement_id, Action.PLACEMENT_EVALUATE)
    data = placement.evaluation or {}
    form = EvaluationForm(
        data={**{k: data.get(k) for k in svc.EVALUATION_TEXTS}, **(data.get("ratings") or {})}
    )
    if request.method == "POST":
        form = EvaluationForm()
        form.validate_on_submit()
        if "csrf_token" not in form.errors:  # the service reports every missing item at once
            try:
                svc.save_evaluation(ctx, placement_id, form.to_data())
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                flash(_("Thank you, the evaluation was saved."), "success")
                return redirect(url_for(".show", placement_id=placement_id))
    status = 422 if form.errors else 200
    return render_template(
        "placements/evaluation.html",
        form=form,
        placement=placement,
        identity=svc.identity(ctx, placement, audit=False),
    ), status


@bp.get("/<int:placement_id>/documents/<kind>.pdf")
@login_required
def document(placement_id: int, kind: str):
    from registry.services import documents

    ctx = service_context()
    language = request.args.get("lang", "nl")
    if language not in ("nl", "en") or kind not in documents.KINDS:
        abort(404)
    try:
        pdf, filename = documents.render(ctx, placement_id, kind, language)
    except ServiceError:
        raise
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- confirming steps that cannot be undone (issue 14) -------------------------------------

# Steps that end a proposal or a placement, or tell the other parties it ended: the first
# post shows a page saying what happens and to whom; the second (confirmed) takes the step.
CONFIRM_TARGETS = frozenset(
    {Status.DECLINED, Status.WITHDRAWN, Status.CANCELLED, Status.COMPLETED, Status.ENDED_EARLY}
)
# What the service requires before the step (missing: it answers with the field error).
REQUIRED_FOR = {
    Status.DECLINED: "reason",
    Status.ENDED_EARLY: "reason",
    Status.COMPLETED: "outcome",
}


def _needs_confirmation(ctx, placement, target: Status, form: MoveForm) -> bool:
    if target not in CONFIRM_TARGETS or request.form.get("confirmed") == "yes":
        return False
    required = REQUIRED_FOR.get(target)
    if required and not getattr(form, required).data:
        return False
    return target in svc.allowed_moves(ctx, placement)  # otherwise the service refuses


def _consequences(placement, target: Status, form: MoveForm) -> list[object]:
    names = {"pseudonym": placement.candidate.pseudonym, "place": placement.place.title}
    reason = dict(form.reason.choices).get(form.reason.data) if form.reason.data else None
    lines: list[object] = []
    if target is Status.DECLINED:
        lines = [
            _l("The coach hears that you declined the proposal of %(pseudonym)s.", **names),
            _l("The proposal cannot be answered again; the coach may propose someone else."),
        ]
    elif target is Status.WITHDRAWN:
        lines = [
            _l("The host hears that the proposal for %(place)s was withdrawn.", **names),
            _l("The proposal ends; you can make a new one later."),
        ]
    elif target is Status.CANCELLED:
        lines = [
            _l("The placement of %(pseudonym)s at %(place)s does not go ahead.", **names),
            _l("The coach, the host and the home employer hear it; the slot is free again."),
        ]
    elif target is Status.COMPLETED:
        outcome = dict(form.outcome.choices).get(form.outcome.data, "")
        lines = [
            _l("The placement of %(pseudonym)s at %(place)s is completed.", **names),
            _l("Outcome: %(outcome)s.", outcome=outcome),
            _l(
                "The coach, the host and the home employer hear it; the weeks count in the "
                "reciprocity balance, and the evaluation and the certificate follow."
            ),
        ]
    elif target is Status.ENDED_EARLY:
        lines = [
            _l("The placement of %(pseudonym)s at %(place)s ends early.", **names),
            _l(
                "The coach, the host and the home employer hear it; the weeks so far count "
                "in the reciprocity balance."
            ),
        ]
    if reason:
        lines.append(_l("Reason: %(reason)s.", reason=reason))
    lines.append(_l("This cannot be undone."))
    return lines


CONFIRM_TITLES = {
    Status.DECLINED: _l("Decline the proposal of %(pseudonym)s for %(place)s?"),
    Status.WITHDRAWN: _l("Withdraw the proposal of %(pseudonym)s for %(place)s?"),
    Status.CANCELLED: _l("Cancel the placement of %(pseudonym)s at %(place)s?"),
    Status.COMPLETED: _l("Complete the placement of %(pseudonym)s at %(place)s?"),
    Status.ENDED_EARLY: _l("End the placement of %(pseudonym)s at %(place)s early?"),
}


def _confirm_move(placement, target: Status, form: MoveForm):
    names = {"pseudonym": placement.candidate.pseudonym, "place": placement.place.title}
    fields = {"target": target.value, "confirmed": "yes"}
    for name in ("reason", "reason_text", "outcome"):
        if getattr(form, name).data:
            fields[name] = getattr(form, name).data
    if form.on.data:
        fields["on"] = form.on.data.isoformat()
    return confirm_page.render(
        confirm_page.Confirmation(
            title=str(CONFIRM_TITLES[target]) % names,
            consequences=_consequences(placement, target, form),
            action=url_for(".move", placement_id=placement.id),
            verb=ACTION_LABELS[target],
            cancel=url_for(".show", placement_id=placement.id),
            fields=fields,
        )
    )
