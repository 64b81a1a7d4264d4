"""Final versions of accepted cases, their 专家点评 and proofs, and the book's own front matter
(issue 25): `call_books` (the finals deadline, English texts collected, title, subtitle, year,
English title, 编委会, foreword), `book_logos`, `finals` (a case's state, approval and 专家点评),
`final_versions` (kept, never overwritten), `final_photos` (cleaned images) and `proofs` (the PDF
the applicant signs off, with its SHA-256).

Revision ID: 0022
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _user(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"))


def _submission() -> sa.Column:
    return sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "call_books",
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("finals_deadline", sa.String()),
        sa.Column("english", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("title", sa.Text()),
        sa.Column("subtitle", sa.Text()),
        sa.Column("year", sa.Integer()),
        sa.Column("english_title", sa.Text()),
        sa.Column("committee", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("foreword", sa.Text()),
        sa.Column("updated_at", sa.String(), nullable=False),
    )
    op.create_table(
        "book_logos",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
    )
    op.create_index("ix_book_logos_call", "book_logos", ["call_id"])
    op.create_table(
        "finals",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("approved_version", sa.Integer()),
        sa.Column("submitted_at", sa.String()),
        _user("submitted_by"),
        sa.Column("edited_at", sa.String()),
        _user("edited_by"),
        sa.Column("approved_at", sa.String()),
        _user("approved_by"),
        sa.Column("comment", sa.Text()),
        _user("comment_reviewer_id"),
        sa.Column("comment_by", sa.Text()),
        sa.Column("comment_written_at", sa.String()),
        _user("comment_written_by"),
        sa.Column("comment_approved_at", sa.String()),
        _user("comment_approved_by"),
    )
    op.create_table(
        "final_versions",
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        _user("by_id"),
        sa.Column("note", sa.Text()),
        sa.Column("at", sa.String(), nullable=False),
    )
    op.create_table(
        "final_photos",
        sa.Column("id", sa.Integer(), primary_key=True),
        _submission(),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail_type", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("caption", sa.Text()),
        sa.Column("credit", sa.Text()),
        _user("uploaded_by"),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("removed_at", sa.String()),
    )
    op.create_index("ix_final_photos_submission", "final_photos", ["submission_id"])
    op.create_table(
        "proofs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _submission(),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.String(), nullable=False),
        _user("made_by"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("answered_at", sa.String()),
        _user("answered_by"),
    )
    op.create_index("ix_proofs_submission", "proofs", ["submission_id"])


def downgrade() -> None:
    for table in ("proofs", "final_photos", "final_versions", "finals", "book_logos", "call_books"):
        op.drop_table(table)
