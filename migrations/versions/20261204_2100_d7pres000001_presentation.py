"""presentation (issue 15)

Revision ID: d7pres000001
Revises: d6scale00001
Create Date: 2026-12-04 21:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d7pres000001"
down_revision = "d6scale00001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
