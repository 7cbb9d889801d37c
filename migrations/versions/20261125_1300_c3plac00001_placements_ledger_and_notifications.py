"""placements ledger and notifications

Revision ID: c3plac00001
Revises: c2match00001
Create Date: 2026-11-25 13:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c3plac00001"
down_revision = "c2match00001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
