"""search: drop the superseded demand_code (issue 16)

Revision ID: d5srch000001
Revises: d4flow000001
Create Date: 2026-12-04 20:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d5srch000001"
down_revision = "d4flow000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
