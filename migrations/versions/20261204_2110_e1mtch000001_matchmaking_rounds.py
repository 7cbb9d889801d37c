"""matchmaking rounds (issue 19)

Revision ID: e1mtch000001
Revises: d7pres000001
Create Date: 2026-12-04 21:10:00

A network's matchmaking rounds (input and result kept as JSON) and the suggestions an
approved round sends to the candidates' coaches.
"""

import sqlalchemy as sa
from alembic import op

revision = "e1mtch000001"
down_revision = "d7pres000001"
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "match_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("options", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("organisation_ids", sa.JSON(), nullable=False),
        sa.Column("locks", sa.JSON(), nullable=False),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.Column("input", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("solves", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["network_id"],
            ["networks.id"],
            name=op.f("fk_match_rounds_network_id_networks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_match_rounds_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_match_rounds_approved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_rounds")),
    )
    op.create_index(op.f("ix_match_rounds_network_id"), "match_rounds", ["network_id"])
    op.create_table(
        "match_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("candidate_id", sa.Integer(), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["match_rounds.id"],
            name=op.f("fk_match_suggestions_round_id_match_rounds"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.id"],
            name=op.f("fk_match_suggestions_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["place_id"],
            ["places.id"],
            name=op.f("fk_match_suggestions_place_id_places"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_match_suggestions_placement_id_placements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_match_suggestions_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_suggestions")),
        sa.UniqueConstraint(
            "round_id", "candidate_id", "place_id", name=op.f("uq_match_suggestions_round_id")
        ),
    )
    for column in ("round_id", "candidate_id", "place_id"):
        op.create_index(
            op.f(f"ix_match_suggestions_{column}"), "match_suggestions", [column]
        )


def downgrade() -> None:
    for column in ("round_id", "candidate_id", "place_id"):
        op.drop_index(op.f(f"ix_match_suggestions_{column}"), table_name="match_suggestions")
    op.drop_table("match_suggestions")
    op.drop_index(op.f("ix_match_rounds_network_id"), table_name="match_rounds")
    op.drop_table("match_rounds")
