"""The project's vocabulary, in one place: outcome kinds and periods, what outcomes can be
grouped by, facets, attribute kinds, search modes, export formats, roles and actions.
The API's `Literal` types, the templates, the evaluation and the extractor's checks all read
these tuples; a test keeps the extractor's output inside them."""

from __future__ import annotations

from typing import Literal

OUTCOME_KINDS = (
    "co2e_reduction",
    "energy_saving",
    "renewable_capacity",
    "renewable_generation",
    "investment_or_finance",
    "cost_saving",
    "storage_capacity",
    "revenue",
    "area",
    "percentage_reduction",
    "users_or_participants",
    "intensity",
    "target",
    "other",
)
# The kinds that are results of a case (what totals, charts and evaluation count).
CORE_KINDS = ("co2e_reduction", "energy_saving", "renewable_capacity", "renewable_generation", "investment_or_finance")
# An intensity or factor ("67 g CO2/p.km", "6.4 吨/公顷", "每平方米减少 4.18 千克标准煤") is a
# rate per unit, never a result: its unit is the canonical unit over what it is per ("tCO2e/公顷").
NOT_RESULTS = ("other", "target", "intensity")
# The canonical unit a threshold on each kind is stated in (extract/units.py converts to these;
# energy saving and storage also occur in kWh, thresholds use the first unit).
KIND_UNITS = {
    "co2e_reduction": "tCO2e",
    "energy_saving": "tce",
    "renewable_capacity": "MW",
    "renewable_generation": "kWh",
    "investment_or_finance": "CNY",
    "cost_saving": "CNY",
    "storage_capacity": "MW",
    "revenue": "CNY",
    "area": "m2",
    "percentage_reduction": "%",
    "users_or_participants": "persons",
}
# Canonical units as people read them, (zh, en): what text/numbers.format_quantity prints and the
# extractor's unit lexicon (extract/units.py) reads back as the same unit.
UNIT_LABELS = {
    "tCO2e": ("吨二氧化碳当量", "tCO2e"),
    "tce": ("吨标准煤", "tce"),
    "kWh": ("千瓦时", "kWh"),
    "MW": ("兆瓦", "MW"),
    "CNY": ("元", "CNY"),
    "USD": ("美元", "USD"),
    "EUR": ("欧元", "EUR"),
    "HKD": ("港元", "HKD"),
    "GBP": ("英镑", "GBP"),
    "JPY": ("日元", "JPY"),
    "m2": ("平方米", "m²"),
    "m3": ("立方米", "m³"),
    "t": ("吨", "t"),
    "%": ("%", "%"),
    "persons": ("人", "persons"),
}
# How a published book prints each kind (a programme's declared outcomes, programme/services/selection.py).
KIND_LABELS_ZH = {
    "co2e_reduction": "减排量",
    "energy_saving": "节能量",
    "renewable_capacity": "可再生能源装机",
    "renewable_generation": "可再生能源发电量",
    "investment_or_finance": "投融资",
    "cost_saving": "节约成本",
    "storage_capacity": "储能规模",
    "revenue": "收入",
    "area": "面积",
    "percentage_reduction": "降幅",
    "users_or_participants": "参与人数",
    "intensity": "强度/因子",
    "target": "目标",
    "other": "其他",
}
PERIODS = ("annual", "cumulative", "unspecified")
# A period as people read it, (zh, en): pages, the published book's facts table, a declared
# outcome's line. 每年/累计 written next to a figure are what the extractor reads back as the same
# period; an unspecified period is not written beside a figure.
PERIOD_LABELS = {
    "annual": ("每年", "annual"),
    "cumulative": ("累计", "cumulative"),
    "unspecified": ("未说明", "unspecified"),
}
# Words that open a table's total row ("合计 12,300", "Total 4.5"; case-insensitive; "小计" adds the
# rows since the last one): text/cells.py reads them, the extractor counts that row as the total of
# the rows above it, and the table check adds those rows up against it.
TOTAL_ROW_WORDS = ("合计", "总计", "共计", "小计", "总量", "total")
# Whether a figure is a result: achieved, or a stated target/plan, a hypothetical ("若全行业推广…"),
# a projection ("预计…有望"). Totals and charts count achieved figures only.
STATUSES = ("achieved", "target", "hypothetical", "projection")
# Whose figure it is: the case's project, the whole organization ("集团全年…"), or a sector or
# region ("全行业每年节约…"). Totals count project figures.
# "part": a part of a total stated beside it ("…共 5 万吨，其中光伏 2 万吨"), counted in that total.
SCOPES = ("project", "organization", "sector", "part")
# Where a figure comes from: read from the text by the pipeline, or declared by an applicant as a
# structured record (kind, value, unit, period, status, their sentence) and confirmed by them.
ORIGINS = ("extracted", "declared")
# Kinds that measure what is installed (a stock), never a yearly flow: an annual period is
# refused for them when declared, and never given to them when extracted (extract/periods.py).
STOCK_KINDS = ("renewable_capacity", "storage_capacity")
# Kinds whose values add up across cases (per unit and period); others are shown as distributions.
ADDITIVE_KINDS = (
    "co2e_reduction",
    "energy_saving",
    "renewable_capacity",
    "renewable_generation",
    "investment_or_finance",
    "cost_saving",
    "storage_capacity",
)
QUALIFIERS = ("approx", "lower_bound")
# Claim checks (caseatlas/checks): what a flag says is wrong, how bad, and what a person decided.
CHECKS = (
    "factor",
    "magnitude",
    "unit-type",
    "missing-unit",
    "format",
    "sum",
    "product",
    "plausibility",
    "duplicate-value",
    "date",
    "period",
)
SEVERITIES = ("error", "warning", "note")
VERDICTS = ("confirmed", "dismissed")
ATTRIBUTE_KINDS = ("region", "sector", "industry", "measure", "standard", "system", "target")
GROUP_BY = ("sector", "chapter", "collection", "year", "province", "measure", "standard", "industry")
FACETS = ("collection", "year", "chapter", "sector", "province", "measure", "standard", "organization", "flag")
FLAG_ANY = "any"  # the flag facet's "has a flag" value; its others are checks (CHECKS)
# Facet name → the attribute kind it counts (the others come from cases and collections).
FACET_ATTRIBUTE = {"sector": "sector", "province": "region", "measure": "measure", "standard": "standard"}
SEARCH_MODES = ("auto", "text", "hybrid", "semantic")
EXPORT_FORMATS = ("jsonl", "csv", "xlsx")
EDITION_FORMATS = ("html", "pdf")  # a published book: a static HTML folder, or a print PDF

