"""search: finer latitude bands (0.05 degree), index entries in test order

``places.lat_band`` becomes ``floor(lat * 20)`` (was ``floor(lat * 10)``): the search
seeks ``ix_places_match`` once per accepted kind and band, so narrower bands let its
seeks follow the travel circle more closely (fewer index entries read for nothing) at
the price of a few more seeks. Recomputed here for every place; the places service
keeps it up to date (``registry.search.codec.lat_band``).

``ix_places_match`` is rebuilt with the columns the search tests right after its seek
(the conflict and network bits) before ``lat``: each index entry it reads is decoded
only as far as those tests need (about 8% less time per entry on SQLite).

Revision ID: c6band000001
Revises: c5bits000001
Create Date: 2026-11-25 17:00:00

"""

import math

import sqlalchemy as sa
from alembic import op

revision = "c6band000001"
down_revision = "c5bits000001"
branch_labels = None
depends_on = None

_PLACES = sa.table(
    "places",
    sa.column("id", sa.Integer),
    sa.column("lat", sa.Float),
    sa.column("lat_band", sa.Integer),
)


def _rebuild(bands_per_degree: int) -> None:
    bind = op.get_bind()
    updates = [
        {"pid": pid, "band": None if lat is None else math.floor(lat * bands_per_degree)}
        for pid, lat in bind.execute(sa.select(_PLACES.c.id, _PLACES.c.lat))
    ]
    if updates:
        bind.execute(
            _PLACES.update()
            .where(_PLACES.c.id == sa.bindparam("pid"))
            .values(lat_band=sa.bindparam("band")),
            updates,
        )


_KEY = ["status", "kind", "lat_band", "lon"]
_COVERED = [
    "slots",
    "taken_slots",
    "sector",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "match_code",
    "id",
]
_BITS = ["conflict_bits_1", "conflict_bits_2", "network_bits"]
_OLD_INDEX = [*_KEY, "lat", *_BITS, *_COVERED]
_NEW_INDEX = [*_KEY, *_BITS, "lat", *_COVERED]


def _reindex(columns: list[str]) -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_match")
        batch_op.create_index("ix_places_match", columns, unique=False)


def upgrade() -> None:
    _rebuild(20)
    _reindex(_NEW_INDEX)


def downgrade() -> None:
    _reindex(_OLD_INDEX)
    _rebuild(10)
