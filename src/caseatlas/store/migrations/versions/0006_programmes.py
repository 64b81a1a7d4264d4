"""Programmes: calls for cases, submissions (with versions and attachments), the review
panel, declared conflicts, assignments, reviews, discussion and the notification outbox;
users get an e-mail address for notifications.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("notifications", "comments", "reviews", "assignments", "conflicts", "attachments", "submission_versions",
          "submissions", "call_members", "calls", "programmes")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.Text))
    op.create_table(
        "programmes",
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('slug', sa.String(64), nullable=False, unique=True),
        sa.Column('name', sa.Text, nullable=False),
        sa.Column('year', sa.Integer),
        sa.Column('organizers', sa.Text, nullable=False),
        sa.Column('supporters', sa.Text, nullable=False),
        sa.Column('description', sa.Text),
        sa.Column('contact', sa.Text),
        sa.Column('created_by', sa.Integer, sa.ForeignKey('users.id', ondelete='SET NULL')),
        sa.Column('created_at', sa.String, nullable=False),
    )
    op.create_table(
        "calls",
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('programme_id', sa.Integer, sa.ForeignKey('programmes.id', ondelete='CASCADE'), nullable=False),
        sa.Column('title', sa.Text, nullable=False),
        sa.Column('preset', sa.String(32)),
        sa.Column('domains', sa.Text, nullable=False),
        sa.Column('quotas', sa.Text, nullable=False),
        sa.Column('template', sa.Text, nullable=False),
        sa.Column('outcome_kinds', sa.Text, nullable=False),
        sa.Column('criteria', sa.Text, nullable=False),
        sa.Column('scale_min', sa.Integer, nullable=False),
        sa.Column('scale_max', sa.Integer, nullable=False),
        sa.Column('reviewers_per_submission', sa.Integer, nullable=False),
        sa.Column('blind', sa.Boolean, nullable=False),
        sa.Column('aliases', sa.Text, nullable=False),
        sa.Column('published_at', sa.String),
        sa.Column('submission_deadline', sa.String),
        sa.Column('review_deadline', sa.String),
        sa.Column('discussion_deadline', sa.String),
        sa.Column('decision_deadline', sa.String),
        sa.Column('results_at', sa.String),
        sa.Column('collection_slug', sa.String),
        sa.Column('created_at', sa.String, nullable=False),
    )
    op.create_index('ix_calls_programme', 'calls', ['programme_id'])
    op.create_table(
        "call_members",
        sa.Column('call_id', sa.Integer, sa.ForeignKey('calls.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('role', sa.String(16), nullable=False),
        sa.Column('affiliation', sa.Text),
        sa.Column('topics', sa.Text, nullable=False),
        sa.Column('declared_orgs', sa.Text, nullable=False),
    )
    op.create_table(
        "submissions",
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('call_id', sa.Integer, sa.ForeignKey('calls.id', ondelete='CASCADE'), nullable=False),
        sa.Column('applicant_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('organization', sa.Text, nullable=False),
        sa.Column('domain', sa.Text),
        sa.Column('title', sa.Text, nullable=False),
        sa.Column('sections', sa.Text, nullable=False),
        sa.Column('outcomes', sa.Text, nullable=False),
        sa.Column('facts', sa.Text, nullable=False),
        sa.Column('source_file', sa.Text),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('version', sa.Integer, nullable=False),
        sa.Column('decision', sa.String(16)),
        sa.Column('final_comment', sa.Text),
        sa.Column('case_id', sa.String),
        sa.Column('created_at', sa.String, nullable=False),
        sa.Column('updated_at', sa.String, nullable=False),
        sa.Column('submitted_at', sa.String),
    )
    op.create_index('ix_submissions_applicant', 'submissions', ['applicant_id'])
    op.create_index('ix_submissions_call', 'submissions', ['call_id'])
    op.create_table(
        "submission_versions",
        sa.Column('submission_id', sa.Integer, sa.ForeignKey('submissions.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('version', sa.Integer, primary_key=True),
        sa.Column('data', sa.Text, nullable=False),
        sa.Column('at', sa.String, nullable=False),
    )
    op.create_table(
        "attachments",
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('submission_id', sa.Integer, sa.ForeignKey('submissions.id', ondelete='CASCADE'), nullable=False),
        sa.Column('filename', sa.Text, nullable=False),
        sa.Column('content_type', sa.String(80), nullable=False),
        sa.Column('size', sa.Integer, nullable=False),
        sa.Column('sha256', sa.String(64), nullable=False),
        sa.Column('data', sa.LargeBinary, nullable=False),
        sa.Column('created_at', sa.String, nullable=False),
    )
    op.create_index('ix_attachments_submission', 'attachments', ['submission_id'])
    op.create_table(
        "conflicts",
        sa.Column('submission_id', sa.Integer, sa.ForeignKey('submissions.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('reviewer_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('reason', sa.Text),
        sa.Column('at', sa.String, nullable=False),
    )
    op.create_table(
        "assignments",
        sa.Column('submission_id', sa.Integer, sa.ForeignKey('submissions.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('reviewer_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('origin', sa.String(8), nullable=False),
        sa.Column('at', sa.String, nullable=False),
    )
    op.create_index('ix_assignments_reviewer', 'assignments', ['reviewer_id'])
    op.create_table(
        "reviews",
        sa.Column('submission_id', sa.Integer, sa.ForeignKey('submissions.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('reviewer_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('scores', sa.Text, nullable=False),
        sa.Column('comment', sa.Text),
        sa.Column('confidence', sa.Integer),
        sa.Column('expert_comment', sa.Text),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('updated_at', sa.String, nullable=False),
    )
    op.create_table(
        "comments",
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('submission_id', sa.Integer, sa.ForeignKey('submissions.id', ondelete='CASCADE'), nullable=False),
        sa.Column('author_id', sa.Integer, sa.ForeignKey('users.id', ondelete='CASCADE'), nullable=False),
        sa.Column('body', sa.Text, nullable=False),
        sa.Column('at', sa.String, nullable=False),
    )
    op.create_index('ix_comments_submission', 'comments', ['submission_id'])
    op.create_table(
        "notifications",
        sa.Column('id', sa.Integer, primary_key=True),
        sa.Column('call_id', sa.Integer, sa.ForeignKey('calls.id', ondelete='CASCADE')),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('to_addr', sa.Text, nullable=False),
        sa.Column('subject', sa.Text, nullable=False),
        sa.Column('body', sa.Text, nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('error', sa.Text),
        sa.Column('at', sa.String, nullable=False),
    )


def downgrade() -> None:
    for name in TABLES:
        op.drop_table(name)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