# Programmes (calls for cases). A call moves through these phases as its deadlines pass
# (services/rules.py): what each role may see and change depends on the phase.
PHASES = ("draft", "submission", "review", "discussion", "decision", "published")
DEADLINES = ("submission_deadline", "review_deadline", "discussion_deadline", "decision_deadline")
SUBMISSION_STATUSES = ("draft", "submitted")
# The decisions an organizer can make. "revise" (修改后再议) needs a revision round, which does not
# exist yet: it is not offered and the service refuses it (services/selection.decide); a submission
# that carries it from an older version is still read and shown (STORED_DECISIONS).
DECISIONS = ("accept", "reject")
STORED_DECISIONS = ("accept", "revise", "reject")
# Each decision's name (Chinese, English), the one spelling of it: the pages (web/i18n), the
# applicants' result mails and the service's messages all read it from here.
DECISION_LABELS = {
    "accept": ("入选", "accepted"),
    "revise": ("修改后再议", "revise"),
    "reject": ("未入选", "not selected"),
}
NOTIFICATION_KINDS = (
    "call_published",
    "submission_received",
    "review_assigned",
    "decision",
    "conflict_found",
    "invitation",
    "password_reset",
    # final versions (issue 25): finals open (the case accepted), text submitted, copy-edited,
    # approved (the proof waits), the applicant's answer to a proof
    "finals_open",
    "final_submitted",
    "final_edited",
    "final_approved",
    "proof_answer",
)
PROGRAMME_EXPORT_TABLES = ("submissions", "scores", "decisions")

