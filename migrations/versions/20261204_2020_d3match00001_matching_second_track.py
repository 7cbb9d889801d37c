"""search: second-track matching rules (issue 12)

Revision ID: d3match00001
Revises: d2auth000001
Create Date: 2026-12-04 20:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d3match00001"
down_revision = "d2auth000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
