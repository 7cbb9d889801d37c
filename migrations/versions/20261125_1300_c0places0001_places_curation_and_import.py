"""places curation and import

Revision ID: c0places0001
Revises: bc4d5d554c8b
Create Date: 2026-11-25 13:00:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c0places0001"
down_revision = "bc4d5d554c8b"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
