"""matching search visits

The last search per user and candidate (for "new since your previous search") and the
covering index of the match search's prefilter.

Revision ID: c2match00001
Revises: c1cands00001
Create Date: 2026-11-25 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c2match00001"
down_revision = "c1cands00001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("searched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_searched_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_search_visits_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_search_visits_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_visits")),
        sa.UniqueConstraint("user_id", "candidate_id", name=op.f("uq_search_visits_user_id")),
    )
    with op.batch_alter_table("search_visits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_search_visits_candidate_id"), ["candidate_id"], unique=False
        )
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(
            "ix_places_match",
            [
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
            ],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_match")
    with op.batch_alter_table("search_visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_visits_candidate_id"))
    op.drop_table("search_visits")
