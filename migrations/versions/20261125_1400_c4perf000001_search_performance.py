"""search performance

``places.match_code``: the place's demands, exposures and conditions in one fixed-length
code the match search decodes in bulk; ``places.lat_band``: floor(lat * 10), so the
search seeks the index per 0.1-degree band straight to its longitude range (both filled
here for existing places, kept up to date by the places service); and the covering
index ``ix_places_match`` rebuilt as (status, kind, lat_band, lon, lat, ...) carrying
every column the search's prefilter reads.

Revision ID: c4perf000001
Revises: c3plac00001
Create Date: 2026-11-25 14:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c4perf000001"
down_revision = "c3plac00001"
branch_labels = None
depends_on = None

_OLD_INDEX = [
    "status",
    "lat",
    "lon",
    "kind",
    "sector",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "demand_code",
    "id",
]
_NEW_INDEX = [
    "status",
    "kind",
    "lat_band",
    "lon",
    "lat",
    "slots",
    "taken_slots",
    "sector",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "match_code",
    "id",
]


def _backfill() -> None:
    # The code is derived with the application's own encoder (the catalogue lives in
    # code); a place left empty is still found: the search encodes it on the fly.
    from registry.search.codec import demand_facts_of, encode_match_code, lat_band

    bind = op.get_bind()
    places = sa.table(
        "places",
        sa.column("id", sa.Integer),
        sa.column("lat", sa.Float),
        sa.column("lat_band", sa.Integer),
        sa.column("demands", sa.JSON),
        sa.column("exposures", sa.JSON),
        sa.column("offers_conditions", sa.JSON),
        sa.column("min_hours_week", sa.Integer),
        sa.column("usual_hours_week", sa.Integer),
        sa.column("lower_start_allowed", sa.Boolean),
        sa.column("match_code", sa.String),
    )
    rows = bind.execute(
        sa.select(
            places.c.id,
            places.c.lat,
            places.c.demands,
            places.c.exposures,
            places.c.offers_conditions,
            places.c.min_hours_week,
            places.c.usual_hours_week,
            places.c.lower_start_allowed,
        )
    ).all()
    updates = [
        {"pid": r.id, "code": encode_match_code(demand_facts_of(r)), "band": lat_band(r.lat)}
        for r in rows
    ]
    if updates:
        bind.execute(
            places.update()
            .where(places.c.id == sa.bindparam("pid"))
            .values(match_code=sa.bindparam("code"), lat_band=sa.bindparam("band")),
            updates,
        )


def upgrade():
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("match_code", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("lat_band", sa.Integer(), nullable=True))
        batch_op.drop_index("ix_places_match")
        batch_op.create_index("ix_places_match", _NEW_INDEX, unique=False)
    _backfill()


def downgrade():
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_match")
        batch_op.create_index("ix_places_match", _OLD_INDEX, unique=False)
        batch_op.drop_column("lat_band")
        batch_op.drop_column("match_code")
