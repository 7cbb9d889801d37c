"""candidates privacy and consent

Capacity profile hours become band indexes (integers) into the workload catalogue's
hours bands; the consent scope gains ``share_home_employer`` (a string enum without a
database constraint, so no schema change is needed for it).

Revision ID: c1cands00001
Revises: bc4d5d554c8b
Create Date: 2026-11-25 13:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c1cands00001"
down_revision = "bc4d5d554c8b"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("capacity_profiles", schema=None) as batch_op:
        for name in ("hours_per_day", "hours_per_week"):
            batch_op.alter_column(
                name,
                existing_type=sa.Double(),
                type_=sa.Integer(),
                existing_nullable=True,
                postgresql_using=f"round({name})::integer",
            )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.alter_column(
            "scope",
            existing_type=sa.Enum(
                "share_profile", "introduce", name="consentscope", native_enum=False, length=32
            ),
            type_=sa.Enum(
                "share_profile",
                "introduce",
                "share_home_employer",
                name="consentscope",
                native_enum=False,
                length=32,
            ),
            existing_nullable=False,
        )


def downgrade():
    op.execute("DELETE FROM consents WHERE scope = 'share_home_employer'")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.alter_column(
            "scope",
            existing_type=sa.Enum(
                "share_profile",
                "introduce",
                "share_home_employer",
                name="consentscope",
                native_enum=False,
                length=32,
            ),
            type_=sa.Enum(
                "share_profile", "introduce", name="consentscope", native_enum=False, length=32
            ),
            existing_nullable=False,
        )
    with op.batch_alter_table("capacity_profiles", schema=None) as batch_op:
        for name in ("hours_per_day", "hours_per_week"):
            batch_op.alter_column(
                name, existing_type=sa.Integer(), type_=sa.Double(), existing_nullable=True
            )
