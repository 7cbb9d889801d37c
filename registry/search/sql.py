"""The search's SQL: the prefilter statement, its capacity conditions and the few other
reads (the dialect's ways with parameters and rows are :mod:`registry.search.dialect`).

The prefilter is plain SQL, the same conditions on SQLite and PostgreSQL: its index
seeks come from a ``WITH strips`` row source (:func:`geometry.strip_rows`) joined to
``places``, served by the covering index ``ix_places_match`` (status, kind, lat_band,
lon, then every column it reads), so neither database touches a table row for it.
Written out rather than built with SQLAlchemy expressions: the statement differs per
capacity, and building and compiling it cost more than the query itself. The seeks are
``VALUES`` rows on SQLite and three unnested arrays on PostgreSQL (so the statement's
text does not change with their number there).

Every value is a bound parameter; the only literals in a statement are integers.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select

from registry.domain import geo
from registry.domain.matching import MAX_NEAR_MISS_CONFLICTS, SearchFacts
from registry.domain.workload import capacity_week_hours, catalogue_version
from registry.models import Place, PlaceStatus
from registry.search.codec import (
    CONFLICT_BIT_COLUMNS,
    NETWORK_BITS,
    conflict_masks,
    match_code_length,
    network_bits,
)
from registry.search.dialect import (
    binds_arrays,
    date_param,
    fetch_rows,
    member_sql,
    places_source,
)
from registry.search.geometry import disk_params, inside_params, strip_rows

# --------------------------------------------------------------------------- conditions

# The columns the prefilter returns, all in the covering index ix_places_match (the
# prefilter reads no table row): id, coordinate, hours, match code. The few facts the
# matcher needs besides are read for the shortlist only (each column the prefilter
# returns costs per row; the shortlist is ~70 rows).
SCAN_COLUMNS = (
    "id",
    "lat",
    "lon",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "match_code",
)
# What the matcher needs of a shortlisted place besides the prefilter's columns (the
# first nine), then what the page shows of it: read for the shortlist only, in one query
# with the employer's name and this month's new proposals (the intake cap).
SHORTLIST_COLUMNS = (
    "p.id",
    "p.kind",
    "p.sector",
    "p.function",
    "p.available_until",
    "p.ongoing",
    "p.slots",
    "p.taken_slots",
    "p.employer_id",
    "p.title",
    # the employer's name per row (an index lookup each; a join made PostgreSQL hash
    # every employer for the page's 70 places)
    "(SELECT COALESCE(NULLIF(e.trade_name, ''), e.legal_name) FROM employers e"
    " WHERE e.id = p.employer_id)",
    "p.town",
    "p.postcode",
    "p.lat",
    "p.lon",
    "p.min_hours_week",
    "p.usual_hours_week",
    "p.lower_start_allowed",
    "p.completeness",
    "p.last_confirmed_at",
    "p.created_at",
    "p.intake_cap_per_month",
)
AT_CAP = SHORTLIST_COLUMNS.index("p.intake_cap_per_month")


@dataclass(frozen=True)
class Scope:
    """Where to look: the networks the candidate's search may use, and extra filters."""

    network_ids: frozenset[int]
    sector: str | None = None


@functools.lru_cache(maxsize=256)
def conflict_free_sql(key: tuple, person: float | None) -> tuple[str, tuple[tuple[str, int], ...]]:
    """A SQL condition that holds for every place without a conflict (and, being derived
    from the same comparisons, fails only for places with one, unless their conflict
    bits are unset): the conflict bits tested against this capacity's masks, and the
    hours rule; ``""`` when nothing can conflict. Returns the condition (``{name}``
    placeholders) and the values to bind. The cheap capacity precheck of the prefilter:
    integer tests on columns of the covering index, the same portable SQL everywhere."""
    terms = []
    bound = []
    for i, (column, mask) in enumerate(zip(CONFLICT_BIT_COLUMNS, conflict_masks(key), strict=True)):
        if mask:
            terms.append(f"({column} & {{cmask{i}}}) = 0")
            bound.append((f"cmask{i}", mask))
    if person is not None and math.isfinite(person):
        terms.append(
            "(COALESCE(min_hours_week, usual_hours_week, 0) <= {person}"
            " OR lower_start_allowed = {yes})"
        )
    return " AND ".join(terms), tuple(bound)


