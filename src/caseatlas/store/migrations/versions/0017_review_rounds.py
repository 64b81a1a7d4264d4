"""Rounds of review: a call's ordered rounds (`review_rounds`: key, label, kind check/review, the
round's own form — criteria, scale, free fields —, pool, k, deadline, visibility, status), the
submissions in each round and whether they went on (`round_entries`), a check round's checklist
per submission (`formal_checks`); assignments and reviews belong to a round (`round_id`, in their
primary key).

Data: every existing call gets one review round carrying its criteria, scale, k and review
deadline, open, and its assignments and reviews are attached to it: the single-round flow is a
call whose only round is a review round.

The two tables are rebuilt (new table, copy, drop, rename) rather than altered, because their
primary key changes: the same on SQLite and PostgreSQL.

Revision ID: 0017
Revises: 0016
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ASSIGNMENT = ("submission_id", "reviewer_id", "origin", "at")
_REVIEW = ("submission_id", "reviewer_id", "scores", "comment", "confidence", "expert_comment", "status", "updated_at")


def _assignments(name: str, with_round: bool) -> None:
    op.create_table(
        name,
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        *(
            [
                sa.Column(
                    "round_id", sa.Integer(), sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True
                )
            ]
            if with_round
            else []
        ),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("at", sa.String(), nullable=False),
    )


def _reviews(name: str, with_round: bool) -> None:
    op.create_table(
        name,
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        *(
            [
                sa.Column(
                    "round_id", sa.Integer(), sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True
                ),
                sa.Column("fields", sa.Text(), nullable=False, server_default="{}"),
            ]
            if with_round
            else []
        ),
        sa.Column("scores", sa.Text(), nullable=False),
        sa.Column("comment", sa.Text()),
        sa.Column("confidence", sa.Integer()),
        sa.Column("expert_comment", sa.Text()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
    )


def upgrade() -> None:
    op.create_table(
        "review_rounds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.Integer(), sa.ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(32), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("scale_min", sa.Integer(), nullable=False),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("pool", sa.Text(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.String()),
        sa.Column("visibility", sa.Text(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("opened_at", sa.String()),
        sa.Column("closed_at", sa.String()),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.UniqueConstraint("call_id", "key", name="uq_review_rounds_key"),
    )
    op.create_index("ix_review_rounds_call", "review_rounds", ["call_id", "position"])
    op.create_table(
        "round_entries",
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("at", sa.String(), nullable=False),
    )
    op.create_index("ix_round_entries_submission", "round_entries", ["submission_id"])
    op.create_table(
        "formal_checks",
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(8)),
        sa.Column("reasons", sa.Text()),
        sa.Column("checked_by", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("at", sa.String(), nullable=False),
    )

    conn = op.get_bind()
    rounds = sa.table(
        "review_rounds",
        *(
            sa.column(c)
            for c in (
                "call_id",
                "position",
                "key",
                "label",
                "kind",
                "criteria",
                "scale_min",
                "scale_max",
                "fields",
                "pool",
                "k",
                "deadline",
                "visibility",
                "status",
                "opened_at",
                "created_at",
            )
        ),
    )
    calls = conn.execute(
        sa.text(
            "SELECT id, criteria, scale_min, scale_max, reviewers_per_submission, review_deadline, published_at,"
            " created_at FROM calls"
        )
    ).fetchall()
    for c in calls:
        conn.execute(
            rounds.insert().values(
                call_id=c.id,
                position=0,
                key="review",
                label="评审",
                kind="review",
                criteria=c.criteria,
                scale_min=c.scale_min,
                scale_max=c.scale_max,
                fields="[]",
                pool="[]",
                k=c.reviewers_per_submission,
                deadline=c.review_deadline,
                visibility=json.dumps({"see_earlier": True, "see_peers": False}),
                status="open",
                opened_at=c.published_at,
                created_at=c.created_at,
            )
        )

    _assignments("assignments_new", True)
    conn.execute(
        sa.text(
            "INSERT INTO assignments_new (submission_id, reviewer_id, round_id, origin, at)"
            " SELECT a.submission_id, a.reviewer_id, r.id, a.origin, a.at FROM assignments a"
            " JOIN submissions s ON s.id = a.submission_id JOIN review_rounds r ON r.call_id = s.call_id"
        )
    )
    op.drop_index("ix_assignments_reviewer", "assignments")
    op.drop_table("assignments")
    op.rename_table("assignments_new", "assignments")
    op.create_index("ix_assignments_reviewer", "assignments", ["reviewer_id"])

    _reviews("reviews_new", True)
    cols = ", ".join(_REVIEW)
    conn.execute(
        sa.text(
            f"INSERT INTO reviews_new (round_id, fields, {cols})"
            f" SELECT r.id, '{{}}', {', '.join('v.' + c for c in _REVIEW)} FROM reviews v"
            " JOIN submissions s ON s.id = v.submission_id JOIN review_rounds r ON r.call_id = s.call_id"
        )
    )
    op.drop_table("reviews")
    op.rename_table("reviews_new", "reviews")


def downgrade() -> None:
    # Back to one round: the work of each call's first review round is kept, later rounds' is lost.
    first = "SELECT MIN(r.id) FROM review_rounds r WHERE r.call_id = s.call_id AND r.kind = 'review'"
    _assignments("assignments_old", False)
    op.get_bind().execute(
        sa.text(
            f"INSERT INTO assignments_old ({', '.join(_ASSIGNMENT)})"
            f" SELECT {', '.join('a.' + c for c in _ASSIGNMENT)} FROM assignments a"
            f" JOIN submissions s ON s.id = a.submission_id WHERE a.round_id = ({first})"
        )
    )
    op.drop_index("ix_assignments_reviewer", "assignments")
    op.drop_table("assignments")
    op.rename_table("assignments_old", "assignments")
    op.create_index("ix_assignments_reviewer", "assignments", ["reviewer_id"])
    _reviews("reviews_old", False)
    op.get_bind().execute(
        sa.text(
            f"INSERT INTO reviews_old ({', '.join(_REVIEW)})"
            f" SELECT {', '.join('v.' + c for c in _REVIEW)} FROM reviews v"
            f" JOIN submissions s ON s.id = v.submission_id WHERE v.round_id = ({first})"
        )
    )
    op.drop_table("reviews")
    op.rename_table("reviews_old", "reviews")
    op.drop_table("formal_checks")
    op.drop_index("ix_round_entries_submission", "round_entries")
    op.drop_table("round_entries")
    op.drop_index("ix_review_rounds_call", "review_rounds")
    op.drop_table("review_rounds")
