"""accounts: server-side sessions, sign-in throttling, two-factor (issue 13)

Revision ID: d2auth000001
Revises: d1plac000001
Create Date: 2026-12-04 20:10:00

"""

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d2auth000001"
down_revision = "d1plac000001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