def _at_most_bits_sql(value: str, k: int) -> str:
    """SQL that ``value`` (an integer expression) has at most ``k`` bits set: clearing
    the lowest set bit (``x & (x - 1)``) ``k`` times leaves zero. Portable integer SQL."""
    for _ in range(k):
        value = f"({value} & ({value} - 1))"
    return f"{value} = 0"


@functools.lru_cache(maxsize=256)
def near_miss_tiers_sql(key: tuple) -> tuple[str, ...]:
    """SQL conditions for the near-miss reads of places with a conflict, in rank order.
    A place's conflicting positions are the bits its conflict bits share with this
    capacity's masks (the hours aside), so:

    - the first holds for every place with at most one conflict (at most one shared bit
      in all; a place with unset bits passes);
    - the second for every other place with at most ``MAX_NEAR_MISS_CONFLICTS`` (the most
      a near miss has): no column shares more bits than that.

    Necessary conditions, not exact ones: the search scores every row it reads. Every
    place with one conflict ranks before every place with two, so the second read is
    needed only when the first leaves the result short. ``("",)`` when no bit can
    conflict (only the hours can). The masks are the parameters ``cmask0``, ... that
    the :func:`conflict_free_sql` binds, so the statement text does not change with them."""
    shared = [  # the masks as the parameters conflict_free_sql binds
        f"({column} & {{cmask{i}}})"
        for i, (column, mask) in enumerate(
            zip(CONFLICT_BIT_COLUMNS, conflict_masks(key), strict=True)
        )
        if mask
    ]
    if not shared:
        return ("",)
    one = " AND ".join(_at_most_bits_sql(x, 1) for x in shared)
    if len(shared) > 1:  # and at most one column shares a bit
        one += " AND " + " + ".join(f"CASE WHEN {x} = 0 THEN 0 ELSE 1 END" for x in shared)
        one += " <= 1"
    few = " AND ".join(_at_most_bits_sql(x, MAX_NEAR_MISS_CONFLICTS) for x in shared)
    return (one, f"NOT ({one}) AND {few}")


def disk_sql(prefix: str, *, lon_range: bool = True) -> str:
    """The box and planar lower bound of a disk (parameters from
    :func:`geometry.disk_params`); without ``lon_range`` when the index seeks already
    bound it."""
    p = prefix
    return (
        (f"lon BETWEEN {{{p}min_lon}} AND {{{p}max_lon}} AND " if lon_range else "")
        + f"lat BETWEEN {{{p}min_lat}} AND {{{p}max_lat}}"
        " AND ((lat - {lat0}) * {ky}) * ((lat - {lat0}) * {ky})"
        f" + ((lon - {{lon0}}) * {{{p}kx}}) * ((lon - {{lon0}}) * {{{p}kx}}) <= {{{p}r2}}"
    )


def inside_sql(prefix: str) -> str:
    """The planar disk of :func:`geometry.inside_params`: every row meeting it lies
    within its radius by the geodesic."""
    p = prefix
    return (
        f"((lat - {{lat0}}) * {{{p}ky}}) * ((lat - {{lat0}}) * {{{p}ky}})"
        f" + ((lon - {{lon0}}) * {{{p}kx}}) * ((lon - {{lon0}}) * {{{p}kx}}) <= {{{p}r2}}"
    )


# --------------------------------------------------------------------------- prefilter


def _strips_sql(
    conn: Connection, params: dict[str, Any], rows: list[tuple[int, float, float]]
) -> str:
    """The index seeks as a row source: on PostgreSQL three arrays (band, lowest and
    highest longitude) unnested, so the text stays the same whatever their number; else
    a ``VALUES`` list of bound parameters."""
    if binds_arrays(conn):
        params["s_bands"], params["s_los"], params["s_his"] = (
            list(x) for x in zip(*rows, strict=True)
        )
        return "SELECT * FROM unnest({s_bands}::integer[], {s_los}::float8[], {s_his}::float8[])"
    out = []
    for i, (band, lo, hi) in enumerate(rows):
        params[f"sb{i}"], params[f"sl{i}"], params[f"sh{i}"] = band, lo, hi
        out.append(f"({{sb{i}}}, {{sl{i}}}, {{sh{i}}})")
    return "VALUES " + ", ".join(out)


