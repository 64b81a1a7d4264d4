"""An applicant's answers to the claim checks on a submission: `submissions.flag_answers`,
JSON {flag key: {answer, at}}. Keyed by the flag's check and quotes (not its lines), so an
answer stays with its flag while the applicant edits other parts of the text.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("flag_answers", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("flag_answers")
