"""home counts and curation order: indexes (issue 17)

Revision ID: e6home000001
Revises: e5hook000001
Create Date: 2026-12-05 04:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e6home000001"
down_revision = "e5hook000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.create_index(
            "ix_places_status_updated", ["status", "updated_at", "id"], unique=False
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_events_action", ["object_type", "action", "object_id"], unique=False
        )
    op.create_index("ix_places_title", "places", [sa.text("lower(title)"), "id"], unique=False)
    op.create_index(
        "ix_places_confirmed",
        "places",
        [sa.text("coalesce(last_confirmed_at, created_at)"), "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_places_confirmed", table_name="places")
    op.drop_index("ix_places_title", table_name="places")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action")
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_status_updated")
