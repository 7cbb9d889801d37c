"""placements: slot constraints, introduction, evaluation (issue 12)

Revision ID: d1plac000001
Revises: c6band000001
Create Date: 2026-12-04 20:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d1plac000001"
down_revision = "c6band000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Repair before constraining: a place that holds more placements than slots (the
    # over-booking of issue 12) gets as many slots as it really holds, so nobody is
    # silently dropped; a negative count cannot be real and becomes 0.
    op.execute("UPDATE places SET taken_slots = 0 WHERE taken_slots < 0")
    op.execute("UPDATE places SET slots = taken_slots WHERE taken_slots > slots")
    with op.batch_alter_table("places") as batch:
        batch.create_check_constraint(
            op.f("ck_places_taken_slots_not_negative"), "taken_slots >= 0"
        )
        batch.create_check_constraint(
            op.f("ck_places_taken_slots_within_slots"), "taken_slots <= slots"
        )
    with op.batch_alter_table("placements") as batch:
        batch.add_column(sa.Column("target_hours_per_week", sa.Double(), nullable=True))
        batch.add_column(
            sa.Column("introduction_recorded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("introduction_planned_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.drop_column("introduction_planned_on")
        batch.drop_column("introduction_recorded_at")
        batch.drop_column("target_hours_per_week")
    with op.batch_alter_table("places") as batch:
        batch.drop_constraint(op.f("ck_places_taken_slots_within_slots"), type_="check")
        batch.drop_constraint(op.f("ck_places_taken_slots_not_negative"), type_="check")
