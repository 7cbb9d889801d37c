"""Function templates: typical second-track functions with sensible default demands.

An employer starts a new place from one of these and adjusts what differs. Demands are
keyed by catalogue dimension (band numbers, light = 0); a dimension a template does not
mention stays "not stated", so a dimension added to the catalogue later is simply asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from registry.domain.workload import Demand
from registry.models import PlaceKind


@dataclass(frozen=True)
class FunctionTemplate:
    key: str
    title: object  # lazily translated
    function: object
    sector: str  # SBI section
    kind: PlaceKind
    summary: object
    demands: dict[str, tuple[int, bool, bool]]  # key -> (band, incidental, adjustable)
    exposures: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    min_hours_week: int = 8
    usual_hours_week: int = 16
    schedule_days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    offers: tuple[str, ...] = ("mentor",)
    typical_weeks: int = 12
    extra: dict[str, object] = field(default_factory=dict)

    def demand_map(self) -> dict[str, Demand]:
        return {k: Demand(b, inc, adj) for k, (b, inc, adj) in self.demands.items()}


def _d(**bands: int | tuple[int, bool, bool]) -> dict[str, tuple[int, bool, bool]]:
    return {k: (v if isinstance(v, tuple) else (v, False, False)) for k, v in bands.items()}


TEMPLATES: tuple[FunctionTemplate, ...] = (
    FunctionTemplate(
        "admin_assistant",
        _l("Administrative assistant"),
        _l("Administrative assistant"),
        "N",
        PlaceKind.WERKERVARINGSPLAATS,
        _l("Filing, data entry, answering mail and phone in a quiet office."),
        _d(
            attention=2,
            time_pressure=1,
            structure=1,
            customer_contact=(1, False, True),
            emotional_load=0,
            conflicts=(1, True, False),
            teamwork=1,
            screen_work=2,
            lifting=0,
            carrying=0,
            push_pull=0,
            bending=0,
            walking=0,
            stairs_climbing=1,
            kneeling=0,
            overhead_work=0,
            sitting=2,
            standing=0,
            evening_work=0,
            night_work=0,
            driving=0,
        ),
        conditions=("little_distraction", "predictable", "no_peaks", "no_supervision"),
        offers=("mentor", "adjustments", "training"),
    ),
    FunctionTemplate(
        "warehouse_worker",
        _l("Warehouse worker"),
        _l("Order picker"),
        "H",
        PlaceKind.STAGE,
        _l("Picking and packing orders, receiving goods, keeping the warehouse tidy."),
        _d(
            attention=1,
            time_pressure=2,
            structure=1,
            customer_contact=0,
            emotional_load=0,
            conflicts=0,
            teamwork=1,
            screen_work=0,
            lifting=(3, True, False),
            carrying=2,
            push_pull=2,
            bending=2,
            walking=3,
            stairs_climbing=1,
            kneeling=(2, False, True),
            overhead_work=1,
            sitting=0,
            standing=3,
            evening_work=(1, False, True),
            night_work=0,
            driving=(1, False, True),
        ),
        exposures=("cold", "noise", "ppe"),
        conditions=("predictable", "no_supervision"),
        min_hours_week=12,
        usual_hours_week=24,
        offers=("mentor", "training", "contract_chance"),
    ),
    FunctionTemplate(
        "care_assistant",
        _l("Care assistant"),
        _l("Care assistant (helpende zorg)"),
        "Q",
        PlaceKind.MEELOOPDAG,
        _l("Helping residents with meals, activities and small care tasks."),
        _d(
            attention=2,
            time_pressure=2,
            structure=1,
            customer_contact=3,
            emotional_load=(2, True, False),
            conflicts=(2, True, False),
            teamwork=2,
            screen_work=0,
            lifting=(2, True, True),
            carrying=1,
            push_pull=(2, False, True),
            bending=2,
            walking=3,
            stairs_climbing=1,
            kneeling=1,
            overhead_work=0,
            sitting=0,
            standing=2,
            evening_work=(1, False, True),
            night_work=0,
            driving=0,
        ),
        exposures=("skin",),
        conditions=("no_supervision",),
        typical_weeks=1,
        offers=("mentor", "training", "contract_chance"),
    ),
    FunctionTemplate(
        "customer_service",
        _l("Customer-service agent"),
        _l("Customer-service agent"),
        "N",
        PlaceKind.DETACHERING,
        _l("Answering customer questions by phone, chat and e-mail."),
        _d(
            attention=2,
            time_pressure=2,
            structure=1,
            customer_contact=(3, True, False),
            emotional_load=1,
            conflicts=1,
            teamwork=1,
            screen_work=3,
            lifting=0,
            carrying=0,
            push_pull=0,
            bending=0,
            walking=0,
            stairs_climbing=0,
            kneeling=0,
            overhead_work=0,
            sitting=3,
            standing=0,
            evening_work=(1, False, True),
            night_work=0,
            driving=0,
        ),
        conditions=("no_supervision", "predictable"),
        min_hours_week=16,
        usual_hours_week=24,
        typical_weeks=26,
        offers=("mentor", "training", "adjustments", "contract_chance"),
    ),
    FunctionTemplate(
        "groundskeeper",
        _l("Groundskeeper"),
        _l("Groundskeeper (groenvoorziening)"),
        "N",
        PlaceKind.WERKERVARINGSPLAATS,
        _l("Maintaining parks and gardens: mowing, pruning, weeding, clearing litter."),
        _d(
            attention=1,
            time_pressure=1,
            structure=1,
            customer_contact=1,
            emotional_load=0,
            conflicts=0,
            teamwork=1,
            screen_work=0,
            lifting=(3, True, False),
            carrying=(3, True, False),
            push_pull=2,
            bending=3,
            walking=3,
            stairs_climbing=1,
            kneeling=(3, False, True),
            overhead_work=(2, True, False),
            sitting=0,
            standing=3,
            evening_work=0,
            night_work=0,
            driving=(1, False, True),
        ),
        exposures=("cold", "noise", "vibration", "dust", "ppe"),
        conditions=("predictable", "no_supervision", "few_interruptions"),
        min_hours_week=12,
        usual_hours_week=24,
        offers=("mentor", "travel_allowance"),
    ),
    FunctionTemplate(
        "production_operator",
        _l("Production operator"),
        _l("Production operator"),
        "C",
        PlaceKind.DETACHERING,
        _l("Operating and monitoring a production line; quality checks; cleaning."),
        _d(
            attention=2,
            time_pressure=(3, True, False),
            structure=1,
            customer_contact=0,
            emotional_load=0,
            conflicts=0,
            teamwork=2,
            screen_work=1,
            lifting=(2, True, True),
            carrying=1,
            push_pull=1,
            bending=2,
            walking=2,
            stairs_climbing=2,
            kneeling=1,
            overhead_work=1,
            sitting=0,
            standing=3,
            evening_work=(2, False, False),
            night_work=(1, False, True),
            driving=0,
        ),
        exposures=("noise", "heat", "ppe"),
        conditions=("predictable", "no_supervision"),
        min_hours_week=16,
        usual_hours_week=32,
        typical_weeks=26,
        offers=("mentor", "training", "contract_chance"),
    ),
    FunctionTemplate(
        "kitchen_assistant",
        _l("Kitchen assistant"),
        _l("Kitchen assistant"),
        "I",
        PlaceKind.SNUFFELSTAGE,
        _l("Preparing vegetables, washing up and keeping the kitchen clean."),
        _d(
            attention=1,
            time_pressure=(2, True, False),
            structure=0,
            customer_contact=0,
            emotional_load=0,
            conflicts=0,
            teamwork=1,
            screen_work=0,
            lifting=2,
            carrying=2,
            push_pull=1,
            bending=2,
            walking=2,
            stairs_climbing=1,
            kneeling=1,
            overhead_work=1,
            sitting=0,
            standing=3,
            evening_work=(1, False, True),
            night_work=0,
            driving=0,
        ),
        exposures=("heat", "skin"),
        conditions=("no_supervision",),
        min_hours_week=6,
        usual_hours_week=12,
        typical_weeks=2,
        offers=("mentor",),
    ),
)

_BY_KEY = {t.key: t for t in TEMPLATES}


def get_template(key: str | None) -> FunctionTemplate | None:
    """The template with this key, or None for an unknown or empty key."""
    if not key or not isinstance(key, str):
        return None
    return _BY_KEY.get(key)
