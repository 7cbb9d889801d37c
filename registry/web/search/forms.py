"""The search pages' request parsing: the coach's filters from the query string.

Kept in the web layer: the search's use cases take a parsed ``SearchFilters``. Invalid
values raise ``ValidationFailed`` with a Dutch message per field, which the views show
next to the filter (and search without it), never a 500.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.models import PlaceKind
from registry.search.usecases import SearchFilters
from registry.services.errors import ValidationFailed

MAX_FILTER_KM = 200


def parse_filters(args: Mapping[str, Any] | Any) -> SearchFilters:
    """Filters from query parameters; invalid values raise ``ValidationFailed``."""
    getlist = args.getlist if hasattr(args, "getlist") else lambda k: list(args.get(k, []) or [])
    errors: dict[str, list[object]] = {}
    kinds = set()
    for value in getlist("kind"):
        if value == "":
            continue
        if value not in {k.value for k in PlaceKind}:
            errors.setdefault("kind", []).append(_l("Unknown kind of place."))
        else:
            kinds.add(value)
    km = None
    raw_km = args.get("km") if hasattr(args, "get") else None
    if raw_km not in (None, ""):
        try:
            km = float(raw_km)
        except (TypeError, ValueError):
            km = -1.0
        if not math.isfinite(km) or not 1 <= km <= MAX_FILTER_KM:
            errors.setdefault("km", []).append(
                _l("Distance must be a number of km from 1 to %(max)s.", max=MAX_FILTER_KM)
            )
            km = None
    networks = set()
    for value in getlist("network"):
        if value == "":
            continue
        if not str(value).isdigit() or not 0 < int(value) < 2**31:
            errors.setdefault("network", []).append(_l("Unknown network."))
        else:
            networks.add(int(value))
    sector = args.get("sector") if hasattr(args, "get") else None
    if sector in ("", None):
        sector = None
    elif not (isinstance(sector, str) and len(sector) == 1 and "A" <= sector <= "U"):
        errors.setdefault("sector", []).append(_l("Unknown sector."))
        sector = None
    if errors:
        raise ValidationFailed(errors)
    return SearchFilters(frozenset(kinds), km, frozenset(networks), sector)
