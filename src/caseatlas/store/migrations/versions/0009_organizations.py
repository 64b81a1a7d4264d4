"""Organizations across books: `organizations` (one per organization or group, stable
`org_id` from its canonical name key, `parent_org_id` its group), `organization_names` (every
name it is printed or known by), `case_organizations` (which cases name it, as printed or by
title) — all three derived from the cases on every ingest — and `organization_decisions`, the
merges and splits people confirmed, kept by name key so that they outlive any re-resolution.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_id", sa.String(24), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("parent_org_id", sa.String(24)),
        sa.Column("root_org_id", sa.String(24), nullable=False),
        sa.Column("known", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_index("ux_organizations_org_id", "organizations", ["org_id"], unique=True)
    op.create_index("ix_organizations_root", "organizations", ["root_org_id"])
    op.create_table(
        "organization_names",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("org_pk", sa.Integer, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name_key", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
    )
    op.create_index("ux_organization_names_key", "organization_names", ["name_key"], unique=True)
    op.create_index("ix_organization_names_org", "organization_names", ["org_pk"])
    op.create_table(
        "case_organizations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_pk", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
        sa.Column("org_pk", sa.Integer, sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("printed", sa.Text, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_index("ux_case_organizations", "case_organizations", ["case_pk", "seq"], unique=True)
    op.create_index("ix_case_organizations_org", "case_organizations", ["org_pk"])
    op.create_table(
        "organization_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a_key", sa.Text, nullable=False),
        sa.Column("b_key", sa.Text, nullable=False),
        sa.Column("a_name", sa.Text, nullable=False),
        sa.Column("b_name", sa.Text, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("username", sa.String, nullable=False),
        sa.Column("at", sa.String, nullable=False),
    )
    op.create_index("ux_organization_decisions_pair", "organization_decisions", ["a_key", "b_key"], unique=True)


def downgrade() -> None:
    op.drop_table("organization_decisions")
    op.drop_table("case_organizations")
    op.drop_table("organization_names")
    op.drop_table("organizations")
