"""conversations calendar attachments (issue 20b)

- ``placement_messages``: the conversation on a proposal or placement;
- ``placement_meetings``: planned meetings sent as iCalendar invitations (stable uid,
  sequence raised on every change);
- ``placement_attachments``: files attached to a placement (stored outside the database);
- ``placements.coordinator_invited_at``: the coordinator may write once invited;
- ``outbox_messages.attachments``: files sent along with an e-mail (the invitations).

Revision ID: e3talk000001
Revises: e2alrt000001
Create Date: 2026-12-04 21:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e3talk000001"
down_revision = "e2alrt000001"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _placement_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["placement_id"],
        ["placements.id"],
        name=op.f(f"fk_{table}_placement_id_placements"),
        ondelete="CASCADE",
    )


def _user_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["users.id"], name=op.f(f"fk_{table}_{column}_users"), ondelete="SET NULL"
    )


def upgrade() -> None:
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.add_column(_when("coordinator_invited_at"))
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
    op.create_table(
        "placement_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_party", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _when("created_at", nullable=False),
        _when("edited_at"),
        _when("deleted_at"),
        _when("erased_at"),
        _placement_fk("placement_messages"),
        _user_fk("placement_messages", "author_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_messages")),
    )
    op.create_index("ix_placement_messages_placement", "placement_messages", ["placement_id", "id"])
    op.create_table(
        "placement_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("uid", sa.String(length=80), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        _when("starts_at", nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("video_link", sa.String(length=500), nullable=False),
        _when("cancelled_at"),
        sa.Column("planned_by_id", sa.Integer(), nullable=True),
        _when("updated_at", nullable=False),
        _placement_fk("placement_meetings"),
        _user_fk("placement_meetings", "planned_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_meetings")),
        sa.UniqueConstraint(
            "placement_id", "kind", name=op.f("uq_placement_meetings_placement_id")
        ),
        sa.UniqueConstraint("uid", name=op.f("uq_placement_meetings_uid")),
    )
    op.create_table(
        "placement_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploader_party", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=100), nullable=True),
        _when("created_at", nullable=False),
        _when("erased_at"),
        _placement_fk("placement_attachments"),
        _user_fk("placement_attachments", "uploaded_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placement_attachments")),
    )
    op.create_index(
        "ix_placement_attachments_placement", "placement_attachments", ["placement_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_placement_attachments_placement", table_name="placement_attachments")
    op.drop_table("placement_attachments")
    op.drop_table("placement_meetings")
    op.drop_index("ix_placement_messages_placement", table_name="placement_messages")
    op.drop_table("placement_messages")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("attachments")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_column("coordinator_invited_at")
