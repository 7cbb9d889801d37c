"""Form building blocks shared by several areas."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, widgets
from wtforms.validators import ValidationError

from registry.domain.geo import parse_postcode

SBI_SECTIONS = [
    ("A", _l("A - Agriculture, forestry and fishing")),
    ("B", _l("B - Mining and quarrying")),
    ("C", _l("C - Manufacturing")),
    ("D", _l("D - Energy supply")),
    ("E", _l("E - Water supply and waste management")),
    ("F", _l("F - Construction")),
    ("G", _l("G - Wholesale and retail trade")),
    ("H", _l("H - Transport and storage")),
    ("I", _l("I - Accommodation and food service")),
    ("J", _l("J - Information and communication")),
    ("K", _l("K - Financial services")),
    ("L", _l("L - Real estate")),
    ("M", _l("M - Professional, scientific and technical services")),
    ("N", _l("N - Administrative and support services")),
    ("O", _l("O - Public administration")),
    ("P", _l("P - Education")),
    ("Q", _l("Q - Health and social work")),
    ("R", _l("R - Culture, sports and recreation")),
    ("S", _l("S - Other service activities")),
    ("T", _l("T - Households as employers")),
    ("U", _l("U - Extraterritorial organisations")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class IntSelectField(SelectField):
    """A select whose values are integers; anything else is a validation error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", int)
        super().__init__(*args, **kwargs)


def dutch_postcode(require_letters: bool = True):
    def check(form, field) -> None:
        if field.data and parse_postcode(field.data, require_letters=require_letters) is None:
            raise ValidationError(_l("Enter a Dutch postcode like 1234 AB."))

    return check


def kvk_number(form, field) -> None:
    from registry.services.organisations import validate_kvk

    if field.data and validate_kvk(field.data) is None:
        raise ValidationError(_l("A KvK number has exactly 8 digits."))
