"""search: drop the superseded demand_code (issue 16)

``places.demand_code`` (one character per workload dimension, for a precheck the search
replaced with the match code and its conflict bits) was rewritten on every save and
never read. Dropped here; a downgrade brings the column back empty (``''``, as a place
written outside the places service had it), which the code before this revision never
read either.

Revision ID: d5srch000001
Revises: d4flow000001
Create Date: 2026-12-04 20:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d5srch000001"
down_revision = "d4flow000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_column("demand_code")


def downgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demand_code", sa.String(length=64), nullable=False, server_default="")
        )
