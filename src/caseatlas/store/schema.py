"""Tables of the case library (SQLAlchemy Core). Changes go through a migration."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

collections = Table(
    "collections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String, nullable=False, unique=True),  # prefix of case ids
    Column("source_file", String, nullable=False, unique=True),  # identity for re-ingest
    Column("source_path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("format", String(8), nullable=False),
    Column("encoding", String(16)),
    Column("title", Text, nullable=False),
    Column("publisher", Text),
    Column("year", Integer),
    Column("foreword", Text),
    Column("experts", Text, nullable=False, default="[]"),  # JSON list
    Column("chapters", Text, nullable=False, default="[]"),  # JSON list
    Column("n_lines", Integer, nullable=False),
    Column("ingested_at", String, nullable=False),
    Column("pipeline", String(32)),
    # Who added the book (migration 0013): a user's upload, or the call whose accepted cases it is;
    # both null: the system (the CLI), changed or removed by admins only (services/library.py).
    Column("owner_user_id", Integer, ForeignKey("users.id", name="fk_collections_owner_user", ondelete="SET NULL")),
    Column("owner_call_id", Integer, ForeignKey("calls.id", name="fk_collections_owner_call", ondelete="SET NULL")),
)

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", String, nullable=False, unique=True),  # "<slug>:<seq>", stable across re-ingest
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("organization", Text),
    Column("chapter", Text),
    Column("start_line", Integer, nullable=False),
    Column("end_line", Integer, nullable=False),
    Column("page", Integer),
    Column("text", Text, nullable=False),
    Index("ix_cases_collection", "collection_id", "seq"),
)

sections = Table(
    "sections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("heading", Text, nullable=False),
    Column("start_line", Integer, nullable=False),
    Column("end_line", Integer, nullable=False),
    Index("ux_sections_case_seq", "case_pk", "seq", unique=True),
)

# A case's tables (models.Table, read once on ingest by extract/tables.py; migration 0015).
# Nobody annotates them: a re-ingest synchronizes them by position in the case, like sections.
case_tables = Table(
    "case_tables",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("form", String(8), nullable=False),  # "tab" or "grid"
    Column("first_line", Integer, nullable=False),
    Column("data", Text, nullable=False),  # JSON: the grid (header, units, labels, cells, lines, pages, totals …)
    Index("ux_case_tables_case_seq", "case_pk", "seq", unique=True),
)

lines = Table(
    "lines",
    metadata,
    Column("collection_id", Integer, ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True),
    Column("line_no", Integer, primary_key=True),
    Column("page", Integer),
    Column("raw", Text, nullable=False),
    Column("text", Text, nullable=False),
    sqlite_with_rowid=False,
)

outcomes = Table(
    "outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    # Stable across re-ingest: hash of case id, kind, unit, value and quote (store/library.py).
    Column("fact_id", String(24), nullable=False),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("value", Float, nullable=False),
    Column("value_max", Float),
    Column("unit", String(16), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("period", String(16), nullable=False),
    Column("qualifier", String(16)),
    Column("quote", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("evidence", Text, nullable=False),  # JSON [{quote, line}]
    Column("status", String(16), nullable=False, server_default="achieved"),  # vocab.STATUSES
    Column("scope", String(16), nullable=False, server_default="project"),  # vocab.SCOPES
    Column("origin", String(16), nullable=False, server_default="extracted"),  # vocab.ORIGINS
    Column("span_start", Integer),  # the years a figure covers, when the text says so (2010年至2020年)
    Column("span_end", Integer),
    # JSON: a declared figure's site-visit verdict (confirmed / adjusted / not verifiable), the value
    # declared, which visit, who, when, why (programme/services/visits.py; migration 0019)
    Column("verification", Text),
    Index("ix_outcomes_case", "case_pk", "seq"),
    Index("ux_outcomes_fact_id", "fact_id", unique=True),
    Index("ix_outcomes_status_kind", "status", "kind"),
    Index("ix_outcomes_kind_unit_value", "kind", "unit", "value"),
)

attributes = Table(
    "attributes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("fact_id", String(24), nullable=False),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # vocab.ATTRIBUTE_KINDS
    Column("value", Text, nullable=False),
    Column("detail", Text),
    Column("quote", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Index("ix_attributes_case", "case_pk"),
    Index("ux_attributes_fact_id", "fact_id", unique=True),
    Index("ix_attributes_kind_value", "kind", "value"),
)

# Claim checks (caseatlas/checks): synchronized on ingest by `flag_id` (hash of case id,
# check and the figures involved), like facts.
flags = Table(
    "flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("flag_id", String(24), nullable=False),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("check_name", String(32), nullable=False),  # vocab.CHECKS
    Column("severity", String(8), nullable=False),  # vocab.SEVERITIES
    Column("message", Text, nullable=False),
    Column("message_en", Text, nullable=False),
    Column("lines", Text, nullable=False),  # JSON [line]
    Column("quotes", Text, nullable=False),  # JSON [quote], exact substrings of those lines
    Column("vals", Text, nullable=False),  # JSON {name: number}
    Column("reference", Text),
    Index("ux_flags_flag_id", "flag_id", unique=True),
    Index("ix_flags_case", "case_pk", "seq"),
    Index("ix_flags_check", "check_name"),
)

# A person's verdict on a flag, by flag id and not tied to the row: it outlives a re-ingest
# that drops and later restores the flag.
flag_verdicts = Table(
    "flag_verdicts",
    metadata,
    Column("flag_id", String(24), primary_key=True),
    Column("verdict", String(16), nullable=False),  # vocab.VERDICTS
    Column("note", Text),
    Column("username", String, nullable=False),
    Column("at", String, nullable=False),
)

# Organizations across books (caseatlas/organizations), derived from the cases on every ingest
# (migration 0009). `org_id` is a hash of the canonical name key, so links and URLs stay put.
organizations = Table(
    "organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", String(24), nullable=False),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("parent_org_id", String(24)),  # its group, when it is a member or branch of one
    Column("root_org_id", String(24), nullable=False),  # the top of its group (itself when none)
    Column("known", Boolean, nullable=False, server_default=false()),  # from data/organizations/known.toml
    Index("ux_organizations_org_id", "org_id", unique=True),
    Index("ix_organizations_root", "root_org_id"),
)

organization_names = Table(
    "organization_names",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_pk", Integer, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("name_key", Text, nullable=False),
    Column("name", Text, nullable=False),
    Index("ux_organization_names_key", "name_key", unique=True),
    Index("ix_organization_names_org", "org_pk"),
)

case_organizations = Table(
    "case_organizations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("org_pk", Integer, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("printed", Text, nullable=False),  # the name as the case prints it (or its title)
    Column("source", String(16), nullable=False),  # "printed" or "title"
    Index("ux_case_organizations", "case_pk", "seq", unique=True),
    Index("ix_case_organizations_org", "org_pk"),
)

# Merges and splits people confirmed, by name key: they outlive every re-resolution.
organization_decisions = Table(
    "organization_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("a_key", Text, nullable=False),
    Column("b_key", Text, nullable=False),
    Column("a_name", Text, nullable=False),
    Column("b_name", Text, nullable=False),
    Column("decision", String(16), nullable=False),  # organizations.resolve.DECISIONS
    Column("note", Text),
    Column("username", String, nullable=False),
    Column("at", String, nullable=False),
    Index("ux_organization_decisions_pair", "a_key", "b_key", unique=True),
)

passages = Table(
    "passages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("case_pk", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("passage_key", String(24), nullable=False),  # hash of kind, heading, text: keeps its vector
    Column("seq", Integer, nullable=False),
    Column("kind", String(8), nullable=False),
    Column("heading", Text),
    Column("start_line", Integer, nullable=False),
    Column("end_line", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("tokens", Text, nullable=False),
    Index("ix_passages_case", "case_pk", "seq"),
    Index("ux_passages_case_key", "case_pk", "passage_key", unique=True),
)

embeddings = Table(
    "embeddings",
    metadata,
    Column("passage_id", Integer, ForeignKey("passages.id", ondelete="CASCADE"), primary_key=True),
    Column("model", String(64), nullable=False),
    Column("vector", LargeBinary, nullable=False),
)

search_state = Table(
    "search_state",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", Integer, nullable=False),
)

# The built BM25 case index, for libraries without a file beside them (PostgreSQL): one
# worker builds it under a lock and stores it; the others load it (search/textindex.py).
search_index = Table(
    "search_index",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", Text),
    Column("organization", Text),
    Column("email", Text),  # where notifications go
    # The language mails are written in (vocab.MAIL_LANGS); NULL: not stated (the call's, else zh).
    Column("lang", String(8)),
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("role", String(16), nullable=False),  # vocab.ROLES
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", String, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie value: a leaked table opens nothing
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Index("ix_sessions_user", "user_id"),
)

# Append-only (triggers refuse UPDATE and DELETE; migration 0004).
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String, nullable=False),
    Column("actor", String(80), nullable=False),
    Column("action", String(40), nullable=False),
    Column("target", Text),
    Column("detail", Text, nullable=False, default="{}"),  # JSON
)

# Failed logins within the throttling window (migration 0011; pruned as they age out).
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", String, nullable=False),
    Column("username", String(80), nullable=False),
    Column("client", String(64), nullable=False),
    Index("ix_login_failures_username_at", "username", "at"),
    Index("ix_login_failures_client_at", "client", "at"),
)

# Single-use account tokens (migration 0014): an invitation to choose a password, or a
# password reset; only the SHA-256 is kept, as for sessions.
account_tokens = Table(
    "account_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("purpose", String(16), nullable=False),  # invite, reset
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Column("used_at", String),
    Index("ix_account_tokens_user", "user_id", "purpose"),
)

# --- Programmes: a call for cases, its submissions, the panel's reviews and the decisions
# (migration 0006). Lists and structured parts (domains, template, criteria, sections,
# outcomes, scores) are JSON text: they are read and written whole, never queried inside.

programmes = Table(
    "programmes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("year", Integer),
    Column("organizers", Text, nullable=False, default="[]"),  # JSON list of names (联合发起单位)
    Column("supporters", Text, nullable=False, default="[]"),  # JSON list (支持单位)
    Column("description", Text),
    Column("contact", Text),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", String, nullable=False),
)

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("programme_id", Integer, ForeignKey("programmes.id", ondelete="CASCADE"), nullable=False),
    Column("title", Text, nullable=False),
    Column("preset", String(32)),
    Column("domains", Text, nullable=False, default="[]"),  # JSON list of chapter names
    Column("quotas", Text, nullable=False, default="{}"),  # JSON {domain: max accepted}
    Column("template", Text, nullable=False, default="[]"),  # JSON list of section headings, in order
    Column("outcome_kinds", Text, nullable=False, default="[]"),  # JSON: vocab.OUTCOME_KINDS offered
    Column("criteria", Text, nullable=False, default="[]"),  # JSON [{key, label, weight, description}]
    Column("scale_min", Integer, nullable=False, default=1),
    Column("scale_max", Integer, nullable=False, default=5),
    Column("reviewers_per_submission", Integer, nullable=False, default=3),
    Column("blind", Boolean, nullable=False, default=False),
    Column("aliases", Text, nullable=False, default="[]"),  # JSON [[names of one group], …]
    Column("published_at", String),
    Column("submission_deadline", String),
    Column("review_deadline", String),
    Column("discussion_deadline", String),
    Column("decision_deadline", String),
    Column("results_at", String),  # decisions announced
    Column("collection_slug", String),  # the library collection the selected cases became
    Column("reopened_at", String),  # published decisions reopened (who and why: the audit log); migration 0013
    # IANA zone people see times in (text/times.py); stored instants stay UTC. Migration 0016.
    Column("timezone", String(64), nullable=False, default="Asia/Shanghai", server_default="Asia/Shanghai"),
    # Days before a deadline reminders go (JSON list) and the language of mails to people without
    # a preference (migration 0020).
    Column("reminder_offsets", Text, nullable=False, default="[3, 1]", server_default="[3, 1]"),
    Column("mail_lang", String(8), nullable=False, default="zh", server_default="zh"),
    Column("created_at", String, nullable=False),
    Index("ix_calls_programme", "programme_id"),
)

call_members = Table(
    "call_members",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),  # organizer or reviewer
    Column("affiliation", Text),
    Column("topics", Text, nullable=False, default="[]"),  # JSON list
    Column("declared_orgs", Text, nullable=False, default="[]"),  # JSON list: organizations I am conflicted with
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("applicant_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("organization", Text, nullable=False),
    Column("domain", Text),
    Column("title", Text, nullable=False),
    Column("sections", Text, nullable=False, default="[]"),  # JSON [{heading, text}]
    Column("outcomes", Text, nullable=False, default="[]"),  # JSON [{kind, value, unit, period, quote}]
    Column("facts", Text, nullable=False, default="{}"),  # JSON: what the extractor finds in the text
    # JSON {flag key: {answer, at}}: the applicant's answer to a claim check (migration 0008)
    Column("flag_answers", Text, nullable=False, default="{}", server_default="{}"),
    Column("source_file", Text),  # the upload it was started from
    Column("status", String(16), nullable=False),  # draft, submitted
    Column("version", Integer, nullable=False, default=0),  # submitted versions so far
    Column("decision", String(16)),  # accept, revise, reject
    Column("final_comment", Text),  # the 专家点评 printed with the case
    Column("opinion", Text),  # the panel's opinion the organizer writes for the decision letter (migration 0020)
    Column("case_id", String),  # in the published collection
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("submitted_at", String),
    Index("ix_submissions_call", "call_id"),
    Index("ix_submissions_applicant", "applicant_id"),
)

submission_versions = Table(
    "submission_versions",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("data", Text, nullable=False),  # JSON {title, organization, domain, sections, outcomes}
    Column("at", String, nullable=False),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(80), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("created_at", String, nullable=False),
    Index("ix_attachments_submission", "submission_id"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("reviewer_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("reason", Text),
    Column("at", String, nullable=False),
)

# Conflicts detected from organizations, computed once per state of the call's inputs
# (migration 0012): `call_conflict_state.fingerprint` hashes what they were computed from (the
# panel's organizations, the applicants', the call's alias groups, the decisions that apply, the
# rules' version); the rows carry the same fingerprint, so a reader never mixes two states.
call_conflicts = Table(
    "call_conflicts",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("reviewer_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(8), nullable=False),  # same (one organization) or group
    Column("reviewer_org", Text, nullable=False),  # the reviewer's name that matched
    Column("applicant_org", Text, nullable=False),
    Column("reason", Text, nullable=False),  # which rule, alias or name linked them
    Column("why", Text),  # JSON {group, links: [[rule, name, name], …]}: the reason as data, for any language (0024)
    Column("fingerprint", String(64), nullable=False),
    Index("ix_call_conflicts_submission", "submission_id"),
)

call_conflict_state = Table(
    "call_conflict_state",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("n", Integer, nullable=False),  # detected conflicts
    Column("computed_at", String, nullable=False),
)

assignments = Table(
    "assignments",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("reviewer_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # the round it is for (migration 0017): one reviewer may review a case again in a later round
    Column("round_id", Integer, ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("origin", String(8), nullable=False),  # auto or manual
    Column("at", String, nullable=False),
    Index("ix_assignments_reviewer", "reviewer_id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("reviewer_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("round_id", Integer, ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("fields", Text, nullable=False, default="{}", server_default="{}"),  # JSON {round's free field key: text}
    Column("scores", Text, nullable=False, default="{}"),  # JSON {criterion key: score}
    Column("comment", Text),
    Column("confidence", Integer),
    Column("expert_comment", Text),  # a draft 专家点评
    Column("status", String(16), nullable=False),  # draft, submitted
    Column("updated_at", String, nullable=False),
)

comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("body", Text, nullable=False),
    Column("at", String, nullable=False),
    Index("ix_comments_submission", "submission_id"),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE")),
    Column("kind", String(32), nullable=False),
    Column("to_addr", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False),  # queued, sent, failed, unsent (no SMTP configured)
    Column("error", Text),
    Column("at", String, nullable=False),
    # The outbox (issue 25, migration 0020): how often it was tried, the Message-ID it left with,
    # when it was sent, the template's language, the recipient's account, and the row it re-sends.
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("message_id", Text),
    Column("sent_at", String),
    Column("lang", String(8)),
    Column("recipient_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("resend_of", Integer, ForeignKey("notifications.id", ondelete="SET NULL")),
    Index("ix_notifications_call", "call_id"),
)

# --- Rounds of review (issue 25; migration 0017). A call's ordered rounds, each with its own form
# (criteria, scale, free fields), pool, k, deadline and visibility; the entries say which
# submissions are in a round and whether they went on; a check round's checklist per submission.

review_rounds = Table(
    "review_rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),  # 0, 1, 2 … in the call's order
    Column("key", String(32), nullable=False),
    Column("label", Text, nullable=False),
    Column("kind", String(8), nullable=False),  # vocab.ROUND_KINDS: check (staff checklist) or review
    Column("criteria", Text, nullable=False, default="[]"),  # JSON [{key, label, weight, description}]
    Column("scale_min", Integer, nullable=False, default=1),
    Column("scale_max", Integer, nullable=False, default=5),
    Column("fields", Text, nullable=False, default="[]"),  # JSON [{key, label}]: free text the form asks
    Column("pool", Text, nullable=False, default="[]"),  # JSON [user id]: empty = the whole panel
    Column("k", Integer, nullable=False, default=3),  # reviewers per submission
    Column("deadline", String),
    Column("visibility", Text, nullable=False, default="{}"),  # JSON {see_earlier: bool, see_peers: bool}
    Column("status", String(8), nullable=False),  # vocab.ROUND_STATUSES: pending, open, closed
    Column("opened_at", String),
    Column("closed_at", String),
    Column("created_at", String, nullable=False),
    UniqueConstraint("call_id", "key", name="uq_review_rounds_key"),
    Index("ix_review_rounds_call", "call_id", "position"),
)

round_entries = Table(
    "round_entries",
    metadata,
    Column("round_id", Integer, ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(8), nullable=False),  # vocab.ENTRY_STATES: in, advanced, out
    Column("reason", Text),
    Column("by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("at", String, nullable=False),
    Index("ix_round_entries_submission", "submission_id"),
)

formal_checks = Table(
    "formal_checks",
    metadata,
    Column("round_id", Integer, ForeignKey("review_rounds.id", ondelete="CASCADE"), primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("items", Text, nullable=False, default="{}"),  # JSON {item key: {ok: bool|None, note}} staff's ticks
    Column("verdict", String(8)),  # vocab.CHECK_VERDICTS: pass, return, fail; None: not yet
    Column("reasons", Text),  # what the applicant is told
    Column("checked_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("at", String, nullable=False),
)

# --- Revisions and withdrawal (issue 25)
# A revision request (修改后再议, migration 0018): the panel's requests and a deadline; it reopens the
# submission for its applicant until the deadline (an open request past it is expired: computed
# from the time, never written). `base_version` is the submitted version it was made on, and
# `answered_version` the one the applicant resubmitted with the response: the diff is between them.
# `round_id` names the review round it came from (rounds are another table's; no FK on purpose).
revision_requests = Table(
    "revision_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("round_id", Integer),
    Column("requests", Text, nullable=False),
    Column("deadline", String, nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open, answered, closed (the submission was withdrawn)
    Column("requested_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("requested_at", String, nullable=False),
    Column("response", Text),  # the applicant's 逐条回复
    Column("answered_version", Integer),
    Column("answered_at", String),
    Index("ix_revision_requests_submission", "submission_id"),
)

# A submission its applicant withdrew (submissions.status = withdrawn): when, why, and the
# decision it carried, for the record.
withdrawals = Table(
    "withdrawals",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("reason", Text),
    Column("withdrawn_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("at", String, nullable=False),
    Column("prior_status", String(16), nullable=False),
    Column("prior_decision", String(16)),
)

# --- Site visits (issue 25)
# A visit to a submission's site (调研核实, migration 0019): its team, time and place, a checklist,
# evidence (photos re-encoded without EXIF, with thumbnails; documents checked as attachments are),
# the team's report, and a verdict on each declared figure, keyed by the figure (kind, value,
# unit, period, status: programme/domain/verdicts.py), so an edit of other figures keeps it.

visits = Table(
    "visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("starts_at", String, nullable=False),  # UTC; shown in the call's zone
    Column("place", Text, nullable=False),
    Column("status", String(16), nullable=False),  # vocab.VISIT_STATUSES
    Column("lead_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("checklist", Text, nullable=False, default="[]"),  # JSON [{item, done, note}]
    Column("report", Text),
    Column("notice", Text),  # the visit notice as mailed (the applicant reads it on their page)
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", String, nullable=False),
    Column("updated_at", String, nullable=False),
    Column("done_at", String),
    Index("ix_visits_submission", "submission_id"),
    Index("ix_visits_call", "call_id"),
)

visit_team = Table(
    "visit_team",
    metadata,
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)

visit_evidence = Table(
    "visit_evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),  # vocab.EVIDENCE_KINDS: photo, document
    Column("filename", Text, nullable=False),
    Column("content_type", String(80), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("thumbnail", LargeBinary),  # photos only
    Column("thumbnail_type", String(32)),
    Column("width", Integer),
    Column("height", Integer),
    Column("caption", Text),
    Column("uploaded_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", String, nullable=False),
    Index("ix_visit_evidence_visit", "visit_id"),
)

visit_verdicts = Table(
    "visit_verdicts",
    metadata,
    Column("visit_id", Integer, ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True),
    Column("figure", String(16), primary_key=True),  # the declared figure's key
    Column("declared", Text, nullable=False),  # JSON: the declared outcome the verdict is on
    Column("verdict", String(16), nullable=False),  # vocab.FIGURE_VERDICTS
    Column("value", Float),  # adjusted: the value found, in `unit`
    Column("unit", String(16)),
    Column("note", Text),
    Column("by_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("at", String, nullable=False),
)

# --- Communications: mail templates, outbox, invitations (issue 25)

# A call's own wording of a message (services/mail.py holds the defaults and the placeholders).
mail_templates = Table(
    "mail_templates",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),  # vocab.NOTIFICATION_KINDS
    Column("lang", String(8), primary_key=True),  # zh or en
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("updated_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("updated_at", String, nullable=False),
)

# An invitation to a call's panel: the invitee accepts or declines from a single-use link (its
# SHA-256 kept, never the token); a declined reviewer is not assigned.
panel_invitations = Table(
    "panel_invitations",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("token_hash", String(64), unique=True),  # None once answered
    Column("status", String(16), nullable=False),  # vocab.INVITATION_STATUSES
    Column("reason", Text),  # why declined (optional)
    Column("invited_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Column("responded_at", String),
)

# One row per reminder sent: the key makes a reminder go once, however often or concurrently the
# job runs (the second insert of a key fails and its mail is never queued).
reminders_sent = Table(
    "reminders_sent",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), primary_key=True),  # reminder_draft, reminder_review
    Column("recipient_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("deadline", String, primary_key=True),  # the deadline reminded of (a moved deadline reminds again)
    Column("offset_days", Integer, primary_key=True),  # days before it; -d: the d-th day overdue
    Column("notification_id", Integer, ForeignKey("notifications.id", ondelete="SET NULL")),
    Column("at", String, nullable=False),
)

# --- Background jobs (issue 25)
# A long operation (a book, embedding, a large upload) run by the job queue (jobs/queue.py), its
# progress written by the task as it goes so any process can show it (migration 0021). The
# queue's own tables are Procrastinate's (on PostgreSQL; in memory on SQLite): this is ours.
# The uploaded file a job reads and the file it makes are kept in the row, so a worker on
# another machine needs no shared disk.

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # vocab.JOB_KINDS
    Column("status", String(16), nullable=False),  # vocab.JOB_STATUSES
    Column("progress", Integer, nullable=False, default=0),
    Column("total", Integer),  # None: not known yet
    Column("message", Text),
    Column("params", Text, nullable=False, default="{}"),  # JSON: what the task was asked to do
    Column("result", Text),  # JSON: what it did
    Column("error", Text),  # one line
    # None: the CLI. A removed account takes its jobs with it: a job never runs as nobody in particular.
    Column("created_by", Integer, ForeignKey("users.id", ondelete="CASCADE")),
    Column("created_at", String, nullable=False),
    Column("started_at", String),
    Column("finished_at", String),
    Column("queue_id", Integer),  # Procrastinate's job id
    Column("input_name", Text),
    Column("input_data", LargeBinary),
    Column("file_name", Text),
    Column("media_type", String(64)),
    Column("file_data", LargeBinary),
    Index("ix_jobs_created_by", "created_by", "id"),
)

# --- Final versions, proofs and the book (issue 25)
# An accepted case's final text goes through versions (kept, never overwritten: the applicant's
# final text, the organizer's copy-edits, the text as submitted for a call that skips the finals
# stage), approved by an organizer; its 专家点评 is written or chosen from a reviewer's draft and
# approved; a PDF proof of the approved text is signed off by the applicant. The book's own front
# matter (title, subtitle, 编委会, foreword, logos) and the finals deadline are per call. Migration 0022.

call_books = Table(
    "call_books",
    metadata,
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("finals_deadline", String),  # ISO UTC; set = the finals stage is open
    Column("english", Boolean, nullable=False, default=False),  # the call collects English texts
    Column("title", Text),  # the book's own title (None: from the programme's name)
    Column("subtitle", Text),
    Column("year", Integer),
    Column("english_title", Text),
    Column("committee", Text, nullable=False, default="[]"),  # JSON [{name, role, affiliation}], in order
    Column("foreword", Text),  # 前言, paragraphs separated by blank lines or newlines
    Column("updated_at", String, nullable=False),
)

book_logos = Table(
    "book_logos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", Integer, ForeignKey("calls.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),  # whose logo (alt text)
    Column("content_type", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),  # cleaned: re-encoded, no EXIF
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", String, nullable=False),
    Index("ix_book_logos_call", "call_id"),
)

finals = Table(
    "finals",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("state", String(16), nullable=False),  # vocab.FINAL_STATES
    Column("version", Integer, nullable=False, default=0),  # the latest final version
    Column("approved_version", Integer),  # the version the book prints
    Column("submitted_at", String),
    Column("submitted_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("edited_at", String),
    Column("edited_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("approved_at", String),
    Column("approved_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    # the 专家点评: the text, where it came from (the organizer's own, or a reviewer's draft), to whom
    # the book attributes it, and its approval (who/when; cleared when the text changes)
    Column("comment", Text),
    Column("comment_reviewer_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("comment_by", Text),  # 点评专家, printed when given
    Column("comment_written_at", String),
    Column("comment_written_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("comment_approved_at", String),
    Column("comment_approved_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
)

final_versions = Table(
    "final_versions",
    metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True),
    Column("version", Integer, primary_key=True),
    # JSON {title, organization, sections, outcomes, english_title, english_sections, photos: [{id, caption, credit}]}
    Column("data", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # submitted (applicant), edited (organizer), as_submitted
    Column("by_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("note", Text),
    Column("at", String, nullable=False),
)

final_photos = Table(
    "final_photos",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("filename", Text, nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("data", LargeBinary, nullable=False),  # cleaned: re-encoded, no EXIF
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("thumbnail", LargeBinary, nullable=False),
    Column("thumbnail_type", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("caption", Text),
    Column("credit", Text),
    Column("uploaded_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("created_at", String, nullable=False),
    Column("removed_at", String),  # removed from the next versions; versions that list it keep it
    Index("ix_final_photos_submission", "submission_id"),
)

proofs = Table(
    "proofs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),  # the approved final version it prints
    Column("sha256", String(64), nullable=False),
    Column("pdf", LargeBinary, nullable=False),  # the bytes the applicant saw and signed
    Column("pages", Integer, nullable=False),
    Column("made_at", String, nullable=False),
    Column("made_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),  # None: the system, on approval
    Column("status", String(16), nullable=False),  # vocab.PROOF_STATUSES
    Column("note", Text),  # the applicant's changes asked for
    Column("answered_at", String),
    Column("answered_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Index("ix_proofs_submission", "submission_id"),
)
