"""placements: slot constraints, introduction, evaluation (issue 12)

Revision ID: d1plac000001
Revises: c6band000001
Create Date: 2026-12-04 20:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d1plac000001"
down_revision = "c6band000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
