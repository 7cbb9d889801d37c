"""Places: employers post and maintain them (/places), coordinators curate them (/curation).

Views stay thin: they parse input, call ``registry.services.places`` (and
``place_import``) and render. Access is decided in the services through the permission
rules; a place the actor may not see answers 403 (or 404 when it does not exist).

Size (over 500 lines): the places and curation views share the place form handling.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required

from registry.domain.permissions import Action
from registry.domain.workload import dimensions_by_section
from registry.models import PlaceStatus
from registry.services import paging
from registry.services import place_import as importer
from registry.services import places as svc
from registry.services.errors import PermissionDenied, ValidationFailed
from registry.services.place_templates import TEMPLATES, get_template
from registry.web import confirm as confirm_page
from registry.web.employers.picker import sorted_choices
from registry.web.forms import validate_all
from registry.web.helpers import apply_errors, safe_next, service_context
from registry.web.places import labels
from registry.web.places.forms import (
    ActionForm,
    ImportConfirmForm,
    ImportForm,
    SendBackForm,
    data_from_place,
    data_from_template,
    place_form_class,
)

bp = Blueprint("places", __name__)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
IMPORT_TTL_SECONDS = 24 * 3600


@bp.app_context_processor
def _place_labels() -> dict[str, Any]:
    return labels.template_globals()


# --- helpers -------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 9:
        raise ValidationFailed.field(name, _("Choose from the list."))
    return int(value)


def _filters() -> svc.PlaceFilters:
    page = _int_arg("page") or 1
    return svc.PlaceFilters(
        network_id=_int_arg("network_id"),
        employer_id=_int_arg("employer_id"),
        kind=request.args.get("kind", "")[:40],
        status=request.args.get("status", "")[:40],
        area=request.args.get("area", "")[:200],
        completeness=request.args.get("completeness", "")[:20],
        unconfirmed_days=_int_arg("unconfirmed_days"),
        q=request.args.get("q", "")[:200],
        sort=request.args.get("sort", "title")[:30] or "title",
        page=page,
    )


def _back(place_id: int | None = None):
    target = safe_next(request.form.get("next"))
    if target:
        return redirect(target, 303)
    if place_id is not None:
        return redirect(url_for(".show", place_id=place_id), 303)
    return redirect(url_for(".index"), 303)


def _action_form() -> ActionForm:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    return form


def _form_for(networks, data: dict[str, Any] | None = None):
    cls = place_form_class()
    form = cls(data=data) if request.method == "GET" else cls()
    form.setup(networks)
    # The form says before submitting which networks review new places (issue 14).
    form.reviewing_networks = [n.name for n in networks if n.review_new_places]
    return form


def _render_form(form, place, employer, template_key=None, status=200):
    return (
        render_template(
            "places/form.html",
            form=form,
            place=place,
            employer=employer,
            sections=dimensions_by_section(),
            templates=TEMPLATES,
            template_key=template_key,
            # Sorted by the name shown, searchable (issue 14).
            employers=sorted_choices(svc.creatable_employers(service_context()))
            if place is None
            else [],
        ),
        422 if form.errors else status,
    )


# --- employer pages ------------------------------------------------------------------------


@bp.get("/places/")
@login_required
def index():
    ctx = service_context()
    filters = _filters()
    page = svc.search_places(ctx, filters, "own")
    now = ctx.now()
    return render_template(
        "places/index.html",
        page=page,
        filters=filters,
        now=now,
        freshness={p.id: svc.freshness_state(p, now) for p in page.items},
        networks=[],
        scope="own",
        may_create=bool(svc.creatable_employers(ctx)),
    )


@bp.route("/places/new", methods=["GET", "POST"])
@login_required
def create():
    ctx = service_context()
    employers = svc.creatable_employers(ctx)
    if not employers:
        raise PermissionDenied(Action.PLACE_CREATE)
    employer_id = _int_arg("employer_id") or employers[0].id
    employer = next((e for e in employers if e.id == employer_id), None)
    if employer is None:
        employer = svc.get_employer_for_places(ctx, employer_id)  # 404 when unknown
        raise PermissionDenied(Action.PLACE_CREATE)
    networks = svc.offerable_networks(ctx, employer.id)
    template_key = request.args.get("template", "")[:40]
    template = get_template(template_key)
    form = _form_for(networks, data_from_template(template, employer, networks))
    if validate_all(form, lambda: svc.check_place(ctx, employer.id, form.to_input())):
        submit = request.form.get("intent") == "submit"
        try:
            place = svc.create_place(ctx, employer.id, form.to_input(), submit=submit)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            if place.status == PlaceStatus.SUBMITTED:
                flash(_("Place saved and sent for review."), "success")
            elif place.status == PlaceStatus.OPEN:
                flash(_("Place saved and open for coaches."), "success")
            else:
                flash(_("Place saved as a draft."), "success")
            return redirect(url_for(".show", place_id=place.id), 303)
    return _render_form(form, None, employer, template_key if template else None)


@bp.get("/places/<int:place_id>")
@login_required
def show(place_id: int):
    ctx = service_context()
    place = svc.get_place(ctx, place_id)
    may_edit = svc.may(ctx, place, Action.PLACE_EDIT)
    may_curate = svc.may(ctx, place, Action.PLACE_CURATE)
    return render_template(
        "places/show.html",
        place=place,
        completeness=svc.place_completeness(place),
        freshness=svc.freshness_state(place, ctx.now()),
        due=svc.confirmation_due(place),
        freshness_days=svc.freshness_days(place),
        may_edit=may_edit,
        may_curate=may_curate,
        may_review=svc.may(ctx, place, Action.PLACE_REVIEW),
        may_history=svc.may(ctx, place, Action.PLACE_HISTORY),
        can_move=lambda move: (
            svc.can_move(place, move)
            or (move == "resume" and svc.closed_for_period_end(ctx.session, place))
        ),
        confirmable=place.status in svc.CONFIRMABLE,
        action_form=ActionForm(),
        send_back_form=SendBackForm(),
        demands=svc.place_demands(place),
        sections=dimensions_by_section(),
    )


@bp.route("/places/<int:place_id>/edit", methods=["GET", "POST"])
@login_required
def edit(place_id: int):
    ctx = service_context()
    place = svc.get_place(ctx, place_id, Action.PLACE_EDIT)
    networks = svc.offerable_networks(ctx, place.employer_id)
    form = _form_for(networks, data_from_place(place))
    if validate_all(form, lambda: svc.check_place(ctx, place.employer_id, form.to_input(), place)):
        try:
            svc.update_place(ctx, place.id, form.to_input())
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Place saved."), "success")
            return redirect(url_for(".show", place_id=place.id), 303)
    return _render_form(form, place, place.employer)


@bp.get("/places/<int:place_id>/preview")
@login_required
def preview(place_id: int):
    ctx = service_context()
    place = svc.get_place(ctx, place_id, Action.PLACE_EDIT, Action.PLACE_CURATE)
    return render_template(
        "places/preview.html",
        place=place,
        demands=svc.place_demands(place),
        sections=dimensions_by_section(),
    )


@bp.get("/places/<int:place_id>/history")
@login_required
def history(place_id: int):
    ctx = service_context()
    place = svc.get_place(ctx, place_id, Action.PLACE_HISTORY)  # held: loaded once
    page = svc.place_history_page(ctx, place_id, paging.page_number(request.args))
    return render_template("places/history.html", place=place, entries=page.items, page=page)


def _one_click(place_id: int, service, message: str):
    _action_form()
    ctx = service_context()
    service(ctx, place_id)
    flash(message, "success")
    return _back(place_id)


@bp.post("/places/<int:place_id>/duplicate")
@login_required
def duplicate(place_id: int):
    _action_form()
    ctx = service_context()
    copy = svc.duplicate_place(ctx, place_id)
    flash(_("A copy was saved as a draft. Adjust it and offer it."), "success")
    return redirect(url_for(".edit", place_id=copy.id), 303)


@bp.post("/places/<int:place_id>/submit")
@login_required
def submit(place_id: int):
    _action_form()
    ctx = service_context()
    place = svc.submit_place(ctx, place_id)
    if place.status == PlaceStatus.SUBMITTED:
        flash(_("The place waits for review by the network."), "success")
    else:
        flash(_("The place is open for coaches."), "success")
    return _back(place_id)


@bp.post("/places/<int:place_id>/confirm")
@login_required
def confirm(place_id: int):
    return _one_click(place_id, svc.confirm_place, _("Thank you: the place is confirmed."))


@bp.post("/places/<int:place_id>/pause")
@login_required
def pause(place_id: int):
    return _one_click(place_id, svc.pause_place, _("The place is paused."))


@bp.post("/places/<int:place_id>/resume")
@login_required
def resume(place_id: int):
    return _one_click(place_id, svc.resume_place, _("The place is open again."))


@bp.post("/places/<int:place_id>/full")
@login_required
def full(place_id: int):
    return _one_click(place_id, svc.mark_full, _("The place is marked as full."))


@bp.route("/places/<int:place_id>/close", methods=["GET", "POST"])
@login_required
def close(place_id: int):
    """Closing cannot be undone: a page says what happens before the place closes."""
    ctx = service_context()
    place = svc.get_place(ctx, place_id, Action.PLACE_EDIT, Action.PLACE_CURATE)
    if request.method == "POST" and request.form.get("confirmed") == "yes":
        return _one_click(place_id, svc.close_place, _("The place is closed."))
    if request.method == "POST":
        _action_form()
        return redirect(url_for(".close", place_id=place_id), 303)
    if not svc.can_move(place, "close"):
        flash(_("This is not possible while the place has its current status."), "error")
        return redirect(url_for(".show", place_id=place_id), 303)
    return confirm_page.render(
        confirm_page.Confirmation(
            title=_("Close the place %(title)s?", title=place.title),
            consequences=[
                _("Coaches no longer find the place and cannot propose candidates for it."),
                _("Proposals and placements that already exist go on."),
                _("A closed place cannot be opened again; you can copy it to a new draft."),
            ],
            action=url_for(".close", place_id=place_id),
            verb=_("Close the place"),
            cancel=url_for(".show", place_id=place_id),
            fields={"confirmed": "yes"},
        )
    )


# --- import and export ---------------------------------------------------------------------


def _import_dir() -> Path:
    folder = Path(current_app.instance_path) / "place_imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _store_upload(user_id: int, employer_id: int, filename: str, content: bytes, submit_new: bool):
    folder = _import_dir()
    cutoff = time.time() - IMPORT_TTL_SECONDS
    for old in folder.glob("*"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.bin").write_bytes(content)
    meta = {
        "user_id": user_id,
        "employer_id": employer_id,
        "filename": filename,
        "submit_new": submit_new,
    }
    (folder / f"{token}.json").write_text(json.dumps(meta))
    return token


def _load_upload(token: str, user_id: int) -> tuple[dict[str, Any], bytes]:
    if not TOKEN_RE.match(token or ""):
        raise ValidationFailed.field("token", _("This import has expired. Upload the file again."))
    folder = _import_dir()
    meta_path, data_path = folder / f"{token}.json", folder / f"{token}.bin"
    if not meta_path.exists() or not data_path.exists():
        raise ValidationFailed.field("token", _("This import has expired. Upload the file again."))
    meta = json.loads(meta_path.read_text())
    if meta.get("user_id") != user_id:
        raise ValidationFailed.field("token", _("This import has expired. Upload the file again."))
    return meta, data_path.read_bytes()


def _drop_upload(token: str) -> None:
    folder = _import_dir()
    for suffix in (".json", ".bin"):
        (folder / f"{token}{suffix}").unlink(missing_ok=True)


@bp.route("/places/import", methods=["GET", "POST"])
@login_required
def import_places():
    ctx = service_context()
    employers = svc.creatable_employers(ctx)
    if not employers:
        raise PermissionDenied(Action.PLACE_CREATE)
    form = ImportForm()
    form.employer_id.choices = [(e.id, e.name) for e in employers]
    report = token = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            upload = form.file.data
            filename = (upload.filename or "")[:200]
            content = upload.read()
            try:
                report = importer.import_places(
                    ctx, form.employer_id.data, filename, content, dry_run=True
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
                status = 422
            else:
                if report.ok:
                    token = _store_upload(
                        ctx.actor.user_id,
                        form.employer_id.data,
                        filename,
                        content,
                        bool(form.submit_new.data),
                    )
                else:
                    status = 422
        else:
            status = 422
    return (
        render_template(
            "places/import.html",
            form=form,
            report=report,
            token=token,
            confirm_form=ImportConfirmForm(data={"token": token}),
            employers=employers,
        ),
        status,
    )


@bp.post("/places/import/confirm")
@login_required
def import_confirm():
    ctx = service_context()
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    meta, content = _load_upload(form.token.data, ctx.actor.user_id)
    report = importer.import_places(
        ctx,
        meta["employer_id"],
        meta["filename"],
        content,
        dry_run=False,
        submit_new=bool(meta.get("submit_new")),
    )
    if not report.written:
        employers = svc.creatable_employers(ctx)
        form = ImportForm()
        form.employer_id.choices = [(e.id, e.name) for e in employers]
        return (
            render_template(
                "places/import.html",
                form=form,
                report=report,
                token=None,
                confirm_form=None,
                employers=employers,
            ),
            422,
        )
    _drop_upload(form.token.data)
    summary = report.summary()
    flash(
        _(
            "Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
            **summary,
        ),
        "success",
    )
    return redirect(url_for(".index"), 303)


def _download(content: bytes, filename: str, fmt: str) -> Response:
    mimetype = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "text/csv; charset=utf-8"
    )
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _fmt(fmt: str) -> str:
    if fmt not in importer.ALLOWED_EXTENSIONS:
        abort(404)
    return fmt


@bp.get("/places/import/template.<fmt>")
@login_required
def import_template(fmt: str):
    fmt = _fmt(fmt)
    ctx = service_context()
    employers = svc.creatable_employers(ctx)
    if not employers:
        raise PermissionDenied(Action.PLACE_CREATE)
    employer_id = _int_arg("employer_id") or employers[0].id
    employer = next((e for e in employers if e.id == employer_id), None)
    if employer is None:
        raise PermissionDenied(Action.PLACE_CREATE)
    names = [n.name for n in svc.offerable_networks(ctx, employer.id)]
    return _download(importer.template_file(fmt, names), f"places-template.{fmt}", fmt)


@bp.get("/places/export.<fmt>")
@login_required
def export(fmt: str):
    fmt = _fmt(fmt)
    ctx = service_context()
    places = svc.export_places(ctx, _filters(), "own")
    return _download(importer.export_file(fmt, places), f"places.{fmt}", fmt)


# --- coordinator pages ---------------------------------------------------------------------


@bp.get("/curation/places")
@login_required
def curation():
    ctx = service_context()
    if not request.args:  # opens on "to review", oldest first (issue 14)
        svc.curation_networks(ctx)  # 403 before the redirect for those who may not curate
        return redirect(url_for(".curation", status="submitted", sort="created"))
    filters = _filters()
    page = svc.search_places(ctx, filters, "curation")
    now = ctx.now()
    return render_template(
        "places/index.html",
        page=page,
        filters=filters,
        now=now,
        freshness={p.id: svc.freshness_state(p, now) for p in page.items},
        networks=svc.curation_networks(ctx),
        scope="curation",
        may_create=False,
        bulk_form=BulkForm(formdata=None, next=request.full_path),
    )


@bp.get("/curation/places/export.<fmt>")
@login_required
def curation_export(fmt: str):
    fmt = _fmt(fmt)
    ctx = service_context()
    places = svc.export_places(ctx, _filters(), "curation")
    return _download(importer.export_file(fmt, places), f"places.{fmt}", fmt)


@bp.post("/curation/places/<int:place_id>/publish")
@login_required
def publish(place_id: int):
    return _one_click(place_id, svc.publish_place, _("The place is published."))


@bp.post("/curation/places/<int:place_id>/send-back")
@login_required
def send_back(place_id: int):
    ctx = service_context()
    form = SendBackForm()
    if not form.validate_on_submit():
        svc.get_place(ctx, place_id, Action.PLACE_REVIEW)  # 403/404 before the message
        raise ValidationFailed.field(
            "reason", _("Say what the employer should change (at most 1000 characters).")
        )
    svc.send_back_place(ctx, place_id, form.reason.data)
    flash(_("The place was sent back to the employer."), "success")
    return _back(place_id)


# The bulk curation routes live on this blueprint (issue 14).
from registry.web.places.bulk import BulkForm  # noqa: E402
