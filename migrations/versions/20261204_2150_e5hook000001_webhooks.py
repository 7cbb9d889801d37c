"""webhooks (issue 18w)

Revision ID: e5hook000001
Revises: e4api0000001
Create Date: 2026-12-04 21:50:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e5hook000001"
down_revision = "e4api0000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
