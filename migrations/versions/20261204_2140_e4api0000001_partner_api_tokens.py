"""partner api tokens (issue 18)

Revision ID: e4api0000001
Revises: e3talk000001
Create Date: 2026-12-04 21:40:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e4api0000001"
down_revision = "e3talk000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
