"""match alerts (issue 20a)

Revision ID: e2alrt000001
Revises: e1mtch000001
Create Date: 2026-12-04 21:20:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e2alrt000001"
down_revision = "e1mtch000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
