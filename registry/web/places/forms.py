"""Forms for places. The demands part is generated from the workload catalogue on every
request, so a dimension added to the catalogue appears in the form without a code change."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from registry.domain.workload import Demand, all_dimensions
from registry.models import Place
from registry.services import places as svc
from registry.services.place_templates import FunctionTemplate
from registry.web.forms import (
    SBI_SECTIONS,
    DateValueField,
    IntSelectField,
    MultiCheckboxField,
    hours_per_week,
)
from registry.web.forms import postcode as postcode_check
from registry.web.places import labels


class PlaceForm(FlaskForm):
    kind = SelectField(_l("Kind of place"))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=160)])
    function = StringField(_l("Function"), validators=[Length(max=160)])
    sector = SelectField(_l("Sector (SBI section)"))
    description = TextAreaField(
        _l("Description of the work"), validators=[Length(max=5000)], render_kw={"rows": 5}
    )
    postcode = StringField(
        _l("Postcode"), validators=[DataRequired(), Length(max=10), postcode_check]
    )
    house_number = StringField(_l("House number (optional)"), validators=[Length(max=10)])
    network_ids = MultiCheckboxField(_l("Offer to networks"), coerce=int)
    slots = IntegerField(
        _l("Places at the same time"), default=1, validators=[InputRequired(), NumberRange(1, 100)]
    )
    min_hours_week = IntegerField(
        _l("Minimum hours per week"), validators=[Optional(), hours_per_week]
    )
    usual_hours_week = IntegerField(
        _l("Usual hours per week"), validators=[Optional(), hours_per_week]
    )
    lower_start_allowed = BooleanField(_l("A lower start with build-up is possible"))
    schedule_days = MultiCheckboxField(_l("Working days"))
    evening_work = BooleanField(_l("Evening work"))
    weekend_work = BooleanField(_l("Weekend work"))
    available_from = DateValueField(_l("Available from"), validators=[Optional()])
    available_until = DateValueField(_l("Available until"), validators=[Optional()])
    ongoing = BooleanField(_l("Ongoing (no end date)"), default=True)
    typical_weeks = IntegerField(
        _l("Typical duration (weeks)"), validators=[Optional(), NumberRange(1, 104)]
    )
    intake_cap_per_month = IntegerField(
        _l("At most this many new proposals a month"), validators=[Optional(), NumberRange(1, 100)]
    )
    offers = MultiCheckboxField(_l("What the host offers"))
    contact_name = StringField(_l("Contact person"), validators=[Length(max=120)])
    contact_email = EmailField(
        _l("Contact e-mail"), validators=[Optional(), Email(), Length(max=254)]
    )
    contact_phone = StringField(_l("Contact phone"), validators=[Length(max=30)])
    external_ref = StringField(_l("Your own reference (optional)"), validators=[Length(max=64)])
    exposures_stated = BooleanField(
        _l("I have checked the physical environment (also when none of these apply)")
    )
    exposures = MultiCheckboxField(_l("The work involves"))
    conditions_stated = BooleanField(
        _l("I have checked the working conditions (also when none of these can be offered)")
    )
    offers_conditions = MultiCheckboxField(_l("The place can offer"))

    def setup(self, networks: list) -> None:
        """Choices that depend on the request (locale, the employer's networks)."""
        self.kind.choices = [(k.value, v) for k, v in labels.KIND_LABELS.items()]
        self.sector.choices = [("", _l("Choose a sector"))] + SBI_SECTIONS
        self.network_ids.choices = [(n.id, n.name) for n in networks]
        self.schedule_days.choices = list(labels.DAY_LABELS.items())
        self.offers.choices = list(labels.OFFER_LABELS.items())
        self.exposures.choices = labels.exposure_choices()
        self.offers_conditions.choices = labels.condition_choices()

    def demand_fields(self, key: str) -> tuple[Any, Any, Any]:
        return (
            self[f"demand_{key}"],
            self[f"demand_{key}_incidental"],
            self[f"demand_{key}_adjustable"],
        )

    def to_input(self) -> svc.PlaceInput:
        demands = {}
        for dim in all_dimensions():
            band = self[f"demand_{dim.key}"].data
            if band in (None, ""):
                continue
            demands[dim.key] = Demand(
                int(band),
                bool(self[f"demand_{dim.key}_incidental"].data),
                bool(self[f"demand_{dim.key}_adjustable"].data),
            )
        return svc.PlaceInput(
            kind=self.kind.data,
            title=self.title.data or "",
            network_ids=tuple(self.network_ids.data or ()),
            function=self.function.data or "",
            sector=self.sector.data or "",
            description=self.description.data or "",
            postcode=self.postcode.data or "",
            house_number=self.house_number.data or "",
            slots=self.slots.data,
            min_hours_week=self.min_hours_week.data,
            usual_hours_week=self.usual_hours_week.data,
            lower_start_allowed=self.lower_start_allowed.data,
            schedule_days=tuple(self.schedule_days.data or ()),
            evening_work=self.evening_work.data,
            weekend_work=self.weekend_work.data,
            available_from=self.available_from.data,
            available_until=self.available_until.data,
            ongoing=self.ongoing.data,
            typical_weeks=self.typical_weeks.data,
            intake_cap_per_month=self.intake_cap_per_month.data,
            offers=tuple(self.offers.data or ()),
            contact_name=self.contact_name.data or "",
            contact_email=self.contact_email.data or "",
            contact_phone=self.contact_phone.data or "",
            demands=demands,
            exposures=frozenset(self.exposures.data or ()) if self.exposures_stated.data else None,
            offers_conditions=(
                frozenset(self.offers_conditions.data or ())
                if self.conditions_stated.data
                else None
            ),
            external_ref=(self.external_ref.data or "").strip() or None,
        )


def place_form_class() -> type[PlaceForm]:
    """A PlaceForm with one band select and two flags per catalogue dimension."""
    locale = labels.locale()
    attrs: dict[str, Any] = {}
    for dim in all_dimensions():
        choices = [("", _l("Not stated"))] + [
            (str(i), band.label(locale)) for i, band in enumerate(dim.bands)
        ]
        attrs[f"demand_{dim.key}"] = SelectField(
            dim.label(locale), choices=choices, validators=[Optional()], default=""
        )
        attrs[f"demand_{dim.key}_incidental"] = BooleanField(_l("Only an incidental peak"))
        attrs[f"demand_{dim.key}_adjustable"] = BooleanField(_l("The work can be adjusted"))
    return type("GeneratedPlaceForm", (PlaceForm,), attrs)


def _demand_data(demands: dict[str, Demand]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for dim in all_dimensions():
        d = demands.get(dim.key)
        data[f"demand_{dim.key}"] = "" if d is None or d.band is None else str(d.band)
        data[f"demand_{dim.key}_incidental"] = bool(d and d.incidental)
        data[f"demand_{dim.key}_adjustable"] = bool(d and d.adjustable)
    return data


def data_from_place(place: Place) -> dict[str, Any]:
    data = {name: getattr(place, name) for name in svc.SNAPSHOT_FIELDS}
    data.pop("demands")
    data["kind"] = place.kind.value
    data["external_ref"] = place.external_ref or ""
    data["network_ids"] = [n.id for n in place.networks]
    data["exposures_stated"] = place.exposures is not None
    data["exposures"] = list(place.exposures or ())
    data["conditions_stated"] = place.offers_conditions is not None
    data["offers_conditions"] = list(place.offers_conditions or ())
    data.update(_demand_data(svc.place_demands(place)))
    return data


def data_from_template(template: FunctionTemplate | None, employer, networks) -> dict[str, Any]:
    data: dict[str, Any] = {
        "postcode": employer.postcode,
        "sector": employer.sbi_section,
        "contact_name": employer.contact_name,
        "contact_email": employer.contact_email,
        "contact_phone": employer.contact_phone,
        "network_ids": [n.id for n in networks] if len(networks) == 1 else [],
        "slots": 1,
        "ongoing": True,
        "schedule_days": [],
        "exposures_stated": False,
        "conditions_stated": False,
    }
    if template is not None:
        data.update(
            kind=template.kind.value,
            title=str(template.title),
            function=str(template.function),
            sector=template.sector,
            description=str(template.summary),
            min_hours_week=template.min_hours_week,
            usual_hours_week=template.usual_hours_week,
            lower_start_allowed=True,
            schedule_days=list(template.schedule_days),
            typical_weeks=template.typical_weeks,
            offers=list(template.offers),
            exposures_stated=True,
            exposures=list(template.exposures),
            conditions_stated=True,
            offers_conditions=list(template.conditions),
        )
        data.update(_demand_data(template.demand_map()))
    else:
        data.update(_demand_data({}))
    return data


class ActionForm(FlaskForm):
    """The CSRF token of one-click actions (submit, confirm, pause, ...)."""

    next = HiddenField()


class SendBackForm(FlaskForm):
    reason = TextAreaField(
        _l("What should the employer change?"),
        validators=[DataRequired(), Length(max=1000)],
        render_kw={"rows": 3},
    )
    next = HiddenField()


class ImportForm(FlaskForm):
    employer_id = IntSelectField(_l("Employer"), validators=[DataRequired()])
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired()])
    submit_new = BooleanField(
        _l("Offer new places at once (they wait for review where a network reviews)")
    )


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])
