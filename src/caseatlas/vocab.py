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
# An outcome kind as pages, mails and exports name it for people, (zh, en) (web/i18n.py's kind_*).
OUTCOME_KIND_LABELS = {
    "co2e_reduction": ("减排量", "CO2e reduction"),
    "energy_saving": ("节能量", "Energy saving"),
    "renewable_capacity": ("可再生能源装机", "Renewable capacity"),
    "renewable_generation": ("可再生能源发电", "Renewable generation"),
    "investment_or_finance": ("投融资", "Investment / finance"),
    "area": ("面积", "Area"),
    "cost_saving": ("节约成本", "Cost saving"),
    "storage_capacity": ("储能规模", "Storage capacity"),
    "revenue": ("收入", "Revenue"),
    "percentage_reduction": ("降幅", "Percentage reduction"),
    "users_or_participants": ("参与人数", "Participants"),
    "target": ("目标", "Target"),
    "other": ("其他", "Other"),
    "intensity": ("强度/因子", "Intensity / factor"),
}
# The at-a-glance box of a published case: per kind, most telling first (the box shows one per
# kind, achieved ones first), its field label — at most six characters, so the printed line
# reads back as a field (segment/lines.py), never as a title or a heading — and the word put
# before the figure so the extractor reads the line back as that kind ("可再生能源：装机13兆瓦").
GLANCE_FIELDS = {
    "co2e_reduction": ("减排量", ""),
    "energy_saving": ("节能量", "节约"),
    "renewable_capacity": ("装机", "可再生能源"),
    "renewable_generation": ("发电", "可再生能源"),
    "investment_or_finance": ("投融资", ""),
    "storage_capacity": ("储能", "储能规模"),
    "cost_saving": ("经济效益", "节约成本"),
    "percentage_reduction": ("降幅", "降低"),
    "revenue": ("收入", "收入"),
    "users_or_participants": ("参与人数", ""),
    "area": ("面积", ""),
}
# How a figure's status is written around it in Chinese (before, after): "预计每年…", "…（目标）";
# the extractor reads each back as that status.
STATUS_WORDS_ZH = {"projection": ("预计", ""), "hypothetical": ("（假设情景）", ""), "target": ("", "（目标）")}
# The heading the programme's book prints the approved expert comment under; a published case
# whose last section is so headed prints it set apart (publish/edition.py).
COMMENT_HEADING = "专家点评"
# The kinds of the at-a-glance box as an English edition labels them.
KIND_LABELS_EN = {
    "co2e_reduction": "Emission reduction",
    "energy_saving": "Energy saved",
    "renewable_capacity": "Renewable capacity",
    "renewable_generation": "Renewable generation",
    "investment_or_finance": "Investment",
    "storage_capacity": "Storage",
    "cost_saving": "Cost saved",
    "percentage_reduction": "Reduction",
    "revenue": "Revenue",
    "users_or_participants": "Participants",
    "area": "Area",
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
    "verification",  # a declared figure a site visit could not verify (programme/services/visits.py)
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
SEARCH_MATCH = ("all", "any")  # every typed word must match, or any of them (issue 27)
EXPORT_FORMATS = ("jsonl", "csv", "xlsx")
EDITION_FORMATS = ("html", "pdf")  # a published book: a static HTML folder, or a print PDF

# Programmes (calls for cases). A call moves through these phases as its deadlines pass
# (services/rules.py): what each role may see and change depends on the phase.
PHASES = ("draft", "submission", "review", "discussion", "decision", "published")
DEADLINES = ("submission_deadline", "review_deadline", "discussion_deadline", "decision_deadline")
# withdrawn: by its applicant, before the call's book is published (programme/services/revisions.py);
# it leaves assignment, ranking, decisions, quotas and the book.
SUBMISSION_STATUSES = ("draft", "submitted", "withdrawn")
# The decisions an organizer can make. "修改后再议" is not a decision but a revision request
# (programme/services/revisions.py: requests, a deadline, the applicant's response, the diff), so
# "revise" is refused as a decision (services/selection.decide); a submission that carries it
# from an older version is still read and shown (STORED_DECISIONS).
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
    "invitation",  # to a call's panel: accept or decline (issue 25)
    "account_invitation",  # an account made without a password: choose one
    "password_reset",
    "reminder_draft",
    "reminder_review",
    "revision_request",  # to the applicant: the panel's requests and the deadline
    "revision_answered",  # to the organizers: the applicant resubmitted with a response
    "submission_withdrawn",  # to the organizers
    "formal_check",  # a 形式审查 verdict other than pass, with its reasons (programme/services/rounds.py)
    "visit_notice",
    # final versions (issue 25): finals open (the case accepted), text submitted, copy-edited,
    # approved (the proof waits), the applicant's answer to a proof
    "finals_open",
    "final_submitted",
    "final_edited",
    "final_approved",
    "proof_answer",
)
# A revision request's state: open until answered or its deadline passes (expired: computed from
# the time, never stored); closed when the submission is withdrawn.
REVISION_STATES = ("open", "answered", "expired", "closed")
# Rounds of review (issue 25): a call's ordered rounds. A check round is 形式审查, a checklist done by
# staff; a review round is scored by (a pool of) the panel on the round's own form. A round is
# pending (defined, editable), open (its people work) or closed (its shortlist carried on); a
# submission in a round is in it, advanced to the next or out, with a reason.
ROUND_KINDS = ("check", "review")
ROUND_STATUSES = ("pending", "open", "closed")
ENTRY_STATES = ("in", "advanced", "out")
CHECK_VERDICTS = ("pass", "return", "fail")  # 通过 / 退回修改 / 不通过
ROUND_LABELS = {"check": ("形式审查", "formal check"), "review": ("评审", "review")}
ENTRY_LABELS = {"in": ("本轮中", "in this round"), "advanced": ("晋级", "advanced"), "out": ("未晋级", "out")}
CHECK_VERDICT_LABELS = {"pass": ("通过", "passed"), "return": ("退回修改", "returned"), "fail": ("不通过", "failed")}
# Each kind's name for people (Chinese, English): the mail-template editor and the outbox.
NOTIFICATION_KIND_LABELS = {
    "call_published": ("征集发布", "Call published"),
    "submission_received": ("申报回执", "Submission received"),
    "review_assigned": ("评审分配", "Reviews assigned"),
    "decision": ("评审结果通知", "Decision letter"),
    "conflict_found": ("利益冲突", "Conflict found"),
    "invitation": ("评审邀请", "Invitation to the panel"),
    "account_invitation": ("账号邀请（设置密码）", "Account invitation"),
    "password_reset": ("重设密码", "Password reset"),
    "reminder_draft": ("草稿提醒", "Draft reminder"),
    "reminder_review": ("评审提醒", "Review reminder"),
    "revision_request": ("修改要求", "Revision request"),
    "visit_notice": ("调研核实通知", "Site visit notice"),
    "formal_check": ("形式审查结果", "Formal check result"),
    "revision_answered": ("修改稿已提交", "Revision answered"),
    "submission_withdrawn": ("申报已撤回", "Submission withdrawn"),
    "finals_open": ("入选并提交定稿", "Selected: send the final text"),
    "final_submitted": ("定稿已提交", "Final text submitted"),
    "final_edited": ("定稿已编辑", "Final text copy-edited"),
    "final_approved": ("定稿已确认", "Final text approved"),
    "proof_answer": ("校样答复", "Proof answered"),
}
# Kinds whose mail carries a secret link: the outbox keeps the body without it, and a resend or
# retry issues a fresh link rather than sending what is stored.
SECRET_NOTIFICATION_KINDS = ("invitation", "account_invitation", "password_reset")
# Reminders are automatic mails (RFC 3834 Auto-Submitted: auto-generated): nobody should reply.
AUTOMATIC_NOTIFICATION_KINDS = ("reminder_draft", "reminder_review")
NOTIFICATION_STATUSES = ("queued", "sent", "failed", "unsent")
MAIL_LANGS = ("zh", "en")
INVITATION_STATUSES = ("pending", "accepted", "declined")
REMINDER_OFFSETS = (3, 1)  # days before a deadline a reminder goes, unless the call sets its own
PROGRAMME_EXPORT_TABLES = ("submissions", "scores", "decisions")
# Site visits (调研核实): a visit's state, what its evidence is, the team's verdict on a declared figure.
VISIT_STATUSES = ("planned", "done", "cancelled")
VISIT_STATUS_LABELS = {
    "planned": ("已安排", "planned"),
    "done": ("已完成", "done"),
    "cancelled": ("已取消", "cancelled"),
}
EVIDENCE_KINDS = ("photo", "document")
FIGURE_VERDICTS = ("confirmed", "adjusted", "unverifiable")
FIGURE_VERDICT_LABELS = {
    "confirmed": ("核实无误", "confirmed"),
    "adjusted": ("核实调整", "adjusted"),
    "unverifiable": ("无法核实", "not verifiable"),
}
# What a team checks on site unless the organizer edits the list for a visit.
VISIT_CHECKLIST = (
    "项目现场与申报一致",
    "计量与监测记录",
    "第三方核证/审计报告",
    "能源账单/台账",
    "访谈记录",
)

