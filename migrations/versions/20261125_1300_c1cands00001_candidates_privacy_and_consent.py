"""candidates privacy and consent

Revision ID: c1cands00001
Revises: c0places0001
Create Date: 2026-11-25 13:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c1cands00001"
down_revision = "c0places0001"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
