"""pages at scale: list indexes (issue 17)

Revision ID: d6scale00001
Revises: d5srch000001
Create Date: 2026-12-04 20:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d6scale00001"
down_revision = "d5srch000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index("ix_places_status_created", ["status", "created_at"], unique=False)
    op.create_index(
        "ix_places_status_title", "places", ["status", sa.text("lower(title)")], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_places_status_title", table_name="places")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_status_created")