# Background jobs (jobs/, services/jobs.py): the long operations the job queue runs, the action
# each needs (asked once, when it is queued), and the states of a job's record.
JOB_KINDS = ("book", "embed", "ingest")
JOB_ACTIONS = {"book": "library.publish", "embed": "search.embed", "ingest": "library.ingest"}
JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")
JOB_FINISHED = ("done", "failed", "cancelled")

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
    "submission.withdraw",
    "review.write",
    "review.read",
    "review.earlier",  # the scores of a submission's earlier rounds (the round's visibility decides)
    "discussion.write",
    "conflict.declare",
    "visit.manage",  # plan a site visit, its team, time and place (the call's organizers)
    "visit.record",  # fill its checklist, evidence, verdicts and report (the visit's team)
    "visit.read",
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
            "submission.withdraw",
            "visit.read",
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
            "review.earlier",
            "discussion.write",
            "conflict.declare",
            "visit.record",
            "visit.read",
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
RoundKind = Literal[ROUND_KINDS]  # type: ignore[valid-type]
RoundStatus = Literal[ROUND_STATUSES]  # type: ignore[valid-type]
EntryState = Literal[ENTRY_STATES]  # type: ignore[valid-type]
CheckVerdict = Literal[CHECK_VERDICTS]  # type: ignore[valid-type]
Scope = Literal[SCOPES]  # type: ignore[valid-type]
Origin = Literal[ORIGINS]  # type: ignore[valid-type]
GroupBy = Literal[GROUP_BY]  # type: ignore[valid-type]
JobKind = Literal[JOB_KINDS]  # type: ignore[valid-type]
JobStatus = Literal[JOB_STATUSES]  # type: ignore[valid-type]
AttributeKind = Literal[ATTRIBUTE_KINDS]  # type: ignore[valid-type]
SearchMode = Literal[SEARCH_MODES]  # type: ignore[valid-type]
SearchMatch = Literal[SEARCH_MATCH]  # type: ignore[valid-type]
ExportFormat = Literal[EXPORT_FORMATS]  # type: ignore[valid-type]
FlagFilter = Literal[(FLAG_ANY, *CHECKS)]  # type: ignore[valid-type]
EditionFormat = Literal[EDITION_FORMATS]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
Phase = Literal[PHASES]  # type: ignore[valid-type]
Decision = Literal[DECISIONS]  # type: ignore[valid-type]
VisitStatus = Literal[VISIT_STATUSES]  # type: ignore[valid-type]
FigureVerdict = Literal[FIGURE_VERDICTS]  # type: ignore[valid-type]

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
