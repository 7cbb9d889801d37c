"""conversations calendar attachments (issue 20b)

Revision ID: e3talk000001
Revises: e2alrt000001
Create Date: 2026-12-04 21:30:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e3talk000001"
down_revision = "e2alrt000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
