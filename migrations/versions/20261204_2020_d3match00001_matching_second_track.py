"""search: second-track matching rules (issue 12)

``ix_places_match`` gains ``employer_id`` and ``available_until`` right after the bits
the search tests after its seek: the prefilter now leaves out the candidate's home
employer's places and places whose period has ended, and reads both from the covering
index (no table row), as it reads every other column it tests.

Revision ID: d3match00001
Revises: d2auth000001
Create Date: 2026-12-04 20:20:00

"""

from alembic import op

revision = "d3match00001"
down_revision = "d2auth000001"
branch_labels = None
depends_on = None

_KEY = ["status", "kind", "lat_band", "lon"]
_BITS = ["conflict_bits_1", "conflict_bits_2", "network_bits"]
_COVERED = [
    "slots",
    "taken_slots",
    "sector",
    "min_hours_week",
    "usual_hours_week",
    "lower_start_allowed",
    "match_code",
    "id",
]
_OLD_INDEX = [*_KEY, *_BITS, "lat", *_COVERED]
_NEW_INDEX = [*_KEY, *_BITS, "employer_id", "available_until", "lat", *_COVERED]


def _reindex(columns: list[str]) -> None:
    with op.batch_alter_table("places", schema=None) as batch_op:
        batch_op.drop_index("ix_places_match")
        batch_op.create_index("ix_places_match", columns, unique=False)


def upgrade() -> None:
    _reindex(_NEW_INDEX)


def downgrade() -> None:
    _reindex(_OLD_INDEX)
