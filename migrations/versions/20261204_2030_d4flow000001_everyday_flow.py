"""everyday flow: to-do pages, review signals, deadlines (issue 14)

- ``networks.answer_deadline_days``: working days a host has to answer a proposal
  (empty: the default of 5) before it counts as overdue;
- ``placements.deadline_reminded_at``: the host was reminded once of an overdue proposal;
- ``job_runs``: runs of the scheduled jobs, for the administrator's job health.

Revision ID: d4flow000001
Revises: d3match00001
Create Date: 2026-12-04 20:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d4flow000001"
down_revision = "d3match00001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answer_deadline_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deadline_reminded_at", sa.DateTime(timezone=True), nullable=True)
        )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index(
        "ix_job_runs_job_finished", "job_runs", ["job", "ok", "finished_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_job_runs_job_finished", table_name="job_runs")
    op.drop_table("job_runs")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("deadline_reminded_at")
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.drop_column("answer_deadline_days")
