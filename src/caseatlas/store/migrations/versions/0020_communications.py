"""The communications centre: per-call mail templates, the outbox's columns (attempts,
Message-ID, sent time, language, recipient, resend of), panel invitations with accept/decline,
the reminders' once-only keys, a call's reminder offsets and mail language, and the panel's
opinion of a submission that its decision letter carries.

Revision ID: 0020
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("reminder_offsets", sa.Text, nullable=False, server_default="[3, 1]"))
        batch.add_column(sa.Column("mail_lang", sa.String(8), nullable=False, server_default="zh"))
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("opinion", sa.Text))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("message_id", sa.Text))
        batch.add_column(sa.Column("sent_at", sa.String))
        batch.add_column(sa.Column("lang", sa.String(8)))
        batch.add_column(
            sa.Column(
                "recipient_id",
                sa.Integer,
                sa.ForeignKey("users.id", name="fk_notifications_recipient", ondelete="SET NULL"),
            )
        )
        batch.add_column(
            sa.Column(
                "resend_of",
                sa.Integer,
                sa.ForeignKey("notifications.id", name="fk_notifications_resend_of", ondelete="SET NULL"),
            )
        )
        batch.create_index("ix_notifications_call", ["call_id"])
    # what was sent before the outbox counted attempts was tried once
    op.execute("UPDATE notifications SET attempts = 1 WHERE status IN ('sent', 'failed')")
    op.create_table(
        "mail_templates",
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("lang", sa.String(8), primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("updated_at", sa.String, nullable=False),
    )
    op.create_table(
        "panel_invitations",
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("token_hash", sa.String(64), unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("invited_at", sa.String, nullable=False),
        sa.Column("expires_at", sa.String, nullable=False),
        sa.Column("responded_at", sa.String),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("call_id", sa.Integer, sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("recipient_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("deadline", sa.String, primary_key=True),
        sa.Column("offset_days", sa.Integer, primary_key=True),
        sa.Column("notification_id", sa.Integer, sa.ForeignKey("notifications.id", ondelete="SET NULL")),
        sa.Column("at", sa.String, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
    op.drop_table("panel_invitations")
    op.drop_table("mail_templates")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_index("ix_notifications_call")
        batch.drop_constraint("fk_notifications_resend_of", type_="foreignkey")
        batch.drop_constraint("fk_notifications_recipient", type_="foreignkey")
        for c in ("resend_of", "recipient_id", "lang", "sent_at", "message_id", "attempts"):
            batch.drop_column(c)
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("opinion")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("mail_lang")
        batch.drop_column("reminder_offsets")
