"""match alerts (issue 20a)

Revision ID: e2alrt000001
Revises: e1mtch000001
Create Date: 2026-12-04 21:20:00

Followed candidate searches (with the columns a published place is tested against),
followed places, and the (user, candidate, place) pairs already announced.
"""

import sqlalchemy as sa
from alembic import op

revision = "e2alrt000001"
down_revision = "e1mtch000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("max_km", sa.Float(), nullable=False),
        sa.Column("week_hours", sa.Float(), nullable=True),
        sa.Column("lat_min", sa.Float(), nullable=False),
        sa.Column("lat_max", sa.Float(), nullable=False),
        sa.Column("lon_min", sa.Float(), nullable=False),
        sa.Column("lon_max", sa.Float(), nullable=False),
        sa.Column("kind_bits", sa.BigInteger(), nullable=False),
        sa.Column("network_bits", sa.BigInteger(), nullable=False),
        sa.Column("cmask_1", sa.BigInteger(), nullable=False),
        sa.Column("cmask_2", sa.BigInteger(), nullable=False),
        sa.Column("home_employer_id", sa.Integer(), nullable=True),
        sa.Column("sector", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_search_follows_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_search_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_follows")),
        sa.UniqueConstraint("user_id", "candidate_id", name=op.f("uq_search_follows_user_id")),
    )
    op.create_index(
        "ix_search_follows_box",
        "search_follows",
        [
            *("active", "lat_min", "lat_max", "lon_min", "lon_max", "kind_bits"),
            *("network_bits", "cmask_1", "cmask_2", "week_hours", "home_employer_id"),
        ],
    )
    op.create_index(op.f("ix_search_follows_user_id"), "search_follows", ["user_id"])
    op.create_index(op.f("ix_search_follows_candidate_id"), "search_follows", ["candidate_id"])

    op.create_table(
        "place_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_place_follows_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_place_follows_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_follows")),
        sa.UniqueConstraint("user_id", "place_id", name=op.f("uq_place_follows_user_id")),
    )
    op.create_index(op.f("ix_place_follows_user_id"), "place_follows", ["user_id"])
    op.create_index(op.f("ix_place_follows_place_id"), "place_follows", ["place_id"])

    op.create_table(
        "alert_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_alert_pairs_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_alert_pairs_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_alert_pairs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_pairs")),
        sa.UniqueConstraint(
            "user_id", "candidate_id", "place_id", name=op.f("uq_alert_pairs_user_id")
        ),
    )
    op.create_index(op.f("ix_alert_pairs_candidate_id"), "alert_pairs", ["candidate_id"])
    op.create_index(op.f("ix_alert_pairs_place_id"), "alert_pairs", ["place_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_alert_pairs_place_id"), table_name="alert_pairs")
    op.drop_index(op.f("ix_alert_pairs_candidate_id"), table_name="alert_pairs")
    op.drop_table("alert_pairs")
    op.drop_index(op.f("ix_place_follows_place_id"), table_name="place_follows")
    op.drop_index(op.f("ix_place_follows_user_id"), table_name="place_follows")
    op.drop_table("place_follows")
    op.drop_index(op.f("ix_search_follows_candidate_id"), table_name="search_follows")
    op.drop_index(op.f("ix_search_follows_user_id"), table_name="search_follows")
    op.drop_index("ix_search_follows_box", table_name="search_follows")
    op.drop_table("search_follows")