def _network_sql(conn: Connection, params: dict[str, Any], scope: Scope) -> str:
    """Offered to one of the networks: the place's network bits (one integer test),
    confirmed in ``place_networks`` where a bit may stand for another network too (once
    a network id reaches 63: the uncorrelated ``max(id)`` is evaluated once per
    statement, so the check costs no round trip of its own), or where a place was
    written without its bits."""
    ids = sorted(scope.network_ids)
    networks = member_sql(conn, params, "network_id", "net", ids)
    params["net_mask"] = network_bits(ids)
    params["net_bits"] = NETWORK_BITS
    member = (
        "EXISTS (SELECT 1 FROM place_networks WHERE place_id = places.id"  # noqa: S608
        f" AND {networks})"
    )
    aliased = "" if max(ids) >= NETWORK_BITS else "(SELECT max(id) FROM networks) < {net_bits} OR "
    return (
        "((network_bits & {net_mask}) <> 0 AND ("
        + aliased
        + member
        + ") OR network_bits = 0 AND "
        + member
        + ")"
    )


def _filters_sql(conn: Connection, params: dict[str, Any], facts: SearchFacts, scope: Scope) -> str:
    """The optional sector; never the candidate's home employer; only places whose
    period has not ended (``matching.excluded``): all columns of the covering index."""
    out = ""
    if scope.sector:
        params["sector"] = scope.sector
        out += " AND sector = {sector}"
    if facts.home_employer_id is not None:
        params["home_employer"] = facts.home_employer_id
        out += " AND employer_id <> {home_employer}"
    if facts.today is not None:
        params["today"] = date_param(conn, facts.today)
        out += " AND (available_until IS NULL OR available_until >= {today})"
    return out


def prefilter(
    conn: Connection,
    facts: SearchFacts,
    scope: Scope,
    radius_km: float,
    extra: str = "",
    bound: Sequence[tuple[str, Any]] = (),
    inner_km: float | None = None,
    beyond_km: float | None = None,
) -> list[tuple[Any, ...]]:
    """The rows (``SCAN_COLUMNS``) of the open places with a free slot, of an accepted
    kind, in the candidate's networks, inside the latitude band and the (1/cos(latitude)
    widened) longitude band around the circle of ``radius_km``, inside a planar lower
    bound of that circle, and meeting ``extra`` (the capacity precheck, SQL text with
    ``{name}`` placeholders for the parameters below and those ``bound`` adds).

    With ``inner_km``, the rows this prefilter returns for ``inner_km`` (same arguments
    otherwise) are left out: the same box and planar conditions, negated, on the same
    bound values, so the two reads are disjoint and together hold every row of this one
    without ``inner_km`` (the box and disk of ``radius_km`` contain those of
    ``inner_km``): the ring search relies on it. The index seeks skip the inner disk's
    interior (:func:`geometry.strip_rows`), so a ring read scans little more than its
    ring. With ``beyond_km``, the rows surely within ``beyond_km`` by the geodesic
    (:func:`inside_sql`) are left out too, and the seeks skip them: a near-miss read
    needs no place that is surely within the travel range.
    """
    lat0, lon0 = facts.home
    params: dict[str, Any] = {
        **disk_params(facts.home, radius_km, ""),
        "lat0": lat0,
        "lon0": lon0,
        "ky": geo.KM_PER_DEGREE_LAT,
        "status": PlaceStatus.OPEN.value,
        "person": capacity_week_hours(facts.capacity),
        "yes": True,
        **dict(bound),
    }
    kinds = member_sql(conn, params, "kind", "kind", sorted(facts.kinds))
    box = geo.bounding_box(facts.home, radius_km)
    inner, hole = "", None
    if inner_km is not None:
        params.update(disk_params(facts.home, inner_km, "i_"))
        inner = " AND NOT (" + disk_sql("i_") + ")"
        hole = (geo.bounding_box(facts.home, inner_km), "i_")
    if beyond_km is not None:
        values, inside = inside_params(facts.home, beyond_km, box, "h_")
        params.update(values)
        inner += " AND NOT (" + inside_sql("h_") + ")"
        hole = (inside, "h_")  # it holds the inner disk: less than the range in radius
    strips = _strips_sql(conn, params, strip_rows(params, facts.home, box, hole))
    # the cheap, selective integer tests (capacity, network) right after the index seek
    then = " AND ".join(t for t in (extra, _network_sql(conn, params, scope)) if t)
    sql = (
        f"WITH strips (s_band, s_lo, s_hi) AS ({strips})"  # noqa: S608 - placeholders
        f" SELECT {', '.join(SCAN_COLUMNS)} FROM strips CROSS JOIN {places_source(conn)}"
        f" WHERE status = {{status}} AND {kinds}"
        " AND lat_band = s_band AND lon BETWEEN s_lo AND s_hi"
        + f" AND {then} AND "
        + disk_sql("", lon_range=False)
        + inner
        + " AND slots > taken_slots"
        + _filters_sql(conn, params, facts, scope)
    )
    return fetch_rows(conn, sql, params)


