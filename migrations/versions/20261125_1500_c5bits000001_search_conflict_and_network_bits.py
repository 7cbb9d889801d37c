"""search conflict bits and network bits

``places.conflict_bits_1`` / ``conflict_bits_2``: the match code's conflict bits, so the
search's capacity precheck is two integer tests per index entry instead of a pattern
match on the code; ``places.network_bits``: bit ``id % 63`` set for each of the place's
networks, so the search's network filter is one integer test per row, not a subquery.
Filled here for existing places, kept up to date by the places service; all three join
the covering index ``ix_places_match``.

Revision ID: c5bits000001
Revises: c4perf000001
Create Date: 2026-11-25 15:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5bits000001"
down_revision = "c4perf000001"
branch_labels = None
depends_on = None

_OLD_INDEX = [
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
_NEW_INDEX = [
    *_OLD_INDEX[:5],
    "conflict_bits_1",
    "conflict_bits_2",
    "network_bits",
    *_OLD_INDEX[5:],
]


def _backfill() -> None:
    # Derived from the stored match code with the application's own layout (the
    # catalogue lives in code); a place left at zero is still found and scored exactly.
    from registry.search.codec import conflict_bits, network_bits

    bind = op.get_bind()
    places = sa.table(
        "places",
        sa.column("id", sa.Integer),
        sa.column("match_code", sa.String),
        sa.column("conflict_bits_1", sa.BigInteger),
        sa.column("conflict_bits_2", sa.BigInteger),
        sa.column("network_bits", sa.BigInteger),
    )
    links = sa.table(
        "place_networks", sa.column("place_id", sa.Integer), sa.column("network_id", sa.Integer)
    )
    networks: dict[int, list[int]] = {}
    for row in bind.execute(sa.select(links.c.place_id, links.c.network_id)):
        networks.setdefault(row.place_id, []).append(row.network_id)
    updates = []
    for row in bind.execute(sa.select(places.c.id, places.c.match_code)):
        first, second = conflict_bits(row.match_code or "")
        key = network_bits(networks.get(row.id, ()))
        updates.append({"pid": row.id, "b1": first, "b2": second, "key": key})
    if updates:
        bind.execute(
            places.update()
            .where(places.c.id == sa.bindparam("pid"))
            .values(
                conflict_bits_1=sa.bindparam("b1"),
                conflict_bits_2=sa.bindparam("b2"),
                network_bits=sa.bindparam("key"),
            ),
            updates,
        )


def upgrade():
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("conflict_bits_1", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("conflict_bits_2", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("network_bits", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.drop_index("ix_places_match")
        batch_op.create_index("ix_places_match", _NEW_INDEX, unique=False)
    _backfill()


def downgrade():
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_match")
        batch_op.create_index("ix_places_match", _OLD_INDEX, unique=False)
        batch_op.drop_column("network_bits")
        batch_op.drop_column("conflict_bits_2")
        batch_op.drop_column("conflict_bits_1")
