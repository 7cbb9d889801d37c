"""matchmaking rounds (issue 19)

Revision ID: e1mtch000001
Revises: d7pres000001
Create Date: 2026-12-04 21:10:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e1mtch000001"
down_revision = "d7pres000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