# --------------------------------------------------------------------------- other reads


def _datetime_param(conn: Connection, moment: dt.datetime) -> Any:
    """A time as the driver compares it with a ``DateTime`` column: SQLAlchemy stores
    times on SQLite as UTC ISO text with a space and microseconds."""
    if conn.dialect.name == "sqlite":
        return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def read_shortlist(
    conn: Connection, ids: Sequence[int], since: dt.datetime | None = None
) -> dict[int, tuple[Any, ...]]:
    """``SHORTLIST_COLUMNS`` of the shortlisted places, by id, in one query, each row
    ending with the count of proposals since ``since`` (0 without it, or without an
    intake cap: the count only decides whether the cap is reached). On the DBAPI
    cursor: dates and times come back as the driver gives them (ISO text on SQLite),
    see :func:`shown.as_date` and :func:`shown.as_datetime`."""
    params: dict[str, Any] = {}
    listed = member_sql(conn, params, "p.id", "id", list(ids))
    intake = "0"
    if since is not None:
        params["since"] = _datetime_param(conn, since)
        intake = (  # counted where it matters: for places with an intake cap
            "CASE WHEN p.intake_cap_per_month IS NULL THEN 0 ELSE"
            f" ({_INTAKE.format(place='p.id')}) END"
        )
    sql = (
        f"SELECT {', '.join(SHORTLIST_COLUMNS)}, {intake} FROM places p"  # noqa: S608
        f" WHERE {listed}"
    )
    return {row[0]: row for row in fetch_rows(conn, sql, params)}


_INTAKE = (
    "SELECT count(*) FROM placements pl WHERE pl.place_id = {place} AND pl.proposed_at >= {{since}}"
)


def read_intake(conn: Connection, ids: Sequence[int], since: dt.datetime) -> dict[int, int]:
    """The proposals per place of ``ids`` since ``since`` (places without any left out)."""
    params: dict[str, Any] = {"since": _datetime_param(conn, since)}
    listed = member_sql(conn, params, "pl.place_id", "id", list(ids))
    sql = (
        "SELECT pl.place_id, count(*) FROM placements pl"  # noqa: S608
        f" WHERE {listed} AND pl.proposed_at >= {{since}} GROUP BY pl.place_id"
    )
    return dict(fetch_rows(conn, sql, params))


_RECODE_COLUMNS = (
    Place.id,
    Place.demands,
    Place.exposures,
    Place.offers_conditions,
    Place.min_hours_week,
    Place.usual_hours_week,
    Place.lower_start_allowed,
)


def read_for_recode(conn: Connection, ids: Sequence[int]) -> list[Any]:
    """The demand columns of places whose match code must be re-encoded."""
    return list(conn.execute(select(*_RECODE_COLUMNS).where(Place.id.in_(list(ids)))))


RING_MIN_PLACES = 250_000  # fewer places (by max id): one read costs less than rings


class TableFacts(NamedTuple):
    max_id: int  # the table's size, roughly: the expanding disks pay on large tables
    stale_codes: bool  # some match code has another length: written for another catalogue

    @property
    def large(self) -> bool:
        return self.max_id >= RING_MIN_PLACES


def table_facts(conn: Connection) -> TableFacts:
    """Facts about the places table, read once per connection and catalogue version.
    ``large`` is a heuristic, never a correctness matter. ``stale_codes`` is: a code of
    another length was written for another catalogue, so its conflict bits cannot be
    trusted either, and the search then reads without the bit precheck (every place
    scored from its re-encoded code) until ``flask --app registry places recode`` has
    refreshed them."""
    version = catalogue_version()
    cached = conn.info.get("search_table_facts")
    if cached is None or cached[0] != version:
        size = conn.execute(select(func.max(Place.id))).scalar() or 0
        stale = conn.execute(
            select(Place.id)
            .where(func.length(Place.match_code).not_in((0, match_code_length())))
            .limit(1)
        ).first()
        cached = conn.info["search_table_facts"] = (version, TableFacts(size, stale is not None))
    return cached[1]
