"""Form building blocks shared by several areas."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from werkzeug.routing import ValidationError as RoutingValidationError
from wtforms import DateField, DecimalField, FloatField, SelectField, SelectMultipleField, widgets
from wtforms.validators import ValidationError

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


# The largest id a route or a query parameter may name: ids are 32-bit integers on
# PostgreSQL, so anything larger cannot exist (404, never a database error).
MAX_ID = 2**31 - 1
NOT_A_NUMBER = _l("Enter a number, such as 12 or 12.5.")


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` for the whole app: 0 to MAX_ID, so hostile ids are a 404, not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # also spares int() a huge digit string
            raise RoutingValidationError()
        return super().to_python(value)


def bounded_id(value: object) -> int | None:
    """An id from a query or form value, or None when it is not one that can exist."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _not_finite(valuelist: list) -> bool:
    """True for NaN, sNaN and infinities, also spelled as a number too large for a float."""
    text = str(valuelist[0]).strip() if valuelist and valuelist[0] is not None else ""
    try:
        number = Decimal(text)
        return bool(text) and not (number.is_finite() and math.isfinite(float(number)))
    except (InvalidOperation, ValueError, OverflowError):
        return False  # not a number at all: the field's own parsing reports it


class FiniteFloatField(FloatField):
    """A FloatField that refuses NaN and infinities (``nan``, ``inf``, ``1e999``)."""

    def process_formdata(self, valuelist: list) -> None:
        if _not_finite(valuelist):
            self.data = None
            raise ValueError(NOT_A_NUMBER)
        super().process_formdata(valuelist)


class FiniteDecimalField(DecimalField):
    """A DecimalField that refuses NaN, sNaN and infinities (their comparisons raise)."""

    def process_formdata(self, valuelist: list) -> None:
        if _not_finite(valuelist):
            self.data = None
            raise ValueError(NOT_A_NUMBER)
        super().process_formdata(valuelist)


# --- one validator per kind of value (issue 14) ------------------------------------------
# Each calls the same check the services use (registry.services.value_checks), so a value
# is refused with the same message in every form, naming the range really enforced.


def postcode(form, field) -> None:
    """ "1234 AB" or "1234", the four digits a known postcode area."""
    from flask import current_app

    from registry.services.value_checks import check_postcode

    if field.data:
        _code, _area, problem = check_postcode(field.data, current_app.config)
        if problem:
            raise ValidationError(problem)


def hours_per_day(form, field) -> None:
    from registry.services.value_checks import check_hours_per_day

    if field.data is not None and (problem := check_hours_per_day(field.data)):
        raise ValidationError(problem)


def hours_per_week(form, field) -> None:
    from registry.services.value_checks import check_hours_per_week

    if field.data is not None and (problem := check_hours_per_week(field.data)):
        raise ValidationError(problem)


class DateValueField(DateField):
    """A date field whose unreadable input gets the one date message (issue 14)."""

    def process_formdata(self, valuelist: list) -> None:
        from registry.services.value_checks import DATE_MESSAGE

        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(DATE_MESSAGE)) from None


def dutch_postcode(require_letters: bool = True):
    """The postcode validator (kept for existing forms; every postcode uses one rule)."""
    return postcode


def validate_all(form, check) -> bool:
    """Field checks and the service's checks (those that need the database) in one round:
    every problem is on the form when the page comes back (issue 14). ``check`` raises
    ValidationFailed; its messages go to the fields that have none of their own yet."""
    from registry.services.errors import ValidationFailed

    if not form.is_submitted():
        return False
    ok = form.validate()
    try:
        check()
    except ValidationFailed as error:
        _merge(form, error)
        return False
    except (TypeError, ValueError):
        if ok:  # the form passed but the service could not read it: a programming error
            raise
    return ok


def _merge(form, error) -> None:
    for name, messages in error.errors.items():
        field = getattr(form, name, None)
        if field is None:
            target = form.form_errors
            if isinstance(target, tuple):
                form.form_errors = target = list(target)
            target.extend(m for m in messages if m not in target)
        elif not field.errors:
            field.errors = list(messages)


def kvk_number(form, field) -> None:
    from registry.services.organisations import validate_kvk

    if field.data and validate_kvk(field.data) is None:
        raise ValidationError(_l("A KvK number has exactly 8 digits."))
