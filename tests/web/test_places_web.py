"""Place pages through the test client: forms, review, access per route, bad input, files."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry.domain import workload as wl
from registry.domain.permissions import Role
from registry.models import OutboxMessage, Place, PlaceStatus
from registry.services import place_import as importer
from registry.services import places as svc
from registry.services.place_templates import get_template
from tests import factories
from tests.services.test_places import place_input


@pytest.fixture(autouse=True)
def _fresh_g(app):
    """The ``app`` fixture keeps one app context for the whole test, so ``g`` (the cached
    actor, locale and login) would leak from one request into the next: clear it."""
    from flask import g, request_started

    def clear(sender, **extra):
        for name in ("actor", "_flask_babel", "_login_user"):
            g.pop(name, None)

    request_started.connect(clear, app)
    yield
    request_started.disconnect(clear, app)


@pytest.fixture
def english(session):
    """Pages in English for these users, so assertions can use the msgids."""

    def switch(*users):
        for user in users:
            user.language = "en"
        session.commit()

    return switch


def make_open_place(make_ctx, world, **kw) -> Place:
    return svc.create_place(
        make_ctx(world.contact_a), world.emp_a.id, place_input([world.net_a.id], **kw), submit=True
    )


def form_data(template_key: str | None, network_ids, **overrides) -> dict[str, object]:
    template = get_template(template_key) if template_key else None
    data: dict[str, object] = {
        "kind": template.kind.value if template else "stage",
        "title": template.key.replace("_", " ").capitalize() if template else "Stageplek",
        "function": "Functie",
        "sector": "H",
        "description": "Werk beschrijving",
        "postcode": "3511 AB",
        "network_ids": [str(n) for n in network_ids],
        "slots": "1",
        "min_hours_week": "8",
        "usual_hours_week": "16",
        "schedule_days": ["mon", "wed"],
        "ongoing": "y",
        "contact_name": "Piet",
        "exposures_stated": "y",
        "exposures": ["noise"],
        "conditions_stated": "y",
        "intent": "submit",
    }
    demands = template.demand_map() if template else {}
    for dim in wl.all_dimensions():
        d = demands.get(dim.key)
        data[f"demand_{dim.key}"] = str(d.band) if d else "0"
        if d and d.incidental:
            data[f"demand_{dim.key}_incidental"] = "y"
        if d and d.adjustable:
            data[f"demand_{dim.key}_adjustable"] = "y"
    data.update(overrides)
    return data


# --- the journey -----------------------------------------------------------------------------


def test_employer_posts_from_template_and_reviewing_coordinator_publishes(
    world, client, session, english
):
    world.net_b.review_new_places = True
    contact = factories.user(
        session, Role.EMPLOYER, email="contact.ab@example.nl", employers=[world.emp_ab]
    )
    session.commit()
    english(contact, world.coordinator_b)
    client.login(contact.email)

    page = client.get(f"/places/new?employer_id={world.emp_ab.id}&template=warehouse_worker")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Never enter personal or medical data." in html
    assert 'value="Warehouse worker"' in html
    for dim in wl.all_dimensions():
        assert f'name="demand_{dim.key}"' in html
    assert html.index('id="section-I"') < html.index('id="dimension-attention"')
    assert html.index('id="section-IV"') < html.index('id="dimension-lifting"')

    response = client.post(
        f"/places/new?employer_id={world.emp_ab.id}&template=warehouse_worker",
        form_data("warehouse_worker", [world.net_a.id, world.net_b.id]),
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    place = session.scalar(select(Place))
    assert place.status == PlaceStatus.SUBMITTED
    assert sorted(n.id for n in place.networks) == sorted([world.net_a.id, world.net_b.id])
    assert place.demands["lifting"] == {"band": 3, "incidental": True, "adjustable": False}

    listing = client.get("/places/").get_data(as_text=True)
    assert "Warehouse worker" in listing and "Waiting for review" in listing

    client.logout()
    client.login(world.coordinator_b.email)
    curation = client.get("/curation/places?status=submitted").get_data(as_text=True)
    assert "Warehouse worker" in curation
    detail = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "This place waits for your review" in detail
    assert client.post(f"/curation/places/{place.id}/publish").status_code == 303
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.OPEN
    history = client.get(f"/places/{place.id}/history").get_data(as_text=True)
    assert "Published after review" in history


def test_coordinator_sends_back_with_a_reason(world, client, session, make_ctx, english):
    world.net_a.review_new_places = True
    session.commit()
    english(world.coordinator_a, world.contact_a)
    place = make_open_place(make_ctx, world)
    assert place.status == PlaceStatus.SUBMITTED
    client.login(world.coordinator_a.email)
    empty = client.post(f"/curation/places/{place.id}/send-back", {"reason": ""})
    assert empty.status_code == 422
    assert "Say what the employer should change" in empty.get_data(as_text=True)
    ok = client.post(f"/curation/places/{place.id}/send-back", {"reason": "Meer uitleg graag"})
    assert ok.status_code == 303
    client.logout()
    client.login(world.contact_a.email)
    page = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "Meer uitleg graag" in page


def test_employer_actions_by_one_click(world, client, session, make_ctx, english):
    english(world.contact_a)
    place = make_open_place(make_ctx, world)
    client.login(world.contact_a.email)
    page = client.get(f"/places/{place.id}").get_data(as_text=True)
    assert "Confirm: this place is still current" in page
    assert client.post(f"/places/{place.id}/confirm").status_code == 303
    assert client.post(f"/places/{place.id}/pause").status_code == 303
    assert client.post(f"/places/{place.id}/pause").status_code == 409
    assert client.post(f"/places/{place.id}/resume").status_code == 303
    assert client.post(f"/places/{place.id}/full").status_code == 303
    response = client.post(f"/places/{place.id}/duplicate")
    assert response.status_code == 303 and "/edit" in response.headers["Location"]
    asked = client.post(f"/places/{place.id}/close")  # closing is confirmed first
    assert asked.status_code == 303 and asked.location.endswith(f"/places/{place.id}/close")
    assert "Coaches no longer find the place" in client.get(asked.location).get_data(as_text=True)
    session.expire_all()
    assert session.get(Place, place.id).status != PlaceStatus.CLOSED
    assert client.post(f"/places/{place.id}/close", {"confirmed": "yes"}).status_code == 303
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.CLOSED
    assert session.scalar(select(func.count(Place.id))) == 2
    preview = client.get(f"/places/{place.id}/preview").get_data(as_text=True)
    assert "How coaches see this place" in preview and "Lifting" in preview
    # A one-click action without the CSRF token is refused.
    assert client.post(f"/places/{place.id}/confirm", csrf=False).status_code == 400


def test_edit_saves_and_keeps_code_current(world, client, session, make_ctx, english):
    english(world.contact_a)
    place = make_open_place(make_ctx, world)
    client.login(world.contact_a.email)
    assert client.get(f"/places/{place.id}/edit").status_code == 200
    data = form_data(None, [world.net_a.id], title="Nieuw", demand_lifting="4")
    response = client.post(f"/places/{place.id}/edit", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    session.expire_all()
    place = session.get(Place, place.id)
    assert place.title == "Nieuw"
    # the match code's lifting position: band 4, neither incidental nor adjustable
    assert place.match_code[[d.key for d in wl.all_dimensions()].index("lifting")] == chr(48 + 16)


def test_a_registered_dimension_appears_in_the_form_and_is_saved(world, client, session, english):
    english(world.contact_a)
    extra = wl.Dimension(
        "gripping",
        "IV",
        "Grijpen",
        "Gripping with the hands",
        (wl.Band("licht", "light"), wl.Band("matig", "moderate"), wl.Band("zwaar", "heavy")),
    )
    client.login(world.contact_a.email)
    with wl.register_dimension(extra):
        html = client.get("/places/new").get_data(as_text=True)
        assert 'name="demand_gripping"' in html
        assert "Gripping with the hands" in html
        section_iv = html[html.index('id="section-IV"') : html.index('id="section-V"')]
        assert 'id="dimension-gripping"' in section_iv
        response = client.post(
            "/places/new", form_data(None, [world.net_a.id], demand_gripping="2")
        )
        assert response.status_code == 303
        place = session.scalar(select(Place))
        assert place.demands["gripping"]["band"] == 2
        assert place.match_code[len(wl.all_dimensions()) - 1] == chr(48 + 4 * 2)  # band 2
    assert 'name="demand_gripping"' not in client.get("/places/new").get_data(as_text=True)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"postcode": "1000 AA"}, "Dutch postcode area"),
        ({"postcode": "hello"}, "Dutch postcode"),
        ({"title": "x" * 500}, "160"),
        ({"slots": "many"}, "integer"),
        ({"slots": "0"}, "between 1 and 100"),
        ({"demand_lifting": "9"}, "Not a valid choice"),
        ({"network_ids": ["abc"]}, "could not be coerced"),
        ({"network_ids": []}, "at least one network"),
        ({"kind": "castle"}, "Not a valid choice"),
        ({"available_from": "yesterday"}, "Enter a date like"),
        ({"description": "y" * 6000}, "5000"),
    ],
)
def test_bad_form_input_is_a_422_with_a_message(
    world, client, session, english, overrides, message
):
    english(world.contact_a)
    client.login(world.contact_a.email)
    data = form_data(None, [world.net_a.id]) | overrides
    response = client.post("/places/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Place.id))) == 0


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/places/999999", 404),
        ("/places/abc", 404),
        ("/places/99999999999999999999", 404),
        ("/places/?sort=password", 422),
        ("/places/?network_id=abc", 422),
        ("/places/?page=-1", 422),
        ("/places/?kind=castle", 422),
        ("/places/?unconfirmed_days=5", 422),
        ("/places/export.pdf", 404),
        ("/places/import/template.exe", 404),
        ("/places/new?employer_id=99999", 404),
        ("/places/new?employer_id=x", 422),
    ],
)
def test_wrong_ids_and_parameters_never_500(world, client, english, url, status):
    english(world.contact_a)
    client.login(world.contact_a.email)
    assert client.get(url).status_code == status


def test_pages_need_a_login(world, client, make_ctx):
    place = make_open_place(make_ctx, world)
    response = client.get(f"/places/{place.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- access per route -------------------------------------------------------------------------

PLACE_ROUTES = [
    ("get", "/places/{id}"),
    ("get", "/places/{id}/edit"),
    ("post", "/places/{id}/edit"),
    ("get", "/places/{id}/preview"),
    ("get", "/places/{id}/history"),
    ("post", "/places/{id}/duplicate"),
    ("post", "/places/{id}/submit"),
    ("post", "/places/{id}/confirm"),
    ("post", "/places/{id}/pause"),
    ("post", "/places/{id}/resume"),
    ("post", "/places/{id}/full"),
    ("post", "/places/{id}/close"),
    ("post", "/curation/places/{id}/publish"),
    ("post", "/curation/places/{id}/send-back"),
]


@pytest.mark.parametrize(("method", "route"), PLACE_ROUTES)
@pytest.mark.parametrize("outsider", ["contact_b", "coordinator_b"])
def test_outsiders_get_403_or_404_on_every_place_url(
    world, client, session, make_ctx, method, route, outsider
):
    world.net_a.review_new_places = True
    session.commit()
    place = make_open_place(make_ctx, world)  # submitted: waits for review in network A
    before = (place.status, place.title, place.review_note)
    client.login(getattr(world, outsider).email)
    url = route.format(id=place.id)
    if method == "get":
        response = client.get(url)
    else:
        data = form_data(None, [world.net_b.id], title="Overgenomen") | {"reason": "nee"}
        response = client.post(url, data)
    assert response.status_code in (403, 404), (url, response.status_code)
    session.expire_all()
    again = session.get(Place, place.id)
    assert (again.status, again.title, again.review_note) == before
    assert session.scalar(select(func.count(Place.id))) == 1


def test_outsiders_do_not_see_the_place_in_lists_or_exports(world, client, make_ctx):
    make_open_place(make_ctx, world, title="Geheime plek")
    client.login(world.coordinator_b.email)
    assert "Geheime plek" not in client.get("/curation/places").get_data(as_text=True)
    assert b"Geheime plek" not in client.get("/curation/places/export.csv").data
    assert client.get("/places/").status_code == 403  # not an employer contact
    client.logout()
    client.login(world.contact_b.email)
    assert "Geheime plek" not in client.get("/places/").get_data(as_text=True)
    assert b"Geheime plek" not in client.get("/places/export.csv").data
    assert client.get(f"/places/new?employer_id={world.emp_a.id}").status_code == 403
    assert client.get("/curation/places").status_code == 403


def test_coaches_see_open_places_but_cannot_manage_them(world, client, make_ctx):
    place = make_open_place(make_ctx, world)
    client.login(world.coach.email)
    page = client.get(f"/places/{place.id}")
    assert page.status_code == 200
    assert f"/places/{place.id}/edit" not in page.get_data(as_text=True)
    assert client.get(f"/places/{place.id}/edit").status_code == 403
    assert client.get(f"/places/{place.id}/history").status_code == 403
    assert client.post(f"/places/{place.id}/pause").status_code == 403


# --- lists, import, export, sweep -------------------------------------------------------------


def test_curation_list_filters_and_sorts(world, client, make_ctx, english):
    english(world.coordinator_a)
    make_open_place(make_ctx, world, title="Bakker", postcode="7514 AE")
    make_open_place(make_ctx, world, title="Administratie", demands={})
    client.login(world.coordinator_a.email)
    html = client.get("/curation/places?sort=-title").get_data(as_text=True)
    assert html.index("Bakker") < html.index("Administratie")
    html = client.get("/curation/places?area=7514").get_data(as_text=True)
    assert "Bakker" in html and "Administratie" not in html
    html = client.get("/curation/places?completeness=lt50").get_data(as_text=True)
    assert "Administratie" in html and "Bakker" not in html
    html = client.get(f"/curation/places?network_id={world.net_a.id}&kind=stage").get_data(
        as_text=True
    )
    assert "Bakker" in html and "Administratie" in html


def test_export_files(world, client, make_ctx):
    make_open_place(make_ctx, world, title="Exportplek")
    client.login(world.coordinator_a.email)
    response = client.get("/curation/places/export.xlsx?status=open")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[2]][list(importer.EXPORT_EXTRA).index("status")] == "open"
    csv_response = client.get("/curation/places/export.csv?status=closed")
    assert csv_response.status_code == 200
    assert b"Exportplek" not in csv_response.data


def test_import_dry_run_then_confirm(world, client, session, english):
    english(world.contact_a)
    client.login(world.contact_a.email)
    template = client.get(f"/places/import/template.csv?employer_id={world.emp_a.id}")
    assert template.status_code == 200 and b"demand_lifting" in template.data
    upload = {
        "employer_id": str(world.emp_a.id),
        "file": (io.BytesIO(template.data), "places.csv"),
    }
    report = client.post("/places/import", upload, content_type="multipart/form-data")
    html = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "2 to create" in html
    assert session.scalar(select(func.count(Place.id))) == 0
    import re

    token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post("/places/import/confirm", {"token": token})
    assert done.status_code == 303
    assert session.scalar(select(func.count(Place.id))) == 2
    assert client.post("/places/import/confirm", {"token": token}).status_code == 422
    assert client.post("/places/import/confirm", {"token": "../../etc"}).status_code == 422


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("places.docx", b"PK\x03\x04", "Only CSV and XLSX files can be imported."),
        ("places.xlsx", b"garbage", "This is not a readable XLSX file."),
    ],
)
def test_import_refuses_other_files(world, client, session, english, filename, content, message):
    english(world.contact_a)
    client.login(world.contact_a.email)
    response = client.post(
        "/places/import",
        {"employer_id": str(world.emp_a.id), "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert session.scalar(select(func.count(Place.id))) == 0


def test_import_report_names_bad_cells(world, client, session, english, app):
    english(world.contact_a)
    client.login(world.contact_a.email)
    with app.test_request_context():
        content = importer.template_file("csv", [world.net_a.name])
    content = content.replace(b"3511 AB", b"1000 AA")
    response = client.post(
        "/places/import",
        {"employer_id": str(world.emp_a.id), "file": (io.BytesIO(content), "p.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved" in html
    assert "<strong>postcode</strong>" in html
    assert 'name="token"' not in html


def test_sweep_command(world, app, session, make_ctx):
    import datetime as dt

    place = make_open_place(make_ctx, world)
    session.get(Place, place.id).last_confirmed_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=61)
    session.commit()
    result = app.test_cli_runner().invoke(args=["places", "sweep"])
    assert result.exit_code == 0, result.output
    assert "paused: 1" in result.output
    session.expire_all()
    assert session.get(Place, place.id).status == PlaceStatus.PAUSED
    assert session.scalar(select(OutboxMessage.kind)) == "place_paused"


def test_lowering_slots_below_the_placements_held_is_a_field_error(
    world, client, session, make_ctx, english
):
    """Issue 12: the edit form says how many accepted or running placements the place
    holds; nothing is saved."""
    from registry.services import placements as placement_svc
    from tests.services.test_placement_support import candidate, proposal

    english(world.contact_a)
    place = make_open_place(make_ctx, world, slots=2)
    with client.application.test_request_context():
        for _ in range(2):
            cand = candidate(session, world.org, world.emp_b, [world.net_a])
            session.commit()
            check = placement_svc.check_proposal(make_ctx(world.coach), cand.id, place.id)
            reasons = dict.fromkeys(check.signal_keys + check.conflict_keys, "Besproken")
            pid = proposal(
                make_ctx, world.coach, cand, place, signal_reasons=reasons, confirm_past_end=True
            ).id
            placement_svc.accept(make_ctx(world.contact_a), pid)
    client.login(world.contact_a.email)
    data = form_data(None, [world.net_a.id], slots="1")
    response = client.post(f"/places/{place.id}/edit", data)
    assert response.status_code == 422
    assert "already has 2 accepted or running placements" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Place, place.id).slots == 2
