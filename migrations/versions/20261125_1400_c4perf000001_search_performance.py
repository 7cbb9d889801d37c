"""search performance

Revision ID: c4perf000001
Revises: c3plac00001
Create Date: 2026-11-25 14:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c4perf000001"
down_revision = "c3plac00001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