# Who may do what. Anonymous readers can read the public library, as before accounts existed.
# Programme actions are granted by role here and then decided per resource (services/rules.py:
# the applicant's own submission, the reviewer's assignment and conflicts, the call's phase).
ROLES = ("admin", "organizer", "reviewer", "applicant")
PROGRAMME_ACTIONS = (
    "programme.read",
    "programme.create",
    "programme.manage",
    "submission.create",
    "submission.read",
    "submission.edit",
    "review.write",
    "review.read",
    "discussion.write",
    "conflict.declare",
    # final versions and proofs (issue 25): the accepted applicant's own final text, photos and sign-off
    "final.read",
    "final.write",
    "proof.sign",
)
ACTIONS = (
    "library.read",
    "library.ingest",
    "library.publish",
    "library.delete",
    "search.embed",
    "flags.verdict",
    "organizations.decide",
    "users.manage",
    "audit.read",
) + PROGRAMME_ACTIONS
GRANTS: dict[str, frozenset[str]] = {
    "anonymous": frozenset({"library.read", "programme.read"}),
    "applicant": frozenset(
        {
            "library.read",
            "programme.read",
            "submission.create",
            "submission.read",
            "submission.edit",
            "final.read",
            "final.write",
            "proof.sign",
        }
    ),
    "reviewer": frozenset(
        {
            "library.read",
            "programme.read",
            "submission.read",
            "review.write",
            "review.read",
            "discussion.write",
            "conflict.declare",
        }
    ),
    # Publishing a book (HTML/PDF) is the organizers' last step (传播); rendering a PDF is also
    # the costliest request there is, so it is not open to anonymous readers. Organizers add books
    # and remove or replace their own (whose book it is: services/rules.py, CollectionView).
    "organizer": frozenset(
        {
            "library.read",
            "library.ingest",
            "library.delete",
            "library.publish",
            "search.embed",
            "flags.verdict",
            "organizations.decide",
        }
    )
    | frozenset(PROGRAMME_ACTIONS),
    "admin": frozenset(ACTIONS),
    "system": frozenset(ACTIONS),  # the CLI on the machine that holds the library
}

OutcomeKind = Literal[OUTCOME_KINDS]  # type: ignore[valid-type]
Period = Literal[PERIODS]  # type: ignore[valid-type]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Scope = Literal[SCOPES]  # type: ignore[valid-type]
Origin = Literal[ORIGINS]  # type: ignore[valid-type]
GroupBy = Literal[GROUP_BY]  # type: ignore[valid-type]
AttributeKind = Literal[ATTRIBUTE_KINDS]  # type: ignore[valid-type]
SearchMode = Literal[SEARCH_MODES]  # type: ignore[valid-type]
ExportFormat = Literal[EXPORT_FORMATS]  # type: ignore[valid-type]
FlagFilter = Literal[(FLAG_ANY, *CHECKS)]  # type: ignore[valid-type]
EditionFormat = Literal[EDITION_FORMATS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Phase = Literal[PHASES]  # type: ignore[valid-type]
Decision = Literal[DECISIONS]  # type: ignore[valid-type]

# Final versions of accepted cases (issue 25): awaiting the applicant's final text → submitted by
# the applicant → edited by the organizer (copy-edit; the applicant sees the diff) → approved by the
# organizer (the book prints only an approved text). Labels for people: zh, en.
FINAL_STATES = ("awaiting", "submitted", "edited", "approved")
FINAL_STATE_LABELS = {
    "awaiting": ("待提交定稿", "awaiting the final text"),
    "submitted": ("已提交定稿", "final text submitted"),
    "edited": ("编辑已修改", "copy-edited"),
    "approved": ("定稿已确认", "approved"),
}
# A proof of a case: waiting for the applicant, signed off (签字确认), or changes asked for.
PROOF_STATUSES = ("pending", "signed", "changes")
PROOF_STATUS_LABELS = {
    "pending": ("待确认", "awaiting sign-off"),
    "signed": ("已签字确认", "signed off"),
    "changes": ("要求修改", "changes requested"),
}
